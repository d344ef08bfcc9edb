import { useCallback, useEffect, useState } from 'react';
import { useEscape } from '../ui/useEscape.ts';
import { useMutation, useQuery } from 'urql';
import { isAdmin, useSession } from '../auth/session.ts';
import { useCapabilities } from '../lib/capabilities.ts';
import { formatTs } from '../lib/time.ts';
import { Link } from '../ui/Link.tsx';
import { Empty, ErrorState, Loading, describeError } from '../ui/states.tsx';
import { DryRunRule, ImportRules, RuleImportQuery, RulesQuery, SetRuleEnabled, TestRule } from '../alerts/queries.ts';

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
  const [result, refetch] = useQuery<{ rules: { nodes: RuleRow[] } }>({ query: RulesQuery, requestPolicy: 'cache-and-network' });
  const [toggling, toggle] = useMutation(SetRuleEnabled);
  const [open, setOpen] = useState<RuleRow | null>(null);
  const closeDrawer = useCallback(() => setOpen(null), []);
  useEscape(closeDrawer, open !== null);
  const [message, setMessage] = useState<string | null>(null);
  const rules = result.data?.rules.nodes ?? [];
  return (
    <div className="page">
      <div className="page-header">
        <h1>Rules</h1>
        {!admin && <span className="muted small">Admins enable, disable and import rules.</span>}
      </div>
      {admin && <RuleImportPanel onImported={() => refetch({ requestPolicy: 'network-only' })} />}
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
        <aside className="drawer" role="dialog" aria-label="Rule" data-testid="rule-drawer">
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
            <RuleTests rule={open} />
            <details>
              <summary>Fixtures (detection as code)</summary>
              <pre className="raw">{JSON.stringify(open.fixtures, null, 2)}</pre>
            </details>
          </div>
        </aside>
      )}
    </div>
  );
}

interface RuleImportRow {
  rowId: string;
  fileName: string;
  status: 'pending' | 'done' | 'error';
  compiled: string[];
  failures: { title: string; error: string }[];
}

/**
 * Admins paste or upload YAML rules or Sigma; `importRules` stores the text and the worker compiles
 * it with the same compilers as `siem rules import`; the panel follows the import until it reports.
 */
