import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { loadOrCreateSecrets, type Secrets } from '../db/secrets.ts';
import { ensureOwnerAndDatabase, migrateDatabase, withClient } from '../db/setup.ts';
import { roles, withCredentials } from '../db/urls.ts';
import { freePort } from '../test/free_port.ts';

export interface BenchDatabase {
  ownerUrl: string;
  /** A superuser on the same server (the embedded one's, or BENCH_DATABASE_URL), connected to `postgres`. */
  superuserUrl: string;
  agentUrl: string;
  authenticatorUrl: string;
  secrets: Secrets;
  dataDir: string;
  serverVersion: string;
  stop(): Promise<void>;
}

/**
 * A fresh, migrated database on a fresh embedded server with the production settings (or on the
 * server of BENCH_DATABASE_URL, a superuser URL), so every run starts from the same state.
 */
export async function startBenchDatabase(workDir: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(workDir, 'pg-'));
  const secrets = loadOrCreateSecrets(dataDir);
  let superuserUrl = process.env.BENCH_DATABASE_URL;
  let stopServer = async () => {};
  if (!superuserUrl) {
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), superuserPassword: secrets.superuserPassword });
    superuserUrl = server.superuserUrl;
    stopServer = () => server.stop();
  }
  const name = `siem_bench_${process.pid}`;
  await withClient(superuserUrl, (client) => client.query(`drop database if exists ${name}`));
  await ensureOwnerAndDatabase(superuserUrl, secrets, name);
  const ownerUrl = withCredentials(superuserUrl, roles.owner, secrets.ownerPassword, name);
  await migrateDatabase({ ownerUrl });
  const serverVersion = await withClient(ownerUrl, async (client) => (await client.query('show server_version')).rows[0].server_version as string);
  return {
    ownerUrl,
    superuserUrl,
    agentUrl: withCredentials(superuserUrl, roles.agent, secrets.agentPassword, name),
    authenticatorUrl: withCredentials(superuserUrl, roles.authenticator, secrets.authenticatorPassword, name),
    secrets,
    dataDir,
    serverVersion,
    async stop() {
      await withClient(superuserUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).catch(() => {});
      await stopServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
