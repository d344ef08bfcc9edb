import YAML from 'yaml';
import type { CompiledRule } from '../compiled.ts';
import { and, literal, not, or, RuleCompileError, ruleName, textOf, interval, type FieldRef } from '../sql.ts';
import { expandPattern, parseCondition, type ConditionNode } from './condition.ts';
import { compileSearch } from './detection.ts';
import type { Logsource, ResolvedLogsource, SigmaMapping } from './mapping.ts';

// Sigma rules (specification v2.1) and correlation rules compiled to rule views over public.events.

export interface SigmaResult {
  file: string;
  title: string;
  compiled?: CompiledRule;
  error?: string;
}

interface SigmaDocument {
  title?: string;
  id?: string;
  name?: string;
  description?: string;
  level?: string;
  tags?: string[];
  logsource?: Logsource;
  detection?: Record<string, unknown>;
  correlation?: {
    type?: string;
    rules?: string[];
    'group-by'?: string[];
    timespan?: string;
    condition?: Record<string, unknown>;
    aliases?: Record<string, Record<string, string>>;
  };
}

interface BaseRule {
  document: SigmaDocument;
  name: string;
  /** The logsource condition and-ed with the detection. */
  predicate: string;
  detection: string;
  logsource: ResolvedLogsource;
}

const levels = new Set(['informational', 'low', 'medium', 'high', 'critical']);

function fieldResolver(logsource: ResolvedLogsource) {
  return (name: string): FieldRef => (name === 'message' ? { column: 'message' } : logsource.field(name));
}

function conditionSql(node: ConditionNode, searches: Record<string, string>, identifiers: string[]): string {
  switch (node.type) {
    case 'id': {
      const sql = searches[node.name];
      if (sql === undefined) throw new RuleCompileError(`condition names ${node.name}, which the detection does not define`);
      return sql;
    }
    case 'not':
      return not(conditionSql(node.operand, searches, identifiers));
    case 'and':
      return and(node.operands.map((operand) => conditionSql(operand, searches, identifiers)));
    case 'or':
      return or(node.operands.map((operand) => conditionSql(operand, searches, identifiers)));
    case 'of': {
      const names = expandPattern(node.pattern, identifiers);
      if (names.length === 0) throw new RuleCompileError(`"of ${node.pattern}" matches no search identifier`);
      const parts = names.map((name) => searches[name]!);
      return node.quantifier === 'all' ? and(parts) : or(parts);
    }
  }
}

function sigmaRuleName(document: SigmaDocument): string {
  if (document.name) return ruleName(`sigma_${document.name}`);
  const slug = ruleName(`sigma_${document.title ?? 'rule'}`).slice(0, 52).replace(/_+$/, '');
  return document.id ? `${slug}_${document.id.replace(/[^a-f0-9]/gi, '').slice(0, 8).toLowerCase()}` : slug;
}

