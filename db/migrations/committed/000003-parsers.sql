--! Previous: sha1:730b0bad872d17bf9fdb453013710ef93236b895
--! Hash: sha1:44586d39a7afdd6529313937f9fd0d76986b53a0
--! Message: parsers

-- Parsing, part 2: BSD syslog headers, parsers routed by source and program, field aliases,
-- event types with required fields, and normalize_line() applying them to one line. The ingest
-- trigger does not call normalize_line() yet: measured at 60-750 us per line (the %{IP} family is
-- slow in PostgreSQL's regex engine), it would cut ingest to a fraction of the current path.

--------------------------------------------------------------------------------
-- Tables DBAs edit: event_types, field_aliases, parsers
--------------------------------------------------------------------------------

create table public.event_types (
  name text primary key,
  required_fields text[] not null default '{}',
  description text
);
comment on table public.event_types is 'Event types parsers may produce. An event missing one of required_fields (canonical names) goes to quarantine with the reason.';

create table public.field_aliases (
  alias text primary key,
  canonical text not null,
  description text
);
comment on table public.field_aliases is 'Parsed field names mapped onto canonical names (docs/schema.md): user -> username, clientip -> src_ip, ...';

create table public.parsers (
  name text primary key,
  source text,
  program text,
  kind text not null default 'grok' check (kind in ('grok', 'dissect', 'access_log', 'kv')),
  pattern text not null,
  event_type text not null,
  priority integer not null default 100,
  enabled boolean not null default true,
  prefilter text,
  compiled_regex text,
  dissect_literals text[],
  field_names text[],
  field_types text[],
  updated_at timestamptz not null default now()
);
comment on table public.parsers is
  E'Grok parsers bound to a source and/or syslog program (null = any). For each line, enabled parsers whose source and program match are tried by priority (lowest first) and the first match names the event_type. prefilter is a literal the line must contain (default: the pattern''s literal prefix), checked before the regular expression runs. compiled_* are maintained by a trigger.';
comment on column public.parsers.kind is
  E'grok: the pattern is matched as a regular expression. dissect: %{field} between literal delimiters, taken in order by strpos (no regex; %{} skips, %{field:int} types). access_log and kv: siem_private.split_parse() splits the line; the pattern then only documents the format. Split-based kinds cost a few microseconds per line where a capture regex costs 20 to 150.';
create index parsers_route_idx on public.parsers (source, program, priority) where enabled;

create table public.canonical_fields (
  name text primary key,
  type text not null check (type in ('text', 'int', 'float')),
  description text
);
comment on table public.canonical_fields is 'The canonical field names (DESIGN.md) and the JSON type their values are coerced to; a value that does not fit keeps its text.';

do $$
declare
  t text;
begin
  foreach t in array array['event_types', 'field_aliases', 'parsers', 'canonical_fields'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('create policy select_all on public.%I for select to siem_analyst using (true)', t);
    execute format('create policy admin_all on public.%I for all to siem_admin using (true) with check (true)', t);
    execute format('grant select on public.%I to siem_analyst', t);
    execute format('grant insert, update, delete on public.%I to siem_admin', t);
  end loop;
end
$$;

-- The literal text every match must start with: the pattern up to its first grok reference or
-- regex metacharacter (an optional group could make any later literal absent).
create function siem_private.grok_literal_prefix(p_pattern text) returns text
  language sql immutable strict parallel safe
  as $$
  select nullif(substring(p_pattern from '^[^%\\()\[\]?*+|.^${}]*'), '')
$$;

-- A dissect pattern as its literal delimiters (one more than fields) and its fields with types.
create function siem_private.dissect_compile(p_pattern text, out literals text[], out fields text[], out types text[])
  language plpgsql immutable strict
  as $$
declare
  token text[];
  i integer;
begin
  literals := regexp_split_to_array(p_pattern, '%\{[^}]*\}');
  fields := '{}';
  types := '{}';
  for token in select regexp_matches(p_pattern, '%\{([^}:]*)(?::(int|float))?\}', 'g') loop
    fields := fields || nullif(token[1], '');
    types := types || token[2];
  end loop;
  if coalesce(array_length(fields, 1), 0) = 0 then
    raise exception 'dissect: no %%{field} in %', p_pattern using errcode = 'invalid_parameter_value';
  end if;
  for i in 2 .. array_length(literals, 1) - 1 loop
    if literals[i] = '' then
      raise exception 'dissect: two fields with nothing between them in %', p_pattern using errcode = 'invalid_parameter_value';
    end if;
  end loop;
end;
$$;

-- The fields of a dissect pattern as an array aligned with its field names, or null when the
-- delimiters are not found in order. The last field takes the rest of the line when the pattern
-- ends with it. Fields are trimmed of surrounding spaces.
create function siem_private.dissect(p_text text, p_literals text[]) returns text[]
  language plpgsql immutable strict parallel safe
  as $$
declare
  n integer := array_length(p_literals, 1);
  rest text;
  result text[] := '{}';
  pos integer;
  i integer;
begin
  if left(p_text, length(p_literals[1])) <> p_literals[1] then
    return null;
  end if;
  rest := substr(p_text, length(p_literals[1]) + 1);
  for i in 2 .. n loop
    if i = n and p_literals[i] = '' then
      return result || btrim(rest, ' ');
    end if;
    pos := strpos(rest, p_literals[i]);
    if pos = 0 then
      return null;
    end if;
    result := result || btrim(left(rest, pos - 1), ' ');
    rest := substr(rest, pos + length(p_literals[i]));
  end loop;
  return result;
end;
$$;
comment on function siem_private.dissect(text, text[]) is 'Splits text at literal delimiters in order (a dissect pattern compiled by dissect_compile); null when one is missing.';

create function siem_private.tg_parsers__compile() returns trigger
  language plpgsql volatile
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
      new.prefilter := coalesce(new.prefilter, nullif(dissected.literals[1], ''));
    end if;
    new.updated_at := now();
    return new;
  end if;
  begin
    compiled := siem_private.grok_compile(new.pattern, true);
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
create trigger _100_compile before insert or update on public.parsers
  for each row execute function siem_private.tg_parsers__compile();

-- A changed pattern library changes what parsers compile to.
create function siem_private.tg_grok_patterns__recompile_parsers() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  update public.parsers set pattern = pattern;
  return null;
end;
$$;
create trigger _100_recompile_parsers after insert or update or delete on public.grok_patterns
  for each statement execute function siem_private.tg_grok_patterns__recompile_parsers();

--------------------------------------------------------------------------------
-- BSD syslog (RFC 3164) header, parsed by position and split, without regular expressions
--------------------------------------------------------------------------------

-- `[<PRI>]Mmm dd hh:mm:ss host tag[pid]: message`, or null when the line is not one. The year is
-- not in the line: it is the receipt year, or the one before when that would put the event more
-- than a day in the future (December lines received in January). Timestamps are read as UTC.
-- plpgsql computes each piece once: the same logic inlined as SQL re-expanded them per output
-- column and cost 46 us per line instead of 5. Every cast is behind a check: never throws.
create type siem_private.bsd_syslog as (pri integer, ts timestamptz, host text, program text, pid text, message text);

create function siem_private.parse_bsd_syslog(p_line text, p_received timestamptz) returns siem_private.bsd_syslog
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
begin
  if left(p_line, 1) = '<' then
    pri_end := strpos(left(p_line, 5), '>');
    if pri_end < 3 or translate(substr(p_line, 2, pri_end - 2), '0123456789', '') <> '' then
      pri_end := 0;
    end if;
  end if;
  rest := substr(p_line, pri_end + 1);
  if length(rest) <= 17 or substr(rest, 4, 1) <> ' ' or substr(rest, 7, 1) <> ' ' or substr(rest, 10, 1) <> ':'
     or substr(rest, 13, 1) <> ':' or substr(rest, 16, 1) <> ' ' or substr(rest, 6, 1) = ' ' then
    return null;
  end if;
  month_pos := position(left(rest, 3) in 'JanFebMarAprMayJunJulAugSepOctNovDec');
  if month_pos % 3 <> 1 or translate(substr(rest, 5, 2), ' 0123456789', '') <> ''
     or translate(substr(rest, 8, 2) || substr(rest, 11, 2) || substr(rest, 14, 2), '0123456789', '') <> '' then
    return null;
  end if;
  -- make_timestamp throws outside years 1 to 294276; an envelope may claim any time
  if extract(year from p_received at time zone 'UTC') not between 2 and 294000 then
    return null;
  end if;
  day := ltrim(substr(rest, 5, 2))::integer;
  if day not between 1 and 31 or substr(rest, 8, 2)::integer > 23 or substr(rest, 11, 2)::integer > 59 or substr(rest, 14, 2)::integer > 59 then
    return null;
  end if;
  if pri_end > 0 then
    result.pri := substr(p_line, 2, pri_end - 2)::integer;
  end if;
  -- the year is not in the line: the receipt year, or the one before for lines from the future
  result.ts := (make_timestamp(extract(year from p_received at time zone 'UTC')::integer, (month_pos + 2) / 3, 1,
                  substr(rest, 8, 2)::integer, substr(rest, 11, 2)::integer, substr(rest, 14, 2)::integer)
                + (day - 1) * interval '1 day') at time zone 'UTC';
  if result.ts > p_received + interval '1 day' then
    result.ts := result.ts - interval '1 year';
  end if;
  result.host := split_part(substr(rest, 17), ' ', 1);
  after_host := substr(rest, 18 + length(result.host));
  tag_end := strpos(left(after_host, 48), ':');
  if tag_end > 1 and strpos(left(after_host, tag_end), ' ') = 0 then
    tag := left(after_host, tag_end - 1);
    result.program := split_part(tag, '[', 1);
    if strpos(tag, '[') > 0 then
      result.pid := nullif(rtrim(split_part(tag, '[', 2), ']'), '');
    end if;
    result.message := ltrim(substr(after_host, tag_end + 1), ' ');
  else
    result.message := after_host;
  end if;
  return result;
end;
$$;
comment on function siem_private.parse_bsd_syslog(text, timestamptz) is
  'Splits an RFC 3164 (BSD) syslog line into priority, timestamp, host, program, pid and message; null when the line is not one.';

--------------------------------------------------------------------------------
-- Canonical field types, aliases
--------------------------------------------------------------------------------

insert into public.canonical_fields (name, type, description) values
  ('username', 'text', 'account name'),
  ('src_ip', 'text', 'source address'),
  ('src_port', 'int', 'source port'),
  ('dst_ip', 'text', 'destination address'),
  ('dst_port', 'int', 'destination port'),
  ('process', 'text', 'program name (syslog tag)'),
  ('pid', 'int', 'process id'),
  ('http_method', 'text', 'HTTP request method'),
  ('url_path', 'text', 'requested path and query'),
  ('http_status', 'int', 'HTTP response status'),
  ('bytes', 'int', 'bytes sent'),
  ('user_agent', 'text', 'HTTP user agent'),
  ('action', 'text', 'what was done (allow, block, login ...)'),
  ('outcome', 'text', 'success or failure'),
  ('domain', 'text', 'DNS name'),
  ('file_hash', 'text', 'file hash'),
  ('event_code', 'int', 'Windows EventID'),
  ('severity', 'int', 'syslog severity or equivalent');

insert into public.field_aliases (alias, canonical) values
  ('user', 'username'), ('user_name', 'username'), ('login', 'username'),
  ('clientip', 'src_ip'), ('client_ip', 'src_ip'), ('srcip', 'src_ip'), ('source_ip', 'src_ip'), ('remote_addr', 'src_ip'),
  ('srcport', 'src_port'), ('source_port', 'src_port'),
  ('dstip', 'dst_ip'), ('destination_ip', 'dst_ip'), ('dstport', 'dst_port'), ('destination_port', 'dst_port'),
  ('program', 'process'), ('verb', 'http_method'), ('method', 'http_method'), ('request', 'url_path'),
  ('response', 'http_status'), ('status', 'http_status'), ('agent', 'user_agent'), ('http_user_agent', 'user_agent'),
  ('EventID', 'event_code'), ('event_id', 'event_code'),
  ('SRC', 'src_ip'), ('DST', 'dst_ip'), ('SPT', 'src_port'), ('DPT', 'dst_port'), ('PROTO', 'protocol');

-- Renames parsed fields to their canonical names and coerces canonical values to their types.
-- No SET clause on this or normalize_line: it would stop inlining and cost ~0.8 ms per call.
create function siem_private.canonicalize(p_fields jsonb) returns jsonb
  language sql stable parallel safe
  as $$
  select coalesce(jsonb_object_agg(k.name,
           case when c.type in ('int', 'float') and jsonb_typeof(f.value) = 'string'
                then siem_private.grok_value(f.value #>> '{}', c.type) else f.value end), '{}')
  from jsonb_each(p_fields) f
  left join public.field_aliases a on a.alias = f.key
  cross join lateral (select coalesce(a.canonical, f.key) as name) k
  left join public.canonical_fields c on c.name = k.name
$$;

--------------------------------------------------------------------------------
-- Web server access logs (NCSA common and combined), split on quotes and spaces
--------------------------------------------------------------------------------

-- `client ident auth [time] "method path protocol" status bytes ["referrer" "agent"]` as canonical
-- fields (the builtin splitter names them directly). Null when the line is not one. Never throws.
create function siem_private.parse_access_log(p_line text) returns jsonb
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
  return jsonb_strip_nulls(jsonb_build_object(
    'src_ip', split_part(head, ' ', 1),
    'ident', nullif(split_part(head, ' ', 2), '-'),
    'username', nullif(split_part(head, ' ', 3), '-'),
    'timestamp', substr(head, strpos(head, ' [') + 2, length(head) - strpos(head, ' [') - 3),
    'http_method', nullif(split_part(request, ' ', 1), ''),
    'url_path', nullif(split_part(request, ' ', 2), ''),
    'http_version', nullif(substr(split_part(request, ' ', 3), 6), ''),
    'raw_request', case when split_part(request, ' ', 2) = '' then request end,
    'http_status', status::integer,
    'bytes', case when bytes <> '-' then bytes::bigint end,
    'referrer', case when combined then nullif(split_part(p_line, '"', 4), '-') end,
    'user_agent', case when combined then nullif(split_part(p_line, '"', 6), '-') end));
end;
$$;
comment on function siem_private.parse_access_log(text) is 'NCSA common/combined access log line as canonical fields, or null.';

-- key=value pairs separated by spaces; values may be double-quoted ("a b", with \" escapes).
-- Empty values are left out. Null when the text has no pair.
create function siem_private.parse_kv(p_text text) returns jsonb
  language sql immutable strict parallel safe
  as $$
  select case
    when strpos(p_text, '"') = 0 then (
      select jsonb_object_agg(split_part(t, '=', 1), substr(t, strpos(t, '=') + 1))
      from unnest(string_to_array(p_text, ' ')) t
      where strpos(t, '=') > 1 and strpos(t, '=') < length(t))
    else (
      select jsonb_object_agg(m[1], case when left(m[2], 1) = '"' then replace(substr(m[2], 2, length(m[2]) - 2), '\"', '"') else m[2] end)
      from regexp_matches(p_text, '([A-Za-z0-9_.@:-]+)=("(?:[^"\\]|\\.)*"|[^ "]+)', 'g') m)
  end
$$;
comment on function siem_private.parse_kv(text) is 'key=value pairs of a line (quoted values allowed) as a jsonb object, or null.';

-- The split-based parser kinds, by name; null when the line is not of that kind.
create function siem_private.split_parse(p_kind text, p_line text) returns jsonb
  language sql immutable parallel safe
  as $$
  select case p_kind
    when 'access_log' then siem_private.parse_access_log(p_line)
    when 'kv' then siem_private.parse_kv(p_line)
  end
$$;

--------------------------------------------------------------------------------
-- One line -> (ts, host, event_type, metadata) or a reason to reject it
--------------------------------------------------------------------------------

create function siem_private.normalize_line(p_raw text, p_source text, p_ts timestamptz)
  returns table (ts timestamptz, host text, event_type text, metadata jsonb, reject_reason text)
  language sql stable
  as $$
  select
    coalesce(sys.ts, p_ts),
    sys.host,
    coalesce(m.event_type, case when j.doc is not null then coalesce(j.doc ->> 'event_type', 'json')
                                when sys.program is not null then 'syslog' else 'text' end),
    md.metadata,
    case when missing.fields is not null then format('%s: missing %s', m.event_type, missing.fields) end
  from (select case when left(p_raw, 1) = '{' then siem_private.try_json_object(p_raw) end as doc offset 0) j
  cross join lateral (select case when j.doc is null then siem_private.parse_bsd_syslog(p_raw, p_ts) end as header offset 0) h
  cross join lateral (select (h.header).*) sys
  left join lateral (
    select p.event_type,
           case when c.split_fields is not null then c.split_fields
                else siem_private.grok_fields(row(p.compiled_regex, p.field_names, p.field_types)::siem_private.grok_compiled, c.captures) end as fields
    from public.parsers p
    cross join lateral (
      select case p.kind when 'grok' then regexp_match(coalesce(sys.message, p_raw), p.compiled_regex)
                         when 'dissect' then siem_private.dissect(coalesce(sys.message, p_raw), p.dissect_literals) end as captures,
             case when p.kind in ('access_log', 'kv') then siem_private.split_parse(p.kind, coalesce(sys.message, p_raw)) end as split_fields
      offset 0
    ) c
    where j.doc is null
      and p.enabled
      and (p.source is null or p.source = p_source)
      and (p.program is null or p.program = sys.program)
      and (p.prefilter is null or strpos(coalesce(sys.message, p_raw), p.prefilter) > 0)
      and (c.captures is not null or c.split_fields is not null)
    order by p.priority, p.name
    limit 1
  ) m on true
  cross join lateral (
    select siem_private.canonicalize(
             coalesce(j.doc, '{}')
             || jsonb_strip_nulls(jsonb_build_object('program', sys.program, 'pid', sys.pid, 'syslog_pri', sys.pri))
             || coalesce(m.fields, '{}')) as metadata
  ) md
  left join public.event_types et on et.name = m.event_type
  cross join lateral (
    select string_agg(required, ', ') as fields
    from unnest(et.required_fields) required
    where not md.metadata ? required
  ) missing
$$;
comment on function siem_private.normalize_line(text, text, timestamptz) is
  'Parses one line as the ingest trigger does: JSON objects pass through, BSD syslog headers are split off, the first matching parser (by source, program, prefilter, priority) names the event type; fields are canonicalized. reject_reason is set when a required field is missing.';

--------------------------------------------------------------------------------
-- Default event types and parsers
--------------------------------------------------------------------------------

insert into public.event_types (name, required_fields, description) values
  ('ssh_failed', '{username,src_ip,src_port}', 'failed SSH authentication'),
  ('ssh_accepted', '{username,src_ip,src_port}', 'successful SSH authentication'),
  ('ssh_invalid_user', '{username,src_ip}', 'SSH login attempt for an unknown account'),
  ('ssh_disconnect', '{src_ip}', 'SSH client disconnected before or after authentication'),
  ('sudo_command', '{username,target_user,command}', 'command run through sudo'),
  ('su_session', '{target_user}', 'su session opened'),
  ('cron_command', '{username,command}', 'command started by cron'),
  ('user_added', '{username}', 'account created'),
  ('password_changed', '{username}', 'password changed'),
  ('session_opened', '{username}', 'systemd-logind session started'),
  ('firewall_block', '{src_ip,dst_ip}', 'packet blocked by ufw/iptables'),
  ('http_access', '{src_ip,http_status}', 'web server access log line');

insert into public.parsers (name, source, program, pattern, event_type, priority, prefilter, kind) values
  ('sshd_failed_invalid_user', 'syslog', 'sshd',
   'Failed %{auth_method} for invalid user %{user} from %{src_ip} port %{src_port} %{}', 'ssh_failed', 5, 'Failed ', 'dissect'),
  ('sshd_failed', 'syslog', 'sshd', 'Failed %{auth_method} for %{user} from %{src_ip} port %{src_port} %{}', 'ssh_failed', 10, null, 'dissect'),
  ('sshd_failed_grok', 'syslog', 'sshd',
   '(?:message repeated [0-9]+ times: \[ )?Failed %{WORD:auth_method} for (?:invalid user )?%{DATA:user} from %{IP:src_ip} port %{INT:src_port:int}',
   'ssh_failed', 50, 'Failed ', 'grok'),
  ('sshd_accepted', 'syslog', 'sshd', 'Accepted %{auth_method} for %{user} from %{src_ip} port %{src_port} %{}', 'ssh_accepted', 10, null, 'dissect'),
  ('sshd_invalid_user', 'syslog', 'sshd',
   'Invalid user %{DATA:user} from %{IP:src_ip}(?: port %{INT:src_port:int})?$', 'ssh_invalid_user', 10, null, 'grok'),
  ('sshd_disconnect', 'syslog', 'sshd',
   'Disconnected from (?:authenticating |invalid )?(?:user %{USERNAME:user} )?%{IP:src_ip} port %{INT:src_port:int}', 'ssh_disconnect', 20, null, 'grok'),
  ('sudo_command', 'syslog', 'sudo', '%{user} : TTY=%{tty} ; PWD=%{pwd} ; USER=%{target_user} ; COMMAND=%{command}', 'sudo_command', 10, null, 'dissect'),
  ('sudo_command_grok', 'syslog', 'sudo',
   '\s*%{USERNAME:user} : (?:%{DATA:sudo_error} ; )?TTY=%{DATA:tty} ; PWD=%{DATA:pwd} ; USER=%{USERNAME:target_user} ;(?: .*?;)? COMMAND=%{GREEDYDATA:command}',
   'sudo_command', 50, 'COMMAND=', 'grok'),
  ('su_session', 'syslog', 'su',
   'pam_unix\(su(?:-l)?:session\): session opened for user %{USERNAME:target_user}(?:\(uid=%{INT}\))? by %{DATA:user}(?:\(uid=%{INT:uid:int}\))?$',
   'su_session', 10, 'session opened', 'grok'),
  ('cron_command', 'syslog', 'CRON', '\(%{USERNAME:user}\) CMD \(%{GREEDYDATA:command}\)$', 'cron_command', 10, 'CMD (', 'grok'),
  ('useradd', 'syslog', 'useradd', 'new user: name=%{USERNAME:user}, UID=%{INT:uid:int}', 'user_added', 10, null, 'grok'),
  ('password_changed', 'syslog', null, 'pam_unix\(%{DATA}:chauthtok\): password changed for %{USERNAME:user}', 'password_changed', 50, 'password changed for', 'grok'),
  ('logind_new_session', 'syslog', 'systemd-logind', 'New session %{NOTSPACE:session_id} of user %{USERNAME:user}\.', 'session_opened', 10, null, 'grok'),
  ('ufw_block', 'syslog', 'kernel',
   '(?:\[ *[0-9.]+\] )?\[UFW %{WORD:action}\] IN=%{DATA:in_interface} OUT=%{DATA:out_interface} (?:MAC=%{NOTSPACE:mac} )?SRC=%{IP:src_ip} DST=%{IP:dst_ip} .*?PROTO=%{WORD:protocol}(?: SPT=%{INT:src_port:int} DPT=%{INT:dst_port:int})?',
   'firewall_block', 10, '[UFW ', 'kv'),
  ('nginx_access', 'nginx', null, '^%{COMBINEDAPACHELOG}', 'http_access', 10, null, 'access_log'),
  ('apache_access', 'apache', null, '^%{COMBINEDAPACHELOG}', 'http_access', 10, null, 'access_log');
