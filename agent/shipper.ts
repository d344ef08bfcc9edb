import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { storeCopyRows } from './batch_sender.ts';
import type { CheckpointStore } from './checkpoints.ts';
import { CopyRows } from './copy_rows.ts';
import type { Envelope } from './envelope.ts';
import type { Logger } from './log.ts';
import type { AgentMetrics } from './metrics.ts';
import type { Spool, SpooledBatch, SpoolWriter } from './spool.ts';

/** What sources hand their envelopes to; `positions` say where each source resumes once these are stored. */
export interface Sink {
  /**
   * Hands envelopes over. `positions` hold once all of them are stored. The envelopes of one call
   * go into one batch unless the source says, with `positionAfter(i)`, where it resumes after the
   * i-th: a batch must never hold lines past the last position it carries, or a crash before the
   * next batch is sealed would read them again.
   */
  add(envelopes: Envelope[], positions?: Record<string, unknown>, positionAfter?: (index: number) => Record<string, unknown>): Promise<void>;
  /** True while the spool is full: sources that cannot wait (UDP) count a drop instead. */
  readonly blocked: boolean;
}

export interface ShipperOptions {
  pool: pg.Pool;
  agent: string;
  spool: Spool;
  checkpoints: CheckpointStore;
  maxLines: number;
  maxBytes: number;
  maxDelayMs: number;
  /** Batches sent at once, each on its own connection. */
  concurrency: number;
  log: Logger;
  metrics?: AgentMetrics;
}

interface Pending {
  batch: SpooledBatch | undefined;
  positions: Record<string, unknown>;
  state: 'queued' | 'sending' | 'done';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Envelopes -> batches (by size and time) -> disk spool -> COPY with the batch id recorded in
 * ingest_batches -> checkpoints. A batch is fsynced to the spool before it is sent and removed only
 * after its positions were persisted, and positions are applied in batch order, so a crash at any
 * point either resends a batch (a no-op if it committed) or re-reads lines no batch holds.
 */
export class Shipper implements Sink {
  private readonly options: ShipperOptions;
  /** The batch's file in the spool (opened with its first row); rows reach it in ~64 kB writes. */
  private writer: SpoolWriter | undefined;
  /** The batch's rows being encoded; `rows.bytes` counts all of them (the maxBytes limit). */
  private readonly rows = new CopyRows(64 * 1024);
  /** Chunks of rows encoded but not in the spool file yet (a failed write is retried with the next). */
  private readonly unwritten: Buffer[] = [];
  private id = randomUUID();
  private lineCount = 0;
  private positions: Record<string, unknown> = {};
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly queue: Pending[] = [];
  private sending = 0;
  private closing = false;
  private released = false;
  private drained: (() => void)[] = [];
  private stopWaiting: ((value: unknown) => void)[] = [];
  private waitingForRoom = false;
  /** The latest position every source handed over in this run (where a reloaded source resumes). */
  readonly handedPositions: Record<string, unknown> = {};

  constructor(options: ShipperOptions) {
    this.options = options;
  }

  /** Committed checkpoints overlaid with the positions of batches still in the spool: where sources resume. */
  static resumePositions(checkpoints: CheckpointStore, spooled: SpooledBatch[]): Record<string, unknown> {
    const positions = { ...checkpoints.all() };
    for (const batch of spooled) Object.assign(positions, batch.positions);
    return positions;
  }

  /** Queues the batches a previous run left in the spool; they go first. */
  resume(spooled: SpooledBatch[]): void {
    for (const batch of spooled) this.queue.push({ batch, positions: batch.positions, state: 'queued' });
    this.updateGauges();
    this.pump();
  }

  get blocked(): boolean {
    return this.waitingForRoom || this.options.spool.full;
  }

  add(envelopes: Envelope[], positions?: Record<string, unknown>, positionAfter?: (index: number) => Record<string, unknown>): Promise<void> {
    const next = this.chain.then(() => this.addNow(envelopes, positions, positionAfter));
    this.chain = next.catch(() => {});
    return next;
  }

  /** Holds the caller while the spool is full (the source stops reading). */
  private async roomInSpool(): Promise<void> {
    if (this.released) throw new Error('the agent is shutting down');
    if (!this.options.spool.full) return;
    this.waitingForRoom = true;
    this.options.metrics?.spoolFull.set(1);
    await Promise.race([this.options.spool.waitForRoom(), new Promise((resolve) => this.stopWaiting.push(resolve))]);
    this.waitingForRoom = false;
    this.options.metrics?.spoolFull.set(0);
    if (this.released) throw new Error('the agent is shutting down');
  }

  /** Shutting down: sources held back by a full spool give up instead of waiting for room. */
  release(): void {
    this.released = true;
    for (const wake of this.stopWaiting.splice(0)) wake(undefined);
  }

  private full(): boolean {
    return this.lineCount >= this.options.maxLines || this.rows.bytes >= this.options.maxBytes;
  }

