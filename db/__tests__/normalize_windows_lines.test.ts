import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

const fixtures = (name: string) =>
  Object.values(JSON.parse(readFileSync(path.resolve(import.meta.dirname, `../../test/fixtures/windows/${name}.json`), 'utf8')) as Record<string, unknown>);

describe('siem_private.normalize_windows_lines', () => {
  it('writes what normalize_windows_event gives each staged Windows event, reading windows_event_types once per statement', async () => {
    const docs = [...fixtures('agent'), ...fixtures('winlogbeat'), ...fixtures('nxlog')];
    const many = Array.from({ length: 10 }, () => docs).flat();
    const client = await context.db.pool.connect();
    try {
      await client.query('begin');
      await client.query('select siem_private.create_parse_scratch()');
      await client.query(
        `insert into siem_parse_lines (id, doc) select n, d from unnest($1::jsonb[]) with ordinality u (d, n)
         union all select 100000, '{"not": "windows"}'`,
        [many.map((doc) => JSON.stringify(doc))],
      );
      const reads = async () =>
        (await client.query(`select (seq_scan + coalesce(idx_scan, 0))::int as n from pg_stat_xact_user_tables where relid = 'public.windows_event_types'::regclass`)).rows[0]?.n ?? 0;
      const before = await reads();
      await client.query('select siem_private.normalize_windows_lines()');
      expect((await reads()) - before).toBe(1);
      const { rows } = await client.query(
        `select count(*)::int as n,
                count(*) filter (where m.event_type is distinct from (x.w).event_type or m.metadata is distinct from (x.w).fields
                                 or w.ts is distinct from (x.w).ts or w.host is distinct from (x.w).host
                                 or m.complete is distinct from coalesce((x.w).fields ?& t.required_fields, true))::int as differing
         from siem_parse_lines l
         cross join lateral (select siem_private.normalize_windows_event(l.doc) as w offset 0) x
         join siem_parse_matches m on m.id = l.id
         join siem_parse_windows w on w.id = l.id
         left join event_types t on t.name = (x.w).event_type`,
      );
      expect(rows).toEqual([{ n: many.length, differing: 0 }]);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
