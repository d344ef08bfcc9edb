import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeoIp } from '../enrichment/geoip.ts';
import { reservedRange } from '../enrichment/reserved.ts';

const maxmindDir = path.resolve(import.meta.dirname, '../../../shared/corpora/maxmind');
const haveCorpus = existsSync(path.join(maxmindDir, 'test-data/GeoIP2-City-Test.mmdb'));

describe('GeoIp with the shipped CC0 country database', () => {
  it('gives GB for 81.2.69.142 and labels special-purpose ranges instead of looking them up', async () => {
    const geoip = await GeoIp.open();
    expect(geoip.lookup('81.2.69.142')).toEqual({ country: 'GB' });
    expect(geoip.lookup('2001:4860:4860::8888')?.country).toBe('US');
    expect(geoip.lookup('10.1.2.3')).toEqual({ reserved: 'private' });
    expect(geoip.lookup('127.0.0.1')).toEqual({ reserved: 'loopback' });
    expect(geoip.lookup('fe80::1')).toEqual({ reserved: 'link-local' });
    expect(geoip.lookup('::ffff:192.168.1.1')).toEqual({ reserved: 'private' });
    expect(reservedRange('8.8.8.8')).toBeUndefined();
  });
});

describe.skipIf(!haveCorpus)('GeoIp with the MaxMind test databases (../shared/corpora/maxmind)', () => {
  interface CityEntry {
    city?: { names?: { en?: string } };
    country?: { iso_code?: string };
    location?: { latitude?: number; longitude?: number };
  }
  interface AsnEntry {
    autonomous_system_number?: number;
    autonomous_system_organization?: string;
  }

  it('matches the known answers of GeoIP2-City and GeoLite2-ASN source data', async () => {
    const geoip = await GeoIp.open({
      cityPath: path.join(maxmindDir, 'test-data/GeoIP2-City-Test.mmdb'),
      asnPath: path.join(maxmindDir, 'test-data/GeoLite2-ASN-Test.mmdb'),
    });
    expect(geoip.lookup('81.2.69.142')).toMatchObject({ country: 'GB', city: 'London', country_name: 'United Kingdom' });
    const city = JSON.parse(readFileSync(path.join(maxmindDir, 'source-data/GeoIP2-City-Test.json'), 'utf8')) as Record<string, CityEntry>[];
    let checked = 0;
    for (const entry of city) {
      const [network, expected] = Object.entries(entry)[0]!;
      const ip = network.split('/')[0]!;
      if (reservedRange(ip) || !expected.country?.iso_code) continue;
      const found = geoip.lookup(ip);
      expect(found?.country, network).toBe(expected.country.iso_code);
      if (expected.city?.names?.en) expect(found?.city, network).toBe(expected.city.names.en);
      if (expected.location?.latitude !== undefined) expect(found?.lat, network).toBe(expected.location.latitude);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
    const asn = JSON.parse(readFileSync(path.join(maxmindDir, 'source-data/GeoLite2-ASN-Test.json'), 'utf8')) as Record<string, AsnEntry>[];
    let asnChecked = 0;
    for (const entry of asn) {
      const [network, expected] = Object.entries(entry)[0]!;
      const ip = network.split('/')[0]!;
      if (reservedRange(ip) || expected.autonomous_system_number === undefined) continue;
      const found = geoip.lookup(ip);
      expect(found?.asn, network).toBe(expected.autonomous_system_number);
      if (expected.autonomous_system_organization) expect(found?.as_org, network).toBe(expected.autonomous_system_organization);
      asnChecked++;
    }
    expect(asnChecked).toBeGreaterThan(5);
  });

  it('swaps in a database file replaced in place, without a restart', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'siem-geoip-'));
    try {
      const file = path.join(dir, 'location.mmdb');
      copyFileSync(path.join(maxmindDir, 'test-data/GeoLite2-Country-Test.mmdb'), file);
      const geoip = await GeoIp.open({ cityPath: file });
      expect(geoip.lookup('81.2.69.142')).toEqual({ country: 'GB', country_name: 'United Kingdom' });
      await watcherStarted();
      // as geoipupdate does: write beside, then rename over
      copyFileSync(path.join(maxmindDir, 'test-data/GeoIP2-City-Test.mmdb'), file + '.new');
      renameSync(file + '.new', file);
      const deadline = Date.now() + 20_000;
      while (geoip.lookup('81.2.69.142')?.city !== 'London' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(geoip.lookup('81.2.69.142')?.city).toBe('London');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('swaps in an ASN database file replaced in place, without a restart', { timeout: 30_000 }, async () => {
    const entries = JSON.parse(readFileSync(path.join(maxmindDir, 'source-data/GeoLite2-ASN-Test.json'), 'utf8')) as Record<string, AsnEntry>[];
    const [network, expected] = Object.entries(entries.find((entry) => Object.keys(entry)[0]!.includes('.'))!)[0]!;
    const ip = network.split('/')[0]!;
    const dir = mkdtempSync(path.join(tmpdir(), 'siem-geoip-'));
    try {
      const file = path.join(dir, 'asn.mmdb');
      // a database without AS numbers first: nothing to add
      copyFileSync(path.join(maxmindDir, 'test-data/GeoLite2-Country-Test.mmdb'), file);
      const geoip = await GeoIp.open({ asnPath: file });
      expect(geoip.lookup(ip)?.asn).toBeUndefined();
      await watcherStarted();
      copyFileSync(path.join(maxmindDir, 'test-data/GeoLite2-ASN-Test.mmdb'), file + '.new');
      renameSync(file + '.new', file);
      const deadline = Date.now() + 20_000;
      while (geoip.lookup(ip)?.asn === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(geoip.lookup(ip)?.asn).toBe(expected.autonomous_system_number);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * fs.watchFile (used by the maxmind reader) takes its first stat asynchronously: a file replaced
 * before that stat is the one it compares against, and the change is never seen. A real update
 * comes long after the worker started; the tests wait that long.
 */
function watcherStarted(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1000));
}
