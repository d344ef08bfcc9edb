import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const explain = async (raw: string, source: string) =>
  (await context.db.pool.query(`select * from explain_line($1, $2, '2026-11-24T12:00:00Z')`, [raw, source])).rows;

describe('explain_line', () => {
  it('shows the selected parser with its fields and why every other one did not apply', async () => {
    const rows = await explain('Nov 24 10:00:00 bastion sshd[811]: Failed password for root from 203.0.113.9 port 52100 ssh2', 'syslog');
    expect(rows[0]).toMatchObject({
      parser: 'sshd_failed',
      selected: true,
      outcome: 'matched',
      event_type: 'ssh_failed',
      fields: { auth_method: 'password', username: 'root', src_ip: '203.0.113.9', src_port: 52100 },
    });
    const outcome = (name: string) => rows.find((row) => row.parser === name)?.outcome;
    expect(outcome('sudo_command')).toBe('program is sshd, not sudo');
    expect(outcome('nginx_access')).toBe('source is syslog, not nginx');
    expect(outcome('sshd_accepted')).toBe(`prefilter 'Accepted ' not in the line`);
    expect(outcome('sshd_invalid_user')).toBe(`prefilter 'Invalid user ' not in the line`);
    expect(rows.filter((row) => row.selected)).toHaveLength(1);
  });

  it('says when a later-priority parser also matched, or when the pattern did not', async () => {
    await context.db.pool.query(
      `insert into parsers (name, source, program, pattern, event_type, priority) values ('any_failure', 'syslog', null, 'Failed %{GREEDYDATA:what}', 'failure', 50)`,
    );
    const rows = await explain('Nov 24 10:00:00 h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2', 'syslog');
    expect(rows.find((row) => row.parser === 'any_failure')?.outcome).toBe('matched, but a parser with a lower priority number came first');
    const miss = await explain('Nov 24 10:00:00 h sshd[1]: Failed password for root from nowhere port x', 'syslog');
    expect(miss.find((row) => row.parser === 'sshd_failed')?.outcome).toBe('delimiters not found in order');
    expect(miss.find((row) => row.parser === 'sshd_failed_grok')?.outcome).toBe('pattern did not match');
    expect(miss.find((row) => row.selected)?.parser).toBe('any_failure');
  });

  it('parses access logs by splitting, and says when a line is not one', async () => {
    const [selected] = await explain('203.0.113.5 - - [24/Nov/2026:20:43:44 +0000] "GET / HTTP/1.1" 200 5', 'nginx');
    expect(selected).toMatchObject({ parser: 'nginx_access', selected: true, fields: { src_ip: '203.0.113.5', http_method: 'GET', url_path: '/', http_status: 200, bytes: 5 } });
    const garbage = await explain('\u0001 not a web log', 'nginx');
    expect(garbage.find((row) => row.parser === 'nginx_access')?.outcome).toBe('not an access log line (common or combined)');
  });

  it('explains that JSON objects pass through without parsers', async () => {
    const rows = await explain('{"a":1}', 'app');
    expect(rows.every((row) => row.outcome === 'not tried: the line is a JSON object (passed through)')).toBe(true);
  });

  it('is callable by analysts, who may not change parsers', async () => {
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`select * from explain_line('x', 'syslog')`))).resolves.toBeDefined();
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`select import_parsers('{}')`))).rejects.toThrow(/permission denied/);
  });
});

describe('explain_line across formats', () => {
  const normalize = async (raw: string, source: string) =>
    (await context.db.pool.query(`select event_type, reject_reason from siem_private.normalize_line($1, $2, '2026-11-24T12:00:00Z')`, [raw, source])).rows[0];

  it('routes an RFC 5424 line by its app-name, like the ingest path', async () => {
    const raw = '<38>1 2026-11-24T10:00:00Z bastion sshd 811 - - Failed password for root from 203.0.113.9 port 52100 ssh2';
    const rows = await explain(raw, 'syslog');
    expect(rows[0]).toMatchObject({ parser: 'sshd_failed', selected: true, line_format: 'rfc5424', program: 'sshd', fields: { username: 'root', src_port: 52100 } });
    expect((await normalize(raw, 'syslog')).event_type).toBe(rows[0].event_type);
  });

  it('says every parser was skipped when the ingest path quarantines the line first', async () => {
    await context.db.pool.query(`insert into source_formats (source, format) values ('fw', 'rfc5424')`);
    const raw = '<38>1 2026-13-24T10:00:00Z bastion sshd 811 - - Failed password for root from 203.0.113.9 port 52100 ssh2';
    const rows = await explain(raw, 'fw');
    const { reject_reason } = await normalize(raw, 'fw');
    expect(reject_reason).toMatch(/^rfc5424: /);
    expect(new Set(rows.map((row) => row.outcome))).toEqual(new Set([`not tried: the line is quarantined (${reject_reason})`]));
    expect(rows.every((row) => !row.selected && row.line_format === 'rfc5424')).toBe(true);
  });

  it('names CEF and CSV lines, which get their fields without parsers', async () => {
    const cef = await explain('Nov 24 10:00:00 fw CEF:0|Vendor|Product|1.0|100|Blocked|5|src=203.0.113.9 dst=10.0.0.1', 'syslog');
    expect(cef[0]).toMatchObject({ line_format: 'cef', selected: false, outcome: 'not tried: the line is CEF (fields from its header and extension)' });
    await context.db.pool.query(`insert into csv_sources (source, header) values ('vpn', '{ts,user,clientip}')`);
    const record = await explain('2026-11-24T10:00:00Z,alice,203.0.113.9', 'vpn');
    expect(record[0]).toMatchObject({ line_format: 'csv', outcome: 'not tried: vpn is a CSV source (fields from its header)' });
    const header = await explain('ts,user,clientip', 'vpn');
    expect(header[0].line_format).toBe('csv_header');
    expect((await normalize('ts,user,clientip', 'vpn')).event_type).toBe('csv_header');
  });

  it('agrees with the ingest path on the format of every kind of line', async () => {
    const lines: [string, string, string][] = [
      ['{"event_type":"login","user":"bob"}', 'app', 'json'],
      ['Nov 24 10:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls', 'syslog', 'syslog'],
      ['just some words', 'app', 'text'],
      ['<13>1 2026-11-24T10:00:00Z h app - - - hello', 'syslog', 'rfc5424'],
    ];
    for (const [raw, source, format] of lines) {
      const rows = await explain(raw, source);
      expect(rows[0].line_format, raw).toBe(format);
      const selected = rows.find((row) => row.selected);
      const { event_type } = await normalize(raw, source);
      if (selected) expect(event_type, raw).toBe(selected.event_type);
      else expect(event_type, raw).toBe(format === 'json' ? 'login' : format === 'rfc5424' ? 'syslog' : format);
    }
  });
});
