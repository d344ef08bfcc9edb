import type { Figure } from '../types.ts';

export interface DrillContext {
  quick: boolean;
  seed: number;
  workDir: string;
  log: (message: string) => void;
  /** Options only some drills read (e.g. the soak's --rate, --minutes). */
  options: { rate?: number; seconds?: number };
}

export interface DrillResult {
  ok: boolean;
  /** One line per check: what was sent, what is in events and quarantine, duplicates. */
  summary: string[];
  figures: Figure[];
}

export interface Drill {
  name: string;
  description: string;
  run(context: DrillContext): Promise<DrillResult>;
}
