import type { Task } from 'graphile-worker';

/** Enqueued by public.import_indicators for the new indicators: matches them against past events. */
export function makeIntelRetroHunt(days: number): Task {
  return async (payload, helpers) => {
    const ids = (payload as { indicator_ids?: number[] }).indicator_ids ?? [];
    if (ids.length === 0) return;
    const { rows } = await helpers.withPgClient((client) => client.query<{ n: number }>('select public.retro_hunt($1, $2) as n', [ids, days]));
    helpers.logger.info(`retro-hunt of ${ids.length} new indicators over ${days} days: ${rows[0]!.n} matches`);
  };
}
