import YAML from 'yaml';
import type { CompiledRule } from './compiled.ts';
import { and, existsOf, fieldRef, interval, likeEscape, literal, not, numberOf, or, regexLiteral, RuleCompileError, ruleName, textOf } from './sql.ts';

// YAML rules in the seed's alert_rules shape, extended: threshold (filter, group_by, window, count or
// distinct count) and sequence (steps within a window per group key), compiled to rule views.

const severities = ['informational', 'low', 'medium', 'high', 'critical'];
const operators = ['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'startswith', 'endswith', 'regex', 'cidr', 'exists'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalar(value: unknown, where: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new RuleCompileError(`${where}: expected a string or number, got ${JSON.stringify(value)}`);
}

function condition(field: string, op: string, value: unknown): string {
  const ref = fieldRef(field);
  const text = textOf(ref);
  const where = `filter ${field}.${op}`;
  switch (op) {
    case 'eq':
      return `(${text} = ${literal(scalar(value, where))})`;
    case 'ne':
      return `(${text} is distinct from ${literal(scalar(value, where))})`;
    case 'in':
      if (!Array.isArray(value) || value.length === 0) throw new RuleCompileError(`${where}: expected a non-empty list`);
      return `(${text} in (${value.map((item) => literal(scalar(item, where))).join(', ')}))`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new RuleCompileError(`${where}: expected a number`);
      return `(${numberOf(ref)} ${{ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]} ${number})`;
    }
    case 'contains':
      return `(${text} like ${literal(`%${likeEscape(scalar(value, where))}%`)})`;
    case 'startswith':
      return `(${text} like ${literal(`${likeEscape(scalar(value, where))}%`)})`;
    case 'endswith':
      return `(${text} like ${literal(`%${likeEscape(scalar(value, where))}`)})`;
    case 'regex':
      return `(${text} ~ ${regexLiteral(scalar(value, where))})`;
    case 'cidr':
      return `(siem_private.try_inet(${text}) <<= ${literal(scalar(value, where))}::cidr)`;
    case 'exists':
      return value ? existsOf(ref) : not(existsOf(ref));
    default:
      throw new RuleCompileError(`${where}: unknown operator (use ${operators.join(', ')})`);
  }
}

/** A filter object: every key must hold (and); a list value is any of; an object value names operators. */
export function compileFilter(filter: unknown, where = 'filter'): string {
  if (!isObject(filter)) throw new RuleCompileError(`${where}: expected an object of field: value`);
  return and(
    Object.entries(filter).map(([field, value]) => {
      if (field === 'not') return not(compileFilter(value, `${where}.not`));
      if (field === 'any') {
        if (!Array.isArray(value)) throw new RuleCompileError(`${where}.any: expected a list of filters`);
        return or(value.map((item, i) => compileFilter(item, `${where}.any[${i}]`)));
      }
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(field)) throw new RuleCompileError(`${where}: ${JSON.stringify(field)} is no field name`);
      if (value === null) return not(existsOf(fieldRef(field)));
      if (Array.isArray(value)) return condition(field, 'in', value);
      if (isObject(value)) return and(Object.entries(value).map(([op, operand]) => condition(field, op, operand)));
      return condition(field, 'eq', value);
    }),
  );
}

function entityOf(groupBy: unknown): string {
  if (groupBy === undefined || groupBy === null) return 'null::text';
  const fields = Array.isArray(groupBy) ? groupBy.map(String) : [String(groupBy)];
  if (fields.length === 1) return textOf(fieldRef(fields[0]!));
  return `concat_ws('|', ${fields.map((field) => textOf(fieldRef(field))).join(', ')})`;
}

function selectOf(filter: string, entity: string, extra: string[]): string {
  return `select e.ts as event_ts, e.id as event_id, ${entity} as entity, ${extra.join(', ')} from public.events e where ${filter}`;
}

