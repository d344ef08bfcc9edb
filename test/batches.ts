import { randomUUID } from 'node:crypto';
import type { Batch } from '../agent/batch_sender.ts';
import { CopyRows } from '../agent/copy_rows.ts';

export interface BatchOptions {
  timestamp?: Date;
  host?: string;
  source?: string;
  agent?: string;
  id?: string;
}

/** A batch of envelopes as the agent would send it. */
export function makeBatch(lines: (string | Buffer)[], options: BatchOptions = {}): Batch {
  const id = options.id ?? randomUUID();
  const timestamp = options.timestamp ?? new Date();
  const rows = new CopyRows();
  for (const [seq, line] of lines.entries()) {
    const raw = typeof line === 'string' ? Buffer.from(line) : line;
    rows.add({ timestamp, host: options.host ?? 'host-1', source: options.source ?? 'test', raw }, options.agent ?? 'test-agent', id, seq);
  }
  const bytes = rows.bytes;
  return { id, lineCount: lines.length, chunks: rows.finish(), bytes };
}
