import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { isAdmin, useSession } from '../auth/session.ts';
import { useCapabilities } from '../lib/capabilities.ts';
import { formatTs } from '../lib/time.ts';
import { Link } from '../ui/Link.tsx';
import { Empty, ErrorState, Loading, describeError } from '../ui/states.tsx';
import { RulesQuery, SetRuleEnabled } from '../alerts/queries.ts';

interface RuleRow {
  rowId: string;
  name: string;
  title: string;
  description: string | null;
  kind: string;
  severity: string;
  tags: string[];
  enabled: boolean;
  definition: string | null;
  fixtures: unknown;
  updatedAt: string;
  alerts: { totalCount: number; nodes: { lastSeenAt: string }[] };
}

/** Rules with their status and last firing; admins enable or disable them; the source opens in a drawer. */
export function RulesPage() {
  const capabilities = useCapabilities();
  if (!capabilities.ready) return <Loading />;
  if (!capabilities.has('rules'))
    return (
      <div className="page">
        <h1>Rules</h1>
        <Empty>Rules are not available from this API yet: they arrive with the detection module.</Empty>
      </div>
    );
  return <RulesView />;
}

function RulesView() {
  const session = useSession();
  const admin = isAdmin(session);
  const [result] = useQuery<{ rules: { nodes: RuleRow[] } }>({ query: RulesQuery, requestPolicy: 'cache-and-network' });
  const [toggling, toggle] = useMutation(SetRuleEnabled);
  const [open, setOpen] = useState<RuleRow | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const rules = result.data?.rules.nodes ?? [];
  return (
    <div className="page">
      <div className="page-header">
        <h1>Rules</h1>
        <span className="muted small">
          {admin ? (
            <>
              Import rules with <code>npx siem rules import &lt;file|dir&gt;</code> (YAML or Sigma); test them with <code>npx siem rules test</code>.
            </>
          ) : (
            'Admins enable, disable and import rules.'
          )}
        </span>
      </div>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {result.error && <ErrorState error={result.error} title="Could not load rules" />}
      {!result.data && result.fetching && <Loading />}
      {result.data && rules.length === 0 && <Empty>No rules yet.</Empty>}
      {rules.length > 0 && (
        <div className="table-scroll">
          <table className="data-table" data-testid="rules">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Kind</th>
                <th scope="col">Severity</th>
                <th scope="col">Status</th>
                <th scope="col">Last fired (UTC)</th>
                <th scope="col" className="num">
                  Alerts
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((rule) => (
                <tr key={rule.rowId}>
                  <td>
                    <button type="button" className="link-button" onClick={() => setOpen(rule)}>
                      {rule.title}
                    </button>{' '}
                    <span className="muted small">{rule.name}</span>
                  </td>
                  <td>{rule.kind}</td>
                  <td>
                    <span className={`severity severity-${rule.severity}`}>{rule.severity}</span>
                  </td>
                  <td>
                    <label className="toggle">
                      <input
                        type="checkbox"
                        checked={rule.enabled}
                        disabled={!admin || toggling.fetching}
                        onChange={async (e) => {
                          const answer = await toggle({ id: rule.rowId, enabled: e.target.checked });
                          setMessage(answer.error ? describeError(answer.error) : null);
                        }}
                        aria-label={`${rule.enabled ? 'Disable' : 'Enable'} ${rule.title}`}
                      />
                      {rule.enabled ? 'enabled' : 'disabled'}
                    </label>
                  </td>
                  <td className="nowrap">{rule.alerts.nodes[0] ? formatTs(rule.alerts.nodes[0].lastSeenAt).slice(0, 19) : 'never'}</td>
                  <td className="num">
                    <Link href={`/alerts?status=any&rule=${encodeURIComponent(rule.name)}`}>{rule.alerts.totalCount}</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && (
        <aside className="drawer" role="dialog" aria-label="Rule" onKeyDown={(e) => e.key === 'Escape' && setOpen(null)}>
          <header className="drawer-header">
            <h2>{open.title}</h2>
            <button type="button" className="button" onClick={() => setOpen(null)} aria-label="Close rule" autoFocus>
              ✕
            </button>
          </header>
          <div className="drawer-body">
            {open.description && <p>{open.description}</p>}
            <p className="muted small">
              {open.kind} · {open.tags.join(', ') || 'no tags'} · updated {formatTs(open.updatedAt).slice(0, 16)}
            </p>
            <h3>Source</h3>
            <pre className="raw">{open.definition ?? '(no source recorded)'}</pre>
            <h3>Test fixtures</h3>
            <pre className="raw">{JSON.stringify(open.fixtures, null, 2)}</pre>
          </div>
        </aside>
      )}
    </div>
  );
}
