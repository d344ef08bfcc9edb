import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';

const context = useAgentDatabase();
const stateOf = async (ruleId: number) => (await context.db.pool.query(
  `select (select count(*)::int from siem_private.rule_window_rows where rule_id = $1) as rows,
          (select count(*)::int from siem_private.rule_window_pending where rule_id = $1) as pending,
          (select window_from is not null from siem_private.rule_checkpoints where rule_id = $1) as has_state`, [ruleId])).rows[0];

describe('siem_private.tg_rules__reset_window and reset_rule_window', () => {
  it('drops a rule\'s window state when the rule changes or is deleted', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'reset_me');
    await ingestLines(context.agentPool, failedSshLines(3, new Date('2026-11-24T10:00:00Z'), '198.51.100.20'));
    await context.db.pool.query('select siem_private.evaluate_rule($1)', [ruleId]);
    expect(await stateOf(ruleId)).toEqual({ rows: 3, pending: 3, has_state: true });

    // Disabled then enabled: the rows of the disabled period are missing, so it starts over.
    await context.db.pool.query('update rules set enabled = false where id = $1', [ruleId]);
    expect(await stateOf(ruleId)).toEqual({ rows: 0, pending: 0, has_state: false });

    await context.db.pool.query('update rules set enabled = true where id = $1', [ruleId]);
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T10:01:00Z'), '198.51.100.20'));
    await context.db.pool.query('select siem_private.evaluate_rule($1)', [ruleId]);
    // Read back from the view: the three earlier rows and the new one.
    expect(await stateOf(ruleId)).toEqual({ rows: 4, pending: 4, has_state: true });

    await context.db.pool.query('delete from rules where id = $1', [ruleId]);
    expect((await context.db.pool.query('select count(*)::int as n from siem_private.rule_window_rows where rule_id = $1', [ruleId])).rows[0].n).toBe(0);
  });
});
