import type { MultilineConfig } from '../config.ts';
import { eventXmlToJson } from './windows_xml.ts';

/** One event cut from a byte stream, with the stream offset just after it (where reading resumes). */
export interface FramedRecord {
  bytes: Buffer;
  end: number;
  flags?: string[];
}

/** Cuts records out of a stream fed chunk by chunk; bytes of an unfinished record wait for the next chunk. */
export interface Framer {
  /** `start` is the stream offset of chunk[0]. */
  push(chunk: Buffer, start: number): FramedRecord[];
  /** Records held back waiting for more (a multi-line event) that have waited long enough. */
  expire(now: number): FramedRecord[];
  /** The stream ended for good (a rotated file closed): everything held becomes records. */
  end(): FramedRecord[];
  /** Forgets everything held (the file was truncated). */
  reset(): void;
}

const LF = 0x0a;
const CR = 0x0d;

function trimCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/** LF-terminated lines (CR before LF dropped); lines over maxLineBytes are cut into pieces flagged line_split. */
export class LineFramer implements Framer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingEnd = 0;
  /** Earlier pieces of the pending line were emitted already (it outgrew maxLineBytes). */
  private continuation = false;
  private readonly maxLineBytes: number;

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  push(chunk: Buffer, start: number): FramedRecord[] {
    const records: FramedRecord[] = [];
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      if (lf === -1) break;
      let line = chunk.subarray(from, lf);
      if (this.pendingBytes > 0) {
        line = Buffer.concat([...this.pending, line]);
        this.pending = [];
        this.pendingBytes = 0;
      }
      line = trimCr(line);
      const end = start + lf + 1;
      if (line.length > this.maxLineBytes) {
        // Each piece but the last resumes right after itself.
        const lineEnd = end - (lf > 0 && chunk[lf - 1] === CR ? 2 : 1);
        for (let at = 0; at < line.length; at += this.maxLineBytes) {
          const pieceEnd = Math.min(at + this.maxLineBytes, line.length);
          records.push({ bytes: line.subarray(at, pieceEnd), end: pieceEnd === line.length ? end : lineEnd - (line.length - pieceEnd), flags: ['line_split'] });
        }
      } else {
        records.push({ bytes: line, end, flags: this.continuation ? ['line_split'] : undefined });
      }
      this.continuation = false;
      from = lf + 1;
    }
    if (from < chunk.length) {
      this.pending.push(chunk.subarray(from));
      this.pendingBytes += chunk.length - from;
      this.pendingEnd = start + chunk.length;
      if (this.pendingBytes >= this.maxLineBytes) {
        const joined = Buffer.concat(this.pending);
        let offset = 0;
        for (; joined.length - offset >= this.maxLineBytes; offset += this.maxLineBytes) {
          const end = this.pendingEnd - (joined.length - offset - this.maxLineBytes);
          records.push({ bytes: joined.subarray(offset, offset + this.maxLineBytes), end, flags: ['line_split'] });
        }
        this.pending = offset < joined.length ? [joined.subarray(offset)] : [];
        this.pendingBytes = joined.length - offset;
        this.continuation = true;
      }
    }
    return records;
  }

  expire(): FramedRecord[] {
    return [];
  }

  end(): FramedRecord[] {
    if (this.pendingBytes === 0) return [];
    const record = { bytes: trimCr(Buffer.concat(this.pending)), end: this.pendingEnd, flags: this.continuation ? ['line_split'] : undefined };
    this.reset();
    return [record];
  }

  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.continuation = false;
  }
}

/**
 * Joins lines into events: a line matching `start` begins an event, any other line continues the
 * one before (stack traces). An event is complete when the next one begins, at max_lines, or after
 * timeout_ms without a new line.
 */
export class MultilineFramer implements Framer {
  private readonly lines: LineFramer;
  private readonly config: MultilineConfig;
  private group: FramedRecord[] = [];
  private lastLineAt = 0;

  constructor(config: MultilineConfig, maxLineBytes: number) {
    this.config = config;
    this.lines = new LineFramer(maxLineBytes);
  }

  private take(): FramedRecord[] {
    if (this.group.length === 0) return [];
    const group = this.group;
    this.group = [];
    const flags = [...new Set(group.flatMap((line) => line.flags ?? []))];
    const bytes = group.length === 1 ? group[0]!.bytes : Buffer.concat(group.flatMap((line, i) => (i === 0 ? [line.bytes] : [Buffer.from('\n'), line.bytes])));
    return [{ bytes, end: group[group.length - 1]!.end, flags: flags.length > 0 ? flags : undefined }];
  }

