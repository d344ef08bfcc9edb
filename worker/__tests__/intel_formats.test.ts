import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, csvFields, parseIntel, stixPatternIndicators } from '../intel/formats.ts';

const corpus = path.resolve(import.meta.dirname, '../../../shared/corpora/threatintel');
const haveCorpus = existsSync(corpus);

function kinds(file: string) {
  const parsed = parseIntel(readFileSync(path.join(corpus, file), 'utf8'));
  const counts: Record<string, number> = {};
  for (const indicator of parsed.indicators) counts[indicator.kind] = (counts[indicator.kind] ?? 0) + 1;
  return { format: parsed.format, counts, unsupported: parsed.unsupported.length, parsed };
}

describe('intel formats on small inputs', () => {
  it('classifies values and reads quoted CSV fields', () => {
    expect(['1.2.3.4', '10.0.0.0/8', '2001:db8::/32', 'evil.example.com', 'http://x.example/a', 'd41d8cd98f00b204e9800998ecf8427e', 'not a thing'].map(classify)).toEqual([
      'ip', 'cidr', 'cidr', 'domain', 'url', 'md5', undefined,
    ]);
    expect(csvFields('"a","b ""c""",d')).toEqual(['a', 'b "c"', 'd']);
  });

  it('reports the STIX comparisons it cannot match', () => {
    expect(stixPatternIndicators("[ipv4-addr:value = '1.2.3.4' OR email-addr:value = 'a@b.c']")).toEqual({
      indicators: [{ kind: 'ip', value: '1.2.3.4' }],
      unsupported: ['unsupported object path: email-addr:value'],
    });
    expect(stixPatternIndicators("[file:hashes.'SHA-256' = 'ab'] AND [ipv4-addr:value = '1.2.3.4']").indicators).toEqual([]);
    expect(stixPatternIndicators("[url:value = 'http://a.example/it\\'s']").indicators).toEqual([{ kind: 'url', value: "http://a.example/it's" }]);
  });

  it('reads plain lists with comments', () => {
    const parsed = parseIntel('# banner\n1.2.3.4\n5.6.7.0/24 ; comment\n\nbad.example.org\n???\n');
    expect(parsed.format).toBe('list');
    expect(parsed.indicators.map((i) => i.kind)).toEqual(['ip', 'cidr', 'domain']);
    expect(parsed.unsupported).toHaveLength(1);
  });
});

describe.skipIf(!haveCorpus)('intel formats on the real samples (../shared/corpora/threatintel)', () => {
  it('abuse.ch CSVs and the FireHOL list', () => {
    const feodo = kinds('abusech/feodotracker_ipblocklist_2024-04-04.csv');
    expect(feodo).toMatchObject({ format: 'csv', counts: { ip: 28 }, unsupported: 0 });
    expect(feodo.parsed.indicators[0]).toEqual({ kind: 'ip', value: '192.9.135.73', first_seen: '2023-05-23T17:51:44Z', last_seen: '2024-04-01', description: 'Pikabot' });
    const sslbl = kinds('abusech/sslbl_sslipblacklist_2015-10-15.csv');
    expect(sslbl).toMatchObject({ format: 'csv', counts: { ip: 83 }, unsupported: 0 });
    expect(sslbl.parsed.indicators[0]).toMatchObject({ value: '104.130.17.100', description: 'URLzone C&C' });
    expect(kinds('abusech/firehol_feodo.ipset')).toMatchObject({ format: 'list', counts: { ip: 235 }, unsupported: 0 });
  });

  it('STIX 2.1 examples, unsupported patterns reported', () => {
    expect(kinds('stix2/examples/indicator-for-c2-ip-address.json')).toMatchObject({ format: 'stix', counts: { ip: 1 }, unsupported: 0 });
    expect(kinds('stix2/examples/indicator-to-campaign-relationship.json')).toMatchObject({ counts: { ip: 1 }, unsupported: 0 });
    expect(kinds('stix2/examples/indicators-for-C2-with-COA.json')).toMatchObject({ counts: { ip: 1, sha256: 1 }, unsupported: 0 });
    expect(kinds('stix2/examples/infrastructure.json')).toMatchObject({ format: 'stix', counts: {}, unsupported: 0 });
    expect(kinds('stix2/examples/interop-objectmarking-test.json')).toMatchObject({ format: 'stix', counts: {}, unsupported: 0 });
    expect(kinds('stix2/examples/malicious-email-indicator-with-attachment.json')).toMatchObject({ counts: {}, unsupported: 2 });
    expect(kinds('stix2/examples/threat-reports/apt1.json')).toMatchObject({ counts: { cidr: 4, domain: 3, md5: 3 }, unsupported: 2 });
    expect(kinds('stix2/examples/threat-reports/poisonivy.json')).toMatchObject({ counts: { ip: 40, domain: 25 }, unsupported: 2 });
  });

  it('MISP events, attribute types we do not match reported', () => {
    expect(kinds('misp/existing_event_sednit_osint.json')).toMatchObject({ format: 'misp', counts: { domain: 19, sha1: 37, ip: 12 }, unsupported: 54 });
    expect(kinds('misp/circl-osint-feed_57c4445b-c548-4654-af0b-4be3950d210f.json')).toMatchObject({ counts: { md5: 1, sha1: 1, sha256: 1 }, unsupported: 6 });
    expect(kinds('misp/misp_event_small.json')).toMatchObject({ counts: { url: 1 }, unsupported: 1 });
  });
});
