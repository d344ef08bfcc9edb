--! Previous: sha1:d07118b2d86bbd7852f18879b9fe2501c18ea318
--! Hash: sha1:a736aeae00c6103044d2d3aa84080e999a91d5db
--! Message: field-rollups

-- Top values of canonical fields (the overview's source addresses) read per-minute rollups instead of
-- scanning the range of events. The rollups are kept by the worker (field_rollups__update), never by
-- the ingest path: each run adds the events that arrived since its last run, minute by minute. A
-- minute's rollup is trusted only while the number of events it counted equals the minute's count in
-- event_rollups (which the ingest triggers keep exact in the same transaction as the events), so the
-- answer is exact: minutes the worker has not reached yet, or that changed behind it, are counted
-- from events.

create table public.field_rollup_fields (
  field text primary key references public.canonical_fields (name) on update cascade on delete cascade
);
comment on table public.field_rollup_fields is
  E'@behavior -*\nThe canonical fields whose values the worker rolls up per minute (field_rollups), so topValues over a time range does not scan events. Other fields are counted from events.';
alter table public.field_rollup_fields enable row level security;
create policy select_all on public.field_rollup_fields for select to siem_analyst using (true);
grant select on public.field_rollup_fields to siem_analyst;
insert into public.field_rollup_fields (field) values ('src_ip'), ('dst_ip'), ('username');

create table public.field_rollups (
  field text not null,
  bucket timestamptz not null,
  value text not null,
  count bigint not null
);
-- Append-only (no unique key: a value may be longer than a btree key allows): each run adds the
-- counts of the rows it saw; readers sum, and compact_field_rollups() merges finished minutes.
create index field_rollups_field_bucket_idx on public.field_rollups (field, bucket);
comment on table public.field_rollups is
  E'@behavior -*\nHow many events carry each value of the fields of field_rollup_fields, per minute of ts (bucket). Append-only: a key''s rows sum to its count. Valid for a minute only as field_rollup_minutes says.';
alter table public.field_rollups enable row level security;
create policy select_all on public.field_rollups for select to siem_analyst using (true);
grant select on public.field_rollups to siem_analyst;

create table public.field_rollup_minutes (
  bucket timestamptz primary key,
  fields text[] not null,
  event_count bigint not null,
  max_id bigint not null,
  compacted boolean not null default false,
  rolled_at timestamptz not null default now()
);
comment on table public.field_rollup_minutes is
  E'@behavior -*\nWhat field_rollups hold for one minute: the fields rolled up, how many events of the minute they counted (event_count): every one with an id up to max_id (the next run adds rows above it). The minute''s rollup is exact while event_count equals the minute''s total in event_rollups (dimension all).';
comment on column public.field_rollup_minutes.compacted is 'The minute''s rows are merged into one per value (compact_field_rollups); a later run that adds rows clears it.';
alter table public.field_rollup_minutes enable row level security;
create policy select_all on public.field_rollup_minutes for select to siem_analyst using (true);
grant select on public.field_rollup_minutes to siem_analyst;

-- Which rows may be counted: ids are taken in one order and committed in another (the agent's
-- connections ingest side by side), so a run that counted every visible row of a minute up to the
-- largest id would later meet rows with smaller ids. A watermark avoids that: mark_field_rollups()
-- notes the sequence's last value and then a snapshot; once every transaction that snapshot saw in
-- progress has finished, no row with an id up to that value can still appear (the ingest path takes
-- its xid, writing events_raw, before it takes event ids), and runs count rows up to it.
create table siem_private.field_rollup_watermark (
  only_row boolean primary key default true check (only_row),
  ready_id bigint not null default 0,
  pending_id bigint,
  pending_snapshot pg_snapshot,
  rolled_at timestamptz
);
comment on table siem_private.field_rollup_watermark is
  'One row: every events row with id <= ready_id is settled (committed or gone) and may be rolled up; pending_id becomes ready_id once the transactions in progress in pending_snapshot have all finished.';
insert into siem_private.field_rollup_watermark default values;

create function siem_private.mark_field_rollups() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_id bigint;
  v_snapshot pg_snapshot;
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'mark_field_rollups() needs read committed (its snapshot must be taken after the id is read)' using errcode = '25000';
  end if;
  -- Two statements, two snapshots: the second is taken after the id is read.
  v_id := (select coalesce(pg_sequence_last_value(pg_get_serial_sequence('public.events', 'id')::regclass), 0));
  v_snapshot := (select pg_current_snapshot());
  update siem_private.field_rollup_watermark w set pending_id = v_id, pending_snapshot = v_snapshot
  where w.pending_id is null;
end
$$;
comment on function siem_private.mark_field_rollups() is
  'Notes the last events id taken and a later snapshot as the next watermark (unless one is pending already); roll_up_fields() makes it ready once the transactions in progress then have finished.';

create function siem_private.roll_up_fields(p_minutes integer default 20, p_lookback interval default '1 day') returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_fields text[] := array(select f.field from public.field_rollup_fields f order by 1);
  v_mark siem_private.field_rollup_watermark;
  v_ready bigint;
  v_minute record;
  v_count bigint;
  v_newer bigint;
  v_after bigint;
  v_done integer := 0;
begin
  -- Run in a REPEATABLE READ transaction (the worker does): the minute's total, the rows counted
  -- and the watermark's check must come from one snapshot; a concurrent run then fails with a
  -- serialization error on the watermark row instead of counting the same rows twice.
  if current_setting('transaction_isolation') <> 'repeatable read' then
    raise exception 'roll_up_fields() needs a repeatable read transaction' using errcode = '25000';
  end if;
  -- Every run updates the row, so two runs whose snapshots overlap cannot both commit.
  select * into v_mark from siem_private.field_rollup_watermark;
  v_ready := v_mark.ready_id;
  if v_mark.pending_id is not null and not exists (
    select from pg_snapshot_xip(v_mark.pending_snapshot) x where not pg_visible_in_snapshot(x, pg_current_snapshot())
  ) then
    v_ready := greatest(v_ready, v_mark.pending_id);
    update siem_private.field_rollup_watermark set ready_id = v_ready, pending_id = null, pending_snapshot = null, rolled_at = now();
  else
    update siem_private.field_rollup_watermark set rolled_at = now();
  end if;
  if cardinality(v_fields) = 0 then
    return 0;
  end if;
  -- Newest minutes first: they are the ones dashboards ask for.
  for v_minute in
    with totals as (
      select r.bucket, sum(r.count)::bigint as n
      from public.event_rollups r
      where r.bucket_size = '1m' and r.dimension = 'all' and r.bucket >= date_trunc('minute', now() - p_lookback)
      group by 1
    )
    select t.bucket, t.n, c.fields, c.event_count, c.max_id
    from totals t
    left join public.field_rollup_minutes c on c.bucket = t.bucket
    where c.bucket is null or c.event_count <> t.n or c.fields <> v_fields
    order by t.bucket desc
    limit p_minutes
  loop
    v_after := case when v_minute.fields = v_fields then v_minute.max_id end;
    if v_after is not null then
      -- Counted rows plus the rows above the minute's watermark must make its total; otherwise rows
      -- changed behind it (deleted, or written outside the ingest path) and it is counted again.
      select count(*) into v_newer
      from public.events e
      where e.ts >= v_minute.bucket and e.ts < v_minute.bucket + interval '1 minute' and e.id > v_after;
      if v_minute.event_count + v_newer <> v_minute.n then
        v_after := null;
      elsif v_after >= v_ready then
        continue; -- nothing settled since the last count
      end if;
    end if;
    if v_after is null then
      delete from public.field_rollups r where r.bucket = v_minute.bucket;
    end if;
    select count(*) into v_count
    from public.events e
    where e.ts >= v_minute.bucket and e.ts < v_minute.bucket + interval '1 minute'
      and e.id > coalesce(v_after, -1) and e.id <= v_ready;
    insert into public.field_rollups (field, bucket, value, count)
    select f.field, v_minute.bucket, x.value, count(*)
    from public.events e
    cross join unnest(v_fields) f(field)
    cross join lateral (select e.metadata ->> f.field) x(value)
    where e.ts >= v_minute.bucket and e.ts < v_minute.bucket + interval '1 minute'
      and e.id > coalesce(v_after, -1) and e.id <= v_ready and x.value is not null
    group by 1, 3;
    insert into public.field_rollup_minutes as c (bucket, fields, event_count, max_id)
    values (v_minute.bucket, v_fields, case when v_after is null then 0 else v_minute.event_count end + v_count, v_ready)
    on conflict (bucket) do update
      set fields = excluded.fields, event_count = excluded.event_count, max_id = excluded.max_id, compacted = false, rolled_at = now();
    v_done := v_done + 1;
  end loop;
  return v_done;
end
$$;
comment on function siem_private.roll_up_fields(integer, interval) is
  'Brings the field rollups of up to p_minutes minutes (newest first, within p_lookback) level with the settled events (ids up to the watermark, see field_rollup_watermark): adds the rows settled since the last run, or counts the minute again when its rows changed otherwise. Needs a repeatable read transaction; returns the minutes updated. Run by the worker (field_rollups__update) after mark_field_rollups().';

create function siem_private.compact_field_rollups(p_older_than interval default '10 minutes', p_keep interval default '31 days') returns integer
  language sql volatile strict
  set search_path = pg_catalog, public
  as $$
  with expired as (
    -- Past p_keep, minutes are counted from events again (if their partitions are still attached).
    delete from public.field_rollup_minutes c where c.bucket < now() - p_keep returning c.bucket
  ), expired_rows as (
    delete from public.field_rollups r where r.bucket < now() - p_keep returning 1
  ), minutes as (
    update public.field_rollup_minutes c set compacted = true
    where not c.compacted and c.bucket < now() - p_older_than and c.bucket >= now() - p_keep
    returning c.bucket
  ), old as (
    delete from public.field_rollups r using minutes m where r.bucket = m.bucket
    returning r.field, r.bucket, r.value, r.count
  ), merged as (
    insert into public.field_rollups (field, bucket, value, count)
    select o.field, o.bucket, o.value, sum(o.count) from old o group by 1, 2, 3 having sum(o.count) <> 0
    returning 1
  )
  -- (data-modifying CTEs run whether or not they are read)
  select count(*)::integer from merged;
$$;
comment on function siem_private.compact_field_rollups(interval, interval) is
  'Merges the field rollup rows of minutes older than p_older_than into one row per value (sums unchanged) and drops minutes older than p_keep; returns the rows written. Run by the worker after roll_up_fields.';

-- Events whose fields or time change in place (a reparse) leave the counts of their minutes equal,
-- so the count check would not see it: such an update forgets the minutes' coverage, and they are
-- counted from events until the worker has counted them again. Row-level with a column list, so
-- the enrichment write-back (another column) never fires it.
create function siem_private.tg_events__forget_field_rollups() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  delete from public.field_rollup_minutes c
  where c.bucket in (date_trunc('minute', old.ts), date_trunc('minute', new.ts));
  return new;
end
$$;
comment on function siem_private.tg_events__forget_field_rollups() is
  'Before an update of an event''s metadata or ts: drops the field rollup coverage of its old and new minute, so they are counted from events again.';
create trigger _710_forget_field_rollups before update of metadata, ts on public.events
  for each row
  when (old.metadata is distinct from new.metadata or old.ts is distinct from new.ts)
  execute function siem_private.tg_events__forget_field_rollups();

create or replace function public.top_values(p_start timestamptz, p_end timestamptz, p_field text,
                                             p_limit integer default 10, p_event_types text[] default null)
  returns setof public.top_value
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
begin
  if p_start is null or p_end is null then
    raise exception 'start and end are required' using errcode = '22023';
  end if;
  p_limit := coalesce(p_limit, 10);
  if p_limit < 1 or p_limit > 100 then
    raise exception 'limit must be between 1 and 100' using errcode = '22023';
  end if;
  if p_field in ('host', 'source', 'event_type') and p_event_types is null then
    return query
      select nullif(r.value, ''), sum(r.count)::bigint
      from public.event_rollups r
      where r.bucket_size = '1h' and r.dimension = p_field
        and r.bucket >= date_trunc('hour', p_start) and r.bucket < p_end
      group by 1 having sum(r.count) > 0
      order by 2 desc, 1 limit p_limit;
  elsif p_field in ('host', 'source', 'event_type') then
    return query execute format(
      'select e.%I, count(*) from public.events e where e.ts >= $1 and e.ts < $2 and e.event_type = any($3)
       group by 1 order by 2 desc, 1 limit $4', p_field)
      using p_start, p_end, p_event_types, p_limit;
  elsif p_event_types is null and exists (select from public.field_rollup_fields f where f.field = p_field) then
    -- Whole minutes, from the start's minute to the one holding the end. A minute whose rollup
    -- counted all its events is read from field_rollups; one the worker counted in part adds its
    -- newer rows (ids above max_id), if that makes the count add up; any other minute is counted
    -- from events.
    return query
      with totals as (
        select r.bucket, sum(r.count)::bigint as n
        from public.event_rollups r
        where r.bucket_size = '1m' and r.dimension = 'all'
          and r.bucket >= date_trunc('minute', p_start) and r.bucket < p_end
        group by 1 having sum(r.count) <> 0
      ), minutes as (
        select t.bucket, t.n, c.event_count, c.max_id
        from totals t
        left join public.field_rollup_minutes c on c.bucket = t.bucket and p_field = any(c.fields)
      ), newer as materialized (
        select m.bucket, e.value
        from minutes m
        cross join lateral (
          select x.metadata ->> p_field as value from public.events x
          where x.ts >= m.bucket and x.ts < m.bucket + interval '1 minute' and x.id > m.max_id
        ) e
        where m.event_count < m.n
      ), usable as (
        select m.bucket
        from minutes m
        left join (select w.bucket, count(*) as k from newer w group by 1) w on w.bucket = m.bucket
        where m.event_count + coalesce(w.k, 0) = m.n
      ), counted as (
        select r.value, r.count
        from public.field_rollups r join usable u on r.field = p_field and r.bucket = u.bucket
        union all
        select w.value, 1 from newer w where w.value is not null and w.bucket in (select u.bucket from usable u)
        union all
        select e.value, 1
        from minutes m
        cross join lateral (
          select x.metadata ->> p_field as value from public.events x
          where x.ts >= m.bucket and x.ts < m.bucket + interval '1 minute'
        ) e
        where e.value is not null and m.bucket not in (select u.bucket from usable u)
      )
      select c.value, sum(c.count)::bigint from counted c
      group by 1 having sum(c.count) > 0
      order by 2 desc, 1 limit p_limit;
  elsif exists (select from public.canonical_fields c where c.name = p_field) then
    return query
      select e.metadata ->> p_field, count(*)
      from public.events e
      where e.ts >= p_start and e.ts < p_end and e.metadata ? p_field
        and (p_event_types is null or e.event_type = any(p_event_types))
      group by 1 order by 2 desc, 1 limit p_limit;
  else
    raise exception 'field must be host, source, event_type or a canonical field' using errcode = '22023';
  end if;
end
$$;
comment on function public.top_values(timestamptz, timestamptz, text, integer, text[]) is
  E'@behavior -connection +list\nThe most frequent values (limit default 10, max 100) in [start, end), optionally within some event types: host, source, event_type from the hourly rollups (whole hours); the canonical fields of field_rollup_fields (src_ip, dst_ip, username), without event types, from the per-minute field rollups (whole minutes, exact: minutes not rolled up yet are counted from events); other canonical fields by scanning the range.';
