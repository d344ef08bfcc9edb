import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { enrichmentOf as readEnrichment } from '../../test/enrichment.ts';

const context = useAgentDatabase();

const enrichmentOf = (batchId: string) => readEnrichment(context.db.pool, batchId);

describe('siem_private.address_context (record_address_contexts, context_as_of, events_enrichment)', () => {
  it('gives each event the context known when it arrived, and a new address its first context', async () => {
    const record = (ctx: object) => context.db.pool.query('select siem_private.record_address_contexts($1) as n', [ctx]);
    const first = makeBatch([JSON.stringify({ src_ip: '198.51.100.9' })]);
    await sendBatch(context.agentPool, 'agent', first);
    // looked up after the event arrived: its first context
    expect((await record({ '198.51.100.9': { geoip: { country: 'NL' } } })).rows[0].n).toBe(1);
    const second = makeBatch([JSON.stringify({ src_ip: '198.51.100.9' })]);
    await sendBatch(context.agentPool, 'agent', second);
    // a changed context (another database) is a new version; a lookup that returned nothing is not
    expect((await record({ '198.51.100.9': { geoip: { country: 'DE' } } })).rows[0].n).toBe(1);
    expect((await record({ '198.51.100.9': {} })).rows[0].n).toBe(0);
    const third = makeBatch([JSON.stringify({ src_ip: '198.51.100.9' })]);
    await sendBatch(context.agentPool, 'agent', third);

    expect((await enrichmentOf(first.id))[0]!.e).toEqual({ geoip: { src_ip: { country: 'NL' } } });
    expect((await enrichmentOf(second.id))[0]!.e).toEqual({ geoip: { src_ip: { country: 'NL' } } });
    expect((await enrichmentOf(third.id))[0]!.e).toEqual({ geoip: { src_ip: { country: 'DE' } } });
  });

});

describe('siem_private.prune_address_contexts', () => {
  it('deletes only versions superseded before the cut, never an address\'s latest', async () => {
    await context.db.pool.query(`insert into siem_private.address_context (ip, known_from, context) values
      ('192.0.2.50', now() - interval '40 days', '{"geoip": {"country": "A"}}'),
      ('192.0.2.50', now() - interval '35 days', '{"geoip": {"country": "B"}}'),
      ('192.0.2.50', now() - interval '2 days', '{"geoip": {"country": "C"}}'),
      ('192.0.2.51', now() - interval '50 days', '{"geoip": {"country": "D"}}')`);
    expect((await context.db.pool.query(`select siem_private.prune_address_contexts('31 days') as n`)).rows[0].n).toBe(1);
    const { rows } = await context.db.pool.query(`select ip, context -> 'geoip' ->> 'country' as c from siem_private.address_context where ip like '192.0.2.5_' order by known_from`);
    expect(rows).toEqual([
      { ip: '192.0.2.51', c: 'D' },
      { ip: '192.0.2.50', c: 'B' },
      { ip: '192.0.2.50', c: 'C' },
    ]);
  });
});
