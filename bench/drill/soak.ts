import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { addUser } from '../../bin/commands/user.ts';
import { loadMapping } from '../../db/rules/sigma/mapping.ts';
import { importRules } from '../../db/rules/import.ts';
import { withClient } from '../../db/setup.ts';
import { roles } from '../../db/urls.ts';
import { freePort } from '../../test/free_port.ts';
import { agentMetrics, committedLines, rssKb, sleep, startAgent, startDrillDatabase, stopProcess, treeMemoryKb, waitForLines, type DrillDatabase } from './cluster.ts';
import { seededRandom, type Random } from '../../agent/demo.ts';
import { trafficLine } from './traffic.ts';
import type { Drill } from './types.ts';
import { percentile } from '../percentile.ts';

const ruleExamples = path.resolve(import.meta.dirname, '../../db/rules/examples/alert_rules.yaml');
const distDir = path.resolve(import.meta.dirname, '../../web/dist');
const processScript = path.resolve(import.meta.dirname, 'soak_process.ts');

/**
 * The overview dashboard's GraphQL request (web/src/dashboards/OverviewPage.tsx), with alerts, sent as
 * two: its `srcIps` widget (top source addresses over the last hour) on its own, so its latency is
 * measured apart; together they are the page's request.
 */
const srcIpsQuery = `query SrcIps($hourStart: Datetime!, $end: Datetime!) {
  srcIps: topValues(start: $hourStart, end: $end, field: "src_ip", limit: 10) { value count }
}`;
const overviewQuery = `query Overview($start: Datetime!, $end: Datetime!, $bucket: String!, $quarterStart: Datetime!, $failedTypes: [String]) {
  overTime: eventCounts(start: $start, end: $end, bucket: $bucket) { bucket key count }
  byType: topValues(start: $start, end: $end, field: "event_type", limit: 10) { value count }
  byHost: topValues(start: $start, end: $end, field: "host", limit: 10) { value count }
  failedLogins: eventCounts(start: $start, end: $end, bucket: "1h", eventTypes: $failedTypes) { bucket key count }
  ingest: eventCounts(start: $quarterStart, end: $end, bucket: "1m") { bucket key count }
  quarantines(first: 1) { totalCount }
  openAlerts: alerts(condition: { status: "open" }, first: 500) { totalCount nodes { rowId severity } }
}`;

