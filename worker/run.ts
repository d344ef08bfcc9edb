import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { Logger, run, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { makePartitionsMaintain } from './tasks/partitions__maintain.ts';
import { makePartitionsArchive } from './tasks/partitions__archive.ts';
import type { ArchiveSettings } from './archive.ts';
import { makeDatabaseBackup, type ScheduledBackupSettings } from './tasks/database__backup.ts';
import { metricCountsCompact } from './tasks/metric_counts__compact.ts';
import type { Registry } from 'prom-client';
import { installWorkerMetrics } from './metrics.ts';

export interface WorkerOptions {
  connectionString: string;
  concurrency: number;
  partitionDaysAhead: number;
  archive: Omit<ArchiveSettings, 'log'>;
  backup: ScheduledBackupSettings;
  /** Registers the worker's and the database's metrics here (served by the caller). */
  registry?: Registry;
  log: (message: string) => void;
}

const crontab = readFileSync(new URL('crontab', import.meta.url), 'utf8');

export interface Worker {
  runner: Runner;
  stop(): Promise<void>;
}

/** Every task the worker runs, by the identifier worker/crontab and add_job use. */
export function makeTaskList(options: Pick<WorkerOptions, 'partitionDaysAhead' | 'archive' | 'backup'>): TaskList {
  return {
    partitions__maintain: makePartitionsMaintain(options.partitionDaysAhead),
    partitions__archive: makePartitionsArchive(options.archive),
    database__backup: makeDatabaseBackup(options.backup),
    metric_counts__compact: metricCountsCompact,
  };
}

/** The task identifiers worker/crontab schedules. */
export function crontabTasks(): string[] {
  return crontab
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/\s+/)[5]!);
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
  const events = new EventEmitter() as WorkerEvents;
  // Metrics read the database on their own small pool, never delaying a job's connection.
  const metricsPool = options.registry ? new pg.Pool({ connectionString: options.connectionString, max: 2 }) : undefined;
  metricsPool?.on('error', () => {});
  if (options.registry && metricsPool) {
    installWorkerMetrics({ registry: options.registry, pool: metricsPool, events, backupDir: options.backup.backupDir, log: options.log });
  }
  const runner = await run({
    pgPool,
    events,
    concurrency: options.concurrency,
    noHandleSignals: true,
    logger,
    crontab,
    taskList: makeTaskList(options),
  });
  await runner.addJob('partitions__maintain', {}, { jobKey: 'partitions__maintain' });
  return {
    runner,
    async stop() {
      await runner.stop();
      await pgPool.end();
      await metricsPool?.end();
    },
  };
}
