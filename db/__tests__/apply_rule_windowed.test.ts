import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';

// apply_rule_windowed must raise exactly what apply_rule raises: each rule is installed twice over
// the same view, one evaluated through the window state, the other with siem.rule_windows off
// (apply_rule), over the same random batches (late rows, ties, an exception), and their alerts and
// attached events compared after every batch.

let db: TestDatabase;
let legacy: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase();
  legacy = new pg.Client({ connectionString: db.urls.superuser.replace(/\/[^/?]+(\?|$)/, `/${db.name}$1`) });
  await legacy.connect();
  await legacy.query(`set siem.rule_windows = 'off'`);
});
afterAll(async () => {
  await legacy.end();
  await db.drop();
});

function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const views = {
  count: `select e.ts as event_ts, e.id as event_id, e.metadata->>'src_ip' as entity, 'failures from ' || (e.metadata->>'src_ip') as summary
          from public.events e where e.event_type = 'ssh_failed'`,
  distinct: `select e.ts as event_ts, e.id as event_id, e.metadata->>'src_ip' as entity, e.metadata->>'user' as distinct_value
             from public.events e where e.event_type = 'ssh_failed'`,
  sequence: `select e.ts as event_ts, e.id as event_id, e.metadata->>'src_ip' as entity, 'failed'::text as step, 'seq' as summary
             from public.events e where e.event_type = 'ssh_failed'
             union all
             select e.ts, e.id, e.metadata->>'src_ip', 'accepted', 'seq' from public.events e where e.event_type = 'ssh_accepted'`,
};

async function twin(name: string, view: string, rule: Record<string, unknown>): Promise<[number, number]> {
  const ids: number[] = [];
  for (const suffix of ['w', 'l']) {
    await db.pool.query(`create view rules.${name}_${suffix} as ${view}`);
    const { rows } = await db.pool.query(`select (siem_private.upsert_rule($1)).id`, [
      JSON.stringify({ name: `${name}_${suffix}`, view_name: `rules.${name}_${suffix}`, ...rule }),
    ]);
    ids.push(Number(rows[0].id));
  }
  return ids as [number, number];
}

async function outcome(ruleId: number) {
  const { rows } = await db.pool.query(
    `select a.entity, a.event_count, a.status, array_agg(ae.event_id order by ae.event_ts, ae.event_id)::text as events
     from alerts a left join alert_events ae on ae.alert_id = a.id where a.rule_id = $1 group by a.id order by a.entity, a.id`,
    [ruleId],
  );
  return rows;
}

describe('siem_private.apply_rule_windowed', () => {
  it('raises the same alerts with the same events as apply_rule, batch after batch', async () => {
    const rules = [
      await twin('t_count', views.count, { evaluation: 'threshold', window: '2 minutes', min_count: 4 }),
      await twin('t_distinct', views.distinct, { evaluation: 'threshold', window: '3 minutes', min_count: 3, count_distinct: true }),
      await twin('t_ordered', views.sequence, { evaluation: 'sequence', window: '2 minutes', steps: ['failed', 'accepted'], ordered: true, step_expiry: '50 seconds' }),
      await twin('t_unordered', views.sequence, { evaluation: 'sequence', window: '1 minute', steps: ['accepted', 'failed'], ordered: false }),
    ];
    // One entity under an exception for every rule until later.
    await db.pool.query(`insert into alert_exceptions (entity, reason) values ('10.0.0.3', 'test')`);
    const r = random(42);
    const base = Date.parse('2026-11-24T08:00:00Z');
    let clock = 0;
    for (let batch = 0; batch < 12; batch++) {
      const events: string[] = [];
      for (let i = 0; i < 60; i++) {
        // Mostly moving forward in whole seconds (ties), sometimes minutes late.
        clock += Math.floor(r() * 4);
        const late = r() < 0.08 ? Math.floor(r() * 300) : 0;
        const ts = new Date(base + (clock - late) * 1000).toISOString();
        const type = r() < 0.75 ? 'ssh_failed' : 'ssh_accepted';
        const ip = `10.0.0.${1 + Math.floor(r() * 5)}`;
        const user = ['root', 'admin', 'oracle', 'deploy', 'pi'][Math.floor(r() * 5)];
        events.push(`('${ts}', '${type}', '{"src_ip": "${ip}", "user": "${user}"}')`);
      }
      await db.pool.query(`insert into events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
        select v.ts::timestamptz, now(), 0, now(), gen_random_uuid(), 'syslog', 'h', v.type, 'm', v.meta::jsonb
        from (values ${events.join(', ')}) v(ts, type, meta)`);
      if (batch === 6) await db.pool.query(`delete from alert_exceptions`);
      for (const [windowed, apply] of rules) {
        const a = (await db.pool.query('select * from siem_private.evaluate_rule($1)', [windowed])).rows[0];
        const b = (await legacy.query('select * from siem_private.evaluate_rule($1)', [apply])).rows[0];
        expect(a).toEqual(b);
        expect(await outcome(windowed)).toEqual(await outcome(apply));
      }
    }
    // Every rule raised something, and the exception held some back before it was removed.
    for (const [windowed] of rules) expect((await outcome(windowed)).length).toBeGreaterThan(0);
    const { rows } = await db.pool.query(`select count(*)::int as n from siem_private.rule_window_rows`);
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it('starts over from the view when the rule view is replaced', async () => {
    const [windowed] = await twin('t_replaced', views.count, { evaluation: 'threshold', window: '5 minutes', min_count: 3 });
    const insert = (ip: string, at: string, n: number) => db.pool.query(
      `insert into events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
       select $2::timestamptz + i * interval '1 second', now(), 0, now(), gen_random_uuid(), 'syslog', 'h', 'ssh_failed', 'm', jsonb_build_object('src_ip', $1::text)
       from generate_series(1, $3) i`, [ip, at, n]);
    await insert('192.0.2.1', '2026-11-24T12:00:00Z', 2);
    await db.pool.query('select siem_private.evaluate_rule($1)', [windowed]);
    const state = async () => (await db.pool.query(
      `select count(*)::int as n, (select window_from from siem_private.rule_checkpoints where rule_id = $1) as since from siem_private.rule_window_rows where rule_id = $1`, [windowed])).rows[0];
    expect((await state()).n).toBeGreaterThanOrEqual(2);
    // The view now sees nothing: the state is rebuilt from it, so the old rows no longer count.
    await db.pool.query(`create or replace view rules.t_replaced_w as ${views.count} and false`);
    await insert('192.0.2.1', '2026-11-24T12:00:10Z', 2);
    expect((await db.pool.query('select * from siem_private.evaluate_rule($1)', [windowed])).rows[0].alerts).toBe(0);
    expect((await state()).n).toBe(0);
  });
});
