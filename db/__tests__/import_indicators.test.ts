import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { importIntel } from '../../worker/intel/import.ts';

const corpus = path.resolve(import.meta.dirname, '../../../shared/corpora/threatintel');
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const importText = async (feed: string, text: string, replace = false) => {
  const client = await db.pool.connect();
  try {
    return await importIntel(client, feed, text, { replace });
  } finally {
    client.release();
  }
};

describe('public.import_indicators', () => {
  it('upserts, tells ip from cidr by the mask, normalizes, rejects invalid values and enqueues one retro-hunt', async () => {
    await db.pool.query('delete from graphile_worker._private_jobs');
    const { rows } = await db.pool.query(`select * from import_indicators('test', $1)`, [
      JSON.stringify([
        { kind: 'ip', value: '1.2.3.4', confidence: 80 },
        { kind: 'ip', value: '10.0.0.0/8' },
        { kind: 'cidr', value: '2001:DB8::/32' },
        { kind: 'domain', value: 'Evil.Example.COM' },
        { kind: 'md5', value: 'D41D8CD98F00B204E9800998ECF8427E' },
        { kind: 'ip', value: '999.1.1.1' },
        { kind: 'bogus', value: 'x' },
        { kind: 'domain', value: 'evil.example.com' },
      ]),
    ]);
    expect(rows).toEqual([{ inserted: 5, updated: 0, rejected: 3, expired: 0 }]);
    const stored = await db.pool.query(`select kind, value, host(network) as net, confidence from threat_indicators where feed = 'test' order by id`);
    expect(stored.rows.map((r) => [r.kind, r.value])).toEqual([
      ['cidr', '10.0.0.0/8'],
      ['cidr', '2001:db8::/32'],
      ['domain', 'evil.example.com'],
      ['ip', '1.2.3.4'],
      ['md5', 'd41d8cd98f00b204e9800998ecf8427e'],
    ]);
    const jobs = await db.pool.query(`select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'intel__retro_hunt'`);
    expect(jobs.rows).toHaveLength(1);
    expect(jobs.rows[0].payload.indicator_ids).toHaveLength(5);

    const again = await db.pool.query(`select * from import_indicators('test', $1, true)`, [JSON.stringify([{ kind: 'ip', value: '1.2.3.4' }])]);
    expect(again.rows).toEqual([{ inserted: 0, updated: 1, rejected: 0, expired: 4 }]);
    const feed = await db.pool.query(`select indicator_count from threat_feeds where name = 'test'`);
    expect(feed.rows).toEqual([{ indicator_count: 1 }]);
  });

  it('is for admins: analysts read indicators, agents see nothing', async () => {
    const indicators = JSON.stringify([{ kind: 'ip', value: '5.6.7.8' }]);
    expect((await db.asRole('siem_admin', (c) => c.query(`select * from import_indicators('admin-feed', $1)`, [indicators]))).rows[0].inserted).toBe(1);
    await expect(db.asRole('siem_analyst', (c) => c.query(`select * from import_indicators('x', $1)`, [indicators]))).rejects.toThrow(/permission denied/);
    await expect(db.asRole('siem_analyst', (c) => c.query(`insert into threat_indicators (feed, kind, value) values ('x', 'domain', 'a.b')`))).rejects.toThrow(/permission denied/);
    expect((await db.asRole('siem_analyst', (c) => c.query('select count(*)::int as n from threat_indicators'))).rows[0].n).toBeGreaterThan(0);
    expect((await db.asRole('siem_admin', (c) => c.query(`insert into threat_feeds (name, url) values ('u', 'http://x') returning name`))).rows).toHaveLength(1);
    await expect(db.asRole('siem_agent', (c) => c.query('select count(*) from threat_indicators'))).rejects.toThrow(/permission denied/);
    // feed URLs may hold API keys: analysts see the state, admins the URL too
    expect((await db.asRole('siem_analyst', (c) => c.query(`select name, status from threat_feeds where name = 'test'`))).rows).toEqual([{ name: 'test', status: null }]);
    await expect(db.asRole('siem_analyst', (c) => c.query('select url from threat_feeds'))).rejects.toThrow(/permission denied/);
    expect((await db.asRole('siem_admin', (c) => c.query(`select url from threat_feeds where name = 'test'`))).rows).toEqual([{ url: null }]);
    await expect(db.asRole('siem_analyst', (c) => c.query('select retro_hunt(array[1::bigint], 30)'))).rejects.toThrow(/permission denied/);
  });
});

describe.skipIf(!existsSync(corpus))('every sample in ../shared/corpora/threatintel imports', () => {
  const expected: Record<string, { inserted: number; rejected: number; unsupported: number }> = {
    'abusech/feodotracker_ipblocklist_2024-04-04.csv': { inserted: 28, rejected: 0, unsupported: 0 },
    'abusech/firehol_feodo.ipset': { inserted: 235, rejected: 0, unsupported: 0 },
    'abusech/sslbl_sslipblacklist_2015-10-15.csv': { inserted: 83, rejected: 0, unsupported: 0 },
    'misp/circl-osint-feed_57c4445b-c548-4654-af0b-4be3950d210f.json': { inserted: 3, rejected: 0, unsupported: 6 },
    // 68 indicators, two of them listed twice
    'misp/existing_event_sednit_osint.json': { inserted: 66, rejected: 2, unsupported: 54 },
    'misp/misp_event_small.json': { inserted: 1, rejected: 0, unsupported: 1 },
    'stix2/examples/indicator-for-c2-ip-address.json': { inserted: 1, rejected: 0, unsupported: 0 },
    'stix2/examples/indicator-to-campaign-relationship.json': { inserted: 1, rejected: 0, unsupported: 0 },
    'stix2/examples/indicators-for-C2-with-COA.json': { inserted: 2, rejected: 0, unsupported: 0 },
    'stix2/examples/infrastructure.json': { inserted: 0, rejected: 0, unsupported: 0 },
    'stix2/examples/interop-objectmarking-test.json': { inserted: 0, rejected: 0, unsupported: 0 },
    'stix2/examples/malicious-email-indicator-with-attachment.json': { inserted: 0, rejected: 0, unsupported: 2 },
    'stix2/examples/threat-reports/apt1.json': { inserted: 10, rejected: 0, unsupported: 2 },
    // 65 comparisons in OR patterns, many addresses shared by several indicators
    'stix2/examples/threat-reports/poisonivy.json': { inserted: 43, rejected: 22, unsupported: 2 },
  };
  const samples = (dir: string): string[] =>
    readdirSync(path.join(corpus, dir)).flatMap((name) => {
      const relative = path.join(dir, name);
      if (statSync(path.join(corpus, relative)).isDirectory()) return relative.endsWith('schemas') ? [] : samples(relative);
      return /\.(json|csv|ipset|txt)$/.test(name) ? [relative] : [];
    });

  it('with the counts of each file', async () => {
    const found = [...samples('abusech'), ...samples('misp'), ...samples('stix2/examples')].sort();
    const actual: typeof expected = {};
    for (const file of found) {
      const outcome = await importText(`sample-${path.basename(file).slice(0, 40)}`, readFileSync(path.join(corpus, file), 'utf8'));
      actual[file] = { inserted: outcome.inserted, rejected: outcome.rejected, unsupported: outcome.unsupported.length };
    }
    expect(actual).toEqual(expected);
  });
});
