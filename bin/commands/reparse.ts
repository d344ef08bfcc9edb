import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import { withOwner } from './with_owner.ts';

/** `--since`: an ISO time or date, or a relative `-<n>[mhd]` (minutes, hours, days ago). */
export function parseSince(value: string, now = new Date()): Date {
  const relative = /^-(\d+)([mhd])$/.exec(value.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new ConfigError(`--since ${value}: expected a time such as 2026-11-24T10:00:00Z, a date, or -24h`);
  return parsed;
}

interface ReparseResult {
  examined: number;
  events_updated: number;
  moved_to_events: number;
  still_quarantined: number;
}

export async function reparseCommand(config: Config, options: { since?: string; eventType?: string }): Promise<void> {
  const since = options.since === undefined ? null : parseSince(options.since);
  const result = await withOwner(config, async (client) => {
    const { rows } = await client.query<ReparseResult>('select * from public.reparse($1, $2)', [since, options.eventType ?? null]);
    return rows[0]!;
  });
  console.log(
    `reparsed ${result.examined} lines${since ? ` since ${since.toISOString()}` : ''}: ${result.events_updated} events updated, ` +
      `${result.moved_to_events} moved from quarantine to events, ${result.still_quarantined} still quarantined`,
  );
}
