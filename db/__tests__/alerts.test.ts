import { beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';

const context = useAgentDatabase();
let ruleId: number;
const evaluate = async () => (await context.db.pool.query('select * from siem_private.evaluate_rule($1)', [ruleId])).rows[0];
const burst = (ip: string, at: string, count = 10) => ingestLines(context.agentPool, failedSshLines(count, new Date(at), ip));

beforeAll(async () => {
  ruleId = await createSshThresholdRule(context.db.pool);
});

describe('public.alerts and triage', () => {
  it('acknowledge, assign and close with a comment, as siem_analyst, each recorded in alert_history', async () => {
    await burst('192.0.2.10', '2026-11-24T08:00:00Z');
    await evaluate();
    const { rows } = await context.db.pool.query(`select id from alerts where entity = '192.0.2.10'`);
    const id = rows[0].id;
    const asAnalyst = async (sql: string, params: unknown[]) => {
      const client = await context.db.pool.connect();
      try {
        await client.query('begin');
        await client.query('set local role siem_analyst');
        await client.query(`select set_config('jwt.claims.username', 'ana', true)`);
        const result = await client.query(sql, params);
        await client.query('commit');
        return result.rows[0];
      } finally {
        await client.query('rollback').catch(() => {});
        client.release();
      }
    };
    await asAnalyst('select acknowledge_alert($1, $2)', [id, 'looking']);
    expect(await asAnalyst('select assignee from assign_alert($1, $2)', [id, 'bob'])).toEqual({ assignee: 'bob' });
    await expect(asAnalyst('select close_alert($1, $2, $3)', [id, 'true_positive', ' '])).rejects.toThrow(/needs a comment/);
    await expect(asAnalyst('select close_alert($1, $2, $3)', [id, 'fine', 'x'])).rejects.toThrow(/resolution must be/);
    expect(await asAnalyst('select status, resolution from close_alert($1, $2, $3)', [id, 'false_positive', 'scanner we run'])).toEqual({ status: 'closed', resolution: 'false_positive' });
    await expect(asAnalyst('select acknowledge_alert($1)', [id])).rejects.toThrow(/is closed/);
    const audit = await context.db.pool.query('select actor, action, old_status, new_status, comment from alert_history where alert_id = $1 order by id', [id]);
    expect(audit.rows).toEqual([
      { actor: 'engine', action: 'created', old_status: null, new_status: 'open', comment: null },
      { actor: 'ana', action: 'acknowledged', old_status: 'open', new_status: 'acknowledged', comment: 'looking' },
      { actor: 'ana', action: 'assigned', old_status: 'acknowledged', new_status: 'acknowledged', comment: null },
      { actor: 'ana', action: 'closed', old_status: 'acknowledged', new_status: 'closed', comment: 'scanner we run' },
    ]);
  });

  it("opens a new alert for the entity after close, unless within the rule's suppression window", async () => {
    await burst('192.0.2.10', '2026-11-24T08:30:00Z');
    await evaluate();
    const open = await context.db.pool.query(`select status, event_count from alerts where entity = '192.0.2.10' order by id`);
    expect(open.rows).toEqual([{ status: 'closed', event_count: 10 }, { status: 'open', event_count: 10 }]);

    await context.db.pool.query(`update rules set suppress_for = '1 hour' where id = $1`, [ruleId]);
    await context.db.pool.query(`update alerts set status = 'closed', resolution = 'benign' where entity = '192.0.2.10'`);
    await burst('192.0.2.10', '2026-11-24T09:00:00Z');
    await evaluate();
    const suppressed = await context.db.pool.query(`select status, event_count from alerts where entity = '192.0.2.10' order by id`);
    expect(suppressed.rows).toEqual([{ status: 'closed', event_count: 10 }, { status: 'closed', event_count: 20 }]);
  });

  it('raises nothing for an entity under an exception until it expires', async () => {
    await context.db.asRole('siem_admin', async (client) => {
      await client.query(`insert into alert_exceptions (rule_id, entity, reason, expires_at) values ($1, '192.0.2.20', 'pentest', now() + interval '1 hour')`, [ruleId]);
      await client.query('commit');
    });
    await burst('192.0.2.20', '2026-11-24T11:00:00Z');
    await evaluate();
    expect((await context.db.pool.query(`select count(*)::int as n from alerts where entity = '192.0.2.20'`)).rows[0].n).toBe(0);
    await context.db.pool.query(`update alert_exceptions set expires_at = now() - interval '1 second'`);
    await burst('192.0.2.20', '2026-11-24T11:30:00Z');
    await evaluate();
    expect((await context.db.pool.query(`select event_count from alerts where entity = '192.0.2.20'`)).rows).toEqual([{ event_count: 10 }]);
  });

  it('lets analysts read alerts but change them only through the functions; agents see nothing', async () => {
    await context.db.asRole('siem_analyst', async (client) => {
      expect((await client.query('select count(*)::int as n from alerts')).rows[0].n).toBeGreaterThan(0);
      await expect(client.query(`update alerts set status = 'closed'`)).rejects.toThrow(/permission denied/);
    });
    await context.db.asRole('siem_analyst', async (client) => {
      await expect(client.query(`insert into alert_exceptions (entity, reason) values ('x', 'y')`)).rejects.toThrow(/permission denied/);
    });
    await context.db.asRole('siem_agent', async (client) => {
      await expect(client.query('select * from alerts')).rejects.toThrow(/permission denied/);
    });
    await context.db.asRole('siem_agent', async (client) => {
      await expect(client.query('select acknowledge_alert(1)')).rejects.toThrow(/permission denied/);
    });
  });
});
