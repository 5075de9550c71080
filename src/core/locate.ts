import type { Node } from 'web-tree-sitter';

// Finding candidates fast: a plain substring search over the text proposes offsets, and the
// syntax tree decides what (if anything) is there. Far cheaper than matching a query against
// every call in a large file, when the name searched for is rare.

/**
 * How far walks over a syntax tree go, down (recursion) or up (`parent` chains). Python's own parser rejects
 * 100 nested blocks or 200 nested brackets and no real JS nests this far, so only broken or generated text is cut short.
 * Down, the bound keeps recursion off the stack limit; up, it keeps climbs linear: web-tree-sitter's `parent`
 * searches from the root, so climbing out of 10,000 nested brackets unbounded costs depth² steps.
 */
export const MAX_NESTING = 600;

/** Counts how deep a recursive walk is, and runs a step only within MAX_NESTING. */
export class NestingGuard {
  private depth = 0;

  /** `step()` one level deeper, or `beyond` when the walk is already MAX_NESTING deep. */
  within<T>(step: () => T, beyond: T): T {
    if (this.depth >= MAX_NESTING) return beyond;
    this.depth++;
    try {
      return step();
    } finally {
      this.depth--;
    }
  }
}

/** Offsets of every occurrence of `word` in `text[from, to)`. */
export function occurrences(text: string, word: string, from = 0, to = text.length): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(word, from); i !== -1 && i < to; i = text.indexOf(word, i + word.length)) found.push(i);
  return found;
}

/** Characters that continue an identifier (`$` for JS, non-ASCII letters for both languages). */
function isIdentifierCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36 || code > 127;
}

/**
 * Offsets of `.word` member names (`x.start`, not `startswith` or `restart`): a text test that spares the
 * tree look-up, which costs tens of microseconds, for the many occurrences that cannot be the member.
 */
export function memberOccurrences(text: string, word: string, from = 0, to = text.length): number[] {
  return occurrences(text, word, from, to).filter((i) => {
    let before = i - 1;
    while (before >= 0 && (text.charCodeAt(before) === 32 || text.charCodeAt(before) === 9)) before--;
    return text.charCodeAt(before) === 46 && !isIdentifierCode(text.charCodeAt(i + word.length));
  });
}

/** The identifier spelled `name` that starts at `offset`, if the tree has one there. */
export function identifierAt(root: Node, offset: number, name: string): Node | undefined {
  const node = root.descendantForIndex(offset, offset + name.length);
  return node && (node.type === 'identifier' || node.type === 'property_identifier') && node.startIndex === offset && node.text === name ? node : undefined;
}

/** The attribute access `x.<name>` (Python) whose name starts at `offset`. */
export function attributeAt(root: Node, offset: number, name: string): Node | undefined {
  const identifier = identifierAt(root, offset, name);
  const attribute = identifier?.parent;
  return attribute?.type === 'attribute' && attribute.childForFieldName('attribute')?.id === identifier!.id ? attribute : undefined;
}

/**
 * Calls whose callee is `name` or ends in `.name` (`gather(...)`, `asyncio.gather(...)`, `Promise.all(...)`),
 * in Python or TS/JS, found by text and confirmed by the tree.
 */
export function callsNamed(root: Node, text: string, name: string, at: (offset: number) => boolean = () => true): Node[] {
  const calls: Node[] = [];
  for (const offset of occurrences(text, name)) {
    // Only where the caller looks (the functions an edit's analysis covers): no node made for the rest.
    if (!at(offset)) continue;
    let callee = identifierAt(root, offset, name);
    const parent = callee?.parent;
    if (parent && (parent.type === 'attribute' || parent.type === 'member_expression') && parent.lastNamedChild?.id === callee!.id) callee = parent;
    const call = callee?.parent;
    if (call && (call.type === 'call' || call.type === 'call_expression') && call.childForFieldName('function')?.id === callee!.id) calls.push(call);
  }
  return calls;
}

/**
 * Root-to-node paths found by offset, one small wasm call per level (`firstChildForIndex`): the ancestors of a node
 * without `Node.parent`, which web-tree-sitter answers by searching down from the root on every call.
 */
export class NodePaths {
  constructor(readonly root: Node) {}

  /**
   * The nodes from the root down to the token containing `offset` (or to the innermost node containing it, between tokens),
   * root first. Callers check the last node's extent: a word inside one token lies inside every node on the path.
   */
  at(offset: number): Node[] {
    const path = [this.root];
    for (let node = this.root; ;) {
      const child = node.firstChildForIndex(offset);
      if (!child || child.startIndex > offset || child.id === node.id) return path;
      path.push(child);
      node = child;
    }
  }

  /** `node` last, preceded by its ancestors (root first); undefined when the offset search misses it (an empty node). */
  of(node: Node): Node[] | undefined {
    const path = this.at(node.startIndex);
    for (let i = path.length - 1; i >= 0; i--) {
      if (path[i].id === node.id) return i === path.length - 1 ? path : path.slice(0, i + 1);
    }
    return undefined;
  }
}

/** Offsets where `word` occurs in `text` as a whole word (not touching other identifier characters). */
export function wordOccurrences(text: string, word: string, from = 0, to = text.length): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(word, from); i !== -1 && i < to; i = text.indexOf(word, i + 1)) {
    if (i > 0 && isIdentifierCode(text.charCodeAt(i - 1))) continue;
    if (isIdentifierCode(text.charCodeAt(i + word.length))) continue;
    found.push(i);
  }
  return found;
}

/** `../x/y.js` from `dir` → `dir/../x/y` normalised ('..' and '.' resolved). */
export function resolveRelative(dir: string, specifier: string): string {
  const parts = dir ? dir.split('/') : [];
  // One step per segment of the specifier: bounded by its length.
  for (const segment of specifier.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment !== '.' && segment !== '') parts.push(segment);
  }
  return parts.join('/');
}
