--! Previous: sha1:dc25f41c0ad3f7cf146d8adf6a56e4eca3e4b250
--! Hash: sha1:1dc883755600d5dc3edbf93cddc7e14ee3795536
--! Message: formats

-- More line formats, as functions the ingest trigger can call per line: RFC 5424 syslog, CEF and
-- CSV (with public.csv_sources, one header per source). Like parse_bsd_syslog they never throw: a
-- line that is not of the format gives an error reason (RFC 5424) or null (CEF), so the caller can
-- quarantine it with the reason. They use strpos/split_part rather than capture regexes, which
-- cost 20-150 us a line in PostgreSQL. The trigger does not call them yet.

--------------------------------------------------------------------------------
-- RFC 5424 syslog
--------------------------------------------------------------------------------

create type siem_private.rfc5424_syslog as (
  pri integer,
  facility integer,
  severity integer,
  version integer,
  ts timestamptz,
  host text,
  app_name text,
  procid text,
  msgid text,
  structured_data jsonb,
  message text,
  error text
);
comment on type siem_private.rfc5424_syslog is
  'An RFC 5424 syslog line split by siem_private.parse_rfc5424(). NILVALUE (-) fields are null. structured_data: {"SD-ID": {"PARAM": "value"}} with escapes removed. error: why the line is not RFC 5424 (with a 0-based byte column, as go-syslog reports it); every other field is then null.';

-- The error of a line whose header (PRI to MSGID) is not RFC 5424, found byte by byte the way
-- go-syslog's state machine (github.com/influxdata/go-syslog/v3) finds it: the same reasons, at
-- the same 0-based byte column. parse_rfc5424 calls it only when its checks of the header fail,
-- so valid lines never pay for the walk. Looks at the first 600 characters at most: every header
-- error is found before (PRI, VERSION and TIMESTAMP take at most 41 bytes, the four names at most
-- 467 with their spaces).
create function siem_private.rfc5424_header_error(p_line text) returns text
  language plpgsql immutable strict parallel safe
  as $$
declare
  -- the characters up to just past the sixth space (where STRUCTURED-DATA would start): the walk
  -- never goes further unless the line ends first, so n is the line's length wherever it is used
  c text[] := string_to_array(left(p_line, least(600, 7 + length(split_part(p_line, ' ', 1)) + length(split_part(p_line, ' ', 2))
                                                      + length(split_part(p_line, ' ', 3)) + length(split_part(p_line, ' ', 4))
                                                      + length(split_part(p_line, ' ', 5)) + length(split_part(p_line, ' ', 6)))), null);
  n integer := coalesce(cardinality(c), 0);
  -- the four name fields: maximum length and the go-syslog reason
  field_max integer[] := array[255, 48, 128, 32];
  field_error text[] := array[
    'expecting an hostname (from 1 to max 255 US-ASCII characters) or a nil value',
    'expecting an app-name (from 1 to max 48 US-ASCII characters) or a nil value',
    'expecting a procid (from 1 to max 128 US-ASCII characters) or a nil value',
    'expecting a msgid (from 1 to max 32 US-ASCII characters) or a nil value'];
  e_ts constant text := 'expecting a RFC3339MICRO timestamp or a nil value';
  e_parse constant text := 'parsing error';
  digits text := '';
  len integer;
  i integer;
  k integer;
  p integer;
  ch text;
  prev text;
  ok boolean;
  y integer;
  mo integer;
  d integer;