function compileBase(document: SigmaDocument, mapping: SigmaMapping): BaseRule {
  if (!document.logsource) throw new RuleCompileError('a Sigma rule needs a logsource');
  if (!document.detection) throw new RuleCompileError('a Sigma rule needs a detection');
  const logsource = mapping.resolve(document.logsource);
  const resolve = fieldResolver(logsource);
  const { condition, ...rest } = document.detection;
  const identifiers = Object.keys(rest);
  const searches: Record<string, string> = {};
  const errors: string[] = [];
  for (const identifier of identifiers) {
    try {
      searches[identifier] = compileSearch(identifier, rest[identifier], resolve);
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (errors.length) throw new RuleCompileError([...new Set(errors)].join('; '));
  const conditions = Array.isArray(condition) ? condition.map(String) : [String(condition ?? '')];
  if (!conditions[0]) throw new RuleCompileError('the detection has no condition');
  const detection = or(conditions.map((text) => conditionSql(parseCondition(text), searches, identifiers)));
  return { document, name: sigmaRuleName(document), predicate: and([logsource.where, detection]), detection, logsource };
}

function common(document: SigmaDocument, name: string, kind: CompiledRule['rule']['kind'], definition: string) {
  const level = document.level && levels.has(document.level) ? document.level : 'medium';
  return {
    name,
    title: document.title ?? name,
    description: document.description,
    kind,
    severity: level,
    tags: (document.tags ?? []).map(String),
    definition,
  };
}

function compileCorrelation(document: SigmaDocument, bases: Map<string, BaseRule>, correlations: Set<string>, definition: string): CompiledRule {
  const correlation = document.correlation!;
  const type = correlation.type ?? '';
  if (!['event_count', 'value_count', 'temporal', 'temporal_ordered'].includes(type)) {
    throw new RuleCompileError(`correlation type ${JSON.stringify(type)} is not supported (event_count, value_count, temporal, temporal_ordered)`);
  }
  const references = correlation.rules ?? [];
  if (references.length === 0) throw new RuleCompileError('a correlation needs rules');
  const referenced = references.map((reference) => {
    const base = bases.get(reference);
    if (base) return { reference, base };
    if (correlations.has(reference)) throw new RuleCompileError(`correlation over the correlation ${reference} is not supported`);
    throw new RuleCompileError(`the referenced rule ${reference} is not among the imported rules`);
  });
  if (!correlation.timespan) throw new RuleCompileError('a correlation needs a timespan');
  const window = interval(correlation.timespan);
  const groupBy = (correlation['group-by'] ?? []).map(String);
  const entityOf = (reference: string, base: BaseRule) => {
    if (groupBy.length === 0) return 'null::text';
    const resolve = fieldResolver(base.logsource);
    const parts = groupBy.map((field) => {
      const aliased = correlation.aliases?.[field]?.[base.document.name ?? reference];
      return textOf(resolve(aliased ?? field));
    });
    return parts.length === 1 ? parts[0]! : `concat_ws('|', ${parts.join(', ')})`;
  };
  const condition = correlation.condition ?? {};
  const base = common(document, sigmaRuleName(document), 'sigma_correlation', definition);

  if (type === 'event_count' || type === 'value_count') {
    const keys = Object.keys(condition).filter((key) => key !== 'field');
    if (keys.length !== 1 || !['gte', 'gt'].includes(keys[0]!)) {
      throw new RuleCompileError(`correlation condition ${JSON.stringify(condition)}: only gte or gt (a sliding-window lower bound) is supported`);
    }
    const count = Number(condition[keys[0]!]) + (keys[0] === 'gt' ? 1 : 0);
    if (!Number.isInteger(count) || count < 1) throw new RuleCompileError('correlation condition needs a whole number');
    const distinctField = type === 'value_count' ? condition.field : undefined;
    if (type === 'value_count' && typeof distinctField !== 'string') throw new RuleCompileError('a value_count correlation needs condition.field');
    const select = referenced
      .map(({ reference, base: rule }) =>
        `(select e.ts as event_ts, e.id as event_id, ${entityOf(reference, rule)} as entity, ` +
        `${distinctField ? textOf(fieldResolver(rule.logsource)(distinctField as string)) : 'null::text'} as distinct_value, ` +
        `${literal(document.title ?? base.name)}::text as summary from public.events e where ${rule.predicate})`,
      )
      .join('\nunion all\n');
    return { rule: { ...base, evaluation: 'threshold', window, min_count: count, count_distinct: type === 'value_count' }, select };
  }

  const steps = referenced.map(({ reference }) => reference);
  const select = referenced
    .map(({ reference, base: rule }) =>
      `(select e.ts as event_ts, e.id as event_id, ${entityOf(reference, rule)} as entity, ${literal(reference)}::text as step, ` +
      `${literal(document.title ?? base.name)}::text as summary from public.events e where ${rule.predicate})`,
    )
    .join('\nunion all\n');
  return { rule: { ...base, evaluation: 'sequence', window, steps, ordered: type === 'temporal_ordered' }, select };
}

/** Splits files into YAML documents (a file may hold several, separated by ---). */
export function sigmaDocuments(file: string, text: string): { file: string; document: SigmaDocument; definition: string }[] {
  return YAML.parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new RuleCompileError(`${file}: ${doc.errors[0]!.message}`);
    return { file, document: doc.toJS() as SigmaDocument, definition: doc.toString() };
  });
}

/** Compiles Sigma documents; correlation rules may reference any base rule among them by id or name. */
export function compileSigma(documents: { file: string; document: SigmaDocument; definition: string }[], mapping: SigmaMapping): SigmaResult[] {
  const bases = new Map<string, BaseRule>();
  const correlations = new Set<string>();
  const results: SigmaResult[] = [];
  const pending: { file: string; document: SigmaDocument; definition: string }[] = [];
  for (const entry of documents) {
    const { file, document, definition } = entry;
    if (!document || typeof document !== 'object') continue;
    if (document.correlation) {
      if (document.id) correlations.add(document.id);
      if (document.name) correlations.add(document.name);
      pending.push(entry);
      continue;
    }
    try {
      const base = compileBase(document, mapping);
      if (document.id) bases.set(document.id, base);
      if (document.name) bases.set(document.name, base);
      const select = `select e.ts as event_ts, e.id as event_id, e.host as entity, ${literal(document.title ?? base.name)}::text as summary from public.events e where ${base.predicate}`;
      // The predicate lets the engine test this rule on new events together with the others (set-based).
      const predicate = { logsource: base.logsource.where, detection: base.detection };
      results.push({ file, title: document.title ?? base.name, compiled: { rule: { ...common(document, base.name, 'sigma', definition), evaluation: 'match', predicate }, select } });
    } catch (error) {
      results.push({ file, title: document.title ?? '(untitled)', error: (error as Error).message });
    }
  }
  for (const { file, document, definition } of pending) {
    try {
      results.push({ file, title: document.title ?? '(untitled)', compiled: compileCorrelation(document, bases, correlations, definition) });
    } catch (error) {
      results.push({ file, title: document.title ?? '(untitled)', error: (error as Error).message });
    }
  }
  return results;
}
