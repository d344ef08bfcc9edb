import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { addUser } from '../../bin/commands/user.ts';
import { startApiServer, type ApiOptions, type ApiServer } from '../server.ts';
import type { TestDatabase } from '../../test/database.ts';

export interface TestApi {
  api: ApiServer;
  url: string;
  jwtSecret: string;
  /** Creates a user (as the owner) and logs in through GraphQL; returns its JWT and id. */
  user(role: 'analyst' | 'admin', email?: string): Promise<{ token: string; id: string; email: string; password: string }>;
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; data?: T; errors?: { message: string }[] }>;
  rest(path: string, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** The real API server on a free port, over a test database. */
export async function startTestApi(db: TestDatabase, options: { exposeErrors?: boolean; limits?: ApiOptions['limits'] } = {}): Promise<TestApi> {
  const jwtSecret = randomBytes(32).toString('hex');
  const api = await startApiServer({
    authenticatorUrl: db.urls.authenticator,
    port: 0,
    host: '127.0.0.1',
    webDistDir: '/nonexistent',
    graphiql: false,
    jwtSecret,
    exposeErrors: options.exposeErrors ?? false,
    limits: options.limits,
  });
  const owner = new pg.Pool({ connectionString: db.urls.owner, max: 2 });
  const graphql: TestApi['graphql'] = async (query, variables, token) => {
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  };
  return {
    api,
    url: api.url,
    jwtSecret,
    graphql,
    async user(role, email = `${role}-${randomBytes(4).toString('hex')}@example.org`) {
      const password = 'correct horse battery';
      const client = await owner.connect();
      let id: string;
      try {
        ({ id } = await addUser(client, email, { role, password }));
      } finally {
        client.release();
      }
      const result = await graphql<{ login: { result: string | null } }>(
        'mutation Login($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { result } }',
        { email, password },
      );
      const token = result.data?.login.result;
      if (!token) throw new Error(`login failed: ${JSON.stringify(result)}`);
      return { token, id, email, password };
    },
    async rest(path, token) {
      const response = await fetch(`${api.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    async stop() {
      await api.stop();
      await owner.end();
    },
  };
}
