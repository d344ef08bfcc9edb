import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { sendBatch } from '../../agent/batch_sender.ts';
import { withClient } from '../../db/setup.ts';
import { makeBatch } from '../../test/batches.ts';
import { account, describeAccounting, SentLines } from './account.ts';
import { siem, startDrillDatabase } from './cluster.ts';
import { seededRandom } from '../../agent/demo.ts';
import type { Drill } from './types.ts';

const dayOffset = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

interface Fingerprint { n: number; hash: string | null; attached: boolean; indexed: boolean }

/** Row count and order-independent hash of one day of a table, whether its partition is attached, and whether archive_index claims it. */
async function fingerprint(ownerUrl: string, table: string, day: string): Promise<Fingerprint> {
  return withClient(ownerUrl, async (client) => {
    const { rows } = await client.query(
      `select count(*)::int as n, md5(string_agg(md5(t::text), '' order by md5(t::text))) as hash from public.${table} t where ts >= $1::date and ts < $1::date + 1`,
      [day],
    );
    const attached = await client.query(`select 1 from pg_inherits where inhrelid = to_regclass($1) and inhparent = $2::regclass`, [`siem_partitions.${table}_p${day.replaceAll('-', '')}`, `public.${table}`]);
    const indexed = await client.query(`select 1 from archive_index where table_name = $1 and day = $2`, [table, day]);
    return { n: rows[0].n, hash: rows[0].hash, attached: attached.rowCount === 1, indexed: indexed.rowCount === 1 };
  });
}

/** A directory that runs out of space: a 1 MiB tmpfs when we may mount, else a directory we cannot write. */
function smallDisk(dir: string): { how: string; release: () => void } {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'tmpfs', dir], { stdio: 'pipe' });
    return { how: '1 MiB tmpfs', release: () => execFileSync('umount', [dir]) };
  } catch {
    try {
      execFileSync('mount', ['--bind', '-o', 'ro', dir, dir], { stdio: 'pipe' });
      return { how: 'read-only bind mount (no permission for tmpfs)', release: () => execFileSync('umount', [dir]) };
    } catch {
      rmSync(dir, { recursive: true, force: true });
      // A file where the archive folder should be: every mkdir/write below it fails (ENOTDIR).
      execFileSync('sh', ['-c', `: > "$0"`, dir]);
      return { how: 'a file in place of the folder (no permission to mount)', release: () => rmSync(dir, { force: true }) };
    }
  }
}

const walk = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  } catch {
    return [];
  }
};

/**
 * Disk full on the archive dir: `siem archive run` must fail (non-zero exit, the error named),
 * leave every partition attached with the same rows, record nothing in archive_index, and leave no
 * partial file; with room again, the next run archives them all.
 */
