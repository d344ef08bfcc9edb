import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** agent.yaml, validated, with defaults filled in (docs/agent.md documents every key). */
export interface AgentConfig {
  name: string;
  databaseUrl: string | undefined;
  connections: number;
  stateDir: string;
  batch: { maxLines: number; maxBytes: number; maxDelayMs: number };
  spool: { maxBytes: number };
  metrics: { port: number; host: string } | undefined;
  logLevel: LogLevel;
  files: FileSourceConfig[];
  syslog: SyslogSourceConfig[];
  windowsEventlog: WindowsEventlogConfig | undefined;
  http: HttpSourceConfig[];
  stdin: { source: string; host: string } | undefined;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type FileFormat = 'lines' | 'windows_xml' | 'windows_json';

export interface MultilineConfig {
  /** A line matching this starts a new event; other lines continue the previous one. */
  start: RegExp;
  maxLines: number;
  timeoutMs: number;
}

export interface FileSourceConfig {
  paths: string[];
  exclude: string[];
  source: string;
  host: string;
  startAt: 'beginning' | 'end';
  format: FileFormat;
  multiline: MultilineConfig | undefined;
  maxLineBytes: number;
  pollMs: number;
  closeAfterMs: number;
}

export interface SyslogSourceConfig {
  protocol: 'udp' | 'tcp' | 'tls';
  host: string;
  port: number;
  source: string;
  maxMessageBytes: number;
  receiveBufferBytes: number | undefined;
  tls: { cert: string; key: string; clientCa: string | undefined; requireClientCert: boolean } | undefined;
}

export interface WindowsEventlogConfig {
  channels: string[];
  intervalMs: number;
  source: string;
  batchSize: number;
}

export interface HttpSourceConfig {
  name: string;
  url: string;
  intervalMs: number;
  headers: Record<string, string>;
  items: string;
  cursor: { param: string; fromItem: string | undefined; fromResponse: string | undefined; initial: string | undefined } | undefined;
  nextPage: string | undefined;
  source: string;
  host: string;
  retries: number;
  timeoutMs: number;
}

export class AgentConfigError extends Error {}

type Node = Record<string, unknown>;

/** Replaces ${VAR} and ${VAR:-default} in every string of the document. */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, where = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      throw new AgentConfigError(`${where || 'a value'} uses \${${name}}, which is not set in the environment`);
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, `${where}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, where ? `${where}.${key}` : key)]));
  }
  return value;
}

class Reader {
  readonly node: Node;
  readonly where: string;
  private readonly seen = new Set<string>();
  constructor(node: unknown, where: string) {
    if (node === null || node === undefined) node = {};
    if (typeof node !== 'object' || Array.isArray(node)) throw new AgentConfigError(`${where || 'the file'} must be a mapping (key: value)`);
    this.node = node as Node;
    this.where = where;
  }
  private at(key: string): string {
    return this.where ? `${this.where}.${key}` : key;
  }
  private get(key: string): unknown {
    this.seen.add(key);
    return this.node[key];
  }
  has(key: string): boolean {
    return this.node[key] !== undefined && this.node[key] !== null;
  }
  string(key: string, fallback?: string): string {
    const value = this.get(key);
    if (value === undefined || value === null) {
      if (fallback === undefined) throw new AgentConfigError(`${this.at(key)} is required`);
      return fallback;
    }
    if (typeof value !== 'string' && typeof value !== 'number') throw new AgentConfigError(`${this.at(key)} must be a string`);
    return String(value);
  }
  optionalString(key: string): string | undefined {
    return this.has(key) ? this.string(key) : (this.get(key), undefined);
  }
  integer(key: string, fallback: number, min: number, max: number): number {
    const value = this.get(key);
    if (value === undefined || value === null) return fallback;
    const number = typeof value === 'string' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      throw new AgentConfigError(`${this.at(key)} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
    }
    return number;
  }
  boolean(key: string, fallback: boolean): boolean {
    const value = this.get(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw new AgentConfigError(`${this.at(key)} must be true or false`);
    return value;
  }
  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.string(key, fallback);
    if (!choices.includes(value as T)) throw new AgentConfigError(`${this.at(key)} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
    return value as T;
  }
  strings(key: string, fallback?: string[]): string[] {
    const value = this.get(key);
    if (value === undefined || value === null) {
      if (fallback === undefined) throw new AgentConfigError(`${this.at(key)} is required`);
      return fallback;
    }
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((item) => typeof item === 'string')) throw new AgentConfigError(`${this.at(key)} must be a string or a list of strings`);
    return list as string[];
  }
  child(key: string): Reader {
    return new Reader(this.get(key), this.at(key));
  }
  list(key: string): Reader[] {
    const value = this.get(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw new AgentConfigError(`${this.at(key)} must be a list`);
    return value.map((item, i) => new Reader(item, `${this.at(key)}[${i}]`));
  }
  /** Unknown keys are mistakes (a typo silently ignored would be worse). */
  done(): void {
    const unknown = Object.keys(this.node).filter((key) => !this.seen.has(key));
    if (unknown.length > 0) throw new AgentConfigError(`${this.where || 'the file'} has unknown key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  }
}