begin
  -- PRI: '<' then 0 or 1-191 without leading zeros, then '>'
  if n = 0 or c[1] <> '<' then
    return 'expecting a priority value within angle brackets [col 0]';
  end if;
  i := 2;
  while i <= least(n, 4) and ascii(c[i]) between 48 and 57 loop
    digits := digits || c[i];
    i := i + 1;
  end loop;
  len := 0;
  for k in reverse length(digits) .. 1 loop
    if left(digits, k) = '0' or (left(digits, 1) <> '0' and left(digits, k)::integer <= 191) then
      len := k;
      exit;
    end if;
  end loop;
  i := 2 + len;
  if len = 0 or i > n or c[i] <> '>' then
    return format('expecting a priority value in the range 1-191 or equal to 0 [col %s]', least(i, n + 1) - 1);
  end if;
  -- VERSION: 1-999; a wrong character right after the first digit is a parsing error in go-syslog
  i := i + 1;
  if i > n or ascii(c[i]) not between 49 and 57 then
    return format('expecting a version value in the range 1-999 [col %s]', least(i, n + 1) - 1);
  end if;
  k := 1;
  while i + k <= n and k < 4 and ascii(c[i + k]) between 48 and 57 loop
    k := k + 1;
  end loop;
  if k = 4 then
    return format('expecting a version value in the range 1-999 [col %s]', i + 2);
  end if;
  i := i + k;
  if i > n or c[i] <> ' ' then
    return format('%s [col %s]', case when k = 1 then e_parse else 'expecting a version value in the range 1-999' end, least(i, n + 1) - 1);
  end if;
  i := i + 1;
  -- TIMESTAMP: '-' or YYYY-MM-DDTHH:MM:SS[.1-6 digits](Z|+hh:mm|-hh:mm)
  if i <= n and c[i] = '-' then
    i := i + 1;
    if i > n or c[i] <> ' ' then
      return format('%s [col %s]', e_parse, least(i, n + 1) - 1);
    end if;
    i := i + 1;
  else
    for k in 1 .. 19 loop
      p := i + k - 1;
      if p > n then
        return format('%s [col %s]', e_ts, n);
      end if;
      ch := c[p];
      prev := case when k > 1 then c[p - 1] end;
      ok := case k
        when 5 then ch = '-'
        when 6 then ch in ('0', '1')
        when 7 then case prev when '0' then ascii(ch) between 49 and 57 else ch in ('0', '1', '2') end
        when 8 then ch = '-'
        when 9 then ascii(ch) between 48 and 51
        when 10 then case prev when '0' then ascii(ch) between 49 and 57 when '3' then ch in ('0', '1') else ascii(ch) between 48 and 57 end
        when 11 then ch = 'T'
        when 12 then ch in ('0', '1', '2')
        when 13 then case prev when '2' then ascii(ch) between 48 and 51 else ascii(ch) between 48 and 57 end
        when 14 then ch = ':'
        when 15 then ascii(ch) between 48 and 53
        when 17 then ch = ':'
        when 18 then ascii(ch) between 48 and 53
        else ascii(ch) between 48 and 57
      end;
      if not ok then
        return format('%s [col %s]', e_ts, p - 1);
      end if;
    end loop;
    p := i + 19;
    if p <= n and c[p] = '.' then
      p := p + 1;
      k := 0;
      while p <= n and k < 6 and ascii(c[p]) between 48 and 57 loop
        p := p + 1;
        k := k + 1;
      end loop;
      if k = 0 then
        return format('%s [col %s]', e_ts, least(p, n + 1) - 1);
      end if;
    end if;
    if p > n then
      return format('%s [col %s]', e_ts, n);
    elsif c[p] = 'Z' then
      p := p + 1;
    elsif c[p] in ('+', '-') then
      for k in 1 .. 5 loop
        if p + k > n then
          return format('%s [col %s]', e_ts, n);
        end if;
        ch := c[p + k];
        ok := case k
          when 1 then ch in ('0', '1', '2')
          when 2 then case when c[p + 1] = '2' then ascii(ch) between 48 and 51 else ascii(ch) between 48 and 57 end
          when 3 then ch = ':'
          when 4 then ascii(ch) between 48 and 53
          else ascii(ch) between 48 and 57
        end;
        if not ok then
          return format('%s [col %s]', e_ts, p + k - 1);
        end if;
      end loop;
      p := p + 6;
    else
      return format('%s [col %s]', e_ts, p - 1);
    end if;
    -- Go's time.Parse then rejects days the month does not have
    y := array_to_string(c[i:i + 3], '')::integer;
    mo := array_to_string(c[i + 5:i + 6], '')::integer;
    d := array_to_string(c[i + 8:i + 9], '')::integer;
    if d > 31 - (case when mo = 2 then 3 - (case when (y % 4 = 0 and y % 100 <> 0) or y % 400 = 0 then 1 else 0 end)
                      else (mo - 1) % 7 % 2 end) then
      return format('parsing time "%s": day out of range [col %s]', array_to_string(c[i:p - 1], ''), p - 1);
    end if;
    if p > n or c[p] <> ' ' then
      return format('%s [col %s]', e_parse, least(p, n + 1) - 1);
    end if;
    i := p + 1;
  end if;
  -- HOSTNAME, APP-NAME, PROCID, MSGID: 1 to max printable US-ASCII characters ('-' is nil)
  for k in 1 .. 4 loop
    p := 0;
    loop
      if i + p > n then
        return format('%s [col %s]', field_error[k], n);
      end if;
      ch := c[i + p];
      exit when ch = ' ' and p > 0;
      if ascii(ch) not between 33 and 126 or p = field_max[k] then
        return format('%s [col %s]', field_error[k], i + p - 1);
      end if;
      p := p + 1;
    end loop;
    i := i + p + 1;
  end loop;
  -- The header is valid: whatever is wrong comes after it (parse_rfc5424 checks that part itself).
  return format('%s [col %s]', e_parse, i - 1);
end;
$$;
comment on function siem_private.rfc5424_header_error(text) is
  'Why the header of a line (PRI to MSGID) is not RFC 5424, with go-syslog''s reason and 0-based byte column; parse_rfc5424() calls it for lines its header check rejects.';

