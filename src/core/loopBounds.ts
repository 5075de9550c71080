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
