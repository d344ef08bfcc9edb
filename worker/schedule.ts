import { readFileSync } from 'node:fs';
import { parseCrontab } from 'graphile-worker';

/** The project's crontab (worker/crontab), as shipped. */
export const projectCrontab = (): string => readFileSync(new URL('crontab', import.meta.url), 'utf8');

export class CrontabError extends Error {}

/**
 * Checks every line of the crontab and returns it without the lines of tasks this worker does
 * not run (alert mail, archives and backups are off in tests). A malformed line or a task name
 * the worker does not know is an error naming the line, so a typo stops the worker at start
 * instead of silently never running the job.
 *
 * `known`: every task the worker can run, configured or not; `active`: those it runs now.
 */
export function checkedCrontab(text: string, known: readonly string[], active: readonly string[]): string {
  const lines = text.split(/\r?\n/);
  const kept = lines.map((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return line;
    const where = `worker/crontab line ${index + 1} (${JSON.stringify(trimmed)})`;
    let task: string;
    try {
      // Blank lines first, so graphile-worker's own message names the right line.
      task = parseCrontab('\n'.repeat(index) + trimmed)[0]!.task;
    } catch (error) {
      throw new CrontabError(`${where}: ${(error as Error).message}`, { cause: error });
    }
    if (!known.includes(task)) {
      throw new CrontabError(`${where}: unknown task ${JSON.stringify(task)} (tasks: ${[...known].sort().join(', ')})`);
    }
    return active.includes(task) ? line : `# (not run by this worker) ${line}`;
  });
  const result = kept.join('\n');
  try {
    parseCrontab(result); // what only the whole file can get wrong: duplicate identifiers
  } catch (error) {
    throw new CrontabError(`worker/crontab: ${(error as Error).message}`, { cause: error });
  }
  return result;
}
