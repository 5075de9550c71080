// Loops whose item count an earlier statement bounds: `if (octets.length !== 4) return null` before `for (const o of
// octets)`, `if len(parts) != 4: return None` before `for part in parts:`. Shared by the TS and Python CPU classifiers.
import type { Node } from 'web-tree-sitter';

/** A comparison as written with the other side first: `4 < xs.length` is `xs.length > 4`. */
export const FLIPPED: ReadonlyMap<string, string> = new Map([['>', '<'], ['>=', '<='], ['<', '>'], ['<=', '>='], ['!==', '!=='], ['!=', '!=']]);

/** The most items left after `if (length OP n) exit`, when fewer than `limit`; undefined when the test bounds nothing. */
export function exitBound(operator: string, n: number | undefined, limit: number): number | undefined {
  if (n === undefined || n >= limit) return undefined;
  return operator === '!==' || operator === '!=' || operator === '>' ? n : operator === '>=' ? n - 1 : undefined;
}

/** The statements to look back over for such a check, at most. */
const MAX_EARLIER_STATEMENTS = 16;

/**
 * The bound an earlier statement of the loop's block puts on the items of `name`: an `if` without `else` that only
 * exits (returns, throws or raises) when `bound(test, name)` says there are too many.
 */
export function lengthCheckedBefore(loop: Node, name: string, bound: (test: Node, name: string) => number | undefined): number | undefined {
  let steps = 0;
  for (let at = loop.previousNamedSibling; at && steps < MAX_EARLIER_STATEMENTS; at = at.previousNamedSibling, steps++) {
    // `xs = other` or `xs.push(x)` after the check: the check bounds another list, or fewer items than the loop sees.
    if (changes(at, name)) return undefined;
    if (at.type !== 'if_statement' || at.childForFieldName('alternative')) continue;
    const consequence = at.childForFieldName('consequence');
    const last = consequence?.type === 'statement_block' || consequence?.type === 'block' ? consequence.namedChildren.filter((c) => c?.type !== 'comment').at(-1) : consequence;
    if (last?.type !== 'return_statement' && last?.type !== 'throw_statement' && last?.type !== 'raise_statement') continue;
    const test = at.childForFieldName('condition');
    const found = test ? bound(test, name) : undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}

const ASSIGNMENTS = ['assignment_expression', 'augmented_assignment_expression', 'assignment', 'augmented_assignment'];
const CALLS = ['call_expression', 'call'];
/** Methods that add items to a list in place (JavaScript arrays, Python lists). */
const GROWING_METHODS = new Set(['push', 'unshift', 'splice', 'append', 'extend', 'insert']);

/** True when `statement` assigns the name `name` or adds items to what it holds (`xs.push(x)`, `xs.append(x)`). */
function changes(statement: Node, name: string): boolean {
  // Only statements that spell the name are searched; the search is bounded by the statement's size.
  if (!statement.text.includes(name)) return false;
  for (const assignment of statement.descendantsOfType(ASSIGNMENTS)) {
    if (assignment?.childForFieldName('left')?.text === name) return true;
  }
  for (const call of statement.descendantsOfType(CALLS)) {
    const callee = call?.childForFieldName('function');
    const object = callee?.childForFieldName('object');
    const method = callee?.childForFieldName('property') ?? callee?.childForFieldName('attribute');
    if (object?.text === name && method && GROWING_METHODS.has(method.text)) return true;
  }
  return false;
}
