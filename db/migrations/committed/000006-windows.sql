--! Previous: sha1:45f540c7c5739f977ee3e5d76f34217191d2d4c4
--! Hash: sha1:b3619df0f1460c38a5ba7b6147d8ec205b03de84
--! Message: windows

-- Windows events (Security, System, Sysmon) normalized in SQL. The agent sends each event as one
-- JSON line; siem_private.normalize_windows_event() recognizes the three shapes that arrive (the
-- Event XML as JSON, Winlogbeat, NXLog), names the event type from windows_event_types by
-- (provider and/or channel, EventID), renames EventData keys to canonical fields by that row's
-- field_map and keeps the rest under their own names. It never throws and returns null for a doc
-- that is not a Windows event. The ingest trigger does not call it yet (see docs/parsing.md).

--------------------------------------------------------------------------------
-- windows_event_types: which event type an EventID is, and how its EventData maps
--------------------------------------------------------------------------------

create table public.windows_event_types (
  id integer primary key generated always as identity,
  channel text,
  provider text,
  event_id integer not null check (event_id between 0 and 65535),
  event_type text not null references public.event_types (name) on update cascade,
  description text,
  -- an object of non-empty names; none of them one the normalizer sets itself (a jsonpath, not a
  -- function: a check calls its functions as the writing role, and admins may not use siem_private)
  field_map jsonb not null default '{}' check (
    jsonb_typeof(field_map) = 'object' and not field_map ? ''
    and not jsonb_path_exists(field_map, '$.* ? (@.type() != "string" || @ == "" || @ == "event_code" || @ == "channel" || @ == "provider" || @ == "record_id" || @ == "severity" || @ == "outcome")')),
  outcome text check (outcome in ('success', 'failure')),
  map_keys text[] not null default '{}',
  map_fields text[] not null default '{}',
  check (channel is not null or provider is not null)
);
comment on table public.windows_event_types is
  E'Windows EventIDs the normalizer knows: for an event whose EventID, provider and channel match (provider and channel compared case-insensitively; a null one matches any), event_type names it and field_map renames its EventData. The row naming both provider and channel wins over one naming a single one. Events without a row become windows_event, with their EventData under its own names.';
comment on column public.windows_event_types.channel is 'Event log channel (System/Channel, winlog.channel, NXLog Channel), e.g. Security, System, Microsoft-Windows-Sysmon/Operational; null matches any. Forwarded events may arrive with channel ForwardedEvents, so the default rows match on provider only.';
comment on column public.windows_event_types.provider is 'Event provider (System/Provider/@Name, winlog.provider_name, NXLog SourceName), e.g. Microsoft-Windows-Security-Auditing; null matches any. EventIDs are only unique within a provider.';
comment on column public.windows_event_types.event_id is 'The EventID (System/EventID, winlog.event_id, NXLog EventID).';
comment on column public.windows_event_types.event_type is 'The event type the event gets; its required_fields (in event_types) then apply.';
comment on column public.windows_event_types.field_map is
  E'EventData key -> field name, e.g. {"TargetUserName": "username", "IpAddress": "src_ip"}. Values of src_ip/dst_ip lose a ::ffff: prefix, src_port/dst_port/pid/logon_type become numbers (pid also from hex 0x1fc), username DOMAIN\\name or name@REALM splits into username and user_domain, file_hash takes one hash (SHA256, SHA1, MD5, IMPHASH) of a Sysmon Hashes list. Unmapped keys keep their names.';
comment on column public.windows_event_types.map_keys is 'The keys of field_map, maintained by a trigger (the normalizer reads arrays faster than it walks the object).';
comment on column public.windows_event_types.map_fields is 'The field names of field_map in the order of map_keys, maintained by a trigger.';
comment on column public.windows_event_types.outcome is 'success or failure when the event carries no audit keyword saying so (Audit Success/Failure wins); null: only the keyword decides.';
create function siem_private.tg_windows_event_types__compile() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
begin
  -- a field_map that is no object gets empty arrays here and is rejected by the check after
  select coalesce(array_agg(e.key order by e.key), '{}'), coalesce(array_agg(e.value order by e.key), '{}')
    into new.map_keys, new.map_fields
  from jsonb_each_text(case when jsonb_typeof(new.field_map) = 'object' then new.field_map end) e;
  return new;
