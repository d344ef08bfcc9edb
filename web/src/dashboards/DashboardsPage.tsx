import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useSession } from '../auth/session.ts';
import { navigate } from '../lib/router.ts';
import { formatTs } from '../lib/time.ts';
import { Link } from '../ui/Link.tsx';
import { Empty, ErrorState, Loading, describeError } from '../ui/states.tsx';
import { emptyLayout } from './layout.ts';
import { CreateDashboard, DashboardsQuery, type DashboardRow } from './queries.ts';

/** The user's dashboards and those others shared; a new one starts empty and opens in edit mode. */
export function DashboardsPage() {
  const session = useSession();
  const [result] = useQuery<{ dashboards: { nodes: DashboardRow[] } }>({ query: DashboardsQuery, requestPolicy: 'cache-and-network' });
  const [creating, create] = useMutation<{ createDashboard: { dashboard: { rowId: string } } }>(CreateDashboard);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!title.trim()) return;
    const answer = await create({ title: title.trim(), layout: emptyLayout });
    if (answer.error) return setError(describeError(answer.error));
    const id = answer.data?.createDashboard.dashboard.rowId;
    if (id) navigate(`/dashboards/${id}?edit=1`);
  }

  // Few rows per user; the API offers no updated_at ordering, so newest first is sorted here.
  const nodes = [...(result.data?.dashboards?.nodes ?? [])].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  return (
    <div className="page">
      <div className="page-header">
        <h1>Dashboards</h1>
        <form className="inline-form" onSubmit={submit}>
          <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="New dashboard title" aria-label="New dashboard title" data-testid="new-dashboard-title" />
          <button type="submit" className="button primary" disabled={creating.fetching || !title.trim()}>
            Create
          </button>
        </form>
      </div>
      {error && <ErrorState error={error} title="Could not create the dashboard" />}
      {result.error && <ErrorState error={result.error} title="Could not load dashboards" />}
      {!result.data && result.fetching && <Loading />}
      {result.data && nodes.length === 0 && <Empty>No dashboards yet. Give one a title above to start.</Empty>}
      {nodes.length > 0 && (
        <ul className="card-list" data-testid="dashboard-list">
          {nodes.map((d) => (
            <li key={d.rowId} className="card">
              <Link href={`/dashboards/${d.rowId}`}>{d.title}</Link>
              {d.description && <p className="muted">{d.description}</p>}
              <p className="muted small">
                {d.ownerId === session?.userId ? 'yours' : 'shared with you'}
                {d.shared && d.ownerId === session?.userId ? ', shared' : ''} · updated {formatTs(d.updatedAt).slice(0, 16)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
