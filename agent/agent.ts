import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../bin/config.ts';
import { loadOrCreateSecrets, secretsPath } from '../db/secrets.ts';
import { databaseUrls } from '../db/urls.ts';
import { CheckpointStore } from './checkpoints.ts';
import { AgentConfigError, loadAgentConfig, type AgentConfig } from './config.ts';
import { jsonLogger, type Logger } from './log.ts';
import type { AgentMetrics } from './metrics.ts';
import { Shipper } from './shipper.ts';
import { FileSource } from './sources/files.ts';
import { HttpPoller } from './sources/http_poller.ts';
import { StdinSource } from './sources/stdin.ts';
import { SyslogSource } from './sources/syslog.ts';
import { WevtutilSource } from './sources/wevtutil.ts';
import { Spool } from './spool.ts';

interface Source {
  stop(): Promise<void>;
}

export interface AgentOptions {
  configFile: string;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  stdin?: Readable;
}

/** The agent's database: agent.yaml, else SIEM_AGENT_DATABASE_URL, else the local `siem start` server (its data directory's secrets). */
function databaseUrl(config: AgentConfig, env: NodeJS.ProcessEnv): string {
  if (config.databaseUrl) return config.databaseUrl;
  if (env.SIEM_AGENT_DATABASE_URL) return env.SIEM_AGENT_DATABASE_URL;
  const siemConfig = loadConfig(env);
  if (!existsSync(secretsPath(siemConfig.dataDir))) {
    throw new AgentConfigError('no database: set database.url in agent.yaml (a login with the siem_agent role) or SIEM_AGENT_DATABASE_URL');
  }
  return databaseUrls(siemConfig, loadOrCreateSecrets(siemConfig.dataDir)).agent;
}

/** One agent per state directory: a second one would send the same spool twice over. */
function lockStateDir(stateDir: string): string {
  mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, 'agent.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    let alive: boolean;
    try {
      alive = pid > 0 && pid !== process.pid && process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) throw new AgentConfigError(`another agent (pid ${pid}) uses ${stateDir}; give each agent its own state_dir`);
  }
  writeFileSync(file, String(process.pid));
  return file;
}

/** Restart-only settings: the rest of agent.yaml is applied on SIGHUP. */
const restartOnly = ['name', 'databaseUrl', 'connections', 'stateDir', 'batch', 'spool', 'metrics'] as const;

export class Agent {
  config: AgentConfig;
  readonly log: Logger;
  /** Only when agent.yaml has `metrics:` (prom-client is loaded only then: it costs ~20 MB). */
  readonly metrics: AgentMetrics | undefined;
  private readonly options: AgentOptions;
  private readonly pool: pg.Pool;
  private readonly checkpoints: CheckpointStore;
  private readonly shipper: Shipper;
  private readonly lockFile: string;
  private sources: Source[] = [];
  private metricsServer: Server | undefined;
  private stdinSource: StdinSource | undefined;
  /** Bound ports of the syslog listeners, in config order (useful with port 0). */
  syslogPorts: number[] = [];
  metricsPort = 0;

  private constructor(options: AgentOptions, config: AgentConfig, log: Logger, metrics: AgentMetrics | undefined) {
    this.options = options;
    this.metrics = metrics;
    this.config = config;
    this.log = log;
    const env = options.env ?? process.env;
    const url = databaseUrl(config, env);
    this.lockFile = lockStateDir(config.stateDir);
    this.pool = new pg.Pool({ connectionString: url, max: config.connections, connectionTimeoutMillis: 10_000 });
    this.pool.on('error', (error) => log.warn('database connection lost', { error: error.message }));
    this.checkpoints = new CheckpointStore(config.stateDir);
    const spool = new Spool(path.join(config.stateDir, 'spool'), config.spool.maxBytes);
    const spooled = spool.recover();
    this.shipper = new Shipper({
      pool: this.pool,
      agent: config.name,
      spool,
      checkpoints: this.checkpoints,
      maxLines: config.batch.maxLines,
      maxBytes: config.batch.maxBytes,
      maxDelayMs: config.batch.maxDelayMs,
      concurrency: config.connections,
      log,
      metrics: this.metrics,
    });
    if (spooled.length > 0) log.info('resending batches left in the spool', { batches: spooled.length, lines: spooled.reduce((n, b) => n + b.lineCount, 0) });
    Object.assign(this.shipper.handedPositions, Shipper.resumePositions(this.checkpoints, spooled));
    this.shipper.resume(spooled);
  }

