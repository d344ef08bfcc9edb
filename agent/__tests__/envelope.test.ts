import { describe, expect, it } from 'vitest';
import { copyText, encodeRawRow, sanitizeLine } from '../envelope.ts';

describe('sanitizeLine', () => {
  it('returns valid UTF-8 unchanged with no exact bytes', () => {
    expect(sanitizeLine(Buffer.from('héllo ✓'))).toEqual({ text: 'héllo ✓', exactBytes: null, flags: [] });
  });

  it('replaces NUL and invalid bytes and keeps the exact bytes', () => {
    const bytes = Buffer.from([0x61, 0x00, 0xff, 0x62]);
    const line = sanitizeLine(bytes);
    expect(line.text).toBe('a\uFFFD\uFFFDb');
    expect(line.flags).toEqual(['invalid_utf8', 'nul_bytes']);
    expect(line.exactBytes).toEqual(bytes);
  });
});

describe('COPY text encoding', () => {
  it('escapes backslash, tab, CR and LF', () => {
    expect(copyText('a\\b\tc\rd\ne')).toBe('a\\\\b\\tc\\rd\\ne');
  });

  it('encodes one row in column order with bytea hex and flags', () => {
    const row = encodeRawRow(
      { timestamp: new Date(0), host: 'h', source: 's', raw: Buffer.from([0x00]), flags: ['line_split'] },
      'agent',
      'b1',
      3,
      '1970-01-01T00:00:00.000Z',
    );
    expect(row).toBe('1970-01-01T00:00:00.000Z\tagent\tb1\t3\th\ts\t\uFFFD\t\\\\x00\t{line_split,nul_bytes}\n');
  });
});
