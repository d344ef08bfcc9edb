import type pg from 'pg';
import type { IntelFormat } from './formats.ts';
import { importIntel, type ImportOutcome } from './import.ts';

export interface FeedRow {
  name: string;
  url: string;
  format: IntelFormat | 'auto';
  etag: string | null;
  last_modified: string | null;
}

export type RefreshOutcome = { status: 'not modified' } | { status: 'imported'; outcome: ImportOutcome };

/**
 * Fetches one feed URL conditionally (If-None-Match / If-Modified-Since from the last 200), imports
 * it as the feed's new full content on 200, and records the outcome on the feed row either way.
 */
export async function refreshFeed(client: Pick<pg.ClientBase, 'query'>, feed: FeedRow, timeoutMs = 60_000): Promise<RefreshOutcome> {
  const headers: Record<string, string> = { 'user-agent': 'pgsiem-intel' };
  if (feed.etag) headers['if-none-match'] = feed.etag;
  if (feed.last_modified) headers['if-modified-since'] = feed.last_modified;
  try {
    const response = await fetch(feed.url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    if (response.status === 304) {
      await client.query(`update public.threat_feeds set fetched_at = now(), status = 'not modified', error = null where name = $1`, [feed.name]);
      return { status: 'not modified' };
    }
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    const text = await response.text();
    const outcome = await importIntel(client, feed.name, text, { format: feed.format, replace: true });
    await client.query(`update public.threat_feeds set fetched_at = now(), etag = $2, last_modified = $3 where name = $1`, [
      feed.name,
      response.headers.get('etag'),
      response.headers.get('last-modified'),
    ]);
    return { status: 'imported', outcome };
  } catch (error) {
    await client.query(`update public.threat_feeds set fetched_at = now(), status = 'failed', error = $2 where name = $1`, [feed.name, (error as Error).message]);
    throw error;
  }
}

/** Feeds with a URL whose refresh interval has passed. */
export async function dueFeeds(client: Pick<pg.ClientBase, 'query'>): Promise<FeedRow[]> {
  const { rows } = await client.query<FeedRow>(
    `select name, url, format, etag, last_modified from public.threat_feeds
     where enabled and url is not null and (fetched_at is null or fetched_at + make_interval(mins => refresh_minutes) <= now())
     order by name`,
  );
  return rows;
}
