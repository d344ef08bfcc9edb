--! Previous: sha1:1dc883755600d5dc3edbf93cddc7e14ee3795536
--! Hash: sha1:ec0fb8d729bdb962c838b43b0b351e4db205c06e
--! Message: grok-library

-- Grok, part 2: the rest of the pattern library, in two field namings.
--
-- Logstash ships its grok patterns twice: with "legacy" field names (clientip, verb, response, ...)
-- and with ECS v1 names ([source][address], [http][request][method], ...). Both live in one row
-- here: `definition` has the legacy names, `ecs_definition` the ECS ones (null when the pattern
-- captures nothing or names its fields the same way in both). grok_match(expression, input) and
-- the parsers keep the legacy naming; grok_match(expression, input, 'ecs-v1') selects the other.
--
-- The definitions are our own, written from the log formats (the field names are the interface the
-- Logstash patterns define). They are written for PostgreSQL's regex engine, which picks the
-- longest overall match and sizes an optional group or alternation by its own greediness, not by
-- backtracking order: fields are delimited by what may not appear in them ([^;]*, \S+, ...)
-- rather than by a lazy .*? inside an optional group, which PostgreSQL would stretch.
--
-- Patterns that Logstash defines only in its ECS set (ZEEK_*, IPTABLES*, CISCO_*_USER, ...) have
-- ECS names in both namings, unless a legacy pattern here builds on them (BIND9_QUERYLOG,
-- HAPROXYHTTPREQUESTLINE, ELB_V1_HTTP_LOG, BACULA_LOG, ...); those read legacy names in legacy.

--------------------------------------------------------------------------------
-- Two namings
--------------------------------------------------------------------------------

alter table public.grok_patterns add column ecs_definition text;
comment on table public.grok_patterns is
  'Grok patterns by name, referenced as %{NAME}, %{NAME:field} or %{NAME:field:int|float}. The builtin ones are our own library covering the Logstash pattern set (core, syslog, httpd, java, aws, cisco, ... ) in its legacy and ECS v1 field namings (definition, ecs_definition).';
comment on column public.grok_patterns.ecs_definition is
  'The same pattern with ECS v1 field names ([source][ip], [http][request][method], ...), used when an expression is compiled with the ecs-v1 naming; null when it would equal definition (no captures, or the same names). definition always has the legacy names.';
comment on column public.grok_patterns.definition is
  'The pattern as an Oniguruma-style regular expression that may reference other patterns as %{NAME}, %{NAME:field} or %{NAME:field:int|float}; its captures use the legacy (pre-ECS) Logstash field names.';

create function siem_private.grok_compile(p_expression text, p_fast boolean, p_depth integer, p_naming text)
  returns siem_private.grok_compiled
  language plpgsql stable strict
  set search_path = pg_catalog, public
  as $$
declare
  token_pattern constant text := '%\{(\w+)(?::([^:}]+))?(?::(int|float|integer|long|double|string))?\}';
  pieces text[];
  tokens text[];
  literal record;
  nested siem_private.grok_compiled;
  definition text;
  result siem_private.grok_compiled := row('', '{}', '{}');
  k integer := 0;
begin
  if p_naming not in ('legacy', 'ecs-v1') then
    raise exception 'grok: unknown naming %', p_naming
      using errcode = 'invalid_parameter_value', hint = 'Use legacy or ecs-v1.';
  end if;
  if p_depth > 40 then
    raise exception 'grok: patterns nest more than 40 levels deep (a cycle?) in %', p_expression
      using errcode = 'invalid_parameter_value';
  end if;
  pieces := regexp_split_to_array(p_expression, token_pattern);
  for tokens in select m from regexp_matches(p_expression, token_pattern, 'g') as m loop
    k := k + 1;
    literal := siem_private.grok_translate_literal(pieces[k]);
    result.regex := result.regex || literal.regex;
    result.fields := result.fields || literal.fields;
    result.types := result.types || array_fill(null::text, array[coalesce(array_length(literal.fields, 1), 0)]);

    select case when p_naming = 'ecs-v1' and g.ecs_definition is not null then g.ecs_definition
                when p_fast then coalesce(g.fast_definition, g.definition)
                else g.definition end
      into definition
    from public.grok_patterns g where g.name = tokens[1];
    if definition is null then
      raise exception 'grok: unknown pattern %%{%} in %', tokens[1], p_expression
        using errcode = 'invalid_parameter_value', hint = 'Add it to grok_patterns or fix the name.';
    end if;
    nested := siem_private.grok_compile(definition, p_fast, p_depth + 1, p_naming);
    if tokens[2] is null then
      result.regex := result.regex || '(?:' || nested.regex || ')';
    else
      result.regex := result.regex || '(' || nested.regex || ')';
      result.fields := result.fields || tokens[2];
      result.types := result.types || case tokens[3] when 'integer' then 'int' when 'long' then 'int' when 'double' then 'float' else tokens[3] end;
    end if;
    result.fields := result.fields || nested.fields;
    result.types := result.types || nested.types;
  end loop;
  literal := siem_private.grok_translate_literal(pieces[k + 1]);
  result.regex := result.regex || literal.regex;
  result.fields := result.fields || literal.fields;
  result.types := result.types || array_fill(null::text, array[coalesce(array_length(literal.fields, 1), 0)]);
  return result;
end;
$$;
comment on function siem_private.grok_compile(text, boolean, integer, text) is
  'Compiles a grok expression with the given field naming (legacy or ecs-v1: ecs-v1 uses each pattern''s ecs_definition where it has one) into a PostgreSQL regular expression whose capture groups are exactly the named fields, in order, with their declared types. p_fast uses the patterns'' fast_definition where they have one and no ECS form is selected. p_depth counts the nesting (40 at most).';

-- The existing form (parsers call it) compiles with the legacy naming, as before.
create or replace function siem_private.grok_compile(p_expression text, p_fast boolean default false, p_depth integer default 0)
  returns siem_private.grok_compiled
  language sql stable strict
  as $$
  select siem_private.grok_compile(p_expression, p_fast, p_depth, 'legacy')
$$;
comment on function siem_private.grok_compile(text, boolean, integer) is
  'Compiles a grok expression with the legacy field naming (see the four-argument form) into a PostgreSQL regular expression whose capture groups are exactly the named fields, in order, with their declared types. p_fast uses the patterns'' fast_definition where they have one (parsers do).';

create function siem_private.grok_match(p_expression text, p_input text, p_naming text) returns jsonb
  language plpgsql stable strict
  set search_path = pg_catalog, public
  as $$
declare
  compiled siem_private.grok_compiled := siem_private.grok_compile(p_expression, false, 0, p_naming);
  captures text[];
begin
  if coalesce(array_length(compiled.fields, 1), 0) = 0 then
    return case when p_input ~ siem_private.grok_match_regex(compiled.regex) then '{}'::jsonb end;
  end if;
  captures := regexp_match(p_input, siem_private.grok_match_regex(compiled.regex));
  if captures is null then
    return null;
  end if;
  -- Like Logstash's grok (keep_empty_captures => false), an empty capture sets no field.
  captures := array(select nullif(c, '') from unnest(captures) with ordinality as u(c, i) order by i);
  return siem_private.grok_fields(compiled, captures);
end;
$$;
comment on function siem_private.grok_match(text, text, text) is
  'Matches one input against a grok expression with the given field naming (legacy or ecs-v1): the fields as jsonb (nested names such as [source][ip] stay one key), {} when it matches without fields, null when it does not match. A group that did not take part in the match, or captured the empty string, gives no key (as in Logstash).';

create or replace function siem_private.grok_match(p_expression text, p_input text) returns jsonb
  language sql stable strict
  as $$
  select siem_private.grok_match(p_expression, p_input, 'legacy')
$$;
comment on function siem_private.grok_match(text, text) is
  'Matches one input against a grok expression with the legacy field naming: the fields as jsonb, {} when it matches without fields, null when it does not match. For trying patterns by hand; grok_match(expression, input, ''ecs-v1'') uses the ECS names.';

-- As in migration 000002, but embedded options at the start of the expression ((?i) ...) stay at
-- the start: PostgreSQL accepts them nowhere else, so the greedy wrapper goes after them.
create or replace function siem_private.grok_match_regex(p_regex text) returns text
  language plpgsql immutable strict parallel safe
  as $$
declare
  i integer := 1;
  n integer := length(p_regex);
  c text;
  in_bracket boolean := false;
  options text := substring(p_regex from '^\(\?[a-z]+\)');
begin
  if options is not null then
    return options || siem_private.grok_match_regex(substr(p_regex, length(options) + 1));
  end if;
  while i <= n loop
    c := substr(p_regex, i, 1);
    if c = '\' then
      i := i + 2;
      continue;
    end if;
    if in_bracket then
      if c = ']' and substr(p_regex, i - 1, 1) <> '[' and substr(p_regex, i - 2, 2) <> '[^' then
        in_bracket := false;
      end if;
    elsif c = '[' then
      in_bracket := true;
    elsif c = '(' and substr(p_regex, i + 1, 1) = '?' then
      i := i + 2; -- group syntax, not a quantifier
      continue;
    elsif c in ('*', '+', '?') or (c = '{' and substr(p_regex, i + 1, 1) ~ '[0-9]') then
      if c = '{' then
        i := i + strpos(substr(p_regex, i), '}') - 1;
      end if;
      if substr(p_regex, i + 1, 1) = '?' then
        return '(?:' || p_regex || ')|(?!x)x';
      end if;
      return p_regex;
    end if;
    i := i + 1;
  end loop;
  return p_regex;
end;
$$;
comment on function siem_private.grok_match_regex(text) is
  'The regular expression to match a compiled grok expression with: when its first quantifier is lazy, a never-matching second branch makes the whole RE greedy (longest), as grok users expect; leading embedded options stay first.';

--------------------------------------------------------------------------------
-- Parsers choose their naming
--------------------------------------------------------------------------------

alter table public.parsers add column naming text not null default 'legacy' check (naming in ('legacy', 'ecs-v1'));
comment on column public.parsers.naming is
  'The field naming a grok pattern compiles with: legacy (clientip, verb, ...) or ecs-v1 ([source][address], [http][request][method], ...). Parsed fields keep those names in metadata unless field_aliases maps them to canonical ones.';

-- As in migration 000003, plus the parser's naming.
create or replace function siem_private.tg_parsers__compile() returns trigger
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
  'Compiles a parser on insert and update: dissect patterns into their delimiters, grok patterns (with fast pattern forms and the parser''s naming) into compiled_regex, field_names and field_types; sets the default prefilter. Errors name the parser.';

-- As in migration 000004, plus the optional naming key.
create or replace function public.import_parsers(definitions jsonb) returns integer
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
  select string_agg(key, ', ') into v_bad
  from jsonb_each(definitions)
  where value ? 'naming' and (value ->> 'naming') is distinct from 'legacy' and (value ->> 'naming') is distinct from 'ecs-v1';
  if v_bad is not null then
    raise exception 'import_parsers: naming must be legacy or ecs-v1; check %', v_bad using errcode = 'invalid_parameter_value';
  end if;

  insert into public.event_types (name)
  select distinct coalesce(value ->> 'event_type', key) from jsonb_each(definitions)
  on conflict (name) do nothing;

  insert into public.parsers as p (name, source, program, pattern, event_type, priority, prefilter, enabled, kind, naming)
  select key, value ->> 'source', value ->> 'program', value ->> 'pattern', coalesce(value ->> 'event_type', key),
         coalesce((value ->> 'priority')::integer, 100), value ->> 'prefilter', coalesce((value ->> 'enabled')::boolean, true),
         coalesce(value ->> 'kind', 'grok'), coalesce(value ->> 'naming', 'legacy')
  from jsonb_each(definitions)
  on conflict (name) do update set
    source = excluded.source, program = excluded.program, pattern = excluded.pattern, event_type = excluded.event_type,
    priority = excluded.priority, prefilter = excluded.prefilter, enabled = excluded.enabled, kind = excluded.kind,
    naming = excluded.naming;
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function public.import_parsers(jsonb) is 'Upserts parsers from {name: {pattern, source, program, event_type, priority, prefilter, enabled, kind, naming}}; used by `siem parsers import`.';

--------------------------------------------------------------------------------
-- Core, syslog and httpd patterns of migration 000002: ECS forms, and fixes
--------------------------------------------------------------------------------

-- ECS forms of the core patterns that capture.
update public.grok_patterns g set ecs_definition = e.ecs
from (values
  ('URIHOST', $g$%{IPORHOST}(?::%{POSINT})?$g$),
  ('SYSLOGPROG', $g$%{PROG:[process][name]}(?:\[%{POSINT:[process][pid]:int}\])?$g$),
  ('SYSLOGFACILITY', $g$<%{NONNEGINT:[log][syslog][facility][code]:int}.%{NONNEGINT:[log][syslog][priority]:int}>$g$),
  ('SYSLOGBASE', $g$%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:[host][hostname]} %{SYSLOGPROG}:$g$),
  ('SYSLOG5424PRI', $g$<%{NONNEGINT:[log][syslog][priority]:int}>$g$),
  ('SYSLOG5424BASE', $g$%{SYSLOG5424PRI}%{NONNEGINT:[system][syslog][version]} +(?:-|%{TIMESTAMP_ISO8601:timestamp}) +(?:-|%{IPORHOST:[host][hostname]}) +(?:-|%{SYSLOG5424PRINTASCII:[process][name]}) +(?:-|%{POSINT:[process][pid]:int}|%{SYSLOG5424PRINTASCII}) +(?:-|%{SYSLOG5424PRINTASCII:[event][code]}) +(?:-|%{SYSLOG5424SD:[system][syslog][structured_data]})?$g$),
  ('SYSLOG5424LINE', $g$%{SYSLOG5424BASE} +%{GREEDYDATA:message}$g$),
  ('COMMONAPACHELOG', $g$%{HTTPD_COMMONLOG}$g$),
  ('COMBINEDAPACHELOG', $g$%{HTTPD_COMBINEDLOG}$g$),
  ('HTTPD_COMMONLOG', $g$%{IPORHOST:[source][address]} (?:-|%{HTTPDUSER:[apache][access][user][identity]}) (?:-|%{HTTPDUSER:[user][name]}) \[%{HTTPDATE:timestamp}\] "(?:%{WORD:[http][request][method]} %{NOTSPACE:[url][original]}(?: HTTP/%{NUMBER:[http][version]})?|%{DATA})" (?:-|%{INT:[http][response][status_code]:int}) (?:-|%{INT:[http][response][body][bytes]:int})$g$),
  ('HTTPD_COMBINEDLOG', $g$%{HTTPD_COMMONLOG} "(?:-|%{DATA:[http][request][referrer]})" "(?:-|%{DATA:[user_agent][original]})"$g$),
  ('HTTPD20_ERRORLOG', $g$\[%{HTTPDERROR_DATE:timestamp}\] \[%{LOGLEVEL:[log][level]}\] (?:\[client %{IPORHOST:[source][address]}\] )?%{GREEDYDATA:message}$g$)
) as e (name, ecs)
where g.name = e.name;

