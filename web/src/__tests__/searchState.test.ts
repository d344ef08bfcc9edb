import { describe, expect, it } from 'vitest';
import { emptySearch, parseSearch, searchHref, serializeSearch, withValue, type SearchState } from '../search/searchState.ts';
import { columnValue, fieldsArgument, searchVariables } from '../search/queries.ts';
import { fromInputValue, pickBucket, relativeMs, resolveRange } from '../lib/time.ts';

const full: SearchState = {
  range: { kind: 'absolute', from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T11:30:00.000Z' },
  sources: ['syslog', 'nginx'],
  hosts: ['web-01'],
  eventTypes: ['ssh_failed'],
  tags: ['tor-exit'],
  fields: [{ field: 'username', value: 'root' }, { field: 'url_path', value: '/a:b?c=d&e' }],
  q: 'Failed password for "root" & more',
  columns: ['ts', 'host', 'username', 'enrichment.geoip.country'],
  event: '42@2026-11-24T10:15:00.123Z',
};

describe('search state in the URL', () => {
  it('round-trips every part of a search through the query string', () => {
    const href = searchHref(full);
    expect(href.startsWith('/search?')).toBe(true);
    expect(parseSearch(new URL(href, 'http://x').searchParams)).toEqual(full);
  });

  it('leaves defaults out, so the plain search is just /search', () => {
    expect(searchHref(emptySearch)).toBe('/search');
    expect(parseSearch(new URLSearchParams())).toEqual(emptySearch);
    expect(serializeSearch({ ...emptySearch, range: { kind: 'relative', last: '15m' } }).toString()).toBe('last=15m');
  });

  it('falls back to defaults for malformed parameters instead of failing', () => {
    const state = parseSearch(new URLSearchParams('last=forever&from=yesterday&to=x&f=nocolon&f=:x&f=bad%20name:1&cols=,;drop&event=abc'));
    expect(state.range).toEqual({ kind: 'relative', last: '24h' });
    expect(state.fields).toEqual([]);
    expect(state.columns).toEqual(emptySearch.columns);
    expect(state.event).toBeUndefined();
  });

  it('rejects an absolute range whose start is not before its end', () => {
    const state = parseSearch(new URLSearchParams('from=2026-11-24T11:00:00Z&to=2026-11-24T10:00:00Z&last=7d'));
    expect(state.range).toEqual({ kind: 'relative', last: '7d' });
  });

  it('"filter by this value" adds envelope values to their lists and fields as conditions, once', () => {
    let state = withValue({ ...emptySearch, event: '1@t' }, 'host', 'web-01');
    state = withValue(state, 'host', 'web-01');
    state = withValue(state, 'username', 'root');
    state = withValue(state, 'username', 'admin');
    expect(state.hosts).toEqual(['web-01']);
    expect(state.fields).toEqual([{ field: 'username', value: 'admin' }]);
    expect(state.event).toBeUndefined();
  });

  it('turns a search into API variables: numbers stay numbers, empty lists become null', () => {
    const vars = searchVariables({ ...emptySearch, fields: [{ field: 'http_status', value: '404' }, { field: 'username', value: '007x' }], q: '  ' }, Date.parse('2026-11-24T12:00:00Z'));
    expect(vars).toEqual({ start: '2026-11-23T12:00:00.000Z', end: '2026-11-24T12:00:00.000Z', sources: null, hosts: null, eventTypes: null, tags: null, fields: { http_status: 404, username: '007x' }, q: null });
    expect(fieldsArgument(emptySearch)).toBeNull();
  });

  it('reads columns from the envelope, metadata or enrichment', () => {
    const event = { ts: 't', host: 'h', source: 's', eventType: 'e', message: 'm', flags: ['a', 'b'], metadata: { username: 'root', nested: { x: 1 } }, enrichment: { geoip: { country: 'NL' } } };
    expect(columnValue(event, 'event_type')).toBe('e');
    expect(columnValue(event, 'flags')).toBe('a, b');
    expect(columnValue(event, 'username')).toBe('root');
    expect(columnValue(event, 'nested.x')).toBe(1);
    expect(columnValue(event, 'enrichment.geoip.country')).toBe('NL');
    expect(columnValue(event, 'missing.path')).toBeUndefined();
  });
});

describe('time ranges', () => {
  it('understands relative ranges and picks a bucket the API has', () => {
    expect(relativeMs('15m')).toBe(900_000);
    expect(relativeMs('7d')).toBe(604_800_000);
    expect(relativeMs('0h')).toBeNull();
    expect(relativeMs('1w')).toBeNull();
    expect(pickBucket(15 * 60_000)).toBe('1m');
    expect(pickBucket(24 * 3_600_000)).toBe('1h');
    expect(pickBucket(7 * 86_400_000)).toBe('1d');
    expect(resolveRange({ kind: 'relative', last: '1h' }, 3_600_000).from.getTime()).toBe(0);
  });

  it('reads datetime-local input values as UTC', () => {
    expect(fromInputValue('2026-11-24T10:15')).toBe('2026-11-24T10:15:00.000Z');
    expect(fromInputValue('2026-11-24T10:15:30')).toBe('2026-11-24T10:15:30.000Z');
    expect(fromInputValue('')).toBeNull();
  });
});
