import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';

const context = useAgentDatabase();
const evaluate = async (ruleId: number) =>
  (await context.db.pool.query('select * from siem_private.evaluate_rule($1)', [ruleId])).rows[0] as { rows_seen: number; alerts: number };
const alertsOf = async (ruleId: number) =>
  (await context.db.pool.query('select entity, event_count, status from alerts where rule_id = $1 order by id', [ruleId])).rows;

describe('siem_private.evaluate_rule', () => {
  it('fires a sliding-window threshold once for a burst straddling a minute boundary, not for 9', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool);
    // 10 attempts 10 s apart from 10:04:30: they straddle 10:05:00 (a fixed 5-minute bucket would split them).
    await ingestLines(context.agentPool, failedSshLines(10, new Date('2026-11-24T10:04:30Z'), '198.51.100.7'));
    await ingestLines(context.agentPool, failedSshLines(9, new Date('2026-11-24T10:04:30Z'), '198.51.100.9'));
    expect(await evaluate(ruleId)).toEqual({ rows_seen: 19, alerts: 1 });
    expect(await alertsOf(ruleId)).toEqual([{ entity: '198.51.100.7', event_count: 10, status: 'open' }]);
    expect(await evaluate(ruleId)).toEqual({ rows_seen: 0, alerts: 0 });

    // Repeats raise the count of the one open alert.
    await ingestLines(context.agentPool, failedSshLines(2, new Date('2026-11-24T10:06:10Z'), '198.51.100.7'));
    expect(await evaluate(ruleId)).toEqual({ rows_seen: 2, alerts: 1 });
    expect(await alertsOf(ruleId)).toEqual([{ entity: '198.51.100.7', event_count: 12, status: 'open' }]);
    const history = await context.db.pool.query(`select action from alert_history order by id`);
    expect(history.rows.map((row) => row.action)).toEqual(['created', 'repeated']);
  });

  it('evaluates a transaction that took its ids first and committed after a later one', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'ssh_late');
    const early = new pg.Client({ connectionString: context.db.urls.owner });
    await early.connect();
    const listener = new pg.Client({ connectionString: context.db.urls.owner });
    await listener.connect();
    await listener.query('listen siem_rules');
    const notified = new Promise((resolve) => listener.once('notification', resolve));
    try {
      await early.query('begin');
      // Takes ids (and its transaction id) now ...
      await early.query(`insert into events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
        select '2026-11-24T12:00:00Z'::timestamptz + n * interval '1 second', now(), 0, now(), gen_random_uuid(), 'syslog', 'h', 'ssh_failed', 'late', '{"src_ip": "203.0.113.5"}'
        from generate_series(1, 10) n`);
      // ... while a later transaction commits (without waiting for the first, which holds the
      // coalesced job: it notifies the worker instead) and is evaluated.
      await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T12:00:30Z'), '203.0.113.6'));
      await notified;
      expect(await evaluate(ruleId)).toEqual({ rows_seen: 1, alerts: 0 });
      await early.query('commit');
    } finally {
      await early.end();
      await listener.end();
    }
    expect(await evaluate(ruleId)).toEqual({ rows_seen: 10, alerts: 1 });
    expect(await alertsOf(ruleId)).toEqual([{ entity: '203.0.113.5', event_count: 10, status: 'open' }]);
  });

  it('creates no second alert when a batch is replayed or the rule is backfilled again', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'ssh_replay');
    const batch = await ingestLines(context.agentPool, failedSshLines(10, new Date('2026-11-24T14:00:00Z'), '192.0.2.44'));
    expect(await evaluate(ruleId)).toMatchObject({ alerts: 1 });
    const { sendBatch } = await import('../../agent/batch_sender.ts');
    await sendBatch(context.agentPool, 'test', batch);
    expect(await evaluate(ruleId)).toEqual({ rows_seen: 0, alerts: 0 });
    const backfill = async () => {
      await context.db.pool.query(`select siem_private.backfill_rule($1, '2026-11-24T00:00:00Z')`, [ruleId]);
      return alertsOf(ruleId);
    };
    // The backfill also finds the bursts of the tests above; a second run changes nothing.
    const once = await backfill();
    expect(once).toContainEqual({ entity: '192.0.2.44', event_count: 10, status: 'open' });
    expect(once).toContainEqual({ entity: '198.51.100.7', event_count: 12, status: 'open' });
    expect(await backfill()).toEqual(once);
  });

  it('prunes outbox rows every rule has seen', async () => {
    await context.db.pool.query('select siem_private.evaluate_rule(id) from rules');
    const { rows } = await context.db.pool.query('select siem_private.prune_rule_outbox() as n');
    expect(rows[0].n).toBeGreaterThan(0);
    expect((await context.db.pool.query('select count(*)::int as n from siem_private.rule_outbox')).rows[0].n).toBe(0);
  });
});
