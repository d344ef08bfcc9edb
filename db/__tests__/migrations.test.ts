import { readdirSync } from 'node:fs';
import { inject } from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, withClient } from '../setup.ts';
import { roles, withCredentials } from '../urls.ts';

const { superuserUrl, secrets } = inject('testDatabase');
const name = `siem_test_empty_${process.pid}`;
const ownerUrl = withCredentials(superuserUrl, roles.owner, secrets.ownerPassword, name);

afterAll(async () => {
  await withClient(superuserUrl, (c) => c.query(`drop database if exists ${name} with (force)`));
});

describe('migrations', () => {
  it('apply to an empty database, then are a no-op', async () => {
    await withClient(superuserUrl, (c) => c.query(`create database ${name} owner ${roles.owner}`));
    await migrateDatabase({ ownerUrl });
    await migrateDatabase({ ownerUrl });
    const tables = await withClient(ownerUrl, (c) =>
      c.query(`select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by 1`),
    );
    expect(tables.rows.map((row) => row.relname)).toEqual(expect.arrayContaining(['events', 'events_raw', 'grok_patterns', 'ingest_batches', 'quarantine']));
    const worker = await withClient(ownerUrl, (c) => c.query(`select count(*)::int as n from pg_namespace where nspname = 'graphile_worker'`));
    expect(worker.rows[0].n).toBe(1);
    const applied = await withClient(ownerUrl, (c) => c.query('select filename from graphile_migrate.migrations order by filename'));
    const committed = readdirSync(new URL('../migrations/committed/', import.meta.url)).length;
    expect(applied.rows.map((row) => row.filename)).toEqual(Array.from({ length: committed }, (_, i) => `${String(i + 1).padStart(6, '0')}.sql`));
  });
});
