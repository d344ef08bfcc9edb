import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

describe('settings of the ingest functions', () => {
  it('turns JIT off wherever nested loops are off (such plans cost more than jit_above_cost)', async () => {
    const { rows } = await context.db.pool.query(
      `select p.oid::regprocedure::text as function
       from pg_proc p
       where p.proconfig::text like '%enable_nestloop=off%' and not 'jit=off' = any (p.proconfig)
       order by 1`,
    );
    expect(rows).toEqual([]);
  });

  it('lets the casts that catch errors run inside a parallel query (they stay in the leader)', async () => {
    const client = await context.db.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local force_parallel_mode = on');
      // (arguments from a function scan: constant arguments would be folded at plan time, outside the parallel query)
      const { rows } = await client.query(
        `select siem_private.try_json_object('{"a": ' || g || '}') as doc, siem_private.try_json_object('{broken' || g) as broken,
                siem_private.try_inet_text('2001:db8::' || g) as ip, siem_private.try_inet('nope' || g) as bad_ip
         from generate_series(1, 2) g`,
      );
      expect(rows).toEqual([
        { doc: { a: 1 }, broken: null, ip: '2001:db8::1', bad_ip: null },
        { doc: { a: 2 }, broken: null, ip: '2001:db8::2', bad_ip: null },
      ]);
      await client.query('rollback');
    } finally {
      client.release();
    }
  });
});
