import { BlockList, isIP } from 'node:net';

/** Special-purpose ranges (RFC 6890 and friends): labelled, never looked up. */
const ranges: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared address space'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b:1::', 48, 'ipv6', 'private'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const lists = new Map<string, BlockList>();
// One list of every range first: most addresses are public, and they then cost one check, not ten.
const any = new BlockList();
for (const [network, prefix, family, label] of ranges) {
  any.addSubnet(network, prefix, family);
  let list = lists.get(label);
  if (!list) lists.set(label, (list = new BlockList()));
  list.addSubnet(network, prefix, family);
}

// IPv4 ranges as [network, mask, label] integers: a dotted quad is checked without BlockList's parsing.
const ipv4Ranges = ranges
  .filter(([, , family]) => family === 'ipv4')
  .map(([network, prefix, , label]) => {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    return [(ipv4Number(network)! & mask) >>> 0, mask, label] as const;
  });

function ipv4Number(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!/^\d{1,3}$/.test(part) || octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

/** The label of the special-purpose range holding `ip` ('private', 'loopback', ...), or undefined. */
export function reservedRange(ip: string): string | undefined {
  const v4 = ipv4Number(ip);
  if (v4 !== undefined) {
    for (const [network, mask, label] of ipv4Ranges) if (((v4 & mask) >>> 0) === network) return label;
    return undefined;
  }
  const family = isIP(ip);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged by its IPv4 part.
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1] : undefined;
  if (!(mapped ? any.check(mapped, 'ipv4') : any.check(ip, type))) return undefined;
  for (const [label, list] of lists) {
    if (mapped ? list.check(mapped, 'ipv4') : list.check(ip, type)) return label;
  }
  return undefined;
}

/** An address enrichment can use: IPv4 or IPv6 text without zone id (PostgreSQL's inet refuses those). */
export function isAddress(value: string): boolean {
  return value.length <= 45 && !value.includes('%') && isIP(value) !== 0;
}
