--! Previous: sha1:e61eea81be1f7a9bc1b067da5c0e5a8af1e4904d
--! Hash: sha1:512339b846fadf260a7c314716cb889de886d8d6
--! Message: rules-throughput

-- Threshold and sequence rules without re-reading their window (docs/rules.md, "Evaluation").
-- apply_rule read, every pass and for every entity with new rows, all the view's rows within the
-- window from events (metadata jsonb and all): the CPU of a pass grew with the window, and at the
-- soak's rate (1,000 source addresses, each active all the time) evaluation fell behind ingest.
-- Now each threshold and sequence rule keeps the rows of its view within reach of its window in a
-- narrow state table (rule_window_rows), adds the new rows once, and reads only what a pass needs:
-- * count thresholds: the rows from the first new one on, plus the min_count rows before it (a
--   window holds >= N rows exactly when it does counting only those), and the rows not yet
--   attached to the alert within the windows that fire;
-- * distinct-count thresholds: only entities with at least min_count distinct values seen within
--   the window (rule_window_values) are evaluated, over their state rows;
-- * sequences: only entities that saw every step within the window; the first rows of the window
--   decide the first complete sequence in most cases (sequence_match_prefix), else all of them.
-- The alerts raised are the same as apply_rule's: the same windows fire and the same events are
-- attached. Only the summary of a repeat may differ for views whose summary varies within an
-- entity: it is the greatest of the rows read, not of the whole window.

--------------------------------------------------------------------------------
-- State
--------------------------------------------------------------------------------

create table siem_private.rule_window_rows (
  rule_id bigint not null,
  entity_null boolean not null,
  entity_key text not null,
  event_ts timestamptz not null,
  event_id bigint not null,
  step text,
  distinct_value text,
  summary text
);
comment on table siem_private.rule_window_rows is
  E'The rows of a threshold or sequence rule''s view within reach of its window: added once when their source rows are evaluated (or read from the view when a pass needs rows older than rule_checkpoints.window_from), pruned once older than two windows. Evaluation reads them by entity instead of re-reading the view over events. No foreign key (a check per inserted row): the rows of a changed or deleted rule are removed by tg_rules__reset_window.';
comment on column siem_private.rule_window_rows.entity_null is 'Whether the view''s entity is null; with entity_key (the entity, '''' for null) a hashable and indexable key that keeps null and '''' apart, as apply_rule does.';
comment on column siem_private.rule_window_rows.step is 'Sequence rules: the view''s step.';
comment on column siem_private.rule_window_rows.distinct_value is 'Distinct-count thresholds: the view''s distinct_value.';
comment on column siem_private.rule_window_rows.summary is 'Sequence rules: the view''s summary (threshold rules keep it in rule_window_pending).';
create index rule_window_rows_entity_idx on siem_private.rule_window_rows (rule_id, entity_null, entity_key, event_ts);
revoke all on siem_private.rule_window_rows from public;

create table siem_private.rule_window_pending (
  rule_id bigint not null,
  entity_null boolean not null,
  entity_key text not null,
  event_ts timestamptz not null,
  event_id bigint not null,
  summary text
);
comment on table siem_private.rule_window_pending is
  'The rows of rule_window_rows of a threshold rule that no alert of the rule holds (yet): a window that fires attaches these and its new rows, never re-reading rows attached before. A row leaves when attached; new rows a pass attaches never enter.';
create index rule_window_pending_entity_idx on siem_private.rule_window_pending (rule_id, entity_null, entity_key, event_ts);
revoke all on siem_private.rule_window_pending from public;

create table siem_private.rule_window_values (
  rule_id bigint not null,
  entity_null boolean not null,
  entity_key text not null,
  value text not null,
  last_ts timestamptz not null,
  primary key (rule_id, entity_null, entity_key, value)
);
comment on table siem_private.rule_window_values is
  'Per rule and entity, the latest event time of each distinct value (distinct-count thresholds) or step (sequences) in rule_window_rows: an entity with fewer than min_count values, or without every step, since the start of the window cannot fire and is not read.';
revoke all on siem_private.rule_window_values from public;

alter table siem_private.rule_checkpoints add column window_from timestamptz, add column window_view text,
  add column window_overlap boolean not null default false;
comment on column siem_private.rule_checkpoints.window_from is 'rule_window_rows holds every row of the rule''s view with event_ts >= window_from (null: no state yet; the next pass reads its window from the view).';
comment on column siem_private.rule_checkpoints.window_overlap is 'Set when the state was read from the view: rows of transactions that committed during that pass are in it already, and the next pass adds its new rows only where not yet there (every other pass adds them without looking).';
comment on column siem_private.rule_checkpoints.window_view is 'md5 of the view''s parse tree the state was built from: a view replaced since makes the state start over.';

