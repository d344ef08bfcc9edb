import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from './durable_file.ts';

/** A sealed batch on disk: its id, line count, the source positions it completes, and its COPY rows. */
export interface SpooledBatch {
  seq: number;
  file: string;
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

const suffix = '.batch';

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

  /** The batches a previous run left, oldest first; half-written files (crash mid-write) are removed. */
  recover(): SpooledBatch[] {
    const found: SpooledBatch[] = [];
    for (const name of readdirSync(this.dir)) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        unlinkSync(file);
        continue;
      }
      if (!name.endsWith(suffix)) continue;
      const seq = Number(name.slice(0, -suffix.length));
      const header = readHeader(file);
      const bytes = statSync(file).size;
      found.push({ seq, file, bytes, ...header });
    }
    found.sort((a, b) => a.seq - b.seq);
    for (const batch of found) {
      this.used += batch.bytes;
      this.count += 1;
      this.nextSeq = Math.max(this.nextSeq, batch.seq + 1);
    }
    return found;
  }

  write(id: string, lineCount: number, positions: Record<string, unknown>, rows: Buffer[]): SpooledBatch {
    const seq = this.nextSeq++;
    const file = path.join(this.dir, `${String(seq).padStart(12, '0')}${suffix}`);
    const header = JSON.stringify({ id, lineCount, positions } satisfies Header) + '\n';
    writeFileDurably(file, [header, ...rows]);
    const bytes = Buffer.byteLength(header) + rows.reduce((sum, chunk) => sum + chunk.length, 0);
    this.used += bytes;
    this.count += 1;
    return { seq, file, id, lineCount, positions, bytes };
  }

  /** The COPY rows of a spooled batch. */
  rows(batch: SpooledBatch): Buffer {
    const content = readFileSync(batch.file);
    return content.subarray(content.indexOf(0x0a) + 1);
  }

  remove(batch: SpooledBatch): void {
    unlinkSync(batch.file);
    this.used -= batch.bytes;
    this.count -= 1;
    if (!this.full) for (const wake of this.waiters.splice(0)) wake();
  }

  waitForRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function readHeader(file: string): Header {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) throw new Error(`spool file ${file} has no header line`);
      const end = chunk.subarray(0, read).indexOf(0x0a);
      if (end !== -1) {
        chunks.push(chunk.subarray(0, end));
        return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Header;
      }
      chunks.push(chunk.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
}
