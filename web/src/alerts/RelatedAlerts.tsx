import { useCapabilities } from '../lib/capabilities.ts';
import { Link } from '../ui/Link.tsx';

/**
 * Alerts naming this event. The API has no lookup of alerts by event yet (alert_events is indexed by
 * alert, not by event), so this says so and links to the alerts list instead of scanning it.
 */
export function RelatedAlerts({ eventId }: { eventId: string }) {
  const capabilities = useCapabilities();
  if (!capabilities.ready) return null;
  if (!capabilities.has('alerts')) return <p className="muted">Alerts are not available from this API yet.</p>;
  return (
    <p className="muted">
      The API cannot yet list the alerts of one event ({eventId}); see <Link href="/alerts?status=any">all alerts</Link>.
    </p>
  );
}