-- HTTPD24_ERRORLOG: the optional proxy message and error code end at the first colon (a lazy
-- %{DATA} in an optional group would stretch to the last one in PostgreSQL). SYSLOG5424SD: one or
-- more [id param="value" ...] elements, quoted values may hold ] and escaped quotes.
update public.grok_patterns g set definition = f.definition, ecs_definition = f.ecs
from (values
  ('HTTPD24_ERRORLOG',
   $g$\[%{HTTPDERROR_DATE:timestamp}\] \[(?:%{WORD:module})?:%{LOGLEVEL:loglevel}\] \[pid %{POSINT:pid}(?::tid %{NUMBER:tid})?\](?: \(%{POSINT:proxy_errorcode}\)(?<proxy_message>[^:]*):)?(?: \[client %{IPORHOST:clientip}:%{POSINT:clientport}\])?(?: (?<errorcode>[^\s:]+):)? %{GREEDYDATA:message}$g$,
   $g$\[%{HTTPDERROR_DATE:timestamp}\] \[(?:%{WORD:[apache][error][module]})?:%{LOGLEVEL:[log][level]}\] \[pid %{POSINT:[process][pid]:int}(?::tid %{INT:[process][thread][id]:int})?\](?: \(%{POSINT:[apache][error][proxy][error][code]}\)(?<[apache][error][proxy][error][message]>[^:]*):)?(?: \[client %{IPORHOST:[source][address]}:%{POSINT:[source][port]:int}\])?(?: (?<[error][code]>[^\s:]+):)? %{GREEDYDATA:message}$g$),
  ('SYSLOG5424SD', $g$(?:\[[^\]"]*(?:"(?:[^"\\]|\\.)*"[^\]"]*)*\])+$g$, null)
) as f (name, definition, ecs)
where g.name = f.name;

-- HOSTNAME without the trailing \b alternative (redundant beside \.?) and without the 63-character
-- label limit, which halves the compile time of an expression using it: PostgreSQL builds a
-- sub-automaton per capture group, and {0,62} is 62 states in each. Longer labels now match whole
-- (unanchored, the old form matched their first 63 characters). Parsers use its fast_definition,
-- unchanged.
update public.grok_patterns g set definition = $g$\b[0-9A-Za-z][0-9A-Za-z-]*(?:\.[0-9A-Za-z][0-9A-Za-z-]*)*\.?$g$
where g.name = 'HOSTNAME';

-- SYSLOGLINE: the message after "host prog[pid]: " without its leading space; the host or the
-- program may be missing (local files, devices), and the timestamp may be ISO 8601.
update public.grok_patterns g set definition = $g$%{SYSLOGBASE2} %{GREEDYDATA:message}$g$
where g.name = 'SYSLOGLINE';

insert into public.grok_patterns as g (name, definition, ecs_definition, builtin)
select l.name, l.definition, l.ecs, true
from (values
  ('SYSLOGBASE2',
   $g$(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp8601}) (?:%{SYSLOGFACILITY} )?(?:%{SYSLOGHOST:logsource}(?: %{SYSLOGPROG}:)?|%{SYSLOGPROG}:)$g$,
   $g$(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp}) (?:%{SYSLOGFACILITY} )?(?:%{SYSLOGHOST:[host][hostname]}(?: %{SYSLOGPROG}:)?|%{SYSLOGPROG}:)$g$),
  ('SYSLOGPAMSESSION',
   $g$%{SYSLOGBASE} (?<message>%{WORD:pam_module}\(%{DATA:pam_caller}\): session %{WORD:pam_session_state} for user %{USERNAME:username}(?: by %{GREEDYDATA:pam_by})?.*)$g$,
   $g$%{SYSLOGBASE} (?<message>%{WORD:[system][auth][pam][module]}\(%{DATA:[system][auth][pam][origin]}\): session %{WORD:[system][auth][pam][session_state]} for user %{USERNAME:[user][name]}(?: by %{GREEDYDATA})?.*)$g$),
  ('CRON_ACTION', $g$[A-Z ]+$g$, null),
  ('CRONLOG',
   $g$%{SYSLOGBASE} \(%{USER:user}\) %{CRON_ACTION:action} \(%{DATA:message}\)$g$,
   $g$%{SYSLOGBASE} \(%{USER:[user][name]}\) %{CRON_ACTION:[system][cron][action]} \(%{DATA:message}\)$g$)
) as l (name, definition, ecs)
on conflict (name) do update set definition = excluded.definition, ecs_definition = excluded.ecs_definition, builtin = true;

--------------------------------------------------------------------------------
-- The rest of the library, by the software whose logs it reads. Each row: name, definition
-- (legacy names), ECS form (null = the same).
--------------------------------------------------------------------------------

create temporary table grok_library (name text primary key, definition text not null, ecs text) on commit drop;

-- Java stack traces, Tomcat and Catalina logs
insert into grok_library values
  ('JAVACLASS', $g$(?:[A-Za-z_$][A-Za-z0-9_$]*\.)*[A-Za-z_$][A-Za-z0-9_$]*$g$, null),
  ('JAVAFILE', $g$(?:Native Method|Unknown Source|[A-Za-z0-9_$][A-Za-z0-9_$.-]*)$g$, null),
  ('JAVAMETHOD', $g$(?:<init>|<clinit>|[A-Za-z_$][A-Za-z0-9_$]*)$g$, null),
  ('JAVASTACKTRACEPART',
   $g$%{SPACE}at %{JAVACLASS:class}\.%{JAVAMETHOD:method}\(%{JAVAFILE:file}(?::%{NUMBER:line})?\)$g$,
   $g$%{SPACE}at %{JAVACLASS:[java][log][origin][class][name]}\.%{JAVAMETHOD:[log][origin][function]}\(%{JAVAFILE:[log][origin][file][name]}(?::%{INT:[log][origin][file][line]:int})?\)$g$),
  ('JAVATHREAD', $g$[A-Z]{2}-Processor[0-9]+$g$, null),
  -- the rest of the event, across lines (a stack trace follows the first line)
  ('JAVALOGMESSAGE', $g$[\s\S]*$g$, null),
  -- Jul 30, 2020 3:00:21 PM (java.util.logging) and 30-Dec-2020 11:44:31.277 (Tomcat 8+)
  ('CATALINA7_DATESTAMP', $g$%{MONTH} %{MONTHDAY}, %{YEAR} %{HOUR}:%{MINUTE}:%{SECOND} [AP]M$g$, null),
  ('CATALINA8_DATESTAMP', $g$%{MONTHDAY}-%{MONTH}-%{YEAR} %{HOUR}:%{MINUTE}:%{SECOND}$g$, null),
  ('CATALINA_DATESTAMP', $g$%{CATALINA7_DATESTAMP}$g$, $g$%{CATALINA8_DATESTAMP}|%{CATALINA7_DATESTAMP}$g$),
  ('TOMCATLEGACY_DATESTAMP', $g$%{YEAR}-%{MONTHNUM}-%{MONTHDAY} %{HOUR}:%{MINUTE}:%{SECOND}(?: %{ISO8601_TIMEZONE})?$g$, null),
  ('TOMCAT_DATESTAMP', $g$%{TOMCATLEGACY_DATESTAMP}$g$, $g$%{CATALINA8_DATESTAMP}|%{CATALINA7_DATESTAMP}|%{TOMCATLEGACY_DATESTAMP}$g$),
  -- Jul 30, 2020 3:00:21 PM org.example.Class method\nINFO: message
  ('CATALINA7_LOG',
   $g$%{CATALINA7_DATESTAMP:timestamp} %{JAVACLASS:[java][log][origin][class][name]}(?: %{JAVAMETHOD:[log][origin][function]})?\s+(?:%{LOGLEVEL:[log][level]}: )?%{JAVALOGMESSAGE:message}$g$, null),
  -- 30-Dec-2020 11:44:31.277 SEVERE [main] org.example.Class.method message
  ('CATALINA8_LOG',
   $g$%{CATALINA8_DATESTAMP:timestamp} %{LOGLEVEL:[log][level]} \[%{DATA:[java][log][origin][thread][name]}\] %{JAVACLASS:[java][log][origin][class][name]}\.%{JAVAMETHOD:[log][origin][function]} %{JAVALOGMESSAGE:message}$g$, null),
  ('CATALINALOG',
   $g$%{CATALINA_DATESTAMP:timestamp} %{JAVACLASS:class} %{JAVALOGMESSAGE:logmessage}$g$,
   $g$%{CATALINA8_LOG}|%{CATALINA7_LOG}$g$),
  -- 2014-01-09 20:03:28,269 -0800 | ERROR | org.example.Class - message
  ('TOMCATLEGACY_LOG',
   $g$%{TOMCATLEGACY_DATESTAMP:timestamp} \| %{LOGLEVEL:[log][level]} \| %{JAVACLASS:[java][log][origin][class][name]} - %{JAVALOGMESSAGE:message}$g$, null),
  ('TOMCAT7_LOG', $g$%{CATALINA7_LOG}$g$, null),
  ('TOMCAT8_LOG', $g$%{CATALINA8_LOG}$g$, null),
  ('TOMCATLOG',
   $g$%{TOMCAT_DATESTAMP:timestamp} \| %{LOGLEVEL:level} \| %{JAVACLASS:class} - %{JAVALOGMESSAGE:logmessage}$g$,
   $g$%{TOMCAT8_LOG}|%{TOMCAT7_LOG}|%{TOMCATLEGACY_LOG}$g$);

-- Maven artifact versions
insert into grok_library values
  ('MAVEN_VERSION', $g$[0-9]+\.[0-9]+\.[0-9]+(?:[.-](?:RELEASE|SNAPSHOT))?$g$, null);

-- Redis: server log ([pid] date level message) and MONITOR output
insert into grok_library values
  ('REDISTIMESTAMP', $g$%{MONTHDAY} %{MONTH} %{TIME}$g$, null),
  ('REDISLOG', $g$\[%{POSINT:pid}\] %{REDISTIMESTAMP:timestamp} [.*#-] $g$,
   $g$\[%{POSINT:[process][pid]:int}\] %{REDISTIMESTAMP:timestamp} [.*#-] $g$),
  ('REDISMONLOG',
   $g$%{NUMBER:timestamp} \[%{INT:database} %{IP:client}:%{NUMBER:port}\] "%{WORD:command}"\s?%{GREEDYDATA:params}$g$,
   $g$%{NUMBER:timestamp} \[%{INT:[redis][database][id]} %{IP:[client][ip]}:%{POSINT:[client][port]:int}\] "%{WORD:[redis][command][name]}"\s?%{GREEDYDATA:[redis][command][args]}$g$);

-- Ruby's Logger: "I, [2010-12-29T11:15:32.321744 #11479]  INFO -- progname: message"; MCollective logs through it
insert into grok_library values
  ('RUBY_LOGLEVEL', $g$(?:DEBUG|INFO|WARN|ERROR|FATAL|UNKNOWN)$g$, null),
  ('RUBY_LOGGER',
   $g$[DIWEFA], \[%{TIMESTAMP_ISO8601:timestamp} ?#%{POSINT:pid}\] *%{RUBY_LOGLEVEL:loglevel} -- +%{DATA:progname}: %{GREEDYDATA:message}$g$,
   $g$[DIWEFA], \[%{TIMESTAMP_ISO8601:timestamp} ?#%{POSINT:[process][pid]:int}\] *%{RUBY_LOGLEVEL:[log][level]} -- +%{DATA:[process][name]}: %{GREEDYDATA:message}$g$),
  ('MCOLLECTIVEAUDIT', $g$%{TIMESTAMP_ISO8601:timestamp}:$g$, null),
  ('MCOLLECTIVE',
   $g$[DIWEFA], \[%{TIMESTAMP_ISO8601:timestamp} ?#%{POSINT:pid}\]%{SPACE}%{LOGLEVEL:event_level}$g$,
   $g$[DIWEFA], \[%{TIMESTAMP_ISO8601:timestamp} ?#%{POSINT:[process][pid]:int}\]%{SPACE}%{LOGLEVEL:[log][level]}$g$);

-- MongoDB: 2.x log lines, 3.x/4.x log lines (timestamp severity component [context] message), slow queries
insert into grok_library values
  ('MONGO_LOG', $g$%{SYSLOGTIMESTAMP:timestamp} \[%{WORD:component}\] %{GREEDYDATA:message}$g$,
   $g$%{SYSLOGTIMESTAMP:timestamp} \[%{WORD:[mongodb][component]}\] %{GREEDYDATA:message}$g$),
  ('MONGO_QUERY', $g$\{.*\}$g$, null),
  ('MONGO_WORDDASH', $g$\b[\w-]+\b$g$, null),
  ('MONGO_SLOWQUERY',
   $g$%{WORD} %{MONGO_WORDDASH:database}\.%{MONGO_WORDDASH:collection} %{WORD}: %{MONGO_QUERY:query} ntoreturn:%{NONNEGINT:ntoreturn} ntoskip:%{NONNEGINT:ntoskip} nscanned:%{NONNEGINT:nscanned}.* nreturned:%{NONNEGINT:nreturned}.* (?<duration>[0-9]+)ms$g$,
   $g$%{WORD:[mongodb][profile][op]} %{MONGO_WORDDASH:[mongodb][database]}\.%{MONGO_WORDDASH:[mongodb][collection]} %{WORD}: %{MONGO_QUERY:[mongodb][query][original]} ntoreturn:%{NONNEGINT:[mongodb][profile][ntoreturn]:int} ntoskip:%{NONNEGINT:[mongodb][profile][ntoskip]:int} nscanned:%{NONNEGINT:[mongodb][profile][nscanned]:int}.* nreturned:%{NONNEGINT:[mongodb][profile][nreturned]:int}.* %{INT:[mongodb][profile][duration]:int}ms$g$),
  ('MONGO3_SEVERITY', $g$\w$g$, null),
  ('MONGO3_COMPONENT', $g$%{WORD}|-$g$, null),
  ('MONGO3_LOG',
   $g$%{TIMESTAMP_ISO8601:timestamp} %{MONGO3_SEVERITY:severity} (?:%{MONGO3_COMPONENT:component}%{SPACE})?(?:\[(?<context>[^\]]*)\] )?%{GREEDYDATA:message}$g$,
   $g$%{TIMESTAMP_ISO8601:timestamp} %{MONGO3_SEVERITY:[log][level]} (?:%{MONGO3_COMPONENT:[mongodb][component]}%{SPACE})?(?:\[(?<[mongodb][context]>[^\]]*)\] )?%{GREEDYDATA:message}$g$);

-- PostgreSQL with log_line_prefix = '%t %u %c %p' (timestamp, user, session id, pid)
insert into grok_library values
  ('POSTGRESQL',
   $g$%{TIMESTAMP_ISO8601:timestamp} %{WORD} %{NOTSPACE:user_id} %{NOTSPACE:connection_id} %{POSINT:pid}$g$,
   $g$%{TIMESTAMP_ISO8601:timestamp} %{WORD:[event][timezone]} %{NOTSPACE:[user][name]} %{NOTSPACE:[postgresql][log][connection_id]} %{POSINT:[process][pid]:int}$g$);

-- Rails 3+ request logs: Started ... / Processing by ... / Completed ...
insert into grok_library values
  ('RUUID', $g$[0-9A-Fa-f]{32}$g$, null),
  ('RCONTROLLER', $g$(?<controller>[^#\s]+)#(?<action>\w+)$g$,
   $g$(?<[rails][controller][class]>[^#\s]+)#(?<[rails][controller][action]>\w+)$g$),
  ('RAILS3HEAD',
   $g$Started %{WORD:verb} "%{URIPATHPARAM:request}" for %{IPORHOST:clientip} at (?<timestamp>%{YEAR}-%{MONTHNUM}-%{MONTHDAY} %{HOUR}:%{MINUTE}:%{SECOND} %{ISO8601_TIMEZONE})$g$,
   $g$Started %{WORD:[http][request][method]} "%{URIPATHPARAM:[url][original]}" for %{IPORHOST:[source][address]} at (?<timestamp>%{YEAR}-%{MONTHNUM}-%{MONTHDAY} %{HOUR}:%{MINUTE}:%{SECOND} %{ISO8601_TIMEZONE})$g$),
  ('RPROCESSING',
   $g$\W*Processing by %{RCONTROLLER} as (?<format>\S+)(?:\W*Parameters: \{%{DATA:params}\}\W*)?$g$,
   $g$\W*Processing by %{RCONTROLLER} as (?<[rails][request][format]>\S+)(?:\W*Parameters: \{%{DATA:[rails][request][params]}\}\W*)?$g$),
  ('RAILS3PROFILE',
   $g$(?:\(Views: %{NUMBER:viewms}ms \| ActiveRecord: %{NUMBER:activerecordms}ms|\(ActiveRecord: %{NUMBER:activerecordms}ms)?$g$,
   $g$(?:\(Views: %{NUMBER:[rails][request][duration][view]:float}ms \| ActiveRecord: %{NUMBER:[rails][request][duration][active_record]:float}ms|\(ActiveRecord: %{NUMBER:[rails][request][duration][active_record]:float}ms)?$g$),
  ('RAILS3FOOT',
   $g$Completed %{NUMBER:response}[^\n]*? in %{NUMBER:totalms}ms %{RAILS3PROFILE}[^\n]*$g$,
   $g$Completed %{POSINT:[http][response][status_code]:int}[^\n]*? in %{NUMBER:[rails][request][duration][total]:float}ms %{RAILS3PROFILE}[^\n]*$g$),
  ('RAILS3',
   $g$%{RAILS3HEAD}(?:%{RPROCESSING})?(?<context>(?:\n[^\n]*?)*?)(?:\s*%{RAILS3FOOT})?$g$,
   $g$%{RAILS3HEAD}(?:%{RPROCESSING})?(?<[rails][request][explain][original]>(?:\n[^\n]*?)*?)(?:\s*%{RAILS3FOOT})?$g$);

-- Squid native access log: time elapsed client code/status bytes method URL user hierarchy/peer type
insert into grok_library values
  -- 000: no reply was sent
  ('SQUID3_STATUS', $g$(?:%{POSINT:[http][response][status_code]:int}|0+)$g$, null),
  ('SQUID3',
   $g$%{NUMBER:timestamp}\s+%{NUMBER:duration}\s%{IP:client_address}\s%{WORD:cache_result}/%{NONNEGINT:status_code}\s%{NUMBER:bytes}\s%{WORD:request_method}\s%{NOTSPACE:url}\s%{NOTSPACE:user}\s%{WORD:hierarchy_code}/(?:-|%{IPORHOST:server})\s%{NOTSPACE:content_type}$g$,
   $g$%{NUMBER:timestamp}\s+%{NUMBER:[squid][request][duration]:int}\s%{IP:[source][ip]}\s%{WORD:[event][action]}/%{SQUID3_STATUS}\s%{INT:[http][response][bytes]:int}\s%{WORD:[http][request][method]}\s%{NOTSPACE:[url][original]}\s(?:-|%{NOTSPACE:[user][name]})\s%{WORD:[squid][hierarchy_code]}/(?:-|%{IPORHOST:[destination][address]})\s(?:-|%{NOTSPACE:[http][response][mime_type]})$g$);

-- BIND 9 query log: date category: level: client [@0x...] ip#port (name): query: name class type flags (server)
-- In legacy naming querytype keeps the flags after the type ("A +E(0)K"), as it always has.
insert into grok_library values
  ('BIND9_TIMESTAMP', $g$%{MONTHDAY}-%{MONTH}-%{YEAR} %{TIME}$g$, null),
  ('BIND9_DNSTYPE', $g$(?:A|AAAA|AFSDB|APL|AXFR|CAA|CDNSKEY|CDS|CERT|CNAME|CSYNC|DHCID|DLV|DNAME|DNSKEY|DS|EUI48|EUI64|HINFO|HIP|HTTPS|IPSECKEY|IXFR|KEY|KX|LOC|MX|NAPTR|NS|NSEC|NSEC3|NSEC3PARAM|NULL|OPENPGPKEY|OPT|PTR|RP|RRSIG|SIG|SMIMEA|SOA|SPF|SRV|SSHFP|SVCB|TA|TKEY|TLSA|TSIG|TXT|URI|ZONEMD|ANY|TYPE[0-9]+)$g$, null),
  ('BIND9_CATEGORY', $g$queries$g$, null),
  ('BIND9_QUERYLOGBASE',
   $g$client(?: @0x[0-9A-Fa-f]+)? %{IP:clientip}#%{POSINT:clientport} \((?<query>[^)]*)\): query: \S+ (?:IN|CH|HS|ANY|NONE|CLASS[0-9]+) (?<querytype>%{BIND9_DNSTYPE}(?: \S*)?) \(%{IP:dns}\)$g$,
   $g$client(?: @0x[0-9A-Fa-f]+)? %{IP:[client][ip]}#%{POSINT:[client][port]:int} \((?<[bind][log][question][name]>[^)]*)\): query: %{NOTSPACE:[dns][question][name]} (?<[dns][question][class]>IN|CH|HS|ANY|NONE|CLASS[0-9]+) %{BIND9_DNSTYPE:[dns][question][type]}(?: (?<[bind][log][question][flags]>\S*))? \(%{IP:[server][ip]}\)$g$),
  ('BIND9_QUERYLOG',
   $g$%{BIND9_TIMESTAMP:timestamp} %{BIND9_CATEGORY}: %{LOGLEVEL:loglevel}: %{BIND9_QUERYLOGBASE}$g$,
   $g$%{BIND9_TIMESTAMP:timestamp} %{BIND9_CATEGORY:[bind][log][category]}: %{LOGLEVEL:[log][level]}: %{BIND9_QUERYLOGBASE}$g$),
  ('BIND9',
   $g$%{BIND9_QUERYLOG}$g$,
   $g$%{BIND9_QUERYLOG}$g$);

-- Nagios log: [epoch] TYPE: field;field;...
insert into grok_library values
  ('NAGIOSTIME', $g$\[%{NUMBER:nagios_epoch}\]$g$, $g$\[%{NUMBER:timestamp}\]$g$),
  ('NAGIOS_TYPE_CURRENT_SERVICE_STATE', $g$CURRENT SERVICE STATE$g$, null),
  ('NAGIOS_TYPE_CURRENT_HOST_STATE', $g$CURRENT HOST STATE$g$, null),
  ('NAGIOS_TYPE_SERVICE_NOTIFICATION', $g$SERVICE NOTIFICATION$g$, null),
  ('NAGIOS_TYPE_HOST_NOTIFICATION', $g$HOST NOTIFICATION$g$, null),
  ('NAGIOS_TYPE_SERVICE_ALERT', $g$SERVICE ALERT$g$, null),
  ('NAGIOS_TYPE_HOST_ALERT', $g$HOST ALERT$g$, null),
  ('NAGIOS_TYPE_SERVICE_FLAPPING_ALERT', $g$SERVICE FLAPPING ALERT$g$, null),
  ('NAGIOS_TYPE_HOST_FLAPPING_ALERT', $g$HOST FLAPPING ALERT$g$, null),
  ('NAGIOS_TYPE_SERVICE_DOWNTIME_ALERT', $g$SERVICE DOWNTIME ALERT$g$, null),
  ('NAGIOS_TYPE_HOST_DOWNTIME_ALERT', $g$HOST DOWNTIME ALERT$g$, null),
  ('NAGIOS_TYPE_PASSIVE_SERVICE_CHECK', $g$PASSIVE SERVICE CHECK$g$, null),
  ('NAGIOS_TYPE_PASSIVE_HOST_CHECK', $g$PASSIVE HOST CHECK$g$, null),
  ('NAGIOS_TYPE_SERVICE_EVENT_HANDLER', $g$SERVICE EVENT HANDLER$g$, null),
  ('NAGIOS_TYPE_HOST_EVENT_HANDLER', $g$HOST EVENT HANDLER$g$, null),
  ('NAGIOS_TYPE_EXTERNAL_COMMAND', $g$EXTERNAL COMMAND$g$, null),
  ('NAGIOS_TYPE_TIMEPERIOD_TRANSITION', $g$TIMEPERIOD TRANSITION$g$, null),
  ('NAGIOS_EC_DISABLE_SVC_CHECK', $g$DISABLE_SVC_CHECK$g$, null),
  ('NAGIOS_EC_ENABLE_SVC_CHECK', $g$ENABLE_SVC_CHECK$g$, null),
  ('NAGIOS_EC_DISABLE_HOST_CHECK', $g$DISABLE_HOST_CHECK$g$, null),
  ('NAGIOS_EC_ENABLE_HOST_CHECK', $g$ENABLE_HOST_CHECK$g$, null),
  ('NAGIOS_EC_PROCESS_SERVICE_CHECK_RESULT', $g$PROCESS_SERVICE_CHECK_RESULT$g$, null),
  ('NAGIOS_EC_PROCESS_HOST_CHECK_RESULT', $g$PROCESS_HOST_CHECK_RESULT$g$, null),
  ('NAGIOS_EC_SCHEDULE_SERVICE_DOWNTIME', $g$SCHEDULE_SERVICE_DOWNTIME$g$, null),
  ('NAGIOS_EC_SCHEDULE_HOST_DOWNTIME', $g$SCHEDULE_HOST_DOWNTIME$g$, null),
  ('NAGIOS_EC_DISABLE_HOST_SVC_NOTIFICATIONS', $g$DISABLE_HOST_SVC_NOTIFICATIONS$g$, null),
  ('NAGIOS_EC_ENABLE_HOST_SVC_NOTIFICATIONS', $g$ENABLE_HOST_SVC_NOTIFICATIONS$g$, null),
  ('NAGIOS_EC_DISABLE_HOST_NOTIFICATIONS', $g$DISABLE_HOST_NOTIFICATIONS$g$, null),
  ('NAGIOS_EC_ENABLE_HOST_NOTIFICATIONS', $g$ENABLE_HOST_NOTIFICATIONS$g$, null),
  ('NAGIOS_EC_DISABLE_SVC_NOTIFICATIONS', $g$DISABLE_SVC_NOTIFICATIONS$g$, null),
  ('NAGIOS_EC_ENABLE_SVC_NOTIFICATIONS', $g$ENABLE_SVC_NOTIFICATIONS$g$, null),
  ('NAGIOS_WARNING', $g$Warning:%{SPACE}%{GREEDYDATA:nagios_message}$g$, $g$Warning:%{SPACE}%{GREEDYDATA:message}$g$),
  -- host;service;state;state type;attempt;plugin output
  ('NAGIOS_CURRENT_SERVICE_STATE',
   $g$%{NAGIOS_TYPE_CURRENT_SERVICE_STATE:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);(?<nagios_statetype>[^;]*);(?<nagios_statecode>[^;]*);%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_CURRENT_SERVICE_STATE:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][state_type]>[^;]*);%{INT:[nagios][log][attempt]:int};%{GREEDYDATA:message}$g$),
  ('NAGIOS_CURRENT_HOST_STATE',
   $g$%{NAGIOS_TYPE_CURRENT_HOST_STATE:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);(?<nagios_statetype>[^;]*);(?<nagios_statecode>[^;]*);%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_CURRENT_HOST_STATE:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][state_type]>[^;]*);%{INT:[nagios][log][attempt]:int};%{GREEDYDATA:message}$g$),
  -- contact;host;[service;]state;notification command;plugin output
  ('NAGIOS_SERVICE_NOTIFICATION',
   $g$%{NAGIOS_TYPE_SERVICE_NOTIFICATION:nagios_type}: (?<nagios_notifyname>[^;]*);(?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);(?<nagios_contact>[^;]*);%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_SERVICE_NOTIFICATION:[nagios][log][type]}: (?<[user][name]>[^;]*);(?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][notification_command]>[^;]*);%{GREEDYDATA:message}$g$),
  ('NAGIOS_HOST_NOTIFICATION',
   $g$%{NAGIOS_TYPE_HOST_NOTIFICATION:nagios_type}: (?<nagios_notifyname>[^;]*);(?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);(?<nagios_contact>[^;]*);%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_HOST_NOTIFICATION:[nagios][log][type]}: (?<[user][name]>[^;]*);(?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][notification_command]>[^;]*);%{GREEDYDATA:message}$g$),
  -- host;[service;]state;state type;attempt;plugin output
  ('NAGIOS_SERVICE_ALERT',
   $g$%{NAGIOS_TYPE_SERVICE_ALERT:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);(?<nagios_statelevel>[^;]*);%{NUMBER:nagios_attempt};%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_SERVICE_ALERT:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][state_type]>[^;]*);%{INT:[nagios][log][attempt]:int};%{GREEDYDATA:message}$g$),
  ('NAGIOS_HOST_ALERT',
   $g$%{NAGIOS_TYPE_HOST_ALERT:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);(?<nagios_statelevel>[^;]*);%{NUMBER:nagios_attempt};%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_HOST_ALERT:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][state_type]>[^;]*);%{INT:[nagios][log][attempt]:int};%{GREEDYDATA:message}$g$),
  -- host;[service;]STARTED|STOPPED|DISABLED;comment
  ('NAGIOS_SERVICE_FLAPPING_ALERT',
   $g$%{NAGIOS_TYPE_SERVICE_FLAPPING_ALERT:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_SERVICE_FLAPPING_ALERT:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:message}$g$),
  ('NAGIOS_HOST_FLAPPING_ALERT',
   $g$%{NAGIOS_TYPE_HOST_FLAPPING_ALERT:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_message}$g$,
   $g$%{NAGIOS_TYPE_HOST_FLAPPING_ALERT:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:message}$g$),
  ('NAGIOS_SERVICE_DOWNTIME_ALERT',
   $g$%{NAGIOS_TYPE_SERVICE_DOWNTIME_ALERT:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_comment}$g$,
   $g$%{NAGIOS_TYPE_SERVICE_DOWNTIME_ALERT:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:[nagios][log][comment]}$g$),
  ('NAGIOS_HOST_DOWNTIME_ALERT',
   $g$%{NAGIOS_TYPE_HOST_DOWNTIME_ALERT:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_comment}$g$,
   $g$%{NAGIOS_TYPE_HOST_DOWNTIME_ALERT:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:[nagios][log][comment]}$g$),
  ('NAGIOS_PASSIVE_SERVICE_CHECK',
   $g$%{NAGIOS_TYPE_PASSIVE_SERVICE_CHECK:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_comment}$g$,
   $g$%{NAGIOS_TYPE_PASSIVE_SERVICE_CHECK:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:[nagios][log][comment]}$g$),
  ('NAGIOS_PASSIVE_HOST_CHECK',
   $g$%{NAGIOS_TYPE_PASSIVE_HOST_CHECK:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_comment}$g$,
   $g$%{NAGIOS_TYPE_PASSIVE_HOST_CHECK:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:[nagios][log][comment]}$g$),
  -- host;[service;]state;state type;handler
  ('NAGIOS_SERVICE_EVENT_HANDLER',
   $g$%{NAGIOS_TYPE_SERVICE_EVENT_HANDLER:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);(?<nagios_statelevel>[^;]*);(?<nagios_event_handler_name>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_SERVICE_EVENT_HANDLER:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][state_type]>[^;]*);(?<[nagios][log][event_handler_name]>[^;]*)$g$),
  ('NAGIOS_HOST_EVENT_HANDLER',
   $g$%{NAGIOS_TYPE_HOST_EVENT_HANDLER:nagios_type}: (?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);(?<nagios_statelevel>[^;]*);(?<nagios_event_handler_name>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_HOST_EVENT_HANDLER:[nagios][log][type]}: (?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);(?<[nagios][log][state_type]>[^;]*);(?<[nagios][log][event_handler_name]>[^;]*)$g$),
  -- timeperiod;from;to
  ('NAGIOS_TIMEPERIOD_TRANSITION',
   $g$%{NAGIOS_TYPE_TIMEPERIOD_TRANSITION:nagios_type}: (?<nagios_service>[^;]*);%{NUMBER:nagios_unknown1};%{NUMBER:nagios_unknown2}$g$,
   $g$%{NAGIOS_TYPE_TIMEPERIOD_TRANSITION:[nagios][log][type]}: (?<[service][name]>[^;]*);%{NUMBER:[nagios][log][period_from]:int};%{NUMBER:[nagios][log][period_to]:int}$g$),
  -- EXTERNAL COMMAND: COMMAND;arguments
  ('NAGIOS_EC_LINE_DISABLE_SVC_CHECK',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_DISABLE_SVC_CHECK:nagios_command};(?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_DISABLE_SVC_CHECK:[nagios][log][command]};(?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*)$g$),
  ('NAGIOS_EC_LINE_ENABLE_SVC_CHECK',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_ENABLE_SVC_CHECK:nagios_command};(?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_ENABLE_SVC_CHECK:[nagios][log][command]};(?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*)$g$),
  ('NAGIOS_EC_LINE_DISABLE_HOST_CHECK',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_DISABLE_HOST_CHECK:nagios_command};(?<nagios_hostname>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_DISABLE_HOST_CHECK:[nagios][log][command]};(?<[host][hostname]>[^;]*)$g$),
  ('NAGIOS_EC_LINE_ENABLE_HOST_CHECK',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_ENABLE_HOST_CHECK:nagios_command};(?<nagios_hostname>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_ENABLE_HOST_CHECK:[nagios][log][command]};(?<[host][hostname]>[^;]*)$g$),
  ('NAGIOS_EC_LINE_PROCESS_SERVICE_CHECK_RESULT',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_PROCESS_SERVICE_CHECK_RESULT:nagios_command};(?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_check_result}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_PROCESS_SERVICE_CHECK_RESULT:[nagios][log][command]};(?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:[nagios][log][check_result]}$g$),
  ('NAGIOS_EC_LINE_PROCESS_HOST_CHECK_RESULT',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_PROCESS_HOST_CHECK_RESULT:nagios_command};(?<nagios_hostname>[^;]*);(?<nagios_state>[^;]*);%{GREEDYDATA:nagios_check_result}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_PROCESS_HOST_CHECK_RESULT:[nagios][log][command]};(?<[host][hostname]>[^;]*);(?<[service][state]>[^;]*);%{GREEDYDATA:[nagios][log][check_result]}$g$),
  -- host;start;end;fixed;trigger id;duration;author;comment
  ('NAGIOS_EC_LINE_SCHEDULE_HOST_DOWNTIME',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_SCHEDULE_HOST_DOWNTIME:nagios_command};(?<nagios_hostname>[^;]*);%{NUMBER:nagios_start_time};%{NUMBER:nagios_end_time};%{NUMBER:nagios_fixed};%{NUMBER:nagios_trigger_id};%{NUMBER:nagios_duration};(?<author>[^;]*);(?<comment>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_SCHEDULE_HOST_DOWNTIME:[nagios][log][command]};(?<[host][hostname]>[^;]*);%{NUMBER:[nagios][log][start_time]};%{NUMBER:[nagios][log][end_time]};%{NUMBER:[nagios][log][fixed]};%{NUMBER:[nagios][log][trigger_id]};%{NUMBER:[nagios][log][duration]:int};(?<[user][name]>[^;]*);(?<[nagios][log][comment]>[^;]*)$g$),
  -- host;service;start;end;fixed;trigger id;duration;author;comment
  ('NAGIOS_EC_LINE_SCHEDULE_SERVICE_DOWNTIME',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_SCHEDULE_SERVICE_DOWNTIME:nagios_command};(?<nagios_hostname>[^;]*);(?<nagios_service>[^;]*);%{NUMBER:nagios_start_time};%{NUMBER:nagios_end_time};%{NUMBER:nagios_fixed};%{NUMBER:nagios_trigger_id};%{NUMBER:nagios_duration};(?<author>[^;]*);(?<comment>[^;]*)$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_SCHEDULE_SERVICE_DOWNTIME:[nagios][log][command]};(?<[host][hostname]>[^;]*);(?<[service][name]>[^;]*);%{NUMBER:[nagios][log][start_time]};%{NUMBER:[nagios][log][end_time]};%{NUMBER:[nagios][log][fixed]};%{NUMBER:[nagios][log][trigger_id]};%{NUMBER:[nagios][log][duration]:int};(?<[user][name]>[^;]*);(?<[nagios][log][comment]>[^;]*)$g$),
  ('NAGIOS_EC_LINE_DISABLE_HOST_SVC_NOTIFICATIONS',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_DISABLE_HOST_SVC_NOTIFICATIONS:nagios_command};%{GREEDYDATA:nagios_hostname}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_DISABLE_HOST_SVC_NOTIFICATIONS:[nagios][log][command]};%{GREEDYDATA:[host][hostname]}$g$),
  ('NAGIOS_EC_LINE_ENABLE_HOST_SVC_NOTIFICATIONS',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_ENABLE_HOST_SVC_NOTIFICATIONS:nagios_command};%{GREEDYDATA:nagios_hostname}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_ENABLE_HOST_SVC_NOTIFICATIONS:[nagios][log][command]};%{GREEDYDATA:[host][hostname]}$g$),
  ('NAGIOS_EC_LINE_DISABLE_HOST_NOTIFICATIONS',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_DISABLE_HOST_NOTIFICATIONS:nagios_command};%{GREEDYDATA:nagios_hostname}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_DISABLE_HOST_NOTIFICATIONS:[nagios][log][command]};%{GREEDYDATA:[host][hostname]}$g$),
  ('NAGIOS_EC_LINE_ENABLE_HOST_NOTIFICATIONS',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_ENABLE_HOST_NOTIFICATIONS:nagios_command};%{GREEDYDATA:nagios_hostname}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_ENABLE_HOST_NOTIFICATIONS:[nagios][log][command]};%{GREEDYDATA:[host][hostname]}$g$),
  ('NAGIOS_EC_LINE_DISABLE_SVC_NOTIFICATIONS',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_DISABLE_SVC_NOTIFICATIONS:nagios_command};(?<nagios_hostname>[^;]*);%{GREEDYDATA:nagios_service}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_DISABLE_SVC_NOTIFICATIONS:[nagios][log][command]};(?<[host][hostname]>[^;]*);%{GREEDYDATA:[service][name]}$g$),
  ('NAGIOS_EC_LINE_ENABLE_SVC_NOTIFICATIONS',
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:nagios_type}: %{NAGIOS_EC_ENABLE_SVC_NOTIFICATIONS:nagios_command};(?<nagios_hostname>[^;]*);%{GREEDYDATA:nagios_service}$g$,
   $g$%{NAGIOS_TYPE_EXTERNAL_COMMAND:[nagios][log][type]}: %{NAGIOS_EC_ENABLE_SVC_NOTIFICATIONS:[nagios][log][command]};(?<[host][hostname]>[^;]*);%{GREEDYDATA:[service][name]}$g$),
  ('NAGIOSLOGLINE',
   $g$%{NAGIOSTIME} (?:%{NAGIOS_WARNING}|%{NAGIOS_CURRENT_SERVICE_STATE}|%{NAGIOS_CURRENT_HOST_STATE}|%{NAGIOS_SERVICE_NOTIFICATION}|%{NAGIOS_HOST_NOTIFICATION}|%{NAGIOS_SERVICE_ALERT}|%{NAGIOS_HOST_ALERT}|%{NAGIOS_SERVICE_FLAPPING_ALERT}|%{NAGIOS_HOST_FLAPPING_ALERT}|%{NAGIOS_SERVICE_DOWNTIME_ALERT}|%{NAGIOS_HOST_DOWNTIME_ALERT}|%{NAGIOS_PASSIVE_SERVICE_CHECK}|%{NAGIOS_PASSIVE_HOST_CHECK}|%{NAGIOS_SERVICE_EVENT_HANDLER}|%{NAGIOS_HOST_EVENT_HANDLER}|%{NAGIOS_TIMEPERIOD_TRANSITION}|%{NAGIOS_EC_LINE_DISABLE_SVC_CHECK}|%{NAGIOS_EC_LINE_ENABLE_SVC_CHECK}|%{NAGIOS_EC_LINE_DISABLE_HOST_CHECK}|%{NAGIOS_EC_LINE_ENABLE_HOST_CHECK}|%{NAGIOS_EC_LINE_PROCESS_HOST_CHECK_RESULT}|%{NAGIOS_EC_LINE_PROCESS_SERVICE_CHECK_RESULT}|%{NAGIOS_EC_LINE_SCHEDULE_HOST_DOWNTIME}|%{NAGIOS_EC_LINE_SCHEDULE_SERVICE_DOWNTIME}|%{NAGIOS_EC_LINE_DISABLE_HOST_SVC_NOTIFICATIONS}|%{NAGIOS_EC_LINE_ENABLE_HOST_SVC_NOTIFICATIONS}|%{NAGIOS_EC_LINE_DISABLE_HOST_NOTIFICATIONS}|%{NAGIOS_EC_LINE_ENABLE_HOST_NOTIFICATIONS}|%{NAGIOS_EC_LINE_DISABLE_SVC_NOTIFICATIONS}|%{NAGIOS_EC_LINE_ENABLE_SVC_NOTIFICATIONS})$g$,
   null);

