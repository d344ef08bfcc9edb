import { Resolver } from 'node:dns/promises';
import { isIPv4 } from 'node:net';

export interface ReverseDnsOptions {
  enabled: boolean;
  /** Resolver addresses ('127.0.0.1', '[::1]:53', '10.0.0.2:5353'); empty: the system's. */
  servers: string[];
  timeoutMs: number;
  /** Lookups in flight at once, per worker process. */
  concurrency: number;
  /** How long the enrichment job itself may spend resolving uncached addresses; the rest follow later. */
  inlineMs: number;
}

export type DnsStatus = 'ok' | 'nxdomain' | 'timeout' | 'error';

export interface DnsAnswer {
  ip: string;
  ptr: string | null;
  status: DnsStatus;
}

function statusOf(error: unknown): DnsStatus {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'ENODATA') return 'nxdomain';
  if (code === 'ETIMEOUT') return 'timeout';
  return 'error';
}

/** The in-addr.arpa or ip6.arpa name whose PTR record names `ip`. */
export function arpaName(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  let text = ip.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, v4.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const nibbles = groups.map((group) => group.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}

/** Reverse lookups (PTR) with a timeout and at most `concurrency` queries in flight. */
export class ReverseDns {
  private readonly resolver: Resolver;
  readonly options: ReverseDnsOptions;

  constructor(options: ReverseDnsOptions) {
    this.options = options;
    // tries: 1, so the timeout is the whole budget of one lookup
    this.resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
    if (options.servers.length > 0) this.resolver.setServers(options.servers);
  }

  async reverse(ip: string): Promise<DnsAnswer> {
    try {
      // resolvePtr rather than reverse(): it reports timeouts as ETIMEOUT instead of ENOTFOUND
      const names = await this.resolver.resolvePtr(arpaName(ip));
      return names.length > 0 ? { ip, ptr: names[0]!, status: 'ok' } : { ip, ptr: null, status: 'nxdomain' };
    } catch (error) {
      return { ip, ptr: null, status: statusOf(error) };
    }
  }

  async reverseAll(ips: string[]): Promise<DnsAnswer[]> {
    return this.reverseWithin(ips, Infinity);
  }

  /**
   * The answers that arrive within `budgetMs`: no lookup starts after it, and lookups still in flight
   * then are left behind (their addresses are simply not in the result).
   */
  async reverseWithin(ips: string[], budgetMs: number): Promise<DnsAnswer[]> {
    const answers: DnsAnswer[] = [];
    const deadline = performance.now() + budgetMs;
    let next = 0;
    const lane = async () => {
      while (next < ips.length && performance.now() < deadline) {
        const answer = await this.reverse(ips[next++]!);
        if (performance.now() <= deadline || budgetMs === Infinity) answers.push(answer);
      }
    };
    const lanes = Promise.all(Array.from({ length: Math.min(this.options.concurrency, ips.length) }, lane));
    if (budgetMs === Infinity) await lanes;
    else {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([lanes, new Promise((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
      clearTimeout(timer);
    }
    return [...answers];
  }

  cancel(): void {
    this.resolver.cancel();
  }
}

/** What enrichment stores under enrichment.dns.<field>. */
export function dnsContext(answer: { ptr: string | null; status: string }): { ptr: string } | { status: string } {
  return answer.ptr ? { ptr: answer.ptr } : { status: answer.status };
}
