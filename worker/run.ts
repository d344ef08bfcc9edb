import { EventEmitter } from 'node:events';
import { Logger, run, type Runner, type Task, type TaskList, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { openEnrichers, type EnrichmentOptions } from './enrichment/options.ts';
import { makeDnsResolve } from './tasks/dns__resolve.ts';
import { makeEventsEnrich } from './tasks/events__enrich.ts';
import { intelRefreshFeeds } from './tasks/intel__refresh_feeds.ts';
import { makeIntelRetroHunt } from './tasks/intel__retro_hunt.ts';
import { makePartitionsMaintain } from './tasks/partitions__maintain.ts';
import { rulesEvaluate } from './tasks/rules__evaluate.ts';
import { ruleImportsCompile } from './tasks/rule_imports__compile.ts';
import { eventRollupsCompact } from './tasks/event_rollups__compact.ts';
import { fieldRollupsQueue, fieldRollupsUpdate } from './tasks/field_rollups__update.ts';
import { makeAlertsNotify } from './tasks/alerts__notify.ts';
import { createMailer, type MailSettings } from './alerts/mailer.ts';
import { makePartitionsArchive } from './tasks/partitions__archive.ts';
import type { ArchiveSettings } from './archive.ts';
import { makeDatabaseBackup, type ScheduledBackupSettings } from './tasks/database__backup.ts';
import { metricCountsCompact } from './tasks/metric_counts__compact.ts';
import type { Registry } from 'prom-client';
import { installWorkerMetrics } from './metrics.ts';
import { checkedCrontab, projectCrontab } from './schedule.ts';
import { makeBackgroundPriority } from './priority.ts';

export interface WorkerOptions {
  connectionString: string;
  concurrency: number;
  partitionDaysAhead: number;
  /** Default: the bundled country database, no reverse DNS. */
  enrichment?: EnrichmentOptions;
  /** Where alert emails go; without it alerts are raised but nobody is emailed. */
  mail?: MailSettings;
  /** Without it (tests), partitions are not archived and not dropped. */
  archive?: Omit<ArchiveSettings, 'log'>;
  /** Without it (tests), no scheduled backups. */
  backup?: ScheduledBackupSettings;
  /** Registers the worker's and the database's metrics here (served by the caller). */
  registry?: Registry;
  /** The crontab's text; default worker/crontab. */
  crontab?: string;
  log: (message: string) => void;
}

/** Every task this worker knows; alerts__notify, partitions__archive and database__backup run only when configured. */
export const workerTasks = [
  'partitions__maintain',
  'events__enrich',
  'dns__resolve',
  'intel__retro_hunt',
  'intel__refresh_feeds',
  'rules__evaluate',
  'rule_imports__compile',
  'alerts__notify',
  'partitions__archive',
  'database__backup',
  'metric_counts__compact',
  'event_rollups__compact',
  'field_rollups__update',
] as const;
type WorkerTask = (typeof workerTasks)[number];
/** Tasks that run on the enrichment runner (see startWorker). */
const enrichmentTasks: ReadonlySet<string> = new Set<WorkerTask>(['events__enrich', 'dns__resolve', 'intel__retro_hunt']);

const quietEnrichment: EnrichmentOptions = {
  geoipCityPath: undefined,
  geoipAsnPath: undefined,
  dns: { enabled: false, servers: [], timeoutMs: 1000, concurrency: 4, inlineMs: 0 },
  dnsCacheSeconds: 300,
  retroHuntDays: 30,
};

/** pg_stat_activity's names for the worker's job connections; enrichment's run at background priority. */
export const workerApplicationName = 'siem worker';
export const enrichmentApplicationName = 'siem worker enrichment';

/** A pool for graphile-worker's jobs: lost connections are logged, not thrown; `onConnect` sees each new one. */
function jobPool(options: Pick<WorkerOptions, 'connectionString' | 'log'>, max: number, applicationName: string, onConnect?: (client: pg.Client) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: options.connectionString, max, application_name: applicationName });
  pool.on('error', (error) => options.log(`database connection lost: ${error.message}`));
  pool.on('connect', (client) => {
    client.on('error', (error) => options.log(`database connection lost: ${error.message}`));
    onConnect?.(client);
  });
  return pool;
}

export interface Worker {
  runner: Runner;
  stop(): Promise<void>;
}

/**
 * The graphile-worker queue of rules__evaluate (also named by siem_private.enqueue_rule_evaluation and
 * the crontab): passes run one at a time. A batch committed during a pass adds a second job, which
 * waits for the pass and then takes everything that arrived meanwhile, instead of evaluating in
 * parallel on the other slot and taking the CPU ingest needs.
 */
export const rulesQueue = 'siem_rules';

/**
 * Ingest transactions that find the coalesced rules__evaluate job held by another transaction
 * NOTIFY siem_rules instead of waiting; this turns each notification (delivered at their commit)
 * into the same coalesced job, at most once per 20 ms.
 */
