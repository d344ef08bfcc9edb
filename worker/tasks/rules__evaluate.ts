import type pg from 'pg';
import type { Task } from 'graphile-worker';

export interface EvaluationPass {
  rules: number;
  alerts: number;
  /** Rules evaluated by the set-based pass (compiled Sigma detections). */
  batched: number;
}

/**
 * Evaluates every enabled rule over the rows committed since its checkpoint, then prunes the outbox.
 * Compiled Sigma detections go first, all together in one set-based pass (one read of the new
 * events); every other rule (thresholds, sequences, hand-written views) is evaluated through its
 * view, each in its own transaction, so a broken rule does not hold up the others. When the
 * set-based pass fails, its rules are evaluated one by one too.
 */
export async function rulesEvaluationPass(client: pg.ClientBase, log: (message: string) => void): Promise<EvaluationPass> {
  const batch = await client.query<{ rule_ids: string[]; alerts: number; error: string | null }>('select * from siem_private.evaluate_match_rules()');
  const { rule_ids: batchedIds, alerts: batchedAlerts, error } = batch.rows[0]!;
  if (error) log(`set-based evaluation failed (${error}); evaluating those rules one by one`);
  const batched = new Set(batchedIds.map(String));
  const rules = await client.query<{ id: string; name: string; failing: boolean }>(
    `select r.id::text, r.name, c.last_error is not null as failing
     from public.rules r left join siem_private.rule_checkpoints c on c.rule_id = r.id where r.enabled order by r.id`,
  );
  let alerts = batchedAlerts;
  for (const rule of rules.rows) {
    if (batched.has(rule.id)) continue;
    try {
      const result = await client.query<{ rows_seen: number; alerts: number }>('select * from siem_private.evaluate_rule($1)', [rule.id]);
      alerts += result.rows[0]?.alerts ?? 0;
      if (rule.failing) await client.query('update siem_private.rule_checkpoints set last_error = null where rule_id = $1', [rule.id]);
    } catch (error) {
      log(`rule ${rule.name}: ${(error as Error).message}`);
      // Kept out of the set-based pass until it evaluates again without error.
      await client.query('update siem_private.rule_checkpoints set last_error = $2 where rule_id = $1', [rule.id, (error as Error).message]);
    }
  }
  await client.query('select siem_private.prune_rule_outbox()');
  return { rules: rules.rows.length, alerts, batched: batched.size };
}

export const rulesEvaluate: Task = async (_payload, helpers) => {
  const pass = await helpers.withPgClient((client) => rulesEvaluationPass(client, (message) => helpers.logger.error(message)));
  if (pass.alerts > 0) helpers.logger.info(`${pass.rules} rules evaluated (${pass.batched} set-based), ${pass.alerts} alerts raised or repeated`);
};