  private async addNow(envelopes: Envelope[], positions: Record<string, unknown> | undefined, positionAfter: ((index: number) => Record<string, unknown>) | undefined): Promise<void> {
    await this.roomInSpool();
    if (this.lineCount > 0 && envelopes.length > 0) {
      let rawBytes = 0;
      for (const envelope of envelopes) rawBytes += envelope.raw.length + 80;
      // Start a new batch rather than split this call's envelopes over two.
      if (this.lineCount + envelopes.length > this.options.maxLines || this.rows.bytes + rawBytes > this.options.maxBytes) this.seal();
    }
    for (let i = 0; i < envelopes.length; i++) {
      const envelope = envelopes[i]!;
      if (i > 0 && positionAfter && this.full()) {
        const reached = positionAfter(i - 1);
        Object.assign(this.positions, reached);
        Object.assign(this.handedPositions, reached);
        this.seal();
        await this.roomInSpool();
      }
      this.rows.add(envelope, this.options.agent, this.id, this.lineCount);
      this.lineCount += 1;
      for (const chunk of this.rows.takeFilled()) this.unwritten.push(chunk);
      if (this.unwritten.length > 0) {
        this.writer ??= this.options.spool.open();
        this.writer.append(this.unwritten);
      }
    }
    // Positions belong to the batch holding the last of these envelopes.
    if (positions) {
      Object.assign(this.positions, positions);
      Object.assign(this.handedPositions, positions);
    }
    if (this.full()) this.seal();
    if ((this.lineCount > 0 || Object.keys(this.positions).length > 0) && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch((error: Error) => this.options.log.error('cannot write a batch to the spool; trying again with the next lines', { error: error.message }));
      }, this.options.maxDelayMs);
    }
  }

  /** Seals the batch being filled now (after what was added before). */
  flush(): Promise<void> {
    const next = this.chain.then(() => this.seal());
    this.chain = next.catch(() => {});
    return next;
  }

  private seal(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const positions = this.positions;
    if (this.lineCount === 0) {
      if (Object.keys(positions).length === 0) return;
      this.positions = {};
      this.queue.push({ batch: undefined, positions, state: 'done' });
      this.settle();
      return;
    }
    this.writer ??= this.options.spool.open();
    for (const chunk of this.rows.finish()) this.unwritten.push(chunk);
    this.writer.append(this.unwritten);
    const batch = this.options.spool.seal(this.writer, this.id, this.lineCount, positions);
    this.writer = undefined;
    this.id = randomUUID();
    this.lineCount = 0;
    this.positions = {};
    this.queue.push({ batch, positions, state: 'queued' });
    this.updateGauges();
    this.pump();
  }

  private pump(): void {
    for (const pending of this.queue) {
      if (this.sending >= this.options.concurrency || this.closing) return;
      if (pending.state !== 'queued') continue;
      pending.state = 'sending';
      this.sending += 1;
      void this.send(pending).then((sent) => {
        this.sending -= 1;
        if (sent) {
          pending.state = 'done';
          this.settle();
        } else {
          pending.state = 'queued';
        }
        this.pump();
      });
    }
  }

  /** Retries until stored (or the agent stops: the batch then stays in the spool for the next run). */
  private async send(pending: Pending): Promise<boolean> {
    const batch = pending.batch!;
    const { pool, agent, log, metrics } = this.options;
    for (let attempt = 1; !this.closing; attempt++) {
      const started = performance.now();
      try {
        const outcome = await storeCopyRows(pool, agent, batch, this.options.spool.rows(batch));
        metrics?.sendSeconds.observe((performance.now() - started) / 1000);
        metrics?.batches.inc({ outcome });
        if (outcome === 'stored') metrics?.linesStored.inc(batch.lineCount);
        log.debug('batch stored', { batch: batch.id, lines: batch.lineCount, outcome });
        return true;
      } catch (error) {
        metrics?.sendFailures.inc();
        const delay = Math.min(250 * 2 ** Math.min(attempt - 1, 10), 10_000);
        log.warn('batch not stored yet; retrying', { batch: batch.id, lines: batch.lineCount, attempt, retry_in_ms: delay, error: (error as Error).message });
        await sleep(delay);
      }
    }
    return false;
  }

  /** Applies checkpoints of finished batches in order, then frees their spool space. */
  private settle(): void {
    while (this.queue[0]?.state === 'done') {
      const pending = this.queue.shift()!;
      this.options.checkpoints.commit(pending.positions);
      if (pending.batch) this.options.spool.remove(pending.batch);
    }
    this.updateGauges();
    if (this.queue.length === 0) for (const wake of this.drained.splice(0)) wake();
  }

  private updateGauges(): void {
    this.options.metrics?.spoolBytes.set(this.options.spool.bytes);
    this.options.metrics?.spoolBatches.set(this.options.spool.batches);
  }

  /** Seals what is buffered and waits up to timeoutMs for every batch to be stored; true when all were. */
  async drain(timeoutMs: number): Promise<boolean> {
    await this.flush();
    if (this.queue.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => this.drained.push(() => resolve(true))),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    return done;
  }

  /** Stops sending; what is not stored stays in the spool for the next run. */
  async close(timeoutMs: number): Promise<boolean> {
    const drained = await this.drain(timeoutMs);
    this.closing = true;
    // A send blocked on an unreachable server is abandoned: its batch stays in the spool.
    for (let waited = 0; this.sending > 0 && waited < 5000; waited += 20) await sleep(20);
    return drained;
  }
}
