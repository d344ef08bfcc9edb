import { useEffect, useId, useRef, useState } from 'react';
import { describeRange, fromInputValue, relativeRanges, resolveRange, toInputValue, type TimeRange } from '../lib/time.ts';

/** Relative ranges in one click, or an absolute UTC range; Escape closes it. */
export function TimePicker({ range, onChange }: { range: TimeRange; onChange: (range: TimeRange) => void }) {
  const [open, setOpen] = useState(false);
  const resolved = resolveRange(range);
  const [from, setFrom] = useState(toInputValue(resolved.from.toISOString()));
  const [to, setTo] = useState(toInputValue(resolved.to.toISOString()));
  const [error, setError] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    const current = resolveRange(range);
    setFrom(toInputValue(current.from.toISOString()));
    setTo(toInputValue(current.to.toISOString()));
    setError(null);
    panel.current?.querySelector<HTMLElement>('button, input')?.focus();
  }, [open]); // only when it opens: the range is read then

  function applyAbsolute(event: React.FormEvent) {
    event.preventDefault();
    const fromIso = fromInputValue(from);
    const toIso = fromInputValue(to);
    if (!fromIso || !toIso) return setError('Enter both times.');
    if (new Date(fromIso) >= new Date(toIso)) return setError('The start must be before the end.');
    onChange({ kind: 'absolute', from: fromIso, to: toIso });
    setOpen(false);
  }

  return (
    <div className="time-picker" onKeyDown={(event) => event.key === 'Escape' && setOpen(false)}>
      <button type="button" className="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)} data-testid="time-picker">
        {describeRange(range)} ▾
      </button>
      {open && (
        <div className="popover" id={id} ref={panel} role="dialog" aria-label="Time range">
          <div className="relative-ranges">
            {relativeRanges.map((option) => (
              <button
                type="button"
                key={option.value}
                className={range.kind === 'relative' && range.last === option.value ? 'chip active' : 'chip'}
                onClick={() => {
                  onChange({ kind: 'relative', last: option.value });
                  setOpen(false);
                }}
              >
                {option.label}
              </button>
            ))}
          </div>
          <form onSubmit={applyAbsolute} className="absolute-range">
            <label>
              From (UTC)
              <input type="datetime-local" step="1" value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label>
              To (UTC)
              <input type="datetime-local" step="1" value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
            {error && <p className="error">{error}</p>}
            <button type="submit" className="button primary">
              Apply
            </button>
          </form>
        </div>
      )}
    </div>
  );
}
