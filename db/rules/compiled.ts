import type pg from 'pg';

/** What every rule compiler produces: the rules row (as upsert_rule reads it) and the view's SELECT. */
export interface CompiledRule {
  rule: {
    name: string;
    title: string;
    kind: 'threshold' | 'sequence' | 'sigma' | 'sigma_correlation' | 'view';
    description?: string;
    evaluation: 'match' | 'threshold' | 'sequence';
    window?: string;
    min_count?: number;
    count_distinct?: boolean;
    steps?: string[];
    ordered?: boolean;
    step_expiry?: string;
    severity: string;
    tags: string[];
    suppress_for?: string;
    throttle?: string;
    enabled?: boolean;
    definition: string;
    fixtures?: { positive?: unknown[]; negative?: unknown[] };
    /** Match rules over events: the view's condition as logsource and detection (set-based evaluation). */
    predicate?: { logsource: string; detection: string };
  };
  select: string;
}

/** Creates (or replaces) rules.<name> from the compiled SELECT and registers the rule, in one transaction. */
export async function installCompiledRule(client: pg.ClientBase, compiled: CompiledRule): Promise<{ id: string }> {
  const { rows } = await client.query<{ id: string }>('select (siem_private.install_compiled_rule($1::jsonb, $2)).id', [compiled.rule, compiled.select]);
  return rows[0]!;
}
