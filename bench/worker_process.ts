// The worker in its own process, as `siem start` runs it beside the ingesting agents.
// Usage: node bench/worker_process.ts <owner url> <dns server>; prints "ready"; stops on SIGTERM.
import { startWorker } from '../worker/run.ts';

const [connectionString, dnsServer] = process.argv.slice(2);
const worker = await startWorker({
  connectionString: connectionString!,
  concurrency: 2,
  partitionDaysAhead: 2,
  enrichment: {
    geoipCityPath: undefined,
    geoipAsnPath: undefined,
    dns: { enabled: true, servers: [dnsServer!], timeoutMs: 1000, concurrency: 16, inlineMs: 200 },
    dnsCacheSeconds: 300,
    retroHuntDays: 30,
  },
  log: (message) => {
    if (/error|fail/i.test(message)) console.error(`worker: ${message}`);
  },
});
console.log('ready');
process.on('SIGTERM', () => {
  void worker.stop().then(() => process.exit(0));
});
