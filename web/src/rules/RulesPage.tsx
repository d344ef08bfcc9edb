import { useCapabilities } from '../lib/capabilities.ts';
import { Empty, Loading } from '../ui/states.tsx';

/** Rules with status and last firing; the rules table arrives with the detection module. */
export function RulesPage() {
  const capabilities = useCapabilities();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Rules</h1>
      </div>
      {!capabilities.ready ? <Loading /> : <Empty>Rules are not available from this API yet: they arrive with the detection module.</Empty>}
    </div>
  );
}
