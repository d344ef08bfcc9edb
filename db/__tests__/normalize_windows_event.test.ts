import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

type Doc = Record<string, unknown>;
const fixtures = (name: string) =>
  JSON.parse(readFileSync(path.resolve(import.meta.dirname, `../../test/fixtures/windows/${name}.json`), 'utf8')) as Record<string, Doc>;
const agent = fixtures('agent');
const winlogbeat = fixtures('winlogbeat');
const nxlog = fixtures('nxlog');
const broken = fixtures('broken') as unknown as { not_windows: unknown[]; odd_but_windows: unknown[] };

interface Normalized {
  event_type: string;
  ts: Date | null;
  host: string | null;
  fields: Record<string, unknown>;
}

/** The function over many documents in one statement, in order; null where it returns null. */
async function normalizeAll(docs: unknown[]): Promise<(Normalized | null)[]> {
  const { rows } = await context.db.pool.query(
    `select w is null as none, (w).* from unnest($1::jsonb[]) with ordinality as d (doc, n)
     cross join lateral (select siem_private.normalize_windows_event(d.doc) as w offset 0) x order by d.n`,
    [docs.map((doc) => JSON.stringify(doc))],
  );
  return rows.map(({ none, ...row }) => (none ? null : (row as Normalized)));
}
async function normalize(doc: unknown): Promise<Normalized> {
  const [row] = await normalizeAll([doc]);
  if (!row) throw new Error('not normalized');
  return row;
}

/** No value the source wrote as '-' or '' survives. */
function expectNoPlaceholders(fields: Record<string, unknown>) {
  for (const [key, value] of Object.entries(fields)) {
    expect([key, value]).not.toEqual([key, '-']);
    expect([key, value]).not.toEqual([key, '']);
  }
}

