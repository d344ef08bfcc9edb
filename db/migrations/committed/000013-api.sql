--! Previous: sha1:42100557b547abf405ae8129676ff799359fae46
--! Hash: sha1:3a75ef4396e03c3d393c1f6fcfb8f30072a56eab
--! Message: api

-- The API's database side: users and login (bcrypt, JWT claims), API tokens, dashboards, the audit
-- log, search with keyset pagination, drill-down helpers, and rollups for aggregations.

create extension if not exists pgcrypto with schema siem_private;

-- Claims of the request, set by the API from the verified JWT or API token (pgSettings).
create function public.current_user_id() returns uuid
  language sql stable parallel safe
  as $$
  select nullif(current_setting('jwt.claims.user_id', true), '')::uuid
$$;
comment on function public.current_user_id() is
  E'@behavior -*\nThe user id of the request (claim user_id of its JWT or API token), null for anonymous.';
revoke execute on function public.current_user_id() from public;
grant execute on function public.current_user_id() to siem_anonymous, siem_analyst;

------------------------------------------------------------------------------------------ users

create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null unique check (email = lower(email) and email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 320),
  role text not null default 'analyst' check (role in ('analyst', 'admin')),
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  last_login_at timestamptz
);
comment on table public.users is 'People who log in to the API. Admins see and change every user; an analyst sees only itself. Passwords live apart, in siem_private.user_passwords.';
comment on column public.users.role is 'analyst or admin: the PostgreSQL role (siem_analyst, siem_admin) their requests run as.';
comment on column public.users.disabled is 'A disabled user cannot log in, renew a token or use an API token.';

create table siem_private.user_passwords (
  user_id uuid primary key references public.users (id) on delete cascade,
  password_hash text not null,
  updated_at timestamptz not null default now()
);
comment on table siem_private.user_passwords is 'bcrypt hashes (pgcrypto crypt, gen_salt(''bf'', 10)) of the users'' passwords.';

alter table public.users enable row level security;
create policy select_self on public.users for select to siem_analyst using (id = public.current_user_id());
create policy select_all on public.users for select to siem_admin using (true);
create policy admin_update on public.users for update to siem_admin using (true) with check (true);
grant select on public.users to siem_analyst;
grant update (role, disabled) on public.users to siem_admin;

create function public.current_user_is_admin() returns boolean
  language sql stable parallel safe
  as $$
  select coalesce(current_setting('jwt.claims.role', true), '') = 'siem_admin'
$$;
comment on function public.current_user_is_admin() is E'@behavior -*\nWhether the request runs as an admin.';
revoke execute on function public.current_user_is_admin() from public;
grant execute on function public.current_user_is_admin() to siem_anonymous, siem_analyst;

-- Sets (or resets) a password; used by `siem user add` and by create_user.
create function siem_private.set_password(p_user_id uuid, p_password text) returns void
  language plpgsql volatile strict security definer
  set search_path = pg_catalog, public
  as $$
begin
  if length(p_password) < 8 then
    raise exception 'the password must have at least 8 characters' using errcode = '22023';
  end if;
  insert into siem_private.user_passwords (user_id, password_hash)
  values (p_user_id, siem_private.crypt(p_password, siem_private.gen_salt('bf', 10)))
  on conflict (user_id) do update set password_hash = excluded.password_hash, updated_at = now();
end
$$;
comment on function siem_private.set_password(uuid, text) is 'Stores the bcrypt hash of a password (at least 8 characters).';

create function public.create_user(p_email text, p_role text, p_password text) returns public.users
  language plpgsql volatile strict security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_user public.users;
begin
  if not public.current_user_is_admin() then
    raise exception 'only an admin may create users' using errcode = '42501';
  end if;
  insert into public.users (email, role) values (lower(trim(p_email)), p_role) returning * into v_user;
  perform siem_private.set_password(v_user.id, p_password);
  return v_user;
end
$$;
comment on function public.create_user(text, text, text) is 'Admin only: creates a user with a role (analyst or admin) and a password.';
revoke execute on function public.create_user(text, text, text) from public;
grant execute on function public.create_user(text, text, text) to siem_admin;

create type public.jwt_token as (
  role text,
  user_id uuid,
  email text,
  exp bigint,
  aud text,
  iss text
);
comment on type public.jwt_token is 'The claims of the API''s JWT; the API signs it (HS256) when a function returns it.';

