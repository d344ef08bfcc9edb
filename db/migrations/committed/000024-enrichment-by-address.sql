--! Previous: sha1:512339b846fadf260a7c314716cb889de886d8d6
--! Hash: sha1:d07118b2d86bbd7852f18879b9fe2501c18ea318
--! Message: enrichment-by-address

-- GeoIP and reverse DNS are facts about an address, not about an event. Writing them into every
-- event rewrote each enriched row (a second heap tuple, its WAL and vacuum): ~12 µs of database CPU
-- per event, a quarter of what ingest itself costs. Now the worker records each address's context once,
-- in versions, and an event's enrichment is joined from them when it is read, as of the event's
-- arrival. events.enrichment keeps what belongs to one event: threat tags, tags, and contexts
-- materialized by `siem enrich --since` (re-enrichment) or on archive.

--------------------------------------------------------------------------------
-- Context per address, in versions
--------------------------------------------------------------------------------

create table siem_private.address_context (
  ip text not null,
  known_from timestamptz not null,
  context jsonb not null,
  primary key (ip, known_from)
);
comment on table siem_private.address_context is
  'What enrichment knew about an address ({geoip, dns}) from known_from on; a new version only when the context changed (another GeoIP database, another DNS answer). ip is the address as events hold it, lower case (the keys of enrichment''s p_context).';

-- An event of the hot tables reads the version of its arrival; archived events carry theirs written
-- in (see worker/archive.ts). So a version superseded before the oldest hot event arrived is dead.
create function siem_private.prune_address_contexts(p_older_than interval) returns integer
  language sql volatile strict
  as $$
    with dead as (
      delete from siem_private.address_context c
      where exists (select from siem_private.address_context n
                    where n.ip = c.ip and n.known_from > c.known_from and n.known_from < now() - p_older_than)
      returning 1
    )
    select count(*)::int from dead
  $$;
comment on function siem_private.prune_address_contexts(interval) is
  'Deletes the address_context versions superseded more than p_older_than ago (the event retention and a day: no hot event reads them); returns how many. Run by the archive task.';

create function siem_private.context_as_of(p_ip text, p_at timestamptz) returns jsonb
  language sql stable strict parallel safe
  as $$
    select coalesce(
      (select c.context from siem_private.address_context c where c.ip = p_ip and c.known_from <= p_at order by c.known_from desc limit 1),
      (select c.context from siem_private.address_context c where c.ip = p_ip and c.known_from > p_at order by c.known_from limit 1))
  $$;
comment on function siem_private.context_as_of(text, timestamptz) is
  'The context of an address known at p_at, or, for an address first looked up after p_at, its first context: what enrichment knew when an event arriving at p_at was enriched.';

-- Like address_context (000017), generated over literal field names and rewritten when the ip fields of
-- canonical_fields change: one context lookup per address field present in the event. plpgsql, because
-- a SQL function with a FROM clause is not inlined and costs ~60 µs a call through the SQL executor.
create function siem_private.define_enrichment_reader() returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_fields text[] := (select coalesce(array_agg(c.name order by c.name <> 'src_ip', c.name <> 'dst_ip', c.name), '{}')
                      from public.canonical_fields c where c.type = 'ip');
begin
  execute format($f$
    create or replace function siem_private.address_enrichment(p_metadata jsonb, p_at timestamptz) returns jsonb
      language plpgsql stable parallel safe
      as $b$
      declare
        %1$s
      begin
        if %2$s then
          return null;
        end if;
        return nullif(jsonb_strip_nulls(jsonb_build_object('geoip', nullif(jsonb_strip_nulls(%3$s), '{}'),
                                                           'dns', nullif(jsonb_strip_nulls(%4$s), '{}'))), '{}');
      end;
      $b$ $f$,
    coalesce((select string_agg(format('%I jsonb := siem_private.context_as_of(lower(p_metadata ->> %L), p_at);', 'c_' || n, f), ' ')
              from unnest(v_fields) with ordinality u (f, n)), ''),
    coalesce((select string_agg(format('%I is null', 'c_' || n), ' and ') from unnest(v_fields) with ordinality u (f, n)), 'true'),
    siem_private.per_field_object(v_fields, 'geoip'), siem_private.per_field_object(v_fields, 'dns'));
end;
$$;
comment on function siem_private.define_enrichment_reader() is
  'Rewrites address_enrichment for the fields of canonical_fields whose type is ip. Run by a trigger on canonical_fields.';

