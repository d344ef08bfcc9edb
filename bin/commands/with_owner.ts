import type pg from 'pg';
import type { Config } from '../config.ts';
import { prepareDatabase } from '../../db/runtime.ts';
import { withClient } from '../../db/setup.ts';

/** Runs `work` as the database owner: on the embedded server (started if needed) or DATABASE_URL. */
export async function withOwner<T>(config: Config, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const database = await prepareDatabase(config, { migrate: !config.databaseUrl, log: (message) => console.error(message) });
  try {
    return await withClient(database.urls.owner, work);
  } finally {
    await database.stop();
  }
}
