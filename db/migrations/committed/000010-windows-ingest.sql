--! Previous: sha1:20ffb8bd92cadf10c4173fbdb147f7a49dcfff6d
--! Hash: sha1:da8e45b805960eed96935b276522b167eac9f49c
--! Message: windows-ingest

-- Windows events in the ingest path: JSON objects shaped like a Windows event (Event XML as JSON,
-- Winlogbeat, NXLog; see 000009) get their event type, time, host and fields from
-- normalize_windows_event(), and their event type's required fields apply, as for parsed lines.

-- The keys one of which a JSON object must have to be tried as a Windows event.
create or replace function siem_private.windows_doc_keys() returns text[]
  language sql immutable parallel safe
  as $$ select array['System', 'Event', 'winlog', 'EventID', 'event_id'] $$;
comment on function siem_private.windows_doc_keys() is 'A JSON object with one of these keys is tried as a Windows event.';

create or replace function siem_private.create_parse_scratch() returns void
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
create or replace function siem_private.normalize_windows_lines() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  set enable_nestloop = off
  set enable_mergejoin = off
  as $$
begin
  create temporary table if not exists siem_windows_events (id bigint, w siem_private.windows_event) on commit drop;
  truncate siem_windows_events;
  insert into siem_windows_events
  select x.id, x.w
  from (select l.id, siem_private.normalize_windows_event(l.doc) as w
        from siem_parse_lines l
        where l.doc ?| siem_private.windows_doc_keys()
        offset 0) x
  where x.w is not null;
  insert into siem_parse_matches (id, event_type, metadata, complete)
  select e.id, (e.w).event_type, (e.w).fields, coalesce((e.w).fields ?& et.required_fields, true)
  from siem_windows_events e
  left join public.event_types et on et.name = (e.w).event_type;
  insert into siem_parse_windows (id, ts, host)
  select e.id, (e.w).ts, (e.w).host from siem_windows_events e;
end;
$$;
comment on function siem_private.normalize_windows_lines() is
  'Windows events among the JSON objects staged in siem_parse_lines, normalized into siem_parse_matches and siem_parse_windows.';

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
