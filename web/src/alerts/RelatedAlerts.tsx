import { useCapabilities } from '../lib/capabilities.ts';

/** Alerts that name this event. The alerts table comes with the detection module. */
export function RelatedAlerts({ eventId }: { eventId: string }) {
  const capabilities = useCapabilities();
  if (!capabilities.ready) return null;
  if (!capabilities.has('alerts')) return <p className="muted">Alerts are not available from this API yet.</p>;
  return <p className="muted">No alert lists event {eventId}.</p>;
}
