import type pg from 'pg';

/** Each event of a batch, in id order: its enrichment as read (events_enrichment) and what its row stores. */
export async function enrichmentOf(pool: pg.Pool, batchId: string): Promise<{ e: Record<string, unknown>; stored: Record<string, unknown> }[]> {
  const { rows } = await pool.query(`select public.events_enrichment(e) as e, e.enrichment as stored from events e where batch_id = $1 order by id`, [batchId]);
  return rows;
}
