import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { printApiSchema, schemaFile } from '../schema.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe('api/schema.graphql', () => {
  it('is the schema PostGraphile builds from the migrations (regenerate: npm run schema:export)', async () => {
    const current = await printApiSchema(db.urls.authenticator);
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(schemaFile, current);
    expect(readFileSync(schemaFile, 'utf8')).toBe(current);
  });
});