create function siem_private.token_for(p_user public.users) returns public.jwt_token
  language sql stable
  as $$
  select ('siem_' || p_user.role, p_user.id, p_user.email,
          extract(epoch from now())::bigint + coalesce(nullif(current_setting('siem.jwt_ttl', true), '')::int, 3600),
          'pgsiem', 'pgsiem')::public.jwt_token
$$;
comment on function siem_private.token_for(public.users) is 'JWT claims for a user; lifetime from the setting siem.jwt_ttl (seconds, default 3600).';

create function public.login(p_email text, p_password text) returns public.jwt_token
  language plpgsql volatile strict security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_user public.users;
  v_hash text;
begin
  select u.* into v_user from public.users u where u.email = lower(trim(p_email)) and not u.disabled;
  select p.password_hash into v_hash from siem_private.user_passwords p where p.user_id = v_user.id;
  -- An unknown user costs a hash too, so timing does not tell which emails exist.
  if v_hash is null then
    perform siem_private.crypt(p_password, siem_private.gen_salt('bf', 10));
    return null;
  end if;
  if siem_private.crypt(p_password, v_hash) <> v_hash then
    return null;
  end if;
  update public.users set last_login_at = now() where id = v_user.id;
  return siem_private.token_for(v_user);
end
$$;
comment on function public.login(text, text) is 'Checks an email and password; returns a signed short-lived JWT, or null when they do not match a user who may log in.';
revoke execute on function public.login(text, text) from public;
grant execute on function public.login(text, text) to siem_anonymous, siem_analyst;

create function public.renew_token() returns public.jwt_token
  language sql volatile security definer
  set search_path = pg_catalog, public
  as $$
  select siem_private.token_for(u) from public.users u where u.id = public.current_user_id() and not u.disabled
$$;
comment on function public.renew_token() is 'A fresh JWT for the logged-in user, with their current role; null when disabled.';
revoke execute on function public.renew_token() from public;
grant execute on function public.renew_token() to siem_analyst;

create function public.viewer() returns public.users
  language sql stable security definer
  set search_path = pg_catalog, public
  as $$
  select u.* from public.users u where u.id = public.current_user_id()
$$;
comment on function public.viewer() is 'The logged-in user, null for anonymous.';
revoke execute on function public.viewer() from public;
grant execute on function public.viewer() to siem_anonymous, siem_analyst;

------------------------------------------------------------------------------------- API tokens

create table public.api_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default public.current_user_id() references public.users (id) on delete cascade,
  name text not null check (length(name) between 1 and 200),
  token_hash bytea not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);
comment on table public.api_tokens is 'Long-lived tokens for scripts (Authorization: Bearer siem_...). Only their SHA-256 is stored; a token acts with its user''s current role until it expires or is revoked.';
comment on column public.api_tokens.token_hash is E'@behavior -*\nSHA-256 of the secret.';
create index api_tokens_user_id_idx on public.api_tokens (user_id);
-- A unique index, not a constraint: PostGraphile would otherwise offer a lookup by hash.
create unique index api_tokens_token_hash_idx on public.api_tokens (token_hash);
alter table public.api_tokens enable row level security;
create policy select_own on public.api_tokens for select to siem_analyst using (user_id = public.current_user_id());
create policy select_all on public.api_tokens for select to siem_admin using (true);
grant select (id, user_id, name, created_at, expires_at, revoked_at, last_used_at) on public.api_tokens to siem_analyst;

create function public.create_api_token(p_name text, p_valid_days integer default 90) returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_secret text := 'siem_' || encode(siem_private.gen_random_bytes(24), 'hex');
begin
  if public.current_user_id() is null then
    raise exception 'log in first' using errcode = '42501';
  end if;
  if p_valid_days is not null and (p_valid_days < 1 or p_valid_days > 3650) then
    raise exception 'validDays must be between 1 and 3650' using errcode = '22023';
  end if;
  insert into public.api_tokens (user_id, name, token_hash, expires_at)
  values (public.current_user_id(), p_name, siem_private.digest(v_secret, 'sha256'),
          now() + make_interval(days => p_valid_days));
  return v_secret;
end
$$;
comment on function public.create_api_token(text, integer) is 'Creates an API token for the logged-in user and returns its secret, the only time it is shown. validDays null means no expiry.';
revoke execute on function public.create_api_token(text, integer) from public;
grant execute on function public.create_api_token(text, integer) to siem_analyst;

