// A DNS server answering NXDOMAIN in its own process, so the load generator does not slow its answers.
// Usage: node bench/dns_process.ts; prints its address (127.0.0.1:port); stops on SIGTERM.
import { startDnsServer } from '../test/dns_server.ts';

const server = await startDnsServer({});
console.log(server.address);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
