import { MAX_NESTING } from '../../locate';
import type { Node } from 'web-tree-sitter';
import type { ConcurrencyContext } from '../../context';
import { mayScheduleOnLoop } from '../../context/entries';
import { consequence, functionName, plainHotEntry, weigh } from './context';
import { composeMessage, inFunction, shortCode } from '../../message';
import { blockingLookup, pythonBlockingApis, type BlockingApi } from '../../catalog/blocking';
import { targetMinor } from '../../config';
import { addImport, indentationOf } from '../../python/edits';
import { nonBlocking, returnsAtOnce } from '../../python/nonBlocking';
import type { PythonSemantics } from '../../python/semantics';
import { endOf, lineOf, perText, rangeOf, startOf } from '../../text';
import { NodePaths, wordOccurrences } from '../../locate';
import type { Fix, TextEdit } from '../../types';
import type { RuleContext } from '../rule';
import { inScope } from '../../analysis';
import type { ColdPath } from '../../effects/condition';
import { pythonColdPath, pythonFunctionFacts } from '../../effects/pythonPaths';

const SLUG = 'blocking-call-in-async';


/** Last segments of every catalogued name: a call whose callee ends otherwise is never resolved. */
const CANDIDATE_NAMES = new Set(pythonBlockingApis.map((api) => api.name.slice(api.name.lastIndexOf('.') + 1)));

const LOCK_TYPES = new Set(['threading.Lock', 'threading.RLock', 'threading.Semaphore', 'threading.BoundedSemaphore', 'threading.Condition',
  'multiprocessing.synchronize.Lock', 'multiprocessing.synchronize.RLock', 'multiprocessing.synchronize.Semaphore']);

/** Only a file with an `async def`, or one handing plain functions to the loop (`loop.call_soon(f)`), can match. */
export function pythonMayMatch(text: string): boolean {
  return /\basync\s+def\b/.test(text) || mayScheduleOnLoop(text);
}

/** The function whose own code runs `node`: a call in a nested def's body belongs to it, one in its default values does not. */
export function owningFunction(node: Node): Node | undefined {
  let child = node;
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; child = current, current = current.parent, steps++) {
    switch (current.type) {
      case 'function_definition':
      case 'lambda':
        if (current.childForFieldName('body')?.id === child.id) return current;
        break;
      case 'class_definition':
        if (current.childForFieldName('body')?.id === child.id) return current;
        break;
    }
  }
  return undefined;
}

