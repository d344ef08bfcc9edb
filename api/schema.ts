import { lexicographicSortSchema, printSchema } from 'postgraphile/graphql';
import pg from 'pg';
import { makeSchema } from 'postgraphile';
import { makeAuthenticator } from './auth.ts';
import { makeMetrics } from './metrics.ts';
import { makePreset } from './preset.ts';
import { defaultProtection } from './protection.ts';
import { defaultLimits } from './server.ts';

export const schemaFile = new URL('./schema.graphql', import.meta.url);

/** The GraphQL schema PostGraphile builds from a database, as sorted SDL (what api/schema.graphql holds). */
export async function printApiSchema(authenticatorUrl: string): Promise<string> {
  const pool = new pg.Pool({ connectionString: authenticatorUrl, max: 2 });
  try {
    const preset = makePreset({
      pool,
      graphiql: false,
      jwtSecret: 'schema-export',
      authenticator: makeAuthenticator({ pool, jwtSecret: 'schema-export' }),
      limits: defaultLimits,
      protection: defaultProtection,
      metrics: makeMetrics(),
      exposeErrors: false,
      pgSubscriber: null,
    });
    const { schema } = await makeSchema(preset);
    return printSchema(lexicographicSortSchema(schema)) + '\n';
  } finally {
    await pool.end();
  }
}
