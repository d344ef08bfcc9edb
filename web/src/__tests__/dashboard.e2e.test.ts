import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/free_port.ts';

/**
 * The analyst's path through the real product: `siem start --demo` (embedded PostgreSQL, API, built
 * web UI), a user made by `siem user add`, and Debian's Chromium driven by playwright-core. Every page
 * is photographed into .test-results/screenshots (CI keeps .test-results), and any console error or
 * uncaught exception fails the test that caused it.
 */
const repo = path.resolve(import.meta.dirname, '../../..');
const siem = path.join(repo, 'bin/siem');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const screenshots = path.join(repo, '.test-results/screenshots');
const built = existsSync(path.join(repo, 'web/dist/index.html'));
const email = 'analyst.e2e@example.org';
const adminEmail = 'admin.e2e@example.org';
const password = 'correct horse battery staple';
const marker = `e2emarker${Date.now()}`;

let dataDir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess;
let output = '';
let baseUrl: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

function run(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(siem, args, { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function shot(name: string) {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

/** Console errors since the last call; each test asserts there were none. */
function takeConsoleErrors(): string[] {
  return consoleErrors.splice(0);
}

const ready = existsSync(chromiumPath) && built;
// Alerts come with the detection module; its tests run once that is merged.
const hasDetection = existsSync(path.join(repo, 'bin/commands/rules.ts'));

describe.skipIf(!ready)('the analyst dashboard in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    dataDir = mkdtempSync(path.join(tmpdir(), 'siem-web-e2e-'));
    const port = await freePort();
    env = { ...process.env, DATABASE_URL: '', SIEM_DATA_DIR: dataDir, SIEM_PORT: String(port), SIEM_PG_PORT: String(await freePort()), SIEM_DEMO_EPS: '40', NODE_ENV: 'production' };
    baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(siem, ['start', '--demo'], { env });
    server.stdout!.on('data', (chunk) => (output += chunk));
    server.stderr!.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 90_000;
    while (!output.includes('press Ctrl-C to stop')) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`siem start did not come up:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const added = await run(['user', 'add', email, '--role', 'analyst', '--password-stdin'], password);
    if (added.code !== 0) throw new Error(`siem user add failed:\n${added.stderr}`);
    const admin = await run(['user', 'add', adminEmail, '--role', 'admin', '--password-stdin'], password);
    if (admin.code !== 0) throw new Error(`siem user add (admin) failed:\n${admin.stderr}`);
    if (hasDetection) {
      const rules = path.join(dataDir, 'rules.yaml');
      writeFileSync(rules, 'rules:\n  - name: e2e_root_failures\n    title: Failed SSH logins as root\n    type: threshold\n    severity: high\n    filter: { event_type: ssh_failed, username: root }\n    group_by: username\n    window: 10m\n    count: 5\n');
      const imported = await run(['rules', 'import', rules]);
      if (imported.code !== 0) throw new Error(`siem rules import failed:\n${imported.stdout}${imported.stderr}`);
    }
    const file = path.join(dataDir, 'auth.log');
    const now = new Date();
    const stamp = now.toUTCString().slice(8, 11) + ' ' + String(now.getUTCDate()).padStart(2, ' ') + ' ' + now.toISOString().slice(11, 19);
    writeFileSync(file, Array.from({ length: 5 }, (_, i) => `${stamp} bastion sshd[${4000 + i}]: Failed password for root from 203.0.113.${i + 7} port 5${i}022 ssh2 ${marker}`).join('\n') + '\n');
    const ingested = await run(['ingest', file, '--source', 'syslog', '--host', 'bastion', '--no-progress']);
    if (ingested.code !== 0) throw new Error(`siem ingest failed:\n${ingested.stderr}`);

    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    // Say which request failed and why, next to the browser's bare "status of 400".
    page.on('response', async (response) => {
      if (response.url().endsWith('/graphql') && response.status() >= 400) {
        consoleErrors.push(`${response.status()} from /graphql for ${response.request().postData()?.slice(0, 200)}: ${(await response.text().catch(() => '')).slice(0, 300)}`);
      }
    });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a wrong password, then logs in and lands where the link pointed', async () => {
    await page.goto(`${baseUrl}/search?q=${marker}`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong email or password').waitFor();
    await shot('01-login');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('results').waitFor({ timeout: 20_000 });
    expect(new URL(page.url()).searchParams.get('q')).toBe(marker);
    // A wrong password answers 200 with a null token: nothing for the console.
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('renders every overview widget within 1.5 s of navigation (median of three page loads)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`${baseUrl}/`);
      const overview = page.getByTestId('overview');
      await overview.and(page.locator('[data-render-ms]')).waitFor({ timeout: 20_000 });
      times.push(Number(await overview.getAttribute('data-render-ms')));
    }
    const perWidget = await page.evaluate(() => window.__siemWidgetMs);
    const median = [...times].sort((a, b) => a - b)[1]!;
    console.log(`overview: all widgets rendered ${times.join(', ')} ms after navigation (median ${median}); per widget (last) ${JSON.stringify(perWidget)}`);
    writeFileSync(path.join(screenshots, '..', 'overview-render-ms.txt'), `${median}\n`);
    // The bar. The median of three loads keeps one slow load on a busy machine from failing
    // it; the 10M-event figure comes from `npm run bench -- overview`.
    expect(median).toBeLessThan(1500);
    await page.getByTestId('widget-over-time').locator('svg').first().waitFor();
    await page.getByTestId('widget-by-type').locator('svg').first().waitFor();
    await page.getByTestId('widget-by-host').locator('svg').first().waitFor();
    expect(await page.getByTestId('widget-src-ips').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('widget-failed-logins').locator('.number-value').textContent()).not.toBe('0');
    expect(await page.locator('.state-error').allTextContents()).toEqual([]);
    await shot('02-overview-light');
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await shot('03-overview-dark');
    await page.getByTestId('theme-toggle').click();
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('searches by free text, keeps the whole query in the URL, and chooses columns', async () => {
    await page.goto(`${baseUrl}/search`);
    await page.getByTestId('search-q').fill(marker);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === marker);
    const rows = page.getByTestId('results').locator('tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(5);
    await expect.poll(() => page.getByTestId('result-total').textContent()).toBe('5 events');
    await page.getByTestId('column-picker').click();
    await page.getByLabel('src_ip').check();
    await page.keyboard.press('Escape');
    expect(new URL(page.url()).searchParams.get('cols')).toContain('src_ip');
    await expect.poll(() => page.getByTestId('results').locator('thead').textContent()).toContain('src_ip');
    await page.getByTestId('histogram').locator('svg').first().waitFor();
    // The histogram counts exactly what the table shows: free text included.
    await expect.poll(() => page.getByTestId('histogram').getAttribute('data-total')).toBe('5');
    await shot('04-search');
    // The URL alone reproduces the search, as a link from an alert email would.
    const link = page.url();
    await page.goto('about:blank');
    await page.goto(link);
    await expect.poll(() => page.getByTestId('results').locator('tbody tr').count(), { timeout: 15_000 }).toBe(5);
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('opens an event from the keyboard, shows its raw line and fields, and filters by a value', async () => {
    await page.getByTestId('results').locator('tbody tr').first().focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByTestId('event-drawer');
    await drawer.getByTestId('raw-line').waitFor({ timeout: 15_000 });
    expect(await drawer.getByTestId('raw-line').textContent()).toContain(marker);
    expect(new URL(page.url()).searchParams.get('event')).toMatch(/^\d+@/);
    await shot('05-event-detail');
    const srcIp = (await drawer.getByTestId('event-fields').textContent())?.match(/203\.0\.113\.\d+/)?.[0];
    expect(srcIp).toBeDefined();
    await drawer.getByTestId('filter-src_ip').click();
    await page.waitForURL((url) => url.searchParams.getAll('f').includes(`src_ip:${srcIp}`));
    await expect.poll(() => page.getByTestId('results').locator('tbody tr').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('event-drawer').count()).toBe(0);
    await shot('06-filtered-by-value');
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('zooms the search by dragging across the histogram, keeping the filters', async () => {
    await page.goto(`${baseUrl}/search?last=1h&q=${marker}&type=ssh_failed`);
    const overlay = page.getByTestId('histogram-drag');
    await overlay.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('histogram').getAttribute('data-total'), { timeout: 15_000 }).toBe('5');
    const box = (await overlay.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL((url) => url.searchParams.has('from') && url.searchParams.has('to'));
    const url = new URL(page.url());
    const span = Date.parse(url.searchParams.get('to')!) - Date.parse(url.searchParams.get('from')!);
    expect(span).toBeGreaterThan(20 * 60_000);
    expect(span).toBeLessThan(35 * 60_000);
    expect(url.searchParams.get('q')).toBe(marker);
    expect(url.searchParams.getAll('type')).toEqual(['ssh_failed']);
    await expect.poll(() => page.getByTestId('results').locator('tbody tr').count(), { timeout: 15_000 }).toBe(5);
    await expect.poll(() => page.getByTestId('histogram').getAttribute('data-total'), { timeout: 15_000 }).toBe('5');
    await shot('06b-zoomed-search');
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('builds a dashboard, saves it, and finds it the same after a reload', async () => {
    await page.goto(`${baseUrl}/dashboards`);
    await page.getByTestId('new-dashboard-title').fill('SSH watch');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('add-widget').click();
    await page.getByTestId('widget-title').fill('Failed SSH over time');
    await page.getByLabel('Event types (comma-separated, empty: all)').fill('ssh_failed');
    await page.getByTestId('widget-save').click();
    await page.getByTestId('add-widget').click();
    await page.getByTestId('widget-title').fill('Top hosts');
    await page.getByTestId('widget-metric').selectOption('top_values');
    await page.getByLabel('pie').check();
    await page.getByTestId('widget-save').click();
    await page.getByRole('button', { name: 'Make Top hosts wider' }).click();
    await page.getByRole('button', { name: 'Move Top hosts earlier' }).click();
    await page.getByTestId('save-dashboard').click();
    await page.getByText('Saved.').waitFor();
    await page.reload();
    const widgets = page.getByTestId('dashboard-widget');
    await expect.poll(() => widgets.count(), { timeout: 15_000 }).toBe(2);
    expect(await widgets.locator('h2').allTextContents()).toEqual(['Top hosts', 'Failed SSH over time']);
    expect(await widgets.first().getAttribute('style')).toContain('span 7');
    await widgets.first().locator('svg').first().waitFor({ timeout: 15_000 });
    await page.locator('[data-render-ms]').waitFor({ timeout: 15_000 });
    await shot('07-saved-dashboard');
    await page.goto(`${baseUrl}/dashboards`);
    await page.getByTestId('dashboard-list').getByText('SSH watch').waitFor();
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('shows quarantine and live tail, and pauses the tail', async () => {
    await page.goto(`${baseUrl}/quarantine`);
    await page.getByRole('heading', { name: 'Quarantine' }).waitFor();
    await page.locator('.data-table, .state-empty').first().waitFor({ timeout: 15_000 });
    await shot('08-quarantine');
    await page.goto(`${baseUrl}/tail`);
    await page.getByTestId('tail-rows').locator('tbody tr').first().waitFor({ timeout: 20_000 });
    await page.getByTestId('tail-pause').click();
    const shown = await page.getByTestId('tail-rows').locator('tbody tr').count();
    await page.waitForTimeout(2500);
    expect(await page.getByTestId('tail-rows').locator('tbody tr').count()).toBe(shown);
    await shot('09-live-tail');
    expect(takeConsoleErrors()).toEqual([]);
  });

  it.skipIf(!hasDetection)('acknowledges an alert with a comment, and the list follows', async () => {
    await page.goto(`${baseUrl}/alerts`);
    const rows = page.getByTestId('alerts').locator('tbody tr');
    for (let i = 0; i < 30 && (await rows.count()) === 0; i++) {
      await page.waitForTimeout(1000);
      if (i % 5 === 4) await page.reload();
    }
    await rows.first().click();
    const drawer = page.getByTestId('alert-drawer');
    await drawer.getByTestId('alert-comment').fill('looking into it');
    await drawer.getByTestId('alert-acknowledge').click();
    await drawer.getByText('Acknowledged.').waitFor();
    await expect.poll(() => drawer.getByTestId('alert-status').textContent()).toBe('acknowledged');
    await drawer.getByText('looking into it', { exact: false }).waitFor();
    await shot('11-alert-acknowledged');
    await page.getByTestId('alert-status-filter').selectOption('acknowledged');
    await expect.poll(() => page.getByTestId('alerts').locator('tbody tr').count()).toBeGreaterThan(0);
    await page.goto(`${baseUrl}/rules`);
    await page.getByTestId('rules').getByText('Failed SSH logins as root').waitFor();
    await shot('12-rules');
    expect(takeConsoleErrors()).toEqual([]);
  });

  it.skipIf(!hasDetection)('shows the alerts of an event in its detail, linked to the alert', async () => {
    await page.goto(`${baseUrl}/search?q=${marker}`);
    await page.getByTestId('results').locator('tbody tr').first().click({ timeout: 15_000 });
    const drawer = page.getByTestId('event-drawer');
    const related = drawer.getByTestId('related-alerts');
    // The rule engine runs beside us: wait until the section has loaded (its list, or "No alert
    // holds this event"), and reopen the detail until the alert is there.
    for (let i = 0; i < 20; i++) {
      await drawer.locator('[data-testid="related-alerts"], .state-empty').first().waitFor({ timeout: 15_000 });
      if (await related.isVisible()) break;
      await page.waitForTimeout(2000);
      await page.reload();
    }
    await expect.poll(() => related.textContent(), { timeout: 15_000 }).toContain('e2e_root_failures');
    expect(await related.textContent()).toMatch(/high/);
    expect(await related.textContent()).toMatch(/acknowledged|open/);
    await shot('13-event-related-alerts');
    await related.getByTestId('related-alert-link').first().click();
    await page.waitForURL((url) => url.pathname === '/alerts' && url.searchParams.has('alert'));
    await page.getByTestId('alert-drawer').waitFor();
    expect(takeConsoleErrors()).toEqual([]);
  });

  it.skipIf(!hasDetection)('lets an admin import YAML and Sigma rules, reporting failures, then test and dry-run a rule', async () => {
    // Analysts see no import form.
    await page.goto(`${baseUrl}/rules`);
    await page.getByTestId('rules').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('rule-import-text').count()).toBe(0);

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const admin = await context.newPage();
    const adminErrors: string[] = [];
    admin.on('console', (message) => message.type() === 'error' && adminErrors.push(message.text()));
    admin.on('pageerror', (error) => adminErrors.push(`uncaught: ${error.message}`));
    try {
      await admin.goto(`${baseUrl}/rules`);
      await admin.getByLabel('Email').fill(adminEmail);
      await admin.getByLabel('Password').fill(password);
      await admin.getByRole('button', { name: 'Log in' }).click();
      await admin.getByTestId('rule-import-text').fill(
        [
          'rules:',
          '  - name: e2e_ui_root_failures',
          '    title: Root failures (imported in the UI)',
          '    type: threshold',
          '    severity: medium',
          '    filter: { event_type: ssh_failed, username: root }',
          '    group_by: username',
          '    window: 10m',
          '    count: 5',
          '    tests:',
          '      positive:',
          '        - { event_type: ssh_failed, username: root, repeat: 5 }',
          '      negative:',
          '        - { event_type: ssh_failed, username: root, repeat: 4 }',
          '  - name: e2e_ui_broken',
          '    type: threshold',
          '    filter: { event_type: ssh_failed }',
          '    count: 3',
        ].join('\n'),
      );
      await admin.getByTestId('rule-import-submit').click();
      const report = admin.getByTestId('rule-import-report');
      await report.waitFor({ timeout: 30_000 });
      expect(await report.textContent()).toContain('1 compiled, 1 failed');
      expect(await admin.getByTestId('rule-import-compiled').textContent()).toContain('e2e_ui_root_failures');
      expect(await admin.getByTestId('rule-import-failures').textContent()).toMatch(/e2e_ui_broken: .*window/);
      await admin.getByTestId('rules').getByText('Root failures (imported in the UI)').waitFor({ timeout: 15_000 });
      await admin.screenshot({ path: path.join(screenshots, '14-rules-import.png'), fullPage: true });

      // Upload a Sigma file.
      await admin.getByTestId('rule-import-file').setInputFiles({
        name: 'failed_logon.yml',
        mimeType: 'text/yaml',
        buffer: Buffer.from('title: E2E failed Windows logon\nid: 6f1c2a9e-0000-4000-8000-00000000e2e0\nlogsource: { product: windows, service: security }\ndetection:\n  selection:\n    EventID: 4625\n  condition: selection\nlevel: low\n'),
      });
      await admin.getByTestId('rule-import-submit').click();
      await expect.poll(() => admin.getByTestId('rule-import-report').textContent(), { timeout: 30_000 }).toContain('1 compiled, 0 failed');
      await admin.getByTestId('rules').getByText('E2E failed Windows logon').waitFor({ timeout: 15_000 });

      // The imported rule's fixtures, then what it would raise over the last 24 h (the marker's root failures).
      await admin.getByTestId('rules').getByRole('button', { name: 'Root failures (imported in the UI)' }).click();
      const drawer = admin.getByTestId('rule-drawer');
      await drawer.getByTestId('rule-test-run').click();
      const verdicts = drawer.getByTestId('rule-test-result');
      await verdicts.waitFor({ timeout: 15_000 });
      expect((await verdicts.textContent())?.match(/pass/g)).toHaveLength(2);
      await drawer.getByTestId('rule-dry-run').click();
      const matches = drawer.getByTestId('rule-dry-run-result');
      await matches.waitFor({ timeout: 30_000 });
      expect(await matches.locator('tbody tr').first().locator('td').first().textContent()).toBe('root');
      expect(await matches.textContent()).toContain('nothing was kept');
      await admin.screenshot({ path: path.join(screenshots, '15-rule-tests.png'), fullPage: true });
      await admin.keyboard.press('Escape');
      expect(await drawer.count()).toBe(0);
      await admin.getByTestId('theme-toggle').click();
      expect(await admin.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await admin.screenshot({ path: path.join(screenshots, '16-rules-import-dark.png'), fullPage: true });
      expect(adminErrors).toEqual([]);
    } finally {
      await context.close();
    }
    expect(takeConsoleErrors()).toEqual([]);
  });

  it('logs out, and an expired session sends the user back to the login page with the reason', async () => {
    await page.goto(`${baseUrl}/search`);
    await page.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('pgsiem.session')!);
      localStorage.setItem('pgsiem.session', JSON.stringify({ ...session, expiresAt: Date.now() + 1500 }));
    });
    await page.reload();
    await page.getByText('Your session expired').waitFor({ timeout: 10_000 });
    await shot('10-session-expired');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('logout').click();
    await page.getByText('You are logged out.').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('pgsiem.session'))).toBeNull();
    expect(takeConsoleErrors()).toEqual([]);
  });
});