function isAsyncDef(fn: Node | undefined): boolean {
  return fn?.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

interface Finding {
  node: Node;
  callee: Node;
  api: BlockingApi;
  name: string;
  /** The async function the call runs in, or a plain one the loop calls (`plain`). */
  owner?: Node;
  plain?: true;
}

/** The function whose own code runs the node at `path[index]` (as owningFunction, with the ancestors from `path`). */
function owningFunctionIn(path: readonly Node[], index: number): Node | undefined {
  for (let j = index - 1; j >= 0; j--) {
    const type = path[j].type;
    if (type === 'function_definition' || type === 'lambda' || type === 'class_definition') {
      if (path[j].childForFieldName('body')?.id === path[j + 1].id) return path[j];
    }
  }
  return undefined;
}

/**
 * A callee name followed by its argument list: spaces, line continuations and (inside brackets) newlines and comments
 * between. Tried only where a name starts (the lookbehind), so a long run of name characters (a 64 KB hex constant)
 * costs one pass, not one per character.
 */
const CALLED_NAME = /(?<![A-Za-z0-9_])([A-Za-z_][A-Za-z0-9_]*)(?:[ \t\f\r\n]|\\\r?\n|#[^\n]*\n)*\(/g;

export function checkPython(context: RuleContext): void {
  const text = context.text;
  const paths = new NodePaths(context.root);
  // Async function bodies, found by their keyword; the tree confirms.
  const bodies: { start: number; end: number }[] = [];
  for (const offset of wordOccurrences(text, 'async')) {
    if (!inScope(context, offset)) continue;
    // `async def`: a space, tab or line continuation follows the keyword.
    if (!' \t\f\\'.includes(text[offset + 5])) continue;
    const path = paths.at(offset);
    const fn = path[path.length - 2];
    if (path[path.length - 1].type !== 'async' || fn?.type !== 'function_definition') continue;
    const body = fn.childForFieldName('body');
    if (body?.type === 'block') bodies.push({ start: body.startIndex, end: body.endIndex });
  }
  // Plain functions the loop calls (`loop.call_later(5, self.flush)`) run on its thread as a coroutine's step does.
  const plainOwners = new Set<number>();
  if (mayScheduleOnLoop(text)) {
    for (const fn of context.root.descendantsOfType('function_definition')) {
      if (!fn || !inScope(context, fn.startIndex) || !plainHotEntry(context, fn)) continue;
      plainOwners.add(fn.id);
      const body = fn.childForFieldName('body');
      if (body?.type === 'block') bodies.push({ start: body.startIndex, end: body.endIndex });
    }
  }
  if (!bodies.length) return;
  const ranges: { start: number; end: number }[] = [];
  for (const body of bodies.sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = ranges[ranges.length - 1];
    if (last && body.start < last.end) last.end = Math.max(last.end, body.end);
    else ranges.push({ start: body.start, end: body.end });
  }
  const aliases = localAliases(text);
  const lookup = blockingLookup(context.settings);
  const candidate = (name: string) => CANDIDATE_NAMES.has(name) || lookup.pythonExtraNames.has(name);
  const found = new Map<number, { call: Node; callee: Node; path: Node[] }>();
  const withs = new Map<number, { value: Node; path: Node[] }>();
  for (const range of ranges) {
    CALLED_NAME.lastIndex = range.start;
    for (let m = CALLED_NAME.exec(text); m && m.index < range.end; m = CALLED_NAME.exec(text)) {
      const name = m[1];
      if (!candidate(name) && !aliases.has(name)) continue;
      const leaf = context.root.descendantForIndex(m.index, m.index + name.length);
      if (!leaf || leaf.type !== 'identifier' || leaf.startIndex !== m.index || leaf.text !== name) continue;
      const path = paths.at(m.index);
      if (path[path.length - 1].id !== leaf.id) continue;
      let j = path.length - 1;
      if (path[j - 1]?.type === 'attribute' && path[j - 1].childForFieldName('attribute')?.id === leaf.id) j--;
      const call = path[j - 1];
      if (call?.type !== 'call' || call.childForFieldName('function')?.id !== path[j].id) continue;
      const callee = path[j];
      // The query's test: a bare name must be a candidate or an alias, an attribute's last name a candidate.
      if (!(candidate(name) || (callee.type === 'identifier' && aliases.has(name)))) continue;
      if (!found.has(call.id)) found.set(call.id, { call, callee, path: path.slice(0, j) });
    }
    for (const offset of wordOccurrences(text, 'with', range.start, range.end)) {
      const path = paths.at(offset);
      const statement = path[path.length - 2];
      if (path[path.length - 1].type !== 'with' || statement?.type !== 'with_statement') continue;
      for (const clause of statement.namedChildren) {
        if (clause?.type !== 'with_clause') continue;
        for (const item of clause.namedChildren) {
          if (item?.type !== 'with_item') continue;
          let value = item.childForFieldName('value');
          if (value?.type === 'as_pattern') value = value.namedChildren[0] ?? null;
          if (!value || (value.type !== 'identifier' && value.type !== 'attribute') || withs.has(value.id)) continue;
          withs.set(value.id, { value, path: [...path.slice(0, -1), clause, item] });
        }
      }
    }
  }
  const calls = [...found.values()].sort((a, b) => a.call.startIndex - b.call.startIndex || b.call.endIndex - a.call.endIndex);
  if (!calls.length && !withs.size) return;

  const semantics = context.python();
  const findings: Finding[] = [];
  let nonBlockingSockets: Set<string> | undefined;
  for (const { call, callee, path } of calls) {
    const owner = owningFunctionIn(path, path.length - 1);
    if (!isAsyncDef(owner) && !(owner && plainOwners.has(owner.id))) continue;
    const name = semantics.calleeName(call);
    const api = name ? lookup.python(name) : undefined;
    if (!api || !name) continue;
    // A method awaited on an object known by its type: awaiting needs an awaitable, which no blocking API returns, so
    // the object is not of the type its annotation or maker says (`session: Session` that is an `AsyncSession`).
    // (`await requests.get(u)` names the module's function itself: it blocks, then fails.)
    if (call.parent?.type === 'await' && callee.type === 'attribute' && semantics.resolve(callee.childForFieldName('object')!)?.kind === 'instance') continue;
    if (nonBlocking(call, api.unless)) continue;
    if (returnsAtOnce(semantics, api.name, callee)) continue;
    // A socket switched to non-blocking mode (for loop.sock_* or select) returns at once.
    if (api.name.startsWith('socket.socket.') && callee.type === 'attribute' && (nonBlockingSockets ??= socketsSwitchedToNonBlocking(context.root, context.text)).has(callee.childForFieldName('object')!.text)) continue;
    findings.push({ node: call, callee, api, name, owner, ...(owner && plainOwners.has(owner.id) ? { plain: true as const } : {}) });
  }
  // `urlopen(url).read()`: the inner call is the finding; the outer one would repeat it.
  const flagged = new Set(findings.map((f) => f.node.id));
  const contexts = new Map<number, ConcurrencyContext>();
  for (const finding of findings) {
    const object = finding.callee.type === 'attribute' ? finding.callee.childForFieldName('object') : undefined;
    if (object && flagged.has(object.id)) continue;
    const owner = finding.owner;
    const rare = owner && pythonColdPath(semantics, finding.node, pythonFunctionFacts(owner));
    report(context, semantics, finding, contexts, rare);
  }

  for (const { value, path } of [...withs.values()].sort((a, b) => a.value.startIndex - b.value.startIndex)) {
    const withStatement = path[path.length - 3];
    // `async with` on a threading lock fails at run time anyway; only the plain `with` blocks.
    if (withStatement.children.some((c) => c?.type === 'async')) continue;
    if (!isAsyncDef(owningFunctionIn(path, path.length - 3))) continue;
    const type = semantics.instanceType(value);
    if (!type || !LOCK_TYPES.has(type)) continue;
    const short = type.slice(type.lastIndexOf('.') + 1);
    context.report({
      code: SLUG,
      severity: 'information',
      ...composeMessage({ subject: `\`with ${shortCode(value.text)}:\``, effect: `waits for a ${short}`, scope: inFunction(functionName(owningFunctionIn(path, path.length - 3))), consequence: 'while a thread holds it, the loop waits' },
        `\`${type}\` has a blocking acquire(). Fine for a short critical section shared with threads; if only tasks share it, use asyncio.${short === 'BoundedSemaphore' ? 'BoundedSemaphore' : short === 'RLock' ? 'Lock' : short} and \`async with\`.`),
      range: rangeOf(value),
    });
  }
}

/** Names that may alias a blocking function: `import ... as x`, `from m import f as x`, `x = m.f`. */
function localAliases(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/\bas\s+(\w+)|^[ \t]*(\w+)[ \t]*=[ \t]*[\w.]+[ \t]*$/gm)) names.add(m[1] ?? m[2]);
  return names;
}

