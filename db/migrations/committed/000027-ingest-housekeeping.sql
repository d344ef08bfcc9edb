--! Previous: sha1:e0963fc8f5a41505ce6544d13dfcba10dea59e7d
--! Hash: sha1:f2770266764840d334109081dc63284a5432dad0
--! Message: ingest-housekeeping

-- Two costs of ingest that bought nothing (issue 3: parse speed).
--
-- 1. Insert-triggered vacuums of the daily partitions of events_raw. They are append-only:
--    nothing updates or deletes their rows (a day leaves whole, by archive and drop), and they
--    have no index. Such a vacuum finds nothing to clean; it only sets visibility-map bits, which
--    serve index-only scans, and there is no index. Yet it reads the new pages again while ingest
--    runs (5 vacuums of one day's raw partition during a few rounds of the ingest benchmark,
--    pg_stat_user_tables). Autoanalyze stays (the planner and the siem_table_rows_estimate metric
--    read its statistics), and so do anti-wraparound vacuums. The default partition keeps every
--    vacuum: rows leave it when their day gets a partition.
--
-- 2. pglz on the rule outbox. Each ingest statement records the keys of its events in
--    rule_outbox (two arrays of about 20,000 values per batch), which pglz compressed: pglz_compress
--    took 2 % of the database processes' CPU samples during a syslog ingest (perf), for rows the
--    rule evaluation reads once and deletes within seconds. They are stored out of line
--    uncompressed instead.

--------------------------------------------------------------------------------
-- events_raw partitions without insert-triggered vacuums
--------------------------------------------------------------------------------

create function siem_private.raw_partition_options() returns text
  language sql immutable parallel safe
  as $$ select 'autovacuum_vacuum_insert_threshold = -1, toast.autovacuum_vacuum_insert_threshold = -1' $$;
comment on function siem_private.raw_partition_options() is
  'Storage parameters of the daily events_raw partitions: no insert-triggered vacuum (append-only, no index, dropped whole); autoanalyze and anti-wraparound vacuums still run.';

create or replace function siem_private.create_daily_partition(p_parent regclass, p_day date) returns boolean
  language plpgsql volatile strict
  set search_path = pg_catalog, public
  as $$
declare
  v_parent text := (select relname from pg_class where oid = p_parent);
  v_partition text := format('%s_p%s', v_parent, to_char(p_day, 'YYYYMMDD'));
  v_default regclass := to_regclass(format('siem_partitions.%I', v_parent || '_default'));
  v_bounds record := siem_private.day_bounds(p_day);
begin
  if to_regclass(format('siem_partitions.%I', v_partition)) is not null then
    return false;
  end if;
  -- CREATE TABLE ... PARTITION OF would lock the parent ACCESS EXCLUSIVE and stall ingest;
  -- a standalone table attached afterwards needs only SHARE UPDATE EXCLUSIVE on the parent.
  execute format('create table siem_partitions.%I (like %s including defaults including constraints including storage)', v_partition, p_parent);
  if p_parent = 'public.events_raw'::regclass then
    execute format('alter table siem_partitions.%I set (%s)', v_partition, siem_private.raw_partition_options());
  end if;
  if v_default is not null then
    -- Rows stored before this day had a partition live in the default partition; move them,
    -- otherwise ATTACH fails. Waiting long here would queue ingest behind our lock.
    perform set_config('lock_timeout', '5s', true);
    execute format('lock table %s in access exclusive mode', v_default);
    execute format(
      'with moved as (delete from %s where ts >= $1 and ts < $2 returning *) insert into siem_partitions.%I select * from moved',
      v_default, v_partition) using v_bounds.lower_bound, v_bounds.upper_bound;
  end if;
  execute format('alter table %s attach partition siem_partitions.%I for values from (%L) to (%L)',
    p_parent, v_partition, v_bounds.lower_bound, v_bounds.upper_bound);
  return true;
end;
$$;
comment on function siem_private.create_daily_partition(regclass, date) is
  'Creates and attaches the partition of p_parent for one UTC day, moving matching rows out of the default partition. False if it already exists. events_raw partitions get raw_partition_options() (no insert-triggered vacuum).';

do $$
declare
  v_partition text;
begin
  for v_partition in
    select c.relname
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'public.events_raw'::regclass
      and c.relname ~ '^events_raw_p[0-9]{8}$'
  loop
    execute format('alter table siem_partitions.%I set (%s)', v_partition, siem_private.raw_partition_options());
  end loop;
end
$$;

--------------------------------------------------------------------------------
-- Rule outbox keys stored without compression
--------------------------------------------------------------------------------

alter table siem_private.rule_outbox
  alter column keys_ts set storage external,
  alter column keys_id set storage external;
