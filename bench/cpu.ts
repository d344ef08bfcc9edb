import { readdirSync, readFileSync } from 'node:fs';

// CPU time from /proc (Linux), which other jobs on a shared machine do not inflate as they do wall time.

function statFields(pid: number | 'self'): string[] {
  // after "pid (comm) ": state is field 0, ppid 1, utime 11, stime 12, cutime 13, cstime 14 (clock ticks, 100 per second)
  return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
}

/** CPU seconds (user + system) of a process, and of its children it has waited for. */
export function cpuSeconds(pid: number | 'self'): { own: number; children: number } {
  const fields = statFields(pid);
  return { own: (Number(fields[11]) + Number(fields[12])) / 100, children: (Number(fields[13]) + Number(fields[14])) / 100 };
}

export function parentOf(pid: number): number {
  return Number(statFields(pid)[1]);
}

/**
 * Everything the database server and this process (with the worker running in it, and the
 * `siem ingest` children it has reaped) have used so far: the difference over a run is that run's CPU.
 */
export function serverAndBenchCpu(postmaster: number): number {
  let total = cpuSeconds(postmaster).own + cpuSeconds(postmaster).children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(Number(entry));
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // the process ended meanwhile
    }
  }
  const self = cpuSeconds('self');
  return total + self.own + self.children;
}
