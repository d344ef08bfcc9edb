import { execFile } from 'node:child_process';
import type { WindowsEventlogConfig } from '../config.ts';
import type { Envelope } from '../envelope.ts';
import type { Logger } from '../log.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { Sink } from '../shipper.ts';
import { WindowsXmlFramer } from './framing.ts';

/** Checkpoint of a channel, under `wevtutil:<channel>`: the last EventRecordID stored. */
export interface ChannelPosition {
  recordId: number;
}

function wevtutil(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('wevtutil', args, { maxBuffer: 256 * 1024 * 1024, windowsHide: true }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** The `wevtutil qe` arguments for the events of a channel after a record id, oldest first. */
export function queryArguments(channel: string, afterRecordId: number, count: number): string[] {
  return ['qe', channel, `/q:*[System[(EventRecordID>${afterRecordId})]]`, '/f:xml', `/c:${count}`, '/rd:false'];
}

/**
 * Windows only: polls event log channels with `wevtutil qe`, remembering the last EventRecordID of
 * each channel as a checkpoint (a new channel starts at its newest event). Each event's XML becomes
 * its JSON (System + EventData), as exported files do.
 */
export class WevtutilSource {
  private readonly config: WindowsEventlogConfig;
  private readonly sink: Sink;
  private readonly log: Logger;
  private readonly metrics: AgentMetrics | undefined;
  private readonly recordIds = new Map<string, number>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(config: WindowsEventlogConfig, sink: Sink, resume: Readonly<Record<string, unknown>>, log: Logger, metrics?: AgentMetrics) {
    this.config = config;
    this.sink = sink;
    this.log = log;
    this.metrics = metrics;
    for (const channel of config.channels) {
      const saved = resume[`wevtutil:${channel}`] as ChannelPosition | undefined;
      if (saved) this.recordIds.set(channel, saved.recordId);
    }
  }

  start(): void {
    if (process.platform !== 'win32') {
      this.log.warn('windows_eventlog needs Windows (wevtutil); ignored on this platform', { platform: process.platform });
      return;
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async newestRecordId(channel: string): Promise<number> {
    const xml = await wevtutil(['qe', channel, '/f:xml', '/c:1', '/rd:true']);
    const match = /<EventRecordID>(\d+)<\/EventRecordID>/.exec(xml);
    return match ? Number(match[1]) : 0;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      for (const channel of this.config.channels) {
        try {
          await this.pollChannel(channel);
        } catch (error) {
          this.log.error('wevtutil query failed', { channel, error: (error as Error).message });
        }
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.config.intervalMs);
      });
    }
  }

  private async pollChannel(channel: string): Promise<void> {
    if (!this.recordIds.has(channel)) this.recordIds.set(channel, await this.newestRecordId(channel));
    for (;;) {
      const after = this.recordIds.get(channel)!;
      const xml = await wevtutil(queryArguments(channel, after, this.config.batchSize));
      const records = new WindowsXmlFramer().push(Buffer.from(xml), 0);
      if (records.length === 0) return;
      let last = after;
      const timestamp = new Date();
      const envelopes: Envelope[] = records.map((record) => {
        const id = /"EventRecordID":"(\d+)"/.exec(record.bytes.toString('utf8'));
        if (id) last = Math.max(last, Number(id[1]));
        return { timestamp, host: '', source: this.config.source, raw: record.bytes, flags: record.flags };
      });
      for (const envelope of envelopes) {
        const computer = /"Computer":"([^"]*)"/.exec(envelope.raw.toString('utf8'));
        envelope.host = computer?.[1] ?? 'windows';
      }
      this.metrics?.linesRead.inc({ kind: 'wevtutil', source: this.config.source }, envelopes.length);
      this.recordIds.set(channel, last);
      await this.sink.add(envelopes, { [`wevtutil:${channel}`]: { recordId: last } satisfies ChannelPosition });
      if (records.length < this.config.batchSize) return;
    }
  }
}
