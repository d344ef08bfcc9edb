import { PgSimplifyInflectionPreset } from '@graphile/simplify-inflection';
import { GraphQLError } from 'postgraphile/graphql';
import type pg from 'pg';
import { makePgService, type PgSubscriber } from 'postgraphile/adaptors/pg';
import { isSafeError } from 'postgraphile/grafast';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { AuthError, pgSettingsFor, type Authenticator, type Identity, type Limits } from './auth.ts';
import type { Metrics } from './metrics.ts';
import { StripParameterPrefixPlugin } from './plugins/inflection.ts';
import { LiveTailPlugin } from './plugins/liveTail.ts';
import { makeOperationsPlugin } from './plugins/operations.ts';
import type { ProtectionLimits } from './protection.ts';

export interface PresetOptions {
  /** The authenticator's pool: it switches role per request. The caller ends it. */
  pool: pg.Pool;
  graphiql: boolean;
  jwtSecret: string;
  authenticator: Authenticator;
  limits: Limits;
  protection: ProtectionLimits;
  metrics: Metrics;
  /** LISTEN/NOTIFY for subscriptions; null for none (schema export). */
  pgSubscriber: PgSubscriber | null;
  /** Show database error messages and stacks (development only). */
  exposeErrors: boolean;
}

/** PostgreSQL error classes whose message is meant for the client: permission, input, limits. */
const clientErrorCodes = /^(42501|22023|22P02|22007|22008|23505|23503|23514|23502|54000|57014|P0001)$/;

/** PostGraphile's own messages about what the caller may see or change (no SQL in them). */
const postgraphileMessages = /^No values were (updated|deleted) in collection '\w+' because no values you can (update|delete) were found matching these criteria\.$/;

/** Errors the client sees: GraphQL's own (syntax, validation, ours) and client-class database errors; nothing else. */
export function makeMaskError(exposeErrors: boolean) {
  return (error: GraphQLError): GraphQLError => {
    if (exposeErrors) return error;
    const original = error.originalError as (Error & { code?: string }) | undefined;
    if (!original || original instanceof GraphQLError) return error;
    const code = typeof original.code === 'string' ? original.code : '';
    if (isSafeError(original) || postgraphileMessages.test(original.message)) return error;
    if (original instanceof AuthError || clientErrorCodes.test(code)) {
      const message = code === '57014' ? 'the query took too long (statement timeout): narrow the time range or filters' : original.message;
      return new GraphQLError(message, { nodes: error.nodes, positions: error.positions, path: error.path });
    }
    console.error('api: internal error:', original);
    return new GraphQLError('internal error', { nodes: error.nodes, positions: error.positions, path: error.path });
  };
}

interface RequestContextLike {
  node?: { req?: { headers: Record<string, string | string[] | undefined> } };
  ws?: { normalizedConnectionParams?: Record<string, string | string[]> };
}

export function makePreset(options: PresetOptions): GraphileConfig.Preset {
  const { pool, graphiql, jwtSecret, authenticator, limits } = options;
  return {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
    plugins: [StripParameterPrefixPlugin, LiveTailPlugin, makeOperationsPlugin({ pool, metrics: options.metrics, limits: options.protection })],
    pgServices: [makePgService({ pool, schemas: ['public'], pubsub: Boolean(options.pgSubscriber), pgSubscriber: options.pgSubscriber })],
    gather: { pgJwtTypes: 'public.jwt_token' },
    schema: { pgJwtSecret: jwtSecret, pgJwtSignOptions: { algorithm: 'HS256' } },
    grafserv: {
      graphqlPath: '/graphql',
      graphiql,
      graphiqlPath: '/graphiql',
      graphiqlOnGraphQLGET: graphiql,
      websockets: true,
      maskError: makeMaskError(options.exposeErrors),
    },
    grafast: {
      explain: false,
      async context(requestContext) {
        const ctx = requestContext as RequestContextLike;
        const authorization = ctx.ws ? ctx.ws.normalizedConnectionParams?.authorization : ctx.node?.req?.headers.authorization;
        const identity: Identity = await authenticator.identify(authorization);
        return { identity, pgSettings: pgSettingsFor(identity, limits) };
      },
    },
  };
}
