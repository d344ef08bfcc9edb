import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines, type Line } from '../lines.ts';

async function collect(chunks: (string | Buffer)[], max?: number): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const batch of readLines(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), max)) lines.push(...batch);
  return lines;
}
const texts = (lines: Line[]) => lines.map((line) => line.bytes.toString('latin1'));

describe('readLines', () => {
  it('splits on LF, drops a CR before it, and keeps a last line without LF', async () => {
    expect(texts(await collect(['a\r\nb\n', 'c']))).toEqual(['a', 'b', 'c']);
  });

  it('joins a line that spans chunks and keeps empty lines', async () => {
    expect(texts(await collect(['hel', 'lo\n\nwor', 'ld\n']))).toEqual(['hello', '', 'world']);
  });

  it('passes bytes through undecoded', async () => {
    const lines = await collect([Buffer.from([0xff, 0x00, 0x41, 0x0a])]);
    expect([...lines[0]!.bytes]).toEqual([0xff, 0x00, 0x41]);
  });

  it('cuts lines longer than the limit into flagged pieces, even across chunks', async () => {
    const lines = await collect(['abcdefg', 'hij\nok\n'], 4);
    expect(lines.map((line) => [line.bytes.toString(), line.split])).toEqual([
      ['abcd', true],
      ['efgh', true],
      ['ij', true],
      ['ok', false],
    ]);
  });
});
