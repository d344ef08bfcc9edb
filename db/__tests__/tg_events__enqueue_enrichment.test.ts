import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

const context = useAgentDatabase();

const pendingJobs = async () =>
  (
    await context.db.pool.query<{ key: string | null }>(
      `select j.key from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'events__enrich'`,
    )
  ).rows;
const queued = async () => (await context.db.pool.query('select count(*)::int as n from siem_private.enrichment_queue')).rows[0].n as number;

describe('_500_enqueue_enrichment (tg_events__enqueue_enrichment)', () => {
  it('queues each statement\'s range and keeps one pending job for all of them; the ranges cover every event', async () => {
    await context.db.pool.query('delete from graphile_worker._private_jobs; delete from siem_private.enrichment_queue');
    const batches = [makeBatch(['{"src_ip":"81.2.69.142"}', 'plain line']), makeBatch(['{"dst_ip":"10.0.0.1"}'])];
    for (const batch of batches) await sendBatch(context.agentPool, 'agent', batch);
    const jobs = await pendingJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.key).toBe('events__enrich');
    expect(await queued()).toBe(2);
    const client = await context.db.pool.connect();
    try {
      await client.query('begin');
      const segments = (await client.query('select siem_private.take_enrichment_segments(10) as s')).rows[0].s;
      expect(segments).toHaveLength(2);
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from events e
         where exists (select from jsonb_to_recordset($1::jsonb) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
                       where e.ts between s."from" and s."to" and e.id between s.min_id and s.max_id)`,
        [JSON.stringify(segments)],
      );
      expect(rows[0]!.n).toBe(3);
      // taken ranges leave the queue only when the enriching transaction commits
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await queued()).toBe(2);
  });

  it('enqueues nothing when enrichment is turned off, or for a batch without events', async () => {
    await context.db.pool.query('delete from graphile_worker._private_jobs; delete from siem_private.enrichment_queue');
    await sendBatch(context.agentPool, 'agent', makeBatch(['', '  ']));
    expect(await pendingJobs()).toHaveLength(0);
    await context.db.pool.query('update siem_private.enrichment_settings set enabled = false');
    await sendBatch(context.agentPool, 'agent', makeBatch(['{"src_ip":"81.2.69.142"}']));
    expect(await pendingJobs()).toHaveLength(0);
    expect(await queued()).toBe(0);
    await context.db.pool.query('update siem_private.enrichment_settings set enabled = true');
  });
});