/** The receivers (as written) the file switches to non-blocking mode: `sock.setblocking(False)`, `sock.settimeout(0)`. */
function socketsSwitchedToNonBlocking(root: Node, text: string): Set<string> {
  const objects = new Set<string>();
  // Only files that mention either method are walked (the parser decides what is a call).
  if (!text.includes('setblocking') && !text.includes('settimeout')) return objects;
  for (const call of root.descendantsOfType('call')) {
    const callee = call?.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
    const args = call?.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type !== 'comment') ?? [];
    if ((method !== 'setblocking' && method !== 'settimeout') || args.length !== 1) continue;
    const value = args[0];
    const off = method === 'setblocking' ? value.type === 'false' || (value.type === 'integer' && Number(value.text) === 0)
      : (value.type === 'integer' || value.type === 'float') && Number(value.text) === 0;
    if (off) objects.add(callee!.childForFieldName('object')!.text);
  }
  return objects;
}

function report(context: RuleContext, semantics: PythonSemantics, finding: Finding, contexts: Map<number, ConcurrencyContext>, rare: ColdPath | undefined): void {
  const { node, api, name } = finding;
  const shown = name.startsWith('builtins.') ? name.slice(9) : name;
  const calleeText = finding.callee.text;
  const subject = calleeText === shown || calleeText.endsWith(`.${shown}`) ? `\`${shortCode(calleeText)}()\`` : `\`${shortCode(calleeText)}()\` (${shown})`;
  const zeroSleep = api.name === 'time.sleep' && /^\(\s*0(\.0*)?\s*\)$/.test(node.childForFieldName('arguments')?.text ?? '');
  const weighed = weigh(context, finding.owner, api.severity, contexts, rare, finding.node);
  if (weighed.off) return;
  const scope = inFunction(functionName(finding.owner));
  const { message, detail } = zeroSleep
    ? composeMessage({ subject, effect: 'lets no other task run', scope, consequence: 'it yields only to other threads' },
      `Use \`await asyncio.sleep(0)\`. ${weighed.suffix}`)
    : composeMessage({ subject, effect: 'blocks the event loop', scope, context: weighed.context, consequence: consequence(weighed, 'other tasks wait') },
      `It ${api.why}. ${finding.plain ? `Move the work into a coroutine the loop runs as a task and use ${api.instead}` : `Use ${api.instead}`}. ${weighed.suffix}`);
  context.report({
    // `await` needs an async function: a callback the loop calls must stay a plain function.
    code: SLUG, message, ...(detail ? { detail } : {}), range: rangeOf(finding.callee), fixes: finding.plain ? [] : pythonFixes(context, semantics, finding),
    related: weighed.related, ...(weighed.severity ? { severity: weighed.severity } : {}),
  });
}

