import { useEffect, useMemo, useState } from 'react';
import { useQuery, type CombinedError } from 'urql';
import { navigate } from '../lib/router.ts';
import { pickBucket } from '../lib/time.ts';
import { RangeOptions } from '../ui/RangeOptions.tsx';
import type { CountRow, TopValue } from '../search/queries.ts';
import { emptySearch, searchHref, withValue } from '../search/searchState.ts';
import { Link } from '../ui/Link.tsx';
import { severities } from '../alerts/queries.ts';
import { useCapabilities } from '../lib/capabilities.ts';
import { Empty, ErrorState, Loading } from '../ui/states.tsx';
import { Grid, GridCell } from './Grid.tsx';
import type { WidgetDef } from './layout.ts';
import { sumCounts } from './transform.ts';
import { useRenderTimer } from './useRenderTimer.ts';
import { DataTable, NumberTile } from './widgets.tsx';
import { WidgetBody, rangeOf, type WidgetData } from './WidgetView.tsx';

/** Event types that mean a failed login, across the parsers the project ships. */
export const failedLoginTypes = ['ssh_failed', 'sshd_failed', 'sshd_failed_grok', 'sshd_failed_invalid_user', 'ssh_invalid_user', 'sshd_invalid_user', 'windows_logon_failed', 'windows_kerberos_preauth_failed'];

const charts: WidgetDef[] = [
  { id: 'over-time', title: 'Events over time', kind: 'line', metric: 'count_over_time', w: 8, h: 2 },
  { id: 'by-type', title: 'Events by type', kind: 'bar', metric: 'top_values', field: 'event_type', w: 4, h: 2 },
  { id: 'by-host', title: 'Events by host', kind: 'pie', metric: 'top_values', field: 'host', w: 4, h: 2 },
];
const failedLogins: WidgetDef = { id: 'failed-logins', title: 'Failed logins', kind: 'number', metric: 'count_over_time', eventTypes: failedLoginTypes, w: 4, h: 1 };

/**
 * Every overview widget in one request: one round trip instead of nine, so the browser's six
 * connections per host never queue them, and the server answers the fields in parallel.
 * Source IPs are a canonical field, which the API counts by scanning events (there is no rollup for
 * them), so that widget looks at the last hour whatever the range: it stays fast on large data.
 */
const overviewQuery = (withAlerts: boolean) => `
  query Overview($start: Datetime!, $end: Datetime!, $bucket: String!, $hourStart: Datetime!, $quarterStart: Datetime!, $failedTypes: [String]) {
    overTime: eventCounts(start: $start, end: $end, bucket: $bucket) {
      bucket
      key
      count
    }
    byType: topValues(start: $start, end: $end, field: "event_type", limit: 10) {
      value
      count
    }
    byHost: topValues(start: $start, end: $end, field: "host", limit: 10) {
      value
      count
    }
    failedLogins: eventCounts(start: $start, end: $end, bucket: "1h", eventTypes: $failedTypes) {
      bucket
      key
      count
    }
    srcIps: topValues(start: $hourStart, end: $end, field: "src_ip", limit: 10) {
      value
      count
    }
    ingest: eventCounts(start: $quarterStart, end: $end, bucket: "1m") {
      bucket
      key
      count
    }
    quarantines(first: 1) {
      totalCount
    }
    ${withAlerts ? 'openAlerts: alerts(condition: { status: "open" }, first: 500) { totalCount nodes { rowId severity } }' : ''}
  }
`;

interface OverviewData {
  overTime: CountRow[] | null;
  byType: TopValue[] | null;
  byHost: TopValue[] | null;
  failedLogins: CountRow[] | null;
  srcIps: TopValue[] | null;
  ingest: CountRow[] | null;
  quarantines: { totalCount: number } | null;
  openAlerts?: { totalCount: number; nodes: { rowId: string; severity: string }[] } | null;
}

/** The error of one field of the combined answer, so one failing widget does not blank the others. */
function fieldError(error: CombinedError | undefined, field: string): string | null {
  if (!error) return null;
  if (error.networkError) return error.message;
  const own = error.graphQLErrors.find((e) => e.path?.[0] === field);
  return own ? own.message : null;
}

