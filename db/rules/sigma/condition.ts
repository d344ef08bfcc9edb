import { RuleCompileError } from '../sql.ts';

// Sigma condition grammar: identifiers, `and`, `or`, `not`, parentheses, `1 of x*`, `any of x*`,
// `all of x*`, `1 of them`, `all of them`. Precedence: not > and > or.

export type ConditionNode =
  | { type: 'id'; name: string }
  | { type: 'not'; operand: ConditionNode }
  | { type: 'and' | 'or'; operands: ConditionNode[] }
  | { type: 'of'; quantifier: 'any' | 'all'; pattern: string };

function tokenize(text: string): string[] {
  if (text.includes('|')) throw new RuleCompileError(`condition "${text}": aggregations after | are not supported (use a correlation rule)`);
  return text.match(/\(|\)|[^\s()]+/g) ?? [];
}

export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position]?.toLowerCase();
  const next = () => tokens[position++];
  const fail = (message: string): never => {
    throw new RuleCompileError(`condition "${text}": ${message}`);
  };

  function parseOr(): ConditionNode {
    const operands = [parseAnd()];
    while (peek() === 'or') {
      next();
      operands.push(parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { type: 'or', operands };
  }
  function parseAnd(): ConditionNode {
    const operands = [parseNot()];
    while (peek() === 'and') {
      next();
      operands.push(parseNot());
    }
    return operands.length === 1 ? operands[0]! : { type: 'and', operands };
  }
  function parseNot(): ConditionNode {
    if (peek() === 'not') {
      next();
      return { type: 'not', operand: parseNot() };
    }
    return parseAtom();
  }
  function parseAtom(): ConditionNode {
    const token = next();
    if (token === undefined) return fail('ends too early');
    if (token === '(') {
      const inner = parseOr();
      if (next() !== ')') fail('a parenthesis is not closed');
      return inner;
    }
    const lower = token.toLowerCase();
    if (lower === '1' || lower === 'any' || lower === 'all') {
      if (peek() !== 'of') fail(`"${token}" must be followed by "of"`);
      next();
      const pattern = next();
      if (pattern === undefined || pattern === '(' || pattern === ')') return fail('"of" needs a name pattern or "them"');
      return { type: 'of', quantifier: lower === 'all' ? 'all' : 'any', pattern };
    }
    if (['and', 'or', ')'].includes(lower)) fail(`unexpected "${token}"`);
    if (/^\d+$/.test(lower)) fail(`"${token} of" is not supported (only 1 of / all of)`);
    return { type: 'id', name: token };
  }

  const tree = parseOr();
  if (position < tokens.length) fail(`unexpected "${tokens[position]}"`);
  return tree;
}

/** Identifiers a pattern (`them`, `selection_*`) names, in the detection's order. */
export function expandPattern(pattern: string, identifiers: string[]): string[] {
  if (pattern === 'them') return identifiers.filter((name) => !name.startsWith('_'));
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return identifiers.filter((name) => regex.test(name));
}