function regex(text: string, where: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new AgentConfigError(`${where} is not a valid regular expression: ${(error as Error).message}`);
  }
}

function hostAndPort(text: string, where: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) throw new AgentConfigError(`${where} must be host:port or a port (got ${JSON.stringify(text)})`);
  return { host: match[1] || match[2] || '0.0.0.0', port };
}

function fileSource(r: Reader, machine: string): FileSourceConfig {
  const format = r.oneOf('format', ['lines', 'windows_xml', 'windows_json'] as const, 'lines');
  let multiline: MultilineConfig | undefined;
  if (r.has('multiline')) {
    const m = r.child('multiline');
    multiline = { start: regex(m.string('start'), `${m.where}.start`), maxLines: m.integer('max_lines', 500, 2, 100_000), timeoutMs: m.integer('timeout_ms', 1000, 10, 600_000) };
    m.done();
  } else r.optionalString('multiline');
  const config: FileSourceConfig = {
    paths: r.strings('paths'),
    exclude: r.strings('exclude', []),
    source: r.string('source', format === 'lines' ? undefined : 'windows'),
    host: r.string('host', machine),
    startAt: r.oneOf('start_at', ['beginning', 'end'] as const, 'end'),
    format,
    multiline,
    maxLineBytes: r.integer('max_line_bytes', 1024 * 1024, 64, 64 * 1024 * 1024),
    pollMs: r.integer('poll_ms', 250, 10, 60_000),
    closeAfterMs: r.integer('close_after_ms', 5000, 0, 86_400_000),
  };
  r.done();
  return config;
}

function syslogSource(r: Reader, base: string): SyslogSourceConfig {
  const protocol = r.oneOf('protocol', ['udp', 'tcp', 'tls'] as const, 'udp');
  const { host, port } = hostAndPort(r.string('listen'), `${r.where}.listen`);
  let tls: SyslogSourceConfig['tls'];
  if (protocol === 'tls') {
    const t = r.child('tls');
    const resolve = (file: string) => path.resolve(base, file);
    const clientCa = t.optionalString('client_ca');
    tls = {
      cert: resolve(t.string('cert')),
      key: resolve(t.string('key')),
      clientCa: clientCa === undefined ? undefined : resolve(clientCa),
      requireClientCert: t.boolean('require_client_cert', clientCa !== undefined),
    };
    if (tls.requireClientCert && !tls.clientCa) throw new AgentConfigError(`${t.where}.require_client_cert needs client_ca`);
    t.done();
  } else if (r.has('tls')) {
    throw new AgentConfigError(`${r.where}.tls is only for protocol: tls`);
  }
  const config: SyslogSourceConfig = {
    protocol,
    host,
    port,
    source: r.string('source', 'syslog'),
    maxMessageBytes: r.integer('max_message_bytes', 64 * 1024, 480, 16 * 1024 * 1024),
    receiveBufferBytes: r.has('receive_buffer_bytes') ? r.integer('receive_buffer_bytes', 0, 4096, 1 << 30) : undefined,
    tls,
  };
  r.done();
  return config;
}

