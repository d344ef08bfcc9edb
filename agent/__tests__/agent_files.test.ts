import { appendFileSync, copyFileSync, mkdirSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import type { Agent } from '../agent.ts';
import { rawOf, startAgent, tempDir, waitFor, waitForRaw } from './helpers.ts';

const context = useAgentDatabase();
let work: ReturnType<typeof tempDir>;
let agent: Agent | undefined;

beforeEach(() => {
  work = tempDir('files');
});
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  work.remove();
});

const lines = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix} line ${from + i}`);
const text = (items: string[]) => items.map((line) => line + '\n').join('');

describe('agent: files', () => {
  it('reads from the beginning, follows appends, a rename rotation and a copytruncate rotation, without loss or repeats', async () => {
    const log = path.join(work.dir, 'app.log');
    writeFileSync(log, text(lines('a', 0, 100)));
    agent = await startAgent(work.dir, context.db.urls.agent, {
      files: [{ paths: [path.join(work.dir, '*.log')], source: 'rot', start_at: 'beginning', poll_ms: 20, close_after_ms: 300 }],
    });
    await waitForRaw(context.db.pool, 'rot', 100);
    appendFileSync(log, text(lines('a', 100, 150)));
    await waitForRaw(context.db.pool, 'rot', 150);

    // Rename rotation: the old file gets lines after the rename, the new file has its own.
    renameSync(log, path.join(work.dir, 'app.log.1'));
    appendFileSync(path.join(work.dir, 'app.log.1'), text(lines('a', 150, 160)));
    writeFileSync(log, text(lines('b', 0, 40)));
    await waitForRaw(context.db.pool, 'rot', 200);

    // copytruncate: copy away (not matched by *.log), truncate, write again.
    appendFileSync(log, text(lines('b', 40, 50)));
    await waitForRaw(context.db.pool, 'rot', 210);
    copyFileSync(log, path.join(work.dir, 'app.log.2'));
    truncateSync(log, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    appendFileSync(log, text(lines('c', 0, 30)));
    const stored = await waitForRaw(context.db.pool, 'rot', 240);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await rawOf(context.db.pool, 'rot')).length).toBe(240);
    expect(stored.sort()).toEqual([...lines('a', 0, 160), ...lines('b', 0, 50), ...lines('c', 0, 30)].sort());
    expect(await agent.metrics!.registry.getSingleMetricAsString('siem_agent_file_rotations_total')).toMatch(/kind="renamed"} 1[\s\S]*kind="truncated"} 1/);
  });

  it('starts existing files at the end by default, reads files that appear later from their start, and resumes from checkpoints after a restart', async () => {
    const old = path.join(work.dir, 'old.log');
    writeFileSync(old, text(lines('old', 0, 20)));
    const settings = { files: [{ paths: [path.join(work.dir, '*.log')], source: 'late', poll_ms: 20 }] };
    agent = await startAgent(work.dir, context.db.urls.agent, settings);
    await waitFor(async () => agent!.metrics!.filesOpen.get().then((m) => m.values[0]?.value === 1), 'the file to be open');
    appendFileSync(old, text(lines('old', 20, 25)));
    writeFileSync(path.join(work.dir, 'new.log'), text(lines('new', 0, 10)));
    await waitForRaw(context.db.pool, 'late', 15);
    await agent.stop();
    agent = undefined;

    // Written while the agent is down: read once it is back, and nothing twice.
    appendFileSync(old, text(lines('old', 25, 30)));
    appendFileSync(path.join(work.dir, 'new.log'), text(lines('new', 10, 12)));
    agent = await startAgent(work.dir, context.db.urls.agent, settings);
    const stored = await waitForRaw(context.db.pool, 'late', 22);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await rawOf(context.db.pool, 'late')).length).toBe(22);
    expect(stored.sort()).toEqual([...lines('old', 20, 30), ...lines('new', 0, 12)].sort());
  });

  it('joins multi-line events and keeps an unfinished line until its LF', async () => {
    const log = path.join(work.dir, 'java.log');
    writeFileSync(log, '');
    agent = await startAgent(work.dir, context.db.urls.agent, {
      files: [{ paths: [log], source: 'java', start_at: 'beginning', poll_ms: 20, multiline: { start: '^\\d{4}-', timeout_ms: 200 } }],
    });
    await waitFor(async () => agent!.metrics!.filesOpen.get().then((m) => m.values[0]?.value === 1), 'the file to be open');
    appendFileSync(log, '2026-11-24 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.b(C.java:1)\n2026-11-24 INFO ok\n2026-11-24 INFO part');
    const first = await waitForRaw(context.db.pool, 'java', 2);
    expect(first).toEqual(['2026-11-24 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.b(C.java:1)', '2026-11-24 INFO ok']);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await rawOf(context.db.pool, 'java')).toHaveLength(2);
    appendFileSync(log, 'ial\n');
    expect((await waitForRaw(context.db.pool, 'java', 3))[2]).toBe('2026-11-24 INFO partial');
  });

  it('records each batch in ingest_batches with its line count', async () => {
    const log = path.join(work.dir, 'b.log');
    writeFileSync(log, text(lines('x', 0, 25)));
    agent = await startAgent(work.dir, context.db.urls.agent, {
      batch: { max_lines: 10, max_delay_ms: 50 },
      files: [{ paths: [log], source: 'batches', start_at: 'beginning', poll_ms: 20 }],
    });
    await waitForRaw(context.db.pool, 'batches', 25);
    const { rows } = await context.db.pool.query<{ line_count: number; n: string }>(
      `select b.line_count, count(r.*) as n from ingest_batches b join events_raw r on r.batch_id = b.id
       where r.source = 'batches' group by b.id, b.line_count order by b.line_count desc`,
    );
    expect(rows.map((row) => [row.line_count, Number(row.n)])).toEqual([
      [10, 10],
      [10, 10],
      [5, 5],
    ]);
  });
});

describe('agent: file checkpoints', () => {
  it('reads a file from its start when its checkpoint has another fingerprint (reused inode, or truncated while the agent was down)', async () => {
    const log = path.join(work.dir, 'reused.log');
    writeFileSync(log, text(lines('new', 0, 5)));
    const { dev, ino } = statSync(log);
    mkdirSync(path.join(work.dir, 'state'), { recursive: true });
    // A checkpoint left by an earlier file that had this inode: same key, other first bytes.
    writeFileSync(path.join(work.dir, 'state', 'checkpoints.json'), JSON.stringify({ positions: { [`file:${dev}:${ino}`]: { path: log, offset: 30, fpLen: 10, fp: 'not-this-file' } } }));
    agent = await startAgent(work.dir, context.db.urls.agent, { files: [{ paths: [log], source: 'reused', start_at: 'end', poll_ms: 20 }] });
    expect((await waitForRaw(context.db.pool, 'reused', 5)).sort()).toEqual(lines('new', 0, 5));
  });
});
