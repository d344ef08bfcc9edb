--! Previous: sha1:6265f951ce9619a46c653a10401202dc5d2b4322
--! Hash: sha1:071dc3b741b01b4ba3153d5a8ed69ba694ab2417
--! Message: detection-set-based

-- Detection, second pass (docs/rules.md, "Evaluation"):
-- * Sigma detection rules are evaluated set-based: one pass reads the new events once and tests
--   every rule's predicate on them, grouped by logsource, instead of one scan per rule.
-- * A rule starts (created, or enabled again) at its transaction's snapshot, and the outbox keeps
--   the rows of transactions in flight at that moment until the rule is committed: rows that commit
--   late are never missed. The outbox is written whether or not a rule is enabled yet.

--------------------------------------------------------------------------------
-- Predicates of compiled rules
--------------------------------------------------------------------------------

create table siem_private.rule_predicates (
  rule_id bigint primary key references public.rules (id) on delete cascade,
  logsource text not null,
  detection text not null,
  view_definition text not null
);
comment on table siem_private.rule_predicates is
  E'The predicates a compiled match rule (Sigma detection) was built from, over the events row e: its view is `select e.ts, e.id, e.host, title from public.events e where logsource and detection`. evaluate_match_rules tests them on the new events set-based; view_definition (siem_private.view_tree at install) tells whether the view still is that, else the rule is evaluated through its view.';
comment on column siem_private.rule_predicates.view_definition is 'The view''s parse tree when it was compiled (siem_private.view_tree): a view replaced by hand since is evaluated through the view.';
comment on column siem_private.rule_predicates.logsource is 'The logsource condition (the mapping''s where), shared by the rules of one logsource: tested once per new event and logsource.';
comment on column siem_private.rule_predicates.detection is 'The detection condition, tested on the new events of the logsource only.';

alter table siem_private.rule_checkpoints add column last_error text;
comment on column siem_private.rule_checkpoints.last_error is 'The error of the rule''s last failed evaluation (cleared by its next successful one). A failing rule is evaluated rule by rule, apart from the set-based pass, so it does not make the others fall back every time.';

create function siem_private.view_tree(p_view regclass) returns text
  language sql stable strict
  as $$ select r.ev_action::text from pg_catalog.pg_rewrite r where r.ev_class = p_view and r.rulename = '_RETURN' $$;
comment on function siem_private.view_tree(regclass) is 'A view''s stored parse tree as text: changes whenever the view is replaced with another query; much cheaper to compare than pg_get_viewdef (no deparsing).';

create or replace function siem_private.install_compiled_rule(p_rule jsonb, p_select text) returns public.rules
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_view text := format('rules.%I', p_rule->>'name');
  v_rule public.rules;
begin
  execute format('drop view if exists %s', v_view);
  execute format('create view %s as %s', v_view, p_select);
  execute format('comment on view %s is %L', v_view, format('Compiled from the %s rule %s; regenerated on import.', p_rule->>'kind', p_rule->>'name'));
  v_rule := siem_private.upsert_rule((p_rule - 'predicate') || jsonb_build_object('view_name', v_view));
  delete from siem_private.rule_predicates where rule_id = v_rule.id;
  if jsonb_typeof(p_rule->'predicate') = 'object' and v_rule.evaluation = 'match' then
    insert into siem_private.rule_predicates (rule_id, logsource, detection, view_definition)
      values (v_rule.id, p_rule->'predicate'->>'logsource', p_rule->'predicate'->>'detection', siem_private.view_tree(v_view::regclass));
  end if;
  return v_rule;
end;
$$;
comment on function siem_private.install_compiled_rule(jsonb, text) is 'Creates rules.<name> from the SELECT a rule compiler emitted (owner only: the text is executed) and registers the rule; a match rule compiled with {predicate: {logsource, detection}} is also evaluated set-based.';

--------------------------------------------------------------------------------
-- Set-based evaluation of compiled match rules
--------------------------------------------------------------------------------

