import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const parse = async (line: string, received: string) =>
  (await context.db.pool.query('select (h).* from (select siem_private.parse_bsd_syslog_general($1, $2) as h) s where not (h is null)', [line, received])).rows;

describe('siem_private.parse_bsd_syslog_general', () => {
  it('reads every header form, RFC 3339 stamps included', async () => {
    expect(await parse('<38>Nov  4 20:43:44 web-01 sshd[1234]: Accepted publickey for bob', '2026-11-24T00:00:00Z')).toEqual([
      { pri: 38, ts: new Date('2026-11-04T20:43:44Z'), host: 'web-01', program: 'sshd', pid: '1234', message: 'Accepted publickey for bob' },
    ]);
    expect(await parse('<28>2019-12-02T16:49:23.123456+02:00 host app[23410]: Test', '2026-01-01T00:00:00Z')).toEqual([
      { pri: 28, ts: new Date('2019-12-02T14:49:23.123Z'), host: 'host', program: 'app', pid: '23410', message: 'Test' },
    ]);
  });

  it('returns null for lines that are not BSD syslog and for receipt times make_timestamp cannot take', async () => {
    for (const line of ['hello world', '<1x>Nov 25 00:00:00 h t: x', '2019-02-29T00:00:00Z h x: y', '']) {
      expect(await parse(line, '2026-03-27T00:00:00Z')).toEqual([]);
    }
    expect(await parse('Mar 27 13:06:56 h x: y', '0044-03-15 00:00:00+00 BC')).toEqual([]);
  });
});

const authLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_suspicious_login_activity_auth.log');

// parse_bsd_syslog reads common lines itself and must agree with this function on all of them.
describe.skipIf(!existsSync(authLog))('parse_bsd_syslog and parse_bsd_syslog_general on a real auth.log (../shared/corpora/logs)', () => {
  it('give the same result for every line, at the turn of the year too', async () => {
    const lines = existsSync(authLog) ? readFileSync(authLog, 'utf8').split('\n') : [];
    const { rows } = await context.db.pool.query(
      `select count(*)::integer as lines,
              count(*) filter (where siem_private.parse_bsd_syslog(l, r)::text is distinct from siem_private.parse_bsd_syslog_general(l, r)::text)::integer as differences
       from unnest($1::text[]) l cross join unnest(array['2026-11-25T12:00:00Z', '2026-01-01T00:00:00Z', '2026-12-31T23:59:59Z']::timestamptz[]) r`,
      [lines],
    );
    expect(rows[0]).toEqual({ lines: lines.length * 3, differences: 0 });
  });
});
