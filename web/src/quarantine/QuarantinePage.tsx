import { useCallback, useState } from 'react';
import { useEscape } from '../ui/useEscape.ts';
import { gql, useMutation, useQuery } from 'urql';
import { isAdmin, useSession } from '../auth/session.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { formatTs } from '../lib/time.ts';
import { DataTable } from '../dashboards/widgets.tsx';
import { Empty, ErrorState, Loading, describeError } from '../ui/states.tsx';

const QuarantineQuery = gql`
  query Quarantine($first: Int!, $after: Cursor, $condition: QuarantineCondition) {
    quarantines(first: $first, after: $after, orderBy: [PRIMARY_KEY_DESC], condition: $condition) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        rowId
        quarantinedAt
        host
        source
        agent
        reason
        raw
        flags
      }
    }
  }
`;

const ReparseMutation = gql`
  mutation Reparse($since: Datetime) {
    reparse(input: { since: $since }) {
      result {
        examined
        eventsUpdated
        movedToEvents
        stillQuarantined
      }
    }
  }
`;

interface QuarantineRow {
  rowId: string;
  quarantinedAt: string;
  host: string | null;
  source: string | null;
  agent: string | null;
  reason: string;
  raw: string;
  flags: string[];
}

const pageSize = 50;

/** Rejected lines with their reasons; admins re-run parsing over them after fixing a parser. */
export function QuarantinePage() {
  const session = useSession();
  const { params } = useLocation();
  const reason = params.get('reason') ?? '';
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [result, refetch] = useQuery<{ quarantines: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: QuarantineRow[] } }>({
    query: QuarantineQuery,
    variables: { first: pageSize, after: cursors.at(-1) ?? null, condition: reason ? { reason } : null },
    requestPolicy: 'cache-and-network',
  });
  const [reparsing, reparse] = useMutation<{ reparse: { result: { examined: number; eventsUpdated: number; movedToEvents: number; stillQuarantined: number }[] } }>(ReparseMutation);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [selected, setSelected] = useState<QuarantineRow | null>(null);
  const closeDrawer = useCallback(() => setSelected(null), []);
  useEscape(closeDrawer, selected !== null);
  const data = result.data?.quarantines;

  async function runReparse() {
    const answer = await reparse({ since: new Date(Date.now() - 7 * 86_400_000).toISOString() });
    if (answer.error) return setMessage({ text: describeError(answer.error), error: true });
    const r = answer.data?.reparse.result[0];
    setMessage({ text: r ? `Re-parsed ${r.examined} lines: ${r.movedToEvents} moved to events, ${r.stillQuarantined} still quarantined.` : 'Re-parse finished.' });
    setCursors([null]);
    refetch({ requestPolicy: 'network-only' });
  }

  return (
    <div className="page">
      <div className="page-header">
        <h1>Quarantine</h1>
        {data && <span className="muted">{data.totalCount.toLocaleString('en')} lines</span>}
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const value = new FormData(event.currentTarget).get('reason');
            setCursors([null]);
            navigate(value ? `/quarantine?reason=${encodeURIComponent(String(value))}` : '/quarantine');
          }}
        >
          <input name="reason" defaultValue={reason} key={reason} placeholder="exact reason, e.g. blank line" aria-label="Reason" />
          <button type="submit" className="button">
            Filter
          </button>
        </form>
        {isAdmin(session) ? (
          <button type="button" className="button primary" disabled={reparsing.fetching} onClick={runReparse} title="Runs parsing again over the last 7 days of quarantined lines">
            {reparsing.fetching ? 'Re-parsing…' : 'Re-parse last 7 days'}
          </button>
        ) : (
          <span className="muted small">Admins can re-parse these lines after fixing a parser.</span>
        )}
      </div>
      {message && (
        <p className={message.error ? 'error' : 'notice'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {result.error && <ErrorState error={result.error} title="Could not load the quarantine" />}
      {!data && result.fetching && <Loading />}
      {data && data.nodes.length === 0 && <Empty>{reason ? `No quarantined lines with the reason "${reason}".` : 'Nothing in quarantine: every received line became an event.'}</Empty>}
      {data && data.nodes.length > 0 && (
        <>
          <DataTable<QuarantineRow & Record<string, unknown>>
            columns={[
              { key: 'quarantinedAt', label: 'Quarantined (UTC)', render: (r) => <span className="nowrap">{formatTs(r.quarantinedAt)}</span> },
              { key: 'reason', label: 'Reason', render: (r) => <button type="button" className="link-button" onClick={(e) => (e.stopPropagation(), setCursors([null]), navigate(`/quarantine?reason=${encodeURIComponent(r.reason)}`))}>{r.reason}</button> },
              { key: 'source', label: 'Source' },
              { key: 'host', label: 'Host' },
              { key: 'raw', label: 'Raw line', render: (r) => <code className="message">{r.raw.slice(0, 200) || '(empty)'}</code> },
            ]}
            rows={data.nodes as (QuarantineRow & Record<string, unknown>)[]}
            rowKey={(r) => r.rowId}
            onRowActivate={setSelected}
          />
          <div className="pager">
            <button type="button" className="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Newer
            </button>
            <button type="button" className="button" disabled={!data.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, data.pageInfo.endCursor])}>
              Older →
            </button>
          </div>
        </>
      )}
      {selected && (
        <aside className="drawer" role="dialog" aria-label="Quarantined line" data-testid="quarantine-drawer">
          <header className="drawer-header">
            <h2>Quarantined line {selected.rowId}</h2>
            <button type="button" className="button" onClick={() => setSelected(null)} aria-label="Close" autoFocus>
              ✕
            </button>
          </header>
          <div className="drawer-body">
            <dl className="fields">
              {(['reason', 'source', 'host', 'agent'] as const).map((k) => (
                <div className="field-row" key={k}>
                  <dt>{k}</dt>
                  <dd>{selected[k] ?? '—'}</dd>
                </div>
              ))}
              <div className="field-row">
                <dt>flags</dt>
                <dd>{selected.flags.join(', ') || '—'}</dd>
              </div>
            </dl>
            <h3>Raw line</h3>
            <pre className="raw">{selected.raw || '(empty line)'}</pre>
          </div>
        </aside>
      )}
    </div>
  );
}