create function siem_private.any_logsource(p_conditions text[]) returns text
  language sql immutable strict
  as $$
  -- Conditions of the form (e.metadata->>'key' = 'value') on one key become one lookup and an
  -- array test: 20 Windows channels cost one metadata lookup per event instead of 20.
  with parsed as (
    select c, regexp_match(c, '^\(e\.metadata->>''([A-Za-z0-9_]+)'' = ''([^'']*)''\)$') as m from unnest(p_conditions) c
  )
  select coalesce(string_agg(part, ' or '), 'false') from (
    select format('(e.metadata->>%L) = any (%L::text[])', m[1], array_agg(m[2] order by m[2])) as part from parsed where m is not null group by m[1]
    union all
    select c from parsed where m is null
  ) parts
$$;
comment on function siem_private.any_logsource(text[]) is 'The disjunction of logsource conditions, with those comparing one metadata key to a value folded into one = any(array) test per key (evaluate_match_rules'' prefilter of new events).';

create function siem_private.evaluate_match_rules(out rule_ids bigint[], out rows_seen bigint, out alerts integer, out error text)
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_ids bigint[];
  v_now pg_snapshot;
  v_prevs text[];
  v_xmin xid8;
  v_lo timestamptz;
  v_hi timestamptz;
  v_seen jsonb := '{}';
  v_raised jsonb := '{}';
  v_count bigint;
  v_prev text;
  v_groups text := '';
  v_any_logsource text[] := '{}';
  v_branches text[] := '{}';
  v_group text;
  v_group_no integer := 0;
  v_logsource text := null;
  v_spec record;
  v_row record;
  v_rule public.rules;
  v_nestloop text := current_setting('enable_nestloop');
