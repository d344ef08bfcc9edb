import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { serverUser, startEmbeddedPostgres, walRestoreCommand } from './embedded.ts';
import { secretsPath } from './secrets.ts';

/**
 * Backups in two forms, both under SIEM_BACKUP_DIR:
 * - logical/<name>/: `pg_dump -F d --jobs 4` of the siem database (needs a pg_dump of at least the
 *   server's major version), restored with pg_restore into a fresh database;
 * - base/<name>/: `pg_basebackup` (tar, gzip) which, with the WAL segments the server archives into
 *   wal/, restores into a fresh data directory at any moment after the backup (point-in-time).
 * Each backup directory holds siem-backup.json, written last: a directory without it is incomplete.
 */

const run = promisify(execFile);

export type BackupKind = 'logical' | 'base';
export type BackupStep = BackupKind | 'wal';

export interface BackupInfo {
  name: string;
  kind: BackupKind;
  path: string;
  startedAt: string;
  finishedAt: string;
  serverVersion: string;
  bytes: number;
}

export class BackupError extends Error {}

export const walArchiveDir = (backupDir: string) => path.join(backupDir, 'wal');
const manifestName = 'siem-backup.json';

export interface PgTools {
  dir: string;
  major: number;
}

export const tool = (tools: PgTools, name: 'pg_dump' | 'pg_restore' | 'pg_basebackup') => path.join(tools.dir, name);

async function toolMajor(file: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(file, ['--version']);
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Client tools able to back up a server of `serverMajor`: pg_dump refuses servers newer than
 * itself. Looks in pgBinDir, PATH and the usual per-version directories; prefers the same major.
 */
export async function findPgTools(serverMajor: number, pgBinDir?: string): Promise<PgTools> {
  const dirs = [
    ...(pgBinDir ? [pgBinDir] : []),
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    `/usr/lib/postgresql/${serverMajor}/bin`,
    `/usr/pgsql-${serverMajor}/bin`,
    `/opt/homebrew/opt/postgresql@${serverMajor}/bin`,
    `/usr/local/opt/postgresql@${serverMajor}/bin`,
  ];
  const found: PgTools[] = [];
  for (const dir of [...new Set(dirs)]) {
    if (!existsSync(path.join(dir, 'pg_dump'))) continue;
    const major = await toolMajor(path.join(dir, 'pg_dump'));
    if (major !== undefined) found.push({ dir, major });
  }
  const usable = found.filter((t) => t.major >= serverMajor).sort((a, b) => a.major - b.major);
  if (usable[0]) return usable[0];
  const seen = found.length > 0 ? ` Found only ${found.map((t) => `pg_dump ${t.major} (${t.dir})`).join(', ')}, which cannot dump a newer server.` : ' Found no pg_dump.';
  throw new BackupError(
    `Backups of this PostgreSQL ${serverMajor} server need pg_dump, pg_restore and pg_basebackup ${serverMajor} or newer.${seen} ` +
      `Install the client tools (Debian/Ubuntu: apt-get install postgresql-client-${serverMajor}) or set SIEM_PG_BIN_DIR to their directory.`,
  );
}

/** libpq environment for a connection string: the password never appears on a command line. */
export function libpqEnvironment(url: string): NodeJS.ProcessEnv {
  const parsed = new URL(url);
  return {
    ...process.env,
    PGHOST: parsed.hostname,
    PGPORT: parsed.port || '5432',
    PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password),
    PGDATABASE: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
    PGCONNECT_TIMEOUT: '10',
  };
}

function spawnChecked(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new BackupError(`${path.basename(file)} failed (exit code ${code}): ${stderr.trim()}`))));
  });
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return total;
}

const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

