--! Previous: sha1:0eab6bb2e62b65289fbbe6507c6f73e46a0114d6
--! Hash: sha1:42100557b547abf405ae8129676ff799359fae46
--! Message: detection

-- Detection: rules (SQL views in the `rules` schema, compiled YAML and Sigma), gap-free incremental
-- evaluation over a commit-ordered outbox, alerts with dedup, suppression, exceptions, triage and
-- an audit history, and email notification bookkeeping. See docs/rules.md.

create schema rules;
comment on schema rules is 'Rule views: one view per rule, following the contract in docs/rules.md (event_ts, event_id, entity, optional summary / distinct_value / step). DBAs write them; compiled YAML and Sigma rules land here too.';
revoke all on schema rules from public;
grant usage, create on schema rules to siem_admin;

--------------------------------------------------------------------------------
-- rules: one row per rule, whatever its authoring form
--------------------------------------------------------------------------------

create table public.rules (
  id bigint generated always as identity primary key,
  name text not null unique check (name ~ '^[a-z0-9][a-z0-9_]{0,62}$'),
  title text not null,
  description text,
  kind text not null check (kind in ('view', 'threshold', 'sequence', 'sigma', 'sigma_correlation')),
  view_name regclass not null,
  source regclass not null default 'public.events'::regclass,
  evaluation text not null default 'match' check (evaluation in ('match', 'threshold', 'sequence')),
  window_interval interval check (window_interval > interval '0'),
  min_count integer check (min_count >= 1),
  count_distinct boolean not null default false,
  steps text[],
  ordered boolean not null default true,
  step_expiry interval,
  severity text not null default 'medium' check (severity in ('informational', 'low', 'medium', 'high', 'critical')),
  tags text[] not null default '{}',
  suppress_for interval not null default interval '0',
  throttle interval not null default interval '5 minutes',
  enabled boolean not null default true,
  definition text,
  fixtures jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (evaluation <> 'threshold' or (window_interval is not null and min_count is not null)),
  check (evaluation <> 'sequence' or (window_interval is not null and cardinality(steps) >= 1))
);
comment on table public.rules is 'Detection rules. Every rule, whatever its authoring form (a SQL view, YAML threshold/sequence, Sigma), is a view in the rules schema plus how the engine evaluates its rows (match, threshold, sequence).';
comment on column public.rules.name is 'Unique name, also the name of the rule view when the engine creates it (rules.<name>).';
comment on column public.rules.kind is 'How the rule was authored: view (written by hand), threshold or sequence (YAML), sigma, sigma_correlation.';
comment on column public.rules.view_name is 'The rule view: returns event_ts, event_id, entity (and optionally summary, distinct_value, step) for each matching source row.';
comment on column public.rules.source is 'The table whose new rows bound each evaluation (public.events by default; any table registered with siem_private.register_rule_source).';
comment on column public.rules.evaluation is 'match: every new row of the view raises (or repeats) the alert of its entity; threshold: min_count rows (or distinct values) per entity within window_interval, sliding; sequence: steps per entity within window_interval.';
comment on column public.rules.window_interval is 'Sliding window of threshold and sequence rules.';
comment on column public.rules.min_count is 'Threshold: the alert fires when a window holds at least this many rows (or distinct distinct_value values).';
comment on column public.rules.steps is 'Sequence: the step labels (the view''s step column) that must all occur within the window, in this order when ordered.';
comment on column public.rules.step_expiry is 'Sequence: optional longest gap allowed between consecutive steps (a partial sequence expires after it).';
comment on column public.rules.severity is 'Sigma levels: informational, low, medium, high, critical.';
comment on column public.rules.tags is 'ATT&CK and other tags (attack.t1110, attack.credential_access, ...).';
comment on column public.rules.suppress_for is 'After an alert is closed, matches of the same entity within this interval of its last_seen are added to it instead of opening a new alert.';
comment on column public.rules.throttle is 'At most one notification email per rule in this interval; alerts raised meanwhile go into the next email.';
comment on column public.rules.definition is 'The source text the rule was compiled from (YAML or Sigma), or the view definition.';
comment on column public.rules.fixtures is 'Detection as code: {"positive": [events], "negative": [events]} checked by `siem rules test`.';

alter table public.rules enable row level security;
create policy select_all on public.rules for select to siem_analyst using (true);
create policy admin_update on public.rules for update to siem_admin using (true) with check (true);
grant select on public.rules to siem_analyst;
grant update (enabled, severity, tags, suppress_for, throttle, title, description) on public.rules to siem_admin;

--------------------------------------------------------------------------------
-- Sources, outbox and checkpoints: which committed rows each rule has seen
--------------------------------------------------------------------------------

