import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

interface Case {
  program: string | null;
  pid: string | null;
  pri: number | null;
  names: string[];
  types: (string | null)[];
  values: (string | null)[];
  unique: boolean;
}

/** Both forms of one case: the one-pass object and the reference it must equal. */
async function bothForms(cases: Case[]) {
  const { rows } = await context.db.pool.query<{ fast: unknown; reference: unknown; planned: boolean }>(
    `select siem_private.syslog_fields_object(c.program, c.pid, c.pri, c.vals, p.fast_keys, p.int_names, p.int_positions, p.ip_positions,
                                              c.names, c.types, c.is_unique) as fast,
            siem_private.syslog_header_object(c.program, c.pid, c.pri) || siem_private.fields_object(c.names, c.types, c.vals, c.is_unique) as reference,
            p.fast_keys is not null as planned
     from jsonb_to_recordset($1::jsonb) as c (program text, pid text, pri integer, names text[], types text[], vals text[], is_unique boolean)
     cross join lateral siem_private.fields_object_plan(c.names, c.types, c.is_unique) p`,
    [JSON.stringify(cases.map((c) => ({ ...c, vals: c.values, is_unique: c.unique })))],
  );
  return rows;
}

const sshd: Omit<Case, 'values'> = {
  program: 'sshd',
  pid: '4242',
  pri: 38,
  names: ['auth_method', 'username', 'src_ip', 'src_port', ''],
  types: [null, null, 'ip', 'int', null],
  unique: true,
};

describe('siem_private.syslog_fields_object', () => {
  it('builds a dissect match and its header in one pass, typed as the reference', async () => {
    const [row] = await bothForms([{ ...sshd, values: ['password', 'root', '203.0.113.9', '52100', 'ssh2'] }]);
    expect(row!.planned).toBe(true);
    expect(row!.fast).toEqual({ process: 'sshd', pid: 4242, syslog_pri: 38, auth_method: 'password', username: 'root', src_ip: '203.0.113.9', src_port: 52100 });
    expect(row!.fast).toEqual(row!.reference);
  });

  it('equals syslog_header_object || fields_object on every mix of header, names, types and values', async () => {
    const headers: Pick<Case, 'program' | 'pid' | 'pri'>[] = [
      { program: 'sshd', pid: '4242', pri: 38 },
      { program: 'sudo', pid: null, pri: 85 },
      { program: 'app', pid: 'abc', pri: 14 },
      { program: 'app', pid: '1234567890', pri: 14 },
      { program: 'app', pid: '77', pri: null },
      { program: null, pid: null, pri: null },
    ];
    const shapes: Pick<Case, 'names' | 'types' | 'unique'>[] = [
      { names: ['auth_method', 'username', 'src_ip', 'src_port', ''], types: [null, null, 'ip', 'int', null], unique: true },
      { names: ['username', 'tty', 'pwd', 'target_user', 'command'], types: [null, null, null, null, null], unique: true },
      { names: ['src_ip', 'dst_ip', 'src_port', 'dst_port'], types: ['ip', 'ip', 'int', 'int'], unique: true },
      { names: ['a', 'b', 'c'], types: ['int', 'int', 'int'], unique: true },
      { names: ['ratio', 'n'], types: ['float', 'int'], unique: true },
      { names: ['', 'username'], types: [null, null], unique: true },
      { names: ['pid', 'username'], types: ['int', null], unique: true },
      { names: ['process'], types: [null], unique: true },
      { names: ['username', 'username'], types: [null, null], unique: false },
      { names: [], types: [], unique: true },
    ];
    const valueSets = (n: number): (string | null)[][] => [
      Array.from({ length: n }, (_, i) => ['password', 'root', '203.0.113.9', '52100', 'ssh2'][i % 5]!),
      Array.from({ length: n }, (_, i) => String(i * 7)),
      Array.from({ length: n }, (_, i) => (i === 0 ? null : 'x')),
      Array.from({ length: n }, () => '2001:db8::1'),
      Array.from({ length: n }, () => ' 12 '),
      Array.from({ length: n }, () => '1234567890123456789'),
      Array.from({ length: n }, () => ''),
      Array.from({ length: n }, () => 'élan "quoted" \\ back'),
    ];
    const cases: Case[] = headers.flatMap((header) => shapes.flatMap((shape) => valueSets(shape.names.length).map((values) => ({ ...header, ...shape, values }))));
    const rows = await bothForms(cases);
    const differing = rows.map((row, i) => ({ case: cases[i], ...row })).filter((row) => JSON.stringify(row.fast) !== JSON.stringify(row.reference));
    expect(differing).toEqual([]);
    // the fast form really is taken for the shapes that allow it
    expect(rows.filter((row) => row.planned).length).toBeGreaterThan(cases.length / 3);
  });
});

describe('siem_private.fields_object_plan', () => {
  const plan = async (names: string[], types: (string | null)[], unique = true) =>
    (await context.db.pool.query('select * from siem_private.fields_object_plan($1, $2, $3)', [names, types, unique])).rows[0];

  it('names the keys, the int fields and the ip positions of a parser that takes the fast form', async () => {
    expect(await plan(['auth_method', 'username', 'src_ip', 'src_port', ''], [null, null, 'ip', 'int', null])).toEqual({
      fast_keys: ['process', 'auth_method', 'username', 'src_ip', 'src_port'],
      int_names: ['src_port'],
      int_positions: [4],
      ip_positions: [3],
    });
  });

  it('has no fast keys for fields the fast form cannot represent', async () => {
    expect((await plan(['a', 'a'], [null, null], false)).fast_keys).toBeNull();
    expect((await plan(['', 'username'], [null, null])).fast_keys).toBeNull();
    expect((await plan(['pid'], ['int'])).fast_keys).toBeNull();
    expect((await plan(['ratio'], ['float'])).fast_keys).toBeNull();
    expect((await plan(['a', 'b', 'c'], ['int', 'int', 'int'])).fast_keys).toBeNull();
  });

  it('takes every shipped grok and dissect parser', async () => {
    const { rows } = await context.db.pool.query(
      `select p.name from parsers p cross join lateral siem_private.fields_object_plan(p.canonical_names, p.canonical_types, p.canonical_unique) f
       where p.kind in ('grok', 'dissect') and f.fast_keys is null`,
    );
    expect(rows).toEqual([]);
  });
});
