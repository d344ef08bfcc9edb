import { relativeMs, type TimeRange } from '../lib/time.ts';

/** One `field = value` condition on a normalized field (metadata or enrichment). */
export interface FieldFilter {
  field: string;
  value: string;
}

/** Everything a search is; the URL holds all of it so a link reproduces the search exactly. */
export interface SearchState {
  range: TimeRange;
  sources: string[];
  hosts: string[];
  eventTypes: string[];
  tags: string[];
  fields: FieldFilter[];
  q: string;
  columns: string[];
  /** Event open in the detail drawer, as `<id>@<ts>`. */
  event?: string;
}

export const defaultColumns = ['ts', 'host', 'source', 'event_type', 'message'];
export const defaultRange: TimeRange = { kind: 'relative', last: '24h' };

export const emptySearch: SearchState = {
  range: defaultRange,
  sources: [],
  hosts: [],
  eventTypes: [],
  tags: [],
  fields: [],
  q: '',
  columns: defaultColumns,
};

function isIsoTime(value: string | null): value is string {
  return value !== null && value !== '' && !Number.isNaN(new Date(value).getTime());
}

/** A `field:value` URL item; the value may itself contain colons. */
function parseFieldFilter(item: string): FieldFilter | null {
  const colon = item.indexOf(':');
  if (colon <= 0) return null;
  const field = item.slice(0, colon);
  if (!/^[A-Za-z_][\w.]*$/.test(field)) return null;
  return { field, value: item.slice(colon + 1) };
}

/** Reads a search from URL parameters; anything malformed falls back to the default. */
export function parseSearch(params: URLSearchParams): SearchState {
  const from = params.get('from');
  const to = params.get('to');
  const last = params.get('last');
  let range: TimeRange = defaultRange;
  if (isIsoTime(from) && isIsoTime(to) && new Date(from) < new Date(to)) range = { kind: 'absolute', from, to };
  else if (last && relativeMs(last) !== null) range = { kind: 'relative', last };
  const columns = (params.get('cols') ?? '').split(',').filter((c) => /^[A-Za-z_][\w.]*$/.test(c));
  const state: SearchState = {
    range,
    sources: params.getAll('source').filter(Boolean),
    hosts: params.getAll('host').filter(Boolean),
    eventTypes: params.getAll('type').filter(Boolean),
    tags: params.getAll('tag').filter(Boolean),
    fields: params.getAll('f').map(parseFieldFilter).filter((f): f is FieldFilter => f !== null),
    q: params.get('q') ?? '',
    columns: columns.length ? columns : defaultColumns,
  };
  const event = params.get('event');
  if (event && /^\d+@.+$/.test(event) && isIsoTime(event.slice(event.indexOf('@') + 1))) state.event = event;
  return state;
}

/** Writes a search as URL parameters, leaving out defaults so links stay short. */
export function serializeSearch(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.range.kind === 'absolute') {
    params.set('from', state.range.from);
    params.set('to', state.range.to);
  } else if (state.range.last !== '24h') {
    params.set('last', state.range.last);
  }
  for (const source of state.sources) params.append('source', source);
  for (const host of state.hosts) params.append('host', host);
  for (const type of state.eventTypes) params.append('type', type);
  for (const tag of state.tags) params.append('tag', tag);
  for (const f of state.fields) params.append('f', `${f.field}:${f.value}`);
  if (state.q) params.set('q', state.q);
  if (state.columns.join(',') !== defaultColumns.join(',')) params.set('cols', state.columns.join(','));
  if (state.event) params.set('event', state.event);
  return params;
}

export function searchHref(state: SearchState): string {
  const query = serializeSearch(state).toString();
  return query ? `/search?${query}` : '/search';
}

/** Columns that are envelope columns of `events`; anything else is read from metadata. */
export const envelopeColumns = ['ts', 'host', 'source', 'event_type', 'message', 'received_at', 'flags'] as const;

/** Adds a condition on a field, as "filter by this value" does. Envelope fields use their own filters. */
export function withValue(state: SearchState, field: string, value: string): SearchState {
  const next: SearchState = { ...state, event: undefined };
  if (field === 'host') return { ...next, hosts: unique([...state.hosts, value]) };
  if (field === 'source') return { ...next, sources: unique([...state.sources, value]) };
  if (field === 'event_type') return { ...next, eventTypes: unique([...state.eventTypes, value]) };
  // One value per field: the API matches fields with `metadata @>`, so two values of one field match nothing.
  const fields = state.fields.filter((f) => f.field !== field);
  return { ...next, fields: [...fields, { field, value }] };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
