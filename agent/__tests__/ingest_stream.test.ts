import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { ingestStream } from '../ingest_stream.ts';

const context = useAgentDatabase();

describe('ingestStream', () => {
  it('stores a stream\'s first batch before the others, so a CSV source learns its header from the first line', async () => {
    await context.db.pool.query(`insert into csv_sources (source) values ('vpn-order')`);
    // every later batch would start with a line that makes a bad header if it overtook the first
    const lines = ['timestamp,user,clientip,result'];
    for (let i = 1; i < 12_000; i++) lines.push(i % 500 === 0 ? `garbage line ${i}` : `2026-11-25T00:00:${String(i % 60).padStart(2, '0')}Z,u${i},10.0.0.${i % 250},ok`);
    const file = Buffer.from(lines.join('\n') + '\n');
    const summary = await ingestStream({
      pool: context.agentPool,
      input: Readable.from([file]),
      inputBytes: file.length,
      source: 'vpn-order',
      host: 'test',
      agent: 'test',
      batchLines: 2500,
      batchMs: 1000,
      connections: 4,
    });
    expect(summary.lines).toBe(12_000);
    const { rows } = await context.db.pool.query(`select header from csv_sources where source = 'vpn-order'`);
    expect(rows[0].header).toEqual(['timestamp', 'user', 'clientip', 'result']);
    const parsed = await context.db.pool.query(
      `select count(*)::int as n from events where source = 'vpn-order' and event_type = 'csv' and metadata ? 'username'`,
    );
    expect(parsed.rows[0].n).toBeGreaterThan(11_900);
  });
});
