import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createTcpServer, isIPv6, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { SyslogSourceConfig } from '../config.ts';
import type { Envelope } from '../envelope.ts';
import type { Logger } from '../log.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { Sink } from '../shipper.ts';

export interface SyslogMessage {
  bytes: Buffer;
  split: boolean;
}

const LF = 0x0a;

function trimEnd(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === LF || bytes[end - 1] === 0x0d || bytes[end - 1] === 0)) end--;
  return bytes.subarray(0, end);
}

/**
 * Splits a syslog TCP stream into messages, message by message either by octet counting
 * (RFC 6587 3.4.1: "<length> <message>") or by LF (3.4.2): a message that starts with a digit
 * followed by digits and a space is counted, anything else (normally "<PRI>") runs to LF.
 */
export class SyslogStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxMessageBytes: number;

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes;
  }

  push(chunk: Buffer): SyslogMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: SyslogMessage[] = [];
    let from = 0;
    const buffer = this.buffer;
    while (from < buffer.length) {
      const first = buffer[from]!;
      if (first === LF || first === 0x0d) {
        from++;
        continue;
      }
      if (first >= 0x31 && first <= 0x39) {
        let i = from + 1;
        while (i < buffer.length && i - from < 10 && buffer[i]! >= 0x30 && buffer[i]! <= 0x39) i++;
        if (i === buffer.length) break; // the length is not complete yet
        if (buffer[i] === 0x20) {
          const length = Number(buffer.subarray(from, i).toString('latin1'));
          if (buffer.length - (i + 1) < length) break;
          messages.push({ bytes: trimEnd(buffer.subarray(i + 1, i + 1 + length)), split: false });
          from = i + 1 + length;
          continue;
        }
      }
      const lf = buffer.indexOf(LF, from);
      if (lf === -1) {
        if (buffer.length - from > this.maxMessageBytes) {
          messages.push({ bytes: buffer.subarray(from, from + this.maxMessageBytes), split: true });
          from += this.maxMessageBytes;
          continue;
        }
        break;
      }
      const message = trimEnd(buffer.subarray(from, lf));
      if (message.length > this.maxMessageBytes) {
        for (let at = 0; at < message.length; at += this.maxMessageBytes) messages.push({ bytes: message.subarray(at, at + this.maxMessageBytes), split: true });
      } else {
        messages.push({ bytes: message, split: false });
      }
      from = lf + 1;
    }
    // Copy the rest so the big chunk it came from can be freed.
    this.buffer = from >= buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(from));
    return messages;
  }

  /** The connection closed: a last message without its LF still counts. */
  end(): SyslogMessage[] {
    const rest = trimEnd(this.buffer);
    this.buffer = Buffer.alloc(0);
    return rest.length > 0 ? [{ bytes: rest, split: false }] : [];
  }
}

function senderAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Datagrams the kernel dropped on a UDP socket bound to `port` (Linux: the drops column of /proc/net/udp{,6}). */
export async function udpKernelDrops(port: number): Promise<number | undefined> {
  let total: number | undefined;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 13 || !fields[1]!.endsWith(`:${hexPort}`)) continue;
      total = (total ?? 0) + Number(fields[12]);
    }
  }
  return total;
}

/** Listens for syslog over UDP, TCP or TLS; each message becomes an envelope whose host is the sender's address. */
export class SyslogSource {
  private readonly config: SyslogSourceConfig;
  private readonly sink: Sink;
  private readonly log: Logger;
  private readonly metrics: AgentMetrics | undefined;
  private udp: UdpSocket | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private udpPending: Envelope[] = [];
  private udpQueued = 0;
  private dropTimer: NodeJS.Timeout | undefined;
  boundPort = 0;

  constructor(config: SyslogSourceConfig, sink: Sink, log: Logger, metrics?: AgentMetrics) {
    this.config = config;
    this.sink = sink;
    this.log = log;
    this.metrics = metrics;
  }

  private labels() {
    return { source: this.config.source };
  }

  private envelope(message: SyslogMessage, address: string | undefined, timestamp: Date): Envelope {
    return { timestamp, host: senderAddress(address), source: this.config.source, raw: message.bytes, flags: message.split ? ['line_split'] : undefined };
  }

  async start(): Promise<void> {
    if (this.config.protocol === 'udp') await this.startUdp();
    else await this.startStream();
    this.log.info('syslog listening', { protocol: this.config.protocol, host: this.config.host, port: this.boundPort, source: this.config.source });
  }

