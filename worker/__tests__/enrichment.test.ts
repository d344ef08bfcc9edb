import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { reverseName, startDnsServer, type DnsServer } from '../../test/dns_server.ts';
import { importIntel } from '../intel/import.ts';
import { startWorker, type Worker } from '../run.ts';

const context = useAgentDatabase();
const feodoFile = path.resolve(import.meta.dirname, '../../../shared/corpora/threatintel/abusech/feodotracker_ipblocklist_2024-04-04.csv');
let dns: DnsServer;
let worker: Worker;

beforeAll(async () => {
  dns = await startDnsServer({ [reverseName('81.2.69.142')]: 'mail.example.co.uk' }, [reverseName('81.2.69.160')]);
  worker = await startWorker({
    connectionString: context.db.urls.owner,
    concurrency: 2,
    partitionDaysAhead: 2,
    enrichment: {
      geoipCityPath: undefined,
      geoipAsnPath: undefined,
      dns: { enabled: true, servers: [dns.address], timeoutMs: 1500, concurrency: 4, inlineMs: 200 },
      dnsCacheSeconds: 300,
      retroHuntDays: 30,
    },
    log: () => {},
  });
});

afterAll(async () => {
  await worker?.stop();
  await dns?.close();
});

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface EventRow {
  id: string;
  enrichment: {
    geoip?: Record<string, Record<string, unknown>>;
    dns?: Record<string, Record<string, unknown>>;
    threat?: { feed: string; indicator: string; field: string; retro?: boolean }[];
  };
  /** From the batch's commit to the end of the job that enriched it; null until then. */
  latency_ms: number | null;
}

async function ingestOne(line: string): Promise<string> {
  const batch = makeBatch([line]);
  await sendBatch(context.agentPool, 'agent', batch);
  return batch.id;
}

const eventOf = (batchId: string) => async () =>
  (
    await context.db.pool.query<EventRow>(
      `select e.id, public.events_enrichment(e) as enrichment,
              extract(epoch from siem_private.event_enriched_at(e.ts, e.id) - e.received_at)::float8 * 1000 as latency_ms
       from events e where e.batch_id = $1`,
      [batchId],
    )
  ).rows[0];