describe('siem_private.normalize_windows_event: the Event XML as JSON (the agent)', () => {
  it('normalizes a 4624 network logon: canonical fields, the rest of EventData under its names, no placeholders', async () => {
    const row = await normalize(agent['4624_network_logon']);
    expect(row).toMatchObject({ event_type: 'windows_logon_success', ts: new Date('2026-11-24T09:58:12.482Z'), host: 'DC01.corp.local' });
    expect(row.fields).toMatchObject({
      event_code: 4624,
      channel: 'Security',
      provider: 'Microsoft-Windows-Security-Auditing',
      record_id: 1849202,
      severity: 6,
      outcome: 'success',
      username: 'alice',
      user_domain: 'CORP',
      src_ip: '10.0.0.5',
      src_port: 51234,
      logon_type: 3,
      pid: 0,
      TargetUserSid: 'S-1-5-21-3457937927-2839227994-823803824-1104',
      LogonProcessName: 'Kerberos',
      ImpersonationLevel: '%%1833',
    });
    // renamed keys are gone; '-' values (SubjectUserName, ProcessName, WorkstationName, ...) are dropped
    for (const key of ['TargetUserName', 'TargetDomainName', 'IpAddress', 'IpPort', 'LogonType', 'ProcessId', 'SubjectUserName', 'process', 'src_host', 'ProcessName']) {
      expect(row.fields).not.toHaveProperty(key);
    }
    expectNoPlaceholders(row.fields);
  });

  it('normalizes a 4625 failure: ::ffff: address, empty workstation, port 0, outcome from the audit keyword', async () => {
    const row = await normalize(agent['4625_bad_password']);
    expect(row.event_type).toBe('windows_logon_failed');
    // 100 ns digits are rounded to microseconds; a JS Date keeps milliseconds
    expect(row.ts).toEqual(new Date('2026-11-24T10:00:00.123Z'));
    expect(row.fields).toMatchObject({
      username: 'admin',
      user_domain: 'WS042',
      src_ip: '203.0.113.77',
      src_port: 0,
      logon_type: 3,
      outcome: 'failure',
      Status: '0xc000006d',
      SubStatus: '0xc000006a',
      // unmapped values are kept as Windows wrote them (this one is padded)
      LogonProcessName: 'NtLmSsp ',
    });
    expect(row.fields).not.toHaveProperty('src_host');
    expect(row.fields).not.toHaveProperty('SubjectUserName');
    expectNoPlaceholders(row.fields);
  });

  it('normalizes a 4688 process creation: hex process ids become numbers, the creator id keeps its own name', async () => {
    const row = await normalize(agent['4688_cmd']);
    expect(row.event_type).toBe('windows_process_created');
    expect(row.fields).toMatchObject({
      process: 'C:\\Windows\\System32\\cmd.exe',
      pid: 0x1a2c,
      username: 'alice',
      user_domain: 'CORP',
      CommandLine: 'cmd.exe /c whoami /all',
      ParentProcessName: 'C:\\Windows\\explorer.exe',
      ProcessId: '0x2f18',
    });
    expect(row.fields).not.toHaveProperty('TargetUserName');
  });

  it('normalizes Sysmon 1: DOMAIN\\user split, one file_hash with the whole list kept', async () => {
    const row = await normalize(agent['sysmon_1_process']);
    expect(row).toMatchObject({ event_type: 'sysmon_process_created', host: 'WS042.corp.local' });
    expect(row.fields).toMatchObject({
      channel: 'Microsoft-Windows-Sysmon/Operational',
      process: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
      pid: 6700,
      username: 'alice',
      user_domain: 'CORP',
      file_hash: '9f914d42706fe215501044acd85a32d58aaef1419d404fddfa5d3b48f66ccd9f',
      Hashes: expect.stringContaining('IMPHASH=A7CEC3D4E3A6F3B1C4F21B8E8E7F2C10'),
      CommandLine: 'powershell.exe -nop -w hidden -enc SQBFAFgA',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      ParentUser: 'CORP\\alice',
    });
    // Sysmon events carry no audit keyword
    expect(row.fields).not.toHaveProperty('outcome');
    expect(row.fields).not.toHaveProperty('RuleName');
  });

  it('normalizes Sysmon 3: addresses and ports', async () => {
    const row = await normalize(agent['sysmon_3_network']);
    expect(row.event_type).toBe('sysmon_network_connection');
    expect(row.fields).toMatchObject({ src_ip: '10.0.0.42', src_port: 50122, src_host: 'WS042.corp.local', dst_ip: '198.51.100.23', dst_port: 443, Protocol: 'tcp' });
    expect(row.fields).not.toHaveProperty('dst_host');
  });

  it('reads UserData (1102), #attributes and EventID qualifiers of evtx converters (7036)', async () => {
    const cleared = await normalize(agent['1102_log_cleared']);
    expect(cleared).toMatchObject({ event_type: 'windows_log_cleared', ts: new Date('2026-11-24T10:03:00.500Z') });
    expect(cleared.fields).toMatchObject({ username: 'Administrator', user_domain: 'CORP', provider: 'Microsoft-Windows-Eventlog', event_code: 1102 });
    const service = await normalize(agent['7036_evtx_converter']);
    expect(service).toMatchObject({ event_type: 'windows_service_state', ts: new Date('2026-11-24T10:04:30.734Z'), host: 'WS042.corp.local' });
    expect(service.fields).toMatchObject({ service_name: 'Windows Update', service_state: 'running', event_code: 7036, channel: 'System', record_id: 52011 });
  });

  it('gives an unknown EventID the generic type and keeps its EventData under its own names', async () => {
    const row = await normalize(agent['5140_unknown_id']);
    expect(row.event_type).toBe('windows_event');
    expect(row.fields).toMatchObject({ event_code: 5140, outcome: 'success', SubjectUserName: 'alice', IpAddress: '10.0.0.42', IpPort: '50144', ShareName: '\\\\*\\ADMIN$' });
    expect(row.fields).not.toHaveProperty('username');
  });
});

