import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

// fast_timestamp as migration 000026 defined it (one ISO regex; translate + LIKE for access-log
// times), recreated as pg_temp.fast_timestamp_000026: the byte checks must take exactly what it took.
const migration = readFileSync(path.resolve(import.meta.dirname, '../migrations/committed/000026-timestamps-every-day.sql'), 'utf8');
const regexVersion = /create or replace function siem_private\.fast_timestamp\(p_text text\)[\s\S]*?\n\$\$;/.exec(migration)![0]
  .replace('siem_private.fast_timestamp(p_text text)', 'pg_temp.fast_timestamp_000026(p_text text)');

/** Old and new results over the texts a query gives (column t): how many differ, how many parsed. */
async function compare(candidates: string, values: unknown[] = []) {
  const client = await context.db.pool.connect();
  try {
    await client.query(regexVersion);
    const { rows } = await client.query(
      `with candidates as (${candidates})
       select count(*)::int as values,
              count(*) filter (where pg_temp.fast_timestamp_000026(t) is distinct from siem_private.fast_timestamp(t))::int as differing,
              count(*) filter (where pg_temp.fast_timestamp_000026(t) is distinct from
                                     siem_private.fast_timestamp_bytes(t, convert_to(t, getdatabaseencoding())))::int as differing_bytes,
              count(siem_private.fast_timestamp(t))::int as parsed
       from candidates`,
      values,
    );
    return rows[0] as { values: number; differing: number; differing_bytes: number; parsed: number };
  } finally {
    client.release();
  }
}

