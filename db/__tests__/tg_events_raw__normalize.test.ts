import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { rawColumns } from '../../agent/envelope.ts';
import { createTestDatabase, useAgentDatabase, type TestDatabase } from '../../test/database.ts';
import { makeBatch } from '../../test/batches.ts';

let db: TestDatabase;
let agentPool: pg.Pool;
let listener: pg.Client;
const notifications: unknown[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  agentPool = new pg.Pool({ connectionString: db.urls.agent, max: 2 });
  agentPool.on('error', () => {});
  listener = new pg.Client({ connectionString: db.urls.owner });
  await listener.connect();
  listener.on('notification', (message) => notifications.push(JSON.parse(message.payload ?? 'null')));
  await listener.query('listen siem_events');
});
afterAll(async () => {
  await listener.end();
  await agentPool.end();
  await db.drop();
});

const waitFor = async (predicate: () => boolean) => {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
};

describe('tg_events_raw__normalize', () => {
  it('sends one NOTIFY per COPY with the batch, counts and time range', async () => {
    notifications.length = 0;
    const batch = makeBatch(Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? '' : `line ${i}`)), {
      timestamp: new Date('2026-01-01T00:00:00Z'),
    });
    await sendBatch(agentPool, 'a', batch);
    await waitFor(() => notifications.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notifications).toEqual([
      {
        events: 1800,
        quarantined: 200,
        batches: [batch.id],
        recorded_batches: 1,
        min_ts: '2026-01-01T00:00:00+00:00',
        max_ts: '2026-01-01T00:00:00+00:00',
      },
    ]);
  });

  it('parses each of several COPYs in one transaction once (the scratch tables start empty)', async () => {
    await db.pool.query(`insert into csv_sources (source, header) values ('fw_csv', '{ts,src_ip,action}')`);
    const client = new pg.Client({ connectionString: db.urls.agent });
    await client.connect();
    const batches = [
      makeBatch(['2026-11-24T10:00:00Z,203.0.113.9,deny', '2026-11-24T10:00:01Z,203.0.113.10,allow'], { source: 'fw_csv' }),
      makeBatch(['2026-11-24T10:00:02Z,203.0.113.11,deny', '<38>Nov 24 10:00:03 bastion sshd[811]: Failed password for root from 203.0.113.9 port 52100 ssh2'], {
        source: 'fw_csv',
      }),
    ];
    try {
      await client.query('begin');
      for (const batch of batches) {
        await client.query('insert into public.ingest_batches (id, agent, line_count) values ($1, $2, $3)', [batch.id, 'a', batch.lineCount]);
        await pipeline(Readable.from(batch.chunks), client.query(copyFrom(`copy public.events_raw (${rawColumns.join(', ')}) from stdin`)));
      }
      await client.query('commit');
    } finally {
      await client.end();
    }
    const { rows } = await db.pool.query(
      `select batch_id, metadata ->> 'action' as action, event_type from events where batch_id = any($1) order by raw_id`,
      [batches.map((batch) => batch.id)],
    );
    expect(rows).toEqual([
      { batch_id: batches[0]!.id, action: 'deny', event_type: 'csv' },
      { batch_id: batches[0]!.id, action: 'allow', event_type: 'csv' },
      { batch_id: batches[1]!.id, action: 'deny', event_type: 'csv' },
      { batch_id: batches[1]!.id, action: null, event_type: 'csv' },
    ]);
    const counts = await db.pool.query('select event_count, quarantine_count from ingest_batches where id = any($1) order by event_count', [
      batches.map((batch) => batch.id),
    ]);
    expect(counts.rows).toEqual([
      { event_count: 2, quarantine_count: 0 },
      { event_count: 2, quarantine_count: 0 },
    ]);
  });

  it('keeps the raw reference from each event to its line', async () => {
    const batch = makeBatch(['alpha', 'beta']);
    await sendBatch(agentPool, 'a', batch);
    const { rows } = await db.pool.query(
      `select count(*)::int as n from events e join events_raw r on r.id = e.raw_id and r.ts = e.raw_ts and r.raw = e.message where e.batch_id = $1`,
      [batch.id],
    );
    expect(rows[0].n).toBe(2);
  });

  it('runs as the table owner, so the agent needs no rights on events', async () => {
    const { rows } = await db.pool.query(`select prosecdef from pg_proc where proname = 'tg_events_raw__normalize'`);
    expect(rows[0].prosecdef).toBe(true);
  });
});

