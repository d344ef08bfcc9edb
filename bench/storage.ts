import { statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { withClient } from '../db/setup.ts';
import { withCredentials } from '../db/urls.ts';
import { restoreArchive, runArchive } from '../worker/archive.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase } from './database.ts';
import { siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

/**
 * Storage cost of the mixed corpus: bytes on disk per line while hot (tables + indexes), and
 * after archiving (zstd COPY files), both as ratios to the raw line bytes. Also what share of the
 * ingest triggers' time the metric counter triggers take.
 */
export const storageBenchmark: Benchmark = {
  name: 'storage',
  description: 'bytes on disk per line, hot (with indexes) and archived (zstd COPY), as ratios to raw line bytes; archive/restore speed; share of the metric counter triggers',
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
      // What the metric counter trigger costs, as its share of the time PostgreSQL spends in the
      // ingest triggers (pg_stat_user_functions): robust to other load on the machine, which a
      // with/without comparison of wall times is not.
      const superuserUrl = withCredentials(database.ownerUrl, 'postgres', database.secrets.superuserPassword);
      const databaseName = new URL(database.ownerUrl).pathname.slice(1);
      await withClient(superuserUrl, (client) => client.query(`alter database ${client.escapeIdentifier(databaseName)} set track_functions = 'pl'`));
      const ingestSeconds = await ingestAll();
      log(`siem ingest of every source: ${ingestSeconds.toFixed(2)} s`);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // function statistics are flushed at session end
      const triggerMs = await withClient(database.ownerUrl, async (client) => {
        const { rows } = await client.query<{ funcname: string; total_time: number }>(
          `select funcname, total_time from pg_stat_user_functions where funcname in ('tg_events_raw__normalize', 'tg_events_raw__count_lines', 'tg_quarantine__count_reasons', 'tg_ingest_batches__count')`,
        );
        return Object.fromEntries(rows.map((row) => [row.funcname, Number(row.total_time)]));
      });
      const counterMs = (triggerMs.tg_events_raw__count_lines ?? 0) + (triggerMs.tg_quarantine__count_reasons ?? 0) + (triggerMs.tg_ingest_batches__count ?? 0);
      log(`time in triggers: normalize ${Math.round(triggerMs.tg_events_raw__normalize ?? 0)} ms, metric counters ${Math.round(counterMs)} ms`);

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
      const restoreSecondsByTable: Record<string, number> = {};
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
          // events first: their messages then come from the raw archive files, as when an old
          // events day is restored long after its raw days left.
          const restoreOrder = [...result.archived].sort((a, b) => (a.table === b.table ? 0 : a.table === 'events' ? -1 : 1));
          for (const day of restoreOrder) {
            const started = performance.now();
            await restoreArchive(client, day.table, day.day);
            const seconds = (performance.now() - started) / 1000;
            restoreSeconds += seconds;
            restoreSecondsByTable[day.table] = (restoreSecondsByTable[day.table] ?? 0) + seconds;
          }
        } finally {
          client.release();
        }
      } finally {
        await pool.end();
      }
      log(
        `archived ${archivedRows} rows into ${archivedBytes} bytes in ${archiveSeconds.toFixed(2)} s; restored in ${restoreSeconds.toFixed(2)} s ` +
          `(events ${(restoreSecondsByTable.events ?? 0).toFixed(2)} s, events_raw ${(restoreSecondsByTable.events_raw ?? 0).toFixed(2)} s)`,
      );

      const ratio = (bytes: number) => Number((bytes / rawBytes).toFixed(3));
      const figures: Figure[] = [
        { name: 'storage.raw_line_bytes', value: rawBytes, unit: 'bytes', note: `${lines} lines of the mixed corpus (ingest benchmark's)` },
        { name: 'storage.hot_ratio', value: ratio(hot), unit: 'ratio', note: 'events + events_raw + quarantine on disk (heap, TOAST, btree indexes of the hot partition) / raw line bytes' },
        { name: 'storage.hot_events_ratio', value: ratio(sizes.events ?? 0), unit: 'ratio', note: 'events alone on disk / raw line bytes' },
        { name: 'storage.hot_bytes_per_line', value: Math.round(hot / lines), unit: 'bytes', note: 'hot bytes on disk per received line' },
        { name: 'storage.archive_ratio', value: ratio(archivedBytes), unit: 'ratio', note: 'all archive files (events_raw + events, zstd COPY text) / raw line bytes' },
        { name: 'storage.archive_raw_ratio', value: ratio(archivedByTable.events_raw ?? 0), unit: 'ratio', note: 'events_raw archive / raw line bytes; target <= 0.15' },
        { name: 'storage.archive_events_ratio', value: ratio(archivedByTable.events ?? 0), unit: 'ratio', note: 'events archive / raw line bytes (messages equal to their raw line are left out: the events_raw archive holds them)' },
        { name: 'storage.archive_rows_per_s', value: Math.round(archivedRows / archiveSeconds), unit: 'rows/s', note: 'detach + export + read-back check + drop; events also load the raw archive of their lines to leave out the messages it holds' },
        { name: 'storage.restore_rows_per_s', value: Math.round(archivedRows / restoreSeconds), unit: 'rows/s', note: 'sha256 check + COPY back + attach; events first, filling their messages from the raw archive files' },
        {
          name: 'storage.counter_triggers_share',
          value: Number((counterMs / Math.max(1, (triggerMs.tg_events_raw__normalize ?? 0) + counterMs)).toFixed(4)),
          unit: 'ratio',
          note: 'time in the three _800 metric counter triggers / time in all ingest triggers (pg_stat_user_functions, total time)',
        },
      ];
      return figures;
    } finally {
      await database.stop();
    }
  },
};
