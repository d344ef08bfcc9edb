import path from 'node:path';
import type { EnrichmentOptions } from '../worker/enrichment/options.ts';

/** Every setting the server reads, with its environment variable and default (README lists them). */
export interface Config {
  dataDir: string;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  authDatabaseUrl: string | undefined;
  agentDatabaseUrl: string | undefined;
  batchLines: number;
  batchMs: number;
  ingestConnections: number;
  workerConcurrency: number;
  demoEventsPerSecond: number;
  partitionDaysAhead: number;
  graphiql: boolean;
  /** HS256 secret of login JWTs; when unset, one generated into SIEM_DATA_DIR/secrets.json. */
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  apiTimeoutAnalystMs: number;
  apiTimeoutAdminMs: number;
  apiMaxDepth: number;
  apiMaxCost: number;
  enrichment: EnrichmentOptions;
  /** SMTP server for alert mail; undefined: `siem start` runs a local sink and logs what it receives. */
  smtpUrl: string | undefined;
  alertEmailFrom: string;
  alertEmailTo: string[];
  /** Base URL of the dashboard in alert mail links. */
  publicUrl: string | undefined;
  archiveDir: string;
  rawRetentionDays: number;
  eventRetentionDays: number;
  backupDir: string;
  walArchive: boolean;
  metricsPort: number;
  metricsHost: string;
  pgBinDir: string | undefined;
  backupKeep: number;
}

export class ConfigError extends Error {}

interface IntegerSetting {
  name: string;
  fallback: number;
  min: number;
  max: number;
}

function readInteger(env: NodeJS.ProcessEnv, { name, fallback, min, max }: IntegerSetting): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(text)} is not valid: set it to a whole number from ${min} to ${max}, or unset it to use ${fallback}.`);
  }
  return value;
}

function readBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(text)} is not valid: set it to true or false, or unset it to use ${fallback}.`);
}

function readUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${name} is not a URL: use the form postgres://user:password@host:5432/database.`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must start with postgres:// or postgresql:// (it starts with ${url.protocol}//).`);
  }
  return text;
}

function readPath(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const text = env[name];
  return text === undefined || text === '' ? undefined : path.resolve(text);
}

