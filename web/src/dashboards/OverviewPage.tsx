import { useEffect, useMemo, useState } from 'react';
import { gql, useQuery } from 'urql';
import { useCapabilities } from '../lib/capabilities.ts';
import { navigate } from '../lib/router.ts';
import { relativeRanges } from '../lib/time.ts';
import { EventCountsQuery, TopValuesQuery, type CountRow, type TopValue } from '../search/queries.ts';
import { emptySearch, searchHref, withValue } from '../search/searchState.ts';
import { Link } from '../ui/Link.tsx';
import { Empty, ErrorState, Loading } from '../ui/states.tsx';
import { Grid, GridCell } from './Grid.tsx';
import type { WidgetDef } from './layout.ts';
import { sumCounts } from './transform.ts';
import { useRenderTimer } from './useRenderTimer.ts';
import { DataTable, NumberTile } from './widgets.tsx';
import { WidgetView } from './WidgetView.tsx';

/** Event types that mean a failed login, across the parsers the project ships. */
export const failedLoginTypes = ['ssh_failed', 'sshd_failed', 'sshd_failed_grok', 'sshd_failed_invalid_user', 'ssh_invalid_user', 'sshd_invalid_user', 'windows_logon_failed', 'windows_kerberos_preauth_failed'];

const charts: WidgetDef[] = [
  { id: 'over-time', title: 'Events over time', kind: 'line', metric: 'count_over_time', w: 8, h: 2 },
  { id: 'by-type', title: 'Events by type', kind: 'bar', metric: 'top_values', field: 'event_type', w: 4, h: 2 },
  { id: 'by-host', title: 'Events by host', kind: 'pie', metric: 'top_values', field: 'host', w: 4, h: 2 },
];
const ids = [...charts.map((c) => c.id), 'src-ips', 'failed-logins', 'alerts', 'ingest-rate', 'quarantine'];