create table siem_private.rule_sources (
  source regclass primary key,
  ts_column name not null,
  id_column name not null
);
comment on table siem_private.rule_sources is 'Tables whose inserted rows are recorded in the rule outbox, with the columns forming a row''s key (a time and an id).';

create table siem_private.rule_outbox (
  id bigint generated always as identity primary key,
  source regclass not null,
  xid xid8 not null default pg_current_xact_id(),
  keys_ts timestamptz[] not null,
  keys_id bigint[] not null,
  min_ts timestamptz not null,
  max_ts timestamptz not null,
  created_at timestamptz not null default now()
);
comment on table siem_private.rule_outbox is
  E'One row per statement that inserted into a rule source, written in the inserting transaction with its transaction id. Ids are assigned before commit, so an id cursor would skip late commits; a rule instead takes the rows whose xid became visible between its last snapshot and now.';
create index rule_outbox_source_xid_idx on siem_private.rule_outbox (source, xid);

create table siem_private.rule_checkpoints (
  rule_id bigint primary key references public.rules (id) on delete cascade,
  snapshot pg_snapshot not null,
  evaluated_at timestamptz not null default now(),
  rows_seen bigint not null default 0,
  alerts_raised bigint not null default 0
);
comment on table siem_private.rule_checkpoints is 'Per rule: the snapshot of its last evaluation. Outbox rows whose transaction is visible in it were evaluated; the alert insert and the advance happen in one transaction.';

create function siem_private.enqueue_rule_evaluation() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
begin
  -- One pending job (key rules__evaluate) absorbs every batch until a worker picks it up. Upserting
  -- that shared key makes a concurrent ingest transaction wait for ours to commit, so only the
  -- holder of a transaction-scoped advisory lock touches it. The others notify instead: the worker
  -- listens and upserts the same job after they commit (and the crontab runs it every minute in
  -- case a notification is lost while the worker is disconnected).
  if pg_try_advisory_xact_lock(hashtext('siem.rules__evaluate')) then
    perform graphile_worker.add_job('rules__evaluate', '{}'::json, job_key => 'rules__evaluate',
      job_key_mode => 'preserve_run_at', max_attempts => 5);
  else
    perform pg_notify('siem_rules', '');
  end if;
end;
$$;
comment on function siem_private.enqueue_rule_evaluation() is 'Enqueues the coalesced rules__evaluate job (one pending job, whatever the number of batches), or, while another ingest transaction holds that job, notifies siem_rules so the worker enqueues it after this commit; never waits for another transaction.';

create function siem_private.tg_rule_source__outbox() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_count integer;
begin
  if not exists (select 1 from public.rules r where r.enabled and r.source = tg_relid::regclass) then
    return null;
  end if;
  execute format(
    'insert into siem_private.rule_outbox (source, keys_ts, keys_id, min_ts, max_ts)
       select $1, array_agg(%1$I), array_agg(%2$I), min(%1$I), max(%1$I) from new_rows having count(*) > 0',
    tg_argv[0], tg_argv[1]) using tg_relid::regclass;
  get diagnostics v_count = row_count;
  if v_count > 0 then
    perform siem_private.enqueue_rule_evaluation();
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_rule_source__outbox() is 'Statement trigger on a rule source: records the keys of the inserted rows (tg_argv: time column, id column) in the outbox and enqueues evaluation, only while an enabled rule reads the source.';

create function siem_private.register_rule_source(p_source regclass, p_ts_column name, p_id_column name) returns void
  language plpgsql volatile strict
  set search_path = pg_catalog, public
  as $$
begin
  insert into siem_private.rule_sources (source, ts_column, id_column) values (p_source, p_ts_column, p_id_column)
    on conflict (source) do update set ts_column = excluded.ts_column, id_column = excluded.id_column;
  execute format('drop trigger if exists _600_rules_outbox on %s', p_source);
  execute format(
    'create trigger _600_rules_outbox after insert on %s referencing new table as new_rows
       for each statement execute function siem_private.tg_rule_source__outbox(%L, %L)',
    p_source, p_ts_column, p_id_column);
end;
$$;
comment on function siem_private.register_rule_source(regclass, name, name) is 'Makes a table a rule source (e.g. public.threat_matches with matched_at, id): its inserts go to the outbox, and views over it can be rules with rules.source set to it.';

select siem_private.register_rule_source('public.events', 'ts', 'id');

--------------------------------------------------------------------------------
-- alerts, their events, history, exceptions, notifications
--------------------------------------------------------------------------------