create function siem_private.reset_rule_window(p_rule_id bigint) returns void
  language sql volatile strict
  as $$
  delete from siem_private.rule_window_rows where rule_id = p_rule_id;
  delete from siem_private.rule_window_pending where rule_id = p_rule_id;
  delete from siem_private.rule_window_values where rule_id = p_rule_id;
  update siem_private.rule_checkpoints set window_from = null, window_view = null, window_overlap = false where rule_id = p_rule_id;
$$;
comment on function siem_private.reset_rule_window(bigint) is 'Drops the window state of a rule: its next evaluation reads the window from the view again.';

create function siem_private.tg_rules__reset_window() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  -- Any change (view, window, count, steps, enabled: a disabled period leaves a gap) starts over.
  perform siem_private.reset_rule_window(old.id);
  return null;
end;
$$;
comment on function siem_private.tg_rules__reset_window() is 'A rule changed or deleted: its window state (rule_window_rows, rule_window_pending, rule_window_values) is dropped.';
create trigger _620_reset_window after update or delete on public.rules
  for each row execute function siem_private.tg_rules__reset_window();

--------------------------------------------------------------------------------
-- Sequences over the first rows of a window
--------------------------------------------------------------------------------

create function siem_private.sequence_match_prefix(p_ts timestamptz[], p_steps text[], p_required text[], p_window interval,
    p_ordered boolean, p_expiry interval, p_complete boolean)
  returns integer[]
  language plpgsql immutable
  as $$
declare
  v_n integer := coalesce(cardinality(p_ts), 0);
  v_chain integer[];
  v_next integer;
  v_seen text[];
  v_exited boolean;
begin
  -- sequence_match over the first rows of time-sorted rows (all of them when p_complete). A start
  -- whose search reaches the end of the rows without leaving its window might complete with the
  -- rows after them, and it comes before every later start: the answer is then unknown ('{}').
  for v_start in 1 .. v_n loop
    if p_ordered then
      continue when p_steps[v_start] is distinct from p_required[1];
      v_chain := array[v_start];
      v_next := 2;
      v_exited := false;
      for v_i in v_start + 1 .. v_n loop
        exit when v_next > cardinality(p_required);
        if p_ts[v_i] - p_ts[v_start] > p_window
           or (p_expiry is not null and p_ts[v_i] - p_ts[v_chain[cardinality(v_chain)]] > p_expiry) then
          v_exited := true;
          exit;
        end if;
        if p_steps[v_i] = p_required[v_next] then
          v_chain := v_chain || v_i;
          v_next := v_next + 1;
        end if;
      end loop;
      if v_next > cardinality(p_required) then
        return v_chain;
      end if;
    else
      continue when not (p_steps[v_start] = any (p_required));
      v_chain := array[v_start];
      v_seen := array[p_steps[v_start]];
      v_exited := false;
      for v_i in v_start + 1 .. v_n loop
        exit when cardinality(v_seen) = cardinality(p_required);
        if p_ts[v_i] - p_ts[v_start] > p_window then
          v_exited := true;
          exit;
        end if;
        if p_steps[v_i] = any (p_required) and not (p_steps[v_i] = any (v_seen)) then
          v_chain := v_chain || v_i;
          v_seen := v_seen || p_steps[v_i];
        end if;
      end loop;
      if cardinality(v_seen) = cardinality(p_required) then
        return v_chain;
      end if;
    end if;
    if not v_exited and not p_complete then
      return '{}';
    end if;
  end loop;
  return case when p_complete then null else '{}'::integer[] end;
end;
$$;
comment on function siem_private.sequence_match_prefix(timestamptz[], text[], text[], interval, boolean, interval, boolean) is
  'sequence_match over the first rows of an entity''s time-sorted rows: the positions of the first complete sequence, null when there is none, or an empty array when rows after these could change the answer (never when p_complete: these are all the rows).';

--------------------------------------------------------------------------------
-- Raising the alerts of many entities at once
--------------------------------------------------------------------------------

create function siem_private.raise_alerts(p_rule public.rules, p_entity_null boolean[], p_entity_key text[], p_keys_ts timestamptz[],
    p_keys_id bigint[], p_summaries text[])
  returns table (entity_null boolean, entity_key text, alert_id bigint)
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
#variable_conflict use_column
declare
  v_created integer;
