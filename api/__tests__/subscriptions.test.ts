import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { startTestApi, type TestApi } from './api_helpers.ts';

let db: TestDatabase;
let t: TestApi;
let token: string;
let agentPool: pg.Pool;
const clients: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApi(db);
  token = (await t.user('analyst')).token;
  agentPool = new pg.Pool({ connectionString: db.urls.agent, max: 2 });
});
afterAll(async () => {
  for (const client of clients) await client.dispose();
  await agentPool.end();
  await t.stop();
  await db.drop();
});

function connect(authorization?: string): Client {
  const client = createClient({
    url: t.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

interface Message {
  data?: { eventsAdded: { count: number; events: { message: string; host: string; eventType: string }[] } | null };
  errors?: { message: string }[];
}

/** Subscribes, and collects messages until `count` arrived (or an error / completion). */
function collect(client: Client, query: string, variables: Record<string, unknown>, count: number) {
  const messages: Message[] = [];
  let unsubscribe = () => {};
  const done = new Promise<Message[]>((resolve, reject) => {
    unsubscribe = client.subscribe<Message['data']>({ query, variables }, {
      next: (message) => {
        const tail = (message as Message).data?.eventsAdded;
        if (tail && tail.count === 0) return; // a batch with nothing for this subscriber
        messages.push(message as Message);
        if (messages.length >= count) resolve(messages);
      },
      error: (error) => (Array.isArray(error) ? resolve([{ errors: error }]) : reject(error instanceof Error ? error : new Error(JSON.stringify(error)))),
      complete: () => resolve(messages),
    });
  });
  return { done, stop: () => unsubscribe() };
}

const tail = `subscription Tail($eventTypes: [String], $q: String, $hosts: [String]) {
  eventsAdded(eventTypes: $eventTypes, q: $q, hosts: $hosts) { count events { message host eventType } }
}`;

describe('live tail subscriptions', () => {
  it('sends each ingested batch once, filtered for the subscriber', async () => {
    const client = connect(`Bearer ${token}`);
    const all = collect(client, tail, {}, 2);
    const filtered = collect(client, tail, { q: 'needle', hosts: ['db-1'] }, 1);
    const none = collect(client, tail, { eventTypes: ['no_such_type'] }, 1);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let LISTEN start
    await sendBatch(agentPool, 'test', makeBatch(['first line', 'needle in web-1', 'third line'], { host: 'web-1' }));
    await sendBatch(agentPool, 'test', makeBatch(['a needle in db-1', 'hay'], { host: 'db-1' }));
    const messages = await all.done;
    expect(messages.map((m) => m.data!.eventsAdded!.count)).toEqual([3, 2]);
    expect(messages[0]!.data!.eventsAdded!.events.map((e) => e.message).sort()).toEqual(['first line', 'needle in web-1', 'third line']);
    const [only] = await filtered.done;
    expect(only!.data!.eventsAdded!.events).toEqual([{ message: 'a needle in db-1', host: 'db-1', eventType: expect.any(String) }]);
    const extra = await Promise.race([none.done.then(() => 'message'), new Promise((resolve) => setTimeout(() => resolve('nothing'), 300))]);
    expect(extra).toBe('nothing');
    all.stop();
    filtered.stop();
    none.stop();
  });

  it('refuses anonymous subscribers', async () => {
    const client = connect();
    const result = collect(client, tail, {}, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sendBatch(agentPool, 'test', makeBatch(['secret line']));
    const [message] = await result.done;
    expect(JSON.stringify(message)).toMatch(/permission denied/);
    expect(JSON.stringify(message)).not.toContain('secret line');
  });

  it('relays alert notifications to logged-in subscribers only', async () => {
    const client = connect(`Bearer ${token}`);
    const received = new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: 'subscription { alertsChanged { payload } }' }, { next: resolve, error: reject, complete: () => {} });
    });
    const anonymous = connect();
    const refused = new Promise<unknown>((resolve) => {
      anonymous.subscribe({ query: 'subscription { alertsChanged { payload } }' }, { next: resolve, error: resolve, complete: () => {} });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await db.pool.query(`select pg_notify('siem_alerts', '{"alert_id": 42, "status": "open"}')`);
    expect(await received).toEqual({ data: { alertsChanged: { payload: { alert_id: 42, status: 'open' } } } });
    expect(JSON.stringify(await refused)).toMatch(/log in to subscribe/);
  });

  it('refuses a bad token at subscription time', async () => {
    const client = connect('Bearer nonsense');
    const result = collect(client, tail, {}, 1);
    await expect(result.done.then((m) => JSON.stringify(m))).resolves.toMatch(/invalid token/);
  });
});
