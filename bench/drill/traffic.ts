import { int as between, pick, syslogTime, type Random } from '../../agent/demo.ts';

// The soak's live traffic, shared with the rules-eval benchmark so both evaluate the same rows.

/** Source addresses from a pool of 1,000, as a busy site sees: a few noisy scanners among ordinary clients. */
const ip = (r: Random) => `10.${between(r, 0, 3)}.${between(r, 0, 9)}.${between(r, 1, 25)}`;
/** Live traffic: sshd failures and successes (which the example rules watch), sudo, cron, JSON app logs. */
export function trafficLine(r: Random, i: number, now: Date): string {
  const stamp = syslogTime(now);
  switch (between(r, 0, 5)) {
    case 0: return `<38>${stamp} web-${i % 8} sshd[${between(r, 100, 60000)}]: Failed password for ${pick(r, ['root', 'admin', 'oracle', 'deploy'])} from ${ip(r)} port ${between(r, 1024, 65535)} ssh2`;
    case 1: return `<38>${stamp} web-${i % 8} sshd[${between(r, 100, 60000)}]: Accepted publickey for deploy from ${ip(r)} port ${between(r, 1024, 65535)} ssh2`;
    case 2: return `<85>${stamp} db-${i % 3} sudo: deploy : TTY=pts/0 ; PWD=/srv ; USER=root ; COMMAND=/usr/bin/systemctl restart app${i % 5}`;
    case 3: return `<78>${stamp} web-${i % 8} CRON[${between(r, 100, 60000)}]: (root) CMD (run-parts /etc/cron.hourly)`;
    default: return JSON.stringify({ '@timestamp': now.toISOString(), level: pick(r, ['info', 'warn', 'error']), user: `u${between(r, 1, 500)}`, src_ip: ip(r), msg: `request ${i}` });
  }
}
