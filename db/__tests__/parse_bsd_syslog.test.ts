import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const parse = async (line: string, received: string) =>
  (await context.db.pool.query('select (h).* from (select siem_private.parse_bsd_syslog($1, $2) as h) s where not (h is null)', [line, received])).rows;

describe('siem_private.parse_bsd_syslog', () => {
  it('splits priority, timestamp, host, program, pid and message', async () => {
    expect(await parse('<38>Nov  4 20:43:44 web-01 sshd[1234]: Accepted publickey for bob', '2026-11-24T00:00:00Z')).toEqual([
      { pri: 38, ts: new Date('2026-11-04T20:43:44Z'), host: 'web-01', program: 'sshd', pid: '1234', message: 'Accepted publickey for bob' },
    ]);
  });

  it('takes the year from the receipt time, or the year before for lines from the future', async () => {
    const [december] = await parse('Dec 31 23:59:59 h kernel: x', '2027-01-01T00:00:05Z');
    expect(december.ts).toEqual(new Date('2026-12-31T23:59:59Z'));
  });

  it('returns null for lines that are not BSD syslog, and never throws on near misses', async () => {
    for (const line of ['hello world, not syslog', 'Feb 3x 13:06:56 h x: y', 'Foo 12 13:06:56 h x: y', 'Mar 27 25:06:56 h x: y', '<999999>Mar 27', '']) {
      expect(await parse(line, '2026-03-27T00:00:00Z')).toEqual([]);
    }
    // an envelope may claim any time; make_timestamp would throw outside its years
    expect(await parse('Mar 27 13:06:56 h x: y', '0044-03-15 00:00:00+00 BC')).toEqual([]);
  });

  it('keeps a message without a tag whole', async () => {
    const [row] = await parse('Mar 27 13:06:56 host a message without tag', '2026-03-27T14:00:00Z');
    expect(row).toMatchObject({ program: null, message: 'a message without tag' });
  });
});

describe('siem_private.parse_bsd_syslog with an RFC 3339 timestamp', () => {
  it('reads rsyslog\'s high-precision stamp with its year and offset', async () => {
    expect(await parse('<28>2019-12-02T16:49:23.123456+02:00 host app[23410]: Test', '2026-01-01T00:00:00Z')).toEqual([
      { pri: 28, ts: new Date('2019-12-02T14:49:23.123Z'), host: 'host', program: 'app', pid: '23410', message: 'Test' },
    ]);
    const [leap] = await parse('2016-12-31T23:59:60Z h kernel: leap', '2026-01-01T00:00:00Z');
    expect(leap).toMatchObject({ pri: null, host: 'h', program: 'kernel', message: 'leap' });
  });

  it('returns null for impossible dates and malformed stamps', async () => {
    for (const line of ['2019-02-29T00:00:00Z h x: y', '2019-13-01T00:00:00Z h x: y', '2019-12-02T16:49:23+24:00 h x: y', '2019-12-02T16:49:23 h x: y', '2019-12-02T16:49:23Z ']) {
      expect(await parse(line, '2026-01-01T00:00:00Z')).toEqual([]);
    }
  });
});

interface Rfc3164Case {
  input: string;
  options: string;
  valid: boolean;
  expected: { priority: number; timestamp: string; hostname?: string; appname?: string; procid?: string; message?: string };
}

const rfc3164File = path.resolve(import.meta.dirname, '../../../shared/corpora/syslog/go-syslog_rfc3164_cases.json');

// go-syslog's RFC 3164 vectors. The receipt time stands in for go-syslog's options: its year for
// WithYear (and for the default, where go-syslog prints year 0000), UTC for the zone. WithTimezone
// keeps the instant (only the printed zone changes), so it agrees; WithLocaleTimezone reads the
// wall clock in another zone, which parse_bsd_syslog does not do (it reads UTC).
describe.skipIf(!existsSync(rfc3164File))('go-syslog RFC 3164 vectors (../shared/corpora/syslog)', () => {
  const cases = existsSync(rfc3164File) ? (JSON.parse(readFileSync(rfc3164File, 'utf8')) as { cases: Rfc3164Case[] }).cases : [];

  it('parses the 14 valid vectors (13 to the same instant, the WithLocaleTimezone one as UTC) and rejects the invalid one', async () => {
    expect(cases.length).toBe(15);
    for (const c of cases) {
      const year = /WithYear\((\d+)\)/.exec(c.options)?.[1] ?? '2026';
      const rows = await parse(c.input, `${year}-12-31T23:59:59Z`);
      if (!c.valid) {
        expect(rows).toEqual([]);
        continue;
      }
      const stamp = c.expected.timestamp.replace(/^0000/, year);
      const ts = c.options.includes('WithLocaleTimezone') ? new Date(stamp.slice(0, 19) + 'Z') : new Date(stamp);
      expect(rows).toEqual([
        {
          pri: c.expected.priority,
          ts,
          host: c.expected.hostname ?? null,
          program: c.expected.appname ?? null,
          pid: c.expected.procid ?? null,
          message: c.expected.message ?? null,
        },
      ]);
    }
  });
});