end;
$$;
comment on function siem_private.tg_windows_event_types__compile() is 'Keeps map_keys and map_fields in step with field_map.';
create trigger _100_compile before insert or update on public.windows_event_types
  for each row execute function siem_private.tg_windows_event_types__compile();

create unique index windows_event_types_event_id_provider_channel_idx
  on public.windows_event_types (event_id, lower(coalesce(provider, '')), lower(coalesce(channel, '')));

alter table public.windows_event_types enable row level security;
create policy select_all on public.windows_event_types for select to siem_analyst using (true);
create policy admin_all on public.windows_event_types for all to siem_admin using (true) with check (true);
grant select on public.windows_event_types to siem_analyst;
-- id is generated and map_* are the trigger's: admins write the rest
grant insert (channel, provider, event_id, event_type, description, field_map, outcome),
      update (channel, provider, event_id, event_type, description, field_map, outcome),
      delete on public.windows_event_types to siem_admin;

--------------------------------------------------------------------------------
-- Times
--------------------------------------------------------------------------------

-- ISO 8601 date-times as the three shapes write them: 2026-11-24T10:00:00.1234567Z (System
-- TimeCreated, 100 ns digits), 2026-11-24T10:00:00.123Z (Winlogbeat), 2026-11-24 10:00:00 or
-- 2026-11-24T10:00:00.169332+03:00 (NXLog). A time without an offset is read as UTC. Read by
-- position, not by a regular expression (which cost 140 us a call), and every field is
-- range-checked before the cast, so a bad time is null, never an error.
create function siem_private.windows_timestamp(p_text text) returns timestamptz
  language plpgsql stable strict parallel safe
  as $$
declare
  v_year integer;
  v_month integer;
  v_day integer;
  v_rest text;
  v_fraction text := '';
  v_zone text;
begin
  if length(p_text) not between 19 and 60 or substr(p_text, 5, 1) <> '-' or substr(p_text, 8, 1) <> '-'
     or substr(p_text, 11, 1) not in ('T', ' ') or substr(p_text, 14, 1) <> ':' or substr(p_text, 17, 1) <> ':'
     or translate(left(p_text, 4) || substr(p_text, 6, 2) || substr(p_text, 9, 2) || substr(p_text, 12, 2) || substr(p_text, 15, 2)
                  || substr(p_text, 18, 2), '0123456789', '') <> '' then
    return null;
  end if;
  v_year := left(p_text, 4)::integer;
  v_month := substr(p_text, 6, 2)::integer;
  v_day := substr(p_text, 9, 2)::integer;
  if v_year = 0 or v_month not between 1 and 12 or v_day = 0
     or v_day > (case when v_month = 2 then (case when v_year % 4 = 0 and (v_year % 100 <> 0 or v_year % 400 = 0) then 29 else 28 end)
                      when v_month in (4, 6, 9, 11) then 30 else 31 end)
     or substr(p_text, 12, 2)::integer > 23 or substr(p_text, 15, 2)::integer > 59 or substr(p_text, 18, 2)::integer > 59 then
    return null;
  end if;
  v_rest := substr(p_text, 20);
  if left(v_rest, 1) = '.' then
    v_fraction := ltrim(substr(v_rest, 2), '0123456789');
    v_fraction := left(v_rest, length(v_rest) - length(v_fraction));
    v_rest := substr(v_rest, length(v_fraction) + 1);
    if v_fraction = '.' then
      return null;
    end if;
  end if;
  v_zone := ltrim(v_rest, ' ');
  if v_zone in ('', 'Z') then
    v_zone := '+00';
  elsif not (left(v_zone, 1) in ('+', '-') and length(v_zone) in (3, 5, 6)
             and translate(substr(v_zone, 2, 2) || right(v_zone, 2), '0123456789', '') = ''
             and (length(v_zone) <> 6 or substr(v_zone, 4, 1) = ':') and (length(v_zone) <> 5 or translate(substr(v_zone, 4, 2), '0123456789', '') = '')
             and substr(v_zone, 2, 2)::integer <= 14 and right(v_zone, 2)::integer <= 59) then
    return null;
  end if;
  return (left(p_text, 10) || ' ' || substr(p_text, 12, 8) || v_fraction || v_zone)::timestamptz;
