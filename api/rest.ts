import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { AuthError, pgSettingsFor, type Authenticator, type Identity, type Limits } from './auth.ts';
import type { Metrics } from './metrics.ts';

/** A refused request: answered as {"error": message} with its status. */
class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const databaseStatus: Record<string, number> = { '42501': 403, '22023': 400, '22P02': 400, '22007': 400, '22008': 400, '54000': 400, '57014': 504 };

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body) + '\n');
}

function list(params: URLSearchParams, name: string): string[] | null {
  const values = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return values.length > 0 ? values : null;
}

function time(params: URLSearchParams, name: string, fallback: Date): Date {
  const value = params.get(name);
  if (value === null || value === '') return fallback;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new HttpError(400, `${name} must be an ISO 8601 time`);
  return parsed;
}

function integer(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const value = params.get(name);
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new HttpError(400, `${name} must be an integer from ${min} to ${max}`);
  return Number(value);
}

interface EventRow {
  id: string;
  ts: Date;
  received_at: Date;
  host: string | null;
  source: string | null;
  event_type: string | null;
  message: string;
  flags: string[];
  metadata: unknown;
  enrichment: unknown;
  cursor: string;
  exact_bytes?: Buffer;
}

function eventJson(row: EventRow) {
  const id = Number(row.id);
  return {
    id: Number.isSafeInteger(id) ? id : row.id,
    ts: row.ts.toISOString(),
    received_at: row.received_at?.toISOString() ?? null,
    host: row.host,
    source: row.source,
    event_type: row.event_type,
    message: row.message,
    flags: row.flags,
    metadata: row.metadata,
    enrichment: row.enrichment,
    cursor: row.cursor,
    ...(row.exact_bytes ? { exact_bytes: row.exact_bytes.toString('base64') } : {}),
  };
}

const eventColumns = 'e.id, e.ts, e.received_at, e.host, e.source, e.event_type, e.message, e.flags, e.metadata, public.events_enrichment(e) as enrichment, public.events_cursor(e) as cursor';

/**
 * The seed's Query API over the same functions as GraphQL, with the same authentication and the
 * caller's role (RLS, statement timeout). Returns false for paths that are not its own.
 */
export function makeRestHandler({ pool, authenticator, limits, metrics }: { pool: pg.Pool; authenticator: Authenticator; limits: Limits; metrics: Metrics }) {
  async function asCaller<T>(identity: Identity, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const settings = pgSettingsFor(identity, limits);
      await client.query('select set_config(k, v, true) from jsonb_each_text($1::jsonb) as s(k, v)', [JSON.stringify(settings)]);
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  const routes: { name: string; pattern: RegExp; run: (client: pg.PoolClient, params: URLSearchParams, match: RegExpExecArray) => Promise<[number, unknown]> }[] = [
    {
      name: '/events/aggregations/count',
      pattern: /^\/events\/aggregations\/count\/?$/,
      async run(client, params) {
        const end = time(params, 'end', new Date());
        const start = time(params, 'start', new Date(end.getTime() - 24 * 3600_000));
        const bucket = params.get('group_by') || '1h';
        const { rows } = await client.query<{ bucket: Date; count: string }>(
          'select bucket, count from public.event_counts($1, $2, $3, null, $4)',
          [start, end, bucket, list(params, 'event_type')],
        );
        return [200, { buckets: rows.map((r) => ({ bucket: r.bucket.toISOString(), count: Number(r.count) })) }];
      },
    },
    {
      name: '/events/{id}',
      pattern: /^\/events\/(\d{1,19})\/?$/,
      async run(client, params, match) {
        const ts = params.get('ts') ? time(params, 'ts', new Date()) : null;
        const { rows } = await client.query<EventRow>(
          `select ${eventColumns}, public.events_exact_bytes(e) as exact_bytes from public.find_event($1, $2) e where e.id is not null`,
          [match[1], ts],
        );
        return rows[0] ? [200, eventJson(rows[0])] : [404, { error: 'no such event' }];
      },
    },
    {
      name: '/events',
      pattern: /^\/events\/?$/,
      async run(client, params) {
        const end = time(params, 'end', new Date());
        const start = time(params, 'start', new Date(end.getTime() - 24 * 3600_000));
        const limit = integer(params, 'limit', 50, 1, 500);
        const { rows } = await client.query<EventRow>(
          `select ${eventColumns} from public.search_events($1, $2, $3, $4, $5, $6, null, $7, $8, $9) e`,
          [start, end, list(params, 'source'), list(params, 'host'), list(params, 'event_type'), list(params, 'tags'), params.get('q') || null, params.get('cursor') || null, limit],
        );
        return [200, { events: rows.map(eventJson), next_cursor: rows.length === limit ? rows[rows.length - 1]!.cursor : null }];
      },
    },
    {
      name: '/events/*',
      pattern: /^\/events\/./,
      async run() {
        return [404, { error: 'not found: see docs/api.md for the REST routes' }];
      },
    },
  ];

  return async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = routes.find((r) => r.pattern.test(url.pathname));
    if (!route) return false;
    const stopTimer = metrics.restDuration.startTimer({ route: route.name });
    let status: number;
    let body: unknown;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET is supported');
      const identity = await authenticator.identify(req.headers.authorization);
      if (identity.role === 'siem_anonymous') throw new HttpError(401, 'authentication required: Authorization: Bearer <JWT or API token>');
      [status, body] = await asCaller(identity, (client) => route.run(client, url.searchParams, route.pattern.exec(url.pathname)!));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (error instanceof HttpError) [status, body] = [error.status, { error: error.message }];
      else if (error instanceof AuthError) [status, body] = [401, { error: error.message }];
      else if (code && databaseStatus[code]) {
        status = databaseStatus[code];
        body = { error: code === '57014' ? 'the query took too long: narrow the time range or filters' : (error as Error).message };
      } else {
        console.error('api: REST internal error:', error);
        [status, body] = [500, { error: 'internal error' }];
      }
    }
    if (status === 401) res.setHeader('www-authenticate', 'Bearer');
    send(res, status, body);
    stopTimer();
    metrics.restRequests.inc({ route: route.name, status: String(status) });
    return true;
  };
}
