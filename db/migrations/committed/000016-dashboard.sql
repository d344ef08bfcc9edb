--! Previous: sha1:9ba86dcfe393436f9ff4de528e47512fb2e7ffc0
--! Hash: sha1:933d46132ceab6b3ae22d3ee6bf0bebdddd09905
--! Message: dashboard

-- What the dashboard needed from the database: the alerts of one event, a search histogram that
-- counts exactly what the search returns, rule imports from the web UI (compiled by the worker),
-- and a rule's fixture tests and dry runs as API calls.

------------------------------------------------------------------------------ related alerts

-- alert_events is keyed by rule; looking up the alerts of one event needs the event first.
create index alert_events_event_ts_event_id_idx on public.alert_events (event_ts, event_id);

create function public.events_related_alerts(p_event public.events) returns setof public.alerts
  language sql stable
  as $$
  -- Every rule view names the event of each row (event_ts, event_id), and that is what alert_events
  -- keeps, whatever the rule's source (a threat intel rule reads threat_matches but names the event).
  select a.* from public.alerts a
  where a.id in (select ae.alert_id from public.alert_events ae where ae.event_ts = p_event.ts and ae.event_id = p_event.id)
  order by a.last_seen_at desc, a.id desc
  limit 100
$$;
comment on function public.events_related_alerts(public.events) is
  E'@behavior -connection +list\nThe alerts this event is a matching event of (threat intel alerts included), most recently seen first, at most 100. Runs as the caller: row-level security applies.';
revoke execute on function public.events_related_alerts(public.events) from public;
grant execute on function public.events_related_alerts(public.events) to siem_analyst;

------------------------------------------------------------------------------ search histogram

-- Archiving drops a day's partition but leaves its rollups (restoring attaches it again): the
-- histogram must not count rollups of days that are archived and not restored.
create function public.archived_event_days() returns date[]
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
  select coalesce(array_agg(a.day), '{}') from public.archive_index a where a.table_name = 'events' and a.restored_at is null
$$;
comment on function public.archived_event_days() is
  E'@behavior -*\nUTC days of events that are archived and not restored: no longer searchable, though their rollups remain.';
revoke execute on function public.archived_event_days() from public;
grant execute on function public.archived_event_days() to siem_analyst;

create type public.search_bucket as (bucket timestamptz, count bigint);
comment on type public.search_bucket is 'How many events of a search fall in one time bucket.';

create function public.search_event_counts(
  p_start timestamptz, p_end timestamptz, p_bucket text default '1h',
  p_sources text[] default null, p_hosts text[] default null, p_event_types text[] default null,
  p_tags text[] default null, p_fields jsonb default null, p_q text default null)
  returns setof public.search_bucket
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
declare
  v_width interval := case p_bucket when '1m' then interval '1 minute' when '5m' then interval '5 minutes'
                                    when '1h' then interval '1 hour' when '1d' then interval '1 day' end;
  v_where text;
  v_dims integer := (p_sources is not null)::integer + (p_hosts is not null)::integer + (p_event_types is not null)::integer;
  v_m0 timestamptz;
  v_m1 timestamptz;
  v_h0 timestamptz;
  v_h1 timestamptz;
  v_rows integer;