end;
$$;
comment on function siem_private.windows_timestamp(text) is
  'An ISO 8601 date-time (T or space, any fraction, Z, +hh, +hhmm or +hh:mm; none = UTC) as timestamptz, or null when it is not one or out of range. Never throws.';

--------------------------------------------------------------------------------
-- One JSON document -> (event_type, ts, host, fields), or null when it is not a Windows event
--------------------------------------------------------------------------------

create type siem_private.windows_event as (event_type text, ts timestamptz, host text, fields jsonb);
comment on type siem_private.windows_event is
  'A normalized Windows event: its event type (windows_event when the EventID has no windows_event_types row), the time it was logged (null when missing or malformed), the computer that logged it, and its fields (canonical names and the rest of the EventData).';

create function siem_private.normalize_windows_event(p_doc jsonb) returns siem_private.windows_event
  language plpgsql stable strict parallel safe
  as $$
declare
  v_system jsonb;
  v_winlog jsonb;
  v_event_id text;
  v_id integer;
  v_channel text;
  v_provider text;
  v_host text;
  v_record jsonb;
  v_time jsonb;
  v_level text;
  v_keywords text;
  v_nibble integer;
  v_audit text;
  v_data jsonb;
  v_event_type text;
  v_keys text[];
  v_targets text[];
  v_i integer;
  v_target text;
  v_text text;
  v_outcome text;
  v_fields jsonb;
  v_mapped jsonb;
  v_user text;
  v_sep integer;
  v_epoch numeric;
  v_ts timestamptz;
