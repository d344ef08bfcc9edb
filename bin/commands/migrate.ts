import type { Config } from '../config.ts';
import { prepareDatabase, redact } from '../../db/runtime.ts';

export async function migrateCommand(config: Config): Promise<void> {
  const database = await prepareDatabase(config, { migrate: true, log: (message) => console.log(message) });
  console.log(`database ready: ${redact(database.urls.owner)} (PostgreSQL ${database.serverVersion})`);
  await database.stop();
}
