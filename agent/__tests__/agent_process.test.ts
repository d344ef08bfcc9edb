import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useAgentDatabase } from '../../test/database.ts';
import { rawOf, tempDir, waitForRaw, writeConfig } from './helpers.ts';

const context = useAgentDatabase();
const siem = path.resolve(import.meta.dirname, '../../bin/siem');
let work: ReturnType<typeof tempDir>;

beforeAll(() => {
  work = tempDir('process');
});
afterAll(() => work.remove());

function run(configFile: string): { child: ChildProcess; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(siem, ['agent', '--config', configFile], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))), stderr: () => stderr };
}

describe('siem agent (the command)', () => {
  it('reads standard input and exits once everything is stored', async () => {
    const configFile = path.join(work.dir, 'stdin.yaml');
    writeConfig(configFile, context.db.urls.agent, { state_dir: 'state-stdin', stdin: { source: 'piped', host: 'pipe-host' } });
    const agent = run(configFile);
    const lines = Array.from({ length: 1000 }, (_, i) => `piped line ${i}`);
    agent.child.stdin!.end(lines.join('\n') + '\n');
    expect(await agent.exit).toBe(0);
    expect((await rawOf(context.db.pool, 'piped')).sort()).toEqual(lines.sort());
    // Structured logs: every stderr line is a JSON object.
    const records = agent.stderr().trim().split('\n').map((line) => JSON.parse(line) as { msg: string });
    expect(records.map((r) => r.msg)).toContain('stdin ended');
  });

  it('applies a changed agent.yaml on SIGHUP, and the running sources resume where they were', async () => {
    const first = path.join(work.dir, 'first.log');
    const second = path.join(work.dir, 'second.log');
    writeFileSync(first, 'first 1\nfirst 2\n');
    writeFileSync(second, 'second 1\n');
    const configFile = path.join(work.dir, 'hup.yaml');
    const fileSource = (paths: string[]) => ({ paths, source: 'hup', start_at: 'beginning', poll_ms: 20 });
    writeConfig(configFile, context.db.urls.agent, { state_dir: 'state-hup', files: [fileSource([first])] });
    const agent = run(configFile);
    try {
      await waitForRaw(context.db.pool, 'hup', 2);
      writeConfig(configFile, context.db.urls.agent, { state_dir: 'state-hup', files: [fileSource([first, second])], log: { level: 'debug' } });
      agent.child.kill('SIGHUP');
      appendFileSync(first, 'first 3\n');
      const stored = await waitForRaw(context.db.pool, 'hup', 4);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await rawOf(context.db.pool, 'hup')).length).toBe(4);
      expect(stored.sort()).toEqual(['first 1', 'first 2', 'first 3', 'second 1']);
      expect(agent.stderr()).toContain('configuration reloaded');
    } finally {
      agent.child.kill('SIGTERM');
      expect(await agent.exit).toBe(0);
    }
  });
});
