import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

const context = useAgentDatabase();

const count = async (sql: string, params: unknown[]) => (await context.db.pool.query(sql, params)).rows[0].n as number;

describe('ingest_batches (exactly-once delivery)', () => {
  it('records the batch with its line, event and quarantine counts', async () => {
    const batch = makeBatch(['a', 'b', '', 'c']);
    await sendBatch(context.agentPool, 'agent-7', batch);
    const { rows } = await context.db.pool.query('select agent, db_user, line_count, event_count, quarantine_count from ingest_batches where id = $1', [batch.id]);
    expect(rows).toEqual([{ agent: 'agent-7', db_user: 'siem_agent', line_count: 4, event_count: 3, quarantine_count: 1 }]);
  });

  it('counts a batch\'s events through the primary key, without reading the whole table (it grows by one row per batch)', async () => {
    await context.db.pool.query(`insert into ingest_batches (id, agent, line_count) select gen_random_uuid(), 'old', 1 from generate_series(1, 20000)`);
    await context.db.pool.query('analyze ingest_batches');
    const seqScans = async () =>
      (await context.db.pool.query(`select seq_scan::int as n from pg_stat_user_tables where relid = 'public.ingest_batches'::regclass`)).rows[0].n as number;
    const agent = new pg.Pool({ connectionString: context.db.urls.agent, max: 1 });
    try {
      // One connection, whose counters are reported when it goes idle after the forced flush.
      await agent.query('select pg_stat_force_next_flush()');
      await agent.query('select 1');
      const before = await seqScans();
      const batch = makeBatch(['a', 'b']);
      await sendBatch(agent, 'agent-7', batch);
      await agent.query('select pg_stat_force_next_flush()');
      await agent.query('select 1');
      expect(await seqScans()).toBe(before);
      expect(await count('select event_count as n from ingest_batches where id = $1', [batch.id])).toBe(2);
    } finally {
      await agent.end();
    }
  });

  it('turns a replayed batch into a no-op', async () => {
    const batch = makeBatch(['one', 'two', 'three']);
    expect(await sendBatch(context.agentPool, 'agent-7', batch)).toBe('stored');
    expect(await sendBatch(context.agentPool, 'agent-7', batch)).toBe('duplicate');
    expect(await count('select count(*)::int as n from events where batch_id = $1', [batch.id])).toBe(3);
    expect(await count('select count(*)::int as n from events_raw where batch_id = $1', [batch.id])).toBe(3);
  });

  it('stores a batch once when two senders race with the same id', async () => {
    const batch = makeBatch(Array.from({ length: 500 }, (_, i) => `line ${i}`));
    const outcomes = await Promise.all([sendBatch(context.agentPool, 'a', batch), sendBatch(context.agentPool, 'a', batch)]);
    expect(outcomes.sort()).toEqual(['duplicate', 'stored']);
    expect(await count('select count(*)::int as n from events where batch_id = $1', [batch.id])).toBe(500);
  });

  it('leaves nothing behind when the COPY fails, so the retry stores the batch', async () => {
    const batch = makeBatch(['good']);
    const broken = { ...batch, chunks: [Buffer.from('not a valid copy row\n')] };
    await expect(sendBatch(context.agentPool, 'a', broken)).rejects.toThrow();
    expect(await count('select count(*)::int as n from ingest_batches where id = $1', [batch.id])).toBe(0);
    expect(await sendBatch(context.agentPool, 'a', batch)).toBe('stored');
    expect(await count('select count(*)::int as n from events where batch_id = $1', [batch.id])).toBe(1);
  });
});
