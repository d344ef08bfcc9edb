import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';
import { startWorker, type Worker } from '../run.ts';

const context = useAgentDatabase();
let worker: Worker;
let server: SMTPServer;
let attempts = 0;

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  // A real SMTP server that refuses the first message (451, temporary) and accepts the next.
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => {
        attempts++;
        if (attempts === 1) {
          const error = new Error('mailbox busy, try later') as Error & { responseCode: number };
          error.responseCode = 451;
          callback(error);
        } else {
          callback();
        }
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  await createSshThresholdRule(context.db.pool);
  worker = await startWorker({
    connectionString: context.db.urls.owner,
    concurrency: 2,
    partitionDaysAhead: 2,
    mail: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'siem@test.invalid', to: ['soc@test.invalid'], publicUrl: 'http://siem.test' },
    log: () => {},
  });
});

afterAll(async () => {
  await worker?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('alerts__notify', () => {
  it('records a refused delivery, retries it through graphile-worker, and records the success', async () => {
    await ingestLines(context.agentPool, failedSshLines(10, new Date('2026-11-24T10:00:00Z'), '198.51.100.77'));
    const sent = await waitFor(async () => (await context.db.pool.query(`select * from alert_notifications where status = 'sent'`)).rows[0]);
    expect(sent.message_id).toMatch(/@/);
    const log = await context.db.pool.query('select status, error from alert_notifications order by id');
    expect(log.rows).toEqual([
      { status: 'failed', error: expect.stringMatching(/451 mailbox busy/) },
      { status: 'sent', error: null },
    ]);
    const history = await context.db.pool.query(`select action from alert_history order by id`);
    expect(history.rows.map((row) => row.action)).toEqual(['created', 'notify_failed', 'notified']);
    expect((await context.db.pool.query('select notified_at is not null as notified from alerts')).rows).toEqual([{ notified: true }]);
  });
});
