import { gql } from 'urql';
import type { SearchState } from './searchState.ts';
import { resolveRange } from '../lib/time.ts';

/** One row of `searchEvents`, as the results table and live tail read it. */
export interface EventRow {
  rowId: string;
  ts: string;
  host: string;
  source: string;
  eventType: string;
  message: string;
  metadata: Record<string, unknown> | null;
  enrichment: Record<string, unknown> | null;
  flags: string[];
  cursor: string;
}

export const pageSize = 50;

export const SearchQuery = gql`
  query Search($start: Datetime!, $end: Datetime!, $sources: [String], $hosts: [String], $eventTypes: [String], $tags: [String], $fields: JSON, $q: String, $cursor: String, $limit: Int) {
    searchEvents(start: $start, end: $end, sources: $sources, hosts: $hosts, eventTypes: $eventTypes, tags: $tags, fields: $fields, q: $q, cursor: $cursor, limit: $limit) {
      rowId
      ts
      host
      source
      eventType
      message
      metadata
      enrichment
      flags
      cursor
    }
  }
`;

export const SearchTotalQuery = gql`
  query SearchTotal($start: Datetime!, $end: Datetime!, $sources: [String], $hosts: [String], $eventTypes: [String], $tags: [String], $fields: JSON, $q: String) {
    searchEventsTotal(start: $start, end: $end, sources: $sources, hosts: $hosts, eventTypes: $eventTypes, tags: $tags, fields: $fields, q: $q, cap: 10000) {
      count
      capped
    }
  }
`;

/** The search's histogram: the same filters as searchEvents, so the bars add up to the results. */
export const SearchEventCountsQuery = gql`
  query SearchEventCounts($start: Datetime!, $end: Datetime!, $bucket: String!, $sources: [String], $hosts: [String], $eventTypes: [String], $tags: [String], $fields: JSON, $q: String) {
    searchEventCounts(start: $start, end: $end, bucket: $bucket, sources: $sources, hosts: $hosts, eventTypes: $eventTypes, tags: $tags, fields: $fields, q: $q) {
      bucket
      count
    }
  }
`;

export const EventCountsQuery = gql`
  query EventCounts($start: Datetime!, $end: Datetime!, $bucket: String!, $groupBy: String, $eventTypes: [String]) {
    eventCounts(start: $start, end: $end, bucket: $bucket, groupBy: $groupBy, eventTypes: $eventTypes) {
      bucket
      key
      count
    }
  }
`;

export const TopValuesQuery = gql`
  query TopValues($start: Datetime!, $end: Datetime!, $field: String!, $limit: Int, $eventTypes: [String]) {
    topValues(start: $start, end: $end, field: $field, limit: $limit, eventTypes: $eventTypes) {
      value
      count
    }
  }
`;

export interface CountRow {
  bucket: string;
  key: string | null;
  count: number | string;
}

export interface TopValue {
  value: string | null;
  count: number | string;
}

/** Field conditions as the API takes them: `{"username": "root"}`. */
export function fieldsArgument(state: SearchState): Record<string, unknown> | null {
  if (!state.fields.length) return null;
  return Object.fromEntries(state.fields.map((f) => [f.field, coerceValue(f.value)]));
}

/** Numbers stay numbers (metadata holds `http_status: 404`, not `"404"`). */
function coerceValue(value: string): unknown {
  return /^-?\d{1,15}$/.test(value) ? Number(value) : value;
}

/** The variables of a search; the range is resolved now, so a relative range moves with the clock. */
export function searchVariables(state: SearchState, now: number) {
  const { from, to } = resolveRange(state.range, now);
  const orNull = (values: string[]) => (values.length ? values : null);
  return {
    start: from.toISOString(),
    end: to.toISOString(),
    sources: orNull(state.sources),
    hosts: orNull(state.hosts),
    eventTypes: orNull(state.eventTypes),
    tags: orNull(state.tags),
    fields: fieldsArgument(state),
    q: state.q.trim() || null,
  };
}

/** The value of a column for an event: envelope columns first, then metadata, then enrichment paths. */
export function columnValue(event: Pick<EventRow, 'ts' | 'host' | 'source' | 'eventType' | 'message' | 'metadata' | 'enrichment' | 'flags'>, column: string): unknown {
  switch (column) {
    case 'ts':
      return event.ts;
    case 'host':
      return event.host;
    case 'source':
      return event.source;
    case 'event_type':
      return event.eventType;
    case 'message':
      return event.message;
    case 'flags':
      return event.flags.join(', ');
  }
  if (column.startsWith('enrichment.')) return readPath(event.enrichment, column.slice('enrichment.'.length));
  return readPath(event.metadata, column);
}

export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