create table public.alerts (
  id bigint generated always as identity primary key,
  rule_id bigint not null references public.rules (id) on delete cascade,
  rule_name text not null,
  dedup_key text not null,
  entity text,
  severity text not null,
  tags text[] not null default '{}',
  summary text,
  status text not null default 'open' check (status in ('open', 'acknowledged', 'closed')),
  assignee text,
  resolution text check (resolution in ('true_positive', 'false_positive', 'benign', 'duplicate', 'other')),
  event_count integer not null default 0,
  first_event_at timestamptz not null,
  last_event_at timestamptz not null,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  notified_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.alerts is 'Alerts: one open (or acknowledged) alert per rule and entity; repeats raise event_count and last_seen_at. Triage through acknowledge_alert, assign_alert and close_alert.';
comment on column public.alerts.dedup_key is 'The entity the rule groups by (empty for rules without one): at most one alert per rule and dedup_key is not closed.';
comment on column public.alerts.event_count is 'Number of matching events attached (alert_events); a replayed or re-evaluated event is never counted twice.';
comment on column public.alerts.first_event_at is 'Event time of the earliest matching event.';
comment on column public.alerts.last_seen_at is 'When the engine last added events to this alert.';
comment on column public.alerts.notified_at is 'When the notification email covering this alert was accepted by the SMTP server (null: not yet).';
create unique index alerts_rule_id_dedup_key_idx on public.alerts (rule_id, dedup_key) where status <> 'closed';
create index alerts_status_created_at_idx on public.alerts (status, created_at desc);
create index alerts_rule_id_last_seen_at_idx on public.alerts (rule_id, last_seen_at desc);

alter table public.alerts enable row level security;
create policy select_all on public.alerts for select to siem_analyst using (true);
grant select on public.alerts to siem_analyst;

create table public.alert_events (
  rule_id bigint not null references public.rules (id) on delete cascade,
  event_ts timestamptz not null,
  event_id bigint not null,
  alert_id bigint not null references public.alerts (id) on delete cascade,
  attached_at timestamptz not null default now(),
  primary key (rule_id, event_ts, event_id)
);
comment on table public.alert_events is 'The matching events of each alert. The key (rule, event) makes evaluation idempotent: an event raises a rule''s alert at most once, on replay and backfill too.';
create index alert_events_alert_id_idx on public.alert_events (alert_id, event_ts);
alter table public.alert_events enable row level security;
create policy select_all on public.alert_events for select to siem_analyst using (true);
grant select on public.alert_events to siem_analyst;

create table public.alert_history (
  id bigint generated always as identity primary key,
  alert_id bigint not null references public.alerts (id) on delete cascade,
  at timestamptz not null default now(),
  actor text not null,
  action text not null check (action in ('created', 'repeated', 'acknowledged', 'assigned', 'closed', 'commented', 'notified', 'notify_failed')),
  old_status text,
  new_status text,
  detail jsonb not null default '{}',
  comment text
);
comment on table public.alert_history is 'Audit history of every change of an alert: by the engine (created, repeated, notified) or an analyst (acknowledged, assigned, closed, commented).';
create index alert_history_alert_id_idx on public.alert_history (alert_id, at);
alter table public.alert_history enable row level security;
create policy select_all on public.alert_history for select to siem_analyst using (true);
grant select on public.alert_history to siem_analyst;

create table public.alert_exceptions (
  id bigint generated always as identity primary key,
  rule_id bigint references public.rules (id) on delete cascade,
  entity text,
  reason text not null,
  created_by text not null default current_user,
  created_at timestamptz not null default now(),
  expires_at timestamptz
);
comment on table public.alert_exceptions is 'Exceptions: matches of this rule (null: any rule) and entity (null: any entity) raise no alert until expires_at (null: never).';
alter table public.alert_exceptions enable row level security;
create policy select_all on public.alert_exceptions for select to siem_analyst using (true);
create policy admin_insert on public.alert_exceptions for insert to siem_admin with check (true);
create policy admin_update on public.alert_exceptions for update to siem_admin using (true) with check (true);
create policy admin_delete on public.alert_exceptions for delete to siem_admin using (true);
grant select on public.alert_exceptions to siem_analyst;
grant insert (rule_id, entity, reason, expires_at), update (entity, reason, expires_at), delete on public.alert_exceptions to siem_admin;

create table public.alert_notifications (
  id bigint generated always as identity primary key,
  rule_id bigint not null references public.rules (id) on delete cascade,
  alert_ids bigint[] not null,
  attempted_at timestamptz not null default now(),
  recipients text[] not null default '{}',
  status text not null check (status in ('sent', 'failed')),
  error text,
  message_id text
);
comment on table public.alert_notifications is 'Every notification attempt: sent (accepted by the SMTP server) or failed with the error; failed attempts are retried by graphile-worker.';
alter table public.alert_notifications enable row level security;
create policy select_all on public.alert_notifications for select to siem_analyst using (true);
grant select on public.alert_notifications to siem_analyst;

--------------------------------------------------------------------------------
-- Registration
--------------------------------------------------------------------------------

create function siem_private.check_rule_view(p_view regclass, p_evaluation text, p_source regclass) returns void
  language plpgsql stable strict
  set search_path = pg_catalog, public
  as $$
declare
  v_columns text[] := array(select attname::text from pg_attribute where attrelid = p_view and attnum > 0 and not attisdropped);
  v_required text[] := array['event_ts', 'event_id', 'entity'];
begin
  if p_source <> 'public.events'::regclass then
    v_required := v_required || array['source_ts', 'source_id'];
  end if;
  if p_evaluation = 'sequence' then
    v_required := v_required || array['step'];
  end if;
  if not (v_columns @> v_required) then
    raise exception 'rule view % lacks the column(s) %', p_view, array(select unnest(v_required) except select unnest(v_columns))
      using errcode = '22023', hint = 'A rule view returns event_ts, event_id and entity (see docs/rules.md).';
  end if;
end;
$$;
comment on function siem_private.check_rule_view(regclass, text, regclass) is 'Raises when a view does not follow the rule view contract.';

create function siem_private.upsert_rule(p_rule jsonb) returns public.rules
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_rule public.rules;
  v_source regclass := coalesce(p_rule->>'source', 'public.events')::regclass;
  v_view regclass := (p_rule->>'view_name')::regclass;
  v_evaluation text := coalesce(p_rule->>'evaluation', 'match');
begin
  perform siem_private.check_rule_view(v_view, v_evaluation, v_source);
  if not has_table_privilege(v_view, 'select') then
    raise exception 'the rule engine (%) may not read %', current_user, v_view using errcode = '42501',
      hint = format('grant select on %s to %I (views of the rules schema are read by the database owner)', v_view, current_user);
  end if;
  if not exists (select 1 from siem_private.rule_sources where source = v_source) then
    raise exception 'table % is no rule source', v_source using errcode = '22023', hint = 'Register it with siem_private.register_rule_source(table, ts_column, id_column).';
  end if;
  insert into public.rules as r (name, title, description, kind, view_name, source, evaluation, window_interval, min_count,
      count_distinct, steps, ordered, step_expiry, severity, tags, suppress_for, throttle, enabled, definition, fixtures)
    values (p_rule->>'name', coalesce(p_rule->>'title', p_rule->>'name'), p_rule->>'description', coalesce(p_rule->>'kind', 'view'), v_view, v_source,
      v_evaluation, (p_rule->>'window')::interval, (p_rule->>'min_count')::integer,
      coalesce((p_rule->>'count_distinct')::boolean, false),
      case when p_rule ? 'steps' then array(select jsonb_array_elements_text(p_rule->'steps')) end,
      coalesce((p_rule->>'ordered')::boolean, true), (p_rule->>'step_expiry')::interval,
      coalesce(p_rule->>'severity', 'medium'),
      coalesce(array(select jsonb_array_elements_text(p_rule->'tags')), '{}'),
      coalesce((p_rule->>'suppress_for')::interval, interval '0'), coalesce((p_rule->>'throttle')::interval, interval '5 minutes'),
      coalesce((p_rule->>'enabled')::boolean, true), p_rule->>'definition', coalesce(p_rule->'fixtures', '{}'))
    on conflict (name) do update set
      title = excluded.title, description = excluded.description, kind = excluded.kind, view_name = excluded.view_name,
      source = excluded.source, evaluation = excluded.evaluation, window_interval = excluded.window_interval,
      min_count = excluded.min_count, count_distinct = excluded.count_distinct, steps = excluded.steps,
      ordered = excluded.ordered, step_expiry = excluded.step_expiry, severity = excluded.severity, tags = excluded.tags,
      suppress_for = excluded.suppress_for, throttle = excluded.throttle, enabled = excluded.enabled,
      definition = excluded.definition, fixtures = excluded.fixtures, updated_at = now()
    returning * into v_rule;
  -- A new rule starts at the present; history is evaluated by backfill_rule.
  insert into siem_private.rule_checkpoints (rule_id, snapshot) values (v_rule.id, pg_current_snapshot())
    on conflict (rule_id) do nothing;
  return v_rule;
end;
$$;
comment on function siem_private.upsert_rule(jsonb) is 'Creates or updates a rule from {name, view_name, kind, evaluation, window, min_count, count_distinct, steps, ordered, step_expiry, severity, tags, source, ...} after checking the view contract; a new rule evaluates rows committed from now on.';

create function siem_private.install_compiled_rule(p_rule jsonb, p_select text) returns public.rules
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_view text := format('rules.%I', p_rule->>'name');
begin
  execute format('drop view if exists %s', v_view);
  execute format('create view %s as %s', v_view, p_select);
  execute format('comment on view %s is %L', v_view, format('Compiled from the %s rule %s; regenerated on import.', p_rule->>'kind', p_rule->>'name'));
  return siem_private.upsert_rule(p_rule || jsonb_build_object('view_name', v_view));
end;
$$;
comment on function siem_private.install_compiled_rule(jsonb, text) is 'Creates rules.<name> from the SELECT a rule compiler emitted (owner only: the text is executed) and registers the rule.';

create function public.add_view_rule(
  p_name text, p_view regclass, p_title text default null, p_severity text default 'medium', p_tags text[] default '{}',
  p_evaluation text default 'match', p_window interval default null, p_min_count integer default null,
  p_count_distinct boolean default false, p_source regclass default 'public.events'
) returns public.rules
  language sql volatile security definer
  set search_path = pg_catalog, public
  as $$
  select siem_private.upsert_rule(jsonb_build_object(
    'name', p_name, 'view_name', p_view::text, 'title', p_title, 'kind', 'view', 'severity', p_severity, 'tags', to_jsonb(p_tags),
    'evaluation', p_evaluation, 'window', p_window::text, 'min_count', p_min_count, 'count_distinct', p_count_distinct,
    'source', p_source::text, 'definition', pg_get_viewdef(p_view)))
$$;
comment on function public.add_view_rule(text, regclass, text, text, text[], text, interval, integer, boolean, regclass) is
  'Registers a view in the rules schema as a rule (siem rules add-view). The view returns event_ts, event_id, entity and optionally summary / distinct_value; threshold rules also give p_window and p_min_count.';
grant execute on function public.add_view_rule(text, regclass, text, text, text[], text, interval, integer, boolean, regclass) to siem_admin;

--------------------------------------------------------------------------------
-- Raising alerts
--------------------------------------------------------------------------------

create function siem_private.raise_alert(p_rule public.rules, p_entity text, p_keys_ts timestamptz[], p_keys_id bigint[], p_summary text)
  returns bigint
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_fresh_ts timestamptz[];
  v_fresh_id bigint[];
  v_alert public.alerts;
  v_created boolean := false;
  v_dedup text := coalesce(p_entity, '');
begin
  -- Only events this rule never alerted on count: replays and overlapping windows are no-ops.
  select array_agg(k.ts order by k.ts), array_agg(k.id order by k.ts) into v_fresh_ts, v_fresh_id
  from (select distinct k.ts, k.id from unnest(p_keys_ts, p_keys_id) k(ts, id)) k
  where not exists (select 1 from public.alert_events ae where ae.rule_id = p_rule.id and ae.event_ts = k.ts and ae.event_id = k.id);
  if v_fresh_id is null then
    return null;
  end if;
  if exists (select 1 from public.alert_exceptions x
             where (x.rule_id is null or x.rule_id = p_rule.id) and (x.entity is null or x.entity = p_entity)
               and (x.expires_at is null or x.expires_at > now())) then
    return null;
  end if;

  select * into v_alert from public.alerts a where a.rule_id = p_rule.id and a.dedup_key = v_dedup and a.status <> 'closed' for update;
  if not found and p_rule.suppress_for > interval '0' then
    select * into v_alert from public.alerts a
    where a.rule_id = p_rule.id and a.dedup_key = v_dedup and a.status = 'closed' and a.last_seen_at > now() - p_rule.suppress_for
    order by a.last_seen_at desc limit 1 for update;
  end if;
  if v_alert.id is null then
    insert into public.alerts (rule_id, rule_name, dedup_key, entity, severity, tags, summary, first_event_at, last_event_at)
      values (p_rule.id, p_rule.name, v_dedup, p_entity, p_rule.severity, p_rule.tags, p_summary,
        v_fresh_ts[1], v_fresh_ts[cardinality(v_fresh_ts)])
      returning * into v_alert;
    v_created := true;
  end if;

  insert into public.alert_events (rule_id, event_ts, event_id, alert_id)
    select p_rule.id, k.ts, k.id, v_alert.id from unnest(v_fresh_ts, v_fresh_id) k(ts, id);
  update public.alerts set
      event_count = event_count + cardinality(v_fresh_id),
      first_event_at = least(first_event_at, v_fresh_ts[1]),
      last_event_at = greatest(last_event_at, v_fresh_ts[cardinality(v_fresh_ts)]),
      last_seen_at = now(), updated_at = now(),
      summary = coalesce(p_summary, summary)
    where id = v_alert.id;
  insert into public.alert_history (alert_id, actor, action, new_status, detail)
    values (v_alert.id, 'engine', case when v_created then 'created' else 'repeated' end, v_alert.status,
      jsonb_build_object('events', cardinality(v_fresh_id)));
  if v_created then
    perform siem_private.enqueue_notification(p_rule);
  end if;
  return v_alert.id;
end;
$$;
comment on function siem_private.raise_alert(public.rules, text, timestamptz[], bigint[], text) is
  'Attaches the matching events a rule has not alerted on yet to the open alert of the entity (created if none, or the closed one within suppress_for), unless an exception covers it; records the history and enqueues the email for a new alert.';

create function siem_private.enqueue_notification(p_rule public.rules) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_last timestamptz := (select max(n.attempted_at) from public.alert_notifications n where n.rule_id = p_rule.id and n.status = 'sent');
begin
  perform graphile_worker.add_job('alerts__notify', json_build_object('ruleId', p_rule.id),
    job_key => 'alerts__notify:' || p_rule.id, job_key_mode => 'preserve_run_at', max_attempts => 10, priority => -10,
    run_at => greatest(now(), coalesce(v_last + p_rule.throttle, now())));
end;
$$;
comment on function siem_private.enqueue_notification(public.rules) is 'Enqueues the email job of a rule, at most one per throttle interval (one pending job per rule collects every new alert).';

--------------------------------------------------------------------------------
-- Evaluation
--------------------------------------------------------------------------------

create function siem_private.sequence_match(p_ts timestamptz[], p_steps text[], p_required text[], p_window interval, p_ordered boolean, p_expiry interval)
  returns integer[]
  language plpgsql immutable
  as $$
declare
  v_n integer := coalesce(cardinality(p_ts), 0);
  v_chain integer[];
  v_next integer;
  v_seen text[];
begin
  -- Rows arrive sorted by time. Returns the positions of the first complete sequence, or null.
  for v_start in 1 .. v_n loop
    if p_ordered then
      continue when p_steps[v_start] is distinct from p_required[1];
      v_chain := array[v_start];
      v_next := 2;
      for v_i in v_start + 1 .. v_n loop
        exit when v_next > cardinality(p_required);
        exit when p_ts[v_i] - p_ts[v_start] > p_window;
        exit when p_expiry is not null and p_ts[v_i] - p_ts[v_chain[cardinality(v_chain)]] > p_expiry;
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
      for v_i in v_start + 1 .. v_n loop
        exit when cardinality(v_seen) = cardinality(p_required);
        exit when p_ts[v_i] - p_ts[v_start] > p_window;
        if p_steps[v_i] = any (p_required) and not (p_steps[v_i] = any (v_seen)) then
          v_chain := v_chain || v_i;
          v_seen := v_seen || p_steps[v_i];
        end if;
      end loop;
      if cardinality(v_seen) = cardinality(p_required) then
        return v_chain;
      end if;
    end if;
  end loop;
  return null;
end;
$$;
comment on function siem_private.sequence_match(timestamptz[], text[], text[], interval, boolean, interval) is
  'Positions of the first run of the required steps (in order, or in any order) within p_window in time-sorted rows, each step within p_expiry of the previous one; null when none.';

create function siem_private.apply_rule(p_rule public.rules, p_keys_ts timestamptz[], p_keys_id bigint[]) returns integer
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
           from %1$s v join grp g on v.entity::text is not distinct from g.entity
           where v.event_ts >= g.lo - $5 and v.event_ts <= g.hi + $5),
         win as (
           select * from (select c.entity, c.event_ts as end_ts, c.lo, %6$s as n from cand c) w
           where w.end_ts >= w.lo),
         fired as (select distinct on (entity, end_ts) entity, end_ts from win where n >= $6)
       select c.entity, array_agg(c.event_ts order by c.event_ts) as keys_ts, array_agg(c.event_id order by c.event_ts) as keys_id,
              max(c.summary) as summary
       from (select distinct c.entity, c.event_ts, c.event_id, c.summary from fired f
               join cand c on c.entity is not distinct from f.entity and c.event_ts >= f.end_ts - $5 and c.event_ts <= f.end_ts) c
       group by c.entity$q$,
      p_rule.view_name,
      case when p_rule.count_distinct then 'v.distinct_value::text' else 'null::text' end,
      v_summary, v_key_ts, v_key_id,
      case when p_rule.count_distinct
        then '(select count(distinct c2.dv) from cand c2 where c2.entity is not distinct from c.entity and c2.event_ts >= c.event_ts - $5 and c2.event_ts <= c.event_ts)'
        else 'count(*) over (partition by c.entity order by c.event_ts range between $5 preceding and current row)' end)
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
       from %1$s v join grp g on v.entity::text is not distinct from g.entity
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

