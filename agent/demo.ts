import type { Envelope } from './envelope.ts';

/** Realistic sample traffic for `siem start --demo` and the benchmarks: sshd, sudo, nginx, JSON apps, Windows logons, ufw (kv), CEF, RFC 5424, CSV. */
const hosts = ['web-01', 'web-02', 'db-01', 'bastion', 'mail-01', 'k8s-node-3'];
const users = ['alice', 'bob', 'carol', 'deploy', 'root', 'admin', 'oracle', 'test', 'ubuntu', 'git'];
const paths = ['/', '/login', '/api/v1/orders', '/static/app.js', '/wp-login.php', '/admin', '/health', '/.env', '/api/v1/users/42'];
const agents = ['Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', 'curl/8.5.0', 'python-requests/2.31', 'Go-http-client/1.1', 'sqlmap/1.7'];
const attackers = ['185.220.101.4', '45.155.205.233', '103.145.13.9', '194.26.29.120', '81.2.69.142', '2.125.160.216'];
const internal = ['10.0.0.12', '10.0.0.27', '192.168.1.20', '172.16.4.9'];

/** The demo's CSV source (a VPN gateway's session export), registered in csv_sources by `siem start --demo` and the benchmarks. */
export const demoCsvSource = { source: 'vpn', header: ['timestamp', 'user', 'clientip', 'result', 'account'] };

export type Random = () => number;

/** A small deterministic PRNG (mulberry32) so benchmark corpora are identical across runs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
export const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

// Month names by hand: toLocaleString goes through Intl on every call, which dominated corpus generation.
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** BSD syslog time, e.g. 'Nov  5 08:01:02' (UTC). */
export function syslogTime(date: Date): string {
  const month = months[date.getUTCMonth()]!;
  return `${month} ${String(date.getUTCDate()).padStart(2, ' ')} ${date.toISOString().slice(11, 19)}`;
}

/** Common Log Format time, e.g. '05/Nov/2026:08:01:02 +0000' (UTC). */
export function clfTime(date: Date): string {
  const month = months[date.getUTCMonth()]!;
  return `${String(date.getUTCDate()).padStart(2, '0')}/${month}/${date.getUTCFullYear()}:${date.toISOString().slice(11, 19)} +0000`;
}

export interface SampleLine {
  source: string;
  host: string;
  line: string;
}

