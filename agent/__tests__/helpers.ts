import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { stringify } from 'yaml';
import { Agent } from '../agent.ts';
import { jsonLogger, type Logger } from '../log.ts';

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `siem-agent-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that keeps the records (tests look at them) and prints nothing unless AGENT_TEST_LOG is set. */
export function memoryLogger(): Logger & { records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const logger = jsonLogger('debug', (line) => {
    records.push(JSON.parse(line) as Record<string, unknown>);
    if (process.env.AGENT_TEST_LOG) process.stderr.write(line);
  });
  return Object.assign(logger, { records });
}

/** Writes agent.yaml into dir (with the database and a state directory there) and starts the agent in this process. */
export async function startAgent(dir: string, databaseUrl: string, settings: Record<string, unknown>, log: Logger = memoryLogger()): Promise<Agent> {
  const configFile = path.join(dir, 'agent.yaml');
  writeConfig(configFile, databaseUrl, settings);
  return Agent.start({ configFile, log });
}

export function writeConfig(configFile: string, databaseUrl: string, settings: Record<string, unknown>): void {
  const document = { name: 'test-agent', state_dir: 'state', batch: { max_delay_ms: 50 }, metrics: { port: 0 }, ...settings, database: { url: databaseUrl } };
  writeFileSync(configFile, stringify(document));
}

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The raw lines of a source in events_raw, in the order they were stored. */
export async function rawOf(pool: pg.Pool, source: string): Promise<string[]> {
  const { rows } = await pool.query<{ raw: string }>('select raw from public.events_raw where source = $1 order by received_at, batch_id, batch_seq', [source]);
  return rows.map((row) => row.raw);
}

/** Waits until a source has `count` rows, then returns them sorted. */
export async function waitForRaw(pool: pg.Pool, source: string, count: number, timeoutMs = 20_000): Promise<string[]> {
  let seen: string[] = [];
  try {
    return await waitFor(async () => {
      seen = await rawOf(pool, source);
      return seen.length >= count ? seen : undefined;
    }, `${count} rows of ${source}`, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message} (have ${seen.length})`, { cause: error });
  }
}
