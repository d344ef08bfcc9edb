import { describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const received = new Date('2026-11-24T10:05:00Z');
const reparse = async (since: string | null = null, eventType: string | null = null) =>
  (await context.db.pool.query('select * from reparse($1, $2)', [since, eventType])).rows[0];
const batchCounts = async (id: string) =>
  (await context.db.pool.query('select line_count, event_count, quarantine_count from ingest_batches where id = $1', [id])).rows[0];

describe('public.reparse', () => {
  it('names unparsed events after a parser is added, once', async () => {
    const batch = makeBatch(['Nov 24 10:00:00 gw vpnd: login by alice from 192.0.2.2', 'Nov 24 10:00:01 gw vpnd: tunnel up'], {
      source: 'syslog',
      timestamp: received,
    });
    await sendBatch(context.agentPool, 'a', batch);
    await context.db.pool.query(`insert into parsers (name, source, program, pattern, event_type) values ('vpn_login', 'syslog', 'vpnd', 'login by %{USERNAME:user} from %{IP:src_ip}', 'vpn_login')`);
    expect(await reparse()).toEqual({ examined: 2, events_updated: 1, moved_to_events: 0, still_quarantined: 0 });
    const { rows } = await context.db.pool.query('select event_type, metadata from events where batch_id = $1 order by id', [batch.id]);
    expect(rows).toEqual([
      { event_type: 'vpn_login', metadata: { username: 'alice', src_ip: '192.0.2.2', process: 'vpnd' } },
      { event_type: 'syslog', metadata: { process: 'vpnd' } },
    ]);
    expect(await reparse()).toMatchObject({ events_updated: 0 });
  });

  it('moves quarantined lines that now parse into events, exactly once, keeping batch counts whole', async () => {
    await context.db.pool.query(`insert into event_types (name, required_fields) values ('door_open', '{username,door}')`);
    await context.db.pool.query(`insert into parsers (name, source, program, pattern, event_type) values ('door', 'syslog', 'doord', 'door %{WORD:door} opened', 'door_open')`);
    const lines = ['Nov 24 10:00:00 hq doord: door east opened by bob', 'Nov 24 10:00:01 hq doord: door west opened', ''];
    const batch = makeBatch(lines, { source: 'syslog', timestamp: received });
    await sendBatch(context.agentPool, 'a', batch);
    expect(await batchCounts(batch.id)).toEqual({ line_count: 3, event_count: 0, quarantine_count: 3 });

    await context.db.pool.query(`update parsers set pattern = 'door %{WORD:door} opened(?: by %{USERNAME:user})?' where name = 'door'`);
    expect(await reparse(null, 'door_open')).toEqual({ examined: 2, events_updated: 0, moved_to_events: 1, still_quarantined: 1 });
    const { rows } = await context.db.pool.query('select event_type, metadata, message from events where batch_id = $1', [batch.id]);
    expect(rows).toEqual([{ event_type: 'door_open', metadata: { door: 'east', username: 'bob', process: 'doord' }, message: lines[0] }]);
    const left = await context.db.pool.query('select reason from quarantine where batch_id = $1 order by raw_id', [batch.id]);
    expect(left.rows).toEqual([{ reason: 'door_open: missing username' }, { reason: 'blank line' }]);
    expect(await batchCounts(batch.id)).toEqual({ line_count: 3, event_count: 1, quarantine_count: 2 });

    expect(await reparse(null, 'door_open')).toMatchObject({ moved_to_events: 0, still_quarantined: 1 });
    expect(await batchCounts(batch.id)).toEqual({ line_count: 3, event_count: 1, quarantine_count: 2 });
  });

  it('only looks at lines since the given time', async () => {
    await context.db.pool.query(`insert into parsers (name, source, program, pattern, event_type) values ('backup_done', 'syslog', 'backupd', 'done %{INT:files:int} files', 'backup_done')`);
    await context.db.pool.query(`delete from parsers where name = 'backup_done'`);
    const batch = makeBatch(['Nov 20 10:00:00 nas backupd: done 12 files', 'Nov 24 10:00:00 nas backupd: done 7 files'], { source: 'syslog', timestamp: received });
    await sendBatch(context.agentPool, 'a', batch);
    await context.db.pool.query(`insert into parsers (name, source, program, pattern, event_type) values ('backup_done', 'syslog', 'backupd', 'done %{INT:files:int} files', 'backup_done')`);
    expect(await reparse('2026-11-23T00:00:00Z')).toMatchObject({ events_updated: 1 });
    const { rows } = await context.db.pool.query('select ts, event_type from events where batch_id = $1 order by ts', [batch.id]);
    expect(rows.map((row) => row.event_type)).toEqual(['syslog', 'backup_done']);
  });

  it('is for admins only', async () => {
    await expect(context.db.asRole('siem_analyst', (client) => client.query('select * from reparse()'))).rejects.toThrow('permission denied');
    // the line of 2026-11-20 the previous test left out
    const result = await context.db.asRole('siem_admin', (client) => client.query('select * from reparse()'));
    expect(result.rows[0]).toMatchObject({ events_updated: 1, moved_to_events: 0 });
  });
});
