--! Previous: sha1:e4ddc2d4459aed3c402788e8c033b9fdec157e70
--! Hash: sha1:359fa9bec9efa3b0aa22c865135aac2b84e639c4
--! Message: rule-windows-hashable

-- Threshold and sequence rules read, for every entity with new rows, that entity's rows within the
-- window. The join on the entity was IS NOT DISTINCT FROM, which PostgreSQL can neither hash nor
-- merge: with the nested loops apply_rule turns off for live ranges, it became a nested loop over
-- entities x rows anyway, so one pass over a busy minute (thousands of source addresses) did not
-- finish (npm run drill -- soak). The same condition written as two equalities (the value, with
-- null as '', and whether it is null) hashes. The distinct-count window (password spraying) was a
-- subquery per candidate row over every candidate of every entity; it is now a hash self-join
-- within each entity's rows.

create or replace function siem_private.apply_rule(p_rule public.rules, p_keys_ts timestamptz[], p_keys_id bigint[]) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_has_summary boolean := exists (select 1 from pg_attribute where attrelid = p_rule.view_name and attname = 'summary' and not attisdropped);
  v_summary text := case when v_has_summary then 'v.summary::text' else 'null::text' end;
  v_key_ts text := case when p_rule.source = 'public.events'::regclass then 'event_ts' else 'source_ts' end;
  v_key_id text := case when p_rule.source = 'public.events'::regclass then 'event_id' else 'source_id' end;
  v_min timestamptz;
  v_max timestamptz;
  v_alerts integer := 0;
  v_row record;
  v_chain integer[];
  v_nestloop text := current_setting('enable_nestloop');
