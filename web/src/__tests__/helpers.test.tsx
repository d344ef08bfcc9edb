// @vitest-environment happy-dom
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fillSeries } from '../dashboards/transform.ts';
import { countryQuery, ingestRate } from '../dashboards/OverviewPage.tsx';
import { flatten, parseEventKey, showExactBytes } from '../search/EventDrawer.tsx';
import { mergeTail } from '../tail/TailPage.tsx';

describe('view helpers', () => {
  it('zero-fills a line over its whole range so quiet hours show as zero', () => {
    const filled = fillSeries([{ id: 'events', points: [{ x: '2026-11-24T02:00:00.000Z', y: 4 }] }], '2026-11-24T00:00:00Z', '2026-11-24T04:00:00Z', 3_600_000);
    expect(filled[0]!.points.map((p) => p.y)).toEqual([0, 0, 4, 0]);
  });

  it('asks for the countries of all source IPs in one valid GraphQL document', () => {
    const query = countryQuery(['10.0.0.1', '10.0.0.2']);
    expect(() => parse(query)).not.toThrow();
    expect(query.match(/searchEvents/g)).toHaveLength(2);
    expect(() => parse(countryQuery([]))).not.toThrow();
  });

  it('measures the ingest rate since ingest started, over at most 15 minutes', () => {
    const now = Date.parse('2026-11-24T10:15:00Z');
    expect(ingestRate([{ bucket: '2026-11-24T10:13:00Z', key: null, count: '2400' }, { bucket: '2026-11-24T10:14:00Z', key: null, count: 1200 }], now)).toBe(30);
    expect(ingestRate([{ bucket: '2026-11-24T09:00:00Z', key: null, count: 9000 }], now)).toBe(10);
    expect(ingestRate([], now)).toBe(0);
  });

  it('shows exact bytes as text when printable and escapes the rest', () => {
    expect(showExactBytes(btoa('Failed password for root'))).toBe('Failed password for root');
    expect(showExactBytes(btoa('a\x00b\xff'))).toBe('a\\x00b\\xff');
  });

  it('flattens nested enrichment into dotted names and reads event keys', () => {
    expect(flatten({ geoip: { country: 'NL', city: 'Amsterdam' }, tags: ['tor'] })).toEqual([
      ['geoip.country', 'NL'],
      ['geoip.city', 'Amsterdam'],
      ['tags', ['tor']],
    ]);
    expect(parseEventKey('42@2026-11-24T10:00:00Z')).toEqual({ id: '42', ts: '2026-11-24T10:00:00Z' });
    expect(parseEventKey('nonsense')).toBeNull();
  });

  it('keeps the newest tail events first, without duplicates, up to the limit', () => {
    const event = (id: string) => ({ rowId: id, ts: '', host: '', source: '', eventType: '', message: '' });
    const merged = mergeTail([event('2'), event('1')], [event('4'), event('3'), event('2')], 3);
    expect(merged.map((e) => e.rowId)).toEqual(['4', '3', '2']);
  });
});
