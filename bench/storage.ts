import { statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { withClient } from '../db/setup.ts';
import { restoreArchive, runArchive } from '../worker/archive.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase } from './database.ts';
import { siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

const metricTriggers = [
  ['public.events_raw', '_800_count_lines'],
  ['public.quarantine', '_800_count_reasons'],
  ['public.ingest_batches', '_800_count_batches'],
] as const;

/**
 * Storage cost of the mixed corpus: bytes on disk per line while hot (tables + indexes), and
 * after archiving (gzip COPY files), both as ratios to the raw line bytes. Also what the metric
 * counter triggers cost ingest (the same ingest with them off, in the same run).
 */
export const storageBenchmark: Benchmark = {
  name: 'storage',
  description: 'bytes on disk per line, hot (with indexes) and archived (gzip COPY), as ratios to raw line bytes; archive/restore speed; metric triggers cost',
  async run({ quick, workDir, log }) {
    const lines = quick ? 100_000 : 1_000_000;
    const files = await ensureMixedCorpus(workDir, lines);
    const rawBytes = Object.values(files).reduce((sum, file) => sum + statSync(file).size, 0);
    const database = await startBenchDatabase(workDir);
    try {
      const ingestAll = async () => {
        let seconds = 0;
        for (const [source, file] of Object.entries(files)) seconds += (await siemIngest(database, file, source)).streamSeconds;
        return seconds;
      };
      const setTriggers = (enabled: boolean) =>
        withClient(database.ownerUrl, async (client) => {
          for (const [table, trigger] of metricTriggers) await client.query(`alter table ${table} ${enabled ? 'enable' : 'disable'} trigger ${trigger}`);
        });
      // Alternating rounds, best of each, so warm-up does not favour either; the last round (counters
      // on) is the data measured below.
      let withoutCounters = Infinity;
      let withCounters = Infinity;
      for (let round = 1; round <= 2; round++) {
        for (const enabled of [false, true]) {
          if (round > 1 || enabled) {
            await withClient(database.ownerUrl, (client) => client.query('truncate events_raw, events, quarantine, ingest_batches, siem_private.metric_counts'));
          }
          await setTriggers(enabled);
          const seconds = await ingestAll();
          log(`round ${round}: ingest with the metric counter triggers ${enabled ? 'on' : 'off'}: ${seconds.toFixed(2)} s`);
          if (enabled) withCounters = Math.min(withCounters, seconds);
          else withoutCounters = Math.min(withoutCounters, seconds);
        }
      }

      const sizes = await withClient(database.ownerUrl, async (client) => {
        await client.query('vacuum analyze events_raw, events, quarantine');
        const { rows } = await client.query<{ table_name: string; total_bytes: string }>(`select table_name, total_bytes from siem_private.metric_table_sizes()`);
        return Object.fromEntries(rows.map((row) => [row.table_name, Number(row.total_bytes)]));
      });
      const hot = (sizes.events ?? 0) + (sizes.events_raw ?? 0) + (sizes.quarantine ?? 0);
      log(`raw lines ${rawBytes} bytes; events ${sizes.events}, events_raw ${sizes.events_raw}, quarantine ${sizes.quarantine} bytes on disk`);

      // Retention -1 makes today's partitions due: archive everything that was just ingested.
      const pool = new pg.Pool({ connectionString: database.ownerUrl, max: 1 });
      let archivedBytes = 0;
      let archivedRows = 0;
      let archiveSeconds = 0;
      const archivedByTable: Record<string, number> = {};
      let restoreSeconds = 0;
      try {
        const client = await pool.connect();
        try {
          const started = performance.now();
          const result = await runArchive(client, { archiveDir: path.join(database.dataDir, 'archive'), rawRetentionDays: -1, eventRetentionDays: -1 });
          archiveSeconds = (performance.now() - started) / 1000;
          if (result.failed.length > 0) throw new Error(`archive failed: ${JSON.stringify(result.failed)}`);
          for (const day of result.archived) {
            archivedBytes += day.bytes;
            archivedRows += day.rows;
            archivedByTable[day.table] = (archivedByTable[day.table] ?? 0) + day.bytes;
          }
          const restoreStarted = performance.now();
          for (const day of result.archived) await restoreArchive(client, day.table, day.day);
          restoreSeconds = (performance.now() - restoreStarted) / 1000;
        } finally {
          client.release();
        }
      } finally {
        await pool.end();
      }
      log(`archived ${archivedRows} rows into ${archivedBytes} bytes in ${archiveSeconds.toFixed(2)} s; restored in ${restoreSeconds.toFixed(2)} s`);

      const ratio = (bytes: number) => Number((bytes / rawBytes).toFixed(3));
      const figures: Figure[] = [
        { name: 'storage.raw_line_bytes', value: rawBytes, unit: 'bytes', note: `${lines} lines of the mixed corpus (ingest benchmark's)` },
        { name: 'storage.hot_ratio', value: ratio(hot), unit: 'ratio', note: 'events + events_raw + quarantine on disk (heap, TOAST, btree indexes of the hot partition) / raw line bytes' },
        { name: 'storage.hot_events_ratio', value: ratio(sizes.events ?? 0), unit: 'ratio', note: 'events alone on disk / raw line bytes' },
        { name: 'storage.hot_bytes_per_line', value: Math.round(hot / lines), unit: 'bytes', note: 'hot bytes on disk per received line' },
        { name: 'storage.archive_ratio', value: ratio(archivedBytes), unit: 'ratio', note: 'all archive files (events_raw + events, gzip COPY text) / raw line bytes' },
        { name: 'storage.archive_raw_ratio', value: ratio(archivedByTable.events_raw ?? 0), unit: 'ratio', note: 'events_raw archive / raw line bytes; target <= 0.15' },
        { name: 'storage.archive_events_ratio', value: ratio(archivedByTable.events ?? 0), unit: 'ratio', note: 'events archive / raw line bytes' },
        { name: 'storage.archive_rows_per_s', value: Math.round(archivedRows / archiveSeconds), unit: 'rows/s', note: 'detach + export + read-back check + drop' },
        { name: 'storage.restore_rows_per_s', value: Math.round(archivedRows / restoreSeconds), unit: 'rows/s', note: 'sha256 check + COPY back + attach' },
        { name: 'storage.counter_triggers_cost', value: Number((withCounters / withoutCounters).toFixed(3)), unit: 'ratio', note: 'ingest seconds with / without the _800 metric counter triggers (1.0 = free)' },
      ];
      return figures;
    } finally {
      await database.stop();
    }
  },
};
