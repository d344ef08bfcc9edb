import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../../test/database.ts';
import { installCompiledRule } from '../compiled.ts';
import { testRules, type FixtureEvent } from '../fixtures.ts';
import { compileRuleFiles, importRules, ruleFiles } from '../import.ts';
import { expandPattern, parseCondition } from '../sigma/condition.ts';
import { compileSigma, sigmaDocuments } from '../sigma/compile.ts';
import { base64Offsets, compileSearch, sigmaPattern } from '../sigma/detection.ts';
import { loadMapping, parseMapping } from '../sigma/mapping.ts';
import { fieldRef } from '../sql.ts';

const corpus = fileURLToPath(new URL('../../../../shared/corpora/sigma/rules', import.meta.url));
const hasCorpus = existsSync(corpus);
const mapping = loadMapping();
const context = useAgentDatabase();
const search = (value: unknown) => compileSearch('s', value, fieldRef);

describe('Sigma conditions', () => {
  it('parses and/or/not with precedence and parentheses', () => {
    expect(parseCondition('a or b and not c')).toEqual({
      type: 'or',
      operands: [{ type: 'id', name: 'a' }, { type: 'and', operands: [{ type: 'id', name: 'b' }, { type: 'not', operand: { type: 'id', name: 'c' } }] }],
    });
    expect(parseCondition('(a or b) and c')).toEqual({
      type: 'and',
      operands: [{ type: 'or', operands: [{ type: 'id', name: 'a' }, { type: 'id', name: 'b' }] }, { type: 'id', name: 'c' }],
    });
    expect(parseCondition('1 of selection_* and not all of filter*')).toEqual({
      type: 'and',
      operands: [{ type: 'of', quantifier: 'any', pattern: 'selection_*' }, { type: 'not', operand: { type: 'of', quantifier: 'all', pattern: 'filter*' } }],
    });
  });

  it('expands patterns and them (which skips _ identifiers)', () => {
    expect(expandPattern('selection_*', ['selection_a', 'selection_b', 'filter'])).toEqual(['selection_a', 'selection_b']);
    expect(expandPattern('them', ['a', '_hidden', 'b'])).toEqual(['a', 'b']);
  });

  it('rejects aggregations, unclosed parentheses and stray words', () => {
    expect(() => parseCondition('selection | count() > 5')).toThrow(/aggregations/);
    expect(() => parseCondition('(a or b')).toThrow(/not closed/);
    expect(() => parseCondition('a b')).toThrow(/unexpected "b"/);
    expect(() => parseCondition('2 of them')).toThrow(/not supported/);
  });
});

