import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const query = (sql: string, params: unknown[] = []) => context.db.pool.query(sql, params);

describe('public.rules and add_view_rule', () => {
  it('checks the view contract and names the missing columns', async () => {
    await query(`create view rules.no_entity as select ts as event_ts, id as event_id from events`);
    await query(`alter view rules.no_entity owner to siem_owner`);
    await expect(query(`select add_view_rule('no_entity', 'rules.no_entity')`)).rejects.toThrow(/lacks the column\(s\) \{entity\}/);
  });

  it('refuses a view the engine may not read, saying what to grant', async () => {
    await query(`create view rules.private_view as select ts as event_ts, id as event_id, host as entity from events`);
    await expect(query(`select add_view_rule('private_view', 'rules.private_view')`)).rejects.toThrow(/may not read/);
  });

  it('is callable by siem_admin, not by siem_analyst; analysts read rules', async () => {
    await query(`create view rules.root_login as select ts as event_ts, id as event_id, host as entity from events where metadata->>'username' = 'root'`);
    await query(`alter view rules.root_login owner to siem_owner`);
    await context.db.asRole('siem_analyst', async (client) => {
      await expect(client.query(`select add_view_rule('root_login', 'rules.root_login')`)).rejects.toThrow(/permission denied/);
    });
    await context.db.asRole('siem_admin', async (client) => {
      const { rows } = await client.query(`select name, kind, evaluation, severity from add_view_rule('root_login', 'rules.root_login', p_severity => 'high')`);
      expect(rows).toEqual([{ name: 'root_login', kind: 'view', evaluation: 'match', severity: 'high' }]);
      await client.query('commit');
    });
    await context.db.asRole('siem_analyst', async (client) => {
      expect((await client.query(`select name from rules order by name`)).rows).toEqual([{ name: 'root_login' }, { name: 'threat_intel_match' }]);
      await expect(client.query(`update rules set enabled = false`)).rejects.toThrow(/permission denied/);
    });
  });

  it('takes a view over another registered source (e.g. threat_matches) as a rule', async () => {
    // A stand-in with the shape of public.threat_matches.
    await query(`create table public.test_matches (id bigint generated always as identity primary key, event_ts timestamptz not null, event_id bigint not null,
      indicator_id bigint, feed text, retro boolean not null default false, matched_at timestamptz not null default now())`);
    await query(`alter table public.test_matches owner to siem_owner`);
    await query(`select siem_private.register_rule_source('public.test_matches', 'matched_at', 'id')`);
    await query(`create view rules.intel_hit as select m.matched_at as source_ts, m.id as source_id, m.event_ts, m.event_id,
      m.feed as entity, 'indicator from ' || m.feed as summary from public.test_matches m`);
    await query(`alter view rules.intel_hit owner to siem_owner`);
    const { rows } = await query(`select id from add_view_rule('intel_hit', 'rules.intel_hit', p_severity => 'high', p_source => 'public.test_matches')`);
    // A retro-hunt match for an old event is still a new row of the source.
    await query(`insert into public.test_matches (event_ts, event_id, indicator_id, feed, retro) values ('2026-01-01', 42, 7, 'feodo', true), ('2026-01-02', 43, 8, 'feodo', true)`);
    expect((await query('select * from siem_private.evaluate_rule($1)', [rows[0].id])).rows[0]).toEqual({ rows_seen: 2, alerts: 1 });
    expect((await query(`select entity, event_count, summary from alerts where rule_name = 'intel_hit'`)).rows).toEqual([
      { entity: 'feodo', event_count: 2, summary: 'indicator from feodo' },
    ]);
    await expect(query(`create view rules.bad_intel as select m.event_ts, m.event_id, m.feed as entity from public.test_matches m`)).resolves.toBeDefined();
    await query(`alter view rules.bad_intel owner to siem_owner`);
    await expect(query(`select add_view_rule('bad_intel', 'rules.bad_intel', p_source => 'public.test_matches')`)).rejects.toThrow(/source_ts,source_id/);
  });
});