create function public.revoke_api_token(p_token_id uuid) returns boolean
  language sql volatile strict security definer
  set search_path = pg_catalog, public
  as $$
  with revoked as (
    update public.api_tokens t set revoked_at = now()
    where t.id = p_token_id and t.revoked_at is null
      and (t.user_id = public.current_user_id() or public.current_user_is_admin())
    returning 1
  )
  select exists (select from revoked)
$$;
comment on function public.revoke_api_token(uuid) is 'Revokes one of your API tokens (an admin: anyone''s); true if a live token was revoked.';
revoke execute on function public.revoke_api_token(uuid) from public;
grant execute on function public.revoke_api_token(uuid) to siem_analyst;

-- Called by the API's connection (siem_authenticator) itself, before it switches role.
create function public.authenticate_api_token(p_token text)
  returns table (role text, user_id uuid, email text)
  language plpgsql volatile strict security definer
  set search_path = pg_catalog, public
  as $$
declare
  v_token_id uuid;
begin
  select t.id, 'siem_' || u.role, u.id, u.email into v_token_id, role, user_id, email
  from public.api_tokens t join public.users u on u.id = t.user_id
  where t.token_hash = siem_private.digest(p_token, 'sha256')
    and t.revoked_at is null and (t.expires_at is null or t.expires_at > now()) and not u.disabled;
  if v_token_id is null then
    return;
  end if;
  update public.api_tokens set last_used_at = now()
  where id = v_token_id and (last_used_at is null or last_used_at < now() - interval '1 minute');
  return next;
end
$$;
comment on function public.authenticate_api_token(text) is E'@behavior -*\nThe role and claims of a live API token; no row when it is unknown, expired or revoked. Only the authenticator may call it.';
revoke execute on function public.authenticate_api_token(text) from public;
grant execute on function public.authenticate_api_token(text) to siem_authenticator;

------------------------------------------------------------------------------------- dashboards

create table public.dashboards (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default public.current_user_id() references public.users (id) on delete cascade,
  title text not null check (length(title) between 1 and 200),
  description text,
  layout jsonb not null default '{}',
  shared boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.dashboards is 'Saved dashboards: a JSON layout owned by its user. Others see it only when shared; only the owner changes or deletes it.';
comment on column public.dashboards.layout is 'The web UI''s grid and widget definitions (free JSON).';
comment on column public.dashboards.shared is 'Readable by every logged-in user when true.';
create index dashboards_owner_id_idx on public.dashboards (owner_id);
-- Lets the API order dashboards by last change (orderBy: UPDATED_AT_DESC).
create index dashboards_updated_at_idx on public.dashboards (updated_at);
alter table public.dashboards enable row level security;
create policy select_visible on public.dashboards for select to siem_analyst using (owner_id = public.current_user_id() or shared);
create policy insert_own on public.dashboards for insert to siem_analyst with check (owner_id = public.current_user_id());
create policy update_own on public.dashboards for update to siem_analyst
  using (owner_id = public.current_user_id()) with check (owner_id = public.current_user_id());
create policy delete_own on public.dashboards for delete to siem_analyst using (owner_id = public.current_user_id());
grant select, delete on public.dashboards to siem_analyst;
grant insert (title, description, layout, shared), update (title, description, layout, shared) on public.dashboards to siem_analyst;

create function siem_private.tg_dashboards__set_updated_at() returns trigger
  language plpgsql volatile
  as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function siem_private.tg_dashboards__set_updated_at() is 'Keeps dashboards.updated_at current.';
create trigger _100_set_updated_at before update on public.dashboards
  for each row execute function siem_private.tg_dashboards__set_updated_at();

------------------------------------------------------------------------------------- audit log

create table public.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  user_id uuid,
  role text not null,
  operation_name text,
  fields text[] not null,
  variables jsonb not null default '{}',
  succeeded boolean not null,
  error text
);
comment on table public.audit_log is 'One row per GraphQL mutation or REST write the API ran (logins included), with who, what and whether it succeeded. Secrets in variables are replaced by "[redacted]". Admins read it; nobody changes it.';
comment on column public.audit_log.fields is 'The root mutation fields of the operation (login, createDashboard, ...).';
create index audit_log_at_idx on public.audit_log (at desc);
alter table public.audit_log enable row level security;
create policy select_all on public.audit_log for select to siem_admin using (true);
grant select on public.audit_log to siem_admin;

