// Arguments that make a catalogued blocking call return at once (`lock.acquire(blocking=False)`, `proc.wait(timeout=0)`,
// `zipfile.ZipFile(io.BytesIO(data))`): the catalogue says which (`unless`); the call's syntax says whether they are given.
import type { Node } from 'web-tree-sitter';
import type { NonBlockingWhen } from '../catalog/blocking';
import { MAX_NESTING } from '../locate';

function literalFalse(node: Node): boolean {
  return node.type === 'false' || (node.type === 'integer' && node.text === '0');
}

function literalZero(node: Node): boolean {
  return (node.type === 'integer' || node.type === 'float') && Number(node.text.replace(/_/g, '')) === 0;
}

/** True when an argument makes this call return at once (`block=False`, `timeout=0`). */
export function nonBlocking(call: Node, unless: readonly NonBlockingWhen[] | undefined): boolean {
  if (!unless) return false;
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return false;
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  for (const arg of args.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') keywords.set(arg.childForFieldName('name')!.text, arg.childForFieldName('value')!);
    else if (arg.type !== 'list_splat' && arg.type !== 'dictionary_splat') positional.push(arg);
  }
  return unless.some((u) => {
    const value = keywords.get(u.keyword) ?? (u.index >= 0 ? positional[u.index] : undefined);
    if (value === undefined) return false;
    return u.value === 'false' ? literalFalse(value) : u.value === 'zero' ? literalZero(value) : inMemoryFile(value);
  });
}

const MEMORY_FILE = /^(io\.)?(BytesIO|StringIO)$/;

/** `io.BytesIO(...)`, or a name every assignment of which in its function (or module) is one: a file in memory. */
function inMemoryFile(value: Node): boolean {
  if (value.type === 'call') return MEMORY_FILE.test(value.childForFieldName('function')?.text ?? '');
  if (value.type !== 'identifier') return false;
  let scope: Node | null = value.parent;
  for (let steps = 0; scope && scope.type !== 'function_definition' && scope.type !== 'module' && steps < MAX_NESTING; steps++) scope = scope.parent;
  if (!scope) return false;
  let assigned = 0;
  const stack: Node[] = [scope];
  // Bounded by the scope's size (and MAX_MEMORY_SCAN nodes).
  for (let visited = 0; stack.length && visited < MAX_MEMORY_SCAN; visited++) {
    const node = stack.pop()!;
    if (node.type === 'assignment' && node.childForFieldName('left')?.text === value.text) {
      const right = node.childForFieldName('right');
      if (right?.type !== 'call' || !MEMORY_FILE.test(right.childForFieldName('function')?.text ?? '')) return false;
      assigned++;
    }
    for (const child of node.namedChildren) if (child && child.type !== 'function_definition') stack.push(child);
  }
  return assigned > 0;
}
const MAX_MEMORY_SCAN = 20_000;
