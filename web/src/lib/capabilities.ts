import { gql, useQuery } from 'urql';

const SchemaFieldsQuery = gql`
  query SchemaFields {
    __schema {
      queryType {
        fields {
          name
        }
      }
      mutationType {
        fields {
          name
        }
      }
    }
  }
`;

interface SchemaFields {
  __schema: { queryType: { fields: { name: string }[] }; mutationType: { fields: { name: string }[] } | null };
}

/**
 * Which root fields the API offers. Alerts and rules arrive with a later module; the views that need
 * them ask here and say so instead of failing.
 */
export function useCapabilities(pause = false): { ready: boolean; has: (field: string) => boolean } {
  const [result] = useQuery<SchemaFields>({ query: SchemaFieldsQuery, requestPolicy: 'cache-first', pause });
  const names = new Set([...(result.data?.__schema.queryType.fields ?? []), ...(result.data?.__schema.mutationType?.fields ?? [])].map((f) => f.name));
  return { ready: Boolean(result.data) || Boolean(result.error), has: (field) => names.has(field) };
}
