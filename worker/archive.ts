import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createZstdCompress, createZstdDecompress } from 'node:zlib';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/**
 * Retention: daily partitions older than the retention are detached, exported as zstd-compressed
 * COPY text with a sha256, checked by reading the file back, recorded in archive_index and dropped
 * in that same transaction. Anything that fails before the drop attaches the partition again, so
 * a failed export never loses a row. SQL decides what and how to (de)attach (migration 000014).
 */

export const archivedTables = ['events_raw', 'events'] as const;
export type ArchivedTable = (typeof archivedTables)[number];

export interface ArchiveSettings {
  archiveDir: string;
  rawRetentionDays: number;
  eventRetentionDays: number;
  log?: (message: string) => void;
}

export interface ArchivedDay {
  table: ArchivedTable;
  day: string;
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** events archives: the raw days whose archives hold the messages this file leaves out; else null. */
  messagesInRawDays: string[] | null;
}

export interface ArchiveRunResult {
  archived: ArchivedDay[];
  failed: { table: string; day: string; error: string }[];
  /** False when another archive run held the lock, so this one did nothing. */
  ran: boolean;
}

export class ArchiveError extends Error {}

/** A raw archive an events archive refers to for its messages is missing, damaged or incomplete. */
class RawLinesError extends ArchiveError {}

/** One archive operation at a time per database (worker crontab and CLI alike). */
const archiveLockKey = 0x5153_0001;

async function withArchiveLock<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T | undefined> {
  const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [archiveLockKey]);
  if (!rows[0]?.locked) return undefined;
  try {
    return await work();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [archiveLockKey]);
  }
}

export function assertArchivedTable(table: string): ArchivedTable {
  if (!(archivedTables as readonly string[]).includes(table)) {
    throw new ArchiveError(`unknown table ${JSON.stringify(table)}: archives exist for ${archivedTables.join(' and ')}`);
  }
  return table as ArchivedTable;
}

export function assertDay(day: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
    throw new ArchiveError(`${JSON.stringify(day)} is not a day: use YYYY-MM-DD (UTC)`);
  }
  return day;
}

const compact = (day: string) => day.replaceAll('-', '');
const partitionName = (table: ArchivedTable, day: string) => `${table}_p${compact(day)}`;

export function archiveFile(archiveDir: string, table: ArchivedTable, day: string): string {
  return path.join(archiveDir, table, day.slice(0, 4), `${partitionName(table, day)}.copy.zst`);
}

/**
 * zstd level 9 (node:zlib, no native dependency): smaller than the gzip -6 of earlier versions and
 * faster (docs/operations.md has the measured levels; 19 is a fifth smaller but ~20 times slower,
 * and the partition is detached while it is written). Archives written before (`.copy.gz`) still
 * read back with gunzip.
 */
const compressor = () => createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: 9 } });
const decompressor = (file: string) => (file.endsWith('.gz') ? createGunzip() : createZstdDecompress());

/**
 * Rows in an order that puts similar lines next to each other (same source and host, for events
 * also the same event_type, so their metadata share keys and values), which the compressor
 * rewards; a restore does not depend on the order.
 */
const exportOrder: Record<ArchivedTable, string> = {
  events_raw: 'e.source, e.host, e.ts, e.id',
  events: 'e.event_type, e.source, e.host, e.ts, e.id',
};

/** Counts bytes and newlines (= COPY text rows) and hashes what passes through. */
class Meter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  newlines = 0;
  private readonly countLines: boolean;
  constructor(countLines: boolean) {
    super();
    this.countLines = countLines;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.countLines) {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.newlines++;
    } else {
      this.hash.update(chunk);
    }
    callback(null, chunk);
  }
}

const sink = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });

/** Reads an archive file back: its sha256 and size, and the COPY rows it decompresses to. */
export async function inspectArchive(file: string): Promise<{ sha256: string; bytes: number; rows: number }> {
  const compressed = new Meter(false);
  const plain = new Meter(true);
  await pipeline(createReadStream(file), compressed, decompressor(file), plain, sink());
  return { sha256: compressed.hash.digest('hex'), bytes: compressed.bytes, rows: plain.newlines };
}

async function columnsOf(client: pg.ClientBase, table: string): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
    [table],
  );
  return rows.map((row) => row.attname);
}

