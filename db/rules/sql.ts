// SQL text for the rule compilers: every value becomes an escaped literal, every predicate is
// parenthesised, and fields are read without casts that could throw inside a rule view.

export class RuleCompileError extends Error {}

/** A string literal (standard_conforming_strings is on, PostgreSQL's default since 9.1). */
export function literal(value: string): string {
  if (value.includes('\0')) throw new RuleCompileError('a value contains a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Event columns a rule may name directly; everything else is a metadata (parsed) field. */
export const eventColumns = new Set(['ts', 'host', 'source', 'event_type', 'message', 'batch_id']);

/**
 * Where a field lives: an events column, or metadata keys tried in order (a Windows field may be
 * kept under its own name or renamed to a canonical one, depending on the event type).
 */
export type FieldRef = { column: string } | { metadata: string[] };

export function fieldRef(name: string): FieldRef {
  return eventColumns.has(name) ? { column: name } : { metadata: [name] };
}

/** The field as text (null when absent). */
export function textOf(field: FieldRef): string {
  if ('column' in field) return `e.${field.column}::text`;
  const parts = field.metadata.map((key) => `(e.metadata->>${literal(key)})`);
  return parts.length === 1 ? parts[0]! : `coalesce(${parts.join(', ')})`;
}

/** The field as a number, or null when it is not one (never a cast error). */
export function numberOf(field: FieldRef): string {
  return `siem_private.try_numeric(${textOf(field)})`;
}

export function existsOf(field: FieldRef): string {
  if ('column' in field) return `(e.${field.column} is not null)`;
  return `(${field.metadata.map((key) => `e.metadata ? ${literal(key)}`).join(' or ')})`;
}

/** A LIKE pattern matching `value` literally. */
export function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const and = (parts: string[]) => (parts.length === 0 ? 'true' : parts.length === 1 ? parts[0]! : `(${parts.join(' and ')})`);
export const or = (parts: string[]) => (parts.length === 0 ? 'false' : parts.length === 1 ? parts[0]! : `(${parts.join(' or ')})`);
export const not = (part: string) => `(not coalesce(${part}, false))`;

/** A regular expression accepted by PostgreSQL (checked by JavaScript's engine, which is stricter on most syntax). */
export function regexLiteral(pattern: string): string {
  try {
    new RegExp(pattern.replace(/^\(\?[imsx]+\)/, ''));
  } catch (error) {
    throw new RuleCompileError(`invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
  return literal(pattern);
}

/** A duration such as 30s, 5m, 2h, 1d (Sigma and YAML rules) as a PostgreSQL interval literal. */
export function interval(text: string | number): string {
  const match = /^\s*(\d+)\s*(s|m|h|d|w|M|y)?\s*$/.exec(String(text));
  if (!match) throw new RuleCompileError(`${JSON.stringify(text)} is no duration (use e.g. 30s, 5m, 2h, 1d)`);
  const unit = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days', w: 'weeks', M: 'months', y: 'years' }[match[2] ?? 's']!;
  return `${match[1]} ${unit}`;
}

/** A rule name that is also a valid view name: lower case, [a-z0-9_], at most 63 characters. */
export function ruleName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 63);
  if (!name) throw new RuleCompileError(`${JSON.stringify(text)} gives no usable rule name`);
  return /^[a-z0-9]/.test(name) ? name : `r${name}`.slice(0, 63);
}
