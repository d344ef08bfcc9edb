import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('siem_private.dns_cache and its functions', () => {
  it('stores positive and negative answers for the TTL and serves only unexpired ones', async () => {
    const put = await db.pool.query(`select siem_private.dns_cache_put($1, interval '5 minutes') as n`, [
      JSON.stringify([
        { ip: '81.2.69.142', ptr: 'a.example', status: 'ok' },
        { ip: '2001:DB8::1', ptr: null, status: 'nxdomain' },
        { ip: 'nonsense', ptr: null, status: 'error' },
      ]),
    ]);
    expect(put.rows[0].n).toBe(2);
    await db.pool.query(`select siem_private.dns_cache_put($1, interval '-2 hours')`, [JSON.stringify([{ ip: '192.0.2.1', ptr: 'old', status: 'ok' }])]);
    const got = await db.pool.query(`select * from siem_private.dns_cache_get($1) order by ip`, [['81.2.69.142', '2001:db8::1', '192.0.2.1', 'x']]);
    expect(got.rows).toEqual([
      { ip: '2001:db8::1', ptr: null, status: 'nxdomain' },
      { ip: '81.2.69.142', ptr: 'a.example', status: 'ok' },
    ]);
    expect((await db.pool.query('select siem_private.dns_cache_purge() as n')).rows[0].n).toBe(1);
  });

  it('siem_private.try_inet never throws', async () => {
    const { rows } = await db.pool.query(
      `select v, abbrev(siem_private.try_inet(v)) as inet from unnest(array['1.2.3.4', '999.1.1.1', '10.0.0.0/8', 'fe80::1', 'abc', '', '1.2.3.4/40']) v`,
    );
    expect(rows.map((r) => r.inet)).toEqual(['1.2.3.4', null, '10.0.0.0/8', 'fe80::1', null, null, null]);
  });
});