async function listenForRuleEvaluation(connectionString: string, runner: Runner, log: (message: string) => void) {
  const client = new pg.Client({ connectionString });
  client.on('error', (error) => log(`rules listener connection lost: ${error.message}`));
  await client.connect();
  let pending: Promise<void> | undefined;
  client.on('notification', () => {
    pending ??= new Promise<void>((resolve) => setTimeout(resolve, 20))
      .then(() => runner.addJob('rules__evaluate', {}, { jobKey: 'rules__evaluate', jobKeyMode: 'preserve_run_at', maxAttempts: 5, priority: -5, queueName: rulesQueue }))
      .then(() => undefined, (error: Error) => log(`could not enqueue rules__evaluate: ${error.message}`))
      .finally(() => (pending = undefined));
  });
  await client.query('listen siem_rules');
  return {
    async stop() {
      await pending;
      await client.end().catch(() => {});
    },
  };
}

/** Runs graphile-worker with the project's tasks and crontab; partitions are maintained at once. */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  // A malformed crontab line or an unknown task stops the start here, before anything is opened.
  const crontabText = options.crontab ?? projectCrontab();
  checkedCrontab(crontabText, workerTasks, workerTasks);
  const logger = new Logger((scope) => (level, message) => {
    if (level === 'debug') return;
    options.log(`${scope.taskIdentifier ? `[${scope.taskIdentifier}] ` : ''}${message}`);
  });
  // Our own pool, so stopping can wait until every connection is closed before the database stops
  // (runner.stop() returns earlier).
  const pgPool = jobPool(options, 2 * options.concurrency + 3, workerApplicationName);
  const enrichment = options.enrichment ?? quietEnrichment;
  const enrichers = await openEnrichers(enrichment);
  const mailer = options.mail ? createMailer(options.mail) : undefined;
  const events = new EventEmitter() as WorkerEvents;
  // Metrics read the database on their own small pool, never delaying a job's connection.
  const metricsPool = options.registry ? new pg.Pool({ connectionString: options.connectionString, max: 2 }) : undefined;
  metricsPool?.on('error', () => {});
  if (options.registry && metricsPool) {
    installWorkerMetrics({ registry: options.registry, pool: metricsPool, events, backupDir: options.backup?.backupDir, log: options.log });
  }
  const tasks: Record<WorkerTask, Task | undefined> = {
    partitions__maintain: makePartitionsMaintain(options.partitionDaysAhead),
    events__enrich: makeEventsEnrich(enrichers),
    dns__resolve: makeDnsResolve(enrichers.dns, enrichment.dnsCacheSeconds),
    intel__retro_hunt: makeIntelRetroHunt(enrichment.retroHuntDays),
    intel__refresh_feeds: intelRefreshFeeds,
    rules__evaluate: rulesEvaluate,
    rule_imports__compile: ruleImportsCompile,
    alerts__notify: mailer && options.mail ? makeAlertsNotify(mailer, options.mail) : undefined,
    partitions__archive: options.archive ? makePartitionsArchive(options.archive) : undefined,
    database__backup: options.backup ? makeDatabaseBackup(options.backup) : undefined,
    metric_counts__compact: metricCountsCompact,
    event_rollups__compact: eventRollupsCompact,
    field_rollups__update: fieldRollupsUpdate,
  };
  const taskList: TaskList = Object.fromEntries(Object.entries(tasks).filter((entry): entry is [string, Task] => entry[1] !== undefined));
  // Enrichment gets a runner of its own: its jobs can be long (a large batch, slow DNS) and many
  // (one per concurrent ingest transaction), and with one shared runner they filled every slot while
  // rules__evaluate and alerts__notify waited. Each runner only takes jobs of the tasks it has.
  const enrichmentTaskList: TaskList = Object.fromEntries(Object.entries(taskList).filter(([name]) => enrichmentTasks.has(name)));
  const otherTaskList: TaskList = Object.fromEntries(Object.entries(taskList).filter(([name]) => !enrichmentTasks.has(name)));
  const common = { pgPool, events, noHandleSignals: true, logger } as const;
  const runner = await run({
    ...common,
    concurrency: options.concurrency,
    crontab: checkedCrontab(crontabText, workerTasks, Object.keys(taskList)),
    taskList: otherTaskList,
  });
  // Half the slots (at least one): enrichment updates rows ingest is writing next to, and on a small
  // machine a second enrichment job mostly takes CPU from ingest.
  const enrichmentConcurrency = Math.max(1, Math.floor(options.concurrency / 2));
  // Enrichment is background work: on a local server its backends run at the lowest CPU priority, so
  // when the machine is saturated ingest and rule evaluation go first and enrichment catches up after.
  const enrichmentPool = jobPool(options, 2 * enrichmentConcurrency + 2, enrichmentApplicationName, makeBackgroundPriority(options.log));
  const enrichmentRunner = await run({ ...common, pgPool: enrichmentPool, concurrency: enrichmentConcurrency, parsedCronItems: [], taskList: enrichmentTaskList });
  await runner.addJob('partitions__maintain', {}, { jobKey: 'partitions__maintain' });
  await runner.addJob('field_rollups__update', {}, { jobKey: 'field_rollups__update', queueName: fieldRollupsQueue, maxAttempts: 3 });
  const rulesListener = await listenForRuleEvaluation(options.connectionString, runner, options.log);
  return {
    runner,
    async stop() {
      await rulesListener.stop();
      await Promise.all([runner.stop(), enrichmentRunner.stop()]);
      enrichers.dns?.cancel();
      mailer?.close();
      await pgPool.end();
      await enrichmentPool.end();
      await metricsPool?.end();
    },
  };
}
