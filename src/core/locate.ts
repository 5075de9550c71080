import type { Node } from 'web-tree-sitter';

// Finding candidates fast: a plain substring search over the text proposes offsets, and the
// syntax tree decides what (if anything) is there. Far cheaper than matching a query against
// every call in a large file, when the name searched for is rare.

/** Offsets of every occurrence of `word` in `text[from, to)`. */
export function occurrences(text: string, word: string, from = 0, to = text.length): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(word, from); i !== -1 && i < to; i = text.indexOf(word, i + word.length)) found.push(i);
  return found;
}

function isIdentifierCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code > 127;
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
export function callsNamed(root: Node, text: string, name: string): Node[] {
  const calls: Node[] = [];
  for (const offset of occurrences(text, name)) {
    let callee = identifierAt(root, offset, name);
    const parent = callee?.parent;
    if (parent && (parent.type === 'attribute' || parent.type === 'member_expression') && parent.lastNamedChild?.id === callee!.id) callee = parent;
    const call = callee?.parent;
    if (call && (call.type === 'call' || call.type === 'call_expression') && call.childForFieldName('function')?.id === callee!.id) calls.push(call);
  }
  return calls;
}
