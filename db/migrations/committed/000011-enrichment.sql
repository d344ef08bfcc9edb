--! Previous: sha1:dbe89bd1eed711de868ed78a6bd4ef497483af32
--! Hash: sha1:0eab6bb2e62b65289fbbe6507c6f73e46a0114d6
--! Message: enrichment

-- Enrichment: one graphile-worker job per ingested statement (coalesced under one job key), GeoIP and
-- reverse DNS computed by the worker and written back set-based, threat intel indicators matched live
-- and retro-hunted when new indicators arrive; every match recorded in threat_matches.

--------------------------------------------------------------------------------
-- Settings and helpers
--------------------------------------------------------------------------------

create table siem_private.enrichment_settings (
  singleton boolean primary key default true check (singleton),
  enabled boolean not null default true
);
comment on table siem_private.enrichment_settings is 'One row. enabled = false stops enqueueing enrichment jobs for new events (ingest then pays nothing for enrichment).';
insert into siem_private.enrichment_settings default values;

-- inet casts throw on bad input; enrichment reads addresses from parsed metadata, so it casts softly.
do $do$
begin
  if current_setting('server_version_num')::int >= 160000 then
    execute $f$
      create function siem_private.try_inet(p_text text) returns inet
        language sql immutable strict parallel safe
        as $b$ select case when pg_input_is_valid(p_text, 'inet') then p_text::inet end $b$
    $f$;
  else
    execute $f$
      create function siem_private.try_inet(p_text text) returns inet
        language plpgsql immutable strict parallel safe
        as $b$
        begin
          -- a dotted quad of octets cannot fail the cast: no exception block (a subtransaction) needed
          if p_text ~ '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$' then
            return p_text::inet;
          end if;
          if p_text !~ '^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$' then
            return null;
          end if;
          begin
            return p_text::inet;
          exception when others then
            return null;
          end;
        end;
        $b$
    $f$;
  end if;
end
$do$;
comment on function siem_private.try_inet(text) is 'The text as inet, or null when it is not an address or network. Never throws.';

-- Not STRICT and plain SQL so that it is inlined into the scans that call it per event.
create function siem_private.event_observables(p_metadata jsonb)
  returns table (field text, class text, value text)
  language sql immutable parallel safe
  as $$
    select o.field, o.class, o.value
    from (values
      ('src_ip', 'ip', lower(p_metadata ->> 'src_ip')),
      ('dst_ip', 'ip', lower(p_metadata ->> 'dst_ip')),
      ('domain', 'domain', lower(p_metadata ->> 'domain')),
      ('file_hash', 'hash', lower(p_metadata ->> 'file_hash')),
      ('url', 'url', p_metadata ->> 'url')
    ) o (field, class, value)
    where o.value is not null and o.value <> ''
  $$;
create function siem_private.has_observables(p_metadata jsonb) returns boolean
  language sql immutable parallel safe
  as $$ select p_metadata ?| array['src_ip', 'dst_ip', 'domain', 'file_hash', 'url'] $$;
-- Per event on the enrichment path: plain expressions, inlined, cost a fraction of an aggregate over
-- event_observables. Its fields are the class ip fields of event_observables (keep them equal).
-- stable, not immutable: jsonb_build_object is stable, and an immutable wrapper would not be inlined.
create function siem_private.address_context(p_metadata jsonb, p_context jsonb, p_key text) returns jsonb
  language sql stable parallel safe
  as $$
    select nullif(jsonb_strip_nulls(jsonb_build_object(
             'src_ip', p_context -> lower(p_metadata ->> 'src_ip') -> p_key,
             'dst_ip', p_context -> lower(p_metadata ->> 'dst_ip') -> p_key)), '{}')
  $$;
comment on function siem_private.address_context(jsonb, jsonb, text) is 'For each address field of an event, p_context -> address -> p_key ({field: value}); null when none.';

comment on function siem_private.has_observables(jsonb) is 'Cheap test whether event_observables can return anything (keep the two lists equal).';

comment on function siem_private.event_observables(jsonb) is
  'The fields of an event that enrichment looks at: addresses (class ip: GeoIP, reverse DNS, IP/CIDR indicators), domain, file_hash and url (indicators of that class). Add a field here to enrich it.';

