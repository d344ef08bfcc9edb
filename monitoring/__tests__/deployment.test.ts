import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRegistry } from '../metrics.ts';
import { installWorkerMetrics } from '../../worker/metrics.ts';
import { parseAgentConfig } from '../../agent/config.ts';

// No Docker engine runs here: these checks keep docker-compose.yml, the Dockerfile, the
// Prometheus and Grafana files and the CI workflow correct by reading them.
const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const yamlOf = (file: string) => parse(read(file), { merge: true });

interface Service {
  image?: string;
  build?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  command?: string | string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
}
const compose = yamlOf('docker-compose.yml') as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Variables of the README's configuration tables (`| \`NAME\` | ...`). */
const documented = new Set([...read('README.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]));

/** Every series name the worker process exports (its own, the database's and Node's). */
function exportedNames(): Set<string> {
  const registry = createRegistry('test');
  installWorkerMetrics({ registry, pool: {} as pg.Pool });
  return new Set(registry.getMetricsAsArray().map((metric) => metric.name));
}
const metricNamesIn = (expr: string) => [...expr.matchAll(/\b(siem_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));

describe('docker-compose.yml', () => {
  it('has the production services, PostgreSQL with WAL archiving and the app built from the Dockerfile', () => {
    expect(Object.keys(services).sort()).toEqual(['agent', 'backup-dirs', 'grafana', 'mailcatcher', 'postgres', 'prometheus', 'siem']);
    expect(services.postgres!.image).toMatch(/^postgres:15/);
    const command = (services.postgres!.command as string[]).join(' ');
    expect(command).toContain('archive_mode=on');
    expect(command).toMatch(/archive_command=.*\/backups\/wal\/%f\.gz/);
    expect(services.siem!.build).toBe('.');
    expect(services.agent!.image).toBe(services.siem!.image);
    expect(existsSync(path.join(root, 'Dockerfile'))).toBe(true);
  });

  it('sets only environment variables the README documents, for the siem processes', () => {
    for (const name of ['siem', 'agent']) {
      const variables = Object.keys(services[name]!.environment ?? {});
      expect(variables.length).toBeGreaterThan(0);
      expect(variables.filter((variable) => !documented.has(variable)), `${name}: undocumented variables`).toEqual([]);
    }
    expect(services.siem!.environment!.SIEM_METRICS_HOST).toBe('0.0.0.0');
  });

  it('is a subset of what the README documents, which is everything bin/config.ts reads', () => {
    const read_ = [...read('bin/config.ts').matchAll(/\b(?:name: '|env(?:\.|\[')|readBoolean\(env, '|readUrl\(env, ')([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!);
    expect(read_.length).toBeGreaterThan(15);
    expect([...new Set(read_)].filter((variable) => !documented.has(variable))).toEqual([]);
  });

  it('mounts files that exist and volumes that are declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(path.join(root, source)), `${name}: ${source}`).toBe(true);
        else if (!source.startsWith('/')) expect(Object.keys(compose.volumes), `${name}: volume ${source}`).toContain(source);
      }
    }
  });

  it('gives every service an image (or a build) and depends only on services that exist', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image ?? service.build, name).toBeTruthy();
      const needs = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
      for (const need of needs) expect(Object.keys(services), `${name} depends on ${need}`).toContain(need);
    }
  });

  it('sends alert mail to the mail catcher', () => {
    expect(services.siem!.environment!.SIEM_SMTP_URL).toBe('smtp://mailcatcher:1025');
    expect(services.mailcatcher!.image).toMatch(/mailpit/);
  });

  it('runs the example agent with a configuration the agent accepts, serving the metrics Prometheus scrapes', () => {
    const command = (services.agent!.command as string[]).join(' ');
    expect(command).toContain('siem.ts agent --config /etc/siem/agent.yaml');
    expect(services.agent!.volumes).toContain('./docker/agent.yaml:/etc/siem/agent.yaml:ro');
    const config = parseAgentConfig(read('docker/agent.yaml'), '/etc/siem', { SIEM_AGENT_DATABASE_URL: 'postgres://siem_agent:x@postgres:5432/siem' });
    expect(config.metrics).toEqual({ port: 9465, host: '0.0.0.0' });
    expect(config.files[0]!.paths).toEqual(['/var/log/host/syslog']);
    expect(config.stateDir).toBe('/agent-state');
    expect(services.agent!.volumes!.some((v) => v.startsWith('agentstate:/agent-state'))).toBe(true);
  });

  it('scrapes only services of the compose file, on the ports they serve', () => {
    const prometheus = yamlOf('monitoring/prometheus/prometheus.yml') as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const served: Record<string, string[]> = {
      siem: [services.siem!.environment!.SIEM_METRICS_PORT!, services.siem!.environment!.SIEM_PORT!],
      agent: ['9465'],
      localhost: ['9090'],
    };
    const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
    expect(targets.length).toBeGreaterThan(3);
    for (const target of targets) {
      const [host, port] = target.split(':');
      if (host !== 'localhost') expect(Object.keys(services)).toContain(host);
      expect(served[host!], target).toContain(port);
    }
  });

  it('scrapes the worker where siem serves its metrics', () => {
    const prometheus = yamlOf('monitoring/prometheus/prometheus.yml') as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const worker = prometheus.scrape_configs.find((job) => job.job_name === 'siem-worker')!;
    expect(worker.static_configs[0]!.targets).toEqual([`siem:${services.siem!.environment!.SIEM_METRICS_PORT}`]);
    const api = prometheus.scrape_configs.find((job) => job.job_name === 'siem-api')!;
    expect(api.static_configs[0]!.targets).toEqual([`siem:${services.siem!.environment!.SIEM_PORT}`]);
  });
});

/**
 * `docker compose config` (v2) or Debian's `docker-compose config` (v1.29, python) validate the file
 * against the Compose schema and interpolate it without an engine. v1 predates the top-level
 * `name`, so it checks a copy without that line.
 */
function composeClient(): { command: string; args: string[]; stripName: boolean } | undefined {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return { command: 'docker', args: ['compose'], stripName: false };
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return { command: 'docker-compose', args: [], stripName: true };
  return undefined;
}
const client = composeClient();

describe.skipIf(!client)(`docker-compose.yml through ${client ? [client.command, ...client.args].join(' ') : 'a compose client (none installed)'} config`, () => {
  const config = (env: Record<string, string>) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'siem-compose-'));
    try {
      const file = path.join(dir, 'docker-compose.yml');
      writeFileSync(file, client!.stripName ? read('docker-compose.yml').replace(/^name: .*$/m, '') : read('docker-compose.yml'));
      const { PATH, HOME } = process.env;
      return spawnSync(client!.command, [...client!.args, '-f', file, '--project-directory', root, '-p', 'pgsiem', 'config'], {
        encoding: 'utf8',
        env: { PATH, HOME, ...env },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('is valid and interpolates the passwords', () => {
    const result = config({ POSTGRES_PASSWORD: 'pw-1', GRAFANA_PASSWORD: 'pw-2' });
    expect(result.stderr).not.toMatch(/invalid|error/i);
    expect(result.status).toBe(0);
    const resolved = parse(result.stdout) as { services: Record<string, Service> };
    expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(services).sort());
    expect(resolved.services.siem!.environment!.DATABASE_URL).toBe('postgres://siem_owner:pw-1@postgres:5432/siem');
    expect(resolved.services.postgres!.environment!.POSTGRES_PASSWORD).toBe('pw-1');
  });

  it('refuses to start without the passwords', () => {
    const result = config({});
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/set POSTGRES_PASSWORD|set GRAFANA_PASSWORD/);
  });
});