begin
  rule_ids := '{}';
  rows_seen := 0;
  alerts := 0;
  -- The rules taken here: enabled match rules over events whose view is still what they were
  -- compiled to. Their checkpoint rows are locked (in id order, so two passes never deadlock) and
  -- serialize this pass with evaluate_rule and backfill_rule of the same rules.
  v_ids := array(
    select c.rule_id from siem_private.rule_checkpoints c
      join public.rules r on r.id = c.rule_id
      join siem_private.rule_predicates p on p.rule_id = r.id
    where r.enabled and r.evaluation = 'match' and r.source = 'public.events'::regclass and c.last_error is null
      and p.view_definition = siem_private.view_tree(r.view_name)
    order by c.rule_id
    for update of c);
  if cardinality(v_ids) = 0 then
    return;
  end if;
  v_now := pg_current_snapshot();
  -- Rules evaluated together share their snapshot; a rule started or enabled since has its own.
  v_prevs := array(select distinct c.snapshot::text from siem_private.rule_checkpoints c where c.rule_id = any (v_ids));
  foreach v_prev in array v_prevs loop
    select coalesce(sum(cardinality(o.keys_id)), 0), least(v_lo, min(o.min_ts)), greatest(v_hi, max(o.max_ts)) into v_count, v_lo, v_hi
    from siem_private.rule_outbox o
    where o.source = 'public.events'::regclass and o.xid >= pg_snapshot_xmin(v_prev::pg_snapshot)
      and pg_visible_in_snapshot(o.xid, v_now) and not pg_visible_in_snapshot(o.xid, v_prev::pg_snapshot);
    v_seen := v_seen || jsonb_build_object(v_prev, v_count);
    rows_seen := greatest(rows_seen, v_count);
  end loop;
  v_xmin := (select min(pg_snapshot_xmin(s::pg_snapshot)) from unnest(v_prevs) s);

  if v_lo is not null then
    -- The new events are read once, keeping those of any rule's logsource; one CTE per logsource
    -- (materialized when several rules read it) and one branch per rule over it. (A VALUES list of
    -- the detections per logsource plans faster but ran slower: measured, not kept.)
    for v_spec in
      select r.id, p.logsource, p.detection, c.snapshot::text as prev
      from public.rules r join siem_private.rule_predicates p on p.rule_id = r.id join siem_private.rule_checkpoints c on c.rule_id = r.id
      where r.id = any (v_ids) order by p.logsource, r.id
    loop
      if v_logsource is distinct from v_spec.logsource then
        v_group_no := v_group_no + 1;
        v_group := 'g' || v_group_no;
        v_logsource := v_spec.logsource;
        v_any_logsource := v_any_logsource || v_spec.logsource;
        v_groups := v_groups || format(E',\n %s as (select * from ev e where %s)', v_group, v_spec.logsource);
      end if;
      v_branches := v_branches || format('select %s::bigint as rule_id, e.host::text as entity, e.ts, e.id from %s e where %s%s',
        v_spec.id, v_group, v_spec.detection,
        case when cardinality(v_prevs) > 1 then format(' and not pg_visible_in_snapshot(e.xid, %L::pg_snapshot)', v_spec.prev) else '' end);
    end loop;
    -- Live ingest: read the range through the primary key and hash-join the new keys (see apply_rule).
    if v_hi - v_lo <= interval '1 hour' then
      perform set_config('enable_nestloop', 'off', true);
    end if;
    perform set_config('work_mem', '64MB', true);
    begin
      for v_row in execute format($q$
        with ob as materialized (
          select o.xid, k.ts, k.id from siem_private.rule_outbox o, unnest(o.keys_ts, o.keys_id) k(ts, id)
          where o.source = 'public.events'::regclass and o.xid >= $1 and pg_visible_in_snapshot(o.xid, $2)
            and exists (select 1 from unnest($3::text[]) s where not pg_visible_in_snapshot(o.xid, s::pg_snapshot))),
        ev as materialized (
          select ob.xid, e.* from public.events e join ob on e.ts = ob.ts and e.id = ob.id
          where e.ts between $4 and $5 and (%s))%s,
        hit as (%s)
        select rule_id, entity, array_agg(ts order by ts, id) as keys_ts, array_agg(id order by ts, id) as keys_id
        from hit group by rule_id, entity$q$, siem_private.any_logsource(v_any_logsource), v_groups, array_to_string(v_branches, E'\n union all\n '))
        using v_xmin, v_now, v_prevs, v_lo, v_hi
      loop
        select * into v_rule from public.rules where id = v_row.rule_id;
        if siem_private.raise_alert(v_rule, v_row.entity, v_row.keys_ts, v_row.keys_id, v_rule.title) is not null then
          alerts := alerts + 1;
          v_raised := v_raised || jsonb_build_object(v_rule.id::text, coalesce((v_raised->>v_rule.id::text)::integer, 0) + 1);
        end if;
      end loop;
    exception when others then
      -- A predicate that fails on some data: nothing of this pass stays, the caller evaluates these
      -- rules one by one (each in its own transaction) so the others are not held up.
      error := sqlerrm;
      alerts := 0;
      rows_seen := 0;
      perform set_config('enable_nestloop', v_nestloop, true);
      return;
    end;
    perform set_config('enable_nestloop', v_nestloop, true);
  end if;

  update siem_private.rule_checkpoints c set snapshot = v_now, evaluated_at = now(),
      rows_seen = c.rows_seen + coalesce((v_seen->>c.snapshot::text)::bigint, 0),
      alerts_raised = c.alerts_raised + coalesce((v_raised->>c.rule_id::text)::integer, 0)
    where c.rule_id = any (v_ids);
  rule_ids := v_ids;
end;
$$;
comment on function siem_private.evaluate_match_rules() is
  'Evaluates every enabled compiled match rule (rule_predicates) over the events committed since its checkpoint in one set-based pass: the new events are read once, each logsource condition is tested once per event, each detection only on its logsource''s events; raises alerts and advances the checkpoints in the same transaction. Returns the rules it evaluated; on an error it changes nothing and returns the error, and the caller evaluates rule by rule.';

--------------------------------------------------------------------------------
-- Gap-free starts: rule creation, re-enabling, outbox and pruning
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
  -- per-batch enrichment jobs (0), which fall behind under heavy ingest and would otherwise hold
  -- evaluation (rules read events, not their enrichment) for as long; behind mail (-10).
  if pg_try_advisory_xact_lock(hashtext('siem.rules__evaluate')) then
    perform graphile_worker.add_job('rules__evaluate', '{}'::json, job_key => 'rules__evaluate',
      job_key_mode => 'preserve_run_at', max_attempts => 5, priority => -5);
  else
    perform pg_notify('siem_rules', '');
  end if;
