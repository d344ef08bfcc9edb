import type { Task } from 'graphile-worker';

/** Merges the append-only rollup rows of finished buckets (sums unchanged), so dashboards read few rows. */
export const eventRollupsCompact: Task = async (_payload, helpers) => {
  const { rows } = await helpers.withPgClient((client) => client.query<{ merged: number }>('select siem_private.compact_event_rollups() as merged'));
  helpers.logger.debug(`event rollups merged into ${rows[0]?.merged ?? 0} rows`);
};
