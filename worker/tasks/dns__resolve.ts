import type { Task } from 'graphile-worker';
import { resolveDns, type Segment } from '../enrichment/enrich.ts';
import type { ReverseDns } from '../enrichment/rdns.ts';

interface DnsWork {
  segments: Segment[];
  ips: string[];
}

/** Reverse lookups of the addresses enrichment found uncached, then the answers added to their contexts. */
export function makeDnsResolve(dns: ReverseDns | undefined, cacheSeconds: number): Task {
  return async (payload, helpers) => {
    if (!dns) return;
    const work = (Array.isArray(payload) ? payload : [payload]) as DnsWork[];
    const segments = work.flatMap((item) => item.segments);
    const ips = [...new Set(work.flatMap((item) => item.ips))];
    const outcome = await helpers.withPgClient((client) => resolveDns(client, segments, ips, dns, cacheSeconds));
    helpers.logger.debug(`resolved ${outcome.resolved} addresses, ${outcome.contexts} address contexts updated`);
  };
}
