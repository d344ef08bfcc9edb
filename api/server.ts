import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { PgSubscriber } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { makeAuthenticator, type Limits } from './auth.ts';
import { makeWebHandler } from './installWeb.ts';
import { makeMetrics } from './metrics.ts';
import { makePreset } from './preset.ts';
import { defaultProtection, type ProtectionLimits } from './protection.ts';
import { makeRestHandler } from './rest.ts';

export interface ApiOptions {
  authenticatorUrl: string;
  port: number;
  host: string;
  webDistDir: string;
  graphiql: boolean;
  /** HS256 secret of the JWTs the login mutation issues. */
  jwtSecret: string;
  limits?: Partial<Limits>;
  protection?: Partial<ProtectionLimits>;
  /** Show database errors and stacks to clients (development only). Default: false. */
  exposeErrors?: boolean;
}

export interface ApiServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

export const defaultLimits: Limits = {
  timeouts: { siem_anonymous: 2_000, siem_analyst: 15_000, siem_admin: 60_000 },
  jwtTtlSeconds: 3600,
};

/**
 * One HTTP server: GraphQL (with GraphiQL and subscriptions) from PostGraphile, the REST
 * compatibility routes, /metrics and /healthz; everything else is the built web UI.
 */
export async function startApiServer(options: ApiOptions): Promise<ApiServer> {
  const pool = new pg.Pool({ connectionString: options.authenticatorUrl, max: 10 });
  pool.on('error', () => {}); // an idle client lost its server; the pool replaces it on demand
  const limits: Limits = { ...defaultLimits, ...options.limits, timeouts: { ...defaultLimits.timeouts, ...options.limits?.timeouts } };
  const protection = { ...defaultProtection, ...options.protection };
  // LISTEN (live tail) holds one connection of its own, apart from the request pool.
  const listenPool = new pg.Pool({ connectionString: options.authenticatorUrl, max: 1 });
  listenPool.on('error', () => {});
  const pgSubscriber = new PgSubscriber(listenPool);
  const metrics = makeMetrics();
  const authenticator = makeAuthenticator({ pool, jwtSecret: options.jwtSecret });
  const pgl = postgraphile(
    makePreset({ pool, graphiql: options.graphiql, jwtSecret: options.jwtSecret, authenticator, limits, protection, metrics, pgSubscriber, exposeErrors: options.exposeErrors ?? false }),
  );
  const serv = pgl.createServ(grafserv);
  await pgl.getSchema();
  const graphqlHandler = serv.createHandler();
  const restHandler = makeRestHandler({ pool, authenticator, limits, metrics });
  const webHandler = makeWebHandler(options.webDistDir);
  const server = createServer((req, res) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (pathname === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    restHandler(req, res).then(
      (handled) => {
        if (!handled) graphqlHandler(req, res, () => webHandler(req, res));
      },
      () => {
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  });
  const upgrade = await serv.getUpgradeHandler();
  if (upgrade) {
    server.on('upgrade', (req, socket, head) => {
      if (serv.shouldHandleUpgrade(req, socket, head)) upgrade(req, socket, head);
      else socket.destroy();
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${options.port} is taken: stop what uses it or set SIEM_PORT.`) : error),
    );
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    server,
    url: `http://${shownHost}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Releasing the PostGraphile instance also releases the server it created.
      await pgl.release();
      pgSubscriber.release();
      await pool.end();
      await listenPool.end();
    },
  };
}
