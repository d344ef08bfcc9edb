import { relativeRanges } from '../lib/time.ts';

/** The relative ranges as the `<option>`s of a range `<select>`. */
export function RangeOptions() {
  return (
    <>
      {relativeRanges.map((r) => (
        <option key={r.value} value={r.value}>
          {r.label}
        </option>
      ))}
    </>
  );
}
