import '../bin/env.ts';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../bin/config.ts';
import { prepareDatabase } from '../db/runtime.ts';
import { printApiSchema, schemaFile } from './schema.ts';

// `npm run schema:export`: rewrites api/schema.graphql from the migrated database (embedded or DATABASE_URL).
const database = await prepareDatabase(loadConfig(), { migrate: true, log: (message) => console.error(message) });
try {
  writeFileSync(schemaFile, await printApiSchema(database.urls.authenticator));
  console.log(`wrote ${schemaFile.pathname}`);
} finally {
  await database.stop();
}
