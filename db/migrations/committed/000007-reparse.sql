--! Previous: sha1:d3764a5d19405c621f3fadc8c1db08f8a5b24657
--! Hash: sha1:1fb26035ccabea0108c6e50f8448ffb812002ef3
--! Message: reparse

-- The scratch tables parsing works in, per session, without indexes: they are only joined whole,
-- by hash. The names differ from the first version's: a pooled session may still hold that shape.
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
end;
$$;
comment on function siem_private.create_parse_scratch() is
  'Creates the session''s scratch tables siem_parse_lines (one row per line: header, body, JSON doc), siem_parse_matches (the parser''s event type and fields) and siem_parse_routes.';

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
  perform siem_private.route_parse_lines(v_rename_keys, v_aliases, v_types);

  -- 3. Events: every line except parsed ones missing a required field. JSON objects get their
  --    aliased keys renamed and typed fields coerced; other unparsed lines keep their header.
  insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
  select coalesce(l.sys_ts, r.ts), r.received_at, r.id, r.ts, r.batch_id, r.source, coalesce(l.sys_host, r.host),
         coalesce(m.event_type, case when l.doc is not null then coalesce(l.doc ->> 'event_type', 'json')
                                     when l.program is not null then 'syslog' else 'text' end),
         r.raw, r.raw_bytes, r.flags,
         coalesce(m.metadata, siem_private.canonical_object(l.doc, v_rename_keys, v_aliases, v_types),
                  siem_private.syslog_header_object(l.program, l.pid, l.pri))
  from new_rows r
  join siem_parse_lines l on l.id = r.id
  left join siem_parse_matches m on m.id = r.id
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
    truncate siem_parse_lines, siem_parse_matches, siem_parse_routes;
  end if;
  if (v_summary ->> 'events')::int + (v_summary ->> 'quarantined')::int > 0 then
    perform pg_notify('siem_events', v_summary::text);
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_events_raw__normalize() is
  'Statement-level: parses the rows of one COPY set-based (see normalize_line for one line) into events, or quarantine with the reason; updates their batches'' counts and sends one NOTIFY siem_events.';

--------------------------------------------------------------------------------
-- Re-parse: quarantined and unparsed lines through the current parsers, exactly once
--------------------------------------------------------------------------------

-- Lines whose parse is re-run: quarantined lines (except blank ones), and events no parser named
-- (text, syslog) or, with p_event_type, events of that type and quarantined lines that were
-- missing fields of that type. p_since bounds the event time (quarantine: the envelope's time).
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
  truncate siem_parse_lines, siem_parse_matches, siem_parse_routes;
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
  perform siem_private.route_parse_lines(v_rename_keys, v_aliases, v_types);

  create temporary table if not exists siem_reparse_results (
    raw_id bigint, event_type text, metadata jsonb, complete boolean, sys_ts timestamptz
  ) on commit drop;
  truncate siem_reparse_results;
  insert into siem_reparse_results
  select l.id,
         coalesce(m.event_type, case when l.doc is not null then coalesce(l.doc ->> 'event_type', 'json')
                                     when l.program is not null then 'syslog' else 'text' end),
         coalesce(m.metadata, siem_private.canonical_object(l.doc, v_rename_keys, v_aliases, v_types),
                  siem_private.syslog_header_object(l.program, l.pid, l.pri)),
         coalesce(m.complete, true),
         l.sys_ts
  from siem_parse_lines l
  left join siem_parse_matches m on m.id = l.id;

  examined := (select count(*) from siem_reparse_rows);

  -- Events: a new event type or new fields; an event whose new parse would miss a required field
  -- stays as it is.
  with updated as (
    update public.events e
    set event_type = x.event_type, metadata = x.metadata
    from siem_reparse_rows r
    join siem_reparse_results x on x.raw_id = r.raw_id
    where r.event_id is not null and e.ts = r.event_ts and e.id = r.event_id
      and x.complete and (e.event_type, e.metadata) is distinct from (x.event_type, x.metadata)
    returning 1
  )
  select count(*)::int into events_updated from updated;

  -- Quarantined lines that now parse completely move to events; deleting them in the same
  -- statement is what makes a second or concurrent reparse a no-op for them.
  with moved as (
    delete from public.quarantine q
    using siem_reparse_rows r, siem_reparse_results x
    where r.quarantine_id = q.id and x.raw_id = r.raw_id and x.complete
    returning q.*, x.event_type as new_type, x.metadata as new_metadata, x.sys_ts
  ),
  inserted as (
    insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
    select coalesce(m.sys_ts, m.raw_ts), m.received_at, m.raw_id, m.raw_ts, m.batch_id, m.source, m.host,
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

  truncate siem_parse_lines, siem_parse_matches, siem_parse_routes;
  return next;
end;
$$;
comment on function public.reparse(timestamptz, text) is
  'Re-runs parsing over quarantined lines and events no parser named (or, with event_type, events and quarantined lines of that type) since a time: events get their new type and fields, quarantined lines that now parse move to events (their batches'' counts follow), exactly once. `siem reparse` calls it.';
revoke all on function public.reparse(timestamptz, text) from public;
grant execute on function public.reparse(timestamptz, text) to siem_admin;

-- The quarantine reason of a parsed line missing required fields.
create function siem_private.missing_fields_reason(p_event_type text, p_metadata jsonb) returns text
  language sql stable
  as $$
  select format('%s: missing %s', p_event_type, string_agg(required, ', '))
  from public.event_types et, unnest(et.required_fields) required
  where et.name = p_event_type and not coalesce(p_metadata, '{}') ? required
$$;
comment on function siem_private.missing_fields_reason(text, jsonb) is 'The reason a parsed line goes to quarantine: "<event_type>: missing <fields>".';