// The common '<PRI>Mmm dd hh:mm:ss' line is read from its bytes; every other line goes to
// parse_bsd_syslog_general. Both must answer the same on every line.
describe('siem_private.parse_bsd_syslog fast path', () => {
  it('reads the edge cases of the common line as before', async () => {
    expect(await parse('<7>Feb 30 01:02:03 h t: x', '2026-06-01T00:00:00Z')).toEqual([
      { pri: 7, ts: new Date('2026-03-02T01:02:03Z'), host: 'h', program: 't', pid: null, message: 'x' },
    ]);
    expect(await parse('<007>Mar  7 13:06:56 ééé ü[é]:   ß', '2026-06-01T00:00:00Z')).toEqual([
      { pri: 7, ts: new Date('2026-03-07T13:06:56Z'), host: 'ééé', program: 'ü', pid: 'é', message: 'ß' },
    ]);
    expect(await parse('<191>Dec 31 23:59:59  su[12]]:x y', '2028-01-01T00:00:00Z')).toEqual([
      { pri: 191, ts: new Date('2027-12-31T23:59:59Z'), host: '', program: 'su', pid: '12', message: 'x y' },
    ]);
    // a tag ends within 48 characters
    const [long] = await parse(`Nov 25 00:00:00 h ${'a'.repeat(48)}: m`, '2026-11-25T12:00:00Z');
    expect(long).toMatchObject({ program: null, message: `${'a'.repeat(48)}: m` });
    // the stamp needs two characters after it, not two bytes
    expect(await parse('<13>Nov 25 00:00:00 é', '2026-11-25T12:00:00Z')).toEqual([]);
    expect(await parse('<13>Nov 25 24:00:00 h t: x', '2026-11-25T12:00:00Z')).toEqual([]);
    expect(await parse('<1x>Nov 25 00:00:00 h t: x', '2026-11-25T12:00:00Z')).toEqual([]);
  });

  it('agrees with parse_bsd_syslog_general on every prefix and digit change of real lines', async () => {
    const lines = [
      '<38>Nov 25 00:00:00 web-01 sshd[45738]: Failed password for admin from 2.125.160.216 port 16502 ssh2',
      '<85>Nov  5 09:10:11 bastion sudo: alice : TTY=pts/0 ; PWD=/home/alice ; USER=root',
      'Dec 31 23:59:59 h kernel: [ 1.23] x',
      '<13>2016-12-31T23:59:60Z h kernel: leap',
      '<28>2019-12-02T16:49:23.123456+02:00 host app[23410]: Test',
      'Feb 29 12:00:00 host CRON[1]:  (root) CMD',
    ];
    const variants = new Set<string>();
    for (const line of lines) {
      for (let n = 0; n <= line.length; n++) variants.add(line.slice(0, n));
      for (let i = 0; i < 24; i++) for (const c of ['0', '3', '9', ' ', ':', '<', '>', 'a', 'é']) variants.add(line.slice(0, i) + c + line.slice(i + 1));
    }
    const { rows } = await context.db.pool.query(
      `select l, r, siem_private.parse_bsd_syslog(l, r)::text as fast, siem_private.parse_bsd_syslog_general(l, r)::text as general
       from unnest($1::text[]) l
       cross join unnest(array['2026-11-25T12:00:00Z', '2026-01-01T00:00:00Z', '2026-12-31T23:59:59Z', '2028-02-29T00:00:00Z', '1960-01-01T00:00:00Z', null]::timestamptz[]) r`,
      [[...variants]],
    );
    expect(rows.length).toBeGreaterThan(5000);
    expect(rows.filter((row) => row.fast !== row.general)).toEqual([]);
    expect(rows.filter((row) => row.fast !== null).length).toBeGreaterThan(1000);
  });
});