begin
  perform public.check_search_args(p_start, p_end, p_fields);
  if v_width is null then
    raise exception 'bucket must be 1m, 5m, 1h or 1d' using errcode = '22023';
  end if;
  if p_end <= p_start then
    return;
  end if;
  if extract(epoch from p_end - p_start) / extract(epoch from v_width) > 10000 then
    raise exception 'more than 10000 buckets: choose a larger bucket or a shorter range' using errcode = '54000';
  end if;
  v_where := public.event_search_where(cardinality(p_sources), cardinality(p_hosts), cardinality(p_event_types),
                                       p_tags is not null, p_fields is not null, nullif(p_q, '') is not null, false);
  -- Whole minutes inside the range.
  v_m0 := date_trunc('minute', p_start);
  if v_m0 < p_start then
    v_m0 := v_m0 + interval '1 minute';
  end if;
  v_m1 := date_trunc('minute', p_end);

  if p_tags is null and p_fields is null and nullif(p_q, '') is null and v_dims <= 1 and v_m0 < v_m1 then
    -- The rollups know one dimension at a time: whole hours from the hourly rows, whole minutes
    -- from the minute rows, and the seconds before the first and after the last whole minute from
    -- events, so every bucket is exact, partial edge buckets included.
    v_h0 := date_trunc('hour', v_m0);
    if v_h0 < v_m0 then
      v_h0 := v_h0 + interval '1 hour';
    end if;
    v_h1 := greatest(date_trunc('hour', v_m1), v_h0);
    if v_width < interval '1 hour' then
      v_h1 := v_h0; -- buckets finer than an hour come from the minute rows alone
    end if;
    return query execute
      'select b, sum(n)::bigint from (
         select date_bin($11, r.bucket, timestamptz ''2000-01-01 00:00:00+00'') as b, r.count as n
         from public.event_rollups r
         where r.dimension = $14 and r.value = any($15)
           and not ((r.bucket at time zone ''UTC'')::date = any($18))
           and ((r.bucket_size = ''1h'' and r.bucket >= $16 and r.bucket < $17)
             or (r.bucket_size = ''1m'' and r.bucket >= $12 and r.bucket < $13 and not (r.bucket >= $16 and r.bucket < $17)))
         union all
         select date_bin($11, e.ts, timestamptz ''2000-01-01 00:00:00+00''), 1
         from public.events e where ' || v_where || ' and (e.ts < $12 or e.ts >= $13)
       ) p group by 1 having sum(n) <> 0 order by 1'
      using p_start, p_end, p_sources, p_hosts, p_event_types, p_tags, p_fields, null::text, null::timestamptz, null::bigint,
            v_width, v_m0, v_m1,
            case when p_sources is not null then 'source' when p_hosts is not null then 'host'
                 when p_event_types is not null then 'event_type' else 'all' end,
            coalesce(p_sources, p_hosts, p_event_types, array['']), v_h0, v_h1, public.archived_event_days();
  else
    return query execute
      'select date_bin($11, e.ts, timestamptz ''2000-01-01 00:00:00+00''), count(*)
       from public.events e where ' || v_where || ' group by 1 order by 1 limit 10001'
      using p_start, p_end, p_sources, p_hosts, p_event_types, p_tags, p_fields,
            public.like_pattern(nullif(p_q, '')), null::timestamptz, null::bigint, v_width;
  end if;
  get diagnostics v_rows = row_count;
  if v_rows > 10000 then
    raise exception 'more than 10000 buckets: choose a larger bucket or a shorter range' using errcode = '54000';
  end if;
end
$$;
comment on function public.search_event_counts(timestamptz, timestamptz, text, text[], text[], text[], text[], jsonb, text) is
  E'@behavior -connection +list\nThe histogram of a search: how many of the events searchEvents returns (same filters, same [start, end)) fall in each bucket (1m, 5m, 1h, 1d; UTC), non-empty buckets only. Read from the rollups when at most one of sources, hosts and eventTypes is given and nothing else (exact: the partial minutes at the edges are counted from events, archived days are left out), else counted from events.';
revoke execute on function public.search_event_counts(timestamptz, timestamptz, text, text[], text[], text[], text[], jsonb, text) from public;
grant execute on function public.search_event_counts(timestamptz, timestamptz, text, text[], text[], text[], text[], jsonb, text) to siem_analyst;

------------------------------------------------------------------------------ rule imports

