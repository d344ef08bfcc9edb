import { useCapabilities } from '../lib/capabilities.ts';
import { Empty, Loading } from '../ui/states.tsx';

/** Alerts list, detail and triage; the alerts table arrives with the detection module. */
export function AlertsPage() {
  const capabilities = useCapabilities();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Alerts</h1>
      </div>
      {!capabilities.ready ? <Loading /> : <Empty>Alerts are not available from this API yet: they arrive with the detection module.</Empty>}
    </div>
  );
}