  private group_(lines: FramedRecord[]): FramedRecord[] {
    const records: FramedRecord[] = [];
    for (const line of lines) {
      const starts = this.config.start.test(line.bytes.toString('utf8'));
      if (starts || this.group.length >= this.config.maxLines) records.push(...this.take());
      this.group.push(line);
    }
    if (lines.length > 0) this.lastLineAt = Date.now();
    return records;
  }

  push(chunk: Buffer, start: number): FramedRecord[] {
    return this.group_(this.lines.push(chunk, start));
  }

  expire(now: number): FramedRecord[] {
    return this.group.length > 0 && now - this.lastLineAt >= this.config.timeoutMs ? this.take() : [];
  }

  end(): FramedRecord[] {
    return [...this.group_(this.lines.end()), ...this.take()];
  }

  reset(): void {
    this.lines.reset();
    this.group = [];
  }
}

/** NDJSON of Winlogbeat or NXLog: each line re-serialized compactly; a line that is not JSON passes as is. */
export class WindowsJsonFramer implements Framer {
  private readonly lines: LineFramer;

  constructor(maxLineBytes: number) {
    this.lines = new LineFramer(maxLineBytes);
  }

  private compact(lines: FramedRecord[]): FramedRecord[] {
    const records: FramedRecord[] = [];
    for (const line of lines) {
      const text = line.bytes.toString('utf8').trim();
      if (text === '') continue;
      try {
        records.push({ ...line, bytes: Buffer.from(JSON.stringify(JSON.parse(text))) });
      } catch {
        records.push(line);
      }
    }
    return records;
  }

  push(chunk: Buffer, start: number): FramedRecord[] {
    return this.compact(this.lines.push(chunk, start));
  }
  expire(): FramedRecord[] {
    return [];
  }
  end(): FramedRecord[] {
    return this.compact(this.lines.end());
  }
  reset(): void {
    this.lines.reset();
  }
}

const eventOpen = Buffer.from('<Event');
const eventClose = Buffer.from('</Event>');

/** `<Event>...</Event>` elements (an exported Events file, or wevtutil output), each as its JSON. */
export class WindowsXmlFramer implements Framer {
  private buffer: Buffer = Buffer.alloc(0);
  /** Stream offset of buffer[0]. */
  private bufferStart = 0;

  push(chunk: Buffer, start: number): FramedRecord[] {
    if (this.buffer.length === 0) this.bufferStart = start;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const records: FramedRecord[] = [];
    let from = 0;
    for (;;) {
      let open = this.buffer.indexOf(eventOpen, from);
      // Skip <Events> (the wrapper) and anything else starting with "<Event".
      while (open !== -1 && open + eventOpen.length < this.buffer.length && !/[\s>/]/.test(String.fromCharCode(this.buffer[open + eventOpen.length]!))) {
        open = this.buffer.indexOf(eventOpen, open + 1);
      }
      if (open === -1 || open + eventOpen.length >= this.buffer.length) {
        // Keep a tail that may be the start of "<Event".
        from = open === -1 ? Math.max(from, this.buffer.length - eventOpen.length) : open;
        break;
      }
      const close = this.buffer.indexOf(eventClose, open);
      if (close === -1) {
        from = open;
        break;
      }
      const endIndex = close + eventClose.length;
      const xml = this.buffer.subarray(open, endIndex).toString('utf8');
      const end = this.bufferStart + endIndex;
      try {
        records.push({ bytes: Buffer.from(JSON.stringify(eventXmlToJson(xml))), end });
      } catch {
        records.push({ bytes: Buffer.from(xml), end, flags: ['xml_unparsable'] });
      }
      from = endIndex;
    }
    this.buffer = this.buffer.subarray(from);
    this.bufferStart += from;
    return records;
  }
  expire(): FramedRecord[] {
    return [];
  }
  end(): FramedRecord[] {
    this.reset();
    return [];
  }
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}

export function framerFor(format: 'lines' | 'windows_xml' | 'windows_json', maxLineBytes: number, multiline: MultilineConfig | undefined): Framer {
  if (format === 'windows_xml') return new WindowsXmlFramer();
  if (format === 'windows_json') return new WindowsJsonFramer(maxLineBytes);
  return multiline ? new MultilineFramer(multiline, maxLineBytes) : new LineFramer(maxLineBytes);
}
