import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';

const context = useAgentDatabase();
let ruleId: number;

beforeAll(async () => {
  ruleId = await createSshThresholdRule(context.db.pool);
  const start = new Date(Date.now() - 2 * 3600_000);
  await ingestLines(context.agentPool, failedSshLines(12, start, '203.0.113.5'));
  await ingestLines(context.agentPool, failedSshLines(4, start, '203.0.113.6'));
  await ingestLines(context.agentPool, failedSshLines(10, new Date(Date.now() - 30 * 3600_000), '203.0.113.7'));
});

const dryRun = (hours: number, role = 'siem_analyst') =>
  context.db.asRole(role, async (client) => (await client.query('select entity, event_count, summary from public.dry_run_rule($1, $2)', [ruleId, hours])).rows);

describe('public.dry_run_rule', () => {
  it('says which alerts the rule would raise over the last hours, and keeps nothing', async () => {
    expect(await dryRun(3)).toEqual([{ entity: '203.0.113.5', event_count: 12, summary: 'failed ssh logins from 203.0.113.5' }]);
    expect((await dryRun(48)).map((r) => r.entity)).toEqual(['203.0.113.5', '203.0.113.7']);
    const kept = await context.db.pool.query('select (select count(*) from alerts) as alerts, (select count(*) from rules) as rules, (select count(*) from graphile_worker.jobs) as jobs');
    expect(kept.rows[0]).toMatchObject({ alerts: '0' });
    expect(Number(kept.rows[0].rules)).toBe(2); // the rule and the built-in threat intel rule
  });

  it('counts events that real alerts already hold', async () => {
    await context.db.pool.query('select siem_private.backfill_rule($1, now() - interval $$3 hours$$)', [ruleId]);
    expect((await context.db.pool.query('select count(*)::int as n from alerts')).rows[0].n).toBe(1);
    expect(await dryRun(3)).toEqual([{ entity: '203.0.113.5', event_count: 12, summary: 'failed ssh logins from 203.0.113.5' }]);
  });

  it('refuses a range out of 1..168 hours, an unknown rule and an agent', async () => {
    await expect(dryRun(0)).rejects.toThrow(/hours must be between 1 and 168/);
    await expect(dryRun(169)).rejects.toThrow(/hours must be between 1 and 168/);
    await expect(context.db.asRole('siem_analyst', (c) => c.query('select * from public.dry_run_rule(-1)'))).rejects.toThrow(/no rule with id -1/);
    await expect(dryRun(3, 'siem_agent')).rejects.toThrow(/permission denied/);
  });
});
