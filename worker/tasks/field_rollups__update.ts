import type { Task } from 'graphile-worker';

/** graphile-worker queue of field_rollups__update: runs never overlap (two would count the same rows). */
export const fieldRollupsQueue = 'siem_field_rollups';
/** How long after one run the next starts; the dashboards count the newest seconds from events. */
export const fieldRollupsIntervalMs = 3_000;

/**
 * Brings the per-minute field rollups (source addresses, users...) level with events, off the ingest
 * path: one repeatable read transaction adds the rows settled since the last run (ids up to the
 * watermark), then finished minutes are merged and the next watermark is noted, so it has settled
 * by the next run. The task schedules its own next run; the crontab restarts the chain each minute
 * if a run was lost.
 */
export const fieldRollupsUpdate: Task = async (_payload, helpers) => {
  const minutes = await helpers.withPgClient(async (client) => {
    await client.query('begin isolation level repeatable read');
    try {
      const { rows } = await client.query<{ minutes: number }>('select siem_private.roll_up_fields() as minutes');
      await client.query('commit');
      return rows[0]?.minutes ?? 0;
    } catch (error) {
      await client.query('rollback');
      // A run that overlapped another (a restarted worker, say) lost the race: the next one redoes it.
      if ((error as { code?: string }).code === '40001') return 0;
      throw error;
    }
  });
  await helpers.withPgClient(async (client) => {
    await client.query('select siem_private.compact_field_rollups()');
    await client.query('select siem_private.mark_field_rollups()');
  });
  helpers.logger.debug(`field rollups: ${minutes} minutes brought up to date`);
  await helpers.addJob('field_rollups__update', {}, { jobKey: 'field_rollups__update', queueName: fieldRollupsQueue, runAt: new Date(Date.now() + fieldRollupsIntervalMs), maxAttempts: 3 });
};
