import { Bar, ResponsiveBar } from '@nivo/bar';
import { Line, ResponsiveLine } from '@nivo/line';
import { Pie, ResponsivePie } from '@nivo/pie';
import type { ReactNode } from 'react';
import { chartColors, nivoTheme, useTheme } from '../lib/theme.ts';
import { formatTs } from '../lib/time.ts';
import { Empty } from '../ui/states.tsx';

/** A fixed size renders the chart without measuring its box (tests, print); otherwise it fills its box. */
export type ChartSize = { width: number; height: number } | undefined;

export interface TimeSeries {
  id: string;
  points: { x: string; y: number }[];
}

export interface Category {
  label: string;
  value: number;
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
export const formatCount = (value: number) => (Math.abs(value) < 10_000 ? value.toLocaleString('en') : compact.format(value));

function noData(empty: boolean, message = 'No data in this range.'): ReactNode | null {
  return empty ? <Empty>{message}</Empty> : null;
}

/** Counts over time, one line per series. */
export function LineChart({ series, size, onPointClick }: { series: TimeSeries[]; size?: ChartSize; onPointClick?: (x: string, series: string) => void }) {
  const theme = useTheme();
  const empty = noData(series.every((s) => s.points.length === 0));
  if (empty) return empty;
  const props = {
    data: series.map((s) => ({ id: s.id, data: s.points.map((p) => ({ x: new Date(p.x), y: p.y })) })),
    margin: { top: 10, right: 16, bottom: 28, left: 48 },
    xScale: { type: 'time' as const },
    yScale: { type: 'linear' as const, min: 0, max: 'auto' as const },
    axisBottom: { format: '%H:%M', tickValues: 6 },
    axisLeft: { format: (v: number) => formatCount(v), tickValues: 4 },
    enablePoints: false,
    useMesh: true,
    colors: chartColors,
    theme: nivoTheme(theme),
    animate: false,
    enableSlices: 'x' as const,
    sliceTooltip: ({ slice }: { slice: { points: readonly { seriesId: string | number; data: { x: unknown; yFormatted: string | number } }[] } }) => (
      <div className="chart-tooltip">
        <div>{formatTs(slice.points[0]?.data.x as Date)}</div>
        {slice.points.map((point) => (
          <div key={String(point.seriesId)}>
            {point.seriesId}: <strong>{point.data.yFormatted}</strong>
          </div>
        ))}
      </div>
    ),
    onClick: onPointClick
      ? (datum: unknown) => {
          const point = (datum as { points?: { seriesId: string; data: { x: Date } }[] }).points?.[0];
          if (point) onPointClick(point.data.x.toISOString(), String(point.seriesId));
        }
      : undefined,
    role: 'img',
    ariaLabel: 'line chart',
  };
  return (
    <div className="chart" data-chart="line">
      {/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- nivo's generic props do not narrow here */}
      {size ? <Line {...(props as any)} {...size} /> : <ResponsiveLine {...(props as any)} />}
    </div>
  );
}

/** Counts per category, largest first; `onSelect` drills into one (filter by this value). */
export function BarChart({ items, size, horizontal = false, onSelect }: { items: Category[]; size?: ChartSize; horizontal?: boolean; onSelect?: (label: string) => void }) {
  const theme = useTheme();
  const empty = noData(items.length === 0);
  if (empty) return empty;
  const data = (horizontal ? [...items].reverse() : items).map((item) => ({ label: item.label, value: item.value }));
  const props = {
    data,
    keys: ['value'],
    indexBy: 'label',
    layout: horizontal ? ('horizontal' as const) : ('vertical' as const),
    margin: horizontal ? { top: 4, right: 16, bottom: 24, left: 120 } : { top: 10, right: 10, bottom: 40, left: 48 },
    padding: 0.25,
    colors: chartColors[0],
    theme: nivoTheme(theme),
    animate: false,
    enableLabel: false,
    axisLeft: horizontal ? { format: (v: string) => truncate(v, 18) } : { format: (v: number) => formatCount(v), tickValues: 4 },
    axisBottom: horizontal ? { format: (v: number) => formatCount(v), tickValues: 4 } : { format: (v: string) => truncate(v, 12), tickRotation: -20 },
    onClick: onSelect ? (bar: { indexValue: string | number }) => onSelect(String(bar.indexValue)) : undefined,
    valueFormat: (v: number) => v.toLocaleString('en'),
    role: 'img',
    ariaLabel: 'bar chart',
    barAriaLabel: (bar: { indexValue: string | number; value: number | null }) => `${bar.indexValue}: ${bar.value}`,
  };
  return (
    <div className={`chart${onSelect ? ' chart-clickable' : ''}`} data-chart="bar">
      {/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- nivo's generic props do not narrow here */}
      {size ? <Bar {...(props as any)} {...size} /> : <ResponsiveBar {...(props as any)} />}
    </div>
  );
}

/** Shares of a whole; small slices beyond the first nine are summed as "other". */
export function PieChart({ items, size, onSelect }: { items: Category[]; size?: ChartSize; onSelect?: (label: string) => void }) {
  const theme = useTheme();
  const empty = noData(items.length === 0);
  if (empty) return empty;
  const top = items.slice(0, 9).map((item) => ({ id: item.label, label: item.label, value: item.value }));
  const rest = items.slice(9).reduce((sum, item) => sum + item.value, 0);
  if (rest > 0) top.push({ id: 'other', label: 'other', value: rest });
  const props = {
    data: top,
    margin: { top: 20, right: 100, bottom: 20, left: 100 },
    innerRadius: 0.5,
    padAngle: 1,
    colors: chartColors,
    theme: nivoTheme(theme),
    animate: false,
    arcLinkLabel: (d: { label: string | number }) => truncate(String(d.label), 16),
    arcLinkLabelsTextColor: theme === 'dark' ? '#d4d7dd' : '#30343b',
    arcLabelsSkipAngle: 12,
    arcLinkLabelsSkipAngle: 8,
    valueFormat: (v: number) => formatCount(v),
    onClick: onSelect ? (datum: { id: string | number }) => datum.id !== 'other' && onSelect(String(datum.id)) : undefined,
    role: 'img',
  };
  return (
    <div className={`chart${onSelect ? ' chart-clickable' : ''}`} data-chart="pie">
      {/* eslint-disable-next-line @typescript-eslint/no-explicit-any -- nivo's generic props do not narrow here */}
      {size ? <Pie {...(props as any)} {...size} /> : <ResponsivePie {...(props as any)} />}
    </div>
  );
}

/** One big number, with what it counts. */
export function NumberTile({ value, unit, tone }: { value: number | null; unit?: string; tone?: 'ok' | 'warn' | 'bad' }) {
  return (
    <div className={`number-tile${tone ? ` tone-${tone}` : ''}`} data-chart="number">
      <span className="number-value">{value === null ? '–' : formatCount(value)}</span>
      {unit && <span className="number-unit">{unit}</span>}
    </div>
  );
}

export interface TableColumn<Row> {
  key: string;
  label: string;
  render?: (row: Row) => ReactNode;
  numeric?: boolean;
}

/** A compact table; rows may be activated by click or Enter when `onRowActivate` is given. */
export function DataTable<Row extends Record<string, unknown>>({ columns, rows, rowKey, onRowActivate, caption }: { columns: TableColumn<Row>[]; rows: Row[]; rowKey: (row: Row, index: number) => string; onRowActivate?: (row: Row) => void; caption?: string }) {
  if (rows.length === 0) return <Empty>No rows.</Empty>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} className={column.numeric ? 'num' : undefined} scope="col">
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr
              key={rowKey(row, index)}
              tabIndex={onRowActivate ? 0 : undefined}
              className={onRowActivate ? 'clickable' : undefined}
              onClick={onRowActivate ? () => onRowActivate(row) : undefined}
              onKeyDown={onRowActivate ? (event) => event.key === 'Enter' && onRowActivate(row) : undefined}
            >
              {columns.map((column) => (
                <td key={column.key} className={column.numeric ? 'num' : undefined}>
                  {column.render ? column.render(row) : formatCell(row[column.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value.toLocaleString('en');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function truncate(value: string, length: number): string {
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}
