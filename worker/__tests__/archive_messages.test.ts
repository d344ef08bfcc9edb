import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zstdDecompressSync } from 'node:zlib';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { dropRestoredArchive, listArchives, restoreArchive, runArchive } from '../archive.ts';

/** Events archives leave out the messages that the raw archives of their lines' days hold. */

const context = useAgentDatabase();
const workDir = mkdtempSync(path.join(tmpdir(), 'siem-archive-messages-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const dayOffset = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const day = dayOffset(-40);
const settings = { archiveDir: path.join(workDir, 'archive'), rawRetentionDays: 2, eventRetentionDays: 30 };
// Not valid UTF-8: message holds a sanitized copy, raw_bytes the exact bytes.
const binaryLine = Buffer.from([0x66, 0x61, 0x69, 0x6c, 0x20, 0xff, 0xfe, 0x20, 0x75, 0x73, 0x65, 0x72, 0x3d, 0xc3]);

/** Count and an order-independent hash of every column (enrichment as read) of the day's events. */
async function fingerprint(table = 'events', ofDay = day): Promise<{ n: number; hash: string | null }> {
  const row = table === 'events' ? `(to_jsonb(t) || jsonb_build_object('enrichment', public.events_enrichment(t)))::text` : 't::text';
  const { rows } = await context.db.pool.query(
    `select count(*)::int as n, md5(string_agg(md5(${row}), '' order by md5(${row}))) as hash
     from public.${table} t where ts >= $1::date and ts < $1::date + 1`,
    [ofDay],
  );
  return rows[0];
}

async function archiveRow(table: string, ofDay = day) {
  return (await listArchives(context.db.pool)).find((e) => e.table === table && e.day === ofDay);
}

async function withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await context.db.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** The decompressed COPY rows of an archive file, split into columns. */
function archivedRows(file: string): string[][] {
  return zstdDecompressSync(readFileSync(file))
    .toString('latin1')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
}

describe('events archives that refer to the raw archives for their messages', () => {
  let before: { n: number; hash: string | null };
  let binaryRow: { message: string; raw_bytes: Buffer };

  it('leaves out the messages of events whose raw line is archived, keeps the others', async () => {
    const { pool } = context.db;
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [day]);
    const lines: (string | Buffer)[] = Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0 ? `{"user":"u${i}","action":"login","note":"tab\\there \\\\ back"}` : `sshd[${i}]: Accepted password for root from 10.0.0.${i % 250} port 22 ssh2`,
    );
    lines.push(binaryLine);
    await sendBatch(context.agentPool, 'archive-messages', makeBatch(lines, { timestamp: new Date(`${day}T12:00:00Z`), source: 'syslog' }));
    // Lines of that day whose raw row is hot (received today, stamped with their own time): not archived.
    const stamped = Array.from({ length: 20 }, (_, i) => `{"timestamp":"${day}T08:00:${String(i).padStart(2, '0')}Z","user":"late${i}"}`);
    await sendBatch(context.agentPool, 'archive-messages', makeBatch(stamped, { source: 'json' }));
    // An event whose message no longer equals its raw line keeps it.
    await pool.query(`update public.events set message = message || ' (edited)' where ts >= $1::date and ts < $1::date + 1 and message like 'sshd[1]:%'`, [day]);
    const shape = await pool.query(
      `select count(*)::int as n, count(*) filter (where raw_ts >= $1::date + 1)::int as hot_raw from public.events where ts >= $1::date and ts < $1::date + 1`,
      [day],
    );
    expect(shape.rows[0]).toEqual({ n: 321, hot_raw: 20 });
    binaryRow = (await pool.query(`select message, raw_bytes from public.events where raw_bytes is not null and ts >= $1::date and ts < $1::date + 1`, [day])).rows[0];
    expect(binaryRow.raw_bytes.equals(binaryLine)).toBe(true);
    before = await fingerprint();

    const result = await withClient(async (client) => {
      const workMem = (await client.query('show work_mem')).rows[0].work_mem;
      const run = await runArchive(client, settings);
      // The larger work_mem of the joins with the raw lines ends with them.
      expect((await client.query('show work_mem')).rows[0].work_mem).toBe(workMem);
      return run;
    });
    expect(result.failed).toEqual([]);
    // events_raw first, so the events archive of the same run refers to it.
    const order = result.archived.filter((a) => a.day === day).map((a) => a.table);
    expect(order).toEqual(['events_raw', 'events']);

    const entry = (await archiveRow('events'))!;
    expect(entry.messagesInRawDays).toEqual([day]);
    expect((await archiveRow('events_raw'))!.messagesInRawDays).toBeNull();
    const entryColumns = (await pool.query(`select columns from public.archive_index where table_name = 'events' and day = $1`, [day])).rows[0].columns as string[];
    const message = entryColumns.indexOf('message');
    const rawBytes = entryColumns.indexOf('raw_bytes');
    const rows = archivedRows(entry.path);
    expect(rows).toHaveLength(321);
    // 301 lines of that day, one of them edited; the 20 hot ones keep theirs.
    expect(rows.filter((r) => r[message] === '\\N')).toHaveLength(300);
    expect(rows.filter((r) => r[message] === '\\N' && r[rawBytes] !== '\\N')).toHaveLength(0);
    expect(rows.filter((r) => r[message]!.endsWith('(edited)'))).toHaveLength(1);
    expect(rows.filter((r) => r[message]!.includes('late'))).toHaveLength(20);
  });

  it('restores identical rows from the raw archive after the raw partition is gone', async () => {
    expect(await fingerprint('events_raw')).toEqual({ n: 0, hash: null });
    expect(await withClient((client) => restoreArchive(client, 'events', day))).toMatchObject({ rows: 321 });
    expect(await fingerprint()).toEqual(before);
    const { rows } = await context.db.pool.query(`select message, raw_bytes from public.events where raw_bytes is not null and ts >= $1::date and ts < $1::date + 1`, [day]);
    expect(rows).toEqual([binaryRow]);
    // The raw day stays archived: restoring events does not restore raw lines.
    expect(await fingerprint('events_raw')).toEqual({ n: 0, hash: null });

    // Dropping it archives it again, still referring to the raw archive.
    const again = await withClient((client) => dropRestoredArchive(client, 'events', day, settings.archiveDir));
    expect(again.messagesInRawDays).toEqual([day]);
    expect(await fingerprint()).toEqual({ n: 0, hash: null });
  });

  it('takes the messages from the raw partition while the raw day is restored, and from its new file once dropped', async () => {
    await withClient(async (client) => {
      await restoreArchive(client, 'events_raw', day);
      const rawPath = (await archiveRow('events_raw'))!.path;
      await restoreArchive(client, 'events', day);
      expect(await fingerprint()).toEqual(before);
      await dropRestoredArchive(client, 'events', day, settings.archiveDir);
      // siem archive drop of the raw day replaces its file: events find it by table and day.
      const replaced = await dropRestoredArchive(client, 'events_raw', day, settings.archiveDir);
      expect(replaced.path).not.toBe(rawPath);
      expect(existsSync(rawPath)).toBe(false);
      await restoreArchive(client, 'events', day);
      expect(await fingerprint()).toEqual(before);
      await dropRestoredArchive(client, 'events', day, settings.archiveDir);
    });
  });

  it('restores nothing, and names the raw day, when the raw archive is missing or damaged', async () => {
    const rawPath = (await archiveRow('events_raw'))!.path;
    const aside = `${rawPath}.aside`;
    renameSync(rawPath, aside);
    await withClient(async (client) => {
      await expect(restoreArchive(client, 'events', day)).rejects.toThrow(new RegExp(`events ${day} needs the events_raw archives of ${day}.*missing.*nothing was restored`));
      expect(await fingerprint()).toEqual({ n: 0, hash: null });
      expect((await archiveRow('events'))!.restoredAt).toBeNull();
      const bytes = readFileSync(aside);
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
      writeFileSync(rawPath, bytes);
      await expect(restoreArchive(client, 'events', day)).rejects.toThrow(new RegExp(`needs the events_raw archives of ${day}.*(damaged|cannot be read).*nothing was restored`));
      expect(await fingerprint()).toEqual({ n: 0, hash: null });
      // The session is usable and no temporary table is left behind.
      const temps = await client.query(`select count(*)::int as n from pg_class where relnamespace = pg_my_temp_schema()`);
      expect(temps.rows[0].n).toBe(0);
      renameSync(aside, rawPath);
      await restoreArchive(client, 'events', day);
      expect(await fingerprint()).toEqual(before);
      await dropRestoredArchive(client, 'events', day, settings.archiveDir);
    });
  });

  it('archives an events day whose raw lines are not archived with every message, and restores archives written before', async () => {
    const { pool } = context.db;
    const other = dayOffset(-45);
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [other]);
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [other]);
    await sendBatch(context.agentPool, 'archive-messages', makeBatch(['kept 1', binaryLine, 'kept 3'], { timestamp: new Date(`${other}T06:00:00Z`) }));
    const otherBefore = await fingerprint('events', other);
    // The raw day stays hot (a long raw retention): nothing to refer to.
    const result = await withClient((client) => runArchive(client, { ...settings, rawRetentionDays: 1000 }));
    expect(result.archived.map((a) => `${a.table} ${a.day}`)).toEqual([`events ${other}`]);
    const entry = (await archiveRow('events', other))!;
    expect(entry.messagesInRawDays).toBeNull();
    const columns = (await pool.query(`select columns from public.archive_index where table_name = 'events' and day = $1`, [other])).rows[0].columns as string[];
    const messages = archivedRows(entry.path).map((r) => r[columns.indexOf('message')]);
    expect(messages).toHaveLength(3);
    expect(messages).not.toContain('\\N');
    // An archive of before 000028 (no messages_in_raw_days, every message in the file).
    await pool.query(`update public.archive_index set messages_in_raw_days = null where table_name = 'events' and day = $1`, [other]);
    await withClient((client) => restoreArchive(client, 'events', other));
    expect(await fingerprint('events', other)).toEqual(otherBefore);
  });
  it('keeps the messages when a raw archive cannot be read at export time, and says so', async () => {
    const { pool } = context.db;
    const third = dayOffset(-42);
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [third]);
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [third]);
    await sendBatch(context.agentPool, 'archive-messages', makeBatch(['alpha', 'beta'], { timestamp: new Date(`${third}T06:00:00Z`) }));
    const thirdBefore = await fingerprint('events', third);
    await withClient((client) => runArchive(client, { ...settings, eventRetentionDays: 1000 }));
    const rawPath = (await archiveRow('events_raw', third))!.path;
    writeFileSync(rawPath, 'not zstd');
    const logged: string[] = [];
    const result = await withClient((client) => runArchive(client, { ...settings, log: (line) => logged.push(line) }));
    expect(result.failed).toEqual([]);
    expect(logged.join('\n')).toMatch(new RegExp(`events of raw day ${third} keep their messages in the archive: .*${third}`));
    expect((await archiveRow('events', third))!.messagesInRawDays).toBeNull();
    // It restores without the (broken) raw archive.
    await withClient((client) => restoreArchive(client, 'events', third));
    expect(await fingerprint('events', third)).toEqual(thirdBefore);
  });
  it('refers to every archived raw day its events come from', async () => {
    const { pool } = context.db;
    const [first, second] = [dayOffset(-47), dayOffset(-46)];
    for (const d of [first, second]) {
      await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [d]);
      await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [d]);
    }
    await sendBatch(context.agentPool, 'archive-messages', makeBatch(['on the day 1', binaryLine], { timestamp: new Date(`${first}T10:00:00Z`) }));
    // Received the next day, stamped with a time of the first: raw row on `second`, event on `first`.
    const stamped = [`{"timestamp":"${first}T23:59:59Z","user":"next"}`, `{"timestamp":"${first}T23:59:58Z","user":"next2"}`];
    await sendBatch(context.agentPool, 'archive-messages', makeBatch(stamped, { timestamp: new Date(`${second}T00:00:05Z`), source: 'json' }));
    const firstBefore = await fingerprint('events', first);
    expect(firstBefore.n).toBe(4);
    await withClient((client) => runArchive(client, settings));
    expect((await archiveRow('events', first))!.messagesInRawDays).toEqual([first, second]);
    const secondPath = (await archiveRow('events_raw', second))!.path;
    renameSync(secondPath, `${secondPath}.aside`);
    await withClient(async (client) => {
      await expect(restoreArchive(client, 'events', first)).rejects.toThrow(new RegExp(`needs the events_raw archives of ${first}, ${second} .*archive of ${second} is missing`));
      renameSync(`${secondPath}.aside`, secondPath);
      await restoreArchive(client, 'events', first);
    });
    expect(await fingerprint('events', first)).toEqual(firstBefore);
  });
});
