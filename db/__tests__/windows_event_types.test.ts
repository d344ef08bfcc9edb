import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

const insert = `insert into windows_event_types (provider, event_id, event_type, field_map) values ($1, $2, $3, $4) returning id`;

describe('windows_event_types', () => {
  it('seeds Security, System and Sysmon EventIDs, each with a registered event type', async () => {
    const { rows } = await context.db.pool.query(
      `select w.provider, w.event_id, w.event_type, e.required_fields
       from windows_event_types w join event_types e on e.name = w.event_type order by w.provider, w.event_id`,
    );
    const ids = (provider: string) => rows.filter((row) => row.provider === provider).map((row) => row.event_id);
    expect(ids('Microsoft-Windows-Security-Auditing')).toEqual([
      4624, 4625, 4634, 4647, 4648, 4672, 4688, 4689, 4697, 4698, 4699, 4700, 4701, 4702, 4720, 4722, 4723, 4724, 4725, 4726, 4728, 4732,
      4740, 4756, 4768, 4769, 4771, 4776,
    ]);
    expect(ids('Microsoft-Windows-Eventlog')).toEqual([104, 1102]);
    expect(ids('Service Control Manager')).toEqual([7036, 7045]);
    expect(ids('EventLog')).toEqual([6005, 6006]);
    expect(ids('Microsoft-Windows-Sysmon')).toEqual([1, 3, 11, 13, 22]);
    const byId = Object.fromEntries(rows.map((row) => [`${row.provider}/${row.event_id}`, row]));
    expect(byId['Microsoft-Windows-Security-Auditing/4625']).toMatchObject({ event_type: 'windows_logon_failed', required_fields: ['username'] });
    expect(byId['Microsoft-Windows-Sysmon/3']).toMatchObject({ event_type: 'sysmon_network_connection', required_fields: ['src_ip', 'dst_ip'] });
    const generic = await context.db.pool.query(`select required_fields from event_types where name = 'windows_event'`);
    expect(generic.rows).toEqual([{ required_fields: [] }]);
  });

  it('keeps map_keys and map_fields in step with field_map', async () => {
    const { rows } = await context.db.pool.query(`select map_keys, map_fields from windows_event_types where provider = 'Microsoft-Windows-Sysmon' and event_id = 1`);
    expect(rows).toEqual([{ map_keys: ['Hashes', 'Image', 'ProcessId', 'User'], map_fields: ['file_hash', 'process', 'pid', 'username'] }]);
    await context.db.pool.query(`insert into event_types (name) values ('windows_test')`);
    const { rows: inserted } = await context.db.pool.query(insert, ['Test-Provider', 7, 'windows_test', { B: 'dst_ip', A: 'src_ip' }]);
    await context.db.pool.query(`update windows_event_types set field_map = '{"Z": "username"}' where id = $1`, [inserted[0].id]);
    const { rows: updated } = await context.db.pool.query(`select map_keys, map_fields from windows_event_types where id = $1`, [inserted[0].id]);
    expect(updated).toEqual([{ map_keys: ['Z'], map_fields: ['username'] }]);
    await context.db.pool.query(`delete from windows_event_types where id = $1`, [inserted[0].id]);
  });

  it('rejects rows the normalizer could not use', async () => {
    const attempt = (provider: string | null, eventId: number, eventType: string, map: unknown) =>
      context.db.pool.query(insert, [provider, eventId, eventType, JSON.stringify(map)]);
    await expect(attempt('P', 1, 'windows_event', { A: 1 })).rejects.toThrow(/windows_event_types_field_map_check/);
    await expect(attempt('P', 1, 'windows_event', { A: '' })).rejects.toThrow(/windows_event_types_field_map_check/);
    await expect(attempt('P', 1, 'windows_event', { '': 'username' })).rejects.toThrow(/windows_event_types_field_map_check/);
    await expect(attempt('P', 1, 'windows_event', ['username'])).rejects.toThrow(/windows_event_types_field_map_check/);
    // names the normalizer sets itself
    for (const reserved of ['event_code', 'channel', 'provider', 'record_id', 'severity', 'outcome']) {
      await expect(attempt('P', 1, 'windows_event', { A: reserved })).rejects.toThrow(/windows_event_types_field_map_check/);
    }
    await expect(attempt(null, 1, 'windows_event', {})).rejects.toThrow(/windows_event_types_check/);
    await expect(attempt('P', 70000, 'windows_event', {})).rejects.toThrow(/windows_event_types_event_id_check/);
    await expect(attempt('P', 1, 'no_such_type', {})).rejects.toThrow(/foreign key/);
    // one row per (EventID, provider, channel), provider and channel compared case-insensitively
    await expect(attempt('microsoft-windows-security-auditing', 4624, 'windows_event', {})).rejects.toThrow(/windows_event_types_event_id_provider_channel_idx/);
    await expect(
      context.db.pool.query(`insert into windows_event_types (channel, event_id, event_type) values ('Security', 4624, 'windows_event')`),
    ).resolves.toBeDefined();
    await context.db.pool.query(`delete from windows_event_types where channel = 'Security' and provider is null`);
  });

  it('follows a renamed event type', async () => {
    await context.db.pool.query(`update event_types set name = 'windows_logon_failure' where name = 'windows_logon_failed'`);
    const { rows } = await context.db.pool.query(`select event_type from windows_event_types where event_id = 4625`);
    expect(rows).toEqual([{ event_type: 'windows_logon_failure' }]);
    await context.db.pool.query(`update event_types set name = 'windows_logon_failed' where name = 'windows_logon_failure'`);
  });
});

