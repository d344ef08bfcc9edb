--! Previous: sha1:76aa032caef1500c417cd92247fa34b6289f2dde
--! Hash: sha1:597846a1154c59ec7fba7583defaf651aa8a2204
--! Message: json-time-speed

-- Event times checked byte by byte instead of by regex or translate() (issue 3: parse speed).
--
-- event_time spent most of its time in fast_timestamp's validation: the ISO regex (about 2.3 us a
-- value) and, for access-log times, translate() + LIKE + a dozen substr() comparisons (about
-- 2.3 us, to_timestamp itself being 0.3 us). get_byte() on the value's bytes costs about 0.02 us a
-- check, so fast_timestamp_bytes checks every position and range with it: about 1 us for either
-- form. It takes exactly the texts fast_timestamp took (the same shapes and ranges, checked in the
-- same order so that no cast or get_byte can throw) and gives the same values; everything else still
-- goes to parse_timestamp.

--------------------------------------------------------------------------------
-- fast_timestamp_bytes: the fast path on the value's bytes
--------------------------------------------------------------------------------

-- A byte x (0-255) is a digit when x # 48 < 10 (xor: '0'-'9' become 0-9, every other byte 10 or
-- more), so one greatest() checks a dozen digits. Byte values: '0' 48 .. '9' 57, '-' 45, ':' 58,
-- '/' 47, ' ' 32, '.' 46, '+' 43, 'T' 84, 'Z' 90, 'z' 122.
-- Two digits ab (checked digits) make 10 * a + b = 528 + their value, so a range of two-digit
-- values is a range of 10 * a + b; four '0' bytes sum to 192. Every byte the checks read is ASCII,
-- so byte positions are character positions wherever the text functions take over.
create function siem_private.fast_timestamp_bytes(p_text text, p_bytes bytea) returns timestamptz
  language sql stable parallel safe
  as $$
  select case
    -- yyyy-mm-dd[T ]hh:mm:ss, then the rest as the ISO regex of 000026 had it: an optional
    -- fraction of 1 to 9 digits and a zone (Z, z, +hh, +hhmm, +hh:mm; hours up to 15)
    when octet_length(p_bytes) >= 20
         and get_byte(p_bytes, 4) = 45 and get_byte(p_bytes, 7) = 45 and get_byte(p_bytes, 10) in (84, 32)
         and get_byte(p_bytes, 13) = 58 and get_byte(p_bytes, 16) = 58
         and greatest(get_byte(p_bytes, 0) # 48, get_byte(p_bytes, 1) # 48, get_byte(p_bytes, 2) # 48, get_byte(p_bytes, 3) # 48,
                         get_byte(p_bytes, 5) # 48, get_byte(p_bytes, 6) # 48, get_byte(p_bytes, 8) # 48, get_byte(p_bytes, 9) # 48,
                         get_byte(p_bytes, 11) # 48, get_byte(p_bytes, 12) # 48, get_byte(p_bytes, 14) # 48, get_byte(p_bytes, 15) # 48,
                         get_byte(p_bytes, 17) # 48, get_byte(p_bytes, 18) # 48) < 10
         -- year not 0000, month 01-12, day 01-31, hour 00-23, minutes and seconds 00-59
         and get_byte(p_bytes, 0) + get_byte(p_bytes, 1) + get_byte(p_bytes, 2) + get_byte(p_bytes, 3) <> 192
         and get_byte(p_bytes, 5) * 10 + get_byte(p_bytes, 6) between 529 and 540
         and get_byte(p_bytes, 8) * 10 + get_byte(p_bytes, 9) between 529 and 559
         and get_byte(p_bytes, 11) * 10 + get_byte(p_bytes, 12) <= 551
         and get_byte(p_bytes, 14) <= 53 and get_byte(p_bytes, 17) <= 53
         -- after the seconds: 'Z' and '.fffZ' (the usual ones) byte by byte, the others by regex
         and case octet_length(p_bytes)
               when 20 then get_byte(p_bytes, 19) in (90, 122)
               when 24 then get_byte(p_bytes, 19) = 46 and get_byte(p_bytes, 23) in (90, 122)
                            and greatest(get_byte(p_bytes, 20) # 48, get_byte(p_bytes, 21) # 48, get_byte(p_bytes, 22) # 48) < 10
               else substr(p_text, 20) ~ '^(\.[0-9]{1,9})?(Z|z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)$' end
         -- a day the month has (only the 29th to 31st need the calendar)
         and (get_byte(p_bytes, 8) * 10 + get_byte(p_bytes, 9) <= 556
              or substr(p_text, 9, 2)::integer <= siem_private.days_in_month(left(p_text, 4)::integer, substr(p_text, 6, 2)::integer))
      then p_text::timestamptz
    -- dd/Mon/yyyy:hh:mm:ss +hhmm (access logs)
    when octet_length(p_bytes) = 26
         and get_byte(p_bytes, 2) = 47 and get_byte(p_bytes, 6) = 47 and get_byte(p_bytes, 11) = 58
         and get_byte(p_bytes, 14) = 58 and get_byte(p_bytes, 17) = 58 and get_byte(p_bytes, 20) = 32
         and get_byte(p_bytes, 21) in (43, 45)
         and greatest(get_byte(p_bytes, 0) # 48, get_byte(p_bytes, 1) # 48, get_byte(p_bytes, 7) # 48, get_byte(p_bytes, 8) # 48,
                         get_byte(p_bytes, 9) # 48, get_byte(p_bytes, 10) # 48, get_byte(p_bytes, 12) # 48, get_byte(p_bytes, 13) # 48,
                         get_byte(p_bytes, 15) # 48, get_byte(p_bytes, 16) # 48, get_byte(p_bytes, 18) # 48, get_byte(p_bytes, 19) # 48,
                         get_byte(p_bytes, 22) # 48, get_byte(p_bytes, 23) # 48, get_byte(p_bytes, 24) # 48, get_byte(p_bytes, 25) # 48) < 10
         -- day 01-31, year not 0000, hour 00-23, minutes and seconds 00-59, zone up to 15:59
         and get_byte(p_bytes, 0) * 10 + get_byte(p_bytes, 1) between 529 and 559
         and get_byte(p_bytes, 7) + get_byte(p_bytes, 8) + get_byte(p_bytes, 9) + get_byte(p_bytes, 10) <> 192
         and get_byte(p_bytes, 12) * 10 + get_byte(p_bytes, 13) <= 551
         and get_byte(p_bytes, 15) <= 53 and get_byte(p_bytes, 18) <= 53
         and get_byte(p_bytes, 22) * 10 + get_byte(p_bytes, 23) <= 543 and get_byte(p_bytes, 24) <= 53
         and strpos('JanFebMarAprMayJunJulAugSepOctNovDec', substr(p_text, 4, 3)) % 3 = 1
         and (get_byte(p_bytes, 0) * 10 + get_byte(p_bytes, 1) <= 556
              or left(p_text, 2)::integer <= siem_private.days_in_month(substr(p_text, 8, 4)::integer,
                                                                       (strpos('JanFebMarAprMayJunJulAugSepOctNovDec', substr(p_text, 4, 3)) + 2) / 3))
      then to_timestamp(p_text, 'DD/Mon/YYYY:HH24:MI:SS TZHTZM')
    else siem_private.parse_timestamp(p_text)
  end
$$;
comment on function siem_private.fast_timestamp_bytes(text, bytea) is
  'fast_timestamp(p_text) given also p_text''s bytes (convert_to(p_text, getdatabaseencoding())): ISO 8601 and access-log times are checked byte by byte and cast in place, anything else goes to parse_timestamp. Never throws. Inlined; callers pass the bytes as a variable so they are made once.';

--------------------------------------------------------------------------------
-- fast_timestamp: the bytes made once
--------------------------------------------------------------------------------

-- plpgsql, not SQL: inlined, the bytes expression would be repeated at each of its ~40 uses.
create or replace function siem_private.fast_timestamp(p_text text) returns timestamptz
  language plpgsql stable parallel safe
  as $$
declare
  -- the database's own encoding: no conversion, and text in the database is valid in it
  v_bytes bytea := convert_to(p_text, getdatabaseencoding());
begin
  return siem_private.fast_timestamp_bytes(p_text, v_bytes);
end;
$$;
comment on function siem_private.fast_timestamp(text) is
  'parse_timestamp''s result, with ISO 8601 / RFC 3339 (zone required) and access-log times checked byte by byte and cast directly (see fast_timestamp_bytes). Never throws.';

--------------------------------------------------------------------------------
-- event_time: fast_timestamp_bytes inlined
--------------------------------------------------------------------------------

create or replace function siem_private.event_time(p_fields jsonb, p_received timestamptz) returns timestamptz
  language plpgsql stable parallel safe
  as $$
declare
  -- variables, not expressions: fast_timestamp_bytes is inlined and names its arguments dozens of times
  v_text text := coalesce(p_fields ->> '@timestamp', p_fields ->> 'timestamp', p_fields ->> 'time');
  v_bytes bytea := convert_to(v_text, getdatabaseencoding());
  v_ts timestamptz;
begin
  if v_text is null then
    return p_received;
  end if;
  v_ts := siem_private.fast_timestamp_bytes(v_text, v_bytes);
  return case when v_ts >= '1970-01-01T00:00:00Z' and v_ts <= p_received + interval '1 day' then v_ts else p_received end;
end;
$$;
comment on function siem_private.event_time(jsonb, timestamptz) is
  'The event''s time from its fields (@timestamp, timestamp, time) when plausible, else the envelope''s; the syslog header''s time comes before it. Reads the time through fast_timestamp_bytes.';
