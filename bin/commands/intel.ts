import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import type { IntelFormat } from '../../worker/intel/formats.ts';
import { importIntel } from '../../worker/intel/import.ts';
import { withOwner } from './with_owner.ts';

const formats = ['auto', 'list', 'csv', 'stix', 'misp'];

function checkFormat(format: string | undefined): IntelFormat | 'auto' {
  const chosen = format ?? 'auto';
  if (!formats.includes(chosen)) throw new ConfigError(`--format ${chosen}: expected one of ${formats.join(', ')}`);
  return chosen as IntelFormat | 'auto';
}

/** `siem intel import <file> [--feed name] [--format f] [--replace]` */
export async function intelImportCommand(config: Config, file: string, options: { feed?: string; format?: string; replace?: boolean }): Promise<void> {
  const format = checkFormat(options.format);
  const feed = options.feed ?? path.basename(file).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 100);
  const text = readFileSync(file, 'utf8');
  const outcome = await withOwner(config, (client) => importIntel(client, feed, text, { format, replace: Boolean(options.replace) }));
  console.log(
    `feed ${feed} (${outcome.format}): ${outcome.parsed} indicators read, ${outcome.inserted} new, ${outcome.updated} updated, ` +
      `${outcome.rejected} rejected (invalid or duplicate)${options.replace ? `, ${outcome.expired} expired` : ''}; ` +
      `${outcome.unsupported.length} entries not supported${outcome.inserted > 0 ? '; the worker retro-hunts the new ones' : ''}`,
  );
  for (const entry of outcome.unsupported.slice(0, 20)) console.log(`  unsupported: ${entry.reason}: ${entry.entry}`);
  if (outcome.unsupported.length > 20) console.log(`  ... and ${outcome.unsupported.length - 20} more`);
}

/** `siem intel feed <name> <url> [--format f] [--every minutes]`: a URL the worker refreshes on schedule. */
export async function intelFeedCommand(config: Config, name: string, url: string, options: { format?: string; every?: number }): Promise<void> {
  const format = checkFormat(options.format);
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`${url}: expected an http:// or https:// URL`);
  const minutes = options.every ?? 60;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10080) throw new ConfigError('--every: minutes from 1 to 10080');
  await withOwner(config, (client) =>
    client.query(
      `insert into public.threat_feeds (name, url, format, refresh_minutes) values ($1, $2, $3, $4)
       on conflict (name) do update set url = excluded.url, format = excluded.format, refresh_minutes = excluded.refresh_minutes, enabled = true`,
      [name, url, format, minutes],
    ),
  );
  console.log(`feed ${name}: ${url} every ${minutes} min (the worker fetches it within 5 minutes)`);
}
