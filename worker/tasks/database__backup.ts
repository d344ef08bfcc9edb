import type { Task } from 'graphile-worker';
import { baseBackup, logicalBackup, pruneBackups, type BackupSettings } from '../../db/backup.ts';

export interface ScheduledBackupSettings extends Omit<BackupSettings, 'log'> {
  /** Backups of each kind to keep. */
  keep: number;
}

/**
 * The nightly backup: a logical dump and a base backup, then old backups and the WAL only they
 * needed are pruned. One failing kind does not stop the other; the job fails (and retries) if any did.
 */
export function makeDatabaseBackup(settings: ScheduledBackupSettings): Task {
  return async (_payload, helpers) => {
    const log = (message: string) => helpers.logger.info(message);
    const errors: string[] = [];
    for (const take of [logicalBackup, baseBackup]) {
      try {
        const backup = await take({ ...settings, log });
        log(`${backup.kind} backup ${backup.name}: ${backup.bytes} bytes`);
      } catch (error) {
        errors.push((error as Error).message);
        helpers.logger.error((error as Error).message);
      }
    }
    if (errors.length > 0) throw new Error(`backup failed: ${errors.join('; ')}`);
    const pruned = pruneBackups(settings.backupDir, settings.keep);
    if (pruned.backups.length > 0 || pruned.walSegments > 0) log(`pruned ${pruned.backups.join(', ') || 'no backups'} and ${pruned.walSegments} WAL segments`);
  };
}