create function public.record_audit(p_user_id uuid, p_role text, p_operation_name text, p_fields text[],
                                    p_variables jsonb, p_succeeded boolean, p_error text) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
  as $$
  insert into public.audit_log (user_id, role, operation_name, fields, variables, succeeded, error)
  values (p_user_id, p_role, p_operation_name, p_fields, coalesce(p_variables, '{}'), p_succeeded, left(p_error, 1000))
$$;
comment on function public.record_audit(uuid, text, text, text[], jsonb, boolean, text) is E'@behavior -*\nAppends to audit_log; only the API''s connection (siem_authenticator) may call it.';
revoke execute on function public.record_audit(uuid, text, text, text[], jsonb, boolean, text) from public;
grant execute on function public.record_audit(uuid, text, text, text[], jsonb, boolean, text) to siem_authenticator;

------------------------------------------------------------------------------------- search

-- Cursor of an event in the search order (ts desc, id desc): '<microseconds since epoch>:<id>'.
create function public.events_cursor(p_event public.events) returns text
  language sql immutable parallel safe
  as $$
  select (extract(epoch from p_event.ts) * 1000000)::bigint::text || ':' || p_event.id::text
$$;
comment on function public.events_cursor(public.events) is 'Opaque keyset cursor of the event in the search order (ts desc, id desc); pass it as searchEvents(cursor:) to get the next page.';
grant execute on function public.events_cursor(public.events) to siem_analyst;

create function public.events_exact_bytes(p_event public.events) returns bytea
  language sql stable parallel safe
  as $$
  select coalesce(p_event.raw_bytes, convert_to(p_event.message, 'UTF8'))
$$;
comment on function public.events_exact_bytes(public.events) is 'The exact bytes of the original line.';
grant execute on function public.events_exact_bytes(public.events) to siem_analyst;

create function public.events_neighbours(p_event public.events, p_seconds integer default 30, p_limit integer default 50)
  returns setof public.events
  language sql stable
  as $$
  select n.* from public.events n
  where n.host is not distinct from p_event.host
    and n.ts >= p_event.ts - make_interval(secs => least(greatest(coalesce(p_seconds, 30), 0), 3600))
    and n.ts <= p_event.ts + make_interval(secs => least(greatest(coalesce(p_seconds, 30), 0), 3600))
    and not (n.ts = p_event.ts and n.id = p_event.id)
  order by n.ts desc, n.id desc
  limit least(greatest(coalesce(p_limit, 50), 1), 500)
$$;
comment on function public.events_neighbours(public.events, integer, integer) is
  E'@behavior -connection +list\nEvents of the same host within seconds (default 30, max 3600) of this one, newest first (limit default 50, max 500).';
grant execute on function public.events_neighbours(public.events, integer, integer) to siem_analyst;

-- The WHERE clause of a search; the values are bound as $1..$10 by the caller (never spliced in).
-- One value is compared with = (not = any): the planner then walks the (event_type, ts desc) index in
-- order and stops at the page's end, which it does not do for an array.
create function public.event_search_where(p_sources integer, p_hosts integer, p_event_types integer,
                                                p_has_tags boolean, p_has_fields boolean, p_has_q boolean, p_has_cursor boolean)
  returns text
  language sql immutable
  as $$
  select 'e.ts >= $1 and e.ts < $2'
    || case when p_sources = 1 then ' and e.source = ($3)[1]' when p_sources is not null then ' and e.source = any($3)' else '' end
    || case when p_hosts = 1 then ' and e.host = ($4)[1]' when p_hosts is not null then ' and e.host = any($4)' else '' end
    || case when p_event_types = 1 then ' and e.event_type = ($5)[1]' when p_event_types is not null then ' and e.event_type = any($5)' else '' end
    || case when p_has_tags then ' and e.enrichment -> ''tags'' ?| $6' else '' end
    || case when p_has_fields then ' and e.metadata @> $7' else '' end
    || case when p_has_q then ' and e.message ilike $8' else '' end
    || case when p_has_cursor then ' and (e.ts, e.id) < ($9, $10)' else '' end
$$;
comment on function public.event_search_where(integer, integer, integer, boolean, boolean, boolean, boolean) is
  E'@behavior -*\nThe WHERE clause for the filters that are present, with the values as parameters $1..$10 (start, end, sources, hosts, event types, tags, fields, q pattern, cursor ts, cursor id).';

