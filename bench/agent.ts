import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'yaml';
import { readLines } from '../agent/lines.ts';
import { withClient } from '../db/setup.ts';
import { freePort } from '../test/free_port.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { killDrill } from './drill/kill.ts';
import { startBenchDatabase } from './database.ts';
import { siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

const siem = path.resolve(import.meta.dirname, '../bin/siem');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startAgent(dir: string, settings: Record<string, unknown>): ChildProcess {
  const configFile = path.join(dir, 'agent.yaml');
  writeFileSync(configFile, stringify(settings));
  const env = process.env.BENCH_AGENT_NODE_OPTIONS ? { ...process.env, NODE_OPTIONS: process.env.BENCH_AGENT_NODE_OPTIONS } : process.env;
  return spawn(siem, ['agent', '--config', configFile], { stdio: ['ignore', 'ignore', 'ignore'], env });
}

/** Peak resident set of a running process (Linux VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** Lines the agent's committed batches hold (cheaper than counting events_raw). */
async function committedLines(ownerUrl: string, agent: string): Promise<number> {
  return withClient(ownerUrl, async (client) => {
    const { rows } = await client.query<{ n: string }>('select coalesce(sum(line_count), 0) as n from ingest_batches where agent = $1', [agent]);
    return Number(rows[0]!.n);
  });
}

async function waitForLines(ownerUrl: string, agent: string, lines: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await committedLines(ownerUrl, agent)) < lines) {
    if (Date.now() > deadline) throw new Error(`the agent stored ${await committedLines(ownerUrl, agent)} of ${lines} lines in ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port (tries for about 10 s). */
export async function waitForListener(port: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise<void>((resolve, reject) => {
        const probe = connect(port, '127.0.0.1', () => probe.end(() => resolve()));
        probe.on('error', reject);
      });
      return;
    } catch (error) {
      if (attempt > 100) throw error;
      await sleep(100);
    }
  }
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const lines of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) n += lines.length;
  return n;
}

const truncateAll = (ownerUrl: string) => withClient(ownerUrl, (client) => client.query('truncate events_raw, events, quarantine, ingest_batches'));

export const agentBenchmark: Benchmark = {
  name: 'agent',
  description: 'siem agent: a syslog file (tail) and the same lines over TCP syslog into Postgres, vs siem ingest of the file, with the agent peak RSS',
  async run({ quick, workDir, log }) {
    const files = await ensureMixedCorpus(workDir, quick ? 200_000 : 1_000_000);
    const file = files.syslog;
    const lines = await countLines(file);
    const database = await startBenchDatabase(workDir);
    const dir = mkdtempSync(path.join(workDir, 'agent-'));
    try {
      const ingest = await siemIngest(database, file, 'syslog');
      log(`siem ingest of ${lines} syslog lines: ${ingest.wallSeconds.toFixed(2)} s (whole command)`);
      await truncateAll(database.ownerUrl);

      const base = { database: { url: database.agentUrl, connections: 3 }, batch: { max_lines: 20_000, max_delay_ms: 200 }, log: { level: 'warn' } };
      let started = performance.now();
      let agent = startAgent(dir, { ...base, name: 'bench-file', state_dir: path.join(dir, 'state-file'), files: [{ paths: [file], source: 'syslog', start_at: 'beginning', host: 'bench' }] });
      let fileRss = 0;
      try {
        await waitForLines(database.ownerUrl, 'bench-file', lines, 600_000);
        fileRss = peakRssMb(agent.pid!);
      } finally {
        await stop(agent);
      }
      const fileSeconds = (performance.now() - started) / 1000;
      log(`agent tailing the file: ${fileSeconds.toFixed(2)} s (start to last batch committed), peak RSS ${fileRss} MB`);
      await truncateAll(database.ownerUrl);

      const port = await freePort();
      agent = startAgent(dir, { ...base, name: 'bench-tcp', state_dir: path.join(dir, 'state-tcp'), syslog: [{ protocol: 'tcp', listen: `127.0.0.1:${port}`, source: 'syslog' }] });
      let tcpRss = 0;
      let tcpSeconds = 0;
      try {
        await waitForListener(port);
        started = performance.now();
        const socket = connect(port, '127.0.0.1');
        await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), socket);
        await waitForLines(database.ownerUrl, 'bench-tcp', lines, 600_000);
        tcpSeconds = (performance.now() - started) / 1000;
        tcpRss = peakRssMb(agent.pid!);
      } finally {
        await stop(agent);
      }
      log(`syslog over TCP: ${tcpSeconds.toFixed(2)} s, peak RSS ${tcpRss} MB`);
      const figures: Figure[] = [
        { name: 'agent.file', value: Math.round(lines / fileSeconds), unit: 'lines/s', note: `siem agent tailing a ${lines}-line syslog file (start_at: beginning) until the last batch committed, parsing on` },
        { name: 'agent.file_ratio', value: Number((ingest.wallSeconds / fileSeconds).toFixed(3)), unit: 'ratio', note: 'agent file / siem ingest of the same file (whole commands); target >= 0.8' },
        { name: 'agent.peak_rss', value: Math.max(fileRss, tcpRss), unit: 'MB', note: 'agent peak resident memory (VmHWM) over both runs; target <= 150' },
        { name: 'agent.syslog_tcp', value: Math.round(lines / tcpSeconds), unit: 'msgs/s', note: 'the same lines sent over one TCP connection (LF framing) until stored' },
        { name: 'agent.syslog_tcp_ratio', value: Number((ingest.wallSeconds / tcpSeconds).toFixed(3)), unit: 'ratio', note: 'syslog TCP / siem ingest of the same lines' },
      ];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.stop();
    }
  },
};

/** The exactly-once drill, now `npm run drill -- kill` (bench/drill/kill.ts); kept here under its old name. */
export const agentDrill: Benchmark = {
  name: 'agent-drill',
  description: `${killDrill.description}; the same as \`npm run drill -- kill\``,
  async run({ quick, workDir, log }) {
    const result = await killDrill.run({ quick, seed: 20261124, workDir, log, options: {} });
    for (const line of result.summary) log(line);
    if (!result.ok) throw new Error(`the kill drill lost or duplicated lines: ${result.summary.join('; ')}`);
    return result.figures;
  },
};
