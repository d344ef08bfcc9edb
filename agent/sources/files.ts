import { createHash } from 'node:crypto';
import { glob, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FileSourceConfig } from '../config.ts';
import type { Envelope } from '../envelope.ts';
import type { Logger } from '../log.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { Sink } from '../shipper.ts';
import { framerFor, type FramedRecord, type Framer } from './framing.ts';

/** Checkpoint of one file, stored under `file:<dev>:<inode>`. */
export interface FilePosition {
  path: string;
  offset: number;
  /** How many leading bytes the fingerprint covers, and their hash: tells inode reuse from the same file. */
  fpLen: number;
  fp: string;
}

const fingerprintBytes = 1024;
const readChunkBytes = 256 * 1024;

async function fingerprint(handle: FileHandle, length: number): Promise<string> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, 0);
  return createHash('sha256').update(buffer.subarray(0, bytesRead)).digest('hex').slice(0, 32);
}

interface Tailed {
  key: string;
  path: string;
  handle: FileHandle;
  /** Bytes handed to the framer so far. */
  readOffset: number;
  /** Size at the last look; a change means the file is active. */
  lastSize: number;
  lastChangeAt: number;
  fpLen: number;
  fp: string;
  framer: Framer;
  gone: boolean;
}

/**
 * Tails the files matching the globs, polling every poll_ms: new files as they appear, renamed
 * files through their open descriptor until they stay idle for close_after_ms, truncated files
 * (copytruncate) from their start. Resumes from checkpoints keyed by device+inode and checked by
 * a fingerprint of the first bytes, so a reused inode is not mistaken for the old file.
 */
export class FileSource {
  private readonly config: FileSourceConfig;
  private readonly sink: Sink;
  private readonly resume: Readonly<Record<string, unknown>>;
  private readonly log: Logger;
  private readonly metrics: AgentMetrics | undefined;
  private readonly tailed = new Map<string, Tailed>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(config: FileSourceConfig, sink: Sink, resume: Readonly<Record<string, unknown>>, log: Logger, metrics?: AgentMetrics) {
    this.config = config;
    this.sink = sink;
    this.resume = resume;
    this.log = log;
    this.metrics = metrics;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    for (const file of this.tailed.values()) await file.handle.close().catch(() => {});
    this.metrics?.filesOpen.dec(this.tailed.size);
    this.tailed.clear();
  }

