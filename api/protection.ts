import {
  GraphQLError,
  Kind,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'postgraphile/graphql';

export interface ProtectionLimits {
  maxDepth: number;
  maxCost: number;
  /** Largest first/last/limit a field may ask for. */
  maxPageSize: number;
  /** Rows assumed for a list or connection field that names no first/last/limit. */
  assumedListSize: number;
}

export const defaultProtection: ProtectionLimits = { maxDepth: 10, maxCost: 50_000, maxPageSize: 500, assumedListSize: 100 };

const pageArguments = new Set(['first', 'last', 'limit']);
/** Connections over these node types must say how many rows they want: they can be huge. */
const unboundedForbidden = new Set(['EventConnection', 'QuarantineConnection', 'AuditLogConnection', 'IngestBatchConnection']);

function argumentValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  return undefined;
}

function returnsList(type: GraphQLOutputType): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner);
}

/**
 * Depth and cost of an operation before it runs. Each field costs 1 times the rows its parents
 * may return; a list or connection field multiplies its children by its first/last/limit
 * (or `assumedListSize`). Returns the error to answer with, or null when the operation may run.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: ProtectionLimits,
): GraphQLError | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return null; // grafast reports the missing operation itself
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const vars = variables ?? {};
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return null;

  let cost = 0;
  let maxDepth = 0;
  let problem: GraphQLError | null = null;

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, depth: number, multiplier: number, seen: Set<string>) => {
    if (problem) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        const type = schema.getType(fragment.typeCondition.name.value) ?? parent;
        walk(fragment.selectionSet, type, depth, multiplier, new Set([...seen, fragment.name.value]));
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? (schema.getType(selection.typeCondition.name.value) ?? parent) : parent;
        walk(selection.selectionSet, type, depth, multiplier, seen);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      cost += multiplier;
      const fieldDef = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
      if (!selection.selectionSet || !fieldDef) continue;
      const childDepth = depth + 1;
      maxDepth = Math.max(maxDepth, childDepth);
      if (childDepth > limits.maxDepth) {
        problem = new GraphQLError(`The query is nested too deeply: ${childDepth} levels where at most ${limits.maxDepth} are allowed.`);
        return;
      }
      const named = getNamedType(fieldDef.type);
      let rows = 1;
      let pageSize: number | undefined;
      for (const arg of selection.arguments ?? []) {
        if (!pageArguments.has(arg.name.value)) continue;
        const value = argumentValue(arg.value, vars);
        if (typeof value === 'number') {
          if (value > limits.maxPageSize) {
            problem = new GraphQLError(`${name}(${arg.name.value}: ${value}) asks for too many rows: at most ${limits.maxPageSize}.`);
            return;
          }
          pageSize = Math.max(pageSize ?? 0, value);
        }
      }
      const isConnection = named.name.endsWith('Connection');
      if (isConnection || returnsList(fieldDef.type)) {
        if (pageSize === undefined && isConnection && unboundedForbidden.has(named.name)) {
          problem = new GraphQLError(`${name} needs first or last (at most ${limits.maxPageSize}).`);
          return;
        }
        rows = pageSize ?? limits.assumedListSize;
      }
      // A connection's `nodes` and `edges` are the list whose size the connection's arguments set.
      const multipliesChildren = isConnection || (returnsList(fieldDef.type) && !['nodes', 'edges'].includes(name));
      walk(selection.selectionSet, named, childDepth, multipliesChildren ? multiplier * rows : multiplier, seen);
      if (cost > limits.maxCost) {
        problem = new GraphQLError(`The query is too expensive: its cost exceeds ${limits.maxCost} (fields × rows they may return). Ask for fewer rows or fields.`);
        return;
      }
    }
  };
  walk(operation.selectionSet, root, 0, 1, new Set());
  return problem;
}
