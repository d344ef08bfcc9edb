--! Previous: sha1:59c6554366ba95146e42d3de640e898601a77a69
--! Hash: sha1:7cc8cfa290fd335556e4ede1d1c3b069c87fae53
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
  kind text not null default 'grok' check (kind in ('grok', 'access_log')),
  pattern text not null,
  event_type text not null,
  priority integer not null default 100,
  enabled boolean not null default true,
  prefilter text,
  compiled_regex text,
  field_names text[],
  field_types text[],
  updated_at timestamptz not null default now()
);
comment on table public.parsers is
  E'Grok parsers bound to a source and/or syslog program (null = any). For each line, enabled parsers whose source and program match are tried by priority (lowest first) and the first match names the event_type. prefilter is a literal the line must contain (default: the pattern''s literal prefix), checked before the regular expression runs. compiled_* are maintained by a trigger.';
comment on column public.parsers.kind is
  E'grok: the pattern is matched. access_log: siem_private.parse_access_log() splits the line (about 100x faster than the equivalent regex); the pattern then only documents the format.';
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

create function siem_private.tg_parsers__compile() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  compiled siem_private.grok_compiled;
begin
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

-- `[<PRI>]Mmm dd hh:mm:ss host tag[pid]: message`. The year is not in the line: it is the receipt
-- year, or the one before when that would put the event more than a day in the future (December
-- lines received in January). Timestamps are read as UTC. Returns no row when the line is not one.
create function siem_private.parse_bsd_syslog(p_line text, p_received timestamptz)
  returns table (pri integer, ts timestamptz, host text, program text, pid text, message text)
  language sql stable parallel safe
  as $$
  select
    case when a.pri_end > 0 then substr(p_line, 2, a.pri_end - 2)::integer end,
    case when t.stamp > p_received + interval '1 day' then t.stamp - interval '1 year' else t.stamp end,
    h.host,
    case when g.tag_end > 0 then split_part(left(h.after_host, g.tag_end - 1), '[', 1) end,
    case when g.tag_end > 0 and strpos(left(h.after_host, g.tag_end - 1), '[') > 0
      then nullif(rtrim(split_part(left(h.after_host, g.tag_end - 1), '[', 2), ']'), '') end,
    case when g.tag_end > 0 then ltrim(substr(h.after_host, g.tag_end + 1), ' ') else h.after_host end
  from (
    select case
      when left(p_line, 1) = '<' and strpos(left(p_line, 5), '>') between 3 and 5
        and translate(substr(p_line, 2, strpos(left(p_line, 5), '>') - 2), '0123456789', '') = ''
      then strpos(left(p_line, 5), '>') else 0 end as pri_end
  ) a
  cross join lateral (select substr(p_line, a.pri_end + 1) as rest) b
  cross join lateral (select position(left(b.rest, 3) in 'JanFebMarAprMayJunJulAugSepOctNovDec') as month_pos) m
  -- Every cast below sits behind a CASE that proved its digits first: a failing cast would abort
  -- the whole COPY.
  cross join lateral (
    select case
      when m.month_pos % 3 = 1 and length(b.rest) > 17
        and substr(b.rest, 4, 1) = ' ' and substr(b.rest, 7, 1) = ' ' and substr(b.rest, 10, 1) = ':'
        and substr(b.rest, 13, 1) = ':' and substr(b.rest, 16, 1) = ' ' and substr(b.rest, 6, 1) <> ' '
        and translate(substr(b.rest, 5, 2), ' 0123456789', '') = ''
        and translate(substr(b.rest, 8, 2) || substr(b.rest, 11, 2) || substr(b.rest, 14, 2), '0123456789', '') = ''
      then ltrim(substr(b.rest, 5, 2))::integer between 1 and 31
        and substr(b.rest, 8, 2)::integer < 24 and substr(b.rest, 11, 2)::integer < 60 and substr(b.rest, 14, 2)::integer < 61
      else false end as valid
  ) v
  cross join lateral (
    select case when v.valid then
             make_date(extract(year from p_received at time zone 'UTC')::integer, (m.month_pos + 2) / 3, 1)
             + (ltrim(substr(b.rest, 5, 2))::integer - 1)
             + make_interval(hours => substr(b.rest, 8, 2)::integer, mins => substr(b.rest, 11, 2)::integer,
                             secs => substr(b.rest, 14, 2)::integer)
           end as local_stamp
  ) s
  cross join lateral (select s.local_stamp at time zone 'UTC' as stamp) t
  cross join lateral (
    select split_part(substr(b.rest, 17), ' ', 1) as host,
           substr(b.rest, 18 + length(split_part(substr(b.rest, 17), ' ', 1))) as after_host
  ) h
  cross join lateral (
    -- the tag ends at the first ':' among the first 48 characters, if it has no space before it
    select case when strpos(left(h.after_host, 48), ':') > 1 and strpos(left(h.after_host, strpos(left(h.after_host, 48), ':')), ' ') = 0
      then strpos(left(h.after_host, 48), ':') else 0 end as tag_end
  ) g
  where v.valid
$$;
comment on function siem_private.parse_bsd_syslog(text, timestamptz) is
  'Splits an RFC 3164 (BSD) syslog line into priority, timestamp, host, program, pid and message; no row when the line is not one.';

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
  ('EventID', 'event_code'), ('event_id', 'event_code');

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

