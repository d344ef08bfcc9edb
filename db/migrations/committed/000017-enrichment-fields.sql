--! Previous: sha1:933d46132ceab6b3ae22d3ee6bf0bebdddd09905
--! Hash: sha1:6265f951ce9619a46c653a10401202dc5d2b4322
--! Message: enrichment-fields

-- Enrichment of every address field (the fields whose canonical type is ip), and the indicators
-- consulted only while some are live (matching every distinct value of a job costs ~3 µs each).

--------------------------------------------------------------------------------
-- Indicators only when there are some
--------------------------------------------------------------------------------

-- As in 000011, with indicator_hits skipped while no indicator is live.
create or replace function siem_private.apply_enrichment(p_segments jsonb, p_context jsonb, p_classes jsonb) returns integer
  language plpgsql volatile
  set search_path = pg_catalog, public, pg_temp
  as $$
declare
  v_hits jsonb := '{}';
  v_tags jsonb;
  v_updated integer;
begin
  if exists (select from public.threat_indicators i where i.expires_at is null or i.expires_at > now()) then
    v_hits := siem_private.indicator_hits(p_classes);
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
--------------------------------------------------------------------------------
-- Every address field: the fields whose canonical type is ip
--------------------------------------------------------------------------------

-- The per-event helpers stay plain SQL expressions over literal field names (inlined into the scans
-- that call them: a loop over a field list per event would cost several times more), so they are
-- rewritten whenever the set of ip fields in canonical_fields changes.
create function siem_private.define_observables() returns text[]
  language plpgsql volatile
  set search_path = pg_catalog, public
  as $$
declare
  v_fields text[] := (select coalesce(array_agg(c.name order by c.name <> 'src_ip', c.name <> 'dst_ip', c.name), '{}')
                      from public.canonical_fields c where c.type = 'ip');
  v_rows text;
  v_keys text;
  v_context text;
