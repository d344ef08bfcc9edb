import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import type { Agent } from '../agent.ts';
import { startAgent, tempDir, waitFor } from './helpers.ts';

const context = useAgentDatabase();
let work: ReturnType<typeof tempDir>;
let agent: Agent;

function eventXml(id: number, record: number, user: string): string {
  return `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/><EventID>${id}</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2026-11-24T10:00:0${record % 10}.000000000Z'/><EventRecordID>${record}</EventRecordID><Execution ProcessID='636' ThreadID='700'/><Channel>Security</Channel><Computer>DC01.corp.local</Computer><Security/></System><EventData><Data Name='TargetUserName'>${user}</Data><Data Name='TargetDomainName'>CORP</Data><Data Name='LogonType'>3</Data><Data Name='IpAddress'>185.220.101.4</Data><Data Name='IpPort'>51234</Data></EventData></Event>`;
}

beforeAll(async () => {
  work = tempDir('windows');
  // As Event Viewer's "Save as XML" and `wevtutil qe /f:xml` with a root element write them.
  writeFileSync(path.join(work.dir, 'security.xml'), `<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n${eventXml(4625, 1001, 'alice')}\r\n${eventXml(4625, 1002, 'bob')}\r\n</Events>\r\n`);
  // Winlogbeat 7+ and NXLog im_msvistalog to_json(), one event per line.
  const winlogbeat = {
    '@timestamp': '2026-11-24T10:01:00.000Z',
    winlog: { event_id: 4624, provider_name: 'Microsoft-Windows-Security-Auditing', channel: 'Security', computer_name: 'DC02', record_id: 77, event_data: { TargetUserName: 'carol', IpAddress: '10.0.0.12', LogonType: '10' } },
  };
  const nxlog = { EventTime: '2026-11-24 10:02:00', Hostname: 'DC03', EventID: 4625, SourceName: 'Microsoft-Windows-Security-Auditing', Channel: 'Security', TargetUserName: 'dave', IpAddress: '45.155.205.233' };
  writeFileSync(path.join(work.dir, 'events.json'), `${JSON.stringify(winlogbeat, null, 0)}\n${JSON.stringify(nxlog)}\n`);
  agent = await startAgent(work.dir, context.db.urls.agent, {
    files: [
      { paths: [path.join(work.dir, '*.xml')], format: 'windows_xml', start_at: 'beginning', poll_ms: 20 },
      { paths: [path.join(work.dir, '*.json')], format: 'windows_json', start_at: 'beginning', poll_ms: 20 },
    ],
  });
});
afterAll(async () => {
  await agent?.stop();
  work.remove();
});

describe('agent: Windows event exports', () => {
  it('sends each exported event as JSON (System + EventData) that the database normalizes', async () => {
    const { rows } = await waitFor(async () => {
      const result = await context.db.pool.query<{ host: string; event_type: string; code: number; username: string }>(
        "select host, event_type, (metadata->>'event_code')::int as code, metadata->>'username' as username from events where source = 'windows' order by username",
      );
      return result.rows.length >= 4 ? result : undefined;
    }, 'four Windows events');
    expect(rows.map((row) => [row.username, row.code, row.host])).toEqual([
      ['alice', 4625, 'DC01.corp.local'],
      ['bob', 4625, 'DC01.corp.local'],
      ['carol', 4624, 'DC02'],
      ['dave', 4625, 'DC03'],
    ]);
    const raw = await context.db.pool.query<{ raw: string }>("select raw from events_raw where source = 'windows' and raw like '%alice%'");
    expect(JSON.parse(raw.rows[0]!.raw)).toMatchObject({ System: { EventID: '4625', Channel: 'Security' }, EventData: { TargetUserName: 'alice', LogonType: '3' } });
  });
});