--------------------------------------------------------------------------------
-- Enqueue: each ingest statement's range in a queue table, one coalesced job to drain it
--------------------------------------------------------------------------------

-- graphile-worker's job-key coalescing can drop an add_job that races with a worker locking the job
-- (its insert ... on conflict do update ... where locked_at is null then updates nothing), so the
-- ranges themselves are kept here, and the job only says "there is work".
create table siem_private.enrichment_queue (
  id bigint generated always as identity primary key,
  ts_from timestamptz not null,
  ts_to timestamptz not null,
  min_id bigint not null,
  max_id bigint not null,
  queued_at timestamptz not null default now()
);
comment on table siem_private.enrichment_queue is
  'Ranges of events inserted by one statement each (ts and id bounds), waiting for enrichment. events__enrich jobs take them with for update skip locked and delete them in the transaction that enriches them.';

create function siem_private.tg_events__enqueue_enrichment() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  if not coalesce((select s.enabled from siem_private.enrichment_settings s), true) then
    return null;
  end if;
  insert into siem_private.enrichment_queue (ts_from, ts_to, min_id, max_id)
  select min(n.ts), max(n.ts), min(n.id), max(n.id)
  from new_events n
  having count(*) > 0;
  if found then
    -- One pending job for any number of batches (job key); it drains the whole queue. Upserting the
    -- shared key would make a concurrent ingest transaction wait for ours to commit (the unique key
    -- is checked against uncommitted rows), so only the holder of a transaction-scoped advisory lock
    -- uses it; the others add a job under a key of their own transaction.
    if pg_try_advisory_xact_lock(hashtext('siem.events__enrich')) then
      perform graphile_worker.add_job('events__enrich', job_key => 'events__enrich', max_attempts => 10);
    else
      perform graphile_worker.add_job('events__enrich', job_key => 'events__enrich:' || pg_current_xact_id()::text, max_attempts => 10);
    end if;
  end if;
  return null;
end;
$$;
comment on function siem_private.tg_events__enqueue_enrichment() is
  'Statement-level after insert on events: queues the statement''s range (ts and id bounds) and makes sure an events__enrich job is pending (job key coalescing: at most one job per batch, usually one for many).';

create function siem_private.take_enrichment_segments(p_limit integer) returns jsonb
  language sql volatile strict
  as $$
    with taken as (
      delete from siem_private.enrichment_queue q
      where q.id in (select id from siem_private.enrichment_queue order by id limit p_limit for update skip locked)
      returning q.ts_from, q.ts_to, q.min_id, q.max_id
    )
    select coalesce(jsonb_agg(jsonb_build_object('from', t.ts_from, 'to', t.ts_to, 'min_id', t.min_id, 'max_id', t.max_id)), '[]')
    from taken t
  $$;
comment on function siem_private.take_enrichment_segments(integer) is
  'Takes up to p_limit queued ranges (skipping those another job holds) as segments [{from, to, min_id, max_id}]; they leave the queue when the caller''s transaction commits.';

create trigger _500_enqueue_enrichment
  after insert on public.events
  referencing new table as new_events
  for each statement execute function siem_private.tg_events__enqueue_enrichment();

--------------------------------------------------------------------------------
-- Reverse DNS cache, shared by every worker
--------------------------------------------------------------------------------

create table siem_private.dns_cache (
  ip inet primary key,
  ptr text,
  status text not null check (status in ('ok', 'nxdomain', 'error', 'timeout')),
  resolved_at timestamptz not null default now(),
  expires_at timestamptz not null
);
comment on table siem_private.dns_cache is 'Reverse DNS answers shared by all workers. Failures (nxdomain, timeout, error) are cached too (negative caching), for the same TTL.';
create index dns_cache_expires_at_idx on siem_private.dns_cache (expires_at);

create function siem_private.dns_cache_get(p_ips text[])
  returns table (ip text, ptr text, status text)
  language sql stable strict
  as $$
    select host(c.ip), c.ptr, c.status
    from siem_private.dns_cache c
    where c.ip = any (array(select siem_private.try_inet(x) from unnest(p_ips) x)) and c.expires_at > now()
  $$;
comment on function siem_private.dns_cache_get(text[]) is 'Unexpired cache entries (positive and negative) for these addresses.';

