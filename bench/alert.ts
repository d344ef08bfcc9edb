import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sendBatch } from '../agent/batch_sender.ts';
import { clfTime } from '../agent/demo.ts';
import { withClient } from '../db/setup.ts';
import { compileRuleFiles, importRules, ruleFiles } from '../db/rules/import.ts';
import { installCompiledRule } from '../db/rules/compiled.ts';
import { loadMapping } from '../db/rules/sigma/mapping.ts';
import { makeBatch } from '../test/batches.ts';
import { failedSshLines } from '../test/rules.ts';
import { startSmtpSink } from '../worker/alerts/smtp_sink.ts';
import { startWorker } from '../worker/run.ts';
import { parentOf, serverAndBenchCpu } from './cpu.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase, type BenchDatabase } from './database.ts';
import { siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';
import { percentile } from './percentile.ts';

const examples = fileURLToPath(new URL('../db/rules/examples/alert_rules.yaml', import.meta.url));
const sigmaCorpus = path.resolve(import.meta.dirname, '../../shared/corpora/sigma/rules');

/** Background load: nginx access lines at `eventsPerSecond` over 4 connections, each sending a batch every second, until stopped. */
function backgroundLoad(pool: pg.Pool, eventsPerSecond: number) {
  let running = true;
  let sent = 0;
  const senders = 4;
  const perBatch = Math.round(eventsPerSecond / senders);
  // Access-log time of now, as nginx writes it: the events carry live timestamps.
  const stamp = () => clfTime(new Date());
  const line = (i: number, at: string) => `10.1.${(i >> 8) & 255}.${i & 255} - - [${at}] "GET /item/${i} HTTP/1.1" 200 512 "-" "bench"`;
  const started = performance.now();
  const loops = Array.from({ length: senders }, async (_, sender) => {
    for (let tick = 0; running; tick++) {
      const wait = started + sender * 250 + tick * 1000 - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const first = sent;
      sent += perBatch;
      const at = stamp();
      await sendBatch(pool, 'bench-load', makeBatch(Array.from({ length: perBatch }, (_, i) => line(first + i, at)), { source: 'nginx' }));
    }
  }).map((loop) => loop.catch((error: Error) => {
    running = false;
    console.error(`background load stopped: ${error.message}`);
  }));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return sent / ((performance.now() - started) / 1000);
    },
  };
}

interface RatioContext {
  database: BenchDatabase;
  ownerPool: pg.Pool;
  stopWorker: () => Promise<void>;
  quick: boolean;
  workDir: string;
  log: (message: string) => void;
}

