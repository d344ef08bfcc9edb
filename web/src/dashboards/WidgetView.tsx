import { useEffect, useMemo } from 'react';
import { useQuery } from 'urql';
import { navigate } from '../lib/router.ts';
import { bucketMs, formatTs, pickBucket, relativeMs, type Bucket } from '../lib/time.ts';
import { EventCountsQuery, SearchQuery, TopValuesQuery, type CountRow, type EventRow, type TopValue } from '../search/queries.ts';
import { emptySearch, searchHref, withValue } from '../search/searchState.ts';
import { ErrorState, Loading } from '../ui/states.tsx';
import type { WidgetDef } from './layout.ts';
import { eventsToRows, fillSeries, sumCounts, toBucketTotals, toCategories, toSeries } from './transform.ts';
import { BarChart, DataTable, LineChart, NumberTile, PieChart } from './widgets.tsx';

/** The [start, end) of a relative range, rounded to the minute so re-renders reuse the cached answer. */
export function rangeOf(last: string, now: number) {
  const end = Math.ceil(now / 60_000) * 60_000;
  return { start: new Date(end - (relativeMs(last) ?? 86_400_000)).toISOString(), end: new Date(end).toISOString() };
}

/** Runs one widget's query and draws it; `onReady` fires once it shows data, emptiness or an error. */
export function WidgetView({ widget, range, now, onReady }: { widget: WidgetDef; range: string; now: number; onReady?: (id: string) => void }) {
  const last = widget.range ?? range;
  const { start, end } = rangeOf(last, now);
  const bucket = pickBucket(new Date(end).getTime() - new Date(start).getTime(), 90);
  const eventTypes = widget.eventTypes?.length ? widget.eventTypes : null;
  const [counts] = useQuery<{ eventCounts: CountRow[] }>({
    query: EventCountsQuery,
    variables: { start, end, bucket, groupBy: widget.field ?? null, eventTypes },
    pause: widget.metric !== 'count_over_time',
  });
  const [top] = useQuery<{ topValues: TopValue[] }>({
    query: TopValuesQuery,
    variables: { start, end, field: widget.field ?? 'host', limit: widget.limit ?? 10, eventTypes },
    pause: widget.metric !== 'top_values',
  });
  const [events] = useQuery<{ searchEvents: EventRow[] }>({
    query: SearchQuery,
    variables: { start, end, eventTypes, q: widget.q ?? null, limit: widget.limit ?? 10 },
    pause: widget.metric !== 'events',
  });
  const result = widget.metric === 'count_over_time' ? counts : widget.metric === 'top_values' ? top : events;
  const settled = Boolean(result.data || result.error);
  useEffect(() => {
    if (settled) onReady?.(widget.id);
  }, [settled, widget.id, onReady]);
  if (result.error) return <ErrorState error={result.error} title="This widget's query failed" />;
  if (!result.data) return <Loading />;
  return <WidgetBody widget={widget} last={last} start={start} end={end} bucket={bucket} data={{ counts: counts.data?.eventCounts ?? undefined, top: top.data?.topValues ?? undefined, events: events.data?.searchEvents ?? undefined }} />;
}

export interface WidgetData {
  counts?: CountRow[] | null;
  top?: TopValue[] | null;
  events?: EventRow[] | null;
}

/** Draws a widget from its query's answer; the overview fetches all of its widgets in one request and uses this too. */
export function WidgetBody({ widget, last, start, end, bucket, data }: { widget: WidgetDef; last: string; start: string; end: string; bucket: Bucket; data: WidgetData }) {
  const drill = useMemo(
    () => (field: string) => (value: string) =>
      navigate(searchHref(withValue({ ...emptySearch, range: { kind: 'relative', last }, eventTypes: widget.eventTypes ?? [] }, field, value))),
    [last, widget.eventTypes],
  );

  if (widget.metric === 'count_over_time') {
    const rows = data.counts ?? [];
    if (widget.kind === 'number') return <NumberTile value={sumCounts(rows)} unit={`events, last ${last}`} />;
    if (widget.kind === 'bar') return <BarChart items={toBucketTotals(rows).map((c) => ({ ...c, label: formatTs(c.label).slice(5, 16) }))} />;
    if (widget.kind === 'table')
      return <DataTable columns={[{ key: 'label', label: 'Time (UTC)', render: (r) => formatTs(String(r.label)) }, { key: 'value', label: 'Events', numeric: true }]} rows={toBucketTotals(rows).reverse() as unknown as Record<string, unknown>[]} rowKey={(r) => String(r.label)} />;
    return <LineChart series={fillSeries(toSeries(rows), start, end, bucketMs(bucket))} />;
  }
  if (widget.metric === 'top_values') {
    const items = toCategories(data.top ?? []);
    const field = widget.field ?? 'host';
    if (widget.kind === 'number') return <NumberTile value={items.reduce((s, i) => s + i.value, 0)} unit={`events in the top ${items.length} ${field} values`} />;
    if (widget.kind === 'pie') return <PieChart items={items} onSelect={drill(field)} />;
    if (widget.kind === 'table')
      return <DataTable columns={[{ key: 'label', label: field }, { key: 'value', label: 'Events', numeric: true }]} rows={items as unknown as Record<string, unknown>[]} rowKey={(r) => String(r.label)} onRowActivate={(r) => drill(field)(String(r.label))} />;
    return <BarChart items={items} horizontal onSelect={drill(field)} />;
  }
  const list = data.events ?? [];
  if (widget.kind === 'number') return <NumberTile value={list.length} unit={`latest matching events (max ${widget.limit ?? 10})`} />;
  return (
    <DataTable
      columns={[
        { key: 'ts', label: 'Time (UTC)', render: (r) => <span className="nowrap">{formatTs(String(r.ts))}</span> },
        { key: 'host', label: 'Host' },
        { key: 'event_type', label: 'Type' },
        { key: 'message', label: 'Message', render: (r) => <span className="message">{String(r.message).slice(0, 200)}</span> },
      ]}
      rows={eventsToRows(list)}
      rowKey={(r) => String(r.key)}
      onRowActivate={(r) => navigate(searchHref({ ...emptySearch, range: { kind: 'relative', last }, event: String(r.key) }))}
    />
  );
}
