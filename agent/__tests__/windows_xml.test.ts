import { describe, expect, it } from 'vitest';
import { eventXmlToJson } from '../sources/windows_xml.ts';

const event4625 = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}" />
    <EventID>4625</EventID>
    <Version>0</Version>
    <Level>0</Level>
    <Keywords>0x8010000000000000</Keywords>
    <TimeCreated SystemTime="2026-11-24T10:00:00.123456700Z" />
    <EventRecordID>1234567</EventRecordID>
    <Execution ProcessID="636" ThreadID="1234" />
    <Channel>Security</Channel>
    <Computer>DC01.corp.local</Computer>
    <Security />
  </System>
  <EventData>
    <Data Name="TargetUserName">alice</Data>
    <Data Name="IpAddress">185.220.101.4</Data>
    <Data Name="Note">a &lt;b&gt; &amp; &#x41;</Data>
  </EventData>
</Event>`;

describe('eventXmlToJson', () => {
  it('turns System into keys and attributes, EventData into Name: value', () => {
    expect(eventXmlToJson(event4625)).toEqual({
      System: {
        Provider: { Name: 'Microsoft-Windows-Security-Auditing', Guid: '{54849625-5478-4994-A5BA-3E3B0328C30D}' },
        EventID: '4625',
        Version: '0',
        Level: '0',
        Keywords: '0x8010000000000000',
        TimeCreated: { SystemTime: '2026-11-24T10:00:00.123456700Z' },
        EventRecordID: '1234567',
        Execution: { ProcessID: '636', ThreadID: '1234' },
        Channel: 'Security',
        Computer: 'DC01.corp.local',
        Security: '',
      },
      EventData: { TargetUserName: 'alice', IpAddress: '185.220.101.4', Note: 'a <b> & A' },
    });
  });

  it('keeps EventID qualifiers with the number under #text, unnamed Data as a list, UserData as a tree', () => {
    const json = eventXmlToJson(
      '<Event><System><EventID Qualifiers="16384">7036</EventID></System><EventData><Data>one</Data><Data>two</Data></EventData></Event>',
    );
    expect(json).toEqual({ System: { EventID: { Qualifiers: '16384', '#text': '7036' } }, EventData: { Data: ['one', 'two'] } });
    const cleared = eventXmlToJson('<Event><System><EventID>1102</EventID></System><UserData><LogFileCleared><SubjectUserName>bob</SubjectUserName></LogFileCleared></UserData></Event>');
    expect(cleared.UserData).toEqual({ LogFileCleared: { SubjectUserName: 'bob' } });
  });

  it('refuses what is not a whole Event', () => {
    expect(() => eventXmlToJson('<Event><System></Event>')).toThrow();
    expect(() => eventXmlToJson('<Other/>')).toThrow(/expected <Event>/);
  });
});
