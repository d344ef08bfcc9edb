import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's Prometheus metrics (prom-client: the standard exposition format and process metrics). */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly linesRead = new Counter({ name: 'siem_agent_lines_read_total', help: 'Lines (events) read by a source', labelNames: ['kind', 'source'], registers: [this.registry] });
  readonly batches = new Counter({ name: 'siem_agent_batches_total', help: 'Batches committed (stored) or found already stored (duplicate)', labelNames: ['outcome'], registers: [this.registry] });
  readonly linesStored = new Counter({ name: 'siem_agent_lines_stored_total', help: 'Lines in batches PostgreSQL committed', registers: [this.registry] });
  readonly sendFailures = new Counter({ name: 'siem_agent_batch_send_failures_total', help: 'Failed batch attempts (each is retried)', registers: [this.registry] });
  readonly sendSeconds = new Histogram({ name: 'siem_agent_batch_send_seconds', help: 'Time to COPY and commit one batch', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  readonly spoolBytes = new Gauge({ name: 'siem_agent_spool_bytes', help: 'Bytes of batches in the disk spool, not yet committed', registers: [this.registry] });
  readonly spoolBatches = new Gauge({ name: 'siem_agent_spool_batches', help: 'Batches in the disk spool, not yet committed', registers: [this.registry] });
  readonly spoolFull = new Gauge({ name: 'siem_agent_spool_full', help: '1 while the spool is full and sources are held back', registers: [this.registry] });
  readonly filesOpen = new Gauge({ name: 'siem_agent_files_open', help: 'Files being tailed', registers: [this.registry] });
  readonly fileRotations = new Counter({ name: 'siem_agent_file_rotations_total', help: 'Rotations seen: renamed (a new file at the path) or truncated (copytruncate)', labelNames: ['kind'], registers: [this.registry] });
  readonly syslogConnections = new Gauge({ name: 'siem_agent_syslog_connections', help: 'Open TCP/TLS syslog connections', labelNames: ['source'], registers: [this.registry] });
  readonly udpDropped = new Counter({ name: 'siem_agent_syslog_udp_dropped_total', help: 'UDP datagrams received but dropped because the spool was full', labelNames: ['source'], registers: [this.registry] });
  readonly udpKernelDrops = new Gauge({ name: 'siem_agent_syslog_udp_kernel_drops', help: 'Datagrams the kernel dropped on the listening socket (receive buffer overflow, Linux /proc/net/udp)', labelNames: ['source'], registers: [this.registry] });
  readonly tlsRejected = new Counter({ name: 'siem_agent_syslog_tls_rejected_total', help: 'TLS handshakes that failed (e.g. missing or untrusted client certificate)', labelNames: ['source'], registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'siem_agent_http_requests_total', help: 'Requests of the HTTP pollers by status (error when none)', labelNames: ['name', 'status'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'siem_agent_' });
  }

  /** Serves /metrics (and /healthz) until closed. */
  async serve(host: string, port: number): Promise<Server> {
    const server = createServer((request, response) => {
      if (request.url === '/metrics') {
        this.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          (error: Error) => response.writeHead(500).end(error.message),
        );
      } else if (request.url === '/healthz') {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return server;
  }
}