begin
  -- Entities whose keys raise_alert would see in two calls (null and '' share a dedup key; an
  -- event under two entities is attached to the first only): one call each, in order.
  if exists (select 1 from unnest(p_entity_null, p_entity_key) e(n, k) group by e.k having count(distinct e.n) > 1)
     or exists (select 1 from (select distinct e.n, e.k, e.ts, e.id from unnest(p_entity_null, p_entity_key, p_keys_ts, p_keys_id) e(n, k, ts, id)) e
                group by e.ts, e.id having count(*) > 1) then
    return query
      select g.n, g.k, siem_private.raise_alert(p_rule, case when g.n then null else g.k end, g.ts, g.id, g.summary)
      from (select e.n, e.k, array_agg(e.ts order by e.ts, e.id) as ts, array_agg(e.id order by e.ts, e.id) as id, max(e.summary) as summary
            from unnest(p_entity_null, p_entity_key, p_keys_ts, p_keys_id, p_summaries) e(n, k, ts, id, summary) group by e.n, e.k order by e.n, e.k) g;
    return;
  end if;

  -- The events of each entity this rule never alerted on, for entities no exception covers.
  -- Working tables of this session (emptied at commit).
  if to_regclass('pg_temp.raise_alerts_fresh') is null then
    create temp table raise_alerts_fresh (n boolean, k text, ts timestamptz, id bigint) on commit delete rows;
    create temp table raise_alerts_target (n boolean, k text, dedup text, entity text, lo timestamptz, hi timestamptz,
      events integer, summary text, alert_id bigint, status text, created boolean) on commit delete rows;
  end if;
  -- (delete, not truncate: a truncate gives the tables new files on every call)
  delete from raise_alerts_fresh;
  delete from raise_alerts_target;
  insert into raise_alerts_fresh
    select distinct e.n, e.k, e.ts, e.id from unnest(p_entity_null, p_entity_key, p_keys_ts, p_keys_id) e(n, k, ts, id)
    where not exists (select 1 from public.alert_events ae where ae.rule_id = p_rule.id and ae.event_ts = e.ts and ae.event_id = e.id)
      and not exists (select 1 from public.alert_exceptions x
                      where (x.rule_id is null or x.rule_id = p_rule.id) and (x.entity is null or x.entity = case when e.n then null else e.k end)
                        and (x.expires_at is null or x.expires_at > now()));
  insert into raise_alerts_target (n, k, dedup, entity, lo, hi, events, summary)
    select f.n, f.k, f.k, case when f.n then null else f.k end, min(f.ts), max(f.ts), count(*), s.summary
    from raise_alerts_fresh f
    join (select e.n, e.k, max(e.summary) as summary from unnest(p_entity_null, p_entity_key, p_summaries) e(n, k, summary) group by 1, 2) s
      on s.n = f.n and s.k = f.k
    group by f.n, f.k, s.summary;

  -- Each entity's open alert, else (suppress_for) its closed one seen within it, else a new one.
  update raise_alerts_target t set alert_id = a.id, status = a.status
    from (select a.id, a.status, a.dedup_key from public.alerts a
          where a.rule_id = p_rule.id and a.status <> 'closed' and a.dedup_key in (select dedup from raise_alerts_target)
          order by a.id for update) a
    where a.dedup_key = t.dedup;
  if p_rule.suppress_for > interval '0' then
    update raise_alerts_target t set alert_id = a.id, status = a.status
      from (select distinct on (a.dedup_key) a.id, a.status, a.dedup_key from public.alerts a
            where a.rule_id = p_rule.id and a.status = 'closed' and a.last_seen_at > now() - p_rule.suppress_for
              and a.dedup_key in (select dedup from raise_alerts_target where alert_id is null)
            order by a.dedup_key, a.last_seen_at desc) a
      where a.dedup_key = t.dedup and t.alert_id is null;
    perform 1 from public.alerts a where a.id in (select t.alert_id from raise_alerts_target t where t.status = 'closed') order by a.id for update;
  end if;
  with created as (
    insert into public.alerts (rule_id, rule_name, dedup_key, entity, severity, tags, summary, first_event_at, last_event_at)
      select p_rule.id, p_rule.name, t.dedup, t.entity, p_rule.severity, p_rule.tags, t.summary, t.lo, t.hi
      from raise_alerts_target t where t.alert_id is null
      returning id, dedup_key, status)
  update raise_alerts_target t set alert_id = c.id, status = c.status, created = true from created c where c.dedup_key = t.dedup;
  get diagnostics v_created = row_count;

  insert into public.alert_events (rule_id, event_ts, event_id, alert_id)
    select p_rule.id, f.ts, f.id, t.alert_id from raise_alerts_fresh f join raise_alerts_target t on t.n = f.n and t.k = f.k;
  update public.alerts a set
      event_count = a.event_count + t.events,
      first_event_at = least(a.first_event_at, t.lo),
      last_event_at = greatest(a.last_event_at, t.hi),
      last_seen_at = now(), updated_at = now(),
      summary = coalesce(t.summary, a.summary)
    from raise_alerts_target t where a.id = t.alert_id;
  insert into public.alert_history (alert_id, actor, action, new_status, detail)
    select t.alert_id, 'engine', case when t.created then 'created' else 'repeated' end, t.status, jsonb_build_object('events', t.events)
    from raise_alerts_target t order by t.alert_id;
  if v_created > 0 then
    perform siem_private.enqueue_notification(p_rule);
  end if;
  return query select t.n, t.k, t.alert_id from raise_alerts_target t;
