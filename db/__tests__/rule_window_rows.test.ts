import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';

// The window state tables (rule_window_rows, rule_window_pending, rule_window_values): what a pass
// keeps in them, pruning, and that no API role reaches them.
const context = useAgentDatabase();
const count = async (table: string, ruleId: number) =>
  (await context.db.pool.query(`select count(*)::int as n from siem_private.${table} where rule_id = $1`, [ruleId])).rows[0].n as number;

describe('siem_private.rule_window_rows, rule_window_pending, rule_window_values', () => {
  it('keep the view rows of the window; attached rows leave the pending ones; old rows are pruned', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'window_state');
    const evaluate = () => context.db.pool.query('select * from siem_private.evaluate_rule($1)', [ruleId]);
    await ingestLines(context.agentPool, failedSshLines(9, new Date('2026-11-24T10:00:00Z'), '203.0.113.77'));
    await evaluate();
    expect([await count('rule_window_rows', ruleId), await count('rule_window_pending', ruleId)]).toEqual([9, 9]);
    // The tenth fires: every pending row is attached and leaves.
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T10:01:40Z'), '203.0.113.77'));
    expect((await evaluate()).rows[0].alerts).toBe(1);
    expect([await count('rule_window_rows', ruleId), await count('rule_window_pending', ruleId)]).toEqual([10, 0]);
    // Rows more than two windows (and a minute) older than the new ones are dropped.
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T10:30:00Z'), '203.0.113.77'));
    await evaluate();
    expect(await count('rule_window_rows', ruleId)).toBe(1);
    const from = (await context.db.pool.query('select window_from from siem_private.rule_checkpoints where rule_id = $1', [ruleId])).rows[0].window_from;
    expect(from).toEqual(new Date('2026-11-24T10:24:00Z'));
  });

  it('keeps the latest time of each distinct value of a distinct-count rule', async () => {
    await context.db.pool.query(`create view rules.spray as
      select e.ts as event_ts, e.id as event_id, e.metadata->>'src_ip' as entity, e.metadata->>'username' as distinct_value
      from public.events e where e.event_type = 'ssh_failed'`);
    await context.db.pool.query('alter view rules.spray owner to siem_owner');
    const ruleId = Number((await context.db.pool.query(
      `select id from public.add_view_rule('spray', 'rules.spray'::regclass, 'spray', 'high', '{}', 'threshold', '10 minutes', 5, true)`)).rows[0].id);
    await ingestLines(context.agentPool, failedSshLines(3, new Date('2026-11-24T11:00:00Z'), '203.0.113.78'));
    await context.db.pool.query('select siem_private.evaluate_rule($1)', [ruleId]);
    const { rows } = await context.db.pool.query('select entity_key, value, last_ts from siem_private.rule_window_values where rule_id = $1', [ruleId]);
    expect(rows).toEqual([{ entity_key: '203.0.113.78', value: 'root', last_ts: new Date('2026-11-24T11:00:20Z') }]);
  });

  it('are out of reach of every API role', async () => {
    for (const role of ['siem_analyst', 'siem_admin', 'siem_agent']) {
      for (const table of ['rule_window_rows', 'rule_window_pending', 'rule_window_values']) {
        await expect(context.db.asRole(role, (client) => client.query(`select 1 from siem_private.${table}`))).rejects.toThrow(/permission denied/);
      }
    }
  });
});
