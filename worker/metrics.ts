import type { WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { listBackups, walArchiveSummary } from '../db/backup.ts';
import { latencyBuckets, throttled } from '../monitoring/metrics.ts';

/**
 * The worker's metrics: its own jobs (from graphile-worker's events) and the database's state
 * (ingest counters, queue depth, table sizes, archives, WAL archiving; SQL in migration 000014),
 * refreshed at most every few seconds however often Prometheus scrapes.
 */

export interface WorkerMetricsOptions {
  registry: Registry;
  /** An owner pool: the metric functions live in siem_private. */
  pool: pg.Pool;
  /** graphile-worker's event emitter (runner.events), for job latency and outcomes. */
  events?: WorkerEvents;
  backupDir?: string;
  minIntervalMs?: number;
  log?: (message: string) => void;
}

const seconds = (date: Date | null | undefined) => (date ? date.getTime() / 1000 : 0);

export function installWorkerMetrics(options: WorkerMetricsOptions): { refresh(): Promise<void> } {
  const registers = [options.registry];
  const refresh = throttled(() => refreshFromDatabase(), options.minIntervalMs ?? 5000);
  const collect = async () => {
    await refresh();
  };
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers, collect });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers, collect });

  const linesReceived = counter('siem_lines_received_total', 'Log lines received into events_raw, per source (each ends in events or quarantine).', ['source']);
  const quarantined = counter('siem_quarantined_lines_total', 'Lines put in quarantine, per reason.', ['reason']);
  const batches = counter('siem_ingest_batches_total', 'Batches accepted (replays excluded), per agent.', ['agent']);
  const jobs = gauge('siem_worker_queue_jobs', 'graphile-worker jobs per task and state (waiting, running, scheduled, failed).', ['task', 'state']);
  const oldestDue = gauge('siem_worker_queue_oldest_due_seconds', 'Age of the oldest job that is due but not finished, per task (queue lag).', ['task']);
  const tableBytes = gauge('siem_table_size_bytes', 'Bytes on disk per table (indexes and TOAST included, partitions summed into their parent).', ['table']);
  const tableRows = gauge('siem_table_rows_estimate', 'Estimated rows per table (planner statistics).', ['table']);
  const databaseBytes = gauge('siem_database_size_bytes', 'Size of the siem database on disk.');
  const archiveDays = gauge('siem_archive_days', 'Days archived per table (archive_index), restored ones included.', ['table']);
  const archiveBytes = gauge('siem_archive_size_bytes', 'Compressed bytes of the archives per table.', ['table']);
  const archiveRows = gauge('siem_archive_rows', 'Rows held in archives per table.', ['table']);
  const archiveRestored = gauge('siem_archive_restored_days', 'Archived days currently restored as partitions.', ['table']);
  const walArchived = counter('siem_wal_archived_segments_total', 'WAL segments archived by the server (pg_stat_archiver, since its last reset).');
  const walFailures = counter('siem_wal_archive_failures_total', 'Failed WAL archive attempts (pg_stat_archiver, since its last reset).');
  const walLast = gauge('siem_wal_last_archived_timestamp_seconds', 'When the last WAL segment was archived (Unix time; 0: never).');
  const walMode = gauge('siem_wal_archiving_enabled', '1 when archive_mode is on.');
  const backupLast = gauge('siem_backup_last_success_timestamp_seconds', 'When the newest complete backup of each kind finished (Unix time).', ['kind']);
  const backupBytes = gauge('siem_backup_size_bytes', 'Size of the newest complete backup of each kind.', ['kind']);
  const walArchiveBytes = gauge('siem_wal_archive_size_bytes', 'Bytes of archived WAL kept in SIEM_BACKUP_DIR.');
  const collectErrors = new Counter({ name: 'siem_metrics_collect_errors_total', help: 'Failed refreshes of the database-derived metrics.', registers });

  const jobDuration = new Histogram({
    name: 'siem_worker_job_duration_seconds',
    help: 'Time graphile-worker jobs take to run, per task and outcome.',
    labelNames: ['task', 'outcome'],
    buckets: latencyBuckets,
    registers,
  });
  const jobLatency = new Histogram({
    name: 'siem_worker_job_latency_seconds',
    help: 'Time from when a job was due (run_at) to when a worker started it, per task.',
    labelNames: ['task'],
    buckets: latencyBuckets,
    registers,
  });
  const jobsDone = new Counter({ name: 'siem_worker_jobs_total', help: 'Jobs finished, per task and outcome (success, error).', labelNames: ['task', 'outcome'], registers });

  if (options.events) {
    const started = new Map<string, number>();
    options.events.on('job:start', ({ job }) => {
      started.set(job.id, Date.now());
      jobLatency.observe({ task: job.task_identifier }, Math.max(0, (Date.now() - new Date(job.run_at).getTime()) / 1000));
    });
    const finish = (outcome: 'success' | 'error') => ({ job }: { job: { id: string; task_identifier: string } }) => {
      const start = started.get(job.id);
      started.delete(job.id);
      jobsDone.inc({ task: job.task_identifier, outcome });
      if (start !== undefined) jobDuration.observe({ task: job.task_identifier, outcome }, (Date.now() - start) / 1000);
    };
    options.events.on('job:success', finish('success'));
    options.events.on('job:error', finish('error'));
  }

  /** Sets a labelled metric to exactly these values (labels that disappeared are dropped). */
  function replace<T extends string>(metric: Gauge<T> | Counter<T>, rows: { labels: Partial<Record<T, string>>; value: number }[]) {
    metric.reset();
    for (const { labels, value } of rows) {
      if (metric instanceof Gauge) metric.set(labels, value);
      else metric.inc(labels, value);
    }
  }

  async function refreshFromDatabase(): Promise<void> {
    try {
      const [totals, queue, sizes, database, archives, wal] = await Promise.all([
        options.pool.query<{ kind: string; label: string; n: string }>('select kind, label, n from siem_private.metric_totals()'),
        options.pool.query<{ task_identifier: string; state: string; jobs: string; oldest_age_seconds: number }>('select * from siem_private.metric_job_queue()'),
        options.pool.query<{ table_name: string; total_bytes: string; rows_estimate: string }>('select * from siem_private.metric_table_sizes()'),
        options.pool.query<{ bytes: string }>('select pg_database_size(current_database()) as bytes'),
        options.pool.query<{ table_name: string; days: string; row_count: string; bytes: string; restored: string }>('select * from siem_private.metric_archives()'),
        options.pool.query('select * from siem_private.metric_wal_archiver()'),
      ]);
      const ofKind = (kind: string) => totals.rows.filter((r) => r.kind === kind);
      replace(linesReceived, ofKind('lines_received').map((r) => ({ labels: { source: r.label }, value: Number(r.n) })));
      replace(quarantined, ofKind('quarantined').map((r) => ({ labels: { reason: r.label }, value: Number(r.n) })));
      replace(batches, ofKind('batches').map((r) => ({ labels: { agent: r.label }, value: Number(r.n) })));
      replace(jobs, queue.rows.map((r) => ({ labels: { task: r.task_identifier, state: r.state }, value: Number(r.jobs) })));
      const oldest = new Map<string, number>();
      for (const r of queue.rows) if (r.state === 'waiting' || r.state === 'running') oldest.set(r.task_identifier, Math.max(oldest.get(r.task_identifier) ?? 0, r.oldest_age_seconds));
      replace(oldestDue, [...oldest].map(([task, value]) => ({ labels: { task }, value })));
      replace(tableBytes, sizes.rows.map((r) => ({ labels: { table: r.table_name }, value: Number(r.total_bytes) })));
      replace(tableRows, sizes.rows.map((r) => ({ labels: { table: r.table_name }, value: Number(r.rows_estimate) })));
      databaseBytes.set(Number(database.rows[0]?.bytes ?? 0));
      replace(archiveDays, archives.rows.map((r) => ({ labels: { table: r.table_name }, value: Number(r.days) })));
      replace(archiveBytes, archives.rows.map((r) => ({ labels: { table: r.table_name }, value: Number(r.bytes) })));
      replace(archiveRows, archives.rows.map((r) => ({ labels: { table: r.table_name }, value: Number(r.row_count) })));
      replace(archiveRestored, archives.rows.map((r) => ({ labels: { table: r.table_name }, value: Number(r.restored) })));
      const archiver = wal.rows[0];
      if (archiver) {
        replace(walArchived, [{ labels: {}, value: Number(archiver.archived_count) }]);
        replace(walFailures, [{ labels: {}, value: Number(archiver.failed_count) }]);
        walLast.set(seconds(archiver.last_archived_at));
        walMode.set(archiver.archive_mode === 'off' ? 0 : 1);
      }
      if (options.backupDir) {
        const backups = listBackups(options.backupDir);
        for (const kind of ['logical', 'base'] as const) {
          const newest = backups.filter((b) => b.kind === kind).at(-1);
          if (!newest) continue;
          backupLast.set({ kind }, Date.parse(newest.finishedAt) / 1000);
          backupBytes.set({ kind }, newest.bytes);
        }
        walArchiveBytes.set(walArchiveSummary(options.backupDir).bytes);
      }
    } catch (error) {
      collectErrors.inc();
      options.log?.(`metrics: ${(error as Error).message}`);
    }
  }

  return { refresh };
}