begin
  v_rows := concat_ws(', ',
    (select string_agg(format('(%L, ''ip'', lower(p_metadata ->> %L))', f, f), ', ' order by n) from unnest(v_fields) with ordinality u (f, n)),
    $v$('domain', 'domain', lower(p_metadata ->> 'domain')), ('file_hash', 'hash', lower(p_metadata ->> 'file_hash')), ('url', 'url', p_metadata ->> 'url')$v$);
  v_keys := (select string_agg(quote_literal(f), ', ') from unnest(v_fields || array['domain', 'file_hash', 'url']) f);
  -- jsonb_build_object takes at most 100 arguments: 50 fields per call, the calls joined by ||
  v_context := coalesce((
    select string_agg(format('jsonb_build_object(%s)', pairs), ' || ')
    from (select string_agg(format('%L, p_context -> lower(p_metadata ->> %L) -> p_key', f, f), ', ' order by n) as pairs
          from unnest(v_fields) with ordinality u (f, n)
          group by (n - 1) / 50) chunks), '''{}''::jsonb');

  execute format($f$
    create or replace function siem_private.event_observables(p_metadata jsonb)
      returns table (field text, class text, value text)
      language sql immutable parallel safe
      as $b$
        select o.field, o.class, o.value
        from (values %s) o (field, class, value)
        where o.value is not null and o.value <> ''
      $b$ $f$, v_rows);
  execute format($f$
    create or replace function siem_private.has_observables(p_metadata jsonb) returns boolean
      language sql immutable parallel safe
      as $b$ select p_metadata ?| array[%s]::text[] $b$ $f$, v_keys);
  execute format($f$
    create or replace function siem_private.has_addresses(p_metadata jsonb) returns boolean
      language sql immutable parallel safe
      as $b$ select p_metadata ?| array[%s]::text[] $b$ $f$,
    coalesce((select string_agg(quote_literal(f), ', ') from unnest(v_fields) f), ''));
  execute format($f$
    create or replace function siem_private.address_context(p_metadata jsonb, p_context jsonb, p_key text) returns jsonb
      language sql stable parallel safe
      as $b$ select nullif(jsonb_strip_nulls(%s), '{}') $b$ $f$, v_context);
  return v_fields;
end;
$$;
comment on function siem_private.define_observables() is
  'Rewrites event_observables, has_observables, has_addresses and address_context for the fields of canonical_fields whose type is ip (plus domain, file_hash, url); returns the address fields. Run by a trigger on canonical_fields.';

select siem_private.define_observables();
comment on function siem_private.has_addresses(jsonb) is 'Cheap test whether an event has one of the address fields (canonical type ip). Rewritten by define_observables().';

comment on function siem_private.event_observables(jsonb) is
  'The fields of an event that enrichment looks at: every field whose canonical type is ip (class ip: GeoIP, reverse DNS, IP/CIDR indicators), domain, file_hash and url (indicators of that class). Rewritten by define_observables() when canonical_fields changes.';
comment on function siem_private.has_observables(jsonb) is 'Cheap test whether event_observables can return anything. Rewritten by define_observables().';
comment on function siem_private.address_context(jsonb, jsonb, text) is
  'For each address field of an event (canonical type ip), p_context -> address -> p_key ({field: value}); null when none. Rewritten by define_observables().';

create function siem_private.tg_canonical_fields__define_observables() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
begin
  perform siem_private.define_observables();
  return null;
end;
$$;
comment on function siem_private.tg_canonical_fields__define_observables() is
  'Statement-level after any change of canonical_fields: enrichment follows the fields whose type is ip.';

create trigger _710_define_observables
  after insert or update or delete or truncate on public.canonical_fields
  for each statement execute function siem_private.tg_canonical_fields__define_observables();

-- As in 000011, over every address field: the cut to prefixes reads the events with an address field,
-- the final scan probes each observable field (the list is read from canonical_fields per hunt).
create or replace function public.retro_hunt(p_indicator_ids bigint[], p_days integer default 30)
  returns integer
  -- security definer: admins may run it; only the owner writes events and threat_matches.
  language plpgsql volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set work_mem = '64MB'
  as $$
declare
  v_since timestamptz := now() - make_interval(days => p_days);
  v_matches integer;
  v_prefilter text;
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
          where e.ts >= v_since and o.class = 'ip' and siem_private.has_addresses(e.metadata)
          offset 0) a
    cross join siem_hunt_prefixes p
    join siem_hunt_networks n on n.network = case when family(a.ip) = p.family then network(set_masklen(a.ip, p.bits))::inet end;
  end if;
  analyze siem_hunt_values;

  -- The events of the window whose fields hold one of the values (hashed subplans, a probe per field),
  -- then their observables joined to the values. The fields are those of event_observables: every
  -- address field (canonical type ip), domain, file_hash and url.
  select string_agg(format('%s in (select h.value from siem_hunt_values h)',
                           case when f = 'url' then format('(e.metadata ->> %L)', f) else format('lower(e.metadata ->> %L)', f) end), ' or ')
    into v_prefilter
  from unnest((select array_agg(c.name) from public.canonical_fields c where c.type = 'ip') || array['domain', 'file_hash', 'url']) f;
  execute format($q$
    with recorded as (
      insert into public.threat_matches (event_ts, event_id, indicator_id, feed, field, value, retro)
      select e.ts, e.id, v.indicator_id, i.feed, o.field, o.value, true
      from public.events e
      cross join lateral siem_private.event_observables(e.metadata) o
      join siem_hunt_values v on v.class = o.class and v.value = o.value
      join public.threat_indicators i on i.id = v.indicator_id
      where e.ts >= $1 and (%s)
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
    select (select count(*) from recorded)::int $q$, v_prefilter)
    into v_matches using v_since;
  return v_matches;
end;
$$;

comment on column public.threat_matches.field is 'The event field that matched: an address field (canonical type ip, such as src_ip, dst_ip), domain, file_hash or url.';