function httpSource(r: Reader, machine: string): HttpSourceConfig {
  const name = r.string('name');
  if (!/^[\w.-]+$/.test(name)) throw new AgentConfigError(`${r.where}.name may hold letters, digits, _ . - only`);
  let cursor: HttpSourceConfig['cursor'];
  if (r.has('cursor')) {
    const c = r.child('cursor');
    cursor = { param: c.string('param'), fromItem: c.optionalString('from_item'), fromResponse: c.optionalString('from_response'), initial: c.optionalString('initial') };
    if (!cursor.fromItem === !cursor.fromResponse) throw new AgentConfigError(`${c.where} needs exactly one of from_item and from_response`);
    c.done();
  } else r.optionalString('cursor');
  const headers: Record<string, string> = {};
  const h = r.child('headers');
  for (const key of Object.keys(h.node)) headers[key] = h.string(key);
  const url = r.string('url');
  try {
    new URL(url);
  } catch {
    throw new AgentConfigError(`${r.where}.url is not a URL: ${url}`);
  }
  const config: HttpSourceConfig = {
    name,
    url,
    intervalMs: r.integer('interval_ms', 60_000, 100, 86_400_000),
    headers,
    items: r.string('items', ''),
    cursor,
    nextPage: r.optionalString('next_page'),
    source: r.string('source', name),
    host: r.string('host', new URL(url).hostname || machine),
    retries: r.integer('retries', 5, 0, 100),
    timeoutMs: r.integer('timeout_ms', 30_000, 100, 600_000),
  };
  r.done();
  return config;
}

/** Parses agent.yaml text; `base` resolves relative paths (the file's folder). */
export function parseAgentConfig(text: string, base: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new AgentConfigError(`not valid YAML: ${(error as Error).message}`);
  }
  const r = new Reader(interpolateEnv(document, env), '');
  const machine = hostname();
  const name = r.string('name', machine);
  const database = r.child('database');
  const databaseUrl = database.optionalString('url');
  const connections = database.integer('connections', 2, 1, 16);
  database.done();
  const batch = r.child('batch');
  const spool = r.child('spool');
  const config: AgentConfig = {
    name,
    databaseUrl,
    connections,
    stateDir: path.resolve(base, r.string('state_dir', '.siem/agent')),
    batch: {
      maxLines: batch.integer('max_lines', 20_000, 1, 1_000_000),
      maxBytes: batch.integer('max_bytes', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
      maxDelayMs: batch.integer('max_delay_ms', 1000, 10, 600_000),
    },
    spool: { maxBytes: spool.integer('max_bytes', 1024 * 1024 * 1024, 1024 * 1024, Number.MAX_SAFE_INTEGER) },
    metrics: undefined,
    logLevel: 'info',
    files: r.list('files').map((item) => fileSource(item, machine)),
    syslog: r.list('syslog').map((item) => syslogSource(item, base)),
    windowsEventlog: undefined,
    http: r.list('http').map((item) => httpSource(item, machine)),
    stdin: undefined,
  };
  batch.done();
  spool.done();
  if (r.has('metrics')) {
    const m = r.child('metrics');
    const port = m.integer('port', 9464, 0, 65535);
    config.metrics = { port, host: m.string('host', '127.0.0.1') };
    m.done();
  }
  if (r.has('log')) {
    const l = r.child('log');
    config.logLevel = l.oneOf('level', ['debug', 'info', 'warn', 'error'] as const, 'info');
    l.done();
  }
  if (r.has('windows_eventlog')) {
    const w = r.child('windows_eventlog');
    config.windowsEventlog = {
      channels: w.strings('channels'),
      intervalMs: w.integer('interval_ms', 5000, 100, 3_600_000),
      source: w.string('source', 'windows'),
      batchSize: w.integer('batch_size', 500, 1, 100_000),
    };
    w.done();
  }
  if (r.has('stdin')) {
    const s = r.child('stdin');
    config.stdin = { source: s.string('source'), host: s.string('host', machine) };
    s.done();
  }
  const names = config.http.map((h) => h.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new AgentConfigError(`http name ${twice} is used twice: each poller keeps its cursor under its name`);
  r.done();
  return config;
}

export function loadAgentConfig(file: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AgentConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return parseAgentConfig(text, path.dirname(path.resolve(file)), env);
  } catch (error) {
    if (error instanceof AgentConfigError) throw new AgentConfigError(`${file}: ${error.message}`);
    throw error;
  }
}
