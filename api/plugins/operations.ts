import { GraphQLError, Kind, visit, type DocumentNode, type OperationDefinitionNode } from 'postgraphile/graphql';
import type pg from 'pg';
import type { Identity } from '../auth.ts';
import { operationLabel, type Metrics } from '../metrics.ts';
import { checkOperation, type ProtectionLimits } from '../protection.ts';

const secretKey = /pass(word)?|secret|token|authorization/i;

/** Variables that feed an argument or input field named like a secret (`password: $p`). */
function secretVariables(document: DocumentNode): Set<string> {
  const names = new Set<string>();
  const note = (name: string, value: { kind: string; name?: { value: string } }) => {
    if (secretKey.test(name) && value.kind === Kind.VARIABLE && value.name) names.add(value.name.value);
  };
  visit(document, {
    Argument: (node) => note(node.name.value, node.value),
    ObjectField: (node) => note(node.name.value, node.value),
  });
  return names;
}

/** Variables as they go into the audit log: secrets replaced, size bounded. */
export function redactVariables(value: unknown, depth = 0, secretNames: Set<string> = new Set()): unknown {
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactVariables(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        secretKey.test(k) || (depth === 0 && secretNames.has(k)) ? '[redacted]' : redactVariables(v, depth + 1),
      ]),
    );
  }
  if (typeof value === 'string' && value.length > 2000) return value.slice(0, 2000) + '…';
  return value;
}

function selectedOperation(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
}

interface ExecutionResultLike {
  errors?: readonly GraphQLError[];
}

/**
 * Around every GraphQL operation: refuse it when too deep or too costly, count and time it for
 * /metrics, and write every mutation to the audit log (after it ran, with its outcome).
 */
export function makeOperationsPlugin({ pool, metrics, limits }: { pool: pg.Pool; metrics: Metrics; limits: ProtectionLimits }): GraphileConfig.Plugin {
  const around = async (next: () => unknown, args: {
    schema: Parameters<typeof checkOperation>[0];
    document: DocumentNode;
    operationName?: string | null;
    variableValues?: Record<string, unknown> | null;
    contextValue?: unknown;
  }) => {
    const operation = selectedOperation(args.document, args.operationName);
    const type = operation?.operation ?? 'query';
    const label = operationLabel(operation?.name?.value ?? args.operationName);
    const refusal = checkOperation(args.schema, args.document, args.operationName, args.variableValues, limits);
    if (refusal) {
      metrics.graphqlRequests.inc({ operation: label, type, outcome: 'refused' });
      return { errors: [refusal] };
    }
    const stopTimer = metrics.graphqlDuration.startTimer({ operation: label, type });
    const result = (await next()) as ExecutionResultLike;
    stopTimer();
    const failed = type !== 'subscription' && Boolean(result && 'errors' in result && result.errors?.length);
    metrics.graphqlRequests.inc({ operation: label, type, outcome: failed ? 'error' : 'ok' });
    if (type === 'mutation' && operation) {
      const identity = (args.contextValue as { identity?: Identity } | undefined)?.identity;
      const fields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
      const error = failed ? result.errors!.map((e) => e.message).join('; ') : null;
      await pool
        .query('select public.record_audit($1, $2, $3, $4, $5, $6, $7)', [
          identity?.userId ?? null,
          identity?.role ?? 'siem_anonymous',
          operation.name?.value ?? null,
          fields,
          JSON.stringify(redactVariables(args.variableValues ?? {}, 0, secretVariables(args.document))),
          !failed,
          error,
        ])
        .catch((auditError: Error) => console.error(`api: could not write the audit log: ${auditError.message}`));
    }
    return result;
  };
  return {
    name: 'SiemOperationsPlugin',
    version: '1.0.0',
    grafast: {
      middleware: {
        execute(next, event) {
          return around(next, event.args as never) as never;
        },
        subscribe(next, event) {
          return around(next, event.args as never) as never;
        },
      },
    },
  };
}
