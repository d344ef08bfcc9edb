import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

const prefilterOf = async (pattern: string) =>
  (await context.db.pool.query('select siem_private.dissect_prefilter((siem_private.dissect_compile($1)).literals) as p', [pattern])).rows[0].p as
    | string
    | null;

describe('siem_private.dissect_prefilter', () => {
  it('is the longest literal of the pattern, the first of equal length', async () => {
    expect(await prefilterOf('Failed %{m} for invalid user %{u} from %{ip} port %{port} %{}')).toBe(' for invalid user ');
    expect(await prefilterOf('%{a} x=%{b} y=%{c}')).toBe(' x=');
    expect(await prefilterOf('%{user} : TTY=%{tty} ; PWD=%{pwd} ; USER=%{target} ; COMMAND=%{command}')).toBe(' ; COMMAND=');
  });

  it('is what a new dissect parser gets unless it names its own, and the shipped parsers have it', async () => {
    await context.db.pool.query(`insert into parsers (name, kind, pattern, event_type) values ('p_default', 'dissect', 'ab %{x} longest literal %{y}', 'x')`);
    await context.db.pool.query(
      `insert into parsers (name, kind, pattern, event_type, prefilter) values ('p_own', 'dissect', 'ab %{x} longest literal %{y}', 'x', 'ab ')`,
    );
    const { rows } = await context.db.pool.query(
      `select name, prefilter from parsers where name in ('p_default', 'p_own', 'sshd_failed_invalid_user', 'sshd_failed', 'sudo_command') order by name`,
    );
    expect(rows).toEqual([
      { name: 'p_default', prefilter: ' longest literal ' },
      { name: 'p_own', prefilter: 'ab ' },
      { name: 'sshd_failed', prefilter: 'Failed ' },
      { name: 'sshd_failed_invalid_user', prefilter: ' for invalid user ' },
      { name: 'sudo_command', prefilter: ' ; COMMAND=' },
    ]);
  });

  it('is null when the pattern has no literal', async () => {
    expect(await prefilterOf('%{whole}')).toBeNull();
  });
});
