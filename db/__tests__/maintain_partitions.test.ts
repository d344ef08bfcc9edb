import { Logger, type JobHelpers } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePartitionsMaintain } from '../../worker/tasks/partitions__maintain.ts';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const day = (offset: number) => {
  const date = new Date(Date.now() + offset * 86_400_000);
  return date.toISOString().slice(0, 10).replaceAll('-', '');
};

async function partitions(parent: string): Promise<string[]> {
  const { rows } = await db.pool.query(
    `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = $1::regclass order by 1`,
    [parent],
  );
  return rows.map((row) => row.relname);
}

describe('siem_private.maintain_partitions', () => {
  it('creates daily partitions from yesterday to N days ahead, and only once', async () => {
    await db.pool.query('select siem_private.maintain_partitions(12)');
    const again = await db.pool.query('select siem_private.maintain_partitions(12) as created');
    expect(again.rows[0].created).toBe(0);
    for (const parent of ['events', 'events_raw']) {
      const names = await partitions(`public.${parent}`);
      expect(names).toContain(`${parent}_p${day(-1)}`);
      expect(names).toContain(`${parent}_p${day(12)}`);
      expect(names).toContain(`${parent}_default`);
    }
  });

  it('spares the daily events_raw partitions (append-only, no index, dropped whole) insert-triggered vacuums, and only them', async () => {
    await db.pool.query('select siem_private.maintain_partitions(2)');
    const { rows } = await db.pool.query(
      `select c.relname, coalesce(c.reloptions, '{}') as options, coalesce(t.reloptions, '{}') as toast_options
       from pg_inherits i join pg_class c on c.oid = i.inhrelid left join pg_class t on t.oid = c.reltoastrelid
       where i.inhparent in ('public.events_raw'::regclass, 'public.events'::regclass)`,
    );
    const options = new Map(rows.map((row) => [row.relname as string, [...row.options, ...row.toast_options] as string[]]));
    expect(options.get(`events_raw_p${day(1)}`)).toEqual(['autovacuum_vacuum_insert_threshold=-1', 'autovacuum_vacuum_insert_threshold=-1']);
    expect(options.get(`events_raw_p${day(-1)}`)).toContain('autovacuum_vacuum_insert_threshold=-1');
    // the default partition's rows are deleted when their day gets a partition; events have indexes
    expect(options.get('events_raw_default')).toEqual([]);
    expect(options.get(`events_p${day(1)}`)).toEqual([]);
  });

  it('does not block inserts while it attaches a partition', async () => {
    const writer = await db.pool.connect();
    try {
      await writer.query('begin');
      await writer.query(
        `insert into events_raw (ts, agent, batch_id, batch_seq, host, source, raw) values (now(), 'a', gen_random_uuid(), 0, 'h', 's', 'x')`,
      );
      // The writer holds its locks; creating a future partition must still succeed at once.
      const created = await db.pool.query(`select siem_private.create_daily_partition('public.events', current_date + 40) as created`);
      expect(created.rows[0].created).toBe(true);
      await writer.query('commit');
    } finally {
      writer.release();
    }
  });

  it('lists index builds for finished days only, and the worker task builds them', async () => {
    const pending = await db.pool.query('select partition_name from siem_private.partition_indexes_to_build()');
    const names = new Set(pending.rows.map((row) => row.partition_name));
    expect(names.has(`events_p${day(-1)}`)).toBe(true);
    expect(names.has(`events_p${day(0)}`)).toBe(false);

    const task = makePartitionsMaintain(7);
    const helpers = {
      logger: new Logger(() => () => {}),
      withPgClient: async <T>(work: (client: import('pg').PoolClient) => Promise<T>) => {
        const client = await db.pool.connect();
        try {
          return await work(client);
        } finally {
          client.release();
        }
      },
    } as unknown as JobHelpers;
    await task({}, helpers);
    const after = await db.pool.query('select count(*)::int as n from siem_private.partition_indexes_to_build()');
    expect(after.rows[0].n).toBe(0);

    // A failed CREATE INDEX CONCURRENTLY leaves an invalid index: it is dropped and built again.
    const broken = `events_p${day(-1)}_enrichment_idx`;
    await db.pool.query(`update pg_index set indisvalid = false where indexrelid = $1::regclass`, [`siem_partitions.${broken}`]);
    const retry = await db.pool.query('select statement from siem_private.partition_indexes_to_build()');
    expect(retry.rows.map((row) => row.statement)).toEqual([
      `drop index concurrently if exists siem_partitions.${broken}`,
      expect.stringContaining(`create index concurrently if not exists ${broken}`),
    ]);
    await task({}, helpers);
    const valid = await db.pool.query(`select indisvalid from pg_index where indexrelid = $1::regclass`, [`siem_partitions.${broken}`]);
    expect(valid.rows).toEqual([{ indisvalid: true }]);

    const indexes = await db.pool.query(`select indexname from pg_indexes where tablename = $1 order by 1`, [`events_p${day(-1)}`]);
    expect(indexes.rows.map((row) => row.indexname)).toEqual(
      expect.arrayContaining([`events_p${day(-1)}_message_trgm_idx`, `events_p${day(-1)}_enrichment_idx`]),
    );
  });
});
