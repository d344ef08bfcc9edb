import { PgSimplifyInflectionPreset } from '@graphile/simplify-inflection';
import { makePgService } from 'postgraphile/adaptors/pg';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

export interface PresetOptions {
  /** The authenticator's connection string: it switches role per request. */
  connectionString: string;
  graphiql: boolean;
}

/**
 * Until login arrives (the API issue), every request runs as the analyst role; the role is
 * applied per request through pgSettings, so the RLS policies of the analyst hold.
 */
export const requestRole = 'siem_analyst';

export function makePreset({ connectionString, graphiql }: PresetOptions): GraphileConfig.Preset {
  return {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
    pgServices: [makePgService({ connectionString, schemas: ['public'] })],
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
