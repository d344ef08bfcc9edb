import { readFileSync } from 'node:fs';
import { Logger, run, type Runner } from 'graphile-worker';
import pg from 'pg';
import { makePartitionsMaintain } from './tasks/partitions__maintain.ts';
import { rulesEvaluate } from './tasks/rules__evaluate.ts';
import { makeAlertsNotify } from './tasks/alerts__notify.ts';
import { createMailer, type MailSettings } from './alerts/mailer.ts';

export interface WorkerOptions {
  connectionString: string;
  concurrency: number;
  partitionDaysAhead: number;
  /** Where alert emails go; without it alerts are raised but nobody is emailed. */
  mail?: MailSettings;
  log: (message: string) => void;
}

const crontab = readFileSync(new URL('crontab', import.meta.url), 'utf8');

export interface Worker {
  runner: Runner;
  stop(): Promise<void>;
}

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
      .then(() => runner.addJob('rules__evaluate', {}, { jobKey: 'rules__evaluate', jobKeyMode: 'preserve_run_at', maxAttempts: 5 }))
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
  const logger = new Logger((scope) => (level, message) => {
    if (level === 'debug') return;
    options.log(`${scope.taskIdentifier ? `[${scope.taskIdentifier}] ` : ''}${message}`);
  });
  // Our own pool, so stopping can wait until every connection is closed before the database stops
  // (runner.stop() returns earlier).
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: options.concurrency + 2 });
  pgPool.on('error', (error) => options.log(`database connection lost: ${error.message}`));
  pgPool.on('connect', (client) => client.on('error', (error) => options.log(`database connection lost: ${error.message}`)));
  const mailer = options.mail ? createMailer(options.mail) : undefined;
  const runner = await run({
    pgPool,
    concurrency: options.concurrency,
    noHandleSignals: true,
    logger,
    crontab,
    taskList: {
      partitions__maintain: makePartitionsMaintain(options.partitionDaysAhead),
      rules__evaluate: rulesEvaluate,
      ...(mailer && options.mail ? { alerts__notify: makeAlertsNotify(mailer, options.mail) } : {}),
    },
  });
  await runner.addJob('partitions__maintain', {}, { jobKey: 'partitions__maintain' });
  const rulesListener = await listenForRuleEvaluation(options.connectionString, runner, options.log);
  return {
    runner,
    async stop() {
      await rulesListener.stop();
      await runner.stop();
      mailer?.close();
      await pgPool.end();
    },
  };
}