-- STRUCTURED-DATA and MSG of a line whose header is valid, walked element by element and param
-- by param (p_pos: where the structured data starts). parse_rfc5424 handles the common case
-- itself and calls this for the rest: escaped characters (\" \] \\), control characters in a
-- value, and every error, reported with go-syslog's reason and 0-based byte column.
create function siem_private.rfc5424_sd_walk(p_line text, p_pos integer, out sd jsonb, out msg text, out error text)
  language plpgsql immutable strict parallel safe
  as $$
declare
  pos integer := p_pos;  -- 1-based index in p_line of the first character of rest
  rest text := substr(p_line, p_pos);
  id text;
  params jsonb;
  pname text;
  val text;
  tail text;
  toff integer;          -- 1-based index in p_line of the first character of tail
  q integer;
  bs integer;
  stop integer;
  seg text;
  k integer;
  n integer;
  err_at integer;        -- 1-based index in p_line where the error is
  sdname constant text := '^[!#-<>-\\^-~]+$';
  e_sdid constant text := 'expecting a structured data element id (from 1 to max 32 US-ASCII characters; except `=`, ` `, `]`, and `"`';
  e_sdparam constant text := 'expecting a structured data parameter (`key="value"`, both part from 1 to max 32 US-ASCII characters; key cannot contain `=`, ` `, `]`, and `"`, while value cannot contain `]`, backslash, and `"` unless escaped)';
begin
  if left(rest, 1) = '-' then
    if length(rest) > 1 and substr(rest, 2, 1) <> ' ' then
      error := format('parsing error [col %s]', octet_length(left(p_line, pos)));
    else
      msg := substr(rest, 3);
    end if;
    return;
  elsif left(rest, 1) <> '[' then
    error := format('expecting a structured data section containing one or more elements (`[id( key="value")*]+`) or a nil value [col %s]',
                    octet_length(left(p_line, pos - 1)));
    return;
  end if;
  sd := '{}';
  loop
    -- rest starts with '[' at pos; the SD-ID runs to ' ' or ']'
    k := strpos(rest, ' ');
    n := strpos(rest, ']');
    if n > 0 and (k = 0 or n < k) then
      k := n;
    end if;
    id := case when k > 0 then substr(rest, 2, k - 2) else substr(rest, 2) end;
    if k = 0 or length(id) > 32 or id !~ sdname then
      n := length(substring(substr(rest, 2) from '^[!#-<>-\\^-~]*'));
      err_at := pos + 1 + least(n, 32);
      error := case when n between 1 and 32 and sd ? left(substr(rest, 2), n) then 'duplicate structured data element id' else e_sdid end;
      exit;
    end if;
    if sd ? id then
      err_at := pos + k - 1;
      error := 'duplicate structured data element id';
      exit;
    end if;
    params := '{}';
    -- k: index in rest of the ' ' or ']' after the SD-ID or a param
    while substr(rest, k, 1) = ' ' loop
      rest := substr(rest, k + 1);
      pos := pos + k;
      k := strpos(rest, '=');
      pname := left(rest, k - 1);
      if k = 0 or length(pname) > 32 or pname !~ sdname or substr(rest, k + 1, 1) <> '"' then
        n := length(substring(rest from '^[!#-<>-\\^-~]*'));
        err_at := pos + case when n = 0 then 0 when n > 32 then 32 when substr(rest, n + 1, 1) = '=' then n + 1 else n end;
        error := e_sdparam;
        exit;
      end if;
      -- the value: up to the first '"' not escaped; \" \] \\ are escapes, a bare ] is an error
      val := '';
      tail := substr(rest, k + 2);
      toff := pos + k + 1;
      loop
        q := strpos(tail, '"');
        bs := strpos(tail, '\');
        stop := case when bs > 0 and (q = 0 or bs < q) then bs else q end;
        seg := case when stop > 0 then left(tail, stop - 1) else tail end;
        n := strpos(seg, ']');
        if n > 0 or stop = 0 then
          err_at := toff + case when n > 0 then n - 1 else length(tail) end;
          exit;
        end if;
        if stop = q then
          val := val || seg;
          exit;
        end if;
        if substr(tail, bs + 1, 1) not in ('"', ']', '\') or bs = length(tail) then
          err_at := toff + bs;
          exit;
        end if;
        val := val || seg || substr(tail, bs + 1, 1);
        tail := substr(tail, bs + 2);
        toff := toff + bs + 1;
      end loop;
      if err_at is not null then
        error := 'expecting chars `]`, `"`, and `\` to be escaped within param value';
        exit;
      end if;
      -- a repeated PARAM-NAME keeps the last value, as go-syslog does
      params := params || jsonb_build_object(pname, val);
      rest := substr(tail, q + 1);
      pos := toff + q;
      k := 1;
      if left(rest, 1) not in (' ', ']') or rest = '' then
        err_at := pos;
        error := e_sdparam;
        exit;
      end if;
    end loop;
    exit when error is not null;
    sd := sd || jsonb_build_object(id, params);
    -- substr(rest, k, 1) is ']'
    rest := substr(rest, k + 1);
    pos := pos + k;
    continue when left(rest, 1) = '[';
    if left(rest, 1) = ' ' then
      msg := substr(rest, 2);
    elsif rest <> '' then
      err_at := pos;
      error := 'expecting a structured data section containing one or more elements (`[id( key="value")*]+`) or a nil value';
    end if;
    exit;
  end loop;
  if error is not null then
    error := format('%s [col %s]', error, octet_length(left(p_line, err_at - 1)));
    sd := null;
    msg := null;
  end if;
end;
$$;
comment on function siem_private.rfc5424_sd_walk(text, integer) is
  'STRUCTURED-DATA (from p_pos) and MSG of an RFC 5424 line, walked param by param with escapes, or the go-syslog error (reason and byte column); parse_rfc5424() calls it for what its fast path does not take.';

-- An RFC 5424 line as its fields, or with only `error` set when it is not one. Strict, as
-- go-syslog's default machine: every valid vector of go-syslog's tests parses to its fields and
-- every invalid one gives its reason (docs/parsing.md). Two choices differ from go-syslog: a BOM
-- at the start of MSG is removed, and an empty MSG is null. p_compliant_msg is go-syslog's
-- WithCompliantMsg: a MSG that starts with a BOM must be valid UTF-8. PostgreSQL text always is,
-- so a U+FFFD after the BOM is taken as the agent's replacement of invalid bytes; pass
-- 'invalid_utf8' = any(events_raw.flags) to apply the check only where the bytes were invalid.
-- Fast path: one cheap regex for the shape of the header and one for the timestamp, split_part
-- for the fields, and structured data without backslashes or control characters split at its
-- quotes; anything else goes to rfc5424_header_error or rfc5424_sd_walk.
create function siem_private.parse_rfc5424(p_line text, p_compliant_msg boolean default false)
  returns siem_private.rfc5424_syslog
  language plpgsql immutable parallel safe
  as $$
declare
  head text;
  stamp text;
  host text;
  app text;
  procid text;
  msgid text;
  gt integer;
  pri integer;
  pos integer;
  rest text;
  region text;
  e integer;
  pieces text[];
  s text;
  json text;
  n integer;
  j integer;
  sd jsonb;
  msg text;
  walked record;
  y integer;
  mo integer;
  d integer;
  k integer;
  ts timestamptz;
  slow boolean := false;
begin
  if p_line is null or p_line !~ '^<[0-9]{1,3}>[1-9][0-9]{0,2} [-0-9T:.Z+]+ [!-~]+ [!-~]+ [!-~]+ [!-~]+ ' then
    return row(null, null, null, null, null, null, null, null, null, null, null,
               siem_private.rfc5424_header_error(coalesce(p_line, '')))::siem_private.rfc5424_syslog;
  end if;
  head := split_part(p_line, ' ', 1);
  stamp := split_part(p_line, ' ', 2);
  host := split_part(p_line, ' ', 3);
  app := split_part(p_line, ' ', 4);
  procid := split_part(p_line, ' ', 5);
  msgid := split_part(p_line, ' ', 6);
  gt := strpos(head, '>');
  pri := substr(head, 2, gt - 2)::integer;
  if pri > 191 or (gt > 3 and substr(head, 2, 1) = '0')
     or length(host) > 255 or length(app) > 48 or length(procid) > 128 or length(msgid) > 32
     or (stamp <> '-' and stamp !~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$') then
    return row(null, null, null, null, null, null, null, null, null, null, null,
               siem_private.rfc5424_header_error(p_line))::siem_private.rfc5424_syslog;
  end if;
  if stamp <> '-' then
    y := left(stamp, 4)::integer;
    mo := substr(stamp, 6, 2)::integer;
    d := substr(stamp, 9, 2)::integer;
    -- Go's time.Parse rejects days the month does not have
    if d > 28 and d > 31 - (case when mo = 2 then 3 - (case when (y % 4 = 0 and y % 100 <> 0) or y % 400 = 0 then 1 else 0 end)
                                 else (mo - 1) % 7 % 2 end) then
      return row(null, null, null, null, null, null, null, null, null, null, null,
                 format('parsing time "%s": day out of range [col %s]', stamp, length(head) + 1 + length(stamp)))::siem_private.rfc5424_syslog;
    end if;
    k := length(stamp) - case when right(stamp, 1) = 'Z' then 0 else 5 end;  -- where the offset starts
    if y > 0 and (k = length(stamp) or substr(stamp, k + 1, 2)::integer <= 15) then
      -- checked above, the cast cannot fail; with its offset given, the session's TimeZone and
      -- DateStyle do not change what an ISO 8601 stamp means
      ts := stamp::timestamptz;
    else
      -- year 0000 is 1 BC; offsets reach +-23:59, beyond what timestamptz input accepts
      ts := (make_timestamp(case when y = 0 then -1 else y end, mo, d, substr(stamp, 12, 2)::integer, substr(stamp, 15, 2)::integer,
                            substr(stamp, 18, k - 18)::double precision) at time zone 'UTC')
            - case when k = length(stamp) then interval '0'
                   else (substr(stamp, k + 1, 2)::integer * 60 + right(stamp, 2)::integer) * interval '1 minute'
                        * case when substr(stamp, k, 1) = '-' then -1 else 1 end end;
    end if;
  end if;
  -- STRUCTURED-DATA: '-' or [SD-ID( PARAM="value")*]+
  pos := length(head) + length(stamp) + length(host) + length(app) + length(procid) + length(msgid) + 7;
  rest := substr(p_line, pos);
  if left(rest, 1) = '-' and (length(rest) = 1 or substr(rest, 2, 1) = ' ') then
    msg := substr(rest, 3);
  elsif left(rest, 1) = '[' then
    -- without backslashes a value holds no ']': the first '] ' (or the last ']') ends the SD
    e := strpos(rest, '] ');
    if e = 0 and right(rest, 1) = ']' then
      e := length(rest);
    end if;
    region := left(rest, e);
    slow := e = 0 or strpos(region, '\') > 0
            or region !~ '^(\[[!#-<>-\\^-~]+( [!#-<>-\\^-~]+="[^"\]\x01-\x1f\x7f]*")*\])+$';
    if not slow then
      -- Quotes delimit the values: even pieces are values, odd pieces structure, which becomes
      -- JSON by replace(): '[ID' -> '{"ID', ' NAME=' -> ',"NAME":', '][' -> '},"' ... The regex
      -- leaves nothing to escape (no '"', backslash or control character), so the cast cannot fail.
      -- A piece over 34 characters may hold a name over 32: rfc5424_sd_walk checks those.
      pieces := string_to_array(region, '"');
      n := cardinality(pieces);
      s := pieces[1];
      slow := length(s) > 34;
      json := '{"' || replace(replace(replace(replace(substr(s, 2), '][', '":{},"'), ']', '":{}'), ' ', '":{"'), '=', '":');
      j := 2;
      while j < n and not slow loop
        s := pieces[j + 1];
        slow := length(s) > 34;
        json := json || '"' || pieces[j] || '"'
                || case when left(s, 1) = ' ' then ',"' || substr(s, 2, length(s) - 2) || '":'
                        when s = ']' then '}'
                        else '},"' || replace(replace(replace(replace(substr(s, 3), '][', '":{},"'), ']', '":{}'), ' ', '":{"'), '=', '":') end;
        j := j + 2;
      end loop;
      if not slow then
        sd := (json || '}')::jsonb;
        -- a repeated PARAM-NAME keeps its last value, as in go-syslog, but a repeated SD-ID is an
        -- error: count the elements ('][' occurs only between two) against the keys
        e := (length(region) - length(replace(region, '][', ''))) / 2 + 1;
        slow := e > 1 and jsonb_array_length(jsonb_path_query_array(sd, '$.*')) <> e;
        msg := substr(rest, length(region) + 2);
      end if;
    end if;
  else
    slow := true;
  end if;
  if slow then
    walked := siem_private.rfc5424_sd_walk(p_line, pos);
    if walked.error is not null then
      return row(null, null, null, null, null, null, null, null, null, null, null, walked.error)::siem_private.rfc5424_syslog;
    end if;
    sd := walked.sd;
    msg := walked.msg;
  end if;
  -- MSG: a leading BOM only says the rest is UTF-8
  if left(msg, 1) = U&'\FEFF' then
    msg := substr(msg, 2);
    if p_compliant_msg and strpos(msg, U&'\FFFD') > 0 then
      return row(null, null, null, null, null, null, null, null, null, null, null,
                 format('expecting a free-form optional message in UTF-8 (starting with or without BOM) or a free-form optional message in any encoding (starting without BOM) [col %s]',
                        octet_length(p_line) - octet_length(substr(msg, strpos(msg, U&'\FFFD')))))::siem_private.rfc5424_syslog;
    end if;
  end if;
  return row(pri, pri / 8, pri % 8, substr(head, gt + 1)::integer, ts, nullif(host, '-'), nullif(app, '-'), nullif(procid, '-'),
             nullif(msgid, '-'), sd, nullif(msg, ''), null)::siem_private.rfc5424_syslog;
end;
$$;
comment on function siem_private.parse_rfc5424(text, boolean) is
  'Splits an RFC 5424 syslog line into priority, facility, severity, version, timestamp, host, app-name, procid, msgid, structured data (jsonb) and message; for a line that is not RFC 5424 only error is set (go-syslog''s reason and byte column). Never throws. p_compliant_msg: a MSG starting with a BOM must not contain U+FFFD (the agent''s mark of invalid UTF-8).';

--------------------------------------------------------------------------------
-- BSD syslog (RFC 3164) with an RFC 3339 timestamp
--------------------------------------------------------------------------------

-- As in 000003, plus `[<PRI>]YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm) host tag[pid]: message`: the
-- timestamp rsyslog writes by default (RSYSLOG_FileFormat) and go-syslog's RFC 3164 WithRFC3339
-- option reads; it carries its year and offset. Lines with the classic `Mmm dd hh:mm:ss` stamp
-- take the same path as before, and the new branch is only tried where that one returned null.
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
begin
  if left(p_line, 1) = '<' then
    pri_end := strpos(left(p_line, 5), '>');
    if pri_end < 3 or translate(substr(p_line, 2, pri_end - 2), '0123456789', '') <> '' then
      pri_end := 0;
    end if;
  end if;
  rest := substr(p_line, pri_end + 1);
  if substr(rest, 5, 1) = '-' and substr(rest, 11, 1) = 'T' then
    stamp := split_part(rest, ' ', 1);
    if length(rest) <= length(stamp) + 1
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
    rest := substr(rest, length(stamp) + 2);
  else
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
    -- the year is not in the line: the receipt year, or the one before for lines from the future
    result.ts := (make_timestamp(extract(year from p_received at time zone 'UTC')::integer, (month_pos + 2) / 3, 1,
                    substr(rest, 8, 2)::integer, substr(rest, 11, 2)::integer, substr(rest, 14, 2)::integer)
                  + (day - 1) * interval '1 day') at time zone 'UTC';
    if result.ts > p_received + interval '1 day' then
      result.ts := result.ts - interval '1 year';
    end if;
    rest := substr(rest, 17);
  end if;
  if pri_end > 0 then
    result.pri := substr(p_line, 2, pri_end - 2)::integer;
  end if;
  result.host := split_part(rest, ' ', 1);
  after_host := substr(rest, 2 + length(result.host));
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
  'Splits an RFC 3164 (BSD) syslog line into priority, timestamp, host, program, pid and message; null when the line is not one. The timestamp is Mmm dd hh:mm:ss (year from the receipt time, read as UTC) or RFC 3339 (rsyslog''s default file format).';

--------------------------------------------------------------------------------
-- CEF (ArcSight Common Event Format)
--------------------------------------------------------------------------------

-- `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`,
-- found anywhere in the text (it usually follows a syslog header), as jsonb: the seven header
-- fields (\| and \\ unescaped; cef_version a number, severity a number when it is one), the
-- extension's key=value pairs under "extensions" (a value runs to the next ` key=`, where a key is
-- letters, digits and _ . - [ ]; \= \\ \n \r unescaped; trailing spaces trimmed; a repeated key
-- keeps its last value), and canonical names for the common keys (docs/parsing.md): src_ip,
-- src_port, dst_ip, dst_port, username (duser, else suser), src_user, dst_user, src_host,
-- dst_host, domain (dhost when it is a DNS name), action, outcome, protocol, http_method,
-- url_path (path and query of request), user_agent, file_hash. Null when the text holds no CEF
-- header. Never throws.
create function siem_private.parse_cef(p_text text) returns jsonb
  language plpgsql immutable strict parallel safe
  as $$
declare
  start integer := strpos(p_text, 'CEF:');
  rest text;
  f text[];
  field text;
  p integer;
  i integer;
  parts text[];
  n integer;
  kv text[];
  token text;
  ext jsonb;
  t text;
  severity text;
  request text;
  spt text;
  dpt text;
  dhost text;
  notkey constant text := '[^A-Za-z0-9_.\[\]-]';
begin
  if start = 0 then
    return null;
  end if;
  rest := substr(p_text, start + 4);
  -- the seven header fields, split at pipes that no backslash escapes
  if strpos(rest, '\') = 0 then
    f := string_to_array(rest, '|');
    if cardinality(f) < 8 then
      return null;
    end if;
    rest := array_to_string(f[8:], '|');
  else
    f := '{}';
    for i in 1 .. 7 loop
      field := '';
      loop
        p := strpos(rest, '|');
        if p = 0 then
          return null;
        end if;
        field := field || left(rest, p);
        rest := substr(rest, p + 1);
        -- an odd number of backslashes before the pipe escapes it
        exit when (length(field) - 1 - length(rtrim(left(field, -1), '\'))) % 2 = 0;
      end loop;
      field := left(field, -1);
      if strpos(field, '\') > 0 then
        field := regexp_replace(field, '\\([\\|])', '\1', 'g');
      end if;
      f := f || field;
    end loop;
  end if;
  if f[1] = '' or length(f[1]) > 9 or f[1] ~ '[^0-9]' then
    return null;
  end if;
  -- The extension, split at '=': each piece but the first and last is `value key`, unless its
  -- last word is no key (an '=' inside a value, or \=), and then it belongs to the value.
  parts := string_to_array(rtrim(rest, E' \r\n\t'), '=');
  n := coalesce(cardinality(parts), 0);
  if n >= 2 then
    kv := array[split_part(parts[1], ' ', -1)];
    for i in 2 .. n - 1 loop
      token := split_part(parts[i], ' ', -1);
      if token <> parts[i] and token <> '' and token !~ notkey then
        kv := kv || rtrim(left(parts[i], -length(token) - 1), ' ') || token;
      else
        parts[i + 1] := parts[i] || '=' || parts[i + 1];
      end if;
    end loop;
    kv := kv || parts[n];
    if kv[1] = '' or kv[1] ~ notkey then
      kv := kv[3:];  -- text before the first key=
    end if;
  end if;
  ext := coalesce(jsonb_object(kv), '{}');
  if strpos(rest, '\') > 0 then
    -- \\ \= \n \r in the values, rewritten in their JSON text. jsonb output escapes every control
    -- character, so \x01 is free to hold an escaped backslash meanwhile; the result stays valid JSON.
    t := replace(ext::text, '\\\\', E'\x01');
    t := replace(replace(replace(t, '\\=', '='), '\\n', '\n'), '\\r', '\r');
    ext := replace(t, E'\x01', '\\')::jsonb;
  end if;
  -- Built with jsonb_object(), a cast of digits and jsonb_set(): jsonb_build_object() looks up
  -- the type of every argument on every call, and cost 14 us here.
  severity := btrim(f[7]);
  severity := case when severity <> '' and length(severity) <= 9 and severity !~ '[^0-9]' then severity::integer::text
                   else to_json(f[7])::text end;
  spt := ext ->> 'spt';
  dpt := ext ->> 'dpt';
  dhost := ext ->> 'dhost';
  request := nullif(ext ->> 'request', '');
  if strpos(request, '://') > 0 then
    request := substr(request, strpos(request, '://') + 3);
    p := strpos(request, '/');
    request := case when p > 0 then substr(request, p) else '/' end;
  end if;
  return jsonb_set(jsonb_strip_nulls(jsonb_object(
           '{device_vendor,device_product,device_version,signature_id,name,src_ip,dst_ip,username,src_user,dst_user,src_host,dst_host,domain,action,outcome,protocol,http_method,url_path,user_agent,file_hash}',
           f[2:6] || array[nullif(ext ->> 'src', ''), nullif(ext ->> 'dst', ''),
                           coalesce(nullif(ext ->> 'duser', ''), nullif(ext ->> 'suser', '')), nullif(ext ->> 'suser', ''), nullif(ext ->> 'duser', ''),
                           nullif(ext ->> 'shost', ''), nullif(dhost, ''),
                           case when strpos(dhost, '.') > 0 and dhost ~ '[^0-9.:]' then dhost end,
                           nullif(ext ->> 'act', ''), nullif(ext ->> 'outcome', ''), nullif(ext ->> 'proto', ''),
                           nullif(ext ->> 'requestMethod', ''), request, nullif(ext ->> 'requestClientApplication', ''),
                           nullif(ext ->> 'fileHash', '')]))
         || ('{"cef_version":' || f[1]::integer || ',"severity":' || severity
             || case when length(spt) between 1 and 5 and spt !~ '[^0-9]' then ',"src_port":' || spt::integer else '' end
             || case when length(dpt) between 1 and 5 and dpt !~ '[^0-9]' then ',"dst_port":' || dpt::integer else '' end
             || '}')::jsonb,
         '{extensions}', ext);
end;
$$;
comment on function siem_private.parse_cef(text) is
  'A CEF record (after any syslog header) as jsonb: cef_version, device_vendor, device_product, device_version, signature_id, name, severity, extensions {key: value}, plus canonical fields (src_ip, src_port, dst_ip, dst_port, username, action, outcome, http_method, url_path, user_agent, file_hash, ...). Null when the text holds no CEF header. Never throws.';

--------------------------------------------------------------------------------
-- CSV
--------------------------------------------------------------------------------

-- The fields of one CSV line (RFC 4180 quoting): a field that starts with a double quote runs to
-- its closing quote, may hold delimiters, and "" in it is one quote. One trailing CR (CRLF files)
-- is dropped. Malformed quoting is read leniently, as Python's csv module does: text after a
-- closing quote is kept, an unclosed quote runs to the end of the line. A quoted line break cannot
-- occur (the agent splits lines first). An empty line has no fields ('{}'). Never throws.
create function siem_private.csv_fields(p_line text, p_delimiter text default ',') returns text[]
  language plpgsql immutable strict parallel safe
  as $$
declare
  line text := p_line;
  result text[] := '{}';
  part text;
  acc text;
  inner_text text;
  val text;
  i integer;
  q integer;
  used integer := 0;    -- characters of line before the field being read
begin
  if right(line, 1) = E'\r' then
    line := left(line, -1);
  end if;
  if strpos(line, '"') = 0 or p_delimiter = '' then
    return string_to_array(line, p_delimiter);  -- an empty delimiter: the line is one field
  end if;
  -- split at every delimiter, then join the parts of a quoted field until its quotes pair up
  foreach part in array string_to_array(line, p_delimiter) loop
    if acc is null then
      if left(part, 1) <> '"' then
        result := result || part;
        used := used + length(part) + length(p_delimiter);
        continue;
      end if;
      acc := part;
    else
      acc := acc || p_delimiter || part;
    end if;
    continue when (length(acc) - length(replace(acc, '"', ''))) % 2 = 1;
    inner_text := substr(acc, 2, length(acc) - 2);
    exit when right(acc, 1) <> '"' or strpos(replace(inner_text, '""', ''), '"') > 0;  -- not well formed: read below
    result := result || replace(inner_text, '""', '"');
    used := used + length(acc) + length(p_delimiter);
    acc := null;
  end loop;
  if acc is null then
    return result;
  end if;
  -- not well formed, or a quote left open at the end of the line: read the rest character class
  -- by character class from where acc starts (Python csv's lenient reading)
  line := substr(line, used + 1);
  loop
    if left(line, 1) <> '"' then
      i := strpos(line, p_delimiter);
      if i = 0 then
        return result || line;
      end if;
      result := result || left(line, i - 1);
      line := substr(line, i + length(p_delimiter));
      continue;
    end if;
    val := '';
    i := 2;
    loop
      q := strpos(substr(line, i), '"');
      if q = 0 then
        return result || (val || substr(line, i));
      end if;
      val := val || substr(line, i, q - 1);
      i := i + q;
      exit when substr(line, i, 1) <> '"';
      val := val || '"';
      i := i + 1;
    end loop;
    -- after the closing quote: anything up to the delimiter is kept as it is
    line := substr(line, i);
    q := strpos(line, p_delimiter);
    if q = 0 then
      return result || (val || line);
    end if;
    result := result || (val || left(line, q - 1));
    line := substr(line, q + length(p_delimiter));
  end loop;
end;
$$;
comment on function siem_private.csv_fields(text, text) is
  'The fields of one CSV line (RFC 4180 quoting, lenient on malformed quotes; a trailing CR dropped); used to read a header line and by parse_csv(). Never throws.';

-- Header names as keys: trimmed of spaces (and a leading BOM, as Excel writes), a blank or
-- repeated name becomes column_N (N = its 1-based position).
create function siem_private.csv_header_keys(p_fields text[]) returns text[]
  language plpgsql immutable strict parallel safe
  as $$
declare
  result text[] := '{}';
  name text;
  i integer;
begin
  for i in 1 .. coalesce(cardinality(p_fields), 0) loop
    name := btrim(p_fields[i], ' ');
    if i = 1 then
      name := ltrim(name, U&'\FEFF');
    end if;
    if coalesce(name, '') = '' or name = any (result) then
      name := 'column_' || i;
    end if;
    result := result || name;
  end loop;
  return result;
end;
$$;
comment on function siem_private.csv_header_keys(text[]) is
  'CSV header fields as object keys: trimmed (and a BOM dropped); blank or repeated names become column_N.';

-- One CSV line as {header name: value}. Empty fields are left out (as parse_kv leaves out empty
-- values). A value beyond the header gets the key column_N (N = its 1-based position), so nothing
-- is lost; missing trailing values are simply absent. A null or blank name in p_header is
-- column_N too; a repeated one keeps the last value. Values stay text (canonicalize() types the
-- canonical ones). Null for an empty line. Never throws.
create function siem_private.parse_csv(p_line text, p_header text[], p_delimiter text default ',') returns jsonb
  language plpgsql immutable parallel safe
  as $$
declare
  vals text[] := siem_private.csv_fields(p_line, coalesce(p_delimiter, ','));
  n integer := coalesce(cardinality(vals), 0);
  h integer := coalesce(cardinality(p_header), 0);
  keys text[];
  i integer;
begin
  if n = 0 then
    return null;
  end if;
  if n <= h then
    keys := p_header[1:n];
  else
    keys := coalesce(p_header, '{}');
    for i in h + 1 .. n loop
      keys := keys || ('column_' || i);
    end loop;
  end if;
  if array_position(keys, null) is not null or array_position(keys, '') is not null then
    for i in 1 .. n loop
      if coalesce(keys[i], '') = '' then
        keys[i] := 'column_' || i;
      end if;
    end loop;
  end if;
  return jsonb_strip_nulls(jsonb_object(keys, array_replace(vals, '', null)));
end;
$$;
comment on function siem_private.parse_csv(text, text[], text) is
  'One CSV line as {header name: value}: empty fields left out, values beyond the header as column_N, null for an empty line. Never throws.';

create table public.csv_sources (
  source text primary key,
  header text[] check (header is null or (cardinality(header) > 0 and array_position(header, null) is null and array_position(header, '') is null)),
  delimiter text not null default ',' check (length(delimiter) = 1 and delimiter not in ('"', E'\n', E'\r')),
  header_learned_at timestamptz,
  description text
);
comment on table public.csv_sources is
  E'Sources whose lines are CSV (one row per events_raw.source). header: the column names, configured here, or, when null, taken from the first line the ingest path sees for the source (siem_private.csv_header_for). See docs/parsing.md.';
comment on column public.csv_sources.header is 'Column names, in order. Null until configured or learned from the source''s first line.';
comment on column public.csv_sources.delimiter is 'Field delimiter, one character (comma by default; tab for TSV).';
comment on column public.csv_sources.header_learned_at is 'When header was taken from a line of the source; null when an admin configured it (or it is not known yet).';

alter table public.csv_sources enable row level security;
create policy select_all on public.csv_sources for select to siem_analyst using (true);
create policy admin_all on public.csv_sources for all to siem_admin using (true) with check (true);
grant select on public.csv_sources to siem_analyst;
grant insert, update, delete on public.csv_sources to siem_admin;

-- The header of a CSV source, for the ingest trigger: csv_sources.header when known; otherwise
-- p_first_line (the first line of the source in the batch, by batch_seq) is read as the header,
-- stored with header_learned_at, and returned. When two batches race, the first to store wins and
-- the other gets its header. Null when the source is not in csv_sources (or p_first_line has no
-- field). Call it once per CSV source per batch, not per line.
create function siem_private.csv_header_for(p_source text, p_first_line text) returns text[]
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_header text[];
  v_delimiter text;
begin
  select s.header, s.delimiter into v_header, v_delimiter from public.csv_sources s where s.source = p_source;
  if not found or v_header is not null then
    return v_header;
  end if;
  v_header := siem_private.csv_header_keys(siem_private.csv_fields(coalesce(p_first_line, ''), v_delimiter));
  if cardinality(v_header) = 0 then
    return null;
  end if;
  update public.csv_sources s set header = v_header, header_learned_at = now()
  where s.source = p_source and s.header is null
  returning s.header into v_header;
  if not found then
    select s.header into v_header from public.csv_sources s where s.source = p_source;
  end if;
  return v_header;
end;
$$;
comment on function siem_private.csv_header_for(text, text) is
  'The header of a CSV source: csv_sources.header, or else p_first_line''s fields, stored as the header (first writer wins). Null when the source is not a CSV source. Once per source per batch.';

-- Whether a line is the source's header line (the line it was learned from, or the header
-- repeated, e.g. at the top of each rotated file): such a line is not a record.
create function siem_private.csv_is_header(p_line text, p_header text[], p_delimiter text default ',') returns boolean
  language sql immutable parallel safe
  as $$
  -- most lines do not even contain the first name (unless it was quoted with "" or made up)
  select coalesce((strpos(p_line, p_header[1]) > 0 or strpos(p_header[1], '"') > 0 or p_header[1] like 'column\_%')
                  and siem_private.csv_header_keys(siem_private.csv_fields(p_line, coalesce(p_delimiter, ','))) = p_header, false)
$$;
comment on function siem_private.csv_is_header(text, text[], text) is
  'True when the line''s fields, read as header names, are the header: the line is a header line, not a record.';
