--! Previous: sha1:b3619df0f1460c38a5ba7b6147d8ec205b03de84
--! Hash: sha1:dc25f41c0ad3f7cf146d8adf6a56e4eca3e4b250
--! Message: parse-by-default

-- Parsing on ingest, on by default, and what it needs to be fast enough:
-- - each parser's fields resolve to their canonical names and types when it is compiled, so a
--   line's fields object is built by one call (11.6 us per sshd line before, 2.8 after) and JSON
--   objects and kv pairs are renamed by a loop over the keys that need it;
-- - the trigger's routing is shared with reparse(), which re-runs parsing over quarantined and
--   unparsed lines after parsers change;
-- - the event time comes from the line (JSON @timestamp/timestamp/time, access logs) when plausible;
-- - Windows events (000006) go through normalize_windows_event().

alter table public.parsers
  add column canonical_names text[],
  add column canonical_types text[],
  add column canonical_unique boolean;
comment on column public.parsers.canonical_names is
  'field_names through field_aliases (user -> username); a capture without a name is ''''. Maintained by a trigger, also when aliases change.';
comment on column public.parsers.canonical_types is
  'The declared type of each field (%{INT:port:int}), else the type of its canonical field (canonical_fields), else null (text).';
comment on column public.parsers.canonical_unique is
  'False when two captures share a canonical name (alternatives capturing the same field): their first non-null value wins.';

-- Runs after _100_compile (triggers of a kind fire in name order), which sets field_names/types.
create function siem_private.tg_parsers__canonicalize() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
begin
  select array_agg(coalesce(a.canonical, f.name, '') order by f.i),
         array_agg(coalesce(f.type, nullif(c.type, 'text')) order by f.i),
         count(distinct coalesce(a.canonical, f.name)) = count(coalesce(a.canonical, f.name))
    into new.canonical_names, new.canonical_types, new.canonical_unique
  from unnest(new.field_names, new.field_types) with ordinality f (name, type, i)
  left join public.field_aliases a on a.alias = f.name
  left join public.canonical_fields c on c.name = coalesce(a.canonical, f.name);
  return new;
end;
$$;
create trigger _200_canonicalize before insert or update on public.parsers
  for each row execute function siem_private.tg_parsers__canonicalize();

-- A changed alias or canonical type changes what every parser's fields are called and coerced to.
create function siem_private.tg_field_names__recanonicalize_parsers() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  update public.parsers set pattern = pattern;
  return null;
end;
$$;
create trigger _100_recanonicalize_parsers after insert or update or delete on public.field_aliases
  for each statement execute function siem_private.tg_field_names__recanonicalize_parsers();
create trigger _100_recanonicalize_parsers after insert or update or delete on public.canonical_fields
  for each statement execute function siem_private.tg_field_names__recanonicalize_parsers();

update public.parsers set pattern = pattern;

-- A parser's captures as a jsonb object under their canonical names, typed; null captures and
-- unnamed ones ('') are left out. Built by jsonb_object in one call, then int/float fields are
-- converted; the loop over all fields only runs for parsers whose names repeat.
create function siem_private.fields_object(p_names text[], p_types text[], p_values text[], p_unique boolean) returns jsonb
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
  foreach i in array array_positions(p_types, 'int') || array_positions(p_types, 'float') loop
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
comment on function siem_private.fields_object(text[], text[], text[], boolean) is
  'Captures (aligned with a parser''s canonical_names and canonical_types) as a typed jsonb object; null for null captures (no match).';

-- A JSON object (a JSON line, kv pairs) with the keys that have an alias renamed and the values of
-- typed canonical fields coerced. p_keys lists the aliases and the typed canonical names, so only
-- they are looked at; p_aliases maps alias -> canonical and p_types canonical -> type. The trigger
-- builds the three once per statement (siem_private.rename_maps()).
create function siem_private.canonical_object(p_doc jsonb, p_keys text[], p_aliases jsonb, p_types jsonb) returns jsonb
  language plpgsql stable parallel safe
  as $$
declare
  k text;
  name text;
  type text;
  v jsonb;
  result jsonb := p_doc;
begin
  if p_doc is null or not p_doc ?| p_keys then
    return p_doc;
  end if;
  foreach k in array p_keys loop
    continue when not p_doc ? k;
    name := coalesce(p_aliases ->> k, k);
    type := p_types ->> name;
    v := p_doc -> k;
    if type is not null and jsonb_typeof(v) = 'string' then
      v := siem_private.grok_value(v #>> '{}', type);
    end if;
    result := (result - k) || jsonb_build_object(name, v);
  end loop;
  return result;
end;
$$;
comment on function siem_private.canonical_object(jsonb, text[], jsonb, jsonb) is
  'Renames aliased keys of a jsonb object to canonical names and coerces typed canonical fields; see siem_private.rename_maps().';

create function siem_private.rename_maps(out keys text[], out aliases jsonb, out types jsonb)
  language sql stable
  as $$
  select array(select alias from public.field_aliases union select name from public.canonical_fields where type <> 'text'),
         (select coalesce(jsonb_object_agg(alias, canonical), '{}') from public.field_aliases),
         (select coalesce(jsonb_object_agg(name, type), '{}') from public.canonical_fields where type <> 'text')
$$;
comment on function siem_private.rename_maps() is 'The arguments canonical_object() takes, from field_aliases and canonical_fields.';

-- key=value pairs (parse_kv's format) with aliased keys renamed and typed canonical fields coerced,
-- in one pass over the tokens; quoted values take parse_kv's regex path. Null without pairs.
create function siem_private.kv_object(p_text text, p_keys text[], p_aliases jsonb, p_types jsonb) returns jsonb
  language plpgsql stable parallel safe
  as $$
declare
  token text;
  eq integer;
  k text;
  keys text[] := '{}';
  vals text[] := '{}';
  result jsonb;
  i integer;
begin
  if strpos(p_text, '"') > 0 then
    return siem_private.canonical_object(siem_private.parse_kv(p_text), p_keys, p_aliases, p_types);
  end if;
  foreach token in array string_to_array(p_text, ' ') loop
    eq := strpos(token, '=');
    continue when eq < 2 or eq = length(token);
    k := left(token, eq - 1);
    keys := keys || coalesce(p_aliases ->> k, k);
    vals := vals || substr(token, eq + 1);
  end loop;
  if cardinality(keys) = 0 then
    return null;
  end if;
  result := jsonb_object(keys, vals);
  for i in 1 .. cardinality(keys) loop
    if p_types ? keys[i] then
      result := result || jsonb_build_object(keys[i], siem_private.grok_value(vals[i], p_types ->> keys[i]));
    end if;
  end loop;
  return result;
end;
$$;
comment on function siem_private.kv_object(text, text[], jsonb, jsonb) is
  'key=value pairs of a line as canonical fields (see canonical_object), or null.';

-- The fields every syslog line carries, from its header.
create function siem_private.syslog_header_object(p_program text, p_pid text, p_pri integer) returns jsonb
  -- stable, not immutable: to_jsonb is stable, and an immutable SQL function calling it is never inlined
  language sql stable parallel safe
  as $$
  select case when p_program is null then '{}'::jsonb
              else jsonb_strip_nulls(jsonb_build_object(
                     'process', p_program,
                     'pid', case when length(p_pid) between 1 and 9 and translate(p_pid, '0123456789', '') = '' then to_jsonb(p_pid::integer) else to_jsonb(p_pid) end,
                     'syslog_pri', p_pri)) end
$$;
comment on function siem_private.syslog_header_object(text, text, integer) is 'process, pid (a number when numeric) and syslog_pri of a syslog header as fields.';

-- canonicalize() now shares canonical_object with the trigger.
create or replace function siem_private.canonicalize(p_fields jsonb) returns jsonb
  language sql stable parallel safe
  as $$
  select siem_private.canonical_object(p_fields, m.keys, m.aliases, m.types) from siem_private.rename_maps() m
$$;

-- The quarantine reason of a parsed line missing required fields.
create function siem_private.missing_fields_reason(p_event_type text, p_metadata jsonb) returns text
  language sql stable
  as $$
  select format('%s: missing %s', p_event_type, string_agg(required, ', '))
  from public.event_types et, unnest(et.required_fields) required
  where et.name = p_event_type and not coalesce(p_metadata, '{}') ? required
$$;
comment on function siem_private.missing_fields_reason(text, jsonb) is 'The reason a parsed line goes to quarantine: "<event_type>: missing <fields>".';

-- ISO 8601 / RFC 3339 (`2026-11-24T10:00:00.123Z`, `2026-11-24 10:00:00+01:00`, no zone = UTC) or
-- the access-log form (`24/Nov/2026:10:00:00 +0000`) as timestamptz; null for anything else.
-- Every part is checked before the cast, so it never throws (a bad cast would abort the batch).
create function siem_private.parse_timestamp(p_text text) returns timestamptz
  language plpgsql stable parallel safe
  as $$
declare
  -- the access-log form is rewritten as ISO first: 24/Nov/2026:10:00:00 +0000 -> 2026-11-24T10:00:00 +0000
  iso text := case when substr(p_text, 3, 1) = '/' and substr(p_text, 7, 1) = '/' and substr(p_text, 12, 1) = ':'
                        and position(substr(p_text, 4, 3) in 'JanFebMarAprMayJunJulAugSepOctNovDec') % 3 = 1
                   then substr(p_text, 8, 4) || '-' || lpad(((position(substr(p_text, 4, 3) in 'JanFebMarAprMayJunJulAugSepOctNovDec') + 2) / 3)::text, 2, '0')
                        || '-' || left(p_text, 2) || 'T' || substr(p_text, 13)
                   else p_text end;
  -- after the seconds: an optional fraction, then an optional zone (Z, +hh, +hhmm, +hh:mm)
  zone text := ltrim(substr(iso, 20), '.0123456789');
  fraction text := substr(iso, 20, greatest(length(iso) - 19 - length(zone), 0));
  valid boolean;
begin
  zone := coalesce(nullif(ltrim(zone, ' '), ''), 'Z');
  -- one expression, each CASE guarding the casts after it, so nothing here can throw
  valid := case when length(iso) between 19 and 40
               and substr(iso, 5, 1) = '-' and substr(iso, 8, 1) = '-' and substr(iso, 11, 1) in ('T', ' ')
               and substr(iso, 14, 1) = ':' and substr(iso, 17, 1) = ':'
               and translate(left(iso, 4) || substr(iso, 6, 2) || substr(iso, 9, 2) || substr(iso, 12, 2) || substr(iso, 15, 2) || substr(iso, 18, 2), '0123456789', '') = ''
               and (fraction = '' or (left(fraction, 1) = '.' and length(fraction) between 2 and 10 and strpos(substr(fraction, 2), '.') = 0))
               and (zone in ('Z', 'z') or (left(zone, 1) in ('+', '-') and length(zone) in (3, 5, 6)
                                           and translate(substr(zone, 2), '0123456789', '') = case length(zone) when 6 then ':' else '' end
                                           and (length(zone) <> 6 or substr(zone, 4, 1) = ':')))
          then left(iso, 4)::integer > 0 and substr(iso, 6, 2)::integer between 1 and 12
               and substr(iso, 9, 2)::integer between 1 and
                   case when substr(iso, 6, 2) = '02' then case when left(iso, 4)::integer % 4 = 0 and (left(iso, 4)::integer % 100 <> 0 or left(iso, 4)::integer % 400 = 0) then 29 else 28 end
                        when substr(iso, 6, 2) in ('04', '06', '09', '11') then 30 else 31 end
               and substr(iso, 12, 2)::integer <= 23 and substr(iso, 15, 2)::integer <= 59 and substr(iso, 18, 2)::integer <= 59
               and (length(zone) < 3 or substr(zone, 2, 2)::integer <= 15) and (length(zone) < 5 or right(zone, 2)::integer <= 59)
          else false end;
  if valid then
    return (left(iso, 19) || fraction || zone)::timestamptz;
  end if;
  return null;
end;
$$;
comment on function siem_private.parse_timestamp(text) is
  'An ISO 8601 / RFC 3339 or access-log ([dd/Mon/yyyy:HH:MM:SS +zzzz]) time as timestamptz (no zone: UTC), or null. Never throws.';

-- The time an event's fields give (JSON @timestamp, timestamp or time; the access log's
-- timestamp) when it is plausible, else the envelope's. Plausible: not before 1970 and not more
-- than a day after the envelope's time; other values stay in the fields. Callers put the syslog
-- header's time first: coalesce(header_ts, event_time(...)).
create function siem_private.event_time(p_fields jsonb, p_received timestamptz) returns timestamptz
  language plpgsql stable parallel safe
  as $$
declare
  v_text text := coalesce(p_fields ->> '@timestamp', p_fields ->> 'timestamp', p_fields ->> 'time');
  v_ts timestamptz;
begin
  if v_text is null then
    return p_received;
  end if;
  v_ts := siem_private.parse_timestamp(v_text);
  if v_ts >= '1970-01-01T00:00:00Z' and v_ts <= p_received + interval '1 day' then
    return v_ts;
  end if;
  return p_received;
end;
$$;
comment on function siem_private.event_time(jsonb, timestamptz) is
  'The event''s time from its fields (@timestamp, timestamp, time) when plausible, else the envelope''s; the syslog header''s time comes before it.';

-- The keys one of which a JSON object must have to be tried as a Windows event.
create function siem_private.windows_doc_keys() returns text[]
  language sql immutable parallel safe
  as $$ select array['System', 'Event', 'winlog', 'EventID', 'event_id'] $$;
comment on function siem_private.windows_doc_keys() is 'A JSON object with one of these keys is tried as a Windows event.';

create function siem_private.create_parse_scratch() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  as $$
begin
  create temporary table if not exists siem_parse_lines (
    id bigint,
    source text,
    program text,
    pid text,
    pri integer,
    body text,
    doc jsonb,
    sys_ts timestamptz,
    sys_host text
  ) on commit delete rows;
  create temporary table if not exists siem_parse_matches (
    id bigint,
    event_type text,
    metadata jsonb,
    complete boolean
  ) on commit delete rows;
  create temporary table if not exists siem_parse_routes (
    source text, program text, name text, kind text, priority integer, prefilter text, event_type text,
    compiled_regex text, dissect_literals text[], canonical_names text[], canonical_types text[],
    canonical_unique boolean, required_fields text[]
  ) on commit delete rows;
  create temporary table if not exists siem_parse_windows (
    id bigint,
    ts timestamptz,
    host text
  ) on commit delete rows;
end;
$$;
comment on function siem_private.create_parse_scratch() is
  'Creates the session''s scratch tables siem_parse_lines (one row per line: header, body, JSON doc), siem_parse_matches (event type and fields), siem_parse_routes and siem_parse_windows (a Windows event''s time and host).';

-- Step 1b of parsing, shared by the ingest trigger and reparse(): the Windows events among the
-- staged JSON objects, into siem_parse_matches (type, fields, required fields present) and
-- siem_parse_windows (time, host).
create function siem_private.normalize_windows_lines() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  as $$
begin
  -- one CTE, read by both inserts, so each event is normalized once
  with windows_events as (
    select x.id, x.w
    from (select l.id, siem_private.normalize_windows_event(l.doc) as w
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
  'Windows events among the JSON objects staged in siem_parse_lines, normalized into siem_parse_matches and siem_parse_windows.';

-- Step 2 of parsing, shared by the ingest trigger and reparse(): siem_parse_lines -> siem_parse_matches.
create function siem_private.route_parse_lines(p_rename_keys text[], p_aliases jsonb, p_types jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  set work_mem = '64MB'
  as $$
declare
  v_priority integer;
begin
  -- 2. Route, tier by tier: the candidate parsers of each (source, program) in this batch first,
  --    then one priority at a time, tried only on lines no earlier tier matched, so a fallback's
  --    regex never runs on lines a cheaper parser already took. Within a tier a candidate must pass
  --    its literal prefilter; ties go to the parser name. The winner's fields are built right
  --    away under canonical names (parsers.canonical_*), with the header's, and checked against
  --    the event type's required fields.
  insert into siem_parse_routes
  select r.source, r.program, p.name, p.kind, p.priority, p.prefilter, p.event_type, p.compiled_regex, p.dissect_literals,
         p.canonical_names, p.canonical_types, p.canonical_unique, et.required_fields
  from (select distinct l.source, coalesce(l.program, '') as program from siem_parse_lines l where l.doc is null) r
  join public.parsers p
    on p.enabled and (p.source is null or p.source = r.source) and (p.program is null or p.program = r.program)
  left join public.event_types et on et.name = p.event_type;

  for v_priority in select distinct c.priority from siem_parse_routes c order by 1 loop
    insert into siem_parse_matches (id, event_type, metadata, complete)
    select w.id, w.event_type, w.metadata, coalesce(w.metadata ?& w.required_fields, true)
    from (
      select distinct on (a.id) a.id, a.event_type, a.required_fields,
             siem_private.syslog_header_object(a.program, a.pid, a.pri) || coalesce(case a.kind
                                    when 'access_log' then a.split_fields
                                    when 'kv' then siem_private.kv_object(a.body, p_rename_keys, p_aliases, p_types)
                                    else siem_private.fields_object(a.canonical_names, a.canonical_types, a.captures, a.canonical_unique) end,
                                  '{}') as metadata
      from (
        select l.id, l.body, l.program, l.pid, l.pri, c.name, c.event_type, c.kind, c.canonical_names, c.canonical_types, c.canonical_unique, c.required_fields,
               case c.kind when 'grok' then regexp_match(l.body, c.compiled_regex)
                           when 'dissect' then siem_private.dissect(l.body, c.dissect_literals) end as captures,
               case when c.kind = 'access_log' then siem_private.parse_access_log(l.body) end as split_fields
        from siem_parse_lines l
        join siem_parse_routes c on c.source = l.source and c.program = coalesce(l.program, '') and c.priority = v_priority
        where l.doc is null
          and (c.prefilter is null or strpos(l.body, c.prefilter) > 0)
          and not exists (select from siem_parse_matches m where m.id = l.id)
        offset 0
      ) a
      where a.captures is not null or a.split_fields is not null or (a.kind = 'kv' and strpos(a.body, '=') > 0)
      order by a.id, a.name
    ) w;
  end loop;
end;
$$;
comment on function siem_private.route_parse_lines(text[], jsonb, jsonb) is
  'Routes the lines staged in siem_parse_lines to parsers, tier by tier (see the ingest trigger), into siem_parse_matches with canonical fields and whether the event type''s required fields are present.';

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

  -- 1. Per line, cheap: JSON object or BSD syslog header (both never throw).
  insert into siem_parse_lines (id, source, program, pid, pri, body, doc, sys_ts, sys_host)
  select r.id, r.source, (h.header).program, (h.header).pid, (h.header).pri,
         case when j.doc is null then coalesce((h.header).message, r.raw) end, j.doc, (h.header).ts, (h.header).host
  from new_rows r
  -- OFFSET 0 fences each parse so it runs once per line, not once per reference
  cross join lateral (select case when left(r.raw, 1) = '{' then siem_private.try_json_object(r.raw) end as doc offset 0) j
  cross join lateral (select case when j.doc is null then siem_private.parse_bsd_syslog(r.raw, r.ts) end as header offset 0) h
  where not siem_private.is_blank(r.raw);

  -- 2. Route to parsers and build the fields.
  perform siem_private.normalize_windows_lines();
  perform siem_private.route_parse_lines(v_rename_keys, v_aliases, v_types);

  -- 3. Events: every line except parsed ones missing a required field. JSON objects get their
  --    aliased keys renamed and typed fields coerced; other unparsed lines keep their header.
  insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
  select coalesce(l.sys_ts, w.ts, siem_private.event_time(coalesce(m.metadata, l.doc), r.ts)), r.received_at, r.id, r.ts, r.batch_id, r.source,
         coalesce(l.sys_host, w.host, r.host),
         coalesce(m.event_type, case when l.doc is not null then coalesce(l.doc ->> 'event_type', 'json')
                                     when l.program is not null then 'syslog' else 'text' end),
         r.raw, r.raw_bytes, r.flags,
         coalesce(m.metadata, siem_private.canonical_object(l.doc, v_rename_keys, v_aliases, v_types),
                  siem_private.syslog_header_object(l.program, l.pid, l.pri))
  from new_rows r
  join siem_parse_lines l on l.id = r.id
  left join siem_parse_matches m on m.id = r.id
  left join siem_parse_windows w on w.id = r.id
  where m.complete is not false
  -- event ids follow the lines' order, so events with equal timestamps keep their order in the file
  order by r.id;
  end if;

  -- 4. Quarantine: blank lines and (when parsing) lines missing required fields, with the reason.
  with rejected as (
    insert into public.quarantine (received_at, raw_id, raw_ts, batch_id, agent, host, source, reason, raw, raw_bytes, flags)
    select r.received_at, r.id, r.ts, r.batch_id, r.agent, r.host, r.source,
           case when q.event_type is null then 'blank line' else siem_private.missing_fields_reason(q.event_type, q.metadata) end,
           r.raw, r.raw_bytes, r.flags
    from new_rows r
    join (select m.id, m.event_type, m.metadata from siem_parse_matches m where v_parse and not m.complete
          union all
          select b.id, null, null from new_rows b where siem_private.is_blank(b.raw)) q on q.id = r.id
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
    truncate siem_parse_lines, siem_parse_matches, siem_parse_routes, siem_parse_windows;
  end if;
  if (v_summary ->> 'events')::int + (v_summary ->> 'quarantined')::int > 0 then
    perform pg_notify('siem_events', v_summary::text);
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_events_raw__normalize() is
  'Statement-level: parses the rows of one COPY set-based (see normalize_line for one line) into events, or quarantine with the reason; updates their batches'' counts and sends one NOTIFY siem_events.';

create function public.reparse(since timestamptz default null, event_type text default null)
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
begin
  perform siem_private.create_parse_scratch();
  truncate siem_parse_lines, siem_parse_matches, siem_parse_routes, siem_parse_windows;
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
  -- As step 1 of the ingest trigger, with the envelope's time as the receipt time.
  insert into siem_parse_lines (id, source, program, pid, pri, body, doc, sys_ts, sys_host)
  select r.raw_id, r.source, (h.header).program, (h.header).pid, (h.header).pri,
         case when j.doc is null then coalesce((h.header).message, r.raw) end, j.doc, (h.header).ts, (h.header).host
  from siem_reparse_rows r
  cross join lateral (select case when left(r.raw, 1) = '{' then siem_private.try_json_object(r.raw) end as doc offset 0) j
  cross join lateral (select case when j.doc is null then siem_private.parse_bsd_syslog(r.raw, r.raw_ts) end as header offset 0) h;
  perform siem_private.normalize_windows_lines();
  perform siem_private.route_parse_lines(v_rename_keys, v_aliases, v_types);

  create temporary table if not exists siem_reparse_results (
    raw_id bigint, event_type text, metadata jsonb, complete boolean, ts timestamptz
  ) on commit drop;
  truncate siem_reparse_results;
  insert into siem_reparse_results
  select l.id,
         coalesce(m.event_type, case when l.doc is not null then coalesce(l.doc ->> 'event_type', 'json')
                                     when l.program is not null then 'syslog' else 'text' end),
         coalesce(m.metadata, siem_private.canonical_object(l.doc, v_rename_keys, v_aliases, v_types),
                  siem_private.syslog_header_object(l.program, l.pid, l.pri)),
         coalesce(m.complete, true),
         coalesce(l.sys_ts, w.ts, siem_private.event_time(coalesce(m.metadata, l.doc), r.raw_ts))
  from siem_parse_lines l
  join siem_reparse_rows r on r.raw_id = l.id
  left join siem_parse_matches m on m.id = l.id
  left join siem_parse_windows w on w.id = l.id;

  examined := (select count(*) from siem_reparse_rows);

  -- Events: a new event type or new fields; an event whose new parse would miss a required field
  -- stays as it is.
  with updated as (
    update public.events e
    set ts = x.ts, event_type = x.event_type, metadata = x.metadata
    from siem_reparse_rows r
    join siem_reparse_results x on x.raw_id = r.raw_id
    where r.event_id is not null and e.ts = r.event_ts and e.id = r.event_id
      and x.complete and (e.ts, e.event_type, e.metadata) is distinct from (x.ts, x.event_type, x.metadata)
    returning 1
  )
  select count(*)::int into events_updated from updated;

  -- Quarantined lines that now parse completely move to events; deleting them in the same
  -- statement is what makes a second or concurrent reparse a no-op for them.
  with moved as (
    delete from public.quarantine q
    using siem_reparse_rows r, siem_reparse_results x
    where r.quarantine_id = q.id and x.raw_id = r.raw_id and x.complete
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
    set reason = siem_private.missing_fields_reason(x.event_type, x.metadata)
    from siem_reparse_rows r
    join siem_reparse_results x on x.raw_id = r.raw_id
    where r.quarantine_id = q.id and not x.complete
    returning 1
  )
  select count(*)::int into still_quarantined from kept;

  truncate siem_parse_lines, siem_parse_matches, siem_parse_routes, siem_parse_windows;
  return next;
end;
$$;

comment on function public.reparse(timestamptz, text) is
  'Re-runs parsing over quarantined lines and events no parser named (or, with event_type, events and quarantined lines of that type) since a time: events get their new type and fields, quarantined lines that now parse move to events (their batches'' counts follow), exactly once. `siem reparse` calls it.';
revoke all on function public.reparse(timestamptz, text) from public;
grant execute on function public.reparse(timestamptz, text) to siem_admin;

-- normalize_line builds fields with the trigger's helpers, so the two keep agreeing.
create or replace function siem_private.normalize_line(p_raw text, p_source text, p_ts timestamptz)
  returns table (ts timestamptz, host text, event_type text, metadata jsonb, reject_reason text)
  language sql stable
  as $$
  select
    coalesce(sys.ts, (win.w).ts, siem_private.event_time(coalesce(m.fields, j.doc), p_ts)),
    coalesce(sys.host, (win.w).host),
    coalesce(m.event_type, (win.w).event_type, case when j.doc is not null then coalesce(j.doc ->> 'event_type', 'json')
                                when sys.program is not null then 'syslog' else 'text' end),
    md.metadata,
    case when missing.fields is not null then format('%s: missing %s', coalesce(m.event_type, (win.w).event_type), missing.fields) end
  from siem_private.rename_maps() maps
  cross join lateral (select case when left(p_raw, 1) = '{' then siem_private.try_json_object(p_raw) end as doc offset 0) j
  cross join lateral (select case when j.doc is null then siem_private.parse_bsd_syslog(p_raw, p_ts) end as header offset 0) h
  cross join lateral (select case when j.doc ?| siem_private.windows_doc_keys() then siem_private.normalize_windows_event(j.doc) end as w offset 0) win
  cross join lateral (select (h.header).*) sys
  left join lateral (
    select p.event_type,
           case p.kind when 'access_log' then c.split_fields
                       when 'kv' then siem_private.kv_object(coalesce(sys.message, p_raw), maps.keys, maps.aliases, maps.types)
                       else siem_private.fields_object(p.canonical_names, p.canonical_types, c.captures, p.canonical_unique) end as fields
    from public.parsers p
    cross join lateral (
      select case p.kind when 'grok' then regexp_match(coalesce(sys.message, p_raw), p.compiled_regex)
                         when 'dissect' then siem_private.dissect(coalesce(sys.message, p_raw), p.dissect_literals) end as captures,
             case when p.kind = 'access_log' then siem_private.parse_access_log(coalesce(sys.message, p_raw)) end as split_fields
      offset 0
    ) c
    where j.doc is null
      and p.enabled
      and (p.source is null or p.source = p_source)
      and (p.program is null or p.program = sys.program)
      and (p.prefilter is null or strpos(coalesce(sys.message, p_raw), p.prefilter) > 0)
      and (c.captures is not null or c.split_fields is not null or (p.kind = 'kv' and strpos(coalesce(sys.message, p_raw), '=') > 0))
    order by p.priority, p.name
    limit 1
  ) m on true
  cross join lateral (
    select coalesce((win.w).fields, siem_private.canonical_object(j.doc, maps.keys, maps.aliases, maps.types), '{}')
           || siem_private.syslog_header_object(sys.program, sys.pid, sys.pri)
           || coalesce(m.fields, '{}') as metadata
  ) md
  left join public.event_types et on et.name = coalesce(m.event_type, (win.w).event_type)
  cross join lateral (
    select string_agg(required, ', ') as fields
    from unnest(et.required_fields) required
    where not md.metadata ? required
  ) missing
$$;

-- Parsing on ingest is on by default: analysts and rules only see what it produces. What it costs
-- against the bare COPY is in docs/parsing.md and BENCHMARKS.md.
alter table siem_private.ingest_settings alter column parse set default true;
update siem_private.ingest_settings set parse = true;

-- The common sshd disconnect forms split by dissect (a few us) before the grok fallback (about 28 us).
insert into public.parsers (name, source, program, pattern, event_type, priority, prefilter, kind) values
  ('sshd_disconnect_authenticating', 'syslog', 'sshd', 'Disconnected from authenticating user %{user} %{src_ip} port %{src_port} %{}', 'ssh_disconnect', 15, null, 'dissect'),
  ('sshd_disconnect_invalid', 'syslog', 'sshd', 'Disconnected from invalid user %{user} %{src_ip} port %{src_port} %{}', 'ssh_disconnect', 15, null, 'dissect'),
  ('sshd_disconnect_user', 'syslog', 'sshd', 'Disconnected from user %{user} %{src_ip} port %{src_port}', 'ssh_disconnect', 15, null, 'dissect')
on conflict (name) do nothing;

-- explain_line shows the fields as the event gets them: canonical names and types.
create or replace function public.explain_line(raw text, source text, received timestamptz default now())
  returns table (parser text, priority integer, selected boolean, outcome text, event_type text, fields jsonb)
  -- security definer: analysts may read parsers but not call the siem_private helpers directly.
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
  with line as (
    select j.doc, s.program, coalesce(s.message, explain_line.raw) as body
    from (select case when left(explain_line.raw, 1) = '{' then siem_private.try_json_object(explain_line.raw) end as doc) j
    left join lateral siem_private.parse_bsd_syslog(explain_line.raw, explain_line.received) s on j.doc is null
  ),
  tried as (
    select p.name, p.priority, p.event_type,
           case
             when line.doc is not null then 'not tried: the line is a JSON object (passed through)'
             when not p.enabled then 'disabled'
             when p.source is not null and p.source is distinct from explain_line.source then format('source is %s, not %s', coalesce(explain_line.source, 'null'), p.source)
             when p.program is not null and p.program is distinct from line.program then format('program is %s, not %s', coalesce(line.program, 'none (no syslog header)'), p.program)
             when p.prefilter is not null and strpos(line.body, p.prefilter) = 0 then format('prefilter %L not in the line', p.prefilter)
             when p.kind in ('access_log', 'kv') and siem_private.split_parse(p.kind, line.body) is null
               then case p.kind when 'access_log' then 'not an access log line (common or combined)' else 'no key=value pairs' end
             when p.kind = 'dissect' and siem_private.dissect(line.body, p.dissect_literals) is null then 'delimiters not found in order'
             when p.kind = 'grok' and regexp_match(line.body, p.compiled_regex) is null then 'pattern did not match'
             else 'matched'
           end as outcome,
           p.kind,
           p.dissect_literals,
           p.compiled_regex,
           p.canonical_names,
           p.canonical_types,
           p.canonical_unique,
           line.body
    from public.parsers p, line
  ),
  ranked as (
    select t.*, t.outcome = 'matched' and t.name = (
             select t2.name from tried t2 where t2.outcome = 'matched' order by t2.priority, t2.name limit 1) as selected
    from tried t
  )
  select r.name, r.priority, r.selected,
         case when r.outcome = 'matched' and not r.selected then 'matched, but a parser with a lower priority number came first' else r.outcome end,
         r.event_type,
         case when r.outcome <> 'matched' then null
              when r.kind = 'access_log' then siem_private.parse_access_log(r.body)
              when r.kind = 'kv' then siem_private.kv_object(r.body, maps.keys, maps.aliases, maps.types)
              else siem_private.fields_object(r.canonical_names, r.canonical_types,
                     case r.kind when 'dissect' then siem_private.dissect(r.body, r.dissect_literals)
                                 else regexp_match(r.body, r.compiled_regex) end,
                     r.canonical_unique) end
  from ranked r, siem_private.rename_maps() maps
  order by r.selected desc, r.priority, r.name
$$;
