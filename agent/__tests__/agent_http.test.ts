import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import type { Agent } from '../agent.ts';
import { linkNext, valueAt } from '../sources/http_poller.ts';
import { memoryLogger, rawOf, startAgent, tempDir, waitForRaw } from './helpers.ts';

const context = useAgentDatabase();
let work: ReturnType<typeof tempDir>;
let server: Server;
let port = 0;
const items: { id: number; published: string; message: string }[] = [];
const requests: string[] = [];
let failNext = 0;

function addItems(count: number) {
  for (let i = 0; i < count; i++) {
    const id = items.length;
    items.push({ id, published: new Date(Date.UTC(2026, 10, 24, 10, 0, id)).toISOString(), message: `event ${id}` });
  }
}

/** A cloud log API: bearer token, `since` cursor (exclusive), pages of 10 with a next link. */
beforeAll(async () => {
  work = tempDir('http');
  addItems(25);
  server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    requests.push(url.search);
    if (request.headers.authorization !== 'Bearer s3cret') return void response.writeHead(401).end('no');
    if (failNext > 0) {
      failNext--;
      return void response.writeHead(503, { 'retry-after': '0' }).end('busy');
    }
    const since = url.searchParams.get('since') ?? '';
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const matching = items.filter((item) => item.published > since);
    const page = matching.slice(offset, offset + 10);
    const next = offset + 10 < matching.length ? `/logs?since=${encodeURIComponent(since)}&offset=${offset + 10}` : null;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { items: page }, links: { next } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  work.remove();
});

describe('agent: HTTP API poller', () => {
  it('reads paths and Link headers', () => {
    expect(valueAt({ a: { b: [1, { c: 2 }] } }, 'a.b.1.c')).toBe(2);
    expect(linkNext('<https://x/?p=1>; rel="prev", <https://x/?p=3>; rel="next"')).toBe('https://x/?p=3');
  });

  it('follows pages, retries a 503, keeps its cursor across a restart, and stores every item once', async () => {
    process.env.TEST_API_TOKEN = 's3cret';
    const settings = {
      http: [
        {
          name: 'cloud',
          url: `http://127.0.0.1:${port}/logs`,
          interval_ms: 200,
          headers: { Authorization: 'Bearer ${TEST_API_TOKEN}' },
          items: 'data.items',
          next_page: 'links.next',
          cursor: { param: 'since', from_item: 'published' },
          source: 'cloud',
        },
      ],
    };
    failNext = 1;
    const log = memoryLogger();
    let agent: Agent | undefined = await startAgent(work.dir, context.db.urls.agent, settings, log);
    try {
      await waitForRaw(context.db.pool, 'cloud', 25);
      addItems(5);
      await waitForRaw(context.db.pool, 'cloud', 30);
      await agent.stop();
      agent = undefined;
      requests.length = 0;
      addItems(3);
      agent = await startAgent(work.dir, context.db.urls.agent, settings);
      await waitForRaw(context.db.pool, 'cloud', 33);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      await agent?.stop();
    }
    const stored = (await rawOf(context.db.pool, 'cloud')).map((raw) => JSON.parse(raw).id as number);
    expect(stored.sort((a, b) => a - b)).toEqual(items.map((item) => item.id));
    // After the restart the first request already carried the saved cursor.
    expect(new URLSearchParams(requests[0]).get('since')).toBe(items[29]!.published);
    expect(log.records.filter((record) => record.msg === 'HTTP request failed; retrying')).toHaveLength(1);
  });
});
