import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

async function totals(): Promise<Record<string, number>> {
  const { rows } = await context.db.pool.query('select kind, label, n from siem_private.metric_totals()');
  return Object.fromEntries(rows.map((row) => [`${row.kind}:${row.label}`, Number(row.n)]));
}

describe('siem_private.metric_counts and the metric functions', () => {
  it('counts lines per source, quarantine per reason and batches per agent, once per batch', async () => {
    const batch = makeBatch(['one', '   ', 'two', ''], { source: 'alpha', agent: 'agent-a' });
    expect(await sendBatch(context.agentPool, 'agent-a', batch)).toBe('stored');
    expect(await sendBatch(context.agentPool, 'agent-a', batch)).toBe('duplicate');
    await sendBatch(context.agentPool, 'agent-b', makeBatch(['three'], { source: 'beta' }));
    expect(await totals()).toEqual({
      'batches:agent-a': 1,
      'batches:agent-b': 1,
      'lines_received:alpha': 4,
      'lines_received:beta': 1,
      'quarantined:blank line': 2,
    });
  });

  it('rolls old rows up without changing the sums', async () => {
    const before = await totals();
    await context.db.pool.query(`update siem_private.metric_counts set counted_at = now() - interval '2 hours'`);
    const rolled = await context.db.pool.query('select siem_private.compact_metric_counts() as n');
    expect(rolled.rows[0].n).toBe(5);
    const rows = await context.db.pool.query('select count(*)::int as n from siem_private.metric_counts');
    expect(rows.rows[0].n).toBe(5);
    expect(await totals()).toEqual(before);
  });

  it('reports table sizes, the job queue with zeros, archives and the WAL archiver', async () => {
    const sizes = await context.db.pool.query('select * from siem_private.metric_table_sizes()');
    const events = sizes.rows.find((row) => row.table_name === 'events');
    expect(Number(events.total_bytes)).toBeGreaterThan(0);
    expect(sizes.rows.map((row) => row.table_name)).toEqual(expect.arrayContaining(['events', 'events_raw', 'quarantine', 'ingest_batches', 'archive_index']));
    expect(sizes.rows.map((row) => row.table_name)).not.toContain('events_default');
    await context.db.pool.query(`select graphile_worker.add_job('some_task', '{}')`);
    const queue = await context.db.pool.query(`select state, jobs from siem_private.metric_job_queue() where task_identifier = 'some_task' order by state`);
    expect(queue.rows).toEqual([
      { state: 'failed', jobs: '0' },
      { state: 'running', jobs: '0' },
      { state: 'scheduled', jobs: '0' },
      { state: 'waiting', jobs: '1' },
    ]);
    expect((await context.db.pool.query('select * from siem_private.metric_archives()')).rows).toEqual([]);
    const wal = await context.db.pool.query('select * from siem_private.metric_wal_archiver()');
    expect(wal.rows[0].archive_mode).toMatch(/^(on|off|always)$/);
  });

  it('is out of reach of every API and agent role', async () => {
    for (const role of ['siem_agent', 'siem_analyst', 'siem_admin']) {
      await expect(context.db.asRole(role, (c) => c.query('select * from siem_private.metric_counts'))).rejects.toThrow(/permission denied/);
    }
  });
});
