import client from 'prom-client';

/** The API's Prometheus metrics, in a registry of their own (one per server, so tests can run several). */
export function makeMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const graphqlRequests = new client.Counter({
    name: 'siem_api_requests_total',
    help: 'GraphQL operations by name, type (query, mutation, subscription) and outcome (ok, error, refused).',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const graphqlDuration = new client.Histogram({
    name: 'siem_api_request_duration_seconds',
    help: 'Time to execute a GraphQL operation, by name and type.',
    labelNames: ['operation', 'type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const restRequests = new client.Counter({
    name: 'siem_api_rest_requests_total',
    help: 'REST compatibility requests by route and HTTP status.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const restDuration = new client.Histogram({
    name: 'siem_api_rest_request_duration_seconds',
    help: 'Time to answer a REST compatibility request, by route.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, graphqlRequests, graphqlDuration, restRequests, restDuration };
}

export type Metrics = ReturnType<typeof makeMetrics>;

const seenOperations = new Set<string>();
const maxOperations = 500;

/**
 * Operation names become label values: keep them short and tame, and stop adding new ones after
 * 500 distinct names ('other'), so a client cannot explode the series.
 */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'invalid';
  if (!seenOperations.has(name)) {
    if (seenOperations.size >= maxOperations) return 'other';
    seenOperations.add(name);
  }
  return name;
}