export function sampleLine(random: Random, now: Date): SampleLine {
  const host = pick(random, hosts);
  const roll = random();
  const attacker = pick(random, attackers);
  if (roll < 0.3) {
    const pid = int(random, 1000, 65000);
    const user = pick(random, users);
    const kind = random();
    const message =
      kind < 0.6
        ? `Failed password for ${random() < 0.3 ? 'invalid user ' : ''}${user} from ${attacker} port ${int(random, 1024, 65535)} ssh2`
        : kind < 0.85
          ? `Accepted publickey for ${user} from ${pick(random, internal)} port ${int(random, 1024, 65535)} ssh2: ED25519 SHA256:${int(random, 1e8, 9e8)}`
          : `Disconnected from authenticating user ${user} ${attacker} port ${int(random, 1024, 65535)} [preauth]`;
    return { source: 'syslog', host, line: `<38>${syslogTime(now)} ${host} sshd[${pid}]: ${message}` };
  }
  if (roll < 0.4) {
    const user = pick(random, users);
    return {
      source: 'syslog',
      host,
      line: `<85>${syslogTime(now)} ${host} sudo: ${user} : TTY=pts/${int(random, 0, 5)} ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`,
    };
  }
  if (roll < 0.7) {
    const status = pick(random, [200, 200, 200, 301, 404, 403, 500]);
    const client = random() < 0.5 ? attacker : pick(random, internal);
    return {
      source: 'nginx',
      host,
      line: `${client} - - [${clfTime(now)}] "${pick(random, ['GET', 'GET', 'POST', 'HEAD'])} ${pick(random, paths)} HTTP/1.1" ${status} ${int(random, 0, 50000)} "-" "${pick(random, agents)}"`,
    };
  }
  if (roll < 0.85) {
    const eventType = pick(random, ['login_success', 'login_failure', 'file_upload', 'permission_change', 'api_call']);
    return {
      source: 'app',
      host,
      line: JSON.stringify({
        timestamp: now.toISOString(),
        level: eventType === 'login_failure' ? 'warn' : 'info',
        event_type: eventType,
        user: pick(random, users),
        src_ip: random() < 0.4 ? attacker : pick(random, internal),
        request_id: int(random, 1e9, 9e9).toString(16),
        duration_ms: int(random, 1, 900),
      }),
    };
  }
  if (roll < 0.9) return { source: 'windows', host: 'dc01', line: JSON.stringify(windowsLogon(random, now, attacker)) };
  if (roll < 0.93) {
    return {
      source: 'syslog',
      host: 'fw-edge',
      line: `<134>${syslogTime(now)} fw-edge CEF:0|Fortinet|FortiGate|7.2|${int(random, 10000, 99999)}|traffic denied|5|src=${attacker} spt=${int(random, 1024, 65535)} dst=${pick(random, internal)} dpt=${pick(random, [22, 443, 3389])} proto=TCP act=deny suser=${pick(random, users)}`,
    };
  }
  if (roll < 0.96) {
    return {
      source: 'syslog',
      host,
      line: `<165>1 ${now.toISOString()} ${host} backupd ${int(random, 100, 9999)} JOB [job@32473 id="${int(random, 1, 500)}" target="s3"] backup finished: ${int(random, 1, 90000)} files`,
    };
  }
  if (roll < 0.98) {
    const user = pick(random, users);
    return { source: demoCsvSource.source, host: 'vpn-gw', line: `${now.toISOString()},${user},${random() < 0.5 ? attacker : pick(random, internal)},${pick(random, ['ok', 'ok', 'fail'])},"${user}@corp, remote"` };
  }
  return {
    source: 'syslog',
    host,
    line: `<4>${syslogTime(now)} ${host} kernel: [UFW BLOCK] IN=eth0 OUT= MAC=00:16:3e:2a:11:0c SRC=${attacker} DST=10.0.0.12 LEN=60 TTL=49 PROTO=TCP SPT=${int(random, 1024, 65535)} DPT=${pick(random, [22, 23, 3389, 445, 5432])} WINDOW=29200 SYN`,
  };
}

/** A Security 4624/4625 logon event as the agent sends Windows events: the Event XML as JSON. */
function windowsLogon(random: Random, now: Date, attacker: string) {
  const failed = random() < 0.6;
  return {
    System: {
      Provider: { Name: 'Microsoft-Windows-Security-Auditing', Guid: '{54849625-5478-4994-A5BA-3E3B0328C30D}' },
      EventID: failed ? 4625 : 4624,
      Version: failed ? 0 : 2,
      Level: 0,
      Task: 12544,
      Keywords: failed ? '0x8010000000000000' : '0x8020000000000000',
      TimeCreated: { SystemTime: now.toISOString() },
      EventRecordID: int(random, 1e6, 9e6),
      Channel: 'Security',
      Computer: 'DC01.corp.local',
      Execution: { ProcessID: 636, ThreadID: int(random, 100, 9000) },
    },
    EventData: {
      SubjectUserSid: 'S-1-0-0',
      TargetUserName: pick(random, users),
      TargetDomainName: 'CORP',
      LogonType: failed ? '3' : pick(random, ['2', '3', '10']),
      WorkstationName: '-',
      IpAddress: failed ? attacker : pick(random, internal),
      IpPort: String(int(random, 1024, 65535)),
      ...(failed ? { Status: '0xc000006d', SubStatus: '0xc000006a', FailureReason: '%%2313' } : { LogonProcessName: 'NtLmSsp ', AuthenticationPackageName: 'NTLM' }),
    },
  };
}

export function sampleEnvelope(random: Random, now: Date): Envelope {
  const sample = sampleLine(random, now);
  return { timestamp: now, host: sample.host, source: sample.source, raw: Buffer.from(sample.line) };
}