end;
$$;
comment on function siem_private.raise_alerts(public.rules, boolean[], text[], timestamptz[], bigint[], text[]) is
  'raise_alert for many entities of one rule in a few statements: p_entity_null/p_entity_key (the entity, null when p_entity_null), event keys and the summary of each row, one element per matching row. Returns the entities whose events were attached and their alert (those raise_alert would return an alert for).';

--------------------------------------------------------------------------------
-- Evaluation
--------------------------------------------------------------------------------

create function siem_private.apply_rule_windowed(p_rule public.rules, p_keys_ts timestamptz[], p_keys_id bigint[]) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  -- Sequence entities read this many rows first (sequence_match_prefix), all of them only if these cannot tell.
  c_prefix constant integer := 32;
  v_w interval := p_rule.window_interval;
  v_threshold boolean := p_rule.evaluation = 'threshold';
  -- Count thresholds keep the rows no alert holds in rule_window_pending (with their summary);
  -- the others keep the summary with every row.
  v_pending boolean := p_rule.evaluation = 'threshold' and not p_rule.count_distinct;
  v_view text := md5(siem_private.view_tree(p_rule.view_name));
  v_key_ts text := case when p_rule.source = 'public.events'::regclass then 'event_ts' else 'source_ts' end;
  v_key_id text := case when p_rule.source = 'public.events'::regclass then 'event_id' else 'source_id' end;
  v_value text := case when p_rule.evaluation = 'sequence' then 'step' when p_rule.count_distinct then 'distinct_value' end;
  v_columns text;
  v_state_insert text;
  v_values_upsert text := '';
  v_overlap boolean;
  -- A state row not there yet (only where a read of the view may have added it already).
  v_dedup text := $d$
    where not exists (
      select 1 from siem_private.rule_window_rows s where s.rule_id = $5 and s.entity_null = r.entity_null and s.entity_key = r.entity_key
        and s.event_ts = r.event_ts and s.event_id = r.event_id and s.step is not distinct from r.step
        and s.distinct_value is not distinct from r.distinct_value)$d$;
  v_from timestamptz;
  v_version text;
  v_min timestamptz;
  v_max timestamptz;
  v_needed timestamptz;
  v_nestloop text := current_setting('enable_nestloop');
  v_grp_null boolean[];
  v_grp_key text[];
  v_grp_lo timestamptz[];
  v_grp_hi timestamptz[];
  v_new_null boolean[];
  v_new_key text[];
  v_new_ts timestamptz[];
  v_new_id bigint[];
  v_new_summary text[];
  v_fired text;
  v_row record;
  v_all record;
  v_chain integer[];
  v_alerts integer := 0;
