--! Previous: sha1:141fb3bac6f0876608df39352bb401edfbacd3ae
--! Hash: sha1:1df5a976d9f64a3097e44ef1864a745db6ae5040
--! Message: windows-speed

-- Windows events cost less backend CPU on ingest (issue 3), with the same results: 33 -> 20 us per
-- event of the windows bench corpus.
-- - normalize_windows_lines() reads windows_event_types once per statement, as one jsonb
--   (windows_event_types_map()), and passes it to the new two-argument normalize_windows_event():
--   no query per event. The one-argument form stays, for callers of a single event.
-- - The EventData's '-', empty and null values are found with a jsonpath (no query per event),
--   and only among the keys that are not mapped.
-- - Mapped fields are gathered as text pairs for one jsonb_object() and the numbers as JSON text
--   parsed once, instead of one jsonb_build_object() and one || (a copy) per key.
-- - Times in the shapes agents write are read with one translate() and one cast; any other goes
--   through windows_timestamp() as before.

--------------------------------------------------------------------------------
-- windows_event_types as one value, by EventID
--------------------------------------------------------------------------------

-- Per EventID, its rows as arrays [provider, channel, event_type, outcome, map_keys, map_fields,
-- map_keys joined by U+001F, map_keys as an array literal], provider and channel lower-cased, the
-- row that names both first, then provider-only, then channel-only (the order the lookup of
-- 000006 used). The joined keys (split by string_to_array(), 4 times cheaper than the literal's
-- array_in) are null when a key holds U+001F; the literal then serves.
create function siem_private.windows_event_types_map(p_event_id integer) returns jsonb
  language sql stable parallel safe
  as $$
  select coalesce(jsonb_object_agg(x.event_id::text, x.types), '{}')
  from (select t.event_id,
               jsonb_agg(jsonb_build_array(lower(t.provider), lower(t.channel), t.event_type, t.outcome, to_jsonb(t.map_keys), to_jsonb(t.map_fields),
                                           case when strpos(array_to_string(t.map_keys, ''), E'\x1f') = 0 then array_to_string(t.map_keys, E'\x1f') end,
                                           t.map_keys::text)
                         order by t.provider is null, t.channel is null) as types
        from public.windows_event_types t
        where p_event_id is null or t.event_id = p_event_id
        group by t.event_id) x
$$;
comment on function siem_private.windows_event_types_map(integer) is
  'The rows of windows_event_types (all, or those of one EventID) as one jsonb for normalize_windows_event(doc, types): {"<event_id>": [[provider, channel, event_type, outcome, map_keys, map_fields, map_keys joined by U+001F or null, map_keys as an array literal], ...]}, provider and channel lower-cased, most specific row first.';

--------------------------------------------------------------------------------
-- One JSON document -> (event_type, ts, host, fields), with the types given
--------------------------------------------------------------------------------

create function siem_private.normalize_windows_event(p_doc jsonb, p_types jsonb) returns siem_private.windows_event
  language plpgsql stable parallel safe
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
  v_audit text;
  v_data jsonb;
  v_event_type text;
  v_keys jsonb;
  v_targets jsonb;
  v_type jsonb;
  v_key text;
  v_strings text[] := '{}';
  v_numbers text := '';
  v_empty jsonb;
  v_clock bigint;
  v_i integer;
  v_target text;
  v_text text;
  v_outcome text;
  v_fields jsonb;
  v_user text;
  v_sep integer;
  v_epoch numeric;
  v_ts timestamptz;
