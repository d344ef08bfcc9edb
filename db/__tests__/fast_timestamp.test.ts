import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

describe('siem_private.fast_timestamp', () => {
  it('gives what parse_timestamp gives, on the fast shapes, near them and far from them', async () => {
    const values = [
      '24/Nov/2026:10:00:00 +0100', '01/Jan/2026:00:00:00 -1500', '28/Feb/2026:23:59:59 +0000', '29/Feb/2024:12:00:00 +0000',
      '31/Dec/2026:10:00:00 +0100', '30/Feb/2026:10:00:00 +0100', '24/nov/2026:10:00:00 +0100', '24/Nox/2026:10:00:00 +0100',
      '24/anF/2026:10:00:00 +0100', '00/Nov/2026:10:00:00 +0100', '24/Nov/0000:10:00:00 +0100', '24/Nov/2026:24:00:00 +0100',
      '24/Nov/2026:10:60:00 +0100', '24/Nov/2026:10:00:60 +0100', '24/Nov/2026:10:00:00 +1600', '24/Nov/2026:10:00:00 +0160',
      '24/Nov/2026:10:00:00 *0100', '24/Nov/2026 10:00:00 +0100', '24/Nov/2026:10:00:00 +01000', '24/Nov/2026:10:00:00 +01',
      '2026-11-24T10:00:00Z', '2026-11-24 10:00:00.123456+05:30', '2026-11-29T10:00:00Z', '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z',
      '2026-11-24T10:00:00', 'Nov 24 10:00:00', '1732442400', '', 'x', '24/Nov/2026:10:00:00 +0100 ', 'ü4/Nov/2026:10:00:00 +010',
    ];
    const { rows } = await context.db.pool.query(
      `select v, siem_private.fast_timestamp(v) as fast, siem_private.parse_timestamp(v) as slow from unnest($1::text[]) v`,
      [values],
    );
    for (const row of rows) expect(row.fast, row.v).toEqual(row.slow);
    expect(rows.filter((row) => row.fast !== null).length).toBeGreaterThan(8);
    expect(rows[0].fast).toEqual(new Date('2026-11-24T09:00:00Z'));
  });

  it('takes the 29th, 30th and 31st where the month has them, and agrees with parse_timestamp on every day', async () => {
    // days 1 to 32 of every month in a common year, leap years (2000, 2024) and a century that is not one (1900)
    const { rows } = await context.db.pool.query(`
      with candidates as (
        select lpad(d::text, 2, '0') || '/' || m.name || '/' || y || ':10:00:00 +0100' as v
        from generate_series(1, 32) d, unnest(array['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']) m(name),
             unnest(array[1900, 2000, 2023, 2024]) y
        union all
        select y || '-' || lpad(m::text, 2, '0') || '-' || lpad(d::text, 2, '0') || 'T10:00:00Z'
        from generate_series(1, 32) d, generate_series(1, 12) m, unnest(array[1900, 2000, 2023, 2024]) y
      )
      select count(*)::int as values,
             count(*) filter (where siem_private.fast_timestamp(v) is not distinct from siem_private.parse_timestamp(v))::int as agreeing,
             count(siem_private.fast_timestamp(v))::int as parsed
      from candidates`);
    // 4 years x 2 forms x 366 or 365 existing days
    expect(rows[0]).toEqual({ values: 3072, agreeing: 3072, parsed: 2 * (366 + 366 + 365 + 365) });
    const { rows: sample } = await context.db.pool.query(
      `select siem_private.fast_timestamp('31/Dec/2026:10:00:00 +0100') as dec31, siem_private.fast_timestamp('2024-02-29T10:00:00Z') as feb29`,
    );
    expect(sample[0]).toEqual({ dec31: new Date('2026-12-31T09:00:00Z'), feb29: new Date('2024-02-29T10:00:00Z') });
  });
});