-- HAProxy HTTP and TCP logs (after a syslog header):
-- client:port [accept date] frontend backend/server Tq/Tw/Tc/Tr/Tt status bytes req_cookie res_cookie
-- termination_state actconn/feconn/beconn/srvconn/retries srv_queue/backend_queue [{req headers} [{res headers}]] "request"
insert into grok_library values
  ('HAPROXYTIME',
   $g$(?<![0-9])%{HOUR:haproxy_hour}:%{MINUTE:haproxy_minute}(?::%{SECOND:haproxy_second})(?![0-9])$g$,
   $g$(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])$g$),
  ('HAPROXYDATE',
   $g$%{MONTHDAY:haproxy_monthday}/%{MONTH:haproxy_month}/%{YEAR:haproxy_year}:%{HAPROXYTIME:haproxy_time}\.%{INT:haproxy_milliseconds}$g$,
   $g$%{MONTHDAY}/%{MONTH}/%{YEAR}:%{HAPROXYTIME}\.%{INT}$g$),
  ('HAPROXYCAPTUREDREQUESTHEADERS', $g$(?<captured_request_headers>[^}]*)$g$, $g$(?<[haproxy][http][request][captured_headers]>[^}]*)$g$),
  ('HAPROXYCAPTUREDRESPONSEHEADERS', $g$(?<captured_response_headers>[^}]*)$g$, $g$(?<[haproxy][http][response][captured_headers]>[^}]*)$g$),
  ('HAPROXYURI',
   $g$(?:%{URIPROTO:http_proto}://)?(?:%{USER:http_user}(?::[^@]*)?@)?(?:%{URIHOST:http_host})?(?:%{URIPATHPARAM:http_request})?$g$,
   $g$(?:%{URIPROTO:[url][scheme]}://)?(?:%{USER:[url][username]}(?::[^@]*)?@)?(?:%{IPORHOST:[url][domain]}(?::%{POSINT:[url][port]:int})?)?(?:%{URIPATH:[url][path]}(?:\?%{URIQUERY:[url][query]})?)?$g$),
  ('HAPROXYHTTPREQUESTLINE',
   $g$(?:<BADREQ>|%{WORD:http_verb} %{HAPROXYURI}(?: HTTP/%{NUMBER:http_version})?)$g$,
   $g$(?:<BADREQ>|%{WORD:[http][request][method]} %{HAPROXYURI:[url][original]}(?: HTTP/%{NUMBER:[http][version]})?)$g$),
  ('HAPROXYHTTPBASE',
   $g$%{IP:client_ip}:%{INT:client_port} \[%{HAPROXYDATE:accept_date}\] %{NOTSPACE:frontend_name} %{NOTSPACE:backend_name}/%{NOTSPACE:server_name} %{INT:time_request}/%{INT:time_queue}/%{INT:time_backend_connect}/%{INT:time_backend_response}/%{NOTSPACE:time_duration} %{INT:http_status_code} %{NOTSPACE:bytes_read} %{NOTSPACE:captured_request_cookie} %{NOTSPACE:captured_response_cookie} %{NOTSPACE:termination_state} %{INT:actconn}/%{INT:feconn}/%{INT:beconn}/%{INT:srvconn}/%{NOTSPACE:retries} %{INT:srv_queue}/%{INT:backend_queue}(?: \{%{HAPROXYCAPTUREDREQUESTHEADERS}\}(?: \{%{HAPROXYCAPTUREDRESPONSEHEADERS}\})?)?(?: "%{HAPROXYHTTPREQUESTLINE}"?)?$g$,
   $g$%{IP:[source][address]}:%{INT:[source][port]:int} \[%{HAPROXYDATE:[haproxy][request_date]}\] %{NOTSPACE:[haproxy][frontend_name]} %{NOTSPACE:[haproxy][backend_name]}/(?:<NOSRV>|%{NOTSPACE:[haproxy][server_name]}) (?:-1|%{INT:[haproxy][http][request][time_wait_ms]:int})/(?:-1|%{INT:[haproxy][total_waiting_time_ms]:int})/(?:-1|%{INT:[haproxy][connection_wait_time_ms]:int})/(?:-1|%{INT:[haproxy][http][request][time_wait_without_data_ms]:int})/%{NOTSPACE:[haproxy][total_time_ms]} %{INT:[http][response][status_code]:int} %{INT:[source][bytes]:int} (?:-|%{NOTSPACE:[haproxy][http][request][captured_cookie]}) (?:-|%{NOTSPACE:[haproxy][http][response][captured_cookie]}) %{NOTSPACE:[haproxy][termination_state]} %{INT:[haproxy][connections][active]:int}/%{INT:[haproxy][connections][frontend]:int}/%{INT:[haproxy][connections][backend]:int}/%{INT:[haproxy][connections][server]:int}/%{INT:[haproxy][connections][retries]:int} %{INT:[haproxy][server_queue]:int}/%{INT:[haproxy][backend_queue]:int}(?: \{%{HAPROXYCAPTUREDREQUESTHEADERS}\}(?: \{%{HAPROXYCAPTUREDRESPONSEHEADERS}\})?)?(?: "%{HAPROXYHTTPREQUESTLINE}"?)?$g$),
  ('HAPROXYHTTP',
   $g$(?:%{SYSLOGTIMESTAMP:syslog_timestamp}|%{TIMESTAMP_ISO8601:timestamp8601}) %{IPORHOST:syslog_server} %{SYSLOGPROG}: %{HAPROXYHTTPBASE}$g$,
   $g$(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp}) %{IPORHOST:[host][hostname]} %{SYSLOGPROG}: %{HAPROXYHTTPBASE}$g$),
  ('HAPROXYTCP',
   $g$(?:%{SYSLOGTIMESTAMP:syslog_timestamp}|%{TIMESTAMP_ISO8601:timestamp8601}) %{IPORHOST:syslog_server} %{SYSLOGPROG}: %{IP:client_ip}:%{INT:client_port} \[%{HAPROXYDATE:accept_date}\] %{NOTSPACE:frontend_name} %{NOTSPACE:backend_name}/%{NOTSPACE:server_name} %{INT:time_queue}/%{INT:time_backend_connect}/%{NOTSPACE:time_duration} %{NOTSPACE:bytes_read} %{NOTSPACE:termination_state} %{INT:actconn}/%{INT:feconn}/%{INT:beconn}/%{INT:srvconn}/%{NOTSPACE:retries} %{INT:srv_queue}/%{INT:backend_queue}$g$,
   $g$(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp}) %{IPORHOST:[host][hostname]} %{SYSLOGPROG}: %{IP:[source][address]}:%{INT:[source][port]:int} \[%{HAPROXYDATE:[haproxy][request_date]}\] %{NOTSPACE:[haproxy][frontend_name]} %{NOTSPACE:[haproxy][backend_name]}/(?:<NOSRV>|%{NOTSPACE:[haproxy][server_name]}) (?:-1|%{INT:[haproxy][total_waiting_time_ms]:int})/(?:-1|%{INT:[haproxy][connection_wait_time_ms]:int})/%{NOTSPACE:[haproxy][total_time_ms]} %{INT:[source][bytes]:int} %{NOTSPACE:[haproxy][termination_state]} %{INT:[haproxy][connections][active]:int}/%{INT:[haproxy][connections][frontend]:int}/%{INT:[haproxy][connections][backend]:int}/%{INT:[haproxy][connections][server]:int}/%{INT:[haproxy][connections][retries]:int} %{INT:[haproxy][server_queue]:int}/%{INT:[haproxy][backend_queue]:int}$g$);

-- AWS: classic ELB access logs, S3 server access logs, CloudFront (web distribution) access logs
insert into grok_library values
  ('ELB_URIHOST', $g$%{IPORHOST:[url][domain]}(?::%{POSINT:[url][port]:int})?$g$, null),
  ('ELB_URIPATHQUERY', $g$%{URIPATH:[url][path]}(?:\?%{URIQUERY:[url][query]})?$g$, null),
  ('ELB_URIPATHPARAM', $g$%{URIPATH:path}(?:%{URIPARAM:params})?$g$, $g$%{ELB_URIPATHQUERY}$g$),
  ('ELB_URI',
   $g$%{URIPROTO:proto}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST:urihost})?(?:%{ELB_URIPATHPARAM})?$g$,
   $g$%{URIPROTO:[url][scheme]}://(?:%{USER:[url][username]}(?::[^@]*)?@)?(?:%{ELB_URIHOST})?(?:%{ELB_URIPATHQUERY})?$g$),
  ('ELB_REQUEST_LINE',
   $g$(?:%{WORD:verb} %{ELB_URI:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})$g$,
   $g$(?:%{WORD:[http][request][method]} %{ELB_URI:[url][original]}(?: HTTP/%{NUMBER:[http][version]})?|%{DATA})$g$),
  -- time elb client:port backend:port|- request_time backend_time response_time elb_status backend_status|-
  -- received sent "request" ["user agent" ssl_cipher ssl_protocol]
  ('ELB_V1_HTTP_LOG',
   $g$%{TIMESTAMP_ISO8601:timestamp} %{NOTSPACE:elb} %{IP:clientip}:%{INT:clientport:int} (?:-|%{IP:backendip}:%{INT:backendport:int}) %{NUMBER:request_processing_time:float} %{NUMBER:backend_processing_time:float} %{NUMBER:response_processing_time:float} (?:-|%{INT:response:int}) (?:-|%{INT:backend_response:int}) %{INT:received_bytes:int} %{INT:bytes:int} "%{ELB_REQUEST_LINE}"(?: "(?:-|%{DATA:agent})" (?:-|%{NOTSPACE:ssl_cipher}) (?:-|%{NOTSPACE:ssl_protocol}))?$g$,
   $g$%{TIMESTAMP_ISO8601:timestamp} %{NOTSPACE:[aws][elb][name]} %{IP:[source][ip]}:%{INT:[source][port]:int} (?:-|%{IP:[aws][elb][backend][ip]}:%{INT:[aws][elb][backend][port]:int}) (?:-1|%{NUMBER:[aws][elb][request_processing_time][sec]:float}) (?:-1|%{NUMBER:[aws][elb][backend_processing_time][sec]:float}) (?:-1|%{NUMBER:[aws][elb][response_processing_time][sec]:float}) (?:-|%{INT:[http][response][status_code]:int}) (?:-|%{INT:[aws][elb][backend][http][response][status_code]:int}) %{INT:[http][request][body][bytes]:int} %{INT:[http][response][body][bytes]:int} "%{ELB_REQUEST_LINE}"(?: "(?:-|%{DATA:[user_agent][original]})" (?:-|%{NOTSPACE:[tls][cipher]}) (?:-|%{NOTSPACE:[aws][elb][ssl_protocol]}))?$g$),
  ('ELB_ACCESS_LOG', $g$%{ELB_V1_HTTP_LOG}$g$, null),
  ('S3_REQUEST_LINE',
   $g$(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})$g$,
   $g$(?:%{WORD:[http][request][method]} %{NOTSPACE:[url][original]}(?: HTTP/%{NUMBER:[http][version]})?|%{DATA})$g$),
  -- owner bucket [time] remote_ip requester request_id operation key "request" status error bytes object_size
  -- total_time turnaround_time "referrer" "user agent" version_id [host_id signature cipher auth host_header tls]
  ('S3_ACCESS_LOG',
   $g$%{WORD:owner} %{NOTSPACE:bucket} \[%{HTTPDATE:timestamp}\] (?:-|%{IP:clientip}) %{NOTSPACE:requester} %{NOTSPACE:request_id} %{NOTSPACE:operation} %{NOTSPACE:key} (?:-|"%{S3_REQUEST_LINE}") (?:-|%{INT:response:int}) (?:-|%{NOTSPACE:error_code}) (?:-|%{INT:bytes:int}) (?:-|%{INT:object_size:int}) (?:-|%{INT:request_time_ms:int}) (?:-|%{INT:turnaround_time_ms:int}) %{QS:referrer} %{QS:agent}(?: (?:-|%{NOTSPACE:version_id}))?$g$,
   $g$%{WORD:[aws][s3access][bucket_owner]} %{NOTSPACE:[aws][s3access][bucket]} \[%{HTTPDATE:timestamp}\] (?:-|%{IP:[client][ip]}) (?:-|%{NOTSPACE:[client][user][id]}) %{NOTSPACE:[aws][s3access][request_id]} %{NOTSPACE:[aws][s3access][operation]} (?:-|%{NOTSPACE:[aws][s3access][key]}) (?:-|"%{S3_REQUEST_LINE:[aws][s3access][request_uri]}") (?:-|%{INT:[http][response][status_code]:int}) (?:-|%{NOTSPACE:[aws][s3access][error_code]}) (?:-|%{INT:[aws][s3access][bytes_sent]:int}) (?:-|%{INT:[aws][s3access][object_size]:int}) (?:-|%{INT:[aws][s3access][total_time]:int}) (?:-|%{INT:[aws][s3access][turn_around_time]:int}) "(?:-|%{DATA:[http][request][referrer]})" "(?:-|%{DATA:[user_agent][original]})"(?: (?:-|%{NOTSPACE:[aws][s3access][version_id]})(?: (?:-|%{NOTSPACE:[aws][s3access][host_id]}) (?:-|%{NOTSPACE:[aws][s3access][signature_version]}) (?:-|%{NOTSPACE:[tls][cipher]}) (?:-|%{NOTSPACE:[aws][s3access][authentication_type]}) (?:-|%{NOTSPACE:[aws][s3access][host_header]}) (?:-|%{NOTSPACE:[aws][s3access][tls_version]}))?)?$g$),
  -- Tab-separated: date time edge_location sc_bytes client_ip method host uri_stem status referrer
  -- user_agent uri_query cookie result_type request_id host_header protocol cs_bytes time_taken
  -- forwarded_for ssl_protocol ssl_cipher response_result_type [protocol_version fle_status
  -- fle_encrypted_fields client_port time_to_first_byte detailed_result_type content_type
  -- content_length range_start range_end]
  ('CLOUDFRONT_ACCESS_LOG',
   $g$(?<timestamp>%{YEAR}-%{MONTHNUM}-%{MONTHDAY}\t%{TIME})\t(?<x_edge_location>[^\t]*)\t%{INT:sc_bytes:int}\t%{IPORHOST:clientip}\t%{WORD:cs_method}\t(?<cs_host>[^\t]*)\t(?<cs_uri_stem>[^\t]*)\t%{INT:sc_status:int}\t(?<referrer>[^\t]*)\t(?<agent>[^\t]*)\t(?<cs_uri_query>[^\t]*)\t(?<cookies>[^\t]*)\t(?<x_edge_result_type>[^\t]*)\t(?<x_edge_request_id>[^\t]*)\t(?<x_host_header>[^\t]*)\t(?<cs_protocol>[^\t]*)\t%{INT:cs_bytes:int}\t%{NUMBER:time_taken:float}\t(?<x_forwarded_for>[^\t]*)\t(?<ssl_protocol>[^\t]*)\t(?<ssl_cipher>[^\t]*)\t(?<x_edge_response_result_type>[^\t]*)$g$,
   $g$(?<timestamp>%{YEAR}-%{MONTHNUM}-%{MONTHDAY}\t%{TIME})\t%{WORD:[aws][cloudfront][x_edge_location]}\t(?:-|%{INT:[destination][bytes]:int})\t%{IPORHOST:[source][ip]}\t%{WORD:[http][request][method]}\t%{HOSTNAME:[url][domain]}\t%{NOTSPACE:[url][path]}\t(?:000|%{INT:[http][response][status_code]:int})\t(?:-|(?<[http][request][referrer]>[^\t]*))\t(?:-|(?<[user_agent][original]>[^\t]*))\t(?:-|(?<[url][query]>[^\t]*))\t(?:-|(?<[aws][cloudfront][http][request][cookie]>[^\t]*))\t%{WORD:[aws][cloudfront][x_edge_result_type]}\t%{NOTSPACE:[aws][cloudfront][x_edge_request_id]}\t%{HOSTNAME:[aws][cloudfront][http][request][host]}\t%{URIPROTO:[network][protocol]}\t(?:-|%{INT:[source][bytes]:int})\t%{NUMBER:[aws][cloudfront][time_taken]:float}\t(?:-|%{IP:[network][forwarded_ip]}|[^\t]*)\t(?:-|(?<[aws][cloudfront][ssl_protocol]>[^\t]*))\t(?:-|%{NOTSPACE:[tls][cipher]})\t%{WORD:[aws][cloudfront][x_edge_response_result_type]}(?:\t(?:-|HTTP/%{NUMBER:[http][version]})\t(?:-|(?<[aws][cloudfront][fle_status]>[^\t]*))\t(?:-|(?<[aws][cloudfront][fle_encrypted_fields]>[^\t]*))\t(?:-|%{INT:[source][port]:int})\t(?:-|%{NUMBER:[aws][cloudfront][time_to_first_byte]:float})\t(?:-|(?<[aws][cloudfront][x_edge_detailed_result_type]>[^\t]*))\t(?:-|%{NOTSPACE:[http][request][mime_type]})\t(?:-|%{INT:[aws][cloudfront][http][request][size]:int})\t(?:-|%{INT:[aws][cloudfront][http][request][range][start]:int})\t(?:-|%{INT:[aws][cloudfront][http][request][range][end]:int}))?$g$);