create function siem_private.evaluate_rule(p_rule_id bigint, out rows_seen integer, out alerts integer)
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
  alerts := siem_private.apply_rule(v_rule, v_keys_ts, v_keys_id);
  update siem_private.rule_checkpoints set snapshot = v_now, evaluated_at = now(),
      rows_seen = rule_checkpoints.rows_seen + evaluate_rule.rows_seen, alerts_raised = alerts_raised + evaluate_rule.alerts
    where rule_id = p_rule_id;
end;
$$;
comment on function siem_private.evaluate_rule(bigint) is
  'Evaluates a rule over the source rows whose transactions committed since its last snapshot (never an id cursor: ids commit out of order), then advances its checkpoint in the same transaction.';

create function siem_private.prune_rule_outbox() returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_deleted integer;
begin
  -- A row is done when every enabled rule of its source has a checkpoint snapshot in which it is visible.
  delete from siem_private.rule_outbox o
  where not exists (
    select 1 from public.rules r join siem_private.rule_checkpoints c on c.rule_id = r.id
    where r.enabled and r.source = o.source and not pg_visible_in_snapshot(o.xid, c.snapshot));
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function siem_private.prune_rule_outbox() is 'Deletes outbox rows every enabled rule of their source has evaluated.';

create function siem_private.backfill_rule(p_rule_id bigint, p_since timestamptz, p_until timestamptz default null) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_rule public.rules;
  v_source record;
  v_keys_ts timestamptz[];
  v_keys_id bigint[];