create table public.rule_imports (
  id bigint generated always as identity primary key,
  user_id uuid default public.current_user_id() references public.users (id) on delete set null,
  file_name text not null default 'pasted.yaml' check (length(file_name) between 1 and 200),
  source_text text not null check (length(source_text) between 1 and 1000000),
  enabled boolean not null default true,
  status text not null default 'pending' check (status in ('pending', 'done', 'error')),
  compiled text[] not null default '{}',
  failures jsonb not null default '[]',
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
comment on table public.rule_imports is 'Rules imported from the web UI: the YAML or Sigma text an admin pasted or uploaded, and what the worker made of it (the rules compiled and installed, the failures with their messages). Created through import_rules (or createRuleImport: the same insert).';
comment on column public.rule_imports.status is 'pending until the worker (task rule_imports__compile) has compiled it; then done (see compiled and failures) or error (the import itself failed; failures says why).';
comment on column public.rule_imports.compiled is 'Names of the rules compiled and installed.';
comment on column public.rule_imports.failures is 'One {title, error} per rule (or document) that did not compile or install.';
comment on column public.rule_imports.enabled is 'Whether the imported rules start enabled.';
create index rule_imports_created_at_idx on public.rule_imports (created_at desc);
alter table public.rule_imports enable row level security;
create policy select_all on public.rule_imports for select to siem_admin using (true);
create policy admin_insert on public.rule_imports for insert to siem_admin with check (user_id is not distinct from public.current_user_id());
grant select on public.rule_imports to siem_admin;
grant insert (file_name, source_text, enabled) on public.rule_imports to siem_admin;

create function siem_private.tg_rule_imports__enqueue_compile() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  perform graphile_worker.add_job('rule_imports__compile', json_build_object('id', new.id), max_attempts => 3);
  return null;
end
$$;
comment on function siem_private.tg_rule_imports__enqueue_compile() is 'Queues the worker job that compiles and installs an imported rule text (the compilers are TypeScript).';
create trigger _180_enqueue_compile after insert on public.rule_imports
  for each row execute function siem_private.tg_rule_imports__enqueue_compile();

create function public.import_rules(p_text text, p_file_name text default null, p_enabled boolean default true) returns public.rule_imports
  language sql volatile
  as $$
  insert into public.rule_imports (file_name, source_text, enabled)
  values (coalesce(nullif(btrim(p_file_name), ''), 'pasted.yaml'), p_text, coalesce(p_enabled, true))
  returning *
$$;
comment on function public.import_rules(text, text, boolean) is
  'Admin only: imports rules from YAML (our threshold/sequence/match rules) or Sigma text, as `siem rules import` does. Returns the import, pending; read ruleImport(rowId) until its status is done: compiled lists the installed rules, failures each rule that failed with its message.';
revoke execute on function public.import_rules(text, text, boolean) from public;
grant execute on function public.import_rules(text, text, boolean) to siem_admin;

------------------------------------------------------------------------------ rule tests and dry runs

create function siem_private.rule_fixture_alerts(p_rule public.rules, p_events jsonb) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_ts timestamptz[];
  v_id bigint[];
  v_alerts integer;
begin
  if p_events is null or jsonb_typeof(p_events) <> 'array' or jsonb_array_length(p_events) = 0 then
    return null;
  end if;
  begin
    -- Fixture events: ts, or offset seconds after 2026-01-01; repeat n times one second apart; every
    -- other key is a parsed field.
    with fixture as (
      select coalesce((f.e ->> 'ts')::timestamptz,
                      timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => coalesce((f.e ->> 'offset')::float8, 0)))
               + make_interval(secs => i) as ts, f.e
      from jsonb_array_elements(p_events) f(e), generate_series(0, coalesce((f.e ->> 'repeat')::integer, 1) - 1) i
    ), inserted as (
      insert into public.events (ts, received_at, raw_id, raw_ts, batch_id, source, host, event_type, message, metadata)
      select x.ts, now(), 0, now(), gen_random_uuid(), coalesce(x.e ->> 'source', 'fixture'), coalesce(x.e ->> 'host', 'fixture-host'),
             coalesce(x.e ->> 'event_type', 'text'), coalesce(x.e ->> 'message', ''),
             x.e - array['ts', 'offset', 'event_type', 'message', 'host', 'source', 'repeat']
      from fixture x
      returning ts, id
    )
    select array_agg(ts), array_agg(id) into v_ts, v_id from inserted;
    v_alerts := siem_private.apply_rule(p_rule, v_ts, v_id);
    -- Undo the fixture events and the alerts they raised; v_alerts keeps its value.
    raise exception 'rolled back' using errcode = 'SR001';
  exception when sqlstate 'SR001' then
    null;
  end;
  return v_alerts;
end
$$;
comment on function siem_private.rule_fixture_alerts(public.rules, jsonb) is
  'How many alerts a rule raises over the given fixture events (inserted, evaluated, then rolled back in a subtransaction); null for no events.';

create type public.rule_test_result as (rule_id bigint, rule_name text, positive boolean, negative boolean, positive_alerts integer, negative_alerts integer);
comment on type public.rule_test_result is 'A rule''s fixture test: positive is true when its positive events raised an alert, negative when its negative events raised none; null when it has no such events.';

create function public.test_rule(p_rule_id bigint) returns public.rule_test_result
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_rule public.rules;
  v_positive integer;
  v_negative integer;
