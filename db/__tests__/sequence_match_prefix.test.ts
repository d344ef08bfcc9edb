import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

/** Rows one per `seconds[i]` after 12:00 with the given steps. */
async function prefix(steps: string[], seconds: number[], required: string[], options: { ordered?: boolean; expiry?: string | null; complete?: boolean; window?: string } = {}) {
  const { rows } = await context.db.pool.query(
    `select siem_private.sequence_match_prefix(
       array(select timestamptz '2026-11-24 12:00:00+00' + s * interval '1 second' from unnest($2::int[]) with ordinality u(s, i) order by i),
       $1::text[], $3::text[], $4::interval, $5, $6::interval, $7) as chain,
     siem_private.sequence_match(
       array(select timestamptz '2026-11-24 12:00:00+00' + s * interval '1 second' from unnest($2::int[]) with ordinality u(s, i) order by i),
       $1::text[], $3::text[], $4::interval, $5, $6::interval) as full_chain`,
    [steps, seconds, required, options.window ?? '60 seconds', options.ordered ?? true, options.expiry ?? null, options.complete ?? false],
  );
  return rows[0] as { chain: number[] | null; full_chain: number[] | null };
}

describe('siem_private.sequence_match_prefix', () => {
  it('answers as sequence_match when given all the rows', async () => {
    for (const [steps, seconds] of [
      [['a', 'b', 'a', 'b'], [0, 10, 20, 30]],
      [['b', 'a', 'x', 'b'], [0, 10, 20, 100]],
      [['a', 'a', 'b'], [0, 70, 80]],
    ] as [string[], number[]][]) {
      for (const ordered of [true, false]) {
        const { chain, full_chain } = await prefix(steps, seconds, ['a', 'b'], { ordered, complete: true });
        expect(chain).toEqual(full_chain);
      }
    }
  });

  it('returns a chain found before any earlier start could need more rows', async () => {
    expect((await prefix(['a', 'b', 'a'], [0, 5, 10], ['a', 'b'])).chain).toEqual([1, 2]);
    // The first start left its window (row 3 is 70 s later), so the second start's chain stands.
    expect((await prefix(['a', 'x', 'a', 'b', 'x'], [0, 70, 71, 72, 73], ['a', 'b'])).chain).toEqual([3, 4]);
    // With an expiry, a start whose next step came too late is settled too.
    expect((await prefix(['a', 'x', 'a', 'b'], [0, 20, 21, 22], ['a', 'b'], { expiry: '10 seconds' })).chain).toEqual([3, 4]);
  });

  it('says it cannot tell (an empty array) when a start ran out of rows or no chain is in them', async () => {
    // The first start is still open at the last row: a later row may complete it.
    expect((await prefix(['a', 'x', 'x'], [0, 1, 2], ['a', 'b'])).chain).toEqual([]);
    expect((await prefix(['x', 'x'], [0, 1], ['a', 'b'])).chain).toEqual([]);
    expect((await prefix(['b', 'x'], [0, 1], ['a', 'b'], { ordered: false })).chain).toEqual([]);
    // Complete rows without a chain: none.
    expect((await prefix(['x', 'x'], [0, 1], ['a', 'b'], { complete: true })).chain).toBeNull();
  });
});
