import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { rawColumns } from '../agent/envelope.ts';
import { makeBatch, type BatchOptions } from './batches.ts';

/**
 * An agent batch COPYed inside a transaction that stays open until `commit()`: its ids and
 * transaction id are taken now, its rows become visible when it commits (a late commit).
 */
export async function openIngest(agentUrl: string, lines: string[], options: BatchOptions = {}) {
  const client = new pg.Client({ connectionString: agentUrl });
  await client.connect();
  const batch = makeBatch(lines, { source: 'syslog', ...options });
  await client.query('begin');
  await client.query('insert into public.ingest_batches (id, agent, line_count) values ($1, $2, $3)', [batch.id, 'test', batch.lineCount]);
  await pipeline(Readable.from(batch.chunks), client.query(copyFrom(`copy public.events_raw (${rawColumns.join(', ')}) from stdin`)));
  return {
    batch,
    async commit() {
      await client.query('commit');
      await client.end();
    },
  };
}
