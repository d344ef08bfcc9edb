import { relativeMs } from '../lib/time.ts';

/** What a widget shows. Each is one API query: rollup counts, top values, or a search. */
export type Metric = 'count_over_time' | 'top_values' | 'events';
export type WidgetKind = 'line' | 'bar' | 'pie' | 'table' | 'number';

export interface WidgetDef {
  id: string;
  title: string;
  kind: WidgetKind;
  metric: Metric;
  /** top_values: the field counted; count_over_time: optional split (event_type, host, source). */
  field?: string;
  eventTypes?: string[];
  /** events: free text. */
  q?: string;
  /** Relative range, e.g. `24h`; absent: the dashboard's range. */
  range?: string;
  limit?: number;
  /** Grid columns (of 12) and rows (of 160 px) the widget spans. */
  w: number;
  h: number;
}

/** The JSON stored in `dashboards.layout`. */
export interface Layout {
  version: 1;
  range: string;
  widgets: WidgetDef[];
}

export const emptyLayout: Layout = { version: 1, range: '24h', widgets: [] };
export const groupFields = ['event_type', 'host', 'source'] as const;
/** Which visualisations make sense for a metric. */
export const kindsFor: Record<Metric, WidgetKind[]> = {
  count_over_time: ['line', 'bar', 'table', 'number'],
  top_values: ['bar', 'pie', 'table', 'number'],
  events: ['table', 'number'],
};

const clamp = (value: unknown, min: number, max: number, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, Math.round(value))) : fallback);

/** Reads a stored layout defensively: unknown or broken widgets are dropped, sizes clamped. */
export function parseLayout(value: unknown): Layout {
  if (!value || typeof value !== 'object') return emptyLayout;
  const raw = value as { range?: unknown; widgets?: unknown };
  const range = typeof raw.range === 'string' && relativeMs(raw.range) !== null ? raw.range : emptyLayout.range;
  const widgets = Array.isArray(raw.widgets) ? raw.widgets.map(parseWidget).filter((w): w is WidgetDef => w !== null) : [];
  return { version: 1, range, widgets };
}

function parseWidget(value: unknown): WidgetDef | null {
  if (!value || typeof value !== 'object') return null;
  const w = value as Record<string, unknown>;
  const metric = w.metric as Metric;
  if (!(metric in kindsFor)) return null;
  const kind = kindsFor[metric].includes(w.kind as WidgetKind) ? (w.kind as WidgetKind) : kindsFor[metric][0]!;
  const widget: WidgetDef = {
    id: typeof w.id === 'string' && w.id ? w.id : newWidgetId(),
    title: typeof w.title === 'string' ? w.title.slice(0, 200) : 'Untitled',
    kind,
    metric,
    w: clamp(w.w, 2, 12, 6),
    h: clamp(w.h, 1, 4, 2),
  };
  if (typeof w.field === 'string' && /^[A-Za-z_][\w.]*$/.test(w.field)) widget.field = w.field;
  if (Array.isArray(w.eventTypes)) widget.eventTypes = w.eventTypes.filter((t): t is string => typeof t === 'string' && t !== '');
  if (typeof w.q === 'string' && w.q) widget.q = w.q;
  if (typeof w.range === 'string' && relativeMs(w.range) !== null) widget.range = w.range;
  if (typeof w.limit === 'number') widget.limit = clamp(w.limit, 1, 100, 10);
  if (metric === 'top_values' && !widget.field) widget.field = 'host';
  return widget;
}

export function newWidgetId(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** Moves a widget one place earlier (-1) or later (+1) in the grid's flow. */
export function moveWidget(layout: Layout, id: string, delta: -1 | 1): Layout {
  const index = layout.widgets.findIndex((w) => w.id === id);
  const target = index + delta;
  if (index < 0 || target < 0 || target >= layout.widgets.length) return layout;
  const widgets = [...layout.widgets];
  [widgets[index], widgets[target]] = [widgets[target]!, widgets[index]!];
  return { ...layout, widgets };
}

export function updateWidget(layout: Layout, id: string, patch: Partial<WidgetDef>): Layout {
  return { ...layout, widgets: layout.widgets.map((w) => (w.id === id ? { ...w, ...patch } : w)) };
}

export function removeWidget(layout: Layout, id: string): Layout {
  return { ...layout, widgets: layout.widgets.filter((w) => w.id !== id) };
}

export function addWidget(layout: Layout, widget: Omit<WidgetDef, 'id'>): Layout {
  return { ...layout, widgets: [...layout.widgets, { ...widget, id: newWidgetId() }] };
}
