import type pg from 'pg';
import { sendBatch } from '../agent/batch_sender.ts';
import { makeBatch } from './batches.ts';

/** sshd "Failed password" lines from one address, one per `stepSeconds` from `start`. */
export function failedSshLines(count: number, start: Date, srcIp: string, stepSeconds = 10): string[] {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(start.getTime() + i * stepSeconds * 1000);
    const stamp = at.toUTCString().slice(8, 11) + ' ' + String(at.getUTCDate()).padStart(2, ' ') + ' ' + at.toISOString().slice(11, 19);
    return `${stamp} bastion sshd[${4000 + i}]: Failed password for root from ${srcIp} port ${50000 + i} ssh2`;
  });
}

/** Sends lines as one agent batch (syslog source) and returns the batch. */
export async function ingestLines(agentPool: pg.Pool, lines: string[], source = 'syslog') {
  const batch = makeBatch(lines, { source, timestamp: new Date() });
  await sendBatch(agentPool, 'test', batch);
  return batch;
}

/** The view and rule "10 failed ssh logins from one src_ip within 5 minutes". */
export async function createSshThresholdRule(pool: pg.Pool | pg.PoolClient, name = 'ssh_brute_force'): Promise<number> {
  await pool.query(`create or replace view rules.${name} as
    select e.ts as event_ts, e.id as event_id, e.metadata->>'src_ip' as entity,
           'failed ssh logins from ' || (e.metadata->>'src_ip') as summary
    from public.events e where e.event_type = 'ssh_failed'`);
  // The engine runs as the database owner, which must be able to read the view.
  await pool.query(`alter view rules.${name} owner to siem_owner`);
  const { rows } = await pool.query(
    `select id from public.add_view_rule($1, $2::regclass, 'SSH brute force', 'high', '{attack.t1110}', 'threshold', '5 minutes', 10)`,
    [name, `rules.${name}`],
  );
  return Number(rows[0].id);
}
