import { describe, expect, it } from 'vitest';
import { ParserFileError, parseParsersYaml, parsersToYaml } from '../parsers_yaml.ts';

describe('parsers YAML', () => {
  it('reads the seed shape', () => {
    const yaml = `ssh_failed:
  source: syslog
  program: sshd
  pattern: 'Failed %{WORD:auth_method} for (invalid user )?%{USERNAME:user} from %{IP:src_ip} port %{INT:src_port:int}'
`;
    expect(parseParsersYaml(yaml)).toEqual({
      ssh_failed: {
        source: 'syslog',
        program: 'sshd',
        pattern: 'Failed %{WORD:auth_method} for (invalid user )?%{USERNAME:user} from %{IP:src_ip} port %{INT:src_port:int}',
      },
    });
  });

  it('lists every problem with the parser it belongs to', () => {
    const yaml = `a:
  source: syslog
b:
  pattern: x
  priority: high
  colour: red
c: just a string
`;
    expect(() => parseParsersYaml(yaml)).toThrow(ParserFileError);
    expect(() => parseParsersYaml(yaml)).toThrow(
      /a: pattern must be a non-empty string\nb: unknown key "colour" .*\nb: priority must be a whole number\nc: expected a mapping/,
    );
    expect(() => parseParsersYaml('- a list')).toThrow('expected a mapping of parser names');
    expect(() => parseParsersYaml('a: [unclosed')).toThrow('not valid YAML');
  });

  it('writes what it reads, leaving out defaults', () => {
    const yaml = parsersToYaml([
      { name: 'ssh_failed', source: 'syslog', program: 'sshd', pattern: 'Failed %{WORD:m}', event_type: 'ssh_failed', priority: 100, prefilter: null, enabled: true, kind: 'grok', naming: 'legacy' },
      { name: 'web', source: 'nginx', program: null, pattern: '^%{COMMONAPACHELOG}', event_type: 'http_access', priority: 20, prefilter: null, enabled: false, kind: 'grok', naming: 'ecs-v1' },
    ]);
    expect(yaml).toBe(`ssh_failed:
  source: syslog
  program: sshd
  pattern: Failed %{WORD:m}
web:
  source: nginx
  pattern: ^%{COMMONAPACHELOG}
  event_type: http_access
  priority: 20
  enabled: false
  naming: ecs-v1
`);
    expect(parseParsersYaml(yaml).web).toEqual({
      source: 'nginx',
      pattern: '^%{COMMONAPACHELOG}',
      event_type: 'http_access',
      priority: 20,
      enabled: false,
      naming: 'ecs-v1',
    });
    expect(() => parseParsersYaml('x:\n  pattern: a\n  naming: ecs\n')).toThrow('x: naming must be legacy or ecs-v1');
  });
});