begin
  if p_rule.evaluation not in ('threshold', 'sequence') or coalesce(current_setting('siem.rule_windows', true), '') = 'off' then
    -- The state would miss these rows: it starts over at the next windowed evaluation.
    perform siem_private.reset_rule_window(p_rule.id);
    return siem_private.apply_rule(p_rule, p_keys_ts, p_keys_id);
  end if;
  if coalesce(cardinality(p_keys_id), 0) = 0 then
    return 0;
  end if;
  select min(t), max(t) into v_min, v_max from unnest(p_keys_ts) t;
  select c.window_from, c.window_view, c.window_overlap into v_from, v_version, v_overlap from siem_private.rule_checkpoints c where c.rule_id = p_rule.id;
  if v_version is distinct from v_view then
    perform siem_private.reset_rule_window(p_rule.id);
    v_from := null;
    v_overlap := false;
  elsif v_overlap then
    update siem_private.rule_checkpoints set window_overlap = false where rule_id = p_rule.id;
  end if;

  -- A view row as a state row (summary: kept in the state by sequences only; thresholds keep it
  -- with their pending rows).
  v_columns := format('v.entity is null as entity_null, coalesce(v.entity::text, %L) as entity_key, v.event_ts, v.event_id, %s as step, %s as distinct_value, %s as summary',
    '', case when p_rule.evaluation = 'sequence' then 'v.step::text' else 'null::text' end,
    case when p_rule.count_distinct and v_threshold then 'v.distinct_value::text' else 'null::text' end,
    case when exists (select 1 from pg_attribute where attrelid = p_rule.view_name and attname = 'summary' and not attisdropped)
      then 'v.summary::text' else 'null::text' end);
  v_state_insert := format($i$
    ins as (insert into siem_private.rule_window_rows (rule_id, entity_null, entity_key, event_ts, event_id, step, distinct_value, summary)
            select $5, r.entity_null, r.entity_key, r.event_ts, r.event_id, r.step, r.distinct_value, %s from vrows r %%s)$i$,
    case when v_pending then 'null' else 'r.summary' end);
  if v_value is not null then
    v_values_upsert := format($u$,
      vals as (insert into siem_private.rule_window_values as x (rule_id, entity_null, entity_key, value, last_ts)
               select $5, r.entity_null, r.entity_key, r.%1$I, max(r.event_ts) from vrows r where r.%1$I is not null group by 2, 3, 4
               on conflict (rule_id, entity_null, entity_key, value) do update set last_ts = greatest(x.last_ts, excluded.last_ts))$u$, v_value);
  end if;

  -- 1. The view's rows among the new source rows: added to the state; per entity the first and
  --    last event time, and (thresholds) the rows themselves (live ranges: hash-join the keys, see
  --    apply_rule).
  if v_max - v_min <= interval '1 hour' then
    perform set_config('enable_nestloop', 'off', true);
  end if;
  execute format($q$
    with vrows as materialized (
      select %1$s from %2$s v join unnest($1::timestamptz[], $2::bigint[]) k(ts, id) on v.%3$I = k.ts and v.%4$I = k.id
      where v.%3$I between $3 and $4),
    %5$s%6$s
    select g.*, n.*
    from (select array_agg(entity_null) as grp_null, array_agg(entity_key) as grp_key, array_agg(lo) as grp_lo, array_agg(hi) as grp_hi
          from (select entity_null, entity_key, min(event_ts) as lo, max(event_ts) as hi from vrows group by 1, 2) g) g,
         (select array_agg(entity_null) as new_null, array_agg(entity_key) as new_key, array_agg(event_ts) as new_ts, array_agg(event_id) as new_id,
                 array_agg(summary) as new_summary
          from vrows where %7$L) n$q$,
    v_columns, p_rule.view_name, v_key_ts, v_key_id, format(v_state_insert, case when v_overlap then v_dedup else '' end), v_values_upsert, v_pending)
    into v_grp_null, v_grp_key, v_grp_lo, v_grp_hi, v_new_null, v_new_key, v_new_ts, v_new_id, v_new_summary
    using p_keys_ts, p_keys_id, v_min, v_max, p_rule.id;
  perform set_config('enable_nestloop', v_nestloop, true);
  if v_grp_lo is null then
    return 0;
  end if;

  -- 2. Every view row a window of these entities can hold must be in the state: rows older than it
  --    holds are read from the view once (the first pass, late rows). Far older ones (a replay,
  --    a backfill's range) are evaluated by apply_rule instead, as before.
  v_needed := (select min(t) from unnest(v_grp_lo) t) - v_w;
  if v_from is null or v_needed < v_from then
    if v_from is not null and v_needed < v_from - interval '1 hour' then
      return siem_private.apply_rule(p_rule, p_keys_ts, p_keys_id);
    end if;
    execute format($q$
      with vrows as (select %1$s from %2$s v where v.event_ts >= $1 and v.event_ts < $2),
      %3$s%4$s%5$s
      select 1$q$,
      v_columns, p_rule.view_name, format(v_state_insert, v_dedup), v_values_upsert,
      -- Threshold rows read here that no alert holds yet are pending (those among this pass's
      -- new rows are dealt with below).
      case when v_pending then $p$,
      pend as (insert into siem_private.rule_window_pending (rule_id, entity_null, entity_key, event_ts, event_id, summary)
               select $5, r.entity_null, r.entity_key, r.event_ts, r.event_id, r.summary from vrows r
               where not exists (select 1 from public.alert_events ae where ae.rule_id = $5 and ae.event_ts = r.event_ts and ae.event_id = r.event_id)
                 and not exists (select 1 from unnest($3::timestamptz[], $4::bigint[]) n(ts, id) where n.ts = r.event_ts and n.id = r.event_id)
                 and not exists (select 1 from siem_private.rule_window_pending p where p.rule_id = $5 and p.entity_null = r.entity_null
                                   and p.entity_key = r.entity_key and p.event_ts = r.event_ts and p.event_id = r.event_id))$p$ else '' end)
      using v_needed, coalesce(v_from, 'infinity'), coalesce(v_new_ts, '{}'), coalesce(v_new_id, '{}'), p_rule.id;
    update siem_private.rule_checkpoints set window_from = v_needed, window_view = v_view, window_overlap = true where rule_id = p_rule.id;
    v_from := v_needed;
  elsif v_from < v_needed - v_w - interval '1 minute' then
    -- 3. Pruned once it holds more than two windows (and a minute of late rows).
    v_from := v_needed - interval '1 minute';
    delete from siem_private.rule_window_rows where rule_id = p_rule.id and event_ts < v_from;
    delete from siem_private.rule_window_pending where rule_id = p_rule.id and event_ts < v_from;
    delete from siem_private.rule_window_values where rule_id = p_rule.id and last_ts < v_from;
    update siem_private.rule_checkpoints set window_from = v_from where rule_id = p_rule.id;
  end if;

  if v_threshold then
    -- 4. Windows ending at each row from an entity's first new one on: the fired ones.
    if p_rule.count_distinct then
      -- Only entities with min_count distinct values since the window before their first new row.
      v_fired := $f$
        cand as (
          select g.entity_null, g.entity_key, g.lo, s.event_ts, s.event_id, s.distinct_value
          from grp g cross join lateral (
            select s.event_ts, s.event_id, s.distinct_value from siem_private.rule_window_rows s
            where s.rule_id = $5 and s.entity_null = g.entity_null and s.entity_key = g.entity_key
              and s.event_ts >= g.lo - $6 and s.event_ts <= g.hi + $6) s
          where (select count(*) from siem_private.rule_window_values x
                 where x.rule_id = $5 and x.entity_null = g.entity_null and x.entity_key = g.entity_key and x.last_ts >= g.lo - $6) >= $7),
        fired as (
          select c.entity_null, c.entity_key, c.event_ts as end_ts
          from cand c join cand c2 on c2.entity_null = c.entity_null and c2.entity_key = c.entity_key
                                  and c2.event_ts >= c.event_ts - $6 and c2.event_ts <= c.event_ts
          where c.event_ts >= c.lo
          group by c.entity_null, c.entity_key, c.event_ts, c.event_id
          having count(distinct c2.distinct_value) >= $7)$f$;
    else
      -- A window holds >= N rows exactly when it does counting only its rows from the first new
      -- one on and the N rows before that.
      v_fired := $f$
        cand as (
          select g.entity_null, g.entity_key, g.lo, s.event_ts
          from grp g cross join lateral (
            (select s.event_ts from siem_private.rule_window_rows s
             where s.rule_id = $5 and s.entity_null = g.entity_null and s.entity_key = g.entity_key
               and s.event_ts >= g.lo and s.event_ts <= g.hi + $6)
            union all
            (select s.event_ts from siem_private.rule_window_rows s
             where s.rule_id = $5 and s.entity_null = g.entity_null and s.entity_key = g.entity_key
               and s.event_ts >= g.lo - $6 and s.event_ts < g.lo
             order by s.event_ts desc limit $7)) s),
        fired as (
          select w.entity_null, w.entity_key, w.event_ts as end_ts
          from (select c.*, count(*) over (partition by c.entity_null, c.entity_key order by c.event_ts range between $6 preceding and current row) as n
                from cand c) w
          where w.event_ts >= w.lo and w.n >= $7)$f$;
    end if;
    -- 5. The rows of the fired windows no alert holds yet (pending ones and new ones), per entity
    --    (the windows merged into islands first: consecutive fired ends at most a window apart
    --    overlap), attached in one raise_alerts; pending ones attached leave, new ones not attached
    --    become pending.
    execute format($q$
      with grp as (select * from unnest($1::boolean[], $2::text[], $3::timestamptz[], $4::timestamptz[]) g(entity_null, entity_key, lo, hi)),
      %s,
      islands as (
        select entity_null, entity_key, min(end_ts) - $6 as lo, max(end_ts) as hi
        from (select f.*, count(*) filter (where f.end_ts - f.prev > $6) over (partition by f.entity_null, f.entity_key order by f.end_ts) as island
              from (select f.*, lag(f.end_ts) over (partition by f.entity_null, f.entity_key order by f.end_ts) as prev
                    from (select distinct * from fired) f) f) f
        group by entity_null, entity_key, island),
      arrived as (select * from unnest($9::boolean[], $10::text[], $11::timestamptz[], $12::bigint[], $13::text[]) n(entity_null, entity_key, event_ts, event_id, summary)),
%s      raised as (
        select r.* from (select array_agg(entity_null) as n, array_agg(entity_key) as k, array_agg(event_ts) as ts, array_agg(event_id) as id,
                                array_agg(summary) as summary from attach) a
        cross join lateral siem_private.raise_alerts($8, a.n, a.k, a.ts, a.id, a.summary) r
        where a.n is not null and r.alert_id is not null),
      attached as (select t.* from attach t join raised r on r.entity_null = t.entity_null and r.entity_key = t.entity_key)%s
      select count(*)::integer from raised$q$, v_fired,
      case when v_pending then $a$
      attach as (
        select i.entity_null, i.entity_key, u.event_ts, u.event_id, u.summary, true as pending
        from islands i cross join lateral (
          select u.event_ts, u.event_id, u.summary from siem_private.rule_window_pending u
          where u.rule_id = $5 and u.entity_null = i.entity_null and u.entity_key = i.entity_key
            and u.event_ts >= i.lo and u.event_ts <= i.hi) u
        union all
        select n.entity_null, n.entity_key, n.event_ts, n.event_id, n.summary, false
        from arrived n join islands i on i.entity_null = n.entity_null and i.entity_key = n.entity_key and n.event_ts >= i.lo and n.event_ts <= i.hi),
$a$
      -- distinct counts: every row of the windows (raise_alerts keeps those no alert holds)
      else $a$
      attach as (
        select i.entity_null, i.entity_key, u.event_ts, u.event_id, u.summary, false as pending
        from islands i cross join lateral (
          select u.event_ts, u.event_id, u.summary from siem_private.rule_window_rows u
          where u.rule_id = $5 and u.entity_null = i.entity_null and u.entity_key = i.entity_key
            and u.event_ts >= i.lo and u.event_ts <= i.hi) u),
$a$ end,
      case when v_pending then $g$,
      gone as (
        delete from siem_private.rule_window_pending p using attached t
        where t.pending and p.rule_id = $5 and p.entity_null = t.entity_null and p.entity_key = t.entity_key
          and p.event_ts = t.event_ts and p.event_id = t.event_id),
      kept as (
        insert into siem_private.rule_window_pending (rule_id, entity_null, entity_key, event_ts, event_id, summary)
        select $5, n.entity_null, n.entity_key, n.event_ts, n.event_id, n.summary from arrived n
        where not exists (select 1 from attached t where not t.pending and t.entity_null = n.entity_null and t.entity_key = n.entity_key
                            and t.event_ts = n.event_ts and t.event_id = n.event_id)
          and ($14 is false or not exists (select 1 from siem_private.rule_window_pending p where p.rule_id = $5 and p.entity_null = n.entity_null
                                             and p.entity_key = n.entity_key and p.event_ts = n.event_ts and p.event_id = n.event_id)))$g$
      else '' end)
      into v_alerts
      using v_grp_null, v_grp_key, v_grp_lo, v_grp_hi, p_rule.id, v_w, p_rule.min_count, p_rule,
            v_new_null, v_new_key, v_new_ts, v_new_id, v_new_summary, coalesce(v_overlap, false);

  else -- sequence
    v_new_null := '{}';
    v_new_key := '{}';
    v_new_ts := '{}';
    v_new_id := '{}';
    v_new_summary := '{}';
    -- 4. Entities that saw every step since the window before their first new row: their first rows.
    for v_row in
      select g.entity_null, g.entity_key, g.lo, g.hi, r.keys_ts, r.keys_id, r.steps, r.summary, r.n
      from unnest(v_grp_null, v_grp_key, v_grp_lo, v_grp_hi) g(entity_null, entity_key, lo, hi)
      cross join lateral (
        select array_agg(s.event_ts order by s.event_ts, s.event_id, s.step) as keys_ts, array_agg(s.event_id order by s.event_ts, s.event_id, s.step) as keys_id,
               array_agg(s.step order by s.event_ts, s.event_id, s.step) as steps, max(s.summary) as summary, count(*) as n
        from (select s.event_ts, s.event_id, s.step, s.summary from siem_private.rule_window_rows s
              where s.rule_id = p_rule.id and s.entity_null = g.entity_null and s.entity_key = g.entity_key
                and s.event_ts >= g.lo - v_w and s.event_ts <= g.hi + v_w
              order by s.event_ts, s.event_id, s.step limit c_prefix + 1) s) r
      where (select count(*) from siem_private.rule_window_values x
             where x.rule_id = p_rule.id and x.entity_null = g.entity_null and x.entity_key = g.entity_key
               and x.value = any (p_rule.steps) and x.last_ts >= g.lo - v_w) = cardinality(array(select distinct unnest(p_rule.steps)))
    loop
      v_chain := siem_private.sequence_match_prefix(v_row.keys_ts[1:c_prefix], v_row.steps[1:c_prefix], p_rule.steps, v_w,
        p_rule.ordered, p_rule.step_expiry, v_row.n <= c_prefix);
      if v_chain = '{}' then
        select array_agg(s.event_ts order by s.event_ts, s.event_id, s.step) as keys_ts, array_agg(s.event_id order by s.event_ts, s.event_id, s.step) as keys_id,
               array_agg(s.step order by s.event_ts, s.event_id, s.step) as steps, max(s.summary) as summary
          into v_all
          from siem_private.rule_window_rows s
          where s.rule_id = p_rule.id and s.entity_null = v_row.entity_null and s.entity_key = v_row.entity_key
            and s.event_ts >= v_row.lo - v_w and s.event_ts <= v_row.hi + v_w;
        v_row.keys_ts := v_all.keys_ts;
        v_row.keys_id := v_all.keys_id;
        v_row.summary := v_all.summary;
        v_chain := siem_private.sequence_match(v_all.keys_ts, v_all.steps, p_rule.steps, v_w, p_rule.ordered, p_rule.step_expiry);
      end if;
      if v_chain is not null then
        v_new_null := v_new_null || array_fill(v_row.entity_null, array[cardinality(v_chain)]);
        v_new_key := v_new_key || array_fill(v_row.entity_key, array[cardinality(v_chain)]);
        v_new_ts := v_new_ts || array(select v_row.keys_ts[i] from unnest(v_chain) i);
        v_new_id := v_new_id || array(select v_row.keys_id[i] from unnest(v_chain) i);
        v_new_summary := v_new_summary || array_fill(v_row.summary, array[cardinality(v_chain)]);
      end if;
    end loop;
    -- 5. Each entity's first complete sequence, attached in one raise_alerts (mostly a no-op: the
    --    same sequence as in earlier passes).
    if cardinality(v_new_id) > 0 then
      select count(*)::integer into v_alerts
      from siem_private.raise_alerts(p_rule, v_new_null, v_new_key, v_new_ts, v_new_id, v_new_summary) r where r.alert_id is not null;
    end if;
  end if;
  return v_alerts;
