import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { loadOrCreateSecrets } from '../db/secrets.ts';
import { ensureOwnerAndDatabase, migrateDatabase, withClient } from '../db/setup.ts';
import { roles, withCredentials } from '../db/urls.ts';
import type { TestDatabaseInfo } from './database.ts';
import { freePort } from './free_port.ts';

/**
 * Boots an embedded PostgreSQL on a free port (or uses TEST_DATABASE_URL, a superuser URL of a
 * disposable server), migrates a template database once; each test file then copies it.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'siem-test-'));
  const secrets = loadOrCreateSecrets(dataDir);
  let superuserUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!superuserUrl) {
    const server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      superuserPassword: secrets.superuserPassword,
      // Test data is disposable: skip the fsyncs.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_buffers: '128MB' },
    });
    superuserUrl = server.superuserUrl;
    stopServer = () => server.stop();
  }
  const template = `siem_test_template_${process.pid}`;
  await withClient(superuserUrl, (client) => client.query(`drop database if exists ${template}`));
  await ensureOwnerAndDatabase(superuserUrl, secrets, template);
  await migrateDatabase({ ownerUrl: withCredentials(superuserUrl, roles.owner, secrets.ownerPassword, template) });

  const info: TestDatabaseInfo = { superuserUrl, template, dataDir, secrets };
  project.provide('testDatabase', info);

  return async () => {
    await withClient(superuserUrl, (client) => client.query(`drop database if exists ${template} with (force)`)).catch(() => {});
    await stopServer();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
