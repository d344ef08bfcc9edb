import { readFileSync } from 'node:fs';
import { Logger, run, type Runner } from 'graphile-worker';
import pg from 'pg';
import { openEnrichers, type EnrichmentOptions } from './enrichment/options.ts';
import { makeDnsResolve } from './tasks/dns__resolve.ts';
import { makeEventsEnrich } from './tasks/events__enrich.ts';
import { intelRefreshFeeds } from './tasks/intel__refresh_feeds.ts';
import { makeIntelRetroHunt } from './tasks/intel__retro_hunt.ts';
import { makePartitionsMaintain } from './tasks/partitions__maintain.ts';
import { rulesEvaluate } from './tasks/rules__evaluate.ts';
import { makeAlertsNotify } from './tasks/alerts__notify.ts';
import { createMailer, type MailSettings } from './alerts/mailer.ts';

export interface WorkerOptions {
  connectionString: string;
  concurrency: number;
  partitionDaysAhead: number;
  enrichment: EnrichmentOptions;
  /** Where alert emails go; without it alerts are raised but nobody is emailed. */
  mail?: MailSettings;
  log: (message: string) => void;
}

const crontab = readFileSync(new URL('crontab', import.meta.url), 'utf8');

export interface Worker {
  runner: Runner;
  stop(): Promise<void>;
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
  const enrichers = await openEnrichers(options.enrichment);
  const mailer = options.mail ? createMailer(options.mail) : undefined;
  const runner = await run({
    pgPool,
    concurrency: options.concurrency,
    noHandleSignals: true,
    logger,
    crontab,
    taskList: {
      partitions__maintain: makePartitionsMaintain(options.partitionDaysAhead),
      events__enrich: makeEventsEnrich(enrichers),
      dns__resolve: makeDnsResolve(enrichers.dns, options.enrichment.dnsCacheSeconds),
      intel__retro_hunt: makeIntelRetroHunt(options.enrichment.retroHuntDays),
      intel__refresh_feeds: intelRefreshFeeds,
      rules__evaluate: rulesEvaluate,
      ...(mailer && options.mail ? { alerts__notify: makeAlertsNotify(mailer, options.mail) } : {}),
    },
  });
  await runner.addJob('partitions__maintain', {}, { jobKey: 'partitions__maintain' });
  return {
    runner,
    async stop() {
      await runner.stop();
      enrichers.dns?.cancel();
      mailer?.close();
      await pgPool.end();
    },
  };
}
