import { isUtf8 } from 'node:buffer';

/** The seed's envelope: one received line with where and when it came from. */
export interface Envelope {
  timestamp: Date;
  host: string;
  source: string;
  raw: Buffer;
  /** Flags the reader already knows, e.g. `line_split`. */
  flags?: string[];
}

export interface SanitizedLine {
  /** Text safe to store in a PostgreSQL `text` column. */
  text: string;
  /** The exact bytes when `text` differs from them, otherwise null. */
  exactBytes: Buffer | null;
  flags: string[];
}

const replacementCharacter = '\uFFFD';

/**
 * PostgreSQL text cannot hold NUL and rejects invalid UTF-8 (which would abort the whole COPY), so
 * such lines travel as sanitized text plus their exact bytes, flagged.
 */
export function sanitizeLine(bytes: Buffer): SanitizedLine {
  const validUtf8 = isUtf8(bytes);
  const hasNul = bytes.indexOf(0) !== -1;
  if (validUtf8 && !hasNul) return { text: bytes.toString('utf8'), exactBytes: null, flags: [] };
  const flags: string[] = [];
  if (!validUtf8) flags.push('invalid_utf8');
  if (hasNul) flags.push('nul_bytes');
  let text = bytes.toString('utf8');
  if (hasNul) text = text.replaceAll('\0', replacementCharacter);
  return { text, exactBytes: Buffer.from(bytes), flags };
}

const copyEscapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const needsEscape = /[\\\n\r\t]/;
const escapePattern = /[\\\n\r\t]/g;

/** Escapes a value for COPY's text format. */
export function copyText(value: string): string {
  return needsEscape.test(value) ? value.replace(escapePattern, (c) => copyEscapes[c]!) : value;
}

export const rawColumns = ['ts', 'agent', 'batch_id', 'batch_seq', 'host', 'source', 'raw', 'raw_bytes', 'flags'] as const;

/** A text[] literal of flags for COPY's text format (flag names hold no quoting characters). */
export function arrayLiteral(flags: string[]): string {
  return flags.length === 0 ? '{}' : `{${flags.join(',')}}`;
}

/**
 * One COPY text-format row of events_raw (columns in `rawColumns` order), newline included, as a
 * string: the reference for CopyRows, which writes the same bytes directly and takes this path for
 * lines that are invalid UTF-8 or hold NUL.
 */
export function encodeRawRow(envelope: Envelope, agent: string, batchId: string, batchSeq: number, isoTimestamp: string): string {
  const line = sanitizeLine(envelope.raw);
  const flags = envelope.flags && envelope.flags.length > 0 ? [...envelope.flags, ...line.flags] : line.flags;
  const rawBytes = line.exactBytes ? '\\\\x' + line.exactBytes.toString('hex') : '\\N';
  return `${isoTimestamp}\t${copyText(agent)}\t${batchId}\t${batchSeq}\t${copyText(envelope.host)}\t${copyText(envelope.source)}\t${copyText(line.text)}\t${rawBytes}\t${arrayLiteral(flags)}\n`;
}
