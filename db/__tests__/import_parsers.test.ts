import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const importParsers = async (definitions: unknown) =>
  (await context.db.pool.query('select import_parsers($1::jsonb) as n', [JSON.stringify(definitions)])).rows[0].n;

describe('import_parsers', () => {
  it('creates parsers in the seed shape, with their event types, then updates them', async () => {
    const seed = {
      ssh_failed_custom: {
        source: 'syslog',
        program: 'sshd',
        pattern: 'Failed %{WORD:auth_method} for (invalid user )?%{USERNAME:user} from %{IP:src_ip} port %{INT:src_port:int}',
      },
    };
    expect(await importParsers(seed)).toBe(1);
    const { rows } = await context.db.pool.query(`select event_type, priority, prefilter, enabled from parsers where name = 'ssh_failed_custom'`);
    expect(rows).toEqual([{ event_type: 'ssh_failed_custom', priority: 100, prefilter: 'Failed ', enabled: true }]);
    expect((await context.db.pool.query(`select count(*)::int as n from event_types where name = 'ssh_failed_custom'`)).rows[0].n).toBe(1);

    expect(await importParsers({ ssh_failed_custom: { ...seed.ssh_failed_custom, priority: 5, enabled: false, event_type: 'ssh_failed' } })).toBe(1);
    const updated = await context.db.pool.query(`select event_type, priority, enabled from parsers where name = 'ssh_failed_custom'`);
    expect(updated.rows).toEqual([{ event_type: 'ssh_failed', priority: 5, enabled: false }]);
  });

  it('writes nothing when one pattern does not compile, and names it', async () => {
    await expect(importParsers({ good_one: { pattern: 'a %{WORD:w}' }, bad_one: { pattern: '%{NOPE:x}' } })).rejects.toThrow(
      'parser bad_one: grok: unknown pattern %{NOPE}',
    );
    expect((await context.db.pool.query(`select count(*)::int as n from parsers where name = 'good_one'`)).rows[0].n).toBe(0);
  });

  it('compiles a parser with the naming it asks for', async () => {
    const pattern = '%{IP:[source][ip]} %{SYSLOGPROG}';
    expect(await importParsers({ ecs_named: { pattern, naming: 'ecs-v1' }, legacy_named: { pattern } })).toBe(2);
    const { rows } = await context.db.pool.query(`select name, naming, field_names from parsers where name in ('ecs_named', 'legacy_named') order by name`);
    expect(rows).toEqual([
      { name: 'ecs_named', naming: 'ecs-v1', field_names: ['[source][ip]', '[process][name]', '[process][pid]'] },
      { name: 'legacy_named', naming: 'legacy', field_names: ['[source][ip]', 'program', 'pid'] },
    ]);
    await expect(importParsers({ odd: { pattern, naming: 'ecs' } })).rejects.toThrow('import_parsers: naming must be legacy or ecs-v1; check odd');
  });

  it('rejects entries without a pattern', async () => {
    await expect(importParsers({ no_pattern: { source: 'x' } })).rejects.toThrow('every parser needs a pattern (a string); check no_pattern');
    await expect(importParsers(['not', 'an', 'object'])).rejects.toThrow('expected an object of parsers by name');
  });
});
