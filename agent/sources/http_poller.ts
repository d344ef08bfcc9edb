import type { HttpSourceConfig } from '../config.ts';
import type { Envelope } from '../envelope.ts';
import type { Logger } from '../log.ts';
import type { AgentMetrics } from '../metrics.ts';
import type { Sink } from '../shipper.ts';

/** Checkpoint of a poller, under `http:<name>`: the cursor for the next poll and a next page still to fetch. */
export interface HttpPosition {
  cursor?: string;
  next?: string;
}

/** Reads `a.b.0.c` out of a JSON value; '' or '.' is the value itself. */
export function valueAt(value: unknown, dotted: string): unknown {
  if (dotted === '' || dotted === '.') return value;
  let current = value;
  for (const part of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** The rel="next" target of a Link header. */
export function linkNext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;(?:.*;)?\s*rel="?next"?/i.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

class HttpStatusError extends Error {
  readonly status: number;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, body: string, retryAfterMs: number | undefined) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Polls an HTTP JSON API every interval: takes the items at `items`, follows next pages (`next_page`
 * or a Link rel="next" header), and remembers a cursor (from the last item or the response) that
 * is sent as a query parameter next time. The cursor is a checkpoint: saved after the items commit.
 */
export class HttpPoller {
  private readonly config: HttpSourceConfig;
  private readonly sink: Sink;
  private readonly log: Logger;
  private readonly metrics: AgentMetrics | undefined;
  private position: HttpPosition;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();

  constructor(config: HttpSourceConfig, sink: Sink, resume: Readonly<Record<string, unknown>>, log: Logger, metrics?: AgentMetrics) {
    this.config = config;
    this.sink = sink;
    this.log = log;
    this.metrics = metrics;
    this.position = (resume[this.key] as HttpPosition | undefined) ?? { cursor: config.cursor?.initial };
  }

  get key(): string {
    return `http:${this.config.name}`;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      setTimeout(resolve, ms);
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pollOnce();
      } catch (error) {
        if (!this.stopped) this.log.error('HTTP poll failed; next try at the next interval', { name: this.config.name, error: (error as Error).message });
      }
      if (!this.stopped) await this.pause(this.config.intervalMs);
    }
  }

  private firstUrl(): string {
    const url = new URL(this.config.url);
    if (this.config.cursor && this.position.cursor !== undefined) url.searchParams.set(this.config.cursor.param, this.position.cursor);
    return url.toString();
  }

  /** One poll: the first page (or a next page a previous run did not reach) and every page after it. */
  async pollOnce(): Promise<number> {
    let url: string | undefined = this.position.next ?? this.firstUrl();
    let total = 0;
    for (let page = 0; url !== undefined && !this.stopped && page < 10_000; page++) {
      const response = await this.fetchWithRetries(url);
      const body: unknown = await response.json();
      const items = valueAt(body, this.config.items);
      if (!Array.isArray(items)) throw new Error(`the response has no list at "${this.config.items || '.'}"`);
      const cursor = this.config.cursor;
      let nextCursor = this.position.cursor;
      if (cursor?.fromItem && items.length > 0) nextCursor = String(valueAt(items[items.length - 1], cursor.fromItem) ?? nextCursor);
      if (cursor?.fromResponse) {
        const found = valueAt(body, cursor.fromResponse);
        if (found !== undefined && found !== null && found !== '') nextCursor = String(found);
      }
      const nextPath = this.config.nextPage ? valueAt(body, this.config.nextPage) : undefined;
      const nextLink = typeof nextPath === 'string' && nextPath !== '' ? nextPath : linkNext(response.headers.get('link'));
      const next: string | undefined = nextLink && items.length > 0 ? new URL(nextLink, url).toString() : undefined;
      this.position = { cursor: nextCursor, next };
      const timestamp = new Date();
      const envelopes: Envelope[] = items.map((item) => ({ timestamp, host: this.config.host, source: this.config.source, raw: Buffer.from(JSON.stringify(item)) }));
      this.metrics?.linesRead.inc({ kind: 'http', source: this.config.source }, envelopes.length);
      await this.sink.add(envelopes, { [this.key]: { ...this.position } });
      total += items.length;
      url = next;
    }
    return total;
  }

  private async fetchWithRetries(url: string): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(url, {
          headers: { accept: 'application/json', ...this.config.headers },
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.config.timeoutMs)]),
        });
        this.metrics?.httpRequests.inc({ name: this.config.name, status: String(response.status) });
        if (response.ok) return response;
        const text = await response.text().catch(() => '');
        const error = new HttpStatusError(response.status, text, retryAfter(response.headers.get('retry-after')));
        // 4xx other than 408/429 will not get better by retrying.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) throw Object.assign(error, { final: true });
        throw error;
      } catch (error) {
        if (this.stopped || (error as { final?: boolean }).final || attempt >= this.config.retries) throw error;
        if (!(error instanceof HttpStatusError)) this.metrics?.httpRequests.inc({ name: this.config.name, status: 'error' });
        const delay = (error as HttpStatusError).retryAfterMs ?? Math.min(1000 * 2 ** attempt, 60_000);
        this.log.warn('HTTP request failed; retrying', { name: this.config.name, attempt: attempt + 1, retry_in_ms: delay, error: (error as Error).message });
        await this.pause(delay);
      }
    }
  }
}