end;
$$;
comment on function siem_private.enqueue_rule_evaluation() is 'Enqueues the coalesced rules__evaluate job (one pending job, whatever the number of batches; priority -5, ahead of enrichment), or, while another ingest transaction holds that job, notifies siem_rules so the worker enqueues it after this commit; never waits for another transaction.';

create or replace function siem_private.tg_rule_source__outbox() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_count integer;
begin
  -- Always recorded: a rule created by a transaction still open is invisible here, yet it will
  -- evaluate this statement's rows if this transaction commits after that rule's snapshot.
  execute format(
    'insert into siem_private.rule_outbox (source, keys_ts, keys_id, min_ts, max_ts)
       select $1, array_agg(%1$I), array_agg(%2$I), min(%1$I), max(%1$I) from new_rows having count(*) > 0',
    tg_argv[0], tg_argv[1]) using tg_relid::regclass;
  get diagnostics v_count = row_count;
  if v_count > 0 and exists (select 1 from public.rules r where r.enabled and r.source = tg_relid::regclass) then
    perform siem_private.enqueue_rule_evaluation();
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_rule_source__outbox() is 'Statement trigger on a rule source: records the keys of the inserted rows (tg_argv: time column, id column) in the outbox, and enqueues evaluation while an enabled rule reads the source (otherwise the crontab prunes them).';

alter table siem_private.rule_checkpoints add column disabled_at timestamptz;
comment on column siem_private.rule_checkpoints.disabled_at is 'When the rule was disabled (null while enabled): rows committed since are not evaluated when it is enabled again; `siem rules enable` names this time for a backfill.';

create function siem_private.tg_rules__checkpoint() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  if tg_op = 'UPDATE' and old.enabled and not new.enabled then
    update siem_private.rule_checkpoints set disabled_at = now() where rule_id = new.id;
  elsif tg_op = 'INSERT' or (new.enabled and not old.enabled) then
    -- Shared among rule starts, exclusive with prune_rule_outbox: until this transaction commits,
    -- nobody else sees the new checkpoint, and the outbox rows of the transactions in flight now
    -- (which this rule will evaluate when they commit) must stay.
    perform pg_advisory_xact_lock_shared(hashtext('siem.rule_outbox'));
    insert into siem_private.rule_checkpoints (rule_id, snapshot, disabled_at)
      values (new.id, pg_current_snapshot(), case when not new.enabled then now() end)
      on conflict (rule_id) do update set snapshot = excluded.snapshot, evaluated_at = now(), disabled_at = null, last_error = null;
    if new.enabled then
      perform siem_private.enqueue_rule_evaluation();
    end if;
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_rules__checkpoint() is
  'A rule starts at the snapshot of the transaction that creates or re-enables it: rows of transactions committed before are history (siem rules backfill), rows of every transaction still running or started later are evaluated once. Re-enabling does not catch up on the disabled period (disabled_at records when it began).';

create trigger _610_checkpoint after insert or update of enabled on public.rules
  for each row execute function siem_private.tg_rules__checkpoint();

create or replace function siem_private.prune_rule_outbox() returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_deleted integer;
begin
  -- A rule starting in a transaction not yet committed holds this lock (shared): its checkpoint is
  -- invisible here, so nothing is pruned until it commits (the next prune catches up).
  if not pg_try_advisory_xact_lock(hashtext('siem.rule_outbox')) then
    return 0;
  end if;
  -- A row is done when every enabled rule of its source has a checkpoint snapshot in which it is visible.
  delete from siem_private.rule_outbox o
  where not exists (
    select 1 from public.rules r join siem_private.rule_checkpoints c on c.rule_id = r.id
    where r.enabled and r.source = o.source and not pg_visible_in_snapshot(o.xid, c.snapshot));
  get diagnostics v_deleted = row_count;
  return v_deleted;
end;
$$;
comment on function siem_private.prune_rule_outbox() is 'Deletes outbox rows every enabled rule of their source has evaluated; skips (returns 0) while a rule is being created or enabled in a transaction not yet committed.';