const ids = ['overview'];

/** The analyst's landing page: volume, spread, suspicious sources, alerts and the health of ingest. */
export function OverviewPage() {
  const [range, setRange] = useState('24h');
  const [now, setNow] = useState(() => Date.now());
  const { onReady, renderMs } = useRenderTimer(ids);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  const { start, end } = rangeOf(range, now);
  const bucket = pickBucket(Date.parse(end) - Date.parse(start), 90);
  const variables = useMemo(
    () => ({ start, end, bucket, hourStart: new Date(Date.parse(end) - 3_600_000).toISOString(), quarterStart: new Date(Date.parse(end) - 900_000).toISOString(), failedTypes: failedLoginTypes }),
    [start, end, bucket],
  );
  // The schema says whether alerts exist (the app asked at login, so this is usually cached); then
  // one request carries every widget, alerts included.
  const capabilities = useCapabilities();
  const withAlerts = capabilities.has('alerts');
  const query = useMemo(() => overviewQuery(withAlerts), [withAlerts]);
  const [result] = useQuery<OverviewData>({ query, variables, pause: !capabilities.ready });
  const settled = Boolean(result.data || result.error);
  useEffect(() => {
    if (settled) onReady('overview');
  }, [settled, onReady]);

  const cell = (field: keyof OverviewData, draw: (data: OverviewData) => React.ReactNode) => {
    const error = fieldError(result.error, field);
    if (error) return <ErrorState error={error} title="This widget's query failed" />;
    if (!result.data) return result.error ? <ErrorState error={result.error} /> : <Loading />;
    return draw(result.data);
  };
  const chartData = (widget: WidgetDef, data: OverviewData): WidgetData =>
    widget.id === 'over-time' ? { counts: data.overTime } : widget.id === 'by-type' ? { top: data.byType } : widget.id === 'by-host' ? { top: data.byHost } : { counts: data.failedLogins };
  const fieldOf: Record<string, keyof OverviewData> = { 'over-time': 'overTime', 'by-type': 'byType', 'by-host': 'byHost', 'failed-logins': 'failedLogins' };

  return (
    <div className="page" data-testid="overview" data-render-ms={renderMs ?? undefined}>
      <div className="page-header">
        <h1>Overview</h1>
        <label>
          Range{' '}
          <select value={range} onChange={(e) => setRange(e.target.value)} aria-label="Overview range">
            <RangeOptions />
          </select>
        </label>
        {renderMs !== null && <span className="muted small">all widgets in {renderMs} ms</span>}
      </div>
      <Grid>
        {charts.map((widget) => (
          <GridCell key={widget.id} w={widget.w} h={widget.h} title={widget.title} testId={`widget-${widget.id}`}>
            {cell(fieldOf[widget.id]!, (data) => (
              <WidgetBody widget={widget} last={range} start={start} end={end} bucket={bucket} data={chartData(widget, data)} />
            ))}
          </GridCell>
        ))}
        <GridCell w={4} h={2} title="Top source IPs (last hour)" testId="widget-src-ips">
          {cell('srcIps', (data) => (
            <TopSourceIps values={data.srcIps ?? []} start={variables.hourStart} end={end} />
          ))}
        </GridCell>
        <GridCell w={4} h={1} title="Failed logins" testId="widget-failed-logins">
          {cell('failedLogins', (data) => (
            <WidgetBody widget={failedLogins} last={range} start={start} end={end} bucket="1h" data={chartData(failedLogins, data)} />
          ))}
        </GridCell>
        <GridCell w={4} h={1} title="Open alerts by severity" testId="widget-alerts">
          {withAlerts ? cell('openAlerts', (data) => <AlertsBySeverity alerts={data.openAlerts ?? null} />) : <Empty>Alerts are not available from this API yet.</Empty>}
        </GridCell>
        <GridCell w={4} h={1} title="Ingest rate (last 15 min)" testId="widget-ingest-rate">
          {cell('ingest', (data) => {
            const perSecond = ingestRate(data.ingest ?? [], now);
            return <NumberTile value={Math.round(perSecond * 10) / 10} unit="events per second" tone={perSecond === 0 ? 'warn' : 'ok'} />;
          })}
        </GridCell>
        <GridCell w={4} h={1} title="Quarantined lines" testId="widget-quarantine">
          {cell('quarantines', (data) => {
            const count = data.quarantines?.totalCount ?? null;
            return (
              <button type="button" className="tile-link" onClick={() => navigate('/quarantine')}>
                <NumberTile value={count} unit="lines in quarantine" tone={count ? 'warn' : 'ok'} />
              </button>
            );
          })}
        </GridCell>
      </Grid>
    </div>
  );
}