begin
  if coalesce(cardinality(p_keys_id), 0) = 0 then
    return 0;
  end if;
  select min(t), max(t) into v_min, v_max from unnest(p_keys_ts) t;
  -- New rows of live ingest span seconds: reading the view over that range (through its own
  -- indexes, e.g. events (event_type, ts)) and hash-joining the keys costs far less than one
  -- partition-pruned primary-key probe per key, which the planner picks from unnest's default
  -- estimate. A wide range (old events replayed, backfill) keeps the probes.
  if v_max - v_min <= interval '1 hour' then
    perform set_config('enable_nestloop', 'off', true);
  end if;

  if p_rule.evaluation = 'match' then
    for v_row in execute format(
      $q$select v.entity::text as entity, array_agg(v.event_ts) as keys_ts, array_agg(v.event_id) as keys_id, max(%1$s) as summary
         from %2$s v join unnest($1::timestamptz[], $2::bigint[]) k(ts, id) on v.%3$I = k.ts and v.%4$I = k.id
         where v.%3$I between $3 and $4
         group by 1$q$, v_summary, p_rule.view_name, v_key_ts, v_key_id)
      using p_keys_ts, p_keys_id, v_min, v_max
    loop
      if siem_private.raise_alert(p_rule, v_row.entity, v_row.keys_ts, v_row.keys_id, v_row.summary) is not null then
        v_alerts := v_alerts + 1;
      end if;
    end loop;

  elsif p_rule.evaluation = 'threshold' then
    -- Sliding windows: every window ending at a candidate row that could hold a new row is counted.
    for v_row in execute format(
      $q$with hit as materialized (
           select v.entity::text as entity, v.event_ts from %1$s v
             join unnest($1::timestamptz[], $2::bigint[]) k(ts, id) on v.%4$I = k.ts and v.%5$I = k.id
           where v.%4$I between $3 and $4),
         grp as (select entity, min(event_ts) as lo, max(event_ts) as hi from hit group by entity),
         cand as materialized (
           select v.entity::text as entity, v.event_ts, v.event_id, %2$s as dv, %3$s as summary, g.lo, g.hi
           from %1$s v join grp g on coalesce(v.entity::text, '') = coalesce(g.entity, '') and (v.entity is null) = (g.entity is null)
           where v.event_ts >= g.lo - $5 and v.event_ts <= g.hi + $5),
         win as (%6$s),
         fired as (select distinct on (entity, end_ts) entity, end_ts from win where n >= $6)
       select c.entity, array_agg(c.event_ts order by c.event_ts) as keys_ts, array_agg(c.event_id order by c.event_ts) as keys_id,
              max(c.summary) as summary
       from (select distinct c.entity, c.event_ts, c.event_id, c.summary from fired f
               join cand c on coalesce(c.entity, '') = coalesce(f.entity, '') and (c.entity is null) = (f.entity is null) and c.event_ts >= f.end_ts - $5 and c.event_ts <= f.end_ts) c
       group by c.entity$q$,
      p_rule.view_name,
      case when p_rule.count_distinct then 'v.distinct_value::text' else 'null::text' end,
      v_summary, v_key_ts, v_key_id,
      -- the windows ending at each candidate row from the first new one on, and their counts
      case when p_rule.count_distinct
        then $w$select c.entity, c.event_ts as end_ts, c.lo, count(distinct c2.dv) as n
                from cand c join cand c2 on coalesce(c2.entity, '') = coalesce(c.entity, '') and (c2.entity is null) = (c.entity is null)
                                        and c2.event_ts >= c.event_ts - $5 and c2.event_ts <= c.event_ts
                where c.event_ts >= c.lo
                group by c.entity, c.event_ts, c.event_id, c.lo$w$
        else $w$select * from (select c.entity, c.event_ts as end_ts, c.lo,
                                      count(*) over (partition by c.entity order by c.event_ts range between $5 preceding and current row) as n
                               from cand c) w
                where w.end_ts >= w.lo$w$ end)
      using p_keys_ts, p_keys_id, v_min, v_max, p_rule.window_interval, p_rule.min_count
    loop
      if siem_private.raise_alert(p_rule, v_row.entity, v_row.keys_ts, v_row.keys_id, v_row.summary) is not null then
        v_alerts := v_alerts + 1;
      end if;
    end loop;

  else -- sequence
    for v_row in execute format(
      $q$with hit as materialized (
           select v.entity::text as entity, v.event_ts from %1$s v
             join unnest($1::timestamptz[], $2::bigint[]) k(ts, id) on v.%3$I = k.ts and v.%4$I = k.id
           where v.%3$I between $3 and $4),
         grp as (select entity, min(event_ts) as lo, max(event_ts) as hi from hit group by entity)
       select g.entity, array_agg(v.event_ts order by v.event_ts, v.event_id) as keys_ts,
              array_agg(v.event_id order by v.event_ts, v.event_id) as keys_id,
              array_agg(v.step::text order by v.event_ts, v.event_id) as steps, max(%2$s) as summary
       from %1$s v join grp g on coalesce(v.entity::text, '') = coalesce(g.entity, '') and (v.entity is null) = (g.entity is null)
       where v.event_ts >= g.lo - $5 and v.event_ts <= g.hi + $5
       group by g.entity$q$,
      p_rule.view_name, v_summary, v_key_ts, v_key_id)
      using p_keys_ts, p_keys_id, v_min, v_max, p_rule.window_interval
    loop
      v_chain := siem_private.sequence_match(v_row.keys_ts, v_row.steps, p_rule.steps, p_rule.window_interval, p_rule.ordered, p_rule.step_expiry);
      if v_chain is not null and siem_private.raise_alert(p_rule, v_row.entity,
          array(select v_row.keys_ts[i] from unnest(v_chain) i), array(select v_row.keys_id[i] from unnest(v_chain) i), v_row.summary) is not null then
        v_alerts := v_alerts + 1;
      end if;
    end loop;
  end if;
  perform set_config('enable_nestloop', v_nestloop, true);
  return v_alerts;
end;
$$;
comment on function siem_private.apply_rule(public.rules, timestamptz[], bigint[]) is
  'Evaluates one rule over the given source keys (new rows): match, sliding-window threshold or sequence per entity, raising or repeating alerts. Returns how many alerts it raised or repeated.';
