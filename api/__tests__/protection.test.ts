import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { startTestApi, type TestApi } from './api_helpers.ts';

let db: TestDatabase;
let t: TestApi;
let token: string;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApi(db);
  token = (await t.user('analyst')).token;
});
afterAll(async () => {
  await t.stop();
  await db.drop();
});

describe('protection', () => {
  it('refuses a deeply nested query before running it', async () => {
    let selection = 'rowId';
    for (let i = 0; i < 12; i++) selection = `rowId neighbours(limit: 2) { ${selection} }`;
    const result = await t.graphql(`{ searchEvents(start: "2026-01-01", end: "2027-01-01", limit: 1) { ${selection} } }`, {}, token);
    expect(result.errors![0]!.message).toMatch(/nested too deeply/);
  });

  it('refuses a query whose rows × fields exceed the cost limit', async () => {
    const result = await t.graphql(
      `{ searchEvents(start: "2026-01-01", end: "2027-01-01", limit: 500) { rowId message neighbours(limit: 500) { rowId message host source } } }`,
      {},
      token,
    );
    expect(result.errors![0]!.message).toMatch(/too expensive/);
  });

  it('refuses page sizes above 500, in literals and in variables, and unbounded event connections', async () => {
    expect((await t.graphql('{ events(first: 100000) { nodes { rowId } } }', {}, token)).errors![0]!.message).toMatch(/too many rows: at most 500/);
    expect((await t.graphql('query ($n: Int) { events(first: $n) { nodes { rowId } } }', { n: 501 }, token)).errors![0]!.message).toMatch(/at most 500/);
    expect((await t.graphql('{ events { nodes { rowId } } }', {}, token)).errors![0]!.message).toMatch(/needs first or last/);
    expect((await t.graphql('{ events(first: 10) { nodes { rowId } } }', {}, token)).errors).toBeUndefined();
  });

  it('refuses a huge query document', async () => {
    const huge = `{ ${Array.from({ length: 20000 }, (_, i) => `a${i}: viewer { email }`).join(' ')} }`;
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: huge }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
  });

  it('ends a slow statement at the role timeout and says so, without SQL or stack', async () => {
    // A slow function the analyst may call, then an API whose analyst timeout is 300 ms.
    await db.pool.query(`create function public.slow_probe() returns integer language sql volatile as 'select 1 from pg_sleep(2)'`);
    await db.pool.query('grant execute on function public.slow_probe() to siem_analyst');
    const strict = await startTestApi(db, { limits: { timeouts: { siem_anonymous: 300, siem_analyst: 300, siem_admin: 300 } } });
    try {
      const user = await strict.user('analyst');
      const started = Date.now();
      const result = await strict.graphql('mutation { slowProbe(input: {}) { result } }', {}, user.token);
      expect(Date.now() - started).toBeLessThan(1500);
      expect(result.errors![0]!.message).toMatch(/took too long/);
      expect(JSON.stringify(result)).not.toMatch(/pg_sleep|canceling statement|stack/);
    } finally {
      await strict.stop();
      await db.pool.query('drop function public.slow_probe()');
    }
  });

  it('answers database errors without SQL, stack traces or internal detail', async () => {
    const result = await t.graphql('{ searchEvents(start: "2026-01-01", end: "2027-01-01", fields: [1, 2]) { rowId } }', {}, token);
    expect(result.errors![0]!.message).toBe('fields must be a JSON object of canonical field values');
    const text = JSON.stringify(result);
    expect(text).not.toMatch(/stack|select |from public|plpgsql|line \d+/i);
    const denied = await t.graphql('{ auditLogs(first: 1) { nodes { rowId } } }', {}, token);
    expect(JSON.stringify(denied)).not.toMatch(/stack|select /i);
  });

  it('exposes request counts and latency histograms by operation on /metrics', async () => {
    await t.graphql('query MetricsProbe { viewer { email } }', {}, token);
    await t.rest('/events?limit=1', token);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/siem_api_requests_total\{operation="MetricsProbe",type="query",outcome="ok"\} 1/);
    expect(text).toMatch(/siem_api_request_duration_seconds_bucket\{le="[0-9.]+",operation="MetricsProbe",type="query"\}/);
    expect(text).toMatch(/siem_api_requests_total\{operation="anonymous",type="query",outcome="refused"\}/);
    expect(text).toMatch(/siem_api_rest_requests_total\{route="\/events",status="200"\} 1/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
  });
});
