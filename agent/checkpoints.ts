import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileDurably } from './durable_file.ts';

/**
 * Where each source resumes (file offsets, HTTP cursors, Windows record ids), keyed by source.
 * Persisted only after the batch that carried a position committed in PostgreSQL.
 */
export class CheckpointStore {
  private readonly file: string;
  private readonly positions: Record<string, unknown>;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.file = path.join(stateDir, 'checkpoints.json');
    this.positions = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as { positions: Record<string, unknown> }).positions : {};
  }

  get(key: string): unknown {
    return this.positions[key];
  }

  all(): Readonly<Record<string, unknown>> {
    return this.positions;
  }

  /** Applies the positions of a committed batch and writes them to disk before returning. */
  commit(positions: Record<string, unknown>): void {
    if (Object.keys(positions).length === 0) return;
    Object.assign(this.positions, positions);
    writeFileDurably(this.file, [JSON.stringify({ positions: this.positions })]);
  }

  /** Forgets positions no source can use any more (e.g. files deleted long ago). */
  forget(keys: string[]): void {
    if (keys.length === 0) return;
    for (const key of keys) delete this.positions[key];
    writeFileDurably(this.file, [JSON.stringify({ positions: this.positions })]);
  }
}