create function public.like_pattern(p_text text) returns text
  language sql immutable strict parallel safe
  as $$
  select '%' || replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_') || '%'
$$;
comment on function public.like_pattern(text) is E'@behavior -*\nAn ILIKE pattern matching p_text literally as a substring.';

create function public.check_search_args(p_start timestamptz, p_end timestamptz, p_fields jsonb) returns void
  language plpgsql immutable
  as $$
begin
  if p_start is null or p_end is null then
    raise exception 'start and end are required' using errcode = '22023';
  end if;
  if p_fields is not null and jsonb_typeof(p_fields) <> 'object' then
    raise exception 'fields must be a JSON object of canonical field values' using errcode = '22023';
  end if;
end
$$;
comment on function public.check_search_args(timestamptz, timestamptz, jsonb) is E'@behavior -*\nRefuses a search without a time range or with fields that are not an object.';

-- Helpers of the search functions, which run as the caller (so RLS applies) and so need them in public.
revoke execute on function public.event_search_where(integer, integer, integer, boolean, boolean, boolean, boolean) from public;
revoke execute on function public.like_pattern(text) from public;
revoke execute on function public.check_search_args(timestamptz, timestamptz, jsonb) from public;
grant execute on function public.event_search_where(integer, integer, integer, boolean, boolean, boolean, boolean) to siem_analyst;
grant execute on function public.like_pattern(text) to siem_analyst;
grant execute on function public.check_search_args(timestamptz, timestamptz, jsonb) to siem_analyst;

create function public.search_events(
  p_start timestamptz, p_end timestamptz,
  p_sources text[] default null, p_hosts text[] default null, p_event_types text[] default null,
  p_tags text[] default null, p_fields jsonb default null, p_q text default null,
  p_cursor text default null, p_limit integer default 50)
  returns setof public.events
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
declare
  v_cursor_ts timestamptz;
  v_cursor_id bigint;
begin
  perform public.check_search_args(p_start, p_end, p_fields);
  p_limit := coalesce(p_limit, 50);
  if p_limit < 1 or p_limit > 500 then
    raise exception 'limit must be between 1 and 500' using errcode = '22023';
  end if;
  if p_cursor is not null then
    if p_cursor !~ '^-?\d{1,18}:\d{1,19}$' then
      raise exception 'invalid cursor' using errcode = '22023';
    end if;
    v_cursor_ts := timestamptz 'epoch' + (split_part(p_cursor, ':', 1) || ' microseconds')::interval;
    v_cursor_id := split_part(p_cursor, ':', 2)::bigint;
  end if;
  return query execute
    'select e.* from public.events e where '
    || public.event_search_where(cardinality(p_sources), cardinality(p_hosts), cardinality(p_event_types),
                                       p_tags is not null, p_fields is not null, nullif(p_q, '') is not null, p_cursor is not null)
    || ' order by e.ts desc, e.id desc limit $11'
    using p_start, p_end, p_sources, p_hosts, p_event_types, p_tags, p_fields,
          public.like_pattern(nullif(p_q, '')), v_cursor_ts, v_cursor_id, p_limit;
end
$$;
comment on function public.search_events(timestamptz, timestamptz, text[], text[], text[], text[], jsonb, text, text, integer) is
  E'@behavior -connection +list\nEvents in [start, end) matching every given filter (several values of one filter are OR-ed): sources, hosts, eventTypes, tags (any of them in enrichment.tags), fields (canonical values, metadata @> fields), q (case-insensitive substring of the line). Newest first (ts desc, id desc); pass the last event''s cursor to get the next page; limit 1..500 (default 50).';
grant execute on function public.search_events(timestamptz, timestamptz, text[], text[], text[], text[], jsonb, text, text, integer) to siem_analyst;

create type public.search_total as (count bigint, capped boolean);
comment on type public.search_total is 'A count of matching events up to a cap; capped means there are at least count.';

create function public.search_events_total(
  p_start timestamptz, p_end timestamptz,
  p_sources text[] default null, p_hosts text[] default null, p_event_types text[] default null,
  p_tags text[] default null, p_fields jsonb default null, p_q text default null, p_cap integer default 10000)
  returns public.search_total
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
declare
  v_count bigint;
