import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { CopyRows, copyChunkBytes } from '../copy_rows.ts';
import { pick, seededRandom, type Random } from '../demo.ts';
import { encodeRawRow, type Envelope } from '../envelope.ts';

const pieces: number[][] = [
  [0x00],
  [0x09],
  [0x0a],
  [0x0d],
  [0x5c],
  [0x5c, 0x5c, 0x6e],
  [...Buffer.from('plain ascii text ')],
  [...Buffer.from('é')],
  [...Buffer.from('✓')],
  [...Buffer.from('😀')],
  [...Buffer.from('\uFEFF')],
  [0xff],
  [0xc3],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf0, 0x9f],
  [0xe2, 0x9c],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
];
const names = ['host-1', 'hé', 'lone \uD800 surrogate', 'web\t01', 'a\\b', 'line\nbreak', '', '日本', 'cr\r'];
const flagSets: (string[] | undefined)[] = [undefined, undefined, undefined, [], ['line_split'], ['line_split', 'other']];

/** Pieces of valid UTF-8 without NUL: the encoder's fast path. */
const validPieces = pieces.filter((piece) => !piece.includes(0x00) && isUtf8(Buffer.from(piece)));

/** Half the lines valid UTF-8 without NUL (the fast path), the rest with random bytes mixed in. */
function randomLine(next: Random): Buffer {
  const bytes: number[] = [];
  const parts = Math.floor(next() * 12);
  const valid = next() < 0.5;
  for (let i = 0; i < parts; i++) {
    if (valid) {
      bytes.push(...pick(next, validPieces));
    } else if (next() < 0.2) {
      for (let j = Math.floor(next() * 8); j > 0; j--) bytes.push(Math.floor(next() * 256));
    } else {
      bytes.push(...pick(next, pieces));
    }
  }
  return Buffer.from(bytes);
}

describe('CopyRows', () => {
  it('writes the bytes of Buffer.from(encodeRawRow(...)) for random lines, names, flags and chunk sizes', () => {
    const next = seededRandom(20261125);
    let mismatches = 0;
    for (let batch = 0; batch < 200; batch++) {
      const rows = new CopyRows(pick(next, [32, 200, 4096, copyChunkBytes]));
      const agent = pick(next, names);
      const batchId = pick(next, ['b1', '00000000-0000-4000-8000-000000000000']);
      let expected = '';
      for (let seq = 0; seq < 50; seq++) {
        const timestamp = new Date(Date.UTC(2026, 10, 25) + Math.floor(next() * 3) * 1000);
        const envelope: Envelope = { timestamp, host: pick(next, names), source: pick(next, names), raw: randomLine(next), flags: pick(next, flagSets) };
        const batchSeq = pick(next, [seq, seq * 1_000_003, 9_007_199_254_740_991]);
        const row = encodeRawRow(envelope, agent, batchId, batchSeq, timestamp.toISOString());
        expect(rows.add(envelope, agent, batchId, batchSeq)).toBe(Buffer.byteLength(row));
        expected += row;
      }
      expect(rows.bytes).toBe(Buffer.byteLength(expected));
      if (!Buffer.concat(rows.finish()).equals(Buffer.from(expected))) mismatches += 1;
    }
    expect(mismatches).toBe(0);
  });

  it('takes the slow path only where needed, with the flags and exact bytes it adds', () => {
    const rows = new CopyRows();
    const timestamp = new Date(0);
    rows.add({ timestamp, host: 'h', source: 's', raw: Buffer.from('a\\b\tc\rd') }, 'agent', 'b1', 0);
    rows.add({ timestamp, host: 'h', source: 's', raw: Buffer.from([0x61, 0x00, 0xff]), flags: ['line_split'] }, 'agent', 'b1', 1);
    expect(Buffer.concat(rows.finish()).toString()).toBe(
      '1970-01-01T00:00:00.000Z\tagent\tb1\t0\th\ts\ta\\\\b\\tc\\rd\t\\N\t{}\n' +
        '1970-01-01T00:00:00.000Z\tagent\tb1\t1\th\ts\ta\uFFFD\uFFFD\t\\\\x6100ff\t{line_split,invalid_utf8,nul_bytes}\n',
    );
  });

  it('gives a row larger than the chunk size a chunk of its own, whole', () => {
    const rows = new CopyRows(64);
    const timestamp = new Date(0);
    const long = Buffer.alloc(1000, 'x');
    rows.add({ timestamp, host: 'h', source: 's', raw: Buffer.from('short') }, 'a', 'b', 0);
    rows.add({ timestamp, host: 'h', source: 's', raw: long }, 'a', 'b', 1);
    rows.add({ timestamp, host: 'h', source: 's', raw: Buffer.from('after') }, 'a', 'b', 2);
    const chunks = rows.finish();
    expect(chunks.map((chunk) => chunk.toString().split('\t')[3])).toEqual(['0', '1', '2']);
    expect(chunks[1]!.length).toBeGreaterThan(1000);
    for (const chunk of chunks) expect(chunk.at(-1)).toBe(0x0a);
  });

  it('cuts many rows into chunks of at most the chunk size, each ending with a whole row, taken as they fill', () => {
    const rows = new CopyRows(1024);
    const timestamp = new Date(0);
    let expected = '';
    const taken: Buffer[] = [];
    for (let seq = 0; seq < 10_000; seq++) {
      const envelope = { timestamp, host: 'h', source: 's', raw: Buffer.from(`line ${seq} ${'y'.repeat(seq % 97)}`) };
      rows.add(envelope, 'a', 'b', seq);
      expected += encodeRawRow(envelope, 'a', 'b', seq, timestamp.toISOString());
      if (seq % 1000 === 0) taken.push(...rows.takeFilled());
    }
    expect(rows.bytes).toBe(expected.length);
    taken.push(...rows.finish());
    expect(taken.length).toBeGreaterThan(expected.length / 1024);
    for (const chunk of taken) {
      expect(chunk.length).toBeLessThanOrEqual(1024);
      expect(chunk.at(-1)).toBe(0x0a);
    }
    expect(Buffer.concat(taken).toString()).toBe(expected);
  });

  it('starts over after finish', () => {
    const rows = new CopyRows();
    expect(rows.finish()).toEqual([]);
    const timestamp = new Date(0);
    rows.add({ timestamp, host: 'h', source: 's', raw: Buffer.from('one') }, 'a', 'b1', 0);
    rows.finish();
    expect(rows.bytes).toBe(0);
    rows.add({ timestamp, host: 'h', source: 's', raw: Buffer.from('two') }, 'a', 'b2', 0);
    expect(Buffer.concat(rows.finish()).toString()).toBe('1970-01-01T00:00:00.000Z\ta\tb2\t0\th\ts\ttwo\t\\N\t{}\n');
  });
});
