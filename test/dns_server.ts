import { createSocket, type Socket } from 'node:dgram';

export interface DnsServer {
  /** '127.0.0.1:<port>', as a resolver address. */
  address: string;
  /** Queries received, by name (e.g. 142.69.2.81.in-addr.arpa). */
  queries: string[];
  close(): Promise<void>;
}

function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (message[at] !== 0) {
    const length = message[at]!;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('ascii'));
    at += 1 + length;
  }
  return { name: labels.join('.'), end: at + 1 };
}

function encodeName(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])), Buffer.from([0])]);
}

/**
 * A real DNS server on a loopback UDP port answering PTR queries from a table: names it knows get one
 * PTR record, others NXDOMAIN; names in `silent` get no answer at all (a timeout).
 */
export async function startDnsServer(ptr: Record<string, string>, silent: string[] = []): Promise<DnsServer> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, remote) => {
    const { name, end } = readName(message, 12);
    queries.push(name);
    if (silent.includes(name)) return;
    const question = message.subarray(12, end + 4);
    const answer = ptr[name];
    const header = Buffer.alloc(12);
    message.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180 | (answer ? 0 : 3), 2); // response, RD, RA, rcode NOERROR or NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer ? 1 : 0, 6);
    const parts: Buffer[] = [header, question];
    if (answer) {
      const rdata = encodeName(answer);
      const record = Buffer.alloc(12);
      record.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      record.writeUInt16BE(12, 2); // PTR
      record.writeUInt16BE(1, 4); // IN
      record.writeUInt32BE(300, 6);
      record.writeUInt16BE(rdata.length, 10);
      parts.push(record, rdata);
    }
    socket.send(Buffer.concat(parts), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** The in-addr.arpa name of an IPv4 address. */
export function reverseName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}