function readList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function readSmtpUrl(env: NodeJS.ProcessEnv): string | undefined {
  const text = env.SIEM_SMTP_URL;
  if (text === undefined || text === '') return undefined;
  if (!/^smtps?:\/\/[^/]+/.test(text)) throw new ConfigError('SIEM_SMTP_URL must look like smtp://user:password@mail.example.com:587 (or smtps:// for implicit TLS).');
  return text;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.SIEM_DATA_DIR || '.siem');
  return {
    dataDir,
    port: readInteger(env, { name: 'SIEM_PORT', fallback: 4000, min: 1, max: 65535 }),
    host: env.SIEM_HOST || '127.0.0.1',
    databaseUrl: readUrl(env, 'DATABASE_URL'),
    embeddedPgPort: readInteger(env, { name: 'SIEM_PG_PORT', fallback: 54320, min: 1, max: 65535 }),
    authDatabaseUrl: readUrl(env, 'SIEM_AUTH_DATABASE_URL'),
    agentDatabaseUrl: readUrl(env, 'SIEM_AGENT_DATABASE_URL'),
    batchLines: readInteger(env, { name: 'SIEM_BATCH_LINES', fallback: 20000, min: 1, max: 1_000_000 }),
    batchMs: readInteger(env, { name: 'SIEM_BATCH_MS', fallback: 1000, min: 10, max: 600_000 }),
    ingestConnections: readInteger(env, { name: 'SIEM_INGEST_CONNECTIONS', fallback: 3, min: 1, max: 16 }),
    workerConcurrency: readInteger(env, { name: 'SIEM_WORKER_CONCURRENCY', fallback: 2, min: 1, max: 64 }),
    demoEventsPerSecond: readInteger(env, { name: 'SIEM_DEMO_EPS', fallback: 20, min: 1, max: 100_000 }),
    partitionDaysAhead: readInteger(env, { name: 'SIEM_PARTITION_DAYS_AHEAD', fallback: 7, min: 1, max: 366 }),
    graphiql: readBoolean(env, 'SIEM_GRAPHIQL', env.NODE_ENV !== 'production'),
    jwtSecret: env.SIEM_JWT_SECRET || undefined,
    jwtTtlSeconds: readInteger(env, { name: 'SIEM_JWT_TTL', fallback: 3600, min: 60, max: 7 * 24 * 3600 }),
    apiTimeoutAnalystMs: readInteger(env, { name: 'SIEM_API_TIMEOUT_ANALYST', fallback: 15_000, min: 100, max: 3_600_000 }),
    apiTimeoutAdminMs: readInteger(env, { name: 'SIEM_API_TIMEOUT_ADMIN', fallback: 60_000, min: 100, max: 3_600_000 }),
    apiMaxDepth: readInteger(env, { name: 'SIEM_API_MAX_DEPTH', fallback: 10, min: 2, max: 100 }),
    apiMaxCost: readInteger(env, { name: 'SIEM_API_MAX_COST', fallback: 50_000, min: 100, max: 100_000_000 }),
    enrichment: {
      geoipCityPath: readPath(env, 'SIEM_GEOIP_DATABASE'),
      geoipAsnPath: readPath(env, 'SIEM_GEOIP_ASN_DATABASE'),
      dns: {
        enabled: readBoolean(env, 'SIEM_DNS_ENABLED', true),
        servers: readList(env, 'SIEM_DNS_SERVERS'),
        timeoutMs: readInteger(env, { name: 'SIEM_DNS_TIMEOUT_MS', fallback: 1000, min: 10, max: 60_000 }),
        concurrency: readInteger(env, { name: 'SIEM_DNS_CONCURRENCY', fallback: 16, min: 1, max: 1024 }),
        inlineMs: readInteger(env, { name: 'SIEM_DNS_INLINE_MS', fallback: 200, min: 0, max: 10_000 }),
      },
      dnsCacheSeconds: readInteger(env, { name: 'SIEM_DNS_CACHE_SECONDS', fallback: 300, min: 1, max: 604_800 }),
      retroHuntDays: readInteger(env, { name: 'SIEM_RETRO_HUNT_DAYS', fallback: 30, min: 1, max: 3650 }),
    },
    smtpUrl: readSmtpUrl(env),
    alertEmailFrom: env.SIEM_ALERT_EMAIL_FROM || 'pgsiem <siem@localhost>',
    alertEmailTo: (env.SIEM_ALERT_EMAIL_TO || 'soc@localhost').split(',').map((address) => address.trim()).filter(Boolean),
    publicUrl: env.SIEM_PUBLIC_URL || undefined,
    archiveDir: path.resolve(env.SIEM_ARCHIVE_DIR || path.join(dataDir, 'archive')),
    rawRetentionDays: readInteger(env, { name: 'SIEM_RAW_RETENTION_DAYS', fallback: 2, min: 1, max: 36_500 }),
    eventRetentionDays: readInteger(env, { name: 'SIEM_EVENT_RETENTION_DAYS', fallback: 30, min: 1, max: 36_500 }),
    backupDir: path.resolve(env.SIEM_BACKUP_DIR || path.join(dataDir, 'backups')),
    walArchive: readBoolean(env, 'SIEM_WAL_ARCHIVE', true),
    metricsPort: readInteger(env, { name: 'SIEM_METRICS_PORT', fallback: 9464, min: 0, max: 65535 }),
    metricsHost: env.SIEM_METRICS_HOST || '127.0.0.1',
    pgBinDir: env.SIEM_PG_BIN_DIR || undefined,
    backupKeep: readInteger(env, { name: 'SIEM_BACKUP_KEEP', fallback: 7, min: 1, max: 1000 }),
  };
}
