import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync, type ReadStream } from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from './durable_file.ts';

/** A sealed batch on disk: its id, line count, the source positions it completes, and its COPY rows. */
export interface SpooledBatch {
  seq: number;
  /** `<seq>.batch`: the header (id, line count, positions), written once the rows are durable. */
  file: string;
  /** `<seq>.rows`: the COPY rows. */
  rowsFile: string;
  id: string;
  lineCount: number;
  positions: Record<string, unknown>;
  bytes: number;
}

interface Header {
  id: string;
  lineCount: number;
  positions: Record<string, unknown>;
}

/** The rows of the batch being filled, written to its file as they come (so a batch costs no memory). */
export class SpoolWriter {
  readonly seq: number;
  readonly rowsFile: string;
  readonly fd: number;
  bytes = 0;

  constructor(seq: number, rowsFile: string) {
    this.seq = seq;
    this.rowsFile = rowsFile;
    this.fd = openSync(rowsFile, 'w');
  }

  /** Writes the chunks in order, taking each out of `chunks` once written: after a failure the rest is still there to retry. */
  append(chunks: Buffer[]): void {
    while (chunks.length > 0) {
      const chunk = chunks[0]!;
      const written = writeSync(this.fd, chunk);
      this.bytes += written;
      if (written === chunk.length) chunks.shift();
      else chunks[0] = chunk.subarray(written);
    }
  }
}

const name = (seq: number) => String(seq).padStart(12, '0');

/**
 * The bounded local disk spool: every batch is written here (fsynced) before it is sent, and
 * removed once PostgreSQL committed it, so an outage or a crash loses nothing. When it holds
 * maxBytes, `waitForRoom` holds the sources back instead of dropping.
 */
export class Spool {
  readonly dir: string;
  readonly maxBytes: number;
  private nextSeq = 1;
  private used = 0;
  private count = 0;
  private waiters: (() => void)[] = [];

  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    mkdirSync(dir, { recursive: true });
  }

  get bytes(): number {
    return this.used;
  }

  get batches(): number {
    return this.count;
  }

  get full(): boolean {
    return this.used >= this.maxBytes;
  }

  /**
   * The batches a previous run left, oldest first. Rows without a header (a crash before the batch
   * was sealed: no checkpoint covers them, so they are read again) are removed.
   */
  recover(): SpooledBatch[] {
    const found: SpooledBatch[] = [];
    const names = readdirSync(this.dir);
    for (const entry of names) {
      const file = path.join(this.dir, entry);
      if (entry.endsWith('.tmp') || (entry.endsWith('.rows') && !names.includes(entry.replace(/\.rows$/, '.batch')))) {
        unlinkSync(file);
        continue;
      }
      if (!entry.endsWith('.batch')) continue;
      const seq = Number(entry.slice(0, -'.batch'.length));
      const rowsFile = path.join(this.dir, `${name(seq)}.rows`);
      const header = JSON.parse(readFileSync(file, 'utf8')) as Header;
      found.push({ seq, file, rowsFile, bytes: existsSync(rowsFile) ? statSync(rowsFile).size : 0, ...header });
    }
    found.sort((a, b) => a.seq - b.seq);
    for (const batch of found) {
      this.used += batch.bytes;
      this.count += 1;
      this.nextSeq = Math.max(this.nextSeq, batch.seq + 1);
    }
    return found;
  }

  open(): SpoolWriter {
    const seq = this.nextSeq++;
    return new SpoolWriter(seq, path.join(this.dir, `${name(seq)}.rows`));
  }

  /** Makes the rows durable, then the header: only a batch with both exists after a crash. */
  seal(writer: SpoolWriter, id: string, lineCount: number, positions: Record<string, unknown>): SpooledBatch {
    fsyncSync(writer.fd);
    closeSync(writer.fd);
    const file = path.join(this.dir, `${name(writer.seq)}.batch`);
    writeFileDurably(file, [JSON.stringify({ id, lineCount, positions } satisfies Header)]);
    this.used += writer.bytes;
    this.count += 1;
    return { seq: writer.seq, file, rowsFile: writer.rowsFile, id, lineCount, positions, bytes: writer.bytes };
  }

  /** The COPY rows of a spooled batch, streamed from disk. */
  rows(batch: SpooledBatch): ReadStream {
    return createReadStream(batch.rowsFile, { highWaterMark: 256 * 1024 });
  }

  remove(batch: SpooledBatch): void {
    unlinkSync(batch.file);
    unlinkSync(batch.rowsFile);
    this.used -= batch.bytes;
    this.count -= 1;
    if (!this.full) for (const wake of this.waiters.splice(0)) wake();
  }

  waitForRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
