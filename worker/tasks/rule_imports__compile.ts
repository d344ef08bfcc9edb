import type { Task } from 'graphile-worker';
import { compileRuleTexts, installRules } from '../../db/rules/import.ts';
import { loadMapping, type SigmaMapping } from '../../db/rules/sigma/mapping.ts';

let mapping: SigmaMapping | undefined;

/**
 * Compiles and installs the rules of one import from the web UI (public.rule_imports), with the
 * same compilers and the same per-rule transactions as `siem rules import`, and records what
 * happened on the import row. The worker is the database owner, which rule views need.
 */
export const ruleImportsCompile: Task = async (payload, helpers) => {
  const id = (payload as { id?: unknown }).id;
  if (typeof id !== 'number' && typeof id !== 'string') return;
  await helpers.withPgClient(async (client) => {
    const { rows } = await client.query<{ file_name: string; source_text: string; enabled: boolean }>(
      `select file_name, source_text, enabled from public.rule_imports where id = $1 and status = 'pending'`,
      [id],
    );
    const pending = rows[0];
    if (!pending) return;
    let status = 'done';
    let report: { installed: string[]; failures: { title: string; error: string }[] };
    try {
      mapping ??= loadMapping();
      report = await installRules(client, compileRuleTexts([{ file: pending.file_name, text: pending.source_text }], mapping), { enabled: pending.enabled });
    } catch (error) {
      status = 'error';
      report = { installed: [], failures: [{ title: pending.file_name, error: (error as Error).message }] };
    }
    await client.query(`update public.rule_imports set status = $2, compiled = $3, failures = $4, finished_at = now() where id = $1`, [
      id,
      status,
      report.installed,
      JSON.stringify(report.failures.map(({ title, error }) => ({ title, error }))),
    ]);
    helpers.logger.info(`rule import ${id}: ${report.installed.length} compiled, ${report.failures.length} failed`);
  });
};
