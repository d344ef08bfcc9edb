import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { addUser } from '../../bin/commands/user.ts';
import { loadMapping } from '../../db/rules/sigma/mapping.ts';
import { importRules } from '../../db/rules/import.ts';
import { withClient } from '../../db/setup.ts';
import { freePort } from '../../test/free_port.ts';
import { agentMetrics, committedLines, rssKb, sleep, startAgent, startDrillDatabase, stopProcess, treeMemoryKb, waitForLines, type DrillDatabase } from './cluster.ts';
import { seededRandom, type Random } from '../../agent/demo.ts';
import { trafficLine } from './traffic.ts';
import type { Drill } from './types.ts';

const ruleExamples = path.resolve(import.meta.dirname, '../../db/rules/examples/alert_rules.yaml');
const distDir = path.resolve(import.meta.dirname, '../../web/dist');
const processScript = path.resolve(import.meta.dirname, 'soak_process.ts');

/** The overview dashboard's GraphQL request (web/src/dashboards/OverviewPage.tsx), with alerts. */
const overviewQuery = `query Overview($start: Datetime!, $end: Datetime!, $bucket: String!, $hourStart: Datetime!, $quarterStart: Datetime!, $failedTypes: [String]) {
  overTime: eventCounts(start: $start, end: $end, bucket: $bucket) { bucket key count }
  byType: topValues(start: $start, end: $end, field: "event_type", limit: 10) { value count }
  byHost: topValues(start: $start, end: $end, field: "host", limit: 10) { value count }
  failedLogins: eventCounts(start: $start, end: $end, bucket: "1h", eventTypes: $failedTypes) { bucket key count }
  srcIps: topValues(start: $hourStart, end: $end, field: "src_ip", limit: 10) { value count }
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

/** The agent's maximum rate on this machine now: a pre-written file read from its start, lines per second until committed. */
async function measureMaxRate(database: DrillDatabase, dir: string, lines: number, random: Random): Promise<number> {
  const file = path.join(dir, 'max.log');
  const now = new Date();
  writeFileSync(file, Array.from({ length: lines }, (_, i) => trafficLine(random, i, now)).join('\n') + '\n');
  const settings = { name: 'soak-max', dir, agentUrl: database.agentUrl, files: [{ paths: [file], source: 'syslog', start_at: 'beginning' }], batch: { max_lines: 20_000, max_delay_ms: 200 } };
  const agent = startAgent(settings);
  try {
    // Time from the first batch committed, so the agent's start-up is not counted.
    const first = Date.now();
    let startedAt = 0;
    let atStart = 0;
    for (;;) {
      const n = (await committedLines(database.ownerUrl, settings.name)) ?? 0;
      if (n > 0 && startedAt === 0) [startedAt, atStart] = [Date.now(), n];
      if (n >= lines || Date.now() - first > 300_000) return Math.round((n - atStart) / Math.max((Date.now() - startedAt) / 1000, 0.1));
      await sleep(100);
    }
  } finally {
    await stopProcess(agent);
    rmSync(path.join(dir, 'state'), { recursive: true, force: true });
  }
}

interface Sample { at: number; agent: number; worker: number; api: number; postgres: number; postgresPss: number; lagMs: number; ruleBacklog: number; ruleLagMs: number }

/**
 * The soak: half the measured maximum ingest rate into a growing file read by `siem agent`, with the
 * worker (rules, enrichment, rollups) and the API (the overview dashboard's query, once a second)
 * running in their own processes. Bars: no error anywhere, each process's memory grows < 10 % from
 * the end of warm-up to the end, and the ingest lag stays bounded.
 */
export const soakDrill: Drill = {
  name: 'soak',
  description: 'soak: half the maximum ingest rate for 10 minutes (quick: 60 s) with the worker evaluating rules and the overview query every second; no errors, RSS growth < 10 %, bounded lag',
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
      const maxRate = options.rate ? undefined : await measureMaxRate(database, dir, quick ? 100_000 : 300_000, random);
      // The soak starts from empty tables, with the example rules enabled from then on.
      await withClient(database.ownerUrl, async (client) => {
        await client.query('truncate events_raw, events, quarantine, ingest_batches');
        await importRules(client, [ruleExamples], loadMapping());
      });
      const rate = options.rate ?? Math.round(maxRate! / 2);
      log(maxRate ? `maximum: ${maxRate} lines/s (agent, file from its start); the soak runs at half: ${rate} lines/s for ${seconds} s` : `rate given: ${rate} lines/s for ${seconds} s`);

      const worker = await startOwn('worker', [database.ownerUrl], errors);
      children.push(worker.child);
      const api = await startOwn('api', [database.authenticatorUrl, distDir], errors);
      children.push(api.child);
      const { password } = await withClient(database.ownerUrl, (c) => addUser(c, 'soak@example.org', { role: 'analyst', password: 'soak password' }));
      const graphql = async (query: string, variables: Record<string, unknown>, token?: string) => {
        const response = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
        const body = (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
        if (!response.ok || body.errors) throw new Error(`GraphQL ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
        return body.data!;
      };
      const login = await graphql('mutation ($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { result } }', { e: 'soak@example.org', p: password });
      const token = (login.login as { result: string }).result;

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
      const writer = (async () => {
        for (let tick = 0; !stopping && Date.now() - started < seconds * 1000; tick++) {
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
      let queries = 0;
      const queryMs: number[] = [];
      const dashboard = (async () => {
        while (!stopping && Date.now() - started < seconds * 1000) {
          const end = new Date();
          const t = performance.now();
          try {
            await graphql(overviewQuery, {
              start: new Date(end.getTime() - 3_600_000).toISOString(), end: end.toISOString(), bucket: '1m',
              hourStart: new Date(end.getTime() - 3_600_000).toISOString(), quarterStart: new Date(end.getTime() - 900_000).toISOString(), failedTypes: ['ssh_failed', 'windows_logon_failed'],
            }, token);
            queryMs.push(performance.now() - t);
            queries++;
          } catch (error) {
            errors.push(`dashboard: ${(error as Error).message}`);
          }
          await sleep(1000);
        }
      })();
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
        // Rows of batches that some enabled rule has not evaluated yet, and how long the oldest has waited.
        const rules = await withClient(database.ownerUrl, async (c) => (await c.query<{ n: number; age: number }>(
          `select coalesce(sum(cardinality(keys_id)), 0)::int as n, coalesce(extract(epoch from now() - min(created_at)) * 1000, 0)::int as age from siem_private.rule_outbox`,
        )).rows[0]!).catch(() => ({ n: -1, age: -1 }));
        samples.push({
          at: (Date.now() - started) / 1000,
          agent: rssKb(agent.pid!), worker: rssKb(worker.child.pid!), api: rssKb(api.child.pid!), postgres: pgMemory.private, postgresPss: pgMemory.pss,
          lagMs: since === undefined ? 0 : Date.now() - since,
          ruleBacklog: rules.n,
          ruleLagMs: rules.age,
        });
        if (agent.exitCode !== null || agent.signalCode !== null) { errors.push('the agent exited'); break; }
      }
      stopping = true;
      await Promise.all([writer, dashboard]);
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
      const queryP95 = [...queryMs].sort((a, b) => a - b)[Math.floor(queryMs.length * 0.95)] ?? 0;
      const summary = [
        `ingested ${written} lines in ${seconds} s (${Math.round(achieved)} lines/s, target ${rate}); ${stored} stored; ${queries} overview queries (p95 ${Math.round(queryP95)} ms); ${alerts} alerts raised by the worker`,
        ...memory.map((m) => `${m.key.padEnd(8)} ${m.key === 'postgres' ? 'private memory of all server processes' : 'RSS'} ${m.startMb.toFixed(0)} MB after warm-up (${warmupSeconds} s) -> ${m.endMb.toFixed(0)} MB at the end: ${m.percent >= 0 ? '+' : ''}${m.percent.toFixed(1)} % ${m.percent < 10 ? 'ok' : 'OVER 10 %'}`),
        `postgres PSS (shared buffers counted once; they fill up to shared_buffers, so not a bar) ${pss.startMb.toFixed(0)} MB -> ${pss.endMb.toFixed(0)} MB: ${pss.percent >= 0 ? '+' : ''}${pss.percent.toFixed(1)} %`,
        `ingest lag (oldest written line not yet committed, sampled every 2 s after warm-up): median ${lagP50} ms, max ${maxLag} ms (bar < ${lagBarMs} ms) ${lagOk ? 'ok' : 'OVER'}`,
        `rule evaluation lag (events in siem_private.rule_outbox not yet evaluated by every rule, age of the oldest): max ${backlogMax} events / ${ruleLagMax} ms, at the end ${backlogEnd} events / ${ruleLagEnd} ms; reported, not a bar`,
        `worker: ${worker.output.length} rule evaluations, the last: ${worker.output.at(-1) ?? 'none'}`,
        `errors: ${errors.length}${errors.length ? `: ${errors.slice(0, 5).join(' | ')}` : ''}`,
      ];
      return {
        ok: errors.length === 0 && memoryOk && lagOk && stored >= written,
        summary,
        figures: [
          ...(maxRate ? [{ name: 'soak.max_rate', value: maxRate, unit: 'lines/s', note: 'agent reading a pre-written file, measured first' }] : []),
          { name: 'soak.rate', value: Math.round(achieved), unit: 'lines/s', note: `sustained for ${seconds} s with the worker and the overview query running` },
          ...memory.map((m) => ({ name: `soak.${m.key}_growth`, value: Math.round(m.percent * 10) / 10, unit: '%', note: `${m.key} ${m.key === 'postgres' ? 'private memory (all server processes)' : 'RSS'} ${m.startMb.toFixed(0)} -> ${m.endMb.toFixed(0)} MB after warm-up; bar < 10 %` })),
          { name: 'soak.lag_max', value: maxLag, unit: 'ms', note: `oldest uncommitted line's age, max after warm-up (median ${lagP50} ms); bar < ${lagBarMs} ms` },
          { name: 'soak.rule_lag_max', value: ruleLagMax, unit: 'ms', note: `age of the oldest batch not yet evaluated by every rule, max after warm-up (${backlogMax} events at most; ${ruleLagEnd} ms / ${backlogEnd} events at the end)` },
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
