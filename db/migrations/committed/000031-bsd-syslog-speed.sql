--! Previous: sha1:95583b0b97c57e21a6984fccbe2bd8c33adb63ae
--! Hash: sha1:141fb3bac6f0876608df39352bb401edfbacd3ae
--! Message: bsd-syslog-speed

-- parse_bsd_syslog with less backend CPU per line, the same results (issue 3: the ingest ratio).
-- It runs for about nine in ten syslog lines. The 000022 version spent its time in text
-- functions on UTF-8 (substr counts characters from the start on every call, translate is slow)
-- and in about 30 plpgsql statements. The common line, '<PRI>Mmm dd hh:mm:ss host tag[pid]: msg',
-- is now read from the line's bytes: each stamp field is checked and read by one search in the
-- list of its valid values, host and tag are split_part words of the whole line. Every other line
-- goes to the 000022 code, unchanged, now named parse_bsd_syslog_general.

--------------------------------------------------------------------------------
-- The 000022 parser, for every line the fast path does not take
--------------------------------------------------------------------------------

create function siem_private.parse_bsd_syslog_general(p_line text, p_received timestamptz) returns siem_private.bsd_syslog
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
comment on function siem_private.parse_bsd_syslog_general(text, timestamptz) is
  'parse_bsd_syslog for any line (its 000022 body): RFC 3339 stamps, invalid fields, receipt times out of 1971-2199. parse_bsd_syslog calls it for the lines its fast path does not take; the results are the same.';

--------------------------------------------------------------------------------
-- The common line from its bytes
--------------------------------------------------------------------------------

create or replace function siem_private.parse_bsd_syslog(p_line text, p_received timestamptz) returns siem_private.bsd_syslog
  language plpgsql stable parallel safe
  as $$
declare
  -- get_byte and substring on bytea cost the same at any offset (substr on text counts characters)
  v_bytes bytea := textsend(p_line);
  v_at integer;
  v_month integer;
  v_day integer;
  v_hour integer;
  v_minute integer;
  v_second integer;
  v_ts timestamptz;
  v_host text;
  v_word text;
  v_colon integer;
  v_skip integer;
  v_tag text;
  v_message text;