describe('siem_private.normalize_windows_event: Winlogbeat', () => {
  it('normalizes 8.x events (event_id as a string, keywords as names) like the agent shape', async () => {
    const row = await normalize(winlogbeat['4624_interactive']);
    expect(row).toMatchObject({ event_type: 'windows_logon_success', ts: new Date('2026-11-24T08:15:40.255Z'), host: 'WS042.corp.local' });
    expect(row.fields).toMatchObject({ username: 'bob', src_ip: '127.0.0.1', src_port: 0, logon_type: 2, pid: 0x1c0, process: 'C:\\Windows\\System32\\svchost.exe', src_host: 'WS042', LogonProcessName: 'User32 ', outcome: 'success', record_id: 1849101 });
    const failed = await normalize(winlogbeat['4625_from_internet']);
    expect(failed.fields).toMatchObject({ username: 'administrator', src_ip: '192.0.2.44', src_port: 40112, logon_type: 10, src_host: 'KALI', outcome: 'failure', record_id: 88120 });
    expect(failed.fields).not.toHaveProperty('user_domain');
  });

  it('keeps IPv6 addresses as they are (Sysmon 3)', async () => {
    const row = await normalize(winlogbeat['sysmon_3_network']);
    expect(row.fields).toMatchObject({ src_ip: 'fe80::1c2b:3a4d:5e6f:7081', dst_ip: '2001:db8::53', dst_port: 53, username: 'bob' });
  });

  it('reads user_data without its xml_name, and gives the same fields as the agent shape', async () => {
    const [fromWinlogbeat, fromAgent] = await normalizeAll([winlogbeat['1102_user_data'], agent['1102_log_cleared']]);
    expect(fromWinlogbeat?.fields).not.toHaveProperty('xml_name');
    expect(fromWinlogbeat).toEqual(fromAgent);
  });

  it('reads Winlogbeat 6 events (event_id, log_name, source_name at the top)', async () => {
    const row = await normalize(winlogbeat['winlogbeat6_4625']);
    expect(row).toMatchObject({ event_type: 'windows_logon_failed', ts: new Date('2026-11-24T10:00:09Z'), host: 'WS042.corp.local' });
    expect(row.fields).toMatchObject({ username: 'svc_backup', user_domain: 'CORP', src_ip: '10.0.0.99', src_port: 49822, src_host: 'WS099', record_id: 1849400, outcome: 'failure', channel: 'Security' });
  });
});

describe('siem_private.normalize_windows_event: NXLog', () => {
  it('takes EventData from the top level without NXLog fields, and reads a time without offset as UTC', async () => {
    const row = await normalize(nxlog['4625_nxlog4']);
    expect(row).toMatchObject({ event_type: 'windows_logon_failed', ts: new Date('2026-11-24T10:00:03Z'), host: 'WS042.corp.local' });
    expect(row.fields).toMatchObject({ username: 'root', src_ip: '198.51.100.9', src_port: 0, outcome: 'failure', severity: 3, record_id: 1849218, channel: 'Security' });
    for (const key of ['EventTime', 'EventReceivedTime', 'Hostname', 'Keywords', 'EventType', 'Severity', 'SeverityValue', 'Message', 'Category', 'SourceModuleName', 'ProcessID', 'RecordNumber', 'EventID', 'SourceName', 'Channel']) {
      expect(row.fields).not.toHaveProperty(key);
    }
    expectNoPlaceholders(row.fields);
  });

  it('reads ISO times with offsets, user@REALM and ::ffff: addresses (4769)', async () => {
    const row = await normalize(nxlog['4769_nxlog5']);
    expect(row).toMatchObject({ event_type: 'windows_kerberos_service_ticket', ts: new Date('2026-11-24T10:03:33.169Z'), host: 'DC01.corp.local' });
    expect(row.fields).toMatchObject({ username: 'alice', user_domain: 'CORP.LOCAL', src_ip: '10.0.0.42', src_port: 53942, ServiceName: 'FS01$', Status: '0x0', outcome: 'success' });
  });

  it('normalizes Sysmon 22 and System 7045', async () => {
    const [dns, service] = await normalizeAll([nxlog['sysmon_22_dns'], nxlog['7045_service']]);
    expect(dns).toMatchObject({ event_type: 'sysmon_dns_query', fields: { domain: 'update.example-cdn.net', username: 'alice', pid: 6700, QueryResults: '::ffff:203.0.113.50;' } });
    expect(service).toMatchObject({ event_type: 'windows_service_installed', ts: new Date('2026-11-24T10:07:10Z'), fields: { service_name: 'PSEXESVC', ImagePath: '%SystemRoot%\\PSEXESVC.exe', channel: 'System' } });
  });
});

