--! Previous: sha1:2d15ecf8c3e2a1ae9358dc41f45019b72aa662c4
--! Hash: sha1:cf1b04c4d60dc31c7370f36f504c038d5060579f
--! Message: parse-speed-2

-- Less work per line on ingest (issue 3): plpgsql calls skipped where their answer is known.

--------------------------------------------------------------------------------
-- BSD syslog headers: no plpgsql call for lines that cannot start with one
--------------------------------------------------------------------------------

-- parse_bsd_syslog accepts '<PRI>', then 'Mmm dd hh:mm:ss ' or an RFC 3339 time: any line it
-- takes starts with '<', has a space as its 4th character or '-' as its 5th. Access log lines
-- and free text from sources without a format no longer pay for the call (0.9 us a line).
create function siem_private.may_be_bsd_syslog(p_line text) returns boolean
  language sql immutable parallel safe
  -- left() first: substr() walks the whole UTF-8 line
  as $$ select left(p_line, 1) = '<' or substr(left(p_line, 5), 4, 1) = ' ' or substr(left(p_line, 5), 5, 1) = '-' $$;
comment on function siem_private.may_be_bsd_syslog(text) is
  'False only for lines parse_bsd_syslog certainly rejects (neither ''<'' first, nor a space 4th, nor ''-'' 5th): the ingest trigger skips the call for them.';

create or replace function siem_private.stage_parse_lines_sql(p_rows text) returns text[]
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
                                         and siem_private.may_be_bsd_syslog(r.raw)
                                    then siem_private.parse_bsd_syslog(r.raw, r.ts) end as header offset 0) h
    cross join lateral (select coalesce((s5.line).message, (h.header).message, r.raw) as body) b
    cross join lateral (select case when c.source is null and j.doc is null and (s5.line).error is null and strpos(r.raw, 'CEF:') > 0
                                    then siem_private.parse_cef(r.raw) end as cef offset 0) x
    cross join lateral (select case when c.header is not null and not siem_private.csv_is_header(r.raw, c.header, c.delimiter)
                                    then siem_private.parse_csv(r.raw, c.header, c.delimiter) end as csv offset 0) v
    where not siem_private.is_blank(r.raw) and $1 is not null
  $q$, p_rows)]
$$;

--------------------------------------------------------------------------------
-- Dissect prefilters: the longest literal
--------------------------------------------------------------------------------

-- Every literal of a dissect pattern must be in a line it matches, so any of them is a sound
-- prefilter; the longest is the most selective. The first one ('Failed ') let every failed
-- password line into sshd_failed_invalid_user's dissect, which then failed on 70 % of them.
create function siem_private.dissect_prefilter(p_literals text[]) returns text
  language sql immutable strict parallel safe
  as $$
  select l.literal
  from unnest(p_literals) with ordinality l (literal, n)
  where l.literal <> ''
  order by length(l.literal) desc, l.n
  limit 1
$$;
comment on function siem_private.dissect_prefilter(text[]) is
  'The default prefilter of a dissect parser: its longest literal (the first of equal length), null when it has none.';

-- As in migration 000009 (security definer since 000010), with dissect_prefilter as the dissect default.
create or replace function siem_private.tg_parsers__compile() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  compiled siem_private.grok_compiled;
  dissected record;
