import { randomUUID } from 'node:crypto';
import { CopyChunks, type Batch } from '../agent/batch_sender.ts';
import { encodeRawRow } from '../agent/envelope.ts';

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
  const rows = lines.map((line, seq) =>
    encodeRawRow(
      { timestamp, host: options.host ?? 'host-1', source: options.source ?? 'test', raw: typeof line === 'string' ? Buffer.from(line) : line },
      options.agent ?? 'test-agent',
      id,
      seq,
      timestamp.toISOString(),
    ),
  );
  const chunks = new CopyChunks();
  for (const row of rows) chunks.add(row);
  return { id, lineCount: lines.length, chunks: chunks.finish(), bytes: rows.reduce((sum, row) => sum + row.length, 0) };
}
