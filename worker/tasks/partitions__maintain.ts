import type { Task } from 'graphile-worker';

export interface MaintainPayload {
  daysAhead?: number;
}

/**
 * Creates partitions ahead (SQL decides which), then builds the search indexes of finished days one
 * at a time with CREATE INDEX CONCURRENTLY, which must run outside a transaction and so cannot live
 * inside the SQL function.
 */
export function makePartitionsMaintain(defaultDaysAhead: number): Task {
  return async (payload, helpers) => {
    const daysAhead = (payload as MaintainPayload | null)?.daysAhead ?? defaultDaysAhead;
    const created = await helpers.withPgClient((client) =>
      client.query<{ created: number }>('select siem_private.maintain_partitions($1) as created', [daysAhead]),
    );
    helpers.logger.info(`partitions created: ${created.rows[0]?.created ?? 0}`);
    const pending = await helpers.withPgClient((client) =>
      client.query<{ statement: string }>('select statement from siem_private.partition_indexes_to_build()'),
    );
    for (const { statement } of pending.rows) {
      await helpers.withPgClient((client) => client.query(statement));
      helpers.logger.info(statement);
    }
  };
}
