import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withClient } from '../../db/setup.ts';
import { account, describeAccounting, SentLines } from './account.ts';
import { sleep, startAgent, startDrillDatabase, stopProcess, waitForLines } from './cluster.ts';
import { int as between, pick, seededRandom } from '../../agent/demo.ts';
import type { Drill } from './types.ts';

/** The agent's default `max_line_bytes` (agent/config.ts); the drill leaves it at its default. */
const maxLineBytes = 1024 * 1024;

/**
 * The records the agent makes of a file, framed independently of the agent's code by its documented
 * rules (docs/agent.md, Files): a line ends at LF, a CR just before the LF is dropped, and a line
 * longer than max_line_bytes is cut into max_line_bytes pieces, each one row.
 */
export function shippedRecords(file: Buffer, limit = maxLineBytes): Buffer[] {
  const records: Buffer[] = [];
  let from = 0;
  for (let lf = file.indexOf(10, from); lf !== -1; lf = file.indexOf(10, from)) {
    let end = lf;
    if (end > from && file[end - 1] === 13) end--;
    const line = file.subarray(from, end);
    if (line.length <= limit) records.push(line);
    else for (let at = 0; at < line.length; at += limit) records.push(line.subarray(at, Math.min(at + limit, line.length)));
    from = lf + 1;
  }
  return records;
}

type Random = () => number;
const ip = (r: Random) => `${between(r, 1, 223)}.${between(r, 0, 255)}.${between(r, 0, 255)}.${between(r, 1, 254)}`;
const word = (r: Random) => pick(r, ['alice', 'bob', 'root', 'admin', 'svc-backup', 'ünïcødé', '名前', 'x']);
const bytes = (r: Random, n: number, without: number[] = []) => {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    let b = between(r, 0, 255);
    while (without.includes(b)) b = between(r, 0, 255);
    out[i] = b;
  }
  return out;
};
const text = (s: string) => Buffer.from(s, 'utf8');

const valid: Record<string, (r: Random, i: number) => Buffer> = {
  syslog: (r, i) => text(`<38>Nov 24 10:${String(i % 60).padStart(2, '0')}:00 web-${i % 7} sshd[${between(r, 100, 99999)}]: Failed password for ${word(r)} from ${ip(r)} port ${between(r, 1024, 65535)} ssh2`),
  nginx: (r, i) => text(`${ip(r)} - - [24/Nov/2026:10:00:${String(i % 60).padStart(2, '0')} +0000] "GET /item/${i} HTTP/1.1" ${pick(r, [200, 301, 404, 500])} ${between(r, 0, 99999)} "-" "curl/8"`),
  fuzzjson: (r, i) => text(JSON.stringify({ '@timestamp': '2026-11-24T10:00:00Z', user: word(r), src_ip: ip(r), action: pick(r, ['login', 'logout']), seq: i })),
  fuzzcsv: (r, i) => text(`2026-11-24T10:00:00Z,${word(r)},${ip(r)},login,${i}`),
  windows: (r, i) => text(JSON.stringify({ '@timestamp': '2026-11-24T10:00:00Z', winlog: { event_id: pick(r, ['4624', '4625']), channel: 'Security', computer_name: `dc-${i % 3}`, record_id: i, event_data: { TargetUserName: word(r), IpAddress: ip(r) } } })),
};
const sources = Object.keys(valid);

