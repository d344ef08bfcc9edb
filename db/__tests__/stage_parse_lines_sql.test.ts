import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

// Format detection on ingest: every line goes through the trigger (stage_parse_lines_sql, then
// routing), and ends in events or in quarantine with its reason.
const context = useAgentDatabase();
const received = new Date('2026-11-24T10:05:00Z');

async function ingest(lines: (string | Buffer)[], source: string) {
  const batch = makeBatch(lines, { source, timestamp: received });
  await sendBatch(context.agentPool, 'a', batch);
  const events = await context.db.pool.query(
    'select ts, host, event_type, metadata, message from events where batch_id = $1 order by raw_id',
    [batch.id],
  );
  const quarantined = await context.db.pool.query('select reason, raw, raw_bytes from quarantine where batch_id = $1 order by raw_id', [batch.id]);
  return { events: events.rows, quarantined: quarantined.rows };
}

describe('format detection in the ingest trigger', () => {
  it('splits an RFC 5424 header once and routes its MSG to the program\'s parsers', async () => {
    const { events, quarantined } = await ingest(
      [
        '<38>1 2026-11-24T10:00:00.123Z bastion sshd 811 - - Failed password for root from 203.0.113.9 port 52100 ssh2',
        '<165>1 2026-11-24T10:00:01Z web01 evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event',
      ],
      'syslog',
    );
    expect(quarantined).toEqual([]);
    expect(events[0]).toMatchObject({ ts: new Date('2026-11-24T10:00:00.123Z'), host: 'bastion', event_type: 'ssh_failed' });
    expect(events[0].metadata).toMatchObject({ username: 'root', src_ip: '203.0.113.9', src_port: 52100, process: 'sshd', pid: 811, syslog_pri: 38 });
    expect(events[1]).toMatchObject({ host: 'web01', event_type: 'syslog' });
    expect(events[1].metadata).toEqual({
      process: 'evntslog',
      syslog_pri: 165,
      msgid: 'ID47',
      structured_data: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application' } },
    });
  });

  it('quarantines a line that starts like RFC 5424 but is not, with the parser\'s reason', async () => {
    const { events, quarantined } = await ingest(['<13>1 2026-13-01T00:00:00Z h app - - - x', '<13>Nov 24 10:00:00 h app: still BSD'], 'syslog');
    expect(quarantined).toEqual([
      { reason: 'rfc5424: expecting a RFC3339MICRO timestamp or a nil value [col 12]', raw: '<13>1 2026-13-01T00:00:00Z h app - - - x', raw_bytes: null },
    ]);
    expect(events.map((event) => event.event_type)).toEqual(['syslog']);
  });

  it('reads CEF after a syslog header as fields with canonical names', async () => {
    const { events } = await ingest(
      ['<134>Nov 24 10:00:00 fw01 CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 suser=alice act=blocked'],
      'syslog',
    );
    expect(events[0]).toMatchObject({ host: 'fw01', event_type: 'cef', ts: new Date('2026-11-24T10:00:00Z') });
    expect(events[0].metadata).toMatchObject({
      device_vendor: 'Security',
      device_product: 'threatmanager',
      name: 'worm successfully stopped',
      severity: 10,
      src_ip: '10.0.0.1',
      dst_ip: '2.1.2.2',
      src_port: 1232,
      action: 'blocked',
    });
  });

  it('reads a CSV source with the header from its first line, kept for later batches', async () => {
    await context.db.pool.query(`insert into csv_sources (source) values ('vpn_csv')`);
    const first = await ingest(['timestamp,user,clientip,result', '2026-11-24T09:00:00Z,alice,192.0.2.7,ok', '2026-11-24T09:01:00Z,"bob, jr",192.0.2.8,fail'], 'vpn_csv');
    expect(first.quarantined).toEqual([]);
    expect(first.events.map((event) => event.event_type)).toEqual(['csv_header', 'csv', 'csv']);
    expect(first.events[1]).toMatchObject({ ts: new Date('2026-11-24T09:00:00Z') });
    expect(first.events[2].metadata).toEqual({ timestamp: '2026-11-24T09:01:00Z', username: 'bob, jr', src_ip: '192.0.2.8', result: 'fail' });
    const later = await ingest(['2026-11-24T09:02:00Z,carol,192.0.2.9,ok'], 'vpn_csv');
    expect(later.events[0].metadata).toMatchObject({ username: 'carol', src_ip: '192.0.2.9' });
    const { rows } = await context.db.pool.query(`select header from csv_sources where source = 'vpn_csv'`);
    expect(rows[0].header).toEqual(['timestamp', 'user', 'clientip', 'result']);
  });

  it('holds a strict source to its format: a json source quarantines what is not a JSON object', async () => {
    await context.db.pool.query(`insert into source_formats (source, format) values ('app_json', 'json')`);
    const { events, quarantined } = await ingest(['{"event_type":"login","user":"dave"}', 'plain text'], 'app_json');
    expect(events.map((event) => [event.event_type, event.metadata])).toEqual([['login', { event_type: 'login', username: 'dave' }]]);
    expect(quarantined.map((row) => row.reason)).toEqual(['not a JSON object (source app_json takes only JSON objects)']);
  });
});