create function siem_private.dns_cache_put(p_entries jsonb, p_ttl interval) returns integer
  language sql volatile strict
  as $$
    with rows as (
      insert into siem_private.dns_cache (ip, ptr, status, resolved_at, expires_at)
      select distinct on (siem_private.try_inet(e.ip)) siem_private.try_inet(e.ip), e.ptr, e.status, now(), now() + p_ttl
      from jsonb_to_recordset(p_entries) e (ip text, ptr text, status text)
      where siem_private.try_inet(e.ip) is not null
      on conflict (ip) do update set ptr = excluded.ptr, status = excluded.status, resolved_at = excluded.resolved_at, expires_at = excluded.expires_at
      returning 1
    )
    select count(*)::int from rows
  $$;
comment on function siem_private.dns_cache_put(jsonb, interval) is 'Stores [{ip, ptr, status}] answers (positive and negative) for p_ttl, replacing older ones; returns how many.';

create function siem_private.dns_cache_purge() returns integer
  language sql volatile
  as $$
    with gone as (delete from siem_private.dns_cache where expires_at < now() - interval '1 hour' returning 1)
    select count(*)::int from gone
  $$;
comment on function siem_private.dns_cache_purge() is 'Removes entries expired for more than an hour.';

--------------------------------------------------------------------------------
-- Threat intel: feeds, indicators, matches
--------------------------------------------------------------------------------

create table public.threat_feeds (
  name text primary key check (name ~ '^[A-Za-z0-9_.:-]{1,100}$'),
  url text,
  format text not null default 'auto' check (format in ('auto', 'list', 'csv', 'stix', 'misp')),
  enabled boolean not null default true,
  refresh_minutes integer not null default 60 check (refresh_minutes between 1 and 10080),
  confidence smallint check (confidence between 0 and 100),
  etag text,
  last_modified text,
  fetched_at timestamptz,
  status text,
  error text,
  indicator_count integer not null default 0
);
comment on table public.threat_feeds is 'Sources of indicators: files imported with `siem intel import` (no url) and URLs the worker fetches every refresh_minutes with ETag/If-Modified-Since.';
comment on column public.threat_feeds.format is 'auto detects: JSON with type=bundle is STIX 2.1, JSON with Event is MISP, text with commas is CSV, else a plain list.';
comment on column public.threat_feeds.etag is 'ETag of the last 200 response, sent as If-None-Match.';
comment on column public.threat_feeds.last_modified is 'Last-Modified of the last 200 response, sent as If-Modified-Since.';
comment on column public.threat_feeds.status is 'Outcome of the last fetch or import: imported, not modified, failed.';

create table public.threat_indicators (
  id bigint generated always as identity primary key,
  feed text not null,
  kind text not null check (kind in ('ip', 'cidr', 'domain', 'url', 'md5', 'sha1', 'sha256', 'sha512')),
  value text not null,
  network inet,
  confidence smallint check (confidence between 0 and 100),
  description text,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  check ((kind in ('ip', 'cidr')) = (network is not null)),
  unique (feed, kind, value)
);
comment on table public.threat_indicators is 'Indicators of compromise by feed. An event matches when one of its observables (siem_private.event_observables) equals the value, or an address lies in the network.';
comment on column public.threat_indicators.value is 'Normalized: lower case for domains and hashes, canonical text for addresses and networks.';
comment on column public.threat_indicators.network is 'The address (/32, /128) or network of ip and cidr indicators.';
comment on column public.threat_indicators.expires_at is 'No longer matched after this time; a feed refresh expires the indicators its new version no longer lists.';
create index threat_indicators_network_idx on public.threat_indicators using gist (network inet_ops) where network is not null;
create index threat_indicators_value_idx on public.threat_indicators (value) where network is null;

create table public.threat_matches (
  id bigint generated always as identity primary key,
  event_ts timestamptz not null,
  event_id bigint not null,
  indicator_id bigint not null references public.threat_indicators on delete cascade,
  feed text not null,
  field text not null,
  value text not null,
  retro boolean not null default false,
  matched_at timestamptz not null default now(),
  unique (event_ts, event_id, indicator_id)
);
comment on table public.threat_matches is 'Every event/indicator match, once: found live by enrichment (retro = false) or by a retro-hunt over past events when the indicator arrived later (retro = true). Alert rules read it.';
comment on column public.threat_matches.event_ts is 'ts of the event (with event_id, its primary key).';
comment on column public.threat_matches.field is 'The event field that matched (src_ip, dst_ip, domain, file_hash, url).';
create index threat_matches_matched_at_idx on public.threat_matches (matched_at desc);
create index threat_matches_indicator_id_idx on public.threat_matches (indicator_id);

