--! Previous: sha1:3a75ef4396e03c3d393c1f6fcfb8f30072a56eab
--! Hash: sha1:da87e20a298d9c12d4954c2208e96502c54f7910
--! Message: operations

-- Operations: retention and archives of old daily partitions, and the catalog queries behind the
-- Prometheus metrics. The export itself (COPY TO a gzip file with its sha256) is I/O and runs in
-- the worker (worker/archive.ts); the database decides what to archive and does the (de)attaching.

--------------------------------------------------------------------------------
-- archive_index: one row per archived day of a partitioned table
--------------------------------------------------------------------------------

create table public.archive_index (
  id bigint generated always as identity primary key,
  table_name text not null check (table_name in ('events_raw', 'events')),
  day date not null,
  path text not null,
  columns text[] not null,
  row_count bigint not null check (row_count >= 0),
  bytes bigint not null check (bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  archived_at timestamptz not null default now(),
  restored_at timestamptz,
  unique (table_name, day)
);
comment on table public.archive_index is
  E'@behavior -*\nOne row per archived day: the partition was detached, exported as gzip-compressed COPY text to path, checked and dropped in the transaction that wrote this row.';
comment on column public.archive_index.path is 'The archive file (absolute path) under SIEM_ARCHIVE_DIR at the time of archiving.';
comment on column public.archive_index.columns is 'Column names in the order of the COPY text in the file, so a restore works after later migrations add columns.';
comment on column public.archive_index.row_count is 'Rows exported; a restore checks it.';
comment on column public.archive_index.bytes is 'Size of the compressed file in bytes.';
comment on column public.archive_index.sha256 is 'Hex sha256 of the compressed file; a restore refuses a file that does not match.';
comment on column public.archive_index.restored_at is 'Set while the day is restored as a searchable partition (siem archive restore). The hourly archive run leaves restored days alone; siem archive drop archives the day anew (this row then describes the new file) and clears it.';

alter table public.archive_index enable row level security;
create policy select_admin on public.archive_index for select to siem_admin using (true);
grant select on public.archive_index to siem_admin;

--------------------------------------------------------------------------------
-- Which partitions are old enough, and (de)attaching them without stalling ingest
--------------------------------------------------------------------------------

create function siem_private.partition_day(p_partition_name text) returns date
  language sql immutable strict parallel safe
  as $$ select to_date(right(p_partition_name, 8), 'YYYYMMDD') $$;
comment on function siem_private.partition_day(text) is 'The UTC day of a daily partition named <table>_pYYYYMMDD.';

create function siem_private.archive_candidates(p_raw_days integer, p_event_days integer)
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
  order by 2, 1;
$$;
comment on function siem_private.archive_candidates(integer, integer) is
  'Attached daily partitions older than p_raw_days (events_raw) or p_event_days (events) days, oldest first; restored days are left alone.';

create function siem_private.detach_daily_partition(p_table text, p_day date, p_lock_timeout text default '2s')
  returns text
  language plpgsql volatile strict
  set search_path = pg_catalog, public
  as $$
declare
  v_partition text := format('%s_p%s', p_table, to_char(p_day, 'YYYYMMDD'));
begin
  if p_table not in ('events_raw', 'events') then
    raise exception 'detach_daily_partition: % is not a partitioned table of this project', p_table;
  end if;
  if to_regclass(format('siem_partitions.%I', v_partition)) is null then
    return null;
  end if;
  -- DETACH ... CONCURRENTLY is refused while a default partition exists, so this takes ACCESS
  -- EXCLUSIVE on the parent for a catalog-only change. The short lock_timeout bounds how long COPYs
  -- queue behind us; the caller retries.
  perform set_config('lock_timeout', p_lock_timeout, true);
  execute format('alter table public.%I detach partition siem_partitions.%I', p_table, v_partition);
  return v_partition;
end;
$$;
comment on function siem_private.detach_daily_partition(text, date, text) is
  'Detaches the daily partition of events_raw or events for p_day (waiting at most p_lock_timeout for the parent''s lock) and returns its name; null if there is none. The table stays in siem_partitions.';

create function siem_private.attach_daily_partition(p_table text, p_day date) returns void
  language plpgsql volatile strict
  set search_path = pg_catalog, public
  as $$
declare
  v_partition text := format('%s_p%s', p_table, to_char(p_day, 'YYYYMMDD'));
  v_bounds record := siem_private.day_bounds(p_day);
begin
  if p_table not in ('events_raw', 'events') then
    raise exception 'attach_daily_partition: % is not a partitioned table of this project', p_table;
  end if;
  -- Rows of this day that arrived while it was detached landed in the default partition: move them.
  perform set_config('lock_timeout', '5s', true);
  execute format('lock table siem_partitions.%I in access exclusive mode', p_table || '_default');
  execute format(
    'with moved as (delete from siem_partitions.%I where ts >= $1 and ts < $2 returning *) insert into siem_partitions.%I select * from moved',
    p_table || '_default', v_partition) using v_bounds.lower_bound, v_bounds.upper_bound;
  -- A matching CHECK lets ATTACH skip scanning the partition; it is redundant afterwards.
  execute format('alter table siem_partitions.%I add constraint %I check (ts >= %L and ts < %L)',
    v_partition, v_partition || '_bounds', v_bounds.lower_bound, v_bounds.upper_bound);
  execute format('alter table public.%I attach partition siem_partitions.%I for values from (%L) to (%L)',
    p_table, v_partition, v_bounds.lower_bound, v_bounds.upper_bound);
  execute format('alter table siem_partitions.%I drop constraint %I', v_partition, v_partition || '_bounds');
end;
$$;
comment on function siem_private.attach_daily_partition(text, date) is
  'Attaches the standalone table siem_partitions.<table>_pYYYYMMDD as the partition of p_day (after a failed export, or a restore), first moving that day''s rows out of the default partition. Takes only SHARE UPDATE EXCLUSIVE on the parent.';

create function siem_private.detached_partitions() returns table (table_name text, day date, partition_name text)
  language sql stable
  set search_path = pg_catalog, public
  as $$
  select substring(c.relname from '^(.*)_p[0-9]{8}$'), siem_private.partition_day(c.relname), c.relname
  from pg_class c
  where c.relnamespace = 'siem_partitions'::regnamespace
    and c.relkind = 'r'
    and not c.relispartition
    and c.relname ~ '^(events_raw|events)_p[0-9]{8}$'
  order by 2, 1;
$$;
comment on function siem_private.detached_partitions() is
  'Daily tables in siem_partitions that are not attached: left behind by an archive run that stopped between detach and drop. The next run attaches them again.';

create function siem_private.create_detached_partition(p_table text, p_day date) returns text
  language plpgsql volatile strict
  set search_path = pg_catalog, public
  as $$
declare
  v_partition text := format('%s_p%s', p_table, to_char(p_day, 'YYYYMMDD'));
begin
  if p_table not in ('events_raw', 'events') then
    raise exception 'create_detached_partition: % is not a partitioned table of this project', p_table;
  end if;
  if to_regclass(format('siem_partitions.%I', v_partition)) is not null then
    raise exception 'siem_partitions.% already exists: drop the restored day first (siem archive drop)', v_partition
      using errcode = 'duplicate_table';
  end if;
  execute format('create table siem_partitions.%I (like public.%I including defaults including constraints including storage)', v_partition, p_table);
  return v_partition;
end;
$$;
comment on function siem_private.create_detached_partition(text, date) is
  'Creates an empty standalone table shaped like events_raw or events for p_day, to COPY an archive into before attach_daily_partition.';

--------------------------------------------------------------------------------
-- Metrics: what the worker's /metrics reports about the database
--------------------------------------------------------------------------------

create function siem_private.metric_table_sizes()
  returns table (table_name text, total_bytes bigint, rows_estimate bigint)
  language sql stable
  set search_path = pg_catalog, public
  as $$
  -- Partitioned tables are summed over their partitions (pg_partition_tree lists the parent too,
  -- and nothing for a plain table).
  select c.relname,
         coalesce(sum(pg_total_relation_size(t.relid)), 0)::bigint,
         coalesce(sum(greatest(pc.reltuples, 0)), 0)::bigint
  from pg_class c
  cross join lateral (select relid from pg_partition_tree(c.oid) union select c.oid) t
  join pg_class pc on pc.oid = t.relid
  where c.relnamespace = 'public'::regnamespace
    and c.relkind in ('r', 'p')
    and not c.relispartition
  group by c.relname
  order by 1;
$$;
comment on function siem_private.metric_table_sizes() is
  'Bytes on disk (with indexes and TOAST) and estimated rows of every table in public, partitions summed into their parent.';

create function siem_private.metric_job_queue()
  returns table (task_identifier text, state text, jobs bigint, oldest_age_seconds double precision)
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
begin
  -- plpgsql, so the body is not validated against graphile_worker's schema at creation.
  -- Every known task in every state, zeros included, so the series exist before the first job.
  return query
    with jobs as (
      select j.task_id,
             case when j.locked_at is not null then 'running'
                  when j.attempts >= j.max_attempts then 'failed'
                  when j.run_at > now() then 'scheduled'
                  else 'waiting' end as state,
             j.run_at
      from graphile_worker._private_jobs j
    )
    select t.identifier::text, s.state, count(j.task_id)::bigint,
           coalesce(extract(epoch from max(now() - j.run_at) filter (where j.run_at <= now())), 0)::double precision
    from graphile_worker._private_tasks t
    cross join unnest(array['waiting', 'running', 'scheduled', 'failed']) as s(state)
    left join jobs j on j.task_id = t.id and j.state = s.state
    group by 1, 2;
end;
$$;
comment on function siem_private.metric_job_queue() is
  'graphile-worker jobs per task and state (waiting, running, scheduled, failed) with the age of the oldest due one.';

create function siem_private.metric_quarantine_reasons()
  returns table (reason text, lines bigint)
  language sql stable
  set search_path = pg_catalog, public
  as $$ select reason, count(*)::bigint from public.quarantine group by reason order by 1 $$;
comment on function siem_private.metric_quarantine_reasons() is 'Quarantined lines per reason (the whole table).';

--------------------------------------------------------------------------------
-- Ingest counters for the metrics: appended per statement by triggers, summed by the worker
--------------------------------------------------------------------------------

create table siem_private.metric_counts (
  kind text not null,
  label text not null,
  n bigint not null,
  counted_at timestamptz not null default now()
);
comment on table siem_private.metric_counts is
  'Append-only counters behind the Prometheus *_total series: lines_received per source, quarantined per reason, batches per agent; one row per label and statement. Nothing is ever updated, so concurrent batches never wait on each other; compact_metric_counts rolls old rows up.';
create index metric_counts_counted_at_idx on siem_private.metric_counts (counted_at);

create function siem_private.tg_events_raw__count_lines() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  -- Reads the transition table _100_normalize already has (PostgreSQL keeps one per statement),
  -- so this costs one hash aggregate over the batch. Cannot throw.
  insert into siem_private.metric_counts (kind, label, n)
  select 'lines_received', source, count(*) from new_rows group by source;
  return null;
end;
$$;
comment on function siem_private.tg_events_raw__count_lines() is
  'Statement trigger on events_raw: appends the lines of this COPY per source to siem_private.metric_counts.';
create trigger _800_count_lines
  after insert on public.events_raw
  referencing new table as new_rows
  for each statement execute function siem_private.tg_events_raw__count_lines();

create function siem_private.tg_quarantine__count_reasons() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  insert into siem_private.metric_counts (kind, label, n)
  select 'quarantined', reason, count(*) from new_rows group by reason;
  return null;
end;
$$;
comment on function siem_private.tg_quarantine__count_reasons() is
  'Statement trigger on quarantine: appends the quarantined lines of this statement per reason to siem_private.metric_counts.';
create trigger _800_count_reasons
  after insert on public.quarantine
  referencing new table as new_rows
  for each statement execute function siem_private.tg_quarantine__count_reasons();

create function siem_private.tg_ingest_batches__count() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  insert into siem_private.metric_counts (kind, label, n)
  select 'batches', agent, count(*) from new_rows group by agent;
  return null;
end;
$$;
comment on function siem_private.tg_ingest_batches__count() is
  'Statement trigger on ingest_batches: appends accepted batches per agent to siem_private.metric_counts (replays that conflict are not counted).';
create trigger _800_count_batches
  after insert on public.ingest_batches
  referencing new table as new_rows
  for each statement execute function siem_private.tg_ingest_batches__count();

create function siem_private.compact_metric_counts(p_older_than interval default '1 hour') returns integer
  language sql volatile strict
  set search_path = pg_catalog, public
  as $$
  with old as (
    delete from siem_private.metric_counts where counted_at < now() - p_older_than returning kind, label, n
  ), rolled as (
    insert into siem_private.metric_counts (kind, label, n, counted_at)
    select kind, label, sum(n), '-infinity' from old group by kind, label
    returning 1
  )
  select count(*)::integer from rolled;
$$;
comment on function siem_private.compact_metric_counts(interval) is
  'Rolls counter rows older than p_older_than into one row per kind and label (sums are unchanged); returns the rows written. Run by the worker.';

create function siem_private.metric_totals()
  returns table (kind text, label text, n bigint)
  language sql stable
  set search_path = pg_catalog, public
  as $$ select kind, label, sum(n)::bigint from siem_private.metric_counts group by kind, label order by 1, 2 $$;
comment on function siem_private.metric_totals() is 'Counter totals per kind (lines_received, quarantined, batches) and label since the database was created.';

create function siem_private.metric_archives()
  returns table (table_name text, days bigint, row_count bigint, bytes bigint, restored bigint)
  language sql stable
  set search_path = pg_catalog, public
  as $$
  select table_name, count(*), sum(row_count)::bigint, sum(bytes)::bigint, count(*) filter (where restored_at is not null)
  from public.archive_index group by table_name order by 1
$$;
comment on function siem_private.metric_archives() is 'Archived days, rows and compressed bytes per table, and how many days are restored.';

create function siem_private.metric_wal_archiver()
  returns table (archived_count bigint, failed_count bigint, last_archived_at timestamptz, last_failed_at timestamptz, archive_mode text)
  language sql stable
  set search_path = pg_catalog, public
  as $$
  select archived_count, failed_count, last_archived_time, last_failed_time, current_setting('archive_mode')
  from pg_stat_archiver
$$;
comment on function siem_private.metric_wal_archiver() is 'WAL archiving counters of the server (pg_stat_archiver) and whether archive_mode is on.';