const columnList = (client: pg.ClientBase, columns: string[]) => columns.map((c) => client.escapeIdentifier(c)).join(', ');

/**
 * Exported values that differ from the stored column: an archived event carries its addresses'
 * contexts written into it, as `siem enrich` would, since the contexts are not archived with it.
 */
const exportedValue: Record<ArchivedTable, Record<string, string>> = {
  events_raw: {},
  events: { enrichment: `coalesce(siem_private.address_enrichment(e.metadata, e.received_at), '{}') || e.enrichment` },
};

/**
 * An event whose message and raw_bytes equal its raw line `r` (the ingest trigger copies them) gets
 * \N for both: the raw archive holds them already. message is never null otherwise, so \N marks it.
 */
const sameAsRaw = '(e.message = r.raw and e.raw_bytes is not distinct from r.raw_bytes)';
const elidedValue: Record<string, string> = {
  message: `case when ${sameAsRaw} then null else e.message end`,
  raw_bytes: `case when ${sameAsRaw} then null else e.raw_bytes end`,
};

const exportList = (client: pg.ClientBase, table: ArchivedTable, columns: string[], elide: boolean) =>
  columns.map((c) => (elide ? elidedValue[c] : undefined) ?? exportedValue[table][c] ?? `e.${client.escapeIdentifier(c)}`).join(', ');

/**
 * Streams a COPY TO through `compress` into `tail` (the rest of the pipeline). Unlike `pipeline(copy, ...)`,
 * a failing destination (disk full) does not destroy the COPY stream: pg-copy-streams leaves the
 * connection inside the COPY then, every later query on it waits forever, and the partition could
 * not be attached again. So the COPY is read to its end (and discarded) before the error is thrown.
 */
async function copyOut(copy: AsyncIterable<Buffer>, compress: Transform, tail: Promise<void>, next: Writable): Promise<void> {
  let failure: Error | undefined;
  const failed = new Promise<void>((resolve) => {
    const fail = (error: Error) => {
      failure ??= error;
      resolve();
    };
    compress.once('error', fail);
    tail.catch(fail);
  });
  compress.pipe(next);
  try {
    for await (const chunk of copy) {
      if (failure) continue;
      if (!compress.write(chunk)) await Promise.race([once(compress, 'drain'), failed]);
    }
  } catch (error) {
    // The COPY itself failed: pg has handled its error, the connection is usable.
    compress.destroy();
    next.destroy();
    throw error;
  }
  if (!failure) {
    compress.end();
    await Promise.race([tail, failed]);
  }
  if (failure) {
    compress.destroy();
    throw failure;
  }
}

