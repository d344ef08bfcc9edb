import type { Task } from 'graphile-worker';

/** Rolls the append-only ingest counters up (sums unchanged), so reading the totals stays cheap. */
export const metricCountsCompact: Task = async (_payload, helpers) => {
  const { rows } = await helpers.withPgClient((client) => client.query<{ rolled: number }>('select siem_private.compact_metric_counts() as rolled'));
  helpers.logger.debug(`metric counters rolled up into ${rows[0]?.rolled ?? 0} rows`);
};
