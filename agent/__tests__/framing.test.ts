import { describe, expect, it } from 'vitest';
import { LineFramer, MultilineFramer, WindowsJsonFramer, WindowsXmlFramer, type FramedRecord, type Framer } from '../sources/framing.ts';

function feed(framer: Framer, chunks: string[]): FramedRecord[] {
  const records: FramedRecord[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    const bytes = Buffer.from(chunk);
    records.push(...framer.push(bytes, offset));
    offset += bytes.length;
  }
  return records;
}
const view = (records: FramedRecord[]) => records.map((r) => [r.bytes.toString(), r.end]);

describe('LineFramer', () => {
  it('cuts LF lines across chunks, drops CR, and reports the offset after each line', () => {
    expect(view(feed(new LineFramer(100), ['ab\r\ncd', 'e\n\nf']))).toEqual([
      ['ab', 4],
      ['cde', 8],
      ['', 9],
    ]);
  });

  it('holds a last line without LF until end()', () => {
    const framer = new LineFramer(100);
    expect(feed(framer, ['a\nb'])).toHaveLength(1);
    expect(view(framer.end())).toEqual([['b', 3]]);
  });

  it('cuts a long line into flagged pieces whose offsets resume after each piece', () => {
    const records = feed(new LineFramer(4), ['abcdefghij\n']);
    expect(records.map((r) => [r.bytes.toString(), r.end, r.flags])).toEqual([
      ['abcd', 4, ['line_split']],
      ['efgh', 8, ['line_split']],
      ['ij', 11, ['line_split']],
    ]);
  });
});

describe('MultilineFramer', () => {
  const config = { start: /^\d{4}-/, maxLines: 3, timeoutMs: 50 };

  it('joins continuation lines to the event before them; the last event waits for the next start', () => {
    const framer = new MultilineFramer(config, 1000);
    const text = '2026-01-01 boom\n  at a()\n  at b()\n2026-01-01 ok\n';
    expect(view(feed(framer, [text]))).toEqual([['2026-01-01 boom\n  at a()\n  at b()', 34]]);
    expect(view(framer.end())).toEqual([['2026-01-01 ok', 48]]);
  });

  it('ends an event at max_lines and after the timeout', async () => {
    const framer = new MultilineFramer(config, 1000);
    expect(view(feed(framer, ['2026 x\n', 'a\nb\nc\n']))).toEqual([['2026 x\na\nb', 11]]);
    expect(framer.expire(Date.now())).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(view(framer.expire(Date.now()))).toEqual([['c', 13]]);
  });
});

describe('WindowsJsonFramer', () => {
  it('re-serializes each JSON line compactly and skips blank lines', () => {
    expect(view(feed(new WindowsJsonFramer(1000), ['{ "EventID": 4624,\t"Channel": "Security" }\n\nnot json\n']))).toEqual([
      ['{"EventID":4624,"Channel":"Security"}', 43],
      ['not json', 53],
    ]);
  });
});

describe('WindowsXmlFramer', () => {
  it('cuts <Event> elements out of an Events document split anywhere, skipping the wrapper', () => {
    const xml =
      '<?xml version="1.0"?><Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>1</EventID></System></Event>' +
      '<Event><System><EventID>2</EventID></System></Event></Events>';
    for (const cut of [1, 25, 33, 100, 150, xml.length - 5]) {
      const records = feed(new WindowsXmlFramer(), [xml.slice(0, cut), xml.slice(cut)]);
      expect(records.map((r) => JSON.parse(r.bytes.toString()).System.EventID)).toEqual(['1', '2']);
      expect(records[1]!.end).toBe(xml.length - '</Events>'.length);
    }
  });
});
