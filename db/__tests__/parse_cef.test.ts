import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();

async function parse(lines: string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await context.db.pool.query(
    'select siem_private.parse_cef(l.line) as f from unnest($1::text[]) with ordinality as l(line, n) order by l.n',
    [lines],
  );
  return rows.map((row) => row.f);
}

const header = (vendor: string, product: string, version: string, signature: string, name: string, severity: number | string, cefVersion = 0) => ({
  cef_version: cefVersion,
  device_vendor: vendor,
  device_product: product,
  device_version: version,
  signature_id: signature,
  name,
  severity,
});

describe('siem_private.parse_cef', () => {
  it('reads the examples of the ArcSight CEF specification', async () => {
    const rows = await parse([
      'Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232',
      'Sep 19 08:26:10 host CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 act=blocked a | dst=1.1.1.1',
      'CEF:0|security|threatmanager|1.0|100|detected a \\\\ in packet|10|src=10.0.0.1 act=blocked a \\\\ dst=1.1.1.1',
      'CEF:0|security|threatmanager|1.0|100|detected a = in message|10|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1',
      'CEF:0|ArcSight|Logger|5.0.0.5355.2|sensor:115|Logger Internal Event|1|cat=/Monitor/Sensor/Fan5 cs2=Current Value cnt=1 dvc=10.0.0.1 cs3=Ok cs1=null type=0 cs1Label=unit rt=1305034099211 cs3Label=Status cn1Label=value cs2Label=timeframe',
    ]);
    expect(rows[0]).toEqual({
      ...header('Security', 'threatmanager', '1.0', '100', 'worm successfully stopped', 10),
      extensions: { src: '10.0.0.1', dst: '2.1.2.2', spt: '1232' },
      src_ip: '10.0.0.1',
      dst_ip: '2.1.2.2',
      src_port: 1232,
    });
    expect(rows[1]).toMatchObject({ name: 'detected a | in message', extensions: { src: '10.0.0.1', act: 'blocked a |', dst: '1.1.1.1' }, action: 'blocked a |' });
    expect(rows[2]).toMatchObject({ name: 'detected a \\ in packet', extensions: { act: 'blocked a \\' } });
    expect(rows[3]).toMatchObject({ name: 'detected a = in message', extensions: { act: 'blocked a =', dst: '1.1.1.1' } });
    expect(rows[4]).toEqual({
      ...header('ArcSight', 'Logger', '5.0.0.5355.2', 'sensor:115', 'Logger Internal Event', 1),
      extensions: {
        cat: '/Monitor/Sensor/Fan5', cs2: 'Current Value', cnt: '1', dvc: '10.0.0.1', cs3: 'Ok', cs1: 'null', type: '0',
        cs1Label: 'unit', rt: '1305034099211', cs3Label: 'Status', cn1Label: 'value', cs2Label: 'timeframe',
      },
    });
  });

  it('maps the common keys of firewall, proxy and endpoint records to canonical fields', async () => {
    const [paloAlto, fortigate, trend] = await parse([
      '<14>Mar 14 12:00:01 PA-VM CEF:0|Palo Alto Networks|PAN-OS|10.1.0|end|TRAFFIC|1|rt=Mar 14 2024 12:00:01 GMT deviceExternalId=0123456789 src=10.1.1.5 dst=203.0.113.10 sourceTranslatedAddress=198.51.100.2 cs1Label=Rule cs1=allow-web suser=acme\\\\alice duser= cs2Label=App cs2=web-browsing act=allow proto=tcp spt=51514 dpt=443 in=1520 out=8800',
      'CEF:0|Fortinet|Fortigate|v7.2.5|00013|traffic:forward close|3|deviceExternalId=FGT60F act=close src=192.168.1.10 spt=54190 dst=93.184.216.34 dpt=443 dhost=www.example.org duser=bob requestClientApplication=Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 request=https://www.example.org/search?q=a=b&x=1 requestMethod=GET outcome=success',
      'CEF:0|Trend Micro|Deep Security Agent|20.0.1|4000000|Eicar_test_file|High|cn1=1 cn1Label=Host ID dvchost=ws-042 dhost=10.0.0.42 fname=eicar.exe filePath=C:\\\\Users\\\\bob\\\\Downloads\\\\eicar.exe fileHash=3395856CE81F2B7382DEE72602F798B642F14140 act=Quarantine msg=Realtime scan\\nfound 1 threat',
    ]);
    expect(paloAlto).toMatchObject({
      device_product: 'PAN-OS',
      name: 'TRAFFIC',
      severity: 1,
      src_ip: '10.1.1.5',
      dst_ip: '203.0.113.10',
      src_port: 51514,
      dst_port: 443,
      username: 'acme\\alice',
      src_user: 'acme\\alice',
      action: 'allow',
      protocol: 'tcp',
      extensions: { rt: 'Mar 14 2024 12:00:01 GMT', duser: '', cs1Label: 'Rule', cs1: 'allow-web', in: '1520', out: '8800' },
    });
    expect(paloAlto).not.toHaveProperty('dst_user');
    expect(fortigate).toMatchObject({
      severity: 3,
      username: 'bob',
      dst_user: 'bob',
      dst_host: 'www.example.org',
      domain: 'www.example.org',
      http_method: 'GET',
      url_path: '/search?q=a=b&x=1',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0',
      outcome: 'success',
      action: 'close',
      extensions: { request: 'https://www.example.org/search?q=a=b&x=1' },
    });
    expect(trend).toMatchObject({
      severity: 'High',
      file_hash: '3395856CE81F2B7382DEE72602F798B642F14140',
      action: 'Quarantine',
      dst_host: '10.0.0.42',
      extensions: { cn1Label: 'Host ID', filePath: 'C:\\Users\\bob\\Downloads\\eicar.exe', msg: 'Realtime scan\nfound 1 threat' },
    });
    expect(trend).not.toHaveProperty('domain');
  });

  it('keeps empty header fields and values, the last of a repeated key, and drops text before the first key', async () => {
    const [empty, repeated, junk] = await parse([
      'CEF:1|Vendor||||no version or signature|5|',
      'CEF:0|V|P|1|2|N|7|act=first act=second msg=a  b  ',
      'CEF:0|V|P|1|2|N|7|junk before src=10.0.0.1',
    ]);
    expect(empty).toEqual({ ...header('Vendor', '', '', '', 'no version or signature', 5, 1), extensions: {} });
    expect(repeated).toMatchObject({ extensions: { act: 'second', msg: 'a  b' }, action: 'second' });
    expect(junk).toMatchObject({ extensions: { src: '10.0.0.1' } });
  });

  it('returns null for text without a CEF header', async () => {
    expect(await parse(['', 'plain text', 'CEF:0|only|four|fields', 'CEF:x|a|b|c|d|e|f|g', 'CEF:|a|b|c|d|e|f|g', 'CEF:0|a|b|c|d|e\\|f|g'])).toEqual([
      null, null, null, null, null, null,
    ]);
  });

  it('never throws, whatever the text', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = ['|', '\\', '=', ' ', 'a', 'k', '1', '.', '"', '\n', '\u0001', '\u00e9', 'src', 'spt', 'dpt', 'request', '://'];
    const chunk = (max: number) => Array.from({ length: Math.floor(random() * max) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(i % 3 === 0 ? chunk(40) : `${chunk(3)}CEF:${i % 5}|${Array.from({ length: 6 }, () => chunk(4)).join('|')}|${chunk(30)}`);
    }
    const rows = await parse(lines);
    expect(rows.filter((row) => row !== null).length).toBeGreaterThan(500);
  });

  it('reads plain key=value extensions on their fast path as the general split does', async () => {
    // single spaces and no space or '=' in any value: one regex and string_to_array(); a second
    // space between two pairs sends the same record through the general split, which must agree
    let seed = 5;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = (chars: string, max: number, min = 1) => Array.from({ length: min + Math.floor(random() * max) }, () => chars[Math.floor(random() * chars.length)]).join('');
    const keys = ['src', 'dst', 'spt', 'dpt', 'suser', 'duser', 'shost', 'dhost', 'act', 'request', 'fileHash', 'cs1', 'a.b', 'c[0]', 'd-e'];
    const valueChars = 'ab09.:/?&|"\u00e9\t\u0001\\';
    const fast: string[] = [];
    const general: string[] = [];
    for (let i = 0; i < 500; i++) {
      const pairs = Array.from({ length: 1 + Math.floor(random() * 6) }, () => `${keys[Math.floor(random() * keys.length)]}=${random() < 0.1 ? '' : pick(valueChars, 8)}`);
      const header = `CEF:0|V|P|1|${i}|N|${['5', ' 07 ', 'High', '1234567890'][i % 4]}|`;
      fast.push(header + pairs.join(' '));
      general.push(header + pairs.join('  '));
    }
    const [a, b] = [await parse(fast), await parse(general)];
    expect(a.filter((row) => row !== null).length).toBe(500);
    expect(a).toEqual(b);
  });

  it('types ports and severity and keeps the first key only when it is one', async () => {
    const [ports, firstKey, emptyLast, dhostIp] = await parse([
      'CEF:0|V|P|1|2|N| 07 |spt=123456 dpt=0x1 request=https://host',
      'CEF:0|V|P|1|2|N|3|a"b=1 c=2',
      'CEF:0|V|P|1|2|N|3|src=10.0.0.1 duser=',
      'CEF:0|V|P|1|2|N|3|dhost=10.0.0.1 spt=0 dpt=65535',
    ]);
    expect(ports).toEqual({ ...header('V', 'P', '1', '2', 'N', 7), url_path: '/', extensions: { spt: '123456', dpt: '0x1', request: 'https://host' } });
    expect(firstKey).toEqual({ ...header('V', 'P', '1', '2', 'N', 3), extensions: { c: '2' } });
    expect(emptyLast).toEqual({ ...header('V', 'P', '1', '2', 'N', 3), src_ip: '10.0.0.1', extensions: { src: '10.0.0.1', duser: '' } });
    expect(dhostIp).toEqual({ ...header('V', 'P', '1', '2', 'N', 3), dst_host: '10.0.0.1', src_port: 0, dst_port: 65535, extensions: { dhost: '10.0.0.1', spt: '0', dpt: '65535' } });
  });

  it('is not callable by API roles', async () => {
    await expect(context.db.asRole('siem_analyst', (c) => c.query(`select siem_private.parse_cef('CEF:0|a|b|c|d|e|1|')`))).rejects.toThrow(/permission denied/);
  });
});