begin
  select * into v_rule from public.rules where id = p_rule_id;
  if v_rule.id is null then
    raise exception 'no rule with id %', p_rule_id using errcode = '22023';
  end if;
  v_positive := siem_private.rule_fixture_alerts(v_rule, v_rule.fixtures -> 'positive');
  v_negative := siem_private.rule_fixture_alerts(v_rule, v_rule.fixtures -> 'negative');
  return (v_rule.id, v_rule.name, v_positive > 0, v_negative = 0, v_positive, v_negative)::public.rule_test_result;
end
$$;
comment on function public.test_rule(bigint) is
  'Runs a rule over its fixtures (detection as code, as `siem rules test`): positive events must raise an alert, negative ones none. Nothing is kept: the events and alerts are rolled back.';
revoke execute on function public.test_rule(bigint) from public;
grant execute on function public.test_rule(bigint) to siem_analyst;

create type public.rule_dry_run_match as (entity text, event_count integer, first_event_at timestamptz, last_event_at timestamptz, summary text);
comment on type public.rule_dry_run_match is 'An alert a dry run would raise: its entity, how many events and when.';

create function public.dry_run_rule(p_rule_id bigint, p_hours integer default 24) returns setof public.rule_dry_run_match
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_rule public.rules;
  v_clone public.rules;
  v_ts timestamptz[];
  v_id bigint[];
  v_result public.rule_dry_run_match[];
begin
  if p_hours is null or p_hours < 1 or p_hours > 168 then
    raise exception 'hours must be between 1 and 168' using errcode = '22023';
  end if;
  select * into v_rule from public.rules where id = p_rule_id;
  if v_rule.id is null then
    raise exception 'no rule with id %', p_rule_id using errcode = '22023';
  end if;
  -- The rows of the rule view in the range are the only candidates a rule evaluates.
  execute format('select coalesce(array_agg(k.t), ''{}''), coalesce(array_agg(k.i), ''{}'')
                    from (select v.%1$I as t, v.%2$I as i from %3$s v where v.%1$I >= now() - $1 limit 100001) k',
                 case when v_rule.source = 'public.events'::regclass then 'event_ts' else 'source_ts' end,
                 case when v_rule.source = 'public.events'::regclass then 'event_id' else 'source_id' end,
                 v_rule.view_name)
    into v_ts, v_id using make_interval(hours => p_hours);
  if cardinality(v_id) > 100000 then
    raise exception 'the rule matches more than 100000 rows in % hours: dry-run a shorter range', p_hours using errcode = '54000';
  end if;
  begin
    -- A disabled copy of the rule, with no alerts yet, so events other alerts hold count too.
    insert into public.rules (name, title, kind, view_name, source, evaluation, window_interval, min_count, count_distinct,
                              steps, ordered, step_expiry, severity, tags, enabled)
    values (left('dry_run_' || pg_backend_pid() || '_' || v_rule.id, 63), v_rule.title, v_rule.kind, v_rule.view_name, v_rule.source,
            v_rule.evaluation, v_rule.window_interval, v_rule.min_count, v_rule.count_distinct, v_rule.steps, v_rule.ordered,
            v_rule.step_expiry, v_rule.severity, v_rule.tags, false)
    returning * into v_clone;
    perform siem_private.apply_rule(v_clone, v_ts, v_id);
    select array_agg((a.entity, a.event_count, a.first_event_at, a.last_event_at, a.summary)::public.rule_dry_run_match
                     order by a.event_count desc, a.entity)
      into v_result from public.alerts a where a.rule_id = v_clone.id;
    raise exception 'rolled back' using errcode = 'SR001';
  exception when sqlstate 'SR001' then
    null;
  end;
  return query select * from unnest(v_result) limit 500;
end
$$;
comment on function public.dry_run_rule(bigint, integer) is
  E'@behavior -connection +list\nWhat a rule would raise over the last p_hours (1-168, default 24) of its source: one row per alert (entity, event count, first and last event, summary), most events first, at most 500. Evaluates a copy of the rule and rolls everything back: no alert, email or history is kept. Exceptions for all rules apply; the rule''s own do not.';
revoke execute on function public.dry_run_rule(bigint, integer) from public;
grant execute on function public.dry_run_rule(bigint, integer) to siem_analyst;
