import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync, zstdDecompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { dropRestoredArchive, inspectArchive, listArchives, restoreArchive, runArchive } from '../../worker/archive.ts';

const context = useAgentDatabase();
const workDir = mkdtempSync(path.join(tmpdir(), 'siem-archive-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const dayOffset = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const rawDay = dayOffset(-5);
const eventDay = dayOffset(-40);
const settings = { archiveDir: path.join(workDir, 'archive'), rawRetentionDays: 2, eventRetentionDays: 30 };

/**
 * Row count and an order-independent hash of every column of one day of a table; for events the
 * enrichment as read (an archived event carries its addresses' contexts written into it).
 */
async function fingerprint(table: string, day: string): Promise<{ n: number; hash: string | null }> {
  const row = table === 'events' ? `(to_jsonb(t) || jsonb_build_object('enrichment', public.events_enrichment(t)))::text` : 't::text';
  const { rows } = await context.db.pool.query(
    `select count(*)::int as n, md5(string_agg(md5(${row}), '' order by md5(${row}))) as hash
     from public.${table} t where ts >= $1::date and ts < $1::date + 1`,
    [day],
  );
  return rows[0];
}

async function partitionExists(table: string, day: string): Promise<boolean> {
  const { rows } = await context.db.pool.query(
    `select 1 from pg_inherits where inhrelid = to_regclass($1) and inhparent = $2::regclass`,
    [`siem_partitions.${table}_p${day.replaceAll('-', '')}`, `public.${table}`],
  );
  return rows.length === 1;
}

async function seed(day: string, lines: number, source: string) {
  const timestamp = new Date(`${day}T12:00:00Z`);
  const batch = makeBatch(
    Array.from({ length: lines }, (_, i) => (i % 3 === 0 ? `{"user":"u${i}","action":"login","src_ip":"10.0.0.1","note":"tab\\there"}` : `sshd[${i}]: Accepted password for root from 10.0.0.${i % 250} port 22 ssh2`)),
    { timestamp, source },
  );
  await sendBatch(context.agentPool, 'archive-test', batch);
}

describe('archive: retention, export, restore, drop', () => {
  it('archives old days with a checksum and restores identical rows', async () => {
    const { pool } = context.db;
    for (const day of [rawDay, eventDay]) {
      await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
      await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [day]);
      await seed(day, 500, 'syslog');
    }
    // what enrichment knew about one of the addresses: archived events keep it
    await pool.query(`select siem_private.record_address_contexts('{"10.0.0.1": {"geoip": {"reserved": "private"}}}')`);
    const rawBefore = await fingerprint('events_raw', rawDay);
    const eventsBefore = await fingerprint('events', eventDay);
    expect(rawBefore.n).toBe(500);
    expect(eventsBefore.n).toBe(500);
    // events of rawDay are younger than the event retention and stay.
    const eventsOfRawDay = await fingerprint('events', rawDay);

    // Ingest keeps running (into today's partition) while the archive run detaches old ones.
    let stop = false;
    let sent = 0;
    const ingest = (async () => {
      while (!stop) {
        await seed(dayOffset(0), 50, 'live');
        sent++;
      }
    })();
    const archiver = await pool.connect();
    const result = await runArchive(archiver, settings).finally(() => {
      stop = true;
      archiver.release();
    });
    await ingest;
    expect(sent).toBeGreaterThan(0);
    expect(result.failed).toEqual([]);
    const archived = result.archived.map((a) => `${a.table} ${a.day}`);
    expect(archived).toEqual(expect.arrayContaining([`events_raw ${rawDay}`, `events_raw ${eventDay}`, `events ${eventDay}`]));
    expect(archived).not.toContain(`events ${rawDay}`);
    const live = await pool.query(`select count(*)::int as n from public.events where source = 'live'`);
    expect(live.rows[0].n).toBe(sent * 50);

    expect(await partitionExists('events_raw', rawDay)).toBe(false);
    expect(await fingerprint('events_raw', rawDay)).toEqual({ n: 0, hash: null });
    expect(await fingerprint('events', rawDay)).toEqual(eventsOfRawDay);

    const entries = await listArchives(pool);
    const rawEntry = entries.find((e) => e.table === 'events_raw' && e.day === rawDay)!;
    expect(rawEntry.rows).toBe(500);
    // The events day was archived after its raw day, in the same run: it refers to it for its messages.
    expect(entries.find((e) => e.table === 'events' && e.day === eventDay)!.messagesInRawDays).toEqual([eventDay]);
    const onDisk = await inspectArchive(rawEntry.path);
    expect(onDisk).toEqual({ sha256: rawEntry.sha256, bytes: rawEntry.bytes, rows: 500 });

    // Restore: searchable again, identical rows.
    const client = await pool.connect();
    try {
      expect(await restoreArchive(client, 'events_raw', rawDay)).toMatchObject({ rows: 500 });
      // Archives that moved to another SIEM_ARCHIVE_DIR are found there.
      const eventEntry = entries.find((e) => e.table === 'events' && e.day === eventDay)!;
      const movedDir = path.join(workDir, 'moved');
      const movedFile = path.join(movedDir, path.relative(settings.archiveDir, eventEntry.path));
      mkdirSync(path.dirname(movedFile), { recursive: true });
      renameSync(eventEntry.path, movedFile);
      expect(await restoreArchive(client, 'events', eventDay, movedDir)).toMatchObject({ rows: 500, path: movedFile });
      expect(await partitionExists('events_raw', rawDay)).toBe(true);
      expect(await fingerprint('events_raw', rawDay)).toEqual(rawBefore);
      expect(await fingerprint('events', eventDay)).toEqual(eventsBefore);
      const written = await pool.query(`select count(*)::int as n from public.events where ts >= $1::date and ts < $1::date + 1 and enrichment -> 'geoip' -> 'src_ip' ->> 'reserved' = 'private'`, [eventDay]);
      expect(written.rows[0].n).toBe(167);
      const analyst = await context.db.asRole('siem_analyst', (c) => c.query(`select count(*)::int as n from public.events where ts >= $1::date and ts < $1::date + 1`, [eventDay]));
      expect(analyst.rows[0].n).toBe(500);

      // A restored day is not archived again; drop removes it and keeps the archive.
      const again = await runArchive(client, settings);
      expect(again.archived).toEqual([]);
      // A line of that day that arrives while it is restored lands in it; dropping archives it too.
      await seed(rawDay, 1, 'late');
      const withLate = await fingerprint('events_raw', rawDay);
      expect(withLate.n).toBe(501);
      const replaced = await dropRestoredArchive(client, 'events_raw', rawDay, settings.archiveDir);
      expect(replaced.rows).toBe(501);
      expect(await partitionExists('events_raw', rawDay)).toBe(false);
      expect(await fingerprint('events_raw', rawDay)).toEqual({ n: 0, hash: null });
      const after = (await listArchives(pool)).find((e) => e.table === 'events_raw' && e.day === rawDay)!;
      expect(after).toMatchObject({ restoredAt: null, rows: 501, path: replaced.path });
      expect(existsSync(rawEntry.path)).toBe(false);
      await expect(dropRestoredArchive(client, 'events_raw', rawDay, settings.archiveDir)).rejects.toThrow(/not restored/);
      expect(await restoreArchive(client, 'events_raw', rawDay)).toMatchObject({ rows: 501 });
      expect(await fingerprint('events_raw', rawDay)).toEqual(withLate);
      await dropRestoredArchive(client, 'events_raw', rawDay, settings.archiveDir);
      const latest = (await listArchives(pool)).find((e) => e.table === 'events_raw' && e.day === rawDay)!;

      // A damaged file is refused and nothing is attached.
      const bytes = readFileSync(latest.path);
      bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
      writeFileSync(latest.path, bytes);
      await expect(restoreArchive(client, 'events_raw', rawDay)).rejects.toThrow(/sha256|damaged|cannot read/);
      expect(await partitionExists('events_raw', rawDay)).toBe(false);
      await expect(restoreArchive(client, 'events_raw', '2020-13-01')).rejects.toThrow(/not a day/);
      await expect(restoreArchive(client, 'quarantine', rawDay)).rejects.toThrow(/unknown table/);
    } finally {
      client.release();
    }
  });

  it('keeps the partition, attached and complete, when the export fails', async () => {
    const { pool } = context.db;
    const day = dayOffset(-7);
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
    await seed(day, 200, 'syslog');
    const before = await fingerprint('events_raw', day);
    // A file where the archive directory should be: root can write anywhere else.
    const blocker = path.join(workDir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const client = await pool.connect();
    try {
      const result = await runArchive(client, { ...settings, archiveDir: path.join(blocker, 'archive') });
      expect(result.failed.map((f) => `${f.table} ${f.day}`)).toContain(`events_raw ${day}`);
      expect(await partitionExists('events_raw', day)).toBe(true);
      expect(await fingerprint('events_raw', day)).toEqual(before);
      const index = await pool.query(`select count(*)::int as n from public.archive_index where day = $1`, [day]);
      expect(index.rows[0].n).toBe(0);

      // A partition left detached by an interrupted run is attached again by the next run.
      await pool.query(`select siem_private.detach_daily_partition('events_raw', $1)`, [day]);
      expect(await partitionExists('events_raw', day)).toBe(false);
      const retry = await runArchive(client, settings);
      expect(retry.archived.map((a) => `${a.table} ${a.day}`)).toContain(`events_raw ${day}`);
      const entry = (await listArchives(pool)).find((e) => e.table === 'events_raw' && e.day === day)!;
      expect(entry.rows).toBe(200);
    } finally {
      client.release();
    }
  });

  it('writes zstd files in a compression-friendly order and still restores gzip archives of before', async () => {
    const { pool } = context.db;
    const day = dayOffset(-9);
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
    await seed(day, 100, 'syslog');
    const before = await fingerprint('events_raw', day);
    const client = await pool.connect();
    try {
      await runArchive(client, settings);
      const entry = (await listArchives(pool)).find((e) => e.table === 'events_raw' && e.day === day)!;
      expect(entry.path).toMatch(/events_raw_p\d{8}\.copy\.zst$/);
      const text = zstdDecompressSync(readFileSync(entry.path));
      expect(text.toString().split('\n').filter(Boolean)).toHaveLength(100);
      // An archive written by the gzip version: same COPY text, .copy.gz, its own sha256.
      const gz = gzipSync(text);
      const gzPath = entry.path.replace(/\.copy\.zst$/, '.copy.gz');
      writeFileSync(gzPath, gz);
      rmSync(entry.path);
      await pool.query(`update public.archive_index set path = $1, bytes = $2, sha256 = $3 where table_name = 'events_raw' and day = $4`, [
        gzPath,
        gz.length,
        createHash('sha256').update(gz).digest('hex'),
        day,
      ]);
      expect(await restoreArchive(client, 'events_raw', day)).toMatchObject({ rows: 100, path: gzPath });
      expect(await fingerprint('events_raw', day)).toEqual(before);
    } finally {
      client.release();
    }
  });

  it('lets only the admin read archive_index', async () => {
    const admin = await context.db.asRole('siem_admin', (c) => c.query('select count(*)::int as n from public.archive_index'));
    expect(admin.rows[0].n).toBeGreaterThan(0);
    await expect(context.db.asRole('siem_analyst', (c) => c.query('select 1 from public.archive_index'))).rejects.toThrow(/permission denied/);
    await expect(context.db.asRole('siem_agent', (c) => c.query('select 1 from public.archive_index'))).rejects.toThrow(/permission denied/);
  });
});
