import { useEffect, useRef, useState } from 'react';
import type { TimeRange } from '../lib/time.ts';
import { TimePicker } from './TimePicker.tsx';
import type { SearchState } from './searchState.ts';

type ListKey = 'sources' | 'hosts' | 'eventTypes' | 'tags';
const listLabels: Record<ListKey, string> = { sources: 'source', hosts: 'host', eventTypes: 'event_type', tags: 'tag' };
const addable = ['host', 'source', 'event_type', 'tag', 'username', 'src_ip', 'dst_ip', 'process', 'http_status', 'outcome', 'action', 'domain', 'event_code'];

/** Time range, free text, and the filters as removable chips; `/` focuses the free-text box. */
export function FilterBar({ state, onChange, onRefresh }: { state: SearchState; onChange: (next: SearchState) => void; onRefresh: () => void }) {
  const [q, setQ] = useState(state.q);
  const [field, setField] = useState('host');
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setQ(state.q), [state.q]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) {
        event.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  function addFilter(event: React.FormEvent) {
    event.preventDefault();
    const trimmed = value.trim();
    if (!trimmed) return;
    const lists: Record<string, ListKey> = { host: 'hosts', source: 'sources', event_type: 'eventTypes', tag: 'tags' };
    const list = lists[field];
    if (list) onChange({ ...state, [list]: [...new Set([...state[list], trimmed])] });
    else onChange({ ...state, fields: [...state.fields.filter((f) => f.field !== field), { field, value: trimmed }] });
    setValue('');
  }

  const chips = [
    ...(['sources', 'hosts', 'eventTypes', 'tags'] as ListKey[]).flatMap((list) =>
      state[list].map((item) => ({ label: `${listLabels[list]}: ${item}`, remove: () => onChange({ ...state, [list]: state[list].filter((v) => v !== item) }) })),
    ),
    ...state.fields.map((f) => ({ label: `${f.field}: ${f.value}`, remove: () => onChange({ ...state, fields: state.fields.filter((g) => g !== f) }) })),
  ];

  return (
    <div className="filter-bar">
      <form
        className="search-row"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          onChange({ ...state, q });
        }}
      >
        <TimePicker range={state.range} onChange={(range: TimeRange) => onChange({ ...state, range })} />
        <input ref={input} className="search-input" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Free text in the raw line (press / to focus)" aria-label="Free text" data-testid="search-q" />
        <button type="submit" className="button primary">
          Search
        </button>
        <button type="button" className="button" onClick={onRefresh} title="Run again with the current time">
          ↻
        </button>
      </form>
      <div className="chips-row">
        <ul className="chips" aria-label="Active filters">
          {chips.map((chip) => (
            <li key={chip.label} className="chip">
              {chip.label}
              <button type="button" onClick={chip.remove} aria-label={`Remove filter ${chip.label}`}>
                ✕
              </button>
            </li>
          ))}
        </ul>
        <form className="add-filter" onSubmit={addFilter}>
          <select value={field} onChange={(e) => setField(e.target.value)} aria-label="Filter field">
            {addable.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
          <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="value" aria-label="Filter value" />
          <button type="submit" className="button">
            Add filter
          </button>
        </form>
      </div>
    </div>
  );
}
