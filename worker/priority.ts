import { readFileSync } from 'node:fs';
import os from 'node:os';
import type pg from 'pg';

/** Nice value of enrichment's server processes: the lowest CPU priority, so ingest and rules go first. */
export const backgroundNice = 19;

const localHosts = new Set(['localhost', '127.0.0.1', '::1', '']);

/** True when a connection's host is this machine: a loopback address or a Unix socket directory. */
export function isLocalHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  return host.startsWith('/') || localHosts.has(host.replace(/^\[|\]$/g, ''));
}

/**
 * Lowers the CPU priority of the PostgreSQL server process behind a pooled connection. Only for a
 * server on this machine, and only when that pid is a postgres process; a server we may not renice
 * (another user, no privilege) keeps its priority and the reason is logged once.
 */
export function makeBackgroundPriority(log: (message: string) => void) {
  let enabled = true;
  return (client: pg.Client): void => {
    if (!enabled || !isLocalHost(client.host)) return;
    // The server process id from the connection's startup (BackendKeyData): no query, so nothing
    // runs beside the first query of whoever took the connection.
    const pid = (client as pg.Client & { processID: number | null }).processID;
    if (!pid) return;
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) throw new Error(`process ${pid} is not a postgres process`);
      os.setPriority(pid, backgroundNice);
    } catch (error) {
      enabled = false;
      log(`enrichment runs at normal CPU priority: could not renice its database process (${(error as Error).message})`);
    }
  };
}
