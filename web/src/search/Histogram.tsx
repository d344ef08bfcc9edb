import { Bar, ResponsiveBar } from '@nivo/bar';
import { useRef, useState } from 'react';
import { chartColors, nivoTheme, useTheme } from '../lib/theme.ts';
import { formatTs } from '../lib/time.ts';
import { formatCount, type ChartSize } from '../dashboards/widgets.tsx';

export interface HistogramBucket {
  /** Start of the bucket, ISO time. */
  ts: string;
  count: number;
}

const margin = { top: 6, right: 8, bottom: 22, left: 44 };

/** Every bucket of [from, to), zeros included, so bars are evenly spaced in time. */
export function fillBuckets(buckets: HistogramBucket[], from: Date, to: Date, bucketMs: number): HistogramBucket[] {
  const counts = new Map(buckets.map((b) => [Math.floor(new Date(b.ts).getTime() / bucketMs) * bucketMs, b.count]));
  const filled: HistogramBucket[] = [];
  const start = Math.floor(from.getTime() / bucketMs) * bucketMs;
  for (let t = start; t < to.getTime() && filled.length < 2000; t += bucketMs) {
    filled.push({ ts: new Date(t).toISOString(), count: counts.get(t) ?? 0 });
  }
  return filled;
}

/** Converts a drag over the plot (pixel offsets within it) into a time range. */
export function dragToRange(startX: number, endX: number, plotWidth: number, firstBucket: number, lastBucketEnd: number): { from: string; to: string } | null {
  if (plotWidth <= 0) return null;
  const [a, b] = [Math.max(0, Math.min(startX, endX)), Math.min(plotWidth, Math.max(startX, endX))];
  if (b - a < 3) return null; // a click, not a drag
  const span = lastBucketEnd - firstBucket;
  return { from: new Date(firstBucket + (a / plotWidth) * span).toISOString(), to: new Date(firstBucket + (b / plotWidth) * span).toISOString() };
}

/**
 * Events per bucket over the search's range. Drag across it to zoom the search to that span; the
 * same is reachable from the keyboard through the time picker.
 */
export function Histogram({ buckets, bucketMs, onZoom, size }: { buckets: HistogramBucket[]; bucketMs: number; onZoom: (range: { from: string; to: string }) => void; size?: ChartSize }) {
  const theme = useTheme();
  const plot = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ start: number; end: number } | null>(null);
  const first = buckets.length ? new Date(buckets[0]!.ts).getTime() : 0;
  const end = buckets.length ? new Date(buckets[buckets.length - 1]!.ts).getTime() + bucketMs : 0;
  const labelEvery = Math.max(1, Math.ceil(buckets.length / 8));
  const offset = (clientX: number) => clientX - (plot.current?.getBoundingClientRect().left ?? 0);

  const props = {
    data: buckets.map((b) => ({ ts: b.ts, count: b.count })),
    keys: ['count'],
    indexBy: 'ts',
    margin,
    padding: 0.15,
    colors: chartColors[0],
    theme: nivoTheme(theme),
    animate: false,
    enableLabel: false,
    enableGridX: false,
    axisLeft: { tickValues: 3, format: (v: number) => formatCount(v) },
    axisBottom: {
      tickSize: 0,
      format: (v: string) => {
        const index = buckets.findIndex((b) => b.ts === v);
        if (index % labelEvery !== 0) return '';
        const label = formatTs(v);
        return bucketMs >= 86_400_000 ? label.slice(5, 10) : label.slice(5, 16);
      },
    },
    tooltip: ({ indexValue, value }: { indexValue: string | number; value: number | null }) => (
      <div className="chart-tooltip">
        {formatTs(String(indexValue))}: <strong>{(value ?? 0).toLocaleString('en')}</strong>
      </div>
    ),
    role: 'img',
    ariaLabel: 'events over time',
  };
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  return (
    <div className="histogram" data-testid="histogram" data-total={total} aria-label={`${total} events over time; drag to zoom`}>
      {/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- nivo's generic props do not narrow here */}
      {size ? <Bar {...(props as any)} {...size} /> : <ResponsiveBar {...(props as any)} />}
      <div
        ref={plot}
        className="histogram-drag"
        data-testid="histogram-drag"
        style={{ left: margin.left, right: margin.right, top: margin.top, bottom: margin.bottom }}
        onMouseDown={(event) => {
          if (event.button !== 0) return;
          const x = offset(event.clientX);
          setDrag({ start: x, end: x });
        }}
        onMouseMove={(event) => drag && setDrag({ ...drag, end: offset(event.clientX) })}
        onMouseLeave={() => setDrag(null)}
        onMouseUp={(event) => {
          if (!drag) return;
          const width = plot.current?.getBoundingClientRect().width ?? 0;
          const range = dragToRange(drag.start, offset(event.clientX), width, first, end);
          setDrag(null);
          if (range) onZoom(range);
        }}
      >
        {drag && <div className="histogram-selection" style={{ left: Math.min(drag.start, drag.end), width: Math.abs(drag.end - drag.start) }} />}
      </div>
    </div>
  );
}