/** Compiles one YAML rule (already parsed) named `name`. */
export function compileYamlRule(name: string, spec: unknown, definition: string): CompiledRule {
  if (!isObject(spec)) throw new RuleCompileError(`rule ${name}: expected an object`);
  const type = String(spec.type ?? 'threshold');
  const severity = String(spec.severity ?? 'medium');
  if (!severities.includes(severity)) throw new RuleCompileError(`rule ${name}: severity must be one of ${severities.join(', ')}`);
  const tags = Array.isArray(spec.tags) ? spec.tags.map(String) : [];
  const entity = entityOf(spec.group_by);
  const title = String(spec.title ?? spec.description ?? name);
  const summary = spec.summary === undefined ? `${literal(title)} || coalesce(' (' || ${entity} || ')', '')` : literal(String(spec.summary));
  const base = {
    name: ruleName(name),
    title,
    description: spec.description === undefined ? undefined : String(spec.description),
    severity,
    tags,
    definition,
    suppress_for: spec.suppress_for === undefined ? undefined : interval(spec.suppress_for as string),
    throttle: spec.throttle === undefined ? undefined : interval(spec.throttle as string),
    enabled: spec.enabled === undefined ? true : Boolean(spec.enabled),
    fixtures: isObject(spec.tests) ? (spec.tests as CompiledRule['rule']['fixtures']) : undefined,
  };
  if (type === 'threshold' || type === 'match') {
    const filter = compileFilter(spec.filter ?? {}, `rule ${name}: filter`);
    if (type === 'match') {
      return { rule: { ...base, kind: 'threshold', evaluation: 'match' }, select: selectOf(filter, entity, [`${summary} as summary`]) };
    }
    const distinct = spec.distinct === undefined ? undefined : String(spec.distinct);
    const count = Number(spec.count ?? spec.threshold);
    if (!Number.isInteger(count) || count < 1) throw new RuleCompileError(`rule ${name}: count must be a whole number >= 1`);
    if (spec.window === undefined) throw new RuleCompileError(`rule ${name}: a threshold rule needs a window (e.g. 5m)`);
    return {
      rule: { ...base, kind: 'threshold', evaluation: 'threshold', window: interval(spec.window as string), min_count: count, count_distinct: distinct !== undefined },
      select: selectOf(filter, entity, [`${distinct ? textOf(fieldRef(distinct)) : 'null::text'} as distinct_value`, `${summary} as summary`]),
    };
  }
  if (type === 'sequence') {
    if (!Array.isArray(spec.steps) || spec.steps.length < 2) throw new RuleCompileError(`rule ${name}: a sequence needs at least two steps`);
    if (spec.window === undefined) throw new RuleCompileError(`rule ${name}: a sequence rule needs a window (e.g. 10m)`);
    const steps = spec.steps.map((step, i) => {
      if (!isObject(step)) throw new RuleCompileError(`rule ${name}: step ${i + 1} must be an object with a filter`);
      return { label: String(step.name ?? `step${i + 1}`), filter: compileFilter(step.filter ?? {}, `rule ${name}: steps[${i}].filter`) };
    });
    const labels = steps.map((step) => step.label);
    if (new Set(labels).size !== labels.length) throw new RuleCompileError(`rule ${name}: step names must differ`);
    return {
      rule: {
        ...base, kind: 'sequence', evaluation: 'sequence', window: interval(spec.window as string), steps: labels,
        ordered: spec.ordered === undefined ? true : Boolean(spec.ordered),
        step_expiry: spec.expiry === undefined ? undefined : interval(spec.expiry as string),
      },
      select: steps.map((step) => `(${selectOf(step.filter, entity, [`${literal(step.label)}::text as step`, `${summary} as summary`])})`).join('\nunion all\n'),
    };
  }
  throw new RuleCompileError(`rule ${name}: type must be threshold, match or sequence (got ${JSON.stringify(type)})`);
}

/** The rules of a YAML document: `{rules: [{name, ...}]}`, `{rules: {name: {...}}}` or `{name: {...}}`. */
export function parseYamlRules(text: string): { name: string; spec: unknown; definition: string }[] {
  const document: unknown = YAML.parse(text);
  if (!isObject(document)) throw new RuleCompileError('expected a YAML object with rules');
  const rules = document.rules ?? document.alert_rules ?? document;
  if (Array.isArray(rules)) {
    return rules.map((spec, i) => {
      if (!isObject(spec) || typeof spec.name !== 'string') throw new RuleCompileError(`rules[${i}]: every rule needs a name`);
      return { name: spec.name, spec, definition: YAML.stringify(spec) };
    });
  }
  if (!isObject(rules)) throw new RuleCompileError('rules: expected a list or an object of rules');
  return Object.entries(rules).map(([name, spec]) => ({ name, spec, definition: YAML.stringify({ [name]: spec }) }));
}