describe('Grafana and Prometheus rules', () => {
  const names = exportedNames();
  const dashboardDir = path.join(root, 'monitoring/grafana/dashboards');
  const dashboards = readdirSync(dashboardDir).map((file) => JSON.parse(readFileSync(path.join(dashboardDir, file), 'utf8')));

  it('provisions the data source the dashboards use', () => {
    const datasources = yamlOf('monitoring/grafana/provisioning/datasources/prometheus.yml') as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources[0]!.url).toBe('http://prometheus:9090');
    const provider = yamlOf('monitoring/grafana/provisioning/dashboards/pgsiem.yml') as { providers: { options: { path: string } }[] };
    expect((services.grafana!.volumes ?? []).some((v) => v.endsWith(`:${provider.providers[0]!.options.path}:ro`))).toBe(true);
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['pgsiem-health', 'pgsiem-ingest']);
    for (const dashboard of dashboards) {
      for (const panel of dashboard.panels.filter((p: { type: string }) => p.type !== 'row')) {
        expect(panel.datasource.uid).toBe(datasources.datasources[0]!.uid);
        expect(panel.targets.length).toBeGreaterThan(0);
      }
    }
  });

  it('queries only series that the services export', () => {
    const used = new Set<string>();
    for (const dashboard of dashboards) {
      for (const panel of dashboard.panels) for (const target of panel.targets ?? []) metricNamesIn(target.expr).forEach((n) => used.add(n));
    }
    const rules = yamlOf('monitoring/prometheus/alerts.yml') as { groups: { rules: { expr: string }[] }[] };
    for (const rule of rules.groups.flatMap((g) => g.rules)) metricNamesIn(rule.expr).forEach((n) => used.add(n));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !names.has(name))).toEqual([]);
  });

  it('has panels for ingest EPS, queue depth, lag and errors', () => {
    const titles = dashboards.flatMap((d) => d.panels.map((p: { title: string }) => p.title));
    for (const wanted of ['EPS per source', 'Queue depth', 'Queue lag: oldest due job', 'Job errors per hour', 'Quarantine per reason', 'Table size']) {
      expect(titles).toContain(wanted);
    }
  });
});

describe('CI workflow', () => {
  it('runs .ci/run and pushes the image from main only', () => {
    const workflow = yamlOf('.github/workflows/ci.yml') as { jobs: Record<string, { if?: string; needs?: string; steps: { run?: string; uses?: string; with?: Record<string, unknown> }[] }> };
    expect(workflow.jobs.check!.steps.some((step) => step.run === 'bash .ci/run')).toBe(true);
    const image = workflow.jobs.image!;
    expect(image.needs).toBe('check');
    expect(image.if).toContain("refs/heads/main");
    expect(image.steps.find((step) => step.uses?.startsWith('docker/build-push-action'))?.with?.push).toBe(true);
  });
});
