import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

async function inRepeatableRead<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('select siem_private.mark_field_rollups()');
    await client.query('begin isolation level repeatable read');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
const rollUp = (pool: pg.Pool, minutes = 100) =>
  inRepeatableRead(pool, async (c) => (await c.query<{ n: number }>('select siem_private.roll_up_fields($1) as n', [minutes])).rows[0]!.n);

/** Rollup sums that differ from counting events directly, per field, minute and value. */
async function mismatches(): Promise<unknown[]> {
  const { rows } = await context.db.pool.query(`
    with actual as (
      select f.field, date_trunc('minute', e.ts) as bucket, e.metadata ->> f.field as value, count(*) as n
      from public.events e cross join public.field_rollup_fields f
      where e.metadata ->> f.field is not null group by 1, 2, 3
    ), rolled as (
      select field, bucket, value, sum(count) as n from public.field_rollups group by 1, 2, 3
    )
    select * from actual a full join rolled r using (field, bucket, value) where coalesce(a.n, 0) <> coalesce(r.n, 0)`);
  return rows;
}
const coverage = async () => (await context.db.pool.query<{ bucket: Date; event_count: string; fields: string[] }>('select bucket, event_count, fields from public.field_rollup_minutes order by bucket')).rows;
const minute = (offsetMinutes: number, seconds = 10) => {
  const t = new Date(Math.floor(Date.now() / 60_000) * 60_000 + offsetMinutes * 60_000 + seconds * 1000);
  return t;
};
const json = (n: number, tag: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ src_ip: `10.1.0.${i % 5}`, dst_ip: `10.2.0.${i % 2}`, user: `${tag}${i % 4}`, i }));

describe('siem_private.roll_up_fields', () => {
  it('counts each minute\'s values once, adding only the rows that arrived since its last run', async () => {
    await sendBatch(context.agentPool, 'a', makeBatch(json(20, 'a'), { timestamp: minute(-3) }));
    await sendBatch(context.agentPool, 'a', makeBatch(json(30, 'b'), { timestamp: minute(-2) }));
    expect(await rollUp(context.db.pool)).toBe(2);
    expect(await mismatches()).toEqual([]);
    expect((await coverage()).map((c) => [c.event_count, c.fields])).toEqual([['20', ['dst_ip', 'src_ip', 'username']], ['30', ['dst_ip', 'src_ip', 'username']]]);
    expect(await rollUp(context.db.pool)).toBe(0); // nothing new
    const rowsBefore = (await context.db.pool.query('select count(*)::int as n from public.field_rollups')).rows[0].n;
    await sendBatch(context.agentPool, 'a', makeBatch(json(5, 'c'), { timestamp: minute(-2, 40) }));
    expect(await rollUp(context.db.pool)).toBe(1);
    expect(await mismatches()).toEqual([]);
    // The new rows were appended (5 rows: 5 src_ip, 2 dst_ip... values), the minute was not counted again.
    const rowsAfter = (await context.db.pool.query('select count(*)::int as n from public.field_rollups')).rows[0].n;
    expect(rowsAfter - rowsBefore).toBe(5 + 2 + 4);
  });

  it('counts a minute again when its rows changed behind it (an older id committed late, a delete)', async () => {
    await context.db.pool.query(`
      insert into public.events (id, ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
      values (2, $1, now(), 0, now(), gen_random_uuid(), 'test', 'h', 'json', 'late', '{"src_ip": "10.9.9.9"}')`, [minute(-3, 30)]);
    await context.db.pool.query(`delete from public.events where metadata ->> 'username' = 'b1'`);
    expect(await rollUp(context.db.pool)).toBe(2);
    expect(await mismatches()).toEqual([]);
  });

  it('processes the newest minutes first, at most p_minutes per run, and rolls up a field added later', async () => {
    for (let m = -10; m <= -5; m++) await sendBatch(context.agentPool, 'a', makeBatch(json(3, 'd'), { timestamp: minute(m) }));
    await context.db.pool.query(`insert into public.field_rollup_fields (field) values ('process')`);
    expect(await rollUp(context.db.pool, 4)).toBe(4);
    const covered = (await coverage()).filter((c) => c.fields.includes('process')).map((c) => c.bucket.getTime());
    expect(covered).toEqual([minute(-5, 0), minute(-3, 0), minute(-2, 0), minute(-6, 0)].map((d) => d.getTime()).sort());
    while ((await rollUp(context.db.pool, 4)) > 0);
    expect(await mismatches()).toEqual([]);
  });

  it('counts no row above the watermark: ids taken by a transaction still in progress hold it back until it commits', async () => {
    const slow = await context.db.pool.connect();
    try {
      await slow.query('begin');
      await slow.query(`
        insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
        values ($1, now(), 0, now(), gen_random_uuid(), 'test', 'h', 'json', 'slow', '{"src_ip": "10.7.7.7"}')`, [minute(-1, 5)]);
      await rollUp(context.db.pool); // marks a watermark above the slow row's id, not ready while it runs
      await sendBatch(context.agentPool, 'a', makeBatch(json(4, 'f'), { timestamp: minute(-1, 20) }));
      await rollUp(context.db.pool);
      const counted = async () => (await context.db.pool.query(`select coalesce(sum(count), 0)::int as n from public.field_rollups where field = 'username' and value like 'f%'`)).rows[0].n;
      expect(await counted()).toBe(0); // committed, but above the watermark: read from events by top_values meanwhile
      await slow.query('commit');
    } finally {
      slow.release();
    }
    await rollUp(context.db.pool); // the watermark is ready now
    await rollUp(context.db.pool); // and the next one, above the batch
    expect(await mismatches()).toEqual([]);
  });

  it('needs a repeatable read transaction, and a run that overlaps another fails instead of counting twice', async () => {
    await expect(context.db.pool.query('select siem_private.roll_up_fields()')).rejects.toThrow(/repeatable read/);
    await sendBatch(context.agentPool, 'a', makeBatch(json(7, 'e'), { timestamp: minute(-1) }));
    const first = await context.db.pool.connect();
    const second = await context.db.pool.connect();
    try {
      await first.query('begin isolation level repeatable read');
      await second.query('begin isolation level repeatable read');
      await first.query('select siem_private.roll_up_fields(100)');
      await second.query('select 1'); // its snapshot is taken before the first run commits
      const secondRun = second.query('select siem_private.roll_up_fields(100)');
      await first.query('commit');
      await expect(secondRun).rejects.toMatchObject({ code: '40001' });
      await second.query('rollback');
    } finally {
      first.release();
      second.release();
    }
    await rollUp(context.db.pool);
    expect(await mismatches()).toEqual([]);
  });
});
