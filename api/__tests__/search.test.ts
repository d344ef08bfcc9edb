import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { startTestApi, type TestApi } from './api_helpers.ts';

let db: TestDatabase;
let t: TestApi;
let token: string;
const base = Date.parse('2026-11-20T10:00:00Z');

interface Row {
  rowId: string;
  ts: string;
  cursor: string;
  message: string;
}

const searchQuery = `query Search($start: Datetime!, $end: Datetime!, $q: String, $eventTypes: [String], $hosts: [String], $sources: [String],
  $tags: [String], $fields: JSON, $cursor: String, $limit: Int) {
  searchEvents(start: $start, end: $end, q: $q, eventTypes: $eventTypes, hosts: $hosts, sources: $sources, tags: $tags, fields: $fields, cursor: $cursor, limit: $limit) {
    rowId ts cursor message
  }
}`;

async function search(variables: Record<string, unknown>) {
  const result = await t.graphql<{ searchEvents: Row[] }>(searchQuery, { start: '2026-11-19T00:00:00Z', end: '2026-11-22T00:00:00Z', ...variables }, token);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('; '));
  return result.data!.searchEvents;
}

beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApi(db);
  token = (await t.user('analyst')).token;
  // 120 events: 40 share one timestamp (the pagination trap), the rest one second apart.
  await db.pool.query(
    `insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata, enrichment, raw_bytes)
     select case when i <= 40 then $1::timestamptz else $1::timestamptz + make_interval(secs => i) end, now(), i, now(), gen_random_uuid(),
            case when i % 2 = 0 then 'syslog' else 'nginx' end,
            'host-' || (i % 3),
            case when i % 4 = 0 then 'ssh_failed' else 'http_access' end,
            case when i = 7 then 'weird 100%_done \\ o''hara; drop table events; --' else 'line ' || i || case when i % 5 = 0 then ' Failed password for root' else '' end end,
            case when i % 6 = 0 then '{"username": "root", "src_ip": "10.0.0.6"}'::jsonb else jsonb_build_object('username', 'u' || i) end,
            case when i = 9 then '{"tags": ["tor", "scanner"]}'::jsonb else '{}'::jsonb end,
            case when i = 11 then '\\x6c696e65203131ff00'::bytea end
     from generate_series(1, 120) i`,
    [new Date(base).toISOString()],
  );
});
afterAll(async () => {
  await t.stop();
  await db.drop();
});

describe('searchEvents', () => {
  it('pages by keyset without skipping or repeating rows that share a timestamp', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const rows = await search({ cursor, limit: 7 });
      seen.push(...rows.map((r) => r.rowId));
      if (rows.length < 7) break;
      cursor = rows[rows.length - 1]!.cursor;
    }
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    const all = await search({ limit: 500 });
    expect(all.map((r) => r.rowId)).toEqual(seen);
    // ts desc, then id desc
    const { rows } = await db.pool.query('select e.id::text as rid from public.events e order by e.ts desc, e.id desc');
    expect(seen.join(' ')).toEqual(rows.map((r) => r.rid).join(' '));
  });

  it('filters by event type, host, source, canonical fields, tags and free text', async () => {
    expect((await search({ eventTypes: ['ssh_failed'], limit: 500 })).length).toBe(30);
    expect((await search({ eventTypes: ['ssh_failed'], sources: ['syslog'], hosts: ['host-0'], limit: 500 })).length).toBe(10);
    expect((await search({ fields: { username: 'root' }, limit: 500 })).length).toBe(20);
    expect((await search({ tags: ['scanner'] })).map((r) => r.message)).toEqual(['line 9']);
    expect((await search({ q: 'FAILED PASSWORD', eventTypes: ['ssh_failed'], limit: 500 })).length).toBe(6);
  });

  it('treats SQL and LIKE metacharacters in q and filters as plain text', async () => {
    expect((await search({ q: "o'hara; drop table events; --" })).map((r) => r.message)).toHaveLength(1);
    expect((await search({ q: '100%_done' })).length).toBe(1);
    expect((await search({ q: '%' })).length).toBe(1);
    expect((await search({ q: '_' })).length).toBe(1);
    expect((await search({ q: '\\' })).length).toBe(1);
    expect(await search({ eventTypes: ["ssh_failed' or '1'='1"] })).toEqual([]);
    expect(await search({ hosts: ['x) or (1=1'] })).toEqual([]);
    expect(await search({ fields: { "username') or true --": 'x' } })).toEqual([]);
    const { rows } = await db.pool.query('select count(*)::int as n from public.events');
    expect(rows[0].n).toBe(120);
  });

  it('refuses bad cursors, oversized pages and a missing range with a clear message', async () => {
    await expect(search({ cursor: "1' or 1=1 --" })).rejects.toThrow(/invalid cursor/);
    await expect(search({ limit: 501 })).rejects.toThrow(/at most 500|between 1 and 500/);
    const missing = await t.graphql('{ searchEvents(start: "2026-11-19T00:00:00Z") { rowId } }', {}, token);
    expect(missing.errors![0]!.message).toMatch(/start and end are required/);
    expect(JSON.stringify(missing)).not.toMatch(/select|plpgsql|at \w+ \(/i);
  });

  it('counts totals up to a cap', async () => {
    const result = await t.graphql<{ a: { count: number; capped: boolean }; b: { count: number; capped: boolean } }>(
      `{ a: searchEventsTotal(start: "2026-11-19T00:00:00Z", end: "2026-11-22T00:00:00Z") { count capped }
         b: searchEventsTotal(start: "2026-11-19T00:00:00Z", end: "2026-11-22T00:00:00Z", cap: 50) { count capped } }`,
      {},
      token,
    );
    expect(result.data).toEqual({ a: { count: '120', capped: false }, b: { count: '50', capped: true } });
  });
});

