import type { Task } from 'graphile-worker';
import { enrichSegments, type Enrichers, type Segment } from '../enrichment/enrich.ts';

/** One job per ingested batch at most (job key coalescing); its payload is the statements' segments. */
export function makeEventsEnrich(enrichers: Enrichers): Task {
  return async (payload, helpers) => {
    const segments = (Array.isArray(payload) ? payload : [payload]) as Segment[];
    const outcome = await helpers.withPgClient((client) => enrichSegments(client, segments, enrichers));
    if (outcome.dnsPending.length > 0) {
      // DNS answers come later, in their own job on a serial queue: a slow resolver never holds up
      // enrichment or takes more than one worker slot.
      await helpers.addJob('dns__resolve', [{ segments, ips: outcome.dnsPending }], { jobKey: 'dns__resolve', queueName: 'dns', maxAttempts: 3 });
    }
    helpers.logger.debug(`enriched ${outcome.events} events (${outcome.addresses} addresses)`);
  };
}
