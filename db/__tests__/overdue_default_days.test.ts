import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { listArchives, restoreArchive, runArchive } from '../../worker/archive.ts';

const context = useAgentDatabase();
const workDir = mkdtempSync(path.join(tmpdir(), 'siem-archive-defaults-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const dayOffset = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const settings = { archiveDir: path.join(workDir, 'archive'), rawRetentionDays: 2, eventRetentionDays: 30 };

async function seed(day: string, lines: number, source: string) {
  const batch = makeBatch(
    Array.from({ length: lines }, (_, i) => `sshd[${i}]: Accepted password for root from 10.0.0.${i % 250} port 22 ssh2`),
    { timestamp: new Date(`${day}T12:00:00Z`), source },
  );
  await sendBatch(context.agentPool, 'archive-defaults-test', batch);
}

async function fingerprint(table: string, day: string): Promise<{ n: number; hash: string | null }> {
  const { rows } = await context.db.pool.query(
    `select count(*)::int as n, md5(string_agg(md5(t::text), '' order by md5(t::text))) as hash
     from public.${table} t where ts >= $1::date and ts < $1::date + 1`,
    [day],
  );
  return rows[0];
}

const inDefault = async (table: string) =>
  (await context.db.pool.query(`select count(*)::int as n from siem_partitions.${table}_default`)).rows[0].n as number;

const overdue = async () =>
  (
    await context.db.pool.query(
      `select table_name, to_char(day, 'YYYY-MM-DD') as day, rows::int, archived from siem_private.overdue_default_days(2, 30)`,
    )
  ).rows;

describe('siem_private.overdue_default_days and the archive of default partitions', () => {
  it('lists the days of default-partition rows past the retention, and the archive run archives them', async () => {
    const { pool } = context.db;
    const old = dayOffset(-60); // no partition: events_raw and events rows land in the defaults
    const recentRaw = dayOffset(-10); // past the raw retention, within the events retention
    await seed(old, 30, 'syslog');
    await seed(recentRaw, 20, 'syslog');
    expect(await overdue()).toEqual([
      { table_name: 'events', day: old, rows: 30, archived: false },
      { table_name: 'events_raw', day: old, rows: 30, archived: false },
      { table_name: 'events_raw', day: recentRaw, rows: 20, archived: false },
    ]);
    const rawBefore = await fingerprint('events_raw', old);
    const eventsBefore = await fingerprint('events', old);

    const client = await pool.connect();
    try {
      const result = await runArchive(client, settings);
      expect(result.failed).toEqual([]);
      expect(result.archived.map((a) => `${a.table} ${a.day} ${a.rows}`).sort()).toEqual(
        [`events ${old} 30`, `events_raw ${old} 30`, `events_raw ${recentRaw} 20`].sort(),
      );
      expect(await overdue()).toEqual([]);
      expect(await inDefault('events_raw')).toBe(0);
      expect(await inDefault('events')).toBe(20); // recentRaw's events are within their retention
      expect(await fingerprint('events_raw', old)).toEqual({ n: 0, hash: null });

      // Back from the archive, identical.
      await restoreArchive(client, 'events_raw', old);
      await restoreArchive(client, 'events', old);
      expect(await fingerprint('events_raw', old)).toEqual(rawBefore);
      expect(await fingerprint('events', old)).toEqual(eventsBefore);
    } finally {
      client.release();
    }
  });

  it('archives late rows of a day that is archived already together with its archive', async () => {
    const { pool } = context.db;
    const day = dayOffset(-45);
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [day]);
    await seed(day, 40, 'syslog');
    const client = await pool.connect();
    try {
      const first = await runArchive(client, settings);
      expect(first.archived.map((a) => `${a.table} ${a.day} ${a.rows}`)).toEqual(expect.arrayContaining([`events_raw ${day} 40`, `events ${day} 40`]));
      const firstPath = (await listArchives(pool)).find((e) => e.table === 'events_raw' && e.day === day)!.path;

      // Lines of that day arrive after it was archived: they land in the default partitions.
      await seed(day, 5, 'late');
      expect(await overdue()).toEqual([
        { table_name: 'events', day, rows: 5, archived: true },
        { table_name: 'events_raw', day, rows: 5, archived: true },
      ]);
      const rawWithLate = await fingerprint('events_raw', day);
      const eventsWithLate = await fingerprint('events', day);
      expect(rawWithLate.n).toBe(5);

      const second = await runArchive(client, settings);
      expect(second.failed).toEqual([]);
      expect(second.archived.map((a) => `${a.table} ${a.day} ${a.rows}`).sort()).toEqual([`events ${day} 45`, `events_raw ${day} 45`]);
      expect(await overdue()).toEqual([]);
      const entry = (await listArchives(pool)).find((e) => e.table === 'events_raw' && e.day === day)!;
      expect(entry).toMatchObject({ rows: 45, restoredAt: null });
      expect(entry.path).not.toBe(firstPath);

      await restoreArchive(client, 'events_raw', day);
      const restored = await fingerprint('events_raw', day);
      expect(restored.n).toBe(45);
      const lateRows = await pool.query(`select count(*)::int as n from public.events_raw where ts >= $1::date and ts < $1::date + 1 and source = 'late'`, [day]);
      expect(lateRows.rows[0].n).toBe(5);
      expect(eventsWithLate.n).toBe(5);
    } finally {
      client.release();
    }
  });
});
