import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

let db: TestDatabase;
let agentPool: pg.Pool;
let listener: pg.Client;
const notifications: unknown[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  agentPool = new pg.Pool({ connectionString: db.urls.agent, max: 2 });
  listener = new pg.Client({ connectionString: db.urls.owner });
  await listener.connect();
  listener.on('notification', (message) => notifications.push(JSON.parse(message.payload ?? 'null')));
  await listener.query('listen siem_events');
});
afterAll(async () => {
  await listener.end();
  await agentPool.end();
  await db.drop();
});

const waitFor = async (predicate: () => boolean) => {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('tg_events_raw__normalize', () => {
  it('sends one NOTIFY per COPY with the batch, counts and time range', async () => {
    notifications.length = 0;
    const batch = makeBatch(Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? '' : `line ${i}`)), {
      timestamp: new Date('2026-01-01T00:00:00Z'),
    });
    await sendBatch(agentPool, 'a', batch);
    await waitFor(() => notifications.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notifications).toEqual([
      {
        events: 1800,
        quarantined: 200,
        batches: [batch.id],
        recorded_batches: 1,
        min_ts: '2026-01-01T00:00:00+00:00',
        max_ts: '2026-01-01T00:00:00+00:00',
      },
    ]);
  });

  it('keeps the raw reference from each event to its line', async () => {
    const batch = makeBatch(['alpha', 'beta']);
    await sendBatch(agentPool, 'a', batch);
    const { rows } = await db.pool.query(
      `select count(*)::int as n from events e join events_raw r on r.id = e.raw_id and r.ts = e.raw_ts and r.raw = e.message where e.batch_id = $1`,
      [batch.id],
    );
    expect(rows[0].n).toBe(2);
  });

  it('runs as the table owner, so the agent needs no rights on events', async () => {
    const { rows } = await db.pool.query(`select prosecdef from pg_proc where proname = 'tg_events_raw__normalize'`);
    expect(rows[0].prosecdef).toBe(true);
  });
});
