--! Previous: sha1:657b6dc8acc0c31b22e9ba8fba17f65cdf5c02d0
--! Hash: sha1:e61eea81be1f7a9bc1b067da5c0e5a8af1e4904d
--! Message: parse-speed

-- Less backend CPU per ingested line, with the same results (issue 3: the ingest ratio).
--
-- - On UTF-8 text, substr(s, n[, len]) (in PostgreSQL 15 even with a length), length(s), right(s, n)
--   and btrim(s) walk every character of s; left(s, n) and right(s, -n) walk only the first n. The
--   functions that look at whole lines (parse_bsd_syslog, looks_like_rfc5424, dissect, is_blank)
--   test positions on a short prefix and cut with right(s, -n).
-- - A typed ip field keeps its text unless it may be IPv6 (an IPv4 address comes out of
--   try_inet_text unchanged, a non-address too), so grok_value, fields_object and canonical_object
--   no longer run the IPv4 regex (nor copy the object for it).
-- - canonical_object skips keys whose name and value stay, and parsed_lines passes it only the
--   rename keys the document has (in rename-key order) instead of all of them.
-- - fields_object and syslog_header_object strip nulls (a copy of the object) only when there
--   are nulls.
-- - parse_access_log builds its text fields with jsonb_object; event_time looks its keys up once
--   (fast_timestamp, inlined, names its argument a dozen times).
-- - The ingest trigger finds the lines to quarantine from the scratch tables' reasons instead of
--   joining every line to its match a second time.

--------------------------------------------------------------------------------
-- Blank lines: only a line that starts with white space can be blank
--------------------------------------------------------------------------------

create or replace function siem_private.is_blank(p_text text) returns boolean
  language sql immutable parallel safe
  as $$ select octet_length(p_text) = 0 or (octet_length(p_text) <= 256 and strpos(e' \t\r\n\f\v', left(p_text, 1)) > 0 and btrim(p_text, e' \t\r\n\f\v') = '') $$;

--------------------------------------------------------------------------------
-- The BSD syslog header without walking the whole line
--------------------------------------------------------------------------------

create or replace function siem_private.parse_bsd_syslog(p_line text, p_received timestamptz) returns siem_private.bsd_syslog
  language plpgsql stable parallel safe
  as $$
declare
  pri_end integer := 0;
  rest text;
  month_pos integer;
  day integer;
  result siem_private.bsd_syslog;
  after_host text;
  tag_end integer;
  tag text;
  stamp text;
  y integer;
  mo integer;
  sec numeric;
  k integer;
  v_year numeric;
  head text;
