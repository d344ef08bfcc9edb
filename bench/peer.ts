import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { withClient } from '../db/setup.ts';
import { withCredentials } from '../db/urls.ts';
import { freePort } from '../test/free_port.ts';
import { startAgent, stop, waitForListener } from './agent.ts';
import { syslogStream } from './corpus.ts';
import { startBenchDatabase, type BenchDatabase } from './database.ts';
import { startBenchWorker, startChild } from './enrich.ts';
import { ensureRsyslog, rsyslogSchema, rsyslogd, startRsyslog } from './rsyslog.ts';
import type { Benchmark, Figure } from './types.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const peerRole = 'rsyslog_peer';

/** Sends the whole stream over one TCP connection (LF framing), as a relaying syslog client would. */
async function send(port: number, stream: Buffer): Promise<void> {
  await pipeline(Readable.from([stream]), connect(port, '127.0.0.1'));
}

/**
 * Polls `stored()` until it reaches `target`; fails when it stops moving for a minute or when
 * `alive()` says the receiver is gone, with its diagnostics.
 */
async function waitForStored(what: string, target: number, stored: () => Promise<number>, alive: () => string | undefined): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const n = await stored();
    if (n >= target) return;
    if (n !== last) {
      last = n;
      movedAt = Date.now();
    }
    const dead = alive();
    if (dead) throw new Error(`${what}: ${n} of ${target} stored, then the receiver stopped: ${dead}`);
    if (Date.now() - movedAt > 60_000) throw new Error(`${what}: stuck at ${n} of ${target} stored for 60 s`);
    await sleep(100);
  }
}

const checkpoint = (database: BenchDatabase) => withClient(database.superuserUrl, (client) => client.query('checkpoint'));

function rsyslogVersion(): string {
  const out = spawnSync(rsyslogd, ['-v'], { encoding: 'utf8' }).stdout ?? '';
  return /rsyslogd\s+([\d.]+)/.exec(out)?.[1] ?? 'unknown';
}

interface PeerRun {
  seconds: number;
  bytes: number;
}

