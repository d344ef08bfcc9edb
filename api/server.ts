import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { grafserv } from 'postgraphile/grafserv/node';
import { makeWebHandler } from './installWeb.ts';
import { makePreset } from './preset.ts';

export interface ApiOptions {
  authenticatorUrl: string;
  port: number;
  host: string;
  webDistDir: string;
  graphiql: boolean;
}

export interface ApiServer {
  server: Server;
  url: string;
  stop(): Promise<void>;
}

/** One HTTP server: GraphQL (and GraphiQL) from PostGraphile, everything else the built web UI. */
export async function startApiServer(options: ApiOptions): Promise<ApiServer> {
  const pool = new pg.Pool({ connectionString: options.authenticatorUrl, max: 10 });
  pool.on('error', () => {}); // an idle client lost its server; the pool replaces it on demand
  const pgl = postgraphile(makePreset({ pool, graphiql: options.graphiql }));
  const serv = pgl.createServ(grafserv);
  await pgl.getSchema();
  const graphqlHandler = serv.createHandler();
  const webHandler = makeWebHandler(options.webDistDir);
  const server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    graphqlHandler(req, res, () => webHandler(req, res));
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
  const shownHost = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  return {
    server,
    url: `http://${shownHost}:${options.port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Releasing the PostGraphile instance also releases the server it created.
      await pgl.release();
      await pool.end();
    },
  };
}
