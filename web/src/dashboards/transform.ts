import type { CountRow, EventRow, TopValue } from '../search/queries.ts';
import type { Category, TimeSeries } from './widgets.tsx';

/** Rollup rows into one line per group (or one "events" line), points in time order. */
export function toSeries(rows: CountRow[], fallbackId = 'events'): TimeSeries[] {
  const byKey = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const key = row.key ?? fallbackId;
    const points = byKey.get(key) ?? new Map<string, number>();
    points.set(row.bucket, (points.get(row.bucket) ?? 0) + Number(row.count));
    byKey.set(key, points);
  }
  const series = [...byKey].map(([id, points]) => ({
    id,
    total: [...points.values()].reduce((a, b) => a + b, 0),
    points: [...points].sort(([a], [b]) => a.localeCompare(b)).map(([x, y]) => ({ x, y })),
  }));
  // Biggest groups first; beyond eight lines a chart stops being readable.
  return series.sort((a, b) => b.total - a.total).slice(0, 8).map(({ id, points }) => ({ id, points }));
}

/** Adds the empty buckets of [start, end) to every series, so a line shows quiet periods as zero. */
export function fillSeries(series: TimeSeries[], start: string, end: string, bucketMs: number): TimeSeries[] {
  const first = Math.floor(Date.parse(start) / bucketMs) * bucketMs;
  const last = Date.parse(end);
  if (!(last > first) || (last - first) / bucketMs > 2000) return series;
  return series.map((s) => {
    const values = new Map(s.points.map((p) => [Math.floor(Date.parse(p.x) / bucketMs) * bucketMs, p.y]));
    const points: TimeSeries['points'] = [];
    for (let t = first; t < last; t += bucketMs) points.push({ x: new Date(t).toISOString(), y: values.get(t) ?? 0 });
    return { id: s.id, points };
  });
}

/** Totals per bucket, for bar charts and tables over time. */
export function toBucketTotals(rows: CountRow[]): Category[] {
  const sums = new Map<string, number>();
  for (const row of rows) sums.set(row.bucket, (sums.get(row.bucket) ?? 0) + Number(row.count));
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([label, value]) => ({ label, value }));
}

export function toCategories(values: TopValue[]): Category[] {
  return values.map((v) => ({ label: v.value ?? '(none)', value: Number(v.count) })).sort((a, b) => b.value - a.value);
}

export function sumCounts(rows: { count: number | string }[]): number {
  return rows.reduce((sum, row) => sum + Number(row.count), 0);
}

export function eventsToRows(events: EventRow[]): Record<string, unknown>[] {
  return events.map((e) => ({ key: `${e.rowId}@${e.ts}`, ts: e.ts, host: e.host, event_type: e.eventType, message: e.message }));
}
