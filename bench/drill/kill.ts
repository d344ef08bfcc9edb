import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { account, describeAccounting, SentLines } from './account.ts';
import { committedLines, sleep, startAgent, startDrillDatabase, stopProcess, waitForLines } from './cluster.ts';
import { int as between, seededRandom } from '../../agent/demo.ts';
import type { Drill } from './types.ts';

/**
 * Exactly once under crashes: a file read by `siem agent` while the agent is killed with SIGKILL
 * again and again and PostgreSQL is restarted under it; afterwards every line is in events or
 * quarantine exactly once.
 */
export const killDrill: Drill = {
  name: 'kill',
  description: 'agent SIGKILL x10 and PostgreSQL restart x2 during a 1,000,000-line file ingest (quick: 100,000 lines, x3 and x1)',
  async run({ quick, seed, workDir, log }) {
    const total = quick ? 100_000 : 1_000_000;
    const kills = quick ? 3 : 10;
    const restartsAt = new Set(quick ? [2] : [Math.floor(kills / 3), Math.floor((2 * kills) / 3)]);
    const random = seededRandom(seed);
    const dir = mkdtempSync(path.join(workDir, 'drill-kill-'));
    const database = await startDrillDatabase(workDir);
    try {
      const file = path.join(dir, 'drill.log');
      writeFileSync(file, '');
      const sent = new SentLines();
      // The file grows while the drill runs, as a live log does, so every kill lands mid-ingest.
      const writeSeconds = quick ? 12 : 100;
      const perTick = Math.ceil(total / (writeSeconds * 10));
      let written = 0;
      const writer = (async () => {
        while (written < total) {
          const lines: string[] = [];
          for (let end = Math.min(total, written + perTick); written < end; written++) {
            const line = `<13>Nov 24 10:00:00 drill app[${written % 997}]: drill line ${written} ${Math.floor(random() * 1e9)}`;
            lines.push(line);
            sent.add(line);
          }
          appendFileSync(file, lines.join('\n') + '\n');
          await sleep(100);
        }
      })();
      const settings = {
        name: 'drill-kill',
        dir,
        agentUrl: database.agentUrl,
        files: [{ paths: [file], source: 'drill', start_at: 'beginning', poll_ms: 100 }],
        // Small batches: many commits, so each kill lands between some and during others.
        batch: { max_lines: 2000, max_delay_ms: 200 },
      };
      const interval = (writeSeconds * 1000) / (kills + 1);
      let restarts = 0;
      for (let kill = 1; kill <= kills; kill++) {
        const agent = startAgent(settings);
        await sleep(between(random, Math.round(interval * 0.5), Math.round(interval * 1.2)));
        if (restartsAt.has(kill)) {
          log(`kill ${kill}: restarting PostgreSQL under the running agent`);
          await database.restart(between(random, 500, 3000));
          restarts += 1;
          await sleep(between(random, 500, 2000));
        }
        await stopProcess(agent, 'SIGKILL');
        log(`kill ${kill}: SIGKILL with ${await committedLines(database.ownerUrl, settings.name)} of ${written} written lines stored`);
      }
      await writer;
      const agent = startAgent(settings);
      const started = Date.now();
      try {
        await waitForLines(database.ownerUrl, settings.name, total, quick ? 120_000 : 600_000);
        await sleep(1000);
      } finally {
        await stopProcess(agent);
      }
      log(`last agent run stored the rest in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const result = await account(database.ownerUrl, settings.name, sent);
      return {
        ok: result.ok,
        summary: [`${kills} SIGKILLs, ${restarts} PostgreSQL restarts: ${describeAccounting(result)}`],
        figures: [
          { name: 'drill.kill_sent', value: result.sent, unit: 'lines', note: `file lines; ${kills} agent SIGKILLs, ${restarts} PostgreSQL restarts during ingest` },
          { name: 'drill.kill_stored', value: result.events + result.quarantine, unit: 'lines', note: 'rows in events + quarantine; must equal sent' },
          { name: 'drill.kill_missing', value: result.missing, unit: 'lines', note: 'sent lines not in events_raw; must be 0' },
          { name: 'drill.kill_duplicates', value: result.duplicates, unit: 'lines', note: 'extra copies; must be 0' },
        ],
      };
    } finally {
      await database.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
