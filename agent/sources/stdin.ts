import type { Readable } from 'node:stream';
import type { Envelope } from '../envelope.ts';
import { readLines } from '../lines.ts';
import type { Logger } from '../log.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { Sink } from '../shipper.ts';

/** Lines from a pipe (standard input). A pipe cannot be re-read, so it has no checkpoint. */
export class StdinSource {
  private readonly config: { source: string; host: string };
  private readonly sink: Sink;
  private readonly input: Readable;
  private readonly log: Logger;
  private readonly metrics: AgentMetrics | undefined;
  /** Resolves when the input ended and every line was handed over. */
  finished: Promise<void> = Promise.resolve();

  constructor(config: { source: string; host: string }, sink: Sink, input: Readable, log: Logger, metrics?: AgentMetrics) {
    this.config = config;
    this.sink = sink;
    this.input = input;
    this.log = log;
    this.metrics = metrics;
  }

  start(): void {
    this.finished = this.run().catch((error: Error) => this.log.error('stdin source failed', { error: error.message }));
  }

  private async run(): Promise<void> {
    let lines = 0;
    for await (const chunk of readLines(this.input)) {
      const timestamp = new Date();
      const envelopes: Envelope[] = chunk.map((line) => ({ timestamp, host: this.config.host, source: this.config.source, raw: line.bytes, flags: line.split ? ['line_split'] : undefined }));
      this.metrics?.linesRead.inc({ kind: 'stdin', source: this.config.source }, envelopes.length);
      await this.sink.add(envelopes);
      lines += envelopes.length;
    }
    this.log.info('stdin ended', { lines });
  }

  async stop(): Promise<void> {
    this.input.pause();
  }
}
