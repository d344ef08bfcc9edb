import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { enrichmentOf as readEnrichment } from '../../test/enrichment.ts';

const context = useAgentDatabase();

const segmentOf = async (batchId: string) =>
  (
    await context.db.pool.query(
      `select jsonb_build_array(jsonb_build_object('from', min(ts), 'to', max(ts), 'min_id', min(id), 'max_id', max(id)))::text as s from events where batch_id = $1`,
      [batchId],
    )
  ).rows[0].s as string;

const enrichmentOf = (batchId: string) => readEnrichment(context.db.pool, batchId);

describe('siem_private.enrichment_candidates, indicator_hits, apply_enrichment and apply_dns', () => {
  it('reads distinct addresses once, records their contexts once, tags threats on the matching events only', async () => {
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
    expect(applied.rows[0].n).toBe(2);
    expect((await context.db.pool.query('select count(*)::int as n from siem_private.address_context')).rows[0].n).toBe(2);

    const rows = await enrichmentOf(batch.id);
    expect(rows[0]!.e).toEqual({
      geoip: { src_ip: { country: 'GB' }, dst_ip: { reserved: 'private' } },
      dns: { src_ip: { ptr: 'x.example' } },
      threat: [expect.objectContaining({ feed: 'f', kind: 'cidr', indicator: '10.0.0.0/24', field: 'dst_ip' })],
    });
    // the event itself holds only its threat tags
    expect(Object.keys(rows[0]!.stored)).toEqual(['threat']);
    expect(rows[1]!.e).toEqual({
      geoip: { src_ip: { country: 'GB' } },
      dns: { src_ip: { ptr: 'x.example' } },
      threat: [expect.objectContaining({ feed: 'f', kind: 'domain', indicator: 'evil.example.com', field: 'domain' })],
    });
    expect(rows[2]).toEqual({ e: {}, stored: {} });
    expect(rows[3]).toEqual({ e: {}, stored: {} });
    expect((await context.db.pool.query('select count(*)::int as n from threat_matches where not retro')).rows[0].n).toBe(2);

    // the same contexts again are no news; the tags are written again, the matches not recorded twice
    await context.db.pool.query('select siem_private.apply_enrichment($1, $2, $3)', [segments, ctx, classes]);
    expect((await context.db.pool.query('select count(*)::int as n from siem_private.address_context')).rows[0].n).toBe(2);
    expect((await enrichmentOf(batch.id))[0]!.stored).toEqual({ threat: [expect.objectContaining({ indicator: '10.0.0.0/24' })] });
    expect((await context.db.pool.query('select count(*)::int as n from threat_matches')).rows[0].n).toBe(2);

    // a late DNS answer completes the address's context
    const dns = await context.db.pool.query('select siem_private.apply_dns($1, $2) as n', [segments, { '10.0.0.1': { status: 'nxdomain' } }]);
    expect(dns.rows[0].n).toBe(1);
    expect((await enrichmentOf(batch.id))[0]!.e.dns).toEqual({ src_ip: { ptr: 'x.example' }, dst_ip: { status: 'nxdomain' } });

    // re-enrichment writes today's contexts into every event with observables, replacing them
    const today = { '81.2.69.142': { geoip: { country: 'IE' } } };
    const materialized = await context.db.pool.query('select siem_private.apply_enrichment($1, $2, $3, true) as n', [segments, today, classes]);
    expect(materialized.rows[0].n).toBe(3);
    const after = await enrichmentOf(batch.id);
    expect(after[0]!.stored).toEqual({ geoip: { src_ip: { country: 'IE' } }, threat: [expect.objectContaining({ indicator: '10.0.0.0/24' })] });
    expect(after[0]!.e.geoip).toEqual({ src_ip: { country: 'IE' } });
  });

  it('records when each queued range was enriched', async () => {
    const batch = makeBatch([JSON.stringify({ src_ip: '203.0.113.7' })]);
    await sendBatch(context.agentPool, 'agent', batch);
    const segments = (await context.db.pool.query('select siem_private.take_enrichment_segments(100) as s')).rows[0].s as { queued_at: string }[];
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((s) => typeof s.queued_at === 'string')).toBe(true);
    await context.db.pool.query('select siem_private.apply_enrichment($1, $2, $3)', [JSON.stringify(segments), {}, {}]);
    const { rows } = await context.db.pool.query('select count(*)::int as n, bool_and(enriched_at >= queued_at) as ordered from siem_private.enriched_segments');
    expect(rows[0]).toEqual({ n: segments.length, ordered: true });
  });
});
