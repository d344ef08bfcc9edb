import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arpaName, ReverseDns } from '../enrichment/rdns.ts';
import { reverseName, startDnsServer, type DnsServer } from '../../test/dns_server.ts';

let server: DnsServer;
beforeAll(async () => {
  server = await startDnsServer({ [reverseName('81.2.69.142')]: 'mail.example.co.uk' }, [reverseName('81.2.69.1')]);
});
afterAll(() => server.close());

describe('ReverseDns against a DNS server on loopback', () => {
  it('answers PTR names, NXDOMAIN and timeouts', async () => {
    const dns = new ReverseDns({ enabled: true, servers: [server.address], timeoutMs: 300, concurrency: 4, inlineMs: 0 });
    expect(await dns.reverse('81.2.69.142')).toEqual({ ip: '81.2.69.142', ptr: 'mail.example.co.uk', status: 'ok' });
    expect(await dns.reverse('81.2.69.160')).toEqual({ ip: '81.2.69.160', ptr: null, status: 'nxdomain' });
    const started = performance.now();
    expect((await dns.reverse('81.2.69.1')).status).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('keeps at most `concurrency` lookups in flight', async () => {
    const dns = new ReverseDns({ enabled: true, servers: [server.address], timeoutMs: 200, concurrency: 2, inlineMs: 0 });
    const silent = [reverseName('81.2.69.1')];
    expect(silent).toHaveLength(1);
    // four timeouts of 200 ms with two lanes take about 400 ms, not 200 ms
    const started = performance.now();
    const answers = await dns.reverseAll(['81.2.69.1', '81.2.69.1', '81.2.69.1', '81.2.69.1']);
    const elapsed = performance.now() - started;
    expect(answers.map((a) => a.status)).toEqual(['timeout', 'timeout', 'timeout', 'timeout']);
    expect(elapsed).toBeGreaterThanOrEqual(380);
  });
});

describe('ReverseDns.reverseWithin', () => {
  it('returns the answers that arrived within the budget and leaves slow lookups behind', async () => {
    const dns = new ReverseDns({ enabled: true, servers: [server.address], timeoutMs: 1000, concurrency: 2, inlineMs: 0 });
    const started = performance.now();
    const answers = await dns.reverseWithin(['81.2.69.142', '81.2.69.1', '81.2.69.160'], 300);
    expect(performance.now() - started).toBeLessThan(700);
    expect(answers.map((a) => a.ip).sort()).toEqual(['81.2.69.142', '81.2.69.160']);
    dns.cancel();
  });
});

describe('arpaName', () => {
  it('spells IPv4 and IPv6 reverse names', () => {
    expect(arpaName('81.2.69.142')).toBe('142.69.2.81.in-addr.arpa');
    expect(arpaName('2001:db8::1')).toBe('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    expect(arpaName('::ffff:1.2.3.4')).toBe('4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa');
  });
});