function deep(r: Random): Buffer {
  const depth = pick(r, [100, 1000, 10_000, 100_000]);
  switch (between(r, 0, 2)) {
    case 0: return text('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    case 1: return text('['.repeat(depth) + ']'.repeat(depth));
    default: return text('{"a":['.repeat(depth)); // unterminated
  }
}

const absurdTimes = [
  '<13>Feb 30 25:61:61 host app: absurd', '<13>Jan  0 00:00:00 host app: day zero', '<165>1 99999-12-31T23:59:59Z host app - - - year 99999',
  '<165>1 0000-00-00T00:00:00Z host app - - - zero', '<165>1 2026-11-24T10:00:00+99:99 host app - - - zone', '<165>1 -infinity host app - - -',
  '{"@timestamp":"294277-01-01T00:00:00Z","msg":"past timestamptz"}', '{"@timestamp":"4714-11-24T00:00:00Z BC","msg":"julian zero"}',
  '{"timestamp":1e308,"msg":"float"}', '{"time":-1e20}', '{"@timestamp":"infinity"}', '{"@timestamp":"-infinity"}', '{"@timestamp":"epoch"}',
  '{"@timestamp":"2026-02-30T10:00:00Z"}', '{"@timestamp":"2026-11-24T24:00:00Z"}', '{"@timestamp":"2026-11-24T10:00:00.123456789123Z"}',
  '{"timestamp":"10000000000000000000000"}', '{"@timestamp":"   "}', '{"@timestamp":null}', '{"@timestamp":{"nested":true}}',
  '1.1.1.1 - - [99/Zzz/99999:99:99:99 +9999] "GET / HTTP/1.1" 200 1', '1.1.1.1 - - [24/Nov/2026:10:00:00 +0000 "GET / HTTP/1.1" 200 1',
  '2026-11-24T10:00:00Z,alice,999.999.999.999,login,1', '99999-99-99T99:99:99Z,bob,10.0.0.1,login,2',
];

const brokenStructures = [
  '{"user":"alice"', '{"user":}', '{', '}', '{"a":1,}', "{'single':'quotes'}", '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"a":NaN}', '{"a":1e99999}',
  '{"user":"x","user":"y"}', '{"":""}', '[1,2,3]', '"just a string"', 'null', 'true', '{"a":"tab\there"}', '{"a":"\\', '{"src_ip":"::ffff:999.1.1.1"}',
  '{"src_port":"99999999999999999999","http_status":"2e5","bytes":-1}', '"unbalanced,quote', 'a,"b""c,d', ',,,,,,,,,,,,,,,,,,', '"' + 'x'.repeat(5000),
  'CEF:0|Vendor|Product|1.0|100|Name|10|src=1.1.1.1 dst=', 'CEF:', 'CEF:0|||||||', '<999>1 2026-11-24T10:00:00Z h a - - -', '<13>', '<>', '<13>1 ',
  '\\.', '\\', '\\N', '\\x00', 'ends with backslash \\', 'user=alice src_ip=1.2.3.4 "unterminated', 'key="v" key="dup"',
];

function fuzzed(r: Random): { source: string; line: Buffer } {
  const source = pick(r, sources);
  const kind = between(r, 0, 11);
  switch (kind) {
    case 0: { // NUL bytes inside an otherwise valid line
      const line = Buffer.from(valid[source]!(r, 0));
      for (let k = between(r, 1, 5); k > 0; k--) line[between(r, 0, line.length - 1)] = 0;
      return { source, line };
    }
    case 1: { // invalid UTF-8: stray continuation bytes, overlong forms, surrogates, truncated sequences
      const bad = pick(r, [[0x80], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe2, 0x82], [0xfe, 0xfe]]);
      return { source, line: Buffer.concat([valid[source]!(r, 1).subarray(0, between(r, 0, 40)), Buffer.from(bad), text(' tail')]) };
    }
    case 2: // binary (no LF, else it would be several lines; CRs and NULs welcome)
      return { source, line: bytes(r, between(r, 1, 4000), [10]) };
    case 3: return { source, line: text(pick(r, brokenStructures)) };
    case 4: return { source, line: text(pick(r, absurdTimes)) };
    case 5: return { source, line: deep(r) };
    case 6: return { source, line: text(pick(r, ['', ' ', '\t', '   \t  ', '\r', '\u00a0', '\ufeff', ' '.repeat(300), '\u2028', '\v\f'])) };
    case 7: { // a valid line with control characters and COPY escapes in it
      const line = valid[source]!(r, 7).toString('utf8');
      const at = between(r, 0, line.length);
      return { source, line: text(line.slice(0, at) + pick(r, ['\t', '\\t', '\\', '\\.', '\b', '\u001b[31m', '\r\r', '\\N']) + line.slice(at)) };
    }
    case 8: return { source, line: text(`{"user":"${'x'.repeat(between(r, 10_000, 300_000))}"}`) }; // long but under the limit
    case 9: return { source, line: text(`${word(r)},"${'a,'.repeat(between(r, 0, 3000))}`) }; // many CSV fields, unbalanced
    case 10: return { source, line: text('<13>Nov 24 10:00:00 host app: ' + 'k=v '.repeat(between(r, 1, 20_000))) };
    default: return { source, line: valid[source]!(r, 11).subarray(0, between(r, 0, 30)) }; // cut short
  }
}

/** 1 MB lines: some just under the agent's max_line_bytes, some over it (shipped as two pieces). */
function huge(r: Random, i: number): Buffer {
  const size = i % 2 === 0 ? 1_000_000 : between(r, maxLineBytes + 1, 2 * maxLineBytes);
  const filler = i % 4 < 2 ? text('A'.repeat(size)) : bytes(r, size, [10]);
  return Buffer.concat([text(`huge ${i} `), filler]);
}

