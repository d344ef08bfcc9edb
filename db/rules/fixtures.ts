import type pg from 'pg';

// Detection as code: each rule's own positive and negative fixture events. The database runs them
// (public.test_rule: insert, evaluate, roll back), so the CLI and the web UI report the same thing.

export interface FixtureEvent {
  ts?: string;
  /** Seconds after the first fixture event (instead of ts). */
  offset?: number;
  event_type?: string;
  message?: string;
  host?: string;
  source?: string;
  /** Insert the event this many times (threshold rules), one second apart. */
  repeat?: number;
  [field: string]: unknown;
}

export interface RuleTestResult {
  rule: string;
  positive: boolean | null;
  negative: boolean | null;
}

/** Runs every rule that has fixtures: positive events must raise an alert, negative ones must not. */
export async function testRules(client: pg.ClientBase, only?: string): Promise<RuleTestResult[]> {
  const { rows } = await client.query<{ rule_name: string; positive: boolean | null; negative: boolean | null }>(
    `select t.rule_name, t.positive, t.negative
     from public.rules r, public.test_rule(r.id) t
     where r.fixtures <> '{}' and ($1::text is null or r.name = $1) order by r.name`,
    [only ?? null],
  );
  return rows.map((row) => ({ rule: row.rule_name, positive: row.positive, negative: row.negative }));
}