begin
  perform 1 from siem_private.rule_checkpoints c where c.rule_id = p_rule_id for update;
  select * into v_rule from public.rules where id = p_rule_id;
  if v_rule.id is null then
    raise exception 'no rule with id %', p_rule_id using errcode = '22023';
  end if;
  select * into v_source from siem_private.rule_sources where source = v_rule.source;
  execute format('select coalesce(array_agg(%1$I), ''{}''), coalesce(array_agg(%2$I), ''{}'') from %3$s where %1$I >= $1 and %1$I < $2',
      v_source.ts_column, v_source.id_column, v_rule.source)
    into v_keys_ts, v_keys_id using p_since, coalesce(p_until, 'infinity');
  return siem_private.apply_rule(v_rule, v_keys_ts, v_keys_id);
end;
$$;
comment on function siem_private.backfill_rule(bigint, timestamptz, timestamptz) is
  'Runs a rule over the source rows of a time range (siem rules backfill). Idempotent: events already attached to an alert of the rule are not counted again.';

--------------------------------------------------------------------------------
-- Triage (exposed as GraphQL mutations)
--------------------------------------------------------------------------------

create function siem_private.current_actor() returns text
  language sql stable
  as $$ select coalesce(nullif(current_setting('jwt.claims.username', true), ''), session_user::text) $$;
