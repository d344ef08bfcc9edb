import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/free_port.ts';

const siem = path.resolve(import.meta.dirname, '../siem');
// Debian's chromium (CI installs it); the flags keep it off this machine's closed network.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
let dataDir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess;
let output = '';
let apiUrl: string;
let metricsUrl: string;
let token = '';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(siem, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function graphql(query: string) {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(`${apiUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: Record<string, any>; errors?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'siem-e2e-'));
  const port = await freePort();
  const metricsPort = await freePort();
  metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  env = {
    ...process.env,
    DATABASE_URL: '',
    SIEM_DATA_DIR: dataDir,
    SIEM_PORT: String(port),
    SIEM_PG_PORT: String(await freePort()),
    SIEM_METRICS_PORT: String(metricsPort),
    SIEM_DEMO_EPS: '50',
  };
  apiUrl = `http://127.0.0.1:${port}`;
  server = spawn(siem, ['start', '--demo'], { env });
  server.stdout!.on('data', (chunk) => (output += chunk));
  server.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 90_000;
  while (!output.includes('press Ctrl-C to stop')) {
    if (server.exitCode !== null || Date.now() > deadline) throw new Error(`siem start did not come up:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The first admin, as the README says, then a login through GraphQL.
  const added = await run(['user', 'add', 'e2e@example.org', '--role', 'admin']);
  const password = /password: (\S+)/.exec(added.stdout)?.[1];
  if (!password) throw new Error(`siem user add printed no password:\n${added.stdout}${added.stderr}`);
  const login = await graphql(`mutation { login(input: { email: "e2e@example.org", password: "${password}" }) { result } }`);
  token = login.data?.login.result;
  if (!token) throw new Error(`login failed: ${JSON.stringify(login)}`);
}, 120_000);

afterAll(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('siem start --demo (embedded PostgreSQL, one port)', () => {
  it('prints the URLs and says that anonymous requests may only log in', async () => {
    expect(output).toContain(`web UI   ${apiUrl}/`);
    expect(output).toContain(`GraphQL  ${apiUrl}/graphql`);
    expect(output).toMatch(/anonymous requests may only log in/);
    const anonymous = await fetch(`${apiUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ events(first: 1) { nodes { message } } }' }) });
    expect(JSON.stringify(await anonymous.json())).toMatch(/permission denied/);
  });

  it('serves GraphiQL in development', async () => {
    expect(output).toContain(`GraphiQL ${apiUrl}/graphiql`);
    const response = await fetch(`${apiUrl}/graphiql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('serves the web page and its script', async () => {
    const page = await (await fetch(`${apiUrl}/`)).text();
    expect(page).toContain('<div id="root">');
    const script = page.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${apiUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it.skipIf(!existsSync(chromiumPath))('shows the login page in a real browser', async () => {
    const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
    try {
      const page = await browser.newPage();
      await page.goto(`${apiUrl}/search?q=x`);
      await page.getByLabel('Email').waitFor({ timeout: 20_000 });
      expect(await page.getByRole('button', { name: 'Log in' }).count()).toBe(1);
      expect(page.url()).toBe(`${apiUrl}/search?q=x`);
    } finally {
      await browser.close();
    }
  });

  it('feeds demo events that the API returns newest first', async () => {
    let total = 0;
    for (let i = 0; i < 50 && total === 0; i++) {
      const result = await graphql('{ events(first: 5, orderBy: [PRIMARY_KEY_DESC]) { totalCount nodes { ts source host message } } }');
      total = result.data?.events.totalCount ?? 0;
      if (total === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(total).toBeGreaterThan(0);
  });

  it('keeps raw lines away from the API', async () => {
    const result = await graphql('{ __type(name: "Query") { fields { name } } }');
    const fields = (result.data?.__type.fields as { name: string }[]).map((field) => field.name);
    expect(fields).toContain('events');
    expect(fields.some((name) => /raw/i.test(name))).toBe(false);
  });

  it('ingests a file through `siem ingest` into the running server, bad bytes included', async () => {
    const file = path.join(dataDir, 'sample.log');
    writeFileSync(file, Buffer.concat([Buffer.from('e2e line one\r\ne2e \x00 nul\n\n'), Buffer.from([0x65, 0x32, 0x65, 0xff, 0x0a]), Buffer.from('{"event_type":"e2e_json"}')]));
    const result = await run(['ingest', file, '--source', 'e2e', '--host', 'test-host', '--no-progress']);
    expect(result.stderr).toContain('using the embedded PostgreSQL already running');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ingested 5 lines in 1 batches in [\d.]+ s: \d+ lines\/s/);
    const events = await graphql('{ events(first: 10, condition: { source: "e2e" }, orderBy: [PRIMARY_KEY_ASC]) { nodes { message flags eventType host } } }');
    expect(events.data?.events.nodes).toEqual([
      { message: 'e2e line one', flags: [], eventType: 'text', host: 'test-host' },
      { message: 'e2e \uFFFD nul', flags: ['nul_bytes'], eventType: 'text', host: 'test-host' },
      { message: 'e2e\uFFFD', flags: ['invalid_utf8'], eventType: 'text', host: 'test-host' },
      { message: '{"event_type":"e2e_json"}', flags: [], eventType: 'e2e_json', host: 'test-host' },
    ]);
    const quarantine = await graphql('{ quarantines(orderBy: [PRIMARY_KEY_DESC], first: 1) { nodes { reason raw source } } }');
    expect(quarantine.errors).toBeUndefined();
    expect(quarantine.data?.quarantines.nodes).toEqual([{ reason: 'blank line', raw: '', source: 'e2e' }]);
  });

  it('cuts the end of a file into shrinking batches that the connections share, losing no line', async () => {
    const file = path.join(dataDir, 'tail.log');
    writeFileSync(file, Array.from({ length: 9000 }, (_, i) => `tail line ${i}`).join('\n') + '\n');
    const result = await run(['ingest', file, '--source', 'e2e-tail', '--host', 'test-host', '--no-progress', '--batch-lines', '4000']);
    expect(result.code).toBe(0);
    // 3 connections: the first batch alone (2000 lines), then 2334, 2000 (the floor), 2000, 666
    // instead of 4000, 4000, 1000
    expect(result.stdout).toMatch(/ingested 9000 lines in 5 batches /);
    const events = await graphql('{ events(first: 1, condition: { source: "e2e-tail" }) { totalCount } }');
    expect(events.data?.events.totalCount).toBe(9000);
  });

  it('imports parsers from YAML and exports them, and says what is wrong with a bad file', async () => {
    const file = path.join(dataDir, 'parsers.yaml');
    writeFileSync(file, `vpn_login:\n  source: vpn\n  pattern: 'login by %{USERNAME:user} from %{IP:src_ip}'\n`);
    const imported = await run(['parsers', 'import', file]);
    expect(imported.stdout).toContain(`imported 1 parsers from ${file}`);
    const exported = await run(['parsers', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`vpn_login:\n  source: vpn\n  pattern: login by %{USERNAME:user} from %{IP:src_ip}\n`);
    expect(exported.stdout).toContain('sshd_failed:');
    writeFileSync(file, `broken:\n  source: vpn\n`);
    const rejected = await run(['parsers', 'import', file]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toContain(`siem: ${file}: broken: pattern must be a non-empty string`);
  });

  it('re-parses earlier lines after a parser is added, with `siem reparse`', async () => {
    const lines = path.join(dataDir, 'doors.log');
    writeFileSync(lines, 'door 7 opened by carol\n');
    expect((await run(['ingest', lines, '--source', 'doors', '--no-progress'])).code).toBe(0);
    const file = path.join(dataDir, 'doors.yaml');
    writeFileSync(file, `door_opened:\n  source: doors\n  pattern: 'door %{INT:door:int} opened by %{USERNAME:user}'\n`);
    expect((await run(['parsers', 'import', file])).code).toBe(0);
    const result = await run(['reparse', '--since', '-1d']);
    expect(result.stdout).toMatch(/^reparsed \d+ lines since .*: 1 events updated, 0 moved from quarantine to events, 0 still quarantined$/m);
    const again = await run(['reparse', '--event-type', 'door_opened']);
    expect(again.stdout).toContain('reparsed 1 lines: 0 events updated');
    const bad = await run(['reparse', '--since', 'yesterday-ish']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since yesterday-ish: expected a time');
  });

  it('serves the worker and database metrics for Prometheus', async () => {
    expect(output).toContain(`Prometheus metrics of the worker and the database at ${metricsUrl}`);
    let text = '';
    for (let i = 0; i < 50 && !/siem_worker_jobs_total\{/.test(text); i++) {
      const response = await fetch(metricsUrl);
      expect(response.headers.get('content-type')).toMatch(/text\/plain/);
      text = await response.text();
      if (!/siem_worker_jobs_total\{/.test(text)) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // One sample line: the series name, these labels in any order, and a value matching `value`.
    const sample = (name: string, labels: Record<string, string>, value: RegExp) =>
      text.split('\n').some((line) => {
        const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
        if (!match || match[1] !== name || !value.test(match[3]!)) return false;
        return Object.entries(labels).every(([key, wanted]) => match[2]!.split(',').includes(`${key}="${wanted}"`));
      });
    const positive = /^[1-9][\d.e+]*$/;
    expect(sample('siem_lines_received_total', { source: 'e2e', service: 'siem' }, positive)).toBe(true);
    expect(sample('siem_quarantined_lines_total', { reason: 'blank line' }, positive)).toBe(true);
    expect(sample('siem_ingest_batches_total', {}, positive)).toBe(true);
    for (const state of ['waiting', 'running', 'scheduled', 'failed']) {
      expect(sample('siem_worker_queue_jobs', { task: 'partitions__archive', state }, /^\d+$/)).toBe(true);
    }
    expect(sample('siem_worker_queue_oldest_due_seconds', { task: 'partitions__maintain' }, /^[\d.]+$/)).toBe(true);
    expect(sample('siem_worker_job_duration_seconds_count', { task: 'partitions__maintain', outcome: 'success' }, positive)).toBe(true);
    expect(sample('siem_worker_job_latency_seconds_count', { task: 'partitions__maintain' }, positive)).toBe(true);
    expect(sample('siem_worker_jobs_total', { task: 'partitions__maintain', outcome: 'success' }, positive)).toBe(true);
    expect(sample('siem_table_size_bytes', { table: 'events' }, positive)).toBe(true);
    expect(sample('siem_table_size_bytes', { table: 'events_raw' }, positive)).toBe(true);
    expect(sample('siem_database_size_bytes', {}, positive)).toBe(true);
    expect(sample('siem_wal_archiving_enabled', {}, /^1$/)).toBe(true);
    expect(sample('siem_process_resident_memory_bytes', {}, positive)).toBe(true);
  });

  it('archives, backs up and lists backups beside the running server', async () => {
    const archives = await run(['archive', 'list']);
    expect(archives.code).toBe(0);
    expect(archives.stdout).toContain('no archives yet (raw partitions are archived after 2 days, events after 30)');
    const archived = await run(['archive', 'run']);
    expect(archived.stdout).toMatch(/archived 0 partition\(s\) into /);
    const backup = await run(['backup']);
    expect(backup.stderr).toContain('using the embedded PostgreSQL already running');
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^logical backup logical-\d{8}T\d{6}Z: /m);
    expect(backup.stdout).toMatch(/^base backup base-\d{8}T\d{6}Z: /m);
    const list = await run(['backup', 'list']);
    expect(list.stdout).toMatch(/^logical-\S+\tlogical\t/m);
    expect(list.stdout).toMatch(/^WAL archive: [1-9]\d* segments/m);
  });

  it('prints a connection string psql can use', async () => {
    const result = await run(['db', 'url']);
    expect(result.stdout.trim()).toMatch(/^postgres:\/\/siem_owner:[^@]+@127\.0\.0\.1:\d+\/siem$/);
  });

  it('stops cleanly on SIGINT', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGINT');
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/stopped\n$/);
    expect(output).not.toMatch(/Client error|terminating connection/);
  });
});
