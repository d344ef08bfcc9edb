--! Previous: sha1:44586d39a7afdd6529313937f9fd0d76986b53a0
--! Hash: sha1:02ca61099cebee27c17fe11da88d2b9e86574f89
--! Message: explain-import

-- Parsing, part 3: explain which parser takes a line and why the others do not; import parsers
-- (the YAML command calls this, and so can a DBA).

create function public.explain_line(raw text, source text, received timestamptz default now())
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
           row(p.compiled_regex, p.field_names, p.field_types)::siem_private.grok_compiled as compiled,
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
              when r.kind in ('access_log', 'kv') then siem_private.split_parse(r.kind, r.body)
              when r.kind = 'dissect' then siem_private.grok_fields(r.compiled, siem_private.dissect(r.body, r.dissect_literals))
              else siem_private.grok_fields(r.compiled, regexp_match(r.body, (r.compiled).regex)) end
  from ranked r
  order by r.selected desc, r.priority, r.name
$$;
comment on function public.explain_line(text, text, timestamptz) is
  'Every parser against one raw line from a source: which one is selected, the fields it extracts, and for the others why not (source, program, prefilter, pattern, disabled). normalize_line() applies the selected one.';
grant execute on function public.explain_line(text, text, timestamptz) to siem_analyst;

-- Upserts parsers given as a JSON object {name: {pattern, source?, program?, event_type?, priority?,
-- prefilter?, enabled?, kind?}} (the YAML shape); event types that do not exist yet are created.
-- Returns the number of parsers written. One transaction: a pattern that does not compile rejects all.
create function public.import_parsers(definitions jsonb) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_count integer;
  v_bad text;
begin
  if jsonb_typeof(definitions) is distinct from 'object' then
    raise exception 'import_parsers: expected an object of parsers by name, got %', coalesce(jsonb_typeof(definitions), 'null')
      using errcode = 'invalid_parameter_value';
  end if;
  select string_agg(key, ', ') into v_bad
  from jsonb_each(definitions)
  where jsonb_typeof(value) <> 'object' or jsonb_typeof(value -> 'pattern') is distinct from 'string';
  if v_bad is not null then
    raise exception 'import_parsers: every parser needs a pattern (a string); check %', v_bad using errcode = 'invalid_parameter_value';
  end if;

  insert into public.event_types (name)
  select distinct coalesce(value ->> 'event_type', key) from jsonb_each(definitions)
  on conflict (name) do nothing;

  insert into public.parsers as p (name, source, program, pattern, event_type, priority, prefilter, enabled, kind)
  select key, value ->> 'source', value ->> 'program', value ->> 'pattern', coalesce(value ->> 'event_type', key),
         coalesce((value ->> 'priority')::integer, 100), value ->> 'prefilter', coalesce((value ->> 'enabled')::boolean, true),
         coalesce(value ->> 'kind', 'grok')
  from jsonb_each(definitions)
  on conflict (name) do update set
    source = excluded.source, program = excluded.program, pattern = excluded.pattern, event_type = excluded.event_type,
    priority = excluded.priority, prefilter = excluded.prefilter, enabled = excluded.enabled, kind = excluded.kind;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function public.import_parsers(jsonb) is 'Upserts parsers from {name: {pattern, source, program, event_type, priority, prefilter, enabled}}; used by `siem parsers import`.';
grant execute on function public.import_parsers(jsonb) to siem_admin;