comment on function siem_private.current_actor() is 'Who is acting: the JWT username when the API set one, else the database login.';

create function siem_private.change_alert(p_alert_id bigint, p_action text, p_status text, p_assignee text, p_resolution text, p_comment text)
  returns public.alerts
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_old public.alerts;
  v_new public.alerts;
begin
  select * into v_old from public.alerts where id = p_alert_id for update;
  if v_old.id is null then
    raise exception 'no alert with id %', p_alert_id using errcode = '22023';
  end if;
  if v_old.status = 'closed' and p_action <> 'commented' then
    raise exception 'alert % is closed', p_alert_id using errcode = '22023';
  end if;
  update public.alerts set
      status = coalesce(p_status, status),
      assignee = case when p_action = 'assigned' then p_assignee else assignee end,
      resolution = coalesce(p_resolution, resolution),
      updated_at = now()
    where id = p_alert_id returning * into v_new;
  insert into public.alert_history (alert_id, actor, action, old_status, new_status, detail, comment)
    values (p_alert_id, siem_private.current_actor(), p_action, v_old.status, v_new.status,
      jsonb_strip_nulls(jsonb_build_object('assignee', p_assignee, 'resolution', p_resolution)), p_comment);
  return v_new;
end;
$$;
comment on function siem_private.change_alert(bigint, text, text, text, text, text) is 'Applies one triage change to an alert and records it in alert_history.';

