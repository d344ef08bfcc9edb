import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/database.ts';
import { dueFeeds, refreshFeed } from '../intel/fetch.ts';

let db: TestDatabase;
let server: Server;
let url: string;
let body = '# feed v1\n1.2.3.4\n5.6.7.8\n';
let etag = '"v1"';
const lastModified = 'Tue, 24 Nov 2026 10:00:00 GMT';
const requests: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  server = createServer((request, response) => {
    requests.push(request.headers);
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304).end();
      return;
    }
    if (request.url === '/broken') {
      response.writeHead(500).end('oops');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain', etag, 'last-modified': lastModified }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.drop();
});

describe('feed refresh over HTTP (local server)', () => {
  it('imports on 200, sends If-None-Match/If-Modified-Since next time, and replaces on change', async () => {
    await db.pool.query(`insert into threat_feeds (name, url, refresh_minutes) values ('local', $1, 60), ('down', $2, 60)`, [`${url}/list`, `${url}/broken`]);
    const client = await db.pool.connect();
    try {
      const due = await dueFeeds(client);
      expect(due.map((f) => f.name)).toEqual(['down', 'local']);
      const local = due.find((f) => f.name === 'local')!;
      const first = await refreshFeed(client, local);
      expect(first).toMatchObject({ status: 'imported', outcome: { inserted: 2 } });
      expect(requests.at(-1)!['if-none-match']).toBeUndefined();

      const [stored] = (await client.query(`select name, url, format, etag, last_modified from threat_feeds where name = 'local'`)).rows;
      expect(stored).toMatchObject({ etag: '"v1"', last_modified: lastModified });
      expect(await refreshFeed(client, stored)).toEqual({ status: 'not modified' });
      expect(requests.at(-1)).toMatchObject({ 'if-none-match': '"v1"', 'if-modified-since': lastModified });
      expect((await dueFeeds(client)).map((f) => f.name)).toEqual(['down']);

      body = '# feed v2\n5.6.7.8\n9.9.9.9\n';
      etag = '"v2"';
      const changed = await refreshFeed(client, stored);
      expect(changed).toMatchObject({ status: 'imported', outcome: { inserted: 1, updated: 1, expired: 1 } });
      const live = await client.query(`select value from threat_indicators where feed = 'local' and (expires_at is null or expires_at > now()) order by value`);
      expect(live.rows.map((r) => r.value)).toEqual(['5.6.7.8', '9.9.9.9']);

      await expect(refreshFeed(client, due.find((f) => f.name === 'down')!)).rejects.toThrow(/HTTP 500/);
      const down = await client.query(`select status, error from threat_feeds where name = 'down'`);
      expect(down.rows).toEqual([{ status: 'failed', error: 'HTTP 500 Internal Server Error' }]);
    } finally {
      client.release();
    }
  });
});