describe('event detail', () => {
  it('has the exact bytes, fields, enrichment and neighbours of the same host', async () => {
    const { rows: [stored] } = await db.pool.query('select id::text as "rowId", ts from public.events where raw_id = 11');
    const row = { rowId: stored.rowId as string, ts: (stored.ts as Date).toISOString() };
    const detail = await t.graphql<{ event: { exactBytes: string; metadata: unknown; enrichment: unknown; host: string; neighbours: { rowId: string; ts: string }[] } }>(
      `query ($ts: Datetime!, $id: BigInt!) { event(ts: $ts, rowId: $id) { host metadata enrichment exactBytes neighbours(seconds: 5, limit: 10) { rowId ts } } }`,
      { ts: row!.ts, id: row!.rowId },
      token,
    );
    const event = detail.data!.event;
    expect(Buffer.from(event.exactBytes, 'base64')).toEqual(Buffer.from('6c696e65203131ff00', 'hex'));
    expect(event.metadata).toEqual({ username: 'u11' });
    expect(event.neighbours.length).toBeGreaterThan(0);
    for (const n of event.neighbours) expect(Math.abs(Date.parse(n.ts) - Date.parse(row!.ts))).toBeLessThanOrEqual(5000);
    const { rows } = await db.pool.query(
      `select count(*)::int as n from public.events where host = $1 and ts between $2::timestamptz - interval '5 s' and $2::timestamptz + interval '5 s' and id <> $3`,
      [event.host, row!.ts, row!.rowId],
    );
    expect(event.neighbours).toHaveLength(Math.min(rows[0].n, 10));
    const plain = await t.graphql<{ findEvent: { message: string; exactBytes: string } }>(`{ findEvent(id: "1") { message exactBytes } }`, {}, token);
    expect(Buffer.from(plain.data!.findEvent.exactBytes, 'base64').toString()).toBe(plain.data!.findEvent.message);
  });
});