create function public.acknowledge_alert(p_alert_id bigint, p_comment text default null) returns public.alerts
  language sql volatile security definer
  set search_path = pg_catalog, public
  as $$ select siem_private.change_alert(p_alert_id, 'acknowledged', 'acknowledged', null, null, p_comment) $$;
comment on function public.acknowledge_alert(bigint, text) is 'Marks an open alert acknowledged (someone is looking at it), with an optional comment.';

create function public.assign_alert(p_alert_id bigint, p_assignee text, p_comment text default null) returns public.alerts
  language sql volatile security definer
  set search_path = pg_catalog, public
  as $$ select siem_private.change_alert(p_alert_id, 'assigned', null, nullif(btrim(p_assignee), ''), null, p_comment) $$;
comment on function public.assign_alert(bigint, text, text) is 'Assigns an alert to an analyst (null or empty unassigns).';

create function public.close_alert(p_alert_id bigint, p_resolution text, p_comment text) returns public.alerts
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  if p_resolution is null or not (p_resolution in ('true_positive', 'false_positive', 'benign', 'duplicate', 'other')) then
    raise exception 'resolution must be one of true_positive, false_positive, benign, duplicate, other' using errcode = '22023';
  end if;
  if nullif(btrim(p_comment), '') is null then
    raise exception 'closing an alert needs a comment' using errcode = '22023';
  end if;
  return siem_private.change_alert(p_alert_id, 'closed', 'closed', null, p_resolution, p_comment);