-- Bacula (director, storage and file daemon messages): "dd-Mon HH:MM host[ JobId N]: message"
insert into grok_library values
  ('BACULA_TIMESTAMP', $g$%{MONTHDAY}-%{MONTH} %{HOUR}:%{MINUTE}$g$, $g$%{MONTHDAY}-%{MONTH}(?:-%{YEAR})? %{HOUR}:%{MINUTE}$g$),
  ('BACULA_HOST', $g$[a-zA-Z0-9-]+$g$, $g$%{HOSTNAME}$g$),
  ('BACULA_VOLUME', $g$%{USER}$g$, null),
  ('BACULA_DEVICE', $g$%{USER}$g$, null),
  ('BACULA_DEVICEPATH', $g$%{UNIXPATH}$g$, null),
  ('BACULA_CAPACITY', $g$[0-9]{1,3}(?:,[0-9]{3})*$g$, null),
  ('BACULA_VERSION', $g$%{USER}$g$, null),
  ('BACULA_JOB', $g$%{USER}$g$, null),
  ('BACULA_LOG_MAX_CAPACITY',
   $g$User defined maximum volume capacity %{BACULA_CAPACITY} exceeded on device "%{BACULA_DEVICE:device}" \(%{BACULA_DEVICEPATH}\)\.?$g$,
   $g$User defined maximum volume capacity %{BACULA_CAPACITY:[bacula][volume][max_capacity]} exceeded on device "%{BACULA_DEVICE:[bacula][volume][device]}" \(%{BACULA_DEVICEPATH:[bacula][volume][path]}\)\.?$g$),
  ('BACULA_LOG_END_VOLUME',
   $g$End of medium on Volume "%{BACULA_VOLUME:volume}" Bytes=%{BACULA_CAPACITY} Blocks=%{BACULA_CAPACITY} at %{MONTHDAY}-%{MONTH}-%{YEAR} %{HOUR}:%{MINUTE}\.$g$,
   $g$End of medium on Volume "%{BACULA_VOLUME:[bacula][volume][name]}" Bytes=%{BACULA_CAPACITY:[bacula][volume][bytes]} Blocks=%{BACULA_CAPACITY:[bacula][volume][blocks]} at %{BACULA_TIMESTAMP:[bacula][timestamp]}\.$g$),
  ('BACULA_LOG_NEW_VOLUME',
   $g$Created new Volume(?: |=)"%{BACULA_VOLUME:volume}"[^.]*? in catalog\.?$g$,
   $g$Created new Volume(?: |=)"%{BACULA_VOLUME:[bacula][volume][name]}"[^.]*? in catalog\.?$g$),
  ('BACULA_LOG_NEW_LABEL',
   $g$Labeled new Volume "%{BACULA_VOLUME:volume}" on (?:file )?device "%{BACULA_DEVICE:device}" \(%{BACULA_DEVICEPATH}\)\.?$g$,
   $g$Labeled new Volume "%{BACULA_VOLUME:[bacula][volume][name]}" on (?:file )?device "%{BACULA_DEVICE:[bacula][volume][device]}" \(%{BACULA_DEVICEPATH:[bacula][volume][path]}\)\.?$g$),
  ('BACULA_LOG_WROTE_LABEL',
   $g$Wrote label to prelabeled Volume "%{BACULA_VOLUME:volume}" on (?:file )?device "%{BACULA_DEVICE}" \(%{BACULA_DEVICEPATH}\)\.?$g$,
   $g$Wrote label to prelabeled Volume "%{BACULA_VOLUME:[bacula][volume][name]}" on (?:file )?device "%{BACULA_DEVICE:[bacula][volume][device]}" \(%{BACULA_DEVICEPATH:[bacula][volume][path]}\)\.?$g$),
  ('BACULA_LOG_NEW_MOUNT',
   $g$New volume "%{BACULA_VOLUME:volume}" mounted on device "%{BACULA_DEVICE:device}" \(%{BACULA_DEVICEPATH}\) at %{MONTHDAY}-%{MONTH}-%{YEAR} %{HOUR}:%{MINUTE}\.$g$,
   $g$New volume "%{BACULA_VOLUME:[bacula][volume][name]}" mounted on device "%{BACULA_DEVICE:[bacula][volume][device]}" \(%{BACULA_DEVICEPATH:[bacula][volume][path]}\) at %{BACULA_TIMESTAMP:[bacula][timestamp]}\.$g$),
  ('BACULA_LOG_NOOPEN',
   $g$\s*Cannot open (?:file )?"?[^"]*?"?: ERR=%{GREEDYDATA:berror}$g$,
   $g$\s*Cannot open (?:file )?"?[^"]*?"?: ERR=%{GREEDYDATA:[error][message]}$g$),
  ('BACULA_LOG_NOOPENDIR',
   $g$\s*Could not open directory "?[^"]*?"?: ERR=%{GREEDYDATA:berror}$g$,
   $g$\s*Could not open directory "?(?<[file][path]>[^"]*?)"?: ERR=%{GREEDYDATA:[error][message]}$g$),
  ('BACULA_LOG_NOSTAT',
   $g$\s*Could not stat "?[^"]*?"?: ERR=%{GREEDYDATA:berror}$g$,
   $g$\s*Could not stat "?(?<[file][path]>[^"]*?)"?: ERR=%{GREEDYDATA:[error][message]}$g$),
  ('BACULA_LOG_NOJOBS',
   $g$There are no more Jobs associated with Volume "%{BACULA_VOLUME:volume}"\. Marking it purged\.$g$,
   $g$There are no more Jobs associated with Volume "%{BACULA_VOLUME:[bacula][volume][name]}"\. Marking it purged\.$g$),
  ('BACULA_LOG_ALL_RECORDS_PRUNED',
   $g$All records pruned from Volume "%{BACULA_VOLUME:volume}"; marking it "Purged"$g$,
   $g$All records pruned from Volume "%{BACULA_VOLUME:[bacula][volume][name]}"; marking it "Purged"$g$),
  ('BACULA_LOG_BEGIN_PRUNE_JOBS', $g$Begin pruning Jobs older than (?:%{INT} months?)? ?(?:%{INT} days?)? ?\.$g$, null),
  ('BACULA_LOG_BEGIN_PRUNE_FILES', $g$Begin pruning Files\.$g$, null),
  ('BACULA_LOG_PRUNED_JOBS',
   $g$Pruned %{INT} Jobs? for client %{BACULA_HOST:client} from catalog\.$g$,
   $g$Pruned %{INT} Jobs? for client %{BACULA_HOST:[bacula][client][name]} from catalog\.$g$),
  ('BACULA_LOG_PRUNED_FILES',
   $g$Pruned Files from %{INT} Jobs? for client %{BACULA_HOST:client} from catalog\.$g$,
   $g$Pruned Files from %{INT} Jobs? for client %{BACULA_HOST:[bacula][client][name]} from catalog\.$g$),
  ('BACULA_LOG_ENDPRUNE', $g$End auto prune\.$g$, null),
  ('BACULA_LOG_STARTJOB',
   $g$Start Backup JobId %{INT}, Job=%{BACULA_JOB:job}$g$,
   $g$Start Backup JobId %{INT}, Job=%{BACULA_JOB:[bacula][job][name]}$g$),
  ('BACULA_LOG_STARTRESTORE',
   $g$Start Restore Job %{BACULA_JOB:job}$g$,
   $g$Start Restore Job %{BACULA_JOB:[bacula][job][name]}$g$),
  ('BACULA_LOG_USEDEVICE',
   $g$Using Device "%{BACULA_DEVICE:device}"$g$,
   $g$Using Device "%{BACULA_DEVICE:[bacula][volume][device]}"$g$),
  ('BACULA_LOG_DIFF_FS', $g$\s*%{UNIXPATH} is a different filesystem\. Will not descend from %{UNIXPATH} into it\.$g$, null),
  ('BACULA_LOG_JOBEND',
   $g$Job write elapsed time = (?<elapsed>[^,]*), Transfer rate = %{NUMBER} (?:[KMG] )?Bytes/second$g$,
   $g$Job write elapsed time = (?<[bacula][job][elapsed_time]>[^,]*), Transfer rate = %{NUMBER} (?:[KMG] )?Bytes/second$g$),
  ('BACULA_LOG_NOPRUNE_JOBS', $g$No Jobs found to prune\.$g$, null),
  ('BACULA_LOG_NOPRUNE_FILES', $g$No Files found to prune\.$g$, null),
  ('BACULA_LOG_VOLUME_PREVWRITTEN',
   $g$Volume "?%{BACULA_VOLUME:volume}"? previously written, moving to end of data\.$g$,
   $g$Volume "?%{BACULA_VOLUME:[bacula][volume][name]}"? previously written, moving to end of data\.$g$),
  ('BACULA_LOG_READYAPPEND',
   $g$Ready to append to end of Volume "%{BACULA_VOLUME:volume}" size=%{INT}$g$,
   $g$Ready to append to end of Volume "%{BACULA_VOLUME:[bacula][volume][name]}" size=%{INT:[bacula][volume][size]:int}$g$),
  ('BACULA_LOG_CANCELLING',
   $g$Cancelling duplicate JobId=%{INT}\.$g$,
   $g$Cancelling duplicate JobId=%{INT:[bacula][job][other_id]}\.$g$),
  ('BACULA_LOG_MARKCANCEL',
   $g$JobId %{INT}, Job %{BACULA_JOB:job} marked to be canceled\.$g$,
   $g$JobId %{INT:[bacula][job][id]}, Job %{BACULA_JOB:[bacula][job][name]} marked to be canceled\.$g$),
  ('BACULA_LOG_CLIENT_RBJ',
   $g$shell command: run ClientRunBeforeJob "%{GREEDYDATA:runjob}"$g$,
   $g$shell command: run ClientRunBeforeJob "%{GREEDYDATA:[bacula][job][client_run_before_command]}"$g$),
  ('BACULA_LOG_VSS', $g$(?:Generate )?VSS (?:Writer|snapshots)?$g$, null),
  ('BACULA_LOG_MAXSTART', $g$Fatal [Ee]rror: Job canceled because max start delay time exceeded\.$g$, null),
  ('BACULA_LOG_DUPLICATE',
   $g$Fatal [Ee]rror: JobId %{INT:duplicate} already running\. Duplicate job not allowed\.$g$,
   $g$Fatal [Ee]rror: JobId %{INT:[bacula][job][other_id]} already running\. Duplicate job not allowed\.$g$),
  ('BACULA_LOG_NOJOBSTAT', $g$Fatal [Ee]rror: No Job status returned from FD\.$g$, null),
  ('BACULA_LOG_FATAL_CONN',
   $g$Fatal [Ee]rror: bsock\.c:[0-9]+ Unable to connect to (?:Client|Storage daemon): %{BACULA_HOST:client} on %{HOSTNAME}:%{POSINT}\. ERR=%{GREEDYDATA:berror}$g$,
   $g$Fatal [Ee]rror: bsock\.c:[0-9]+ Unable to connect to (?:Client|Storage daemon): %{BACULA_HOST:[bacula][client][name]} on %{IPORHOST:[client][address]}:%{POSINT:[client][port]:int}\. ERR=%{GREEDYDATA:[error][message]}$g$),
  ('BACULA_LOG_NO_CONNECT',
   $g$Warning: bsock\.c:[0-9]+ Could not connect to (?:Client|Storage daemon): %{BACULA_HOST:client} on %{HOSTNAME}:%{POSINT}\. ERR=%{GREEDYDATA:berror}$g$,
   $g$Warning: bsock\.c:[0-9]+ Could not connect to (?:Client|Storage daemon): %{BACULA_HOST:[bacula][client][name]} on %{IPORHOST:[client][address]}:%{POSINT:[client][port]:int}\. ERR=%{GREEDYDATA:[error][message]}$g$),
  ('BACULA_LOG_NO_AUTH',
   $g$Fatal [Ee]rror: Unable to authenticate with File daemon at "?[^"]*?"?\. Possible causes:$g$,
   $g$Fatal [Ee]rror: Unable to authenticate with File daemon at "?%{IPORHOST:[client][address]}(?::%{POSINT:[client][port]:int})?"?\. Possible causes:$g$),
  ('BACULA_LOG_NOSUIT', $g$No prior or suitable Full backup found in catalog\. Doing FULL backup\.$g$, null),
  ('BACULA_LOG_NOPRIOR', $g$No prior Full backup Job record found\.$g$, null),
  ('BACULA_LOG_JOB', $g$(?:Error: )?Bacula %{BACULA_HOST} %{BACULA_VERSION} \(%{BACULA_VERSION}\):$g$, null),
  ('BACULA_LOG',
   $g$%{BACULA_TIMESTAMP:bts} %{BACULA_HOST:hostname}(?: JobId %{INT:jobid})?:?\s+(?:%{BACULA_LOG_MAX_CAPACITY}|%{BACULA_LOG_END_VOLUME}|%{BACULA_LOG_NEW_VOLUME}|%{BACULA_LOG_NEW_LABEL}|%{BACULA_LOG_WROTE_LABEL}|%{BACULA_LOG_NEW_MOUNT}|%{BACULA_LOG_NOOPEN}|%{BACULA_LOG_NOOPENDIR}|%{BACULA_LOG_NOSTAT}|%{BACULA_LOG_NOJOBS}|%{BACULA_LOG_ALL_RECORDS_PRUNED}|%{BACULA_LOG_BEGIN_PRUNE_JOBS}|%{BACULA_LOG_BEGIN_PRUNE_FILES}|%{BACULA_LOG_PRUNED_JOBS}|%{BACULA_LOG_PRUNED_FILES}|%{BACULA_LOG_ENDPRUNE}|%{BACULA_LOG_STARTJOB}|%{BACULA_LOG_STARTRESTORE}|%{BACULA_LOG_USEDEVICE}|%{BACULA_LOG_DIFF_FS}|%{BACULA_LOG_JOBEND}|%{BACULA_LOG_NOPRUNE_JOBS}|%{BACULA_LOG_NOPRUNE_FILES}|%{BACULA_LOG_VOLUME_PREVWRITTEN}|%{BACULA_LOG_READYAPPEND}|%{BACULA_LOG_CANCELLING}|%{BACULA_LOG_MARKCANCEL}|%{BACULA_LOG_CLIENT_RBJ}|%{BACULA_LOG_VSS}|%{BACULA_LOG_MAXSTART}|%{BACULA_LOG_DUPLICATE}|%{BACULA_LOG_NOJOBSTAT}|%{BACULA_LOG_FATAL_CONN}|%{BACULA_LOG_NO_CONNECT}|%{BACULA_LOG_NO_AUTH}|%{BACULA_LOG_NOSUIT}|%{BACULA_LOG_JOB}|%{BACULA_LOG_NOPRIOR})$g$,
   $g$%{BACULA_TIMESTAMP:timestamp} %{BACULA_HOST:[host][hostname]}(?: JobId %{INT:[bacula][job][id]})?:?\s+(?:%{BACULA_LOG_MAX_CAPACITY}|%{BACULA_LOG_END_VOLUME}|%{BACULA_LOG_NEW_VOLUME}|%{BACULA_LOG_NEW_LABEL}|%{BACULA_LOG_WROTE_LABEL}|%{BACULA_LOG_NEW_MOUNT}|%{BACULA_LOG_NOOPEN}|%{BACULA_LOG_NOOPENDIR}|%{BACULA_LOG_NOSTAT}|%{BACULA_LOG_NOJOBS}|%{BACULA_LOG_ALL_RECORDS_PRUNED}|%{BACULA_LOG_BEGIN_PRUNE_JOBS}|%{BACULA_LOG_BEGIN_PRUNE_FILES}|%{BACULA_LOG_PRUNED_JOBS}|%{BACULA_LOG_PRUNED_FILES}|%{BACULA_LOG_ENDPRUNE}|%{BACULA_LOG_STARTJOB}|%{BACULA_LOG_STARTRESTORE}|%{BACULA_LOG_USEDEVICE}|%{BACULA_LOG_DIFF_FS}|%{BACULA_LOG_JOBEND}|%{BACULA_LOG_NOPRUNE_JOBS}|%{BACULA_LOG_NOPRUNE_FILES}|%{BACULA_LOG_VOLUME_PREVWRITTEN}|%{BACULA_LOG_READYAPPEND}|%{BACULA_LOG_CANCELLING}|%{BACULA_LOG_MARKCANCEL}|%{BACULA_LOG_CLIENT_RBJ}|%{BACULA_LOG_VSS}|%{BACULA_LOG_MAXSTART}|%{BACULA_LOG_DUPLICATE}|%{BACULA_LOG_NOJOBSTAT}|%{BACULA_LOG_FATAL_CONN}|%{BACULA_LOG_NO_CONNECT}|%{BACULA_LOG_NO_AUTH}|%{BACULA_LOG_NOSUIT}|%{BACULA_LOG_JOB}|%{BACULA_LOG_NOPRIOR})$g$),
  ('BACULA_LOGLINE', $g$%{BACULA_LOG}$g$, null);

