import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { sendBatch } from '../agent/batch_sender.ts';
import { withClient } from '../db/setup.ts';
import { makeBatch } from '../test/batches.ts';
import { enrichSegments } from '../worker/enrichment/enrich.ts';
import { GeoIp } from '../worker/enrichment/geoip.ts';
import { openEnrichers } from '../worker/enrichment/options.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase, type BenchDatabase } from './database.ts';
import { bareCopy, siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

/** A deterministic public-looking IPv4 address (31.0.0.0/8 .. 94.0.0.0/8) from a number. */
function address(n: number): string {
  const x = Math.imul(n + 1, 2654435761) >>> 0;
  return `${31 + (x % 64)}.${(x >>> 8) & 255}.${(x >>> 16) & 255}.${1 + ((x >>> 24) % 254)}`;
}

interface Worker {
  stop(): Promise<void>;
}

/** Runs a bench/*.ts script in its own process and resolves with its first line of output. */
export async function startChild(script: string, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.on('exit', (code) => reject(new Error(`${script} exited with code ${code}`)));
  });
  return { child, line };
}

/** The worker in a child process (as in production, apart from the agents), DNS on a loopback server. */
export async function startBenchWorker(database: BenchDatabase, dnsServer: string): Promise<Worker> {
  const { child } = await startChild('worker_process.ts', [database.ownerUrl, dnsServer]);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Off means no enqueue trigger at all (not only the setting), so the baseline pays nothing for enrichment. */
const setEnrichment = (database: BenchDatabase, enabled: boolean) =>
  withClient(database.ownerUrl, async (client) => {
    await client.query('update siem_private.enrichment_settings set enabled = $1', [enabled]);
    await client.query(`alter table public.events ${enabled ? 'enable' : 'disable'} trigger _500_enqueue_enrichment`);
  });

export async function waitUntilDrained(database: BenchDatabase, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await withClient(database.ownerUrl, async (client) => {
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
         where t.identifier = 'events__enrich'`,
      );
      if (rows[0]!.n === 0) return;
      if (Date.now() > deadline) throw new Error('enrichment did not drain in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
}

/** GeoIP lookups per second in process, shipped country database, distinct addresses. */
async function geoipRate(count: number): Promise<number> {
  const geoip = await GeoIp.open();
  const ips = Array.from({ length: count }, (_, i) => address(i * 7 + 3));
  const started = performance.now();
  let found = 0;
  for (const ip of ips) if (geoip.lookup(ip)?.country) found++;
  const seconds = (performance.now() - started) / 1000;
  if (found < count / 2) throw new Error(`only ${found} of ${count} addresses found`);
  return count / seconds;
}

/** Sends `eps` events per second in batches every 200 ms for `seconds`; returns the achieved rate. */
async function sustained(database: BenchDatabase, eps: number, seconds: number, distinct: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: database.agentUrl, max: 4 });
  const perBatch = Math.round(eps / 5);
  const started = performance.now();
  let sent = 0;
  const inFlight: Promise<unknown>[] = [];
  try {
    for (let tick = 0; tick < seconds * 5; tick++) {
      const lines = Array.from({ length: perBatch }, (_, i) => {
        const n = (tick * perBatch + i) * 13;
        return JSON.stringify({ src_ip: address(n % distinct), dst_ip: address((n + 5) % distinct), action: 'allow', bytes: n % 9000 });
      });
      inFlight.push(sendBatch(pool, 'bench', makeBatch(lines, { source: 'bench-live', host: 'bench' })));
      sent += perBatch;
      const due = started + (tick + 1) * 200;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.all(inFlight);
  } finally {
    await pool.end();
  }
  return sent / ((performance.now() - started) / 1000);
}

/** 1M events over the last 29 days (daily partitions) and 10k new indicators; times public.retro_hunt. */
async function retroHunt(database: BenchDatabase, events: number, indicators: number, log: (message: string) => void) {
  return withClient(database.ownerUrl, async (client) => {
    await client.query('alter table public.events disable trigger _500_enqueue_enrichment');
    await client.query(`select siem_private.create_daily_partition('public.events'::regclass, (current_date - d)::date) from generate_series(1, 30) d`);
    let started = performance.now();
    await client.query(
      `insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
       select now() - (g::float8 / $1) * interval '29 days', now(), g, now(), $2::uuid, 'bench-retro', 'bench', 'json', 'retro',
              jsonb_build_object('src_ip', format('%s.%s.%s.%s', 31 + h % 64, (h >> 8) & 255, (h >> 16) & 255, 1 + (h >> 20) % 254),
                                 'dst_ip', format('10.%s.%s.%s', h & 255, (h >> 8) & 255, (h >> 16) & 255),
                                 'domain', case when g % 10 = 0 then format('host%s.example.com', h % 200000) end)
       from generate_series(1, $1) g cross join lateral (select (hashint4(g) & 2147483647) as h) x`,
      [events, randomUUID()],
    );
    // as events that have been around for a while are: hint bits set, statistics known
    await client.query('vacuum analyze public.events');
    log(`retro-hunt: ${events} events inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // Indicators: 8,900 addresses of events (the src_ip of every 97th event), 100 networks, 1,000 domains.
    const imported = await client.query<{ inserted: number }>(
      `select i.* from public.import_indicators('bench-retro', (
         select jsonb_agg(x) from (
           select jsonb_build_object('kind', 'ip', 'value', format('%s.%s.%s.%s', 31 + h % 64, (h >> 8) & 255, (h >> 16) & 255, 1 + (h >> 20) % 254)) as x
           from generate_series(1, $1) g cross join lateral (select (hashint4(g * 97) & 2147483647) as h) y
           union all
           select jsonb_build_object('kind', 'cidr', 'value', format('%s.%s.7.0/24', 40 + g % 50, g)) from generate_series(0, 99) g
           union all
           select jsonb_build_object('kind', 'domain', 'value', format('host%s.example.com', g * 97)) from generate_series(0, 999) g
         ) l)) i`,
      [indicators - 1100],
    );
    const ids = (await client.query<{ ids: string[] }>(`select array_agg(id) as ids from public.threat_indicators where feed = 'bench-retro'`)).rows[0]!.ids;
    started = performance.now();
    const matches = (await client.query<{ n: number }>('select public.retro_hunt($1, 30) as n', [ids])).rows[0]!.n;
    const seconds = (performance.now() - started) / 1000;
    log(`retro-hunt: ${imported.rows[0]!.inserted} indicators x ${events} events: ${matches} matches in ${seconds.toFixed(2)} s`);
    return { seconds, matches };
  });
}

export const enrichBenchmark: Benchmark = {
  name: 'enrich',
  description: 'enrichment: GeoIP lookups/s, ingest with enrichment on vs off, drain rate, p95 commit->enriched at 20k events/s, retro-hunt 1M events x 10k indicators',
  async run({ quick, workDir, log }) {
    const lines = quick ? 100_000 : 500_000;
    const files = await ensureMixedCorpus(workDir, lines);
    const database = await startBenchDatabase(workDir);
    const dnsProcess = await startChild('dns_process.ts', []);
    const dns = { address: dnsProcess.line, close: async () => void dnsProcess.child.kill('SIGTERM') };
    const figures: Figure[] = [];
    let worker: Worker | undefined;
    try {
      const lookups = await geoipRate(quick ? 200_000 : 1_000_000);
      figures.push({ name: 'enrich.geoip_lookups', value: Math.round(lookups), unit: 'lookups/s', note: 'GeoIp.lookup in process, shipped CC0 country database, distinct public addresses' });

      // Ingest of the mixed corpus, enrichment off (no jobs) and on (jobs + worker running beside it).
      const bare = await bareCopy(database.ownerUrl, Object.values(files), 1);
      log(`bare COPY ${bare.toFixed(2)} s`);
      const ingestAll = async () => {
        let seconds = 0;
        for (const [source, file] of Object.entries(files)) seconds += (await siemIngest(database, file, source)).streamSeconds;
        return seconds;
      };
      const truncate = () => withClient(database.ownerUrl, (client) => client.query('truncate events, quarantine, threat_matches; delete from siem_private.dns_cache'));
      let off = Infinity;
      let on = Infinity;
      let drainRate = 0;
      let enrichAlone = 0;
      // Cache-only DNS (inlineMs 0): the steady state, where answers come from the shared cache.
      const enrichers = await openEnrichers({
        geoipCityPath: undefined,
        geoipAsnPath: undefined,
        dns: { enabled: true, servers: [dns.address], timeoutMs: 1000, concurrency: 16, inlineMs: 0 },
        dnsCacheSeconds: 300,
        retroHuntDays: 30,
      });
      for (let round = 1; round <= (quick ? 1 : 2); round++) {
        await setEnrichment(database, false);
        // The worker runs in both rounds (rule evaluation, rollups): the ratio is enrichment's cost alone.
        worker = await startBenchWorker(database, dns.address);
        const offSeconds = await ingestAll();
        await worker.stop();
        worker = undefined;
        off = Math.min(off, offSeconds);
        log(`round ${round}: enrichment off: ${offSeconds.toFixed(2)} s`);
        // The same events enriched afterwards in one go, nothing else running: the enrichment path's own speed.
        const alone = await withClient(database.ownerUrl, async (client) => {
          const range = (await client.query<{ from: string; to: string; events: number }>(
            `select min(ts)::text as from, max(ts)::text as to, count(*) filter (where siem_private.has_observables(metadata))::int as events from events`,
          )).rows[0]!;
          const started = performance.now();
          await enrichSegments(client, [{ from: range.from, to: range.to }], enrichers);
          return { events: range.events, seconds: (performance.now() - started) / 1000 };
        });
        enrichAlone = Math.max(enrichAlone, alone.events / alone.seconds);
        log(`round ${round}: the ${alone.events} events with addresses enriched afterwards in one job: ${alone.seconds.toFixed(2)} s`);
        await truncate();
        await setEnrichment(database, true);
        worker = await startBenchWorker(database, dns.address);
        const started = performance.now();
        const onSeconds = await ingestAll();
        on = Math.min(on, onSeconds);
        await waitUntilDrained(database, 600_000);
        const drained = (performance.now() - started) / 1000;
        await worker.stop();
        worker = undefined;
        const enriched = (await withClient(database.ownerUrl, (client) => client.query<{ n: number }>(`select count(*)::int as n from events e where siem_private.event_enriched_at(e.ts, e.id) is not null and siem_private.has_observables(e.metadata)`))).rows[0]!.n;
        drainRate = Math.max(drainRate, enriched / drained);
        log(`round ${round}: enrichment on: ingest ${onSeconds.toFixed(2)} s, all ${enriched} events with addresses enriched ${drained.toFixed(2)} s after the start`);
        await truncate();
      }
      figures.push(
        { name: 'enrich.ingest_off', value: Number((bare / off).toFixed(3)), unit: 'ratio', note: `siem ingest of the mixed corpus (${lines} lines) / bare COPY, enrichment off` },
        { name: 'enrich.ingest_on', value: Number((bare / on).toFixed(3)), unit: 'ratio', note: 'the same with enrichment on and the worker enriching beside it (2 cores shared)' },
        { name: 'enrich.ingest_on_vs_off', value: Number((off / on).toFixed(3)), unit: 'ratio', note: 'ingest rate with enrichment on / off; target >= 0.9' },
        { name: 'enrich.drain_rate', value: Math.round(drainRate), unit: 'events/s', note: 'events with addresses enriched per second, from ingest start until the last job finished' },
        { name: 'enrich.bare_ingest', value: Math.round(lines / off), unit: 'lines/s', note: 'siem ingest, enrichment off, for comparison with the enrichment rates' },
        { name: 'enrich.enrich_alone', value: Math.round(enrichAlone), unit: 'events/s', note: 'the same events (those with addresses) enriched afterwards in one job, nothing else running; cache-only DNS' },
        { name: 'enrich.enrich_vs_ingest', value: Number((enrichAlone / (lines / off)).toFixed(2)), unit: 'ratio', note: 'enrich_alone / bare_ingest: enrichment speed relative to ingest in the same run' },
      );

      // Sustained 20,000 events/s of JSON events with two addresses each, worker running.
      await setEnrichment(database, true);
      worker = await startBenchWorker(database, dns.address);
      const seconds = quick ? 8 : 30;
      const achieved = await sustained(database, 20_000, seconds, 50_000);
      await waitUntilDrained(database, 120_000);
      await worker.stop();
      worker = undefined;
      const latency = (
        await withClient(database.ownerUrl, (client) =>
          client.query<{ p50: number; p95: number; max: number; n: number }>(
            `select percentile_cont(0.5) within group (order by l) as p50, percentile_cont(0.95) within group (order by l) as p95, max(l) as max, count(*)::int as n
             from (select extract(epoch from siem_private.event_enriched_at(ts, id) - received_at)::float8 as l from events where source = 'bench-live') x`,
          ),
        )
      ).rows[0]!;
      log(`sustained ${Math.round(achieved)} events/s for ${seconds} s: ${latency.n} events, latency p50 ${latency.p50.toFixed(3)} s, p95 ${latency.p95.toFixed(3)} s, max ${latency.max.toFixed(3)} s`);
      figures.push(
        { name: 'enrich.sustained_rate', value: Math.round(achieved), unit: 'events/s', note: `events sent (batches of ${20_000 / 5} every 200 ms, 50k distinct addresses) for ${seconds} s` },
        { name: 'enrich.p95_latency', value: Number(latency.p95.toFixed(3)), unit: 's', note: 'p95 from the batch transaction start (received_at) to the end of the job that enriched it, at that rate; target <= 2 s' },
      );
      await truncate();

      const retro = await retroHunt(database, quick ? 100_000 : 1_000_000, 10_000, log);
      figures.push({
        name: 'enrich.retro_hunt',
        value: Number(retro.seconds.toFixed(2)),
        unit: 's',
        note: `public.retro_hunt of 10k new indicators (8.9k addresses, 100 networks, 1k domains) over ${quick ? '100k' : '1M'} events of 29 days: ${retro.matches} matches`,
      });
      log(`PostgreSQL ${database.serverVersion}`);
      return figures;
    } finally {
      await worker?.stop();
      await dns.close();
      await database.stop();
    }
  },
};
