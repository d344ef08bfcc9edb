import { describe, expect, it } from 'vitest';
import type { Sink } from '../shipper.ts';
import { queryArguments, WevtutilSource } from '../sources/wevtutil.ts';
import { memoryLogger } from './helpers.ts';

describe('wevtutil source', () => {
  it('asks for the events after the saved record id, oldest first, as XML', () => {
    expect(queryArguments('Microsoft-Windows-Sysmon/Operational', 41, 500)).toEqual([
      'qe',
      'Microsoft-Windows-Sysmon/Operational',
      '/q:*[System[(EventRecordID>41)]]',
      '/f:xml',
      '/c:500',
      '/rd:false',
    ]);
  });

  it.skipIf(process.platform === 'win32')('is ignored with a warning on systems other than Windows', async () => {
    const log = memoryLogger();
    const sink: Sink = { add: async () => {}, blocked: false };
    const source = new WevtutilSource({ channels: ['Security'], intervalMs: 1000, source: 'windows', batchSize: 10 }, sink, {}, log);
    source.start();
    await source.stop();
    expect(log.records.map((r) => r.msg)).toEqual(['windows_eventlog needs Windows (wevtutil); ignored on this platform']);
  });
});
