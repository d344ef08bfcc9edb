import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

/** Rollup rows that disagree with counting events directly (none when the triggers did their job). */
async function mismatches(): Promise<unknown[]> {
  const { rows } = await context.db.pool.query(`
    with actual as (
      select s.size, d.dim, s.bucket, d.val, count(*) as n
      from public.events e
      cross join lateral (values ('1m', date_trunc('minute', e.ts)), ('1h', date_trunc('hour', e.ts))) s(size, bucket)
      cross join lateral (values ('all', ''), ('event_type', e.event_type), ('host', e.host), ('source', e.source)) d(dim, val)
      group by 1, 2, 3, 4
    )
    -- the rollups are append-only: a key's rows sum to its count
    select * from actual a
    full join (select bucket_size, dimension, bucket, value, sum(count)::bigint as count from public.event_rollups group by 1, 2, 3, 4) r
      on r.bucket_size = a.size and r.dimension = a.dim and r.bucket = a.bucket and r.value = a.val
    where coalesce(a.n, 0) <> coalesce(r.count, 0)`);
  return rows;
}

describe('event_rollups (triggers _900_rollup_* on events)', () => {
  it('count every event the ingest path stores, per minute and hour, by type, host and source', async () => {
    await sendBatch(context.agentPool, 'a', makeBatch(['one', 'two', '{"event_type":"custom"}'], { host: 'h1', source: 's1' }));
    await sendBatch(context.agentPool, 'a', makeBatch(['three'], { host: 'h2', source: 's1', timestamp: new Date('2026-01-02T03:04:05Z') }));
    expect(await mismatches()).toEqual([]);
    const { rows } = await context.db.pool.query(
      "select value, sum(count)::bigint as count from public.event_rollups where bucket_size = '1h' and dimension = 'host' group by value order by value",
    );
    expect(rows).toEqual([{ value: 'h1', count: '3' }, { value: 'h2', count: '1' }]);
  });

  it('stay equal through concurrent batches, reparse-style updates and deletes', async () => {
    await Promise.all(Array.from({ length: 6 }, (_, i) => sendBatch(context.agentPool, 'a', makeBatch(Array.from({ length: 50 }, (_, j) => `line ${i}-${j}`), { host: `c${i % 2}` }))));
    await context.db.pool.query("update public.events set event_type = 'renamed' where message like 'line 1-%'");
    await context.db.pool.query("update public.events set enrichment = '{\"tags\": [\"x\"]}' where message like 'line 2-%'");
    await context.db.pool.query("delete from public.events where message like 'line 3-%'");
    expect(await mismatches()).toEqual([]);
  });

  it('follow an event moved to another day (another partition) or host, and ignore updates of other columns', async () => {
    await sendBatch(context.agentPool, 'a', makeBatch(Array.from({ length: 20 }, (_, j) => `move ${j}`), { host: 'm1' }));
    await context.db.pool.query("update public.events set ts = ts - interval '3 days' where message like 'move 1%'");
    await context.db.pool.query("update public.events set host = 'm2', enrichment = '{\"tags\": [\"y\"]}' where message like 'move 2%'");
    expect(await mismatches()).toEqual([]);
    const before = await context.db.pool.query('select count(*)::int as n from public.event_rollups');
    await context.db.pool.query("update public.events set enrichment = '{\"tags\": [\"z\"]}', host = host where message like 'move%'");
    const after = await context.db.pool.query('select count(*)::int as n from public.event_rollups');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('is readable by analysts only, and hidden from the API', async () => {
    await expect(context.db.asRole('siem_analyst', (c) => c.query('select count(*) from public.event_rollups'))).resolves.toBeDefined();
    for (const role of ['siem_anonymous', 'siem_agent']) {
      await expect(context.db.asRole(role, (c) => c.query('select count(*) from public.event_rollups'))).rejects.toThrow(/permission denied/);
    }
    await expect(context.db.asRole('siem_admin', (c) => c.query('delete from public.event_rollups'))).rejects.toThrow(/permission denied/);
  });
});