  static async start(options: AgentOptions): Promise<Agent> {
    const config = loadAgentConfig(options.configFile, options.env);
    const log = options.log ?? jsonLogger(config.logLevel);
    const metrics = config.metrics ? new (await import('./metrics.ts')).AgentMetrics() : undefined;
    const agent = new Agent(options, config, log, metrics);
    try {
      if (config.metrics && metrics) {
        agent.metricsServer = await metrics.serve(config.metrics.host, config.metrics.port);
        const address = agent.metricsServer.address();
        agent.metricsPort = typeof address === 'object' && address ? address.port : 0;
        log.info('metrics listening', { url: `http://${config.metrics.host}:${agent.metricsPort}/metrics` });
      }
      await agent.startSources();
    } catch (error) {
      await agent.stop();
      throw error;
    }
    log.info('agent started', { name: config.name, state_dir: config.stateDir });
    return agent;
  }

  /** Where a source starts: its position in what this run handed over, else the committed checkpoint. */
  private resumePositions(): Record<string, unknown> {
    return { ...this.checkpoints.all(), ...this.shipper.handedPositions };
  }

  private async startSources(): Promise<void> {
    const { config, shipper, log, metrics } = this;
    const resume = this.resumePositions();
    this.syslogPorts = [];
    for (const files of config.files) {
      const source = new FileSource(files, shipper, resume, log, metrics);
      source.start();
      this.sources.push(source);
    }
    for (const listener of config.syslog) {
      const source = new SyslogSource(listener, shipper, log, metrics);
      await source.start();
      this.sources.push(source);
      this.syslogPorts.push(source.boundPort);
    }
    for (const poller of config.http) {
      const source = new HttpPoller(poller, shipper, resume, log, metrics);
      source.start();
      this.sources.push(source);
    }
    if (config.windowsEventlog) {
      const source = new WevtutilSource(config.windowsEventlog, shipper, resume, log, metrics);
      source.start();
      this.sources.push(source);
    }
    if (config.stdin && !this.stdinSource) {
      // Standard input is read once, whatever reloads happen.
      this.stdinSource = new StdinSource(config.stdin, shipper, this.options.stdin ?? process.stdin, log, metrics);
      this.stdinSource.start();
    }
  }

  private async stopSources(): Promise<void> {
    const sources = this.sources;
    this.sources = [];
    await Promise.all(sources.map((source) => source.stop()));
  }

  /** True when standard input is the only source: the agent ends with it. */
  get stdinOnly(): boolean {
    const c = this.config;
    return c.stdin !== undefined && c.files.length === 0 && c.syslog.length === 0 && c.http.length === 0 && c.windowsEventlog === undefined;
  }

  /** Resolves once standard input ended and its lines were handed to the spool. */
  get stdinFinished(): Promise<void> {
    return this.stdinSource?.finished ?? Promise.resolve();
  }

  /** SIGHUP: re-reads agent.yaml and restarts the sources; they resume where they were. */
  async reload(): Promise<void> {
    let next: AgentConfig;
    try {
      next = loadAgentConfig(this.options.configFile, this.options.env);
    } catch (error) {
      this.log.error('reload failed; keeping the running configuration', { error: (error as Error).message });
      return;
    }
    const ignored = restartOnly.filter((key) => !isDeepStrictEqual(next[key], this.config[key]));
    if (ignored.length > 0) this.log.warn('these settings change only on restart', { settings: ignored });
    await this.stopSources();
    await this.shipper.flush();
    for (const key of restartOnly) (next as unknown as Record<string, unknown>)[key] = this.config[key];
    this.config = next;
    this.log.setLevel(next.logLevel);
    await this.startSources();
    this.log.info('configuration reloaded', { files: next.files.length, syslog: next.syslog.length, http: next.http.length });
  }

  /** Waits until everything handed over so far is stored (true), or timeoutMs passed (false). */
  drain(timeoutMs: number): Promise<boolean> {
    return this.shipper.drain(timeoutMs);
  }

  /** Stops reading, sends what it can within timeoutMs; the rest stays in the spool for the next start. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.shipper.release();
    await this.stopSources();
    await this.stdinSource?.stop();
    const drained = await this.shipper.close(timeoutMs);
    if (!drained) this.log.warn('stopped with batches still in the spool; they are sent at the next start');
    // A connection stuck on an unreachable server must not keep the agent from exiting.
    await Promise.race([this.pool.end().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    if (this.metricsServer) await new Promise<void>((resolve) => this.metricsServer!.close(() => resolve()));
    try {
      unlinkSync(this.lockFile);
    } catch {
      // already gone
    }
    this.log.info('agent stopped', { drained });
  }
}
