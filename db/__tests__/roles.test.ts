import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const exposedTables = ['events', 'quarantine', 'ingest_batches', 'events_raw'];

describe('roles and grants', () => {
  it('lets the agent write raw lines and batches but read nothing', async () => {
    for (const table of exposedTables) {
      await expect(db.asRole('siem_agent', (c) => c.query(`select 1 from ${table} limit 1`))).rejects.toThrow(/permission denied/);
    }
    await expect(
      db.asRole('siem_agent', (c) => c.query("insert into events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message) values (now(), now(), 1, now(), gen_random_uuid(), 's', 'h', 't', 'm')")),
    ).rejects.toThrow(/permission denied/);
  });

  it('lets anonymous read nothing', async () => {
    for (const table of exposedTables) {
      await expect(db.asRole('siem_anonymous', (c) => c.query(`select 1 from ${table} limit 1`))).rejects.toThrow(/permission denied/);
    }
  });

  it('lets analysts read events, quarantine and batches but not raw lines, and write none of them', async () => {
    for (const table of ['events', 'quarantine', 'ingest_batches']) {
      await expect(db.asRole('siem_analyst', (c) => c.query(`select 1 from ${table} limit 1`))).resolves.toBeDefined();
    }
    await expect(db.asRole('siem_analyst', (c) => c.query('select 1 from events_raw limit 1'))).rejects.toThrow(/permission denied/);
    await expect(db.asRole('siem_analyst', (c) => c.query('delete from events'))).rejects.toThrow(/permission denied/);
  });

  it('grants nothing on partitions, where RLS of the parent would not apply', async () => {
    const { rows } = await db.pool.query(
      `select c.relname, c.relacl::text from pg_class c
       where c.relnamespace = 'siem_partitions'::regnamespace and c.relkind = 'r' and c.relacl is not null`,
    );
    expect(rows.filter((row) => /siem_(analyst|admin|agent|anonymous|authenticator)/.test(row.relacl))).toEqual([]);
    await expect(db.asRole('siem_analyst', (c) => c.query('select 1 from siem_partitions.events_default'))).rejects.toThrow(/permission denied/);
  });

  it('enables row-level security on every table the API exposes', async () => {
    const { rows } = await db.pool.query(
      `select relname from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relrowsecurity order by 1`,
    );
    // events_raw is the COPY landing table: COPY FROM refuses RLS, so it is hidden from the API instead.
    expect(rows.map((row) => row.relname)).toEqual(['events_raw']);
  });
});
