import type pg from 'pg';

// Detection as code: each rule's own positive and negative fixture events, evaluated inside a
// transaction that is rolled back.

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

async function alertsFor(client: pg.ClientBase, ruleId: string, events: FixtureEvent[]): Promise<number> {
  await client.query('begin');
  try {
    const base = Date.parse('2026-01-01T00:00:00Z');
    const rows = events.flatMap((event) => {
      const { ts, offset, event_type, message, host, source, repeat, ...metadata } = event;
      const start = ts ? Date.parse(ts) : base + (offset ?? 0) * 1000;
      return Array.from({ length: repeat ?? 1 }, (_, i) => ({
        ts: new Date(start + i * 1000).toISOString(),
        event_type: event_type ?? 'text',
        message: message ?? '',
        host: host ?? 'fixture-host',
        source: source ?? 'fixture',
        metadata,
      }));
    });
    const keys = await client.query<{ ts: Date; id: string }>(
      `insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
       select (r->>'ts')::timestamptz, now(), 0, now(), gen_random_uuid(), r->>'source', r->>'host', r->>'event_type', r->>'message', r->'metadata'
       from jsonb_array_elements($1::jsonb) r returning ts, id`,
      [JSON.stringify(rows)],
    );
    const { rows: result } = await client.query<{ alerts: number }>(
      'select siem_private.apply_rule(r, $2::timestamptz[], $3::bigint[]) as alerts from public.rules r where r.id = $1',
      [ruleId, keys.rows.map((row) => row.ts), keys.rows.map((row) => row.id)],
    );
    return result[0]?.alerts ?? 0;
  } finally {
    await client.query('rollback');
  }
}

/** Runs every rule that has fixtures: positive events must raise an alert, negative ones must not. */
export async function testRules(client: pg.ClientBase, only?: string): Promise<RuleTestResult[]> {
  const { rows } = await client.query<{ id: string; name: string; fixtures: { positive?: FixtureEvent[]; negative?: FixtureEvent[] } }>(
    `select id, name, fixtures from public.rules where fixtures <> '{}' and ($1::text is null or name = $1) order by name`,
    [only ?? null],
  );
  const results: RuleTestResult[] = [];
  for (const rule of rows) {
    const positive = rule.fixtures.positive?.length ? (await alertsFor(client, rule.id, rule.fixtures.positive)) > 0 : null;
    const negative = rule.fixtures.negative?.length ? (await alertsFor(client, rule.id, rule.fixtures.negative)) === 0 : null;
    results.push({ rule: rule.name, positive, negative });
  }
  return results;
}
