import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const canonical = async (doc: unknown) =>
  (await context.db.pool.query('select siem_private.canonical_object($1, m.keys, m.aliases, m.types) as c from siem_private.rename_maps() m', [doc])).rows[0].c as unknown;

describe('siem_private.canonical_object and siem_private.rename_maps', () => {
  it('renames aliased keys and coerces typed canonical fields, keeping everything else', async () => {
    expect(await canonical({ user: 'bob', clientip: '192.0.2.4', status: '404', src_port: '123x', nested: { user: 'x' }, level: 'warn' })).toEqual({
      username: 'bob',
      src_ip: '192.0.2.4',
      http_status: 404,
      src_port: '123x',
      nested: { user: 'x' },
      level: 'warn',
    });
  });

  it('returns an object without aliased or typed keys as it is', async () => {
    expect(await canonical({ message: 'hi', n: 1 })).toEqual({ message: 'hi', n: 1 });
    expect(await canonical(null)).toBeNull();
  });

  it('follows changes to field_aliases and canonical_fields', async () => {
    await context.db.pool.query(`insert into field_aliases (alias, canonical) values ('acct', 'username')`);
    await context.db.pool.query(`insert into canonical_fields (name, type) values ('duration_ms', 'int')`);
    expect(await canonical({ acct: 'carol', duration_ms: '17' })).toEqual({ username: 'carol', duration_ms: 17 });
  });
});
