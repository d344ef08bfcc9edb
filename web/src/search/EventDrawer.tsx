import { useEffect, useRef } from 'react';
import { gql, useQuery } from 'urql';
import { formatTs } from '../lib/time.ts';
import { Link } from '../ui/Link.tsx';
import { ErrorState, Loading } from '../ui/states.tsx';
import { searchHref, withValue, type SearchState } from './searchState.ts';
import { formatCell } from '../dashboards/widgets.tsx';
import { RelatedAlerts } from '../alerts/RelatedAlerts.tsx';

const DetailQuery = gql`
  query EventDetail($ts: Datetime!, $id: BigInt!) {
    event(ts: $ts, rowId: $id) {
      rowId
      ts
      receivedAt
      host
      source
      eventType
      message
      flags
      metadata
      enrichment
      exactBytes
      neighbours(seconds: 30, limit: 50) {
        rowId
        ts
        eventType
        message
        cursor
      }
    }
  }
`;

interface Detail {
  rowId: string;
  ts: string;
  receivedAt: string;
  host: string;
  source: string;
  eventType: string;
  message: string;
  flags: string[];
  metadata: Record<string, unknown> | null;
  enrichment: Record<string, unknown> | null;
  exactBytes: string | null;
  neighbours: { rowId: string; ts: string; eventType: string; message: string }[];
}

/** `<id>@<ts>` of the URL's `event` parameter. */
export function parseEventKey(key: string): { id: string; ts: string } | null {
  const at = key.indexOf('@');
  if (at <= 0) return null;
  return { id: key.slice(0, at), ts: key.slice(at + 1) };
}

/** The exact bytes of the line: printable text as is, anything else as `\xNN`. */
export function showExactBytes(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const hasControl = Array.from(bytes).some((b) => (b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f);
  if (!text.includes('\uFFFD') && !hasControl) return text;
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

/** Flattens nested enrichment into `geoip.country`-style rows. */
export function flatten(value: unknown, prefix = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [[prefix, value]] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}

/** Drill-down of one event: fields, enrichment, raw line, alerts, neighbours, one-click filters. */
export function EventDrawer({ eventKey, search, onClose }: { eventKey: string; search: SearchState; onClose: () => void }) {
  const key = parseEventKey(eventKey);
  const panel = useRef<HTMLElement>(null);
  const [result] = useQuery<{ event: Detail | null }>({ query: DetailQuery, variables: { ts: key?.ts, id: key?.id }, pause: !key });
  useEffect(() => {
    panel.current?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const event = result.data?.event;
  const filterLink = (field: string, value: unknown) => (
    <Link className="icon-link" href={searchHref(withValue(search, field, String(value)))} title={`Filter by ${field} = ${String(value)}`} aria-label={`Filter by ${field} = ${String(value)}`} data-testid={`filter-${field}`}>
      ⊕
    </Link>
  );
  const aroundHref = event
    ? searchHref({
        ...search,
        range: { kind: 'absolute', from: new Date(new Date(event.ts).getTime() - 60_000).toISOString(), to: new Date(new Date(event.ts).getTime() + 60_000).toISOString() },
        hosts: [event.host],
        sources: [],
        eventTypes: [],
        tags: [],
        fields: [],
        q: '',
        event: eventKey,
      })
    : '#';

  return (
    <aside className="drawer" role="dialog" aria-label="Event detail" tabIndex={-1} ref={panel} data-testid="event-drawer">
      <header className="drawer-header">
        <h2>Event {key?.id}</h2>
        <button type="button" className="button" onClick={onClose} aria-label="Close detail">
          ✕
        </button>
      </header>
      {!key && <ErrorState error="This link does not name an event." />}
      {result.fetching && !event && <Loading />}
      {result.error && <ErrorState error={result.error} title="Could not load the event" />}
      {result.data && !event && <ErrorState error="No event with this id at this time: it may have been archived." title="Not found" />}
      {event && (
        <div className="drawer-body">
          <div className="drawer-actions">
            <Link className="button" href={aroundHref} data-testid="events-around">
              Show events around this one (±1 min, same host)
            </Link>
          </div>
          <section>
            <h3>Event</h3>
            <dl className="fields">
              {(
                [
                  ['ts', formatTs(event.ts), null],
                  ['received_at', formatTs(event.receivedAt), null],
                  ['host', event.host, 'host'],
                  ['source', event.source, 'source'],
                  ['event_type', event.eventType, 'event_type'],
                  ['flags', event.flags.join(', ') || '—', null],
                ] as const
              ).map(([name, value, field]) => (
                <div key={name} className="field-row">
                  <dt>{name}</dt>
                  <dd>
                    <span>{value}</span> {field && filterLink(field, value)}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <section>
            <h3>Fields</h3>
            {flatten(event.metadata).length === 0 ? (
              <p className="muted">No parsed fields: no parser matched this line.</p>
            ) : (
              <dl className="fields" data-testid="event-fields">
                {flatten(event.metadata).map(([name, value]) => (
                  <div key={name} className="field-row">
                    <dt>{name}</dt>
                    <dd>
                      <span>{formatCell(value)}</span> {value !== null && typeof value !== 'object' && !name.includes('.') && filterLink(name, value)}
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
          <section>
            <h3>Enrichment</h3>
            <Enrichment enrichment={event.enrichment} search={search} />
          </section>
          <section>
            <h3>Raw line</h3>
            <pre className="raw" data-testid="raw-line">{event.exactBytes ? showExactBytes(event.exactBytes) : event.message}</pre>
          </section>
          <section>
            <h3>Related alerts</h3>
            <RelatedAlerts eventId={event.rowId} ts={event.ts} />
          </section>
          <section>
            <h3>Same host, ±30 s</h3>
            {event.neighbours.length === 0 ? (
              <p className="muted">No other events from this host within 30 seconds.</p>
            ) : (
              <ul className="neighbours">
                {event.neighbours.map((n) => (
                  <li key={n.rowId} className={n.rowId === event.rowId ? 'current' : undefined}>
                    <Link href={searchHref({ ...search, event: `${n.rowId}@${n.ts}` })}>
                      <span className="nowrap">{formatTs(n.ts).slice(11)}</span> <span className="tag">{n.eventType}</span> {n.message.slice(0, 160)}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </aside>
  );
}

function Enrichment({ enrichment, search }: { enrichment: Record<string, unknown> | null; search: SearchState }) {
  const rows = flatten(enrichment);
  if (rows.length === 0) return <p className="muted">Not enriched (yet): GeoIP, ASN, reverse DNS and threat tags appear here once enrichment ran.</p>;
  const tags = Array.isArray(enrichment?.tags) ? (enrichment.tags as unknown[]).map(String) : [];
  return (
    <>
      {tags.length > 0 && (
        <p className="tags">
          {tags.map((tag) => (
            <Link key={tag} className="tag threat" href={searchHref({ ...search, tags: [...new Set([...search.tags, tag])], event: undefined })} title={`Filter by tag ${tag}`}>
              {tag}
            </Link>
          ))}
        </p>
      )}
      <dl className="fields" data-testid="event-enrichment">
        {rows
          .filter(([name]) => name !== 'tags')
          .map(([name, value]) => (
            <div key={name} className="field-row">
              <dt>{name}</dt>
              <dd>{formatCell(value)}</dd>
            </div>
          ))}
      </dl>
    </>
  );
}
