import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { rawOf, startAgent, tempDir, waitFor, waitForRaw } from './helpers.ts';
import { TcpProxy, viaProxy } from './tcp_proxy.ts';

const context = useAgentDatabase();
let work: ReturnType<typeof tempDir>;
let proxy: TcpProxy;

beforeAll(async () => {
  work = tempDir('spool');
  const target = new URL(context.db.urls.agent);
  proxy = new TcpProxy({ host: target.hostname, port: Number(target.port) });
  await proxy.start();
});
afterAll(async () => {
  await proxy.cut();
  work.remove();
});

describe('agent: spool', () => {
  it('holds files back when the spool is full during an outage, counts dropped UDP, and then delivers every line once', async () => {
    const total = 40_000;
    const lines = Array.from({ length: total }, (_, i) => `spooled line ${i} ${'y'.repeat(40)}`);
    const file = path.join(work.dir, 'spool.log');
    writeFileSync(file, lines.join('\n') + '\n');
    await proxy.cut();
    const agent = await startAgent(work.dir, viaProxy(context.db.urls.agent, proxy), {
      batch: { max_lines: 1000, max_delay_ms: 50 },
      spool: { max_bytes: 1024 * 1024 },
      files: [{ paths: [file], source: 'spooled', start_at: 'beginning', poll_ms: 20 }],
      syslog: [{ protocol: 'udp', listen: '127.0.0.1:0', source: 'spooled_udp' }],
    });
    try {
      await waitFor(async () => (await agent.metrics!.spoolFull.get()).values[0]?.value === 1, 'the spool to fill');
      const spoolBytes = (await agent.metrics!.spoolBytes.get()).values[0]!.value;
      // Full means just over the limit: one batch more at most, not the whole file.
      expect(spoolBytes).toBeGreaterThanOrEqual(1024 * 1024);
      expect(spoolBytes).toBeLessThan(1024 * 1024 + 200_000);
      const udp = createSocket('udp4');
      for (let i = 0; i < 20; i++) udp.send(`<13>dropped ${i}`, agent.syslogPorts[0]!, '127.0.0.1');
      await waitFor(async () => (await agent.metrics!.udpDropped.get()).values[0]?.value === 20, '20 counted drops');
      udp.close();

      // Nothing committed yet, so no checkpoint moved: a crash now would resend the spool and re-read the rest.
      const checkpoints = path.join(work.dir, 'state', 'checkpoints.json');
      expect(existsSync(checkpoints)).toBe(false);
      expect(readdirSync(path.join(work.dir, 'state', 'spool')).length).toBeGreaterThan(0);

      await proxy.restore();
      const stored = await waitForRaw(context.db.pool, 'spooled', total, 60_000);
      expect(new Set(stored).size).toBe(total);
      expect(await agent.drain(10_000)).toBe(true);
      expect((await agent.metrics!.spoolBytes.get()).values[0]!.value).toBe(0);
      expect(await rawOf(context.db.pool, 'spooled_udp')).toEqual([]);
      const saved = Object.values((JSON.parse(readFileSync(checkpoints, 'utf8')) as { positions: Record<string, { offset: number }> }).positions);
      expect(saved.map((position) => position.offset)).toEqual([statSync(file).size]);
      expect(readdirSync(path.join(work.dir, 'state', 'spool'))).toEqual([]);
    } finally {
      await agent.stop();
    }
  });
});