/** rsyslog (imtcp -> ompgsql, its default template) into SystemEvents of a database of its own on the same server. */
async function runRsyslog(database: BenchDatabase, dir: string, stream: Buffer, lines: number, log: (message: string) => void): Promise<PeerRun> {
  const password = randomBytes(12).toString('hex');
  const name = `rsyslog_peer_${process.pid}`;
  const server = new URL(database.superuserUrl);
  await withClient(database.superuserUrl, async (client) => {
    const exists = (await client.query('select 1 from pg_roles where rolname = $1', [peerRole])).rowCount! > 0;
    await client.query(`${exists ? 'alter' : 'create'} role ${peerRole} login password ${client.escapeLiteral(password)}`);
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name} owner ${peerRole}`);
  });
  const peerUrl = withCredentials(database.superuserUrl, peerRole, password, name);
  try {
    await withClient(peerUrl, (client) => client.query(rsyslogSchema()));
    await checkpoint(database);
    const port = await freePort();
    const rsyslog = startRsyslog({
      workDir: dir,
      listenPort: port,
      database: { host: server.hostname, port: Number(server.port || 5432), name, user: peerRole, password },
    });
    try {
      const exited = () => (rsyslog.child.exitCode !== null || rsyslog.child.signalCode !== null ? `rsyslogd exited: ${rsyslog.diagnostics()}` : undefined);
      await waitForListener(port).catch((error: unknown) => {
        throw new Error(`rsyslogd did not listen on ${port}: ${exited() ?? String(error)}`);
      });
      return await withClient(peerUrl, async (client) => {
        const started = performance.now();
        await send(port, stream);
        log(`rsyslog: ${lines} lines sent in ${((performance.now() - started) / 1000).toFixed(2)} s`);
        // max(id) is an index probe; count(*) confirms once the ids say everything arrived.
        await waitForStored('rsyslog', lines, async () => Number((await client.query('select coalesce(max(id), 0) as n from systemevents')).rows[0].n), exited);
        await waitForStored('rsyslog', lines, async () => Number((await client.query('select count(*) as n from systemevents')).rows[0].n), exited);
        const seconds = (performance.now() - started) / 1000;
        const { rows } = await client.query<{ n: string; bytes: string }>(`select count(*) as n, pg_total_relation_size('systemevents') as bytes from systemevents`);
        if (Number(rows[0]!.n) !== lines) throw new Error(`rsyslog stored ${rows[0]!.n} rows for ${lines} lines sent`);
        const sample = (await client.query(`select fromhost, syslogtag, facility, priority, devicereportedtime, message from systemevents order by id limit 1`)).rows[0];
        log(`rsyslog: a stored row: ${JSON.stringify(sample)}`);
        return { seconds, bytes: Number(rows[0]!.bytes) };
      });
    } finally {
      await rsyslog.stop();
    }
  } finally {
    await withClient(database.superuserUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).catch(() => {});
  }
}

interface OurRun extends PeerRun {
  enrichedSeconds: number;
  events: number;
  quarantined: number;
  parsed: number;
  enriched: number;
}

/** siem agent (TCP syslog listener) -> events_raw -> parsing trigger -> events | quarantine, with the worker enriching beside it. */
async function runSiem(database: BenchDatabase, dir: string, stream: Buffer, lines: number, log: (message: string) => void): Promise<OurRun> {
  await withClient(database.ownerUrl, (client) => client.query('truncate events_raw, events, quarantine, ingest_batches, event_rollups, threat_matches, siem_private.enrichment_queue'));
  const dnsProcess = await startChild('dns_process.ts', []);
  const worker = await startBenchWorker(database, dnsProcess.line);
  const agentName = 'bench-peer';
  try {
    await checkpoint(database);
    const port = await freePort();
    const agent = startAgent(dir, {
      name: agentName,
      state_dir: mkdtempSync(path.join(dir, 'agent-state-')),
      database: { url: database.agentUrl, connections: 3 },
      batch: { max_lines: 20_000, max_delay_ms: 200 },
      log: { level: 'warn' },
      syslog: [{ protocol: 'tcp', listen: `127.0.0.1:${port}`, source: 'syslog' }],
    });
    try {
      const exited = () => (agent.exitCode !== null || agent.signalCode !== null ? `siem agent exited (${agent.exitCode ?? agent.signalCode})` : undefined);
      await waitForListener(port);
      return await withClient(database.ownerUrl, async (client) => {
        const started = performance.now();
        await send(port, stream);
        log(`siem agent: ${lines} lines sent in ${((performance.now() - started) / 1000).toFixed(2)} s`);
        // The trigger writes each batch's event and quarantine counts in the batch's own transaction.
        const stored = async () =>
          Number((await client.query('select coalesce(sum(event_count + quarantine_count), 0) as n from ingest_batches where agent = $1', [agentName])).rows[0].n);
        await waitForStored('siem agent', lines, stored, exited);
        const seconds = (performance.now() - started) / 1000;
        // Enrichment runs in the worker after commit. The ingest transaction queued each statement's
        // range with its events, and a job deletes the ranges it enriched in its own transaction:
        // an empty queue means everything is enriched and committed (a failed job puts its ranges back).
        for (;;) {
          const { rows } = await client.query<{ pending: boolean }>('select exists (select from siem_private.enrichment_queue) as pending');
          if (!rows[0]!.pending) break;
          if (performance.now() - started > 1_800_000) throw new Error('enrichment did not finish in 30 min');
          await sleep(100);
        }
        const enrichedSeconds = (performance.now() - started) / 1000;
        const failed = await client.query<{ n: number; error: string | null }>(
          `select count(*)::int as n, max(j.last_error) as error from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
           where t.identifier = 'events__enrich' and j.last_error is not null`,
        );
        if (failed.rows[0]!.n > 0) log(`siem: ${failed.rows[0]!.n} events__enrich job(s) failed at least once (retried by the worker; a job that used up its attempts stays failed) (last error: ${failed.rows[0]!.error})`);
        const { rows } = await client.query<{ events: number; quarantined: number; parsed: number; enriched: number; bytes: string }>(
          `with batches as (select id from ingest_batches where agent = $1)
           select (select count(*)::int from events where batch_id in (select id from batches)) as events,
                  (select count(*)::int from quarantine where agent = $1) as quarantined,
                  (select count(*)::int from events where batch_id in (select id from batches) and event_type not in ('text', 'syslog')) as parsed,
                  (select count(*)::int from events e where batch_id in (select id from batches) and siem_private.event_enriched_at(e.ts, e.id) is not null and siem_private.has_observables(e.metadata)) as enriched,
                  (select sum(pg_total_relation_size(t.relid)) from (select relid from pg_partition_tree('events')
                     union all select relid from pg_partition_tree('events_raw') union all select 'quarantine'::regclass) t) as bytes`,
          [agentName],
        );
        const counts = rows[0]!;
        const sample = (
          await client.query(
            `select ts, host, event_type, metadata, public.events_enrichment(e) as enrichment from events e where batch_id in (select id from ingest_batches where agent = $1) and siem_private.event_enriched_at(e.ts, e.id) is not null limit 1`,
            [agentName],
          )
        ).rows[0];
        log(`siem: a stored event: ${JSON.stringify(sample)}`);
        if (counts.events + counts.quarantined !== lines) throw new Error(`siem stored ${counts.events} events + ${counts.quarantined} quarantined for ${lines} lines sent`);
        return { seconds, enrichedSeconds, events: counts.events, quarantined: counts.quarantined, parsed: counts.parsed, enriched: counts.enriched, bytes: Number(counts.bytes) };
      });
    } finally {
      await stop(agent);
    }
  } finally {
    await worker.stop();
    dnsProcess.child.kill('SIGTERM');
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export const peerBenchmark: Benchmark = {
  name: 'peer',
  description: 'rsyslog + ompgsql (raw rows) vs siem agent (parsed, normalized, enriched events): the same syslog TCP stream into the same PostgreSQL, msgs/s and the ratio',
  async run({ quick, workDir, log }) {
    const skip = ensureRsyslog(log);
    if (skip) {
      log(`skipped: ${skip}`);
      return [];
    }
    const lines = quick ? 50_000 : 500_000;
    const stream = syslogStream(lines, Date.now());
    const version = rsyslogVersion();
    log(`${lines} syslog lines (sshd, sudo, ufw, CEF, RFC 5424; ${mib(stream.length)}), rsyslog ${version}; one receiver at a time, never both at once`);
    const database = await startBenchDatabase(workDir);
    const dir = mkdtempSync(path.join(workDir, 'peer-'));
    try {
      // Two rounds in opposite order (rsyslog, siem, siem, rsyslog) and the best of each, because the
      // machine is shared: a neighbour's load then hurts neither side systematically.
      let peer: PeerRun | undefined;
      let ours: OurRun | undefined;
      const rounds = quick ? 1 : 2;
      for (let round = 1; round <= rounds; round++) {
        for (const who of round % 2 === 1 ? ['rsyslog', 'siem'] : ['siem', 'rsyslog']) {
          if (who === 'rsyslog') {
            const run = await runRsyslog(database, dir, stream, lines, log);
            log(`round ${round}: rsyslog ${run.seconds.toFixed(2)} s until count(*) = ${lines}; SystemEvents ${mib(run.bytes)}`);
            if (!peer || run.seconds < peer.seconds) peer = run;
          } else {
            const run = await runSiem(database, dir, stream, lines, log);
            log(
              `round ${round}: siem agent ${run.seconds.toFixed(2)} s until events + quarantine = ${lines} (${run.events} events, ${run.parsed} named by a parser, ${run.quarantined} quarantined); ` +
                `enrichment done at ${run.enrichedSeconds.toFixed(2)} s (${run.enriched} events with addresses enriched); events + events_raw + quarantine ${mib(run.bytes)}`,
            );
            if (!ours || run.seconds < ours.seconds) ours = run;
          }
        }
      }
      if (!peer || !ours) throw new Error('no run');
      const rsyslogRate = lines / peer.seconds;
      const oursRate = lines / ours.seconds;
      const order = rounds === 1 ? 'rsyslog first' : `${rounds} rounds in alternating order, best of each`;
      const setting = `${lines} lines over one TCP connection on loopback, into the same PostgreSQL ${database.serverVersion}; run one after the other (${order}), never concurrently, on this ${describeCores()} machine`;
      const figures: Figure[] = [
        {
          name: 'peer.rsyslog',
          value: Math.round(rsyslogRate),
          unit: 'msgs/s',
          note: `rsyslog ${version} imtcp -> ompgsql (its default StdPgSQLFmt template and queues; ompgsql sends each batch the queue hands it in one BEGIN/COMMIT) until count(*) of SystemEvents = N; stores raw rows (message, host, facility, priority, times, tag), nothing parsed; ${setting}`,
        },
        {
          name: 'peer.siem',
          value: Math.round(oursRate),
          unit: 'msgs/s',
          note: 'siem agent TCP syslog listener -> COPY batches -> events_raw -> parsing trigger until events + quarantine = N; stores the raw line (events_raw) and a parsed, normalized event (event_type, canonical fields); the worker runs beside it',
        },
        { name: 'peer.ratio', value: Number((oursRate / rsyslogRate).toFixed(2)), unit: 'ratio', note: 'siem / rsyslog, messages stored per second' },
        {
          name: 'peer.siem_enriched',
          value: Math.round(lines / ours.enrichedSeconds),
          unit: 'msgs/s',
          note: 'the best siem run until enrichment also finished (GeoIP, reverse DNS against a local NXDOMAIN server, threat intel) by the worker',
        },
        { name: 'peer.ratio_enriched', value: Number((lines / ours.enrichedSeconds / rsyslogRate).toFixed(2)), unit: 'ratio', note: 'siem stored and enriched / rsyslog stored' },
      ];
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.stop();
    }
  },
};

const describeCores = () => `${availableParallelism()}-core`;
