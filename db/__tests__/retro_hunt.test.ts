import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const day = 86_400_000;

describe('public.retro_hunt', () => {
  it('tags past events of the last N days that match new indicators, once, and records the matches', async () => {
    const recent = makeBatch([
      JSON.stringify({ src_ip: '203.0.113.9', msg: 'a' }),
      JSON.stringify({ dst_ip: '198.51.100.77', msg: 'b' }),
      JSON.stringify({ domain: 'Bad.Example.NET', msg: 'c' }),
      JSON.stringify({ file_hash: 'D41D8CD98F00B204E9800998ECF8427E', msg: 'd' }),
      JSON.stringify({ src_ip: 'not-an-ip', msg: 'e' }),
    ]);
    const old = makeBatch([JSON.stringify({ src_ip: '203.0.113.9', msg: 'too old' })], { timestamp: new Date(Date.now() - 40 * day) });
    for (const batch of [recent, old]) await sendBatch(context.agentPool, 'agent', batch);

    const { rows } = await context.db.pool.query<{ inserted: number }>(`select * from import_indicators('hunt', $1)`, [
      JSON.stringify([
        { kind: 'ip', value: '203.0.113.9' },
        { kind: 'cidr', value: '198.51.100.0/24', confidence: 60 },
        { kind: 'domain', value: 'bad.example.net' },
        { kind: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
        { kind: 'domain', value: 'unseen.example.org' },
      ]),
    ]);
    expect(rows[0]!.inserted).toBe(5);
    const ids = (await context.db.pool.query(`select array_agg(id) as ids from threat_indicators where feed = 'hunt'`)).rows[0].ids;

    const hunted = await context.db.pool.query('select retro_hunt($1, 30) as n', [ids]);
    expect(hunted.rows[0].n).toBe(4);
    expect((await context.db.pool.query('select retro_hunt($1, 30) as n', [ids])).rows[0].n).toBe(0);

    const tagged = await context.db.pool.query(
      `select e.metadata ->> 'msg' as msg, t ->> 'field' as field, t ->> 'indicator' as indicator, (t ->> 'retro')::boolean as retro
       from events e cross join jsonb_array_elements(e.enrichment -> 'threat') t
       where e.batch_id = any ($1) order by 1`,
      [[recent.id, old.id]],
    );
    expect(tagged.rows).toEqual([
      { msg: 'a', field: 'src_ip', indicator: '203.0.113.9', retro: true },
      { msg: 'b', field: 'dst_ip', indicator: '198.51.100.0/24', retro: true },
      { msg: 'c', field: 'domain', indicator: 'bad.example.net', retro: true },
      { msg: 'd', field: 'file_hash', indicator: 'd41d8cd98f00b204e9800998ecf8427e', retro: true },
    ]);
    const matches = await context.db.pool.query(`select feed, field, retro from threat_matches order by field`);
    expect(matches.rows).toEqual([
      { feed: 'hunt', field: 'domain', retro: true },
      { feed: 'hunt', field: 'dst_ip', retro: true },
      { feed: 'hunt', field: 'file_hash', retro: true },
      { feed: 'hunt', field: 'src_ip', retro: true },
    ]);

    const wider = await context.db.pool.query('select retro_hunt($1, 60) as n', [ids]);
    expect(wider.rows[0].n).toBe(1);
  });

  it('raises an alert for events found by the retro-hunt (built-in rule threat_intel_match)', async () => {
    const batch = makeBatch([JSON.stringify({ src_ip: '192.0.2.66', msg: 'before the feed' })]);
    await sendBatch(context.agentPool, 'agent', batch);
    await context.db.pool.query(`select * from import_indicators('feodo', $1)`, [JSON.stringify([{ kind: 'ip', value: '192.0.2.66' }])]);
    const ids = (await context.db.pool.query(`select array_agg(id) as ids from threat_indicators where feed = 'feodo'`)).rows[0].ids;
    expect((await context.db.pool.query('select retro_hunt($1, 30) as n', [ids])).rows[0].n).toBe(1);
    const rule = (await context.db.pool.query(`select id from rules where name = 'threat_intel_match'`)).rows[0];
    await context.db.pool.query('select * from siem_private.evaluate_rule($1)', [rule.id]);
    const alerts = await context.db.pool.query(`select entity, severity, summary, event_count from alerts where rule_name = 'threat_intel_match' and entity like 'feodo:%'`);
    expect(alerts.rows).toEqual([
      { entity: 'feodo:192.0.2.66', severity: 'high', summary: 'src_ip 192.0.2.66 is an indicator of feodo (found by retro-hunt)', event_count: 1 },
    ]);
  });

  it('skips expired indicators', async () => {
    await sendBatch(context.agentPool, 'agent', makeBatch([JSON.stringify({ src_ip: '192.0.2.200' })]));
    await context.db.pool.query(`select * from import_indicators('expired', $1)`, [
      JSON.stringify([{ kind: 'ip', value: '192.0.2.200', expires: new Date(Date.now() - day).toISOString() }]),
    ]);
    const ids = (await context.db.pool.query(`select array_agg(id) as ids from threat_indicators where feed = 'expired'`)).rows[0].ids;
    expect((await context.db.pool.query('select retro_hunt($1) as n', [ids])).rows[0].n).toBe(0);
  });

  it('matches IPv6 and IPv4 networks side by side', async () => {
    const batch = makeBatch([JSON.stringify({ src_ip: '2001:DB8::5', tag: 'v6' }), JSON.stringify({ src_ip: '172.20.1.9', tag: 'v4' })]);
    await sendBatch(context.agentPool, 'agent', batch);
    await context.db.pool.query(`select * from import_indicators('nets', $1)`, [
      JSON.stringify([{ kind: 'cidr', value: '2001:db8::/32' }, { kind: 'cidr', value: '172.16.0.0/12' }, { kind: 'ip', value: '2001:db8::5' }]),
    ]);
    const ids = (await context.db.pool.query(`select array_agg(id) as ids from threat_indicators where feed = 'nets'`)).rows[0].ids;
    expect((await context.db.pool.query('select retro_hunt($1) as n', [ids])).rows[0].n).toBe(3);
    const { rows } = await context.db.pool.query(
      `select e.metadata ->> 'tag' as tag, jsonb_array_length(e.enrichment -> 'threat') as n from events e where e.batch_id = $1 order by 1`,
      [batch.id],
    );
    expect(rows).toEqual([
      { tag: 'v4', n: 1 },
      { tag: 'v6', n: 2 },
    ]);
  });
});
