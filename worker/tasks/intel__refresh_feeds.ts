import type { Task } from 'graphile-worker';
import { dueFeeds, refreshFeed } from '../intel/fetch.ts';

/** From the crontab: fetches every enabled URL feed whose refresh interval has passed. */
export const intelRefreshFeeds: Task = async (_payload, helpers) => {
  const feeds = await helpers.withPgClient((client) => dueFeeds(client));
  for (const feed of feeds) {
    try {
      const result = await helpers.withPgClient((client) => refreshFeed(client, feed));
      helpers.logger.info(
        result.status === 'imported'
          ? `feed ${feed.name}: ${result.outcome.inserted} new, ${result.outcome.updated} updated, ${result.outcome.expired} expired, ${result.outcome.unsupported.length} unsupported entries`
          : `feed ${feed.name}: not modified`,
      );
    } catch (error) {
      helpers.logger.error(`feed ${feed.name}: ${(error as Error).message}`);
    }
  }
  await helpers.withPgClient((client) => client.query('select siem_private.dns_cache_purge()'));
};