/** Writes the detached partition to `file` (via a temporary name, fsynced, then renamed). */
async function exportPartition(client: pg.ClientBase, table: ArchivedTable, qualified: string, columns: string[], file: string, rawLines?: RawLines) {
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const meter = new Meter(false);
  const from = rawLines ? `${qualified} e left join ${rawLines.view} r on r.ts = e.raw_ts and r.id = e.raw_id` : `${qualified} e`;
  const copy = client.query(copyTo(`copy (select ${exportList(client, table, columns, rawLines !== undefined)} from ${from} order by ${exportOrder[table]}) to stdout`));
  try {
    await copyOut(copy, compressor(), pipeline(meter, createWriteStream(partial)), meter);
    const handle = await open(partial, 'r');
    await handle.sync();
    await handle.close();
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { rows: copy.rowCount, bytes: meter.bytes, sha256: meter.hash.digest('hex') };
}

interface IndexRow {
  path: string;
  columns: string[];
  row_count: string;
  sha256: string;
  restored_at: Date | null;
  /** YYYY-MM-DD; null (also for an empty array) when the file holds every message. */
  messages_in_raw_days: string[] | null;
}

async function indexRow(client: pg.ClientBase, table: ArchivedTable, day: string): Promise<IndexRow | undefined> {
  const { rows } = await client.query<IndexRow>(
    `select path, columns, row_count, sha256, restored_at,
            (select array_agg(to_char(d, 'YYYY-MM-DD') order by d) from unnest(messages_in_raw_days) d) as messages_in_raw_days
     from public.archive_index where table_name = $1 and day = $2`,
    [table, day],
  );
  return rows[0];
}

/** The recorded path, or the same layout under the current SIEM_ARCHIVE_DIR if the archives moved. */
function locate(recorded: string, table: ArchivedTable, day: string, archiveDir?: string): string {
  if (existsSync(recorded) || !archiveDir) return recorded;
  const moved = path.join(path.resolve(archiveDir), table, day.slice(0, 4), path.basename(recorded));
  return existsSync(moved) ? moved : recorded;
}

/**
 * work_mem for the joins of events with their raw lines (export and restore): the hash of a day's
 * raw lines then stays in memory instead of being split into batches that spill both sides to disk
 * (1M mixed lines, export of the events day on a busy 2-core machine: 15.9 s with the default 4MB,
 * 11.2 and 13.9 s with this). One archive operation runs at a time, so one backend uses it.
 */
const rawJoinWorkMem = '256MB';

/** Types of the raw archive's columns a message needs; the others load as text, whatever they are. */
const rawLineTypes: Record<string, string> = { id: 'bigint', ts: 'timestamptz', raw: 'text', raw_bytes: 'bytea' };

/**
 * The raw lines (id, ts, raw, raw_bytes) of archived events_raw days, as the temporary view
 * `pg_temp.archive_raw_lines` over one temporary table per day loaded from its archive file
 * (sha256 and row count checked while loading) or over the day's partition while it is restored.
 * Days are found by table and day in archive_index, so a raw day archived anew (siem archive drop
 * replaces its file, with the same lines and maybe late ones) still serves.
 */
class RawLines {
  readonly view = 'pg_temp.archive_raw_lines';
  readonly days: string[] = [];
  private readonly sources: string[] = [];
  private readonly tables: string[] = [];
  private readonly client: pg.ClientBase;
  private readonly archiveDir: string | undefined;

  constructor(client: pg.ClientBase, archiveDir: string | undefined) {
    this.client = client;
    this.archiveDir = archiveDir;
  }

  /** Loads the archive file of a raw day; throws ArchiveError saying what is wrong with it. */
  async addArchive(day: string): Promise<void> {
    const client = this.client;
    const entry = await indexRow(client, 'events_raw', day);
    if (!entry) throw new RawLinesError(`events_raw ${day} has no archive in archive_index`);
    const file = locate(entry.path, 'events_raw', day, this.archiveDir);
    if (!existsSync(file)) throw new RawLinesError(`the events_raw archive of ${day} is missing: ${file}`);
    const name = client.escapeIdentifier(`archive_raw_${compact(day)}`);
    const table = `pg_temp.${name}`;
    const columns = entry.columns.map((c) => `${client.escapeIdentifier(c)} ${rawLineTypes[c] ?? 'text'}`).join(', ');
    await client.query(`drop table if exists ${table}`);
    await client.query(`create temp table ${name} (${columns})`);
    this.tables.push(table);
    const meter = new Meter(false);
    const copy = client.query(copyFrom(`copy ${table} (${columnList(client, entry.columns)}) from stdin`));
    await pipeline(createReadStream(file), meter, decompressor(file), copy).catch((error: Error) => {
      throw new RawLinesError(`the events_raw archive of ${day} (${file}) cannot be read: ${error.message}`);
    });
    const sha256 = meter.hash.digest('hex');
    if (sha256 !== entry.sha256) throw new RawLinesError(`the events_raw archive of ${day} (${file}) is damaged: its sha256 is ${sha256}, archive_index recorded ${entry.sha256}`);
    if (copy.rowCount !== Number(entry.row_count)) throw new RawLinesError(`the events_raw archive of ${day} (${file}) holds ${copy.rowCount} rows, archive_index recorded ${entry.row_count}`);
    await client.query(`analyze ${table}`);
    this.sources.push(`select id, ts, raw, raw_bytes from ${table}`);
    this.days.push(day);
  }

  /** Uses the partition of a raw day that is restored: it holds the archive's lines and any late ones. */
  addRestored(day: string): void {
    this.sources.push(`select id, ts, raw, raw_bytes from siem_partitions.${this.client.escapeIdentifier(partitionName('events_raw', day))}`);
    this.days.push(day);
  }

  async createView(): Promise<void> {
    const union = this.sources.length > 0 ? this.sources.join(' union all ') : 'select null::bigint, null::timestamptz, null::text, null::bytea where false';
    await this.client.query(`drop view if exists ${this.view}`);
    await this.client.query(`create temp view archive_raw_lines (id, ts, raw, raw_bytes) as ${union}`);
  }

  async drop(): Promise<void> {
    await this.client.query(`drop view if exists ${this.view}`);
    for (const table of this.tables.splice(0)) await this.client.query(`drop table if exists ${table}`);
  }
}

/**
 * For the export of an events partition: the raw lines of every archived raw day its events come
 * from. A raw archive that cannot be read is left out (its events keep their message) and logged.
 */
async function rawLinesForExport(client: pg.ClientBase, settings: ArchiveSettings, qualified: string): Promise<RawLines> {
  const rawLines = new RawLines(client, settings.archiveDir);
  const { rows } = await client.query<{ day: string }>(`select to_char(d, 'YYYY-MM-DD') as day from siem_private.archived_raw_days($1::regclass) d`, [qualified]);
  for (const { day } of rows) {
    try {
      await inTransaction(client, () => rawLines.addArchive(day));
    } catch (error) {
      settings.log?.(`events of raw day ${day} keep their messages in the archive: ${(error as Error).message}`);
    }
  }
  await rawLines.createView();
  return rawLines;
}

/** Raw days whose lines the export left out: those with at least one event equal to its raw line. */
async function referencedRawDays(client: pg.ClientBase, qualified: string, rawLines: RawLines): Promise<string[]> {
  if (rawLines.days.length === 0) return [];
  const { rows } = await client.query<{ day: string }>(
    `select distinct to_char((e.raw_ts at time zone 'UTC')::date, 'YYYY-MM-DD') as day
     from ${qualified} e join ${rawLines.view} r on r.ts = e.raw_ts and r.id = e.raw_id
     where ${sameAsRaw} order by 1`,
  );
  return rows.map((row) => row.day);
}

const isLockTimeout = (error: unknown) => (error as { code?: string }).code === '55P03';

/** Detaches with a short lock timeout, retrying: COPYs in flight finish first and wait only briefly. */
async function detach(client: pg.ClientBase, table: ArchivedTable, day: string, attempts = 15): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await client.query<{ name: string | null }>('select siem_private.detach_daily_partition($1, $2) as name', [table, day]);
      return rows[0]?.name != null;
    } catch (error) {
      if (!isLockTimeout(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await work();
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

/**
 * Detach, export, check, then record and drop in one transaction. With `replacing` (the archive of
 * a restored day being dropped), the file gets a new name, the archive_index row is updated, and
 * the previous file is removed only after the commit.
 */
async function archiveDay(
  client: pg.ClientBase,
  settings: ArchiveSettings,
  table: ArchivedTable,
  day: string,
  replacing?: { previousPath: string },
): Promise<ArchivedDay | undefined> {
  if (!(await detach(client, table, day))) return undefined;
  const qualified = `siem_partitions.${client.escapeIdentifier(partitionName(table, day))}`;
  let rawLines: RawLines | undefined;
  try {
    const columns = await columnsOf(client, qualified);
    const regular = archiveFile(path.resolve(settings.archiveDir), table, day);
    const file = replacing ? regular.replace(/\.copy\.zst$/, `.${Date.now()}.copy.zst`) : regular;
    // An events day leaves out the messages its raw archives hold (docs/operations.md).
    rawLines = table === 'events' ? await rawLinesForExport(client, settings, qualified) : undefined;
    if (rawLines) await client.query(`select set_config('work_mem', $1, false)`, [rawJoinWorkMem]);
    const messagesInRawDays = rawLines ? await referencedRawDays(client, qualified, rawLines) : null;
    const written = await exportPartition(client, table, qualified, columns, file, messagesInRawDays?.length ? rawLines : undefined);
    if (rawLines) await client.query('reset work_mem');
    await rawLines?.drop();
    const check = await inspectArchive(file);
    if (check.sha256 !== written.sha256 || check.rows !== written.rows) {
      throw new ArchiveError(`${file} does not read back as written (sha256 or row count differ)`);
    }
    await inTransaction(client, async () => {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${qualified}`);
      if (Number(rows[0]?.n) !== written.rows) throw new ArchiveError(`${qualified} changed during the export`);
      const values = [table, day, file, columns, written.rows, written.bytes, written.sha256, messagesInRawDays];
      await client.query(
        replacing
          ? `update public.archive_index set path = $3, columns = $4, row_count = $5, bytes = $6, sha256 = $7, messages_in_raw_days = $8::date[],
               archived_at = now(), restored_at = null
             where table_name = $1 and day = $2`
          : `insert into public.archive_index (table_name, day, path, columns, row_count, bytes, sha256, messages_in_raw_days)
             values ($1, $2, $3, $4, $5, $6, $7, $8::date[])`,
        values,
      );
      await client.query(`drop table ${qualified}`);
    });
    if (replacing && replacing.previousPath !== file) await rm(replacing.previousPath, { force: true });
    return { table, day, path: file, ...written, messagesInRawDays };
  } catch (error) {
    if (rawLines) await client.query('reset work_mem').catch(() => {});
    await rawLines?.drop().catch(() => {});
    await inTransaction(client, () => client.query('select siem_private.attach_daily_partition($1, $2)', [table, day])).catch((attachError: Error) => {
      settings.log?.(`could not attach ${qualified} again (${attachError.message}); the next run retries`);
    });
    throw error;
  }
}

/**
 * Rows in a default partition (event times outside the prepared range) past the retention get a
 * daily partition, which the candidates then include. A day that has an archive already is
 * restored (attaching moves its rows in from the default partition) and archived again with them.
 */
async function partitionOverdueDefaults(client: pg.ClientBase, settings: ArchiveSettings, result: ArchiveRunResult): Promise<void> {
  const overdue = await client.query<{ table_name: ArchivedTable; day: string; rows: string; archived: boolean }>(
    `select table_name, to_char(day, 'YYYY-MM-DD') as day, rows, archived from siem_private.overdue_default_days($1, $2)`,
    [settings.rawRetentionDays, settings.eventRetentionDays],
  );
  for (const { table_name, day, rows, archived } of overdue.rows) {
    try {
      if (!archived) {
        await inTransaction(client, () => client.query('select siem_private.create_daily_partition($1::regclass, $2)', [`public.${table_name}`, day]));
        settings.log?.(`moved ${rows} rows of ${table_name} ${day} out of the default partition into a partition of their own, to archive`);
        continue;
      }
      const { path: previousPath } = await restoreArchive(client, table_name, day, settings.archiveDir);
      const rearchived = await archiveDay(client, settings, table_name, day, { previousPath });
      if (!rearchived) throw new ArchiveError(`${table_name} ${day} was restored but has no partition`);
      result.archived.push(rearchived);
      settings.log?.(`archived ${table_name} ${day} again with ${rows} late rows from the default partition: ${rearchived.rows} rows -> ${rearchived.path}`);
    } catch (error) {
      result.failed.push({ table: table_name, day, error: (error as Error).message });
      settings.log?.(`archiving the default partition's rows of ${table_name} ${day} failed, they stay: ${(error as Error).message}`);
    }
  }
}

/** Archives every partition past its retention, oldest first; re-attaches leftovers of an interrupted run. */
export async function runArchive(client: pg.ClientBase, settings: ArchiveSettings): Promise<ArchiveRunResult> {
  const result: ArchiveRunResult = { archived: [], failed: [], ran: false };
  const done = await withArchiveLock(client, async () => {
    const leftovers = await client.query<{ table_name: ArchivedTable; day: string }>(
      `select table_name, to_char(day, 'YYYY-MM-DD') as day from siem_private.detached_partitions()`,
    );
    for (const { table_name, day } of leftovers.rows) {
      await inTransaction(client, () => client.query('select siem_private.attach_daily_partition($1, $2)', [table_name, day]));
      settings.log?.(`attached ${partitionName(table_name, day)} again (left detached by an interrupted run)`);
    }
    await partitionOverdueDefaults(client, settings, result);
    const candidates = await client.query<{ table_name: ArchivedTable; day: string }>(
      `select table_name, to_char(day, 'YYYY-MM-DD') as day from siem_private.archive_candidates($1, $2)`,
      [settings.rawRetentionDays, settings.eventRetentionDays],
    );
    for (const { table_name, day } of candidates.rows) {
      try {
        const archived = await archiveDay(client, settings, table_name, day);
        if (!archived) continue;
        result.archived.push(archived);
        settings.log?.(`archived ${table_name} ${day}: ${archived.rows} rows, ${archived.bytes} bytes -> ${archived.path}`);
      } catch (error) {
        result.failed.push({ table: table_name, day, error: (error as Error).message });
        settings.log?.(`archiving ${table_name} ${day} failed, the partition stays: ${(error as Error).message}`);
      }
    }
    const pruned = await client.query<{ n: number }>('select siem_private.prune_address_contexts(make_interval(days => $1 + 1)) as n', [settings.eventRetentionDays]);
    if (pruned.rows[0]!.n > 0) settings.log?.(`pruned ${pruned.rows[0]!.n} superseded address contexts`);
    return true;
  });
  result.ran = done === true;
  return result;
}

export interface ArchiveEntry extends ArchivedDay {
  archivedAt: Date;
  restoredAt: Date | null;
}

export async function listArchives(client: pg.ClientBase | pg.Pool): Promise<ArchiveEntry[]> {
  const { rows } = await client.query(
    `select table_name, to_char(day, 'YYYY-MM-DD') as day, path, row_count, bytes, sha256, archived_at, restored_at,
            (select array_agg(to_char(d, 'YYYY-MM-DD') order by d) from unnest(messages_in_raw_days) d) as messages_in_raw_days
     from public.archive_index order by day, table_name`,
  );
  return rows.map((row) => ({
    table: row.table_name,
    day: row.day,
    path: row.path,
    rows: Number(row.row_count),
    bytes: Number(row.bytes),
    sha256: row.sha256,
    messagesInRawDays: row.messages_in_raw_days,
    archivedAt: row.archived_at,
    restoredAt: row.restored_at,
  }));
}

async function locked<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  const result = await withArchiveLock(client, async () => ({ value: await work() }));
  if (!result) throw new ArchiveError('another archive operation is running; try again when it has finished');
  return result.value;
}

/**
 * Brings an archived day back as a searchable partition, after checking the file's sha256 and rows.
 * An events archive that leaves out messages gets them back from the raw archives it names (or the
 * raw days' partitions while they are restored); if one is missing or damaged, nothing is restored.
 */
export async function restoreArchive(client: pg.ClientBase, table: string, day: string, archiveDir?: string): Promise<{ rows: number; path: string }> {
  const checkedTable = assertArchivedTable(table);
  assertDay(day);
  return locked(client, async () => {
    const entry = await indexRow(client, checkedTable, day);
    if (!entry) throw new ArchiveError(`no archive of ${table} for ${day} (see siem archive list)`);
    if (entry.restored_at) throw new ArchiveError(`${table} ${day} is already restored (siem archive drop removes it again)`);
    const file = locate(entry.path, checkedTable, day, archiveDir);
    const check = await inspectArchive(file).catch((error: Error) => {
      throw new ArchiveError(`cannot read ${file}: ${error.message}`);
    });
    if (check.sha256 !== entry.sha256) {
      throw new ArchiveError(`${file} is damaged: its sha256 is ${check.sha256}, archive_index recorded ${entry.sha256}; nothing was restored`);
    }
    if (check.rows !== Number(entry.row_count)) throw new ArchiveError(`${file} holds ${check.rows} rows, archive_index recorded ${entry.row_count}`);
    const rawDays = entry.messages_in_raw_days;
    const rawLines = rawDays ? new RawLines(client, archiveDir) : undefined;
    const needs = `${table} ${day} needs the events_raw archives of ${rawDays?.join(', ')} for its messages`;
    try {
      return await inTransaction(client, async () => {
        const created = await client.query<{ name: string }>('select siem_private.create_detached_partition($1, $2) as name', [checkedTable, day]);
        const qualified = `siem_partitions.${client.escapeIdentifier(created.rows[0]!.name)}`;
        let rowCount: number;
        if (!rawLines || !rawDays) {
          const copy = client.query(copyFrom(`copy ${qualified} (${columnList(client, entry.columns)}) from stdin`));
          await pipeline(createReadStream(file), decompressor(file), copy);
          rowCount = copy.rowCount;
        } else {
          // A raw day restored (attached) serves from its partition; any other from its file.
          const restored = await client.query<{ day: string }>(
            `select to_char(day, 'YYYY-MM-DD') as day from public.archive_index
             where table_name = 'events_raw' and day = any ($1::date[]) and restored_at is not null
               and to_regclass('siem_partitions.events_raw_p' || to_char(day, 'YYYYMMDD')) is not null`,
            [rawDays],
          );
          const hot = new Set(restored.rows.map((row) => row.day));
          for (const rawDay of rawDays) {
            if (hot.has(rawDay)) rawLines.addRestored(rawDay);
            else await rawLines.addArchive(rawDay);
          }
          await rawLines.createView();
          await client.query(`select set_config('work_mem', $1, true)`, [rawJoinWorkMem]);
          rowCount = await restoreWithMessages(client, qualified, entry.columns, file, rawLines.view);
        }
        if (rowCount !== Number(entry.row_count)) throw new ArchiveError(`loaded ${rowCount} rows from ${file}, expected ${entry.row_count}`);
        await client.query('select siem_private.attach_daily_partition($1, $2)', [checkedTable, day]);
        await client.query('update public.archive_index set restored_at = now() where table_name = $1 and day = $2', [checkedTable, day]);
        await rawLines?.drop();
        return { rows: rowCount, path: file };
      });
    } catch (error) {
      if (error instanceof RawLinesError) throw new ArchiveError(`${needs}: ${error.message}; nothing was restored`);
      throw error;
    }
  });
}

/**
 * Loads an events archive that leaves out messages into a staging table, then inserts its rows into
 * the partition with message and raw_bytes of the elided ones (message \N) taken from their raw
 * lines. Returns the rows inserted; throws RawLinesError if a raw line is not there.
 */
async function restoreWithMessages(client: pg.ClientBase, qualified: string, columns: string[], file: string, rawLinesView: string): Promise<number> {
  await client.query('create temp table archive_events_staging (like public.events) on commit drop');
  await client.query('alter table pg_temp.archive_events_staging alter column message drop not null');
  const copy = client.query(copyFrom(`copy pg_temp.archive_events_staging (${columnList(client, columns)}) from stdin`));
  await pipeline(createReadStream(file), decompressor(file), copy);
  await client.query('analyze pg_temp.archive_events_staging');
  const filled: Record<string, string> = {
    message: 'coalesce(s.message, r.raw)',
    raw_bytes: 'case when s.message is null then r.raw_bytes else s.raw_bytes end',
  };
  const select = columns.map((c) => filled[c] ?? `s.${client.escapeIdentifier(c)}`).join(', ');
  const inserted = await client.query(
    `insert into ${qualified} (${columnList(client, columns)})
     select ${select} from pg_temp.archive_events_staging s left join ${rawLinesView} r on s.message is null and r.ts = s.raw_ts and r.id = s.raw_id
     where s.message is not null or r.id is not null`,
  );
  if (inserted.rowCount !== copy.rowCount) {
    const { rows } = await client.query<{ n: number; days: string }>(
      `select count(*)::int as n, string_agg(distinct to_char((s.raw_ts at time zone 'UTC')::date, 'YYYY-MM-DD'), ', ') as days
       from pg_temp.archive_events_staging s
       where s.message is null and not exists (select 1 from ${rawLinesView} r where r.ts = s.raw_ts and r.id = s.raw_id)`,
    );
    throw new RawLinesError(`${rows[0]!.n} events have no line there (raw days ${rows[0]!.days})`);
  }
  return copy.rowCount;
}

/**
 * Removes a restored day again. The day is exported anew first (replacing its archive), because
 * while it was restored it may have received rows (late lines of that day move in from the default
 * partition on restore) or changes (enrichment, re-parsing): dropping must not lose them.
 */
export async function dropRestoredArchive(client: pg.ClientBase, table: string, day: string, archiveDir: string): Promise<ArchivedDay> {
  const checkedTable = assertArchivedTable(table);
  assertDay(day);
  return locked(client, async () => {
    const { rows } = await client.query('select path, restored_at from public.archive_index where table_name = $1 and day = $2', [checkedTable, day]);
    if (!rows[0]) throw new ArchiveError(`no archive of ${table} for ${day} (see siem archive list)`);
    if (!rows[0].restored_at) throw new ArchiveError(`${table} ${day} is not restored: nothing to drop`);
    const archived = await archiveDay(client, { archiveDir, rawRetentionDays: 0, eventRetentionDays: 0 }, checkedTable, day, { previousPath: rows[0].path });
    if (!archived) throw new ArchiveError(`${table} ${day} is marked restored but has no partition`);
    return archived;
  });
}
