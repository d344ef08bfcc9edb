import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

const context = useAgentDatabase();

async function partitionOf(batchId: string): Promise<string[]> {
  const { rows } = await context.db.pool.query('select tableoid::regclass::text as partition from events where batch_id = $1', [batchId]);
  return rows.map((row) => row.partition);
}

describe('events (partitioned by day)', () => {
  it('stores events of today in today\'s partition', async () => {
    const batch = makeBatch(['now']);
    await sendBatch(context.agentPool, 'a', batch);
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    expect(await partitionOf(batch.id)).toEqual([`siem_partitions.events_p${day}`]);
  });

  it('stores far-past and far-future timestamps and finds them by time range', async () => {
    const past = makeBatch(['from 1970'], { timestamp: new Date('1970-01-02T03:04:05Z') });
    const future = makeBatch(['from 2200'], { timestamp: new Date('2200-06-01T00:00:00Z') });
    await sendBatch(context.agentPool, 'a', past);
    await sendBatch(context.agentPool, 'a', future);
    expect(await partitionOf(past.id)).toEqual(['siem_partitions.events_default']);
    const { rows } = await context.db.pool.query(
      `select message from events where ts >= '1970-01-01' and ts < '1970-01-03'
       union all select message from events where ts >= '2200-01-01'`,
    );
    expect(rows.map((row) => row.message).sort()).toEqual(['from 1970', 'from 2200']);
  });

  it('moves out-of-range rows into a day\'s partition when maintenance creates it', async () => {
    const batch = makeBatch(['early bird'], { timestamp: new Date('2099-03-04T12:00:00Z') });
    await sendBatch(context.agentPool, 'a', batch);
    expect(await partitionOf(batch.id)).toEqual(['siem_partitions.events_default']);
    await context.db.pool.query("select siem_private.create_daily_partition('public.events', '2099-03-04')");
    await context.db.pool.query("select siem_private.create_daily_partition('public.events_raw', '2099-03-04')");
    expect(await partitionOf(batch.id)).toEqual(['siem_partitions.events_p20990304']);
    const raw = await context.db.pool.query('select tableoid::regclass::text as partition from events_raw where batch_id = $1', [batch.id]);
    expect(raw.rows).toEqual([{ partition: 'siem_partitions.events_raw_p20990304' }]);
  });

  it('orders search results by (ts desc, id desc) through the primary key', async () => {
    const { rows } = await context.db.pool.query(
      `select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'public.events'::regclass and indisprimary`,
    );
    expect(rows[0].def).toMatch(/\(ts, id\)/);
    const plan = await context.db.pool.query("explain select * from events where ts > now() - interval '1 hour' order by ts desc, id desc limit 50");
    expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index Scan Backward/);
  });
});
