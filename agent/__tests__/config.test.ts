import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentConfigError, parseAgentConfig } from '../config.ts';

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseAgentConfig(text, '/etc/siem', env);

describe('agent.yaml', () => {
  it('fills defaults and resolves relative paths against the file', () => {
    const config = parse('files:\n  - paths: /var/log/*.log\n    source: app\n');
    expect(config.stateDir).toBe('/etc/siem/.siem/agent');
    expect(config.batch).toEqual({ maxLines: 20000, maxBytes: 16 * 1024 * 1024, maxDelayMs: 1000 });
    expect(config.files[0]).toMatchObject({ paths: ['/var/log/*.log'], source: 'app', startAt: 'end', format: 'lines', pollMs: 250 });
    expect(config.metrics).toBeUndefined();
  });

  it('reads syslog listeners, TLS files and multi-line patterns', () => {
    const config = parse(`
syslog:
  - protocol: tls
    listen: 0.0.0.0:6514
    tls: { cert: tls/server.crt, key: tls/server.key, client_ca: tls/ca.crt }
  - protocol: udp
    listen: "514"
files:
  - paths: [/srv/app/*.log]
    source: java
    multiline: { start: '^\\d{4}-', max_lines: 100 }
`);
    expect(config.syslog[0]).toMatchObject({ protocol: 'tls', host: '0.0.0.0', port: 6514, tls: { cert: '/etc/siem/tls/server.crt', clientCa: '/etc/siem/tls/ca.crt', requireClientCert: true } });
    expect(config.syslog[1]).toMatchObject({ protocol: 'udp', host: '0.0.0.0', port: 514 });
    expect(config.files[0]!.multiline).toMatchObject({ maxLines: 100, timeoutMs: 1000 });
    expect(config.files[0]!.multiline!.start.test('2026-11-24 x')).toBe(true);
  });

  it('substitutes ${VAR} and ${VAR:-default} from the environment', () => {
    const config = parse('database:\n  url: ${DB_URL}\nname: ${AGENT_NAME:-edge-1}\n', { DB_URL: 'postgres://a@b/c' });
    expect(config.databaseUrl).toBe('postgres://a@b/c');
    expect(config.name).toBe('edge-1');
    expect(() => parse('database:\n  url: ${MISSING}\n')).toThrow(/database.url uses \$\{MISSING\}/);
  });

  it('names the key of every mistake', () => {
    expect(() => parse('files:\n  - paths: a\n    sourc: x\n')).toThrow(/files\[0\]\.source is required/);
    expect(() => parse('files:\n  - paths: a\n    source: x\n    poll: 3\n')).toThrow(/files\[0\] has unknown key: poll/);
    expect(() => parse('syslog:\n  - protocol: tcp\n    listen: nowhere\n')).toThrow(/syslog\[0\]\.listen must be host:port/);
    expect(() => parse('batch:\n  max_lines: 0\n')).toThrow(/batch\.max_lines must be a whole number from 1/);
    expect(() => parse('files:\n  - paths: a\n    source: x\n    multiline: { start: "(" }\n')).toThrow(/multiline\.start is not a valid regular expression/);
    expect(() => parse('http:\n  - name: a\n    url: http://x/\n  - name: a\n    url: http://y/\n')).toThrow(/http name a is used twice/);
    expect(() => parse('[1, 2]')).toThrow(AgentConfigError);
  });

  it('accepts the documented example', () => {
    const example = readFileSync(path.resolve(import.meta.dirname, '../../docs/agent.example.yaml'), 'utf8');
    const config = parse(example, { SIEM_AGENT_DATABASE_URL: 'postgres://siem_agent:pw@db:5432/siem', OKTA_TOKEN: 't' });
    expect(config.files.length).toBeGreaterThan(0);
    expect(config.syslog.map((s) => s.protocol)).toEqual(['udp', 'tcp', 'tls']);
    expect(config.http).toHaveLength(1);
  });
});