export const archiveDrill: Drill = {
  name: 'archive',
  description: 'disk full on the archive dir (1 MiB tmpfs): `siem archive run` fails cleanly, no row lost, archive_index claims nothing; then succeeds with room',
  async run({ quick, seed, workDir, log }) {
    const perDay = quick ? 40_000 : 100_000;
    const random = seededRandom(seed ^ 0xa2c);
    const dir = mkdtempSync(path.join(workDir, 'drill-archive-'));
    const database = await startDrillDatabase(workDir);
    const rawDay = dayOffset(-5); // events_raw past its 2-day retention, events not
    const oldDay = dayOffset(-40); // both past retention
    const parts: [string, string][] = [['events_raw', rawDay], ['events_raw', oldDay], ['events', oldDay], ['events', rawDay]];
    try {
      const sent = new SentLines();
      const pool = new pg.Pool({ connectionString: database.agentUrl, max: 2 });
      try {
        for (const day of [rawDay, oldDay]) {
          await withClient(database.ownerUrl, async (client) => {
            await client.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
            await client.query(`select siem_private.create_daily_partition('public.events', $1)`, [day]);
          });
          for (let start = 0; start < perDay; start += 10_000) {
            const lines = Array.from({ length: 10_000 }, (_, i) => {
              const noise = Array.from({ length: 6 }, () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')).join('');
              return `archive drill ${day} row ${start + i} user=u${Math.floor(random() * 5000)} token=${noise}`;
            });
            for (const line of lines) sent.add(line);
            await sendBatch(pool, 'drill-archive', makeBatch(lines, { timestamp: new Date(`${day}T12:00:00Z`), source: 'archive', agent: 'drill-archive' }));
          }
        }
      } finally {
        await pool.end();
      }
      const before = new Map<string, Fingerprint>();
      for (const [table, day] of parts) before.set(`${table} ${day}`, await fingerprint(database.ownerUrl, table, day));
      log(`seeded ${sent.total} lines on ${oldDay} and ${rawDay}: ${[...before].map(([k, f]) => `${k} ${f.n} rows`).join(', ')}`);

      const archiveDir = path.join(dir, 'archive');
      const disk = smallDisk(archiveDir);
      const env = { ...process.env, DATABASE_URL: database.ownerUrl, SIEM_DATA_DIR: path.join(dir, 'data'), SIEM_ARCHIVE_DIR: archiveDir, SIEM_RAW_RETENTION_DAYS: '2', SIEM_EVENT_RETENTION_DAYS: '30' };
      let full: ReturnType<typeof spawnSync>;
      let leftovers: string[];
      try {
        full = spawnSync(siem, ['archive', 'run'], { env, encoding: 'utf8', timeout: 300_000 });
        leftovers = walk(archiveDir);
      } finally {
        disk.release();
      }
      const output = `${full.stdout}${full.stderr}`.trim().split('\n').filter((l) => /archiv|fail|ENOSPC|space/i.test(l));
      log(`archive dir on a ${disk.how}: \`siem archive run\` exited ${full.status}`);
      for (const line of output) log(`  | ${line.slice(0, 200)}`);
      const checks: string[] = [];
      let clean = full.status !== 0;
      if (full.status === 0) checks.push('the run exited 0 on a full disk: FAILED');
      for (const [table, day] of parts) {
        const key = `${table} ${day}`;
        const was = before.get(key)!;
        const now = await fingerprint(database.ownerUrl, table, day);
        // A day that did fit may be archived; a day that did not must be untouched and unclaimed.
        const archivedWhole = now.indexed && !now.attached && now.n === 0;
        const untouched = !now.indexed && now.attached && now.n === was.n && now.hash === was.hash;
        if (!archivedWhole && !untouched) clean = false;
        checks.push(`${key}: ${was.n} rows before, ${now.n} after, attached ${now.attached}, in archive_index ${now.indexed}: ${untouched ? 'untouched' : archivedWhole ? 'archived (it fitted)' : 'DAMAGED'}`);
      }
      const partial = leftovers.filter((f) => f.endsWith('.partial'));
      if (partial.length > 0) clean = false;
      checks.push(`files left in the full archive dir: ${leftovers.length} (${partial.length} partial)`);
      const accounting = await account(database.ownerUrl, 'drill-archive', sent);

      // With room again, the same command archives what the full disk refused.
      const roomy = spawnSync(siem, ['archive', 'run'], { env, encoding: 'utf8', timeout: 300_000 });
      let recovered = roomy.status === 0;
      const expectArchived = parts.filter(([table, day]) => !(table === 'events' && day === rawDay));
      for (const [table, day] of expectArchived) {
        const row = await withClient(database.ownerUrl, (c) => c.query<{ row_count: string }>('select row_count from archive_index where table_name = $1 and day = $2', [table, day]));
        const n = Number(row.rows[0]?.row_count ?? -1);
        if (n !== before.get(`${table} ${day}`)!.n) recovered = false;
        checks.push(`with room: ${table} ${day} archived with ${n} rows (had ${before.get(`${table} ${day}`)!.n})`);
      }
      if (!recovered) checks.push(`the run with room exited ${roomy.status}: ${roomy.stderr.slice(0, 300)}`);
      return {
        ok: clean && accounting.ok && recovered,
        summary: [...checks, `before the run with room: ${describeAccounting(accounting)}`, `disk full handled cleanly: ${clean ? 'yes' : 'NO'}; archived once room was back: ${recovered ? 'yes' : 'NO'}`],
        figures: [
          { name: 'drill.archive_full_exit', value: full.status ?? -1, unit: 'code', note: `siem archive run with the archive dir on a ${disk.how}; must be non-zero` },
          { name: 'drill.archive_rows_lost', value: accounting.missing + accounting.duplicates, unit: 'rows', note: 'after the failed run; must be 0' },
          { name: 'drill.archive_clean', value: clean && recovered ? 1 : 0, unit: 'bool', note: 'partitions untouched and unclaimed, no partial file, archived later with room' },
        ],
      };
    } finally {
      await database.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
