import { describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';

const context = useAgentDatabase();
const kv = async (text: string) =>
  (await context.db.pool.query('select siem_private.kv_object($1, m.keys, m.aliases, m.types) as f from siem_private.rename_maps() m', [text])).rows[0].f as unknown;

describe('siem_private.kv_object', () => {
  it('splits key=value pairs under canonical names, typed, skipping bare words and empty values', async () => {
    expect(await kv('[UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.7 DST=10.0.0.12 PROTO=TCP SPT=40000 DPT=22 SYN')).toEqual({
      IN: 'eth0',
      src_ip: '198.51.100.7',
      dst_ip: '10.0.0.12',
      protocol: 'TCP',
      src_port: 40000,
      dst_port: 22,
    });
  });

  it('reads quoted values, and is null without pairs', async () => {
    expect(await kv('user="alice smith" msg="a \\"quoted\\" word" status=200')).toEqual({ username: 'alice smith', msg: 'a "quoted" word', http_status: 200 });
    expect(await kv('no pairs here')).toBeNull();
  });
});
