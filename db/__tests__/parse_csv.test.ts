import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

const fields = async (line: string, delimiter = ',') =>
  (await context.db.pool.query('select siem_private.csv_fields($1, $2) as f', [line, delimiter])).rows[0].f as string[];
const parse = async (line: string, header: string[] | null, delimiter = ',') =>
  (await context.db.pool.query('select siem_private.parse_csv($1, $2, $3) as f', [line, header, delimiter])).rows[0].f as Record<string, string> | null;

describe('siem_private.csv_fields', () => {
  it('splits RFC 4180 lines: quoted fields hold delimiters and doubled quotes', async () => {
    expect(await fields('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(await fields('2024-05-01T10:00:00Z,"Smith, Bob","said ""hi""",,x')).toEqual(['2024-05-01T10:00:00Z', 'Smith, Bob', 'said "hi"', '', 'x']);
    expect(await fields('"",""""')).toEqual(['', '"']);
    expect(await fields('a,b,\r')).toEqual(['a', 'b', '']);
    expect(await fields('a\t"b\tc"\td', '\t')).toEqual(['a', 'b\tc', 'd']);
    expect(await fields('')).toEqual([]);
    expect(await fields('caf\u00e9,"\u00fc ""x"", y",\u4e2d')).toEqual(['caf\u00e9', '\u00fc "x", y', '\u4e2d']);
  });

  it('reads malformed quoting leniently, as Python\'s csv module does', async () => {
    expect(await fields('"ab"cd,e')).toEqual(['abcd', 'e']);
    expect(await fields('x,"open, never closed')).toEqual(['x', 'open, never closed']);
    expect(await fields('a,"b""')).toEqual(['a', 'b"']);
    expect(await fields('"a""b",x,"c"d,"e"')).toEqual(['a"b', 'x', 'cd', 'e']);
    expect(await fields('x,"a"b"c,d",e')).toEqual(['x', 'ab"c', 'd"', 'e']);
    expect(await fields('mid"quote,"ok"')).toEqual(['mid"quote', 'ok']);
  });
});

/** Python's csv reader (default dialect, non-strict) on one line, as a reference. */
function pythonCsv(line: string, delimiter = ','): string[] {
  if (line === '') return [];
  const out: string[] = [];
  let field = '';
  let state: 'start' | 'plain' | 'quoted' | 'quote' = 'start';
  for (const c of line) {
    if (state === 'start' && c === '"') state = 'quoted';
    else if ((state === 'start' || state === 'plain' || state === 'quote') && c === delimiter) {
      out.push(field);
      field = '';
      state = 'start';
    } else if (state === 'quoted') {
      if (c === '"') state = 'quote';
      else field += c;
    } else if (state === 'quote' && c === '"') {
      field += '"';
      state = 'quoted';
    } else {
      field += c;
      state = 'plain';
    }
  }
  out.push(field);
  return out;
}

describe('siem_private.csv_fields against a reference reader', () => {
  it('splits 3,000 random lines as Python\'s csv module does', async () => {
    let seed = 5;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['a', 'b', ',', ',', '"', '"', ' ', '\u00e9'];
    const lines = Array.from({ length: 3000 }, () =>
      Array.from({ length: Math.floor(random() * 16) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
    );
    const { rows } = await context.db.pool.query(
      'select siem_private.csv_fields(l.line) as f from unnest($1::text[]) with ordinality as l(line, n) order by l.n',
      [lines],
    );
    expect(rows.map((row) => row.f)).toEqual(lines.map((line) => pythonCsv(line)));
  });
});

describe('siem_private.parse_csv', () => {
  const header = ['ts', 'src_ip', 'username', 'action'];

  it('names values by the header, leaves out empty fields, and names extra values column_N', async () => {
    expect(await parse('2024-05-01T10:00:00Z,10.0.0.5,bob,allow', header)).toEqual({ ts: '2024-05-01T10:00:00Z', src_ip: '10.0.0.5', username: 'bob', action: 'allow' });
    expect(await parse('2024-05-01T10:00:00Z,,"",deny', header)).toEqual({ ts: '2024-05-01T10:00:00Z', action: 'deny' });
    expect(await parse('t,1.2.3.4', header)).toEqual({ ts: 't', src_ip: '1.2.3.4' });
    expect(await parse('t,1.2.3.4,bob,allow,extra,,more', header)).toEqual({ ts: 't', src_ip: '1.2.3.4', username: 'bob', action: 'allow', column_5: 'extra', column_7: 'more' });
    expect(await parse(',,,', header)).toEqual({});
    expect(await parse('', header)).toBeNull();
  });

  it('works without a header, and with null or blank names in it', async () => {
    expect(await parse('a,b', null)).toEqual({ column_1: 'a', column_2: 'b' });
    expect(await parse('a,b,c', ['x', '', 'z'])).toEqual({ x: 'a', column_2: 'b', z: 'c' });
    expect((await context.db.pool.query(`select siem_private.parse_csv('a,b', array['x', null]) as f`)).rows[0].f).toEqual({ x: 'a', column_2: 'b' });
  });

  it('never throws, whatever the line or delimiter', async () => {
    const { rows } = await context.db.pool.query(
      `select count(siem_private.parse_csv(l, '{a,b}', d))::int as n
       from unnest(array['', '"', '""', '","', ',"', '"a"b"c"', E'\\r', ',,,,', 'a,b,c,d,e,f']) l,
            unnest(array[',', ';', E'\\t', '', 'ab', null]) d`,
    );
    expect(rows[0].n).toBeGreaterThan(0);
  });
});

describe('siem_private.csv_header_keys and csv_is_header', () => {
  it('trims names, drops a BOM, and names blank or repeated ones column_N', async () => {
    const { rows } = await context.db.pool.query(`select siem_private.csv_header_keys(array[E'\\uFEFFtime', ' src ip ', '', 'user', 'user', null]) as k`);
    expect(rows[0].k).toEqual(['time', 'src ip', 'column_3', 'user', 'column_5', 'column_6']);
  });

  it('recognizes the header line, repeated or not, and nothing else', async () => {
    const { rows } = await context.db.pool.query(
      `select l, siem_private.csv_is_header(l, '{time,src_ip,user}') as h
       from unnest(array['time,src_ip,user', '"time", src_ip ,user', 'time,src_ip,user,x', '2024,1.2.3.4,time', '']) l`,
    );
    expect(rows.map((row) => row.h)).toEqual([true, true, false, false, false]);
    const made = await context.db.pool.query(
      `select siem_private.csv_is_header(',a,"b""c"', siem_private.csv_header_keys(siem_private.csv_fields(',a,"b""c"'))) as h,
              siem_private.csv_is_header('1,a,x', array['column_1', 'a', 'b"c']) as data`,
    );
    expect(made.rows).toEqual([{ h: true, data: false }]);
  });
});

describe('public.csv_sources and siem_private.csv_header_for', () => {
  it('keeps a configured header, learns a missing one from the first line, and knows only CSV sources', async () => {
    const { pool } = context.db;
    await pool.query(`insert into csv_sources (source, header) values ('fw_export', '{ts,src_ip,action}')`);
    await pool.query(`insert into csv_sources (source, delimiter) values ('vpn_tsv', E'\\t')`);
    const headerFor = async (source: string, line: string) =>
      (await pool.query('select siem_private.csv_header_for($1, $2) as h', [source, line])).rows[0].h as string[] | null;

    expect(await headerFor('fw_export', 'a,b,c')).toEqual(['ts', 'src_ip', 'action']);
    expect(await headerFor('unknown', 'a,b,c')).toBeNull();
    expect(await headerFor('vpn_tsv', '')).toBeNull();
    expect(await headerFor('vpn_tsv', '\uFEFFtime\tuser\t\tuser\r')).toEqual(['time', 'user', 'column_3', 'column_4']);
    // the first line wins: later batches get the stored header
    expect(await headerFor('vpn_tsv', 'other\theader')).toEqual(['time', 'user', 'column_3', 'column_4']);
    const { rows } = await pool.query(`select source, header, header_learned_at is not null as learned from csv_sources order by source`);
    expect(rows).toEqual([
      { source: 'fw_export', header: ['ts', 'src_ip', 'action'], learned: false },
      { source: 'vpn_tsv', header: ['time', 'user', 'column_3', 'column_4'], learned: true },
    ]);
  });

  it('lets the first of two concurrent batches set the header', async () => {
    const { pool } = context.db;
    await pool.query(`insert into csv_sources (source) values ('race')`);
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      await first.query('begin');
      await second.query('begin');
      expect((await first.query(`select siem_private.csv_header_for('race', 'a,b') as h`)).rows[0].h).toEqual(['a', 'b']);
      const waiting = second.query(`select siem_private.csv_header_for('race', 'x,y,z') as h`);
      await first.query('commit');
      expect((await waiting).rows[0].h).toEqual(['a', 'b']);
      await second.query('commit');
    } finally {
      first.release();
      second.release();
    }
  });

  it('rejects a malformed header or delimiter', async () => {
    const { pool } = context.db;
    for (const values of [`('x1', '{}', ',')`, `('x2', '{a,""}', ',')`, `('x3', '{a,NULL}', ',')`, `('x4', null, ';;')`, `('x5', null, '"')`]) {
      await expect(pool.query(`insert into csv_sources (source, header, delimiter) values ${values}`)).rejects.toThrow(/check constraint/);
    }
  });

  it('lets analysts read it and admins change it; agents and anonymous get nothing', async () => {
    const { db } = context;
    await db.pool.query(`insert into csv_sources (source, header) values ('roles_test', '{a}') on conflict do nothing`);
    const sources = (c: { query: (sql: string) => Promise<{ rows: { source: string }[] }> }) =>
      c.query(`select source from csv_sources where source = 'roles_test'`).then((r) => r.rows);
    await expect(db.asRole('siem_analyst', sources)).resolves.toEqual([{ source: 'roles_test' }]);
    await expect(db.asRole('siem_analyst', (c) => c.query(`insert into csv_sources (source) values ('nope')`))).rejects.toThrow(/permission denied/);
    await expect(db.asRole('siem_analyst', (c) => c.query(`update csv_sources set header = '{b}'`))).rejects.toThrow(/permission denied/);
    await expect(
      db.asRole('siem_admin', async (c) => {
        await c.query(`insert into csv_sources (source, header, delimiter) values ('admin_made', '{x,y}', ';')`);
        await c.query(`update csv_sources set header = '{b}' where source = 'roles_test'`);
        await c.query(`delete from csv_sources where source = 'admin_made'`);
        return (await c.query(`select header from csv_sources where source = 'roles_test'`)).rows;
      }),
    ).resolves.toEqual([{ header: ['b'] }]);
    for (const role of ['siem_agent', 'siem_anonymous']) {
      await expect(db.asRole(role, sources)).rejects.toThrow(/permission denied/);
    }
    await expect(db.asRole('siem_admin', (c) => c.query(`select siem_private.csv_header_for('roles_test', 'a')`))).rejects.toThrow(/permission denied/);
  });
});
