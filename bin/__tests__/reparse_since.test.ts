import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.ts';
import { parseSince } from '../commands/reparse.ts';

describe('siem reparse --since', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  it('reads relative minutes, hours and days, and absolute times', () => {
    expect(parseSince('-30m', now)).toEqual(new Date('2026-11-24T11:30:00Z'));
    expect(parseSince('-24h', now)).toEqual(new Date('2026-11-23T12:00:00Z'));
    expect(parseSince('-7d', now)).toEqual(new Date('2026-11-17T12:00:00Z'));
    expect(parseSince('2026-11-20T08:00:00Z', now)).toEqual(new Date('2026-11-20T08:00:00Z'));
  });
  it('says what it expected for anything else', () => {
    expect(() => parseSince('last tuesday', now)).toThrow(ConfigError);
  });
});
