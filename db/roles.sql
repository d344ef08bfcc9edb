-- Cluster-wide roles (see DESIGN.md "Roles"). Idempotent: run by `siem start` / `siem migrate`
-- before migrations, as a role that may create roles. Passwords are set separately, never here.
do $$
declare
  role_name text;
begin
  foreach role_name in array array['siem_anonymous', 'siem_analyst', 'siem_admin', 'siem_authenticator', 'siem_agent'] loop
    if not exists (select from pg_catalog.pg_roles where rolname = role_name) then
      execute format('create role %I nologin', role_name);
    end if;
  end loop;
end
$$;

-- The API logs in as the authenticator and switches to one of these per request.
alter role siem_authenticator noinherit;
grant siem_anonymous, siem_analyst, siem_admin to siem_authenticator;
-- An admin can do everything an analyst can.
grant siem_analyst to siem_admin;
