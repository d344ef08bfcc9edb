import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { startWorker, type Worker } from '../run.ts';

const context = useAgentDatabase();
let worker: Worker;

beforeAll(async () => {
  worker = await startWorker({
    connectionString: context.db.urls.owner,
    concurrency: 2,
    partitionDaysAhead: 2,
    enrichment: {
      geoipCityPath: undefined,
      geoipAsnPath: undefined,
      dns: { enabled: false, servers: [], timeoutMs: 100, concurrency: 1, inlineMs: 0 },
      dnsCacheSeconds: 300,
      retroHuntDays: 30,
    },
    log: () => {},
  });
});
afterAll(() => worker?.stop());

describe('events__enrich under concurrent ingest', () => {
  it('leaves no event behind while batches from three senders race with the running jobs', async () => {
    const lanes = Array.from({ length: 3 }, async (_, lane) => {
      for (let b = 0; b < 15; b++) {
        const lines = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ src_ip: `81.2.${lane}.${(b * 7 + i) % 250}`, n: i }));
        await sendBatch(context.agentPool, 'agent', makeBatch(lines));
      }
    });
    await Promise.all(lanes);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await context.db.pool.query<{ n: number }>(
        `select (select count(*) from siem_private.enrichment_queue) + (select count(*) from graphile_worker._private_jobs j
           join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'events__enrich')::int as n`,
      );
      if (Number(rows[0]!.n) === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { rows } = await context.db.pool.query(`select count(*) filter (where enrichment ? 'enriched_at')::int as done, count(*)::int as total from events`);
    expect(rows[0]).toEqual({ done: 45_000, total: 45_000 });
  });
});
