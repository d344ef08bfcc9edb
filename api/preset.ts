import type pg from 'pg';
import { PgSimplifyInflectionPreset } from '@graphile/simplify-inflection';
import { makePgService } from 'postgraphile/adaptors/pg';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

export interface PresetOptions {
  /** The authenticator's pool: it switches role per request. The caller ends it. */
  pool: pg.Pool;
  graphiql: boolean;
}

/**
 * Until login arrives (the API issue), every request runs as the analyst role; the role is
 * applied per request through pgSettings, so the RLS policies of the analyst hold.
 */
export const requestRole = 'siem_analyst';

export function makePreset({ pool, graphiql }: PresetOptions): GraphileConfig.Preset {
  return {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
    // pubsub (LISTEN for subscriptions) arrives with live tail in the API issue.
    pgServices: [makePgService({ pool, schemas: ['public'], pubsub: false })],
    grafserv: {
      graphqlPath: '/graphql',
      graphiql,
      graphiqlPath: '/graphiql',
      graphiqlOnGraphQLGET: graphiql,
      websockets: true,
    },
    grafast: {
      explain: false,
      context() {
        return { pgSettings: { role: requestRole } };
      },
    },
  };
}
