import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../../test/database.ts';
import { testRules } from '../fixtures.ts';
import { importRules } from '../import.ts';
import { loadMapping } from '../sigma/mapping.ts';
import { RuleCompileError } from '../sql.ts';
import { compileFilter, compileYamlRule, parseYamlRules } from '../yaml_rules.ts';

const examples = fileURLToPath(new URL('../examples/alert_rules.yaml', import.meta.url));
const context = useAgentDatabase();

describe('YAML rule compiler', () => {
  it('compiles filters to parenthesised, escaped SQL', () => {
    expect(compileFilter({ event_type: 'ssh_failed', username: ["o'brien", 'root'] })).toBe(
      `((e.event_type::text = 'ssh_failed') and ((e.metadata->>'username') in ('o''brien', 'root')))`,
    );
    expect(compileFilter({ http_status: { gte: 500, lt: 600 } })).toBe(
      `((siem_private.try_numeric((e.metadata->>'http_status')) >= 500) and (siem_private.try_numeric((e.metadata->>'http_status')) < 600))`,
    );
    expect(compileFilter({ url_path: { contains: '50%_off' } })).toBe(`((e.metadata->>'url_path') like '%50\\%\\_off%')`);
    expect(compileFilter({ src_ip: { cidr: '10.0.0.0/8' }, not: { username: 'backup' } })).toBe(
      `((siem_private.try_inet((e.metadata->>'src_ip')) <<= '10.0.0.0/8'::cidr) and (not coalesce(((e.metadata->>'username') = 'backup'), false)))`,
    );
  });

  it('rejects what it cannot compile, naming the problem', () => {
    expect(() => compileFilter({ 'bad field': 1 })).toThrow(/"bad field" is no field name/);
    expect(() => compileFilter({ username: { like: 'x' } })).toThrow(/unknown operator/);
    expect(() => compileYamlRule('r', { type: 'threshold', filter: {}, count: 3 }, '')).toThrow(/needs a window/);
    expect(() => compileYamlRule('r', { type: 'sequence', window: '1m', steps: [{ filter: {} }] }, '')).toThrow(/at least two steps/);
    expect(() => compileYamlRule('r', { type: 'bogus' }, '')).toThrow(RuleCompileError);
  });

  it('reads rules as a list or a map', () => {
    expect(parseYamlRules('rules:\n  - {name: a, window: 1m, count: 2}\n').map((rule) => rule.name)).toEqual(['a']);
    expect(parseYamlRules('alert_rules:\n  b: {window: 1m, count: 2}\n').map((rule) => rule.name)).toEqual(['b']);
  });
});

describe('YAML rules in the database', () => {
  it('imports the examples and passes their own fixtures (siem rules test)', async () => {
    // As `siem rules import` and `siem rules test` do: the owner installs and reads rule views.
    const client = new pg.Client({ connectionString: context.db.urls.owner });
    await client.connect();
    try {
      const report = await importRules(client, [examples], loadMapping());
      expect(report).toMatchObject({ compiled: 4, failed: 0 });
      const results = await testRules(client);
      expect(results).toEqual([
        { rule: 'password_spraying', positive: true, negative: true },
        { rule: 'ssh_brute_force', positive: true, negative: true },
        { rule: 'ssh_login_after_failures', positive: true, negative: true },
      ]);
      expect(await testRules(client)).toEqual(results);
      // Re-importing replaces the views and keeps the rules.
      expect(await importRules(client, [examples], loadMapping())).toMatchObject({ compiled: 4, failed: 0 });
      const { rows } = await client.query('select name, evaluation, window_interval::text, min_count, count_distinct, steps from rules order by name');
      expect(rows).toEqual([
        { name: 'http_server_errors', evaluation: 'threshold', window_interval: '00:01:00', min_count: 50, count_distinct: false, steps: null },
        { name: 'password_spraying', evaluation: 'threshold', window_interval: '00:10:00', min_count: 5, count_distinct: true, steps: null },
        { name: 'ssh_brute_force', evaluation: 'threshold', window_interval: '00:05:00', min_count: 10, count_distinct: false, steps: null },
        { name: 'ssh_login_after_failures', evaluation: 'sequence', window_interval: '00:10:00', min_count: null, count_distinct: false, steps: ['failed', 'accepted'] },
        // built in (migration): threat intel matches alert
        { name: 'threat_intel_match', evaluation: 'match', window_interval: null, min_count: null, count_distinct: false, steps: null },
      ]);
    } finally {
      await client.end();
    }
  });

  it('a sequence expires: steps further apart than the window do not fire', async () => {
    // As `siem rules import` and `siem rules test` do: the owner installs and reads rule views.
    const client = new pg.Client({ connectionString: context.db.urls.owner });
    await client.connect();
    try {
      await client.query(`update rules set fixtures = $1 where name = 'ssh_login_after_failures'`, [
        { positive: [{ event_type: 'ssh_failed', src_ip: '192.0.2.1' }, { event_type: 'ssh_accepted', src_ip: '192.0.2.1', offset: 601 }] },
      ]);
      expect(await testRules(client, 'ssh_login_after_failures')).toEqual([{ rule: 'ssh_login_after_failures', positive: false, negative: null }]);
    } finally {
      await client.end();
    }
  });
});
