import { createWriteStream, existsSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { sampleLine, seededRandom } from '../agent/demo.ts';

/**
 * A deterministic corpus of realistic lines (sshd, sudo, nginx, JSON app logs, firewall: the demo
 * mix), generated once per size and reused.
 */
export async function ensureCorpus(workDir: string, lines: number): Promise<{ file: string; bytes: number }> {
  const file = path.join(workDir, `corpus-${lines}.log`);
  if (!existsSync(file)) {
    const partial = file + '.partial';
    const out = createWriteStream(partial);
    const random = seededRandom(42);
    const start = Date.UTC(2026, 10, 24, 0, 0, 0);
    let chunk = '';
    for (let i = 0; i < lines; i++) {
      chunk += sampleLine(random, new Date(start + i * 10)).line + '\n';
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'finish');
    renameSync(partial, file);
  }
  return { file, bytes: statSync(file).size };
}
