import { useEffect } from 'react';
import { gql, useQuery, useSubscription } from 'urql';
import { AlertsChanged } from './queries.ts';
import { useCapabilities } from '../lib/capabilities.ts';
import { formatTs } from '../lib/time.ts';
import { Link } from '../ui/Link.tsx';
import { Empty, ErrorState, Loading } from '../ui/states.tsx';

const RelatedAlertsQuery = gql`
  query RelatedAlerts($ts: Datetime!, $id: BigInt!) {
    event(ts: $ts, rowId: $id) {
      rowId
      relatedAlerts {
        rowId
        ruleName
        entity
        severity
        status
        summary
        eventCount
        lastSeenAt
      }
    }
  }
`;

interface RelatedAlert {
  rowId: string;
  ruleName: string;
  entity: string | null;
  severity: string;
  status: string;
  summary: string | null;
  eventCount: number;
  lastSeenAt: string;
}

/** The alerts this event is a matching event of (`relatedAlerts`, row-level security applies), each a link to its detail; follows `alertsChanged`. */
export function RelatedAlerts({ eventId, ts }: { eventId: string; ts: string }) {
  const capabilities = useCapabilities();
  const available = capabilities.ready && capabilities.has('alerts');
  const [result, refetch] = useQuery<{ event: { relatedAlerts: RelatedAlert[] } | null }>({ query: RelatedAlertsQuery, variables: { ts, id: eventId }, pause: !available, requestPolicy: 'cache-and-network' });
  // The rule engine may raise (or triage may change) an alert of this event while the drawer is open.
  const [changes] = useSubscription({ query: AlertsChanged, pause: !available });
  useEffect(() => {
    if (changes.data) refetch({ requestPolicy: 'network-only' });
  }, [changes.data, refetch]);
  if (!capabilities.ready) return <Loading />;
  if (!available) return <p className="muted">Alerts are not available from this API yet.</p>;
  if (result.error) return <ErrorState error={result.error} title="Could not load the related alerts" />;
  const alerts = result.data?.event?.relatedAlerts;
  if (!alerts) return <Loading />;
  if (alerts.length === 0) return <Empty>No alert holds this event.</Empty>;
  return (
    <ul className="related-alerts" data-testid="related-alerts">
      {alerts.map((alert) => (
        <li key={alert.rowId}>
          <span className={`severity severity-${alert.severity}`}>{alert.severity}</span> <span className={`status status-${alert.status}`}>{alert.status}</span>{' '}
          <Link href={`/alerts?status=any&alert=${alert.rowId}`} data-testid="related-alert-link">
            {alert.summary ?? alert.ruleName}
          </Link>{' '}
          <span className="muted small">
            {alert.ruleName}
            {alert.entity ? ` · ${alert.entity}` : ''} · {alert.eventCount} events · last {formatTs(alert.lastSeenAt).slice(0, 19)}
          </span>
        </li>
      ))}
    </ul>
  );
}