function RuleImportPanel({ onImported }: { onImported: () => void }) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  const [enabled, setEnabled] = useState(true);
  const [importId, setImportId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [submitting, submit] = useMutation(ImportRules);
  const [status, reexecute] = useQuery<{ ruleImport: RuleImportRow | null }>({ query: RuleImportQuery, variables: { id: importId }, pause: !importId, requestPolicy: 'network-only' });
  const report = importId && status.data?.ruleImport?.rowId === importId ? status.data.ruleImport : null;
  const finished = report !== null && report.status !== 'pending';
  useEffect(() => {
    if (!importId || finished) return;
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), 500);
    return () => clearInterval(timer);
  }, [importId, finished, reexecute]);
  useEffect(() => {
    if (finished) onImported();
  }, [finished]);

  return (
    <section className="panel rule-import" aria-label="Import rules">
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setError(null);
          setImportId(null);
          const answer = await submit({ text, fileName, enabled });
          if (answer.error) setError(describeError(answer.error));
          else setImportId(answer.data?.importRules?.result?.rowId ?? null);
        }}
      >
        <div className="panel-header">
          <h2>Import rules</h2>
          <span className="muted small">
            YAML rules (threshold, sequence, match) or Sigma, as <code>siem rules import</code> takes them; a rule with the name of an existing one replaces it.
          </span>
        </div>
        <label className="block">
          Rule text
          <textarea
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setFileName(null);
            }}
            rows={8}
            spellCheck={false}
            placeholder={'rules:\n  - name: ssh_brute_force\n    type: threshold\n    filter: { event_type: ssh_failed }\n    group_by: src_ip\n    window: 5m\n    count: 10'}
            data-testid="rule-import-text"
          />
        </label>
        <div className="form-row">
          <label>
            Or upload a file{' '}
            <input
              type="file"
              accept=".yml,.yaml,text/yaml"
              data-testid="rule-import-file"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (!file) return;
                setText(await file.text());
                setFileName(file.name);
              }}
            />
          </label>
          <label className="toggle">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enable the imported rules
          </label>
          <button type="submit" className="button primary" disabled={!text.trim() || submitting.fetching || (importId !== null && !finished)} data-testid="rule-import-submit">
            Import
          </button>
        </div>
      </form>
      {error && <ErrorState error={error} title="The import was refused" />}
      {importId && !finished && (status.error ? <ErrorState error={status.error} title="Could not follow the import" /> : <Loading label="Compiling…" />)}
      {report && finished && (
        <div className="import-report" data-testid="rule-import-report" role="status">
          <p>
            <strong>{report.status === 'error' ? 'The import failed.' : `${report.compiled.length} compiled, ${report.failures.length} failed`}</strong>
            {fileName ? <span className="muted"> ({report.fileName})</span> : null}
          </p>
          {report.compiled.length > 0 && (
            <p data-testid="rule-import-compiled">
              Compiled: {report.compiled.map((name) => <code key={name}>{name} </code>)}
            </p>
          )}
          {report.failures.length > 0 && (
            <ul className="import-failures" data-testid="rule-import-failures">
              {report.failures.map((failure, i) => (
                <li key={i}>
                  <strong>{failure.title}</strong>: {failure.error}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

interface TestResult {
  ruleName: string;
  positive: boolean | null;
  negative: boolean | null;
  positiveAlerts: number | null;
  negativeAlerts: number | null;
}

interface DryRunMatch {
  entity: string | null;
  eventCount: number;
  firstEventAt: string;
  lastEventAt: string;
  summary: string | null;
}

const dryRunHours = [1, 6, 24, 72, 168];

/** The rule's fixture tests (`testRule`) and a dry run over recent events (`dryRunRule`); neither keeps anything. */
function RuleTests({ rule }: { rule: RuleRow }) {
  const [testing, runTest] = useMutation<{ testRule: { result: TestResult | null } }>(TestRule);
  const [dryRun, runDryRun] = useMutation<{ dryRunRule: { result: DryRunMatch[] | null } }>(DryRunRule);
  const [hours, setHours] = useState(24);
  const hasFixtures = Boolean(rule.fixtures && typeof rule.fixtures === 'object' && Object.keys(rule.fixtures as object).length);
  const test = testing.data?.testRule.result;
  const verdict = (ok: boolean | null, alerts: number | null, expected: string) =>
    ok === null ? <span className="muted">no fixtures</span> : <span className={ok ? 'pass' : 'fail'}>{ok ? 'pass' : 'FAIL'} <span className="muted small">({alerts ?? 0} alert{alerts === 1 ? '' : 's'}; {expected})</span></span>;
  const matches = dryRun.data?.dryRunRule.result;
  return (
    <>
      <h3>Test results</h3>
      <div className="drawer-actions">
        <button type="button" className="button" onClick={() => runTest({ id: rule.rowId })} disabled={testing.fetching || !hasFixtures} data-testid="rule-test-run">
          Run fixture tests
        </button>
        {!hasFixtures && <span className="muted small">This rule has no fixtures.</span>}
      </div>
      {testing.fetching && <Loading label="Testing…" />}
      {testing.error && <ErrorState error={testing.error} title="The test failed to run" />}
      {test && !testing.fetching && (
        <dl className="fields" data-testid="rule-test-result">
          <div className="field-row">
            <dt>positive</dt>
            <dd>{verdict(test.positive, test.positiveAlerts, 'must alert')}</dd>
          </div>
          <div className="field-row">
            <dt>negative</dt>
            <dd>{verdict(test.negative, test.negativeAlerts, 'must not alert')}</dd>
          </div>
        </dl>
      )}
      <form
        className="drawer-actions"
        onSubmit={(event) => {
          event.preventDefault();
          runDryRun({ id: rule.rowId, hours });
        }}
      >
        <label>
          Dry run over the last{' '}
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))} data-testid="rule-dry-run-hours">
            {dryRunHours.map((h) => (
              <option key={h} value={h}>
                {h < 24 ? `${h} h` : `${h / 24} d`}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button" disabled={dryRun.fetching} data-testid="rule-dry-run">
          Dry run
        </button>
      </form>
      {dryRun.fetching && <Loading label="Evaluating…" />}
      {dryRun.error && <ErrorState error={dryRun.error} title="The dry run failed" />}
      {matches && !dryRun.fetching &&
        (matches.length === 0 ? (
          <Empty>The rule would raise no alert over these hours.</Empty>
        ) : (
          <table className="data-table" data-testid="rule-dry-run-result">
            <caption className="muted small">{matches.length === 500 ? 'The first 500 alerts' : `${matches.length} alert${matches.length === 1 ? '' : 's'}`} it would raise (nothing was kept)</caption>
            <thead>
              <tr>
                <th scope="col">Entity</th>
                <th scope="col" className="num">
                  Events
                </th>
                <th scope="col">First (UTC)</th>
                <th scope="col">Last (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {matches.map((m, i) => (
                <tr key={i} title={m.summary ?? undefined}>
                  <td>{m.entity ?? '—'}</td>
                  <td className="num">{m.eventCount}</td>
                  <td className="nowrap">{formatTs(m.firstEventAt).slice(0, 19)}</td>
                  <td className="nowrap">{formatTs(m.lastEventAt).slice(0, 19)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}
