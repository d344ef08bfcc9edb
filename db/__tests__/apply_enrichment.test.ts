import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

const segmentOf = async (batchId: string) =>
  (
    await context.db.pool.query(
      `select jsonb_build_array(jsonb_build_object('from', min(ts), 'to', max(ts), 'min_id', min(id), 'max_id', max(id)))::text as s from events where batch_id = $1`,
      [batchId],
    )
  ).rows[0].s as string;

describe('siem_private.enrichment_candidates, indicator_hits, apply_enrichment and apply_dns', () => {
  it('reads distinct addresses once, writes geoip/dns per field set-based, tags threats and leaves events without observables alone', async () => {
    const batch = makeBatch([
      JSON.stringify({ src_ip: '81.2.69.142', dst_ip: '10.0.0.1' }),
      JSON.stringify({ src_ip: '81.2.69.142', domain: 'Evil.example.com' }),
      'a line without fields',
      JSON.stringify({ src_ip: 'garbage' }),
    ]);
    await sendBatch(context.agentPool, 'agent', batch);
    await context.db.pool.query(`select * from import_indicators('f', '[{"kind": "domain", "value": "evil.example.com"}, {"kind": "cidr", "value": "10.0.0.0/24"}]')`);
    const segments = await segmentOf(batch.id);

    const candidates = await context.db.pool.query('select class, value from siem_private.enrichment_candidates($1) order by 2', [segments]);
    expect(candidates.rows.map((r) => `${r.class}:${r.value}`)).toEqual(['ip:10.0.0.1', 'ip:81.2.69.142', 'domain:evil.example.com', 'ip:garbage']);
    const classes = JSON.stringify(Object.fromEntries(candidates.rows.map((r) => [r.value, r.class])));

    const ctx = { '81.2.69.142': { geoip: { country: 'GB' }, dns: { ptr: 'x.example' } }, '10.0.0.1': { geoip: { reserved: 'private' } } };
    const applied = await context.db.pool.query('select siem_private.apply_enrichment($1, $2, $3) as n', [segments, ctx, classes]);
    expect(applied.rows[0].n).toBe(3);

    const { rows } = await context.db.pool.query(
      `select enrichment - 'enriched_at' as e, enrichment ? 'enriched_at' as stamped from events where batch_id = $1 order by id`,
      [batch.id],
    );
    expect(rows[0]).toEqual({
      stamped: true,
      e: {
        geoip: { src_ip: { country: 'GB' }, dst_ip: { reserved: 'private' } },
        dns: { src_ip: { ptr: 'x.example' } },
        threat: [expect.objectContaining({ feed: 'f', kind: 'cidr', indicator: '10.0.0.0/24', field: 'dst_ip' })],
      },
    });
    expect(rows[1]!.e).toEqual({
      geoip: { src_ip: { country: 'GB' } },
      dns: { src_ip: { ptr: 'x.example' } },
      threat: [expect.objectContaining({ feed: 'f', kind: 'domain', indicator: 'evil.example.com', field: 'domain' })],
    });
    expect(rows[2]).toEqual({ e: {}, stamped: false });
    expect(rows[3]).toEqual({ e: {}, stamped: true });
    expect((await context.db.pool.query('select count(*)::int as n from threat_matches where not retro')).rows[0].n).toBe(2);

    // enriching again replaces what was there and records no second match
    await context.db.pool.query('select siem_private.apply_enrichment($1, $2, $3)', [segments, {}, classes]);
    const again = await context.db.pool.query(`select enrichment - 'enriched_at' as e from events where batch_id = $1 order by id limit 1`, [batch.id]);
    expect(again.rows[0].e).toEqual({ threat: [expect.objectContaining({ indicator: '10.0.0.0/24' })] });
    expect((await context.db.pool.query('select count(*)::int as n from threat_matches')).rows[0].n).toBe(2);

    const dns = await context.db.pool.query('select siem_private.apply_dns($1, $2) as n', [segments, { '10.0.0.1': { status: 'nxdomain' } }]);
    expect(dns.rows[0].n).toBe(1);
    const withDns = await context.db.pool.query(`select enrichment -> 'dns' as d from events where batch_id = $1 order by id limit 1`, [batch.id]);
    expect(withDns.rows[0].d).toEqual({ dst_ip: { status: 'nxdomain' } });
  });
});
