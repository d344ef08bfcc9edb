import { isIP } from 'node:net';

export type IndicatorKind = 'ip' | 'cidr' | 'domain' | 'url' | 'md5' | 'sha1' | 'sha256' | 'sha512';
export type IntelFormat = 'list' | 'csv' | 'stix' | 'misp';

/** One indicator as `public.import_indicators` takes it (ip and cidr are told apart by the database). */
export interface Indicator {
  kind: IndicatorKind;
  value: string;
  confidence?: number;
  description?: string;
  first_seen?: string;
  last_seen?: string;
  expires?: string;
}

/** An entry the importer could not turn into indicators, reported rather than dropped silently. */
export interface Unsupported {
  entry: string;
  reason: string;
}

export interface ParsedIntel {
  format: IntelFormat;
  indicators: Indicator[];
  unsupported: Unsupported[];
}

const hashKinds: Record<number, IndicatorKind> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const domainPattern = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

/** What a bare value is: an address or network, a hash by its length, a URL or a domain. */
export function classify(raw: string): IndicatorKind | undefined {
  const value = raw.trim();
  const [address, mask, ...rest] = value.split('/');
  if (rest.length === 0 && isIP(address!) !== 0 && (mask === undefined || /^\d{1,3}$/.test(mask))) return mask === undefined ? 'ip' : 'cidr';
  if (/^[0-9a-f]+$/i.test(value) && hashKinds[value.length]) return hashKinds[value.length];
  if (/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value)) return 'url';
  if (domainPattern.test(value)) return 'domain';
  return undefined;
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** auto: STIX bundles and MISP events by their JSON shape, CSV when rows hold commas, else a list. */
export function detectFormat(text: string): IntelFormat {
  const start = text.trimStart();
  if (start.startsWith('{') || start.startsWith('[')) {
    try {
      const doc = JSON.parse(start) as Record<string, unknown> | unknown[];
      if (!Array.isArray(doc) && (doc.type === 'bundle' || (typeof doc.id === 'string' && doc.id.includes('--') && 'spec_version' in doc))) return 'stix';
      return 'misp';
    } catch {
      // not JSON after all: fall through
    }
  }
  const rows = text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'));
  return rows.slice(0, 20).some((line) => line.includes(',')) ? 'csv' : 'list';
}

export function parseIntel(text: string, format: IntelFormat | 'auto' = 'auto'): ParsedIntel {
  const chosen = format === 'auto' ? detectFormat(text) : format;
  switch (chosen) {
    case 'list':
      return parseList(text);
    case 'csv':
      return parseCsv(text);
    case 'stix':
      return parseStix(JSON.parse(text));
    case 'misp':
      return parseMisp(JSON.parse(text));
  }
}

