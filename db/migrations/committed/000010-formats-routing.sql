--! Previous: sha1:ec0fb8d729bdb962c838b43b0b351e4db205c06e
--! Hash: sha1:dbe89bd1eed711de868ed78a6bd4ef497483af32
--! Message: formats-routing

-- Every format reaches the ingest path: RFC 5424 (its body routed to the program's parsers), CEF,
-- CSV (header per source), per-source strict formats; one staging step and one result shape
-- shared by the ingest trigger, reparse() and normalize_line(); faster event times; ip and bool
-- canonical types; ECS names as aliases.

--------------------------------------------------------------------------------
-- Event time: the common shapes take a guarded plain cast
--------------------------------------------------------------------------------

-- parse_timestamp (plpgsql, every part checked) costs 4 to 6 us a value. The two shapes nearly all
-- lines carry are recognised by one anchored regex whose ranges make the cast unable to throw
-- (days up to 28: later days, and every other shape, take parse_timestamp), then cast directly.
create function siem_private.fast_timestamp(p_text text) returns timestamptz
  language sql stable parallel safe
  as $$
  select case
    when p_text ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?(Z|z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)$'
         and left(p_text, 4) <> '0000'
      then p_text::timestamptz
    when p_text ~ '^(0[1-9]|1[0-9]|2[0-8])/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4}:([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] [+-](0[0-9]|1[0-5])[0-5][0-9]$'
         and substr(p_text, 8, 4) <> '0000'
      then to_timestamp(p_text, 'DD/Mon/YYYY:HH24:MI:SS TZHTZM')
    else siem_private.parse_timestamp(p_text)
  end
$$;
comment on function siem_private.fast_timestamp(text) is
  'parse_timestamp() with a fast path for RFC 3339 with a zone and the access-log form; the same results, never throws.';

create or replace function siem_private.event_time(p_fields jsonb, p_received timestamptz) returns timestamptz
  language plpgsql stable parallel safe
  as $$
declare
  v_ts timestamptz := siem_private.fast_timestamp(coalesce(p_fields ->> '@timestamp', p_fields ->> 'timestamp', p_fields ->> 'time'));
begin
  return case when v_ts >= '1970-01-01T00:00:00Z' and v_ts <= p_received + interval '1 day' then v_ts else p_received end;
end;
$$;

--------------------------------------------------------------------------------
-- Canonical types ip and bool; ECS names as aliases
--------------------------------------------------------------------------------

alter table public.canonical_fields drop constraint canonical_fields_type_check;
alter table public.canonical_fields add constraint canonical_fields_type_check check (type in ('text', 'int', 'float', 'bool', 'ip'));
comment on column public.canonical_fields.type is
  'int, float: a JSON number. bool: true/false (also yes/no, on/off, 1/0). ip: the address in PostgreSQL''s inet text form (IPv6 compressed, lower case), so (metadata->>''src_ip'')::inet never throws on a typed field. A value that does not fit keeps its text.';

-- An IP address in inet's text form, or null. Never throws: IPv4 is checked by its octets, other
-- candidates (hex digits, colons, dots, one zone) by a guarded cast.
create function siem_private.try_inet_text(p_value text) returns text
  language plpgsql immutable strict parallel safe
  as $$
begin
  if p_value ~ '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$' then
    return p_value;
  end if;
  if length(p_value) between 2 and 45 and strpos(p_value, ':') > 0 and translate(lower(p_value), '0123456789abcdef:.', '') = '' then
    begin
      return host(p_value::inet);
    exception when others then
      return null;
    end;
  end if;
  return null;
end;
$$;
comment on function siem_private.try_inet_text(text) is 'An IPv4 or IPv6 address as inet''s text form (host()), or null when it is not one. Never throws.';

create or replace function siem_private.grok_value(p_value text, p_type text) returns jsonb
  language sql stable parallel safe
  as $$
  select case
    when p_value is null then null
    when p_type = 'int' and p_value ~ '^\s*[+-]?\d{1,18}\s*$' then to_jsonb(p_value::bigint)
    when p_type = 'int' and p_value ~ '^\s*[+-]?\d+(\.\d+)?\s*$' then to_jsonb(trunc(p_value::numeric))
    when p_type = 'float' and p_value ~ '^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$' then to_jsonb(p_value::numeric)
    when p_type = 'bool' and lower(p_value) in ('true', 'yes', 'on', '1') then 'true'::jsonb
    when p_type = 'bool' and lower(p_value) in ('false', 'no', 'off', '0') then 'false'::jsonb
    when p_type = 'ip' then to_jsonb(coalesce(siem_private.try_inet_text(p_value), p_value))
    else to_jsonb(p_value)
  end
$$;

-- As in 000007, with bool and ip among the coerced types.
create or replace function siem_private.fields_object(p_names text[], p_types text[], p_values text[], p_unique boolean) returns jsonb
  language plpgsql stable parallel safe
  as $$
declare
  result jsonb;
  i integer;
  v text;
begin
  if p_values is null then
    return null;
  end if;
  if p_unique then
    result := jsonb_strip_nulls(jsonb_object(p_names, p_values)) - '';
  else
    result := '{}';
    for i in reverse array_length(p_names, 1) .. 1 loop
      if p_values[i] is not null and p_names[i] <> '' then
        result := result || jsonb_build_object(p_names[i], p_values[i]);
      end if;
    end loop;
  end if;
  foreach i in array array_positions(p_types, 'int') || array_positions(p_types, 'float')
                     || array_positions(p_types, 'bool') || array_positions(p_types, 'ip') loop
    v := p_values[i];
    continue when v is null or p_names[i] = '' or (not p_unique and result ->> p_names[i] is distinct from v);
    if p_types[i] = 'int' and length(v) between 1 and 18 and translate(v, '0123456789', '') = '' then
      result := result || jsonb_build_object(p_names[i], v::bigint);
    else
      result := result || jsonb_build_object(p_names[i], siem_private.grok_value(v, p_types[i]));
    end if;
  end loop;
  return result;
end;
$$;

insert into public.canonical_fields (name, type, description) values
  ('src_host', 'text', 'source host name'),
  ('dst_host', 'text', 'destination host name'),
  ('protocol', 'text', 'network protocol (tcp, udp, icmp ...)')
on conflict (name) do nothing;
update public.canonical_fields set type = 'ip' where name in ('src_ip', 'dst_ip');

-- ECS (Elastic Common Schema) names as grok's ecs-v1 naming and Beats write them flat.
insert into public.field_aliases (alias, canonical) values
  ('source.ip', 'src_ip'), ('source.address', 'src_ip'), ('client.ip', 'src_ip'),
  ('source.port', 'src_port'), ('client.port', 'src_port'),
  ('destination.ip', 'dst_ip'), ('destination.address', 'dst_ip'), ('server.ip', 'dst_ip'),
  ('destination.port', 'dst_port'), ('server.port', 'dst_port'),
  ('source.domain', 'src_host'), ('destination.domain', 'dst_host'),
  ('user.name', 'username'),
  ('process.name', 'process'), ('process.pid', 'pid'),
  ('http.request.method', 'http_method'), ('url.original', 'url_path'),
  ('http.response.status_code', 'http_status'), ('http.response.body.bytes', 'bytes'),
  ('user_agent.original', 'user_agent'),
  ('event.action', 'action'), ('event.outcome', 'outcome'),
  ('network.transport', 'protocol'), ('dns.question.name', 'domain'),
  ('file.hash.sha256', 'file_hash'), ('log.syslog.priority', 'syslog_pri')
on conflict (alias) do nothing;

--------------------------------------------------------------------------------
-- Strict formats per source
--------------------------------------------------------------------------------

create table public.source_formats (
  source text primary key,
  format text not null check (format in ('rfc5424', 'json')),
  compliant_msg boolean not null default false,
  description text
);
comment on column public.source_formats.compliant_msg is
  'rfc5424 only: a MSG that starts with a BOM must be valid UTF-8 (go-syslog''s WithCompliantMsg); the agent marks invalid bytes with U+FFFD.';
comment on table public.source_formats is
  E'Sources whose every line must be in one format (see docs/parsing.md). rfc5424: a line that is not valid RFC 5424 is quarantined with the parser''s reason. json: a line that is not a JSON object is quarantined. Sources not listed are detected line by line; CSV sources are in csv_sources.';

alter table public.source_formats enable row level security;
create policy select_all on public.source_formats for select to siem_analyst using (true);
create policy admin_all on public.source_formats for all to siem_admin using (true) with check (true);
grant select on public.source_formats to siem_analyst;
grant insert, update, delete on public.source_formats to siem_admin;

--------------------------------------------------------------------------------
-- Staging: one row per line with its format, header, body or document
--------------------------------------------------------------------------------

-- `<PRI>VERSION ` (a one- or two-digit version, not 0): the start of an RFC 5424 line. BSD lines
-- have a month or a four-digit year there. Cheap string tests, no regex.
create function siem_private.looks_like_rfc5424(p_line text) returns boolean
  language sql immutable parallel safe
  as $$
  select left(p_line, 1) = '<'
     and strpos(left(p_line, 6), '>') > 2
     and substr(p_line, strpos(left(p_line, 6), '>') + 1, 1) collate "C" between '1' and '9'
     and (substr(p_line, strpos(left(p_line, 6), '>') + 2, 1) = ' '
          or (substr(p_line, strpos(left(p_line, 6), '>') + 2, 1) collate "C" between '0' and '9'
              and substr(p_line, strpos(left(p_line, 6), '>') + 3, 1) = ' '))
$$;
comment on function siem_private.looks_like_rfc5424(text) is 'True when a line starts like RFC 5424 (<PRI>VERSION and a space); it is then parsed as one, strictly.';

-- The header fields of an RFC 5424 line that are not routed: they join the event's fields.
create function siem_private.rfc5424_fields(p_line siem_private.rfc5424_syslog) returns jsonb
  language sql stable parallel safe
  as $$
  select jsonb_strip_nulls(jsonb_build_object('syslog_pri', p_line.pri, 'msgid', p_line.msgid, 'structured_data', p_line.structured_data))
$$;
comment on function siem_private.rfc5424_fields(siem_private.rfc5424_syslog) is 'syslog_pri, msgid and structured_data of a parsed RFC 5424 line, as fields.';

-- The scratch tables, now with the line's format, its receipt time, extra header fields and a
-- reject reason. A session that still holds the 000007 shape gets the new one; the check runs
-- once per statement and costs microseconds.
create or replace function siem_private.create_parse_scratch() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  set client_min_messages = warning
  as $$
begin
  if to_regclass('pg_temp.siem_parse_csv') is not null then
    return;
  end if;
  drop table if exists pg_temp.siem_parse_lines, pg_temp.siem_parse_matches, pg_temp.siem_parse_routes, pg_temp.siem_parse_windows;
  create temporary table siem_parse_lines (
    id bigint,
    source text,
    received timestamptz,
    format text,
    program text,
    pid text,
    pri integer,
    body text,
    doc jsonb,
    extra jsonb,
    sys_ts timestamptz,
    sys_host text,
    reject text
  ) on commit delete rows;
  create temporary table siem_parse_matches (
    id bigint,
    event_type text,
    metadata jsonb,
    complete boolean
  ) on commit delete rows;
  create temporary table siem_parse_routes (
    source text, program text, name text, kind text, priority integer, prefilter text, event_type text,
    compiled_regex text, dissect_literals text[], canonical_names text[], canonical_types text[],
    canonical_unique boolean, required_fields text[]
  ) on commit delete rows;
  create temporary table siem_parse_windows (
    id bigint,
    ts timestamptz,
    host text
  ) on commit delete rows;
  create temporary table siem_parse_csv (
    source text,
    header text[],
    delimiter text
  ) on commit delete rows;
end;
$$;
comment on function siem_private.create_parse_scratch() is
  'Creates the session''s scratch tables once: siem_parse_lines (one row per line: format, header, body or document, reject reason), siem_parse_matches (event type and fields), siem_parse_routes, siem_parse_windows (a Windows event''s time and host) and siem_parse_csv (the header of each CSV source in the statement).';

-- The SQL functions below read the session's scratch tables, which do not exist at migration time.
set local check_function_bodies = off;
create function siem_private.clear_parse_scratch() returns void
  language sql volatile
  as $$ delete from pg_temp.siem_parse_lines; delete from pg_temp.siem_parse_matches; delete from pg_temp.siem_parse_routes;
        delete from pg_temp.siem_parse_windows; delete from pg_temp.siem_parse_csv; $$;
comment on function siem_private.clear_parse_scratch() is 'Empties the scratch tables (a transaction may parse several times).';

-- Step 1 of parsing, shared by the ingest trigger, reparse() and normalize_line(): the rows of
-- p_rows (a table or subquery with id, source, raw, ts: the envelope's time) into
-- siem_parse_lines, one per non-blank line:
--   CSV source (csv_sources): a record -> doc {header: value}, format csv; a header line -> csv_header
--   JSON object -> doc, format json
--   <PRI>VERSION ... -> RFC 5424: header, body = MSG (routed to the program's parsers), format
--                        rfc5424; invalid -> reject with go-syslog's reason
--   BSD header -> program, pid, time, host, body, format syslog
--   CEF anywhere in the line -> doc (with the syslog header's fields), format cef
--   anything else -> body, format text
-- A source in source_formats must be in its format, or the line is rejected with the reason.
-- $1 (learn CSV headers): a CSV source without a header takes its first line here as the header.
-- A function cannot read its caller's transition table, so this returns the two statements and
-- the caller runs them: foreach v_sql in array stage_parse_lines_sql(...) loop execute v_sql using
-- p_learn_csv_headers; end loop.
create function siem_private.stage_parse_lines_sql(p_rows text) returns text[]
  language sql immutable parallel safe
  as $$
  select array[format($q$
    insert into siem_parse_csv (source, header, delimiter)
    select s.source,
           case when s.header is not null or not $1 then s.header
                else siem_private.csv_header_for(s.source, (select r.raw from %1$s r where r.source = s.source and not siem_private.is_blank(r.raw) order by r.id limit 1)) end,
           s.delimiter
    from public.csv_sources s
    where exists (select from %1$s r where r.source = s.source)
  $q$, p_rows),
  format($q$
    insert into siem_parse_lines (id, source, received, format, program, pid, pri, body, doc, extra, sys_ts, sys_host, reject)
    select r.id, r.source, r.ts,
           case when c.source is not null then case when v.csv is null then 'csv_header' else 'csv' end
                when j.doc is not null then 'json'
                when x.cef is not null then 'cef'
                when s5.tried then 'rfc5424'
                when (h.header).ts is not null then 'syslog'
                else 'text' end,
           case when x.cef is null then coalesce((s5.line).app_name, (h.header).program) end,
           case when x.cef is null then coalesce((s5.line).procid, (h.header).pid) end,
           case when x.cef is null then coalesce((s5.line).pri, (h.header).pri) end,
           case when j.doc is null and v.csv is null and x.cef is null then b.body end,
           coalesce(v.csv, j.doc, case when x.cef is not null
                                       then siem_private.syslog_header_object(nullif((h.header).program, 'CEF'), (h.header).pid, (h.header).pri) || x.cef end),
           case when s5.tried and (s5.line).error is null then siem_private.rfc5424_fields(s5.line) end,
           coalesce((s5.line).ts, (h.header).ts),
           coalesce((s5.line).host, (h.header).host),
           case when (s5.line).error is not null then 'rfc5424: ' || (s5.line).error
                when f.format = 'json' and j.doc is null then 'not a JSON object (source ' || r.source || ' takes only JSON objects)'
                when c.source is not null and c.header is null then 'CSV source without a header (set csv_sources.header)' end
    from %1$s r
    left join siem_parse_csv c on c.source = r.source
    left join public.source_formats f on f.source = r.source
    -- OFFSET 0 fences each parse so it runs once per line, not once per reference
    cross join lateral (select case when c.source is null and left(r.raw, 1) = '{' then siem_private.try_json_object(r.raw) end as doc offset 0) j
    cross join lateral (select case when c.source is null and j.doc is null
                                         and (f.format = 'rfc5424' or (f.format is null and siem_private.looks_like_rfc5424(r.raw)))
                                    then siem_private.parse_rfc5424(r.raw, coalesce(f.compliant_msg, false)) end as line offset 0) s5_parse
    -- (a composite IS NOT NULL only when every field is: test a field that is always set)
    cross join lateral (select s5_parse.line, (s5_parse.line).version is not null or (s5_parse.line).error is not null as tried) s5
    cross join lateral (select case when c.source is null and j.doc is null and not s5.tried and f.format is null
                                    then siem_private.parse_bsd_syslog(r.raw, r.ts) end as header offset 0) h
    cross join lateral (select coalesce((s5.line).message, (h.header).message, r.raw) as body) b
    cross join lateral (select case when c.source is null and j.doc is null and (s5.line).error is null and strpos(r.raw, 'CEF:') > 0
                                    then siem_private.parse_cef(r.raw) end as cef offset 0) x
    cross join lateral (select case when c.header is not null and not siem_private.csv_is_header(r.raw, c.header, c.delimiter)
                                    then siem_private.parse_csv(r.raw, c.header, c.delimiter) end as csv offset 0) v
    where not siem_private.is_blank(r.raw) and $1 is not null
  $q$, p_rows)]
$$;
comment on function siem_private.stage_parse_lines_sql(text) is
  'Step 1 of parsing, as two statements to EXECUTE with one parameter (learn CSV headers: boolean): the lines of p_rows (id, source, raw, ts) into siem_parse_lines with their format (csv, csv_header, json, cef, rfc5424, syslog, text), header, body or document, and the reason when the line must be rejected. Shared by the ingest trigger, reparse() and normalize_line().';

-- Step 3, shared: each staged line's event (time, host, type, fields) or the reason it is
-- rejected. Inlined into the caller's statement (a stable SQL function), so it costs no extra pass.
create function siem_private.parsed_lines(p_rename_keys text[], p_aliases jsonb, p_types jsonb)
  returns table (id bigint, ts timestamptz, host text, event_type text, metadata jsonb, reject_reason text)
  language sql stable
  as $$
  select l.id,
         coalesce(l.sys_ts, w.ts, siem_private.event_time(coalesce(m.metadata, l.doc), l.received)),
         coalesce(l.sys_host, w.host),
         coalesce(m.event_type, l.doc ->> 'event_type', case l.format when 'rfc5424' then 'syslog' when 'syslog' then case when l.program is null then 'text' else 'syslog' end else l.format end),
         case when l.extra is null
              then coalesce(m.metadata, siem_private.canonical_object(l.doc, p_rename_keys, p_aliases, p_types), siem_private.syslog_header_object(l.program, l.pid, l.pri))
              else coalesce(m.metadata, siem_private.syslog_header_object(l.program, l.pid, l.pri)) || l.extra end,
         coalesce(l.reject, case when not m.complete then siem_private.missing_fields_reason(m.event_type, m.metadata) end)
  from pg_temp.siem_parse_lines l
  left join pg_temp.siem_parse_matches m on m.id = l.id
  left join pg_temp.siem_parse_windows w on w.id = l.id
$$;
reset check_function_bodies;
comment on function siem_private.parsed_lines(text[], jsonb, jsonb) is
  'Each staged line''s event time (syslog header, Windows event, the fields, else the envelope), host (null: the envelope''s), event type, fields, and the reason when it goes to quarantine instead. Reads the scratch tables of the statement.';

-- Step 2 (normalize_windows_lines, route_parse_lines) is unchanged.

--------------------------------------------------------------------------------
-- The ingest trigger, reparse() and normalize_line() on the shared steps
--------------------------------------------------------------------------------

create or replace function siem_private.tg_events_raw__normalize() returns trigger
  language plpgsql volatile security definer
  -- Every join here is between whole batches: hash joins in memory. Without statistics on the
  -- scratch tables the planner would otherwise pick nested loops or merge joins over sorts that
  -- spill to disk.
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  set work_mem = '64MB'
  as $$
declare
  v_summary jsonb;
  v_rename_keys text[];
  v_aliases jsonb;
  v_types jsonb;
  v_parse boolean := coalesce((select s.parse from siem_private.ingest_settings s), false);
  v_sql text;
begin
  perform siem_private.create_parse_scratch();
  if not v_parse then
    -- Without parsing: JSON objects become metadata, everything else is a message.
    insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
    select r.ts, r.received_at, r.id, r.ts, r.batch_id, r.source, r.host,
           case when j.doc is null then 'text' else coalesce(j.doc ->> 'event_type', 'json') end,
           r.raw, r.raw_bytes, r.flags, coalesce(j.doc, '{}')
    from new_rows r
    -- OFFSET 0 keeps the parse from being inlined into (and repeated by) both uses of doc.
    cross join lateral (select case when left(r.raw, 1) = '{' then siem_private.try_json_object(r.raw) end as doc offset 0) j
    where not siem_private.is_blank(r.raw);
  else
    select m.keys, m.aliases, m.types into v_rename_keys, v_aliases, v_types from siem_private.rename_maps() m;
    foreach v_sql in array siem_private.stage_parse_lines_sql('new_rows') loop
      execute v_sql using true;
    end loop;
    perform siem_private.normalize_windows_lines();
    perform siem_private.route_parse_lines(v_rename_keys, v_aliases, v_types);

    -- 3. Events: every line not rejected; event ids follow the lines' order, so events with equal
    --    timestamps keep their order in the file.
    insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
    select p.ts, r.received_at, r.id, r.ts, r.batch_id, r.source, coalesce(p.host, r.host), p.event_type,
           r.raw, r.raw_bytes, r.flags, p.metadata
    from new_rows r
    join siem_private.parsed_lines(v_rename_keys, v_aliases, v_types) p on p.id = r.id
    where p.reject_reason is null
    order by r.id;
  end if;

  -- 4. Quarantine: blank lines and (when parsing) rejected lines, with the reason.
  with rejected as (
    insert into public.quarantine (received_at, raw_id, raw_ts, batch_id, agent, host, source, reason, raw, raw_bytes, flags)
    select r.received_at, r.id, r.ts, r.batch_id, r.agent, r.host, r.source, q.reason, r.raw, r.raw_bytes, r.flags
    from new_rows r
    join (select p.id, p.reject_reason as reason from siem_private.parsed_lines(v_rename_keys, v_aliases, v_types) p where v_parse and p.reject_reason is not null
          union all
          select b.id, 'blank line' from new_rows b where siem_private.is_blank(b.raw)) q on q.id = r.id
    returning batch_id
  ),
  rejected_per_batch as (
    select batch_id, count(*)::int as quarantined from rejected group by batch_id
  ),
  per_batch as (
    select r.batch_id, count(*)::int as lines, min(r.ts) as min_ts, max(r.ts) as max_ts
    from new_rows r
    group by r.batch_id
  ),
  outcome as (
    select p.batch_id, p.lines - coalesce(q.quarantined, 0) as events, coalesce(q.quarantined, 0) as quarantined, p.min_ts, p.max_ts
    from per_batch p
    left join rejected_per_batch q using (batch_id)
  ),
  counted as (
    update public.ingest_batches b
    set event_count = b.event_count + o.events, quarantine_count = b.quarantine_count + o.quarantined
    from outcome o
    where b.id = o.batch_id
    returning b.id
  )
  select jsonb_build_object(
           'events', coalesce(sum(o.events), 0),
           'quarantined', coalesce(sum(o.quarantined), 0),
           'min_ts', min(o.min_ts),
           'max_ts', max(o.max_ts),
           -- NOTIFY payloads are limited to 8000 bytes: list batch ids only when they fit
           'batches', case when count(*) <= 100 then coalesce(jsonb_agg(o.batch_id), '[]') end,
           'recorded_batches', (select count(*) from counted))
    into v_summary
  from outcome o;

  if v_parse then
    -- A transaction may COPY several times: start the next statement empty.
    truncate siem_parse_lines, siem_parse_matches, siem_parse_routes, siem_parse_windows, siem_parse_csv;
  end if;
  if (v_summary ->> 'events')::int + (v_summary ->> 'quarantined')::int > 0 then
    perform pg_notify('siem_events', v_summary::text);
  end if;
  return null;
end;
$$;

create or replace function public.reparse(since timestamptz default null, event_type text default null)
  returns table (examined integer, events_updated integer, moved_to_events integer, still_quarantined integer)
  -- security definer: admins may ask for it, but only the owner writes events and quarantine.
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  set work_mem = '64MB'
  as $$
declare
  v_rename_keys text[];
  v_aliases jsonb;
  v_types jsonb;
  v_sql text;
begin
  perform siem_private.create_parse_scratch();
  perform siem_private.clear_parse_scratch();
  create temporary table if not exists siem_reparse_rows (
    raw_id bigint, quarantine_id bigint, event_id bigint, event_ts timestamptz, source text, raw text, raw_ts timestamptz
  ) on commit drop;
  truncate siem_reparse_rows;

  insert into siem_reparse_rows (raw_id, quarantine_id, source, raw, raw_ts)
  select q.raw_id, q.id, q.source, q.raw, q.raw_ts
  from public.quarantine q
  where q.reason <> 'blank line'
    and (reparse.since is null or q.raw_ts >= reparse.since)
    and (reparse.event_type is null or q.reason like reparse.event_type || ': %')
  for update of q;
  insert into siem_reparse_rows (raw_id, event_id, event_ts, source, raw, raw_ts)
  select e.raw_id, e.id, e.ts, e.source, e.message, e.raw_ts
  from public.events e
  where (reparse.since is null or e.ts >= reparse.since)
    and case when reparse.event_type is null then e.event_type in ('text', 'syslog') else e.event_type = reparse.event_type end
  for update of e;

  select m.keys, m.aliases, m.types into v_rename_keys, v_aliases, v_types from siem_private.rename_maps() m;
  -- As the ingest trigger, with the envelope's time as the receipt time.
  foreach v_sql in array siem_private.stage_parse_lines_sql('(select raw_id as id, source, raw, raw_ts as ts from siem_reparse_rows)') loop
    execute v_sql using true;
  end loop;
  perform siem_private.normalize_windows_lines();
  perform siem_private.route_parse_lines(v_rename_keys, v_aliases, v_types);

  create temporary table if not exists siem_reparse_results (
    raw_id bigint, event_type text, metadata jsonb, reject_reason text, ts timestamptz
  ) on commit drop;
  truncate siem_reparse_results;
  insert into siem_reparse_results
  select p.id, p.event_type, p.metadata, p.reject_reason, p.ts from siem_private.parsed_lines(v_rename_keys, v_aliases, v_types) p;

  examined := (select count(*) from siem_reparse_rows);

  -- Events: a new event type or new fields; an event whose new parse would be rejected stays as
  -- it is.
  with updated as (
    update public.events e
    set ts = x.ts, event_type = x.event_type, metadata = x.metadata
    from siem_reparse_rows r
    join siem_reparse_results x on x.raw_id = r.raw_id
    where r.event_id is not null and e.ts = r.event_ts and e.id = r.event_id
      and x.reject_reason is null and (e.ts, e.event_type, e.metadata) is distinct from (x.ts, x.event_type, x.metadata)
    returning 1
  )
  select count(*)::int into events_updated from updated;

  -- Quarantined lines that now parse move to events; deleting them in the same statement is what
  -- makes a second or concurrent reparse a no-op for them.
  with moved as (
    delete from public.quarantine q
    using siem_reparse_rows r, siem_reparse_results x
    where r.quarantine_id = q.id and x.raw_id = r.raw_id and x.reject_reason is null
    returning q.*, x.event_type as new_type, x.metadata as new_metadata, x.ts as new_ts
  ),
  inserted as (
    insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
    select m.new_ts, m.received_at, m.raw_id, m.raw_ts, m.batch_id, m.source, m.host,
           m.new_type, m.raw, m.raw_bytes, m.flags, m.new_metadata
    from moved m
    order by m.raw_id
    returning batch_id
  ),
  per_batch as (
    select i.batch_id, count(*)::int as n from inserted i group by i.batch_id
  ),
  counted as (
    update public.ingest_batches b
    set event_count = b.event_count + p.n, quarantine_count = b.quarantine_count - p.n
    from per_batch p
    where b.id = p.batch_id
    returning p.n
  )
  select coalesce(sum(c.n), 0)::int into moved_to_events from counted c;

  -- The rest stay in quarantine, with the reason of their new parse.
  with kept as (
    update public.quarantine q
    set reason = x.reject_reason
    from siem_reparse_rows r
    join siem_reparse_results x on x.raw_id = r.raw_id
    where r.quarantine_id = q.id and x.reject_reason is not null
    returning 1
  )
  select count(*)::int into still_quarantined from kept;

  perform siem_private.clear_parse_scratch();
  return next;
end;
$$;

-- Lines through the same steps as an ingested batch, so they agree with the trigger by
-- construction. For tests and for reasoning about parsers; a CSV source's header is not learned here.
create function siem_private.normalize_lines(p_lines text[], p_sources text[], p_received timestamptz[])
  returns table (n integer, ts timestamptz, host text, event_type text, metadata jsonb, reject_reason text)
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  as $$
declare
  v_maps record;
  v_sql text;
begin
  perform siem_private.create_parse_scratch();
  perform siem_private.clear_parse_scratch();
  create temporary table if not exists siem_normalize_input (id bigint, source text, raw text, ts timestamptz) on commit drop;
  truncate siem_normalize_input;
  insert into siem_normalize_input (id, source, raw, ts)
  select u.n, u.source, u.line, u.received from unnest(p_lines, p_sources, p_received) with ordinality as u(line, source, received, n);
  select * into v_maps from siem_private.rename_maps();
  foreach v_sql in array siem_private.stage_parse_lines_sql('siem_normalize_input') loop
    execute v_sql using false;
  end loop;
  perform siem_private.normalize_windows_lines();
  perform siem_private.route_parse_lines(v_maps.keys, v_maps.aliases, v_maps.types);
  return query
    select i.id::integer, coalesce(p.ts, i.ts), p.host, p.event_type, p.metadata, case when p.id is null then 'blank line' else p.reject_reason end
    from siem_normalize_input i
    left join siem_private.parsed_lines(v_maps.keys, v_maps.aliases, v_maps.types) p on p.id = i.id
    order by i.id;
  perform siem_private.clear_parse_scratch();
end;
$$;
comment on function siem_private.normalize_lines(text[], text[], timestamptz[]) is
  'What the ingest trigger makes of these lines (n: position in p_lines, from 1): event time, host (null: the envelope''s), event type, fields, and the reason when it would be quarantined.';

drop function siem_private.normalize_line(text, text, timestamptz);
create function siem_private.normalize_line(p_raw text, p_source text, p_ts timestamptz)
  returns table (ts timestamptz, host text, event_type text, metadata jsonb, reject_reason text)
  language sql volatile
  as $$
  select x.ts, x.host, x.event_type, x.metadata, x.reject_reason from siem_private.normalize_lines(array[p_raw], array[p_source], array[p_ts]) x
$$;
comment on function siem_private.normalize_line(text, text, timestamptz) is
  'What the ingest trigger makes of one line; see normalize_lines() for many.';

--------------------------------------------------------------------------------
-- Admins edit parsers and Windows event types (through the API too)
--------------------------------------------------------------------------------

-- The row triggers compile with siem_private helpers, which no API role may call: they run as
-- their owner.
alter function siem_private.tg_parsers__compile() security definer set search_path = pg_catalog, public;
alter function siem_private.tg_parsers__canonicalize() security definer set search_path = pg_catalog, public;
alter function siem_private.tg_windows_event_types__compile() security definer;
