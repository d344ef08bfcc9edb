// The worker or the API in its own process, as `siem start` runs them, so the soak can watch each one's memory.
// Usage: node bench/drill/soak_process.ts worker <owner url> | api <authenticator url> <web dist dir>
// Prints "ready <url>" once serving; errors go to stderr; stops on SIGTERM.
import { startApiServer } from '../../api/server.ts';
import { startWorker } from '../../worker/run.ts';

const [kind, url, webDistDir] = process.argv.slice(2);
let stop: () => Promise<void>;
if (kind === 'worker') {
  const worker = await startWorker({
    connectionString: url!,
    concurrency: 2,
    partitionDaysAhead: 2,
    log: (message) => {
      if (/error|fail/i.test(message)) console.error(`worker: ${message}`);
      else if (message.startsWith('[rules__evaluate]')) console.log(message);
    },
  });
  stop = () => worker.stop();
  console.log('ready');
} else {
  const api = await startApiServer({ authenticatorUrl: url!, port: 0, host: '127.0.0.1', webDistDir: webDistDir!, graphiql: false, jwtSecret: 'soak-secret-soak-secret-soak-secret' });
  stop = () => api.stop();
  console.log(`ready ${api.url}`);
}
process.on('SIGTERM', () => {
  void stop().then(() => process.exit(0));
});