/** Parents under which `await expr` needs no parentheses in place of a call. */
const SAFE_PARENTS = new Set([
  'expression_statement', 'assignment', 'augmented_assignment', 'argument_list', 'keyword_argument', 'return_statement',
  'parenthesized_expression', 'list', 'tuple', 'set', 'pair', 'conditional_expression', 'boolean_operator', 'not_operator',
  'comparison_operator', 'for_statement', 'if_statement', 'while_statement', 'elif_clause', 'with_item', 'as_pattern',
  'expression_list', 'yield', 'list_splat', 'dictionary_splat', 'named_expression', 'list_comprehension',
  'set_comprehension', 'for_in_clause', 'if_clause', 'assert_statement', 'raise_statement', 'delete_statement',
]);

export function needsParentheses(call: Node): boolean {
  const parent = call.parent;
  if (!parent) return false;
  if (parent.type === 'binary_operator') {
    // `await` binds tighter than every binary operator; only `**` takes its left operand as a primary.
    const operator = parent.childForFieldName('operator')?.text;
    return operator === '**' && parent.childForFieldName('left')?.id === call.id;
  }
  if (parent.type === 'subscript') return parent.childForFieldName('value')?.id === call.id;
  if (parent.type === 'unary_operator') return false;
  return !SAFE_PARENTS.has(parent.type);
}

/** A call inside a generator expression would turn it into an async generator: awaiting there changes meaning. */
export function inGeneratorExpression(call: Node, fn: Node): boolean {
  for (let current = call.parent, steps = 0; current && current.id !== fn.id && steps < MAX_NESTING; current = current.parent, steps++) {
    if (current.type === 'generator_expression') return true;
  }
  return false;
}

/** How this file spells an asyncio function: `asyncio.sleep`, `aio.sleep`, or a bare `sleep` imported from asyncio. */
export function asyncioName(context: RuleContext, semantics: PythonSemantics, member: string): { text: string; edits: TextEdit[] } {
  const direct = semantics.moduleImportName(`asyncio.${member}`);
  if (direct) return { text: direct, edits: [] };
  const module = semantics.moduleImportName('asyncio');
  if (module) return { text: `${module}.${member}`, edits: [] };
  if (semantics.isModuleName('asyncio')) return { text: `__import__("asyncio").${member}`, edits: [] };
  return { text: `asyncio.${member}`, edits: [addImport(context.root, context.lines, 'import asyncio')] };
}

