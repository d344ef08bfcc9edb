import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { freePort } from '../../test/free_port.ts';
import { baseBackup, findBackup, findPgTools, listBackups, logicalBackup, pruneBackups, restoreBase, restoreLogical, walArchiveDir, walSegmentOf } from '../backup.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../embedded.ts';
import { loadOrCreateSecrets, type Secrets } from '../secrets.ts';
import { ensureOwnerAndDatabase, migrateDatabase, withClient } from '../setup.ts';
import { roles, withCredentials } from '../urls.ts';

// Its own server: WAL archiving must be on from the start, and the test restores its data directory.
const dataDir = mkdtempSync(path.join(tmpdir(), 'siem-backup-'));
const backupDir = path.join(dataDir, 'backups');
let secrets: Secrets;
let server: EmbeddedServer;
let ownerUrl: string;
let agentPool: pg.Pool;

beforeAll(async () => {
  secrets = loadOrCreateSecrets(dataDir);
  server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    superuserPassword: secrets.superuserPassword,
    walArchiveDir: walArchiveDir(backupDir),
    settings: { fsync: 'off', shared_buffers: '128MB' },
  });
  await ensureOwnerAndDatabase(server.superuserUrl, secrets, 'siem');
  ownerUrl = withCredentials(server.superuserUrl, roles.owner, secrets.ownerPassword, 'siem');
  await migrateDatabase({ ownerUrl });
  agentPool = new pg.Pool({ connectionString: withCredentials(server.superuserUrl, roles.agent, secrets.agentPassword, 'siem'), max: 2 });
  await sendBatch(agentPool, 'backup-test', makeBatch(['{"user":"alice","action":"login"}', 'sshd[1]: Failed password for bob', '   '], { source: 'seed' }));
});

afterAll(async () => {
  await agentPool?.end();
  await server?.stop();
  if (!process.env.KEEP_BACKUP_TEST) rmSync(dataDir, { recursive: true, force: true });
});

/** Row count and an order-independent content hash of every ordinary table of a database. */
async function fingerprints(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname !~ '^pg_' and n.nspname <> 'information_schema' order by 1`,
    );
    const result: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query(`select count(*) || ':' || coalesce(md5(string_agg(md5(t::text), '' order by md5(t::text))), '-') as f from ${name} t`);
      result[name] = rows[0].f;
    }
    return result;
  });
}

const superuserOn = (database: string) => withCredentials(server.superuserUrl, 'postgres', secrets.superuserPassword, database);

describe('backups', () => {
  it('a logical backup restores into a fresh database with identical tables', async () => {
    const backup = await logicalBackup({ backupDir, ownerUrl, replicationUrl: server.superuserUrl });
    expect(backup.kind).toBe('logical');
    expect(listBackups(backupDir).map((b) => b.name)).toContain(backup.name);
    await restoreLogical({
      backup: findBackup(backupDir, backup.name),
      adminUrl: server.superuserUrl,
      ownerUrl,
      owner: roles.owner,
      database: 'siem_restored',
    });
    const original = await fingerprints(superuserOn('siem'));
    const restored = await fingerprints(superuserOn('siem_restored'));
    expect(Object.keys(original).length).toBeGreaterThan(10);
    expect(original['public.ingest_batches']).toMatch(/^1:/);
    expect(restored).toEqual(original);
    await expect(
      restoreLogical({ backup, adminUrl: server.superuserUrl, ownerUrl, owner: roles.owner, database: 'siem_restored' }),
    ).rejects.toThrow(/exists already/);
  });

  it('a base backup plus archived WAL restores to a moment between two ingests', async () => {
    const backup = await baseBackup({ backupDir, ownerUrl, replicationUrl: server.superuserUrl });
    expect(backup.kind).toBe('base');

    await sendBatch(agentPool, 'backup-test', makeBatch(['first line one', 'first line two'], { source: 'first' }));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const target = await withClient(ownerUrl, (c) => c.query<{ now: Date }>('select clock_timestamp() as now'));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await sendBatch(agentPool, 'backup-test', makeBatch(['second line'], { source: 'second' }));
    // Close the WAL segment holding the second batch and wait until it is archived.
    await withClient(server.superuserUrl, async (c) => {
      const { rows } = await c.query<{ wal: string }>('select pg_walfile_name(pg_switch_wal()) as wal');
      for (let i = 0; i < 200; i++) {
        const archived = await c.query<{ last: string | null }>('select last_archived_wal as last from pg_stat_archiver');
        if ((archived.rows[0]?.last ?? '') >= rows[0]!.wal) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the WAL segment was not archived');
    });

    const restoredDir = path.join(dataDir, 'restored');
    const result = await restoreBase({
      backup,
      backupDir,
      targetDataDir: restoredDir,
      toTime: target.rows[0]!.now,
      sourceDataDir: dataDir,
      superuserPassword: secrets.superuserPassword,
      port: await freePort(),
    });
    expect(result.recoveredTo).not.toBeNull();

    const restored = await startEmbeddedPostgres({ dataDir: restoredDir, port: await freePort(), superuserPassword: loadOrCreateSecrets(restoredDir).superuserPassword });
    try {
      const counts = await withClient(withCredentials(restored.superuserUrl, 'postgres', secrets.superuserPassword, 'siem'), async (c) => {
        const { rows } = await c.query(`select source, count(*)::int as n from public.events_raw group by source order by source`);
        // Promoted: it takes writes.
        await c.query('create table public.restore_probe (x int)');
        return Object.fromEntries(rows.map((row) => [row.source, row.n]));
      });
      expect(counts).toEqual({ first: 2, seed: 3 });
    } finally {
      await restored.stop();
    }
  });

  it('says what to install when no pg_dump can back up the server', async () => {
    await expect(findPgTools(99)).rejects.toThrow(/PostgreSQL 99 server need pg_dump, pg_restore and pg_basebackup 99 or newer\. (Found only pg_dump \d+|Found no pg_dump).*apt-get install postgresql-client-99.*SIEM_PG_BIN_DIR/);
    expect((await findPgTools(15)).major).toBeGreaterThanOrEqual(15);
  });

  it('keeps the newest backups and the WAL they need', async () => {
    expect(walSegmentOf('0/3000028')).toBe('0000000000000003');
    expect(walSegmentOf('1A/FF000000')).toBe('0000001A000000FF');
    const before = listBackups(backupDir).filter((b) => b.kind === 'base');
    const newest = await baseBackup({ backupDir, ownerUrl, replicationUrl: server.superuserUrl });
    const pruned = pruneBackups(backupDir, 1);
    expect(pruned.backups).toEqual(before.map((b) => b.name));
    expect(pruned.walSegments).toBeGreaterThan(0);
    expect(listBackups(backupDir).map((b) => b.name)).toEqual(expect.arrayContaining([newest.name]));
    expect(before.every((b) => !existsSync(b.path))).toBe(true);
    const remaining = readdirSync(walArchiveDir(backupDir)).filter((f) => !f.includes('.history'));
    expect(remaining.length).toBeGreaterThan(0);
  });
});
