import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

/** One run of the worker's field rollup (field_rollups__update does the same). */
async function rollUp(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('select siem_private.mark_field_rollups()');
    await client.query('begin isolation level repeatable read');
    const { rows } = await client.query<{ n: number }>("select siem_private.roll_up_fields(100, interval '30 days') as n");
    await client.query('commit');
    return rows[0]!.n;
  } finally {
    client.release();
  }
}

type Row = { value: string | null; count: string };
const topValues = async (start: string, end: string, field: string, limit = 100) =>
  (await context.db.asRole('siem_analyst', (c) => c.query<Row>('select * from public.top_values($1, $2, $3, $4)', [start, end, field, limit]))).rows;
/** The plain GROUP BY that top_values must equal: whole minutes from the start's to the end's. */
const groupBy = async (start: string, end: string, field: string, limit = 100) =>
  (await context.db.pool.query<Row>(
    `select e.metadata ->> $3 as value, count(*) as count from public.events e
     where e.ts >= date_trunc('minute', $1::timestamptz) and date_trunc('minute', e.ts) < $2::timestamptz and e.metadata ->> $3 is not null
     group by 1 order by 2 desc, 1 limit $4`, [start, end, field, limit])).rows;

const at = (iso: string) => new Date(iso);
const line = (i: number) => JSON.stringify({ src_ip: `10.0.0.${i % 7}`, user: `u${i % 3}`, msg: `m${i}` });
const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => line(from + i));
const ranges: [string, string][] = [
  ['2026-11-20T10:00:00Z', '2026-11-20T11:00:00Z'],
  ['2026-11-20T10:01:30Z', '2026-11-20T10:03:10Z'],
  ['2026-11-20T10:02:00Z', '2026-11-20T10:02:00.001Z'],
  ['2026-11-20T09:00:00Z', '2026-11-20T10:01:00Z'],
];

async function expectEqualToGroupBy() {
  for (const [start, end] of ranges) {
    for (const field of ['src_ip', 'username', 'dst_ip']) {
      expect(await topValues(start, end, field), `${field} ${start} ${end}`).toEqual(await groupBy(start, end, field));
    }
  }
  expect(await topValues(ranges[0]![0], ranges[0]![1], 'src_ip', 3)).toEqual(await groupBy(ranges[0]![0], ranges[0]![1], 'src_ip', 3));
}

describe('top_values for rolled-up canonical fields (field_rollups)', () => {
  it('equals a GROUP BY over events before, during and after the worker rolls the minutes up', async () => {
    await sendBatch(context.agentPool, 'a', makeBatch(lines(0, 40), { timestamp: at('2026-11-20T10:01:15Z') }));
    await sendBatch(context.agentPool, 'a', makeBatch(lines(40, 25), { timestamp: at('2026-11-20T10:02:05Z') }));
    await sendBatch(context.agentPool, 'a', makeBatch(lines(65, 10), { timestamp: at('2026-11-20T10:03:59Z') }));
    await expectEqualToGroupBy(); // nothing rolled up: every minute counted from events
    expect(await rollUp(context.db.pool)).toBe(3);
    await expectEqualToGroupBy(); // every minute from the rollups
    // New rows in rolled-up minutes: the newer rows are added to the rollup at read time.
    await sendBatch(context.agentPool, 'a', makeBatch(lines(100, 30), { timestamp: at('2026-11-20T10:02:40Z') }));
    await sendBatch(context.agentPool, 'a', makeBatch(lines(130, 5), { timestamp: at('2026-11-20T10:04:00Z') }));
    await expectEqualToGroupBy();
    expect(await rollUp(context.db.pool)).toBe(2);
    await expectEqualToGroupBy();
  });

  it('reads the rollups, not the events, for minutes that are rolled up', async () => {
    await rollUp(context.db.pool);
    const [start, end] = ranges[0]!;
    const before = await topValues(start, end, 'src_ip');
    // A trace that only the rollup holds shows whether top_values read it.
    await context.db.pool.query(`insert into public.field_rollups (field, bucket, value, count) values ('src_ip', '2026-11-20T10:02:00Z', '192.0.2.1', 1000)`);
    expect((await topValues(start, end, 'src_ip'))[0]).toEqual({ value: '192.0.2.1', count: '1000' });
    await context.db.pool.query(`delete from public.field_rollups where value = '192.0.2.1'`);
    expect(await topValues(start, end, 'src_ip')).toEqual(before);
  });

  it('stays exact when rows arrive out of id order, are deleted or are re-parsed in place', async () => {
    await rollUp(context.db.pool);
    // A row with an id below the minute's max_id (a transaction that took its ids earlier and committed later).
    await context.db.pool.query(`
      insert into public.events (id, ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
      select 1, '2026-11-20T10:02:30Z', now(), 0, now(), gen_random_uuid(), 'test', 'h', 'json', 'late', '{"src_ip": "10.9.9.9"}'`);
    await expectEqualToGroupBy();
    await context.db.pool.query(`delete from public.events where message like '%"m4"%'`);
    await expectEqualToGroupBy();
    await context.db.pool.query(`update public.events set metadata = metadata || '{"src_ip": "10.8.8.8"}' where message like '%"m1%'`);
    await expectEqualToGroupBy();
    await rollUp(context.db.pool);
    await expectEqualToGroupBy();
    expect(await topValues(ranges[0]![0], ranges[0]![1], 'src_ip', 1)).toEqual([{ value: '10.8.8.8', count: expect.any(String) }]);
  });

  it('keeps the other paths: host from the hourly rollups, event types and other fields from events, bad fields refused', async () => {
    const [start, end] = ranges[0]!;
    expect((await topValues(start, end, 'host')).length).toBeGreaterThan(0);
    const withTypes = await context.db.asRole('siem_analyst', (c) => c.query<Row>("select * from public.top_values($1, $2, 'src_ip', 3, array['json'])", [start, end]));
    expect(withTypes.rows).toEqual((await context.db.pool.query<Row>(
      `select metadata ->> 'src_ip' as value, count(*) as count from public.events where ts >= $1 and ts < $2 and metadata ? 'src_ip' and event_type = 'json' group by 1 order by 2 desc, 1 limit 3`, [start, end])).rows);
    await expect(topValues(start, end, 'message; drop table events')).rejects.toThrow(/canonical field/);
  });
});