-- Exim main log, message arrival lines: date [pid] id <= sender H=... I=... P=... S=... id=... T="..." [from <...>] [for rcpt]
-- Named fields come in Exim's order, each optional and preceded by any unrecognised ones (a
-- repeated alternation of fields would keep only the last iteration's captures in PostgreSQL).
insert into grok_library values
  ('EXIM_MSGID', $g$[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}$g$, null),
  ('EXIM_FLAGS', $g$(?:<=|=>|->|\*>|\*\*|==|<>|>>)$g$, null),
  ('EXIM_DATE',
   $g$%{YEAR:exim_year}-%{MONTHNUM:exim_month}-%{MONTHDAY:exim_day} %{TIME:exim_time}$g$,
   $g$%{YEAR}-%{MONTHNUM}-%{MONTHDAY} %{TIME}$g$),
  ('EXIM_PID', $g$\[%{POSINT:pid}\]$g$, $g$\[%{POSINT:[process][pid]:int}\]$g$),
  ('EXIM_QT', $g$(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?$g$, null),
  ('EXIM_EXCLUDE_TERMS', $g$(?:Message is frozen|(?:Start|End) queue run| Warning: | retry time not reached | no (?:IP address|host name) found for (?:IP address|host) | unexpected disconnection while reading SMTP command | no immediate delivery: |another process is handling this message)$g$, null),
  ('EXIM_REMOTE_HOST',
   $g$H=(?:%{NOTSPACE:remote_hostname} )?(?:\(%{NOTSPACE:remote_heloname}\) )?\[%{IP:remote_host}\](?::%{POSINT:remote_port})?$g$,
   $g$H=(?:%{NOTSPACE:[source][address]} )?(?:\(%{NOTSPACE:[exim][log][remote_address]}\) )?\[%{IP:[source][ip]}\](?::%{POSINT:[source][port]:int})?$g$),
  ('EXIM_INTERFACE',
   $g$I=\[%{IP:exim_interface}\](?::%{NUMBER:exim_interface_port})?$g$,
   $g$I=\[%{IP:[destination][ip]}\](?::%{NUMBER:[destination][port]:int})?$g$),
  ('EXIM_PROTOCOL', $g$P=%{NOTSPACE:protocol}$g$, $g$P=%{NOTSPACE:[network][protocol]}$g$),
  ('EXIM_MSG_SIZE', $g$S=%{NUMBER:exim_msg_size}$g$, $g$S=%{NUMBER:[exim][log][message][size]:int}$g$),
  ('EXIM_HEADER_ID', $g$id=%{NOTSPACE:exim_header_id}$g$, $g$id=%{NOTSPACE:[exim][log][header_id]}$g$),
  ('EXIM_QUOTED_CONTENT', $g$(?:\\.|[^\\"])*$g$, null),
  ('EXIM_SUBJECT', $g$T=%{QS:exim_subject}$g$, $g$T="%{EXIM_QUOTED_CONTENT:[exim][log][message][subject]}"$g$),
  ('EXIM_UNKNOWN_FIELD', $g$[A-Za-z0-9]{1,4}=(?:%{QUOTEDSTRING}|%{NOTSPACE})$g$, null),
  ('EXIM_NAMED_FIELDS',
   $g$(?:(?: %{EXIM_UNKNOWN_FIELD})*? %{EXIM_REMOTE_HOST})?(?:(?: %{EXIM_UNKNOWN_FIELD})*? %{EXIM_INTERFACE})?(?:(?: %{EXIM_UNKNOWN_FIELD})*? %{EXIM_PROTOCOL})?(?:(?: %{EXIM_UNKNOWN_FIELD})*? %{EXIM_MSG_SIZE})?(?:(?: %{EXIM_UNKNOWN_FIELD})*? %{EXIM_HEADER_ID})?(?:(?: %{EXIM_UNKNOWN_FIELD})*? %{EXIM_SUBJECT})?(?: %{EXIM_UNKNOWN_FIELD})*$g$,
   null),
  ('EXIM_MESSAGE_ARRIVAL',
   $g$%{EXIM_DATE:timestamp} (?:%{EXIM_PID} )?%{EXIM_MSGID:exim_msgid} (?<exim_flags><=) (?:<>|%{EMAILADDRESS:exim_sender_email})%{EXIM_NAMED_FIELDS}(?: from <?[^\s>]*>?)?(?: for %{EMAILADDRESS:exim_recipient_email})?$g$,
   $g$%{EXIM_DATE:timestamp} (?:%{EXIM_PID} )?%{EXIM_MSGID:[exim][log][message][id]} (?<[exim][log][flags]><=) (?:<>|%{EMAILADDRESS:[exim][log][sender][email]})%{EXIM_NAMED_FIELDS}(?: from <?(?<[exim][log][sender][original]>[^\s>]*)>?)?(?: for %{EMAILADDRESS:[exim][log][recipient][email]})?$g$),
  ('EXIM', $g$%{EXIM_MESSAGE_ARRIVAL}$g$, null);

-- Bro/Zeek TSV logs (http, dns, conn, files). The BRO_* patterns read Bro 2.x columns, ZEEK_* the
-- Zeek 3+ columns; ZEEK_* have ECS names only (in both namings). "-" (unset) gives no field in ECS.
insert into grok_library values
  ('BRO_BOOL',
   $g$[TF]$g$,
   null),
  ('BRO_DATA',
   $g$[^\t]+$g$,
   null),
  ('ZEEK_BOOL',
   $g$[TF]$g$,
   null),
  ('ZEEK_DATA',
   $g$[^\t]+$g$,
   null),
  ('BRO_HTTP',
   $g$%{NUMBER:ts}\t%{NOTSPACE:uid}\t%{IP:orig_h}\t%{INT:orig_p}\t%{IP:resp_h}\t%{INT:resp_p}\t%{INT:trans_depth}\t(?<method>[^\t]*)\t(?<domain>[^\t]*)\t(?<uri>[^\t]*)\t(?<referrer>[^\t]*)\t(?<user_agent>[^\t]*)\t%{NUMBER:request_body_len}\t%{NUMBER:response_body_len}\t(?<status_code>[^\t]*)\t(?<status_msg>[^\t]*)\t(?<info_code>[^\t]*)\t(?<info_msg>[^\t]*)\t(?<filename>[^\t]*)\t(?<bro_tags>[^\t]*)\t(?<username>[^\t]*)\t(?<password>[^\t]*)\t(?<proxied>[^\t]*)\t(?<orig_fuids>[^\t]*)\t(?<orig_mime_types>[^\t]*)\t(?<resp_fuids>[^\t]*)\t(?<resp_mime_types>[^\t]*)$g$,
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][session_id]}\t%{IP:[source][ip]}\t%{INT:[source][port]:int}\t%{IP:[destination][ip]}\t%{INT:[destination][port]:int}\t%{INT:[zeek][http][trans_depth]:int}\t(?:-|%{WORD:[http][request][method]})\t(?:-|%{BRO_DATA:[url][domain]})\t(?:-|%{BRO_DATA:[url][original]})\t(?:-|%{BRO_DATA:[http][request][referrer]})\t(?:-|%{BRO_DATA:[user_agent][original]})\t(?:-|%{NUMBER:[http][request][body][bytes]:int})\t(?:-|%{NUMBER:[http][response][body][bytes]:int})\t(?:-|%{POSINT:[http][response][status_code]:int})\t(?:-|%{BRO_DATA:[zeek][http][status_msg]})\t(?:-|%{POSINT:[zeek][http][info_code]:int})\t(?:-|%{BRO_DATA:[zeek][http][info_msg]})\t(?:-|%{BRO_DATA:[zeek][http][filename]})\t(?:-|%{BRO_DATA:[zeek][http][tags]})\t(?:-|%{BRO_DATA:[url][username]})\t(?:-|%{BRO_DATA:[url][password]})\t(?:-|%{BRO_DATA:[zeek][http][proxied]})\t(?:-|%{BRO_DATA:[zeek][http][orig_fuids]})\t(?:-|%{BRO_DATA:[http][request][mime_type]})\t(?:-|%{BRO_DATA:[zeek][http][resp_fuids]})\t(?:-|%{BRO_DATA:[http][response][mime_type]})$g$),
  ('ZEEK_HTTP',
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][session_id]}\t%{IP:[source][ip]}\t%{INT:[source][port]:int}\t%{IP:[destination][ip]}\t%{INT:[destination][port]:int}\t%{INT:[zeek][http][trans_depth]:int}\t(?:-|%{WORD:[http][request][method]})\t(?:-|%{ZEEK_DATA:[url][domain]})\t(?:-|%{ZEEK_DATA:[url][original]})\t(?:-|%{ZEEK_DATA:[http][request][referrer]})\t(?:-|%{NUMBER:[http][version]})\t(?:-|%{ZEEK_DATA:[user_agent][original]})\t(?:-|%{ZEEK_DATA:[zeek][http][origin]})\t(?:-|%{NUMBER:[http][request][body][bytes]:int})\t(?:-|%{NUMBER:[http][response][body][bytes]:int})\t(?:-|%{POSINT:[http][response][status_code]:int})\t(?:-|%{ZEEK_DATA:[zeek][http][status_msg]})\t(?:-|%{POSINT:[zeek][http][info_code]:int})\t(?:-|%{ZEEK_DATA:[zeek][http][info_msg]})\t(?:-|%{ZEEK_DATA:[zeek][http][tags]})\t(?:-|%{ZEEK_DATA:[url][username]})\t(?:-|%{ZEEK_DATA:[url][password]})\t(?:-|%{ZEEK_DATA:[zeek][http][proxied]})\t(?:-|%{ZEEK_DATA:[zeek][http][orig_fuids]})\t(?:-|%{ZEEK_DATA:[zeek][http][orig_filenames]})\t(?:-|%{ZEEK_DATA:[http][request][mime_type]})\t(?:-|%{ZEEK_DATA:[zeek][http][resp_fuids]})\t(?:-|%{ZEEK_DATA:[zeek][http][resp_filenames]})\t(?:-|%{ZEEK_DATA:[http][response][mime_type]})$g$,
   null),
  ('BRO_DNS',
   $g$%{NUMBER:ts}\t%{NOTSPACE:uid}\t%{IP:orig_h}\t%{INT:orig_p}\t%{IP:resp_h}\t%{INT:resp_p}\t%{WORD:proto}\t%{INT:trans_id}\t(?<query>[^\t]*)\t(?<qclass>[^\t]*)\t(?<qclass_name>[^\t]*)\t(?<qtype>[^\t]*)\t(?<qtype_name>[^\t]*)\t(?<rcode>[^\t]*)\t(?<rcode_name>[^\t]*)\t(?<AA>[^\t]*)\t(?<TC>[^\t]*)\t(?<RD>[^\t]*)\t(?<RA>[^\t]*)\t(?<Z>[^\t]*)\t(?<answers>[^\t]*)\t(?<TTLs>[^\t]*)\t(?<rejected>[^\t]*)$g$,
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][session_id]}\t%{IP:[source][ip]}\t%{INT:[source][port]:int}\t%{IP:[destination][ip]}\t%{INT:[destination][port]:int}\t%{WORD:[network][transport]}\t(?:-|%{INT:[dns][id]:int})\t(?:-|%{BRO_DATA:[dns][question][name]})\t(?:-|%{INT:[zeek][dns][qclass]:int})\t(?:-|%{BRO_DATA:[zeek][dns][qclass_name]})\t(?:-|%{INT:[zeek][dns][qtype]:int})\t(?:-|%{BRO_DATA:[dns][question][type]})\t(?:-|%{INT:[zeek][dns][rcode]:int})\t(?:-|%{BRO_DATA:[dns][response_code]})\t(?:-|%{BRO_BOOL:[zeek][dns][AA]})\t(?:-|%{BRO_BOOL:[zeek][dns][TC]})\t(?:-|%{BRO_BOOL:[zeek][dns][RD]})\t(?:-|%{BRO_BOOL:[zeek][dns][RA]})\t%{NONNEGINT:[zeek][dns][Z]:int}\t(?:-|%{BRO_DATA:[zeek][dns][answers]})\t(?:-|%{BRO_DATA:[zeek][dns][TTLs]})\t(?:-|%{BRO_BOOL:[zeek][dns][rejected]})$g$),
  ('ZEEK_DNS',
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][session_id]}\t%{IP:[source][ip]}\t%{INT:[source][port]:int}\t%{IP:[destination][ip]}\t%{INT:[destination][port]:int}\t%{WORD:[network][transport]}\t(?:-|%{INT:[dns][id]:int})\t(?:-|%{NUMBER:[zeek][dns][rtt]:float})\t(?:-|%{ZEEK_DATA:[dns][question][name]})\t(?:-|%{INT:[zeek][dns][qclass]:int})\t(?:-|%{ZEEK_DATA:[zeek][dns][qclass_name]})\t(?:-|%{INT:[zeek][dns][qtype]:int})\t(?:-|%{ZEEK_DATA:[dns][question][type]})\t(?:-|%{INT:[zeek][dns][rcode]:int})\t(?:-|%{ZEEK_DATA:[dns][response_code]})\t(?:-|%{ZEEK_BOOL:[zeek][dns][AA]})\t(?:-|%{ZEEK_BOOL:[zeek][dns][TC]})\t(?:-|%{ZEEK_BOOL:[zeek][dns][RD]})\t(?:-|%{ZEEK_BOOL:[zeek][dns][RA]})\t%{NONNEGINT:[zeek][dns][Z]:int}\t(?:-|%{ZEEK_DATA:[zeek][dns][answers]})\t(?:-|%{ZEEK_DATA:[zeek][dns][TTLs]})\t(?:-|%{ZEEK_BOOL:[zeek][dns][rejected]})$g$,
   null),
  ('BRO_CONN',
   $g$%{NUMBER:ts}\t%{NOTSPACE:uid}\t%{IP:orig_h}\t%{INT:orig_p}\t%{IP:resp_h}\t%{INT:resp_p}\t%{WORD:proto}\t(?<service>[^\t]*)\t(?<duration>[^\t]*)\t(?<orig_bytes>[^\t]*)\t(?<resp_bytes>[^\t]*)\t(?<conn_state>[^\t]*)\t(?<local_orig>[^\t]*)(?:\t[^\t]*)?\t(?<missed_bytes>[^\t]*)\t(?<history>[^\t]*)\t(?<orig_pkts>[^\t]*)\t(?<orig_ip_bytes>[^\t]*)\t(?<resp_pkts>[^\t]*)\t(?<resp_ip_bytes>[^\t]*)\t(?<tunnel_parents>[^\t]*)$g$,
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][session_id]}\t%{IP:[source][ip]}\t%{INT:[source][port]:int}\t%{IP:[destination][ip]}\t%{INT:[destination][port]:int}\t%{WORD:[network][transport]}\t(?:-|%{BRO_DATA:[network][protocol]})\t(?:-|%{NUMBER:[zeek][connection][duration]:float})\t(?:-|%{INT:[zeek][connection][orig_bytes]:int})\t(?:-|%{INT:[zeek][connection][resp_bytes]:int})\t(?:-|%{BRO_DATA:[zeek][connection][state]})\t(?:-|%{BRO_BOOL:[zeek][connection][local_orig]})(?:\t(?:-|%{BRO_BOOL:[zeek][connection][local_resp]}))?\t(?:-|%{INT:[zeek][connection][missed_bytes]:int})\t(?:-|%{BRO_DATA:[zeek][connection][history]})\t(?:-|%{INT:[source][packets]:int})\t(?:-|%{INT:[source][bytes]:int})\t(?:-|%{INT:[destination][packets]:int})\t(?:-|%{INT:[destination][bytes]:int})\t(?:-|%{BRO_DATA:[zeek][connection][tunnel_parents]})$g$),
  ('ZEEK_CONN',
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][session_id]}\t%{IP:[source][ip]}\t%{INT:[source][port]:int}\t%{IP:[destination][ip]}\t%{INT:[destination][port]:int}\t%{WORD:[network][transport]}\t(?:-|%{ZEEK_DATA:[network][protocol]})\t(?:-|%{NUMBER:[zeek][connection][duration]:float})\t(?:-|%{INT:[zeek][connection][orig_bytes]:int})\t(?:-|%{INT:[zeek][connection][resp_bytes]:int})\t(?:-|%{ZEEK_DATA:[zeek][connection][state]})\t(?:-|%{ZEEK_BOOL:[zeek][connection][local_orig]})\t(?:-|%{ZEEK_BOOL:[zeek][connection][local_resp]})\t(?:-|%{INT:[zeek][connection][missed_bytes]:int})\t(?:-|%{ZEEK_DATA:[zeek][connection][history]})\t(?:-|%{INT:[source][packets]:int})\t(?:-|%{INT:[source][bytes]:int})\t(?:-|%{INT:[destination][packets]:int})\t(?:-|%{INT:[destination][bytes]:int})\t(?:-|%{ZEEK_DATA:[zeek][connection][tunnel_parents]})(?:\t(?:-|%{COMMONMAC:[source][mac]})\t(?:-|%{COMMONMAC:[destination][mac]}))?$g$,
   null),
  ('BRO_FILES',
   $g$%{NUMBER:ts}\t%{NOTSPACE:fuid}\t%{IP:tx_hosts}\t%{IP:rx_hosts}\t%{NOTSPACE:conn_uids}\t(?<source>[^\t]*)\t(?<depth>[^\t]*)\t(?<analyzers>[^\t]*)\t(?<mime_type>[^\t]*)\t(?<filename>[^\t]*)\t(?<duration>[^\t]*)\t(?<local_orig>[^\t]*)\t(?<is_orig>[^\t]*)\t(?<seen_bytes>[^\t]*)\t(?<total_bytes>[^\t]*)\t(?<missing_bytes>[^\t]*)\t(?<overflow_bytes>[^\t]*)\t(?<timedout>[^\t]*)\t(?<parent_fuid>[^\t]*)\t(?<md5>[^\t]*)\t(?<sha1>[^\t]*)\t(?<sha256>[^\t]*)\t(?<extracted>[^\t]*)$g$,
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][files][fuid]}\t(?:-|%{IP:[server][ip]})\t(?:-|%{IP:[client][ip]})\t(?:-|%{BRO_DATA:[zeek][files][session_ids]})\t(?:-|%{BRO_DATA:[zeek][files][source]})\t(?:-|%{INT:[zeek][files][depth]:int})\t(?:-|%{BRO_DATA:[zeek][files][analyzers]})\t(?:-|%{BRO_DATA:[file][mime_type]})\t(?:-|%{BRO_DATA:[file][name]})\t(?:-|%{NUMBER:[zeek][files][duration]:float})\t(?:-|%{BRO_DATA:[zeek][files][local_orig]})\t(?:-|%{BRO_BOOL:[zeek][files][is_orig]})\t(?:-|%{INT:[zeek][files][seen_bytes]:int})\t(?:-|%{INT:[file][size]:int})\t(?:-|%{INT:[zeek][files][missing_bytes]:int})\t(?:-|%{INT:[zeek][files][overflow_bytes]:int})\t(?:-|%{BRO_BOOL:[zeek][files][timedout]})\t(?:-|%{BRO_DATA:[zeek][files][parent_fuid]})\t(?:-|%{BRO_DATA:[file][hash][md5]})\t(?:-|%{BRO_DATA:[file][hash][sha1]})\t(?:-|%{BRO_DATA:[file][hash][sha256]})\t(?:-|%{BRO_DATA:[zeek][files][extracted]})$g$),
  ('ZEEK_FILES_TX_HOSTS',
   $g$(?:%{IP:[server][ip]}|(?<[zeek][files][tx_hosts]>%{IP:[server][ip]}(?:[\s,]%{IP})+))$g$,
   null),
  ('ZEEK_FILES_RX_HOSTS',
   $g$(?:%{IP:[client][ip]}|(?<[zeek][files][rx_hosts]>%{IP:[client][ip]}(?:[\s,]%{IP})+))$g$,
   null),
  ('ZEEK_FILES',
   $g$%{NUMBER:timestamp}\t%{NOTSPACE:[zeek][files][fuid]}\t%{ZEEK_FILES_TX_HOSTS}\t%{ZEEK_FILES_RX_HOSTS}\t(?:-|%{ZEEK_DATA:[zeek][files][session_ids]})\t(?:-|%{ZEEK_DATA:[zeek][files][source]})\t(?:-|%{INT:[zeek][files][depth]:int})\t(?:-|%{ZEEK_DATA:[zeek][files][analyzers]})\t(?:-|%{ZEEK_DATA:[file][mime_type]})\t(?:-|%{ZEEK_DATA:[file][name]})\t(?:-|%{NUMBER:[zeek][files][duration]:float})\t(?:-|%{ZEEK_DATA:[zeek][files][local_orig]})\t(?:-|%{ZEEK_BOOL:[zeek][files][is_orig]})\t(?:-|%{INT:[zeek][files][seen_bytes]:int})\t(?:-|%{INT:[file][size]:int})\t(?:-|%{INT:[zeek][files][missing_bytes]:int})\t(?:-|%{INT:[zeek][files][overflow_bytes]:int})\t(?:-|%{ZEEK_BOOL:[zeek][files][timedout]})\t(?:-|%{ZEEK_DATA:[zeek][files][parent_fuid]})\t(?:-|%{ZEEK_DATA:[file][hash][md5]})\t(?:-|%{ZEEK_DATA:[file][hash][sha1]})\t(?:-|%{ZEEK_DATA:[file][hash][sha256]})\t(?:-|%{ZEEK_DATA:[zeek][files][extracted]})\t(?:-|%{ZEEK_BOOL:[zeek][files][extracted_cutoff]})\t(?:-|%{INT:[zeek][files][extracted_size]:int})$g$,
   null);