/** A process of ours (worker or API) that prints "ready [url]"; its stderr lines are counted as errors. */
async function startOwn(kind: 'worker' | 'api', args: string[], errors: string[]): Promise<{ child: ChildProcess; url: string; output: string[] }> {
  const child = spawn(process.execPath, [processScript, kind, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GRAPHILE_ENV: 'production' } });
  createInterface({ input: child.stderr! }).on('line', (line) => errors.push(`${kind}: ${line}`));
  const lines = createInterface({ input: child.stdout! });
  const output: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('ready')) resolve(line.replace(/^ready ?/, ''));
      else output.push(line);
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before it was ready: ${errors.slice(-3).join(' / ')}`)));
  });
  return { child, url, output };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

/** The connection URLs of one database of the drill's server. */
interface Urls { ownerUrl: string; agentUrl: string; authenticatorUrl: string }
const onDatabase = (url: string, name: string) => Object.assign(new URL(url), { pathname: `/${name}` }).toString();

/** A copy of the freshly migrated drill database, so a calibration leaves nothing behind for the soak. */
async function copyDatabase(database: DrillDatabase, name: string): Promise<Urls & { drop(): Promise<void> }> {
  const template = new URL(database.ownerUrl).pathname.slice(1);
  await withClient(database.superuserUrl, (c) => c.query(`create database ${name} template ${template} owner ${roles.owner}`));
  return {
    ownerUrl: onDatabase(database.ownerUrl, name), agentUrl: onDatabase(database.agentUrl, name), authenticatorUrl: onDatabase(database.authenticatorUrl, name),
    drop: () => withClient(database.superuserUrl, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/** The agent's maximum rate on this machine now, alone: a pre-written file read from its start, lines per second until committed. */
async function measureAgentRate(urls: Urls, dir: string, lines: number, random: Random): Promise<number> {
  const file = path.join(dir, 'max.log');
  const now = new Date();
  writeFileSync(file, Array.from({ length: lines }, (_, i) => trafficLine(random, i, now)).join('\n') + '\n');
  const settings = { name: 'soak-max', dir, agentUrl: urls.agentUrl, files: [{ paths: [file], source: 'syslog', start_at: 'beginning' }], batch: { max_lines: 20_000, max_delay_ms: 200 } };
  const agent = startAgent(settings);
  try {
    // Time from the first batch committed, so the agent's start-up is not counted.
    const first = Date.now();
    let startedAt = 0;
    let atStart = 0;
    for (;;) {
      const n = (await committedLines(urls.ownerUrl, settings.name)) ?? 0;
      if (n > 0 && startedAt === 0) [startedAt, atStart] = [Date.now(), n];
      if (n >= lines || Date.now() - first > 300_000) return Math.round((n - atStart) / Math.max((Date.now() - startedAt) / 1000, 0.1));
      await sleep(100);
    }
  } finally {
    await stopProcess(agent);
    rmSync(path.join(dir, 'state'), { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

/** The worker and the API in their own processes, with the example rules enabled and an analyst logged in. */
async function startServices(urls: Urls, errors: string[]) {
  await withClient(urls.ownerUrl, (client) => importRules(client, [ruleExamples], loadMapping()));
  const children: ChildProcess[] = [];
  const worker = await startOwn('worker', [urls.ownerUrl], errors);
  children.push(worker.child);
  const api = await startOwn('api', [urls.authenticatorUrl, distDir], errors);
  children.push(api.child);
  const { password } = await withClient(urls.ownerUrl, (c) => addUser(c, 'soak@example.org', { role: 'analyst', password: 'soak password' }));
  const graphql = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
    if (!response.ok || body.errors) throw new Error(`GraphQL ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
    return body.data!;
  };
  const login = await graphql('mutation ($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { result } }', { e: 'soak@example.org', p: password });
  const token = (login.login as { result: string }).result;
  return {
    worker, api, children,
    /** The overview page's request once a second (its srcIps widget timed apart) until `running()` says stop. */
    dashboard(running: () => boolean) {
      const stats = { queries: 0, overviewMs: [] as number[], srcIpsMs: [] as number[], done: Promise.resolve() };
      stats.done = (async () => {
        while (running()) {
          const end = new Date();
          const hourStart = new Date(end.getTime() - 3_600_000).toISOString();
          let t = performance.now();
          try {
            await graphql(overviewQuery, {
              start: hourStart, end: end.toISOString(), bucket: '1m',
              quarterStart: new Date(end.getTime() - 900_000).toISOString(), failedTypes: ['ssh_failed', 'windows_logon_failed'],
            }, token);
            stats.overviewMs.push(performance.now() - t);
            t = performance.now();
            await graphql(srcIpsQuery, { hourStart, end: end.toISOString() }, token);
            stats.srcIpsMs.push(performance.now() - t);
            stats.queries++;
          } catch (error) {
            errors.push(`dashboard: ${(error as Error).message}`);
          }
          await sleep(1000);
        }
      })();
      return stats;
    },
  };
}

/** How far the worker is behind: events not yet evaluated by every rule, and events not yet enriched, with the age of the oldest. */
async function backlogs(ownerUrl: string) {
  return withClient(ownerUrl, async (c) => {
    const rules = await c.query<{ n: number; age: number }>(
      `select coalesce(sum(cardinality(keys_id)), 0)::int as n, coalesce(extract(epoch from now() - min(created_at)) * 1000, 0)::int as age from siem_private.rule_outbox`,
    ).then((r) => r.rows[0]!, () => ({ n: -1, age: -1 }));
    // Ranges of ids queued by ingest statements: their sizes bound the events waiting (ids of concurrent statements interleave).
    const enrichment = await c.query<{ n: number; age: number }>(
      `select coalesce(sum(max_id - min_id + 1), 0)::bigint::int as n, coalesce(extract(epoch from now() - min(queued_at)) * 1000, 0)::int as age from siem_private.enrichment_queue`,
    ).then((r) => r.rows[0]!, () => ({ n: -1, age: -1 }));
    return { rules, enrichment };
  }).catch(() => ({ rules: { n: -1, age: -1 }, enrichment: { n: -1, age: -1 } }));
}

interface PipelineRate {
  /** Events stored per second over the window. */
  storedRate: number;
  stored: number;
  seconds: number;
  rules: { n: number; age: number };
  enrichment: { n: number; age: number };
  /** The rate every stage kept up with: stored events minus the largest backlog, per second. */
  rate: number;
  srcIpsP95: number;
  errors: string[];
}

