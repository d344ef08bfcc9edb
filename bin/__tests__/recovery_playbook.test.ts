import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { loadOrCreateSecrets } from '../../db/secrets.ts';
import { withClient } from '../../db/setup.ts';
import { freePort } from '../../test/free_port.ts';

// Runs the command blocks of docs/recovery.md marked <!-- playbook:<step> --> exactly as written,
// with `npx siem` meaning this checkout's bin/siem, against an embedded server in a temporary directory.
const root = path.resolve(import.meta.dirname, '../..');
const siem = path.join(root, 'bin/siem');
const doc = readFileSync(path.join(root, 'docs/recovery.md'), 'utf8');
const workDir = mkdtempSync(path.join(tmpdir(), 'siem-playbook-'));
// As root, PostgreSQL runs as the postgres user, which must be able to traverse to the data directories.
chmodSync(workDir, 0o755);
const dataDir = path.join(workDir, 'siem');
let env: NodeJS.ProcessEnv;

function block(step: string): string {
  const match = new RegExp(`<!-- playbook:${step} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!match) throw new Error(`docs/recovery.md has no playbook:${step} block`);
  return match[1]!;
}

function shell(script: string, extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const prelude = `set -euo pipefail\nnpx() { if [ "$1" = siem ]; then shift; ${JSON.stringify(siem)} "$@"; else command npx "$@"; fi; }\n`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', prelude + script], { env: { ...env, ...extra }, cwd: workDir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ingest(source: string, lines: string[]) {
  const file = path.join(workDir, `${source}.log`);
  writeFileSync(file, lines.join('\n') + '\n');
  const result = await shell(`npx siem ingest ${JSON.stringify(file)} --source ${source} --no-progress`);
  expect(result.code, result.stderr).toBe(0);
}

/** Lines per source in events_raw of a data directory (or of another database on it). */
async function countsIn(siemDataDir: string, database = 'siem'): Promise<Record<string, number>> {
  const server = await startEmbeddedPostgres({ dataDir: siemDataDir, port: await freePort(), superuserPassword: loadOrCreateSecrets(siemDataDir).superuserPassword });
  try {
    const url = server.superuserUrl.replace(/\/postgres$/, `/${database}`);
    return await withClient(url, async (client) => {
      const { rows } = await client.query('select source, count(*)::int as n from public.events_raw group by source order by source');
      return Object.fromEntries(rows.map((row) => [row.source, row.n]));
    });
  } finally {
    await server.stop();
  }
}

beforeAll(async () => {
  env = { ...process.env, DATABASE_URL: '', SIEM_DATA_DIR: dataDir, SIEM_PG_PORT: String(await freePort()), SIEM_METRICS_PORT: '0' };
  const migrated = await shell('npx siem migrate');
  expect(migrated.code, migrated.stderr).toBe(0);
  await ingest('seed', ['seed one', 'seed two', 'seed three']);
}, 120_000);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('docs/recovery.md playbook', () => {
  it('backs up, restores to a moment between two ingests, switches to it, and restores the logical backup', async () => {
    const backup = await shell(block('backup'));
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/^logical backup logical-\S+: /m);
    expect(backup.stdout).toMatch(/^base backup base-\S+: /m);
    expect(backup.stdout).toMatch(/^WAL archived up to segment [0-9A-F]{24}/m);
    expect(backup.stdout).toMatch(/^base-\S+\tbase\t/m);

    await ingest('first', ['first one', 'first two']);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const targetTime = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await ingest('second', ['second one']);

    const pitr = await shell(block('pitr'), { TARGET_TIME: targetTime });
    expect(pitr.code, pitr.stderr).toBe(0);
    expect(pitr.stdout).toContain(`into ${dataDir}-restored`);
    expect(await countsIn(`${dataDir}-restored`)).toEqual({ first: 2, seed: 3 });

    const switched = await shell(block('switch'));
    expect(switched.code, switched.stderr).toBe(0);
    expect(await countsIn(dataDir)).toEqual({ first: 2, seed: 3 });
    // The restored server continues on a new timeline and archives into the same WAL archive.
    expect(readFileSync(path.join(dataDir, 'postgres.log'), 'utf8')).not.toMatch(/archive command failed/);
    expect(readdirSync(path.join(dataDir, 'backups', 'wal')).some((file) => /^00000002.*\.gz$/.test(file))).toBe(true);

    const logical = await shell(block('logical'));
    expect(logical.code, logical.stderr).toBe(0);
    expect(logical.stdout).toContain('into the new database siem_restored');
    expect(await countsIn(dataDir, 'siem_restored')).toEqual({ seed: 3 });
  }, 240_000);
});
