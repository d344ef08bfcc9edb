import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { eventColumns, type FieldRef, RuleCompileError } from '../sql.ts';

export const defaultMappingFile = new URL('../sigma_mapping.yaml', import.meta.url);

type Target = string | string[];

interface LogsourceEntry {
  match: Record<string, string>;
  where: string;
  fields: Record<string, Target>;
  passthrough?: RegExp;
}

export interface Logsource {
  product?: string;
  category?: string;
  service?: string;
}

export interface SigmaMapping {
  /** The entry for a rule's logsource, or a compile error naming the logsource. */
  resolve(logsource: Logsource): ResolvedLogsource;
}

export interface ResolvedLogsource {
  where: string;
  /** Where a Sigma field lives for this logsource, or a compile error naming it. */
  field(name: string): FieldRef;
  /** Sigma fields of this rule that the mapping does not know (collected while compiling). */
}

function toRef(target: Target): FieldRef {
  const names = Array.isArray(target) ? target.map(String) : [String(target)];
  if (names.length === 1 && eventColumns.has(names[0]!)) return { column: names[0]! };
  return { metadata: names };
}

export function parseMapping(text: string): SigmaMapping {
  const document = YAML.parse(text, { merge: true }) as { fields?: Record<string, Target>; logsources?: unknown[] };
  const common = document.fields ?? {};
  const entries: LogsourceEntry[] = (document.logsources ?? []).map((raw, i) => {
    const entry = raw as { match?: Record<string, string>; where?: string; fields?: Record<string, Target>; passthrough?: string };
    if (!entry.match || typeof entry.where !== 'string') throw new RuleCompileError(`sigma mapping: logsources[${i}] needs match and where`);
    return { match: entry.match, where: entry.where, fields: entry.fields ?? {}, passthrough: entry.passthrough ? new RegExp(entry.passthrough) : undefined };
  });
  return {
    resolve(logsource) {
      const entry = entries.find((candidate) =>
        Object.entries(candidate.match).every(([key, value]) => String(logsource[key as keyof Logsource] ?? '').toLowerCase() === String(value).toLowerCase()),
      );
      if (!entry) {
        const described = ['product', 'category', 'service'].map((key) => logsource[key as keyof Logsource] && `${key}: ${logsource[key as keyof Logsource]}`).filter(Boolean).join(', ');
        throw new RuleCompileError(`unknown logsource {${described}}: add it to the Sigma mapping`);
      }
      return {
        where: `(${entry.where})`,
        field(name) {
          const target = entry.fields[name] ?? common[name];
          if (target !== undefined) return toRef(target);
          if (entry.passthrough?.test(name)) return { metadata: [name] };
          throw new RuleCompileError(`unknown field ${name} for logsource {${Object.entries(entry.match).map(([k, v]) => `${k}: ${v}`).join(', ')}}: add it to the Sigma mapping`);
        },
      };
    },
  };
}

export function loadMapping(file: string | URL = process.env.SIEM_SIGMA_MAPPING || defaultMappingFile): SigmaMapping {
  return parseMapping(readFileSync(file, 'utf8'));
}
