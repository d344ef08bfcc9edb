import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { bucketMs, pickBucket } from '../lib/time.ts';
import { SearchEventCountsQuery, SearchQuery, SearchTotalQuery, pageSize, searchVariables, type EventRow } from './queries.ts';
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
 * Histogram buckets of exactly the events the search returns (`searchEventCounts` takes the same
 * filters as `searchEvents`), with the same resolved range, so the bars add up to the total.
 */
export function useHistogram(state: SearchState, now: number) {
  const variables = useMemo(() => searchVariables(state, now), [queryKey(state), now]);
  const from = new Date(variables.start);
  const to = new Date(variables.end);
  const bucket = pickBucket(to.getTime() - from.getTime());
  const [result] = useQuery<{ searchEventCounts: { bucket: string; count: number | string }[] }>({
    query: SearchEventCountsQuery,
    variables: { ...variables, bucket },
  });
  const buckets: HistogramBucket[] = useMemo(() => (result.data?.searchEventCounts ?? []).map((row) => ({ ts: row.bucket, count: Number(row.count) })), [result.data]);
  return { result, buckets, bucketMs: bucketMs(bucket), from, to };
}