  private async run(): Promise<void> {
    let initial = true;
    while (!this.stopped) {
      try {
        await this.scan(initial);
        initial = false;
      } catch (error) {
        this.log.error('file source failed a scan; trying again', { paths: this.config.paths, error: (error as Error).message });
      }
      if (this.stopped) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.config.pollMs);
      });
    }
  }

  private async matchingPaths(): Promise<string[]> {
    const excluded = (file: string) => this.config.exclude.some((pattern) => path.matchesGlob(file, pattern) || path.matchesGlob(path.basename(file), pattern));
    const found = new Set<string>();
    for (const pattern of this.config.paths) {
      for await (const file of glob(pattern)) {
        const absolute = path.resolve(file);
        if (!excluded(absolute)) found.add(absolute);
      }
    }
    return [...found].sort();
  }

  private async scan(initial: boolean): Promise<void> {
    const seen = new Set<string>();
    for (const file of await this.matchingPaths()) {
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const key = `file:${info.dev}:${info.ino}`;
      seen.add(key);
      const known = this.tailed.get(key);
      if (known) {
        known.path = file;
        known.gone = false;
        continue;
      }
      const previous = [...this.tailed.values()].find((t) => t.path === file);
      if (previous) {
        previous.gone = true;
        this.metrics?.fileRotations.inc({ kind: 'renamed' });
        this.log.info('file rotated (a new file at the path)', { path: file });
      }
      await this.openFile(key, file, info.size, initial);
    }
    for (const file of this.tailed.values()) if (!seen.has(file.key)) file.gone = true;
    for (const file of [...this.tailed.values()]) {
      if (this.stopped) return;
      await this.readFile(file);
    }
  }

  private async openFile(key: string, file: string, size: number, initial: boolean): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      this.log.warn('cannot open file', { path: file, error: (error as Error).message });
      return;
    }
    let offset = 0;
    const saved = this.resume[key] as FilePosition | undefined;
    if (saved) {
      // Same inode: resume if its first bytes are unchanged; otherwise it was truncated while we
      // were away, or it is another file on a reused inode, and is read from its start either way.
      const same = saved.fpLen <= size && (await fingerprint(handle, saved.fpLen)) === saved.fp;
      offset = same && saved.offset <= size ? saved.offset : 0;
    } else if (initial && this.config.startAt === 'end') {
      offset = size;
    }
    const fpLen = Math.min(size, fingerprintBytes);
    const tailed: Tailed = {
      key,
      path: file,
      handle,
      readOffset: offset,
      lastSize: size,
      lastChangeAt: Date.now(),
      fpLen,
      fp: await fingerprint(handle, fpLen),
      framer: framerFor(this.config.format, this.config.maxLineBytes, this.config.multiline),
      gone: false,
    };
    this.tailed.set(key, tailed);
    this.metrics?.filesOpen.inc();
    this.log.info('tailing file', { path: file, from: offset, resumed: saved !== undefined && offset > 0 });
  }

  private position(file: Tailed, offset: number): Record<string, FilePosition> {
    return { [file.key]: { path: file.path, offset, fpLen: file.fpLen, fp: file.fp } };
  }

  private async emit(file: Tailed, records: FramedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const timestamp = new Date();
    const envelopes: Envelope[] = records.map((record) => ({ timestamp, host: this.config.host, source: this.config.source, raw: record.bytes, flags: record.flags }));
    this.metrics?.linesRead.inc({ kind: 'file', source: this.config.source }, envelopes.length);
    await this.sink.add(envelopes, this.position(file, records[records.length - 1]!.end), (i) => this.position(file, records[i]!.end));
  }

  private async readFile(file: Tailed): Promise<void> {
    const { size } = await file.handle.stat();
    const now = Date.now();
    let truncated = size < file.readOffset;
    if (!truncated && size !== file.lastSize && file.fpLen > 0) {
      // Truncated and written again past our offset between two looks: the first bytes changed.
      truncated = (await fingerprint(file.handle, file.fpLen)) !== file.fp;
    }
    if (truncated) {
      this.metrics?.fileRotations.inc({ kind: 'truncated' });
      this.log.info('file truncated; reading it from the start', { path: file.path, size, offset: file.readOffset });
      file.framer.reset();
      file.readOffset = 0;
      file.fpLen = 0;
      file.fp = await fingerprint(file.handle, 0);
      await this.sink.add([], this.position(file, 0));
    }
    if (size !== file.lastSize) {
      file.lastSize = size;
      file.lastChangeAt = now;
    }
    if (file.fpLen < fingerprintBytes && size > file.fpLen) {
      file.fpLen = Math.min(size, fingerprintBytes);
      file.fp = await fingerprint(file.handle, file.fpLen);
    }
    while (file.readOffset < size && !this.stopped) {
      const buffer = Buffer.allocUnsafe(Math.min(readChunkBytes, size - file.readOffset));
      const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, file.readOffset);
      if (bytesRead === 0) break;
      const start = file.readOffset;
      file.readOffset += bytesRead;
      await this.emit(file, file.framer.push(buffer.subarray(0, bytesRead), start));
    }
    await this.emit(file, file.framer.expire(now));
    if (file.gone && file.readOffset >= size && now - file.lastChangeAt >= this.config.closeAfterMs) {
      await this.emit(file, file.framer.end());
      await file.handle.close().catch(() => {});
      this.tailed.delete(file.key);
      this.metrics?.filesOpen.dec();
      this.log.info('closed file (gone from the paths and idle)', { path: file.path });
    }
  }
}
