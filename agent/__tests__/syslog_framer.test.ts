import { describe, expect, it } from 'vitest';
import { SyslogStreamFramer } from '../sources/syslog.ts';

function frame(chunks: string[], max = 1000) {
  const framer = new SyslogStreamFramer(max);
  const out = chunks.flatMap((chunk) => framer.push(Buffer.from(chunk)));
  out.push(...framer.end());
  return out.map((m) => (m.split ? `split:${m.bytes}` : m.bytes.toString()));
}

describe('SyslogStreamFramer', () => {
  it('reads LF-framed messages across chunks, dropping CR and empty lines', () => {
    expect(frame(['<13>a b\r\n<13>c', ' d\n\n<14>e'])).toEqual(['<13>a b', '<13>c d', '<14>e']);
  });

  it('reads octet-counted messages, which may hold LF, split anywhere', () => {
    const stream = '12 <13>line\ntwo8 <14>abc\n';
    for (let cut = 1; cut < stream.length; cut++) {
      expect(frame([stream.slice(0, cut), stream.slice(cut)])).toEqual(['<13>line\ntwo', '<14>abc']);
    }
  });

  it('mixes both framings message by message', () => {
    expect(frame(['<13>lf one\n6 <14>ab<15>lf two\n'])).toEqual(['<13>lf one', '<14>ab', '<15>lf two']);
  });

  it('cuts an over-long LF message into flagged pieces', () => {
    expect(frame(['<13>abcdefgh\n'], 5)).toEqual(['split:<13>a', 'split:bcdef', 'split:gh']);
  });
});
