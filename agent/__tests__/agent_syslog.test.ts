import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import path from 'node:path';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import type { Agent } from '../agent.ts';
import { rawOf, startAgent, tempDir, waitFor, waitForRaw } from './helpers.ts';

const context = useAgentDatabase();
let work: ReturnType<typeof tempDir>;
let agent: Agent;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl for this run. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=siem test CA');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const name of ['server', 'client']) {
    run('req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...(name === 'server' ? ['-extfile', 'server.ext'] : []));
  }
}

beforeAll(async () => {
  work = tempDir('syslog');
  makeCertificates(work.dir);
  agent = await startAgent(work.dir, context.db.urls.agent, {
    metrics: { port: 0 },
    syslog: [
      { protocol: 'udp', listen: '127.0.0.1:0', source: 'sys_udp' },
      { protocol: 'tcp', listen: '127.0.0.1:0', source: 'sys_tcp' },
      { protocol: 'tls', listen: '127.0.0.1:0', source: 'sys_tls', tls: { cert: 'server.crt', key: 'server.key', client_ca: 'ca.crt' } },
    ],
  });
});
afterAll(async () => {
  await agent?.stop();
  work.remove();
});

function sendTcp(port: number, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.end(payload));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

describe('agent: syslog', () => {
  it('stores UDP datagrams with the sender address as host', async () => {
    const socket = createSocket('udp4');
    for (let i = 0; i < 50; i++) socket.send(`<13>Nov 24 10:00:00 web-01 app: udp ${i}\n`, agent.syslogPorts[0]!, '127.0.0.1');
    const stored = await waitForRaw(context.db.pool, 'sys_udp', 50);
    socket.close();
    expect(stored.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `<13>Nov 24 10:00:00 web-01 app: udp ${i}`).sort());
    const { rows } = await context.db.pool.query("select distinct host from events_raw where source = 'sys_udp'");
    expect(rows).toEqual([{ host: '127.0.0.1' }]);
  });

  it('reads TCP with LF framing and with octet counting (a message holding LF stays whole)', async () => {
    const port = agent.syslogPorts[1]!;
    const counted = '<14>Nov 24 10:00:01 db-01 app: two\nlines';
    await sendTcp(port, '<13>Nov 24 10:00:00 web-01 app: lf one\r\n<13>Nov 24 10:00:00 web-01 app: lf two\n' + `${Buffer.byteLength(counted)} ${counted}`);
    const big = Array.from({ length: 2000 }, (_, i) => `<13>Nov 24 10:00:02 web-02 app: bulk ${i}\n`).join('');
    await sendTcp(port, big);
    const stored = await waitForRaw(context.db.pool, 'sys_tcp', 2003);
    expect(stored).toContain(counted);
    expect(stored).toContain('<13>Nov 24 10:00:00 web-01 app: lf one');
    expect(new Set(stored).size).toBe(2003);
  });

  it('accepts TLS from a client with a certificate the CA signed and refuses one without', async () => {
    const port = agent.syslogPorts[2]!;
    const ca = readFileSync(path.join(work.dir, 'ca.crt'));
    await new Promise<void>((resolve, reject) => {
      const socket = connectTls({ port, host: '127.0.0.1', ca, cert: readFileSync(path.join(work.dir, 'client.crt')), key: readFileSync(path.join(work.dir, 'client.key')) }, () =>
        socket.end('<13>Nov 24 10:00:00 web-01 app: over tls\n'),
      );
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    expect(await waitForRaw(context.db.pool, 'sys_tls', 1)).toEqual(['<13>Nov 24 10:00:00 web-01 app: over tls']);

    await new Promise<void>((resolve) => {
      const socket = connectTls({ port, host: '127.0.0.1', ca }, () => socket.write('<13>Nov 24 10:00:00 web-01 app: no cert\n'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    await waitFor(async () => (await agent.metrics!.tlsRejected.get()).values[0]?.value === 1, 'the refused handshake to be counted');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await rawOf(context.db.pool, 'sys_tls')).toHaveLength(1);
  });

  it('serves Prometheus metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
    expect(text).toMatch(/siem_agent_lines_read_total\{kind="syslog_udp",source="sys_udp"\} 50/);
    expect(text).toMatch(/siem_agent_batches_total\{outcome="stored"\} \d+/);
    expect(text).toMatch(/siem_agent_syslog_udp_dropped_total/);
  });
});
