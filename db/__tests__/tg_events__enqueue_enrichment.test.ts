import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

const context = useAgentDatabase();

interface Segment {
  from: string;
  to: string;
  min_id: number;
  max_id: number;
}

const pendingJobs = async () =>
  (
    await context.db.pool.query<{ payload: Segment[]; key: string | null }>(
      `select j.payload, j.key from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'events__enrich'`,
    )
  ).rows;

describe('_500_enqueue_enrichment (tg_events__enqueue_enrichment)', () => {
  it('coalesces the batches into one pending job whose segments cover every event', async () => {
    await context.db.pool.query('delete from graphile_worker._private_jobs');
    const batches = [makeBatch(['{"src_ip":"81.2.69.142"}', 'plain line']), makeBatch(['{"dst_ip":"10.0.0.1"}'])];
    for (const batch of batches) await sendBatch(context.agentPool, 'agent', batch);
    const jobs = await pendingJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.key).toBe('events__enrich');
    expect(jobs[0]!.payload).toHaveLength(2);
    const { rows } = await context.db.pool.query<{ n: number }>(
      `select count(*)::int as n from events e
       where exists (select from jsonb_to_recordset($1::jsonb) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
                     where e.ts between s."from" and s."to" and e.id between s.min_id and s.max_id)`,
      [JSON.stringify(jobs[0]!.payload)],
    );
    expect(rows[0]!.n).toBe(3);
  });

  it('enqueues nothing when enrichment is turned off, or for a batch without events', async () => {
    await context.db.pool.query('delete from graphile_worker._private_jobs');
    await sendBatch(context.agentPool, 'agent', makeBatch(['', '  ']));
    expect(await pendingJobs()).toHaveLength(0);
    await context.db.pool.query('update siem_private.enrichment_settings set enabled = false');
    await sendBatch(context.agentPool, 'agent', makeBatch(['{"src_ip":"81.2.69.142"}']));
    expect(await pendingJobs()).toHaveLength(0);
    await context.db.pool.query('update siem_private.enrichment_settings set enabled = true');
  });
});
