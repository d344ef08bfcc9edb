/** Relative ranges the time picker offers; any `<n><m|h|d>` is accepted in a URL. */
export const relativeRanges = [
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last hour' },
  { value: '4h', label: 'Last 4 hours' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
] as const;

export type TimeRange = { kind: 'relative'; last: string } | { kind: 'absolute'; from: string; to: string };

const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a relative range like `15m`, `24h`, `7d`; null when it is not one. */
export function relativeMs(last: string): number | null {
  const match = /^(\d{1,4})([mhd])$/.exec(last);
  if (!match) return null;
  const count = Number(match[1]);
  return count > 0 ? count * unitMs[match[2] as keyof typeof unitMs] : null;
}

/** The concrete [from, to) of a range at time `now`. */
export function resolveRange(range: TimeRange, now: number = Date.now()): { from: Date; to: Date } {
  if (range.kind === 'absolute') return { from: new Date(range.from), to: new Date(range.to) };
  return { from: new Date(now - (relativeMs(range.last) ?? unitMs.h * 24)), to: new Date(now) };
}

/** Bucket sizes the aggregation API knows, smallest first. */
export const buckets = [
  { name: '1m', ms: unitMs.m },
  { name: '5m', ms: 5 * unitMs.m },
  { name: '1h', ms: unitMs.h },
  { name: '1d', ms: unitMs.d },
] as const;
export type Bucket = (typeof buckets)[number]['name'];

/** The smallest bucket that keeps a histogram at or under `maxBars` bars. */
export function pickBucket(spanMs: number, maxBars = 120): Bucket {
  for (const bucket of buckets) if (spanMs / bucket.ms <= maxBars) return bucket.name;
  return '1d';
}

export function bucketMs(bucket: Bucket): number {
  return buckets.find((b) => b.name === bucket)!.ms;
}

/** Short label of a range for buttons and titles. */
export function describeRange(range: TimeRange): string {
  if (range.kind === 'relative') return relativeRanges.find((r) => r.value === range.last)?.label ?? `Last ${range.last}`;
  return `${formatTs(range.from)} → ${formatTs(range.to)}`;
}

/** `2026-11-24 20:48:07.660` in UTC: analysts compare logs from many zones. */
export function formatTs(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toISOString().replace('T', ' ').replace('Z', '').slice(0, 23);
}

/** Value for an `<input type="datetime-local">`, in UTC. */
export function toInputValue(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 19);
}

/** Reads an `<input type="datetime-local">` value as UTC. */
export function fromInputValue(value: string): string | null {
  if (!value) return null;
  const date = new Date(value.length === 16 ? `${value}:00Z` : `${value}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