/**
 * Events per second over the last 15 minutes, or since the first minute with events when ingest
 * started later (a fresh start would otherwise read as a trickle).
 */
export function ingestRate(rows: CountRow[], now: number): number {
  if (!rows.length) return 0;
  const first = Math.min(...rows.map((r) => Date.parse(r.bucket)));
  const seconds = Math.max(60, Math.min(900, (now - first) / 1000));
  return sumCounts(rows) / seconds;
}

/** One request for the countries of all listed IPs: an aliased searchEvents (limit 1) per IP. */
export function countryQuery(ips: string[]): string {
  // With no IPs the query is paused, but urql still parses it: keep it valid.
  const fields = ips.map((_, i) => `ip${i}: searchEvents(start: $start, end: $end, fields: $f${i}, limit: 1) { enrichment }`).join('\n') || '__typename';
  const variables = ips.map((_, i) => `$f${i}: JSON`).join(', ');
  return `query SourceIpCountries($start: Datetime!, $end: Datetime!${variables ? ', ' + variables : ''}) {\n${fields}\n}`;
}

function countryOf(enrichment: Record<string, unknown> | null | undefined): string {
  const geoip = enrichment?.geoip as { country?: string; country_code?: string } | undefined;
  return geoip?.country ?? geoip?.country_code ?? '—';
}

/** Countries come after the IPs (a second request), so the table shows without waiting for them. */
function TopSourceIps({ values, start, end }: { values: TopValue[]; start: string; end: string }) {
  const rows = values.filter((v) => v.value !== null).map((v) => ({ ip: v.value!, count: Number(v.count) }));
  const ips = rows.map((r) => r.ip);
  const query = useMemo(() => countryQuery(ips), [ips.join(',')]);
  const variables = useMemo(() => ({ start, end, ...Object.fromEntries(ips.map((ip, i) => [`f${i}`, { src_ip: ip }])) }), [query, start, end]);
  const [countries] = useQuery<Record<string, { enrichment: Record<string, unknown> | null }[] | null>>({ query, variables, pause: ips.length === 0 });
  const country = (ip: string) => (countries.error ? '?' : !countries.data ? '…' : countryOf(countries.data[`ip${ips.indexOf(ip)}`]?.[0]?.enrichment));
  if (!rows.length) return <Empty>No events with a source IP in the last hour.</Empty>;
  return (
    <DataTable
      columns={[
        { key: 'ip', label: 'Source IP', render: (r) => <Link href={searchHref(withValue({ ...emptySearch, range: { kind: 'relative', last: '1h' } }, 'src_ip', r.ip))}>{r.ip}</Link> },
        { key: 'country', label: 'Country', render: (r) => country(r.ip) },
        { key: 'count', label: 'Events', numeric: true },
      ]}
      rows={rows}
      rowKey={(r) => r.ip}
    />
  );
}

/** Open alerts per severity, each a link to the alerts list filtered by it. */
function AlertsBySeverity({ alerts }: { alerts: { totalCount: number; nodes: { severity: string }[] } | null }) {
  const counts = new Map<string, number>();
  for (const alert of alerts?.nodes ?? []) counts.set(alert.severity, (counts.get(alert.severity) ?? 0) + 1);
  if (!alerts?.totalCount) return <Empty>No open alerts.</Empty>;
  return (
    <div className="severity-bars">
      {severities
        .filter((s) => counts.has(s))
        .map((s) => (
          <Link key={s} href={`/alerts?severity=${s}`}>
            <span className="count">{counts.get(s)}</span>
            <span className={`severity severity-${s}`}>{s}</span>
          </Link>
        ))}
    </div>
  );
}