/** Ingest of the mixed corpus with 100 compiled Sigma rules enabled over the same with none, the worker evaluating meanwhile. */
async function sigmaIngestRatio({ database, ownerPool, stopWorker, quick, workDir, log }: RatioContext): Promise<Figure[]> {
  if (!existsSync(sigmaCorpus)) {
    log('Sigma corpus absent: ingest ratio with 100 Sigma rules skipped');
    return [];
  }
  const files = await ensureMixedCorpus(workDir, quick ? 100_000 : 300_000);
  const postmaster = parentOf((await ownerPool.query('select pg_backend_pid() as pid')).rows[0].pid);
  // CPU of the whole run (server, worker, siem ingest), summed per configuration: on a machine
  // other jobs load, wall time is noise, CPU is not.
  const cpu = { without: 0, withRules: 0 };
  const ingestAll = async (into?: keyof typeof cpu) => {
    let seconds = 0;
    const before = serverAndBenchCpu(postmaster);
    for (const [source, file] of Object.entries(files)) seconds += (await siemIngest(database, file, source)).streamSeconds;
    if (into) {
      // until the worker has evaluated what this ingest committed
      await drained();
      cpu[into] += serverAndBenchCpu(postmaster) - before;
    }
    return seconds;
  };
  const drained = async () => {
    for (let i = 0; i < 600; i++) {
      const { rows } = await ownerPool.query(`select count(*)::int as n from graphile_worker.jobs where task_identifier <> 'partitions__maintain' and run_at <= now()`);
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const idle = async () => {
    // Let the worker finish what part 1 left (evaluation of the background load), then start clean.
    await drained();
    await ownerPool.query('truncate events, quarantine, alert_events, alerts cascade');
  };
  await withClient(database.ownerUrl, (client) => client.query(`update rules set enabled = false`));
  const sigma = compileRuleFiles(['windows/builtin', 'linux'].flatMap((dir) => ruleFiles(path.join(sigmaCorpus, dir))), loadMapping()).compiled.slice(0, 100);
  let without = Infinity;
  let withRules = Infinity;
  for (let round = 1; round <= 2; round++) {
    await withClient(database.ownerUrl, (client) => client.query(`update rules set enabled = false`));
    await idle();
    without = Math.min(without, await ingestAll('without'));
    log(`round ${round}: no rules enabled: ${without.toFixed(2)} s (best)`);
    await withClient(database.ownerUrl, async (client) => {
      for (const { rule } of sigma) await installCompiledRule(client, rule);
    });
    await idle();
    withRules = Math.min(withRules, await ingestAll('withRules'));
    log(`round ${round}: ${sigma.length} Sigma rules enabled: ${withRules.toFixed(2)} s (best)`);
  }
  // The same with the worker stopped: what the outbox trigger alone costs the ingest path.
  await idle();
  await stopWorker();
  const triggerOnly = await ingestAll();
  log(`${sigma.length} Sigma rules enabled, worker stopped: ${triggerOnly.toFixed(2)} s`);
  return [
    { name: 'alert.ingest_ratio_100_sigma', value: Number((without / withRules).toFixed(3)), unit: 'ratio', note: 'ingest rate with 100 compiled Sigma rules enabled (worker evaluating on the same 2 cores) / with none; target >= 0.8' },
    { name: 'alert.ingest_cpu_ratio_100_sigma', value: Number((cpu.without / cpu.withRules).toFixed(3)), unit: 'ratio', note: 'CPU seconds (server, worker, siem ingest) to ingest and evaluate the corpus with no rule enabled / with 100 Sigma rules: the ingest ratio a fully loaded machine would see, whatever else runs on it' },
    { name: 'alert.ingest_ratio_outbox', value: Number((without / triggerOnly).toFixed(3)), unit: 'ratio', note: 'the same with the worker stopped: the cost of the outbox trigger alone' },
  ];
}

export const alertBenchmark: Benchmark = {
  name: 'alert',
  description: 'commit of a triggering batch -> alert row -> SMTP acceptance under 20,000 events/s of background load; ingest ratio with 100 compiled Sigma rules enabled vs none',
  async run({ quick, workDir, log }) {
    const triggers = quick ? 8 : 20;
    const database = await startBenchDatabase(workDir);
    const sink = await startSmtpSink();
    const mailedAt = new Map<string, number>();
    const figures: Figure[] = [];
    const ownerPool = new pg.Pool({ connectionString: database.ownerUrl, max: 2 });
    const agentPool = new pg.Pool({ connectionString: database.agentUrl, max: 6 });
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    try {
      await withClient(database.ownerUrl, async (client) => {
        await importRules(client, [examples], loadMapping());
        // Every alert mails at once here (no per-rule throttle), so each trigger's mail is measured.
        await client.query(`update rules set throttle = '0'`);
      });
      worker = await startWorker({
        connectionString: database.ownerUrl,
        concurrency: 2,
        partitionDaysAhead: 2,
        mail: { smtpUrl: sink.url, from: 'bench@localhost', to: ['soc@localhost'], publicUrl: 'http://127.0.0.1:4000' },
        log: (message) => {
          if (/error|fail/i.test(message)) log(`worker: ${message}`);
        },
      });
      const onMail = setInterval(() => {
        for (const mail of sink.received.splice(0)) for (const ip of mail.raw.replace(/=\r?\n/g, "").match(/203\.0\.\d+\.\d+/g) ?? []) if (!mailedAt.has(ip)) mailedAt.set(ip, performance.now());
      }, 5);

      // Part 1: latency under load.
      const load = backgroundLoad(agentPool, 20_000);
      let achieved = 0;
      const toAlert: number[] = [];
      const toMail: number[] = [];
      try {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        for (let i = 0; i < triggers; i++) {
          const ip = `203.0.${Math.floor(i / 200)}.${(i % 200) + 1}`;
          await sendBatch(agentPool, 'bench-trigger', makeBatch(failedSshLines(10, new Date(Date.now() - 60_000), ip), { source: 'syslog' }));
          const committed = performance.now();
          for (;;) {
            const { rows } = await ownerPool.query('select 1 from alerts where entity = $1', [ip]);
            if (rows.length) break;
            if (performance.now() - committed > 30_000) {
              const state = await ownerPool.query(
                `select (select json_agg(e) from (select event_type, count(*) from events where metadata->>'src_ip' = $1 group by 1) e) trigger_events,
                   (select count(*) from rules where enabled) enabled_rules,
                   (select count(*) from siem_private.rule_outbox) as outbox_rows,
                   (select json_agg(c) from (select rule_id, evaluated_at, rows_seen, last_error from siem_private.rule_checkpoints) c) as checkpoints,
                   (select json_agg(j) from (select task_identifier, key, run_at, locked_at, attempts, last_error from graphile_worker.jobs) j) jobs, now()`,
                [ip],
              );
              console.error(JSON.stringify(state.rows[0], null, 1));
              throw new Error(`no alert for ${ip} after 30 s`);
            }
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          toAlert.push(performance.now() - committed);
          while (!mailedAt.has(ip)) {
            if (performance.now() - committed > 20_000) {
              const state = await ownerPool.query(`select (select json_agg(a) from (select id, entity, notified_at, created_at from alerts) a) alerts,
                (select json_agg(n) from alert_notifications n) notes, (select json_agg(j) from (select task_identifier, key, run_at, locked_at, attempts, last_error from graphile_worker.jobs) j) jobs, now()`);
              console.error(JSON.stringify(state.rows[0], null, 1));
              throw new Error(`no mail for ${ip} after 20 s`);
            }
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          toMail.push(mailedAt.get(ip)! - committed);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      } finally {
        achieved = await load.stop();
      }
      clearInterval(onMail);
      log(`background load achieved ${Math.round(achieved)} events/s; commit->alert ms: ${toAlert.map((v) => v.toFixed(0)).join(' ')}`);
      log(`commit->SMTP ms: ${toMail.map((v) => v.toFixed(0)).join(' ')}`);
      figures.push(
        { name: 'alert.load_eps', value: Math.round(achieved), unit: 'events/s', note: 'background ingest achieved (nginx lines, 4 connections each sending 5,000-line batches per second; target 20,000) while measuring' },
        { name: 'alert.commit_to_alert_p95', value: Math.round(percentile(toAlert, 95)), unit: 'ms', note: `p95 over ${triggers} bursts: batch commit -> alert row visible; target <= 2000` },
        { name: 'alert.commit_to_alert_p50', value: Math.round(percentile(toAlert, 50)), unit: 'ms', note: 'median of the same' },
        { name: 'alert.commit_to_smtp_p95', value: Math.round(percentile(toMail, 95)), unit: 'ms', note: 'p95: batch commit -> mail accepted by the SMTP server; target <= 5000' },
      );

      // Part 2: ingest with 100 compiled Sigma rules enabled vs none (worker running in both).
      const stopWorker = async () => {
        await worker?.stop();
        worker = undefined;
      };
      figures.push(...(await sigmaIngestRatio({ database, ownerPool, stopWorker, quick, workDir, log })));
      return figures;
    } finally {
      await worker?.stop();
      await ownerPool.end();
      await agentPool.end();
      await sink.stop();
      await database.stop();
    }
  },
};

/** Part 2 of the alert benchmark alone: the ingest ratio with 100 compiled Sigma rules. */
export const alertIngestBenchmark: Benchmark = {
  name: 'alert-ingest',
  description: 'the second part of alert alone: ingest rate with 100 compiled Sigma rules enabled (worker evaluating) over the rate with none',
  async run({ quick, workDir, log }) {
    const database = await startBenchDatabase(workDir);
    const ownerPool = new pg.Pool({ connectionString: database.ownerUrl, max: 2 });
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined = await startWorker({
      connectionString: database.ownerUrl,
      concurrency: 2,
      partitionDaysAhead: 2,
      log: (message) => {
        if (/error|fail/i.test(message)) log(`worker: ${message}`);
      },
    });
    const stopWorker = async () => {
      await worker?.stop();
      worker = undefined;
    };
    try {
      await withClient(database.ownerUrl, (client) => importRules(client, [examples], loadMapping()));
      return await sigmaIngestRatio({ database, ownerPool, stopWorker, quick, workDir, log });
    } finally {
      await stopWorker();
      await ownerPool.end();
      await database.stop();
    }
  },
};