-- Juniper SRX (JunOS) RT_FLOW session logs: create, close, deny
insert into grok_library values
  ('RT_FLOW_EVENT', $g$(?:RT_FLOW_SESSION_CREATE|RT_FLOW_SESSION_CLOSE|RT_FLOW_SESSION_DENY)$g$, null),
  ('RT_FLOW_TAG', $g$%{RT_FLOW_EVENT}$g$, null),
  -- reason: src/port->dst/port service nat-src/port->nat-dst/port src-nat-rule dst-nat-rule proto policy from-zone to-zone session-id packets(bytes) packets(bytes) elapsed ...
  ('RT_FLOW1',
   $g$%{RT_FLOW_EVENT:event}: (?<close-reason>[^:]*): %{IP:src-ip}/%{INT:src-port}->%{IP:dst-ip}/%{INT:dst-port} %{NOTSPACE:service} %{IP:nat-src-ip}/%{INT:nat-src-port}->%{IP:nat-dst-ip}/%{INT:nat-dst-port} %{NOTSPACE:src-nat-rule-name} %{NOTSPACE:dst-nat-rule-name} %{INT:protocol-id} %{NOTSPACE:policy-name} %{NOTSPACE:from-zone} %{NOTSPACE:to-zone} %{INT:session-id} %{INT}\(%{INT:sent}\) %{INT}\(%{INT:received}\) %{INT:elapsed-time}(?: .*)?$g$,
   $g$%{RT_FLOW_TAG:[juniper][srx][tag]}: (?<[juniper][srx][reason]>[^:]*): %{IP:[source][ip]}/%{INT:[source][port]:int}->%{IP:[destination][ip]}/%{INT:[destination][port]:int} %{NOTSPACE:[juniper][srx][service_name]} %{IP:[source][nat][ip]}/%{INT:[source][nat][port]:int}->%{IP:[destination][nat][ip]}/%{INT:[destination][nat][port]:int} %{NOTSPACE:[juniper][srx][src_nat_rule_name]} %{NOTSPACE:[juniper][srx][dst_nat_rule_name]} %{INT:[network][iana_number]} %{NOTSPACE:[rule][name]} %{NOTSPACE:[observer][ingress][zone]} %{NOTSPACE:[observer][egress][zone]} %{INT:[juniper][srx][session_id]} %{INT}\(%{INT:[source][bytes]:int}\) %{INT}\(%{INT:[destination][bytes]:int}\) %{INT:[juniper][srx][elapsed_time]:int}(?: .*)?$g$),
  ('RT_FLOW2',
   $g$%{RT_FLOW_EVENT:event}: session created %{IP:src-ip}/%{INT:src-port}->%{IP:dst-ip}/%{INT:dst-port} %{NOTSPACE:service} %{IP:nat-src-ip}/%{INT:nat-src-port}->%{IP:nat-dst-ip}/%{INT:nat-dst-port} %{NOTSPACE:src-nat-rule-name} %{NOTSPACE:dst-nat-rule-name} %{INT:protocol-id} %{NOTSPACE:policy-name} %{NOTSPACE:from-zone} %{NOTSPACE:to-zone} %{INT:session-id}(?: .*)?$g$,
   $g$%{RT_FLOW_TAG:[juniper][srx][tag]}: session created %{IP:[source][ip]}/%{INT:[source][port]:int}->%{IP:[destination][ip]}/%{INT:[destination][port]:int} %{NOTSPACE:[juniper][srx][service_name]} %{IP:[source][nat][ip]}/%{INT:[source][nat][port]:int}->%{IP:[destination][nat][ip]}/%{INT:[destination][nat][port]:int} %{NOTSPACE:[juniper][srx][src_nat_rule_name]} %{NOTSPACE:[juniper][srx][dst_nat_rule_name]} %{INT:[network][iana_number]} %{NOTSPACE:[rule][name]} %{NOTSPACE:[observer][ingress][zone]} %{NOTSPACE:[observer][egress][zone]} %{INT:[juniper][srx][session_id]}(?: .*)?$g$),
  -- session denied src/port->dst/port service proto(icmp type) policy from-zone to-zone ...
  ('RT_FLOW3',
   $g$%{RT_FLOW_EVENT:event}: session denied %{IP:src-ip}/%{INT:src-port}->%{IP:dst-ip}/%{INT:dst-port} %{NOTSPACE:service} %{INT:protocol-id}\(%{INT}\) %{NOTSPACE:policy-name} %{NOTSPACE:from-zone} %{NOTSPACE:to-zone}(?: .*)?$g$,
   $g$%{RT_FLOW_TAG:[juniper][srx][tag]}: session denied %{IP:[source][ip]}/%{INT:[source][port]:int}->%{IP:[destination][ip]}/%{INT:[destination][port]:int} %{NOTSPACE:[juniper][srx][service_name]} %{INT:[network][iana_number]}\(%{INT}\) %{NOTSPACE:[rule][name]} %{NOTSPACE:[observer][ingress][zone]} %{NOTSPACE:[observer][egress][zone]}(?: .*)?$g$);