async function serverFacts(url: string): Promise<{ version: string; major: number; archiveMode: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select current_setting('server_version') as version, current_setting('server_version_num')::int / 10000 as major, current_setting('archive_mode') as archive_mode`,
    );
    return { version: rows[0].version, major: rows[0].major, archiveMode: rows[0].archive_mode };
  } finally {
    await client.end();
  }
}

export interface BackupSettings {
  backupDir: string;
  /** The owner of the siem database (logical backups). */
  ownerUrl: string;
  /** A role with REPLICATION (base backups): the superuser on the embedded server. */
  replicationUrl: string;
  pgBinDir?: string;
  log?: (message: string) => void;
}

function finish(dir: string, info: Omit<BackupInfo, 'bytes' | 'path' | 'finishedAt'>): BackupInfo {
  const complete: BackupInfo = { ...info, path: dir, finishedAt: new Date().toISOString(), bytes: directoryBytes(dir) };
  writeFileSync(path.join(dir, manifestName), JSON.stringify(complete, null, 2) + '\n');
  return complete;
}

/** `pg_dump -F d --jobs 4` of the siem database into logical/<name>. */
export async function logicalBackup(settings: BackupSettings): Promise<BackupInfo> {
  const facts = await serverFacts(settings.ownerUrl);
  const tools = await findPgTools(facts.major, settings.pgBinDir);
  const started = new Date();
  const name = `logical-${stamp(started)}`;
  const dir = path.join(settings.backupDir, 'logical', name);
  mkdirSync(path.dirname(dir), { recursive: true });
  settings.log?.(`pg_dump ${tools.major} (${tools.dir}) -F d --jobs 4 -> ${dir}`);
  await spawnChecked(tool(tools, 'pg_dump'), ['--format=directory', '--jobs=4', '--no-password', `--file=${dir}`], libpqEnvironment(settings.ownerUrl));
  return finish(dir, { name, kind: 'logical', startedAt: started.toISOString(), serverVersion: facts.version });
}

/** pg_basebackup (tar, gzip, WAL streamed alongside) into base/<name>. */
export async function baseBackup(settings: BackupSettings): Promise<BackupInfo> {
  const facts = await serverFacts(settings.replicationUrl);
  const tools = await findPgTools(facts.major, settings.pgBinDir);
  if (facts.archiveMode === 'off') {
    settings.log?.('WAL archiving is off on this server: this base backup restores only to the moment it ended (no point-in-time recovery)');
  }
  const started = new Date();
  const name = `base-${stamp(started)}`;
  const dir = path.join(settings.backupDir, 'base', name);
  mkdirSync(path.dirname(dir), { recursive: true });
  settings.log?.(`pg_basebackup ${tools.major} -F tar -z -X stream -> ${dir}`);
  await spawnChecked(
    tool(tools, 'pg_basebackup'),
    [`--pgdata=${dir}`, '--format=tar', '--gzip', '--wal-method=stream', '--checkpoint=fast', `--label=siem ${name}`, '--no-password'],
    libpqEnvironment(settings.replicationUrl),
  );
  return finish(dir, { name, kind: 'base', startedAt: started.toISOString(), serverVersion: facts.version });
}

/**
 * Closes the current WAL segment and waits until the archive holds it, so that a point-in-time
 * restore can reach the present moment (otherwise up to archive_timeout of history is only in pg_wal).
 */
export async function flushWalArchive(replicationUrl: string, timeoutMs = 60_000): Promise<string | null> {
  const client = new pg.Client({ connectionString: replicationUrl });
  await client.connect();
  try {
    const mode = await client.query<{ mode: string }>(`select current_setting('archive_mode') as mode`);
    if (mode.rows[0]?.mode === 'off') throw new BackupError('WAL archiving is off on this server (archive_mode): see docs/recovery.md');
    const { rows } = await client.query<{ wal: string }>('select pg_walfile_name(pg_switch_wal()) as wal');
    const wanted = rows[0]!.wal;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const archiver = await client.query<{ last: string | null; failed: string | null }>('select last_archived_wal as last, last_failed_wal as failed from pg_stat_archiver');
      const last = archiver.rows[0]?.last ?? '';
      // Names without the timeline sort in WAL order; a later segment archived means ours is too.
      if (last.slice(8) >= wanted.slice(8)) return last;
      if (Date.now() > deadline) {
        throw new BackupError(`WAL segment ${wanted} was not archived within ${timeoutMs / 1000} s (last archived ${last || 'none'}, last failed ${archiver.rows[0]?.failed ?? 'none'}): check archive_command in the server log`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}

export function listBackups(backupDir: string): BackupInfo[] {
  const backups: BackupInfo[] = [];
  for (const kind of ['base', 'logical'] as const) {
    const parent = path.join(backupDir, kind);
    if (!existsSync(parent)) continue;
    for (const name of readdirSync(parent)) {
      const manifest = path.join(parent, name, manifestName);
      if (existsSync(manifest)) backups.push(JSON.parse(readFileSync(manifest, 'utf8')) as BackupInfo);
    }
  }
  return backups.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** What the WAL archive holds: segment count, bytes, and the newest segment's time. */
export function walArchiveSummary(backupDir: string): { segments: number; bytes: number; newest?: Date } {
  const dir = walArchiveDir(backupDir);
  if (!existsSync(dir)) return { segments: 0, bytes: 0 };
  const files = readdirSync(dir).filter((f) => f.endsWith('.gz'));
  let bytes = 0;
  let newest = 0;
  for (const file of files) {
    const info = statSync(path.join(dir, file));
    bytes += info.size;
    newest = Math.max(newest, info.mtimeMs);
  }
  return { segments: files.length, bytes, newest: files.length > 0 ? new Date(newest) : undefined };
}

export function findBackup(backupDir: string, nameOrPath: string): BackupInfo {
  const byPath = path.resolve(nameOrPath);
  const match = listBackups(backupDir).find((b) => b.name === nameOrPath || b.path === byPath);
  if (match) return match;
  if (existsSync(path.join(byPath, manifestName))) return JSON.parse(readFileSync(path.join(byPath, manifestName), 'utf8')) as BackupInfo;
  throw new BackupError(`no complete backup named ${JSON.stringify(nameOrPath)} in ${backupDir} (see siem backup list)`);
}

export interface LogicalRestoreOptions {
  backup: BackupInfo;
  /** A role that may create databases (the superuser on the embedded server). */
  adminUrl: string;
  ownerUrl: string;
  owner: string;
  database: string;
  pgBinDir?: string;
}

/** Creates `database` (which must not exist) and restores a logical backup into it with 4 jobs. */
export async function restoreLogical(options: LogicalRestoreOptions): Promise<void> {
  const facts = await serverFacts(options.adminUrl);
  const tools = await findPgTools(facts.major, options.pgBinDir);
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [options.database]);
    if (exists.rowCount) throw new BackupError(`database ${options.database} exists already: restore into a new name (--database)`);
    await admin.query(`create database ${admin.escapeIdentifier(options.database)} owner ${admin.escapeIdentifier(options.owner)}`);
  } finally {
    await admin.end();
  }
  const target = new URL(options.ownerUrl);
  target.pathname = '/' + options.database;
  await spawnChecked(
    tool(tools, 'pg_restore'),
    ['--jobs=4', '--exit-on-error', '--no-password', `--dbname=${options.database}`, options.backup.path],
    libpqEnvironment(target.toString()),
  );
}

export interface BaseRestoreOptions {
  backup: BackupInfo;
  backupDir: string;
  /** A new SIEM data directory: pgdata/ and a copy of secrets.json go there. */
  targetDataDir: string;
  /** Stop replaying WAL at this moment (inclusive); without it, replay everything archived. */
  toTime?: Date;
  /** The data directory the backup came from (its secrets.json is copied). */
  sourceDataDir: string;
  superuserPassword: string;
  port: number;
  log?: (message: string) => void;
}

const recoveryKeys = ['restore_command', 'recovery_target_time', 'recovery_target_action'];

/**
 * Unpacks a base backup into a fresh data directory, replays archived WAL up to `toTime` on a
 * temporary server (which promotes at the target), then stops it. The result starts with
 * `SIEM_DATA_DIR=<target> siem start`.
 */
export async function restoreBase(options: BaseRestoreOptions): Promise<{ recoveredTo: string | null; pgdata: string }> {
  const pgdata = path.join(options.targetDataDir, 'pgdata');
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) throw new BackupError(`${pgdata} is not empty: restore into a new directory`);
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  await run('tar', ['-xzf', path.join(options.backup.path, 'base.tar.gz'), '-C', pgdata]);
  await run('tar', ['-xzf', path.join(options.backup.path, 'pg_wal.tar.gz'), '-C', path.join(pgdata, 'pg_wal')]);
  const autoConf = path.join(pgdata, 'postgresql.auto.conf');
  const kept = existsSync(autoConf) ? readFileSync(autoConf, 'utf8').split('\n').filter((line) => !recoveryKeys.some((key) => line.startsWith(key))) : [];
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const recovery = [
    `restore_command = ${quote(walRestoreCommand(walArchiveDir(path.resolve(options.backupDir))))}`,
    ...(options.toTime ? [`recovery_target_time = ${quote(options.toTime.toISOString().replace('T', ' ').replace('Z', '+00'))}`] : []),
    `recovery_target_action = 'promote'`,
  ];
  writeFileSync(autoConf, [...kept.filter(Boolean), ...recovery, ''].join('\n'));
  writeFileSync(path.join(pgdata, 'recovery.signal'), '');
  const source = secretsPath(options.sourceDataDir);
  if (existsSync(source)) copyFileSync(source, secretsPath(options.targetDataDir));
  const user = serverUser();
  if (user) await run('chown', ['-R', `${user.uid}:${user.gid}`, pgdata]);

  options.log?.(`replaying archived WAL${options.toTime ? ` up to ${options.toTime.toISOString()}` : ''} on a temporary server (port ${options.port})`);
  const server = await startEmbeddedPostgres({ dataDir: options.targetDataDir, port: options.port, superuserPassword: options.superuserPassword });
  let recoveredTo: string | null = null;
  try {
    const client = new pg.Client({ connectionString: server.superuserUrl });
    await client.connect();
    try {
      const deadline = Date.now() + 30 * 60_000;
      for (;;) {
        const { rows } = await client.query(`select pg_is_in_recovery() as recovering, pg_last_xact_replay_timestamp() as replayed`);
        if (rows[0].replayed) recoveredTo = (rows[0].replayed as Date).toISOString();
        if (!rows[0].recovering) break;
        if (Date.now() > deadline) throw new BackupError('recovery did not finish within 30 minutes');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
  // Recovery is done: keep postgresql.auto.conf free of recovery settings.
  writeFileSync(autoConf, [...kept.filter(Boolean), ''].join('\n'));
  return { recoveredTo, pgdata };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for the temporary recovery server). */
export function freeLocalPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** WAL segment file name (without timeline) holding `lsn` ("0/3000028"), for 16 MB segments. */
export function walSegmentOf(lsn: string): string {
  const [high, low] = lsn.split('/').map((part) => Number.parseInt(part, 16));
  if (high === undefined || low === undefined || Number.isNaN(high) || Number.isNaN(low)) throw new BackupError(`not an LSN: ${lsn}`);
  return high.toString(16).toUpperCase().padStart(8, '0') + Math.floor(low / 0x1000000).toString(16).toUpperCase().padStart(8, '0');
}

/** The first WAL segment a base backup needs, from its backup_manifest. */
function baseStartSegment(backup: BackupInfo): string | undefined {
  const manifest = path.join(backup.path, 'backup_manifest');
  if (!existsSync(manifest)) return undefined;
  const ranges = (JSON.parse(readFileSync(manifest, 'utf8')) as { 'WAL-Ranges'?: { 'Start-LSN': string }[] })['WAL-Ranges'];
  return ranges?.[0] ? walSegmentOf(ranges[0]['Start-LSN']) : undefined;
}

/**
 * Keeps the newest `keep` backups of each kind, and the archived WAL that the oldest kept base
 * backup needs onwards (timeline .history files always). Returns what it removed.
 */
export function pruneBackups(backupDir: string, keep: number): { backups: string[]; walSegments: number } {
  const removed: string[] = [];
  const backups = listBackups(backupDir);
  for (const kind of ['base', 'logical'] as const) {
    const ofKind = backups.filter((b) => b.kind === kind);
    for (const old of ofKind.slice(0, Math.max(0, ofKind.length - keep))) {
      rmSync(old.path, { recursive: true, force: true });
      removed.push(old.name);
    }
  }
  const oldestBase = listBackups(backupDir).find((b) => b.kind === 'base');
  const firstNeeded = oldestBase ? baseStartSegment(oldestBase) : undefined;
  let walSegments = 0;
  const walDir = walArchiveDir(backupDir);
  if (firstNeeded && existsSync(walDir)) {
    for (const file of readdirSync(walDir)) {
      const segment = /^[0-9A-F]{8}([0-9A-F]{16})(\..*)?$/.exec(file);
      if (!segment || file.includes('.history')) continue;
      if (segment[1]! < firstNeeded) {
        rmSync(path.join(walDir, file), { force: true });
        walSegments++;
      }
    }
  }
  return { backups: removed, walSegments };
}
