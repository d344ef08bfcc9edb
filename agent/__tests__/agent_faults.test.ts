import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { freePort } from '../../test/free_port.ts';
import { startAgent, tempDir, waitFor, writeConfig } from './helpers.ts';
import { TcpProxy, viaProxy } from './tcp_proxy.ts';

const context = useAgentDatabase();
const siem = path.resolve(import.meta.dirname, '../../bin/siem');
let work: ReturnType<typeof tempDir>;
let proxy: TcpProxy;

beforeAll(async () => {
  work = tempDir('faults');
  const target = new URL(context.db.urls.agent);
  proxy = new TcpProxy({ host: target.hostname, port: Number(target.port) });
  await proxy.start();
});
afterAll(async () => {
  await proxy.cut();
  work.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Count, distinct count and a hash of the sorted lines of a source, as stored. */
async function stored(source: string) {
  const { rows } = await context.db.pool.query<{ n: number; distinct_n: number; hash: string | null }>(
    `select count(*)::int as n, count(distinct raw)::int as distinct_n, md5(string_agg(raw, E'\\n' order by raw collate "C")) as hash
     from events_raw where source = $1`,
    [source],
  );
  return rows[0]!;
}

const hashOf = (lines: string[]) => createHash('md5').update([...lines].sort().join('\n')).digest('hex');

function startChild(configFile: string): ChildProcess {
  return spawn(siem, ['agent', '--config', configFile], { stdio: ['ignore', 'ignore', process.env.AGENT_TEST_LOG ? 'inherit' : 'ignore'] });
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('agent: exactly once under faults', () => {
  it('ingests a file exactly once while the agent is killed with SIGKILL again and again and the database goes away', async () => {
    const total = 200_000;
    const lines = Array.from({ length: total }, (_, i) => `<13>Nov 24 10:00:00 host app[${i % 977}]: faults line ${i} ${'x'.repeat(i % 50)}`);
    const file = path.join(work.dir, 'big.log');
    writeFileSync(file, lines.join('\n') + '\n');
    const configFile = path.join(work.dir, 'kill.yaml');
    writeConfig(configFile, viaProxy(context.db.urls.agent, proxy), {
      state_dir: 'state-kill',
      batch: { max_lines: 5000, max_delay_ms: 100 },
      files: [{ paths: [file], source: 'faults_file', start_at: 'beginning', poll_ms: 50 }],
    });
    const progress: number[] = [];
    for (let kill = 1; kill <= 6; kill++) {
      const before = (await stored('faults_file')).n;
      progress.push(before);
      if (before >= total) break;
      const child = startChild(configFile);
      // Kill it while it works: once it stored something more, after a varying moment.
      await waitFor(async () => (await stored('faults_file')).n > before, 'progress', 60_000);
      await sleep((kill * 137) % 400);
      if (kill === 3) {
        // The database disappears under a running agent, then a kill during the outage.
        await proxy.cut();
        await sleep(700);
        child.kill('SIGKILL');
        await exited(child);
        await proxy.restore();
        continue;
      }
      child.kill('SIGKILL');
      await exited(child);
    }
    progress.push((await stored('faults_file')).n);
    // The kills hit the agent in the middle of the file, not before it started or after it finished.
    expect(progress.some((n) => n > 0 && n < total)).toBe(true);
    if (process.env.AGENT_TEST_LOG) console.log('stored before each start:', progress);
    const finalRun = startChild(configFile);
    try {
      await waitFor(async () => (await stored('faults_file')).n >= total, `${total} lines`, 120_000);
      await sleep(500);
    } finally {
      finalRun.kill('SIGTERM');
      await exited(finalRun);
    }
    const result = await stored('faults_file');
    expect(result).toEqual({ n: total, distinct_n: total, hash: hashOf(lines) });
  }, 240_000);

  it('loses nothing of a TCP syslog stream through a database outage and an agent restart with the sender retrying', async () => {
    const port = await freePort();
    const settings = {
      state_dir: 'state-tcp',
      batch: { max_lines: 1000, max_delay_ms: 50 },
      syslog: [{ protocol: 'tcp', listen: `127.0.0.1:${port}`, source: 'faults_tcp' }],
    };
    const messages = Array.from({ length: 20_000 }, (_, i) => `<13>Nov 24 10:00:00 host app: tcp ${i}`);
    let agent = await startAgent(work.dir, viaProxy(context.db.urls.agent, proxy), settings);

    /** A sender that reconnects until each part it has is written and acknowledged by a clean close. */
    async function send(part: string[]): Promise<void> {
      for (;;) {
        try {
          await new Promise<void>((resolve, reject) => {
            const socket = connect(port, '127.0.0.1', () => socket.end(part.map((m) => `${Buffer.byteLength(m)} ${m}`).join('')));
            socket.on('close', (hadError) => (hadError ? reject(new Error('closed with error')) : resolve()));
            socket.on('error', reject);
          });
          return;
        } catch {
          await sleep(100);
        }
      }
    }
    await send(messages.slice(0, 5000));
    await proxy.cut();
    await send(messages.slice(5000, 10_000));
    await sleep(300);
    await proxy.restore();
    await send(messages.slice(10_000, 15_000));
    // Restart: the sender's next part waits until the listener is back.
    await agent.stop();
    const sending = send(messages.slice(15_000));
    await sleep(300);
    agent = await startAgent(work.dir, viaProxy(context.db.urls.agent, proxy), settings);
    try {
      await sending;
      await waitFor(async () => (await stored('faults_tcp')).n >= messages.length, `${messages.length} messages`, 60_000);
      await sleep(300);
    } finally {
      await agent.stop();
    }
    expect(await stored('faults_tcp')).toEqual({ n: messages.length, distinct_n: messages.length, hash: hashOf(messages) });
  }, 120_000);
});
