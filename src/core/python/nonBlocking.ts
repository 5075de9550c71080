// Arguments that make a catalogued blocking call return at once (`lock.acquire(blocking=False)`, `proc.wait(timeout=0)`,
// `zipfile.ZipFile(io.BytesIO(data))`): the catalogue says which (`unless`); the call's syntax says whether they are given.
import type { Node } from 'web-tree-sitter';
import type { NonBlockingWhen } from '../catalog/blocking';
import { MAX_NESTING } from '../locate';
import { statementOf } from './edits';
import type { PythonSemantics } from './semantics';

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

/**
 * A catalogued blocking call that returns at once because of what its receiver is, whoever makes the call (the rule on a
 * direct call, the summary on a helper's): `q.put(x)` on a queue made without a bound, `lock.acquire()` on a lock made
 * just before in the same code.
 */
export function returnsAtOnce(semantics: PythonSemantics, api: string, callee: Node): boolean {
  if (callee.type !== 'attribute') return false;
  const object = callee.childForFieldName('object');
  if (!object) return false;
  if (api.endsWith('Queue.put')) return unboundedQueue(semantics, object);
  if (api.endsWith('.acquire')) return freshLock(semantics, object, callee);
  return false;
}

/** A queue made with no bound (`queue.Queue()`, `Queue(0)`, `Queue(maxsize=0)`): `put` never waits for a free slot. */
function unboundedQueue(semantics: PythonSemantics, object: Node): boolean {
  const made = semantics.assignedValue(object);
  if (made?.type !== 'call') return false;
  const args = made.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment') ?? [];
  if (args.length === 0) return true;
  const size = args[0].type === 'keyword_argument' ? (args[0].childForFieldName('name')?.text === 'maxsize' ? args[0].childForFieldName('value') : null) : args[0];
  return args.length === 1 && !!size && size.type === 'integer' && Number(size.text) <= 0;
}

/** Locks (and semaphores with a free slot) that a fresh one of returns from `acquire` at once. */
const LOCKS = new Set(['threading.Lock', 'threading.RLock', 'threading.Semaphore', 'threading.BoundedSemaphore']);
/** Statements looked through for the lock's making, at most. */
const MAX_FRESH_SCAN = 256;

/**
 * `lock.acquire()` on a lock made by the nearest earlier statement of the code around the call that names it (`lock =
 * threading.Lock()` then `lock.acquire()`, a common way to start a worker in the locked state): nothing else holds it
 * yet, so it returns at once. Not when a statement between hands the lock on, and not for `Semaphore(0)`.
 */
function freshLock(semantics: PythonSemantics, object: Node, callee: Node): boolean {
  const name = object.text;
  let statement = statementOf(callee);
  let scanned = 0;
  // Out through the blocks around the call, up to its function: bounded by the nesting and MAX_FRESH_SCAN statements.
  for (let depth = 0; statement && depth < MAX_NESTING; depth++) {
    for (let earlier = statement.previousNamedSibling; earlier && scanned < MAX_FRESH_SCAN; earlier = earlier.previousNamedSibling, scanned++) {
      const assignment = earlier.type === 'expression_statement' ? earlier.namedChildren[0] : undefined;
      if (assignment?.type === 'assignment' && assignment.childForFieldName('left')?.text === name) {
        const value = assignment.childForFieldName('right');
        const maker = value?.type === 'call' ? semantics.calleeName(value) : undefined;
        if (!value || !maker || !LOCKS.has(maker)) return false;
        const first = value.childForFieldName('arguments')?.namedChildren.find((a) => a?.type !== 'comment');
        return !(maker.endsWith('Semaphore') && first?.type === 'integer' && Number(first.text) <= 0);
      }
      if (mentions(earlier, name)) return false;
    }
    const block = statement.parent;
    if (!block || block.type !== 'block' || block.parent?.type === 'function_definition') return false;
    statement = statementOf(block.parent!);
  }
  return false;
}

/** The statement names `name` (`lock`, `self._lock`) somewhere: it may hand the lock to other code. */
function mentions(statement: Node, name: string): boolean {
  return statement.descendantsOfType(['identifier', 'attribute']).some((n) => n?.text === name);
}
