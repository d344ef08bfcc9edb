import type pg from 'pg';
import type { GeoIp, GeoIpResult } from './geoip.ts';
import { dnsContext, type DnsAnswer, type ReverseDns } from './rdns.ts';
import { isAddress, reservedRange } from './reserved.ts';

/** Events inserted by one statement: ts and id bounds (ids optional: a whole time range). */
export interface Segment {
  from: string;
  to: string;
  min_id?: number | string | null;
  max_id?: number | string | null;
  /** When the range was queued (segments taken from the queue): recorded with the time it was enriched. */
  queued_at?: string;
}

export interface Enrichers {
  geoip: GeoIp;
  /** Undefined when reverse DNS is turned off. */
  dns: ReverseDns | undefined;
  dnsCacheSeconds: number;
}

export interface EnrichOutcome {
  /** Events written: those tagged by an indicator, or every event with observables when materializing. */
  events: number;
  addresses: number;
  /** Addresses with no cached DNS answer: resolved later by the dns__resolve job. */
  dnsPending: string[];
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Cached reverse DNS answers (positive and negative) for these addresses. */
export async function cachedDns(client: Queryable, ips: string[]): Promise<Map<string, DnsAnswer>> {
  if (ips.length === 0) return new Map();
  const { rows } = await client.query<DnsAnswer>('select ip, ptr, status from siem_private.dns_cache_get($1)', [ips]);
  return new Map(rows.map((row) => [row.ip, row]));
}

/**
 * Enriches the events of the segments: reads their distinct observables once, looks each address up in
 * GeoIP and the DNS cache, and records what changed per address (events read it as of their arrival);
 * the database matches threat intel and tags the matching events. `materialize` (re-enrichment) writes
 * today's contexts into every event of the segments instead, replacing what they carried.
 */
export async function enrichSegments(client: Queryable, segments: Segment[], enrichers: Enrichers, materialize = false): Promise<EnrichOutcome> {
  const payload = JSON.stringify(segments);
  const { rows } = await client.query<{ class: string; value: string }>('select class, value from siem_private.enrichment_candidates($1)', [payload]);
  const classes: Record<string, string> = {};
  for (const row of rows) classes[row.value] = row.class;
  const addresses = rows.filter((row) => row.class === 'ip' && isAddress(row.value)).map((row) => row.value);
  const context: Record<string, { geoip?: GeoIpResult; dns?: object }> = {};
  for (const ip of addresses) {
    const geoip = enrichers.geoip.lookup(ip);
    context[ip] = geoip ? { geoip } : {};
  }
  let dnsPending: string[] = [];
  if (enrichers.dns) {
    // Special-purpose addresses too: a local resolver often knows names for private ones.
    const wanted = addresses.filter((ip) => reservedRange(ip) !== 'loopback');
    const cached = await cachedDns(client, wanted);
    const missing: string[] = [];
    for (const ip of wanted) {
      // the cache keys are PostgreSQL's canonical text (lower case IPv6)
      const answer = cached.get(ip) ?? cached.get(ip.toLowerCase());
      if (answer) context[ip]!.dns = dnsContext(answer);
      else missing.push(ip);
    }
    // A fast resolver answers within the job's small budget: one write per event. A slow one's
    // answers follow in a dns__resolve job.
    const answers = enrichers.dns.options.inlineMs > 0 ? await enrichers.dns.reverseWithin(missing, enrichers.dns.options.inlineMs) : [];
    if (answers.length > 0) {
      await client.query('select siem_private.dns_cache_put($1, make_interval(secs => $2))', [JSON.stringify(answers), enrichers.dnsCacheSeconds]);
      for (const answer of answers) context[answer.ip]!.dns = dnsContext(answer);
    }
    dnsPending = missing.filter((ip) => !context[ip]!.dns);
  }
  const applied = await client.query<{ n: number }>('select siem_private.apply_enrichment($1, $2, $3, $4) as n', [
    payload,
    JSON.stringify(context),
    JSON.stringify(classes),
    materialize,
  ]);
  return { events: applied.rows[0]!.n, addresses: addresses.length, dnsPending };
}

/** Resolves the addresses not cached meanwhile, caches every answer and adds them to the addresses' contexts. */
export async function resolveDns(client: Queryable, segments: Segment[], ips: string[], dns: ReverseDns, cacheSeconds: number): Promise<{ resolved: number; contexts: number }> {
  const cached = await cachedDns(client, ips);
  const missing = ips.filter((ip) => !cached.has(ip) && !cached.has(ip.toLowerCase()));
  const answers = await dns.reverseAll(missing);
  if (answers.length > 0) {
    await client.query('select siem_private.dns_cache_put($1, make_interval(secs => $2))', [JSON.stringify(answers), cacheSeconds]);
  }
  const fresh = new Map(answers.map((answer) => [answer.ip, answer]));
  const byIp: Record<string, object> = {};
  for (const ip of ips) {
    const answer = fresh.get(ip) ?? cached.get(ip) ?? cached.get(ip.toLowerCase());
    if (answer) byIp[ip] = dnsContext(answer);
  }
  const { rows } = await client.query<{ n: number }>('select siem_private.apply_dns($1, $2) as n', [JSON.stringify(segments), JSON.stringify(byIp)]);
  return { resolved: answers.length, contexts: rows[0]!.n };
}
