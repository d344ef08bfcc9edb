import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { startWorker, type Worker } from '../run.ts';

const context = useAgentDatabase();
let worker: Worker;

beforeAll(async () => {
  worker = await startWorker({ connectionString: context.db.urls.owner, concurrency: 1, partitionDaysAhead: 1, log: () => {} });
});
afterAll(() => worker?.stop());

const covered = async () =>
  (await context.db.pool.query<{ n: string | null }>('select sum(event_count) as n from public.field_rollup_minutes')).rows[0]!.n;

describe('field_rollups__update', () => {
  it('starts with the worker and keeps rolling up new events every few seconds, one run at a time', async () => {
    await sendBatch(context.agentPool, 'a', makeBatch(Array.from({ length: 10 }, (_, i) => JSON.stringify({ src_ip: `10.0.0.${i % 3}` }))));
    for (let i = 0; i < 100 && (await covered()) !== '10'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await covered()).toBe('10');
    await sendBatch(context.agentPool, 'a', makeBatch(Array.from({ length: 5 }, () => JSON.stringify({ src_ip: '10.0.0.9' }))));
    for (let i = 0; i < 150 && (await covered()) !== '15'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await covered()).toBe('15');
    const { rows } = await context.db.pool.query(
      `select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'field_rollups__update' and j.last_error is not null`,
    );
    expect(rows[0].n).toBe(0);
  });
});
