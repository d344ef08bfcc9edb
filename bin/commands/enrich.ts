import type { Config } from '../config.ts';
import { enrichSegments } from '../../worker/enrichment/enrich.ts';
import { openEnrichers } from '../../worker/enrichment/options.ts';
import { parseSince } from './reparse.ts';
import { withOwner } from './with_owner.ts';

const hour = 3_600_000;

/**
 * `siem enrich --since t [--until t]`: enriches events of a time range again with today's databases,
 * cache and indicators, written into each event (events otherwise read their addresses' contexts as
 * known when they arrived). One hour per
 * statement (an event on a boundary is enriched twice, harmlessly); DNS answers come from the cache only.
 */
export async function enrichCommand(config: Config, options: { since: string; until?: string }): Promise<void> {
  const since = parseSince(options.since);
  const until = options.until ? parseSince(options.until) : new Date();
  const enrichers = await openEnrichers(config.enrichment);
  const totals = await withOwner(config, async (client) => {
    let events = 0;
    let addresses = 0;
    for (let start = since.getTime(); start < until.getTime(); start += hour) {
      const end = Math.min(start + hour, until.getTime());
      const outcome = await enrichSegments(client, [{ from: new Date(start).toISOString(), to: new Date(end).toISOString() }], enrichers, true);
      events += outcome.events;
      addresses += outcome.addresses;
    }
    return { events, addresses };
  });
  enrichers.dns?.cancel();
  console.log(`re-enriched ${totals.events} events (${totals.addresses} address lookups) from ${since.toISOString()} to ${until.toISOString()}`);
}
