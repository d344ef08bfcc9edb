import { useEffect, useMemo, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { useSession } from '../auth/session.ts';
import { useCapabilities } from '../lib/capabilities.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { formatTs, relativeMs } from '../lib/time.ts';
import { emptySearch, searchHref } from '../search/searchState.ts';
import { Link } from '../ui/Link.tsx';
import { Empty, ErrorState, Loading, describeError } from '../ui/states.tsx';
import { AcknowledgeAlert, AlertDetailQuery, AlertsChanged, AlertsQuery, AssignAlert, CloseAlert, resolutions, severities, statuses, type AlertRow } from './queries.ts';

/** Alerts list with filters in the URL, a triage drawer, and live refresh on every alert change. */
export function AlertsPage() {
  const capabilities = useCapabilities();
  if (!capabilities.ready) return <Loading />;
  if (!capabilities.has('alerts'))
    return (
      <div className="page">
        <h1>Alerts</h1>
        <Empty>Alerts are not available from this API yet: they arrive with the detection module.</Empty>
      </div>
    );
  return <AlertsView />;
}

function setParam(params: URLSearchParams, key: string, value: string | null) {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  navigate(`/alerts${next.toString() ? `?${next}` : ''}`);
}

function AlertsView() {
  const { params } = useLocation();
  const status = params.get('status') ?? 'open';
  const severity = params.get('severity') ?? '';
  const rule = params.get('rule') ?? '';
  const last = params.get('last') ?? '7d';
  const open = params.get('alert');
  const condition = useMemo(() => (status === 'any' ? {} : { status }), [status]);
  const [result, refetch] = useQuery<{ alerts: { totalCount: number; nodes: AlertRow[] } }>({ query: AlertsQuery, variables: { condition, first: 500 }, requestPolicy: 'cache-and-network' });
  const [changes] = useSubscription({ query: AlertsChanged });
  useEffect(() => {
    if (changes.data) refetch({ requestPolicy: 'network-only' });
  }, [changes.data, refetch]);
  // Severity, rule and time are few enough values to filter in the page (the API indexes status only).
  const since = Date.now() - (relativeMs(last) ?? 7 * 86_400_000);
  const rows = (result.data?.alerts.nodes ?? []).filter((a) => (!severity || a.severity === severity) && (!rule || a.ruleName === rule) && Date.parse(a.lastSeenAt) >= since);
  const rules = [...new Set((result.data?.alerts.nodes ?? []).map((a) => a.ruleName))].sort();

  return (
    <div className="page">
      <div className="page-header">
        <h1>Alerts</h1>
        <label>
          Status
          <select value={status} onChange={(e) => setParam(params, 'status', e.target.value === 'open' ? null : e.target.value)} data-testid="alert-status-filter">
            {[...statuses, 'any'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => setParam(params, 'severity', e.target.value || null)}>
            <option value="">any</option>
            {severities.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Rule
          <select value={rule} onChange={(e) => setParam(params, 'rule', e.target.value || null)}>
            <option value="">any</option>
            {rules.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Last seen
          <select value={last} onChange={(e) => setParam(params, 'last', e.target.value === '7d' ? null : e.target.value)}>
            {['1h', '24h', '7d', '30d', '365d'].map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <span className="muted small" role="status">
          {changes.error ? 'live updates unavailable' : 'live'}
        </span>
      </div>
      {result.error && <ErrorState error={result.error} title="Could not load alerts" />}
      {!result.data && result.fetching && <Loading />}
      {result.data && rows.length === 0 && <Empty>No {status === 'any' ? '' : status} alerts match these filters.</Empty>}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="alerts">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Rule</th>
                <th scope="col">Entity</th>
                <th scope="col">Status</th>
                <th scope="col">Assignee</th>
                <th scope="col" className="num">
                  Events
                </th>
                <th scope="col">Last seen (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.rowId} tabIndex={0} className={`clickable${open === a.rowId ? ' selected' : ''}`} onClick={() => setParam(params, 'alert', a.rowId)} onKeyDown={(e) => e.key === 'Enter' && setParam(params, 'alert', a.rowId)}>
                  <td>
                    <span className={`severity severity-${a.severity}`}>{a.severity}</span>
                  </td>
                  <td>{a.ruleName}</td>
                  <td>{a.entity ?? '—'}</td>
                  <td>{a.status}</td>
                  <td>{a.assignee ?? '—'}</td>
                  <td className="num">{a.eventCount.toLocaleString('en')}</td>
                  <td className="nowrap">{formatTs(a.lastSeenAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && <AlertDrawer id={open} onClose={() => setParam(params, 'alert', null)} onChanged={() => refetch({ requestPolicy: 'network-only' })} />}
    </div>
  );
}

interface AlertDetail extends AlertRow {
  rule: { rowId: string; title: string; description: string | null } | null;
  matchingEvents: { nodes: { rowId: string; ts: string; host: string; eventType: string; message: string }[] };
  alertHistories: { nodes: { rowId: string; at: string; actor: string; action: string; oldStatus: string | null; newStatus: string | null; comment: string | null }[] };
}

function AlertDrawer({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const session = useSession();
  const [result, refetch] = useQuery<{ alert: AlertDetail | null }>({ query: AlertDetailQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const [comment, setComment] = useState('');
  const [assignee, setAssignee] = useState(session?.email ?? '');
  const [resolution, setResolution] = useState<string>('true_positive');
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [ack, acknowledge] = useMutation(AcknowledgeAlert);
  const [asg, assign] = useMutation(AssignAlert);
  const [cls, close] = useMutation(CloseAlert);
  const busy = ack.fetching || asg.fetching || cls.fetching;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  async function act(run: () => Promise<{ error?: Parameters<typeof describeError>[0] }>, done: string) {
    const answer = await run();
    if (answer.error) return setMessage({ text: describeError(answer.error), error: true });
    setMessage({ text: done });
    setComment('');
    refetch({ requestPolicy: 'network-only' });
    onChanged();
  }

  const alert = result.data?.alert;
  return (
    <aside className="drawer" role="dialog" aria-label="Alert detail" data-testid="alert-drawer">
      <header className="drawer-header">
        <h2>Alert {id}</h2>
        <button type="button" className="button" onClick={onClose} aria-label="Close alert" autoFocus>
          ✕
        </button>
      </header>
      {result.error && <ErrorState error={result.error} title="Could not load the alert" />}
      {!result.data && !result.error && <Loading />}
      {result.data && !alert && <ErrorState error="No such alert." title="Not found" />}
      {alert && (
        <div className="drawer-body">
          <p>
            <span className={`severity severity-${alert.severity}`}>{alert.severity}</span> <strong>{alert.rule?.title ?? alert.ruleName}</strong>
          </p>
          {alert.summary && <p>{alert.summary}</p>}
          <dl className="fields">
            {(
              [
                ['status', alert.status + (alert.resolution ? ` (${alert.resolution})` : '')],
                ['assignee', alert.assignee ?? '—'],
                ['entity', alert.entity ?? '—'],
                ['events', alert.eventCount.toLocaleString('en')],
                ['first event', formatTs(alert.firstEventAt)],
                ['last event', formatTs(alert.lastEventAt)],
                ['tags', alert.tags.join(', ') || '—'],
              ] as const
            ).map(([k, v]) => (
              <div className="field-row" key={k}>
                <dt>{k}</dt>
                <dd data-testid={`alert-${k.replace(' ', '-')}`}>{v}</dd>
              </div>
            ))}
          </dl>
          <Link className="button" href={searchHref({ ...emptySearch, range: { kind: 'absolute', from: new Date(Date.parse(alert.firstEventAt) - 60_000).toISOString(), to: new Date(Date.parse(alert.lastEventAt) + 60_000).toISOString() } })}>
            Search the alert's time span
          </Link>
          {alert.status !== 'closed' && (
            <section className="triage" aria-label="Triage">
              <h3>Triage</h3>
              <label>
                Comment
                <textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} data-testid="alert-comment" />
              </label>
              <div className="inline-form">
                {alert.status === 'open' && (
                  <button type="button" className="button primary" disabled={busy} onClick={() => act(() => acknowledge({ id, comment: comment || null }), 'Acknowledged.')} data-testid="alert-acknowledge">
                    Acknowledge
                  </button>
                )}
                <input value={assignee} onChange={(e) => setAssignee(e.target.value)} aria-label="Assignee" />
                <button type="button" className="button" disabled={busy || !assignee.trim()} onClick={() => act(() => assign({ id, assignee: assignee.trim(), comment: comment || null }), `Assigned to ${assignee.trim()}.`)}>
                  Assign
                </button>
                <select value={resolution} onChange={(e) => setResolution(e.target.value)} aria-label="Resolution">
                  {resolutions.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
                <button type="button" className="button" disabled={busy || !comment.trim()} title={comment.trim() ? undefined : 'Closing needs a comment'} onClick={() => act(() => close({ id, resolution, comment: comment.trim() }), 'Closed.')}>
                  Close
                </button>
              </div>
            </section>
          )}
          {message && (
            <p className={message.error ? 'error' : 'notice'} role={message.error ? 'alert' : 'status'}>
              {message.text}
            </p>
          )}
          <h3>Matching events</h3>
          {alert.matchingEvents.nodes.length === 0 ? (
            <p className="muted">No matching events are attached.</p>
          ) : (
            <ul className="neighbours">
              {alert.matchingEvents.nodes.map((e) => (
                <li key={`${e.rowId}@${e.ts}`}>
                  <Link href={searchHref({ ...emptySearch, range: { kind: 'absolute', from: new Date(Date.parse(e.ts) - 60_000).toISOString(), to: new Date(Date.parse(e.ts) + 60_000).toISOString() }, event: `${e.rowId}@${e.ts}` })}>
                    <span className="nowrap">{formatTs(e.ts)}</span> <span className="tag">{e.eventType}</span> {e.host} {e.message.slice(0, 140)}
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <h3>History</h3>
          <ul className="history">
            {alert.alertHistories.nodes.map((h) => (
              <li key={h.rowId}>
                <span className="nowrap muted">{formatTs(h.at).slice(0, 19)}</span> {h.actor} <strong>{h.action}</strong>
                {h.newStatus && h.newStatus !== h.oldStatus ? ` → ${h.newStatus}` : ''}
                {h.comment ? `: “${h.comment}”` : ''}
              </li>
            ))}
          </ul>
        </div>
      )}
    </aside>
  );
}
