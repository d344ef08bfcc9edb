import type { Readable } from 'node:stream';
import type pg from 'pg';
import { Batcher, type Batch, type BatchOutcome } from './batch_sender.ts';
import type { Envelope } from './envelope.ts';
import { readLines } from './lines.ts';

export interface IngestStreamOptions {
  pool: pg.Pool;
  input: Readable;
  /** The input's size in bytes, when known (a file): lets the last batches shrink so the connections finish together. */
  inputBytes?: number;
  source: string;
  host: string;
  agent: string;
  batchLines: number;
  batchMs: number;
  /** Batches in flight at once, each on its own connection. */
  connections: number;
  onBatch?: (batch: Batch, outcome: BatchOutcome) => void;
  onRetry?: (batch: Batch, attempt: number, error: Error) => void;
  onLines?: (lines: number) => void;
}

export interface IngestSummary {
  lines: number;
  batches: number;
  duplicateBatches: number;
  seconds: number;
  linesPerSecond: number;
}

/** Streams the lines of `input` as envelopes into events_raw, batch by batch. */
export async function ingestStream(options: IngestStreamOptions): Promise<IngestSummary> {
  const started = performance.now();
  let lines = 0;
  let batches = 0;
  let duplicateBatches = 0;
  let bytesRead = 0;
  // what is left of the file, at the mean line length so far
  const unreadLines = () => (lines === 0 ? 0 : Math.max(0, (options.inputBytes ?? 0) - bytesRead) / (bytesRead / lines));
  const batcher = new Batcher({
    pool: options.pool,
    agent: options.agent,
    maxLines: options.batchLines,
    maxDelayMs: options.batchMs,
    concurrency: options.connections,
    unreadLines: options.inputBytes === undefined ? undefined : unreadLines,
    onBatch: (batch, outcome) => {
      batches += 1;
      if (outcome === 'duplicate') duplicateBatches += 1;
      options.onBatch?.(batch, outcome);
    },
    onRetry: options.onRetry,
  });
  for await (const chunk of readLines(options.input)) {
    // One timestamp per chunk read: the moment these lines were received.
    const timestamp = new Date();
    if (options.inputBytes !== undefined) for (const line of chunk) bytesRead += line.bytes.length + 1;
    const envelopes: Envelope[] = chunk.map((line) => ({
      timestamp,
      host: options.host,
      source: options.source,
      raw: line.bytes,
      flags: line.split ? ['line_split'] : undefined,
    }));
    lines += chunk.length;
    await batcher.add(envelopes);
    options.onLines?.(lines);
  }
  await batcher.close();
  const seconds = (performance.now() - started) / 1000;
  return { lines, batches, duplicateBatches, seconds, linesPerSecond: lines / seconds };
}
