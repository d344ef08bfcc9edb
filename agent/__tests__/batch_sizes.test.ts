import { describe, expect, it } from 'vitest';
import { batchTarget, minTailBatchLines } from '../batch_sizes.ts';

/** The batch sizes a whole input of `lines` is cut into, each decided when its batch starts. */
function cut(lines: number, maxLines: number, connections: number): number[] {
  const sizes: number[] = [];
  for (let left = lines; left > 0; ) {
    const size = Math.min(left, batchTarget({ maxLines, connections, remainingLines: left }));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

describe('batchTarget', () => {
  it('keeps full batches on a stream of unknown length and on one connection', () => {
    expect(batchTarget({ maxLines: 20_000, connections: 2, remainingLines: undefined })).toBe(20_000);
    expect(batchTarget({ maxLines: 20_000, connections: 1, remainingLines: 30_000 })).toBe(20_000);
  });

  it('gives each connection its share of a file shorter than a batch per connection', () => {
    expect(cut(20_087, 20_000, 2)).toEqual([10_044, 5_022, 2_511, 2_000, 510]);
    expect(cut(20_087, 20_000, 2).slice(0, 2).reduce((a, b) => a + b)).toBeGreaterThan(15_000);
  });

  it('sends full batches until the end is near, then shrinking ones', () => {
    const sizes = cut(480_356, 20_000, 2);
    expect(sizes.slice(0, 22)).toEqual(Array(22).fill(20_000));
    expect(sizes.reduce((a, b) => a + b)).toBe(480_356);
    for (let i = 1; i < sizes.length - 1; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]!);
    expect(sizes.at(-2)).toBe(minTailBatchLines);
  });

  it('never goes below the floor, nor above the configured size', () => {
    expect(batchTarget({ maxLines: 20_000, connections: 2, remainingLines: 100 })).toBe(minTailBatchLines);
    expect(batchTarget({ maxLines: 500, connections: 2, remainingLines: 300 })).toBe(500);
    expect(batchTarget({ maxLines: 20_000, connections: 4, remainingLines: 1_000_000 })).toBe(20_000);
  });
});
