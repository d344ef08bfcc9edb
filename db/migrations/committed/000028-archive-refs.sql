--! Previous: sha1:f2770266764840d334109081dc63284a5432dad0
--! Hash: sha1:2d15ecf8c3e2a1ae9358dc41f45019b72aa662c4
--! Message: archive-refs

-- Events archives refer to the raw archives for their lines (issue 9: archive size). The ingest
-- trigger copies each raw line into events.message (and raw_bytes), so an events archive written
-- after the raw archive of its lines' days stored every line a second time. The worker now writes
-- \N for message and raw_bytes of the events whose raw line (raw_ts, raw_id) is in an archived
-- events_raw day and equal to them, records those days here, and a restore fills them in again
-- from those raw archives (worker/archive.ts). message is never null otherwise, so \N marks it.

alter table public.archive_index add column messages_in_raw_days date[];
alter table public.archive_index add constraint archive_index_messages_in_raw_days_check
  check (messages_in_raw_days is null or table_name = 'events');
comment on column public.archive_index.messages_in_raw_days is
  E'events archives written since 000028: the UTC days of the events_raw archives that hold the lines left out of this file. An event whose message and raw_bytes equal its raw line (events_raw (ts, id) = (raw_ts, raw_id)) in one of those archives has \\N for both in the file; a restore fills them in from those archives (found by table and day in archive_index, whatever file it names then, sha256-checked) or from the raw day\'s partition while it is restored, and restores nothing when one is missing. Null: the file holds every message (events_raw archives, events archives of before).';

comment on table public.archive_index is
  E'@behavior -*\nOne row per archived day: the partition was detached, exported as compressed COPY text to path (zstd, .copy.zst; gzip, .copy.gz, for archives written before 000019), checked and dropped in the transaction that wrote this row. events archives leave out the messages that the events_raw archives of messages_in_raw_days hold.';

--------------------------------------------------------------------------------
-- Raw days first: an events day archived in the same run can then refer to the raw archives (of
-- its own day, and of the next, where lines received after midnight carry a time of the day before)
--------------------------------------------------------------------------------

create or replace function siem_private.archive_candidates(p_raw_days integer, p_event_days integer)
  returns table (table_name text, day date, partition_name text)
  language sql stable strict
  set search_path = pg_catalog, public
  as $$
  select p.relname, siem_private.partition_day(c.relname), c.relname
  from pg_inherits i
  join pg_class c on c.oid = i.inhrelid
  join pg_class p on p.oid = i.inhparent
  where i.inhparent in ('public.events_raw'::regclass, 'public.events'::regclass)
    and c.relnamespace = 'siem_partitions'::regnamespace
    and c.relname ~ '_p[0-9]{8}$'
    and siem_private.partition_day(c.relname)
        < (now() at time zone 'UTC')::date - case p.relname when 'events_raw' then p_raw_days else p_event_days end
    and not exists (
      select 1 from public.archive_index a
      where a.table_name = p.relname and a.day = siem_private.partition_day(c.relname) and a.restored_at is not null
    )
  order by case p.relname when 'events_raw' then 0 else 1 end, 2;
$$;
comment on function siem_private.archive_candidates(integer, integer) is
  'Attached daily partitions older than p_raw_days (events_raw) or p_event_days (events) days: every events_raw day first, then the events days (an events archive refers to the raw archives of its lines, which may be of another day), oldest first; restored days are left alone.';

--------------------------------------------------------------------------------
-- Which raw archives an events partition can refer to
--------------------------------------------------------------------------------

create function siem_private.archived_raw_days(p_events_partition regclass) returns setof date
  language plpgsql stable strict
  set search_path = pg_catalog, public
  as $$
begin
  return query execute format(
    $q$select x.day from (select distinct (e.raw_ts at time zone 'UTC')::date as day from %s e) x
       where exists (select 1 from public.archive_index a where a.table_name = 'events_raw' and a.day = x.day)
       order by x.day$q$,
    p_events_partition);
end;
$$;
comment on function siem_private.archived_raw_days(regclass) is
  'The UTC days of raw_ts among the rows of an events partition (or any table shaped like events) whose events_raw day is archived: the raw archives its archive may refer to for messages.';

--------------------------------------------------------------------------------
-- A raw archive stays while an events archive refers to it
--------------------------------------------------------------------------------

create function siem_private.tg_archive_index__keep_referenced_raw() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
begin
  if old.table_name = 'events_raw' and (tg_op = 'DELETE' or new.table_name <> old.table_name or new.day <> old.day) and exists (
    select 1 from public.archive_index a where a.table_name = 'events' and old.day = any (a.messages_in_raw_days)
  ) then
    raise exception 'the events_raw archive of % holds the messages of events archives (%): it cannot be removed',
      old.day, (select string_agg(a.day::text, ', ' order by a.day) from public.archive_index a
                where a.table_name = 'events' and old.day = any (a.messages_in_raw_days))
      using errcode = 'foreign_key_violation';
  end if;
  return case tg_op when 'DELETE' then old else new end;
end;
$$;
comment on function siem_private.tg_archive_index__keep_referenced_raw() is
  'Row trigger on archive_index: refuses to delete (or re-key) the row of an events_raw archive that events archives name in messages_in_raw_days, since their restore needs it. Replacing its file (siem archive drop) updates path and sha256 and stays allowed.';
create trigger _100_keep_referenced_raw
  before delete or update of table_name, day on public.archive_index
  for each row execute function siem_private.tg_archive_index__keep_referenced_raw();
