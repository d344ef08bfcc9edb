// rsyslog with ompgsql (Debian's rsyslog + rsyslog-pgsql), the peer of the `peer` benchmark: installed
// through apt-get when missing, run in the foreground with a generated configuration, never as the
// system service.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const rsyslogd = '/usr/sbin/rsyslogd';
const packages = ['rsyslog', 'rsyslog-pgsql'];
/** The table definition rsyslog-pgsql ships for dbconfig-common (the one its default template expects). */
export const packagedSchemaFile = '/usr/share/dbconfig-common/data/rsyslog-pgsql/install/pgsql';
const policyRcD = '/usr/sbin/policy-rc.d';

/**
 * The columns the default template of ompgsql (StdPgSQLFmt) writes, as in rsyslog's createDB.sql for
 * PostgreSQL; used only when the packaged file is not where Debian puts it.
 */
const fallbackSchema = `
create table SystemEvents (
  ID serial not null primary key,
  CustomerID bigint,
  ReceivedAt timestamp without time zone null,
  DeviceReportedTime timestamp without time zone null,
  Facility smallint null,
  Priority smallint null,
  FromHost varchar(60) null,
  Message text,
  NTSeverity int null,
  Importance int null,
  EventSource varchar(60),
  EventUser varchar(60) null,
  EventCategory int null,
  EventID int null,
  EventBinaryData text null,
  MaxAvailable int null,
  CurrUsage int null,
  MinUsage int null,
  MaxUsage int null,
  InfoUnitID int null,
  SysLogTag varchar(60),
  EventLogType varchar(60),
  GenericFileName varchar(60),
  SystemID int null
);`;

/** rsyslog's SystemEvents definition: the packaged one when installed. */
export function rsyslogSchema(): string {
  return existsSync(packagedSchemaFile) ? readFileSync(packagedSchemaFile, 'utf8') : fallbackSchema;
}

function installed(): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f', '${Status}\\n', ...packages], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim().split('\n').every((line) => line.endsWith('install ok installed')) && existsSync(rsyslogd);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, input?: string): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, input, maxBuffer: 64 << 20 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output };
}

const lastLines = (text: string, n = 5) => text.trim().split('\n').slice(-n).join(' | ');

/**
 * Makes sure rsyslogd and ompgsql are installed, installing them with apt-get when they are not.
 * Returns undefined when they are ready, otherwise why the benchmark cannot run (it then skips).
 * The packages are installed without letting them start the system rsyslog service (policy-rc.d
 * answers 101) and without letting dbconfig-common configure a database.
 */
export function ensureRsyslog(log: (message: string) => void): string | undefined {
  if (installed()) return undefined;
  const missing = `rsyslog and rsyslog-pgsql are not installed`;
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) return `${missing} and apt-get is not available: install them with your package manager to run this benchmark`;
  if (process.getuid?.() !== 0) return `${missing}, and installing them needs root: run \`sudo apt-get install rsyslog rsyslog-pgsql\` first`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`installing ${packages.join(' and ')} with apt-get (the system service is not started)`);
  const update = run('apt-get', ['update', '-qq'], env);
  if (!update.ok) return `${missing}, and apt-get update failed: ${lastLines(update.output)}`;
  // dbconfig-common would otherwise try to create a database on a local server of its own.
  run('debconf-set-selections', [], env, 'rsyslog-pgsql rsyslog-pgsql/dbconfig-install boolean false\n');
  const ownPolicy = !existsSync(policyRcD);
  if (ownPolicy) {
    writeFileSync(policyRcD, '#!/bin/sh\n# written by pgsiem bench/rsyslog.ts while installing rsyslog: start no services\nexit 101\n');
    chmodSync(policyRcD, 0o755);
  }
  try {
    const install = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], env);
    if (!install.ok) return `${missing}, and apt-get install failed: ${lastLines(install.output)}`;
  } finally {
    if (ownPolicy) rmSync(policyRcD, { force: true });
  }
  return installed() ? undefined : `${missing}, and apt-get did not install them`;
}

export interface RsyslogSettings {
  /** Folder for rsyslog's work files and its own log. */
  workDir: string;
  /** imtcp listens on 127.0.0.1 at this port. */
  listenPort: number;
  database: { host: string; port: number; name: string; user: string; password: string };
  /** A template of rows to insert; default: ompgsql's built-in StdPgSQLFmt into SystemEvents. */
  template?: { name: string; sql: string };
}

/** A RainerScript string literal. */
export function rsyslogString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * A whole rsyslogd configuration: messages received by imtcp on loopback go, through their own ruleset,
 * to ompgsql and nowhere else; rsyslog's own messages go to a file in the work folder (so they do
 * not add rows to the table being counted). No other input is loaded (no /dev/log, no UDP).
 */
export function rsyslogConfig(settings: RsyslogSettings): string {
  const db = settings.database;
  const template = settings.template;
  return [
    '# generated by pgsiem bench/rsyslog.ts',
    `global(workDirectory=${rsyslogString(settings.workDir)})`,
    'module(load="imtcp")',
    'module(load="ompgsql")',
    ...(template ? [`template(name=${rsyslogString(template.name)} type="string" option.stdsql="on" string=${rsyslogString(template.sql)})`] : []),
    'ruleset(name="peer") {',
    `  action(type="ompgsql" server=${rsyslogString(db.host)} port="${db.port}" db=${rsyslogString(db.name)}` +
      ` user=${rsyslogString(db.user)} pass=${rsyslogString(db.password)}${template ? ` template=${rsyslogString(template.name)}` : ''})`,
    '}',
    `input(type="imtcp" address="127.0.0.1" port="${settings.listenPort}" ruleset="peer")`,
    `*.* action(type="omfile" file=${rsyslogString(path.join(settings.workDir, 'rsyslogd.log'))})`,
    '',
  ].join('\n');
}

export interface RunningRsyslog {
  child: ChildProcess;
  /** rsyslog's own messages so far (its log file and stderr). */
  diagnostics(): string;
  stop(): Promise<void>;
}

/** Checks the configuration (rsyslogd -N1), then runs rsyslogd in the foreground (-n) with it. */
export function startRsyslog(settings: RsyslogSettings): RunningRsyslog {
  const configFile = path.join(settings.workDir, 'rsyslog.conf');
  const pidFile = path.join(settings.workDir, 'rsyslogd.pid');
  writeFileSync(configFile, rsyslogConfig(settings), { mode: 0o600 });
  const check = run(rsyslogd, ['-N1', '-f', configFile]);
  if (!check.ok) throw new Error(`rsyslogd refused the generated configuration: ${lastLines(check.output)}`);
  const child = spawn(rsyslogd, ['-n', '-f', configFile, '-i', pidFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const logFile = path.join(settings.workDir, 'rsyslogd.log');
  return {
    child,
    diagnostics: () => `${stderr}${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : ''}`.trim(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
