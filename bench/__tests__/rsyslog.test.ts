import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { syslogStream } from '../corpus.ts';
import { rsyslogConfig, rsyslogd, rsyslogSchema, rsyslogString, type RsyslogSettings } from '../rsyslog.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rsyslog-conf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings: RsyslogSettings = {
  workDir: dir,
  listenPort: 15514,
  database: { host: '127.0.0.1', port: 54329, name: 'rsyslog_peer_1', user: 'rsyslog_peer', password: 'pa"ss\\word' },
};

describe('rsyslogString', () => {
  it('quotes and escapes backslashes and double quotes', () => {
    expect(rsyslogString('plain')).toBe('"plain"');
    expect(rsyslogString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('rsyslogConfig', () => {
  const config = rsyslogConfig(settings);

  it('binds only a loopback imtcp input to a ruleset whose one action is ompgsql', () => {
    expect(config).toContain('input(type="imtcp" address="127.0.0.1" port="15514" ruleset="peer")');
    expect(config).toMatch(/ruleset\(name="peer"\) \{\n {2}action\(type="ompgsql" server="127\.0\.0\.1" port="54329" db="rsyslog_peer_1" user="rsyslog_peer" pass="pa\\"ss\\\\word"\)\n\}/);
    expect(config).not.toMatch(/imuxsock|imudp|imklog|\$IncludeConfig/);
  });

  it("keeps rsyslog's own messages out of the table, in a file of its work folder", () => {
    expect(config).toContain(`global(workDirectory="${dir}")`);
    expect(config).toContain(`*.* action(type="omfile" file="${path.join(dir, 'rsyslogd.log')}")`);
  });

  it("uses ompgsql's default template unless one is given", () => {
    expect(config).not.toContain('template');
    const templated = rsyslogConfig({ ...settings, template: { name: 'peer_sql', sql: "insert into SystemEvents (Message) values ('%msg%')" } });
    expect(templated).toContain(`template(name="peer_sql" type="string" option.stdsql="on" string="insert into SystemEvents (Message) values ('%msg%')")`);
    expect(templated).toContain('template="peer_sql")');
  });

  it.skipIf(!existsSync(rsyslogd))('is accepted by rsyslogd -N1 (when rsyslog and rsyslog-pgsql are installed)', () => {
    const file = path.join(dir, 'rsyslog.conf');
    writeFileSync(file, config);
    const check = spawnSync(rsyslogd, ['-N1', '-f', file], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });
});

describe('rsyslogSchema', () => {
  it('creates the SystemEvents table with the columns of the default template', () => {
    const sql = rsyslogSchema();
    expect(sql).toMatch(/create table systemevents/i);
    for (const column of ['Message', 'Facility', 'FromHost', 'Priority', 'DeviceReportedTime', 'ReceivedAt', 'InfoUnitID', 'SysLogTag']) expect(sql).toContain(column);
  });
});

describe('syslogStream', () => {
  const end = Date.UTC(2026, 10, 25, 12, 0, 0);

  it('is N LF-terminated syslog lines, the same for the same end time', () => {
    const stream = syslogStream(2000, end);
    expect(stream.equals(syslogStream(2000, end))).toBe(true);
    const lines = stream.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2000);
    for (const line of lines) expect(line).toMatch(/^<\d{1,3}>/);
    expect(stream.includes(0)).toBe(false);
  });

  it('mixes sshd, sudo and ufw lines (the demo mix without garbage)', () => {
    const text = syslogStream(2000, end).toString('utf8');
    for (const program of [' sshd[', ' sudo: ', '[UFW BLOCK]']) expect(text).toContain(program);
  });
});
