import { afterEach, describe, expect, it, vi } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { createSshThresholdRule, failedSshLines, ingestLines } from '../../test/rules.ts';
import { loadConfig } from '../config.ts';
import { rulesEnableCommand } from '../commands/rules.ts';

const context = useAgentDatabase();
const config = () => loadConfig({ DATABASE_URL: context.db.urls.owner, SIEM_DATA_DIR: context.db.dataDir });

afterEach(() => {
  vi.restoreAllMocks();
});

async function output(run: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  await run();
  return lines.join('\n');
}

describe('siem rules enable / disable', () => {
  it('disables a rule, and enabling it again starts from now and names the backfill for the gap', async () => {
    const ruleId = await createSshThresholdRule(context.db.pool, 'ssh_gap');
    expect(await output(() => rulesEnableCommand(config(), 'ssh_gap', false))).toMatch(/^rule ssh_gap disabled: events committed from now on are not evaluated/);
    await ingestLines(context.agentPool, failedSshLines(10, new Date('2026-11-24T10:00:00Z'), '198.51.100.77'));
    const enabled = await output(() => rulesEnableCommand(config(), 'ssh_gap', true));
    const since = /--since (\S+)`/.exec(enabled)?.[1];
    expect(enabled).toMatch(/^rule ssh_gap enabled: it evaluates events committed from now on; for the period it was disabled run `siem rules backfill ssh_gap --since /);
    expect(Date.now() - Date.parse(since!)).toBeLessThan(60_000);
    // The burst of the disabled period raises nothing by itself ...
    const { rows } = await context.db.pool.query('select * from siem_private.evaluate_rule($1)', [ruleId]);
    expect(rows[0]).toEqual({ rows_seen: 0, alerts: 0 });
    expect(await output(() => rulesEnableCommand(config(), 'ssh_gap', true))).toBe('rule ssh_gap was already enabled');
    await expect(rulesEnableCommand(config(), 'nope', true)).rejects.toThrow(/no rule named nope/);
  });
});
