import type pg from 'pg';
import { parseIntel, type IntelFormat, type Unsupported } from './formats.ts';

export interface ImportOutcome {
  format: IntelFormat;
  parsed: number;
  inserted: number;
  updated: number;
  rejected: number;
  expired: number;
  unsupported: Unsupported[];
}

/**
 * Parses a feed's text and upserts its indicators in one call of public.import_indicators (which
 * enqueues the retro-hunt of the new ones). `replace` expires the feed's indicators it no longer lists.
 */
export async function importIntel(
  client: Pick<pg.ClientBase, 'query'>,
  feed: string,
  text: string,
  options: { format?: IntelFormat | 'auto'; replace?: boolean } = {},
): Promise<ImportOutcome> {
  const parsed = parseIntel(text, options.format ?? 'auto');
  const { rows } = await client.query<{ inserted: number; updated: number; rejected: number; expired: number }>(
    'select * from public.import_indicators($1, $2, $3)',
    [feed, JSON.stringify(parsed.indicators), options.replace ?? false],
  );
  const counts = rows[0]!;
  const note = parsed.unsupported.length > 0 ? `${parsed.unsupported.length} entries not supported` : null;
  await client.query(
    `update public.threat_feeds set status = 'imported', error = $2, fetched_at = coalesce(fetched_at, now()) where name = $1`,
    [feed, note],
  );
  return { format: parsed.format, parsed: parsed.indicators.length, ...counts, unsupported: parsed.unsupported };
}
