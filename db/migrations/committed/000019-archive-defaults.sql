--! Previous: sha1:071dc3b741b01b4ba3153d5a8ed69ba694ab2417
--! Hash: sha1:e4ddc2d4459aed3c402788e8c033b9fdec157e70
--! Message: archive-defaults

-- Retention for rows in the default partitions: rows whose day is past the retention get a daily
-- partition of their own (siem_private.create_daily_partition moves them out of the default
-- partition), which the archive run then exports like any other day. If that day was archived
-- already, the worker restores it (attaching moves the rows in) and archives it again with them.

create function siem_private.overdue_default_days(p_raw_days integer, p_event_days integer)
  returns table (table_name text, day date, rows bigint, archived boolean)
  language sql stable strict
  set search_path = pg_catalog, public
  as $$
  with overdue as (
    select 'events_raw'::text as table_name, (r.ts at time zone 'UTC')::date as day, count(*) as rows
    from siem_partitions.events_raw_default r
    where r.ts < ((now() at time zone 'UTC')::date - p_raw_days)::timestamp at time zone 'UTC'
    group by 1, 2
    union all
    select 'events', (e.ts at time zone 'UTC')::date, count(*)
    from siem_partitions.events_default e
    where e.ts < ((now() at time zone 'UTC')::date - p_event_days)::timestamp at time zone 'UTC'
    group by 1, 2
  )
  select o.table_name, o.day, o.rows, exists (
    select 1 from public.archive_index a where a.table_name = o.table_name and a.day = o.day
  )
  from overdue o
  order by o.day, o.table_name;
$$;
comment on function siem_private.overdue_default_days(integer, integer) is
  'Days with rows in events_raw_default older than p_raw_days or in events_default older than p_event_days (UTC days, the archive''s cutoff), with their row counts and whether that day has an archive already. The archive run gives each one a partition (or restores its archive) and archives it.';

-- The archive files are zstd-compressed now (worker/archive.ts); older ones stay gzip.
comment on table public.archive_index is
  E'@behavior -*\nOne row per archived day: the partition was detached, exported as compressed COPY text to path (zstd, .copy.zst; gzip, .copy.gz, for archives written before 000019), checked and dropped in the transaction that wrote this row.';
