#!/usr/bin/env node
import './env.ts';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { ParserFileError } from '../db/parsers_yaml.ts';

const program = new Command('siem')
  .description('A Postgres-native SIEM: ingest, normalize, search and alert on logs.\nSettings come from environment variables; see README.md.')
  .showHelpAfterError();

program
  .command('start')
  .description('Start everything on one port: PostgreSQL (embedded unless DATABASE_URL is set), migrations, worker, API and web UI')
  .option('--demo', 'feed a steady stream of realistic sample events (SIEM_DEMO_EPS per second)')
  .action(async (options: { demo?: boolean }) => (await import('./commands/start.ts')).startCommand(loadConfig(), { demo: Boolean(options.demo) }));

program
  .command('migrate')
  .description('Create the roles and apply migrations to DATABASE_URL (or to the embedded PostgreSQL)')
  .action(async () => (await import('./commands/migrate.ts')).migrateCommand(loadConfig()));

const db = program.command('db').description('Database helpers');
db.command('url')
  .description('Print a connection string for psql (the owner role)')
  .option('--all', 'print the connection string of every role, one per line')
  .action(async (options: { all?: boolean }) => (await import('./commands/db_url.ts')).dbUrlCommand(loadConfig(), { all: Boolean(options.all) }));

const parsers = program.command('parsers').description('Parsers (grok patterns bound to a source and/or program) as YAML');
parsers
  .command('import')
  .description('Create or update the parsers of a YAML file: name: {pattern, source, program, event_type, priority, prefilter, enabled}')
  .argument('<file>', 'YAML file')
  .action(async (file: string) => (await import('./commands/parsers.ts')).parsersImportCommand(loadConfig(), file));
parsers
  .command('export')
  .description('Print every parser as YAML (the shape `siem parsers import` reads)')
  .option('--file <file>', 'write to this file instead of standard output')
  .action(async (options: { file?: string }) => (await import('./commands/parsers.ts')).parsersExportCommand(loadConfig(), options));

program
  .command('reparse')
  .description('Re-run parsing over quarantined lines and events no parser named, after parsers changed; lines that now parse move to events, once')
  .option('--since <time>', 'only lines with an event time at or after this (e.g. 2026-11-24, "2026-11-24 10:00Z", or -24h)')
  .option('--event-type <type>', 'instead: events of this type, and quarantined lines that were missing fields of it')
  .action(async (options: { since?: string; eventType?: string }) => (await import('./commands/reparse.ts')).reparseCommand(loadConfig(), options));

const archive = program.command('archive').description('Archives of old partitions: detached, compressed with a sha256, indexed in archive_index');
archive
  .command('list')
  .description('List archived days (table, day, rows, size, restored, sha256, path)')
  .action(async () => (await import('./commands/archive.ts')).archiveListCommand(loadConfig()));
archive
  .command('run')
  .description('Archive now: raw partitions older than SIEM_RAW_RETENTION_DAYS and event partitions older than SIEM_EVENT_RETENTION_DAYS')
  .action(async () => (await import('./commands/archive.ts')).archiveRunCommand(loadConfig()));
archive
  .command('restore')
  .description('Bring an archived day back as a searchable partition, after verifying its sha256')
  .argument('<table>', 'events or events_raw')
  .argument('<day>', 'UTC day, YYYY-MM-DD')
  .action(async (table: string, day: string) => (await import('./commands/archive.ts')).archiveRestoreCommand(loadConfig(), table, day));
archive
  .command('drop')
  .description('Remove a restored day again (the archive file stays)')
  .argument('<table>', 'events or events_raw')
  .argument('<day>', 'UTC day, YYYY-MM-DD')
  .action(async (table: string, day: string) => (await import('./commands/archive.ts')).archiveDropCommand(loadConfig(), table, day));

const backup = program.command('backup').description('Backups into SIEM_BACKUP_DIR: a logical pg_dump and a base backup for point-in-time recovery');
backup
  .command('create', { isDefault: true })
  .description('Take a backup now (the default when you run `siem backup`)')
  .option('--kind <kind>', 'all (default), logical (pg_dump -F d --jobs 4), base (pg_basebackup, with the WAL archive for point-in-time recovery) or wal (archive the current WAL now)', 'all')
  .action(async (options: { kind: string }) => (await import('./commands/backup.ts')).backupCommand(loadConfig(), options));
backup
  .command('list')
  .description('List complete backups and what the WAL archive holds')
  .action(async () => (await import('./commands/backup.ts')).backupListCommand(loadConfig()));

program
  .command('restore')
  .description('Restore a backup: a logical one into a new database, a base one (plus archived WAL) into a new data directory')
  .argument('<backup>', 'backup name from `siem backup list` (or its directory)')
  .option('--to-time <time>', 'base backups: stop replaying WAL at this moment (e.g. "2026-11-24 10:15:00Z"); default: everything archived')
  .option('--into <dir>', 'base backups: the new SIEM data directory (default: <SIEM_DATA_DIR>-restored-<time>)')
  .option('--database <name>', 'logical backups: the new database (default: siem_restored_<time>)')
  .action(async (name: string, options) => (await import('./commands/backup.ts')).restoreCommand(loadConfig(), name, options));

program
  .command('ingest')
  .description('Stream the lines of a file (or - for stdin) into events_raw by COPY, in batches')
  .argument('<file>', 'file to read, or - for standard input')
  .requiredOption('--source <name>', 'source name of these lines, e.g. syslog, nginx')
  .option('--host <host>', 'host the lines came from (default: this machine)')
  .option('--agent <name>', 'agent name recorded with each batch (default: this machine)')
  .addOption(new Option('--batch-lines <n>', 'lines per batch (default: SIEM_BATCH_LINES)').argParser((v) => Number.parseInt(v, 10)))
  .option('--no-progress', 'do not draw a progress bar')
  .action(async (file: string, options) => (await import('./commands/ingest.ts')).ingestCommand(loadConfig(), file, options));

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ParserFileError) {
    console.error(`siem: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof ConfigError) {
    console.error(`siem: configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(`siem: ${(error as Error).message}`);
  process.exit(1);
}
