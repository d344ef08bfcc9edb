import { parseCrontab } from 'graphile-worker';
import { describe, expect, it } from 'vitest';
import { startWorker, workerTasks } from '../run.ts';
import { checkedCrontab, CrontabError, projectCrontab } from '../schedule.ts';

const header = '# a comment\n\n';

describe('worker/crontab', () => {
  it('is valid and names only tasks the worker knows', () => {
    const text = checkedCrontab(projectCrontab(), workerTasks, workerTasks);
    const tasks = parseCrontab(text).map((item) => item.task);
    expect(tasks).toContain('partitions__archive');
    expect(tasks.filter((task) => !(workerTasks as readonly string[]).includes(task))).toEqual([]);
  });

  it('leaves out the lines of tasks this worker does not run, keeping the line numbers', () => {
    const text = checkedCrontab(projectCrontab(), workerTasks, ['partitions__maintain', 'rules__evaluate']);
    expect(parseCrontab(text).map((item) => item.task).sort()).toEqual(['partitions__maintain', 'rules__evaluate']);
    expect(text.split('\n')).toHaveLength(projectCrontab().split('\n').length);
  });
});

describe('checkedCrontab refuses a bad line, naming it', () => {
  const check = (line: string) => () => checkedCrontab(`${header}${line}\n`, workerTasks, workerTasks);

  it('an unknown task (a typo)', () => {
    expect(check('37 * * * * partitions__archiv ?max=3')).toThrow(CrontabError);
    expect(check('37 * * * * partitions__archiv ?max=3')).toThrow(/^worker\/crontab line 3 \("37 \* \* \* \* partitions__archiv \?max=3"\): unknown task "partitions__archiv"/);
  });

  it('a missing field', () => {
    expect(check('* * * * partitions__maintain')).toThrow(/^worker\/crontab line 3 \("\* \* \* \* partitions__maintain"\): Could not process line '3'/);
  });

  it('a value out of range', () => {
    expect(check('61 * * * * partitions__maintain')).toThrow(/^worker\/crontab line 3 .*Too large value '61' in minutes range in line 3 of crontab/);
  });

  it('an unknown option', () => {
    expect(check('17 * * * * partitions__maintain ?maxx=3')).toThrow(/^worker\/crontab line 3 .*unsupported key 'maxx'/);
  });

  it('a payload that is not JSON5', () => {
    expect(check('17 * * * * partitions__maintain ?max=3 {oops}')).toThrow(/^worker\/crontab line 3 .*Failed to parse JSON5 payload on line 3/);
  });

  it('the same task twice without distinct ids', () => {
    expect(() => checkedCrontab('17 * * * * rules__evaluate\n18 * * * * rules__evaluate\n', workerTasks, workerTasks)).toThrow(/duplicate identifiers found: 'rules__evaluate'/);
  });
});

describe('startWorker', () => {
  it('does not start with a bad crontab, and says which line', async () => {
    // Nothing is opened before the check: the database need not exist.
    const started = startWorker({
      connectionString: 'postgres://nobody@127.0.0.1:1/none',
      concurrency: 1,
      partitionDaysAhead: 1,
      crontab: `${projectCrontab()}\n*/5 * * * * partitions__maintian\n`,
      log: () => {},
    });
    await expect(started).rejects.toThrow(/^worker\/crontab line \d+ \("\*\/5 \* \* \* \* partitions__maintian"\): unknown task "partitions__maintian"/);
  });
});