describe('siem_private.normalize_windows_event: what it does not take, and what it survives', () => {
  it('returns null for documents that are not Windows events', async () => {
    expect(await normalizeAll(broken.not_windows)).toEqual(broken.not_windows.map(() => null));
    // JSON that is not an object at all
    const { rows } = await context.db.pool.query(
      `select count(*)::int as n from unnest(array['[]', '5', '"x"', 'null', 'true']::jsonb[]) d where siem_private.normalize_windows_event(d) is not null`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('normalizes odd but recognizable events without throwing: bad values keep their text, bad times are null', async () => {
    const rows = await normalizeAll(broken.odd_but_windows);
    expect(rows.every((row) => row !== null)).toBe(true);
    const [noProvider, notAnObject, badValues, badTime, badSysmon, unnamed, partlyNamed, textArray, single, userDataScalar, epochSeconds, epochMs, epochUs, epochHuge, epochNegative, nxlogOdd] =
      rows as Normalized[];
    expect(noProvider).toMatchObject({ event_type: 'windows_event', ts: null, host: null, fields: { event_code: 4624 } });
    expect(notAnObject).toMatchObject({ event_type: 'windows_logon_success', ts: null, fields: { event_code: 4624, outcome: 'success' } });
    expect(notAnObject?.fields).not.toHaveProperty('record_id');
    expect(notAnObject?.fields).not.toHaveProperty('severity');
    expect(badValues).toMatchObject({ event_type: 'windows_logon_success', ts: null, host: null });
    expect(badValues?.fields).toMatchObject({ src_port: 'http', pid: '0xZZ', logon_type: '99999999999', src_ip: '::ffff:', Nested: { a: [1, 2] }, '': 'empty key' });
    expect(badValues?.fields).not.toHaveProperty('username');
    expect(badValues?.fields).not.toHaveProperty('Extra');
    // provider names compare case-insensitively; a lone 0x is no number; DOMAIN\ with no name stays
    expect(badTime).toMatchObject({ event_type: 'windows_process_created', ts: null, fields: { pid: '0x', username: 'CORP\\' } });
    expect(badTime?.fields).not.toHaveProperty('process');
    expect(badSysmon).toMatchObject({ ts: null, fields: { file_hash: 'SHA1=,MD5=', username: '\\alice', pid: '12345678901' } });
    expect(unnamed?.fields).toMatchObject({ service_name: 'Print Spooler', service_state: 'stopped' });
    expect(partlyNamed?.fields).toMatchObject({ service_name: 'Print Spooler', param3: 3, param4: 4, param6: [5] });
    expect(partlyNamed?.fields).not.toHaveProperty('service_state');
    expect(textArray?.fields).toMatchObject({ param1: 'a', param2: 'b', Binary: '00' });
    expect(single?.fields).toMatchObject({ param1: 'only' });
    expect(userDataScalar).toMatchObject({ event_type: 'windows_log_cleared', fields: { event_code: 104 } });
    expect(epochSeconds).toMatchObject({ ts: new Date(1795946400 * 1000), fields: { outcome: 'failure', record_id: '12x' } });
    expect(epochMs?.ts).toEqual(new Date(1795946400123));
    expect(epochUs?.ts).toEqual(new Date(1795946400123));
    expect(epochHuge?.ts).toBeNull();
    expect(epochNegative?.ts).toBeNull();
    expect(nxlogOdd).toMatchObject({ ts: null, fields: { record_id: 1.5, channel: 'Security', event_code: 4624 } });
  });

  it('never throws, whatever a field of a real event is replaced with', async () => {
    const nasty: unknown[] = [null, '', '-', ' ', 'x', '0x', '::ffff:', '\\', '@', -1, 1e308, 0.5, true, [], ['a'], {}, { '#text': 1 }, 'é'.repeat(3000)];
    const docs: unknown[] = [];
    const mutate = (doc: unknown, at: string[], value: unknown): unknown => {
      if (at.length === 0) return value;
      const [head, ...rest] = at as [string, ...string[]];
      const copy = { ...(doc as Doc) };
      copy[head] = mutate(copy[head], rest, value);
      return copy;
    };
    const paths = (value: unknown, at: string[] = []): string[][] =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? [at, ...Object.entries(value as Doc).flatMap(([key, child]) => paths(child, [...at, key]))]
        : [at];
    for (const doc of [...Object.values(agent), ...Object.values(winlogbeat), ...Object.values(nxlog)]) {
      for (const at of paths(doc).filter((p) => p.length > 0)) {
        for (const value of nasty) docs.push(mutate(doc, at, value));
      }
    }
    expect(docs.length).toBeGreaterThan(5000);
    const { rows } = await context.db.pool.query(
      `select count(*)::int as n, count(w.event_type)::int as normalized from unnest($1::jsonb[]) d, lateral siem_private.normalize_windows_event(d) w`,
      [docs.map((doc) => JSON.stringify(doc))],
    );
    expect(rows[0].n).toBe(docs.length);
    expect(rows[0].normalized).toBeGreaterThan(docs.length / 2);
  });
});

describe('siem_private.normalize_windows_event and windows_event_types', () => {
  it('gives every fixture event the required fields of its event type', async () => {
    const docs = [...Object.values(agent), ...Object.values(winlogbeat), ...Object.values(nxlog)];
    const { rows } = await context.db.pool.query(
      `select (w).event_type, array(select f from unnest(t.required_fields) f where not (w).fields ? f) as missing
       from unnest($1::jsonb[]) d
       cross join lateral (select siem_private.normalize_windows_event(d) as w offset 0) x
       join event_types t on t.name = (w).event_type`,
      [docs.map((doc) => JSON.stringify(doc))],
    );
    expect(rows).toHaveLength(docs.length);
    expect(rows.filter((row) => row.missing.length > 0)).toEqual([]);
  });

  it('uses a row a DBA adds, and prefers the row that names provider and channel', async () => {
    const doc = agent['5140_unknown_id'];
    await context.db.pool.query(`insert into event_types (name, required_fields) values ('windows_share_accessed', '{username}')`);
    await context.db.pool.query(
      `insert into windows_event_types (provider, event_id, event_type, field_map)
       values ('Microsoft-Windows-Security-Auditing', 5140, 'windows_share_accessed',
               '{"SubjectUserName": "username", "SubjectDomainName": "user_domain", "IpAddress": "src_ip", "IpPort": "src_port"}')`,
    );
    expect((await normalize(doc)).fields).toMatchObject({ username: 'alice', src_ip: '10.0.0.42', src_port: 50144 });
    await context.db.pool.query(`insert into event_types (name) values ('windows_share_accessed_dc')`);
    await context.db.pool.query(
      `insert into windows_event_types (channel, provider, event_id, event_type) values ('security', 'microsoft-windows-security-auditing', 5140, 'windows_share_accessed_dc')`,
    );
    const row = await normalize(doc);
    expect(row.event_type).toBe('windows_share_accessed_dc');
    expect(row.fields).toHaveProperty('SubjectUserName', 'alice');
    // a channel-only row matches any provider, and loses to a provider row
    await context.db.pool.query(`insert into windows_event_types (channel, event_id, event_type) values ('Security', 4624, 'windows_event')`);
    expect((await normalize(agent['4624_network_logon'])).event_type).toBe('windows_logon_success');
    expect((await normalize({ System: { EventID: 4624, Channel: 'Security', Provider: { Name: 'Some-Other' } } })).event_type).toBe('windows_event');
  });
});

describe('siem_private.normalize_windows_event(doc, types): the types read once (windows_event_types_map)', () => {
  const edgeRow = `insert into windows_event_types (provider, event_id, event_type, field_map) values ('Test-Edge', 9001, 'windows_edge_test',
    '{"a1": "pid", "a2": "pid", "b1": "src_port", "b2": "src_port", "c1": "file_hash", "pid": "file_hash", "u1": "username", "u2": "username"}')`;
  const edge = (data: unknown, time = '2026-11-24T10:00:00.000Z') => ({ System: { Provider: { Name: 'Test-Edge' }, EventID: 9001, TimeCreated: { SystemTime: time } }, EventData: data });

  /** Both forms over the documents in one statement: [with the map, without]. */
  async function bothForms(docs: unknown[]): Promise<{ mapped: Normalized | null; single: Normalized | null }[]> {
    const { rows } = await context.db.pool.query(
      `select to_jsonb(m.w) as mapped, to_jsonb(s.w) as single
       from unnest($1::jsonb[]) with ordinality as d (doc, n)
       cross join lateral (select siem_private.normalize_windows_event(d.doc, (select siem_private.windows_event_types_map(null))) as w offset 0) m
       cross join lateral (select siem_private.normalize_windows_event(d.doc) as w offset 0) s order by d.n`,
      [docs.map((doc) => JSON.stringify(doc))],
    );
    return rows;
  }

  it('gives every fixture, odd document and non-document the result of the one-argument form', async () => {
    const docs = [...Object.values(agent), ...Object.values(winlogbeat), ...Object.values(nxlog), ...broken.not_windows, ...broken.odd_but_windows, [], 5, 'x', null];
    const rows = await bothForms(docs);
    expect(rows.filter((row) => row.single !== null)).toHaveLength(docs.length - broken.not_windows.length - 4);
    for (const row of rows) expect(row.mapped).toEqual(row.single);
    const { rows: nulls } = await context.db.pool.query(`select siem_private.normalize_windows_event(null, '{}') is null as none, (siem_private.normalize_windows_event('{"winlog": {"event_id": 4624}}', null)).event_type is not null as looked_up`);
    expect(nulls).toEqual([{ none: true, looked_up: true }]);
  });

  it('lets the last mapped key of a name win, whether it is a number or text, and keeps a file_hash list under its key', async () => {
    await context.db.pool.query(`insert into event_types (name) values ('windows_edge_test')`);
    await context.db.pool.query(edgeRow);
    const rows = await bothForms([
      edge({ a1: '12', a2: 'x' }),
      edge({ a1: 'x', a2: '0x1F' }),
      edge({ a1: '12', pid: 'MD5=EF' }),
      edge({ b1: '80', b2: '-', c1: 'SHA256=AA,IMPHASH=BB' }),
      edge({ u1: 'CORP\\alice', u2: 'bob@REALM' }),
      edge({ X: '-', Y: '', Z: null, N: ['-'], O: { a: null }, P: ' - ', Q: 5 }),
    ]);
    const base = { provider: 'Test-Edge', event_code: 9001 };
    expect(rows.map((row) => row.mapped?.fields)).toEqual([
      { ...base, pid: 'x' },
      { ...base, pid: 31 },
      { ...base, pid: 'MD5=EF', file_hash: 'ef' },
      { ...base, src_port: 80, file_hash: 'aa', c1: 'SHA256=AA,IMPHASH=BB' },
      { ...base, username: 'bob', user_domain: 'REALM' },
      // only top-level '-', '' and null values go; unmapped values are not trimmed
      { ...base, N: ['-'], O: { a: null }, P: ' - ', Q: 5 },
    ]);
    for (const row of rows) expect(row.mapped).toEqual(row.single);
    await context.db.pool.query(`delete from windows_event_types where event_id = 9001`);
  });

  it('reads the times agents write directly and every other one as windows_timestamp() does', async () => {
    const times: [string, string | null][] = [
      ['2026-11-24T10:00:00.000Z', '2026-11-24T10:00:00.000Z'],
      ['2026-11-30T10:00:00.123Z', '2026-11-30T10:00:00.123Z'],
      ['2026-12-31T23:59:59.1234567Z', '2026-12-31T23:59:59.123Z'],
      ['2026-11-24 10:00:00', '2026-11-24T10:00:00.000Z'],
      ['2024-02-29T23:59:59.9999999Z', '2024-03-01T00:00:00.000Z'],
      ['2026-11-24T10:00:00.123+02:00', '2026-11-24T08:00:00.123Z'],
      ['2026-11-24T10:00:00.123456789012Z', '2026-11-24T10:00:00.123Z'],
      ['2026-02-29T10:00:00.000Z', null],
      ['2026-04-31T10:00:00.123Z', null],
      ['2026-11-24T24:00:00.000Z', null],
      ['2026-11-24T10:00:60Z', null],
      ['0000-11-24T10:00:00Z', null],
      ['2026-11-24T10:00:00.Z', null],
    ];
    const rows = await bothForms(times.map(([time]) => edge({}, time)));
    expect(rows.map((row) => (row.mapped?.ts ? new Date(row.mapped.ts).toISOString() : null))).toEqual(times.map(([, ts]) => ts));
    const { rows: exact } = await context.db.pool.query(
      `select count(*)::int as n from unnest($1::text[]) t
       where (siem_private.normalize_windows_event(jsonb_build_object('winlog', jsonb_build_object('event_id', 1), '@timestamp', t), '{}')).ts
             is distinct from siem_private.windows_timestamp(t)`,
      [times.map(([time]) => time)],
    );
    expect(exact).toEqual([{ n: 0 }]);
  });
});
