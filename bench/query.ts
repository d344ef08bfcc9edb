import pg from 'pg';
import { addUser } from '../bin/commands/user.ts';
import { startApiServer } from '../api/server.ts';
import { withClient } from '../db/setup.ts';
import { startBenchDatabase } from './database.ts';
import type { Benchmark, Figure } from './types.ts';
import { percentile } from './percentile.ts';

const days = 7;
const eventTypes = [
  'ssh_failed', 'ssh_accepted', 'sudo', 'http_access', 'http_error', 'firewall_block', 'firewall_allow', 'dns_query',
  'windows_logon', 'windows_logon_failed', 'app_error', 'app_info', 'cron', 'kernel', 'mail', 'vpn_login',
  'db_slow_query', 'proxy', 'ids_alert', 'syslog',
];

/**
 * Events spread evenly over the last 7 days, in ts order per day, inserted with SQL on the real
 * `events` table (its indexes, partitions and rollup triggers). Deterministic: the same count gives
 * the same data. About 5 % of ssh_failed lines name root.
 */
export async function generate(ownerUrl: string, total: number, log: (message: string) => void): Promise<{ end: Date; rollSeconds: number }> {
  const end = new Date(Math.floor(Date.now() / 1000) * 1000);
  const start = new Date(end.getTime() - days * 86400_000);
  let rollSeconds = 0;
  await withClient(ownerUrl, async (client) => {
    for (let d = 0; d <= days; d++) {
      const day = new Date(start.getTime() + d * 86400_000).toISOString().slice(0, 10);
      await client.query("select siem_private.create_daily_partition('public.events', $1::date)", [day]);
    }
    const chunk = 250_000;
    const spacing = (days * 86400) / total; // seconds between consecutive events
    const started = performance.now();
    for (let first = 1; first <= total; first += chunk) {
      const last = Math.min(total, first + chunk - 1);
      await client.query(
        `insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
         select ts, ts, g, ts, '00000000-0000-4000-8000-000000000000',
                (array['syslog', 'nginx', 'app', 'firewall', 'windows'])[1 + h % 5],
                'host-' || lpad((h % 200)::text, 3, '0'),
                t,
                case t when 'ssh_failed' then 'Failed password for ' || u || ' from ' || ip || ' port ' || (1024 + h % 60000) || ' ssh2'
                       when 'http_access' then ip || ' - - "GET /api/items/' || (h % 5000) || ' HTTP/1.1" 200 ' || (h % 9000)
                       else t || ': event ' || g || ' user=' || u || ' src=' || ip end,
                jsonb_build_object('username', u, 'src_ip', ip)
         from (select g, h, $1::timestamptz + make_interval(secs => (g - 1) * $2::float8) as ts,
                      ($3::text[])[1 + (h / 7) % 20] as t,
                      case when h % 20 = 0 then 'root' else 'user' || (h % 500) end as u,
                      '10.' || (h % 250) || '.' || ((h / 250) % 250) || '.' || ((h / 62500) % 250) as ip
               from (select g, abs(hashint8(g::bigint)) as h from generate_series($4::bigint, $5::bigint) g) x) s`,
        [start, spacing, eventTypes, first, last],
      );
      const done = last;
      const seconds = (performance.now() - started) / 1000;
      if (done === total || Math.floor(done / chunk) % 8 === 0) log(`generated ${done.toLocaleString('en')} events (${Math.round(done / seconds).toLocaleString('en')}/s)`);
    }
    // What the worker does once a day is over: the trigram and enrichment indexes of sealed partitions.
    const { rows } = await client.query<{ statement: string }>('select statement from siem_private.partition_indexes_to_build()');
    const indexStarted = performance.now();
    for (const { statement } of rows) await client.query(statement);
    log(`built ${rows.length} search indexes on finished days in ${((performance.now() - indexStarted) / 1000).toFixed(1)} s`);
    await client.query('vacuum analyze public.events');
    await client.query('vacuum analyze public.event_rollups');
    // What the worker's field_rollups__update does as events arrive, here over everything at once.
    const rollStarted = performance.now();
    for (;;) {
      await client.query('begin isolation level repeatable read');
      const { rows: done } = await client.query<{ n: number }>(`select siem_private.roll_up_fields(500, interval '${days + 1} days') as n`);
      await client.query('commit');
      if (done[0]!.n === 0) break;
    }
    await client.query('select siem_private.compact_field_rollups()');
    await client.query('vacuum analyze public.field_rollups');
    rollSeconds = (performance.now() - rollStarted) / 1000;
    log(`rolled up src_ip, dst_ip and username in ${rollSeconds.toFixed(1)} s`);
  });
  return { end, rollSeconds };
}