-- Juniper NetScreen (ScreenOS) traffic logs
insert into grok_library values
  ('NETSCREENSESSIONLOG',
   $g$%{SYSLOGTIMESTAMP:date} %{IPORHOST:device} %{IPORHOST}: NetScreen device_id=%{WORD:device_id}\s+[^:]*: start_time=%{QUOTEDSTRING:start_time} duration=%{INT:duration} policy_id=%{INT:policy_id} service=%{NOTSPACE:service} proto=%{INT:proto} src zone=%{WORD:src_zone} dst zone=%{WORD:dst_zone} action=%{WORD:action} sent=%{INT:sent} rcvd=%{INT:rcvd} src=%{IPORHOST:src_ip} dst=%{IPORHOST:dst_ip} src_port=%{INT:src_port} dst_port=%{INT:dst_port} src-xlated ip=%{IPORHOST:src_xlated_ip} port=%{INT:src_xlated_port} dst-xlated ip=%{IPORHOST:dst_xlated_ip} port=%{INT:dst_xlated_port} session_id=%{INT:session_id} reason=%{GREEDYDATA:reason}$g$,
   $g$%{SYSLOGTIMESTAMP:timestamp} %{IPORHOST:[observer][hostname]} %{NOTSPACE:[observer][name]}: (?<[observer][product]>NetScreen) device_id=%{WORD:[netscreen][device_id]}\s+(?:\[[^\]]*\])?(?:system-%{WORD}-%{NONNEGINT:[event][code]}\(%{WORD:[netscreen][session][type]}\)|[^:]*): start_time="%{DATA:[netscreen][session][start_time]}" duration=%{INT:[netscreen][session][duration]:int} policy_id=%{INT:[netscreen][policy_id]} service=%{NOTSPACE:[netscreen][service]} proto=%{INT:[netscreen][protocol_number]:int} src zone=%{WORD:[observer][ingress][zone]} dst zone=%{WORD:[observer][egress][zone]} action=%{WORD:[event][action]} sent=%{INT:[source][bytes]:int} rcvd=%{INT:[destination][bytes]:int} src=%{IPORHOST:[source][address]} dst=%{IPORHOST:[destination][address]}(?: src_port=%{INT:[source][port]:int} dst_port=%{INT:[destination][port]:int})?(?: src-xlated ip=%{IP:[source][nat][ip]} port=%{INT:[source][nat][port]:int})?(?: dst-xlated ip=%{IP:[destination][nat][ip]} port=%{INT:[destination][nat][port]:int})?(?: session_id=%{INT:[netscreen][session][id]} reason=%{GREEDYDATA:[netscreen][session][reason]})?$g$);

-- Linux netfilter LOG lines (iptables), Shorewall and SuSEfirewall2 prefixes
insert into grok_library values
  ('IPTABLES_TCP_FLAGS', $g$(?:(?:CWR|ECE|URG|ACK|PSH|RST|SYN|FIN) )*$g$, null),
  ('IPTABLES_TCP_PART',
   $g$(?:SEQ=%{INT:[iptables][tcp][seq]:int} )?(?:ACK=%{INT:[iptables][tcp][ack]:int} )?WINDOW=%{INT:[iptables][tcp][window]:int} RES=0x%{BASE16NUM:[iptables][tcp_reserved_bits]} %{IPTABLES_TCP_FLAGS:[iptables][tcp][flags]}$g$, null),
  ('IPTABLES4_FRAG', $g$(?:CE|DF|MF)(?: (?:DF|MF))*$g$, null),
  ('IPTABLES4_PART',
   $g$SRC=%{IPV4:[source][ip]} DST=%{IPV4:[destination][ip]} LEN=%{INT:[iptables][length]:int} TOS=(?:0x)?%{BASE16NUM:[iptables][tos]} PREC=0x%{BASE16NUM:[iptables][precedence_bits]} TTL=%{INT:[iptables][ttl]:int} ID=%{INT:[iptables][id]}(?: %{IPTABLES4_FRAG:[iptables][fragment_flags]})?(?: FRAG: ?%{INT:[iptables][fragment_offset]:int})?$g$, null),
  ('IPTABLES6_PART',
   $g$SRC=%{IPV6:[source][ip]} DST=%{IPV6:[destination][ip]} LEN=%{INT:[iptables][length]:int} TC=%{INT:[iptables][tos]} HOPLIMIT=%{INT:[iptables][ttl]:int} FLOWLBL=%{INT:[iptables][flow_label]}$g$, null),
  -- IN=if OUT=if [MAC=dst:src:type] SRC= DST= ... [OPT (..)] PROTO=p [SPT= DPT= [tcp part]] ...
  ('IPTABLES',
   $g$IN=%{NOTSPACE:[observer][ingress][interface][name]}? OUT=%{NOTSPACE:[observer][egress][interface][name]}?(?: MAC=(?:%{COMMONMAC:[destination][mac]}:%{COMMONMAC:[source][mac]}(?::[0-9A-Fa-f]{2})*)?)? (?:%{IPTABLES4_PART}|%{IPTABLES6_PART})(?: OPT \([0-9A-Fa-f]*\))? PROTO=%{WORD:[network][transport]}(?: SPT=%{INT:[source][port]:int} DPT=%{INT:[destination][port]:int}(?: LEN=%{INT}| %{IPTABLES_TCP_PART})?)?.*$g$, null),
  -- date host [kernel: [uptime]] Shorewall:chain:action:IN=...
  ('SHOREWALL',
   $g$%{SYSLOGTIMESTAMP:timestamp} %{WORD:nf_host} (?:%{NOTSPACE}: )?(?:\[ *[0-9.]+\] )?Shorewall:%{WORD:nf_action1}?:%{WORD:nf_action2}?:IN=%{USERNAME:nf_in_interface}? OUT=%{USERNAME:nf_out_interface}?(?: MAC=(?:%{COMMONMAC:nf_dst_mac}:%{COMMONMAC:nf_src_mac}(?::[0-9A-Fa-f]{2})*)?)? SRC=%{IPV4:nf_src_ip} DST=%{IPV4:nf_dst_ip} LEN=%{WORD:nf_len} TOS=%{WORD:nf_tos} PREC=%{WORD:nf_prec} TTL=%{INT:nf_ttl} ID=%{INT:nf_id}(?: [A-Z]+(?:: ?[0-9]+)?)*(?: OPT \([0-9A-Fa-f]*\))? PROTO=%{WORD:nf_protocol}(?: SPT=%{INT:nf_src_port} DPT=%{INT:nf_dst_port})?.*$g$,
   $g$%{SYSLOGTIMESTAMP:timestamp} %{WORD:[observer][hostname]} (?:%{NOTSPACE}: )?(?:\[ *[0-9.]+\] )?Shorewall:%{WORD:[shorewall][firewall][type]}?:%{WORD:[shorewall][firewall][action]}?:%{IPTABLES}$g$),
  -- date host kernel: [uptime] SFW2-<zone>-<action> IN=...
  ('SFW2_LOG_PREFIX', $g$SFW2-[A-Za-z]+-%{NOTSPACE:nf_action}$g$, $g$SFW2-[A-Za-z]+-%{NOTSPACE:[suse][firewall][action]}$g$),
  ('SFW2',
   $g$(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp}) %{HOSTNAME} kernel: (?:%{NAGIOSTIME} |\[ +[0-9.]+\] )?%{SFW2_LOG_PREFIX} IN=%{USERNAME:nf_in_interface}? OUT=%{USERNAME:nf_out_interface}?(?: MAC=(?:%{COMMONMAC:nf_dst_mac}:%{COMMONMAC:nf_src_mac}(?::[0-9A-Fa-f]{2})*)?)? SRC=%{IP:nf_src_ip} DST=%{IP:nf_dst_ip} .*?PROTO=%{WORD:nf_protocol}(?: SPT=%{INT:nf_src_port} DPT=%{INT:nf_dst_port})?.*$g$,
   $g$(?:%{SYSLOGTIMESTAMP:timestamp}|%{TIMESTAMP_ISO8601:timestamp}) %{HOSTNAME:[observer][hostname]} kernel: (?:\[ *[0-9.]+\] )?%{SFW2_LOG_PREFIX:[suse][firewall][log_prefix]} %{IPTABLES}$g$);

