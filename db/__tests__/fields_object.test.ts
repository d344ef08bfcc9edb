import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const fields = async (names: string[], types: (string | null)[], values: (string | null)[] | null, unique = true) =>
  (await context.db.pool.query('select siem_private.fields_object($1, $2, $3, $4) as f', [names, types, values, unique])).rows[0].f as unknown;

describe('siem_private.fields_object', () => {
  it('names captures, types int and float fields, and leaves out null and unnamed ones', async () => {
    expect(await fields(['username', 'src_ip', 'src_port', 'ratio', ''], [null, null, 'int', 'float', null], ['root', '203.0.113.9', '52100', '0.5', 'skipped'])).toEqual({
      username: 'root',
      src_ip: '203.0.113.9',
      src_port: 52100,
      ratio: 0.5,
    });
    expect(await fields(['username', 'uid'], [null, 'int'], ['root', null])).toEqual({ username: 'root' });
  });

  it('keeps text that does not fit its type, and is null for no match', async () => {
    expect(await fields(['src_port'], ['int'], ['22 [preauth]'])).toEqual({ src_port: '22 [preauth]' });
    expect(await fields(['n'], ['int'], [' 12 '])).toEqual({ n: 12 });
    expect(await fields(['username'], [null], null)).toBeNull();
  });

  it('gives a name captured twice its first non-null value', async () => {
    expect(await fields(['username', 'src_port', 'username', 'src_port'], [null, 'int', null, 'int'], [null, null, 'bob', '7'], false)).toEqual({ username: 'bob', src_port: 7 });
    expect(await fields(['username', 'username'], [null, null], ['alice', 'bob'], false)).toEqual({ username: 'alice' });
  });
});
