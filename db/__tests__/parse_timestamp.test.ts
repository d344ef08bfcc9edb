import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const parse = async (text: string | null) =>
  (await context.db.pool.query('select siem_private.parse_timestamp($1) as t', [text])).rows[0].t as Date | null;
const eventTime = async (fields: unknown, received: string) =>
  (await context.db.pool.query('select siem_private.event_time($1, $2) as t', [fields, received])).rows[0].t as Date;

describe('siem_private.parse_timestamp and siem_private.event_time', () => {
  it('reads RFC 3339 / ISO 8601 (no zone is UTC) and the access-log form', async () => {
    expect(await parse('2026-11-24T10:00:00.123Z')).toEqual(new Date('2026-11-24T10:00:00.123Z'));
    expect(await parse('2026-11-24 10:00:00+01:00')).toEqual(new Date('2026-11-24T09:00:00Z'));
    expect(await parse('2026-11-24T10:00:00')).toEqual(new Date('2026-11-24T10:00:00Z'));
    expect(await parse('2026-11-24T10:00:00 +0530')).toEqual(new Date('2026-11-24T04:30:00Z'));
    expect(await parse('2026-11-24T10:00:00-05')).toEqual(new Date('2026-11-24T15:00:00Z'));
    expect(await parse('24/Nov/2026:10:00:00 +0100')).toEqual(new Date('2026-11-24T09:00:00Z'));
    expect(await parse('2024-02-29T00:00:00Z')).toEqual(new Date('2024-02-29T00:00:00Z'));
  });

  it('returns null, never an error, for anything else', async () => {
    for (const text of ['2026-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2026-11-24T24:00:00Z', '2026-11-24T10:00:60Z', '2026-11-24T10:00:00+99:00',
      '2026-11-24T10:00:00+01:0', '2026-11-24T10:00:00.1.2Z', '2026-11-24T10:00:00 EST', '0000-01-01T00:00:00Z', '24/Foo/2026:10:00:00 +0100',
      'garbage that is long enough', 'short', '', null]) {
      expect(await parse(text), String(text)).toBeNull();
    }
  });

  it('takes @timestamp, timestamp or time when plausible, else the envelope time', async () => {
    const received = '2026-11-24T12:00:00Z';
    expect(await eventTime({ '@timestamp': '2026-11-24T11:59:00Z', time: '2020-01-01T00:00:00Z' }, received)).toEqual(new Date('2026-11-24T11:59:00Z'));
    expect(await eventTime({ time: '2026-11-20T00:00:00Z' }, received)).toEqual(new Date('2026-11-20T00:00:00Z'));
    expect(await eventTime({ timestamp: '2036-01-01T00:00:00Z' }, received)).toEqual(new Date(received));
    expect(await eventTime({ timestamp: '1969-12-31T00:00:00Z' }, received)).toEqual(new Date(received));
    expect(await eventTime({ timestamp: 'yesterday' }, received)).toEqual(new Date(received));
    expect(await eventTime(null, received)).toEqual(new Date(received));
  });
});
