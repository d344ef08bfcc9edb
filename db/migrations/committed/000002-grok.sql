--! Previous: sha1:1f35e6906a1d6c4fbca4d2c42b15dcdfb7b28f4e
--! Hash: sha1:730b0bad872d17bf9fdb453013710ef93236b895
--! Message: grok

-- Parsing, part 1: grok patterns as rows, compiled in SQL to PostgreSQL regular expressions;
-- parsers, field aliases and event types as tables. The ingest trigger starts using them in a
-- later migration.

--------------------------------------------------------------------------------
-- grok_patterns
--------------------------------------------------------------------------------

create table public.grok_patterns (
  name text primary key check (name ~ '^[A-Za-z0-9_]+$'),
  definition text not null,
  description text,
  builtin boolean not null default false,
  fast_definition text
);
comment on table public.grok_patterns is
  'Grok patterns by name, referenced as %{NAME} or %{NAME:field} or %{NAME:field:int|float}. The builtin ones are our own library equivalent to the Logstash core patterns.';
comment on column public.grok_patterns.fast_definition is
  'A looser form parsers compile with instead of definition (grok_match keeps the exact one): PostgreSQL''s regex engine is slow on lookaround constraints and large alternations, e.g. IPV4 and IPV6 (about 50x).';

alter table public.grok_patterns enable row level security;
create policy select_all on public.grok_patterns for select to siem_analyst using (true);
create policy admin_all on public.grok_patterns for all to siem_admin using (true) with check (true);
grant select on public.grok_patterns to siem_analyst;
grant insert, update, delete on public.grok_patterns to siem_admin;

--------------------------------------------------------------------------------
-- Grok compiler
--------------------------------------------------------------------------------

create type siem_private.grok_compiled as (
  regex text,
  fields text[],
  types text[]
);

-- Rewrites the literal (non-%{...}) part of a grok expression from Oniguruma syntax into a
-- PostgreSQL ARE in which only field captures capture: plain groups become (?:...), atomic groups
-- (?>...) become (?:...), (?<name>...) becomes a field capture, \b becomes \y, \z becomes \Z.
create function siem_private.grok_translate_literal(p_text text, out regex text, out fields text[])
  language plpgsql immutable strict parallel safe
  as $$
declare
  i integer := 1;
  n integer := length(p_text);
  c text;
  next_char text;
  in_bracket boolean := false;
  name_end integer;
begin
  regex := '';
  fields := '{}';
  while i <= n loop
    c := substr(p_text, i, 1);
    if c = '\' then
      next_char := substr(p_text, i + 1, 1);
      if not in_bracket and next_char = 'b' then
        regex := regex || '\y';
      elsif not in_bracket and next_char = 'B' then
        regex := regex || '\Y';
      elsif next_char = 'z' then
        regex := regex || '\Z';
      elsif next_char = 'w' then
        -- Oniguruma's \w covers Unicode letters; PostgreSQL's follows the collation (ASCII under C).
        regex := regex || (case when in_bracket then '\w\u00aa-\U0010ffff' else '[\w\u00aa-\U0010ffff]' end);
      elsif next_char = 'h' then
        regex := regex || (case when in_bracket then ' \t' else '[ \t]' end);
      else
        regex := regex || c || next_char;
      end if;
      i := i + 2;
      continue;
    end if;
    if in_bracket then
      if c = ']' and not (substr(p_text, i - 1, 1) = '[' or substr(p_text, i - 2, 2) = '[^') then
        in_bracket := false;
      end if;
      regex := regex || c;
    elsif c = '[' then
      in_bracket := true;
      regex := regex || c;
    elsif c = '(' then
      if substr(p_text, i + 1, 1) <> '?' then
        regex := regex || '(?:';
      elsif substr(p_text, i + 1, 2) = '?>' then
        regex := regex || '(?:';
        i := i + 2;
      elsif substr(p_text, i + 1, 2) = '?<' and substr(p_text, i + 3, 1) not in ('=', '!') then
        name_end := strpos(substr(p_text, i + 3), '>');
        fields := fields || substr(p_text, i + 3, name_end - 1);
        regex := regex || '(';
        i := i + 3 + name_end - 1;
      else
        regex := regex || c;
      end if;
    else
      regex := regex || c;
    end if;
    i := i + 1;
  end loop;
end;
$$;

