import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

describe('siem_private.windows_event_types_map', () => {
  it('holds every row by EventID: lower-cased provider and channel, type, outcome and the map three ways', async () => {
    const { rows } = await context.db.pool.query(`select siem_private.windows_event_types_map(null) as map, (select count(distinct event_id)::int from windows_event_types) as ids`);
    const map = rows[0].map as Record<string, unknown[][]>;
    expect(Object.keys(map)).toHaveLength(rows[0].ids);
    expect(map['4625']).toEqual([
      [
        'microsoft-windows-security-auditing', null, 'windows_logon_failed', 'failure',
        ['IpAddress', 'IpPort', 'LogonType', 'ProcessId', 'ProcessName', 'TargetDomainName', 'TargetUserName', 'WorkstationName'],
        ['src_ip', 'src_port', 'logon_type', 'pid', 'process', 'user_domain', 'username', 'src_host'],
        'IpAddress\x1fIpPort\x1fLogonType\x1fProcessId\x1fProcessName\x1fTargetDomainName\x1fTargetUserName\x1fWorkstationName',
        '{IpAddress,IpPort,LogonType,ProcessId,ProcessName,TargetDomainName,TargetUserName,WorkstationName}',
      ],
    ]);
    const { rows: one } = await context.db.pool.query(`select siem_private.windows_event_types_map(4625) as map, siem_private.windows_event_types_map(12345) as none`);
    expect(one[0]).toEqual({ map: { 4625: map['4625'] }, none: {} });
  });

  it('puts the row naming provider and channel first, then provider only, then channel only; a key holding U+001F is only in the literal', async () => {
    await context.db.pool.query(`insert into event_types (name) values ('windows_map_test')`);
    await context.db.pool.query(
      `insert into windows_event_types (provider, channel, event_id, event_type, field_map) values
         (null, 'Security', 9002, 'windows_map_test', '{}'),
         ('P', null, 9002, 'windows_map_test', '{"a\\u001fb": "username", "c": "src_ip"}'),
         ('P', 'SECURITY', 9002, 'windows_map_test', '{"x": "username"}')`,
    );
    const { rows } = await context.db.pool.query(
      `select m -> '9002' as types, (m #>> '{9002,1,7}')::text[] = array[E'a\\x1fb', 'c'] as literal_reads_back from siem_private.windows_event_types_map(9002) m`,
    );
    expect(rows[0].literal_reads_back).toBe(true);
    const types = rows[0].types as unknown[][];
    expect(types.map((row) => row.slice(0, 2))).toEqual([['p', 'security'], ['p', null], [null, 'security']]);
    expect(types[1]?.[6]).toBeNull();
    expect(types[2]?.slice(4)).toEqual([[], [], '', '{}']);
    const { rows: removed } = await context.db.pool.query(
      `select (siem_private.normalize_windows_event('{"System": {"EventID": 9002, "Provider": "P", "Channel": "Other"}, "EventData": {"a\\u001fb": "alice", "c": "1.2.3.4", "d": "kept"}}', null)).fields`,
    );
    expect(removed[0].fields).toEqual({ username: 'alice', src_ip: '1.2.3.4', d: 'kept', event_code: 9002, provider: 'P', channel: 'Other' });
  });
});
