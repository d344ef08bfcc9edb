import type { Task } from 'graphile-worker';
import { enrichSegments, type Enrichers, type Segment } from '../enrichment/enrich.ts';

/** Queued ranges enriched per transaction: bounds one transaction's work, and so the latency. */
const segmentsPerRound = 50;

/**
 * Drains siem_private.enrichment_queue: takes queued ranges, enriches their events and deletes them in
 * one transaction (a failure puts them back), until the queue is empty. The ingest trigger keeps one
 * such job pending (job key coalescing), so ranges queued while it runs are taken by this loop or by
 * the next job.
 */
export function makeEventsEnrich(enrichers: Enrichers): Task {
  return async (_payload, helpers) => {
    for (;;) {
      const events = await helpers.withPgClient(async (client) => {
        await client.query('begin');
        try {
          const { rows } = await client.query<{ segments: Segment[] }>('select siem_private.take_enrichment_segments($1) as segments', [segmentsPerRound]);
          const segments = rows[0]!.segments;
          if (segments.length === 0) {
            await client.query('commit');
            return undefined;
          }
          const outcome = await enrichSegments(client, segments, enrichers);
          if (outcome.dnsPending.length > 0) {
            // DNS answers come later, in their own job on a serial queue: a slow resolver never holds
            // up enrichment or takes more than one worker slot.
            await client.query(`select graphile_worker.add_job('dns__resolve', $1::json, queue_name => 'dns', max_attempts => 3)`, [
              JSON.stringify([{ segments, ips: outcome.dnsPending }]),
            ]);
          }
          await client.query('commit');
          return outcome.events;
        } catch (error) {
          await client.query('rollback');
          throw error;
        }
      });
      if (events === undefined) return;
      helpers.logger.debug(`enriched ${events} events`);
    }
  };
}
