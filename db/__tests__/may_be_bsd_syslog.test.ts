import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

/** Lines parse_bsd_syslog takes although may_be_bsd_syslog says it cannot (must be none), and the guard's answers. */
async function check(lines: string[]) {
  const { rows } = await context.db.pool.query(
    `select l.line, siem_private.may_be_bsd_syslog(l.line) as may, not (siem_private.parse_bsd_syslog(l.line, '2026-11-24T12:00:00Z') is null) as parsed
     from unnest($1::text[]) with ordinality l (line, n) order by l.n`,
    [lines],
  );
  return {
    missed: rows.filter((row) => row.parsed && !row.may).map((row) => row.line as string),
    may: rows.map((row) => row.may as boolean),
    parsed: rows.map((row) => row.parsed as boolean),
  };
}

describe('siem_private.may_be_bsd_syslog', () => {
  it('is true for every header form parse_bsd_syslog accepts', async () => {
    const { missed, parsed } = await check([
      '<38>Nov  4 20:43:44 web-01 sshd[1234]: Accepted publickey for bob',
      'Nov 24 10:00:00 host cron[1]: job',
      '2026-11-24T10:00:00+01:00 host app: rsyslog high precision',
      '<13>2026-11-24T10:00:00.123Z host app: with priority',
      '<134>Nov 24 10:00:00 fw01 CEF:0|Security|threatmanager|1.0|100|worm|10|src=10.0.0.1',
    ]);
    expect(parsed).toEqual([true, true, true, true, true]);
    expect(missed).toEqual([]);
  });

  it('is false for access-log lines, JSON and free text, which parse_bsd_syslog rejects', async () => {
    const { may, parsed } = await check([
      '203.0.113.9 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.0"',
      '10.0.0.1 - bob [24/Nov/2026:10:00:00 +0000] "POST /login HTTP/1.1" 302 0',
      '{"level":"info","msg":"started"}',
      'just some text',
      'é',
      '',
    ]);
    expect(may).toEqual([false, false, false, false, false, false]);
    expect(parsed).toEqual([false, false, false, false, false, false]);
  });

  const authLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_suspicious_login_activity_auth.log');
  const apacheLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_apache_logs_combined.log');
  it.skipIf(!existsSync(authLog) || !existsSync(apacheLog))('misses no line of the real auth and Apache logs (../shared/corpora/logs)', async () => {
    const lines = [...readFileSync(authLog, 'utf8').split('\n'), ...readFileSync(apacheLog, 'utf8').split('\n').slice(0, 2000)];
    const { missed, parsed } = await check(lines);
    expect(parsed.filter(Boolean).length).toBeGreaterThan(1000);
    expect(missed).toEqual([]);
  });
});