begin
  perform public.check_search_args(p_start, p_end, p_fields);
  p_cap := coalesce(p_cap, 10000);
  if p_cap < 1 or p_cap > 100000 then
    raise exception 'cap must be between 1 and 100000' using errcode = '22023';
  end if;
  execute
    'select count(*) from (select from public.events e where '
    || public.event_search_where(cardinality(p_sources), cardinality(p_hosts), cardinality(p_event_types),
                                       p_tags is not null, p_fields is not null, nullif(p_q, '') is not null, false)
    || ' limit $11) s'
    into v_count
    using p_start, p_end, p_sources, p_hosts, p_event_types, p_tags, p_fields,
          public.like_pattern(nullif(p_q, '')), null::timestamptz, null::bigint, p_cap + 1;
  return (least(v_count, p_cap), v_count > p_cap)::public.search_total;
end
$$;
comment on function public.search_events_total(timestamptz, timestamptz, text[], text[], text[], text[], jsonb, text, integer) is
  'How many events searchEvents would return over all pages, counted up to cap (default 10000, max 100000): stays fast on large ranges.';
grant execute on function public.search_events_total(timestamptz, timestamptz, text[], text[], text[], text[], jsonb, text, integer) to siem_analyst;

-- Live tail: the events of the batches named by one NOTIFY siem_events, filtered like a search.
create function public.tail_events(
  p_min_ts timestamptz, p_max_ts timestamptz, p_batches uuid[],
  p_sources text[] default null, p_hosts text[] default null, p_event_types text[] default null,
  p_tags text[] default null, p_fields jsonb default null, p_q text default null)
  returns setof public.events
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
begin
  if p_min_ts is null or p_max_ts is null or (p_fields is not null and jsonb_typeof(p_fields) <> 'object') then
    return;
  end if;
  return query execute
    'select e.* from public.events e where '
    || public.event_search_where(cardinality(p_sources), cardinality(p_hosts), cardinality(p_event_types),
                                       p_tags is not null, p_fields is not null, nullif(p_q, '') is not null, false)
    || ' and ($11::uuid[] is null or e.batch_id = any($11)) order by e.ts desc, e.id desc limit 500'
    using p_min_ts, p_max_ts + interval '1 microsecond', p_sources, p_hosts, p_event_types, p_tags, p_fields,
          public.like_pattern(nullif(p_q, '')), null::timestamptz, null::bigint, p_batches;
end
$$;
comment on function public.tail_events(timestamptz, timestamptz, uuid[], text[], text[], text[], text[], jsonb, text) is
  E'@behavior -*\nThe events of one ingest notification (ts range and batches; batches null = any) that match the filters, newest first, at most 500. Used by the eventsAdded subscription.';
grant execute on function public.tail_events(timestamptz, timestamptz, uuid[], text[], text[], text[], text[], jsonb, text) to siem_analyst;

create function public.find_event(p_id bigint, p_ts timestamptz default null) returns public.events
  language sql stable
  as $$
  select e.* from public.events e where e.id = p_id and (p_ts is null or e.ts = p_ts) limit 1
$$;
comment on function public.find_event(bigint, timestamptz) is 'One event by id; with its ts it is an index lookup, without it every partition is probed (slow on large data).';
grant execute on function public.find_event(bigint, timestamptz) to siem_analyst;

------------------------------------------------------------------------------------- rollups

create table public.event_rollups (
  bucket_size text not null check (bucket_size in ('1m', '1h')),
  dimension text not null check (dimension in ('all', 'event_type', 'host', 'source')),
  bucket timestamptz not null,
  value text not null,
  count bigint not null
);
-- Append-only (no unique key): a batch adds its own rows, so concurrent ingest transactions never
-- wait on each other's uncommitted counts; readers sum, and compact_event_rollups() merges old rows.
create index event_rollups_key_idx on public.event_rollups (bucket_size, dimension, bucket, value);
comment on table public.event_rollups is
  E'@behavior -*\nEvent counts per minute and per hour, by event_type, host, source and in total (dimension all, value ''''), kept current by triggers on events. eventCounts and topValues read them instead of scanning events. value '''' stands for null.';
alter table public.event_rollups enable row level security;
create policy select_all on public.event_rollups for select to siem_analyst using (true);
grant select on public.event_rollups to siem_analyst;

create function siem_private.tg_events__rollup() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  -- transition tables have no statistics: a nested loop over a large update's old and new rows
  -- would be quadratic
  set enable_nestloop = off
  as $$
