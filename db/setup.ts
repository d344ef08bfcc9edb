import { readFileSync } from 'node:fs';
import pg from 'pg';
import { Logger, runMigrations } from 'graphile-worker';
import { createRequire } from 'node:module';
import { migrate, type Settings as MigrateSettings } from 'graphile-migrate';
import type { Secrets } from './secrets.ts';
import { databaseName, roles } from './urls.ts';

const dbDir = new URL('.', import.meta.url).pathname;
const quietWorkerLogger = new Logger(() => () => {});
// graphile-migrate checks `instanceof` against its own copy of @graphile/logger.
const { Logger: MigrateLogger } = createRequire(createRequire(import.meta.url).resolve('graphile-migrate'))('@graphile/logger') as {
  Logger: new (factory: () => (level: string, message: string) => void) => NonNullable<MigrateSettings['logger']>;
};

export async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates the group and login roles if missing and sets the login roles' passwords. */
export async function ensureRoles(client: pg.Client, secrets: Pick<Secrets, 'authenticatorPassword' | 'agentPassword'>): Promise<void> {
  const { rows: me } = await client.query<{ can: boolean }>('select rolsuper or rolcreaterole as can from pg_roles where rolname = current_user');
  if (!me[0]?.can) {
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from pg_roles where rolname in ('siem_anonymous', 'siem_analyst', 'siem_admin', 'siem_authenticator', 'siem_agent')",
    );
    if (rows[0]?.n === 5) return; // A DBA created them; their passwords are theirs to manage.
  }
  try {
    await client.query(readFileSync(dbDir + 'roles.sql', 'utf8'));
    for (const [role, password] of [
      [roles.authenticator, secrets.authenticatorPassword],
      [roles.agent, secrets.agentPassword],
    ] as const) {
      await client.query(`alter role ${client.escapeIdentifier(role)} with login password ${client.escapeLiteral(password)}`);
    }
  } catch (error) {
    const { rows } = await client.query<{ usr: string }>('select current_user as usr');
    throw new Error(
      `Could not create or update the siem_* roles as ${rows[0]?.usr}: ${(error as Error).message}. ` +
        'Connect as a role with CREATEROLE (or a superuser), or ask your DBA to run db/roles.sql and set passwords for siem_authenticator and siem_agent.',
      { cause: error },
    );
  }
}

/** On the embedded server: the owner role and the `siem` database, created by the superuser. */
export async function ensureOwnerAndDatabase(superuserUrl: string, secrets: Secrets, database = databaseName): Promise<void> {
  await withClient(superuserUrl, async (client) => {
    const owner = client.escapeIdentifier(roles.owner);
    const ownerExists = await client.query('select from pg_roles where rolname = $1', [roles.owner]);
    if (ownerExists.rowCount === 0) await client.query(`create role ${owner} login`);
    await client.query(`alter role ${owner} with login password ${client.escapeLiteral(secrets.ownerPassword)}`);
    const dbExists = await client.query('select from pg_database where datname = $1', [database]);
    if (dbExists.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)} owner ${owner}`);
    await ensureRoles(client, secrets);
  });
}

export interface MigrateOptions {
  ownerUrl: string;
  log?: (message: string) => void;
}

/** Installs graphile-worker's schema, then applies the committed graphile-migrate migrations. */
export async function migrateDatabase({ ownerUrl, log = () => {} }: MigrateOptions): Promise<void> {
  await runMigrations({ connectionString: ownerUrl, logger: quietWorkerLogger });
  log('graphile-worker schema is up to date');
  await migrate(
    {
      connectionString: ownerUrl,
      migrationsFolder: dbDir + 'migrations',
      placeholders: { ':DATABASE_OWNER': roles.owner },
      logger: new MigrateLogger(() => (level: string, message: string) => {
        if (level !== 'debug') log(message);
      }),
    },
    false,
    false,
  );
  // graphile-migrate keeps its pool for 200 ms after use and exits the process if an idle client
  // of that pool errors (e.g. the server restarts): wait until it has closed it.
  await new Promise((resolve) => setTimeout(resolve, 250));
  log('migrations applied');
}
