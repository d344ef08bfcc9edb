import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Writes a file so that after a crash it holds either the old or the new content, whole. */
export function writeFileDurably(file: string, parts: (string | Buffer)[]): void {
  const temporary = `${file}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    for (const part of parts) {
      const buffer = typeof part === 'string' ? Buffer.from(part) : part;
      let written = 0;
      while (written < buffer.length) written += writeSync(fd, buffer, written, buffer.length - written);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  // The rename itself is durable only once the directory is synced.
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