describe('tg_events_raw__normalize with parsing on (the default)', () => {
  const parsing = useAgentDatabase();

  it('stores parsed, canonical events and quarantines lines missing required fields, in file order', async () => {
    await parsing.db.pool.query(`insert into event_types (name, required_fields) values ('vpn_login', '{username,src_ip}')`);
    await parsing.db.pool.query(`insert into parsers (name, source, pattern, event_type) values ('vpn', 'syslog', 'login (?:by %{USERNAME:user} )?from %{IP:src_ip}', 'vpn_login')`);
    const batch = makeBatch(
      [
        '<38>Nov 24 10:00:00 bastion sshd[811]: Failed password for invalid user oracle from 203.0.113.9 port 52100 ssh2',
        'Nov 24 10:00:01 bastion sudo:    alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id',
        'Nov 24 10:00:02 bastion kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.7 DST=10.0.0.12 PROTO=TCP SPT=40000 DPT=22',
        '{"user":"bob","src_ip":"192.0.2.4","event_type":"login_failure"}',
        'Nov 24 10:00:03 bastion vpnd: login from 192.0.2.2',
        '',
        'just text',
      ],
      { source: 'syslog', timestamp: new Date('2026-11-24T10:05:00Z') },
    );
    await sendBatch(parsing.agentPool, 'a', batch);
    const { rows } = await parsing.db.pool.query('select event_type, ts, host, metadata from events where batch_id = $1 order by id', [batch.id]);
    expect(rows.map((row) => row.event_type)).toEqual(['ssh_failed', 'sudo_command', 'firewall_block', 'login_failure', 'text']);
    expect(rows[0]).toMatchObject({ ts: new Date('2026-11-24T10:00:00Z'), host: 'bastion' });
    expect(rows[0].metadata).toEqual({ username: 'oracle', src_ip: '203.0.113.9', src_port: 52100, auth_method: 'password', process: 'sshd', pid: 811, syslog_pri: 38 });
    expect(rows[1].metadata).toMatchObject({ username: 'alice', target_user: 'root', command: '/usr/bin/id', tty: 'pts/1' });
    expect(rows[2].metadata).toMatchObject({ src_ip: '198.51.100.7', dst_ip: '10.0.0.12', src_port: 40000, dst_port: 22, protocol: 'TCP' });
    expect(rows[3].metadata).toEqual({ username: 'bob', src_ip: '192.0.2.4', event_type: 'login_failure' });
    const quarantined = await parsing.db.pool.query('select reason, raw from quarantine where batch_id = $1 order by raw_id', [batch.id]);
    expect(quarantined.rows).toEqual([
      { reason: 'vpn_login: missing username', raw: 'Nov 24 10:00:03 bastion vpnd: login from 192.0.2.2' },
      { reason: 'blank line', raw: '' },
    ]);
    const counts = await parsing.db.pool.query('select event_count, quarantine_count from ingest_batches where id = $1', [batch.id]);
    expect(counts.rows).toEqual([{ event_count: 5, quarantine_count: 2 }]);
  });

  it('takes the event time from JSON and access-log lines when it is plausible', async () => {
    const lines = [
      '{"@timestamp":"2026-11-24T09:30:00.250Z","msg":"a"}',
      '{"timestamp":"2099-01-01T00:00:00Z","msg":"from the future"}',
      '203.0.113.5 - - [24/Nov/2026:09:45:00 +0100] "GET / HTTP/1.1" 200 5 "-" "curl/8"',
    ];
    const batch = makeBatch(lines, { source: 'nginx', timestamp: new Date('2026-11-24T10:05:00Z') });
    await sendBatch(parsing.agentPool, 'a', batch);
    const { rows } = await parsing.db.pool.query('select ts from events where batch_id = $1 order by id', [batch.id]);
    expect(rows.map((row) => row.ts)).toEqual([new Date('2026-11-24T09:30:00.250Z'), new Date('2026-11-24T10:05:00Z'), new Date('2026-11-24T08:45:00Z')]);
  });

  it('normalizes Windows events sent as JSON, with their time, computer and required fields', async () => {
    const fixtures = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../test/fixtures/windows/agent.json'), 'utf8')) as Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const failed = fixtures['4625_bad_password']!;
    const noUser = structuredClone(failed);
    delete noUser.EventData.TargetUserName;
    const batch = makeBatch([JSON.stringify(fixtures['4624_network_logon']), JSON.stringify(failed), JSON.stringify(noUser)], {
      source: 'windows',
      timestamp: new Date('2026-11-24T10:05:00Z'),
    });
    await sendBatch(parsing.agentPool, 'a', batch);
    const { rows } = await parsing.db.pool.query('select event_type, ts, host, metadata from events where batch_id = $1 order by id', [batch.id]);
    expect(rows.map((row) => row.event_type)).toEqual(['windows_logon_success', 'windows_logon_failed']);
    expect(rows[0]).toMatchObject({ ts: new Date('2026-11-24T09:58:12.482Z'), host: 'DC01.corp.local' });
    expect(rows[1].metadata).toMatchObject({ event_code: 4625, username: expect.any(String), outcome: 'failure' });
    const quarantined = await parsing.db.pool.query('select reason from quarantine where batch_id = $1', [batch.id]);
    expect(quarantined.rows).toEqual([{ reason: 'windows_logon_failed: missing username' }]);
  });

  it.skipIf(!existsSync(authLog))('gives ssh_failed with username, src_ip, src_port for every failed-authentication line of a real auth.log', async () => {
    const lines = readFileSync(authLog, 'utf8').split('\n').filter((line) => line.length > 0);
    const batch = makeBatch(lines, { source: 'syslog', timestamp: new Date('2026-04-01T00:00:00Z') });
    await sendBatch(parsing.agentPool, 'a', batch);
    const failed = lines.filter((line) => / sshd\[\d+\]: .*Failed \w+ for /.test(line)).length;
    const { rows } = await parsing.db.pool.query(
      `select count(*)::int as n,
              count(*) filter (where metadata ? 'username' and metadata ? 'src_ip' and jsonb_typeof(metadata -> 'src_port') = 'number')::int as complete
       from events where batch_id = $1 and event_type = 'ssh_failed'`,
      [batch.id],
    );
    expect(rows[0]).toEqual({ n: failed, complete: failed });
    // the trigger and normalize_lines agree on every line
    const differing = await parsing.db.pool.query(
      `with lines as (select array_agg(e.message order by e.id) as raw, array_agg(e.source order by e.id) as sources,
                             array_agg(e.raw_ts order by e.id) as received, array_agg(e.event_type order by e.id) as types,
                             array_agg(e.metadata order by e.id) as metadata
                      from events e where e.batch_id = $1)
       select count(*)::int as n from lines, siem_private.normalize_lines(lines.raw, lines.sources, lines.received) x
       where x.event_type is distinct from lines.types[x.n] or x.metadata is distinct from lines.metadata[x.n]`,
      [batch.id],
    );
    expect(differing.rows[0].n).toBe(0);
  });
});

describe('tg_events_raw__normalize with parsing off (siem_private.ingest_settings.parse = false)', () => {
  const plain = useAgentDatabase();
  beforeAll(async () => {
    await plain.db.pool.query('update siem_private.ingest_settings set parse = false');
  });

  it('stores lines as text and JSON objects as they are, still quarantining blank lines', async () => {
    const batch = makeBatch(['<38>Nov 24 10:00:00 bastion sshd[811]: Failed password for root from 203.0.113.9 port 52100 ssh2', '{"user":"bob"}', ' '], {
      source: 'syslog',
    });
    await sendBatch(plain.agentPool, 'a', batch);
    const { rows } = await plain.db.pool.query('select event_type, metadata from events where batch_id = $1 order by id', [batch.id]);
    expect(rows).toEqual([
      { event_type: 'text', metadata: {} },
      { event_type: 'json', metadata: { user: 'bob' } },
    ]);
    const counts = await plain.db.pool.query('select event_count, quarantine_count from ingest_batches where id = $1', [batch.id]);
    expect(counts.rows).toEqual([{ event_count: 2, quarantine_count: 1 }]);
  });
});

const authLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_suspicious_login_activity_auth.log');