-- jsonb_build_object takes at most 100 arguments: 50 fields per call, the calls joined by ||
create function siem_private.per_field_object(p_fields text[], p_key text) returns text
  language sql immutable strict
  as $$
    select coalesce(string_agg(format('jsonb_build_object(%s)', pairs), ' || '), '''{}''::jsonb')
    from (select string_agg(format('%L, %I -> %L', f, 'c_' || n, p_key), ', ' order by n) as pairs
          from unnest(p_fields) with ordinality u (f, n)
          group by (n - 1) / 50) chunks
  $$;
comment on function siem_private.per_field_object(text[], text) is
  'SQL text of {field: c_<n> -> p_key} over the fields, for define_enrichment_reader.';

select siem_private.define_enrichment_reader();
comment on function siem_private.address_enrichment(jsonb, timestamptz) is
  '{geoip: {field: ...}, dns: {field: ...}} of an event''s address fields, as of p_at; null when nothing is known. Rewritten by define_enrichment_reader().';

create function siem_private.tg_canonical_fields__define_enrichment_reader() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  perform siem_private.define_enrichment_reader();
  return null;
end;
$$;
comment on function siem_private.tg_canonical_fields__define_enrichment_reader() is
  'Statement-level after any change of canonical_fields: the enrichment reader follows the fields whose type is ip.';

create trigger _720_define_enrichment_reader
  after insert or update or delete or truncate on public.canonical_fields
  for each statement execute function siem_private.tg_canonical_fields__define_enrichment_reader();

--------------------------------------------------------------------------------
-- What readers see
--------------------------------------------------------------------------------

create function public.events_enrichment(p_event public.events) returns jsonb
  -- security definer: the contexts are private state; an event's own row is what RLS let through
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
    select coalesce(siem_private.address_enrichment(p_event.metadata, p_event.received_at), '{}') || p_event.enrichment
  $$;
comment on function public.events_enrichment(public.events) is
  'Enrichment of the event: {geoip, dns} of its addresses as known when it arrived, with what was written for the event itself (threat tags, tags, re-enriched contexts) taking precedence.';
revoke execute on function public.events_enrichment(public.events) from public;
grant execute on function public.events_enrichment(public.events) to siem_analyst;

comment on column public.events.enrichment is
  E'@behavior -*\nWhat belongs to this event alone: threat tags, tags, and {geoip, dns} written by re-enrichment (siem enrich) or on archive. Read events_enrichment(e): it adds the contexts of the event''s addresses.';

--------------------------------------------------------------------------------
-- Enrichment jobs: contexts per address, per-event writes only for threats
--------------------------------------------------------------------------------

create table siem_private.enriched_segments (
  ts_from timestamptz not null,
  ts_to timestamptz not null,
  min_id bigint not null,
  max_id bigint not null,
  queued_at timestamptz not null,
  enriched_at timestamptz not null default now()
);
comment on table siem_private.enriched_segments is
  'The last day of drained enrichment_queue ranges and when each was enriched: commit-to-enriched latency (metrics, bench). Pruned by apply_enrichment.';
create index enriched_segments_enriched_at_idx on siem_private.enriched_segments (enriched_at);
create index enriched_segments_max_id_idx on siem_private.enriched_segments (max_id);

create function siem_private.event_enriched_at(p_ts timestamptz, p_id bigint) returns timestamptz
  language sql stable strict parallel safe
  as $$
    select s.enriched_at
    from siem_private.enriched_segments s
    where s.max_id >= p_id and s.min_id <= p_id and p_ts between s.ts_from and s.ts_to
    order by s.max_id
    limit 1
  $$;
comment on function siem_private.event_enriched_at(timestamptz, bigint) is
  'When the job that enriched the event (ts, id) finished, within the last day; null before (or when its range was not queued: enrichment off).';

create or replace function siem_private.take_enrichment_segments(p_limit integer) returns jsonb
  language sql volatile strict
  as $$
    with taken as (
      delete from siem_private.enrichment_queue q
      where q.id in (select id from siem_private.enrichment_queue order by id limit p_limit for update skip locked)
      returning q.ts_from, q.ts_to, q.min_id, q.max_id, q.queued_at
    )
    select coalesce(jsonb_agg(jsonb_build_object('from', t.ts_from, 'to', t.ts_to, 'min_id', t.min_id, 'max_id', t.max_id, 'queued_at', t.queued_at)), '[]')
    from taken t
  $$;
comment on function siem_private.take_enrichment_segments(integer) is
  'Takes up to p_limit queued ranges (skipping those another job holds) as segments [{from, to, min_id, max_id, queued_at}]; they leave the queue when the caller''s transaction commits.';

-- New versions of the addresses whose context changed. What a lookup did not return (a dns answer still
-- pending, a GeoIP database without the address) keeps its previous value: absence is not news.
create function siem_private.record_address_contexts(p_context jsonb) returns integer
  language sql volatile strict
  as $$
    with latest as (
      select c.key as ip, c.value as looked_up,
             (select l.context from siem_private.address_context l where l.ip = c.key order by l.known_from desc limit 1) as known
      from jsonb_each(p_context) c
      where c.value <> '{}'
    ),
    inserted as (
      insert into siem_private.address_context (ip, known_from, context)
      select l.ip, now(), coalesce(l.known, '{}') || l.looked_up
      from latest l
      where l.known is null or l.known <> l.known || l.looked_up
      on conflict (ip, known_from) do update set context = excluded.context
      returning 1
    )
    select count(*)::int from inserted
  $$;
comment on function siem_private.record_address_contexts(jsonb) is
  'Records p_context ({address: {geoip, dns}}) as new address_context versions where it differs from the latest; returns how many.';

drop function siem_private.apply_enrichment(jsonb, jsonb, jsonb);
create function siem_private.apply_enrichment(p_segments jsonb, p_context jsonb, p_classes jsonb, p_materialize boolean default false) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  as $$
declare
  v_hits jsonb := '{}';
  v_tags jsonb;
  v_updated integer;
begin
  perform siem_private.record_address_contexts(p_context);

  insert into siem_private.enriched_segments (ts_from, ts_to, min_id, max_id, queued_at)
  select s."from", s."to", s.min_id, s.max_id, s.queued_at
  from jsonb_to_recordset(p_segments) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint, queued_at timestamptz)
  where s.queued_at is not null;
  delete from siem_private.enriched_segments where enriched_at < now() - interval '1 day';

  if exists (select from public.threat_indicators i where i.expires_at is null or i.expires_at > now()) then
    v_hits := siem_private.indicator_hits(p_classes);
  end if;
  if v_hits = '{}' and not p_materialize then
    return 0;
  end if;

  -- one tag template per matching indicator, the field is added per event
  select coalesce(jsonb_object_agg(i.id::text, siem_private.threat_tag(i, null, false)), '{}') into v_tags
  from public.threat_indicators i
  where i.id in (select jsonb_array_elements_text(h.value)::bigint from jsonb_each(v_hits) h);

  if v_hits <> '{}' then
    insert into public.threat_matches (event_ts, event_id, indicator_id, feed, field, value, retro)
    select e.ts, e.id, x.id::bigint, v_tags -> x.id ->> 'feed', o.field, o.value, false
    from siem_private.segment_events(p_segments) k
    join public.events e on e.ts = k.ts and e.id = k.id
    cross join lateral siem_private.event_observables(e.metadata) o
    cross join lateral jsonb_array_elements_text(v_hits -> o.value) x (id)
    where v_hits ? o.value
    on conflict (event_ts, event_id, indicator_id) do nothing;
  end if;

  -- Threat tags on the matching events only. Re-enrichment (p_materialize) writes every event's
  -- contexts and tags as known now, replacing earlier ones.
  update public.events e
  set enrichment = case when p_materialize
                        then (e.enrichment - 'geoip' - 'dns' - 'threat')
                             || jsonb_strip_nulls(jsonb_build_object('geoip', siem_private.address_context(e.metadata, p_context, 'geoip'),
                                                                     'dns', siem_private.address_context(e.metadata, p_context, 'dns')))
                        else e.enrichment - 'threat' end
    || coalesce((select jsonb_build_object('threat', jsonb_agg((v_tags -> t.id) || jsonb_build_object('field', o.field) order by t.id))
                 from siem_private.event_observables(e.metadata) o
                 cross join lateral jsonb_array_elements_text(v_hits -> o.value) t (id)
                 where v_hits ? o.value
                 having count(*) > 0), '{}')
  from jsonb_to_recordset(p_segments) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
  where e.ts between s."from" and s."to" and e.id between coalesce(s.min_id, 0) and coalesce(s.max_id, 9223372036854775807)
    and siem_private.has_observables(e.metadata)
    and (p_materialize or exists (select from siem_private.event_observables(e.metadata) o where v_hits ? o.value));
  get diagnostics v_updated = row_count;
  return v_updated;
end;
$$;
comment on function siem_private.apply_enrichment(jsonb, jsonb, jsonb, boolean) is
  'Records the addresses'' contexts (p_context {address: {geoip, dns}}) as address_context versions and the segments as enriched; tags the events of the segments that match an unexpired indicator (p_classes {value: class}; matches recorded in threat_matches). With p_materialize (re-enrichment) every event with observables gets its contexts and tags written, replacing earlier ones. Returns the number of events written.';

create or replace function siem_private.apply_dns(p_segments jsonb, p_dns jsonb) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  as $$
declare
  v_completed integer;
begin
  -- An answer that arrives after the job completes the version that job recorded (the events enriched
  -- with it were waiting for it); a different answer than a version already had is a new version.
  with latest as (
    select distinct on (c.ip) c.ip, c.known_from, c.context
    from siem_private.address_context c
    where c.ip in (select jsonb_object_keys(p_dns))
    order by c.ip, c.known_from desc
  )
  update siem_private.address_context c
  set context = c.context || jsonb_build_object('dns', p_dns -> c.ip)
  from latest l
  where c.ip = l.ip and c.known_from = l.known_from and not l.context ? 'dns';
  get diagnostics v_completed = row_count;
  return v_completed + siem_private.record_address_contexts(
    (select coalesce(jsonb_object_agg(d.key, jsonb_build_object('dns', d.value)), '{}') from jsonb_each(p_dns) d));
end;
$$;
comment on function siem_private.apply_dns(jsonb, jsonb) is
  'Adds reverse DNS answers ({address: {ptr|status}}) resolved after enrichment: completes the latest context of each address, or records a new version when the answer changed. p_segments is unused (kept for queued jobs).';
