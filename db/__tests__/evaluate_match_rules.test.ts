import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { failedSshLines, ingestLines } from '../../test/rules.ts';
import { rulesEvaluationPass } from '../../worker/tasks/rules__evaluate.ts';
import { installCompiledRule } from '../rules/compiled.ts';
import { compileSigma, sigmaDocuments } from '../rules/sigma/compile.ts';
import { loadMapping, parseMapping } from '../rules/sigma/mapping.ts';

const context = useAgentDatabase();

async function withOwner<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: context.db.urls.owner });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function install(yaml: string, mapping = loadMapping()) {
  const [result] = compileSigma(sigmaDocuments('t.yml', yaml), mapping);
  if (!result?.compiled) throw new Error(result?.error);
  await withOwner((client) => installCompiledRule(client, result.compiled!));
  return result.compiled.rule.name;
}

const sshRule = (name: string, keyword: string) =>
  `title: ${name}\nname: ${name}\nlogsource: {product: linux, service: sshd}\ndetection:\n  keywords: ['${keyword}']\n  condition: keywords\n`;

const evaluate = async () =>
  (await context.db.pool.query('select rule_ids::text[], rows_seen::int, alerts, error from siem_private.evaluate_match_rules()')).rows[0] as {
    rule_ids: string[];
    rows_seen: number;
    alerts: number;
    error: string | null;
  };

const attached = async (rule: string) =>
  (await context.db.pool.query('select count(*)::int as n from alert_events ae join rules r on r.id = ae.rule_id where r.name = $1', [rule])).rows[0].n as number;

describe('siem_private.evaluate_match_rules', () => {
  it('evaluates compiled match rules together, each over the rows committed since its own checkpoint', async () => {
    await install(sshRule('failed', 'Failed password'));
    await ingestLines(context.agentPool, failedSshLines(3, new Date('2026-11-24T08:00:00Z'), '192.0.2.1'));
    // A rule started after those rows: its checkpoint differs from the first rule's.
    await install(sshRule('root', 'for root'));
    await ingestLines(context.agentPool, failedSshLines(2, new Date('2026-11-24T08:01:00Z'), '192.0.2.2'));
    const result = await evaluate();
    expect(result).toMatchObject({ rows_seen: 5, alerts: 2, error: null });
    expect(result.rule_ids).toHaveLength(2);
    expect(await attached('sigma_failed')).toBe(5);
    expect(await attached('sigma_root')).toBe(2);
    // Both checkpoints are now the same snapshot; nothing new, nothing raised.
    expect(await evaluate()).toMatchObject({ rows_seen: 0, alerts: 0 });
    const { rows } = await context.db.pool.query('select count(distinct snapshot::text)::int as n from siem_private.rule_checkpoints c join rules r on r.id = c.rule_id where r.name like $1', ['sigma_%']);
    expect(rows[0].n).toBe(1);
  });

  it('leaves a rule whose view was replaced by hand to evaluation through its view', async () => {
    await context.db.pool.query(`create or replace view rules.sigma_root as
      select e.ts as event_ts, e.id as event_id, e.host as entity, 'edited'::text as summary from public.events e where e.message like '%for admin%'`);
    const result = await evaluate();
    expect(result.rule_ids).toHaveLength(1);
    await ingestLines(context.agentPool, ['Nov 24 08:02:00 bastion sshd[1]: Failed password for admin from 192.0.2.3 port 1 ssh2']);
    await withOwner((client) => rulesEvaluationPass(client, () => {}));
    // The edited view decides, not the compiled predicate.
    expect(await attached('sigma_root')).toBe(3);
    expect(await attached('sigma_failed')).toBe(6);
  });

  it('changes nothing when a predicate fails on some data, and the pass falls back to rule by rule', async () => {
    // A mapping whose condition casts: fine on numbers, an error on anything else.
    const mapping = parseMapping(`logsources:\n  - match: {product: casting}\n    where: "e.source = 'casting' and (e.metadata->>'n')::int > 0"\n    passthrough: '^[a-z]+$'\n`);
    const name = await install(`title: casting\nname: casting\nlogsource: {product: casting}\ndetection:\n  s: {word: x}\n  condition: s\n`, mapping);
    await ingestLines(context.agentPool, ['{"n": "many", "word": "x"}'], 'casting');
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T08:03:00Z'), '192.0.2.4'));
    const failed = await evaluate();
    expect(failed).toMatchObject({ rule_ids: [], alerts: 0 });
    expect(failed.error).toMatch(/invalid input syntax for type integer/);
    expect(await attached('sigma_failed')).toBe(6);
    const errors: string[] = [];
    const pass = await withOwner((client) => rulesEvaluationPass(client, (message) => errors.push(message)));
    expect(pass.batched).toBe(0);
    expect(errors).toEqual([expect.stringMatching(/set-based evaluation failed/), expect.stringMatching(new RegExp(`rule ${name}: invalid input syntax`))]);
    // The other rules went on, one by one.
    expect(await attached('sigma_failed')).toBe(7);
    // The failing rule stays out of the set-based pass (which the others keep using) until it
    // evaluates without an error again.
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T08:04:00Z'), '192.0.2.5'));
    errors.length = 0;
    const next = await withOwner((client) => rulesEvaluationPass(client, (message) => errors.push(message)));
    expect(next.batched).toBe(1); // sigma_failed (sigma_root has an edited view)
    expect(errors).toEqual([expect.stringMatching(new RegExp(`rule ${name}: invalid input syntax`))]);
    expect(await attached('sigma_failed')).toBe(8);
    const { rows } = await context.db.pool.query(`select last_error from siem_private.rule_checkpoints c join rules r on r.id = c.rule_id where r.name = $1`, [name]);
    expect(rows[0].last_error).toMatch(/invalid input syntax/);
  });
});
