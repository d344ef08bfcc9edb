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

describe('siem_private.define_observables (trigger _710_define_observables on canonical_fields)', () => {
  it('enriches every field whose canonical type is ip, and follows changes of canonical_fields', async () => {
    // A canonical address field of the user's, with an alias the parser output uses.
    await context.db.pool.query(`insert into canonical_fields (name, type, description) values ('relay_ip', 'ip', 'mail relay')`);
    await context.db.pool.query(`insert into field_aliases (alias, canonical) values ('relayaddr', 'relay_ip')`);
    const batch = makeBatch([JSON.stringify({ src_ip: '81.2.69.142', relayaddr: '2001:DB8::5', msg: 'a' }), JSON.stringify({ relayaddr: '198.51.100.7', msg: 'b' })]);
    await sendBatch(context.agentPool, 'agent', batch);
    await context.db.pool.query(`select * from import_indicators('relays', '[{"kind": "ip", "value": "198.51.100.7"}]')`);
    const segments = await segmentOf(batch.id);

    const candidates = await context.db.pool.query('select class, value from siem_private.enrichment_candidates($1) order by 2', [segments]);
    expect(candidates.rows.map((r) => `${r.class}:${r.value}`)).toEqual(['ip:198.51.100.7', 'ip:2001:db8::5', 'ip:81.2.69.142']);
    const classes = Object.fromEntries(candidates.rows.map((r) => [r.value, r.class]));
    const ctx = { '81.2.69.142': { geoip: { country: 'GB' } }, '2001:db8::5': { geoip: { reserved: 'documentation' } }, '198.51.100.7': { geoip: { reserved: 'documentation' } } };
    await context.db.pool.query('select siem_private.apply_enrichment($1, $2, $3)', [segments, ctx, classes]);

    const { rows } = await context.db.pool.query(`select metadata ->> 'msg' as msg, public.events_enrichment(e) as e from events e where batch_id = $1 order by 1`, [batch.id]);
    expect(rows).toEqual([
      { msg: 'a', e: { geoip: { src_ip: { country: 'GB' }, relay_ip: { reserved: 'documentation' } } } },
      { msg: 'b', e: { geoip: { relay_ip: { reserved: 'documentation' } }, threat: [expect.objectContaining({ feed: 'relays', field: 'relay_ip' })] } },
    ]);

    // retro-hunt reads the same fields
    await context.db.pool.query(`select * from import_indicators('relays', '[{"kind": "cidr", "value": "2001:db8::/64"}]')`);
    const ids = (await context.db.pool.query(`select array_agg(id) as ids from threat_indicators where kind = 'cidr'`)).rows[0].ids;
    expect((await context.db.pool.query('select retro_hunt($1, 30) as n', [ids])).rows[0].n).toBe(1);
    const hunted = await context.db.pool.query(`select field, value, retro from threat_matches where indicator_id = any ($1)`, [ids]);
    expect(hunted.rows).toEqual([{ field: 'relay_ip', value: '2001:db8::5', retro: true }]);

    // no longer an address field: no longer enriched as one
    await context.db.pool.query(`update canonical_fields set type = 'text' where name = 'relay_ip'`);
    const after = await context.db.pool.query('select class, value from siem_private.enrichment_candidates($1) order by 2', [segments]);
    expect(after.rows.map((r) => r.value)).toEqual(['81.2.69.142']);
    expect((await context.db.pool.query(`select siem_private.has_addresses('{"relay_ip": "198.51.100.7"}') as b`)).rows[0].b).toBe(false);
    await context.db.pool.query(`delete from canonical_fields where name = 'relay_ip'`);
    expect((await context.db.pool.query('select siem_private.define_observables() as f')).rows[0].f).toEqual(['src_ip', 'dst_ip']);
  });

  it('runs when an admin changes canonical_fields, though admins cannot call it directly', async () => {
    await context.db.asRole('siem_admin', async (client) => {
      await client.query(`insert into canonical_fields (name, type) values ('nat_ip', 'ip')`);
      await client.query('reset role');
      const fields = await client.query(`select siem_private.has_addresses('{"nat_ip": "192.0.2.1"}') as b`);
      expect(fields.rows[0].b).toBe(true);
    });
    await context.db.asRole('siem_admin', async (client) => {
      await expect(client.query('select siem_private.define_observables()')).rejects.toThrow(/permission denied/);
    });
  });
});
