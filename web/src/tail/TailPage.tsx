import { useEffect, useRef, useState } from 'react';
import { gql, useSubscription } from 'urql';
import { formatTs } from '../lib/time.ts';
import { navigate } from '../lib/router.ts';
import type { EventRow } from '../search/queries.ts';
import { emptySearch, searchHref } from '../search/searchState.ts';
import { Empty, ErrorState } from '../ui/states.tsx';

const TailSubscription = gql`
  subscription Tail($sources: [String], $hosts: [String], $eventTypes: [String], $tags: [String], $fields: JSON, $q: String) {
    eventsAdded(sources: $sources, hosts: $hosts, eventTypes: $eventTypes, tags: $tags, fields: $fields, q: $q) {
      count
      events {
        rowId
        ts
        host
        source
        eventType
        message
        cursor
      }
    }
  }
`;

type TailEvent = Pick<EventRow, 'rowId' | 'ts' | 'host' | 'source' | 'eventType' | 'message'>;

const keep = 500;

/** Appends `incoming` (newest first) to `shown` (newest first), keeping the newest `limit`. */
export function mergeTail(shown: TailEvent[], incoming: TailEvent[], limit = keep): TailEvent[] {
  const seen = new Set(shown.map((e) => e.rowId));
  return [...incoming.filter((e) => !seen.has(e.rowId)), ...shown].slice(0, limit);
}

/** New events as batches commit, filtered on the server; pause keeps the view still and counts what arrived. */
export function TailPage() {
  const [filter, setFilter] = useState({ eventTypes: '', hosts: '', q: '' });
  const [applied, setApplied] = useState(filter);
  const [paused, setPaused] = useState(false);
  const [events, setEvents] = useState<TailEvent[]>([]);
  const [held, setHeld] = useState<TailEvent[]>([]);
  const [matched, setMatched] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const list = (value: string) => {
    const items = value.split(',').map((v) => v.trim()).filter(Boolean);
    return items.length ? items : null;
  };
  const [result] = useSubscription<{ eventsAdded: { count: number; events: TailEvent[] } }>({
    query: TailSubscription,
    // Every argument is passed, null included: the API's tail plan fails when an earlier one is left out.
    variables: { sources: null, hosts: list(applied.hosts), eventTypes: list(applied.eventTypes), tags: null, fields: null, q: applied.q.trim() || null },
  });
  useEffect(() => {
    const batch = result.data?.eventsAdded;
    if (!batch) return;
    setMatched((m) => m + Math.max(batch.count, batch.events.length));
    if (pausedRef.current) setHeld((h) => mergeTail(h, batch.events));
    else setEvents((e) => mergeTail(e, batch.events));
  }, [result.data]);

  return (
    <div className="page">
      <div className="page-header">
        <h1>Live tail</h1>
        <span className={`live-dot${paused ? ' paused' : ''}`} aria-hidden="true" />
        <span className="muted small" role="status">
          {paused ? `paused, ${held.length} new events held` : `${matched.toLocaleString('en')} matching events since opened`}
        </span>
      </div>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setEvents([]);
          setHeld([]);
          setMatched(0);
          setApplied(filter);
        }}
      >
        <input value={filter.eventTypes} onChange={(e) => setFilter({ ...filter, eventTypes: e.target.value })} placeholder="event types, comma-separated" aria-label="Event types" />
        <input value={filter.hosts} onChange={(e) => setFilter({ ...filter, hosts: e.target.value })} placeholder="hosts, comma-separated" aria-label="Hosts" />
        <input value={filter.q} onChange={(e) => setFilter({ ...filter, q: e.target.value })} placeholder="free text" aria-label="Free text" />
        <button type="submit" className="button primary">
          Apply filter
        </button>
        <button
          type="button"
          className="button"
          data-testid="tail-pause"
          aria-pressed={paused}
          onClick={() => {
            if (paused) {
              setEvents((e) => mergeTail(e, held));
              setHeld([]);
            }
            setPaused(!paused);
          }}
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" className="button" onClick={() => setEvents([])}>
          Clear
        </button>
      </form>
      {result.error && <ErrorState error={result.error} title="The live connection failed" />}
      {events.length === 0 ? (
        <Empty>{result.error ? 'No live events.' : 'Waiting for events that match… (new batches appear here as they commit)'}</Empty>
      ) : (
        <div className="table-scroll tail" data-testid="tail-rows">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col">Host</th>
                <th scope="col">Type</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.rowId} tabIndex={0} className="clickable" onClick={() => navigate(searchHref({ ...emptySearch, event: `${e.rowId}@${e.ts}` }))} onKeyDown={(k) => k.key === 'Enter' && navigate(searchHref({ ...emptySearch, event: `${e.rowId}@${e.ts}` }))}>
                  <td className="nowrap">{formatTs(e.ts)}</td>
                  <td>{e.host}</td>
                  <td>{e.eventType}</td>
                  <td className="message">{e.message.slice(0, 300)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