/** The analyst's landing page: volume, spread, suspicious sources, alerts and the health of ingest. */
export function OverviewPage() {
  const [range, setRange] = useState('24h');
  const [now, setNow] = useState(() => Date.now());
  const { onReady, renderMs } = useRenderTimer(ids);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return (
    <div className="page" data-testid="overview" data-render-ms={renderMs ?? undefined}>
      <div className="page-header">
        <h1>Overview</h1>
        <label>
          Range{' '}
          <select value={range} onChange={(e) => setRange(e.target.value)} aria-label="Overview range">
            {relativeRanges.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {renderMs !== null && <span className="muted small">all widgets in {renderMs} ms</span>}
      </div>
      <Grid>
        {charts.map((widget) => (
          <GridCell key={widget.id} w={widget.w} h={widget.h} title={widget.title} testId={`widget-${widget.id}`}>
            <WidgetView widget={widget} range={range} now={now} onReady={onReady} />
          </GridCell>
        ))}
        <GridCell w={4} h={2} title="Top source IPs" testId="widget-src-ips">
          <TopSourceIps range={range} now={now} onReady={onReady} />
        </GridCell>
        <GridCell w={4} h={1} title="Failed logins" testId="widget-failed-logins">
          <WidgetView widget={{ id: 'failed-logins', title: '', kind: 'number', metric: 'count_over_time', eventTypes: failedLoginTypes, w: 4, h: 1 }} range={range} now={now} onReady={onReady} />
        </GridCell>
        <GridCell w={4} h={1} title="Open alerts by severity" testId="widget-alerts">
          <OpenAlerts onReady={onReady} />
        </GridCell>
        <GridCell w={4} h={1} title="Ingest rate (last 15 min)" testId="widget-ingest-rate">
          <IngestRate now={now} onReady={onReady} />
        </GridCell>
        <GridCell w={4} h={1} title="Quarantined lines" testId="widget-quarantine">
          <QuarantineCount onReady={onReady} />
        </GridCell>
      </Grid>
    </div>
  );
}

function minuteRange(ms: number, now: number) {
  const end = Math.ceil(now / 60_000) * 60_000;
  return { start: new Date(end - ms).toISOString(), end: new Date(end).toISOString() };
}

function useSettled(result: { data?: unknown; error?: unknown }, id: string, onReady: (id: string) => void) {
  const settled = Boolean(result.data || result.error);
  useEffect(() => {
    if (settled) onReady(id);
  }, [settled, id, onReady]);
}

/** One request for the countries of all listed IPs: an aliased searchEvents (limit 1) per IP. */
export function countryQuery(ips: string[]): string {
  // With no IPs the query is paused, but urql still parses it: keep it valid.
  const fields = ips.map((_, i) => `ip${i}: searchEvents(start: $start, end: $end, fields: $f${i}, limit: 1) { enrichment }`).join('\n') || '__typename';
  const variables = ips.map((_, i) => `$f${i}: JSON`).join(', ');
  return `query SourceIpCountries($start: Datetime!, $end: Datetime!${variables ? ', ' + variables : ''}) {\n${fields}\n}`;
}

function countryOf(enrichment: Record<string, unknown> | null | undefined): string {
  const geoip = enrichment?.geoip as { country?: string; country_code?: string; city?: string } | undefined;
  return geoip?.country ?? geoip?.country_code ?? '—';
}

function useCountries(ips: string[], start: string, end: string) {
  const query = useMemo(() => countryQuery(ips), [ips.join(',')]);
  const variables = useMemo(() => ({ start, end, ...Object.fromEntries(ips.map((ip, i) => [`f${i}`, { src_ip: ip }])) }), [query, start, end]);
  const [result] = useQuery<Record<string, { enrichment: Record<string, unknown> | null }[] | null>>({ query, variables, pause: ips.length === 0 });
  return (ip: string) => {
    if (result.error) return '?';
    if (!result.data) return '…';
    return countryOf(result.data[`ip${ips.indexOf(ip)}`]?.[0]?.enrichment);
  };
}

function TopSourceIps({ range, now, onReady }: { range: string; now: number; onReady: (id: string) => void }) {
  const { start, end } = minuteRange(relativeRanges.find((r) => r.value === range) ? msOf(range) : 86_400_000, now);
  const [result] = useQuery<{ topValues: TopValue[] | null }>({ query: TopValuesQuery, variables: { start, end, field: 'src_ip', limit: 10 } });
  useSettled(result, 'src-ips', onReady);
  const rows = (result.data?.topValues ?? []).filter((v) => v.value !== null).map((v) => ({ ip: v.value!, count: Number(v.count) }));
  const country = useCountries(rows.map((r) => r.ip), start, end);
  if (result.error) return <ErrorState error={result.error} />;
  if (!result.data) return <Loading />;
  if (!rows.length) return <Empty>No events with a source IP in this range.</Empty>;
  return (
    <DataTable
      columns={[
        { key: 'ip', label: 'Source IP', render: (r) => <Link href={searchHref(withValue({ ...emptySearch, range: { kind: 'relative', last: range } }, 'src_ip', r.ip))}>{r.ip}</Link> },
        { key: 'country', label: 'Country', render: (r) => country(r.ip) },
        { key: 'count', label: 'Events', numeric: true },
      ]}
      rows={rows}
      rowKey={(r) => r.ip}
    />
  );
}

function msOf(range: string): number {
  const unit = range.at(-1);
  return Number(range.slice(0, -1)) * (unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000);
}

function IngestRate({ now, onReady }: { now: number; onReady: (id: string) => void }) {
  const { start, end } = minuteRange(15 * 60_000, now);
  const [result] = useQuery<{ eventCounts: CountRow[] }>({ query: EventCountsQuery, variables: { start, end, bucket: '1m', groupBy: null, eventTypes: null } });
  useSettled(result, 'ingest-rate', onReady);
  if (result.error) return <ErrorState error={result.error} />;
  if (!result.data) return <Loading />;
  const perSecond = sumCounts(result.data.eventCounts) / (15 * 60);
  return <NumberTile value={Math.round(perSecond * 10) / 10} unit="events per second" tone={perSecond === 0 ? 'warn' : 'ok'} />;
}

const QuarantineCountQuery = gql`
  query QuarantineCount {
    quarantines(first: 1) {
      totalCount
    }
  }
`;

function QuarantineCount({ onReady }: { onReady: (id: string) => void }) {
  const [result] = useQuery<{ quarantines: { totalCount: number } }>({ query: QuarantineCountQuery });
  useSettled(result, 'quarantine', onReady);
  if (result.error) return <ErrorState error={result.error} />;
  if (!result.data) return <Loading />;
  const count = result.data.quarantines?.totalCount ?? null;
  return (
    <button type="button" className="tile-link" onClick={() => navigate('/quarantine')}>
      <NumberTile value={count} unit="lines in quarantine" tone={count ? 'warn' : 'ok'} />
    </button>
  );
}

function OpenAlerts({ onReady }: { onReady: (id: string) => void }) {
  const capabilities = useCapabilities();
  const available = capabilities.ready && capabilities.has('alerts');
  useEffect(() => {
    if (capabilities.ready && !available) onReady('alerts');
  }, [capabilities.ready, available, onReady]);
  if (!capabilities.ready) return <Loading />;
  if (!available) return <Empty>Alerts are not available from this API yet.</Empty>;
  return <AlertsBySeverity onReady={onReady} />;
}

// Filled in by the alerts view once the alerts table exists.
function AlertsBySeverity({ onReady }: { onReady: (id: string) => void }) {
  useEffect(() => onReady('alerts'), [onReady]);
  return <Empty>No open alerts.</Empty>;
}
