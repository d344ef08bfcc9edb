// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BarChart, DataTable, LineChart, NumberTile, PieChart, formatCount } from '../dashboards/widgets.tsx';
import { Histogram, dragToRange, fillBuckets } from '../search/Histogram.tsx';
import { addWidget, moveWidget, parseLayout, removeWidget, updateWidget, type Layout } from '../dashboards/layout.ts';
import { toBucketTotals, toCategories, toSeries } from '../dashboards/transform.ts';
import { setTheme } from '../lib/theme.ts';

afterEach(cleanup);
const size = { width: 400, height: 200 };

describe('chart widgets', () => {
  it('draws a line per series as SVG paths', () => {
    const { container } = render(
      <LineChart
        size={size}
        series={[
          { id: 'ssh_failed', points: [{ x: '2026-11-24T10:00:00Z', y: 3 }, { x: '2026-11-24T11:00:00Z', y: 5 }] },
          { id: 'http_access', points: [{ x: '2026-11-24T10:00:00Z', y: 9 }, { x: '2026-11-24T11:00:00Z', y: 1 }] },
        ]}
      />,
    );
    expect(container.querySelector('[data-chart="line"] svg')).not.toBeNull();
    expect(container.querySelectorAll('path[fill="none"]').length).toBeGreaterThanOrEqual(2);
  });

  it('draws one bar per category and reports the clicked one', () => {
    const onSelect = vi.fn();
    const { container } = render(<BarChart size={size} items={[{ label: 'web-01', value: 10 }, { label: 'db-01', value: 4 }]} onSelect={onSelect} />);
    const bars = container.querySelectorAll('[data-chart="bar"] rect[aria-label]');
    expect([...bars].map((b) => b.getAttribute('aria-label'))).toEqual(['web-01: 10', 'db-01: 4']);
    fireEvent.click(bars[1]!);
    expect(onSelect).toHaveBeenCalledWith('db-01');
  });

  it('folds slices beyond nine into "other" in a pie', () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ label: `host-${i}`, value: 100 - i }));
    const { container } = render(<PieChart size={size} items={items} />);
    const arcs = [...container.querySelectorAll('[data-chart="pie"] path')].filter((p) => p.getAttribute('fill') !== 'none');
    expect(arcs.length).toBe(10);
    expect(screen.getByText('other')).toBeTruthy();
  });

  it('shows an empty state rather than an empty chart', () => {
    render(<BarChart size={size} items={[]} />);
    expect(screen.getByText('No data in this range.')).toBeTruthy();
    render(<LineChart size={size} series={[{ id: 'x', points: [] }]} />);
    expect(screen.getAllByText('No data in this range.')).toHaveLength(2);
  });

  it('formats single numbers compactly and marks unknown values', () => {
    render(<NumberTile value={1_234_567} unit="events" tone="warn" />);
    expect(screen.getByText('1.2M')).toBeTruthy();
    render(<NumberTile value={null} />);
    expect(screen.getByText('–')).toBeTruthy();
    expect(formatCount(9_999)).toBe('9,999');
  });

  it('renders tables whose rows open with Enter as well as a click', () => {
    const onRow = vi.fn();
    render(<DataTable columns={[{ key: 'ip', label: 'IP' }, { key: 'count', label: 'Events', numeric: true }]} rows={[{ ip: '10.0.0.1', count: 12000 }]} rowKey={(r) => String(r.ip)} onRowActivate={onRow} />);
    expect(screen.getByText('12,000')).toBeTruthy();
    fireEvent.keyDown(screen.getByText('10.0.0.1').closest('tr')!, { key: 'Enter' });
    expect(onRow).toHaveBeenCalledWith({ ip: '10.0.0.1', count: 12000 });
  });

  it('follows the dark theme in the chart text colour', () => {
    setTheme('dark');
    const { container } = render(<BarChart size={size} items={[{ label: 'a', value: 1 }]} />);
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(container.querySelector('text')?.getAttribute('style') ?? container.innerHTML).toContain('#d4d7dd');
    setTheme('light');
  });
});

