--! Previous: sha1:02ca61099cebee27c17fe11da88d2b9e86574f89
--! Hash: sha1:45f540c7c5739f977ee3e5d76f34217191d2d4c4
--! Message: parse-on-ingest

-- Parsing on ingest: the statement trigger normalizes each COPY set-based, as normalize_line()
-- does one line: JSON objects pass through, BSD syslog headers are split off, lines are routed to
-- parsers once per (source, program) of the batch, tier by tier, fields are canonicalized, and
-- lines missing a required field go to quarantine with the reason.
--
-- Off by default for now: measured at 0.116 of the bare COPY (npm run bench -- parse) against
-- 0.33 without parsing, below the 0.15 it must reach. A DBA turns it on with
--   update siem_private.ingest_settings set parse = true;

create table siem_private.ingest_settings (
  id boolean primary key default true check (id),
  parse boolean not null default false
);
comment on table siem_private.ingest_settings is 'One row. parse: run parsers in the ingest trigger (see docs/parsing.md for what it costs).';
insert into siem_private.ingest_settings default values;

create or replace function siem_private.tg_events_raw__normalize() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
  as $$
declare
  v_summary jsonb;
  v_priority integer;
  v_rename_keys text[];
  v_parse boolean := coalesce((select s.parse from siem_private.ingest_settings s), false);