  private async startUdp(): Promise<void> {
    const socket = createSocket({ type: isIPv6(this.config.host) ? 'udp6' : 'udp4', recvBufferSize: this.config.receiveBufferBytes });
    this.udp = socket;
    socket.on('message', (bytes, info) => this.receiveDatagram(bytes, info.address));
    socket.on('error', (error) => this.log.error('syslog UDP socket error', { error: error.message, port: this.boundPort }));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.config.port, this.config.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.boundPort = socket.address().port;
    this.dropTimer = setInterval(() => {
      void udpKernelDrops(this.boundPort).then((drops) => {
        if (drops !== undefined) this.metrics?.udpKernelDrops.set(this.labels(), drops);
      });
    }, 5000);
    this.dropTimer.unref();
  }

  /** UDP cannot be held back: while the spool is full (or too much waits for it) a datagram is dropped and counted. */
  private receiveDatagram(bytes: Buffer, address: string): void {
    if (this.sink.blocked || this.udpQueued > 100_000) {
      this.metrics?.udpDropped.inc(this.labels());
      return;
    }
    const message = trimEnd(bytes);
    if (message.length === 0) return;
    const split = message.length > this.config.maxMessageBytes;
    this.udpPending.push(this.envelope({ bytes: split ? message.subarray(0, this.config.maxMessageBytes) : message, split }, address, new Date()));
    this.udpQueued += 1;
    if (this.udpPending.length === 1) {
      setImmediate(() => {
        const envelopes = this.udpPending;
        this.udpPending = [];
        this.metrics?.linesRead.inc({ kind: 'syslog_udp', source: this.config.source }, envelopes.length);
        this.sink.add(envelopes).then(
          () => (this.udpQueued -= envelopes.length),
          (error: Error) => {
            this.udpQueued -= envelopes.length;
            this.log.error('syslog UDP messages not accepted', { count: envelopes.length, error: error.message });
          },
        );
      });
    }
  }

  private async startStream(): Promise<void> {
    const tlsConfig = this.config.tls;
    const server = tlsConfig
      ? createTlsServer(
          {
            cert: readFileSync(tlsConfig.cert),
            key: readFileSync(tlsConfig.key),
            ca: tlsConfig.clientCa ? readFileSync(tlsConfig.clientCa) : undefined,
            requestCert: tlsConfig.clientCa !== undefined,
            rejectUnauthorized: tlsConfig.requireClientCert,
          },
          (socket) => this.handleConnection(socket),
        )
      : createTcpServer((socket) => this.handleConnection(socket));
    server.on('tlsClientError', (error: Error, socket: Socket) => {
      this.metrics?.tlsRejected.inc(this.labels());
      this.log.warn('syslog TLS handshake failed', { from: senderAddress(socket.remoteAddress), error: error.message });
    });
    server.on('error', (error) => this.log.error('syslog server error', { error: error.message, port: this.boundPort }));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    this.boundPort = typeof address === 'object' && address ? address.port : 0;
  }

  private handleConnection(socket: Socket): void {
    const framer = new SyslogStreamFramer(this.config.maxMessageBytes);
    const address = socket.remoteAddress;
    this.sockets.add(socket);
    this.metrics?.syslogConnections.inc(this.labels());
    let chain: Promise<unknown> = Promise.resolve();
    const deliver = (messages: SyslogMessage[]) => {
      if (messages.length === 0) return;
      const timestamp = new Date();
      const envelopes = messages.map((message) => this.envelope(message, address, timestamp));
      this.metrics?.linesRead.inc({ kind: `syslog_${this.config.protocol}`, source: this.config.source }, envelopes.length);
      // Stop reading the socket until the spool took them: a full spool holds the sender back.
      socket.pause();
      chain = chain
        .then(() => this.sink.add(envelopes))
        .then(
          () => socket.resume(),
          (error: Error) => {
            this.log.error('syslog messages not accepted; closing the connection', { from: senderAddress(address), error: error.message });
            socket.destroy();
          },
        );
    };
    socket.on('data', (chunk: Buffer) => deliver(framer.push(chunk)));
    socket.on('end', () => deliver(framer.end()));
    socket.on('error', (error) => this.log.debug('syslog connection error', { from: senderAddress(address), error: error.message }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.metrics?.syslogConnections.dec(this.labels());
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.dropTimer);
    if (this.udp) await new Promise<void>((resolve) => this.udp!.close(() => resolve()));
    if (this.server) {
      const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
  }
}
