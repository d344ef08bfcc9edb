import { useEffect } from 'react';
import { gql, useQuery } from 'urql';

const LatestEventsQuery = gql`
  query LatestEvents($first: Int!) {
    events(first: $first, orderBy: [PRIMARY_KEY_DESC]) {
      totalCount
      nodes {
        rowId
        ts
        host
        source
        eventType
        message
        flags
      }
    }
  }
`;

interface EventRow {
  rowId: string;
  ts: string;
  host: string;
  source: string;
  eventType: string;
  message: string;
  flags: string[];
}

interface LatestEventsData {
  events: { totalCount: number; nodes: EventRow[] };
}

const refreshMs = 3000;

export function App() {
  const [result, reexecute] = useQuery<LatestEventsData>({ query: LatestEventsQuery, variables: { first: 25 } });
  useEffect(() => {
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), refreshMs);
    return () => clearInterval(timer);
  }, [reexecute]);

  const { data, error, fetching } = result;
  return (
    <main>
      <header>
        <h1>pgsiem</h1>
        <p className="muted">Latest events, refreshed every {refreshMs / 1000} s. Requests run as the analyst role until login arrives.</p>
      </header>
      {error && <p role="alert" className="error">Could not load events: {error.message}</p>}
      {!data && fetching && <p aria-busy="true">Loading…</p>}
      {data && (
        <>
          <section className="count" aria-label="event count">
            <span data-testid="event-count">{data.events.totalCount.toLocaleString()}</span> events stored
          </section>
          {data.events.nodes.length === 0 ? (
            <p className="muted">No events yet. Send some with <code>npx siem ingest &lt;file&gt; --source &lt;name&gt;</code>.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Time (UTC)</th>
                  <th>Host</th>
                  <th>Source</th>
                  <th>Type</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {data.events.nodes.map((event) => (
                  <tr key={event.rowId}>
                    <td className="nowrap">{event.ts.replace('T', ' ').slice(0, 23)}</td>
                    <td>{event.host}</td>
                    <td>{event.source}</td>
                    <td>{event.eventType}</td>
                    <td className="message" title={event.flags.length ? `flags: ${event.flags.join(', ')}` : undefined}>
                      {event.message.slice(0, 300)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </main>
  );
}