function pythonFixes(context: RuleContext, semantics: PythonSemantics, finding: Finding): Fix[] {
  const { node: call, api } = finding;
  if (api.fix === 'none' || call.parent?.type === 'await') return [];
  const fn = owningFunction(call);
  // No owner found within MAX_NESTING levels: too deep to know that a rewrite keeps the meaning.
  if (!fn || inGeneratorExpression(call, fn)) return [];
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  const wrap = (text: string) => (needsParentheses(call) ? `(${text})` : text);

  if (api.fix === 'asyncio-sleep') {
    const items = args.namedChildren.filter((a): a is Node => a !== null && a.type !== 'comment');
    if (items.length !== 1 || items[0].type === 'keyword_argument' || items[0].type === 'list_splat' || items[0].type === 'dictionary_splat') return [];
    const sleep = asyncioName(context, semantics, 'sleep');
    return [{
      title: `Replace with \`await ${sleep.text}(${items[0].text})\``,
      preferred: true,
      applicability: 'safe',
      edits: [{ range: rangeOf(call), newText: wrap(`await ${sleep.text}(${items[0].text})`) }, ...sleep.edits],
    }];
  }

  // asyncio.to_thread is new in 3.9: not offered to a project that still supports 3.8.
  if ((targetMinor(context.settings.pythonTargetVersion) ?? Infinity) < 9) return [];
  // `with open(...) as f:` then `f.write(...)`: moving only the open() to a thread leaves every use of `f` blocking.
  const withStatement = withStatementOf(call);
  if (withStatement) return withBlockFix(context, semantics, withStatement, fn);
  // Inside a with item in another shape (`with closing(urlopen(u)) as r:`): the block would still block, and no fix says so.
  if (inWithItem(call, fn)) return [];
  // Objects that must stay on the thread that made them cannot move to a worker thread.
  const toThread = asyncioName(context, semantics, 'to_thread');
  const inner = args.text.slice(1, -1);
  const argumentText = inner.trim() === '' ? '' : `, ${inner.replace(/^\s+/, '')}`;
  const replacement = `await ${toThread.text}(${finding.callee.text}${argumentText})`;
  return [{
    title: `Run \`${finding.callee.text}\` in a worker thread: \`await ${toThread.text}(...)\` (Python 3.9+)`,
    preferred: true,
    applicability: 'unsafe',
    edits: [{ range: rangeOf(call), newText: wrap(replacement) }, ...toThread.edits],
  }];
}

/** True when `call` is part of a `with` item's expression (below `fn`, not inside a lambda there). */
export function inWithItem(call: Node, fn: Node): boolean {
  for (let current = call.parent, steps = 0; current && current.id !== fn.id && steps < MAX_NESTING; current = current.parent, steps++) {
    if (current.type === 'with_item') return true;
    if (current.type === 'lambda' || current.type === 'block') return false;
  }
  return false;
}

/** The `with` statement whose item is `call` (`with call:` / `with call as x:`), if it is one. */
function withStatementOf(call: Node): Node | undefined {
  let item = call.parent;
  if (item?.type === 'as_pattern' && item.namedChildren[0]?.id === call.id) item = item.parent;
  if (item?.type !== 'with_item' || item.childForFieldName('value')?.id !== (call.parent?.type === 'as_pattern' ? call.parent.id : call.id)) return undefined;
  const clause = item.parent;
  const statement = clause?.type === 'with_clause' ? clause.parent : undefined;
  return statement?.type === 'with_statement' ? statement : undefined;
}

/** Nodes a moved block may not hold: they would mean something else (or nothing) inside a nested plain function. */
const NOT_MOVABLE = new Set(['await', 'yield', 'global_statement', 'nonlocal_statement', 'match_statement', 'async']);
/** Names whose meaning depends on the function they are called in. */
const SCOPE_SENSITIVE = new Set(['super', 'locals', 'vars', 'eval', 'exec']);
const NEW_SCOPE = new Set(['function_definition', 'lambda', 'class_definition']);
const MAX_MOVED_NODES = 20_000;

interface BlockFacts {
  /** Names the block binds (assignment and loop targets, `as` names, imports, nested defs). */
  bound: Set<string>;
  returns: Node[];
  /** `break` / `continue` whose loop is outside the block. */
  escapes: boolean;
  movable: boolean;
}

