import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule } from '../../test/rules.ts';

const context = useAgentDatabase();

async function raise(ruleId: number, rows: [string | null, string, number, string | null][]) {
  const { rows: raised } = await context.db.pool.query(
    `select r.entity_null, r.entity_key, r.alert_id is not null as attached
     from siem_private.raise_alerts((select r from rules r where id = $1), $2::boolean[], $3::text[], $4::timestamptz[], $5::bigint[], $6::text[]) r
     order by 2, 1`,
    [ruleId, rows.map((r) => r[0] === null), rows.map((r) => r[0] ?? ''), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
  );
  return raised;
}
const alerts = async (ruleId: number) =>
  (await context.db.pool.query(`select entity, dedup_key, event_count, summary, status from alerts where rule_id = $1 order by dedup_key, id`, [ruleId])).rows;

describe('siem_private.raise_alerts', () => {
  it('creates or repeats one alert per entity, attaching only events the rule never alerted on', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'raise_many');
    const t = '2026-11-24T10:00:00Z';
    expect(await raise(ruleId, [['a', t, 1, 's1'], ['a', t, 2, 's2'], ['b', t, 3, null]])).toEqual([
      { entity_null: false, entity_key: 'a', attached: true },
      { entity_null: false, entity_key: 'b', attached: true },
    ]);
    expect(await alerts(ruleId)).toEqual([
      { entity: 'a', dedup_key: 'a', event_count: 2, summary: 's2', status: 'open' },
      { entity: 'b', dedup_key: 'b', event_count: 1, summary: null, status: 'open' },
    ]);
    // Event 1 again and a new one: a repeat with one event (the summary is the greatest of the
    // rows given, as raise_alert's); b has nothing new.
    expect(await raise(ruleId, [['a', t, 1, 's1'], ['a', t, 4, null], ['b', t, 3, null]])).toEqual([{ entity_null: false, entity_key: 'a', attached: true }]);
    expect((await alerts(ruleId))[0]).toMatchObject({ entity: 'a', event_count: 3, summary: 's1' });
    const history = await context.db.pool.query(
      `select h.action, h.detail from alert_history h join alerts a on a.id = h.alert_id where a.rule_id = $1 order by h.id`, [ruleId]);
    expect(history.rows).toEqual([
      { action: 'created', detail: { events: 2 } }, { action: 'created', detail: { events: 1 } }, { action: 'repeated', detail: { events: 1 } },
    ]);
    // One notification job for the rule.
    expect((await context.db.pool.query(`select count(*)::int as n from graphile_worker.jobs where key = $1`, [`alerts__notify:${ruleId}`])).rows[0].n).toBe(1);
  });

  it('skips entities under an exception, and falls back to one raise_alert per entity when entities share a dedup key', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'raise_except');
    await context.db.pool.query(`insert into alert_exceptions (rule_id, entity, reason) values ($1, 'x', 'known scanner')`, [ruleId]);
    const t = '2026-11-24T11:00:00Z';
    expect(await raise(ruleId, [['x', t, 10, null], ['y', t, 11, null]])).toEqual([{ entity_null: false, entity_key: 'y', attached: true }]);
    // null and '' share the dedup key '': one alert holds the events of both.
    const shared = await raise(ruleId, [[null, t, 12, null], ['', t, 13, null]]);
    expect(shared.filter((r) => r.attached)).toHaveLength(2);
    expect((await alerts(ruleId)).filter((a) => a.dedup_key === '')).toEqual([expect.objectContaining({ event_count: 2 })]);
  });
});