interface Vector {
  input: string;
  input_base64: string;
  input_utf8_valid: boolean;
  options: string;
  valid: boolean;
  error: string;
  expected: { timestamp?: string; hostname?: string; appname?: string; procid?: string; msgid?: string; structured_data?: object } | null;
}

const casesFile = path.resolve(import.meta.dirname, '../../../shared/corpora/syslog/go-syslog_rfc5424_cases.json');

// The syslog conformance bar: through the ingest path, every valid vector becomes an event with its
// fields and every invalid one is quarantined with a reason and its exact bytes.
describe.skipIf(!existsSync(casesFile))('RFC 5424 vectors through the ingest path (../shared/corpora/syslog)', () => {
  const cases = existsSync(casesFile) ? (JSON.parse(readFileSync(casesFile, 'utf8')) as { cases: Vector[] }).cases : [];
  const bytes = (c: Vector) => Buffer.from(c.input_base64, 'base64');

  it('stores every valid vector as an event and quarantines every invalid one with its reason and bytes', async () => {
    await context.db.pool.query(`insert into source_formats (source, format) values ('rfc5424', 'rfc5424'), ('rfc5424-compliant', 'rfc5424')`);
    await context.db.pool.query(`update source_formats set compliant_msg = true where source = 'rfc5424-compliant'`);
    const plain = cases.filter((c) => c.options !== 'compliant_msg');
    const compliant = cases.filter((c) => c.options === 'compliant_msg');
    const results = [await ingest(plain.map(bytes), 'rfc5424'), await ingest(compliant.map(bytes), 'rfc5424-compliant')];
    const events = results.flatMap((r) => r.events);
    const quarantined = results.flatMap((r) => r.quarantined);
    const valid = cases.filter((c) => c.valid);
    const invalid = cases.filter((c) => !c.valid);
    expect(events.length).toBe(valid.length);
    expect(quarantined.length).toBe(invalid.length);

    for (const [i, c] of valid.entries()) {
      const event = events[i]!;
      const e = c.expected!;
      if (e.timestamp) expect(event.ts.getTime()).toBe(new Date(e.timestamp).getTime());
      expect(event.host).toBe(e.hostname ?? 'host-1');
      expect(event.metadata.process).toBe(e.appname);
      expect(event.metadata.msgid).toBe(e.msgid);
      expect(event.metadata.structured_data).toEqual(e.structured_data);
    }
    for (const row of quarantined) {
      // blank vectors carry the blank-line reason, every other one the parser's
      expect(row.reason).toMatch(/^(rfc5424: .+ \[col \d+\]|blank line)$/);
    }
    // the exact bytes are kept: as text when they were valid UTF-8, else in raw_bytes
    const inputs = new Set(invalid.map((c) => c.input_base64));
    for (const row of quarantined) expect(inputs.has((row.raw_bytes ?? Buffer.from(row.raw)).toString('base64'))).toBe(true);
  });
});
