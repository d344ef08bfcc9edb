/**
 * Windows Event XML (one `<Event>` element) as the JSON the database's Windows normalizer reads:
 * `{System: {...}, EventData: {Name: value, ...}}`. Attributes become keys; an element with both
 * attributes and text keeps the text under `#text` (e.g. EventID with Qualifiers).
 */

interface Element {
  name: string;
  attributes: Record<string, string>;
  children: Element[];
  text: string;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return entities[name] ?? whole;
  });
}

const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
const attribute = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

export function parseXmlElement(xml: string): Element {
  const root: Element = { name: '#root', attributes: {}, children: [], text: '' };
  const stack: Element[] = [root];
  let last = 0;
  for (const match of xml.matchAll(token)) {
    const top = stack[stack.length - 1]!;
    top.text += decode(xml.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[1] !== undefined) {
      top.text += match[1];
      continue;
    }
    const name = match[3];
    if (name === undefined) continue; // comment or processing instruction
    if (match[2] === '/') {
      if (stack.length === 1 || localName(name) !== top.name) throw new Error(`unexpected </${name}>`);
      stack.pop();
      continue;
    }
    const element: Element = { name: localName(name), attributes: {}, children: [], text: '' };
    for (const a of (match[4] ?? '').matchAll(attribute)) {
      if (a[1] === 'xmlns' || a[1]!.startsWith('xmlns:')) continue;
      element.attributes[localName(a[1]!)] = decode(a[2] ?? a[3] ?? '');
    }
    top.children.push(element);
    if (match[5] !== '/') stack.push(element);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  const element = root.children[0];
  if (!element) throw new Error('no element');
  return element;
}

type Json = string | null | Json[] | { [key: string]: Json };

function value(element: Element): Json {
  const text = element.text.trim();
  const hasAttributes = Object.keys(element.attributes).length > 0;
  if (element.children.length === 0) {
    if (!hasAttributes) return text;
    return text === '' ? { ...element.attributes } : { ...element.attributes, '#text': text };
  }
  const object: { [key: string]: Json } = { ...element.attributes };
  for (const child of element.children) {
    const item = value(child);
    const existing = object[child.name];
    if (existing === undefined) object[child.name] = item;
    else if (Array.isArray(existing)) existing.push(item);
    else object[child.name] = [existing, item];
  }
  return object;
}

/** EventData's `<Data Name="X">v</Data>` become {X: v}; unnamed Data become the list `Data`. */
function eventData(element: Element): Json {
  const object: { [key: string]: Json } = {};
  const unnamed: Json[] = [];
  for (const child of element.children) {
    if (child.name === 'Data' && child.attributes.Name !== undefined) object[child.attributes.Name] = child.text.trim();
    else if (child.name === 'Data') unnamed.push(child.text.trim());
    else object[child.name] = value(child);
  }
  if (unnamed.length > 0) object.Data = unnamed;
  return object;
}

export function eventXmlToJson(xml: string): Record<string, Json> {
  const event = parseXmlElement(xml);
  if (event.name !== 'Event') throw new Error(`expected <Event>, found <${event.name}>`);
  const result: Record<string, Json> = {};
  for (const child of event.children) result[child.name] = child.name === 'EventData' ? eventData(child) : value(child);
  if (!('System' in result)) throw new Error('<Event> has no <System>');
  return result;
}
