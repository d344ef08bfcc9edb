import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';

const context = useAgentDatabase();
let ruleId: number;

beforeAll(async () => {
  ruleId = await createSshThresholdRule(context.db.pool);
  await ingestLines(context.agentPool, failedSshLines(10, new Date('2026-11-24T08:00:00Z'), '192.0.2.10'));
  await ingestLines(context.agentPool, failedSshLines(3, new Date('2026-11-24T08:00:00Z'), '192.0.2.99'));
  await context.db.pool.query('select * from siem_private.evaluate_rule($1)', [ruleId]);
});

const related = (srcIp: string) =>
  context.db.asRole('siem_analyst', async (client) => {
    const { rows } = await client.query(
      `select e.id, (select array_agg(a.rule_name || ':' || a.entity || ':' || a.severity || ':' || a.status) from public.events_related_alerts(e) a) as alerts
       from public.events e where e.metadata->>'src_ip' = $1 order by e.ts limit 1`,
      [srcIp],
    );
    return rows[0]?.alerts ?? null;
  });

describe('public.events_related_alerts', () => {
  it('lists the alert an event is a matching event of, for an analyst', async () => {
    expect(await related('192.0.2.10')).toEqual(['ssh_brute_force:192.0.2.10:high:open']);
  });

  it('lists nothing for an event no alert holds', async () => {
    expect(await related('192.0.2.99')).toBeNull();
  });

  it('finds alerts of rules over threat matches through the match of the event', async () => {
    const { rows } = await context.db.pool.query(`select ts, id from public.events where metadata->>'src_ip' = '192.0.2.99' order by ts limit 1`);
    const event = rows[0];
    const indicator = await context.db.pool.query(
      `insert into public.threat_indicators (feed, kind, value, network) values ('e2e-feed', 'ip', '192.0.2.99', '192.0.2.99') returning id`,
    );
    await context.db.pool.query(
      `insert into public.threat_matches (event_ts, event_id, indicator_id, feed, field, value) values ($1, $2, $3, 'e2e-feed', 'src_ip', '192.0.2.99')`,
      [event.ts, event.id, indicator.rows[0].id],
    );
    const rule = await context.db.pool.query(`select id from public.rules where name = 'threat_intel_match'`);
    await context.db.pool.query('select * from siem_private.evaluate_rule($1)', [rule.rows[0].id]);
    expect(await related('192.0.2.99')).toEqual(['threat_intel_match:e2e-feed:192.0.2.99:high:open']);
  });

  it('is not callable by agents', async () => {
    await expect(context.db.asRole('siem_agent', (c) => c.query('select public.events_related_alerts(e) from public.events e limit 1'))).rejects.toThrow(/permission denied/);
  });
});