describe('Sigma modifiers', () => {
  it('turns wildcards into LIKE patterns with escapes', () => {
    expect(sigmaPattern('*\\cmd.exe')).toEqual({ like: '%\\\\cmd.exe', plain: false });
    expect(sigmaPattern('50%_a?b\\*')).toEqual({ like: '50\\%\\_a_b*', plain: false });
    expect(sigmaPattern('exact')).toEqual({ like: 'exact', plain: true });
  });

  it('compiles contains/startswith/endswith/all case-insensitively, cased when asked', () => {
    expect(search({ 'CommandLine|contains|all': ['-enc', "o'k"] })).toBe(
      `(((e.metadata->>'CommandLine') ilike '%-enc%') and ((e.metadata->>'CommandLine') ilike '%o''k%'))`,
    );
    expect(search({ 'Image|endswith': ['\\a.exe', '\\b.exe'] })).toBe(
      `(((e.metadata->>'Image') ilike '%\\\\a.exe') or ((e.metadata->>'Image') ilike '%\\\\b.exe'))`,
    );
    expect(search({ 'Image|startswith|cased': 'C:' })).toBe(`((e.metadata->>'Image') like 'C:%')`);
  });

  it('compiles re, cidr, exists, numeric comparisons, neq, fieldref and null', () => {
    expect(search({ 'q|re': '^a.*b$' })).toBe(`((e.metadata->>'q') ~ '^a.*b$')`);
    expect(search({ 'q|re|i': 'abc' })).toBe(`((e.metadata->>'q') ~* 'abc')`);
    expect(search({ 'src_ip|cidr': '10.0.0.0/8' })).toBe(`(siem_private.try_inet((e.metadata->>'src_ip')) <<= '10.0.0.0/8'::cidr)`);
    expect(search({ 'x|exists': false })).toBe(`(not coalesce((e.metadata ? 'x'), false))`);
    expect(search({ 'bytes|gte': 1000 })).toBe(`(siem_private.try_numeric((e.metadata->>'bytes')) >= 1000)`);
    expect(search({ 'user|neq': 'root' })).toBe(`(not coalesce(((e.metadata->>'user') ilike 'root'), false))`);
    expect(search({ 'a|fieldref': 'b' })).toBe(`((e.metadata->>'a') = (e.metadata->>'b'))`);
    expect(search({ a: null })).toBe(`((e.metadata->>'a') is null)`);
    expect(search({ EventID: 4625 })).toBe(`((e.metadata->>'EventID') = '4625')`);
    expect(() => search({ 'q|re': '(unclosed' })).toThrow(/invalid regular expression/);
    expect(() => search({ 'x|expand': '%x%' })).toThrow(/expand/);
    expect(() => search({ 'x|bogus': 'y' })).toThrow(/unknown modifier bogus/);
  });

  it('compiles windash to every dash, base64 and base64offset (also of UTF-16)', () => {
    const windash = search({ 'CommandLine|windash|contains': '-nop' });
    for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015']) expect(windash).toContain(`'%${dash}nop%'`);
    expect(search({ 'x|base64': 'abc' })).toBe(`((e.metadata->>'x') ilike 'YWJj')`);
    expect(base64Offsets(Buffer.from('http://'))).toEqual(['aHR0cDovL', 'h0dHA6Ly', 'odHRwOi8v']);
    expect(search({ 'x|base64offset|contains': 'http://' })).toContain(`ilike '%h0dHA6Ly%'`);
    expect(search({ 'x|wide|base64offset|contains': 'ping' })).toContain(Buffer.from('ping', 'utf16le').toString('base64').slice(0, 8));
  });

  it('searches the message for keywords', () => {
    expect(search(['error', 'fail*'])).toBe(`((e.message::text ilike '%error%') or (e.message::text ilike '%fail%%'))`);
  });
});

describe('Sigma mapping', () => {
  it('names an unknown logsource and unknown fields', () => {
    const results = compileSigma(
      sigmaDocuments('x.yml', `title: a\nlogsource: {product: plan9}\ndetection: {s: {x: 1}, condition: s}\n---\ntitle: b\nlogsource: {category: webserver}\ndetection: {s: {'Frobnicate': 1, 'Zork|contains': 2}, condition: s}\n`),
      mapping,
    );
    expect(results.map((result) => result.error)).toEqual([
      'unknown logsource {product: plan9}: add it to the Sigma mapping',
      expect.stringMatching(/unknown field Frobnicate for logsource \{category: webserver\}.*unknown field Zork/),
    ]);
  });

  it('reads a custom mapping', () => {
    const custom = parseMapping(`logsources:\n  - match: {product: acme}\n    where: "e.source = 'acme'"\n    fields: {Actor: username}\n`);
    const [result] = compileSigma(sigmaDocuments('x.yml', `title: t\nlogsource: {product: acme}\ndetection: {s: {Actor: bob}, condition: s}\n`), custom);
    expect(result?.compiled?.select).toContain(`((e.source = 'acme') and ((e.metadata->>'username') ilike 'bob'))`);
  });
});

describe('Sigma correlations', () => {
  const correlation = readFileSync(fileURLToPath(new URL('./fixtures/sigma_failed_logins.yml', import.meta.url)), 'utf8');

  it('compiles event_count, value_count, temporal and temporal_ordered', () => {
    const results = compileSigma(sigmaDocuments('c.yml', correlation), mapping);
    const byName = Object.fromEntries(results.map((result) => [result.compiled?.rule.name ?? result.title, result]));
    expect(byName.sigma_many_failed_logins?.compiled?.rule).toMatchObject({ evaluation: 'threshold', window: '10 minutes', min_count: 5, count_distinct: false });
    expect(byName.sigma_spraying?.compiled?.rule).toMatchObject({ evaluation: 'threshold', min_count: 3, count_distinct: true });
    expect(byName.sigma_fail_then_success?.compiled?.rule).toMatchObject({ evaluation: 'sequence', ordered: true, steps: ['failed_login', 'successful_login'] });
    expect(byName.sigma_fail_and_success?.compiled?.rule).toMatchObject({ evaluation: 'sequence', ordered: false });
    expect(results.find((result) => result.title === 'chained')?.error).toMatch(/correlation over the correlation/);
  });
});