/**
 * The rate the whole pipeline sustains: the agent reads a file that a writer keeps ahead of it, as fast
 * as it can, while the worker (enrichment, rules, rollups) and the API (the overview page every
 * second) run. Over `seconds` from the first committed batch, the events stored per second; then how
 * far rule evaluation and enrichment were behind at the end. A stage that ended B events behind
 * handled (stored - B) in the window, so the pipeline's rate is (stored - the largest backlog) /
 * seconds (docs/drills.md).
 */
async function measurePipelineRate(urls: Urls, dir: string, seconds: number, random: Random): Promise<PipelineRate> {
  const errors: string[] = [];
  const services = await startServices(urls, errors);
  const file = path.join(dir, 'pipeline.log');
  writeFileSync(file, '');
  const settings = { name: 'soak-pipeline', dir, agentUrl: urls.agentUrl, files: [{ paths: [file], source: 'syslog', start_at: 'beginning', poll_ms: 100 }], batch: { max_lines: 20_000, max_delay_ms: 500 } };
  let written = 0;
  let stopping = false;
  // Keeps 200,000 to 400,000 lines ahead of the agent, stamped with the current time like the soak's.
  const append = () => {
    const now = new Date();
    const lines: string[] = [];
    for (const end = written + 200_000; written < end; written++) lines.push(trafficLine(random, written, now));
    appendFileSync(file, lines.join('\n') + '\n');
  };
  append();
  append();
  const agent = startAgent(settings);
  const dashboard = services.dashboard(() => !stopping);
  try {
    let startedAt = 0;
    let atStart = 0;
    const deadline = Date.now() + 120_000 + seconds * 1000;
    for (;;) {
      const committed = (await committedLines(urls.ownerUrl, settings.name)) ?? 0;
      if (committed > 0 && startedAt === 0) [startedAt, atStart] = [Date.now(), committed];
      if (startedAt > 0 && Date.now() - startedAt >= seconds * 1000) {
        const elapsed = (Date.now() - startedAt) / 1000;
        const behind = await backlogs(urls.ownerUrl);
        const stored = committed - atStart;
        const largest = Math.max(0, behind.rules.n, behind.enrichment.n);
        return {
          storedRate: Math.round(stored / elapsed), stored, seconds: elapsed, ...behind,
          rate: Math.max(1, Math.round(Math.max(0, stored - largest) / elapsed)),
          srcIpsP95: percentile(dashboard.srcIpsMs, 95),
          errors,
        };
      }
      if (Date.now() > deadline) throw new Error('the pipeline calibration stored nothing');
      if (written - committed < 200_000) append();
      await sleep(100);
    }
  } finally {
    stopping = true;
    await dashboard.done;
    await stopProcess(agent);
    for (const child of services.children.reverse()) await stopProcess(child, 'SIGTERM', 15_000);
    rmSync(path.join(dir, 'state'), { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

interface Sample { at: number; agent: number; worker: number; api: number; postgres: number; postgresPss: number; lagMs: number; ruleBacklog: number; ruleLagMs: number; enrichBacklog: number; enrichLagMs: number }

/**
 * The soak: half the maximum rate the pipeline sustains, into a growing file read by `siem agent`,
 * with the worker (rules, enrichment, rollups) and the API (the overview dashboard's query, once a
 * second) running in their own processes. Bars: no error anywhere, each process's memory grows < 10 %
 * from the end of warm-up to the end, and the ingest lag stays bounded.
 */
export const soakDrill: Drill = {
  name: 'soak',
  description: 'soak: half the maximum rate the whole pipeline sustains for 10 minutes (quick: 60 s) with the worker evaluating rules and the overview query every second; no errors, RSS growth < 10 %, bounded lag',
  async run({ quick, seed, workDir, log, options }) {
    const seconds = options.seconds ?? (quick ? 60 : 600);
    const warmupSeconds = Math.max(10, Math.round(seconds * 0.25));
    const lagBarMs = 10_000;
    const random = seededRandom(seed ^ 0x50a6);
    const dir = mkdtempSync(path.join(workDir, 'drill-soak-'));
    const database = await startDrillDatabase(workDir);
    const errors: string[] = [];
    const children: ChildProcess[] = [];
    try {
      // Calibration, each in a copy of the empty database: the agent alone (the old measure, printed
      // for comparison), then the whole pipeline; the soak runs at half the pipeline's rate.
      let agentRate: number | undefined;
      let pipeline: PipelineRate | undefined;
      if (!options.rate) {
        const alone = await copyDatabase(database, 'siem_drill_agent_alone');
        agentRate = await measureAgentRate(alone, dir, quick ? 100_000 : 300_000, random);
        await alone.drop();
        log(`maximum of the agent alone (file from its start, no worker, no API): ${agentRate} lines/s`);
        const full = await copyDatabase(database, 'siem_drill_pipeline');
        pipeline = await measurePipelineRate(full, dir, quick ? 20 : 60, random);
        await full.drop();
        log(`pipeline (agent as fast as it can, worker and API running) for ${pipeline.seconds.toFixed(0)} s: ${pipeline.storedRate} events stored/s; behind at the end: rules ${pipeline.rules.n} events (oldest ${pipeline.rules.age} ms), enrichment ${pipeline.enrichment.n < 0 ? 'unknown' : `${pipeline.enrichment.n} events (oldest ${pipeline.enrichment.age} ms)`}; srcIps p95 ${Math.round(pipeline.srcIpsP95)} ms${pipeline.errors.length ? `; ${pipeline.errors.length} errors: ${pipeline.errors.slice(0, 3).join(' | ')}` : ''}`);
        log(`maximum of the pipeline (stored minus the largest backlog, per second): ${pipeline.rate} lines/s`);
      }
      const rate = options.rate ?? Math.round(pipeline!.rate / 2);
      log(options.rate ? `rate given: ${rate} lines/s for ${seconds} s` : `the soak runs at half the pipeline's maximum: ${rate} lines/s for ${seconds} s`);

      const services = await startServices(database, errors);
      children.push(...services.children);
      const { worker, api } = services;

      const file = path.join(dir, 'soak.log');
      writeFileSync(file, '');
      const metricsPort = await freePort();
      const settings = { name: 'soak', dir, agentUrl: database.agentUrl, metricsPort, files: [{ paths: [file], source: 'syslog', start_at: 'beginning', poll_ms: 100 }], batch: { max_lines: 20_000, max_delay_ms: 500 } };
      const agent = startAgent(settings);
      children.push(agent);

      // Writer: `rate` lines per second in 100 ms ticks; writes[k] = [lines written so far, when].
      const writes: [number, number][] = [];
      let written = 0;
      let stopping = false;
      const started = Date.now();
      const running = () => !stopping && Date.now() - started < seconds * 1000;
      const writer = (async () => {
        while (running()) {
          const due = Math.round(((Date.now() - started) / 1000) * rate);
          const now = new Date();
          const lines: string[] = [];
          for (; written < due; written++) lines.push(trafficLine(random, written, now));
          if (lines.length > 0) {
            appendFileSync(file, lines.join('\n') + '\n');
            writes.push([written, Date.now()]);
          }
          await sleep(100);
        }
      })();
      // Dashboard: the overview query over the last hour, once a second.
      const dashboard = services.dashboard(running);
      // Sampler: memory of each process and the ingest lag, every 2 s.
      const samples: Sample[] = [];
      const oldestUncommitted = (committed: number) => {
        // The first write that holds a line beyond `committed`: its lines have waited since then.
        let previous = 0;
        for (const [upTo, at] of writes) {
          if (upTo > committed && previous <= committed) return at;
          previous = upTo;
        }
        return undefined;
      };
      while (Date.now() - started < seconds * 1000) {
        await sleep(2000);
        const committed = (await committedLines(database.ownerUrl, settings.name)) ?? 0;
        const since = oldestUncommitted(committed);
        const pgPid = database.postmasterPid();
        const pgMemory = pgPid ? treeMemoryKb(pgPid) : { pss: 0, private: 0 };
        const behind = await backlogs(database.ownerUrl);
        samples.push({
          at: (Date.now() - started) / 1000,
          agent: rssKb(agent.pid!), worker: rssKb(worker.child.pid!), api: rssKb(api.child.pid!), postgres: pgMemory.private, postgresPss: pgMemory.pss,
          lagMs: since === undefined ? 0 : Date.now() - since,
          ruleBacklog: behind.rules.n, ruleLagMs: behind.rules.age,
          enrichBacklog: behind.enrichment.n, enrichLagMs: behind.enrichment.age,
        });
        if (agent.exitCode !== null || agent.signalCode !== null) { errors.push('the agent exited'); break; }
      }
      stopping = true;
      await Promise.all([writer, dashboard.done]);
      const stored = await waitForLines(database.ownerUrl, settings.name, written, 120_000);
      const metrics = await agentMetrics(metricsPort).catch(() => new Map<string, number>());
      const sendFailures = metrics.get('siem_agent_batch_send_failures_total') ?? 0;
      if (sendFailures > 0) errors.push(`agent: ${sendFailures} batch send failures`);
      if (stored < written) errors.push(`only ${stored} of ${written} lines stored 120 s after the end`);
      const afterWarmup = samples.filter((s) => s.at >= warmupSeconds);
      const backlogMax = Math.max(0, ...afterWarmup.map((s) => s.ruleBacklog));
      const backlogEnd = afterWarmup.at(-1)?.ruleBacklog ?? 0;
      const ruleLagMax = Math.max(0, ...afterWarmup.map((s) => s.ruleLagMs));
      const ruleLagEnd = afterWarmup.at(-1)?.ruleLagMs ?? 0;
      const enrichMax = Math.max(0, ...afterWarmup.map((s) => s.enrichBacklog));
      const enrichLagMax = Math.max(0, ...afterWarmup.map((s) => s.enrichLagMs));
      const enrichEnd = afterWarmup.at(-1) ?? { enrichBacklog: 0, enrichLagMs: 0 };
      const alerts = await withClient(database.ownerUrl, async (c) => Number((await c.query('select count(*) as n from alerts')).rows[0].n));
      const jobErrors = await withClient(database.ownerUrl, async (c) =>
        (await c.query(`select task_identifier, last_error from graphile_worker.jobs where last_error is not null limit 5`)).rows.map((row) => `${row.task_identifier}: ${String(row.last_error).slice(0, 200)}`),
      );
      errors.push(...jobErrors.map((e) => `job: ${e}`));

      // Memory growth: mean of the samples just after warm-up against the mean of the last ones.
      const after = samples.filter((s) => s.at >= warmupSeconds);
      const window = Math.max(3, Math.round(after.length * 0.15));
      const growth = (key: 'agent' | 'worker' | 'api' | 'postgres' | 'postgresPss') => {
        const startMean = mean(after.slice(0, window).map((s) => s[key]));
        const endMean = mean(after.slice(-window).map((s) => s[key]));
        return { startMb: startMean / 1024, endMb: endMean / 1024, percent: ((endMean - startMean) / startMean) * 100 };
      };
      const memory = (['agent', 'worker', 'api', 'postgres'] as const).map((key) => ({ key, ...growth(key) }));
      const lags = samples.filter((s) => s.at >= warmupSeconds).map((s) => s.lagMs);
      const maxLag = Math.max(0, ...lags);
      const lagP50 = [...lags].sort((a, b) => a - b)[Math.floor(lags.length / 2)] ?? 0;
      const achieved = written / seconds;
      const memoryOk = memory.every((m) => m.percent < 10);
      const pss = growth('postgresPss');
      const lagOk = maxLag < lagBarMs;
      const queryP95 = percentile(dashboard.overviewMs, 95);
      const srcIps = { p50: percentile(dashboard.srcIpsMs, 50), p95: percentile(dashboard.srcIpsMs, 95), max: Math.max(0, ...dashboard.srcIpsMs) };
      const summary = [
        ...(agentRate && pipeline ? [`calibration: agent alone ${agentRate} lines/s; pipeline ${pipeline.storedRate} events stored/s, ${pipeline.rules.n} behind in rules and ${pipeline.enrichment.n} in enrichment at the end -> maximum ${pipeline.rate} lines/s`] : []),
        `ingested ${written} lines in ${seconds} s (${Math.round(achieved)} lines/s, target ${rate}); ${stored} stored; ${dashboard.queries} overview queries (p95 ${Math.round(queryP95)} ms without srcIps; srcIps p50 ${Math.round(srcIps.p50)} ms, p95 ${Math.round(srcIps.p95)} ms, max ${Math.round(srcIps.max)} ms); ${alerts} alerts raised by the worker`,
        ...memory.map((m) => `${m.key.padEnd(8)} ${m.key === 'postgres' ? 'private memory of all server processes' : 'RSS'} ${m.startMb.toFixed(0)} MB after warm-up (${warmupSeconds} s) -> ${m.endMb.toFixed(0)} MB at the end: ${m.percent >= 0 ? '+' : ''}${m.percent.toFixed(1)} % ${m.percent < 10 ? 'ok' : 'OVER 10 %'}`),
        `postgres PSS (shared buffers counted once; they fill up to shared_buffers, so not a bar) ${pss.startMb.toFixed(0)} MB -> ${pss.endMb.toFixed(0)} MB: ${pss.percent >= 0 ? '+' : ''}${pss.percent.toFixed(1)} %`,
        `ingest lag (oldest written line not yet committed, sampled every 2 s after warm-up): median ${lagP50} ms, max ${maxLag} ms (bar < ${lagBarMs} ms) ${lagOk ? 'ok' : 'OVER'}`,
        `rule evaluation lag (events in siem_private.rule_outbox not yet evaluated by every rule, age of the oldest): max ${backlogMax} events / ${ruleLagMax} ms, at the end ${backlogEnd} events / ${ruleLagEnd} ms; reported, not a bar`,
        `enrichment lag (id ranges in siem_private.enrichment_queue, age of the oldest): max ${enrichMax} events / ${enrichLagMax} ms, at the end ${enrichEnd.enrichBacklog} events / ${enrichEnd.enrichLagMs} ms; reported, not a bar`,
        `worker: ${worker.output.length} rule evaluations, the last: ${worker.output.at(-1) ?? 'none'}`,
        `errors: ${errors.length}${errors.length ? `: ${errors.slice(0, 5).join(' | ')}` : ''}`,
      ];
      return {
        ok: errors.length === 0 && memoryOk && lagOk && stored >= written,
        summary,
        figures: [
          ...(agentRate ? [{ name: 'soak.max_rate_agent', value: agentRate, unit: 'lines/s', note: 'the agent alone reading a pre-written file (no worker, no API), the old calibration' }] : []),
          ...(pipeline ? [
            { name: 'soak.pipeline_stored_rate', value: pipeline.storedRate, unit: 'events/s', note: `stored with the worker and API running, over ${pipeline.seconds.toFixed(0)} s; behind at the end: rules ${pipeline.rules.n} events / ${pipeline.rules.age} ms, enrichment ${pipeline.enrichment.n} events / ${pipeline.enrichment.age} ms` },
            { name: 'soak.max_rate', value: pipeline.rate, unit: 'lines/s', note: 'the pipeline: stored minus the largest backlog at the end, per second; the soak runs at half' },
          ] : []),
          { name: 'soak.rate', value: Math.round(achieved), unit: 'lines/s', note: `sustained for ${seconds} s with the worker and the overview query running` },
          ...memory.map((m) => ({ name: `soak.${m.key}_growth`, value: Math.round(m.percent * 10) / 10, unit: '%', note: `${m.key} ${m.key === 'postgres' ? 'private memory (all server processes)' : 'RSS'} ${m.startMb.toFixed(0)} -> ${m.endMb.toFixed(0)} MB after warm-up; bar < 10 %` })),
          { name: 'soak.lag_max', value: maxLag, unit: 'ms', note: `oldest uncommitted line's age, max after warm-up (median ${lagP50} ms); bar < ${lagBarMs} ms` },
          { name: 'soak.rule_lag_max', value: ruleLagMax, unit: 'ms', note: `age of the oldest batch not yet evaluated by every rule, max after warm-up (${backlogMax} events at most; ${ruleLagEnd} ms / ${backlogEnd} events at the end)` },
          { name: 'soak.enrichment_lag_max', value: enrichLagMax, unit: 'ms', note: `age of the oldest range waiting for enrichment, max after warm-up (${enrichMax} events at most)` },
          { name: 'soak.src_ips_p95', value: Math.round(srcIps.p95), unit: 'ms', note: `the overview's srcIps widget (topValues of src_ip over the last hour) alone, p50 ${Math.round(srcIps.p50)} ms, max ${Math.round(srcIps.max)} ms` },
          { name: 'soak.errors', value: errors.length, unit: 'count', note: 'API errors, worker errors, failed jobs, agent send failures; must be 0' },
        ],
      };
    } finally {
      for (const child of children.reverse()) await stopProcess(child, 'SIGTERM', 15_000);
      await database.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
