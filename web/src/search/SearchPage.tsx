import { useCallback, useMemo, useState } from 'react';
import { navigate, useLocation } from '../lib/router.ts';
import { formatTs } from '../lib/time.ts';
import { Empty, ErrorState, Loading } from '../ui/states.tsx';
import { formatCell } from '../dashboards/widgets.tsx';
import { ColumnPicker } from './ColumnPicker.tsx';
import { columnLabel } from './columns.ts';
import { EventDrawer } from './EventDrawer.tsx';
import { FilterBar } from './FilterBar.tsx';
import { Histogram, fillBuckets } from './Histogram.tsx';
import { columnValue, type EventRow } from './queries.ts';
import { parseSearch, searchHref, type SearchState } from './searchState.ts';
import { useHistogram, useSearch } from './useSearch.ts';

/** The search view: everything it shows is in the URL. */
export function SearchPage() {
  const { params } = useLocation();
  const state = useMemo(() => parseSearch(params), [params.toString()]);
  const [now, setNow] = useState(() => Date.now());
  const update = useCallback((next: SearchState, replace = false) => {
    setNow(Date.now());
    navigate(searchHref(next), { replace });
  }, []);
  const search = useSearch(state, now);
  const histogram = useHistogram(state, now);
  const closeDrawer = useCallback(() => navigate(searchHref({ ...state, event: undefined })), [state]);

  return (
    <div className="page search-page">
      <FilterBar state={state} onChange={(next) => update({ ...next, event: undefined })} onRefresh={() => setNow(Date.now())} />
      <section className="panel" aria-label="Events over time">
        <div className="panel-header">
          <span data-testid="result-total">
            {search.total ? `${search.total.count.toLocaleString('en')}${search.total.capped ? '+' : ''} events` : search.totalError ? 'count unavailable' : 'counting…'}
          </span>
        </div>
        {histogram.result.error ? (
          <ErrorState error={histogram.result.error} title="Could not load the histogram" />
        ) : histogram.result.fetching && !histogram.result.data ? (
          <div className="histogram-placeholder">
            <Loading />
          </div>
        ) : (
          <Histogram
            buckets={fillBuckets(histogram.buckets, histogram.from, histogram.to, histogram.bucketMs)}
            bucketMs={histogram.bucketMs}
            onZoom={({ from, to }) => update({ ...state, event: undefined, range: { kind: 'absolute', from, to } })}
          />
        )}
      </section>
      <section className="panel" aria-label="Results">
        <div className="panel-header">
          <div className="pager">
            <button type="button" className="button" disabled={!search.hasNewer} onClick={search.newer}>
              ← Newer
            </button>
            <span className="muted">Page {search.page}</span>
            <button type="button" className="button" disabled={!search.hasOlder} onClick={search.older} data-testid="older">
              Older →
            </button>
          </div>
          <ColumnPicker columns={state.columns} onChange={(columns) => update({ ...state, columns }, true)} />
        </div>
        <Results state={state} rows={search.rows} fetching={search.result.fetching} error={search.result.error} />
      </section>
      {state.event && <EventDrawer eventKey={state.event} search={state} onClose={closeDrawer} />}
    </div>
  );
}

function Results({ state, rows, fetching, error }: { state: SearchState; rows: EventRow[]; fetching: boolean; error?: Parameters<typeof ErrorState>[0]['error'] }) {
  if (error) return <ErrorState error={error} title="The search failed" />;
  if (fetching && rows.length === 0) return <Loading label="Searching…" />;
  if (rows.length === 0) return <Empty>No events match this search in this time range. Widen the range or remove a filter.</Empty>;
  const open = (row: EventRow) => navigate(searchHref({ ...state, event: `${row.rowId}@${row.ts}` }));
  return (
    <div className={`table-scroll${fetching ? ' stale' : ''}`}>
      <table className="data-table results" data-testid="results">
        <thead>
          <tr>
            {state.columns.map((column) => (
              <th key={column} scope="col">
                {columnLabel(column)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={`${row.rowId}@${row.ts}`}
              tabIndex={0}
              className={`clickable${state.event === `${row.rowId}@${row.ts}` ? ' selected' : ''}`}
              onClick={() => open(row)}
              onKeyDown={(event) => event.key === 'Enter' && open(row)}
            >
              {state.columns.map((column) => {
                const value = columnValue(row, column);
                return (
                  <td key={column} className={column === 'message' ? 'message' : column === 'ts' ? 'nowrap' : undefined}>
                    {column === 'ts' ? formatTs(String(value)) : column === 'message' ? String(value).slice(0, 400) : formatCell(value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