async function measure(iterations: number, run: (i: number) => Promise<unknown>, warmup = 5): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmup; i++) await run(i); // warm the caches and the plan
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export const queryBenchmark: Benchmark = {
  name: 'query',
  description: 'API latency (HTTP/GraphQL) for search, hourly counts, top hosts and event detail over generated events, against plain SQL',
  async run({ quick, events, workDir, log }) {
    const total = events ?? (quick ? 200_000 : 10_000_000);
    const iterations = quick ? 20 : 100;
    const database = await startBenchDatabase(workDir);
    const figures: Figure[] = [];
    try {
      log(`PostgreSQL ${database.serverVersion}; generating ${total.toLocaleString('en')} events over ${days} days`);
      const loadStarted = performance.now();
      const { end, rollSeconds } = await generate(database.ownerUrl, total, log);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const size = await withClient(database.ownerUrl, async (c) => (await c.query("select pg_size_pretty(sum(pg_total_relation_size(inhrelid))) as s from pg_inherits where inhparent = 'public.events'::regclass")).rows[0].s as string);
      log(`loaded in ${loadSeconds.toFixed(0)} s, events with indexes: ${size}`);
      figures.push({ name: 'field_rollup_us_per_event', value: Math.round((rollSeconds * 1e6 / total) * 100) / 100, unit: 'µs', note: 'worker time to roll up src_ip, dst_ip and username (roll_up_fields), per event' });
      figures.push({ name: 'query_events', value: total, unit: 'events', note: `generated over ${days} days (${size} with indexes), loaded in ${loadSeconds.toFixed(0)} s with rollups and search indexes` });

      const api = await startApiServer({
        authenticatorUrl: database.authenticatorUrl, port: 0, host: '127.0.0.1', webDistDir: '/nonexistent', graphiql: false,
        jwtSecret: 'bench-secret-bench-secret-bench-secret',
      });
      const sql = new pg.Pool({ connectionString: database.ownerUrl, max: 2 });
      try {
        const { password } = await withClient(database.ownerUrl, (c) => addUser(c, 'bench@example.org', { role: 'analyst', password: 'bench password' }));
        const graphql = async (query: string, variables: Record<string, unknown>, token?: string) => {
          const response = await fetch(`${api.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ query, variables }),
          });
          const body = (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
          if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
          return body.data!;
        };
        const login = await graphql('mutation ($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { result } }', { e: 'bench@example.org', p: password });
        const token = (login.login as { result: string }).result;
        const dayStart = new Date(end.getTime() - 86400_000).toISOString();
        const weekStart = new Date(end.getTime() - days * 86400_000).toISOString();
        const endIso = end.toISOString();
        // Some events to open, spread over the week.
        const { rows: picks } = await sql.query<{ id: string; ts: Date }>(
          `select id, ts from public.events where ts >= $1 and ts < $2 and id % 997 = 0 order by id limit 200`, [weekStart, endIso]);

        const cases: { name: string; target: number; api: (i: number) => Promise<unknown>; sql: (i: number) => Promise<unknown>; sqlNote: string }[] = [
          {
            name: 'search',
            target: 100,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { searchEvents(start: $s, end: $e, eventTypes: ["ssh_failed"], q: "root", limit: 50) { rowId ts host source eventType message cursor } }',
              { s: dayStart, e: endIso }, token),
            sql: () => sql.query(`select * from public.search_events($1, $2, p_event_types => '{ssh_failed}', p_q => 'root', p_limit => 50)`, [dayStart, endIso]),
            sqlNote: 'the same search_events() call in SQL',
          },
          {
            name: 'search_select',
            target: 100,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { searchEvents(start: $s, end: $e, eventTypes: ["ssh_failed"], q: "root", limit: 50) { rowId ts host source eventType message cursor } }',
              { s: dayStart, e: endIso }, token),
            sql: () => sql.query(
              `select id, ts, host, source, event_type, message from public.events
               where ts >= $1 and ts < $2 and event_type = 'ssh_failed' and message ilike '%root%' order by ts desc, id desc limit 50`, [dayStart, endIso]),
            sqlNote: 'the same filter as one hand-written SELECT',
          },
          {
            name: 'hourly_by_type',
            target: 150,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { eventCounts(start: $s, end: $e, bucket: "1h", groupBy: "event_type") { bucket key count } }',
              { s: weekStart, e: endIso }, token),
            sql: () => sql.query(`select * from public.event_counts($1, $2, '1h', 'event_type')`, [weekStart, endIso]),
            sqlNote: 'the same rollup query in SQL',
          },
          {
            // The search page's histogram without filters: hourly rollups, edges counted from events.
            name: 'histogram_24h',
            target: 150,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { searchEventCounts(start: $s, end: $e, bucket: "1h") { bucket count } }',
              { s: dayStart, e: endIso }, token),
            sql: () => sql.query(`select * from public.search_event_counts($1, $2, '1h')`, [dayStart, endIso]),
            sqlNote: 'the same search_event_counts() call in SQL',
          },
          {
            // With the search case's filters (event type + free text): counted from events, exactly.
            name: 'histogram_24h_text',
            target: 1500,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { searchEventCounts(start: $s, end: $e, bucket: "1h", eventTypes: ["ssh_failed"], q: "root") { bucket count } }',
              { s: dayStart, e: endIso }, token),
            sql: () => sql.query(`select * from public.search_event_counts($1, $2, '1h', p_event_types => '{ssh_failed}', p_q => 'root')`, [dayStart, endIso]),
            sqlNote: 'the same search_event_counts() call in SQL',
          },
          {
            name: 'hourly_series',
            target: 150,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { eventCountSeries(start: $s, end: $e, bucket: "1h", groupBy: "event_type") }',
              { s: weekStart, e: endIso }, token),
            sql: () => sql.query(`select public.event_count_series($1, $2, '1h', 'event_type')`, [weekStart, endIso]),
            sqlNote: 'the same counts as one JSON document, in SQL',
          },
          {
            name: 'top_hosts',
            target: 300,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { topValues(start: $s, end: $e, field: "host", limit: 10) { value count } }',
              { s: dayStart, e: endIso }, token),
            sql: () => sql.query(`select * from public.top_values($1, $2, 'host', 10)`, [dayStart, endIso]),
            sqlNote: 'the same rollup query in SQL',
          },
          {
            name: 'top_src_ips',
            target: 300,
            api: () => graphql(
              'query ($s: Datetime!, $e: Datetime!) { topValues(start: $s, end: $e, field: "src_ip", limit: 10) { value count } }',
              { s: dayStart, e: endIso }, token),
            sql: () => sql.query(`select * from public.top_values($1, $2, 'src_ip', 10)`, [dayStart, endIso]),
            sqlNote: 'the same field rollup query in SQL',
          },
          {
            name: 'event_detail',
            target: 20,
            api: (i) => graphql(
              'query ($ts: Datetime!, $id: BigInt!) { event(ts: $ts, rowId: $id) { rowId ts receivedAt host source eventType message flags metadata enrichment exactBytes } }',
              { ts: picks[i % picks.length]!.ts.toISOString(), id: picks[i % picks.length]!.id }, token),
            sql: (i) => sql.query('select e.*, public.events_exact_bytes(e) from public.events e where ts = $1 and id = $2', [picks[i % picks.length]!.ts, picks[i % picks.length]!.id]),
            sqlNote: 'SELECT by primary key',
          },
        ];
        for (const c of cases) {
          const viaApi = await measure(iterations, c.api);
          const viaSql = await measure(iterations, c.sql);
          log(`${c.name}: API p50 ${round(viaApi.p50)} ms p95 ${round(viaApi.p95)} ms (target ${c.target}); SQL p50 ${round(viaSql.p50)} ms p95 ${round(viaSql.p95)} ms`);
          figures.push(
            { name: `${c.name}_api_p95`, value: round(viaApi.p95), unit: 'ms', note: `HTTP/GraphQL, ${iterations} runs (target <= ${c.target} ms), p50 ${round(viaApi.p50)} ms` },
            { name: `${c.name}_sql_p95`, value: round(viaSql.p95), unit: 'ms', note: `${c.sqlNote}, p50 ${round(viaSql.p50)} ms` },
            { name: `${c.name}_api_ratio`, value: Math.round((viaApi.p95 / Math.max(viaSql.p95, 0.01)) * 10) / 10, unit: 'x', note: 'API p95 / SQL p95' },
          );
        }
        // What the rollups save: the same answers by scanning events (a few runs, it is slow).
        const scans = [
          { name: 'hourly_by_type_scan', run: () => sql.query(`select date_trunc('hour', ts), event_type, count(*) from public.events where ts >= $1 and ts < $2 group by 1, 2`, [weekStart, endIso]) },
          { name: 'top_src_ips_scan', run: () => sql.query(`select metadata ->> 'src_ip', count(*) from public.events where ts >= $1 and ts < $2 and metadata ? 'src_ip' group by 1 order by 2 desc limit 10`, [dayStart, endIso]) },
          { name: 'top_hosts_scan', run: () => sql.query(`select host, count(*) from public.events where ts >= $1 and ts < $2 group by 1 order by 2 desc limit 10`, [dayStart, endIso]) },
        ];
        for (const scan of scans) {
          const timing = await measure(3, scan.run, 1);
          log(`${scan.name}: p50 ${round(timing.p50)} ms`);
          figures.push({ name: `${scan.name}_p50`, value: round(timing.p50), unit: 'ms', note: 'plain SQL scanning events (no rollups), for comparison' });
        }
      } finally {
        await sql.end();
        await api.stop();
      }
    } finally {
      await database.stop();
    }
    return figures;
  },
};