function bindTargets(target: Node | null, bound: Set<string>): void {
  if (!target) return;
  switch (target.type) {
    case 'identifier': bound.add(target.text); return;
    case 'pattern_list': case 'tuple_pattern': case 'list_pattern': case 'tuple': case 'list':
    case 'parenthesized_expression': case 'list_splat_pattern': case 'list_splat':
      for (const child of target.namedChildren) bindTargets(child, bound);
      return;
    default: return; // attributes and subscripts bind no local name
  }
}

/** What the statement does with names and control flow, in its own scope (nested functions and classes are their own). */
function blockFacts(statement: Node): BlockFacts {
  const facts: BlockFacts = { bound: new Set(), returns: [], escapes: false, movable: true };
  const stack: { node: Node; loops: number }[] = [{ node: statement, loops: 0 }];
  let visited = 0;
  // Bounded by MAX_MOVED_NODES.
  while (stack.length) {
    if (++visited > MAX_MOVED_NODES) return { ...facts, movable: false };
    const { node, loops } = stack.pop()!;
    if (NOT_MOVABLE.has(node.type)) facts.movable = false;
    if (node.type === 'identifier' && SCOPE_SENSITIVE.has(node.text)) facts.movable = false;
    // `async for` / `async with` / an async comprehension: the keyword is an unnamed child.
    if ((node.type === 'for_statement' || node.type === 'with_statement' || node.type === 'for_in_clause') && node.id !== statement.id
      && node.children.some((c) => c?.type === 'async')) facts.movable = false;
    switch (node.type) {
      case 'return_statement': facts.returns.push(node); break;
      case 'break_statement': case 'continue_statement': if (loops === 0) facts.escapes = true; break;
      case 'assignment': case 'augmented_assignment': bindTargets(node.childForFieldName('left'), facts.bound); break;
      case 'for_statement': bindTargets(node.childForFieldName('left'), facts.bound); break;
      case 'as_pattern': bindTargets(node.childForFieldName('alias')?.namedChildren[0] ?? node.childForFieldName('alias'), facts.bound); break;
      case 'named_expression': bindTargets(node.childForFieldName('name'), facts.bound); break;
      case 'delete_statement': for (const t of node.namedChildren) bindTargets(t, facts.bound); break;
      case 'import_statement': case 'import_from_statement':
        for (const n of node.childrenForFieldName('name')) {
          const alias = n?.type === 'aliased_import' ? n.childForFieldName('alias') : n?.type === 'dotted_name' ? n.namedChildren[0] : null;
          if (alias) facts.bound.add(alias.text);
        }
        if (node.children.some((c) => c?.type === 'wildcard_import')) facts.movable = false;
        break;
    }
    if (NEW_SCOPE.has(node.type) && node.id !== statement.id) {
      const name = node.childForFieldName('name');
      if (name) facts.bound.add(name.text);
      // Decorators, defaults and bases run here; the body runs later, in its own scope.
      for (const child of node.namedChildren) if (child && child.type !== 'block' && child.id !== name?.id && node.type !== 'lambda') stack.push({ node: child, loops });
      continue;
    }
    const inLoop = node.type === 'for_statement' || node.type === 'while_statement' ? loops + 1 : loops;
    for (const child of node.namedChildren) if (child) stack.push({ node: child, loops: child.type === 'block' && node.id !== statement.id ? inLoop : loops });
  }
  return facts;
}