begin
  -- Per-session scratch table: the parse results of this statement's lines, keyed by raw id.
  create temporary table if not exists siem_lines (
    id bigint primary key,
    source text,
    program text,
    pid text,
    pri integer,
    body text,
    doc jsonb,
    sys_ts timestamptz,
    sys_host text
  ) on commit delete rows;
  -- Narrow tables for what later steps add: inserting them is cheaper than updating wide rows.
  create temporary table if not exists siem_matches (
    id bigint primary key,
    parser text,
    event_type text,
    captures text[],
    split_fields jsonb
  ) on commit delete rows;
  create temporary table if not exists siem_metadata (
    id bigint primary key,
    metadata jsonb
  ) on commit delete rows;

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
  -- 1. Per line, cheap: JSON object or BSD syslog header (both never throw).
  insert into siem_lines (id, source, program, pid, pri, body, doc, sys_ts, sys_host)
  select r.id, r.source, (h.header).program, (h.header).pid, (h.header).pri, coalesce((h.header).message, r.raw), j.doc,
         (h.header).ts, (h.header).host
  from new_rows r
  -- OFFSET 0 fences each parse so it runs once per line, not once per reference
  cross join lateral (select case when left(r.raw, 1) = '{' then siem_private.try_json_object(r.raw) end as doc offset 0) j
  cross join lateral (select case when j.doc is null then siem_private.parse_bsd_syslog(r.raw, r.ts) end as header offset 0) h
  where not siem_private.is_blank(r.raw);

  -- 2. Route, tier by tier: the candidate parsers of each (source, program) in this batch first,
  --    then one priority at a time, tried only on lines no earlier tier matched, so a fallback's
  --    regex never runs on lines a cheaper parser already took. Within a tier a candidate must pass
  --    its literal prefilter; ties go to the parser name. kv lines are only marked here (any '='
  --    will do) and split in step 3 together with the other fields.
  create temporary table if not exists siem_routes (
    source text, program text, name text, kind text, priority integer, prefilter text, event_type text,
    compiled_regex text, dissect_literals text[]
  ) on commit delete rows;
  insert into siem_routes
  select r.source, r.program, p.name, p.kind, p.priority, p.prefilter, p.event_type, p.compiled_regex, p.dissect_literals
  from (select distinct l.source, coalesce(l.program, '') as program from siem_lines l where l.doc is null) r
  join public.parsers p
    on p.enabled and (p.source is null or p.source = r.source) and (p.program is null or p.program = r.program);
  analyze siem_routes;

  for v_priority in select distinct c.priority from siem_routes c order by 1 loop
    insert into siem_matches (id, parser, event_type, captures, split_fields)
    select distinct on (a.id) a.id, a.name, a.event_type, a.captures, a.split_fields
    from (
      select l.id, l.body, c.name, c.event_type, c.kind,
             case c.kind when 'grok' then regexp_match(l.body, c.compiled_regex)
                         when 'dissect' then siem_private.dissect(l.body, c.dissect_literals) end as captures,
             case when c.kind = 'access_log' then siem_private.parse_access_log(l.body) end as split_fields
      from siem_lines l
      join siem_routes c on c.source = l.source and c.program = coalesce(l.program, '') and c.priority = v_priority
      where l.doc is null
        and (c.prefilter is null or strpos(l.body, c.prefilter) > 0)
        and not exists (select from siem_matches m where m.id = l.id)
      offset 0
    ) a
    where a.captures is not null or a.split_fields is not null or (a.kind = 'kv' and strpos(a.body, '=') > 0)
    order by a.id, a.name;
  end loop;

  -- 3. Metadata. Built directly where the names are canonical already (syslog header, access-log
  --    splitter); only parser captures, kv pairs and JSON objects holding a key to rename or coerce
  --    go through the alias and type tables (exploding every field costs ~2 us per field).
  v_rename_keys := array(select alias from public.field_aliases union select name from public.canonical_fields where type <> 'text');
  with fields as (
    select m.id, f.name as key, siem_private.grok_value(f.value, f.type) as value
    from siem_matches m
    join public.parsers p on p.name = m.parser
    cross join lateral unnest(p.field_names, p.field_types, m.captures) f (name, type, value)
    where m.captures is not null and f.value is not null and f.name is not null
    union all
    select m.id, split_part(t, '=', 1), to_jsonb(substr(t, strpos(t, '=') + 1))
    from siem_matches m
    join public.parsers p on p.name = m.parser and p.kind = 'kv'
    join siem_lines l on l.id = m.id and strpos(l.body, '"') = 0
    cross join lateral unnest(string_to_array(l.body, ' ')) t
    where strpos(t, '=') > 1 and strpos(t, '=') < length(t)
    union all
    select m.id, e.key, e.value
    from siem_matches m
    join public.parsers p on p.name = m.parser and p.kind = 'kv'
    join siem_lines l on l.id = m.id and strpos(l.body, '"') > 0
    cross join lateral jsonb_each(siem_private.parse_kv(l.body)) e
    union all
    select l.id, e.key, e.value
    from siem_lines l cross join lateral jsonb_each(l.doc) e
    where l.doc ?| v_rename_keys
  ),
  renamed as (
    select f.id,
           jsonb_object_agg(coalesce(a.canonical, f.key),
             case when c.type in ('int', 'float') and jsonb_typeof(f.value) = 'string'
                  then siem_private.grok_value(f.value #>> '{}', c.type) else f.value end) as fields
    from fields f
    left join public.field_aliases a on a.alias = f.key
    left join public.canonical_fields c on c.name = coalesce(a.canonical, f.key)
    group by f.id
  )
  insert into siem_metadata (id, metadata)
  select l.id,
         case when l.doc is not null and not l.doc ?| v_rename_keys then l.doc else '{}' end
         || case when l.program is null then '{}'
                 else jsonb_strip_nulls(jsonb_build_object(
                        'process', l.program,
                        'pid', case when length(l.pid) between 1 and 9 and translate(l.pid, '0123456789', '') = '' then to_jsonb(l.pid::integer) else to_jsonb(l.pid) end,
                        'syslog_pri', l.pri)) end
         || case when p.kind = 'access_log' then m.split_fields else '{}' end
         || coalesce(r.fields, '{}')
  from siem_lines l
  left join siem_matches m on m.id = l.id
  left join public.parsers p on p.name = m.parser
  left join renamed r on r.id = l.id;

  -- 4. Events: every parsed line that has its event type's required fields.
  insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, raw_bytes, flags, metadata)
  select coalesce(l.sys_ts, r.ts), r.received_at, r.id, r.ts, r.batch_id, r.source, coalesce(l.sys_host, r.host),
         coalesce(m.event_type, case when l.doc is not null then coalesce(l.doc ->> 'event_type', 'json')
                                     when l.program is not null then 'syslog' else 'text' end),
         r.raw, r.raw_bytes, r.flags, coalesce(md.metadata, '{}')
  from new_rows r
  join siem_lines l on l.id = r.id
  left join siem_matches m on m.id = r.id
  left join siem_metadata md on md.id = r.id
  left join public.event_types et on et.name = m.event_type
  where et.required_fields is null or coalesce(md.metadata, '{}') ?& et.required_fields
  -- event ids follow the lines' order, so events with equal timestamps keep their order in the file
  order by r.id;

  end if;

  -- 5. Quarantine: blank lines and (when parsing) lines missing required fields, with the reason.
  with rejected as (
    insert into public.quarantine (received_at, raw_id, raw_ts, batch_id, agent, host, source, reason, raw, raw_bytes, flags)
    select r.received_at, r.id, r.ts, r.batch_id, r.agent, r.host, r.source,
           case when l.id is null then 'blank line'
                else format('%s: missing %s', m.event_type,
                       (select string_agg(required, ', ') from unnest(et.required_fields) required
                        where not coalesce(md.metadata, '{}') ? required)) end,
           r.raw, r.raw_bytes, r.flags
    from new_rows r
    left join siem_lines l on l.id = r.id
    left join siem_matches m on m.id = r.id
    left join siem_metadata md on md.id = r.id
    left join public.event_types et on et.name = m.event_type
    where case when v_parse then l.id is null or not coalesce(coalesce(md.metadata, '{}') ?& et.required_fields, true)
               else siem_private.is_blank(r.raw) end
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
    truncate siem_lines, siem_matches, siem_metadata, siem_routes;
  end if;
  if (v_summary ->> 'events')::int + (v_summary ->> 'quarantined')::int > 0 then
    perform pg_notify('siem_events', v_summary::text);
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_events_raw__normalize() is
  'Statement-level: parses the rows of one COPY set-based (see normalize_line for one line) into events, or quarantine with the reason; updates their batches'' counts and sends one NOTIFY siem_events.';
