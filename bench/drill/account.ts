import { createHash } from 'node:crypto';
import { withClient } from '../../db/setup.ts';

/** The lines a drill sent, as a multiset of md5(exact bytes), so any line may repeat (fuzz) and still be accounted for. */
export class SentLines {
  readonly counts = new Map<string, number>();
  total = 0;
  add(bytes: Buffer | string): void {
    const key = createHash('md5').update(bytes).digest('hex');
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
  }
}

export interface Accounting {
  sent: number;
  raw: number;
  events: number;
  quarantine: number;
  /** Sent lines with no row in events_raw. */
  missing: number;
  /** Rows in events_raw beyond what was sent, plus raw rows that became more than one event/quarantine row. */
  duplicates: number;
  /** Rows in events_raw that were never sent (altered bytes). */
  foreign: number;
  ok: boolean;
}

/**
 * What one agent's lines became: events_raw rows by exact bytes against what was sent, events and
 * quarantine rows of its batches, and whether any raw row turned into two rows downstream.
 */
export async function account(ownerUrl: string, agent: string, sent: SentLines): Promise<Accounting> {
  return withClient(ownerUrl, async (client) => {
    const raw = await client.query<{ h: string; n: number }>(
      `select md5(coalesce(raw_bytes, convert_to(raw, 'UTF8'))) as h, count(*)::int as n from events_raw where agent = $1 group by 1`,
      [agent],
    );
    let rawRows = 0;
    let missing = 0;
    let duplicates = 0;
    let foreign = 0;
    const seen = new Set<string>();
    for (const { h, n } of raw.rows) {
      rawRows += n;
      seen.add(h);
      const expected = sent.counts.get(h) ?? 0;
      if (expected === 0) foreign += n;
      else if (n > expected) duplicates += n - expected;
      else missing += expected - n;
    }
    for (const [h, expected] of sent.counts) if (!seen.has(h)) missing += expected;
    const { rows } = await client.query<{ events: number; event_raws: number; quarantine: number; quarantine_raws: number; both: number }>(
      `with e as (select raw_id, raw_ts from events where batch_id in (select id from ingest_batches where agent = $1)),
            q as (select raw_id, raw_ts from quarantine where agent = $1)
       select (select count(*)::int from e) as events,
              (select count(distinct (raw_id, raw_ts))::int from e) as event_raws,
              (select count(*)::int from q) as quarantine,
              (select count(distinct (raw_id, raw_ts))::int from q) as quarantine_raws,
              (select count(*)::int from (select raw_id, raw_ts from e intersect select raw_id, raw_ts from q) x) as both`,
      [agent],
    );
    const r = rows[0]!;
    duplicates += r.events - r.event_raws + (r.quarantine - r.quarantine_raws) + r.both;
    const ok = missing === 0 && duplicates === 0 && foreign === 0 && rawRows === sent.total && r.events + r.quarantine === sent.total;
    return { sent: sent.total, raw: rawRows, events: r.events, quarantine: r.quarantine, missing, duplicates, foreign, ok };
  });
}

export function describeAccounting(a: Accounting): string {
  return `sent ${a.sent} / in events ${a.events} / in quarantine ${a.quarantine} / duplicates ${a.duplicates} ` +
    `(events_raw ${a.raw}, missing ${a.missing}${a.foreign ? `, altered ${a.foreign}` : ''}): ${a.ok ? 'OK' : 'FAILED'}`;
}