/** Does the function mention `names` outside `statement` (a read after the block, or a binding before it)? */
function namesUsedOutside(fn: Node, statement: Node, names: ReadonlySet<string>): boolean {
  if (!names.size) return false;
  const stack: Node[] = [fn];
  let visited = 0;
  // Bounded by MAX_MOVED_NODES.
  while (stack.length) {
    if (++visited > MAX_MOVED_NODES) return true;
    const node = stack.pop()!;
    if (node.id === statement.id) continue;
    if (node.type === 'identifier' && names.has(node.text)) return true;
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  return false;
}

/** A name for the nested function that the file does not use yet. */
function helperName(text: string): string | undefined {
  for (let i = 1; i <= 9; i++) {
    const name = i === 1 ? '_blocking_io' : `_blocking_io_${i}`;
    if (!perText(text, `word ${name}`, () => wordOccurrences(text, name).length > 0)) return name;
  }
  return undefined;
}

/** True when offset `at` lies inside a string that began before it (a line of a triple-quoted string). */
function insideString(root: Node, at: number): boolean {
  let node: Node | null = root.descendantForIndex(at, at);
  for (let steps = 0; node && steps < MAX_NESTING; node = node.parent, steps++) {
    if (node.type === 'string' && node.startIndex < at) return true;
  }
  return false;
}

/**
 * `with open(...) as f: <block>` → the whole statement in a nested plain function run by `await asyncio.to_thread(...)`,
 * so every use of `f` leaves the loop too. Offered only when the block means the same inside a nested function: no await,
 * yield, global/nonlocal, escaping break/continue, zero-argument super(); no name it binds used elsewhere in the function;
 * a `return` only as the block's last statement, under context managers that cannot swallow it.
 */
function withBlockFix(context: RuleContext, semantics: PythonSemantics, statement: Node, fn: Node): Fix[] {
  if (statement.children.some((c) => c?.type === 'async') || statement.parent?.type !== 'block') return [];
  const facts = blockFacts(statement);
  if (!facts.movable || facts.escapes || namesUsedOutside(fn, statement, facts.bound)) return [];
  const body = statement.childForFieldName('body');
  if (!body) return [];
  const last = body.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment').pop();
  let returns: 'none' | 'value' | 'bare' = 'none';
  if (facts.returns.length) {
    if (facts.returns.length > 1 || facts.returns[0].id !== last?.id) return [];
    // Every item must be a call the catalogue knows (files, sockets, clients): none of them swallows the return's exception path.
    const lookup = blockingLookup(context.settings);
    const items = statement.namedChildren.find((c) => c?.type === 'with_clause')?.namedChildren ?? [];
    const known = items.every((item) => {
      let value = item?.childForFieldName('value') ?? null;
      if (value?.type === 'as_pattern') value = value.namedChildren[0] ?? null;
      const name = value?.type === 'call' ? semantics.calleeName(value) : undefined;
      return !!name && !!lookup.python(name);
    });
    if (!known) return [];
    returns = last.namedChildren.length ? 'value' : 'bare';
  }
  const name = helperName(context.text);
  if (!name) return [];
  const lines = context.lines;
  const start = startOf(statement);
  const startRow = start.line;
  const endRow = endOf(statement).line;
  const indent = lines.lineText(startRow).slice(0, start.column);
  if (indent === '' || indent.trim() !== '') return [];
  const bodyRow = lineOf(body);
  const bodyIndent = bodyRow > startRow ? indentationOf(lines.lineText(bodyRow)) : '';
  const unit = bodyIndent.startsWith(indent) && bodyIndent.length > indent.length ? bodyIndent.slice(indent.length) : indent.includes('\t') ? '\t' : '    ';
  const eol = lines.eol;
  const toThread = asyncioName(context, semantics, 'to_thread');
  const run = `await ${toThread.text}(${name})`;
  const callLine = returns === 'value' ? `return ${run}` : returns === 'bare' ? `${run}${eol}${indent}return` : run;
  // One edit over the whole statement (so that no other fix lands inside it in the same pass); its text is the statement's
  // own, each line one indentation level deeper (after its existing indentation), except blank lines and lines in a string.
  let moved = `${indent}def ${name}():${eol}`;
  for (let row = startRow; row <= endRow; row++) {
    const text = lines.lineText(row);
    const deeper = row === startRow || (text.trim() !== '' && !insideString(context.root, lines.lineStart(row)));
    const at = text.startsWith(indent) ? indent.length : 0;
    moved += deeper ? text.slice(0, at) + unit + text.slice(at) : text;
    if (row < endRow) moved += context.text.slice(lines.lineEnd(row), lines.lineStart(row + 1));
  }
  moved += `${eol}${indent}${callLine}`;
  const edits: TextEdit[] = [{ range: { start: { line: startRow, column: 0 }, end: { line: endRow, column: lines.lineText(endRow).length } }, newText: moved }];
  return [{
    title: `Run the whole \`with\` block in a worker thread: \`${run}\` (Python 3.9+)`,
    preferred: true,
    applicability: 'unsafe',
    edits: [...edits, ...toThread.edits],
  }];
}