end;
$$;
comment on function siem_private.apply_rule_windowed(public.rules, timestamptz[], bigint[]) is
  'Evaluates a threshold or sequence rule over the given source keys (new rows) as apply_rule does, through the rule''s window state (rule_window_rows): adds the new rows of its view, reads older view rows only when the state does not reach back far enough, and reads per entity only the rows a pass needs. Other rules, and every rule while siem.rule_windows is off, go to apply_rule. Returns how many alerts it raised or repeated.';

create or replace function siem_private.evaluate_rule(p_rule_id bigint, out rows_seen integer, out alerts integer)
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_rule public.rules;
  v_prev pg_snapshot;
  v_now pg_snapshot;
  v_keys_ts timestamptz[];
  v_keys_id bigint[];
begin
  rows_seen := 0;
  alerts := 0;
  -- The checkpoint row lock serializes evaluations of one rule; a concurrent one waits, then sees the advanced snapshot.
  select c.snapshot into v_prev from siem_private.rule_checkpoints c where c.rule_id = p_rule_id for update;
  select * into v_rule from public.rules where id = p_rule_id;
  if v_prev is null or not v_rule.enabled then
    return;
  end if;
  v_now := pg_current_snapshot();
  select coalesce(array_agg(k.ts), '{}'), coalesce(array_agg(k.id), '{}') into v_keys_ts, v_keys_id
  from siem_private.rule_outbox o, unnest(o.keys_ts, o.keys_id) k(ts, id)
  where o.source = v_rule.source and o.xid >= pg_snapshot_xmin(v_prev)
    and pg_visible_in_snapshot(o.xid, v_now) and not pg_visible_in_snapshot(o.xid, v_prev);
  rows_seen := cardinality(v_keys_id);
  alerts := case when v_rule.evaluation in ('threshold', 'sequence') then siem_private.apply_rule_windowed(v_rule, v_keys_ts, v_keys_id)
                 else siem_private.apply_rule(v_rule, v_keys_ts, v_keys_id) end;
  update siem_private.rule_checkpoints set snapshot = v_now, evaluated_at = now(),
      rows_seen = rule_checkpoints.rows_seen + evaluate_rule.rows_seen, alerts_raised = alerts_raised + evaluate_rule.alerts
    where rule_id = p_rule_id;