describe('windows_event_types privileges', () => {
  it('lets analysts read it and nothing else', async () => {
    const { rows } = await context.db.asRole('siem_analyst', (c) => c.query('select count(*)::int as n from windows_event_types'));
    expect(rows[0].n).toBeGreaterThan(30);
    await expect(
      context.db.asRole('siem_analyst', (c) => c.query(`insert into windows_event_types (provider, event_id, event_type) values ('P', 1, 'windows_event')`)),
    ).rejects.toThrow(/permission denied/);
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`update windows_event_types set description = 'x'`))).rejects.toThrow(/permission denied/);
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`delete from windows_event_types`))).rejects.toThrow(/permission denied/);
  });

  it('lets admins add, change and remove EventIDs, but not the trigger-kept columns', async () => {
    await context.db.asRole('siem_admin', async (c) => {
      const { rows } = await c.query(
        `insert into windows_event_types (provider, event_id, event_type, field_map) values ('Admin-Provider', 9, 'windows_event', '{"UserName": "username"}') returning id, map_keys`,
      );
      expect(rows[0].map_keys).toEqual(['UserName']);
      await c.query(`update windows_event_types set field_map = '{"Who": "username"}', outcome = 'failure' where id = $1`, [rows[0].id]);
      const { rowCount } = await c.query(`delete from windows_event_types where id = $1`, [rows[0].id]);
      expect(rowCount).toBe(1);
    });
    await expect(context.db.asRole('siem_admin', (c) => c.query(`update windows_event_types set map_keys = '{}'`))).rejects.toThrow(/permission denied/);
    await expect(
      context.db.asRole('siem_admin', (c) => c.query(`insert into windows_event_types (provider, event_id, event_type, map_keys) values ('P', 1, 'windows_event', '{}')`)),
    ).rejects.toThrow(/permission denied/);
  });

  it('lets the agent and anonymous read nothing, and nobody but the owner run the normalizer', async () => {
    for (const role of ['siem_agent', 'siem_anonymous']) {
      await expect(context.db.asRole(role, (c) => c.query('select 1 from windows_event_types limit 1'))).rejects.toThrow(/permission denied/);
    }
    for (const role of ['siem_admin', 'siem_analyst', 'siem_agent']) {
      await expect(context.db.asRole(role, (c) => c.query(`select siem_private.normalize_windows_event('{}')`))).rejects.toThrow(
        /permission denied for schema siem_private/,
      );
    }
  });
});