-- Expands %{NAME}, %{NAME:field} and %{NAME:field:type} recursively. Field captures become the
-- only capturing groups, in the order their fields are listed, so regexp_match() results line up
-- with `fields`.
create function siem_private.grok_compile(p_expression text, p_fast boolean default false, p_depth integer default 0)
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

    select case when p_fast then coalesce(g.fast_definition, g.definition) else g.definition end into definition
    from public.grok_patterns g where g.name = tokens[1];
    if definition is null then
      raise exception 'grok: unknown pattern %%{%} in %', tokens[1], p_expression
        using errcode = 'invalid_parameter_value', hint = 'Add it to grok_patterns or fix the name.';
    end if;
    nested := siem_private.grok_compile(definition, p_fast, p_depth + 1);
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
comment on function siem_private.grok_compile(text, boolean, integer) is
  'Compiles a grok expression into a PostgreSQL regular expression whose capture groups are exactly the named fields, in order, with their declared types. p_fast uses the patterns'' fast_definition where they have one (parsers do).';

-- Converts one captured value to its declared type: int and float become JSON numbers when they
-- parse, everything else stays a string. Never throws. Stable, not immutable: to_jsonb is stable,
-- and PostgreSQL does not inline an immutable SQL function that calls a stable one (4 us a call).
create function siem_private.grok_value(p_value text, p_type text) returns jsonb
  language sql stable parallel safe
  as $$
  select case
    when p_value is null then null
    when p_type = 'int' and p_value ~ '^\s*[+-]?\d{1,18}\s*$' then to_jsonb(p_value::bigint)
    when p_type = 'int' and p_value ~ '^\s*[+-]?\d+(\.\d+)?\s*$' then to_jsonb(trunc(p_value::numeric))
    when p_type = 'float' and p_value ~ '^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$' then to_jsonb(p_value::numeric)
    else to_jsonb(p_value)
  end
$$;

-- The capture array of a compiled expression as a jsonb object; a field captured twice keeps its
-- first non-null value (as grok does for the same name in alternatives).
create function siem_private.grok_fields(p_compiled siem_private.grok_compiled, p_captures text[]) returns jsonb
  language sql immutable parallel safe
  as $$
  select coalesce(jsonb_object_agg(f.name, siem_private.grok_value(p_captures[f.i], p_compiled.types[f.i])), '{}')
  from (
    select distinct on (name) name, i
    from unnest(p_compiled.fields) with ordinality as u(name, i)
    where p_captures[i] is not null and name is not null
    order by name, i
  ) f
$$;

-- PostgreSQL decides a match's overall length by the first quantifier of a branch: a leading
-- non-greedy %{DATA} would make the whole match as short as possible and leave a trailing
-- %{GREEDYDATA} empty. Such REs get a second, never-matching branch, which makes the whole RE
-- greedy ("longest"), as grok users expect; each part keeps its own greediness. REs whose first
-- quantifier is greedy are greedy already and stay as they are: the extra branch costs about 2x.
create function siem_private.grok_match_regex(p_regex text) returns text
  language plpgsql immutable strict parallel safe
  as $$
declare
  i integer := 1;
  n integer := length(p_regex);
  c text;
  in_bracket boolean := false;
begin
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

create function siem_private.grok_match(p_expression text, p_input text) returns jsonb
  language plpgsql stable strict
  set search_path = pg_catalog, public
  as $$
declare
  compiled siem_private.grok_compiled := siem_private.grok_compile(p_expression);
  captures text[];
begin
  if coalesce(array_length(compiled.fields, 1), 0) = 0 then
    return case when p_input ~ siem_private.grok_match_regex(compiled.regex) then '{}'::jsonb end;
  end if;
  captures := regexp_match(p_input, siem_private.grok_match_regex(compiled.regex));
  if captures is null then
    return null;
  end if;
  return siem_private.grok_fields(compiled, captures);
end;
$$;
comment on function siem_private.grok_match(text, text) is
  'Matches one input against a grok expression: the fields as jsonb, {} when it matches without fields, null when it does not match. For trying patterns by hand.';

--------------------------------------------------------------------------------
-- Built-in pattern library: our own formulations of the Logstash core patterns (legacy field names)
--------------------------------------------------------------------------------