begin
  -- Subtract what left (delete, or the old side of an update), then add what arrived, as new rows
  -- (append-only: nothing is locked, readers sum).
  -- (Each transition table is named only in a branch for the operations that have it.)
  if tg_op = 'UPDATE' then
    if not exists (
      select from new_events n
      left join old_events o on o.id = n.id and o.ts = n.ts and o.event_type = n.event_type
        and o.host = n.host and o.source = n.source
      where o.id is null) then
      return null; -- an update that moved no event between buckets or groups (enrichment, say)
    end if;
  end if;
  if tg_op in ('DELETE', 'UPDATE') then
    insert into public.event_rollups as r (bucket_size, dimension, bucket, value, count)
    select s.size, d.dim, s.bucket, d.val, -sum(g.n)
    from (select date_trunc('minute', o.ts) as minute, o.event_type, o.host, o.source, count(*) as n
          from old_events o group by 1, 2, 3, 4) g
    cross join lateral (values ('1m', g.minute), ('1h', date_trunc('hour', g.minute))) s(size, bucket)
    cross join lateral (values ('all', ''), ('event_type', coalesce(g.event_type, '')),
                               ('host', coalesce(g.host, '')), ('source', coalesce(g.source, ''))) d(dim, val)
    group by 1, 2, 3, 4;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into public.event_rollups as r (bucket_size, dimension, bucket, value, count)
    select s.size, d.dim, s.bucket, d.val, sum(g.n)
    from (select date_trunc('minute', n.ts) as minute, n.event_type, n.host, n.source, count(*) as n
          from new_events n group by 1, 2, 3, 4) g
    cross join lateral (values ('1m', g.minute), ('1h', date_trunc('hour', g.minute))) s(size, bucket)
    cross join lateral (values ('all', ''), ('event_type', coalesce(g.event_type, '')),
                               ('host', coalesce(g.host, '')), ('source', coalesce(g.source, ''))) d(dim, val)
    group by 1, 2, 3, 4;
  end if;
  return null;
end
$$;
comment on function siem_private.tg_events__rollup() is 'Keeps the sums of event_rollups equal to the counts of events: one grouped insert of deltas per statement over its transition tables.';

create function siem_private.compact_event_rollups(p_older_than interval default '10 minutes') returns integer
  language sql volatile strict
  set search_path = pg_catalog, public
  as $$
  with old as (
    delete from public.event_rollups where bucket < now() - p_older_than returning bucket_size, dimension, bucket, value, count
  ), merged as (
    insert into public.event_rollups (bucket_size, dimension, bucket, value, count)
    select bucket_size, dimension, bucket, value, sum(count) from old group by 1, 2, 3, 4 having sum(count) <> 0
    returning 1
  )
  select count(*)::integer from merged;
$$;
comment on function siem_private.compact_event_rollups(interval) is
  'Merges the rollup rows of buckets older than p_older_than into one row per key (sums unchanged, zero sums dropped); returns the rows written. Run by the worker.';

create trigger _900_rollup_insert after insert on public.events
  referencing new table as new_events for each statement execute function siem_private.tg_events__rollup();
create trigger _900_rollup_update after update on public.events
  referencing old table as old_events new table as new_events for each statement execute function siem_private.tg_events__rollup();
create trigger _900_rollup_delete after delete on public.events
  referencing old table as old_events for each statement execute function siem_private.tg_events__rollup();

insert into public.event_rollups (bucket_size, dimension, bucket, value, count)
select s.size, d.dim, s.bucket, d.val, sum(g.n)
from (select date_trunc('minute', e.ts) as minute, e.event_type, e.host, e.source, count(*) as n
      from public.events e group by 1, 2, 3, 4) g
cross join lateral (values ('1m', g.minute), ('1h', date_trunc('hour', g.minute))) s(size, bucket)
cross join lateral (values ('all', ''), ('event_type', coalesce(g.event_type, '')),
                           ('host', coalesce(g.host, '')), ('source', coalesce(g.source, ''))) d(dim, val)
group by 1, 2, 3, 4;

create type public.event_count as (bucket timestamptz, key text, count bigint);
comment on type public.event_count is 'Events in one time bucket, for one group value (key, null when not grouped).';

create function public.event_counts(p_start timestamptz, p_end timestamptz, p_bucket text default '1h',
                                    p_group_by text default null, p_event_types text[] default null)
  returns setof public.event_count
  language plpgsql stable
  set search_path = pg_catalog, public
  as $$
