import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

/**
 * siem_private.archived_raw_days (which raw archives an events partition may refer to for its
 * messages), the order of siem_private.archive_candidates (raw before events on a day), and the
 * archive_index trigger that keeps a raw archive an events archive refers to.
 */

const context = useAgentDatabase();
const dayOffset = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const day = dayOffset(-40);
const sha = 'a'.repeat(64);

async function indexArchive(table: string, ofDay: string, messagesInRawDays: string[] | null = null) {
  await context.db.pool.query(
    `insert into public.archive_index (table_name, day, path, columns, row_count, bytes, sha256, messages_in_raw_days)
     values ($1, $2, '/nowhere', '{id}', 0, 0, $3, $4::date[])`,
    [table, ofDay, sha, messagesInRawDays],
  );
}

describe('siem_private.archived_raw_days', () => {
  it('lists the archived raw days of the events in a partition', async () => {
    const { pool } = context.db;
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [day]);
    // Raw rows of `day` (envelope time) and of today (lines stamped with a time of `day`).
    await sendBatch(context.agentPool, 'raw-days', makeBatch(['one', 'two'], { timestamp: new Date(`${day}T23:00:00Z`) }));
    await sendBatch(context.agentPool, 'raw-days', makeBatch([`{"timestamp":"${day}T08:00:00Z","user":"x"}`], { source: 'json' }));
    const partition = `siem_partitions.events_p${day.replaceAll('-', '')}`;
    const days = async () => (await pool.query(`select to_char(d, 'YYYY-MM-DD') as d from siem_private.archived_raw_days($1) d`, [partition])).rows.map((r) => r.d);
    expect(await days()).toEqual([]);
    await indexArchive('events_raw', day);
    expect(await days()).toEqual([day]);
    await indexArchive('events_raw', dayOffset(0));
    expect(await days()).toEqual([day, dayOffset(0)]);
  });
});

describe('siem_private.archive_candidates', () => {
  it('puts every events_raw day before the events days, oldest first', async () => {
    const { pool } = context.db;
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [dayOffset(-41)]);
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [dayOffset(-41)]);
    const { rows } = await pool.query(`select table_name, to_char(day, 'YYYY-MM-DD') as day from siem_private.archive_candidates(2, 30)`);
    expect(rows.filter((r) => r.day === dayOffset(-41)).map((r) => r.table_name)).toEqual(['events_raw', 'events']);
    const tables = rows.map((r) => r.table_name);
    expect(tables).toEqual([...tables].sort().reverse());
    for (const table of ['events_raw', 'events']) {
      const days = rows.filter((r) => r.table_name === table).map((r) => r.day);
      expect(days).toEqual([...days].sort());
    }
  });
});

describe('archive_index: raw archives that events archives refer to', () => {
  it('refuses to delete or re-key them, allows replacing their file', async () => {
    const { pool } = context.db;
    const rawDay = dayOffset(-50);
    await indexArchive('events_raw', rawDay);
    await indexArchive('events', dayOffset(-49), [rawDay]);
    await expect(pool.query(`delete from public.archive_index where table_name = 'events_raw' and day = $1`, [rawDay])).rejects.toThrow(
      new RegExp(`events_raw archive of ${rawDay} holds the messages of events archives \\(${dayOffset(-49)}\\)`),
    );
    await expect(pool.query(`update public.archive_index set day = day - 1 where table_name = 'events_raw' and day = $1`, [rawDay])).rejects.toThrow(/cannot be removed/);
    await pool.query(`update public.archive_index set path = '/elsewhere', sha256 = $2 where table_name = 'events_raw' and day = $1`, [rawDay, 'b'.repeat(64)]);
    // Once no events archive names it, it may go.
    await pool.query(`delete from public.archive_index where table_name = 'events' and day = $1`, [dayOffset(-49)]);
    await pool.query(`delete from public.archive_index where table_name = 'events_raw' and day = $1`, [rawDay]);
  });

  it('records referred raw days only for events archives', async () => {
    await expect(indexArchive('events_raw', dayOffset(-60), [dayOffset(-60)])).rejects.toThrow(/messages_in_raw_days_check/);
  });
});
