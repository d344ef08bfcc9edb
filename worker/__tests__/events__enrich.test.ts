import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import os from 'node:os';
import { backgroundNice, isLocalHost } from '../priority.ts';
import { enrichmentApplicationName, startWorker, workerApplicationName, type Worker } from '../run.ts';

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
    // done: the event's range was drained by a job, and its address has a context
    const { rows } = await context.db.pool.query(
      `select count(*) filter (where public.events_enrichment(e) ? 'geoip' and siem_private.event_enriched_at(e.ts, e.id) is not null)::int as done,
              count(*)::int as total
       from events e`,
    );
    expect(rows[0]).toEqual({ done: 45_000, total: 45_000 });
  });

  it("runs enrichment's database processes at the lowest CPU priority, the rest of the worker's at normal", async () => {
    const { rows } = await context.db.pool.query<{ pid: number; application_name: string }>(
      `select pid, application_name from pg_stat_activity where datname = current_database() and application_name <> ''`,
    );
    const enrichment = rows.filter((row) => row.application_name === enrichmentApplicationName);
    expect(enrichment.length).toBeGreaterThan(0);
    for (const { pid } of enrichment) expect(os.getPriority(pid)).toBe(backgroundNice);
    const others = rows.filter((row) => row.application_name === workerApplicationName);
    expect(others.length).toBeGreaterThan(0);
    for (const { pid } of others) expect(os.getPriority(pid)).toBe(0);
  });
});

describe('isLocalHost', () => {
  it('knows loopback and Unix sockets from remote servers', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]', '/var/run/postgresql']) expect(isLocalHost(host)).toBe(true);
    for (const host of ['db.internal', '10.0.0.5', '2001:db8::1']) expect(isLocalHost(host)).toBe(false);
  });
});
