import { existsSync, readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../../agent/batch_sender.ts';
import { makeBatch } from '../../../test/batches.ts';
import { useAgentDatabase } from '../../../test/database.ts';
import { rulesEvaluationPass } from '../../../worker/tasks/rules__evaluate.ts';
import { compileRuleFiles, importRules, ruleFiles } from '../import.ts';
import { loadMapping, parseMapping } from '../sigma/mapping.ts';

// Real SigmaHQ rules (../shared/corpora/sigma) imported as `siem rules import` does, fed with events
// through the real ingest path (agent batch -> COPY -> normalize trigger -> events) and evaluated
// by the worker's evaluation pass: each rule must alert on its matching events and only on them.

const sigmaRoot = fileURLToPath(new URL('../../../../shared/corpora/sigma', import.meta.url));
const corpus = path.join(sigmaRoot, 'rules');
const hasCorpus = existsSync(corpus);
const windowsFixtures = JSON.parse(readFileSync(fileURLToPath(new URL('../../../test/fixtures/windows/agent.json', import.meta.url)), 'utf8')) as Record<string, WindowsEvent>;
const context = useAgentDatabase();

interface WindowsEvent {
  System: Record<string, unknown>;
  EventData: Record<string, unknown>;
}

function windowsEvent(fixture: string, at: string, eventData: Record<string, unknown>): string {
  const event = structuredClone(windowsFixtures[fixture]!);
  event.System.TimeCreated = { SystemTime: at };
  Object.assign(event.EventData, eventData);
  return JSON.stringify(event);
}

/** The events (by message) each rule attached to its alerts. */
async function matchedMessages(client: pg.ClientBase, rule: string): Promise<string[]> {
  const { rows } = await client.query<{ message: string }>(
    `select e.message from alert_events ae join rules r on r.id = ae.rule_id join events e on e.ts = ae.event_ts and e.id = ae.event_id
     where r.name = $1 order by e.ts, e.id`,
    [rule],
  );
  return rows.map((row) => row.message);
}

async function withOwner<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: context.db.urls.owner });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe.skipIf(!hasCorpus)('SigmaHQ rules from the corpus', () => {
  it('reports compiled / failed counts over every rule of the corpus', () => {
    const mapping = loadMapping();
    const lines: string[] = [];
    let compiledAll = 0;
    let totalAll = 0;
    for (const top of readdirSync(corpus, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      for (const sub of readdirSync(path.join(corpus, top.name), { withFileTypes: true })) {
        const target = path.join(corpus, top.name, sub.name);
        const { compiled, failures } = compileRuleFiles(ruleFiles(target), mapping);
        compiledAll += compiled.length;
        totalAll += compiled.length + failures.length;
        lines.push(`  ${top.name}/${sub.name}: ${compiled.length}/${compiled.length + failures.length}`);
      }
    }
    console.log(`Sigma corpus: ${compiledAll} of ${totalAll} rules compiled (${((100 * compiledAll) / totalAll).toFixed(1)} %)\n${lines.join('\n')}`);
    expect(totalAll).toBeGreaterThan(800);
    expect(compiledAll / totalAll).toBeGreaterThanOrEqual(0.9);
  });

  it('imports real rules (sshd, Windows 4625, 4688 process creation, a correlation over a real rule) that alert on matching events only', async () => {
    const correlationDir = mkdtempSync(path.join(tmpdir(), 'sigma-correlation-'));
    const correlation = path.join(correlationDir, 'failed_logon_burst.yml');
    // A correlation over the real 4625 rule (the corpus holds no correlation rules): 3 of its
    // matches from one address within 5 minutes.
    writeFileSync(correlation, `title: Burst of suspicious failed logons
name: suspicious_failed_logon_burst
correlation:
  type: event_count
  rules:
    - 9eb99343-d336-4020-a3cd-67f3819e68ee
  group-by:
    - IpAddress
  timespan: 5m
  condition:
    gte: 3
level: high
`);
    const files = [
      path.join(corpus, 'linux/builtin/sshd/lnx_sshd_susp_ssh.yml'),
      path.join(corpus, 'windows/builtin/security/win_security_susp_failed_logon_reasons.yml'),
      path.join(corpus, 'windows/process_creation/proc_creation_win_certutil_decode.yml'),
      correlation,
    ];
    const report = await withOwner((client) => importRules(client, files, loadMapping()));
    expect(report.failures).toEqual([]);
    expect(report.installed).toEqual([
      'sigma_suspicious_openssh_daemon_error_e76b413a',
      'sigma_account_tampering_suspicious_failed_logon_reas_9eb99343',
      'sigma_file_decoded_from_base64_hex_via_certutil_exe_cc9cbe82',
      'sigma_suspicious_failed_logon_burst',
    ]);

    const sshPositive = 'Nov 24 10:00:01 bastion sshd[4242]: error: Corrupted MAC on input. [preauth]';
    const sshOther = 'Nov 24 10:00:02 bastion sshd[4243]: Accepted publickey for alice from 192.0.2.10 port 50000 ssh2';
    const notSshd = 'Nov 24 10:00:03 bastion kernel: Corrupted MAC on input';
    await sendBatch(context.agentPool, 'test', makeBatch([sshPositive, sshOther, notSshd], { source: 'syslog', timestamp: new Date('2026-11-24T10:00:05Z') }));

    // 4625 with a status the rule names (any case), from the same address three times within 5 min.
    const tampering = (at: string, ip: string) =>
      windowsEvent('4625_bad_password', at, { Status: '0xc0000072', SubjectUserSid: 'S-1-5-18', IpAddress: ip });
    const windows = [
      tampering('2026-11-24T10:04:00Z', '198.51.100.20'),
      tampering('2026-11-24T10:05:30Z', '198.51.100.20'),
      tampering('2026-11-24T10:08:50Z', '198.51.100.20'),
      tampering('2026-11-24T10:00:00Z', '198.51.100.30'),
      tampering('2026-11-24T10:20:00Z', '198.51.100.30'),
      // an ordinary bad password, and the rule's filter (SubjectUserSid S-1-0-0)
      windowsEvent('4625_bad_password', '2026-11-24T10:04:10Z', { IpAddress: '198.51.100.20' }),
      windowsEvent('4625_bad_password', '2026-11-24T10:04:20Z', { Status: '0xC0000072', SubjectUserSid: 'S-1-0-0', IpAddress: '198.51.100.20' }),
      // 4688: certutil decoding (windash: /decode is -decode), certutil encoding, cmd
      windowsEvent('4688_cmd', '2026-11-24T10:01:00Z', { NewProcessName: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil /decode payload.b64 payload.exe' }),
      windowsEvent('4688_cmd', '2026-11-24T10:01:10Z', { NewProcessName: 'C:\\Windows\\System32\\certutil.exe', CommandLine: 'certutil -encode a.exe a.b64' }),
      windowsEvent('4688_cmd', '2026-11-24T10:01:20Z', {}),
    ];
    await sendBatch(context.agentPool, 'test', makeBatch(windows, { source: 'windows', timestamp: new Date('2026-11-24T10:30:00Z') }));

    await withOwner(async (client) => {
      const pass = await rulesEvaluationPass(client, (message) => {
        throw new Error(message);
      });
      expect(pass.batched).toBe(3);
      expect(await matchedMessages(client, 'sigma_suspicious_openssh_daemon_error_e76b413a')).toEqual([sshPositive]);
      expect(await matchedMessages(client, 'sigma_account_tampering_suspicious_failed_logon_reas_9eb99343')).toEqual(
        [windows[3], windows[0], windows[1], windows[2], windows[4]],
      );
      expect(await matchedMessages(client, 'sigma_file_decoded_from_base64_hex_via_certutil_exe_cc9cbe82')).toEqual([windows[7]]);
      // 10:04:00, 10:05:30, 10:08:50 fall within 5 minutes; 198.51.100.30's two are 20 minutes apart.
      expect(await matchedMessages(client, 'sigma_suspicious_failed_logon_burst')).toEqual([windows[0], windows[1], windows[2]]);
      const { rows } = await client.query(`select rule_name, entity, severity, tags from alerts order by id`);
      expect(rows).toContainEqual({ rule_name: 'sigma_suspicious_failed_logon_burst', entity: '198.51.100.20', severity: 'high', tags: [] });
      expect(rows).toContainEqual(expect.objectContaining({ rule_name: 'sigma_suspicious_openssh_daemon_error_e76b413a', entity: 'bastion', tags: ['attack.initial-access', 'attack.t1190'] }));
      // A second pass over nothing new changes nothing.
      const again = await rulesEvaluationPass(client, () => {});
      expect(again.alerts).toBe(0);
    });
  }, 120_000);
});

describe('Sigma modifiers (specification v2.1) on events from the ingest path', () => {
  const mapping = parseMapping(`logsources:\n  - match: {product: modtest}\n    where: "e.source = 'modtest'"\n    passthrough: '^[a-z_]+$'\n`);
  const b64 = (text: string, encoding: BufferEncoding = 'utf8') => Buffer.from(text, encoding).toString('base64');
  // Each case: a detection, events (JSON lines) it must match and events it must not.
  const cases: { name: string; detection: string; positive: object[]; negative: object[] }[] = [
    { name: 'plain', detection: `cmdline: 'whoami'`, positive: [{ cmdline: 'WHOAMI' }], negative: [{ cmdline: 'whoami /all' }] },
    { name: 'wildcards', detection: `cmdline: 'net * /add'`, positive: [{ cmdline: 'net user bob /add' }], negative: [{ cmdline: 'net user bob' }] },
    { name: 'contains', detection: `cmdline|contains: 'mimikatz'`, positive: [{ cmdline: 'run MimiKatz.exe now' }], negative: [{ cmdline: 'notepad' }] },
    { name: 'startswith', detection: `filepath|startswith: 'C:\\Temp\\'`, positive: [{ filepath: 'c:\\temp\\a.exe' }], negative: [{ filepath: 'D:\\Temp\\a.exe' }] },
    { name: 'endswith', detection: `filepath|endswith: '.ps1'`, positive: [{ filepath: 'x\\run.PS1' }], negative: [{ filepath: 'run.ps1.txt' }] },
    { name: 'all', detection: `cmdline|contains|all: ['-nop', '-w hidden']`, positive: [{ cmdline: 'powershell -nop -w hidden' }], negative: [{ cmdline: 'powershell -nop' }] },
    { name: 'value_list', detection: `cmdline|endswith: ['.bat', '.cmd']`, positive: [{ cmdline: 'a.cmd' }, { cmdline: 'b.bat' }], negative: [{ cmdline: 'c.exe' }] },
    { name: 're', detection: `cmdline|re: '^net (user|group) '`, positive: [{ cmdline: 'net group admins' }], negative: [{ cmdline: 'net view' }, { cmdline: 'NET USER x' }] },
    { name: 're_i', detection: `cmdline|re|i: '^net user '`, positive: [{ cmdline: 'NET USER x' }], negative: [{ cmdline: 'net view' }] },
    { name: 'cidr', detection: `src_ip|cidr: '10.0.0.0/8'`, positive: [{ src_ip: '10.1.2.3' }], negative: [{ src_ip: '192.168.1.1' }, { src_ip: 'not-an-ip' }] },
    { name: 'windash', detection: `cmdline|windash|contains: ' -exec '`, positive: [{ cmdline: 'ps /exec bypass' }, { cmdline: 'ps \u2013exec bypass' }], negative: [{ cmdline: 'ps exec bypass' }] },
    { name: 'base64', detection: `payload|base64: 'secret'`, positive: [{ payload: b64('secret') }], negative: [{ payload: 'secret' }] },
    { name: 'base64offset', detection: `payload|base64offset|contains: 'http://'`, positive: [{ payload: b64('get http://evil') }, { payload: b64('xhttp://a') }], negative: [{ payload: b64('get https://good') }] },
    { name: 'wide_base64offset', detection: `payload|wide|base64offset|contains: 'ping'`, positive: [{ payload: b64('x ping y', 'utf16le') }], negative: [{ payload: b64('x ping y') }] },
    { name: 'exists', detection: `opt|exists: true`, positive: [{ opt: 'x' }], negative: [{ other: 'x' }] },
    { name: 'not_exists', detection: `cmdline|contains: 'z'\n    opt|exists: false`, positive: [{ cmdline: 'z' }], negative: [{ cmdline: 'z', opt: '' }] },
    { name: 'gt', detection: `num|gt: 100`, positive: [{ num: 101 }], negative: [{ num: 100 }, { num: 'many' }] },
    { name: 'gte', detection: `num|gte: 100`, positive: [{ num: 100 }], negative: [{ num: 99.5 }] },
    { name: 'lt', detection: `num|lt: 5`, positive: [{ num: 4 }], negative: [{ num: 5 }] },
    { name: 'lte', detection: `num|lte: 5`, positive: [{ num: '5' }], negative: [{ num: 6 }] },
    { name: 'cased', detection: `cmdline|cased: 'Admin'`, positive: [{ cmdline: 'Admin' }], negative: [{ cmdline: 'admin' }] },
    { name: 'fieldref', detection: `left_name|fieldref: right_name`, positive: [{ left_name: 'a', right_name: 'a' }], negative: [{ left_name: 'a', right_name: 'b' }] },
    { name: 'null', detection: `cmdline|contains: 'q'\n    opt: null`, positive: [{ cmdline: 'q' }], negative: [{ cmdline: 'q', opt: 'set' }] },
  ];

  it('matches exactly the events each modifier describes', async () => {
    const files: string[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), 'sigma-modifiers-'));
    for (const c of cases) {
      const file = path.join(dir, `${c.name}.yml`);
      writeFileSync(file, `title: modifier ${c.name}\nname: mod_${c.name}\nlogsource: {product: modtest}\ndetection:\n  selection:\n    ${c.detection}\n  condition: selection\n`);
      files.push(file);
    }
    // One more with a condition over several identifiers: 1 of / all of / not, and keywords.
    const conditionFile = path.join(dir, 'conditions.yml');
    writeFileSync(conditionFile, `title: conditions\nname: mod_conditions\nlogsource: {product: modtest}
detection:
  sel_a: {cmdline|contains: 'alpha'}
  sel_b: {cmdline|contains: 'beta'}
  keywords: ['*gamma*']
  filter: {opt: 'skip'}
  condition: (1 of sel_* or keywords) and not filter
`);
    files.push(conditionFile);
    const report = await withOwner((client) => importRules(client, files, mapping));
    expect(report.failures).toEqual([]);

    const lines: { rule: string; expected: boolean; line: string }[] = [];
    for (const c of cases) {
      for (const [expected, events] of [[true, c.positive], [false, c.negative]] as const) {
        for (const event of events) lines.push({ rule: `sigma_mod_${c.name}`, expected, line: JSON.stringify({ case: `${c.name}:${lines.length}`, ...event }) });
      }
    }
    for (const [expected, event] of [[true, { cmdline: 'has beta' }], [true, { cmdline: 'gamma ray' }], [false, { cmdline: 'alpha', opt: 'skip' }], [false, { cmdline: 'delta' }]] as const) {
      lines.push({ rule: 'sigma_mod_conditions', expected, line: JSON.stringify({ case: `conditions:${lines.length}`, ...event }) });
    }
    await sendBatch(context.agentPool, 'test', makeBatch(lines.map((l) => l.line), { source: 'modtest', timestamp: new Date('2026-11-24T11:00:00Z') }));
    await withOwner(async (client) => {
      const pass = await rulesEvaluationPass(client, (message) => {
        throw new Error(message);
      });
      expect(pass.batched).toBeGreaterThanOrEqual(cases.length + 1);
      const mismatches: string[] = [];
      for (const rule of [...cases.map((c) => `sigma_mod_${c.name}`), 'sigma_mod_conditions']) {
        const matched = new Set(await matchedMessages(client, rule));
        for (const line of lines) {
          const fired = matched.has(line.line);
          const expected = line.rule === rule && line.expected;
          // Other cases' events may match a rule too (e.g. 'whoami' for contains); only this rule's own events are judged.
          if (line.rule === rule && fired !== expected) mismatches.push(`${rule} ${expected ? 'missed' : 'matched'} ${line.line}`);
        }
      }
      expect(mismatches).toEqual([]);
      // The set-based pass and the rule views agree: running every view over the range (backfill)
      // attaches nothing more.
      const attached = async () => (await client.query('select count(*)::int as n from alert_events')).rows[0].n as number;
      const before = await attached();
      await client.query(`select siem_private.backfill_rule(id, '2026-11-24T00:00:00Z') from rules where name like 'sigma_mod_%'`);
      expect(await attached()).toBe(before);
    });
  }, 120_000);
});
