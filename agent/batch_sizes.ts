export interface BatchTargetInput {
  /** The configured batch size. */
  maxLines: number;
  /** Batches in flight at once, each on its own connection. */
  connections: number;
  /**
   * Lines still to be sent, the new batch's included, when the input's length is known (a file);
   * undefined for a stream without end (a tailed file, syslog, stdin).
   */
  remainingLines: number | undefined;
}

/** Below this, a batch's fixed cost (its transaction, the trigger's statements) outweighs the balance. */
export const minTailBatchLines = 2000;

/**
 * How many lines a new batch takes. Full batches, except at the end of an input of known length:
 * there each batch takes its share of what is left (guided self-scheduling), so the connections
 * finish together instead of one running the last full batch while the others wait. A 20,000-line
 * file then goes as two batches of 10,000 on two connections, not as one of 20,000.
 */
export function batchTarget({ maxLines, connections, remainingLines }: BatchTargetInput): number {
  if (remainingLines === undefined || connections <= 1) return maxLines;
  const share = Math.ceil(remainingLines / connections);
  return Math.min(maxLines, Math.max(Math.min(minTailBatchLines, maxLines), share));
}