describe('siem_private.fast_timestamp_bytes', () => {
  it('takes every date, hour, minute, second and zone the ISO regex took, and no other', async () => {
    // every day of months 0-13 near month ends; each other part varied on a few days only
    const result = await compare(`
      select y || '-' || lpad(m::text, 2, '0') || '-' || lpad(d::text, 2, '0') || s || lpad(h::text, 2, '0') || ':' || ms || f || z as t
      from unnest(array['0000', '0001', '1900', '2000', '2023', '2024', '2100', '9999']) y, generate_series(0, 13) m, generate_series(0, 32) d,
           unnest(array['T', ' ', 't']) s, unnest(array[0, 23, 24]) h,
           unnest(array['00:00', '59:59', '60:00', '00:60', '5:00', '5x:00']) ms,
           unnest(array['', '.', '.1', '.080', '.123456789', '.1234567890', ',5']) f,
           unnest(array['Z', 'z', '', '+00', '-15', '+16', '+0530', '+05:30', '-15:59', '+1560', '+15:60', '+05:3', '+5', ' Z', 'Zz', 'UTC']) z
      where (d in (0, 1, 28, 29, 30, 31, 32) or m in (0, 13)) and (s = 'T' or (d = 1 and f = '' and z = 'Z')) and (h = 0 or ms = '00:00')
        and (f in ('', '.080') or (d = 1 and h = 0 and ms = '00:00'))
        and (z in ('Z', '+05:30') or (d = 1 and h = 0 and ms = '00:00' and f = ''))`);
    expect(result.differing).toBe(0);
    expect(result.differing_bytes).toBe(0);
    expect(result.values).toBe(42_880);
    expect(result.parsed).toBeGreaterThan(5_000);
  });

  it('takes every access-log time the translate() pattern took, and no other', async () => {
    const result = await compare(`
      select lpad(d::text, 2, '0') || '/' || mo || '/' || y || ':' || h || ':' || mi || ':' || se || ' ' || z as t
      from unnest(array['0000', '0001', '1900', '2000', '2023', '2024']) y,
           unnest(array['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'nov', 'NOV', 'anF', 'Nox', 'Fe/']) mo,
           generate_series(0, 32) d, unnest(array['00', '23', '24', '2x']) h, unnest(array['00', '59', '60']) mi, unnest(array['00', '59', '60', ':0']) se,
           unnest(array['+0000', '-1559', '+1600', '+0160', '*0100', '+000', '+00000', '+ 100']) z
      where (mo in ('Jan', 'Feb', 'Apr', 'nov', 'anF') or d in (1, 31)) and (mi = '00' or h = '00') and (se = '00' or (h = '00' and mi = '00'))`);
    expect(result.differing).toBe(0);
    expect(result.differing_bytes).toBe(0);
    expect(result.parsed).toBeGreaterThan(3_000);
  });

  it('agrees on every one- and two-character change of valid times, and never throws', async () => {
    const bases = ['2026-11-25T00:00:00.080Z', '2026-11-25 23:59:59z', '2024-02-29T12:00:00.123456789+05:30', '2026-11-25T00:00:00-1559',
      '2026-11-25T00:00:00+15', '25/Nov/2026:00:22:17 +0000', '29/Feb/2024:23:59:59 -1500', '31/Dec/2026:10:00:00 +0100'];
    const alphabet = ['0', '1', '2', '3', '5', '6', '9', '-', ':', 'T', ' ', 'Z', 'z', '.', '+', '/', 'x', 'ü', '\\', 'N'];
    const result = await compare(`
      select b as t from unnest($1::text[]) b
      union all select overlay(b placing c from i for 1) from unnest($1::text[]) b, unnest($2::text[]) c, generate_series(1, 40) i where i <= length(b)
      union all select overlay(b placing '' from i for 1) from unnest($1::text[]) b, generate_series(1, 40) i where i <= length(b)
      union all select overlay(b placing c from i for 0) from unnest($1::text[]) b, unnest($2::text[]) c, generate_series(1, 41) i where i <= length(b) + 1
      union all select overlay(overlay(b placing c1 from i for 1) placing c2 from j for 1)
                from unnest($1::text[]) b, unnest($3::text[]) c1, unnest($3::text[]) c2, generate_series(1, 35, 4) i, generate_series(2, 35, 5) j
                where i <= length(b) and j <= length(b)
      union all select repeat(b, 3) from unnest($1::text[]) b
      union all select null`, [bases, alphabet, ['0', '9', '-', ':', 'T', 'Z', '.', 'x']]);
    expect(result.differing).toBe(0);
    expect(result.differing_bytes).toBe(0);
    expect(result.values).toBeGreaterThan(20_000);
  });

  it('decides the path at plan time: a day the month has is cast in place, one it lacks goes to parse_timestamp', async () => {
    // With constants the conditions fold, and the CASE becomes the branch taken.
    const plan = async (value: string) => {
      const { rows } = await context.db.pool.query(`explain verbose select siem_private.fast_timestamp_bytes('${value}', '${value}'::bytea)`);
      return rows.map((row) => row['QUERY PLAN'] as string).join('\n');
    };
    for (const fast of ['29/Nov/2026:10:00:00 +0100', '31/Dec/2026:10:00:00 +0100', '29/Feb/2024:10:00:00 +0000', '2026-11-30T10:00:00Z', '2024-02-29T00:00:00Z',
      '2026-11-25T00:00:00.080Z', '2026-11-25T00:00:00.123456+05:30']) {
      expect(await plan(fast), fast).not.toContain('parse_timestamp');
    }
    for (const slow of ['31/Nov/2026:10:00:00 +0100', '29/Feb/2026:10:00:00 +0000', '2026-11-31T10:00:00Z', '1900-02-29T00:00:00Z', '2026-11-25T00:00:00']) {
      expect(await plan(slow), slow).toContain('parse_timestamp');
    }
  });

  it('is not callable by the API roles', async () => {
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`select siem_private.fast_timestamp_bytes('x', 'x'::bytea)`))).rejects.toThrow(/permission denied/);
  });
});

const apacheLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_apache_logs_combined.log');
describe.skipIf(!existsSync(apacheLog))('siem_private.fast_timestamp_bytes on a real access log (../shared/corpora)', () => {
  it('reads every time of elastic-examples_apache_logs_combined.log as the regex version did', async () => {
    const times = [...new Set(readFileSync(apacheLog, 'utf8').split('\n').map((line) => /\[([^\]]+)\]/.exec(line)?.[1]).filter((t) => t !== undefined))];
    const result = await compare('select unnest($1::text[]) as t', [times]);
    expect(result).toEqual({ values: times.length, differing: 0, differing_bytes: 0, parsed: times.length });
  });
});
