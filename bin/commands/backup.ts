import path from 'node:path';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import {
  baseBackup,
  findBackup,
  flushWalArchive,
  freeLocalPort,
  listBackups,
  logicalBackup,
  restoreBase,
  restoreLogical,
  walArchiveDir,
  walArchiveSummary,
  type BackupSettings,
  type BackupStep,
} from '../../db/backup.ts';
import { describeUrls, prepareDatabase } from '../../db/runtime.ts';
import { loadOrCreateSecrets } from '../../db/secrets.ts';
import { roles } from '../../db/urls.ts';

const say = (message: string) => console.log(message);
const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** `siem backup`: a logical dump and/or a base backup of the running (or started) database. */
export async function backupCommand(config: Config, { kind }: { kind: string }): Promise<void> {
  if (!['all', 'logical', 'base', 'wal'].includes(kind)) throw new ConfigError(`--kind ${kind}: use all, logical, base or wal`);
  const database = await prepareDatabase(config, { migrate: false, log: (message) => console.error(message) });
  const settings: BackupSettings = {
    backupDir: config.backupDir,
    ownerUrl: database.urls.owner,
    // Base backups need a role with REPLICATION: the superuser of the embedded server, else the owner.
    replicationUrl: config.databaseUrl ? database.urls.owner : describeUrls(config).superuser!,
    pgBinDir: config.pgBinDir,
    log: say,
  };
  let failed = 0;
  try {
    const steps: BackupStep[] = kind === 'all' ? ['logical', 'base', 'wal'] : [kind as BackupStep];
    for (const each of steps) {
      try {
        if (each === 'wal') {
          const last = await flushWalArchive(settings.replicationUrl);
          say(`WAL archived up to segment ${last} in ${walArchiveDir(config.backupDir)}`);
          continue;
        }
        const backup = each === 'logical' ? await logicalBackup(settings) : await baseBackup(settings);
        say(`${backup.kind} backup ${backup.name}: ${megabytes(backup.bytes)} in ${backup.path}`);
      } catch (error) {
        failed++;
        console.error(`siem: ${each} backup failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await database.stop();
  }
  if (failed > 0) process.exitCode = 1;
}

export function backupListCommand(config: Config): void {
  const backups = listBackups(config.backupDir);
  const wal = walArchiveSummary(config.backupDir);
  if (backups.length === 0) say(`no backups in ${config.backupDir} yet (siem backup makes one)`);
  else {
    say(['name', 'kind', 'started', 'finished', 'size', 'server'].join('\t'));
    for (const b of backups) say([b.name, b.kind, b.startedAt, b.finishedAt, megabytes(b.bytes), b.serverVersion].join('\t'));
  }
  say(
    wal.segments > 0
      ? `WAL archive: ${wal.segments} segments, ${megabytes(wal.bytes)}, newest ${wal.newest!.toISOString()}: base backups restore to any moment from their end until then`
      : 'WAL archive: empty (point-in-time recovery needs WAL archiving: on by default for the embedded server)',
  );
}

function parseTime(text: string): Date {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new ConfigError(`--to-time ${text}: expected a time such as "2026-11-24 10:15:00Z"`);
  return time;
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** `siem restore`: a logical backup into a new database, or a base backup (+ WAL) into a new data directory. */
export async function restoreCommand(config: Config, name: string, options: { toTime?: string; into?: string; database?: string }): Promise<void> {
  const backup = findBackup(config.backupDir, name);
  if (backup.kind === 'logical') {
    if (options.toTime) throw new ConfigError('--to-time needs a base backup: a logical backup restores to the moment it was taken');
    const target = options.database ?? `siem_restored_${stamp().toLowerCase()}`;
    const database = await prepareDatabase(config, { migrate: false, log: (message) => console.error(message) });
    try {
      await restoreLogical({
        backup,
        adminUrl: config.databaseUrl ? database.urls.owner : describeUrls(config).superuser!,
        ownerUrl: database.urls.owner,
        owner: config.databaseUrl ? decodeURIComponent(new URL(database.urls.owner).username) : roles.owner,
        database: target,
        pgBinDir: config.pgBinDir,
      });
    } finally {
      await database.stop();
    }
    say(`restored ${backup.name} into the new database ${target}`);
    return;
  }
  if (config.databaseUrl) {
    throw new ConfigError('base backups of your own server are restored by its administrator (docs/recovery.md, "Your own PostgreSQL"); siem restores base backups of the embedded server');
  }
  const into = path.resolve(options.into ?? `${config.dataDir}-restored-${stamp()}`);
  const result = await restoreBase({
    backup,
    backupDir: config.backupDir,
    targetDataDir: into,
    toTime: options.toTime ? parseTime(options.toTime) : undefined,
    sourceDataDir: config.dataDir,
    superuserPassword: loadOrCreateSecrets(config.dataDir).superuserPassword,
    port: await freeLocalPort(),
    log: say,
  });
  say(`restored ${backup.name} into ${into} (last transaction replayed: ${result.recoveredTo ?? 'none after the backup'})`);
  say(`start it with: SIEM_DATA_DIR=${into} siem start   (see docs/recovery.md to make it the main data directory)`);
}