begin
  if p_doc is null or jsonb_typeof(p_doc) <> 'object' then
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
    -- (the hex digit of bits 52-55 by value: odd = bit 52, 2/6/a/e = bit 53 alone)
    v_audit := case when length(v_keywords) = 18 and lower(left(v_keywords, 2)) = '0x' then
                 case lower(substr(v_keywords, 5, 1))
                   when '1' then 'failure' when '3' then 'failure' when '5' then 'failure' when '7' then 'failure'
                   when '9' then 'failure' when 'b' then 'failure' when 'd' then 'failure' when 'f' then 'failure'
                   when '2' then 'success' when '6' then 'success' when 'a' then 'success' when 'e' then 'success' end end;
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

  -- The windows_event_types row, from p_types (see windows_event_types_map()): the rows of the
  -- EventID, most specific first. Without p_types, this EventID's rows are read here.
  v_keys := coalesce(p_types, siem_private.windows_event_types_map(v_id)) -> v_id::text;
  for v_i in 0 .. coalesce(jsonb_array_length(v_keys), 0) - 1 loop
    v_type := v_keys -> v_i;
    exit when (v_type ->> 0 is null or v_type ->> 0 = lower(v_provider)) and (v_type ->> 1 is null or v_type ->> 1 = lower(v_channel));
    v_type := null;
  end loop;
  v_event_type := v_type ->> 2;
  v_outcome := v_type ->> 3;
  v_keys := v_type -> 4;
  v_targets := v_type -> 5;

  -- Mapped values are collected as text pairs for one jsonb_object() at the end, and the numbers
  -- (with any other value of the number fields) as JSON text parsed once: building an object per
  -- key cost most of the function. In either, a later value of a name wins, as in a jsonb object.
  for v_i in 0 .. coalesce(jsonb_array_length(v_keys), 0) - 1 loop
    v_text := btrim(v_data ->> (v_keys ->> v_i), e' \t\r\n');
    continue when v_text is null or v_text in ('', '-');
    v_target := v_targets ->> v_i;
    if v_target in ('src_port', 'dst_port', 'pid', 'logon_type') then
      v_numbers := v_numbers || ',"' || v_target || '":'
                   || case when length(v_text) <= 9 and translate(v_text, '0123456789', '') = '' then v_text::integer::text
                           when v_target = 'pid' and lower(left(v_text, 2)) = '0x' and length(v_text) between 3 and 10
                                and translate(lower(substr(v_text, 3)), '0123456789abcdef', '') = ''
                             then ('x' || lpad(substr(v_text, 3), 16, '0'))::bit(64)::bigint::text
                           else to_json(v_text)::text end;
      continue;
    elsif v_target = 'username' then
      v_user := v_text;
    elsif v_target in ('src_ip', 'dst_ip') and left(v_text, 7) = '::ffff:' and strpos(v_text, '.') > 0 then
      v_text := substr(v_text, 8);
    elsif v_target = 'file_hash' and strpos(v_text, '=') > 0 then
      -- one hash of a list; the list stays under its own name too, for the other hashes
      v_key := v_keys ->> v_i;
      if v_key in ('src_port', 'dst_port', 'pid', 'logon_type') then
        v_numbers := v_numbers || ',"' || v_key || '":' || to_json(v_text)::text;
      else
        v_strings := v_strings || array[v_key, v_text];
        if v_key = 'username' then
          v_user := v_text;
        end if;
      end if;
      v_text := coalesce(lower(coalesce(substring(v_text from '(?:^|,)SHA256=([0-9A-Fa-f]+)'), substring(v_text from '(?:^|,)SHA1=([0-9A-Fa-f]+)'),
                                        substring(v_text from '(?:^|,)MD5=([0-9A-Fa-f]+)'), substring(v_text from '(?:^|,)IMPHASH=([0-9A-Fa-f]+)'))),
                         v_text);
    end if;
    v_strings := v_strings || array[v_target, v_text];
  end loop;

  -- The EventData without the mapped keys and without '-', empty and null values.
  v_fields := v_data - coalesce(string_to_array(v_type ->> 6, E'\x1f'), (v_type ->> 7)::text[], '{}');
  if jsonb_path_exists(v_fields, 'strict $.* ? (@ == null || @ == "-" || @ == "")') then
    v_empty := jsonb_path_query_array(v_fields, 'strict $.keyvalue() ? (@.value == null || @.value == "-" || @.value == "").key');
    for v_i in 0 .. jsonb_array_length(v_empty) - 1 loop
      v_fields := v_fields - (v_empty ->> v_i);
    end loop;
  end if;

  -- DOMAIN\name and name@REALM: username is the name; user_domain the rest, unless mapped already.
  if v_user is not null then
    v_sep := strpos(v_user, '\');
    if v_sep > 1 and v_sep < length(v_user) then
      v_strings := array['user_domain', left(v_user, v_sep - 1)] || v_strings || array['username', substr(v_user, v_sep + 1)];
    else
      v_sep := length(v_user) - strpos(reverse(v_user), '@') + 1;
      if v_sep > 1 and v_sep < length(v_user) and strpos(v_user, '@') > 0 then
        v_strings := array['user_domain', substr(v_user, v_sep + 1)] || v_strings || array['username', left(v_user, v_sep - 1)];
      end if;
    end if;
  end if;

  if jsonb_typeof(v_time) = 'string' then
    -- the shapes agents write, read here (one translate and one cast); any other through windows_timestamp()
    v_text := v_time #>> '{}';
    v_clock := case when translate(v_text, '123456789', '000000000')
                           in ('0000-00-00T00:00:00.000Z', '0000-00-00T00:00:00.0000000Z', '0000-00-00T00:00:00Z', '0000-00-00 00:00:00')
                      then translate(left(v_text, 19), '-T: ', '')::bigint end;
    if v_clock / 10000000000 > 0 and v_clock / 100000000 % 100 between 1 and 12
       and v_clock / 1000000 % 100 between 1 and (case v_clock / 100000000 % 100 when 2 then 28 when 4 then 30 when 6 then 30 when 9 then 30 when 11 then 30 else 31 end)
       and v_clock / 10000 % 100 <= 23 and v_clock / 100 % 100 <= 59 and v_clock % 100 <= 59 then
      v_ts := (rtrim(v_text, 'Z') || '+00')::timestamptz;
    else
      v_ts := siem_private.windows_timestamp(v_text);
    end if;
  elsif jsonb_typeof(v_time) = 'number' then
    -- epoch seconds, milliseconds or microseconds (NXLog integer($EventTime)), told apart by size
    v_epoch := v_time::numeric;
    v_ts := case when v_epoch between 0 and 1e11 then to_timestamp(v_epoch::double precision)
                 when v_epoch between 0 and 1e14 then to_timestamp((v_epoch / 1e3)::double precision)
                 when v_epoch between 0 and 1e17 then to_timestamp((v_epoch / 1e6)::double precision) end;
  end if;

  v_outcome := coalesce(v_audit, v_outcome);
  -- the header fields win over the mapped ones, which win over the rest of the EventData
  return row(coalesce(v_event_type, 'windows_event'), v_ts, nullif(btrim(v_host), ''),
             v_fields || (jsonb_object(v_strings
                                       || case when v_channel <> '' then array['channel', v_channel] else '{}' end
                                       || case when v_provider <> '' then array['provider', v_provider] else '{}' end
                                       || case when v_outcome is not null then array['outcome', v_outcome] else '{}' end)
                          || ('{"event_code":' || v_id || v_numbers
                              || coalesce(',"record_id":' || case when jsonb_typeof(v_record) = 'number' then v_record::text
                                                                  when length(v_record #>> '{}') between 1 and 18 and translate(v_record #>> '{}', '0123456789', '') = ''
                                                                    then (v_record #>> '{}')::bigint::text
                                                                  when jsonb_typeof(v_record) = 'string' then v_record::text end, '')
                              -- Windows levels (numbers, or their names in Winlogbeat and NXLog) as syslog severities
                              || coalesce(',"severity":' || case lower(v_level)
                                                              when '1' then '2' when 'critical' then '2'
                                                              when '2' then '3' when 'error' then '3'
                                                              when '3' then '4' when 'warning' then '4'
                                                              when '0' then '6' when '4' then '6' when 'information' then '6' when 'info' then '6'
                                                              when '5' then '7' when 'verbose' then '7' when 'debug' then '7' end, '')
                              || '}')::jsonb))::siem_private.windows_event;
end;
$$;
comment on function siem_private.normalize_windows_event(jsonb, jsonb) is
  E'normalize_windows_event(doc) with the windows_event_types rows given as p_types (windows_event_types_map(null), read once per statement by normalize_windows_lines()); a null p_types reads the rows of the event''s EventID. Never throws; null for a document that is not a Windows event.';

-- The one-argument form, for a single event (tests, ad hoc queries): the same result.
create or replace function siem_private.normalize_windows_event(p_doc jsonb) returns siem_private.windows_event
  language sql stable strict parallel safe
  as $$ select siem_private.normalize_windows_event(p_doc, null::jsonb) $$;
comment on function siem_private.normalize_windows_event(jsonb) is
  E'A Windows event as JSON (the Event XML as {"System", "EventData"|"UserData"}, optionally inside {"Event": ...}; Winlogbeat 7+ {"winlog": ...}; NXLog im_msvistalog; Winlogbeat 6 {"event_id", "log_name", ...}) as (event_type, ts, host, fields); null for any other document. fields: event_code, channel, provider, record_id, severity, outcome, the EventData renamed by windows_event_types.field_map, and the other EventData keys under their own names. Never throws; see docs/parsing.md. Reads windows_event_types per call: many events in one statement go through normalize_windows_event(doc, types).';

--------------------------------------------------------------------------------
-- The set-based caller: windows_event_types read once per statement
--------------------------------------------------------------------------------

create or replace function siem_private.normalize_windows_lines() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  set jit = off
  as $$
begin
  -- one CTE, read by both inserts, so each event is normalized once; the types are an initplan,
  -- computed on the first Windows event only
  with windows_events as (
    select x.id, x.w
    from (select l.id, siem_private.normalize_windows_event(l.doc, (select siem_private.windows_event_types_map(null))) as w
          from siem_parse_lines l
          where l.doc ?| siem_private.windows_doc_keys()
          offset 0) x
    where x.w is not null
  ),
  matched as (
    insert into siem_parse_matches (id, event_type, metadata, complete)
    select e.id, (e.w).event_type, (e.w).fields, coalesce((e.w).fields ?& et.required_fields, true)
    from windows_events e
    left join public.event_types et on et.name = (e.w).event_type
  )
  insert into siem_parse_windows (id, ts, host)
  select e.id, (e.w).ts, (e.w).host from windows_events e;
end;
$$;
comment on function siem_private.normalize_windows_lines() is
  'Windows events among the JSON objects staged in siem_parse_lines, normalized into siem_parse_matches and siem_parse_windows (windows_event_types read once per statement).';
