import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Shared Prometheus helpers for every service (API, worker, agent). Names follow Prometheus
 * conventions: a `siem_` prefix, base units in the name (`_seconds`, `_bytes`), `_total` on counters.
 * One registry per process: `siem start` runs worker and API together and serves them both.
 */

/** The process's registry, with Node's default metrics (CPU, memory, event loop) under `siem_process_`... names. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'siem_' });
  return registry;
}

/** A request handler that serves `registry` in the Prometheus text format; false if the path is not /metrics. */
export function metricsHandler(registry: Registry): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') return false;
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
    );
    return true;
  };
}

export interface MetricsServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/** A small HTTP server with only /metrics (and /healthz), for processes without their own HTTP port. */
export async function startMetricsServer(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const handle = metricsHandler(registry);
  const server = createServer((req, res) => {
    if (handle(req, res)) return;
    if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics here\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} is taken: stop what uses it or set SIEM_METRICS_PORT (0 turns the metrics port off).`) : error),
    );
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}/metrics`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Latency buckets (seconds) from 1 ms to 5 min, for requests and jobs alike. */
export const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Runs `refresh` at most once per `minIntervalMs` however often Prometheus scrapes, sharing one
 * in-flight refresh among concurrent scrapes.
 */
export function throttled(refresh: () => Promise<void>, minIntervalMs: number): () => Promise<void> {
  let last = 0;
  let inFlight: Promise<void> | undefined;
  return () => {
    if (inFlight) return inFlight;
    if (Date.now() - last < minIntervalMs) return Promise.resolve();
    inFlight = refresh().finally(() => {
      last = Date.now();
      inFlight = undefined;
    });
    return inFlight;
  };
}