begin
  -- The common line, '<PRI>Mmm dd hh:mm:ss host tag[pid]: message', read from its bytes. Anything
  -- else (RFC 3339 stamps, invalid fields, a receipt time out of 1971-2199, a multibyte character
  -- right after the stamp) goes to parse_bsd_syslog_general, whose answer this one repeats.
  v_at := position('>'::bytea in substring(v_bytes from 1 for 5));
  -- the stamp and two more characters; <PRI> of 1 to 3 digits (checked at bytes 1, at/2 and at-2)
  if octet_length(v_bytes) >= v_at + 18
     and (v_at = 0 or (v_at >= 3 and get_byte(v_bytes, 0) = 60 and get_byte(v_bytes, 1) between 48 and 57
                       and get_byte(v_bytes, v_at / 2) between 48 and 57 and get_byte(v_bytes, v_at - 2) between 48 and 57))
     and get_byte(v_bytes, v_at + 16) < 128
     and p_received >= '1971-01-01 00:00:00+00' and p_received < '2200-01-01 00:00:00+00' then
    -- Each field with the separator after it, looked up in the list of its valid values: one
    -- search checks and reads it. A match is valid only at the start of an entry (the key's
    -- separator, or the ',' between entries, never matches across two).
    v_month := position(substring(v_bytes from v_at + 1 for 4) in 'Jan ,Feb ,Mar ,Apr ,May ,Jun ,Jul ,Aug ,Sep ,Oct ,Nov ,Dec '::bytea);
    v_day := position(substring(v_bytes from v_at + 5 for 3) in '01 ,02 ,03 ,04 ,05 ,06 ,07 ,08 ,09 ,10 ,11 ,12 ,13 ,14 ,15 ,16 ,17 ,18 ,19 ,20 ,21 ,22 ,23 ,24 ,25 ,26 ,27 ,28 ,29 ,30 ,31 , 1 , 2 , 3 , 4 , 5 , 6 , 7 , 8 , 9 '::bytea);
    v_hour := position(substring(v_bytes from v_at + 8 for 3) in '00:01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16:17:18:19:20:21:22:23:'::bytea);
    v_minute := position(substring(v_bytes from v_at + 11 for 3) in '00:01:02:03:04:05:06:07:08:09:10:11:12:13:14:15:16:17:18:19:20:21:22:23:24:25:26:27:28:29:30:31:32:33:34:35:36:37:38:39:40:41:42:43:44:45:46:47:48:49:50:51:52:53:54:55:56:57:58:59:'::bytea);
    v_second := position(substring(v_bytes from v_at + 14 for 3) in '00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 '::bytea);
    if v_month % 5 = 1 and v_day % 4 = 1 and v_hour % 3 = 1 and v_minute % 3 = 1 and v_second % 3 = 1 then
      -- the receipt year's month, plus the day (Feb 30 is Mar 2, as before), read as UTC; the
      -- day entry (v_day - 1) / 4 is day - 1 for '01 '..'31 ', day + 30 for ' 1 '..' 9 '
      v_ts := to_timestamp((make_date(date_part('year', p_received at time zone 'UTC')::integer, (v_month + 4) / 5, 1) - date '1970-01-01'
                            + (v_day - 1) / 4 % 31)::bigint * 86400
                           + (v_hour - 1) / 3 * 3600 + (v_minute - 1) / 3 * 60 + (v_second - 1) / 3);
      -- lines from the future: the year before (p_received + 1 day is never before p_received)
      if v_ts > p_received and v_ts > p_received + interval '1 day' then
        v_ts := v_ts - interval '1 year';
      end if;
      -- the stamp holds 3 spaces, 4 with a space-padded day: host and tag are the next words
      v_host := split_part(p_line, ' ', 4 + (v_day - 1) / 124);
      v_word := split_part(p_line, ' ', 5 + (v_day - 1) / 124);
      v_colon := strpos(v_word, ':');
      v_skip := v_at + 17 + length(v_host);
      -- a tag is the text before a ':' that is within 48 characters and has no space before it
      if v_colon between 2 and 48 then
        v_tag := left(v_word, v_colon - 1);
        -- the message without the spaces after the ':' (nearly always the one ending the word)
        if v_colon < length(v_word) then
          v_message := right(p_line, -(v_skip + v_colon));
        else
          v_message := right(p_line, -(v_skip + v_colon + 1));
          if left(v_message, 1) = ' ' then
            v_message := ltrim(v_message, ' ');
          end if;
        end if;
        return row(case v_at when 0 then null
                             when 3 then get_byte(v_bytes, 1) - 48
                             when 4 then (get_byte(v_bytes, 1) - 48) * 10 + get_byte(v_bytes, 2) - 48
                             else (get_byte(v_bytes, 1) - 48) * 100 + (get_byte(v_bytes, 2) - 48) * 10 + get_byte(v_bytes, 3) - 48 end,
                   v_ts, v_host, split_part(v_tag, '[', 1),
                   case when strpos(v_tag, '[') > 0 then nullif(rtrim(split_part(v_tag, '[', 2), ']'), '') end,
                   v_message)::siem_private.bsd_syslog;
      end if;
      return row(case v_at when 0 then null
                           when 3 then get_byte(v_bytes, 1) - 48
                           when 4 then (get_byte(v_bytes, 1) - 48) * 10 + get_byte(v_bytes, 2) - 48
                           else (get_byte(v_bytes, 1) - 48) * 100 + (get_byte(v_bytes, 2) - 48) * 10 + get_byte(v_bytes, 3) - 48 end,
                 v_ts, v_host, null, null, right(p_line, -v_skip))::siem_private.bsd_syslog;
    end if;
  end if;
  return siem_private.parse_bsd_syslog_general(p_line, p_received);
end;
$$;
comment on function siem_private.parse_bsd_syslog(text, timestamptz) is
  'Splits an RFC 3164 (BSD) syslog line into priority, timestamp, host, program, pid and message; null when the line is not one. The timestamp is Mmm dd hh:mm:ss (year from the receipt time, read as UTC) or RFC 3339 (rsyslog''s default file format). Reads the common <PRI>Mmm dd hh:mm:ss line from its bytes and hands every other line to parse_bsd_syslog_general, with the same results.';
