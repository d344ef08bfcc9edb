import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { batchTarget, minTailBatchLines } from './batch_sizes.ts';
import { CopyRows } from './copy_rows.ts';
import { rawColumns, type Envelope } from './envelope.ts';

export interface Batch {
  id: string;
  lineCount: number;
  /** COPY text rows, newline-terminated, in chunks of about `copyChunkBytes` (CopyRows). */
  chunks: Buffer[];
  /** The rows' size in bytes (UTF-8 as sent): what `maxBytes` limits. */
  bytes: number;
}

export type BatchOutcome = 'stored' | 'duplicate';

const copyStatement = `copy public.events_raw (${rawColumns.join(', ')}) from stdin`;
/**
 * Stores one batch exactly once: its ingest_batches row and its COPY commit together, so a
 * retry after a lost acknowledgement finds the id taken and changes nothing.
 */
export async function sendBatch(pool: pg.Pool, agent: string, batch: Batch): Promise<BatchOutcome> {
  return storeCopyRows(pool, agent, batch, batch.chunks);
}

/** As sendBatch, for rows already encoded (e.g. read back from the agent's spool). */
export async function storeCopyRows(
  pool: pg.Pool,
  agent: string,
  batch: { id: string; lineCount: number },
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<BatchOutcome> {
  const client = await pool.connect();
  let healthy = true;
  // A connection dying between two queries is reported as an 'error' event, which would crash the
  // process without a listener; the next query fails with it anyway.
  const onError = () => {
    healthy = false;
  };
  client.on('error', onError);
  try {
    await client.query('begin');
    // The COPY's transition table and the trigger's sorts live in work_mem: keep a batch in memory.
    await client.query("set local work_mem = '64MB'");
    const claimed = await client.query('insert into public.ingest_batches (id, agent, line_count) values ($1, $2, $3) on conflict do nothing', [
      batch.id,
      agent,
      batch.lineCount,
    ]);
    if (claimed.rowCount === 0) {
      await client.query('rollback');
      return 'duplicate';
    }
    await pipeline(Readable.from(chunks), client.query(copyFrom(copyStatement)));
    await client.query('commit');
    return 'stored';
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(!healthy);
  }
}

/** The batch being filled. */
interface OpenBatch extends Omit<Batch, 'chunks' | 'bytes'> {
  rows: CopyRows;
}

export interface BatcherOptions {
  pool: pg.Pool;
  agent: string;
  maxLines: number;
  /** A batch is sent once its rows reach this many bytes. */
  maxBytes?: number;
  /** A partly filled batch is sent after this long. */
  maxDelayMs: number;
  /**
   * Batches in flight at once, each on its own connection. Two keep the server busy: one batch's
   * COPY streams while the previous one's normalization trigger runs.
   */
  concurrency?: number;
  retries?: number;
  /**
   * Lines of the input not yet added, when its length is known (a file being ingested): the last
   * batches then shrink so the connections finish together (batchTarget).
   */
  unreadLines?: () => number;
  onBatch?: (batch: Batch, outcome: BatchOutcome) => void;
  onRetry?: (batch: Batch, attempt: number, error: Error) => void;
}

/** The first batch is sent alone (see Batcher.firstBatch), so it is as small as a batch worth its fixed cost. */
export const firstBatchLines = minTailBatchLines;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Collects envelopes into batches by size and time and sends them one at a time, building the next
 * batch while the previous one is in flight. `add` waits when a full batch is queued (backpressure).
 */
export class Batcher {
  private readonly options: Required<Omit<BatcherOptions, 'onBatch' | 'onRetry' | 'unreadLines'>> & BatcherOptions;
  private current: OpenBatch = Batcher.emptyBatch();
  /** Lines the current batch takes before it is sent, decided when it starts. */
  private currentTarget: number;
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * The stream's first batch, stored before any other starts: a CSV source without a configured
   * header learns it from the first line the server sees, which must be the stream's first line,
   * not the first line of a smaller batch that overtook it on another connection.
   */
  private firstBatch: Promise<void> | undefined;
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: BatcherOptions) {
    this.options = { maxBytes: 32 * 1024 * 1024, retries: 5, concurrency: 2, ...options };
    this.currentTarget = Math.min(this.options.maxLines, firstBatchLines);
  }

  private static emptyBatch(): OpenBatch {
    return { id: randomUUID(), lineCount: 0, rows: new CopyRows() };
  }

  async add(envelopes: Envelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    for (const [index, envelope] of envelopes.entries()) {
      if (this.current.lineCount === 0 && this.options.unreadLines && this.firstBatch !== undefined) {
        const remainingLines = envelopes.length - index + this.options.unreadLines();
        this.currentTarget = batchTarget({ maxLines: this.options.maxLines, connections: this.options.concurrency, remainingLines });
      }
      this.current.rows.add(envelope, this.options.agent, this.current.id, this.current.lineCount);
      this.current.lineCount += 1;
      if (this.current.lineCount >= this.currentTarget || this.current.rows.bytes >= this.options.maxBytes) {
        await this.flush();
      }
    }
    if (this.current.lineCount > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch(() => {});
      }, this.options.maxDelayMs);
    }
  }

  /** Hands the current batch to a sender, first waiting for a free slot. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.inFlight.size >= this.options.concurrency) await Promise.race(this.inFlight);
    if (this.firstBatch) await this.firstBatch;
    if (this.failure) throw this.failure;
    if (this.current.lineCount === 0) return;
    const { rows, ...open } = this.current;
    const bytes = rows.bytes;
    const batch: Batch = { ...open, bytes, chunks: rows.finish() };
    this.current = Batcher.emptyBatch();
    const sending: Promise<void> = this.sendWithRetries(batch)
      .catch((error: Error) => {
        this.failure ??= error;
      })
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
    if (this.firstBatch === undefined) {
      this.firstBatch = sending;
      this.currentTarget = this.options.maxLines;
    }
  }

  /** Sends everything still buffered and waits until it is stored. */
  async close(): Promise<void> {
    await this.flush();
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  private async sendWithRetries(batch: Batch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await sendBatch(this.options.pool, this.options.agent, batch);
        this.options.onBatch?.(batch, outcome);
        return;
      } catch (error) {
        if (attempt > this.options.retries) {
          throw new Error(`Batch ${batch.id} (${batch.lineCount} lines) was not stored after ${attempt} attempts: ${(error as Error).message}`, {
            cause: error,
          });
        }
        this.options.onRetry?.(batch, attempt, error as Error);
        await sleep(Math.min(200 * 2 ** (attempt - 1), 10_000));
      }
    }
  }
}