begin
  -- On UTF-8 text, substr(s, n[, len]), length(s) and btrim(s) walk every character of s (in
  -- PostgreSQL 15, substr does even with a length); left(s, n) and right(s, -n) walk only the first
  -- n. So positions are tested on a short prefix (head) and the line is cut with right(s, -n).
  if left(p_line, 1) = '<' then
    pri_end := strpos(left(p_line, 5), '>');
    if pri_end < 3 or translate(substr(left(p_line, 5), 2, pri_end - 2), '0123456789', '') <> '' then
      pri_end := 0;
    end if;
  end if;
  rest := case when pri_end > 0 then right(p_line, -pri_end) else p_line end;
  head := left(rest, 18);
  if substr(head, 5, 1) = '-' and substr(head, 11, 1) = 'T' then
    stamp := split_part(rest, ' ', 1);
    if length(left(rest, length(stamp) + 2)) < length(stamp) + 2
       or stamp !~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])$' then
      return null;
    end if;
    y := left(stamp, 4)::integer;
    mo := substr(stamp, 6, 2)::integer;
    day := substr(stamp, 9, 2)::integer;
    if day > 31 - (case when mo = 2 then 3 - (case when (y % 4 = 0 and y % 100 <> 0) or y % 400 = 0 then 1 else 0 end)
                        else (mo - 1) % 7 % 2 end) then
      return null;
    end if;
    k := greatest(strpos(substr(stamp, 20), '+'), strpos(substr(stamp, 20), '-'), strpos(substr(stamp, 20), 'Z')) + 19;
    -- a leap second (:60) is kept as the last microsecond of its minute
    sec := least(substr(stamp, 18, k - 18)::numeric, 59.999999);
    result.ts := (make_timestamp(case when y = 0 then -1 else y end, mo, day, substr(stamp, 12, 2)::integer, substr(stamp, 15, 2)::integer, sec::double precision)
                  at time zone 'UTC')
                 - case when substr(stamp, k, 1) = 'Z' then interval '0'
                        else (substr(stamp, k + 1, 2)::integer * 60 + right(stamp, 2)::integer) * interval '1 minute'
                             * case when substr(stamp, k, 1) = '-' then -1 else 1 end end;
    rest := right(rest, -(length(stamp) + 1));
  else
    -- Mmm dd hh:mm:ss and a space, then at least one more character
    if length(head) < 18 or not head like '___ __ __:__:__ %' or substr(head, 6, 1) = ' ' then
      return null;
    end if;
    month_pos := position(left(head, 3) in 'JanFebMarAprMayJunJulAugSepOctNovDec');
    if month_pos % 3 <> 1 or translate(substr(head, 5, 2), ' 0123456789', '') <> ''
       or translate(substr(head, 8, 2) || substr(head, 11, 2) || substr(head, 14, 2), '0123456789', '') <> '' then
      return null;
    end if;
    v_year := extract(year from p_received at time zone 'UTC');
    day := ltrim(substr(head, 5, 2))::integer;
    -- make_timestamp throws outside years 1 to 294276; an envelope may claim any time
    if v_year not between 2 and 294000
       or day not between 1 and 31 or substr(head, 8, 2)::integer > 23 or substr(head, 11, 2)::integer > 59 or substr(head, 14, 2)::integer > 59 then
      return null;
    end if;
    -- the year is not in the line: the receipt year, or the one before for lines from the future
    result.ts := (make_timestamp(v_year::integer, (month_pos + 2) / 3, 1,
                    substr(head, 8, 2)::integer, substr(head, 11, 2)::integer, substr(head, 14, 2)::integer)
                  + (day - 1) * interval '1 day') at time zone 'UTC';
    if result.ts > p_received + interval '1 day' then
      result.ts := result.ts - interval '1 year';
    end if;
    rest := right(rest, -16);
  end if;
  if pri_end > 0 then
    result.pri := substr(left(p_line, 5), 2, pri_end - 2)::integer;
  end if;
  result.host := split_part(rest, ' ', 1);
  after_host := right(rest, -(1 + length(result.host)));
  tag_end := strpos(left(after_host, 48), ':');
  if tag_end > 1 and strpos(left(after_host, tag_end), ' ') = 0 then
    tag := left(after_host, tag_end - 1);
    result.program := split_part(tag, '[', 1);
    if strpos(tag, '[') > 0 then
      result.pid := nullif(rtrim(split_part(tag, '[', 2), ']'), '');
    end if;
    -- the message without the spaces after the tag (one, nearly always: no need to trim the whole line)
    head := substr(left(after_host, tag_end + 2), tag_end + 1);
    result.message := case when left(head, 1) <> ' ' then right(after_host, -tag_end)
                           when substr(head, 2, 1) <> ' ' then right(after_host, -(tag_end + 1))
                           else ltrim(right(after_host, -tag_end), ' ') end;
  else
    result.message := after_host;
  end if;
  return result;
end;
$$;

-- The same test on the first characters only.
create or replace function siem_private.looks_like_rfc5424(p_line text) returns boolean
  language sql immutable parallel safe
  as $$
  select left(p_line, 1) = '<'
     and strpos(left(p_line, 6), '>') > 2
     and substr(left(p_line, 9), strpos(left(p_line, 6), '>') + 1, 1) collate "C" between '1' and '9'
     and (substr(left(p_line, 9), strpos(left(p_line, 6), '>') + 2, 1) = ' '
          or (substr(left(p_line, 9), strpos(left(p_line, 6), '>') + 2, 1) collate "C" between '0' and '9'
              and substr(left(p_line, 9), strpos(left(p_line, 6), '>') + 3, 1) = ' '))
$$;

--------------------------------------------------------------------------------
-- dissect: the same cuts, each walking only the characters it skips
--------------------------------------------------------------------------------

create or replace function siem_private.dissect(p_text text, p_literals text[]) returns text[]
  language plpgsql immutable strict parallel safe
  as $$
declare
  n integer := array_length(p_literals, 1);
  rest text;
  result text[] := '{}';
  pos integer;
  skip integer;
  i integer;
