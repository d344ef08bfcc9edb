import type { Readable } from 'node:stream';

export interface Line {
  bytes: Buffer;
  /** The line was longer than the limit and was cut; the rest follows as further lines. */
  split: boolean;
}

const newline = 0x0a;
const carriageReturn = 0x0d;

function withoutCarriageReturn(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === carriageReturn ? bytes.subarray(0, bytes.length - 1) : bytes;
}

/**
 * Splits a byte stream into lines without decoding it, so invalid UTF-8 and NUL bytes reach the
 * envelope untouched. LF ends a line (a CR before it is dropped); a final line without LF counts.
 * Lines longer than maxLineBytes are cut into pieces with `split` set (the envelope flag `line_split`). Yields arrays of lines per
 * chunk read, which keeps the per-line overhead of async iteration away from the hot path.
 */
export async function* readLines(stream: Readable, maxLineBytes = 16 * 1024 * 1024): AsyncGenerator<Line[]> {
  let pending: Buffer[] = [];
  let pendingLength = 0;
  // Earlier pieces of the current line were already emitted because it outgrew maxLineBytes.
  let continuation = false;
  const takePending = (tail: Buffer): Buffer => {
    const joined = pendingLength > 0 ? Buffer.concat([...pending, tail]) : tail;
    pending = [];
    pendingLength = 0;
    return joined;
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const end = buffer.indexOf(newline, start);
      if (end === -1) break;
      const line = withoutCarriageReturn(takePending(buffer.subarray(start, end)));
      pushLine(lines, line, maxLineBytes, continuation);
      continuation = false;
      start = end + 1;
    }
    if (start < buffer.length) {
      pending.push(buffer.subarray(start));
      pendingLength += buffer.length - start;
      if (pendingLength > maxLineBytes) {
        const joined = takePending(Buffer.alloc(0));
        const emitted = Math.floor((joined.length - 1) / maxLineBytes) * maxLineBytes;
        pushLine(lines, joined.subarray(0, emitted), maxLineBytes, true);
        pending = [joined.subarray(emitted)];
        pendingLength = joined.length - emitted;
        continuation = true;
      }
    }
    if (lines.length > 0) yield lines;
  }
  if (pendingLength > 0) {
    const last: Line[] = [];
    pushLine(last, withoutCarriageReturn(takePending(Buffer.alloc(0))), maxLineBytes, continuation);
    yield last;
  }
}

function pushLine(lines: Line[], bytes: Buffer, maxLineBytes: number, continuation: boolean): void {
  if (bytes.length <= maxLineBytes && !continuation) {
    lines.push({ bytes, split: false });
    return;
  }
  for (let offset = 0; offset < bytes.length; offset += maxLineBytes) {
    lines.push({ bytes: bytes.subarray(offset, offset + maxLineBytes), split: true });
  }
}
