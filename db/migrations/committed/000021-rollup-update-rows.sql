--! Previous: sha1:359fa9bec9efa3b0aa22c865135aac2b84e639c4
--! Hash: sha1:657b6dc8acc0c31b22e9ba8fba17f65cdf5c02d0
--! Message: rollup-update-rows

-- The statement-level UPDATE trigger of the rollups referenced both transition tables, so every
-- UPDATE of events (each enrichment write-back, DNS answer, retro-hunt tag) copied all its old and
-- new rows into tuplestores, spilling to temporary files, only to find that no classifying column
-- changed. PostgreSQL does not allow transition tables on a trigger with a column list, so the
-- update side becomes a row-level trigger on the four columns the rollups group by: it does not
-- fire at all for an update that does not set them, and fires only for rows that really moved.
-- It is a BEFORE trigger because PostgreSQL runs an update that moves a row to another partition
-- (a new ts on another day) as a delete and an insert, and fires no AFTER UPDATE row trigger for it;
-- BEFORE UPDATE row triggers fire for every updated row. Nothing after it can skip the row, and an
-- error later in the statement rolls the rollup rows back with it.

drop trigger _900_rollup_update on public.events;

create function siem_private.tg_events__rollup_moved() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  -- A key on both sides sums to zero and is left out: a re-parse that changes event_type alone
  -- writes 4 rows, not 16.
  insert into public.event_rollups (bucket_size, dimension, bucket, value, count)
  select s.size, d.dim, s.bucket, d.val, sum(x.n)
  from (values (old.ts, old.event_type, old.host, old.source, -1), (new.ts, new.event_type, new.host, new.source, 1))
    x(ts, event_type, host, source, n)
  cross join lateral (values ('1m', date_trunc('minute', x.ts)), ('1h', date_trunc('hour', x.ts))) s(size, bucket)
  cross join lateral (values ('all', ''), ('event_type', coalesce(x.event_type, '')),
                             ('host', coalesce(x.host, '')), ('source', coalesce(x.source, ''))) d(dim, val)
  group by 1, 2, 3, 4
  having sum(x.n) <> 0;
  return new;
end
$$;
comment on function siem_private.tg_events__rollup_moved() is
  'Moves one updated event between rollup keys: -1 for its old time bucket, type, host and source, +1 for the new ones.';

create trigger _900_rollup_update before update of ts, event_type, host, source on public.events
  for each row
  when (old.ts is distinct from new.ts or old.event_type is distinct from new.event_type
        or old.host is distinct from new.host or old.source is distinct from new.source)
  execute function siem_private.tg_events__rollup_moved();

comment on function siem_private.tg_events__rollup() is
  'Keeps the sums of event_rollups equal to the counts of events on insert and delete: one grouped insert of deltas per statement over its transition table (updates: tg_events__rollup_moved).';
