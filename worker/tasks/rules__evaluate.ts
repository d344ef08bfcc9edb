import type { Task } from 'graphile-worker';

/**
 * Evaluates every enabled rule over the rows committed since its checkpoint, each rule in its own
 * transaction (a broken rule view does not hold up the others), then prunes the outbox.
 */
export const rulesEvaluate: Task = async (_payload, helpers) => {
  const rules = await helpers.withPgClient((client) => client.query<{ id: string; name: string }>('select id, name from public.rules where enabled order by id'));
  let alerts = 0;
  for (const rule of rules.rows) {
    try {
      const result = await helpers.withPgClient((client) =>
        client.query<{ rows_seen: number; alerts: number }>('select * from siem_private.evaluate_rule($1)', [rule.id]),
      );
      alerts += result.rows[0]?.alerts ?? 0;
    } catch (error) {
      helpers.logger.error(`rule ${rule.name}: ${(error as Error).message}`);
    }
  }
  await helpers.withPgClient((client) => client.query('select siem_private.prune_rule_outbox()'));
  if (alerts > 0) helpers.logger.info(`${rules.rows.length} rules evaluated, ${alerts} alerts raised or repeated`);
};
