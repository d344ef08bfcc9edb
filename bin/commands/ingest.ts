import { createReadStream, statSync } from 'node:fs';
import { hostname } from 'node:os';
import cliProgress from 'cli-progress';
import pg from 'pg';
import type { Config } from '../config.ts';
import { prepareDatabase } from '../../db/runtime.ts';
import { ingestStream } from '../../agent/ingest_stream.ts';

export interface IngestOptions {
  source: string;
  host?: string;
  agent?: string;
  batchLines?: number;
  progress: boolean;
}

export async function ingestCommand(config: Config, file: string, options: IngestOptions): Promise<void> {
  if (options.batchLines !== undefined && !(options.batchLines > 0)) throw new Error('--batch-lines must be a positive whole number.');
  const fromStdin = file === '-';
  const totalBytes = fromStdin ? 0 : statSync(file).size;
  const input = fromStdin ? process.stdin : createReadStream(file, { highWaterMark: 1024 * 1024 });
  // On the embedded server, make sure the schema exists even if `siem start` never ran.
  const database = await prepareDatabase(config, { migrate: !config.databaseUrl, log: (message) => console.error(message) });
  const pool = new pg.Pool({ connectionString: database.urls.agent, max: config.ingestConnections });
  // An idle connection lost (e.g. a server restart) is replaced on next use; batches retry.
  pool.on('error', (error) => console.error(`database connection lost: ${error.message}`));
  const bar =
    options.progress && process.stderr.isTTY && !fromStdin
      ? new cliProgress.SingleBar(
          { format: 'ingest [{bar}] {percentage}% | {lines} lines | {rate} lines/s', stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(totalBytes, 0, { lines: 0, rate: 0 });
  const started = performance.now();
  try {
    const summary = await ingestStream({
      pool,
      input,
      inputBytes: fromStdin ? undefined : totalBytes,
      source: options.source,
      host: options.host ?? hostname(),
      agent: options.agent ?? hostname(),
      batchLines: options.batchLines ?? config.batchLines,
      batchMs: config.batchMs,
      connections: config.ingestConnections,
      onLines: (lines) => {
        if (!bar || fromStdin) return;
        const seconds = (performance.now() - started) / 1000;
        bar.update((input as ReturnType<typeof createReadStream>).bytesRead, { lines, rate: Math.round(lines / Math.max(seconds, 0.001)) });
      },
      onRetry: (batch, attempt, error) => console.error(`batch ${batch.id}: attempt ${attempt} failed (${error.message}); retrying`),
    });
    bar?.update(totalBytes);
    bar?.stop();
    console.log(
      `ingested ${summary.lines} lines in ${summary.batches} batches` +
        (summary.duplicateBatches ? ` (${summary.duplicateBatches} already stored, skipped)` : '') +
        ` in ${summary.seconds.toFixed(2)} s: ${Math.round(summary.linesPerSecond)} lines/s`,
    );
  } finally {
    bar?.stop();
    await pool.end();
    await database.stop();
  }
}