do $$
declare
  t text;
begin
  foreach t in array array['threat_feeds', 'threat_indicators', 'threat_matches'] loop
    execute format('alter table public.%I enable row level security', t);
    execute format('create policy select_all on public.%I for select to siem_analyst using (true)', t);
  end loop;
  grant select on public.threat_indicators, public.threat_matches to siem_analyst;
  -- Feed URLs often carry API keys: analysts see a feed's state, admins also its URL.
  grant select (name, format, enabled, refresh_minutes, confidence, fetched_at, status, error, indicator_count) on public.threat_feeds to siem_analyst;
  grant select on public.threat_feeds to siem_admin;
  foreach t in array array['threat_feeds', 'threat_indicators'] loop
    execute format('create policy admin_all on public.%I for all to siem_admin using (true) with check (true)', t);
    execute format('grant insert, update, delete on public.%I to siem_admin', t);
  end loop;
end
$$;

--------------------------------------------------------------------------------
-- Import
--------------------------------------------------------------------------------

create function public.import_indicators(p_feed text, p_indicators jsonb, p_replace boolean default false)
  returns table (inserted integer, updated integer, rejected integer, expired integer)
  -- security definer: admins import, and the import enqueues the retro-hunt job as the owner.
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_new bigint[];
begin
  insert into public.threat_feeds (name) values (p_feed) on conflict (name) do nothing;

  create temporary table if not exists siem_import_indicators (
    kind text, value text, network inet, confidence smallint, description text,
    first_seen_at timestamptz, last_seen_at timestamptz, expires_at timestamptz
  ) on commit drop;
  truncate siem_import_indicators;

  insert into siem_import_indicators
  select distinct on (n.kind, n.value) n.kind, n.value, n.network,
         case when i.confidence between 0 and 100 then i.confidence::smallint end,
         i.description, i.first_seen, i.last_seen, i.expires
  from jsonb_to_recordset(p_indicators) i (kind text, value text, confidence numeric, description text,
                                            first_seen timestamptz, last_seen timestamptz, expires timestamptz)
  cross join lateral (select siem_private.try_inet(btrim(i.value)) as net offset 0) a
  cross join lateral (
    select case when i.kind in ('ip', 'cidr') and a.net is not null
                  then case when masklen(a.net) = case family(a.net) when 4 then 32 else 128 end then 'ip' else 'cidr' end
                when i.kind in ('ip', 'cidr') then null
                else i.kind end as kind,
           case when i.kind in ('ip', 'cidr') and a.net is not null
                  then case when masklen(a.net) = case family(a.net) when 4 then 32 else 128 end then host(a.net) else network(a.net)::text end
                when i.kind = 'url' then btrim(i.value)
                else lower(btrim(i.value)) end as value,
           case when i.kind in ('ip', 'cidr') then network(a.net)::inet end as network
  ) n
  where n.kind in ('ip', 'cidr', 'domain', 'url', 'md5', 'sha1', 'sha256', 'sha512') and coalesce(n.value, '') <> ''
  order by n.kind, n.value, i.last_seen desc nulls last;

  rejected := jsonb_array_length(p_indicators) - (select count(*) from siem_import_indicators);
  -- (duplicates within the file count as rejected: say so in the report, not silently)

  with upserted as (
    insert into public.threat_indicators as t (feed, kind, value, network, confidence, description, first_seen_at, last_seen_at, expires_at)
    select p_feed, s.kind, s.value, s.network, s.confidence, s.description,
           coalesce(s.first_seen_at, now()), coalesce(s.last_seen_at, now()), s.expires_at
    from siem_import_indicators s
    on conflict (feed, kind, value) do update
      set confidence = coalesce(excluded.confidence, t.confidence),
          description = coalesce(excluded.description, t.description),
          first_seen_at = least(t.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(t.last_seen_at, excluded.last_seen_at),
          expires_at = excluded.expires_at
    returning t.id, (xmax = 0) as is_new
  )
  select count(*) filter (where is_new)::int, count(*) filter (where not is_new)::int,
         array_agg(id) filter (where is_new)
    into inserted, updated, v_new
  from upserted;

  expired := 0;
  if p_replace then
    with gone as (
      update public.threat_indicators t set expires_at = now()
      where t.feed = p_feed and (t.expires_at is null or t.expires_at > now())
        and not exists (select from siem_import_indicators s where s.kind = t.kind and s.value = t.value)
      returning 1
    )
    select count(*)::int into expired from gone;
  end if;

  update public.threat_feeds f
  set indicator_count = (select count(*) from public.threat_indicators t where t.feed = p_feed and (t.expires_at is null or t.expires_at > now()))
  where f.name = p_feed;

  if v_new is not null then
    perform graphile_worker.add_job('intel__retro_hunt', json_build_object('indicator_ids', v_new), max_attempts => 5);
  end if;
  return next;
end;
$$;
comment on function public.import_indicators(text, jsonb, boolean) is
  'Upserts [{kind, value, confidence, description, first_seen, last_seen, expires}] into a feed; kind ip/cidr is decided by the mask. New indicators enqueue a retro-hunt. p_replace expires the feed''s indicators missing from this set (a feed refresh). Returns counts; rejected = invalid or duplicate rows.';
grant execute on function public.import_indicators(text, jsonb, boolean) to siem_admin;

--------------------------------------------------------------------------------
-- Matching: live (per enrichment job) and retro (per new indicators)
--------------------------------------------------------------------------------

create function siem_private.threat_tag(p_indicator public.threat_indicators, p_field text, p_retro boolean) returns jsonb
  language sql stable parallel safe
  as $$
    select jsonb_strip_nulls(jsonb_build_object(
      'feed', p_indicator.feed, 'kind', p_indicator.kind, 'indicator', p_indicator.value, 'indicator_id', p_indicator.id,
      'field', p_field, 'confidence', p_indicator.confidence, 'description', p_indicator.description,
      'retro', case when p_retro then true end))
  $$;
comment on function siem_private.threat_tag(public.threat_indicators, text, boolean) is 'One entry of enrichment.threat: which feed and indicator matched which field.';

create function siem_private.segment_events(p_segments jsonb)
  returns table (ts timestamptz, id bigint)
  language sql stable strict
  as $$
    select e.ts, e.id
    from jsonb_to_recordset(p_segments) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
    join public.events e on e.ts between s."from" and s."to" and e.id between coalesce(s.min_id, 0) and coalesce(s.max_id, 9223372036854775807)
  $$;
comment on function siem_private.segment_events(jsonb) is 'Keys of the events in the segments [{from, to, min_id, max_id}] (ids optional: a whole time range; overlapping segments list an event twice).';

create function siem_private.enrichment_candidates(p_segments jsonb)
  returns table (class text, value text)
  language sql stable strict
  as $$
    select distinct o.class, o.value
    from jsonb_to_recordset(p_segments) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
    join public.events e on e.ts between s."from" and s."to" and e.id between coalesce(s.min_id, 0) and coalesce(s.max_id, 9223372036854775807)
    cross join lateral siem_private.event_observables(e.metadata) o
  $$;
comment on function siem_private.enrichment_candidates(jsonb) is 'Distinct observables (class, value) of the events in the segments: what the worker looks up once per job.';

-- Which indicators each value matches: p_values {value: class}; the result {value: [indicator ids]}.
create function siem_private.indicator_hits(p_values jsonb) returns jsonb
  language sql stable strict
  as $$
    with v as (
      select c.key as value, c.value #>> '{}' as class, case when c.value #>> '{}' = 'ip' then siem_private.try_inet(c.key) end as ip
      from jsonb_each(p_values) c
    ),
    hits as (
      select v.value, i.id
      from v join public.threat_indicators i on i.network = v.ip and i.kind = 'ip'
      where v.ip is not null and (i.expires_at is null or i.expires_at > now())
      union all
      select v.value, i.id
      from v join public.threat_indicators i on i.network >>= v.ip and i.kind = 'cidr'
      where v.ip is not null and (i.expires_at is null or i.expires_at > now())
      union all
      select v.value, i.id
      from v join public.threat_indicators i on i.network is null and i.value = v.value
       and i.kind = any (case v.class when 'domain' then array['domain'] when 'url' then array['url']
                                      when 'hash' then array['md5', 'sha1', 'sha256', 'sha512'] end)
      where v.class <> 'ip' and (i.expires_at is null or i.expires_at > now())
    )
    select coalesce(jsonb_object_agg(h.value, h.ids), '{}')
    from (select value, jsonb_agg(id order by id) as ids from hits group by value) h
  $$;
comment on function siem_private.indicator_hits(jsonb) is 'For observables {value: class}, the unexpired indicators each matches: addresses by equality or network containment (GiST), other classes by equality.';

create function siem_private.apply_enrichment(p_segments jsonb, p_context jsonb, p_classes jsonb) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  as $$
declare
  v_hits jsonb := siem_private.indicator_hits(p_classes);
  v_tags jsonb;
  v_updated integer;
begin
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

  -- One pass over the segments' events: the new enrichment is built per row from inlined expressions
  -- (no second scan, no join back); the threat subquery runs only when something matched.
  update public.events e
  set enrichment = (e.enrichment - 'geoip' - 'dns' - 'threat')
    || jsonb_strip_nulls(jsonb_build_object('geoip', siem_private.address_context(e.metadata, p_context, 'geoip'),
                                            'dns', siem_private.address_context(e.metadata, p_context, 'dns')))
    || case when v_hits = '{}' then '{}'
            else coalesce((select jsonb_strip_nulls(jsonb_build_object('threat', jsonb_agg((v_tags -> t.id) || jsonb_build_object('field', o.field) order by t.id)))
                           from siem_private.event_observables(e.metadata) o
                           cross join lateral jsonb_array_elements_text(v_hits -> o.value) t (id)
                           where v_hits ? o.value), '{}') end
    || jsonb_build_object('enriched_at', now())
  from jsonb_to_recordset(p_segments) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
  where e.ts between s."from" and s."to" and e.id between coalesce(s.min_id, 0) and coalesce(s.max_id, 9223372036854775807)
    and siem_private.has_observables(e.metadata);
  get diagnostics v_updated = row_count;
  return v_updated;
end;
$$;
comment on function siem_private.apply_enrichment(jsonb, jsonb, jsonb) is
  'Writes enrichment in one UPDATE for the events of the segments that have observables: geoip and dns per address field from p_context ({address: {geoip, dns}}), threat tags of the unexpired indicators matching any observable (p_classes {value: class}; matches recorded in threat_matches), enriched_at. Replaces earlier geoip/dns/threat (re-enrichment).';

create function siem_private.apply_dns(p_segments jsonb, p_dns jsonb) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  as $$
declare
  v_updated integer;
begin
  with per_event as (
    select e.ts, e.id, jsonb_object_agg(o.field, p_dns -> o.value) as dns
    from jsonb_to_recordset(p_segments) s ("from" timestamptz, "to" timestamptz, min_id bigint, max_id bigint)
    join public.events e on e.ts between s."from" and s."to" and e.id between coalesce(s.min_id, 0) and coalesce(s.max_id, 9223372036854775807)
    cross join lateral siem_private.event_observables(e.metadata) o
    where o.class = 'ip' and p_dns ? o.value
    group by e.ts, e.id
  )
  update public.events e
  set enrichment = jsonb_set(e.enrichment, '{dns}', coalesce(e.enrichment -> 'dns', '{}') || p.dns)
  from per_event p
  where e.ts = p.ts and e.id = p.id;
  get diagnostics v_updated = row_count;
  return v_updated;
end;
$$;
comment on function siem_private.apply_dns(jsonb, jsonb) is 'Adds reverse DNS answers ({address: {ptr|status}}) resolved after the event was first enriched.';

create function public.retro_hunt(p_indicator_ids bigint[], p_days integer default 30)
  returns integer
  -- security definer: admins may run it; only the owner writes events and threat_matches.
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set work_mem = '64MB'
  as $$
declare
  v_since timestamptz := now() - make_interval(days => p_days);
  v_matches integer;
begin
  create temporary table if not exists siem_hunt_values (class text, value text, indicator_id bigint) on commit drop;
  truncate siem_hunt_values;

  -- Exact values (addresses, domains, URLs, hashes) are matched by equality in one scan below.
  insert into siem_hunt_values (class, value, indicator_id)
  select case when i.kind = 'ip' then 'ip' when i.kind in ('domain', 'url') then i.kind else 'hash' end, i.value, i.id
  from unnest(p_indicator_ids) u (id)
  join public.threat_indicators i on i.id = u.id
  where i.kind <> 'cidr' and (i.expires_at is null or i.expires_at > now());

  -- Networks: every address of the window is cut to each prefix length the new networks use and
  -- looked up by equality (the networks are hashed; far cheaper than a GiST probe per address); the
  -- addresses that hit become exact values for the scan below.
  if exists (select from public.threat_indicators i where i.id = any (p_indicator_ids) and i.kind = 'cidr') then
    create temporary table if not exists siem_hunt_networks (network inet, indicator_id bigint) on commit drop;
    create temporary table if not exists siem_hunt_prefixes (bits integer, family integer) on commit drop;
    truncate siem_hunt_networks, siem_hunt_prefixes;
    insert into siem_hunt_networks
    select i.network, i.id
    from unnest(p_indicator_ids) u (id)
    join public.threat_indicators i on i.id = u.id
    where i.kind = 'cidr' and (i.expires_at is null or i.expires_at > now());
    insert into siem_hunt_prefixes select distinct masklen(network), family(network) from siem_hunt_networks;
    analyze siem_hunt_networks;
    analyze siem_hunt_prefixes;

    insert into siem_hunt_values (class, value, indicator_id)
    select distinct 'ip', a.value, n.indicator_id
    from (select o.value, siem_private.try_inet(o.value) as ip
          from public.events e cross join lateral siem_private.event_observables(e.metadata) o
          where e.ts >= v_since and o.class = 'ip' and e.metadata ?| array['src_ip', 'dst_ip']
          offset 0) a
    cross join siem_hunt_prefixes p
    join siem_hunt_networks n on n.network = case when family(a.ip) = p.family then network(set_masklen(a.ip, p.bits))::inet end;
  end if;
  analyze siem_hunt_values;

  -- The events of the window whose fields hold one of the values (hashed subplans, a probe per field),
  -- then their observables joined to the values. The fields are those of event_observables.
  with recorded as (
    insert into public.threat_matches (event_ts, event_id, indicator_id, feed, field, value, retro)
    select e.ts, e.id, v.indicator_id, i.feed, o.field, o.value, true
    from public.events e
    cross join lateral siem_private.event_observables(e.metadata) o
    join siem_hunt_values v on v.class = o.class and v.value = o.value
    join public.threat_indicators i on i.id = v.indicator_id
    where e.ts >= v_since
      and (lower(e.metadata ->> 'src_ip') in (select h.value from siem_hunt_values h)
           or lower(e.metadata ->> 'dst_ip') in (select h.value from siem_hunt_values h)
           or lower(e.metadata ->> 'domain') in (select h.value from siem_hunt_values h)
           or lower(e.metadata ->> 'file_hash') in (select h.value from siem_hunt_values h)
           or (e.metadata ->> 'url') in (select h.value from siem_hunt_values h))
    on conflict (event_ts, event_id, indicator_id) do nothing
    returning event_ts, event_id, indicator_id, field
  ),
  tags as (
    select r.event_ts as ts, r.event_id as id, jsonb_agg(siem_private.threat_tag(i, r.field, true) order by i.feed, i.id) as threat
    from recorded r
    join public.threat_indicators i on i.id = r.indicator_id
    group by r.event_ts, r.event_id
  ),
  tagged as (
    update public.events e
    set enrichment = jsonb_set(e.enrichment, '{threat}', coalesce(e.enrichment -> 'threat', '[]') || t.threat)
    from tags t
    where e.ts = t.ts and e.id = t.id
    returning 1
  )
  select (select count(*) from recorded)::int into v_matches;
  return v_matches;
end;
$$;
comment on function public.retro_hunt(bigint[], integer) is
  'Matches these indicators against the events of the last p_days days; new matches are recorded in threat_matches (retro = true) and appended to the events'' enrichment.threat. Returns the number of new matches.';
grant execute on function public.retro_hunt(bigint[], integer) to siem_admin;
