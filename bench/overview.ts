import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { addUser } from '../bin/commands/user.ts';
import { startApiServer } from '../api/server.ts';
import { withClient } from '../db/setup.ts';
import { startBenchDatabase } from './database.ts';
import { generate } from './query.ts';
import type { Benchmark, Figure } from './types.ts';
import { percentile } from './percentile.ts';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const distDir = path.resolve(import.meta.dirname, '../web/dist');

/**
 * The overview dashboard in Chromium over the query benchmark's data: milliseconds from navigation
 * (a full page load of `/`) until every widget shows its data, as the page itself reports it. The
 * baseline, in the same run, is the overview's one GraphQL request sent with fetch: the ratio is what
 * the browser adds (loading the app, drawing the charts) to the API's own time.
 */
export const overviewBenchmark: Benchmark = {
  name: 'overview',
  description: 'Overview dashboard render time in Chromium (all widgets, from navigation) over generated events, against its API request alone',
  async run({ quick, events, workDir, log }) {
    if (!existsSync(path.join(distDir, 'index.html'))) {
      log('web/dist is missing: npm run build');
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
    }
    if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
    const total = events ?? (quick ? 200_000 : 10_000_000);
    const runs = quick ? 5 : 20;
    const database = await startBenchDatabase(workDir);
    const figures: Figure[] = [];
    try {
      log(`generating ${total.toLocaleString('en')} events (the query benchmark's data)`);
      await generate(database.ownerUrl, total, log);
      const api = await startApiServer({
        authenticatorUrl: database.authenticatorUrl, port: 0, host: '127.0.0.1', webDistDir: distDir, graphiql: false,
        jwtSecret: 'bench-secret-bench-secret-bench-secret',
      });
      const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
      try {
        const password = 'bench password';
        await withClient(database.ownerUrl, (c) => addUser(c, 'overview@example.org', { role: 'analyst', password }));
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(`${api.url}/`);
        await page.getByLabel('Email').fill('overview@example.org');
        await page.getByLabel('Password').fill(password);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByTestId('overview').waitFor();
        // The overview's request, captured from the page, replayed with fetch for the baseline.
        const captured: { body: string | null; token: string | null }[] = [];
        page.on('request', (request) => {
          if (request.url().endsWith('/graphql') && request.postData()?.includes('"Overview"')) captured.push({ body: request.postData(), token: request.headers().authorization ?? null });
        });
        const browserMs: number[] = [];
        for (let i = 0; i < runs + 2; i++) {
          await page.goto(`${api.url}/`);
          await page.locator('[data-testid="overview"][data-render-ms]').waitFor({ timeout: 60_000 });
          const ms = Number(await page.getByTestId('overview').getAttribute('data-render-ms'));
          if (i >= 2) browserMs.push(ms); // two warm-up loads (browser cache, server plans)
        }
        const errorStates = await page.locator('.state-error').allTextContents();
        if (errors.length || errorStates.length) throw new Error(`the overview failed: ${[...errors, ...errorStates].join('; ')}`);
        const request = captured.at(-1)!;
        const apiMs: number[] = [];
        for (let i = 0; i < runs + 2; i++) {
          const started = performance.now();
          const response = await fetch(`${api.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: request.token ?? '' }, body: request.body });
          const body = (await response.json()) as { errors?: unknown };
          if (body.errors) throw new Error(`overview request failed: ${JSON.stringify(body.errors)}`);
          if (i >= 2) apiMs.push(performance.now() - started);
        }
        const p50 = percentile(browserMs, 50);
        const p95 = percentile(browserMs, 95);
        const apiP95 = percentile(apiMs, 95);
        log(`overview in Chromium: p50 ${p50} ms, p95 ${p95} ms (target <= 1500); its API request alone: p95 ${apiP95.toFixed(0)} ms`);
        figures.push(
          { name: 'overview_render_p95', value: p95, unit: 'ms', note: `all widgets shown, from navigation (full page load), ${runs} loads over ${total.toLocaleString('en')} events (target <= 1500 ms), p50 ${p50} ms` },
          { name: 'overview_api_p95', value: Math.round(apiP95), unit: 'ms', note: 'the overview\'s single GraphQL request, sent with fetch' },
          { name: 'overview_render_ratio', value: Math.round((p95 / Math.max(apiP95, 1)) * 10) / 10, unit: 'x', note: 'browser render p95 / API request p95' },
        );
      } finally {
        await browser.close();
        await api.stop();
      }
    } finally {
      await database.stop();
    }
    return figures;
  },
};