describe('histogram', () => {
  it('fills empty buckets so bars are evenly spaced in time', () => {
    const from = new Date('2026-11-24T10:00:00Z');
    const to = new Date('2026-11-24T10:05:00Z');
    expect(fillBuckets([{ ts: '2026-11-24T10:02:00Z', count: 7 }], from, to, 60_000).map((b) => b.count)).toEqual([0, 0, 7, 0, 0]);
  });

  it('turns a drag into a time range and ignores a plain click', () => {
    const t0 = Date.parse('2026-11-24T10:00:00Z');
    expect(dragToRange(100, 50, 200, t0, t0 + 200_000)).toEqual({ from: '2026-11-24T10:00:50.000Z', to: '2026-11-24T10:01:40.000Z' });
    expect(dragToRange(10, 11, 200, t0, t0 + 200_000)).toBeNull();
  });

  it('zooms when the mouse is dragged across it', () => {
    const onZoom = vi.fn();
    const buckets = fillBuckets([], new Date('2026-11-24T10:00:00Z'), new Date('2026-11-24T11:00:00Z'), 60_000);
    render(<Histogram size={size} buckets={buckets} bucketMs={60_000} onZoom={onZoom} />);
    const overlay = screen.getByTestId('histogram-drag');
    overlay.getBoundingClientRect = () => ({ left: 0, width: 600, top: 0, height: 100, right: 600, bottom: 100, x: 0, y: 0, toJSON: () => ({}) });
    fireEvent.mouseDown(overlay, { clientX: 0, button: 0 });
    fireEvent.mouseMove(overlay, { clientX: 300 });
    fireEvent.mouseUp(overlay, { clientX: 300 });
    expect(onZoom).toHaveBeenCalledWith({ from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T10:30:00.000Z' });
  });
});

describe('dashboard layout JSON', () => {
  const layout: Layout = parseLayout({
    range: '7d',
    widgets: [
      { id: 'a', title: 'A', kind: 'line', metric: 'count_over_time', w: 6, h: 2 },
      { id: 'b', title: 'B', kind: 'pie', metric: 'top_values', field: 'host', w: 40, h: 0 },
      { id: 'c', title: 'C', kind: 'rocket', metric: 'events' },
      { title: 'broken', metric: 'delete_everything' },
      'nonsense',
    ],
  });

  it('reads stored layouts defensively', () => {
    expect(layout.range).toBe('7d');
    expect(layout.widgets.map((w) => [w.id, w.kind, w.w, w.h])).toEqual([
      ['a', 'line', 6, 2],
      ['b', 'pie', 12, 1],
      ['c', 'table', 6, 2],
    ]);
    expect(parseLayout(null)).toEqual({ version: 1, range: '24h', widgets: [] });
  });

  it('adds, moves, resizes and removes widgets without touching the others', () => {
    let next = moveWidget(layout, 'c', -1);
    expect(next.widgets.map((w) => w.id)).toEqual(['a', 'c', 'b']);
    expect(moveWidget(next, 'a', -1)).toBe(next);
    next = updateWidget(next, 'a', { w: 4 });
    next = addWidget(next, { title: 'D', kind: 'number', metric: 'events', w: 3, h: 1 });
    next = removeWidget(next, 'b');
    expect(next.widgets.map((w) => [w.title, w.w])).toEqual([
      ['A', 4],
      ['C', 6],
      ['D', 3],
    ]);
    expect(parseLayout(JSON.parse(JSON.stringify(next)))).toEqual(next);
  });

  it('turns rollup rows into series, totals and categories', () => {
    const rows = [
      { bucket: '2026-11-24T11:00:00Z', key: 'ssh', count: '2' },
      { bucket: '2026-11-24T10:00:00Z', key: 'ssh', count: 1 },
      { bucket: '2026-11-24T10:00:00Z', key: 'http', count: 10 },
    ];
    expect(toSeries(rows)).toEqual([
      { id: 'http', points: [{ x: '2026-11-24T10:00:00Z', y: 10 }] },
      { id: 'ssh', points: [{ x: '2026-11-24T10:00:00Z', y: 1 }, { x: '2026-11-24T11:00:00Z', y: 2 }] },
    ]);
    expect(toBucketTotals(rows)).toEqual([{ label: '2026-11-24T10:00:00Z', value: 11 }, { label: '2026-11-24T11:00:00Z', value: 2 }]);
    expect(toCategories([{ value: null, count: '3' }, { value: 'a', count: 5 }])).toEqual([{ label: 'a', value: 5 }, { label: '(none)', value: 3 }]);
  });
});
