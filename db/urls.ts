import type { Config } from '../bin/config.ts';
import type { Secrets } from './secrets.ts';

export const databaseName = 'siem';
export const roles = {
  owner: 'siem_owner',
  authenticator: 'siem_authenticator',
  anonymous: 'siem_anonymous',
  analyst: 'siem_analyst',
  admin: 'siem_admin',
  agent: 'siem_agent',
} as const;

export function withCredentials(base: string, user: string, password: string, database?: string): string {
  const url = new URL(base);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  if (database) url.pathname = '/' + database;
  return url.toString();
}

export function embeddedBaseUrl(config: Config): string {
  return `postgres://127.0.0.1:${config.embeddedPgPort}/${databaseName}`;
}

/** Connection strings for each process, derived from DATABASE_URL or the embedded server. */
export interface DatabaseUrls {
  owner: string;
  authenticator: string;
  agent: string;
}

export function databaseUrls(config: Config, secrets: Secrets): DatabaseUrls {
  const owner = config.databaseUrl ?? withCredentials(embeddedBaseUrl(config), roles.owner, secrets.ownerPassword);
  return {
    owner,
    authenticator: config.authDatabaseUrl ?? withCredentials(owner, roles.authenticator, secrets.authenticatorPassword),
    agent: config.agentDatabaseUrl ?? withCredentials(owner, roles.agent, secrets.agentPassword),
  };
}
