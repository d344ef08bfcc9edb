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