end;
$$;
comment on function public.close_alert(bigint, text, text) is 'Closes an alert with a resolution (true_positive, false_positive, benign, duplicate, other) and a comment.';

create function public.comment_alert(p_alert_id bigint, p_comment text) returns public.alerts
  language sql volatile security definer
  set search_path = pg_catalog, public
  as $$ select siem_private.change_alert(p_alert_id, 'commented', null, null, null, p_comment) $$;
comment on function public.comment_alert(bigint, text) is 'Adds a comment to an alert''s history.';

create function public.alerts_matching_events(p_alert public.alerts) returns setof public.events
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
  select e.* from public.alert_events ae
    join public.events e on e.ts = ae.event_ts and e.id = ae.event_id
  where ae.alert_id = p_alert.id
  order by e.ts desc, e.id desc
$$;
comment on function public.alerts_matching_events(public.alerts) is 'The events of an alert, newest first (a computed column: alert.matchingEvents).';

revoke execute on function public.acknowledge_alert(bigint, text), public.assign_alert(bigint, text, text),
  public.close_alert(bigint, text, text), public.comment_alert(bigint, text), public.alerts_matching_events(public.alerts) from public;
grant execute on function public.acknowledge_alert(bigint, text), public.assign_alert(bigint, text, text),
  public.close_alert(bigint, text, text), public.comment_alert(bigint, text), public.alerts_matching_events(public.alerts) to siem_analyst;
revoke execute on function public.add_view_rule(text, regclass, text, text, text[], text, interval, integer, boolean, regclass) from public;

--------------------------------------------------------------------------------
-- Helpers of compiled rule views (never throw on odd data)
--------------------------------------------------------------------------------

create function siem_private.try_numeric(p_text text) returns numeric
  language sql immutable parallel safe
  as $$ select case when p_text ~ '^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$' then p_text::numeric end $$;
comment on function siem_private.try_numeric(text) is 'The text as a number, or null when it is none (rule views compare numbers without risking a cast error).';

-- siem_private.try_inet comes from the enrichment migration; on PostgreSQL 15 it guards the cast
-- with an exception block (a subtransaction), which parallel workers cannot start.
alter function siem_private.try_inet(text) parallel restricted;
comment on function siem_private.try_inet(text) is 'The text as an address, or null when it is none (Sigma cidr modifier). Parallel restricted: its exception block is a subtransaction, which parallel workers cannot start.';

--------------------------------------------------------------------------------
-- Threat intel matches raise alerts
--------------------------------------------------------------------------------

-- Every match enrichment records, live or found by a retro-hunt over past events, is a new row of
-- public.threat_matches: a built-in rule over it alerts once per feed and value (repeats count).
select siem_private.register_rule_source('public.threat_matches', 'matched_at', 'id');
create view rules.threat_intel_match as
  select m.matched_at as source_ts, m.id as source_id, m.event_ts, m.event_id,
         m.feed || ':' || m.value as entity,
         format('%s %s is an indicator of %s%s', m.field, m.value, m.feed, case when m.retro then ' (found by retro-hunt)' else '' end) as summary
  from public.threat_matches m;
comment on view rules.threat_intel_match is 'Built-in rule: an event matched a threat intel indicator (live or by retro-hunt); one alert per feed and value.';
select public.add_view_rule('threat_intel_match', 'rules.threat_intel_match', 'Threat intel match', 'high', '{threat-intel}',
                            p_source => 'public.threat_matches');
