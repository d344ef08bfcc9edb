import pg from 'pg';
import type { Config } from '../bin/config.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { walArchiveDir } from './backup.ts';
import { loadOrCreateSecrets } from './secrets.ts';
import { ensureOwnerAndDatabase, ensureRoles, migrateDatabase, withClient } from './setup.ts';
import { databaseUrls, embeddedBaseUrl, withCredentials, roles, type DatabaseUrls } from './urls.ts';

export interface Database {
  urls: DatabaseUrls;
  /** 'embedded' when this process started the embedded server, 'shared' when another process runs it. */
  kind: 'external' | 'embedded' | 'shared';
  serverVersion: string;
  stop(): Promise<void>;
}

export interface PrepareOptions {
  migrate: boolean;
  log: (message: string) => void;
}

const minimumServerVersion = 150000;

async function serverVersion(url: string): Promise<{ num: number; text: string }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ num: string; text: string }>(
      "select current_setting('server_version_num') as num, current_setting('server_version') as text",
    );
    return { num: Number(rows[0]!.num), text: rows[0]!.text };
  });
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Makes the database ready: the external server from DATABASE_URL, or the embedded one (reused if
 * another siem process already runs it, started otherwise); roles; then migrations.
 */
export async function prepareDatabase(config: Config, { migrate, log }: PrepareOptions): Promise<Database> {
  const secrets = loadOrCreateSecrets(config.dataDir);
  const urls = databaseUrls(config, secrets);
  let kind: Database['kind'];
  let stop = async () => {};

  if (config.databaseUrl) {
    kind = 'external';
    const version = await serverVersion(urls.owner).catch((error: Error) => {
      throw new Error(`Cannot connect to DATABASE_URL (${redact(urls.owner)}): ${error.message}`, { cause: error });
    });
    if (version.num < minimumServerVersion) {
      throw new Error(`PostgreSQL 15 or newer is required; DATABASE_URL points at PostgreSQL ${version.text}.`);
    }
    const encoding = await withClient(urls.owner, (client) => client.query<{ e: string }>("select pg_encoding_to_char(encoding) as e from pg_database where datname = current_database()"));
    if (encoding.rows[0]?.e !== 'UTF8') {
      throw new Error(`The database of DATABASE_URL uses ${encoding.rows[0]?.e} encoding; create it with ENCODING 'UTF8' (log lines are stored as UTF-8 text).`);
    }
    if (migrate && !config.authDatabaseUrl && !config.agentDatabaseUrl) {
      // The API and agents log in with passwords this data directory generated.
      await withClient(urls.owner, (client) => ensureRoles(client, secrets));
    }
  } else if (await reachable(urls.owner)) {
    kind = 'shared';
    log(`using the embedded PostgreSQL already running on port ${config.embeddedPgPort}`);
  } else {
    kind = 'embedded';
    log(`starting the embedded PostgreSQL (data in ${config.dataDir}/pgdata, port ${config.embeddedPgPort})`);
    const server = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPgPort,
      superuserPassword: secrets.superuserPassword,
      walArchiveDir: config.walArchive ? walArchiveDir(config.backupDir) : undefined,
    });
    stop = () => server.stop();
    try {
      await ensureOwnerAndDatabase(server.superuserUrl, secrets);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  try {
    if (migrate) await migrateDatabase({ ownerUrl: urls.owner, log });
    const version = await serverVersion(urls.owner);
    return { urls, kind, serverVersion: version.text, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** What `siem db url` prints: the owner's connection string (psql-ready) and, with --all, the others. */
export function describeUrls(config: Config): Record<string, string> {
  const secrets = loadOrCreateSecrets(config.dataDir);
  const urls = databaseUrls(config, secrets);
  const described: Record<string, string> = { owner: urls.owner, authenticator: urls.authenticator, agent: urls.agent };
  if (!config.databaseUrl) {
    described.superuser = withCredentials(embeddedBaseUrl(config), 'postgres', secrets.superuserPassword, 'postgres');
  }
  return described;
}

export { roles };