describe('compiled Sigma rules in the database', () => {
  const events = {
    failed: (user: string, offset: number): FixtureEvent => ({ event_type: 'windows_logon_failed', channel: 'Security', event_code: 4625, username: user, IpAddress: '192.0.2.8', offset }),
    success: (user: string, offset: number): FixtureEvent => ({ event_type: 'windows_logon', channel: 'Security', event_code: 4624, username: user, offset }),
  };

  async function check(yaml: string, fixtures: { positive: FixtureEvent[]; negative: FixtureEvent[] }) {
    const client = new pg.Client({ connectionString: context.db.urls.owner });
    await client.connect();
    try {
      const results = compileSigma(sigmaDocuments('t.yml', yaml), mapping);
      const names: string[] = [];
      for (const result of results) {
        if (!result.compiled) throw new Error(result.error);
        result.compiled.rule.fixtures = fixtures;
        await installCompiledRule(client, result.compiled);
        names.push(result.compiled.rule.name);
      }
      return await testRules(client, names.at(-1));
    } finally {
      await client.end();
    }
  }

  it('matches and does not match events (selection, filter, modifiers)', async () => {
    const yaml = `title: Suspicious encoded PowerShell
logsource: {product: windows, service: security}
detection:
  selection_img: {NewProcessName|endswith: '\\powershell.exe'}
  selection_cli: {CommandLine|windash|contains: ['-enc ', '-EncodedCommand']}
  filter: {SubjectUserName|startswith: 'svc_'}
  condition: all of selection_* and not filter
level: high`;
    const event = (cli: string, user: string): FixtureEvent => ({ channel: 'Security', NewProcessName: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE', CommandLine: cli, SubjectUserName: user });
    expect(await check(yaml, { positive: [event('powershell /ENC SQBFAFgA', 'alice')], negative: [event('powershell -enc SQBFAFgA', 'svc_backup'), event('powershell -file x.ps1', 'alice')] })).toEqual([
      { rule: 'sigma_suspicious_encoded_powershell', positive: true, negative: true },
    ]);
  });

  it('runs a temporal_ordered correlation: failures then a success per user', async () => {
    const yaml = readFileSync(fileURLToPath(new URL('./fixtures/sigma_failed_logins.yml', import.meta.url)), 'utf8').split('\n---\n# chained')[0]!;
    const result = await check(yaml, {
      positive: [events.failed('bob', 0), events.failed('bob', 10), events.success('bob', 20)],
      negative: [events.success('bob', 0), events.failed('bob', 10), events.failed('carol', 20), events.success('dave', 30)],
    });
    expect(result).toEqual([{ rule: 'sigma_fail_then_success', positive: true, negative: true }]);
  });

  it.skipIf(!hasCorpus)('compiles >= 90 % of the SigmaHQ rules under linux, web, network and windows/builtin, and installs them', async () => {
    const files = ['linux', 'web', 'network', 'windows/builtin'].flatMap((dir) => ruleFiles(path.join(corpus, dir)));
    const { compiled, failures } = compileRuleFiles(files, mapping);
    const rate = compiled.length / (compiled.length + failures.length);
    console.log(`Sigma compile rate: ${compiled.length}/${compiled.length + failures.length} = ${(100 * rate).toFixed(1)} %`);
    for (const failure of failures) console.log(`  not compiled: ${path.relative(corpus, failure.file)}: ${failure.error}`);
    expect(rate).toBeGreaterThanOrEqual(0.9);
    const client = new pg.Client({ connectionString: context.db.urls.owner });
    await client.connect();
    try {
      const report = await importRules(client, files, mapping, { enabled: false });
      expect(report.compiled).toBe(compiled.length);
      // Every view runs (regexes and casts included) over a row carrying the usual fields.
      await client.query(`insert into events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
        values (now(), now(), 0, now(), gen_random_uuid(), 'syslog', 'h', 'ssh_failed', 'x', '{"channel":"Security","event_code":4625,"src_ip":"10.1.2.3","CommandLine":"a","Image":"b","url_path":"/","process":"sshd"}')`);
      const { rows } = await client.query<{ view_name: string }>(`select view_name::text from rules where kind = 'sigma'`);
      for (const { view_name } of rows) await client.query(`select count(*) from ${view_name}`);
    } finally {
      await client.end();
    }
  }, 300_000);
});
