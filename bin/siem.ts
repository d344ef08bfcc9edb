#!/usr/bin/env node
import './env.ts';
import { Command, Option } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { ParserFileError } from '../db/parsers_yaml.ts';
import { AgentConfigError } from '../agent/config.ts';

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

const user = program.command('user').description('API users (login for the GraphQL API, REST and the web UI)');
user
  .command('add <email>')
  .description('Create a user, or reset an existing one (role, password, enabled); prints a generated password unless --password-stdin')
  .addOption(new Option('--role <role>', 'analyst or admin').choices(['analyst', 'admin']).makeOptionMandatory())
  .option('--password-stdin', 'read the password from stdin instead of generating one')
  .action(async (email: string, options: { role: string; passwordStdin?: boolean }) => (await import('./commands/user.ts')).userAddCommand(loadConfig(), email, options));
const intel = program.command('intel').description('Threat intel: indicator feeds matched against events');
intel
  .command('import')
  .description('Import indicators from a file: plain list, CSV (abuse.ch style), STIX 2.1 bundle or MISP event JSON; new ones are retro-hunted')
  .argument('<file>', 'file to import')
  .option('--feed <name>', 'feed the indicators belong to (default: the file name)')
  .option('--format <format>', 'auto, list, csv, stix or misp (default auto)')
  .option('--replace', "expire the feed's indicators this file no longer lists")
  .action(async (file: string, options) => (await import('./commands/intel.ts')).intelImportCommand(loadConfig(), file, options));
intel
  .command('feed')
  .description('Add or change a feed the worker fetches from a URL on schedule (ETag/If-Modified-Since)')
  .argument('<name>', 'feed name')
  .argument('<url>', 'http(s) URL')
  .option('--format <format>', 'auto, list, csv, stix or misp (default auto)')
  .addOption(new Option('--every <minutes>', 'refresh interval in minutes (default 60)').argParser((v) => Number.parseInt(v, 10)))
  .action(async (name: string, url: string, options) => (await import('./commands/intel.ts')).intelFeedCommand(loadConfig(), name, url, options));

program
  .command('enrich')
  .description('Enrich the events of a time range again (GeoIP, cached DNS, threat intel as known now)')
  .requiredOption('--since <time>', 'start (e.g. 2026-11-24, "2026-11-24 10:00Z", or -24h)')
  .option('--until <time>', 'end (default now)')
  .action(async (options: { since: string; until?: string }) => (await import('./commands/enrich.ts')).enrichCommand(loadConfig(), options));
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

const rules = program.command('rules').description('Detection rules: SQL views, YAML threshold/sequence rules and Sigma (see docs/rules.md)');
rules
  .command('import')
  .description('Compile and install the rules of a file or directory: Sigma rules and correlations, and YAML threshold/sequence rules; reports compiled/failed counts')
  .argument('<file|dir>', 'a .yml file or a directory searched recursively')
  .option('--mapping <file>', 'Sigma logsource and field mapping (default: SIEM_SIGMA_MAPPING or db/rules/sigma_mapping.yaml)')
  .option('--disabled', 'install the rules disabled')
  .option('--verbose', 'also list every compiled rule')
  .action(async (target: string, options) => (await import('./commands/rules.ts')).rulesImportCommand(loadConfig(), target, options));
rules
  .command('add-view')
  .description('Register a view of the rules schema as a rule (it returns event_ts, event_id, entity and optionally summary, distinct_value)')
  .argument('<view>', 'the view, e.g. rules.ssh_root_login (schema rules by default)')
  .option('--name <name>', 'rule name (default: the view name)')
  .option('--title <title>', 'title shown in alerts and email')
  .option('--severity <level>', 'informational, low, medium, high or critical', 'medium')
  .option('--tags <tags>', 'comma-separated tags, e.g. attack.t1110,attack.credential_access')
  .option('--threshold <n>', 'alert when an entity has at least n rows within --window')
  .option('--window <interval>', 'sliding window of --threshold, e.g. "5 minutes"')
  .option('--distinct', 'count distinct distinct_value values instead of rows')
  .option('--source <table>', 'the table whose new rows bound evaluation (default public.events)')
  .action(async (view: string, options) => (await import('./commands/rules.ts')).rulesAddViewCommand(loadConfig(), view, options));
rules
  .command('backfill')
  .description('Run a rule over history, idempotently: events it already alerted on are not counted again')
  .argument('<rule>', 'rule name')
  .requiredOption('--since <time>', 'start (e.g. 2026-11-24, "2026-11-24 10:00Z" or -24h)')
  .option('--until <time>', 'end (default: now)')
  .action(async (rule: string, options) => (await import('./commands/rules.ts')).rulesBackfillCommand(loadConfig(), rule, options));
rules
  .command('enable')
  .description('Enable a rule: it evaluates events committed from now on (the disabled period is left to backfill, whose command it prints)')
  .argument('<rule>', 'rule name')
  .action(async (rule: string) => (await import('./commands/rules.ts')).rulesEnableCommand(loadConfig(), rule, true));
rules
  .command('disable')
  .description('Disable a rule: events committed while it is disabled are not evaluated, not even when it is enabled again')
  .argument('<rule>', 'rule name')
  .action(async (rule: string) => (await import('./commands/rules.ts')).rulesEnableCommand(loadConfig(), rule, false));
rules
  .command('test')
  .description('Run every rule with fixtures against its positive and negative events (in a rolled-back transaction) and report pass/fail')
  .argument('[rule]', 'only this rule')
  .action(async (rule: string | undefined) => (await import('./commands/rules.ts')).rulesTestCommand(loadConfig(), rule));
program
  .command('agent')
  .description('Run the agent: tail files, receive syslog (UDP/TCP/TLS), read Windows event exports, poll HTTP APIs and stdin into events_raw, exactly once (see docs/agent.md)')
  .requiredOption('--config <file>', 'agent.yaml')
  .action(async (options: { config: string }) => (await import('./commands/agent.ts')).agentCommand(options));

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ParserFileError) {
    console.error(`siem: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof ConfigError || error instanceof AgentConfigError) {
    console.error(`siem: configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(`siem: ${(error as Error).message}`);
  process.exit(1);
}