-- `client ident auth [time] "method path protocol" status bytes ["referrer" "agent"]`, with the
-- field names of COMMONAPACHELOG/COMBINEDAPACHELOG. Null when the line is not one. Never throws.
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
    'clientip', split_part(head, ' ', 1),
    'ident', nullif(split_part(head, ' ', 2), '-'),
    'auth', nullif(split_part(head, ' ', 3), '-'),
    'timestamp', substr(head, strpos(head, ' [') + 2, length(head) - strpos(head, ' [') - 3),
    'verb', nullif(split_part(request, ' ', 1), ''),
    'request', nullif(split_part(request, ' ', 2), ''),
    'httpversion', nullif(substr(split_part(request, ' ', 3), 6), ''),
    'rawrequest', case when split_part(request, ' ', 2) = '' then request end,
    'response', status::integer,
    'bytes', case when bytes <> '-' then bytes::bigint end,
    'referrer', case when combined then nullif(split_part(p_line, '"', 4), '-') end,
    'agent', case when combined then nullif(split_part(p_line, '"', 6), '-') end));
end;
$$;
comment on function siem_private.parse_access_log(text) is 'NCSA common/combined access log line as fields (COMBINEDAPACHELOG names), or null.';

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
  left join lateral siem_private.parse_bsd_syslog(p_raw, p_ts) sys on j.doc is null
  left join lateral (
    select p.event_type,
           case when p.kind = 'access_log' then c.split_fields
                else siem_private.grok_fields(row(p.compiled_regex, p.field_names, p.field_types)::siem_private.grok_compiled, c.captures) end as fields
    from public.parsers p
    cross join lateral (
      select case when p.kind = 'grok' then regexp_match(coalesce(sys.message, p_raw), p.compiled_regex) end as captures,
             case when p.kind = 'access_log' then siem_private.parse_access_log(p_raw) end as split_fields
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
  ('sshd_failed', 'syslog', 'sshd',
   '(?:message repeated [0-9]+ times: \[ )?Failed %{WORD:auth_method} for (?:invalid user )?%{DATA:user} from %{IP:src_ip} port %{INT:src_port:int}',
   'ssh_failed', 10, 'Failed ', 'grok'),
  ('sshd_accepted', 'syslog', 'sshd',
   'Accepted %{WORD:auth_method} for %{USERNAME:user} from %{IP:src_ip} port %{INT:src_port:int}', 'ssh_accepted', 10, null, 'grok'),
  ('sshd_invalid_user', 'syslog', 'sshd',
   'Invalid user %{DATA:user} from %{IP:src_ip}(?: port %{INT:src_port:int})?$', 'ssh_invalid_user', 10, null, 'grok'),
  ('sshd_disconnect', 'syslog', 'sshd',
   'Disconnected from (?:authenticating |invalid )?(?:user %{USERNAME:user} )?%{IP:src_ip} port %{INT:src_port:int}', 'ssh_disconnect', 20, null, 'grok'),
  ('sudo_command', 'syslog', 'sudo',
   '\s*%{USERNAME:user} : (?:%{DATA:sudo_error} ; )?TTY=%{DATA:tty} ; PWD=%{DATA:pwd} ; USER=%{USERNAME:target_user} ;(?: .*?;)? COMMAND=%{GREEDYDATA:command}',
   'sudo_command', 10, 'COMMAND=', 'grok'),
  ('su_session', 'syslog', 'su',
   'pam_unix\(su(?:-l)?:session\): session opened for user %{USERNAME:target_user}(?:\(uid=%{INT}\))? by %{DATA:user}(?:\(uid=%{INT:uid:int}\))?$',
   'su_session', 10, 'session opened', 'grok'),
  ('cron_command', 'syslog', 'CRON', '\(%{USERNAME:user}\) CMD \(%{GREEDYDATA:command}\)$', 'cron_command', 10, 'CMD (', 'grok'),
  ('useradd', 'syslog', 'useradd', 'new user: name=%{USERNAME:user}, UID=%{INT:uid:int}', 'user_added', 10, null, 'grok'),
  ('password_changed', 'syslog', null, 'pam_unix\(%{DATA}:chauthtok\): password changed for %{USERNAME:user}', 'password_changed', 50, 'password changed for', 'grok'),
  ('logind_new_session', 'syslog', 'systemd-logind', 'New session %{NOTSPACE:session_id} of user %{USERNAME:user}\.', 'session_opened', 10, null, 'grok'),
  ('ufw_block', 'syslog', 'kernel',
   '(?:\[ *[0-9.]+\] )?\[UFW %{WORD:action}\] IN=%{DATA:in_interface} OUT=%{DATA:out_interface} (?:MAC=%{NOTSPACE:mac} )?SRC=%{IP:src_ip} DST=%{IP:dst_ip} .*?PROTO=%{WORD:protocol}(?: SPT=%{INT:src_port:int} DPT=%{INT:dst_port:int})?',
   'firewall_block', 10, '[UFW ', 'grok'),
  ('nginx_access', 'nginx', null, '^%{COMBINEDAPACHELOG}', 'http_access', 10, null, 'access_log'),
  ('apache_access', 'apache', null, '^%{COMBINEDAPACHELOG}', 'http_access', 10, null, 'access_log');
