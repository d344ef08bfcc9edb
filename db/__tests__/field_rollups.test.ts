import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

const rollUp = async () => {
  const client = await context.db.pool.connect();
  try {
    await client.query('select siem_private.mark_field_rollups()');
    await client.query('begin isolation level repeatable read');
    await client.query('select siem_private.roll_up_fields()');
    await client.query('commit');
  } finally {
    client.release();
  }
};
const sums = async () => (await context.db.pool.query('select field, bucket, value, sum(count)::int as n from public.field_rollups group by 1, 2, 3 order by 1, 2, 3')).rows;
const tables = ['field_rollups', 'field_rollup_minutes', 'field_rollup_fields'];

describe('field_rollups, field_rollup_minutes, field_rollup_fields', () => {
  it('compact_field_rollups merges the rows of finished minutes, sums unchanged, and drops expired minutes', async () => {
    const old = new Date(Date.now() - 30 * 60_000);
    for (let i = 0; i < 3; i++) {
      await sendBatch(context.agentPool, 'a', makeBatch([JSON.stringify({ src_ip: '10.0.0.1' }), JSON.stringify({ src_ip: '10.0.0.2' })], { timestamp: old }));
      await rollUp();
    }
    const before = await sums();
    expect((await context.db.pool.query('select count(*)::int as n from public.field_rollups')).rows[0].n).toBe(6);
    expect((await context.db.pool.query('select siem_private.compact_field_rollups() as n')).rows[0].n).toBe(2);
    expect(await sums()).toEqual(before);
    expect((await context.db.pool.query('select bool_and(compacted) as c from public.field_rollup_minutes')).rows[0].c).toBe(true);
    expect((await context.db.pool.query('select siem_private.compact_field_rollups() as n')).rows[0].n).toBe(0);
    await context.db.pool.query("select siem_private.compact_field_rollups(interval '10 minutes', interval '20 minutes')");
    expect((await context.db.pool.query('select (select count(*) from public.field_rollups)::int as r, (select count(*) from public.field_rollup_minutes)::int as m')).rows[0]).toEqual({ r: 0, m: 0 });
  });

  it('_710_forget_field_rollups drops the coverage of a minute whose events change fields or time, not for enrichment', async () => {
    await rollUp();
    await context.db.pool.query(`update public.events set enrichment = '{"tags": ["x"]}'`);
    expect((await context.db.pool.query('select count(*)::int as n from public.field_rollup_minutes')).rows[0].n).toBe(1);
    await context.db.pool.query(`update public.events set metadata = metadata || '{"src_ip": "10.0.0.3"}' where id = (select min(id) from public.events)`);
    expect((await context.db.pool.query('select count(*)::int as n from public.field_rollup_minutes')).rows[0].n).toBe(0);
  });

  it('are readable by analysts only, written by nobody but the owner, and hidden from the API', async () => {
    for (const table of tables) {
      await expect(context.db.asRole('siem_analyst', (c) => c.query(`select count(*) from public.${table}`))).resolves.toBeDefined();
      for (const role of ['siem_anonymous', 'siem_agent']) {
        await expect(context.db.asRole(role, (c) => c.query(`select count(*) from public.${table}`))).rejects.toThrow(/permission denied/);
      }
      await expect(context.db.asRole('siem_admin', (c) => c.query(`delete from public.${table}`))).rejects.toThrow(/permission denied/);
      const comment = (await context.db.pool.query(`select obj_description($1::regclass, 'pg_class') as c`, [`public.${table}`])).rows[0].c as string;
      expect(comment.startsWith('@behavior -*')).toBe(true);
    }
  });
});
