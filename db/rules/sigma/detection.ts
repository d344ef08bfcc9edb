import type { FieldRef } from '../sql.ts';
import { and, existsOf, literal, not, numberOf, or, regexLiteral, RuleCompileError, textOf } from '../sql.ts';

// One Sigma search identifier (a map of field|modifiers: values, a list of such maps, or a list
// of keywords) compiled to a SQL predicate over the events row `e`.

const knownModifiers = new Set([
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'windash', 'base64', 'base64offset',
  'utf16le', 'utf16be', 'utf16', 'wide', 'exists', 'gt', 'gte', 'lt', 'lte', 'neq', 'cased', 'fieldref',
]);

type Value = string | number | boolean | null;

/** A Sigma value with wildcards (* ?, escaped by \) as a LIKE pattern; `plain` when it has none. */
export function sigmaPattern(value: string): { like: string; plain: boolean } {
  let like = '';
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length && '*?\\'.includes(value[i + 1]!)) {
      const escaped = value[++i]!;
      like += escaped === '\\' ? '\\\\' : escaped;
    } else if (c === '*') {
      like += '%';
      plain = false;
    } else if (c === '?') {
      like += '_';
      plain = false;
    } else if (c === '%' || c === '_' || c === '\\') {
      like += `\\${c}`;
    } else {
      like += c;
    }
  }
  return { like, plain };
}

function encode(value: string, modifiers: Set<string>): Buffer {
  if (modifiers.has('utf16le') || modifiers.has('wide')) return Buffer.from(value, 'utf16le');
  if (modifiers.has('utf16be')) return Buffer.from(value, 'utf16le').swap16();
  if (modifiers.has('utf16')) return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(value, 'utf16le')]);
  return Buffer.from(value, 'utf8');
}

/** The three forms a value takes inside a longer base64 string, by its offset modulo 3. */
export function base64Offsets(bytes: Buffer): string[] {
  const start = [0, 2, 3];
  const endTrim = [0, 3, 2];
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset, 0x20), bytes]).toString('base64');
    const trimmed = encoded.slice(start[offset], encoded.length - endTrim[(bytes.length + offset) % 3]!);
    return trimmed;
  });
}

const dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];

function expandValue(value: string, modifiers: Set<string>): string[] {
  let values = [value];
  if (modifiers.has('windash')) values = values.flatMap((v) => [...new Set(dashes.map((dash) => v.replace(/[-/\u2013\u2014\u2015]/g, dash)))]);
  if (modifiers.has('base64offset')) return values.flatMap((v) => base64Offsets(encode(v, modifiers)));
  if (modifiers.has('base64')) return values.map((v) => encode(v, modifiers).toString('base64'));
  return values;
}

function valuePredicate(field: FieldRef, value: Value, modifiers: Set<string>, resolveField: (name: string) => FieldRef): string {
  const text = textOf(field);
  if (modifiers.has('exists')) {
    return value === true || value === 'true' ? existsOf(field) : not(existsOf(field));
  }
  if (value === null) return `(${text} is null)`;
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (modifiers.has(op)) {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new RuleCompileError(`|${op} needs a number, got ${JSON.stringify(value)}`);
      return `(${numberOf(field)} ${{ gt: '>', gte: '>=', lt: '<', lte: '<=' }[op]} ${number})`;
    }
  }
  if (modifiers.has('fieldref')) {
    return `(${text} = ${textOf(resolveField(String(value)))})`;
  }
  if (modifiers.has('cidr')) {
    const cidr = String(value);
    if (!/^[0-9A-Fa-f:.]+\/\d{1,3}$/.test(cidr)) throw new RuleCompileError(`|cidr: ${JSON.stringify(cidr)} is no network`);
    return `(siem_private.try_inet(${text}) <<= ${literal(cidr)}::cidr)`;
  }
  if (modifiers.has('re')) {
    // PostgreSQL's default already lets . match a newline (s); m (multi-line anchors) is not mapped.
    return `(${text} ${modifiers.has('i') ? '~*' : '~'} ${regexLiteral(String(value))})`;
  }
  const cased = modifiers.has('cased');
  const negate = modifiers.has('neq');
  const variants = expandValue(typeof value === 'string' ? value : String(value), modifiers).map((v) => {
    // Encoded values are exact strings: their * and ? are not wildcards.
    const encoded = modifiers.has('base64') || modifiers.has('base64offset');
    const pattern = encoded ? { like: v.replace(/[\\%_]/g, (c) => `\\${c}`), plain: true } : sigmaPattern(v);
    const plain = pattern.plain;
    let like = pattern.like;
    if (modifiers.has('contains')) like = `%${like}%`;
    else if (modifiers.has('startswith')) like = `${like}%`;
    else if (modifiers.has('endswith')) like = `%${like}`;
    else if (plain && typeof value === 'number') return `(${text} = ${literal(String(value))})`;
    return `(${text} ${cased ? 'like' : 'ilike'} ${literal(like)})`;
  });
  const combined = or(variants);
  return negate ? not(combined) : combined;
}

function fieldPredicate(key: string, raw: unknown, resolveField: (name: string) => FieldRef): string {
  const [name, ...modifierList] = key.split('|');
  const modifiers = new Set(modifierList);
  for (const modifier of modifiers) {
    if (modifier === 'expand') throw new RuleCompileError(`field ${name}: the expand modifier (placeholders) is not supported`);
    if (/^(minute|hour|day|week|month|year)$/.test(modifier)) throw new RuleCompileError(`field ${name}: time modifier ${modifier} is not supported`);
    if (!knownModifiers.has(modifier)) throw new RuleCompileError(`field ${name}: unknown modifier ${modifier}`);
  }
  const field = resolveField(name!);
  const values: Value[] = Array.isArray(raw) ? (raw as Value[]) : [raw as Value];
  if (values.length === 0) throw new RuleCompileError(`field ${name}: empty value list`);
  const parts = values.map((value) => {
    if (typeof value === 'object' && value !== null) throw new RuleCompileError(`field ${name}: nested values are not supported`);
    return valuePredicate(field, value, modifiers, resolveField);
  });
  return modifiers.has('all') ? and(parts) : or(parts);
}

function keywordPredicate(keyword: Value, resolveField: (name: string) => FieldRef): string {
  if (keyword === null || typeof keyword === 'object') throw new RuleCompileError('keywords must be strings or numbers');
  return valuePredicate(resolveField('message'), String(keyword), new Set(['contains']), resolveField);
}

/** A search identifier's value as a predicate. */
export function compileSearch(name: string, search: unknown, resolveField: (name: string) => FieldRef): string {
  if (Array.isArray(search)) {
    if (search.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
      return or(search.map((item) => compileSearch(name, item, resolveField)));
    }
    return or(search.map((item) => keywordPredicate(item as Value, resolveField)));
  }
  if (typeof search === 'object' && search !== null) {
    // Every unknown field is named at once, not only the first.
    const errors: string[] = [];
    const parts = Object.entries(search).map(([key, value]) => {
      try {
        // A keyword list with modifiers (`'|contains': [...]`) searches the message.
        return fieldPredicate(key === '' || key.startsWith('|') ? `message${key}` : key, value, resolveField);
      } catch (error) {
        errors.push((error as Error).message);
        return '';
      }
    });
    if (errors.length) throw new RuleCompileError(errors.join('; '));
    return and(parts);
  }
  if (typeof search === 'string' || typeof search === 'number') return keywordPredicate(search, resolveField);
  throw new RuleCompileError(`search identifier ${name}: expected a map, a list or keywords`);
}
