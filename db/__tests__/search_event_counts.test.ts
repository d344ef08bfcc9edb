import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';

let db: TestDatabase;

// 600 events over 10 hours on two hosts and three event types, at odd seconds, so that ranges
// cut through minutes and hours.
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(`
    insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata, enrichment)
    select timestamptz '2026-03-02 08:00:07+00' + make_interval(secs => i * 61),
           now(), i, now(), gen_random_uuid(),
           case when i % 2 = 0 then 'syslog' else 'nginx' end,
           case when i % 3 = 0 then 'web-01' else 'db-01' end,
           (array['ssh_failed', 'ssh_accepted', 'http_request'])[1 + i % 3],
           'line ' || i || case when i % 5 = 0 then ' needle' else '' end,
           jsonb_build_object('username', case when i % 4 = 0 then 'root' else 'alice' end),
           case when i % 7 = 0 then '{"tags": ["tor-exit"]}'::jsonb else '{}'::jsonb end
    from generate_series(0, 599) i`);
});
afterAll(() => db?.drop());

type Filters = { sources?: string[]; hosts?: string[]; types?: string[]; tags?: string[]; fields?: object; q?: string };

async function histogram(start: string, end: string, bucket: string, f: Filters = {}) {
  return db.asRole('siem_analyst', async (client) => {
    const { rows } = await client.query<{ bucket: Date; count: string }>(
      'select bucket, count from public.search_event_counts($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [start, end, bucket, f.sources ?? null, f.hosts ?? null, f.types ?? null, f.tags ?? null, f.fields ? JSON.stringify(f.fields) : null, f.q ?? null],
    );
    return rows.map((r) => [r.bucket.toISOString(), Number(r.count)]);
  });
}

/** The same question asked the slow, obvious way: page through search_events and bucket its rows. */
async function expected(start: string, end: string, bucket: string, f: Filters = {}) {
  const width = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 }[bucket]!;
  const counts = new Map<string, number>();
  let cursor: string | null = null;
  for (;;) {
    const { rows }: { rows: { ts: Date; cursor: string }[] } = await db.pool.query(
      'select e.ts, public.events_cursor(e) as cursor from public.search_events($1, $2, $3, $4, $5, $6, $7, $8, $9, 500) e',
      [start, end, f.sources ?? null, f.hosts ?? null, f.types ?? null, f.tags ?? null, f.fields ? JSON.stringify(f.fields) : null, f.q ?? null, cursor],
    );
    for (const row of rows) {
      const key = new Date(Math.floor(row.ts.getTime() / width) * width).toISOString();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (rows.length < 500) break;
    cursor = rows[rows.length - 1]!.cursor;
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
}

describe('public.search_event_counts', () => {
  const ranges: [string, string, string][] = [
    ['2026-03-02T08:00:00Z', '2026-03-02T18:00:00Z', '1h'],
    ['2026-03-02T08:13:29Z', '2026-03-02T17:41:05Z', '1h'],
    ['2026-03-02T09:59:30Z', '2026-03-02T11:00:30Z', '5m'],
    ['2026-03-02T10:10:10Z', '2026-03-02T10:40:50Z', '1m'],
    ['2026-03-02T10:10:10Z', '2026-03-02T10:10:50Z', '1m'],
    ['2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', '1d'],
  ];
  const filters: Filters[] = [{}, { hosts: ['web-01'] }, { sources: ['nginx'] }, { types: ['ssh_failed', 'http_request'] }, { hosts: ['db-01'], types: ['ssh_failed'] }, { q: 'NEEDLE' }, { tags: ['tor-exit'] }, { fields: { username: 'root' } }, { hosts: ['web-01'], q: 'needle', fields: { username: 'root' } }];

  it('counts exactly the events the search returns, bucket by bucket, with every filter and odd range edges', async () => {
    for (const [start, end, bucket] of ranges) {
      for (const f of filters) {
        expect([start, end, bucket, f, await histogram(start, end, bucket, f)]).toEqual([start, end, bucket, f, await expected(start, end, bucket, f)]);
      }
    }
  });

  it('stays exact after events are deleted (the rollups subtract)', async () => {
    await db.pool.query(`delete from public.events where ts >= '2026-03-02 12:00:00+00' and ts < '2026-03-02 12:30:00+00' and host = 'web-01'`);
    for (const f of [{}, { hosts: ['web-01'] }]) {
      expect(await histogram('2026-03-02T08:13:29Z', '2026-03-02T17:41:05Z', '1h', f)).toEqual(await expected('2026-03-02T08:13:29Z', '2026-03-02T17:41:05Z', '1h', f));
    }
  });

  it('leaves out archived days, whose partitions are gone but whose rollups remain', async () => {
    await db.pool.query(`select siem_private.create_daily_partition('public.events', '2026-03-02')`);
    const before = await histogram('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', '1d');
    expect(before).toEqual(await expected('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', '1d'));
    expect(before.length).toBe(1);
    // What the archive run does: detach, export, drop, and record the day.
    const { rows } = await db.pool.query(`select siem_private.detach_daily_partition('events', '2026-03-02') as name`);
    await db.pool.query(`drop table siem_partitions.${rows[0].name}`);
    await db.pool.query(
      `insert into public.archive_index (table_name, day, path, columns, row_count, bytes, sha256) values ('events', '2026-03-02', '/x', '{}', 0, 0, repeat('0', 64))`,
    );
    for (const f of [{}, { hosts: ['web-01'] }]) {
      expect(await histogram('2026-03-01T00:00:00Z', '2026-03-04T00:00:00Z', '1d', f)).toEqual([]);
      expect(await histogram('2026-03-02T08:13:29Z', '2026-03-02T17:41:05Z', '1h', f)).toEqual([]);
    }
  });

  it('refuses a bad bucket, too many buckets, and a missing range; an empty range is no rows', async () => {
    await expect(histogram('2026-03-02T08:00:00Z', '2026-03-02T09:00:00Z', '2m')).rejects.toThrow(/bucket must be/);
    await expect(histogram('2020-01-01T00:00:00Z', '2026-03-02T09:00:00Z', '1m')).rejects.toThrow(/more than 10000 buckets/);
    await expect(db.pool.query('select * from public.search_event_counts(null, now())')).rejects.toThrow(/start and end are required/);
    expect(await histogram('2026-03-02T09:00:00Z', '2026-03-02T09:00:00Z', '1m')).toEqual([]);
  });

  it('is for analysts, not for agents or anonymous', async () => {
    for (const role of ['siem_agent', 'siem_anonymous']) {
      await expect(db.asRole(role, (c) => c.query(`select * from public.search_event_counts(now() - interval '1 hour', now())`))).rejects.toThrow(/permission denied/);
    }
  });
});
