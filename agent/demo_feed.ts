import type pg from 'pg';
import { Batcher } from './batch_sender.ts';
import { sampleEnvelope, seededRandom } from './demo.ts';

export interface DemoFeedOptions {
  pool: pg.Pool;
  eventsPerSecond: number;
  log: (message: string) => void;
}

/** Sends sample events through the real ingest path, a tick every 250 ms, until stopped. */
export function startDemoFeed({ pool, eventsPerSecond, log }: DemoFeedOptions): { stop(): Promise<void> } {
  const random = seededRandom(Date.now());
  const batcher = new Batcher({ pool, agent: 'demo', maxLines: 10_000, maxDelayMs: 1000 });
  const tickMs = 250;
  let owed = 0;
  let reported = false;
  const timer = setInterval(() => {
    owed += (eventsPerSecond * tickMs) / 1000;
    const count = Math.floor(owed);
    owed -= count;
    const now = new Date();
    const envelopes = Array.from({ length: count }, () => sampleEnvelope(random, now));
    batcher.add(envelopes).catch((error: Error) => {
      if (!reported) log(`demo feed: ${error.message}`);
      reported = true;
    });
  }, tickMs);
  return {
    async stop() {
      clearInterval(timer);
      await batcher.close().catch(() => {});
    },
  };
}
