import { parse, stringify } from 'yaml';

/** One parser as written in YAML, in the seed's shape: the key is the parser's name. */
export interface ParserDefinition {
  pattern: string;
  source?: string;
  program?: string;
  event_type?: string;
  priority?: number;
  prefilter?: string;
  enabled?: boolean;
  kind?: 'grok' | 'dissect' | 'access_log' | 'kv';
  /** Field naming of the grok pattern (default legacy). */
  naming?: 'legacy' | 'ecs-v1';
}

export class ParserFileError extends Error {}

const stringKeys = ['pattern', 'source', 'program', 'event_type', 'prefilter'] as const;
const knownKeys = new Set<string>([...stringKeys, 'priority', 'enabled', 'kind', 'naming']);

/** Reads and checks a parsers YAML document; every problem is reported with the parser's name. */
export function parseParsersYaml(text: string): Record<string, ParserDefinition> {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ParserFileError(`not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ParserFileError('expected a mapping of parser names to {pattern, source, program, ...}');
  }
  const problems: string[] = [];
  for (const [name, value] of Object.entries(document)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${name}: expected a mapping with at least a pattern`);
      continue;
    }
    const entry = value as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!knownKeys.has(key)) problems.push(`${name}: unknown key "${key}" (known: ${[...knownKeys].join(', ')})`);
    }
    if (typeof entry.pattern !== 'string' || entry.pattern.length === 0) problems.push(`${name}: pattern must be a non-empty string`);
    for (const key of stringKeys) {
      if (key !== 'pattern' && entry[key] !== undefined && typeof entry[key] !== 'string') problems.push(`${name}: ${key} must be a string`);
    }
    if (entry.priority !== undefined && !Number.isInteger(entry.priority)) problems.push(`${name}: priority must be a whole number`);
    if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') problems.push(`${name}: enabled must be true or false`);
    if (entry.kind !== undefined && !['grok', 'dissect', 'access_log', 'kv'].includes(entry.kind as string)) problems.push(`${name}: kind must be grok, dissect, access_log or kv`);
    if (entry.naming !== undefined && !['legacy', 'ecs-v1'].includes(entry.naming as string)) problems.push(`${name}: naming must be legacy or ecs-v1`);
  }
  if (problems.length > 0) throw new ParserFileError(problems.join('\n'));
  return document as Record<string, ParserDefinition>;
}

export interface ParserRow {
  name: string;
  source: string | null;
  program: string | null;
  pattern: string;
  event_type: string;
  priority: number;
  prefilter: string | null;
  enabled: boolean;
  kind: 'grok' | 'dissect' | 'access_log' | 'kv';
  naming: 'legacy' | 'ecs-v1';
}

/** Writes parsers in the same shape, leaving out what equals the defaults. */
export function parsersToYaml(rows: ParserRow[]): string {
  const document: Record<string, ParserDefinition> = {};
  for (const row of rows) {
    const entry: Partial<ParserDefinition> = {};
    if (row.source !== null) entry.source = row.source;
    if (row.program !== null) entry.program = row.program;
    entry.pattern = row.pattern;
    if (row.event_type !== row.name) entry.event_type = row.event_type;
    if (row.priority !== 100) entry.priority = row.priority;
    if (row.prefilter !== null) entry.prefilter = row.prefilter;
    if (!row.enabled) entry.enabled = false;
    if (row.kind !== 'grok') entry.kind = row.kind;
    if (row.naming !== 'legacy') entry.naming = row.naming;
    document[row.name] = entry as ParserDefinition;
  }
  return stringify(document, { lineWidth: 0 });
}
