import type { Config } from '../config.ts';
import { dropRestoredArchive, listArchives, restoreArchive, runArchive } from '../../worker/archive.ts';
import { withOwner } from './with_owner.ts';

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export async function archiveListCommand(config: Config): Promise<void> {
  const entries = await withOwner(config, (client) => listArchives(client));
  if (entries.length === 0) {
    console.log(`no archives yet (raw partitions are archived after ${config.rawRetentionDays} days, events after ${config.eventRetentionDays})`);
    return;
  }
  // messages_in: the raw days whose archives hold the messages an events archive leaves out.
  console.log(['table', 'day', 'rows', 'size', 'restored', 'messages_in', 'sha256', 'path'].join('\t'));
  for (const e of entries) {
    const messagesIn = e.messagesInRawDays?.length ? `events_raw ${e.messagesInRawDays.join(',')}` : '-';
    console.log([e.table, e.day, e.rows, megabytes(e.bytes), e.restoredAt ? e.restoredAt.toISOString() : '-', messagesIn, e.sha256, e.path].join('\t'));
  }
}

export async function archiveRunCommand(config: Config): Promise<void> {
  const result = await withOwner(config, (client) =>
    runArchive(client, {
      archiveDir: config.archiveDir,
      rawRetentionDays: config.rawRetentionDays,
      eventRetentionDays: config.eventRetentionDays,
      log: (message) => console.log(message),
    }),
  );
  if (!result.ran) {
    console.error('another archive run is in progress; nothing done');
    process.exitCode = 1;
    return;
  }
  console.log(`archived ${result.archived.length} partition(s) into ${config.archiveDir}${result.failed.length ? `, ${result.failed.length} failed (kept in the database)` : ''}`);
  if (result.failed.length > 0) process.exitCode = 1;
}

export async function archiveRestoreCommand(config: Config, table: string, day: string): Promise<void> {
  const restored = await withOwner(config, (client) => restoreArchive(client, table, day, config.archiveDir));
  console.log(`restored ${table} ${day}: ${restored.rows} rows from ${restored.path} (sha256 verified); \`siem archive drop ${table} ${day}\` removes it again`);
}

export async function archiveDropCommand(config: Config, table: string, day: string): Promise<void> {
  const archived = await withOwner(config, (client) => dropRestoredArchive(client, table, day, config.archiveDir));
  console.log(`dropped the restored ${table} ${day} after archiving it again: ${archived.rows} rows in ${archived.path}`);
}