describe('enrichment jobs (real worker, real DNS server on loopback)', () => {
  it('adds GeoIP to an ingested event: 81.2.69.142 is GB, private addresses are labelled', async () => {
    const batch = await ingestOne(JSON.stringify({ src_ip: '81.2.69.142', dst_ip: '10.0.0.5', message: 'hello' }));
    const event = await waitFor(async () => {
      const row = await eventOf(batch)();
      return row?.enrichment.geoip ? row : undefined;
    });
    expect(event.enrichment.geoip).toEqual({ src_ip: { country: 'GB' }, dst_ip: { reserved: 'private' } });
    const withDns = await waitFor(async () => {
      const row = await eventOf(batch)();
      return row?.enrichment.dns?.src_ip ? row : undefined;
    });
    expect(withDns.enrichment.dns?.src_ip).toEqual({ ptr: 'mail.example.co.uk' });
    const cache = await context.db.pool.query(`select host(ip) as ip, ptr, status from siem_private.dns_cache where ip = '81.2.69.142'`);
    expect(cache.rows).toEqual([{ ip: '81.2.69.142', ptr: 'mail.example.co.uk', status: 'ok' }]);
  });

  it('enriches every field whose canonical type is ip, not only src_ip and dst_ip', async () => {
    await context.db.pool.query(`insert into canonical_fields (name, type, description) values ('relay_ip', 'ip', 'mail relay') on conflict (name) do update set type = 'ip'`);
    const batch = await ingestOne(JSON.stringify({ relay_ip: '81.2.69.142', message: 'relayed' }));
    const event = await waitFor(async () => {
      const row = await eventOf(batch)();
      return row?.enrichment.dns?.relay_ip ? row : undefined;
    });
    expect(event.enrichment.geoip).toEqual({ relay_ip: { country: 'GB' } });
    expect(event.enrichment.dns).toEqual({ relay_ip: { ptr: 'mail.example.co.uk' } });
    await context.db.pool.query(`delete from canonical_fields where name = 'relay_ip'`);
  });

  it('enriches a parsed syslog line too: sshd from 81.2.69.142 is GB', async () => {
    const batch = makeBatch(['<38>Nov 24 10:00:00 web-1 sshd[2967]: Failed password for invalid user admin from 81.2.69.142 port 50122 ssh2'], { source: 'syslog' });
    await sendBatch(context.agentPool, 'agent', batch);
    const event = await waitFor(async () => {
      const row = await eventOf(batch.id)();
      return row?.enrichment.geoip ? row : undefined;
    });
    expect(event.enrichment.geoip).toEqual({ src_ip: { country: 'GB' } });
  });

  it('never waits for a slow resolver: GeoIP arrives first, the timeout is cached as a negative answer', async () => {
    const batch = await ingestOne(JSON.stringify({ src_ip: '81.2.69.160' }));
    const event = await waitFor(async () => {
      const row = await eventOf(batch)();
      return row?.enrichment.geoip ? row : undefined;
    });
    expect(event.enrichment.dns?.src_ip).toBeUndefined();
    expect(event.latency_ms).toBeLessThan(1500);
    const later = await waitFor(async () => {
      const row = await eventOf(batch)();
      return row?.enrichment.dns?.src_ip ? row : undefined;
    });
    expect(later.enrichment.dns?.src_ip).toEqual({ status: 'timeout' });
    // a second event from the same address is answered from the cache, without a query
    const before = dns.queries.filter((q) => q === reverseName('81.2.69.160')).length;
    const again = await ingestOne(JSON.stringify({ src_ip: '81.2.69.160' }));
    const cached = await waitFor(async () => {
      const row = await eventOf(again)();
      return row?.enrichment.dns ? row : undefined;
    });
    expect(cached.enrichment.dns?.src_ip).toEqual({ status: 'timeout' });
    expect(dns.queries.filter((q) => q === reverseName('81.2.69.160')).length).toBe(before);
  });

  it.skipIf(!existsSync(feodoFile))('tags events from Feodo IPs: live after the import, and by retro-hunt before it', async () => {
    const before = await ingestOne(JSON.stringify({ src_ip: '192.9.135.73', action: 'connect' }));
    await waitFor(async () => (await eventOf(before)())?.latency_ms !== null);
    expect((await eventOf(before)())!.enrichment.threat).toBeUndefined();

    const client = await context.db.pool.connect();
    try {
      const outcome = await importIntel(client, 'feodo', readFileSync(feodoFile, 'utf8'));
      expect(outcome).toMatchObject({ format: 'csv', parsed: 28, inserted: 28, updated: 0, rejected: 0 });
    } finally {
      client.release();
    }

    const retro = await waitFor(async () => {
      const row = await eventOf(before)();
      return row?.enrichment.threat ? row : undefined;
    });
    expect(retro.enrichment.threat).toEqual([expect.objectContaining({ feed: 'feodo', indicator: '192.9.135.73', field: 'src_ip', retro: true })]);

    const after = await ingestOne(JSON.stringify({ dst_ip: '85.239.243.155' }));
    const live = await waitFor(async () => {
      const row = await eventOf(after)();
      return row?.enrichment.threat ? row : undefined;
    });
    expect(live.enrichment.threat).toEqual([expect.objectContaining({ feed: 'feodo', indicator: '85.239.243.155', field: 'dst_ip', description: 'Pikabot' })]);

    const matches = await context.db.pool.query(
      `select m.event_id::text, m.feed, m.field, m.retro from threat_matches m where m.event_id in ($1, $2) order by m.retro desc`,
      [retro.id, live.id],
    );
    expect(matches.rows).toEqual([
      { event_id: retro.id, feed: 'feodo', field: 'src_ip', retro: true },
      { event_id: live.id, feed: 'feodo', field: 'dst_ip', retro: false },
    ]);
  });
});
