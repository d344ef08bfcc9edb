import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { bucketMs, pickBucket, resolveRange } from '../lib/time.ts';
import { EventCountsQuery, SearchQuery, SearchTotalQuery, pageSize, searchVariables, type CountRow, type EventRow } from './queries.ts';
import { serializeSearch, type SearchState } from './searchState.ts';
import type { HistogramBucket } from './Histogram.tsx';

/** A search's identity without the open event, so opening a detail does not reset the paging. */
function queryKey(state: SearchState): string {
  const params = serializeSearch({ ...state, event: undefined, columns: [] });
  return params.toString();
}

/**
 * Runs a search with keyset paging: the stack holds the cursor each visited page started after, so
 * "newer" goes back exactly and "older" continues after the last row shown.
 */
export function useSearch(state: SearchState, now: number) {
  const key = queryKey(state) + '|' + now;
  const [paging, setPaging] = useState<{ key: string; cursors: (string | null)[] }>({ key, cursors: [null] });
  const cursors = paging.key === key ? paging.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const variables = useMemo(() => searchVariables(state, now), [key]);
  const [result] = useQuery<{ searchEvents: EventRow[] }>({ query: SearchQuery, variables: { ...variables, cursor, limit: pageSize } });
  const [total] = useQuery<{ searchEventsTotal: { count: number | string; capped: boolean } }>({ query: SearchTotalQuery, variables });
  const rows = result.data?.searchEvents ?? [];
  return {
    result,
    rows,
    total: total.data?.searchEventsTotal ? { count: Number(total.data.searchEventsTotal.count), capped: total.data.searchEventsTotal.capped } : null,
    totalError: total.error,
    page: cursors.length,
    hasOlder: rows.length === pageSize,
    hasNewer: cursors.length > 1,
    older() {
      const last = rows[rows.length - 1];
      if (last) setPaging({ key, cursors: [...cursors, last.cursor] });
    },
    newer() {
      setPaging({ key, cursors: cursors.slice(0, -1) });
    },
  };
}

/**
 * Histogram buckets from the rollups. The rollups know event type, host and source, so host or
 * source filters are applied by grouping; free text, tags and field filters are not, and `approximate`
 * says so.
 */
export function useHistogram(state: SearchState, now: number) {
  const { from, to } = resolveRange(state.range, now);
  const bucket = pickBucket(to.getTime() - from.getTime());
  const groupBy = state.hosts.length && !state.sources.length ? 'host' : state.sources.length && !state.hosts.length ? 'source' : null;
  const keep = new Set(groupBy === 'host' ? state.hosts : state.sources);
  const [result] = useQuery<{ eventCounts: CountRow[] }>({
    query: EventCountsQuery,
    variables: { start: from.toISOString(), end: to.toISOString(), bucket, groupBy, eventTypes: state.eventTypes.length ? state.eventTypes : null },
  });
  const buckets: HistogramBucket[] = useMemo(() => {
    const sums = new Map<string, number>();
    for (const row of result.data?.eventCounts ?? []) {
      if (groupBy && !keep.has(row.key ?? '')) continue;
      sums.set(row.bucket, (sums.get(row.bucket) ?? 0) + Number(row.count));
    }
    return [...sums].map(([ts, count]) => ({ ts, count }));
  }, [result.data]);
  const ignored = [state.q.trim() && 'free text', state.tags.length && 'tags', state.fields.length && 'field filters', state.hosts.length && state.sources.length && 'host with source'].filter(Boolean) as string[];
  return { result, buckets, bucketMs: bucketMs(bucket), from, to, ignored };
}
