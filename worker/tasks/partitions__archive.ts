import type { Task } from 'graphile-worker';
import { runArchive, type ArchiveSettings } from '../archive.ts';

/** Archives partitions past their retention (see worker/archive.ts); failures keep the data and fail the job. */
export function makePartitionsArchive(settings: Omit<ArchiveSettings, 'log'>): Task {
  return async (_payload, helpers) => {
    const result = await helpers.withPgClient((client) => runArchive(client, { ...settings, log: (message) => helpers.logger.info(message) }));
    if (!result.ran) {
      helpers.logger.info('another archive run holds the lock; skipped');
      return;
    }
    if (result.failed.length > 0) {
      throw new Error(`archiving failed for ${result.failed.map((f) => `${f.table} ${f.day}: ${f.error}`).join('; ')} (the partitions stay in the database)`);
    }
  };
}
