import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

describe('parsers and siem_private.normalize_line', () => {
  it('lets an admin add, disable and delete a parser (the compile triggers run as their owner)', async () => {
    const rows = await context.db.asRole('siem_admin', async (client) => {
      await client.query(`insert into parsers (name, source, pattern, event_type) values ('admin_vpn', 'vpn', 'login by %{USERNAME:user}', 'vpn_login')`);
      await client.query(`update parsers set enabled = false where name = 'admin_vpn'`);
      const { rows } = await client.query(`select enabled, canonical_names from parsers where name = 'admin_vpn'`);
      await client.query(`delete from parsers where name = 'admin_vpn'`);
      return rows;
    });
    expect(rows).toEqual([{ enabled: false, canonical_names: ['username'] }]);
  });

  it('compiles on insert and names the parser and the missing pattern on error', async () => {
    await expect(
      context.db.pool.query(`insert into parsers (name, pattern, event_type) values ('broken', 'x %{NO_SUCH_PATTERN:y}', 'x')`),
    ).rejects.toThrow('parser broken: grok: unknown pattern %{NO_SUCH_PATTERN}');
    const { rows } = await context.db.pool.query(`select name, kind, prefilter, field_names from parsers where name like 'sshd_failed%' order by name`);
    expect(rows).toEqual([
      { name: 'sshd_failed', kind: 'dissect', prefilter: 'Failed ', field_names: ['auth_method', 'user', 'src_ip', 'src_port', null] },
      { name: 'sshd_failed_grok', kind: 'grok', prefilter: 'Failed ', field_names: ['auth_method', 'user', 'src_ip', 'src_port'] },
      { name: 'sshd_failed_invalid_user', kind: 'dissect', prefilter: ' for invalid user ', field_names: ['auth_method', 'user', 'src_ip', 'src_port', null] },
    ]);
  });

  it('splits dissect patterns at their delimiters and rejects ambiguous ones', async () => {
    const dissect = async (text: string, pattern: string) =>
      (await context.db.pool.query('select siem_private.dissect($1, (siem_private.dissect_compile($2)).literals) as f', [text, pattern])).rows[0].f;
    expect(await dissect('Failed password for root from 1.2.3.4 port 22 ssh2', 'Failed %{m} for %{u} from %{ip} port %{port} %{}')).toEqual([
      'password', 'root', '1.2.3.4', '22', 'ssh2',
    ]);
    expect(await dissect('Accepted key for bob', 'Failed %{m} for %{u}')).toBeNull();
    expect(await dissect('a=1 b=2', 'a=%{a} c=%{c}')).toBeNull();
    await expect(
      context.db.pool.query(`insert into parsers (name, kind, pattern, event_type) values ('adjacent', 'dissect', '%{a}%{b} x', 'x')`),
    ).rejects.toThrow('parser adjacent: dissect: two fields with nothing between them');
  });

  it('resolves canonical names and types when compiling, and again when aliases or types change', async () => {
    const canonical = async () =>
      (await context.db.pool.query(`select canonical_names, canonical_types, canonical_unique from parsers where name = 'sshd_failed'`)).rows[0];
    expect(await canonical()).toEqual({
      canonical_names: ['auth_method', 'username', 'src_ip', 'src_port', ''],
      canonical_types: [null, null, 'ip', 'int', null],
      canonical_unique: true,
    });
    await context.db.pool.query(`insert into field_aliases (alias, canonical) values ('auth_method', 'method_of_auth')`);
    await context.db.pool.query(`update canonical_fields set type = 'text' where name = 'src_port'`);
    expect(await canonical()).toMatchObject({ canonical_names: ['method_of_auth', 'username', 'src_ip', 'src_port', ''], canonical_types: [null, null, 'ip', null, null] });
    await context.db.pool.query(`delete from field_aliases where alias = 'auth_method'`);
    await context.db.pool.query(`update canonical_fields set type = 'int' where name = 'src_port'`);
  });

  it('recompiles parsers when a pattern they use changes', async () => {
    await context.db.pool.query(`insert into grok_patterns (name, definition) values ('TICKETNO', '[0-9]+')`);
    await context.db.pool.query(`insert into parsers (name, source, pattern, event_type) values ('tickets', 'helpdesk', 'ticket %{TICKETNO:ticket}', 'ticket')`);
    await context.db.pool.query(`update grok_patterns set definition = 'T-[0-9]+' where name = 'TICKETNO'`);
    const { rows } = await context.db.pool.query(`select compiled_regex from parsers where name = 'tickets'`);
    expect(rows[0].compiled_regex).toContain('T-[0-9]+');
  });

  it('routes syslog lines by program to their parser and returns canonical fields', async () => {
    const lines = [
      '<38>Nov 24 10:00:00 bastion sshd[811]: Failed password for invalid user oracle from 203.0.113.9 port 52100 ssh2',
      'Nov 24 10:00:01 bastion sudo:    alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id',
      'Nov 24 10:00:02 bastion kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:2a:11:0c SRC=198.51.100.7 DST=10.0.0.12 LEN=60 PROTO=TCP SPT=40000 DPT=22 WINDOW=29200 SYN',
      'Nov 24 10:00:03 bastion myapp[9]: something happened',
      '{"user":"bob","src_ip":"192.0.2.4","event_type":"login_failure"}',
    ];
    const rows = await normalize(lines, 'syslog');
    expect(rows.map((row) => row.event_type)).toEqual(['ssh_failed', 'sudo_command', 'firewall_block', 'syslog', 'login_failure']);
    expect(rows[0]).toMatchObject({ ts: new Date('2026-11-24T10:00:00Z'), host: 'bastion', reject_reason: null });
    expect(rows[0].metadata).toMatchObject({ username: 'oracle', src_ip: '203.0.113.9', src_port: 52100, process: 'sshd', pid: 811, syslog_pri: 38 });
    expect(rows[1].metadata).toMatchObject({ username: 'alice', target_user: 'root', command: '/usr/bin/id' });
    expect(rows[2].metadata).toMatchObject({ IN: 'eth0', src_ip: '198.51.100.7', dst_ip: '10.0.0.12', src_port: 40000, dst_port: 22, protocol: 'TCP' });
    expect(rows[3].metadata).toEqual({ process: 'myapp', pid: 9 });
    expect(rows[4].metadata).toEqual({ username: 'bob', src_ip: '192.0.2.4', event_type: 'login_failure' });
  });

  it('parses web access logs by source', async () => {
    const [row] = await normalize(['203.0.113.5 - - [24/Nov/2026:20:43:44 +0000] "GET /login?next=/ HTTP/1.1" 403 512 "-" "curl/8.5.0"'], 'nginx');
    expect(row.event_type).toBe('http_access');
    expect(row.metadata).toMatchObject({ src_ip: '203.0.113.5', http_method: 'GET', url_path: '/login?next=/', http_status: 403, bytes: 512 });
  });

  it('names fields by the naming the parser compiles with; ECS nested names meet the ECS aliases', async () => {
    await context.db.pool.query(
      `insert into parsers (name, source, pattern, event_type, naming) values ('squid_ecs', 'squid', '%{SQUID3}', 'proxy_access', 'ecs-v1')`,
    );
    const [row] = await normalize(['1525344856.899  16867 10.170.72.111 TCP_TUNNEL/200 6256 CONNECT logs.example.com:443 - HIER_DIRECT/53.140.206.134 -'], 'squid');
    expect(row.event_type).toBe('proxy_access');
    expect(row.metadata).toMatchObject({ src_ip: '10.170.72.111', http_status: 200, action: 'TCP_TUNNEL' });
    expect(row.metadata).not.toHaveProperty('client_address');
    expect(row.metadata).not.toHaveProperty('[source][ip]');
  });

  it('gives the reason when a parsed line lacks a required field', async () => {
    await context.db.pool.query(`insert into event_types (name, required_fields) values ('vpn_login', '{username,src_ip}')`);
    await context.db.pool.query(
      `insert into parsers (name, source, pattern, event_type) values ('vpn', 'vpn', 'login (?:by %{USERNAME:user} )?from %{IP:src_ip}', 'vpn_login')`,
    );
    const rows = await normalize(['login by bob from 192.0.2.1', 'login from 192.0.2.2'], 'vpn');
    expect(rows.map((row) => row.reject_reason)).toEqual([null, 'vpn_login: missing username']);
  });
});

