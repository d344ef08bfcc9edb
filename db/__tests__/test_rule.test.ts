import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule } from '../../test/rules.ts';

const context = useAgentDatabase();
let ruleId: number;

const failure = (offset: number) => ({ offset, event_type: 'ssh_failed', src_ip: '198.51.100.7', username: 'root' });

beforeAll(async () => {
  ruleId = await createSshThresholdRule(context.db.pool);
});

const run = (role = 'siem_analyst') => context.db.asRole(role, async (client) => (await client.query('select * from public.test_rule($1)', [ruleId])).rows[0]);

describe('public.test_rule', () => {
  it('reports positive and negative fixtures, and keeps nothing', async () => {
    const fixtures = { positive: Array.from({ length: 10 }, (_, i) => failure(i * 5)), negative: Array.from({ length: 9 }, (_, i) => failure(i * 5)) };
    await context.db.pool.query('update public.rules set fixtures = $2 where id = $1', [ruleId, JSON.stringify(fixtures)]);
    const before = (await context.db.pool.query('select (select count(*) from events) as events, (select count(*) from alerts) as alerts')).rows[0];
    expect(await run()).toEqual({ rule_id: String(ruleId), rule_name: 'ssh_brute_force', positive: true, negative: true, positive_alerts: 1, negative_alerts: 0 });
    expect((await context.db.pool.query('select (select count(*) from events) as events, (select count(*) from alerts) as alerts')).rows[0]).toEqual(before);
  });

  it('fails a positive fixture that raises nothing, and repeat expands one event', async () => {
    await context.db.pool.query('update public.rules set fixtures = $2 where id = $1', [ruleId, JSON.stringify({ positive: [failure(0)], negative: [{ ...failure(0), repeat: 10 }] })]);
    expect(await run()).toMatchObject({ positive: false, negative: false, positive_alerts: 0, negative_alerts: 1 });
  });

  it('says null for a side without fixtures, and refuses an unknown rule and an agent', async () => {
    await context.db.pool.query(`update public.rules set fixtures = '{}' where id = $1`, [ruleId]);
    expect(await run()).toMatchObject({ positive: null, negative: null });
    await expect(context.db.asRole('siem_analyst', (c) => c.query('select * from public.test_rule(-1)'))).rejects.toThrow(/no rule with id -1/);
    await expect(run('siem_agent')).rejects.toThrow(/permission denied/);
  });
});