/** One indicator per line; `#`, `;` and `//` start comments; the first token counts. */
export function parseList(text: string): ParsedIntel {
  const result: ParsedIntel = { format: 'list', indicators: [], unsupported: [] };
  for (const line of text.split(/\r?\n/)) {
    const value = line.replace(/(^|\s)(#|;|\/\/).*$/, '').trim().split(/\s+/)[0] ?? '';
    if (value === '') continue;
    const kind = classify(value);
    if (kind) result.indicators.push({ kind, value });
    else result.unsupported.push({ entry: shorten(line), reason: 'not an address, network, domain, URL or hash' });
  }
  return result;
}

/** RFC 4180 fields of one line (quotes, doubled quotes); feeds put one record per line. */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

const indicatorColumn = /^(dst_?ip|src_?ip|ip(_?address)?|ioc|indicator|value|domain|host(name)?|url|md5|sha1|sha256|sha512|hash|dstip)$/i;

/**
 * abuse.ch-style CSV: a `#` banner, a header that may be quoted or itself commented (`# DstIP,DstPort`),
 * then records. The indicator column is the first whose header names one, else the first whose values
 * classify; first_seen, last_seen/last_online and malware/description columns are carried along.
 */
export function parseCsv(text: string): ParsedIntel {
  const result: ParsedIntel = { format: 'csv', indicators: [], unsupported: [] };
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let lastComment: string | undefined;
  const rows: { line: string; fields: string[] }[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      lastComment = line.replace(/^#+\s*/, '');
      continue;
    }
    const fields = csvFields(line);
    if (!header && rows.length === 0) {
      if (fields.some((f) => indicatorColumn.test(f)) && !fields.some((f) => classify(f))) {
        header = fields;
        continue;
      }
      const commented = lastComment ? csvFields(lastComment) : [];
      if (commented.length > 1 && commented.some((f) => indicatorColumn.test(f))) header = commented;
    }
    rows.push({ line, fields });
  }
  const names = (header ?? []).map((name) => name.toLowerCase());
  let column = names.findIndex((name) => indicatorColumn.test(name));
  if (column < 0) column = Math.max(0, rows[0]?.fields.findIndex((f) => classify(f)) ?? 0);
  const find = (pattern: RegExp) => names.findIndex((name) => pattern.test(name));
  const firstSeen = find(/first_?seen/);
  const lastSeen = find(/last_?(seen|online)/);
  let description = find(/malware|threat|description|comment|tags?$/);
  if (description < 0 && header && (rows[0]?.fields.length ?? 0) > names.length) description = names.length;
  const time = (value: string | undefined) => {
    if (!value) return undefined;
    const iso = /^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
    return Number.isNaN(Date.parse(iso)) ? undefined : iso;
  };
  for (const { line, fields } of rows) {
    const value = fields[column] ?? '';
    const kind = classify(value);
    if (!kind) {
      result.unsupported.push({ entry: shorten(line), reason: `column ${column + 1} is not an address, network, domain, URL or hash` });
      continue;
    }
    const indicator: Indicator = { kind, value: value.trim() };
    const seen = time(fields[firstSeen]);
    if (firstSeen >= 0 && seen) indicator.first_seen = seen;
    const last = time(fields[lastSeen]);
    if (lastSeen >= 0 && last) indicator.last_seen = last;
    if (description >= 0 && fields[description]) indicator.description = fields[description];
    result.indicators.push(indicator);
  }
  return result;
}

interface StixObject {
  type?: string;
  id?: string;
  name?: string;
  description?: string;
  pattern?: string;
  pattern_type?: string;
  confidence?: number;
  valid_from?: string;
  valid_until?: string;
}

const stixPaths: Record<string, IndicatorKind | 'hash'> = {
  'ipv4-addr:value': 'ip',
  'ipv6-addr:value': 'ip',
  'domain-name:value': 'domain',
  'url:value': 'url',
};
const stixHashes: Record<string, IndicatorKind> = { md5: 'md5', 'sha-1': 'sha1', sha1: 'sha1', 'sha-256': 'sha256', sha256: 'sha256', 'sha-512': 'sha512', sha512: 'sha512' };

/**
 * The equality comparisons of a STIX pattern that we can match: `[a = 'x' OR b = 'y']` for addresses,
 * domains, URLs and file hashes. Anything else (AND, other operators, other objects, temporal
 * qualifiers) is returned as unsupported with the reason.
 */
export function stixPatternIndicators(pattern: string): { indicators: Pick<Indicator, 'kind' | 'value'>[]; unsupported: string[] } {
  const indicators: Pick<Indicator, 'kind' | 'value'>[] = [];
  const unsupported: string[] = [];
  const body = /^\s*\[(.*)\]\s*$/s.exec(pattern)?.[1];
  if (body === undefined || /\]\s*(AND|OR|FOLLOWEDBY)\s*\[/i.test(pattern) || /\b(WITHIN|REPEATS|START)\b/.test(pattern)) {
    return { indicators, unsupported: ['only one observation expression without qualifiers is supported'] };
  }
  if (/\sAND\s/i.test(body)) return { indicators, unsupported: ['AND of comparisons is not supported'] };
  for (const part of body.split(/\s+OR\s+/i)) {
    const comparison = /^\s*([a-z0-9-]+:[a-z0-9_.'-]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*$/i.exec(part);
    if (!comparison) {
      unsupported.push(`unsupported comparison: ${part.trim()}`);
      continue;
    }
    const path = comparison[1]!.toLowerCase();
    const value = comparison[2]!.replace(/\\(.)/g, '$1');
    const hash = /^file:hashes\.'?([a-z0-9-]+)'?$/.exec(path)?.[1];
    const kind = hash ? stixHashes[hash] : stixPaths[path];
    if (!kind || kind === 'hash') {
      unsupported.push(`unsupported object path: ${comparison[1]}`);
      continue;
    }
    indicators.push({ kind: kind === 'ip' && value.includes('/') ? 'cidr' : kind, value });
  }
  return { indicators, unsupported };
}

/** STIX 2.1 bundle (or a single object): every indicator object with a STIX pattern. */
export function parseStix(doc: StixObject & { objects?: StixObject[] }): ParsedIntel {
  const result: ParsedIntel = { format: 'stix', indicators: [], unsupported: [] };
  for (const object of doc.type === 'bundle' ? (doc.objects ?? []) : [doc]) {
    if (object.type !== 'indicator') continue;
    if (object.pattern_type && object.pattern_type !== 'stix') {
      result.unsupported.push({ entry: `${object.id}: ${shorten(object.pattern ?? '')}`, reason: `pattern_type ${object.pattern_type} is not supported` });
      continue;
    }
    const { indicators, unsupported } = stixPatternIndicators(object.pattern ?? '');
    for (const reason of unsupported) result.unsupported.push({ entry: `${object.id}: ${shorten(object.pattern ?? '')}`, reason });
    for (const indicator of indicators) {
      result.indicators.push({
        ...indicator,
        ...(typeof object.confidence === 'number' ? { confidence: object.confidence } : {}),
        ...(object.name || object.description ? { description: object.name ?? object.description } : {}),
        ...(object.valid_from ? { first_seen: object.valid_from } : {}),
        ...(object.valid_until ? { expires: object.valid_until } : {}),
      });
    }
  }
  return result;
}

interface MispAttribute {
  type?: string;
  value?: string;
  timestamp?: string | number;
  deleted?: boolean;
  comment?: string;
}

interface MispEvent {
  info?: string;
  Attribute?: MispAttribute[];
  Object?: { Attribute?: MispAttribute[] }[];
}

const mispTypes: Record<string, IndicatorKind | 'hash'> = {
  'ip-src': 'ip', 'ip-dst': 'ip', domain: 'domain', hostname: 'domain', url: 'url', uri: 'url',
  md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha512: 'sha512',
};

/** The indicator(s) in one MISP attribute; composite types (ip-dst|port, filename|sha256, domain|ip) are split. */
function mispIndicators(attribute: MispAttribute): Pick<Indicator, 'kind' | 'value'>[] {
  const type = attribute.type ?? '';
  const value = attribute.value ?? '';
  const direct = mispTypes[type];
  if (direct && direct !== 'hash') return [{ kind: classify(value) === 'cidr' ? 'cidr' : direct, value }];
  const [left, right] = type.split('|');
  const [leftValue, rightValue] = value.split('|');
  if (!right || leftValue === undefined || rightValue === undefined) return [];
  if ((left === 'ip-src' || left === 'ip-dst') && right === 'port') return [{ kind: 'ip', value: leftValue }];
  if (left === 'domain' && right === 'ip') return [{ kind: 'domain', value: leftValue }, { kind: 'ip', value: rightValue }];
  if (left === 'filename' && mispTypes[right]) return [{ kind: mispTypes[right] as IndicatorKind, value: rightValue }];
  return [];
}

/** MISP event JSON ({Event}, {response: [{Event}]}, a bare event or an array of them). */
export function parseMisp(doc: unknown): ParsedIntel {
  const result: ParsedIntel = { format: 'misp', indicators: [], unsupported: [] };
  const events: MispEvent[] = [];
  const collect = (item: unknown) => {
    if (!item || typeof item !== 'object') return;
    const record = item as { Event?: MispEvent; response?: unknown[] } & MispEvent;
    if (record.Event) events.push(record.Event);
    else if (Array.isArray(record.response)) record.response.forEach(collect);
    else if (record.Attribute || record.Object) events.push(record);
  };
  if (Array.isArray(doc)) doc.forEach(collect);
  else collect(doc);
  for (const event of events) {
    const attributes = [...(event.Attribute ?? []), ...(event.Object ?? []).flatMap((object) => object.Attribute ?? [])];
    for (const attribute of attributes) {
      if (attribute.deleted) continue;
      const found = mispIndicators(attribute);
      if (found.length === 0) {
        result.unsupported.push({ entry: `${attribute.type}: ${shorten(attribute.value ?? '')}`, reason: `MISP type ${attribute.type} is not an indicator we match` });
        continue;
      }
      const seconds = Number(attribute.timestamp);
      for (const indicator of found) {
        result.indicators.push({
          ...indicator,
          ...(event.info ? { description: event.info } : {}),
          ...(Number.isFinite(seconds) && seconds > 0 ? { first_seen: new Date(seconds * 1000).toISOString() } : {}),
        });
      }
    }
  }
  return result;
}
