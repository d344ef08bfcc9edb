import { readFileSync } from 'node:fs';
import { Logger, run, type Runner } from 'graphile-worker';
import { makePartitionsMaintain } from './tasks/partitions__maintain.ts';

export interface WorkerOptions {
  connectionString: string;
  concurrency: number;
  partitionDaysAhead: number;
  log: (message: string) => void;
}

const crontab = readFileSync(new URL('crontab', import.meta.url), 'utf8');

/** Runs graphile-worker with the project's tasks and crontab; partitions are maintained at once. */
export async function startWorker(options: WorkerOptions): Promise<Runner> {
  const logger = new Logger((scope) => (level, message) => {
    if (level === 'debug') return;
    options.log(`${scope.taskIdentifier ? `[${scope.taskIdentifier}] ` : ''}${message}`);
  });
  const runner = await run({
    connectionString: options.connectionString,
    concurrency: options.concurrency,
    noHandleSignals: true,
    logger,
    crontab,
    taskList: {
      partitions__maintain: makePartitionsMaintain(options.partitionDaysAhead),
    },
  });
  await runner.addJob('partitions__maintain', {}, { jobKey: 'partitions__maintain' });
  return runner;
}