begin
  if jsonb_typeof(p_doc) <> 'object' then
    return null;
  end if;
  -- Event XML converted whole, as {"Event": {"System": ..., "EventData": ...}}
  if jsonb_typeof(p_doc -> 'Event') = 'object' and (p_doc -> 'Event') ? 'System' then
    p_doc := p_doc -> 'Event';
  end if;

  if jsonb_typeof(p_doc -> 'System') = 'object' then
    -- (a) The Event XML as JSON: System and EventData (or UserData). Attributes may be plain keys
    --     (Provider.Name) or under #attributes (as evtx converters write them).
    v_system := p_doc -> 'System';
    v_event_id := case jsonb_typeof(v_system -> 'EventID')
                    when 'object' then coalesce(v_system #>> '{EventID,#text}', v_system #>> '{EventID,Value}')
                    else v_system ->> 'EventID' end;
    v_provider := case jsonb_typeof(v_system -> 'Provider')
                    when 'object' then coalesce(v_system #>> '{Provider,Name}', v_system #>> '{Provider,#attributes,Name}')
                    when 'string' then v_system ->> 'Provider' end;
    v_channel := v_system ->> 'Channel';
    v_host := v_system ->> 'Computer';
    v_record := v_system -> 'EventRecordID';
    v_time := case jsonb_typeof(v_system -> 'TimeCreated')
                when 'object' then coalesce(v_system #> '{TimeCreated,SystemTime}', v_system #> '{TimeCreated,#attributes,SystemTime}')
                else v_system -> 'TimeCreated' end;
    v_level := v_system ->> 'Level';
    -- Keywords 0x8010000000000000 = Audit Failure (bit 52), 0x8020000000000000 = Audit Success (bit 53)
    v_keywords := v_system ->> 'Keywords';
    if length(v_keywords) = 18 and lower(left(v_keywords, 2)) = '0x' then
      v_nibble := strpos('0123456789abcdef', lower(substr(v_keywords, 5, 1))) - 1;
      v_audit := case when v_nibble < 0 then null when v_nibble & 1 = 1 then 'failure' when v_nibble & 2 = 2 then 'success' end;
    end if;
    v_data := p_doc -> 'EventData';
    if jsonb_typeof(v_data) is distinct from 'object' and jsonb_typeof(p_doc -> 'UserData') = 'object' then
      -- UserData holds one element named by the event (LogFileCleared, ...) with the fields inside
      select e.value into v_data from jsonb_each(p_doc -> 'UserData') e where jsonb_typeof(e.value) = 'object' limit 1;
    end if;
  elsif jsonb_typeof(p_doc -> 'winlog') = 'object' then
    -- (b) Winlogbeat 7+ (ECS): winlog.*, event.code, @timestamp
    v_winlog := p_doc -> 'winlog';
    v_event_id := coalesce(v_winlog ->> 'event_id', p_doc #>> '{event,code}');
    v_provider := coalesce(v_winlog ->> 'provider_name', p_doc #>> '{event,provider}');
    v_channel := v_winlog ->> 'channel';
    v_host := coalesce(v_winlog ->> 'computer_name', p_doc #>> '{host,name}', p_doc #>> '{host,hostname}');
    v_record := v_winlog -> 'record_id';
    v_time := p_doc -> '@timestamp';
    v_level := coalesce(p_doc #>> '{log,level}', v_winlog ->> 'level');
    v_audit := case when (v_winlog -> 'keywords') ? 'Audit Failure' then 'failure'
                    when (v_winlog -> 'keywords') ? 'Audit Success' then 'success' end;
    v_data := coalesce(v_winlog -> 'event_data', v_winlog -> 'user_data');
  elsif p_doc ? 'EventID' and (p_doc ? 'SourceName' or p_doc ? 'Channel') then
    -- (b) NXLog im_msvistalog + to_json(): system fields and EventData side by side at the top
    v_event_id := p_doc ->> 'EventID';
    v_provider := p_doc ->> 'SourceName';
    v_channel := p_doc ->> 'Channel';
    v_host := p_doc ->> 'Hostname';
    v_record := p_doc -> 'RecordNumber';
    v_time := p_doc -> 'EventTime';
    v_level := p_doc ->> 'Severity';
    v_audit := case p_doc ->> 'EventType' when 'AUDIT_FAILURE' then 'failure' when 'AUDIT_SUCCESS' then 'success' end;
    v_data := p_doc - array['EventTime', 'EventReceivedTime', 'Hostname', 'Keywords', 'EventType', 'SeverityValue', 'Severity',
                            'EventID', 'SourceName', 'ProviderGuid', 'Version', 'Task', 'TaskValue', 'Opcode', 'OpcodeValue',
                            'RecordNumber', 'ActivityID', 'RelatedActivityID', 'ProcessID', 'ThreadID', 'ExecutionProcessID',
                            'ExecutionThreadID', 'Channel', 'Category', 'Message', 'SourceModuleName', 'SourceModuleType', 'Level'];
  elsif p_doc ? 'event_id' and (p_doc ? 'log_name' or p_doc ? 'source_name') then
    -- (b) Winlogbeat before 7 (no ECS): event_id, log_name, source_name, computer_name at the top
    v_event_id := p_doc ->> 'event_id';
    v_provider := p_doc ->> 'source_name';
    v_channel := p_doc ->> 'log_name';
    v_host := p_doc ->> 'computer_name';
    v_record := p_doc -> 'record_number';
    v_time := p_doc -> '@timestamp';
    v_level := p_doc ->> 'level';
    v_audit := case when (p_doc -> 'keywords') ? 'Audit Failure' then 'failure'
                    when (p_doc -> 'keywords') ? 'Audit Success' then 'success' end;
    v_data := coalesce(p_doc -> 'event_data', p_doc -> 'user_data');
  else
    return null;
  end if;

  if v_event_id is null or length(v_event_id) not between 1 and 9 or translate(v_event_id, '0123456789', '') <> '' then
    return null;
  end if;
  v_id := v_event_id::integer;

  if jsonb_typeof(v_data) is distinct from 'object' then
    v_data := '{}';
  end if;
  if v_data ?| array['#attributes', 'xmlns', 'xml_name'] then
    v_data := v_data - '#attributes' - 'xmlns' - 'xml_name';
  end if;
  if v_data ? 'Data' then
    -- Data elements as converters write them: [{"Name": k, "#text": v}, ...], or unnamed values
    -- (classic events), which become param1, param2, ... as Winlogbeat names them.
    select (v_data - 'Data') || coalesce(jsonb_object_agg(
             coalesce(d.value ->> 'Name', d.value ->> '@Name', 'param' || d.n),
             case when jsonb_typeof(d.value) = 'object' then coalesce(d.value -> '#text', d.value -> 'Value', '""') else d.value end), '{}')
      into v_data
    from jsonb_array_elements(case when jsonb_typeof(v_data -> 'Data') = 'array' then v_data -> 'Data'
                                   when jsonb_typeof(v_data #> '{Data,#text}') = 'array' then v_data #> '{Data,#text}'
                                   when jsonb_typeof(v_data -> 'Data') = 'object' and (v_data -> 'Data') ? '#text' and not (v_data -> 'Data') ? 'Name'
                                     then jsonb_build_array(v_data #> '{Data,#text}')
                                   else jsonb_build_array(v_data -> 'Data') end) with ordinality d (value, n);
  end if;

  -- One statement (each costs its own executor start): the windows_event_types row with its map
  -- as two arrays (map_keys, map_fields), and the EventData without its '-', empty and null values
  -- and without the mapped keys, which the loop below adds back renamed, trimmed and typed.
  -- Aggregating every key through one CASE in SQL instead cost 36 us of the then 61 us per event
  -- of the fixture mix; this way the whole function takes 35.
  select w.event_type, w.outcome, w.map_keys, w.map_fields,
         v_data - array(select e.key from jsonb_each_text(v_data) e where e.value is null or e.value in ('-', ''))
                - coalesce(w.map_keys, '{}')
    into v_event_type, v_outcome, v_keys, v_targets, v_fields
  from (select) one
  left join lateral (
    select t.event_type, t.outcome, t.map_keys, t.map_fields
    from public.windows_event_types t
    where t.event_id = v_id
      and (t.provider is null or lower(t.provider) = lower(v_provider))
      and (t.channel is null or lower(t.channel) = lower(v_channel))
    order by t.provider is null, t.channel is null
    limit 1
  ) w on true;

  -- Mapped fields go to their own small object (adding to the whole one copies it each time),
  -- trimmed, and typed by their target: few expressions per key, as each costs its own evaluation.
  v_mapped := '{}';
  for v_i in 1 .. coalesce(array_length(v_keys, 1), 0) loop
    v_text := btrim(v_data ->> v_keys[v_i], e' \t\r\n');
    continue when v_text is null or v_text in ('', '-');
    v_target := v_targets[v_i];
    v_mapped := v_mapped || case
      when v_target in ('src_ip', 'dst_ip') and left(v_text, 7) = '::ffff:' and strpos(v_text, '.') > 0
        then jsonb_build_object(v_target, substr(v_text, 8))
      when v_target in ('src_port', 'dst_port', 'pid', 'logon_type') and length(v_text) <= 9 and translate(v_text, '0123456789', '') = ''
        then jsonb_build_object(v_target, v_text::integer)
      when v_target = 'pid' and lower(left(v_text, 2)) = '0x' and length(v_text) between 3 and 10
           and translate(lower(substr(v_text, 3)), '0123456789abcdef', '') = ''
        then jsonb_build_object(v_target, ('x' || lpad(substr(v_text, 3), 16, '0'))::bit(64)::bigint)
      -- one hash of a list; the list stays under its own name too, for the other hashes
      when v_target = 'file_hash' and strpos(v_text, '=') > 0
        then jsonb_build_object(v_keys[v_i], v_text, v_target,
               coalesce(lower(coalesce(substring(v_text from '(?:^|,)SHA256=([0-9A-Fa-f]+)'), substring(v_text from '(?:^|,)SHA1=([0-9A-Fa-f]+)'),
                                       substring(v_text from '(?:^|,)MD5=([0-9A-Fa-f]+)'), substring(v_text from '(?:^|,)IMPHASH=([0-9A-Fa-f]+)'))),
                        v_text))
      else jsonb_build_object(v_target, v_text)
    end;
  end loop;

  -- DOMAIN\name and name@REALM: username is the name; user_domain the rest, unless mapped already.
  v_user := v_mapped ->> 'username';
  if v_user is not null then
    v_sep := strpos(v_user, '\');
    if v_sep > 1 and v_sep < length(v_user) then
      v_mapped := jsonb_build_object('user_domain', left(v_user, v_sep - 1)) || v_mapped
                  || jsonb_build_object('username', substr(v_user, v_sep + 1));
    else
      v_sep := length(v_user) - strpos(reverse(v_user), '@') + 1;
      if v_sep > 1 and v_sep < length(v_user) and strpos(v_user, '@') > 0 then
        v_mapped := jsonb_build_object('user_domain', substr(v_user, v_sep + 1)) || v_mapped
                    || jsonb_build_object('username', left(v_user, v_sep - 1));
      end if;
    end if;
  end if;

  if jsonb_typeof(v_time) = 'string' then
    v_ts := siem_private.windows_timestamp(v_time #>> '{}');
  elsif jsonb_typeof(v_time) = 'number' then
    -- epoch seconds, milliseconds or microseconds (NXLog integer($EventTime)), told apart by size
    v_epoch := v_time::numeric;
    v_ts := case when v_epoch between 0 and 1e11 then to_timestamp(v_epoch::double precision)
                 when v_epoch between 0 and 1e14 then to_timestamp((v_epoch / 1e3)::double precision)
                 when v_epoch between 0 and 1e17 then to_timestamp((v_epoch / 1e6)::double precision) end;
  end if;

  return row(coalesce(v_event_type, 'windows_event'), v_ts, nullif(btrim(v_host), ''), v_fields || (v_mapped || jsonb_strip_nulls(jsonb_build_object(
    'event_code', v_id,
    'channel', nullif(v_channel, ''),
    'provider', nullif(v_provider, ''),
    'record_id', case when jsonb_typeof(v_record) = 'number' then v_record
                      when length(v_record #>> '{}') between 1 and 18 and translate(v_record #>> '{}', '0123456789', '') = ''
                        then to_jsonb((v_record #>> '{}')::bigint)
                      when jsonb_typeof(v_record) = 'string' then v_record end,
    -- Windows levels (numbers, or their names in Winlogbeat and NXLog) as syslog severities
    'severity', case lower(v_level)
                  when '1' then 2 when 'critical' then 2
                  when '2' then 3 when 'error' then 3
                  when '3' then 4 when 'warning' then 4
                  when '0' then 6 when '4' then 6 when 'information' then 6 when 'info' then 6
                  when '5' then 7 when 'verbose' then 7 when 'debug' then 7 end,
    'outcome', coalesce(v_audit, v_outcome)))))::siem_private.windows_event;
end;
$$;
comment on function siem_private.normalize_windows_event(jsonb) is
  E'A Windows event as JSON (the Event XML as {"System", "EventData"|"UserData"}, optionally inside {"Event": ...}; Winlogbeat 7+ {"winlog": ...}; NXLog im_msvistalog; Winlogbeat 6 {"event_id", "log_name", ...}) as (event_type, ts, host, fields); null for any other document. fields: event_code, channel, provider, record_id, severity, outcome, the EventData renamed by windows_event_types.field_map, and the other EventData keys under their own names. Never throws; see docs/parsing.md.';

--------------------------------------------------------------------------------
-- Default event types and EventIDs
--------------------------------------------------------------------------------

insert into public.event_types (name, required_fields, description) values
  ('windows_event', '{}', 'Windows event whose EventID has no windows_event_types row'),
  ('windows_logon_success', '{username}', 'Windows 4624: an account logged on'),
  ('windows_logon_failed', '{username}', 'Windows 4625: an account failed to log on'),
  ('windows_logoff', '{username}', 'Windows 4634/4647: an account logged off'),
  ('windows_explicit_credentials', '{username}', 'Windows 4648: a logon was attempted with explicit credentials'),
  ('windows_special_privileges', '{username}', 'Windows 4672: special privileges assigned to a new logon'),
  ('windows_process_created', '{process}', 'Windows 4688: a process was created'),
  ('windows_process_exited', '{process}', 'Windows 4689: a process exited'),
  ('windows_service_installed', '{service_name}', 'Windows 4697 / System 7045: a service was installed'),
  ('windows_service_state', '{service_name}', 'System 7036: a service entered a state (running, stopped)'),
  ('windows_scheduled_task_created', '{TaskName}', 'Windows 4698: a scheduled task was created'),
  ('windows_scheduled_task_deleted', '{TaskName}', 'Windows 4699: a scheduled task was deleted'),
  ('windows_scheduled_task_enabled', '{TaskName}', 'Windows 4700: a scheduled task was enabled'),
  ('windows_scheduled_task_disabled', '{TaskName}', 'Windows 4701: a scheduled task was disabled'),
  ('windows_scheduled_task_updated', '{TaskName}', 'Windows 4702: a scheduled task was updated'),
  ('windows_user_created', '{username}', 'Windows 4720: a user account was created'),
  ('windows_user_enabled', '{username}', 'Windows 4722: a user account was enabled'),
  ('windows_user_disabled', '{username}', 'Windows 4725: a user account was disabled'),
  ('windows_user_deleted', '{username}', 'Windows 4726: a user account was deleted'),
  ('windows_password_changed', '{username}', 'Windows 4723: an attempt to change an account''s password'),
  ('windows_password_reset', '{username}', 'Windows 4724: an attempt to reset an account''s password'),
  ('windows_group_member_added', '{group_name}', 'Windows 4728/4732/4756: a member was added to a security-enabled global, local or universal group'),
  ('windows_account_locked_out', '{username}', 'Windows 4740: a user account was locked out'),
  ('windows_kerberos_tgt_requested', '{username}', 'Windows 4768: a Kerberos authentication ticket (TGT) was requested'),
  ('windows_kerberos_service_ticket', '{username}', 'Windows 4769: a Kerberos service ticket was requested'),
  ('windows_kerberos_preauth_failed', '{username}', 'Windows 4771: Kerberos pre-authentication failed'),
  ('windows_ntlm_auth', '{username}', 'Windows 4776: the computer attempted to validate the credentials for an account (NTLM)'),
  ('windows_log_cleared', '{}', 'Windows 1102 / System 104: an event log was cleared'),
  ('windows_eventlog_started', '{}', 'System 6005: the Event Log service was started (boot)'),
  ('windows_eventlog_stopped', '{}', 'System 6006: the Event Log service was stopped (shutdown)'),
  ('sysmon_process_created', '{process}', 'Sysmon 1: process creation'),
  ('sysmon_network_connection', '{src_ip,dst_ip}', 'Sysmon 3: network connection'),
  ('sysmon_file_created', '{TargetFilename}', 'Sysmon 11: file created'),
  ('sysmon_registry_value_set', '{TargetObject}', 'Sysmon 13: registry value set'),
  ('sysmon_dns_query', '{domain}', 'Sysmon 22: DNS query');

insert into public.windows_event_types (provider, event_id, event_type, outcome, description, field_map) values
  ('Microsoft-Windows-Security-Auditing', 4624, 'windows_logon_success', 'success', 'An account was successfully logged on',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain", "IpAddress": "src_ip", "IpPort": "src_port", "WorkstationName": "src_host", "LogonType": "logon_type", "ProcessName": "process", "ProcessId": "pid"}'),
  ('Microsoft-Windows-Security-Auditing', 4625, 'windows_logon_failed', 'failure', 'An account failed to log on',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain", "IpAddress": "src_ip", "IpPort": "src_port", "WorkstationName": "src_host", "LogonType": "logon_type", "ProcessName": "process", "ProcessId": "pid"}'),
  ('Microsoft-Windows-Security-Auditing', 4634, 'windows_logoff', null, 'An account was logged off',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain", "LogonType": "logon_type"}'),
  ('Microsoft-Windows-Security-Auditing', 4647, 'windows_logoff', null, 'User initiated logoff',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4648, 'windows_explicit_credentials', null, 'A logon was attempted using explicit credentials',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain", "IpAddress": "src_ip", "IpPort": "src_port", "ProcessName": "process", "ProcessId": "pid"}'),
  ('Microsoft-Windows-Security-Auditing', 4672, 'windows_special_privileges', null, 'Special privileges assigned to new logon',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4688, 'windows_process_created', null, 'A new process has been created',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain", "NewProcessName": "process", "NewProcessId": "pid"}'),
  ('Microsoft-Windows-Security-Auditing', 4689, 'windows_process_exited', null, 'A process has exited',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain", "ProcessName": "process", "ProcessId": "pid"}'),
  ('Microsoft-Windows-Security-Auditing', 4697, 'windows_service_installed', null, 'A service was installed in the system',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain", "ServiceName": "service_name"}'),
  ('Microsoft-Windows-Security-Auditing', 4698, 'windows_scheduled_task_created', null, 'A scheduled task was created',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4699, 'windows_scheduled_task_deleted', null, 'A scheduled task was deleted',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4700, 'windows_scheduled_task_enabled', null, 'A scheduled task was enabled',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4701, 'windows_scheduled_task_disabled', null, 'A scheduled task was disabled',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4702, 'windows_scheduled_task_updated', null, 'A scheduled task was updated',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4720, 'windows_user_created', null, 'A user account was created',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4722, 'windows_user_enabled', null, 'A user account was enabled',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4723, 'windows_password_changed', null, 'An attempt was made to change an account''s password',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4724, 'windows_password_reset', null, 'An attempt was made to reset an account''s password',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4725, 'windows_user_disabled', null, 'A user account was disabled',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4726, 'windows_user_deleted', null, 'A user account was deleted',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4728, 'windows_group_member_added', null, 'A member was added to a security-enabled global group',
   '{"TargetUserName": "group_name", "TargetDomainName": "group_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4732, 'windows_group_member_added', null, 'A member was added to a security-enabled local group',
   '{"TargetUserName": "group_name", "TargetDomainName": "group_domain"}'),
  ('Microsoft-Windows-Security-Auditing', 4756, 'windows_group_member_added', null, 'A member was added to a security-enabled universal group',
   '{"TargetUserName": "group_name", "TargetDomainName": "group_domain"}'),
  -- in 4740, TargetDomainName is the caller computer: where the bad passwords came from
  ('Microsoft-Windows-Security-Auditing', 4740, 'windows_account_locked_out', null, 'A user account was locked out',
   '{"TargetUserName": "username", "TargetDomainName": "src_host"}'),
  ('Microsoft-Windows-Security-Auditing', 4768, 'windows_kerberos_tgt_requested', null, 'A Kerberos authentication ticket (TGT) was requested',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain", "IpAddress": "src_ip", "IpPort": "src_port"}'),
  ('Microsoft-Windows-Security-Auditing', 4769, 'windows_kerberos_service_ticket', null, 'A Kerberos service ticket was requested',
   '{"TargetUserName": "username", "TargetDomainName": "user_domain", "IpAddress": "src_ip", "IpPort": "src_port"}'),
  ('Microsoft-Windows-Security-Auditing', 4771, 'windows_kerberos_preauth_failed', 'failure', 'Kerberos pre-authentication failed',
   '{"TargetUserName": "username", "IpAddress": "src_ip", "IpPort": "src_port"}'),
  ('Microsoft-Windows-Security-Auditing', 4776, 'windows_ntlm_auth', null, 'The computer attempted to validate the credentials for an account',
   '{"TargetUserName": "username", "Workstation": "src_host"}'),
  ('Microsoft-Windows-Eventlog', 1102, 'windows_log_cleared', null, 'The audit log was cleared',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Microsoft-Windows-Eventlog', 104, 'windows_log_cleared', null, 'An event log was cleared (UserData names the log in Channel)',
   '{"SubjectUserName": "username", "SubjectDomainName": "user_domain"}'),
  ('Service Control Manager', 7045, 'windows_service_installed', null, 'A service was installed in the system',
   '{"ServiceName": "service_name"}'),
  ('Service Control Manager', 7036, 'windows_service_state', null, 'The service entered a state',
   '{"param1": "service_name", "param2": "service_state"}'),
  ('EventLog', 6005, 'windows_eventlog_started', null, 'The Event log service was started', '{}'),
  ('EventLog', 6006, 'windows_eventlog_stopped', null, 'The Event log service was stopped', '{}'),
  ('Microsoft-Windows-Sysmon', 1, 'sysmon_process_created', null, 'Process creation',
   '{"Image": "process", "ProcessId": "pid", "User": "username", "Hashes": "file_hash"}'),
  ('Microsoft-Windows-Sysmon', 3, 'sysmon_network_connection', null, 'Network connection detected',
   '{"Image": "process", "ProcessId": "pid", "User": "username", "SourceIp": "src_ip", "SourcePort": "src_port", "SourceHostname": "src_host", "DestinationIp": "dst_ip", "DestinationPort": "dst_port", "DestinationHostname": "dst_host"}'),
  ('Microsoft-Windows-Sysmon', 11, 'sysmon_file_created', null, 'File created',
   '{"Image": "process", "ProcessId": "pid", "User": "username"}'),
  ('Microsoft-Windows-Sysmon', 13, 'sysmon_registry_value_set', null, 'Registry value set',
   '{"Image": "process", "ProcessId": "pid", "User": "username"}'),
  ('Microsoft-Windows-Sysmon', 22, 'sysmon_dns_query', null, 'DNS query',
   '{"Image": "process", "ProcessId": "pid", "User": "username", "QueryName": "domain"}');