async function normalize(lines: string[], source: string) {
  const { rows } = await context.db.pool.query(
    `select x.ts, x.host, x.event_type, x.metadata, x.reject_reason
     from siem_private.normalize_lines($1::text[], array_fill($2::text, array[cardinality($1::text[])]), array_fill('2026-11-24T10:05:00Z'::timestamptz, array[cardinality($1::text[])])) x
     order by x.n`,
    [lines, source],
  );
  return rows;
}

const authLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_suspicious_login_activity_auth.log');

describe.skipIf(!existsSync(authLog))('sshd lines of a real auth.log (../shared/corpora/logs)', () => {
  it('turns every failed-authentication line (password, publickey, none) into ssh_failed with username, src_ip and src_port', async () => {
    const lines = readFileSync(authLog, 'utf8').split('\n').filter((line) => line.length > 0);
    const failed = lines.filter((line) => / sshd\[\d+\]: .*Failed \w+ for /.test(line)).length;
    const invalid = lines.filter((line) => / sshd\[\d+\]: Invalid user /.test(line)).length;
    const { rows } = await context.db.pool.query(
      `select x.event_type, count(*)::int as n,
              count(*) filter (where x.metadata ? 'username' and x.metadata ? 'src_ip' and jsonb_typeof(x.metadata -> 'src_port') = 'number')::int as complete,
              count(*) filter (where x.metadata ? 'username' and x.metadata ? 'src_ip')::int as with_user_and_ip
       from siem_private.normalize_lines($1::text[], array_fill('syslog'::text, array[cardinality($1::text[])]), array_fill('2026-04-01T00:00:00Z'::timestamptz, array[cardinality($1::text[])])) x
       where x.event_type in ('ssh_failed', 'ssh_invalid_user') group by 1 order by 1`,
      [lines],
    );
    expect(rows).toEqual([
      { event_type: 'ssh_failed', n: failed, complete: failed, with_user_and_ip: failed },
      // This OpenSSH logs "Invalid user X from IP" without a port.
      { event_type: 'ssh_invalid_user', n: invalid, complete: 0, with_user_and_ip: invalid },
    ]);
  });
});

