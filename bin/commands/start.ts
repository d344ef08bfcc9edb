import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.ts';
import { describeUrls, prepareDatabase, redact } from '../../db/runtime.ts';
import { startWorker } from '../../worker/run.ts';
import { startApiServer } from '../../api/server.ts';
import { loadOrCreateSecrets } from '../../db/secrets.ts';
import { startDemoFeed } from '../../agent/demo_feed.ts';
import { demoCsvSource } from '../../agent/demo.ts';
import { withClient } from '../../db/setup.ts';
import { startSmtpSink } from '../../worker/alerts/smtp_sink.ts';
import { createRegistry, startMetricsServer } from '../../monitoring/metrics.ts';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const webDir = path.join(projectRoot, 'web');
const webDist = path.join(webDir, 'dist');

const log = (scope: string) => (message: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${scope}: ${message}`);

/** Newest modification time of the web UI's sources. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

async function ensureWebBuilt(say: (message: string) => void): Promise<void> {
  const built = path.join(webDist, 'index.html');
  const sourcesChanged = () =>
    Math.max(newestSource(path.join(webDir, 'src')), statSync(path.join(webDir, 'index.html')).mtimeMs) > statSync(built).mtimeMs;
  if (existsSync(built) && !sourcesChanged()) return;
  say('building the web UI');
  // In a child process: Vite's build sets NODE_ENV=production for the whole process it runs in.
  const vite = path.join(projectRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', path.join(webDir, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the web UI build failed (exit code ${code}); run \`npm run build\` to see why`))));
  });
}

export async function startCommand(config: Config, { demo }: { demo: boolean }): Promise<void> {
  const say = log('siem');
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    for (const stop of stops.reverse()) {
      await stop().catch((error: Error) => say(`while stopping: ${error.message}`));
    }
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const database = await prepareDatabase(config, { migrate: true, log: log('db') });
    stops.push(() => database.stop());
    say(`PostgreSQL ${database.serverVersion} ready (${database.kind}): ${redact(database.urls.owner)}`);

    await ensureWebBuilt(say);

    let smtpUrl = config.smtpUrl;
    if (!smtpUrl) {
      const sink = await startSmtpSink({
        onMail: (mail) => log('mail')(`received for ${mail.to.join(', ')}:\n${mail.raw.split(/\r?\n\r?\n/).slice(1).join('\n\n').slice(0, 4000)}`),
      });
      stops.push(() => sink.stop());
      smtpUrl = sink.url;
      log('mail')(`no SIEM_SMTP_URL: alert mail goes to a local SMTP sink (${sink.url}) and is shown here`);
    }
    const registry = createRegistry('siem');
    const worker = await startWorker({
      registry,
      connectionString: database.urls.owner,
      mail: {
        smtpUrl,
        from: config.alertEmailFrom,
        to: config.alertEmailTo,
        publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
      },
      concurrency: config.workerConcurrency,
      partitionDaysAhead: config.partitionDaysAhead,
      enrichment: config.enrichment,
      archive: { archiveDir: config.archiveDir, rawRetentionDays: config.rawRetentionDays, eventRetentionDays: config.eventRetentionDays },
      backup: {
        backupDir: config.backupDir,
        ownerUrl: database.urls.owner,
        // pg_basebackup needs REPLICATION: the embedded server's superuser, else the owner of DATABASE_URL.
        replicationUrl: config.databaseUrl ? database.urls.owner : describeUrls(config).superuser!,
        pgBinDir: config.pgBinDir,
        keep: config.backupKeep,
      },
      log: log('worker'),
    });
    stops.push(() => worker.stop());
    if (config.metricsPort > 0) {
      const metrics = await startMetricsServer(registry, config.metricsPort, config.metricsHost);
      stops.push(() => metrics.stop());
      log('metrics')(`Prometheus metrics of the worker and the database at ${metrics.url}`);
    }

    const api = await startApiServer({
      authenticatorUrl: database.urls.authenticator,
      port: config.port,
      host: config.host,
      webDistDir: webDist,
      graphiql: config.graphiql,
      jwtSecret: config.jwtSecret ?? loadOrCreateSecrets(config.dataDir).jwtSecret,
      limits: {
        jwtTtlSeconds: config.jwtTtlSeconds,
        timeouts: { siem_anonymous: 2_000, siem_analyst: config.apiTimeoutAnalystMs, siem_admin: config.apiTimeoutAdminMs },
      },
      protection: { maxDepth: config.apiMaxDepth, maxCost: config.apiMaxCost },
      exposeErrors: config.graphiql && process.env.NODE_ENV !== 'production',
    });
    stops.push(() => api.stop());
    log('api')('anonymous requests may only log in: create the first admin with `siem user add <email> --role admin`');

    if (demo) {
      await withClient(database.urls.owner, (client) =>
        client.query(`insert into csv_sources (source, header, description) values ($1, $2, 'demo: VPN sessions') on conflict (source) do nothing`, [
          demoCsvSource.source,
          demoCsvSource.header,
        ]),
      );
      const pool = new pg.Pool({ connectionString: database.urls.agent, max: 2 });
      pool.on('error', (error) => log('demo')(`database connection lost: ${error.message}`));
      const feed = startDemoFeed({ pool, eventsPerSecond: config.demoEventsPerSecond, log: log('demo') });
      stops.push(async () => {
        await feed.stop();
        await pool.end();
      });
      say(`demo feed: ${config.demoEventsPerSecond} sample events per second`);
    }

    say(`web UI   ${api.url}/`);
    say(`GraphQL  ${api.url}/graphql`);
    if (config.graphiql) say(`GraphiQL ${api.url}/graphiql`);
    say(`psql     run \`npx siem db url\` for a connection string`);
    say('press Ctrl-C to stop');
  } catch (error) {
    say(`could not start: ${(error as Error).message}`);
    await shutdown(1);
  }
}