/**
 * 100,000 fuzzed lines mixed into valid traffic, in five files of five sources (syslog, nginx, a
 * JSON-only source, a CSV source, Windows JSON), all through `siem agent`. The agent must ship
 * every record, and the database must make each one an event or a quarantine row: one bad line
 * must never stop or abort a batch.
 */
export const fuzzDrill: Drill = {
  name: 'fuzz',
  description: '100,000 fuzzed lines (NUL, invalid UTF-8, 1 MB lines, binary, broken JSON/CSV, absurd timestamps, deep nesting) in valid traffic through the agent (quick: 10,000)',
  async run({ quick, seed, workDir, log }) {
    const fuzzCount = quick ? 10_000 : 100_000;
    const validCount = fuzzCount;
    const hugeCount = quick ? 4 : 16;
    const random = seededRandom(seed ^ 0xf022);
    const dir = mkdtempSync(path.join(workDir, 'drill-fuzz-'));
    const database = await startDrillDatabase(workDir);
    try {
      await withClient(database.ownerUrl, async (client) => {
        await client.query(`insert into csv_sources (source, header) values ('fuzzcsv', array['timestamp','user','src_ip','action','seq'])`);
        await client.query(`insert into source_formats (source, format) values ('fuzzjson', 'json')`);
      });
      const perSource = new Map<string, Buffer[]>(sources.map((s) => [s, []]));
      const hugeAt = new Set(Array.from({ length: hugeCount }, () => between(random, 0, fuzzCount + validCount - 1)));
      let fuzzLeft = fuzzCount;
      let validLeft = validCount;
      for (let i = 0; fuzzLeft + validLeft > 0; i++) {
        const isFuzz = validLeft === 0 || (fuzzLeft > 0 && random() < fuzzLeft / (fuzzLeft + validLeft));
        if (isFuzz) {
          fuzzLeft--;
          const { source, line } = hugeAt.has(i) ? { source: pick(random, sources), line: huge(random, i) } : fuzzed(random);
          perSource.get(source)!.push(line);
        } else {
          validLeft--;
          const source = pick(random, sources);
          perSource.get(source)!.push(valid[source]!(random, i));
        }
      }
      const sent = new SentLines();
      let fileLines = 0;
      let pieces = 0;
      const files: Record<string, unknown>[] = [];
      for (const [source, lines] of perSource) {
        const content = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));
        const file = path.join(dir, `${source}.log`);
        writeFileSync(file, content);
        fileLines += lines.length;
        const records = shippedRecords(content);
        for (const record of records) sent.add(record);
        pieces += records.length;
        files.push({ paths: [file], source, start_at: 'beginning', poll_ms: 100 });
      }
      // Lines that hold a CR+LF inside binary data count as two lines; records count what the agent ships.
      log(`wrote ${fileLines} lines (${fuzzCount} fuzzed, ${validCount} valid, ${hugeCount} of about 1 MB) in ${files.length} files; the agent ships them as ${pieces} records (LF inside binary data ends a line, lines over ${maxLineBytes} bytes are cut in pieces)`);
      const settings = { name: 'drill-fuzz', dir, agentUrl: database.agentUrl, files };
      const agent = startAgent(settings);
      let stored = 0;
      try {
        stored = await waitForLines(database.ownerUrl, settings.name, sent.total, quick ? 180_000 : 600_000);
        await sleep(1000);
      } finally {
        await stopProcess(agent);
      }
      if (stored < sent.total) log(`the agent stored only ${stored} of ${sent.total} records before the timeout (see ${settings.name}'s log)`);
      const result = await account(database.ownerUrl, settings.name, sent);
      const reasons = await withClient(database.ownerUrl, async (client) => {
        const { rows } = await client.query<{ reason: string; n: number }>(`select left(reason, 60) as reason, count(*)::int as n from quarantine where agent = $1 group by 1 order by 2 desc limit 8`, [settings.name]);
        return rows.map((row) => `${row.n} ${row.reason}`).join('; ');
      });
      log(`quarantine reasons: ${reasons}`);
      return {
        ok: result.ok,
        summary: [describeAccounting(result)],
        figures: [
          { name: 'drill.fuzz_sent', value: result.sent, unit: 'records', note: `${fileLines} lines (${fuzzCount} fuzzed) as shipped by the agent (LF ends a line; > ${maxLineBytes} bytes cut into pieces)` },
          { name: 'drill.fuzz_events', value: result.events, unit: 'rows', note: 'in events' },
          { name: 'drill.fuzz_quarantine', value: result.quarantine, unit: 'rows', note: 'in quarantine' },
          { name: 'drill.fuzz_lost_or_duplicated', value: result.missing + result.duplicates + result.foreign, unit: 'records', note: 'must be 0' },
        ],
      };
    } finally {
      await database.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