-- Cisco ASA/PIX/FWSM: the syslog header and the messages by id. Interface names, users and
-- reasons are delimited by what follows them; "(user)" and "(type t, code c)" are optional.
insert into grok_library values
  ('CISCOTIMESTAMP', $g$%{MONTH} +%{MONTHDAY}(?: %{YEAR})? %{TIME}$g$, null),
  ('CISCOTAG', $g$[A-Z0-9]+-%{INT}-(?:[A-Z0-9_]+)$g$, null),
  ('CISCO_TAGGED_SYSLOG',
   $g$(?:<%{POSINT:syslog_pri}>)?%{CISCOTIMESTAMP:timestamp}(?: %{SYSLOGHOST:sysloghost})? ?: %%{CISCOTAG:ciscotag}:$g$,
   $g$(?:<%{POSINT:[log][syslog][priority]:int}>)?%{CISCOTIMESTAMP:timestamp}(?: %{SYSLOGHOST:[host][hostname]})? ?: %%{CISCOTAG:[cisco][asa][tag]}:$g$),
  ('CISCO_ACTION', $g$(?:Built|Teardown|Deny|Denied|denied|requested|permitted|denied by ACL|discarded|est-allowed|Dropping|created|deleted)$g$, null),
  ('CISCO_REASON', $g$(?:Duplicate TCP SYN|Failed to locate egress interface|Invalid transport field|No matching connection|DNS Response|DNS Query|(?:%{WORD}\s*)*)$g$, null),
  ('CISCO_DIRECTION', $g$(?:Inbound|inbound|Outbound|outbound)$g$, null),
  ('CISCO_INTERVAL', $g$(?:first hit|%{INT}-second interval)$g$, null),
  ('CISCO_XLATE_TYPE', $g$(?:static|dynamic)$g$, null),
  -- ECS building blocks: interface:ip[/port][(user)]
  ('CISCO_HITCOUNT_INTERVAL', $g$hit-cnt %{INT:[cisco][asa][hit_count]:int} (?:first hit|%{INT:[cisco][asa][interval]:int}-second interval)$g$, null),
  ('CISCO_SRC_IP_USER', $g$%{NOTSPACE:[observer][ingress][interface][name]}:%{IP:[source][ip]}(?:\(%{DATA:[source][user][name]}\))?$g$, null),
  ('CISCO_DST_IP_USER', $g$%{NOTSPACE:[observer][egress][interface][name]}:%{IP:[destination][ip]}(?:\(%{DATA:[destination][user][name]}\))?$g$, null),
  ('CISCO_SRC_HOST_PORT_USER', $g$%{NOTSPACE:[observer][ingress][interface][name]}:(?:%{IP:[source][ip]}|%{HOSTNAME:[source][address]})(?:/%{INT:[source][port]:int})?(?:\(%{DATA:[source][user][name]}\))?$g$, null),
  ('CISCO_DST_HOST_PORT_USER', $g$%{NOTSPACE:[observer][egress][interface][name]}:(?:%{IP:[destination][ip]}|%{HOSTNAME:[destination][address]})(?:/%{INT:[destination][port]:int})?(?:\(%{DATA:[destination][user][name]}\))?$g$, null),
  -- 104001-104004: failover state changes
  ('CISCOFW104001', $g$\((?:Primary|Secondary)\) Switching to ACTIVE - %{GREEDYDATA:switch_reason}$g$, $g$\((?:Primary|Secondary)\) Switching to ACTIVE - %{GREEDYDATA:[event][reason]}$g$),
  ('CISCOFW104002', $g$\((?:Primary|Secondary)\) Switching to STANDBY - %{GREEDYDATA:switch_reason}$g$, $g$\((?:Primary|Secondary)\) Switching to STANDBY - %{GREEDYDATA:[event][reason]}$g$),
  ('CISCOFW104003', $g$\((?:Primary|Secondary)\) Switching to FAILED\.$g$, null),
  ('CISCOFW104004', $g$\((?:Primary|Secondary)\) Switching to OK\.$g$, null),
  -- 105003-105009: failover interface monitoring
  ('CISCOFW105003', $g$\((?:Primary|Secondary)\) Monitoring on [Ii]nterface %{NOTSPACE:interface_name} waiting$g$, $g$\((?:Primary|Secondary)\) Monitoring on [Ii]nterface %{NOTSPACE:[network][interface][name]} waiting$g$),
  ('CISCOFW105004', $g$\((?:Primary|Secondary)\) Monitoring on [Ii]nterface %{NOTSPACE:interface_name} normal$g$, $g$\((?:Primary|Secondary)\) Monitoring on [Ii]nterface %{NOTSPACE:[network][interface][name]} normal$g$),
  ('CISCOFW105005', $g$\((?:Primary|Secondary)\) Lost Failover communications with mate on [Ii]nterface %{GREEDYDATA:interface_name}$g$, $g$\((?:Primary|Secondary)\) Lost Failover communications with mate on [Ii]nterface %{NOTSPACE:[network][interface][name]}$g$),
  ('CISCOFW105008', $g$\((?:Primary|Secondary)\) Testing [Ii]nterface %{GREEDYDATA:interface_name}$g$, $g$\((?:Primary|Secondary)\) Testing [Ii]nterface %{NOTSPACE:[network][interface][name]}$g$),
  ('CISCOFW105009', $g$\((?:Primary|Secondary)\) Testing on [Ii]nterface %{NOTSPACE:interface_name} (?:Passed|Failed)$g$, $g$\((?:Primary|Secondary)\) Testing on [Ii]nterface %{NOTSPACE:[network][interface][name]} (?:Passed|Failed)$g$),
  -- 106001: Inbound TCP connection denied from ip/port to ip/port flags F on interface I
  ('CISCOFW106001',
   $g$%{CISCO_DIRECTION:direction} %{WORD:protocol} connection %{CISCO_ACTION:action} from %{IP:src_ip}/%{INT:src_port} to %{IP:dst_ip}/%{INT:dst_port} flags (?<tcp_flags>.*?) on interface %{NOTSPACE:interface}$g$,
   $g$%{CISCO_DIRECTION:[cisco][asa][network][direction]} %{WORD:[cisco][asa][network][transport]} connection %{CISCO_ACTION:[cisco][asa][outcome]} from %{IP:[source][ip]}/%{INT:[source][port]:int} to %{IP:[destination][ip]}/%{INT:[destination][port]:int} flags (?<[cisco][asa][tcp_flags]>.*?) on interface %{NOTSPACE:[observer][egress][interface][name]}$g$),
  -- 106006/106007/106010: Deny inbound UDP from ip/port[(user)] to ip/port[(user)] on interface I | due to DNS Query
  ('CISCOFW106006_106007_106010',
   $g$%{CISCO_ACTION:action} %{CISCO_DIRECTION:direction} %{WORD:protocol} (?:from|src) %{IP:src_ip}/%{INT:src_port}(?:\(%{DATA:src_fwuser}\))? (?:to|dst) %{IP:dst_ip}/%{INT:dst_port}(?:\(%{DATA:dst_fwuser}\))? (?:on interface %{NOTSPACE:interface}|due to %{CISCO_REASON:reason})$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{CISCO_DIRECTION:[cisco][asa][network][direction]} %{WORD:[cisco][asa][network][transport]} (?:from|src) %{IP:[source][ip]}/%{INT:[source][port]:int}(?:\(%{DATA:[source][user][name]}\))? (?:to|dst) %{IP:[destination][ip]}/%{INT:[destination][port]:int}(?:\(%{DATA:[destination][user][name]}\))? (?:on interface %{NOTSPACE:[observer][egress][interface][name]}|due to %{CISCO_REASON:[event][reason]})$g$),
  -- 106014: Deny inbound icmp src if:ip[(user)] dst if:ip[(user)] (type t, code c)
  ('CISCOFW106014',
   $g$%{CISCO_ACTION:action} %{CISCO_DIRECTION:direction} %{WORD:protocol} src %{NOTSPACE:src_interface}:%{IP:src_ip}(?:\(%{DATA:src_fwuser}\))? dst %{NOTSPACE:dst_interface}:%{IP:dst_ip}(?:\(%{DATA:dst_fwuser}\))? ?\(type %{INT:icmp_type}, code %{INT:icmp_code}\)$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{CISCO_DIRECTION:[cisco][asa][network][direction]} %{WORD:[cisco][asa][network][transport]} src %{CISCO_SRC_IP_USER} dst %{CISCO_DST_IP_USER} ?\(type %{INT:[cisco][asa][icmp_type]:int}, code %{INT:[cisco][asa][icmp_code]:int}\)$g$),
  -- 106015: Deny TCP (no connection) from ip/port to ip/port flags F on interface I
  ('CISCOFW106015',
   $g$%{CISCO_ACTION:action} %{WORD:protocol} \((?<policy_id>[^)]*)\) from %{IP:src_ip}/%{INT:src_port} to %{IP:dst_ip}/%{INT:dst_port} flags (?<tcp_flags>.*?) on interface %{NOTSPACE:interface}$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{WORD:[cisco][asa][network][transport]} \((?<[cisco][asa][rule_name]>[^)]*)\) from %{IP:[source][ip]}/%{INT:[source][port]:int} to %{IP:[destination][ip]}/%{INT:[destination][port]:int} flags (?<[cisco][asa][tcp_flags]>.*?) on interface %{NOTSPACE:[observer][egress][interface][name]}$g$),
  -- 106021: Deny TCP reverse path check from ip to ip on interface I
  ('CISCOFW106021',
   $g$%{CISCO_ACTION:action} %{WORD:protocol} reverse path check from %{IP:src_ip} to %{IP:dst_ip} on interface %{NOTSPACE:interface}$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{WORD:[cisco][asa][network][transport]} reverse path check from %{IP:[source][ip]} to %{IP:[destination][ip]} on interface %{NOTSPACE:[observer][egress][interface][name]}$g$),
  -- 106023: Deny [protocol] P src if:host[/port][(user)] dst if:host[/port][(user)] [(type t, code c)] by access-group "acl" [h1, h2]
  ('CISCOFW106023',
   $g$%{CISCO_ACTION:action}(?: protocol)? %{WORD:protocol} src %{NOTSPACE:src_interface}:(?<src_ip>[^\s/(]+)(?:/%{INT:src_port})?(?:\(%{DATA:src_fwuser}\))? dst %{NOTSPACE:dst_interface}:(?<dst_ip>[^\s/(]+)(?:/%{INT:dst_port})?(?:\(%{DATA:dst_fwuser}\))?(?: \(type %{INT:icmp_type}, code %{INT:icmp_code}\))? by access-group "?(?<policy_id>[^"\s]*)"? \[(?<hashcode1>[^,\]]*), (?<hashcode2>[^\]]*)\]$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]}(?: protocol)? %{WORD:[cisco][asa][network][transport]} src %{CISCO_SRC_HOST_PORT_USER} dst %{CISCO_DST_HOST_PORT_USER}(?: \(type %{INT:[cisco][asa][icmp_type]:int}, code %{INT:[cisco][asa][icmp_code]:int}\))? by access-group "?(?<[cisco][asa][rule_name]>[^"\s]*)"? \[(?<[@metadata][cisco][asa][hashcode1]>[^,\]]*), (?<[@metadata][cisco][asa][hashcode2]>[^\]]*)\]$g$),
  -- 106100: access-list acl permitted|denied P if/ip(port) -> if/ip(port) hit-cnt n (first hit|n-second interval) [h1, h2]
  ('CISCOFW106100_2_3',
   $g$access-list %{NOTSPACE:policy_id} %{CISCO_ACTION:action} %{WORD:protocol} for user '(?<src_fwuser>[^']*)' %{NOTSPACE:src_interface}/%{IP:src_ip}\(%{INT:src_port}\) -> %{NOTSPACE:dst_interface}/%{IP:dst_ip}\(%{INT:dst_port}\) hit-cnt %{INT:hit_count} %{CISCO_INTERVAL:interval} \[(?<hashcode1>[^,\]]*), (?<hashcode2>[^\]]*)\]$g$,
   $g$access-list %{NOTSPACE:[cisco][asa][rule_name]} %{CISCO_ACTION:[cisco][asa][outcome]} %{WORD:[cisco][asa][network][transport]} for user '(?<[user][name]>[^']*)' %{NOTSPACE:[observer][ingress][interface][name]}/%{IP:[source][ip]}\(%{INT:[source][port]:int}\) -> %{NOTSPACE:[observer][egress][interface][name]}/%{IP:[destination][ip]}\(%{INT:[destination][port]:int}\) %{CISCO_HITCOUNT_INTERVAL} \[(?<[@metadata][cisco][asa][hashcode1]>[^,\]]*), (?<[@metadata][cisco][asa][hashcode2]>[^\]]*)\]$g$),
  ('CISCOFW106100',
   $g$access-list %{NOTSPACE:policy_id} %{CISCO_ACTION:action} %{WORD:protocol} %{NOTSPACE:src_interface}/%{IP:src_ip}\(%{INT:src_port}\)(?:\(%{DATA:src_fwuser}\))? -> %{NOTSPACE:dst_interface}/%{IP:dst_ip}\(%{INT:dst_port}\)(?:\(%{DATA:dst_fwuser}\))? hit-cnt %{INT:hit_count} %{CISCO_INTERVAL:interval} \[(?<hashcode1>[^,\]]*), (?<hashcode2>[^\]]*)\]$g$,
   $g$access-list %{NOTSPACE:[cisco][asa][rule_name]} %{CISCO_ACTION:[cisco][asa][outcome]} %{WORD:[cisco][asa][network][transport]} %{NOTSPACE:[observer][ingress][interface][name]}/%{IP:[source][ip]}\(%{INT:[source][port]:int}\)(?:\(%{DATA:[source][user][name]}\))? -> %{NOTSPACE:[observer][egress][interface][name]}/%{IP:[destination][ip]}\(%{INT:[destination][port]:int}\)(?:\(%{DATA:[destination][user][name]}\))? %{CISCO_HITCOUNT_INTERVAL} \[(?<[@metadata][cisco][asa][hashcode1]>[^,\]]*), (?<[@metadata][cisco][asa][hashcode2]>[^\]]*)\]$g$),
  -- 304001: ip[(user)] Accessed URL ip:url
  ('CISCOFW304001',
   $g$%{IP:src_ip}(?:\((?<src_fwuser>[^)]*)\))? Accessed URL %{IP:dst_ip}:%{GREEDYDATA:dst_url}$g$,
   $g$%{IP:[source][ip]}(?:\((?<[source][user][name]>[^)]*)\))? Accessed URL %{IP:[destination][ip]}:%{GREEDYDATA:[url][original]}$g$),
  -- 110002: Failed to locate egress interface for P from if:ip/port to ip/port
  ('CISCOFW110002',
   $g$%{CISCO_REASON:reason} for %{WORD:protocol} from %{NOTSPACE:src_interface}:%{IP:src_ip}/%{INT:src_port} to %{IP:dst_ip}/%{INT:dst_port}$g$,
   $g$%{CISCO_REASON:[event][reason]} for %{WORD:[cisco][asa][network][transport]} from %{NOTSPACE:[observer][ingress][interface][name]}:%{IP:[source][ip]}/%{INT:[source][port]:int} to %{IP:[destination][ip]}/%{INT:[destination][port]:int}$g$),
  -- 302010: n in use, n most used
  ('CISCOFW302010',
   $g$%{INT:connection_count} in use, %{INT:connection_count_max} most used$g$,
   $g$%{INT:[cisco][asa][connections][in_use]:int} in use, %{INT:[cisco][asa][connections][most_used]:int} most used$g$),
  -- 302013-302016: Built|Teardown [dir] P connection id for if:ip/port [(mapped ip/port)][(user)] to if:ip/port [(mapped)][(user)] [duration t bytes n] [reason] [(user)]
  ('CISCOFW302013_302014_302015_302016',
   $g$%{CISCO_ACTION:action}(?: %{CISCO_DIRECTION:direction})? %{WORD:protocol} connection %{INT:connection_id} for %{NOTSPACE:src_interface}:%{IP:src_ip}/%{INT:src_port}(?: \(%{IP:src_mapped_ip}/%{INT:src_mapped_port}\))?(?:\((?<src_fwuser>[^)]*)\))? to %{NOTSPACE:dst_interface}:%{IP:dst_ip}/%{INT:dst_port}(?: \(%{IP:dst_mapped_ip}/%{INT:dst_mapped_port}\))?(?:\((?<dst_fwuser>[^)]*)\))?(?: duration %{TIME:duration} bytes %{INT:bytes})?(?: (?<reason>[A-Za-z][^(]*?))?(?: \((?<user>[^)]*)\))?$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]}(?: %{CISCO_DIRECTION:[cisco][asa][network][direction]})? %{WORD:[cisco][asa][network][transport]} connection %{INT:[cisco][asa][connection_id]} for %{NOTSPACE:[observer][ingress][interface][name]}:%{IP:[source][ip]}/%{INT:[source][port]:int}(?: \(%{IP:[source][nat][ip]}/%{INT:[source][nat][port]:int}\))?(?:\((?<[source][user][name]>[^)]*)\))? to %{NOTSPACE:[observer][egress][interface][name]}:%{IP:[destination][ip]}/%{INT:[destination][port]:int}(?: \(%{IP:[destination][nat][ip]}/%{INT:[destination][nat][port]:int}\))?(?:\((?<[destination][user][name]>[^)]*)\))?(?: duration %{TIME:[cisco][asa][duration]} bytes %{INT:[network][bytes]:int})?(?: (?<[event][reason]>[A-Za-z][^(]*?))?(?: \((?<[user][name]>[^)]*)\))?$g$),
  -- 302020/302021: Built|Teardown [dir] ICMP connection for faddr ip/seq[(user)] gaddr ip/type laddr ip/code[(user)]
  ('CISCOFW302020_302021',
   $g$%{CISCO_ACTION:action}(?: %{CISCO_DIRECTION:direction})? %{WORD:protocol} connection for faddr %{IP:dst_ip}/%{INT:icmp_seq_num}(?:\((?<fwuser>[^)]*)\))? gaddr %{IP:src_xlated_ip}/%{INT:icmp_code_xlated} laddr %{IP:src_ip}/%{INT:icmp_code}(?: ?\((?<user>[^)]*)\))?$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]}(?: %{CISCO_DIRECTION:[cisco][asa][network][direction]})? %{WORD:[cisco][asa][network][transport]} connection for faddr %{IP:[destination][ip]}/%{INT:[cisco][asa][icmp_seq]:int}(?:\((?<[destination][user][name]>[^)]*)\))? gaddr %{IP:[source][nat][ip]}/%{INT:[cisco][asa][icmp_type]:int} laddr %{IP:[source][ip]}/%{INT}(?: ?\((?<[source][user][name]>[^)]*)\))?$g$),
  -- 305011: Built dynamic|static P translation from if:ip[/port][(user)] to if:ip/port
  ('CISCOFW305011',
   $g$%{CISCO_ACTION:action} %{CISCO_XLATE_TYPE:xlate_type} %{WORD:protocol} translation from %{NOTSPACE:src_interface}:%{IP:src_ip}(?:/%{INT:src_port})?(?:\((?<src_fwuser>[^)]*)\))? to %{NOTSPACE:src_xlated_interface}:%{IP:src_xlated_ip}(?:/%{INT:src_xlated_port})?$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{CISCO_XLATE_TYPE} %{WORD:[cisco][asa][network][transport]} translation from %{NOTSPACE:[observer][ingress][interface][name]}:%{IP:[source][ip]}(?:/%{INT:[source][port]:int})?(?:\((?<[source][user][name]>[^)]*)\))? to %{NOTSPACE:[observer][egress][interface][name]}:%{IP:[destination][ip]}(?:/%{INT:[destination][port]:int})?$g$),
  -- 313001/313004/313008: Denied ICMP type=t, [code=c ]from [laddr ]ip on interface I [to ip...]
  ('CISCOFW313001_313004_313008',
   $g$%{CISCO_ACTION:action} %{WORD:protocol} type=%{INT:icmp_type},(?: code=%{INT:icmp_code})? from (?:laddr )?%{IP:src_ip} on interface %{NOTSPACE:interface}(?: to %{IP:dst_ip})?$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{WORD:[cisco][asa][network][transport]} type=%{INT:[cisco][asa][icmp_type]:int},(?: code=%{INT:[cisco][asa][icmp_code]:int})? from (?:laddr )?%{IP:[source][ip]} on interface %{NOTSPACE:[observer][egress][interface][name]}(?: to %{IP:[destination][ip]})?$g$),
  -- 313005: No matching connection for ICMP error message: icmp src if:ip dst if:ip (type t, code c) on I interface.  Original IP payload: P src ip/port dst ip/port.
  ('CISCOFW313005',
   $g$%{CISCO_REASON:reason} for %{WORD:protocol} error message: %{WORD:err_protocol} src %{NOTSPACE:err_src_interface}:%{IP:err_src_ip}(?:\((?<err_src_fwuser>[^)]*)\))? dst %{NOTSPACE:err_dst_interface}:%{IP:err_dst_ip}(?:\((?<err_dst_fwuser>[^)]*)\))? \(type %{INT:err_icmp_type}, code %{INT:err_icmp_code}\) on %{NOTSPACE:interface} interface\.\s+Original IP payload: %{WORD:protocol} src %{IP:orig_src_ip}/%{INT:orig_src_port}(?:\((?<orig_src_fwuser>[^)]*)\))? dst %{IP:orig_dst_ip}/%{INT:orig_dst_port}(?:\((?<orig_dst_fwuser>[^)]*)\))?$g$,
   $g$%{CISCO_REASON:[event][reason]} for %{WORD:[cisco][asa][network][transport]} error message: %{WORD} src %{CISCO_SRC_IP_USER} dst %{CISCO_DST_IP_USER} \(type %{INT:[cisco][asa][icmp_type]:int}, code %{INT:[cisco][asa][icmp_code]:int}\) on %{NOTSPACE} interface\.\s+Original IP payload: %{WORD:[cisco][asa][original_ip_payload][network][transport]} src %{IP:[cisco][asa][original_ip_payload][source][ip]}/%{INT:[cisco][asa][original_ip_payload][source][port]:int}(?:\((?<[cisco][asa][original_ip_payload][source][user][name]>[^)]*)\))? dst %{IP:[cisco][asa][original_ip_payload][destination][ip]}/%{INT:[cisco][asa][original_ip_payload][destination][port]:int}(?:\((?<[cisco][asa][original_ip_payload][destination][user][name]>[^)]*)\))?$g$),
  -- 321001: Resource 'name' limit of n reached for system
  ('CISCOFW321001',
   $g$Resource '%{WORD:resource_name}' limit of %{POSINT:resource_limit} reached for system$g$,
   $g$Resource '(?<[cisco][asa][resource][name]>[^']*)' limit of %{POSINT:[cisco][asa][resource][limit]:int} reached for system$g$),
  -- 402117: IPSEC: Received a non-IPSec packet (protocol= P) from ip to ip.
  ('CISCOFW402117',
   $g$%{WORD:protocol}: Received a non-IPSec packet \(protocol= %{WORD:orig_protocol}\) from %{IP:src_ip} to %{IP:dst_ip}\.?$g$,
   $g$%{WORD:[cisco][asa][network][type]}: Received a non-IPSec packet \(protocol= %{WORD:[cisco][asa][network][transport]}\) from %{IP:[source][ip]} to %{IP:[destination][ip]}\.?$g$),
  -- 402119: IPSEC: Received an ESP packet (SPI= x, sequence number= x) from ip (user= u) to ip that failed anti-replay checking.
  ('CISCOFW402119',
   $g$%{WORD:protocol}: Received an? %{WORD:orig_protocol} packet \(SPI= (?<spi>[^,]*), sequence number= (?<seq_num>[^)]*)\) from %{IP:src_ip} \(user= (?<user>[^)]*)\) to %{IP:dst_ip} that failed anti-replay checking\.?$g$,
   $g$%{WORD:[cisco][asa][network][type]}: Received an? %{WORD:[cisco][asa][ipsec][protocol]} packet \(SPI= (?<[cisco][asa][ipsec][spi]>[^,]*), sequence number= (?<[cisco][asa][ipsec][seq_num]>[^)]*)\) from %{IP:[source][ip]} \(user= (?<[source][user][name]>[^)]*)\) to %{IP:[destination][ip]} that failed anti-replay checking\.?$g$),
  -- 419001: Dropping P packet from if:ip/port to if:ip/port, reason: R
  ('CISCOFW419001',
   $g$%{CISCO_ACTION:action} %{WORD:protocol} packet from %{NOTSPACE:src_interface}:%{IP:src_ip}/%{INT:src_port} to %{NOTSPACE:dst_interface}:%{IP:dst_ip}/%{INT:dst_port}, reason: %{GREEDYDATA:reason}$g$,
   $g$%{CISCO_ACTION:[cisco][asa][outcome]} %{WORD:[cisco][asa][network][transport]} packet from %{NOTSPACE:[observer][ingress][interface][name]}:%{IP:[source][ip]}/%{INT:[source][port]:int} to %{NOTSPACE:[observer][egress][interface][name]}:%{IP:[destination][ip]}/%{INT:[destination][port]:int}, reason: %{GREEDYDATA:[event][reason]}$g$),
  -- 419002: Duplicate TCP SYN from if:ip/port to if:ip/port with different initial sequence number.
  ('CISCOFW419002',
   $g$%{CISCO_REASON:reason} from %{NOTSPACE:src_interface}:%{IP:src_ip}/%{INT:src_port} to %{NOTSPACE:dst_interface}:%{IP:dst_ip}/%{INT:dst_port} with different initial sequence number$g$,
   $g$%{CISCO_REASON:[event][reason]} from %{NOTSPACE:[observer][ingress][interface][name]}:%{IP:[source][ip]}/%{INT:[source][port]:int} to %{NOTSPACE:[observer][egress][interface][name]}:%{IP:[destination][ip]}/%{INT:[destination][port]:int} with different initial sequence number$g$),
  -- 500004: Invalid transport field for protocol=P, from ip/port to ip/port
  ('CISCOFW500004',
   $g$%{CISCO_REASON:reason} for protocol=%{WORD:protocol}, from %{IP:src_ip}/%{INT:src_port} to %{IP:dst_ip}/%{INT:dst_port}$g$,
   $g$%{CISCO_REASON:[event][reason]} for protocol=%{WORD:[cisco][asa][network][transport]}, from %{IP:[source][ip]}/%{INT:[source][port]:int} to %{IP:[destination][ip]}/%{INT:[destination][port]:int}$g$),
  -- 602303/602304: IPSEC: An outbound LAN-to-LAN SA (SPI= x) between ip and ip (user= u) has been created|deleted.
  ('CISCOFW602303_602304',
   $g$%{WORD:protocol}: An? %{CISCO_DIRECTION:direction} (?<tunnel_type>.+?) SA \(SPI= (?<spi>[^)]*)\) between %{IP:src_ip} and %{IP:dst_ip} \(user= (?<user>[^)]*)\) has been %{CISCO_ACTION:action}$g$,
   $g$%{WORD:[cisco][asa][network][type]}: An? %{CISCO_DIRECTION:[cisco][asa][network][direction]} (?<[cisco][asa][ipsec][tunnel_type]>.+?) SA \(SPI= (?<[cisco][asa][ipsec][spi]>[^)]*)\) between %{IP:[source][ip]} and %{IP:[destination][ip]} \(user= (?<[source][user][name]>[^)]*)\) has been %{CISCO_ACTION:[cisco][asa][outcome]}$g$),
  -- 710001-710006: P access|request requested|permitted|denied by ACL|discarded from ip/port to if:ip/port
  ('CISCOFW710001_710002_710003_710005_710006',
   $g$%{WORD:protocol} (?:request|access) %{CISCO_ACTION:action} from %{IP:src_ip}/%{INT:src_port} to %{NOTSPACE:dst_interface}:%{IP:dst_ip}/%{INT:dst_port}$g$,
   $g$%{WORD:[cisco][asa][network][transport]} (?:request|access) %{CISCO_ACTION:[cisco][asa][outcome]} from %{IP:[source][ip]}/%{INT:[source][port]:int} to %{NOTSPACE:[observer][egress][interface][name]}:%{IP:[destination][ip]}/%{INT:[destination][port]:int}$g$),
  -- 713172: Group = g, IP = ip, Automatic NAT Detection Status: Remote end is [NOT] behind a NAT device This end is [NOT] behind a NAT device
  ('CISCOFW713172',
   $g$Group = (?<group>[^,]*), IP = %{IP:src_ip}, Automatic NAT Detection Status:\s+Remote end\s+(?<is_remote_natted>\S+(?: \S+)*?)\s+behind a NAT device\s+This\s+end\s+(?<is_local_natted>\S+(?: \S+)*?)\s+behind a NAT device$g$,
   $g$Group = (?<[cisco][asa][source][group]>[^,]*), IP = %{IP:[source][ip]}, Automatic NAT Detection Status:\s+Remote end\s+(?<[@metadata][cisco][asa][remote_nat]>\S+(?: \S+)*?)\s+behind a NAT device\s+This\s+end\s+(?<[@metadata][cisco][asa][local_nat]>\S+(?: \S+)*?)\s+behind a NAT device$g$),
  -- 733100: [object] drop rate-id exceeded. Current burst rate is n per second, max configured rate is n; Current average rate is n per second, max configured rate is n; Cumulative total count is n
  ('CISCOFW733100',
   $g$\[\s*(?<drop_type>[^\]]*?)\s*\] drop (?<drop_rate_id>\S+) exceeded\. Current burst rate is %{INT:drop_rate_current_burst} per second, max configured rate is %{INT:drop_rate_max_burst}; Current average rate is %{INT:drop_rate_current_avg} per second, max configured rate is %{INT:drop_rate_max_avg}; Cumulative total count is %{INT:drop_total_count}$g$,
   $g$\[\s*(?<[cisco][asa][burst][object]>[^\]]*?)\s*\] drop (?<[cisco][asa][burst][id]>\S+) exceeded\. Current burst rate is %{INT:[cisco][asa][burst][current_rate]:int} per second, max configured rate is %{INT:[cisco][asa][burst][configured_rate]:int}; Current average rate is %{INT:[cisco][asa][burst][avg_rate]:int} per second, max configured rate is %{INT:[cisco][asa][burst][configured_avg_rate]:int}; Cumulative total count is %{INT:[cisco][asa][burst][cumulative_count]:int}$g$);

--------------------------------------------------------------------------------
-- Into the table: new rows are builtin; an ECS form equal to the legacy one is stored as null.
--------------------------------------------------------------------------------

insert into public.grok_patterns as g (name, definition, ecs_definition, builtin)
select l.name, l.definition, nullif(l.ecs, l.definition), true
from grok_library l
on conflict (name) do update set definition = excluded.definition, ecs_definition = excluded.ecs_definition, builtin = true;

drop table grok_library;