end;
$$;
comment on function siem_private.evaluate_rule(bigint) is
  'Evaluates a rule over the source rows whose transactions committed since its last snapshot (never an id cursor: ids commit out of order), threshold and sequence rules through their window state (apply_rule_windowed), then advances its checkpoint in the same transaction.';

--------------------------------------------------------------------------------
-- One pass at a time
--------------------------------------------------------------------------------

create or replace function siem_private.enqueue_rule_evaluation() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
begin
  -- One pending job (key rules__evaluate) absorbs every batch until a worker picks it up. Upserting
  -- that shared key makes a concurrent ingest transaction wait for ours to commit, so only the
  -- holder of a transaction-scoped advisory lock touches it. The others notify instead: the worker
  -- listens and upserts the same job after they commit (and the crontab runs it every minute in
  -- case a notification is lost while the worker is disconnected). Priority -5: ahead of the
  -- per-batch enrichment jobs (0), behind mail (-10). Queue siem_rules: a job added while a pass
  -- runs waits for it (then takes everything committed meanwhile) instead of a second pass running
  -- at once on the other worker slot.
  if pg_try_advisory_xact_lock(hashtext('siem.rules__evaluate')) then
    perform graphile_worker.add_job('rules__evaluate', '{}'::json, queue_name => 'siem_rules', job_key => 'rules__evaluate',
      job_key_mode => 'preserve_run_at', max_attempts => 5, priority => -5);
  else
    perform pg_notify('siem_rules', '');
  end if;
end;
$$;
comment on function siem_private.enqueue_rule_evaluation() is 'Enqueues the coalesced rules__evaluate job (one pending job, whatever the number of batches; priority -5, ahead of enrichment; queue siem_rules, so passes never overlap), or, while another ingest transaction holds that job, notifies siem_rules so the worker enqueues it after this commit; never waits for another transaction.';
