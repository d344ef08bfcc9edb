import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Secrets } from '../db/secrets.ts';
import { withClient } from '../db/setup.ts';
import { roles, withCredentials } from '../db/urls.ts';

export interface TestDatabaseInfo {
  superuserUrl: string;
  template: string;
  dataDir: string;
  secrets: Secrets;
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: TestDatabaseInfo;
  }
}

export interface TestDatabase {
  name: string;
  /** Secrets (and thus the agent's and authenticator's passwords) of the test server. */
  dataDir: string;
  urls: { superuser: string; owner: string; agent: string; authenticator: string };
  /** A superuser pool on this database; use `asRole` to test what a role may do. */
  pool: pg.Pool;
  /** Runs `work` in a transaction as `role` (with RLS applied), then rolls back. */
  asRole<T>(role: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

function onDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/' + database;
  return parsed.toString();
}

/** A fresh copy of the migrated template database, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { superuserUrl, template, dataDir, secrets } = inject('testDatabase');
  const name = `siem_test_${randomBytes(5).toString('hex')}`;
  await withClient(superuserUrl, async (client) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`create database ${name} template ${template} owner ${roles.owner}`);
        return;
      } catch (error) {
        // Two files copying the template at the same moment: try again shortly.
        if (attempt > 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  const urls = {
    superuser: onDatabase(superuserUrl, name),
    owner: withCredentials(superuserUrl, roles.owner, secrets.ownerPassword, name),
    agent: withCredentials(superuserUrl, roles.agent, secrets.agentPassword, name),
    authenticator: withCredentials(superuserUrl, roles.authenticator, secrets.authenticatorPassword, name),
  };
  const pool = new pg.Pool({ connectionString: urls.superuser, max: 4 });
  // drop() ends the database with (force): an idle client may still hear about it.
  pool.on('error', () => {});
  return {
    name,
    dataDir,
    urls,
    pool,
    async asRole(role, work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query(`set local role ${client.escapeIdentifier(role)}`);
        return await work(client);
      } finally {
        await client.query('rollback').catch(() => {});
        client.release();
      }
    },
    async drop() {
      await pool.end();
      await withClient(superuserUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export interface AgentDatabase {
  db: TestDatabase;
  /** Logged in as siem_agent, as the agent is. */
  agentPool: pg.Pool;
}

/** Registers hooks giving the test file its own database and an agent pool on it. */
export function useAgentDatabase(): AgentDatabase {
  const context = {} as AgentDatabase;
  beforeAll(async () => {
    context.db = await createTestDatabase();
    context.agentPool = new pg.Pool({ connectionString: context.db.urls.agent, max: 4 });
    context.agentPool.on('error', () => {});
  });
  afterAll(async () => {
    await context.agentPool.end();
    await context.db.drop();
  });
  return context;
}