insert into public.grok_patterns (name, definition, builtin)
select name, definition, true
from (values
  ('USERNAME', $g$[a-zA-Z0-9._-]+$g$),
  ('USER', $g$%{USERNAME}$g$),
  ('EMAILLOCALPART', $g$[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*$g$),
  ('EMAILADDRESS', $g$%{EMAILLOCALPART}@%{HOSTNAME}$g$),
  ('INT', $g$(?:[+-]?[0-9]+)$g$),
  ('BASE10NUM', $g$(?<![0-9.+-])(?:[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+))$g$),
  ('NUMBER', $g$(?:%{BASE10NUM})$g$),
  ('BASE16NUM', $g$(?<![0-9A-Fa-f])(?:[+-]?(?:0x)?[0-9A-Fa-f]+)$g$),
  ('BASE16FLOAT', $g$\b(?<![0-9A-Fa-f.])(?:[+-]?(?:0x)?(?:[0-9A-Fa-f]+(?:\.[0-9A-Fa-f]*)?|\.[0-9A-Fa-f]+))\b$g$),
  ('POSINT', $g$\b(?:[1-9][0-9]*)\b$g$),
  ('NONNEGINT', $g$\b(?:[0-9]+)\b$g$),
  ('WORD', $g$\b\w+\b$g$),
  ('NOTSPACE', $g$\S+$g$),
  ('SPACE', $g$\s*$g$),
  ('DATA', $g$.*?$g$),
  ('GREEDYDATA', $g$.*$g$),
  ('QUOTEDSTRING', $g$(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`)$g$),
  ('QS', $g$%{QUOTEDSTRING}$g$),
  ('UUID', $g$[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}$g$),
  ('URN', $g$urn:[0-9A-Za-z][0-9A-Za-z-]{0,31}:(?:%[0-9a-fA-F]{2}|[0-9A-Za-z()+,.:=@;$_!*'/?#-])+$g$),
  ('MAC', $g$(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})$g$),
  ('CISCOMAC', $g$(?:(?:[A-Fa-f0-9]{4}\.){2}[A-Fa-f0-9]{4})$g$),
  ('WINDOWSMAC', $g$(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})$g$),
  ('COMMONMAC', $g$(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})$g$),
  ('IPV6', $g$(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|:(?:(?::[0-9A-Fa-f]{1,4}){1,7}|:)|(?:[0-9A-Fa-f]{1,4}:){6}%{IPV4}|(?:[0-9A-Fa-f]{1,4}:){0,5}:%{IPV4}|::(?:[Ff]{4}(?::0{1,4})?:)?%{IPV4})(?:%[0-9A-Za-z]+)?$g$),
  ('IPV4', $g$(?<![0-9])(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]{1,2})\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]{1,2})(?![0-9])$g$),
  ('IP', $g$(?:%{IPV6}|%{IPV4})$g$),
  ('HOSTNAME', $g$\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\.?|\b)$g$),
  ('IPORHOST', $g$(?:%{IP}|%{HOSTNAME})$g$),
  ('HOSTPORT', $g$%{IPORHOST}:%{POSINT}$g$),
  ('PATH', $g$(?:%{UNIXPATH}|%{WINPATH})$g$),
  ('UNIXPATH', $g$(?:/(?:[\w_%!$@:.,+~-]+|\\.)*)+$g$),
  ('TTY', $g$(?:/dev/(?:pts|tty(?:[pq])?)(?:\w+)?/?(?:[0-9]+))$g$),
  ('WINPATH', $g$(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+$g$),
  ('URIPROTO', $g$[A-Za-z](?:[A-Za-z0-9+.-]+)?$g$),
  ('URIHOST', $g$%{IPORHOST}(?::%{POSINT:port})?$g$),
  ('URIPATH', $g$(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+$g$),
  ('URIQUERY', $g$[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>^-]*$g$),
  ('URIPARAM', $g$\?%{URIQUERY}$g$),
  ('URIPATHPARAM', $g$%{URIPATH}(?:\?%{URIQUERY})?$g$),
  ('URI', $g$%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATH}(?:\?%{URIQUERY})?)?$g$),
  ('MONTH', $g$\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\b$g$),
  ('MONTHNUM', $g$(?:0?[1-9]|1[0-2])$g$),
  ('MONTHNUM2', $g$(?:0[1-9]|1[0-2])$g$),
  ('MONTHDAY', $g$(?:0[1-9]|[12][0-9]|3[01]|[1-9])$g$),
  ('DAY', $g$(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)$g$),
  ('YEAR', $g$(?:\d\d){1,2}$g$),
  ('HOUR', $g$(?:2[0123]|[01]?[0-9])$g$),
  ('MINUTE', $g$(?:[0-5][0-9])$g$),
  ('SECOND', $g$(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)$g$),
  ('TIME', $g$(?<![0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])$g$),
  ('DATE_US', $g$%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}$g$),
  ('DATE_EU', $g$%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}$g$),
  ('ISO8601_TIMEZONE', $g$(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))$g$),
  ('ISO8601_SECOND', $g$%{SECOND}$g$),
  ('TIMESTAMP_ISO8601', $g$%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?$g$),
  ('DATE', $g$%{DATE_US}|%{DATE_EU}$g$),
  ('DATESTAMP', $g$%{DATE}[- ]%{TIME}$g$),
  ('TZ', $g$(?:[APMCE][SD]T|UTC)$g$),
  ('DATESTAMP_RFC822', $g$%{DAY} %{MONTH} %{MONTHDAY} %{YEAR} %{TIME} %{TZ}$g$),
  ('DATESTAMP_RFC2822', $g$%{DAY}, %{MONTHDAY} %{MONTH} %{YEAR} %{TIME} %{ISO8601_TIMEZONE}$g$),
  ('DATESTAMP_OTHER', $g$%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{TZ} %{YEAR}$g$),
  ('DATESTAMP_EVENTLOG', $g$%{YEAR}%{MONTHNUM2}%{MONTHDAY}%{HOUR}%{MINUTE}%{SECOND}$g$),
  ('SYSLOGTIMESTAMP', $g$%{MONTH} +%{MONTHDAY} %{TIME}$g$),
  ('PROG', $g$[\x21-\x5a\x5c\x5e-\x7e]+$g$),
  ('SYSLOGPROG', $g$%{PROG:program}(?:\[%{POSINT:pid}\])?$g$),
  ('SYSLOGHOST', $g$%{IPORHOST}$g$),
  ('SYSLOGFACILITY', $g$<%{NONNEGINT:facility}.%{NONNEGINT:priority}>$g$),
  ('HTTPDATE', $g$%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}$g$),
  ('LOGLEVEL', $g$(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?(?:RMATION)?|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)$g$),
  ('SYSLOGBASE', $g$%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:$g$),
  ('SYSLOGLINE', $g$%{SYSLOGBASE}%{GREEDYDATA:message}$g$),
  ('SYSLOG5424PRINTASCII', $g$[!-~]+$g$),
  ('SYSLOG5424PRI', $g$<%{NONNEGINT:syslog5424_pri}>$g$),
  ('SYSLOG5424SD', $g$\[%{DATA}\]+$g$),
  ('SYSLOG5424BASE', $g$%{SYSLOG5424PRI}%{NONNEGINT:syslog5424_ver} +(?:%{TIMESTAMP_ISO8601:syslog5424_ts}|-) +(?:%{IPORHOST:syslog5424_host}|-) +(?:%{SYSLOG5424PRINTASCII:syslog5424_app}|-) +(?:%{SYSLOG5424PRINTASCII:syslog5424_proc}|-) +(?:%{SYSLOG5424PRINTASCII:syslog5424_msgid}|-) +(?:%{SYSLOG5424SD:syslog5424_sd}|-|)$g$),
  ('SYSLOG5424LINE', $g$%{SYSLOG5424BASE} +%{GREEDYDATA:syslog5424_msg}$g$),
  ('HTTPDUSER', $g$%{EMAILADDRESS}|%{USER}$g$),
  ('HTTPDERROR_DATE', $g$%{DAY} %{MONTH} %{MONTHDAY} %{TIME} %{YEAR}$g$),
  ('COMMONAPACHELOG', $g$%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \[%{HTTPDATE:timestamp}\] "(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" (?:-|%{NUMBER:response}) (?:-|%{NUMBER:bytes})$g$),
  ('COMBINEDAPACHELOG', $g$%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}$g$),
  ('HTTPD_COMMONLOG', $g$%{COMMONAPACHELOG}$g$),
  ('HTTPD_COMBINEDLOG', $g$%{COMBINEDAPACHELOG}$g$),
  ('HTTPD20_ERRORLOG', $g$\[%{HTTPDERROR_DATE:timestamp}\] \[%{LOGLEVEL:loglevel}\] (?:\[client %{IPORHOST:clientip}\] ){0,1}%{GREEDYDATA:message}$g$),
  ('HTTPD24_ERRORLOG', $g$\[%{HTTPDERROR_DATE:timestamp}\] \[(?:%{WORD:module})?:%{LOGLEVEL:loglevel}\] \[pid %{POSINT:pid}(?::tid %{NUMBER:tid})?\](?: \(%{POSINT:proxy_errorcode}\)%{DATA:proxy_message}:)?(?: \[client %{IPORHOST:clientip}:%{POSINT:clientport}\])?(?: %{DATA:errorcode}:)? %{GREEDYDATA:message}$g$),
  ('HTTPD_ERRORLOG', $g$%{HTTPD20_ERRORLOG}|%{HTTPD24_ERRORLOG}$g$)
) as library (name, definition);

-- Fast forms for parsers: the same shapes without lookaround constraints or long alternations.
update public.grok_patterns g set fast_definition = f.fast
from (values
  ('IPV4', $g$[0-9]{1,3}(?:\.[0-9]{1,3}){3}$g$),
  ('IPV6', $g$[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?$g$),
  ('IP', $g$[0-9A-Fa-f:][0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?$g$),
  ('HOSTNAME', $g$[0-9A-Za-z][0-9A-Za-z.-]*$g$),
  ('BASE10NUM', $g$[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)$g$),
  ('POSINT', $g$[1-9][0-9]*$g$),
  ('NONNEGINT', $g$[0-9]+$g$),
  ('WORD', $g$[A-Za-z0-9_]+$g$),
  ('MONTH', $g$[A-Za-z]{3,9}$g$)
) as f (name, fast)
where g.name = f.name;
