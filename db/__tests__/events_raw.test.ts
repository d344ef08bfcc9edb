import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

const context = useAgentDatabase();

async function eventsOfBatch(batchId: string) {
  const { rows } = await context.db.pool.query(
    `select e.message, e.raw_bytes, e.flags, e.event_type, e.metadata, r.batch_seq
     from events e join events_raw r on r.id = e.raw_id and r.ts = e.raw_ts
     where e.batch_id = $1 order by r.batch_seq`,
    [batchId],
  );
  return rows;
}

describe('events_raw (COPY landing table)', () => {
  it('moves every copied line into events in the same transaction', async () => {
    const batch = makeBatch(['first line', '{"event_type":"login_failure","user":"bob"}', 'third\twith\ttabs and \\ backslash']);
    expect(await sendBatch(context.agentPool, 'test-agent', batch)).toBe('stored');
    const events = await eventsOfBatch(batch.id);
    expect(events.map((e) => e.message)).toEqual(['first line', '{"event_type":"login_failure","user":"bob"}', 'third\twith\ttabs and \\ backslash']);
    expect(events[0].event_type).toBe('text');
    expect(events[1].event_type).toBe('login_failure');
    expect(events[1].metadata).toEqual({ event_type: 'login_failure', username: 'bob' }); // user is an alias of username
    const raw = await context.db.pool.query('select count(*)::int as n, min(agent) as agent from events_raw where batch_id = $1', [batch.id]);
    expect(raw.rows[0]).toEqual({ n: 3, agent: 'test-agent' });
  });

  it('keeps NUL bytes, invalid UTF-8 and long lines exactly, without affecting the rest of the batch', async () => {
    const nul = Buffer.from('before\0after');
    const invalid = Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x20, 0xc3, 0x28]);
    const long = 'x'.repeat(1024 * 1024);
    const batch = makeBatch(['ok 1', nul, invalid, long, 'ok 2', '{"broken": json']);
    expect(await sendBatch(context.agentPool, 'test-agent', batch)).toBe('stored');
    const events = await eventsOfBatch(batch.id);
    expect(events).toHaveLength(6);
    expect(events[0]).toMatchObject({ message: 'ok 1', raw_bytes: null, flags: [] });
    expect(events[1].flags).toEqual(['nul_bytes']);
    expect(events[1].message).toBe('before\uFFFDafter');
    expect(Buffer.compare(events[1].raw_bytes, nul)).toBe(0);
    expect(events[2].flags).toEqual(['invalid_utf8']);
    expect(Buffer.compare(events[2].raw_bytes, invalid)).toBe(0);
    expect(events[3].message).toHaveLength(1024 * 1024);
    expect(events[3].raw_bytes).toBeNull();
    expect(events[4]).toMatchObject({ message: 'ok 2', flags: [] });
    expect(events[5]).toMatchObject({ event_type: 'text', metadata: {} });
  });

  it('quarantines blank lines with the reason and their origin', async () => {
    const batch = makeBatch(['', '   ', 'real'], { host: 'web-9', source: 'nginx' });
    await sendBatch(context.agentPool, 'test-agent', batch);
    const { rows } = await context.db.pool.query('select reason, raw, host, source, agent from quarantine where batch_id = $1 order by raw_id', [batch.id]);
    expect(rows).toEqual([
      { reason: 'blank line', raw: '', host: 'web-9', source: 'nginx', agent: 'test-agent' },
      { reason: 'blank line', raw: '   ', host: 'web-9', source: 'nginx', agent: 'test-agent' },
    ]);
    expect(await eventsOfBatch(batch.id)).toHaveLength(1);
  });

  it('accepts JSON that jsonb rejects (\\u0000) as text instead of aborting the COPY', async () => {
    const batch = makeBatch(['{"a":"\\u0000"}', 'after']);
    await sendBatch(context.agentPool, 'test-agent', batch);
    const events = await eventsOfBatch(batch.id);
    expect(events.map((e) => e.event_type)).toEqual(['text', 'text']);
  });
});