describe('aggregations', () => {
  it('counts per bucket from the rollups, grouped or not, equal to counting events', async () => {
    const result = await t.graphql<{ all: { bucket: string; key: string | null; count: string }[]; byType: { key: string; count: string }[]; fiveMin: { count: string }[] }>(
      `{ all: eventCounts(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", bucket: "1h") { bucket key count }
         byType: eventCounts(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", bucket: "1d", groupBy: "event_type") { bucket key count }
         fiveMin: eventCounts(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", bucket: "5m", eventTypes: ["ssh_failed"]) { bucket key count } }`,
      {},
      token,
    );
    expect(result.errors).toBeUndefined();
    const iso = (rows: { bucket: string }[]) => rows.map((r) => ({ ...r, bucket: new Date(r.bucket).toISOString() }));
    expect(iso(result.data!.all)).toEqual([{ bucket: '2026-11-20T10:00:00.000Z', key: null, count: '120' }]);
    expect(iso(result.data!.byType as never)).toEqual([
      { bucket: '2026-11-20T00:00:00.000Z', key: 'http_access', count: '90' },
      { bucket: '2026-11-20T00:00:00.000Z', key: 'ssh_failed', count: '30' },
    ]);
    expect(result.data!.fiveMin.reduce((sum, r) => sum + Number(r.count), 0)).toBe(30);
  });

  it('gives the top values of host, event_type and canonical fields, and refuses other fields', async () => {
    const result = await t.graphql<{ hosts: { value: string; count: string }[]; users: { value: string; count: string }[] }>(
      `{ hosts: topValues(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", field: "host", limit: 2) { value count }
         users: topValues(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", field: "username", limit: 1) { value count } }`,
      {},
      token,
    );
    expect(result.data!.hosts).toHaveLength(2);
    expect(result.data!.users).toEqual([{ value: 'root', count: '20' }]);
    const bad = await t.graphql(`{ topValues(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", field: "message; drop table events") { value } }`, {}, token);
    expect(bad.errors![0]!.message).toMatch(/canonical field/);
    const badBucket = await t.graphql(`{ eventCounts(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", bucket: "7s") { count } }`, {}, token);
    expect(badBucket.errors![0]!.message).toMatch(/1m, 5m, 1h or 1d/);
  });
  it('keeps the rollups equal to the events through updates and deletes', async () => {
    await db.pool.query("update public.events set event_type = 'moved' where id <= 10");
    await db.pool.query("update public.events set enrichment = '{\"geo\": 1}' where id <= 20");
    await db.pool.query('delete from public.events where id between 100 and 109');
    const { rows } = await db.pool.query(
      `select r.value, sum(r.count)::bigint as count, (select count(*) from public.events e where e.event_type = r.value) as actual
       from public.event_rollups r where r.bucket_size = '1h' and r.dimension = 'event_type' group by r.value`,
    );
    for (const row of rows) expect(row.count).toBe(row.actual);
    // compaction merges the rows of a key and keeps the sums
    await db.pool.query(`select siem_private.compact_event_rollups('-1 day')`);
    const compacted = await db.pool.query(
      `select count(*)::int as rows, count(distinct (bucket_size, dimension, bucket, value))::int as keys from public.event_rollups`,
    );
    expect(compacted.rows[0].rows).toBe(compacted.rows[0].keys);
    const after = await db.pool.query(
      `select r.value, r.count, (select count(*) from public.events e where e.event_type = r.value) as actual
       from public.event_rollups r where r.bucket_size = '1h' and r.dimension = 'event_type'`,
    );
    for (const row of after.rows) expect(row.count).toBe(row.actual);
    await db.pool.query("update public.events set event_type = case when id % 4 = 0 then 'ssh_failed' else 'http_access' end where id <= 10");
  });

});

describe('eventCountSeries', () => {
  it('gives the same counts as eventCounts, as one JSON document per series', async () => {
    const result = await t.graphql<{ eventCountSeries: { bucket: string; series: { key: string; total: number; points: [string, number][] }[] }; eventCounts: { key: string; count: string }[] }>(
      `{ eventCountSeries(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", bucket: "1m", groupBy: "event_type")
         eventCounts(start: "2026-11-20T00:00:00Z", end: "2026-11-21T00:00:00Z", bucket: "1m", groupBy: "event_type") { key count } }`,
      {},
      token,
    );
    expect(result.errors).toBeUndefined();
    const { series, bucket } = result.data!.eventCountSeries;
    expect(bucket).toBe('1m');
    for (const s of series) {
      const expected = result.data!.eventCounts.filter((c) => c.key === s.key).reduce((sum, c) => sum + Number(c.count), 0);
      expect(s.total).toBe(expected);
      expect(s.points.reduce((sum, p) => sum + p[1], 0)).toBe(expected);
      expect(s.points[0]![0]).toMatch(/^2026-11-20T10:0\d:00Z$/);
    }
  });
});
