import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sendBatch } from '../../agent/batch_sender.ts';
import { makeBatch } from '../../test/batches.ts';
import { useAgentDatabase } from '../../test/database.ts';
import { archiveFile, runArchive } from '../archive.ts';

const context = useAgentDatabase();
const workDir = mkdtempSync(path.join(tmpdir(), 'siem-archive-full-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const day = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
const settings = { archiveDir: path.join(workDir, 'archive'), rawRetentionDays: 2, eventRetentionDays: 30 };

async function dayState() {
  const { rows } = await context.db.pool.query(
    `select (select count(*)::int from public.events_raw where ts >= $1::date and ts < $1::date + 1) as n,
            exists (select 1 from pg_inherits where inhrelid = to_regclass($2) and inhparent = 'public.events_raw'::regclass) as attached,
            exists (select 1 from public.archive_index where table_name = 'events_raw' and day = $1::date) as indexed`,
    [day, `siem_partitions.events_raw_p${day.replaceAll('-', '')}`],
  );
  return rows[0] as { n: number; attached: boolean; indexed: boolean };
}

// /dev/full answers every write with ENOSPC, like a full disk; the drill (`npm run drill -- archive`) uses a real 1 MiB tmpfs.
describe.skipIf(!existsSync('/dev/full'))('archive run on a full disk', () => {
  it('fails that day, keeps the partition attached with its rows, claims nothing, and leaves the connection usable', async () => {
    const { pool } = context.db;
    await pool.query(`select siem_private.create_daily_partition('public.events_raw', $1)`, [day]);
    await pool.query(`select siem_private.create_daily_partition('public.events', $1)`, [day]);
    // Enough rows that the COPY is still streaming when the first write fails.
    for (let b = 0; b < 4; b++) {
      const lines = Array.from({ length: 5000 }, (_, i) => `disk full ${b}-${i} ${Math.random().toString(36).repeat(4)}`);
      await sendBatch(context.agentPool, 'archive-full', makeBatch(lines, { timestamp: new Date(`${day}T12:00:00Z`), source: 'full' }));
    }
    const before = await dayState();
    expect(before).toEqual({ n: 20_000, attached: true, indexed: false });

    const partial = `${archiveFile(path.resolve(settings.archiveDir), 'events_raw', day)}.partial`;
    mkdirSync(path.dirname(partial), { recursive: true });
    symlinkSync('/dev/full', partial);

    const client = await pool.connect();
    try {
      const result = await runArchive(client, settings);
      expect(result.ran).toBe(true);
      expect(result.failed).toEqual([expect.objectContaining({ table: 'events_raw', day, error: expect.stringMatching(/ENOSPC|no space/i) })]);
      expect(result.archived).toEqual([]);
      // The same connection answers at once: it is not stuck inside the COPY.
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    } finally {
      client.release();
    }
    expect(await dayState()).toEqual(before);
    expect(readdirSync(path.dirname(partial))).toEqual([]);

    // With room again, the next run archives the day.
    const second = await pool.connect();
    const again = await runArchive(second, settings).finally(() => second.release());
    expect(again.failed).toEqual([]);
    expect(again.archived.map((a) => `${a.table} ${a.day} ${a.rows}`)).toEqual([`events_raw ${day} 20000`]);
    expect(await dayState()).toEqual({ n: 0, attached: false, indexed: true });
  }, 60_000);
});
