import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { openIngest } from '../../test/ingest_transaction.ts';
import { failedSshLines, ingestLines } from '../../test/rules.ts';
import { rulesEvaluationPass } from '../../worker/tasks/rules__evaluate.ts';
import { installCompiledRule } from '../rules/compiled.ts';
import { compileSigma, sigmaDocuments } from '../rules/sigma/compile.ts';
import { loadMapping } from '../rules/sigma/mapping.ts';

// When a rule starts (created, or enabled again) and what it sees: every row of a transaction that
// commits after the rule's snapshot, exactly once, however late it commits; nothing from before.

const context = useAgentDatabase();

function sigmaRule(name: string) {
  const [result] = compileSigma(
    sigmaDocuments('t.yml', `title: ${name}\nname: ${name}\nlogsource: {product: linux, service: sshd}\ndetection:\n  keywords: ['Failed password']\n  condition: keywords\nlevel: low\n`),
    loadMapping(),
  );
  return result!.compiled!;
}

async function owner() {
  const client = new pg.Client({ connectionString: context.db.urls.owner });
  await client.connect();
  return client;
}

async function pass() {
  const client = await owner();
  try {
    return await rulesEvaluationPass(client, (message) => {
      throw new Error(message);
    });
  } finally {
    await client.end();
  }
}

/** The source addresses of the events a rule attached to its alerts. */
async function matchedIps(rule: string): Promise<string[]> {
  const { rows } = await context.db.pool.query<{ ip: string }>(
    `select distinct e.metadata->>'src_ip' as ip from alert_events ae join rules r on r.id = ae.rule_id join events e on e.ts = ae.event_ts and e.id = ae.event_id
     where r.name = $1 order by 1`,
    [rule],
  );
  return rows.map((row) => row.ip);
}

async function attachedCount(rule: string): Promise<number> {
  const { rows } = await context.db.pool.query('select count(*)::int as n from alert_events ae join rules r on r.id = ae.rule_id where r.name = $1', [rule]);
  return rows[0].n;
}

async function setEnabledAsAdmin(rule: string, enabled: boolean) {
  const client = await context.db.pool.connect();
  try {
    await client.query('begin');
    await client.query('set local role siem_admin');
    await client.query('update rules set enabled = $2 where name = $1', [rule, enabled]);
    await client.query('commit');
  } finally {
    client.release();
  }
}

describe('siem_private.tg_rules__checkpoint', () => {
  it('a rule created while an ingest transaction is in flight alerts once on its rows when it commits late, not on rows committed before', async () => {
    const at = new Date('2026-11-24T09:00:00Z');
    // Committed before the rule exists: history (backfill), not evaluated.
    await ingestLines(context.agentPool, failedSshLines(2, at, '192.0.2.1'));
    // In flight when the rule is created, committed after: evaluated. No rule reads events yet, so
    // only the outbox written regardless keeps its keys.
    const late = await openIngest(context.db.urls.agent, failedSshLines(3, at, '192.0.2.2'));
    const client = await owner();
    try {
      await installCompiledRule(client, sigmaRule('late_set_based'));
      // The same through a hand-written view (evaluated rule by rule).
      await client.query(`create view rules.late_view as select e.ts as event_ts, e.id as event_id, e.host as entity from public.events e where e.event_type = 'ssh_failed'`);
      await client.query(`select add_view_rule('late_view', 'rules.late_view')`);
    } finally {
      await client.end();
    }
    // A pass before the late commit sees nothing; the ingest transaction is still in flight.
    expect((await pass()).alerts).toBe(0);
    await late.commit();
    await ingestLines(context.agentPool, failedSshLines(1, at, '192.0.2.3'));
    expect((await pass()).alerts).toBe(2);
    for (const rule of ['sigma_late_set_based', 'late_view']) {
      expect(await matchedIps(rule)).toEqual(['192.0.2.2', '192.0.2.3']);
      expect(await attachedCount(rule)).toBe(4);
    }
    // Nothing twice: another pass, and the late batch replayed.
    expect((await pass()).alerts).toBe(0);
    const { sendBatch } = await import('../../agent/batch_sender.ts');
    expect(await sendBatch(context.agentPool, 'test', late.batch)).toBe('duplicate');
    expect((await pass()).alerts).toBe(0);
    expect(await attachedCount('sigma_late_set_based')).toBe(4);
  });

  it('keeps the outbox rows a rule being created will need while its transaction is open', async () => {
    const at = new Date('2026-11-24T09:10:00Z');
    // An older rule reads events: it evaluates the late rows first, and the prune would then drop them.
    expect(await attachedCount('sigma_late_set_based')).toBe(4);
    const late = await openIngest(context.db.urls.agent, failedSshLines(2, at, '192.0.2.10'));
    const creator = await owner();
    try {
      await creator.query('begin');
      await installCompiledRule(creator, sigmaRule('created_slowly'));
      await late.commit();
      // The older rules evaluate the late rows; the prune leaves the outbox alone while the rule's
      // transaction is open (its checkpoint is invisible here).
      await pass();
      expect(await matchedIps('sigma_late_set_based')).toContain('192.0.2.10');
      const outbox = await context.db.pool.query('select count(*)::int as n from siem_private.rule_outbox');
      expect(outbox.rows[0].n).toBeGreaterThan(0);
      await creator.query('commit');
    } finally {
      await creator.end();
    }
    await pass();
    expect(await matchedIps('sigma_created_slowly')).toEqual(['192.0.2.10']);
    // Every rule has seen everything now: the outbox empties.
    expect((await context.db.pool.query('select count(*)::int as n from siem_private.rule_outbox')).rows[0].n).toBe(0);
  });

  it('a rule enabled again starts from that moment: rows of the disabled period are left to backfill', async () => {
    const rule = 'sigma_late_set_based';
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T09:20:00Z'), '192.0.2.20'));
    await pass();
    expect(await matchedIps(rule)).toContain('192.0.2.20');
    await setEnabledAsAdmin(rule, false);
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T09:21:00Z'), '192.0.2.21'));
    await pass();
    // While it is disabled, a transaction in flight when it is enabled again counts for it.
    const inFlight = await openIngest(context.db.urls.agent, failedSshLines(1, new Date('2026-11-24T09:22:00Z'), '192.0.2.22'));
    await setEnabledAsAdmin(rule, true);
    await inFlight.commit();
    await ingestLines(context.agentPool, failedSshLines(1, new Date('2026-11-24T09:23:00Z'), '192.0.2.23'));
    await pass();
    const ips = await matchedIps(rule);
    expect(ips).toEqual(expect.arrayContaining(['192.0.2.20', '192.0.2.22', '192.0.2.23']));
    expect(ips).not.toContain('192.0.2.21');
    // The disabled period is caught up on request, once.
    const { rows } = await context.db.pool.query(`select id from rules where name = $1`, [rule]);
    await context.db.pool.query(`select siem_private.backfill_rule($1, '2026-11-24T09:21:00Z', '2026-11-24T09:22:00Z')`, [rows[0].id]);
    expect(await matchedIps(rule)).toContain('192.0.2.21');
    const count = await attachedCount(rule);
    await context.db.pool.query(`select siem_private.backfill_rule($1, '2026-11-24T09:00:00Z')`, [rows[0].id]);
    // Backfilling the whole morning adds only the two events committed before the rule existed.
    expect(await attachedCount(rule)).toBe(count + 2);
  });
});
