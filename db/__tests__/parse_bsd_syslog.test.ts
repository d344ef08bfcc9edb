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