begin
  -- right(s, -k) walks only k characters where substr(s, k + 1) walks the whole (UTF-8) line
  skip := length(p_literals[1]);
  if left(p_text, skip) <> p_literals[1] then
    return null;
  end if;
  rest := case when skip > 0 then right(p_text, -skip) else p_text end;
  for i in 2 .. n loop
    if i = n and p_literals[i] = '' then
      return result || btrim(rest, ' ');
    end if;
    pos := strpos(rest, p_literals[i]);
    if pos = 0 then
      return null;
    end if;
    result := result || btrim(left(rest, pos - 1), ' ');
    skip := pos - 1 + length(p_literals[i]);
    rest := case when skip > 0 then right(rest, -skip) else rest end;
  end loop;
  return result;
end;
$$;

--------------------------------------------------------------------------------
-- Typed fields: IPv4 addresses stay as they are
--------------------------------------------------------------------------------

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
    -- without a colon the value is IPv4 (kept as it is) or no address (kept too): no regex needed
    when p_type = 'ip' then to_jsonb(case when strpos(p_value, ':') > 0 then coalesce(siem_private.try_inet_text(p_value), p_value) else p_value end)
    else to_jsonb(p_value)
  end
$$;

create or replace function siem_private.fields_object(p_names text[], p_types text[], p_values text[], p_unique boolean) returns jsonb
  language plpgsql stable parallel safe
  as $$
declare
  result jsonb;
  i integer;
  v text;
  v_ip text;
