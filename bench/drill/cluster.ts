import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../db/embedded.ts';
import { loadOrCreateSecrets, type Secrets } from '../../db/secrets.ts';
import { ensureOwnerAndDatabase, migrateDatabase, withClient } from '../../db/setup.ts';
import { roles, withCredentials } from '../../db/urls.ts';
import { freePort } from '../../test/free_port.ts';

export const siem = path.resolve(import.meta.dirname, '../../bin/siem');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An embedded PostgreSQL that a drill can stop and start again under running clients: the same data
 * directory and port each time, so the agent's URL stays valid across restarts.
 */
export interface DrillDatabase {
  ownerUrl: string;
  agentUrl: string;
  authenticatorUrl: string;
  superuserUrl: string;
  secrets: Secrets;
  dataDir: string;
  /** The postmaster's pid (for memory figures), while running. */
  postmasterPid(): number | undefined;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  restart(downMs?: number): Promise<void>;
  /** Stops the server and removes its files. */
  dispose(): Promise<void>;
}

export async function startDrillDatabase(workDir: string): Promise<DrillDatabase> {
  // Its own folder, not inside an agent's: the server's OS user must be able to reach it.
  const dataDir = mkdtempSync(path.join(workDir, 'pg-'));
  const secrets = loadOrCreateSecrets(dataDir);
  const options = { dataDir, port: await freePort(), superuserPassword: secrets.superuserPassword };
  let server: EmbeddedServer | undefined = await startEmbeddedPostgres(options);
  const name = 'siem_drill';
  await ensureOwnerAndDatabase(server.superuserUrl, secrets, name);
  const ownerUrl = withCredentials(server.superuserUrl, roles.owner, secrets.ownerPassword, name);
  await migrateDatabase({ ownerUrl });
  const database: DrillDatabase = {
    ownerUrl,
    agentUrl: withCredentials(server.superuserUrl, roles.agent, secrets.agentPassword, name),
    authenticatorUrl: withCredentials(server.superuserUrl, roles.authenticator, secrets.authenticatorPassword, name),
    superuserUrl: server.superuserUrl,
    secrets,
    dataDir,
    postmasterPid() {
      try {
        return Number(readFileSync(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);
      } catch {
        return undefined;
      }
    },
    async stopServer() {
      await server?.stop();
      server = undefined;
    },
    async startServer() {
      server ??= await startEmbeddedPostgres(options);
    },
    async restart(downMs = 1000) {
      await database.stopServer();
      await sleep(downMs);
      await database.startServer();
    },
    async dispose() {
      await database.stopServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return database;
}

export interface AgentSettings {
  name: string;
  dir: string;
  agentUrl: string;
  files: Record<string, unknown>[];
  batch?: Record<string, unknown>;
  spoolMaxBytes?: number;
  metricsPort?: number;
  connections?: number;
}

/** Our real agent process, `siem agent --config <dir>/agent.yaml`; its stderr goes to <dir>/agent.log. */
export function startAgent(settings: AgentSettings): ChildProcess {
  const configFile = path.join(settings.dir, 'agent.yaml');
  const config: Record<string, unknown> = {
    name: settings.name,
    state_dir: path.join(settings.dir, 'state'),
    database: { url: settings.agentUrl, connections: settings.connections ?? 2 },
    batch: settings.batch ?? { max_lines: 10_000, max_delay_ms: 200 },
    log: { level: 'warn' },
    files: settings.files,
  };
  if (settings.spoolMaxBytes) config.spool = { max_bytes: settings.spoolMaxBytes };
  if (settings.metricsPort) config.metrics = { port: settings.metricsPort };
  writeFileSync(configFile, stringify(config));
  const log = path.join(settings.dir, 'agent.log');
  const child = spawn('sh', ['-c', `exec "$0" agent --config "$1" 2>>"$2"`, siem, configFile, log], { stdio: 'ignore' });
  return child;
}

/** Signals a child and waits for its exit; after `killAfterMs` (when given) it is killed with SIGKILL. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', killAfterMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/** Lines the agent's committed batches hold, per ingest_batches (null while the server is down). */
export async function committedLines(ownerUrl: string, agent: string): Promise<number | null> {
  try {
    return await withClient(ownerUrl, async (client) => {
      const { rows } = await client.query<{ n: string }>('select coalesce(sum(line_count), 0) as n from ingest_batches where agent = $1', [agent]);
      return Number(rows[0]!.n);
    });
  } catch {
    return null;
  }
}

export async function waitForLines(ownerUrl: string, agent: string, lines: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = (await committedLines(ownerUrl, agent)) ?? 0;
    if (stored >= lines) return stored;
    if (Date.now() > deadline) return stored;
    await sleep(200);
  }
}

/** Prometheus text of the agent's /metrics, as name{labels} -> value. */
export async function agentMetrics(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

/** Resident set (VmRSS) of one process, in kB; 0 when it is gone. */
export function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Memory of a process and all its descendants, in kB (from smaps_rollup): `pss`, the proportional set
 * size, counts the shared buffers that all PostgreSQL backends map once; `private` is the memory no
 * other process shares (each backend's own caches and work memory), where a leak would show.
 */
export function treeMemoryKb(root: number): { pss: number; private: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const total = { pss: 0, private: 0 };
  const queue = [root];
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  while (queue.length > 0) {
    const pid = queue.pop()!;
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      total.pss += field(rollup, 'Pss');
      total.private += field(rollup, 'Private_Clean') + field(rollup, 'Private_Dirty');
    } catch {
      // gone meanwhile
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}