declare
  v_width interval := case p_bucket when '1m' then interval '1 minute' when '5m' then interval '5 minutes'
                                    when '1h' then interval '1 hour' when '1d' then interval '1 day' end;
  v_size text := case when p_bucket in ('1m', '5m') then '1m' else '1h' end;
  v_start timestamptz;
  v_rows integer;
begin
  if v_width is null then
    raise exception 'bucket must be 1m, 5m, 1h or 1d' using errcode = '22023';
  end if;
  if p_group_by is not null and p_group_by not in ('event_type', 'host', 'source') then
    raise exception 'groupBy must be event_type, host or source' using errcode = '22023';
  end if;
  if p_start is null or p_end is null then
    raise exception 'start and end are required' using errcode = '22023';
  end if;
  v_start := date_bin(v_width, p_start, timestamptz '2000-01-01 00:00:00+00');
  if p_group_by is null or p_group_by = 'event_type' or p_event_types is null then
    return query
      select date_bin(v_width, r.bucket, timestamptz '2000-01-01 00:00:00+00'),
             case when p_group_by is null then null else nullif(r.value, '') end,
             sum(r.count)::bigint
      from public.event_rollups r
      where r.bucket_size = v_size
        and r.dimension = coalesce(p_group_by, case when p_event_types is null then 'all' else 'event_type' end)
        and r.bucket >= v_start and r.bucket < p_end
        and (p_event_types is null or r.value = any(p_event_types))
      group by 1, 2
      having sum(r.count) > 0
      order by 1, 2
      limit 10001;
  else
    -- Grouped by host or source within some event types: not in the rollups, so scan.
    return query execute format(
      'select date_bin($3, e.ts, timestamptz ''2000-01-01 00:00:00+00''), e.%I, count(*)
       from public.events e where e.ts >= $1 and e.ts < $2 and e.event_type = any($4)
       group by 1, 2 order by 1, 2 limit 10001', p_group_by)
      using v_start, p_end, v_width, p_event_types;
  end if;
  get diagnostics v_rows = row_count;
  if v_rows > 10000 then
    raise exception 'more than 10000 buckets: choose a larger bucket or a shorter range' using errcode = '54000';
  end if;
end
$$;
comment on function public.event_counts(timestamptz, timestamptz, text, text, text[]) is
  E'@behavior -connection +list\nEvent counts per time bucket (1m, 5m, 1h, 1d; UTC) in [start, end) widened to whole buckets, optionally grouped by event_type, host or source (key) and limited to some event types. Read from the rollups; only non-empty buckets; at most 10000 rows.';
grant execute on function public.event_counts(timestamptz, timestamptz, text, text, text[]) to siem_analyst;

create function public.event_count_series(p_start timestamptz, p_end timestamptz, p_bucket text default '1h',
                                          p_group_by text default null, p_event_types text[] default null)
  returns jsonb
  language sql stable
  as $$
  select jsonb_build_object(
    'bucket', p_bucket,
    'series', coalesce(jsonb_agg(jsonb_build_object('key', s.key, 'total', s.total, 'points', s.points) order by s.total desc, s.key), '[]'::jsonb))
  from (
    select c.key, sum(c.count) as total,
           jsonb_agg(jsonb_build_array(to_char(c.bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), c.count) order by c.bucket) as points
    from public.event_counts(p_start, p_end, p_bucket, p_group_by, p_event_types) c
    group by c.key
  ) s
$$;
comment on function public.event_count_series(timestamptz, timestamptz, text, text, text[]) is
  'The answer of eventCounts as one JSON document, ready for a chart: {bucket, series: [{key, total, points: [[bucket, count], ...]}]}, series by total descending. Much cheaper to send than one GraphQL object per bucket and group.';
grant execute on function public.event_count_series(timestamptz, timestamptz, text, text, text[]) to siem_analyst;

create type public.top_value as (value text, count bigint);
comment on type public.top_value is 'A field value and how many events carry it.';

create function public.top_values(p_start timestamptz, p_end timestamptz, p_field text,
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
  E'@behavior -connection +list\nThe most frequent values (limit default 10, max 100) of host, source, event_type (from the hourly rollups: whole hours) or a canonical field (scans the range) in [start, end), optionally within some event types.';
grant execute on function public.top_values(timestamptz, timestamptz, text, integer, text[]) to siem_analyst;
