import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { startTestApi, type TestApi } from './api_helpers.ts';

let db: TestDatabase;
let t: TestApi;
let token: string;
let apiToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApi(db);
  token = (await t.user('analyst')).token;
  apiToken = (await t.graphql<{ createApiToken: { result: string } }>('mutation { createApiToken(input: { name: "rest" }) { result } }', {}, token)).data!.createApiToken.result;
  await db.pool.query(
    `insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes)
     select '2026-11-20T10:00:00Z'::timestamptz + make_interval(mins => i), now(), i, now(), gen_random_uuid(),
            case when i % 2 = 0 then 'syslog' else 'nginx' end, 'web-1',
            case when i % 3 = 0 then 'ssh_failed' else 'http_access' end, 'line ' || i,
            case when i = 5 then '\\x6c696e652035ff'::bytea end
     from generate_series(1, 150) i`,
  );
});
afterAll(async () => {
  await t.stop();
  await db.drop();
});

describe('REST compatibility', () => {
  it('GET /events needs a JWT or an API token', async () => {
    const anonymous = await fetch(`${t.url}/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect((await t.rest('/events', 'garbage')).status).toBe(401);
    expect((await t.rest('/events?start=2026-11-20T00:00:00Z&end=2026-11-21T00:00:00Z', apiToken)).status).toBe(200);
  });

  it('GET /events filters and pages with a cursor, newest first', async () => {
    const range = 'start=2026-11-20T00:00:00Z&end=2026-11-21T00:00:00Z';
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Record<string, unknown> } = await t.rest(`/events?${range}&event_type=ssh_failed,http_access&source=syslog&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
      expect(page.status).toBe(200);
      const events = page.body.events as { id: number; ts: string; source: string }[];
      ids.push(...events.map((e) => e.id));
      for (const e of events) expect(e.source).toBe('syslog');
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    expect(ids).toHaveLength(75);
    expect(new Set(ids).size).toBe(75);
    const q = await t.rest(`/events?${range}&q=${encodeURIComponent("line 1' --")}`, token);
    expect(q.body.events).toEqual([]);
    const one = await t.rest(`/events?${range}&q=line%20150`, token);
    expect((one.body.events as { message: string }[]).map((e) => e.message)).toEqual(['line 150']);
  });

  it('GET /events/{id} returns the event with its exact bytes, 404 when absent', async () => {
    const { rows } = await db.pool.query("select id, ts from public.events where raw_id = 5");
    const byId = await t.rest(`/events/${rows[0].id}`, token);
    expect(byId.status).toBe(200);
    expect(Buffer.from(byId.body.exact_bytes as string, 'base64')).toEqual(Buffer.from('6c696e652035ff', 'hex'));
    const withTs = await t.rest(`/events/${rows[0].id}?ts=${encodeURIComponent(rows[0].ts.toISOString())}`, token);
    expect(withTs.body.id).toBe(Number(rows[0].id));
    expect((await t.rest('/events/999999', token)).status).toBe(404);
    expect((await t.rest('/events/abc', token)).status).not.toBe(200);
  });

  it('GET /events/aggregations/count counts per bucket from the rollups', async () => {
    const hourly = await t.rest('/events/aggregations/count?start=2026-11-20T00:00:00Z&end=2026-11-21T00:00:00Z&group_by=1h', token);
    expect(hourly.status).toBe(200);
    const buckets = hourly.body.buckets as { bucket: string; count: number }[];
    expect(buckets.reduce((s, b) => s + b.count, 0)).toBe(150);
    expect(buckets[0]).toEqual({ bucket: '2026-11-20T10:00:00.000Z', count: 59 });
    const ssh = await t.rest('/events/aggregations/count?start=2026-11-20T00:00:00Z&end=2026-11-21T00:00:00Z&group_by=1d&event_type=ssh_failed', token);
    expect(ssh.body.buckets).toEqual([{ bucket: '2026-11-20T00:00:00.000Z', count: 50 }]);
    const bad = await t.rest('/events/aggregations/count?group_by=2h', token);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/1m, 5m, 1h or 1d/);
    expect((await t.rest('/events?start=yesterday', token)).status).toBe(400);
    expect((await t.rest('/events?limit=100000', token)).status).toBe(400);
  });

  it('refuses writes', async () => {
    const response = await fetch(`${t.url}/events`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(response.status).toBe(405);
  });
});
