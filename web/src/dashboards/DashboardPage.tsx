import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { useSession } from '../auth/session.ts';
import { navigate, useLocation } from '../lib/router.ts';
import { RangeOptions } from '../ui/RangeOptions.tsx';
import { Empty, ErrorState, Loading, describeError } from '../ui/states.tsx';
import { Grid, GridCell } from './Grid.tsx';
import { addWidget, moveWidget, parseLayout, removeWidget, updateWidget, type Layout } from './layout.ts';
import { DashboardQuery, DeleteDashboard, UpdateDashboard, type DashboardRow } from './queries.ts';
import { useRenderTimer } from './useRenderTimer.ts';
import { WidgetEditor, newDraft } from './WidgetEditor.tsx';
import { WidgetView } from './WidgetView.tsx';

/** One saved dashboard; its owner edits it in place and saves the layout JSON to the `dashboards` table. */
export function DashboardPage({ id }: { id: string }) {
  const session = useSession();
  const { params } = useLocation();
  const [result] = useQuery<{ dashboard: DashboardRow | null }>({ query: DashboardQuery, variables: { id }, requestPolicy: 'cache-and-network' });
  const dashboard = result.data?.dashboard;
  if (result.error) return <ErrorState error={result.error} title="Could not load the dashboard" />;
  if (!result.data) return <Loading />;
  if (!dashboard)
    return (
      <div className="page">
        <ErrorState error="This dashboard does not exist, or its owner has not shared it." title="Not found" />
      </div>
    );
  return <DashboardView key={dashboard.rowId} dashboard={dashboard} canEdit={dashboard.ownerId === session?.userId} startEditing={params.get('edit') === '1'} />;
}

function DashboardView({ dashboard, canEdit, startEditing }: { dashboard: DashboardRow; canEdit: boolean; startEditing: boolean }) {
  const saved = parseLayout(dashboard.layout);
  const [layout, setLayout] = useState<Layout>(saved);
  const [title, setTitle] = useState(dashboard.title);
  const [editing, setEditing] = useState(canEdit && startEditing);
  const [editor, setEditor] = useState<{ id: string | null } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [saving, save] = useMutation(UpdateDashboard);
  const [, remove] = useMutation(DeleteDashboard);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const { onReady, renderMs } = useRenderTimer(layout.widgets.map((w) => w.id));
  const dirty = JSON.stringify(layout) !== JSON.stringify(saved) || title !== dashboard.title;

  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  async function persist(patch: Record<string, unknown>, done: string) {
    const answer = await save({ id: dashboard.rowId, patch });
    setMessage(answer.error ? { text: describeError(answer.error), error: true } : { text: done });
    return !answer.error;
  }

  const editing_ = editing && canEdit;
  const editingWidget = editor?.id ? layout.widgets.find((w) => w.id === editor.id) : null;
  return (
    <div className="page" data-testid="dashboard" data-render-ms={renderMs ?? undefined}>
      <div className="page-header">
        {editing_ ? <input className="title-input" value={title} onChange={(e) => setTitle(e.target.value)} aria-label="Dashboard title" /> : <h1>{dashboard.title}</h1>}
        <label>
          Range{' '}
          <select value={layout.range} onChange={(e) => setLayout({ ...layout, range: e.target.value })} aria-label="Dashboard range">
            <RangeOptions />
          </select>
        </label>
        {!canEdit && <span className="tag">shared by another user: read only</span>}
        {canEdit && (
          <div className="toolbar">
            {editing_ ? (
              <>
                <button type="button" className="button" onClick={() => setEditor({ id: null })} data-testid="add-widget">
                  + Add widget
                </button>
                <button type="button" className="button primary" disabled={!dirty || saving.fetching} onClick={() => persist({ title, layout }, 'Saved.').then((ok) => ok && (setEditing(false), navigate(`/dashboards/${dashboard.rowId}`, { replace: true })))} data-testid="save-dashboard">
                  {saving.fetching ? 'Saving…' : 'Save'}
                </button>
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    setLayout(saved);
                    setTitle(dashboard.title);
                    setEditing(false);
                  }}
                >
                  Discard
                </button>
              </>
            ) : (
              <button type="button" className="button" onClick={() => setEditing(true)} data-testid="edit-dashboard">
                Edit
              </button>
            )}
            <label className="toggle">
              <input type="checkbox" checked={dashboard.shared} onChange={(e) => persist({ shared: e.target.checked }, e.target.checked ? 'Shared: everyone can open this link.' : 'Private again.')} /> Shared
            </label>
            <button
              type="button"
              className="button ghost danger"
              onClick={async () => {
                if (!window.confirm(`Delete the dashboard "${dashboard.title}"?`)) return;
                const answer = await remove({ id: dashboard.rowId });
                if (answer.error) setMessage({ text: describeError(answer.error), error: true });
                else navigate('/dashboards');
              }}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      {message && (
        <p className={message.error ? 'error' : 'notice'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {editor && (
        <div className="panel">
          <WidgetEditor
            initial={editingWidget ?? newDraft}
            saveLabel={editingWidget ? 'Update widget' : 'Add to dashboard'}
            onCancel={() => setEditor(null)}
            onSave={(draft) => {
              setLayout(editingWidget ? updateWidget(layout, editingWidget.id, draft) : addWidget(layout, draft));
              setEditor(null);
            }}
          />
        </div>
      )}
      {layout.widgets.length === 0 ? (
        <Empty>{canEdit ? 'This dashboard has no widgets yet: choose Edit, then Add widget.' : 'This dashboard has no widgets.'}</Empty>
      ) : (
        <Grid>
          {layout.widgets.map((widget, index) => (
            <GridCell
              key={widget.id}
              w={widget.w}
              h={widget.h}
              title={widget.title}
              testId="dashboard-widget"
              actions={
                editing_ && (
                  <>
                    <button type="button" className="icon-button" aria-label={`Move ${widget.title} earlier`} disabled={index === 0} onClick={() => setLayout(moveWidget(layout, widget.id, -1))}>
                      ←
                    </button>
                    <button type="button" className="icon-button" aria-label={`Move ${widget.title} later`} disabled={index === layout.widgets.length - 1} onClick={() => setLayout(moveWidget(layout, widget.id, 1))}>
                      →
                    </button>
                    <button type="button" className="icon-button" aria-label={`Make ${widget.title} narrower`} disabled={widget.w <= 2} onClick={() => setLayout(updateWidget(layout, widget.id, { w: widget.w - 1 }))}>
                      −
                    </button>
                    <button type="button" className="icon-button" aria-label={`Make ${widget.title} wider`} disabled={widget.w >= 12} onClick={() => setLayout(updateWidget(layout, widget.id, { w: widget.w + 1 }))}>
                      +
                    </button>
                    <button type="button" className="icon-button" aria-label={`Make ${widget.title} ${widget.h >= 4 ? 'shorter' : 'taller'}`} onClick={() => setLayout(updateWidget(layout, widget.id, { h: widget.h >= 4 ? 1 : widget.h + 1 }))}>
                      ↕
                    </button>
                    <button type="button" className="icon-button" aria-label={`Configure ${widget.title}`} onClick={() => setEditor({ id: widget.id })}>
                      ⚙
                    </button>
                    <button type="button" className="icon-button danger" aria-label={`Remove ${widget.title}`} onClick={() => setLayout(removeWidget(layout, widget.id))}>
                      ✕
                    </button>
                  </>
                )
              }
            >
              <WidgetView widget={widget} range={layout.range} now={now} onReady={onReady} />
            </GridCell>
          ))}
        </Grid>
      )}
    </div>
  );
}