describe('siem_private.parse_kv', () => {
  const parse = async (line: string) => (await context.db.pool.query('select siem_private.parse_kv($1) as f', [line])).rows[0].f;

  it('reads pairs, quoted values with escapes, and leaves out empty values', async () => {
    expect(await parse('IN=eth0 OUT= SRC=10.0.0.1 LEN=60')).toEqual({ IN: 'eth0', SRC: '10.0.0.1', LEN: '60' });
    expect(await parse('user=bob msg="login failed: \\"bad\\" pass" code=7')).toEqual({ user: 'bob', msg: 'login failed: "bad" pass', code: '7' });
    expect(await parse('no pairs here')).toBeNull();
  });
});

describe('siem_private.parse_access_log', () => {
  const parse = async (line: string) => (await context.db.pool.query('select siem_private.parse_access_log($1) as f', [line])).rows[0].f;

  it('reads combined and common lines into canonical fields', async () => {
    expect(await parse('203.0.113.5 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"')).toEqual({
      src_ip: '203.0.113.5',
      username: 'frank',
      timestamp: '10/Oct/2000:13:55:36 -0700',
      http_method: 'GET',
      url_path: '/apache_pb.gif',
      http_version: '1.0',
      http_status: 200,
      bytes: 2326,
      referrer: 'http://www.example.com/start.html',
      user_agent: 'Mozilla/4.08',
    });
    expect(await parse('::1 - - [10/Oct/2000:13:55:36 -0700] "-" 400 -')).toEqual({ src_ip: '::1', timestamp: '10/Oct/2000:13:55:36 -0700', raw_request: '-', http_method: '-', http_status: 400 });
  });

  it('returns null for other lines without throwing', async () => {
    for (const line of ['', 'plain text', '1.2.3.4 - - [x] "GET / HTTP/1.1" 2000 1', '1.2.3.4 - - [x] "GET / HTTP/1.1" 200 99999999999999999999', '"""']) {
      expect(await parse(line)).toBeNull();
    }
  });
});

const accessLog = path.resolve(import.meta.dirname, '../../../shared/corpora/logs/elastic-examples_apache_logs_combined.log');

describe.skipIf(!existsSync(accessLog))('a real Apache combined log (../shared/corpora/logs)', () => {
  it('parses every line into http_access with canonical fields', async () => {
    const lines = readFileSync(accessLog, 'utf8').split('\n').filter((line) => line.length > 0);
    const { rows } = await context.db.pool.query(
      `select x.event_type, count(*)::int as n, count(*) filter (where x.metadata ? 'src_ip' and jsonb_typeof(x.metadata -> 'http_status') = 'number')::int as complete
       from siem_private.normalize_lines($1::text[], array_fill('apache'::text, array[cardinality($1::text[])]), array_fill(now(), array[cardinality($1::text[])])) x group by 1`,
      [lines],
    );
    expect(rows).toEqual([{ event_type: 'http_access', n: lines.length, complete: lines.length }]);
  });
});
