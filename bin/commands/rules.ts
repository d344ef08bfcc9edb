import type { Config } from '../config.ts';
import { ConfigError } from '../config.ts';
import { withOwner } from './with_owner.ts';
import { parseSince } from './reparse.ts';
import { importRules, ruleFiles } from '../../db/rules/import.ts';
import { loadMapping } from '../../db/rules/sigma/mapping.ts';
import { testRules } from '../../db/rules/fixtures.ts';

export async function rulesImportCommand(config: Config, target: string, options: { mapping?: string; disabled?: boolean; verbose?: boolean }): Promise<void> {
  const files = ruleFiles(target);
  const mapping = loadMapping(options.mapping);
  const report = await withOwner(config, (client) => importRules(client, files, mapping, { enabled: !options.disabled }));
  for (const failure of report.failures) console.log(`failed   ${failure.file}: ${failure.title}: ${failure.error}`);
  if (options.verbose) for (const name of report.installed) console.log(`compiled ${name}`);
  const total = report.compiled + report.failed;
  console.log(`${files.length} files: ${report.compiled} rules compiled, ${report.failed} failed${total ? ` (${((100 * report.compiled) / total).toFixed(1)} % compiled)` : ''}`);
  if (report.failed > 0) process.exitCode = 1;
}

export async function rulesAddViewCommand(
  config: Config,
  view: string,
  options: { name?: string; title?: string; severity: string; tags?: string; threshold?: string; window?: string; distinct?: boolean; source?: string },
): Promise<void> {
  const qualified = view.includes('.') ? view : `rules.${view}`;
  const name = options.name ?? qualified.split('.').pop()!;
  if (options.threshold !== undefined && options.window === undefined) throw new ConfigError('--threshold needs --window (e.g. 5 minutes)');
  const row = await withOwner(config, async (client) => {
    const { rows } = await client.query<{ id: string; name: string; evaluation: string }>(
      `select id, name, evaluation from public.add_view_rule($1, $2::regclass, $3, $4, $5::text[], $6, $7::interval, $8::integer, $9, $10::regclass)`,
      [
        name, qualified, options.title ?? null, options.severity, (options.tags ?? '').split(',').map((tag) => tag.trim()).filter(Boolean),
        options.threshold === undefined ? 'match' : 'threshold', options.window ?? null, options.threshold ?? null, Boolean(options.distinct),
        options.source ?? 'public.events',
      ],
    );
    return rows[0]!;
  });
  console.log(`rule ${row.name} (id ${row.id}, ${row.evaluation}) evaluates ${qualified} from now on; run \`siem rules backfill ${row.name} --since ...\` for history`);
}

export async function rulesBackfillCommand(config: Config, rule: string, options: { since: string; until?: string }): Promise<void> {
  const since = parseSince(options.since);
  const until = options.until ? parseSince(options.until) : null;
  const alerts = await withOwner(config, async (client) => {
    const found = await client.query<{ id: string }>('select id from public.rules where name = $1', [rule]);
    if (!found.rows[0]) throw new ConfigError(`no rule named ${rule}`);
    const { rows } = await client.query<{ alerts: number }>('select siem_private.backfill_rule($1, $2, $3) as alerts', [found.rows[0].id, since, until]);
    return rows[0]!.alerts;
  });
  console.log(`backfilled ${rule} since ${since.toISOString()}: ${alerts} alerts raised or repeated (events already alerted on are not counted again)`);
}

export async function rulesTestCommand(config: Config, rule: string | undefined): Promise<void> {
  const results = await withOwner(config, (client) => testRules(client, rule));
  let failed = 0;
  const mark = (ok: boolean | null) => (ok === null ? 'none' : ok ? 'pass' : 'FAIL');
  for (const result of results) {
    if (result.positive === false || result.negative === false) failed++;
    console.log(`${result.positive === false || result.negative === false ? 'FAIL' : 'ok  '} ${result.rule}: positive ${mark(result.positive)}, negative ${mark(result.negative)}`);
  }
  console.log(`${results.length} rules with fixtures: ${results.length - failed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

/**
 * Enables or disables a rule. A rule enabled again evaluates from now on: what committed while it
 * was disabled is left to an explicit backfill, whose command this prints.
 */
export async function rulesEnableCommand(config: Config, rule: string, enabled: boolean): Promise<void> {
  const message = await withOwner(config, async (client) => {
    await client.query('begin');
    try {
      const { rows } = await client.query<{ enabled: boolean; disabled_at: Date | null }>(
        `select r.enabled, c.disabled_at from public.rules r left join siem_private.rule_checkpoints c on c.rule_id = r.id where r.name = $1 for update of r`,
        [rule],
      );
      if (!rows[0]) throw new ConfigError(`no rule named ${rule}`);
      await client.query('update public.rules set enabled = $2 where name = $1', [rule, enabled]);
      await client.query('commit');
      if (rows[0].enabled === enabled) return `rule ${rule} was already ${enabled ? 'enabled' : 'disabled'}`;
      if (!enabled) return `rule ${rule} disabled: events committed from now on are not evaluated (enabling it again does not catch up)`;
      const since = rows[0].disabled_at?.toISOString();
      return `rule ${rule} enabled: it evaluates events committed from now on` +
        (since ? `; for the period it was disabled run \`siem rules backfill ${rule} --since ${since}\`` : '');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  });
  console.log(message);
}