begin
  if new.kind = 'dissect' then
    begin
      dissected := siem_private.dissect_compile(new.pattern);
    exception when invalid_parameter_value then
      raise exception 'parser %: %', new.name, sqlerrm using errcode = 'invalid_parameter_value';
    end;
    new.dissect_literals := dissected.literals;
    new.field_names := dissected.fields;
    new.field_types := dissected.types;
    new.compiled_regex := null;
    if tg_op = 'INSERT' or new.pattern is distinct from old.pattern then
      new.prefilter := coalesce(new.prefilter, siem_private.dissect_prefilter(dissected.literals));
    end if;
    new.updated_at := now();
    return new;
  end if;
  begin
    compiled := siem_private.grok_compile(new.pattern, true, 0, new.naming);
  exception when invalid_parameter_value then
    raise exception 'parser %: %', new.name, sqlerrm using errcode = 'invalid_parameter_value';
  end;
  begin
    perform '' ~ compiled.regex;
  exception when invalid_regular_expression then
    raise exception 'parser %: its pattern is not a valid PostgreSQL regular expression: %', new.name, sqlerrm
      using errcode = 'invalid_parameter_value';
  end;
  new.compiled_regex := siem_private.grok_match_regex(compiled.regex);
  new.field_names := compiled.fields;
  new.field_types := compiled.types;
  if tg_op = 'INSERT' or new.pattern is distinct from old.pattern then
    new.prefilter := coalesce(new.prefilter, siem_private.grok_literal_prefix(new.pattern));
  end if;
  new.updated_at := now();
  return new;
end;
$$;
comment on function siem_private.tg_parsers__compile() is
  'Compiles a parser on insert and update: dissect patterns into their delimiters, grok patterns (with fast pattern forms and the parser''s naming) into compiled_regex, field_names and field_types; sets the default prefilter (dissect: the longest literal; grok: the literal prefix). Errors name the parser.';

-- The shipped dissect parsers still on the old default (their first literal) get the new one.
update public.parsers p
set prefilter = siem_private.dissect_prefilter(p.dissect_literals)
where p.kind = 'dissect'
  and p.name in ('sshd_failed_invalid_user', 'sshd_failed', 'sshd_accepted', 'sshd_disconnect_authenticating',
                 'sshd_disconnect_invalid', 'sshd_disconnect_user', 'sudo_command')
  and p.prefilter is not distinct from nullif(p.dissect_literals[1], '');

--------------------------------------------------------------------------------
-- The ingest trigger: scratch tables emptied only when a statement finds rows in them; batch
-- counts updated by primary key
--------------------------------------------------------------------------------

-- As in migration 000022, but the scratch tables are truncated before a statement that finds rows
-- in them, not after every statement, and the batch counts are updated through the primary key.
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
  -- The scratch tables are emptied at commit (on commit delete rows, in place). Only a transaction
  -- that COPYs more than once (or ran reparse first) finds rows here. TRUNCATE after every statement,
  -- as before, gave the tables new files each transaction, and every plan that read them was made
  -- again: 8 ms a batch.
  if v_parse and (exists (select from siem_parse_lines) or exists (select from siem_parse_matches) or exists (select from siem_parse_routes)
                  or exists (select from siem_parse_windows) or exists (select from siem_parse_csv)) then
    truncate siem_parse_lines, siem_parse_matches, siem_parse_routes, siem_parse_windows, siem_parse_csv;
  end if;
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
    -- parsed_lines' reject_reason without joining every line to its match: the line's own reason,
    -- else the missing fields of an incomplete match
    join (select l.id, l.reject as reason from pg_temp.siem_parse_lines l where v_parse and l.reject is not null
          union all
          select m.id, siem_private.missing_fields_reason(m.event_type, m.metadata) from pg_temp.siem_parse_matches m
          where v_parse and not m.complete and not exists (select from pg_temp.siem_parse_lines l where l.id = m.id and l.reject is not null)
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
    -- The batch ids as an array for the primary key: with nested loops off (see the function's
    -- settings) a join alone read every row of ingest_batches, which grows by one per batch.
    update public.ingest_batches b
    set event_count = b.event_count + o.events, quarantine_count = b.quarantine_count + o.quarantined
    from outcome o
    where b.id = any (array(select x.batch_id from outcome x)) and b.id = o.batch_id
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

  if (v_summary ->> 'events')::int + (v_summary ->> 'quarantined')::int > 0 then
    perform pg_notify('siem_events', v_summary::text);
  end if;
  return null;
end;
$$;