begin
  if p_values is null then
    return null;
  end if;
  if p_unique then
    -- stripping nulls and deleting the key '' copy the object: only when there is one
    result := jsonb_object(p_names, p_values);
    if array_position(p_values, null) is not null then
      result := jsonb_strip_nulls(result);
    end if;
    if array_position(p_names, '') is not null then
      result := result - '';
    end if;
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
    elsif p_types[i] = 'ip' then
      -- an IPv4 address, and anything that is not an address, keeps its text: only an IPv6
      -- address may be rewritten (into inet's form)
      if strpos(v, ':') > 0 then
        v_ip := siem_private.try_inet_text(v);
        if v_ip <> v then
          result := result || jsonb_build_object(p_names[i], v_ip);
        end if;
      end if;
    else
      result := result || jsonb_build_object(p_names[i], siem_private.grok_value(v, p_types[i]));
    end if;
  end loop;
  return result;
end;
$$;

create or replace function siem_private.canonical_object(p_doc jsonb, p_keys text[], p_aliases jsonb, p_types jsonb) returns jsonb
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
    -- an IPv4 address (or a value that is no address) keeps its text: no need to coerce it
    if type is not null and jsonb_typeof(v) = 'string' and (type <> 'ip' or strpos(v #>> '{}', ':') > 0) then
      v := siem_private.grok_value(v #>> '{}', type);
    end if;
    -- a key that keeps its name and value changes nothing (each rewrite copies the object twice)
    continue when name = k and result -> k = v;
    result := (result - k) || jsonb_build_object(name, v);
  end loop;
  return result;
end;
$$;

-- The syslog header's fields: jsonb_strip_nulls copies the object, so only when a value is missing.
create or replace function siem_private.syslog_header_object(p_program text, p_pid text, p_pri integer) returns jsonb
  -- stable, not immutable: to_jsonb is stable, and an immutable SQL function calling it is never inlined
  language sql stable parallel safe
  as $$
  select case when p_program is null then '{}'::jsonb
              -- nothing to strip (a copy of the object) when pid and priority are both there
              when p_pid is not null and p_pri is not null
                then jsonb_build_object(
                       'process', p_program,
                       'pid', case when length(p_pid) between 1 and 9 and translate(p_pid, '0123456789', '') = '' then to_jsonb(p_pid::integer) else to_jsonb(p_pid) end,
                       'syslog_pri', p_pri)
              else jsonb_strip_nulls(jsonb_build_object(
                     'process', p_program,
                     'pid', case when length(p_pid) between 1 and 9 and translate(p_pid, '0123456789', '') = '' then to_jsonb(p_pid::integer) else to_jsonb(p_pid) end,
                     'syslog_pri', p_pri)) end
$$;

--------------------------------------------------------------------------------
-- Access log lines and event times
--------------------------------------------------------------------------------

create or replace function siem_private.parse_access_log(p_line text) returns jsonb
  language plpgsql immutable strict parallel safe
  as $$
declare
  head text := split_part(p_line, '"', 1);
  request text := split_part(p_line, '"', 2);
  tail text := btrim(split_part(p_line, '"', 3));
  status text := split_part(tail, ' ', 1);
  bytes text := split_part(tail, ' ', 2);
  combined boolean := split_part(p_line, '"', 5) = ' ';
begin
  if right(head, 2) <> '] ' or strpos(head, ' [') = 0 or length(status) <> 3 or translate(status, '0123456789', '') <> ''
     or (bytes <> '-' and (bytes = '' or length(bytes) > 18 or translate(bytes, '0123456789', '') <> '')) then
    return null;
  end if;
  -- the text fields through jsonb_object (jsonb_build_object looks up each argument's type), the
  -- two numbers added after
  return jsonb_strip_nulls(jsonb_object(
           array['src_ip', 'ident', 'username', 'timestamp', 'http_method', 'url_path', 'http_version', 'raw_request', 'referrer', 'user_agent'],
           array[split_part(head, ' ', 1),
                 nullif(split_part(head, ' ', 2), '-'),
                 nullif(split_part(head, ' ', 3), '-'),
                 substr(head, strpos(head, ' [') + 2, length(head) - strpos(head, ' [') - 3),
                 nullif(split_part(request, ' ', 1), ''),
                 nullif(split_part(request, ' ', 2), ''),
                 nullif(substr(split_part(request, ' ', 3), 6), ''),
                 case when split_part(request, ' ', 2) = '' then request end,
                 case when combined then nullif(split_part(p_line, '"', 4), '-') end,
                 case when combined then nullif(split_part(p_line, '"', 6), '-') end]))
         || case when bytes <> '-' then jsonb_build_object('http_status', status::integer, 'bytes', bytes::bigint)
                 else jsonb_build_object('http_status', status::integer) end;
end;
$$;

create or replace function siem_private.event_time(p_fields jsonb, p_received timestamptz) returns timestamptz
  language plpgsql stable parallel safe
  as $$
declare
  -- a variable, not the expression: fast_timestamp is inlined and names its argument a dozen times,
  -- so passing the expression would look the keys up again for each
  v_text text := coalesce(p_fields ->> '@timestamp', p_fields ->> 'timestamp', p_fields ->> 'time');
  v_ts timestamptz;
begin
  if v_text is null then
    return p_received;
  end if;
  v_ts := siem_private.fast_timestamp(v_text);
  return case when v_ts >= '1970-01-01T00:00:00Z' and v_ts <= p_received + interval '1 day' then v_ts else p_received end;
end;
$$;

--------------------------------------------------------------------------------
-- parsed_lines: canonical_object gets the document's own rename keys
--------------------------------------------------------------------------------

-- jsonb_object_keys over the few keys of the document, each looked up in the two maps, costs less
-- than canonical_object testing every rename key against the document; ordered as in p_rename_keys,
-- so keys that land on the same canonical name still resolve as before.
set local check_function_bodies = off;
create or replace function siem_private.parsed_lines(p_rename_keys text[], p_aliases jsonb, p_types jsonb)
  returns table (id bigint, ts timestamptz, host text, event_type text, metadata jsonb, reject_reason text)
  language sql stable
  as $$
  select l.id,
         coalesce(l.sys_ts, w.ts, siem_private.event_time(coalesce(m.metadata, l.doc), l.received)),
         coalesce(l.sys_host, w.host),
         coalesce(m.event_type, l.doc ->> 'event_type', case l.format when 'rfc5424' then 'syslog' when 'syslog' then case when l.program is null then 'text' else 'syslog' end else l.format end),
         case when l.extra is null
              then coalesce(m.metadata,
                            case when l.doc is not null
                                 then siem_private.canonical_object(l.doc, array(select k from jsonb_object_keys(l.doc) k where p_aliases ? k or p_types ? k order by array_position(p_rename_keys, k)), p_aliases, p_types) end,
                            siem_private.syslog_header_object(l.program, l.pid, l.pri))
              else coalesce(m.metadata, siem_private.syslog_header_object(l.program, l.pid, l.pri)) || l.extra end,
         coalesce(l.reject, case when not m.complete then siem_private.missing_fields_reason(m.event_type, m.metadata) end)
  from pg_temp.siem_parse_lines l
  left join pg_temp.siem_parse_matches m on m.id = l.id
  left join pg_temp.siem_parse_windows w on w.id = l.id
$$;
reset check_function_bodies;

--------------------------------------------------------------------------------
-- The ingest trigger: quarantine without a second pass over every parsed line
--------------------------------------------------------------------------------

-- As in 000010 except for the quarantine step.
set local check_function_bodies = off;
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

reset check_function_bodies;
