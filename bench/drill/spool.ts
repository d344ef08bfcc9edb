import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../test/free_port.ts';
import { account, describeAccounting, SentLines } from './account.ts';
import { agentMetrics, sleep, startAgent, startDrillDatabase, stopProcess, waitForLines } from './cluster.ts';
import { seededRandom } from '../../agent/demo.ts';
import type { Drill } from './types.ts';

const sum = (metrics: Map<string, number>, name: string) => [...metrics].filter(([key]) => key === name || key.startsWith(`${name}{`)).reduce((total, [, value]) => total + value, 0);
const spoolBytesOnDisk = (dir: string) => {
  try {
    return readdirSync(dir).reduce((total, name) => total + statSync(path.join(dir, name)).size, 0);
  } catch {
    return 0;
  }
};

/**
 * Spool full: PostgreSQL is down while the agent reads a file much larger than its spool limit. The
 * agent must fill the spool, stop reading (backpressure), keep its spool within the limit, and
 * deliver everything once PostgreSQL is back.
 */
export const spoolDrill: Drill = {
  name: 'spool',
  description: 'spool full while PostgreSQL is down: the agent holds back (no loss, spool within its limit) and drains when the database returns',
  async run({ quick, seed, workDir, log }) {
    const total = quick ? 100_000 : 500_000;
    const spoolLimit = 1024 * 1024;
    const random = seededRandom(seed ^ 0x5b001);
    const dir = mkdtempSync(path.join(workDir, 'drill-spool-'));
    const database = await startDrillDatabase(workDir);
    try {
      const sent = new SentLines();
      const line = (i: number) => `<86>Nov 24 10:00:00 gw sshd[${i % 9999}]: Accepted publickey for deploy from 10.1.${i % 256}.${(i >> 8) % 256} port ${20000 + (i % 40000)} ssh2 #${i} ${Math.floor(random() * 1e9)}`;
      const file = path.join(dir, 'spool.log');
      const first = Array.from({ length: total }, (_, i) => line(i));
      for (const l of first) sent.add(l);
      writeFileSync(file, first.join('\n') + '\n');
      first.length = 0;
      await database.stopServer();
      log(`PostgreSQL stopped; the agent starts with a ${spoolLimit / 1_048_576} MiB spool and a ${total}-line file`);
      const metricsPort = await freePort();
      const settings = {
        name: 'drill-spool', dir, agentUrl: database.agentUrl, metricsPort, spoolMaxBytes: spoolLimit,
        batch: { max_lines: 1000, max_delay_ms: 200 },
        files: [{ paths: [file], source: 'syslog', start_at: 'beginning', poll_ms: 100 }],
      };
      const agent = startAgent(settings);
      const spoolDir = path.join(dir, 'state', 'spool');
      let metrics = new Map<string, number>();
      let held = { read: -1, since: Date.now() };
      let maxOnDisk = 0;
      const deadline = Date.now() + 60_000;
      try {
        // Backpressure: the spool is full, and the count of lines read stops moving.
        for (;;) {
          await sleep(250);
          maxOnDisk = Math.max(maxOnDisk, spoolBytesOnDisk(spoolDir));
          metrics = await agentMetrics(metricsPort).catch(() => metrics);
          const read = sum(metrics, 'siem_agent_lines_read_total');
          if (read !== held.read) held = { read, since: Date.now() };
          if (metrics.get('siem_agent_spool_full') === 1 && Date.now() - held.since > 3000) break;
          if (Date.now() > deadline) break;
        }
        const full = metrics.get('siem_agent_spool_full') === 1;
        const spoolBytes = metrics.get('siem_agent_spool_bytes') ?? 0;
        log(`database down: spool_full=${metrics.get('siem_agent_spool_full')}, spool ${spoolBytes} bytes (on disk at most ${maxOnDisk}), lines read ${held.read} of ${total}, unchanged for ${((Date.now() - held.since) / 1000).toFixed(1)} s`);
        // More lines arrive while it is held back.
        const more = Array.from({ length: 10_000 }, (_, i) => line(total + i));
        for (const l of more) sent.add(l);
        appendFileSync(file, more.join('\n') + '\n');
        await sleep(2000);
        const readAfter = sum(await agentMetrics(metricsPort), 'siem_agent_lines_read_total');
        await database.startServer();
        log('PostgreSQL started again');
        const started = Date.now();
        const stored = await waitForLines(database.ownerUrl, settings.name, sent.total, quick ? 120_000 : 300_000);
        const drainSeconds = (Date.now() - started) / 1000;
        await sleep(1000);
        log(`drained ${stored} lines in ${drainSeconds.toFixed(1)} s after the database returned`);
        const result = await account(database.ownerUrl, settings.name, sent);
        // The spool may exceed its limit by at most the batch being written when it filled.
        const withinLimit = maxOnDisk <= spoolLimit + 512 * 1024;
        const heldBack = full && held.read < total && readAfter === held.read;
        return {
          ok: result.ok && heldBack && withinLimit,
          summary: [
            `backpressure: spool full ${full ? 'yes' : 'NO'}, reading stopped at ${held.read} of ${total + more.length} lines ${heldBack ? 'yes' : 'NO'}, spool on disk at most ${maxOnDisk} bytes (limit ${spoolLimit}) ${withinLimit ? 'ok' : 'OVER'}`,
            describeAccounting(result),
          ],
          figures: [
            { name: 'drill.spool_sent', value: result.sent, unit: 'lines', note: 'written to the file while PostgreSQL was down' },
            { name: 'drill.spool_read_while_down', value: held.read, unit: 'lines', note: `read before backpressure held the file (spool limit ${spoolLimit} bytes)` },
            { name: 'drill.spool_max_on_disk', value: maxOnDisk, unit: 'bytes', note: 'largest spool folder size seen' },
            { name: 'drill.spool_drain', value: Math.round(drainSeconds * 10) / 10, unit: 's', note: 'from PostgreSQL back to every line stored' },
            { name: 'drill.spool_lost_or_duplicated', value: result.missing + result.duplicates, unit: 'lines', note: 'must be 0' },
          ],
        };
      } finally {
        await stopProcess(agent);
      }
    } finally {
      await database.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
