import { describe, expect, it } from 'vitest';
import { crontabTasks, makeTaskList } from '../run.ts';

describe('worker/crontab', () => {
  it('schedules only tasks the worker has, and the operations tasks', () => {
    const tasks = makeTaskList({
      partitionDaysAhead: 7,
      archive: { archiveDir: '/tmp/a', rawRetentionDays: 2, eventRetentionDays: 30 },
      backup: { backupDir: '/tmp/b', ownerUrl: 'postgres://x@h/d', replicationUrl: 'postgres://x@h/d', keep: 7 },
    });
    const scheduled = crontabTasks();
    expect(scheduled.filter((task) => !(task in tasks))).toEqual([]);
    expect(scheduled).toEqual(expect.arrayContaining(['partitions__maintain', 'partitions__archive', 'database__backup', 'metric_counts__compact']));
  });
});
