// Per-function effect summaries of a Python file, as plain data: which functions block the thread (and the
// call that does), and which of the project's functions each one calls. Other files' summaries are what
// lets blocking-call-in-async see a blocking call through helpers and modules.
import { Query, type Node } from 'web-tree-sitter';
import { defaultBlockingLookup, type BlockingLookup } from '../catalog/blocking';
import { MAX_NESTING } from '../locate';
import { enclosingFunction, type PythonSemantics, type Resolution } from '../python/semantics';
import { nonBlocking, returnsAtOnce } from '../python/nonBlocking';
import { rangeOf } from '../text';
import { statementOf } from '../python/edits';
import { startableError } from '../python/threads';
import type { Condition, Value } from '../effects/condition';
import { constructorFields, fieldsAssignedOutside, pythonArgs, pythonFunctionFacts, pythonPathCondition, pythonValue } from '../effects/pythonPaths';
import { BASES, keepBlocking, keepCertain, keepLightIfNoOther, memberOf, withDetail, withModuleNames, type BlockingCall, type CallTarget, type Detail, type FileSummary, type FunctionSummary } from './project';
import { dict } from '../dict';

const FUNCTIONS = '(function_definition) @fn';
const CALLS = '(call function: [(identifier) (attribute)] @callee) @call';
const queries = new WeakMap<object, { functions: Query; calls: Query }>();

function queriesFor(semantics: PythonSemantics): { functions: Query; calls: Query } {
  const language = semantics.tree.language;
  let q = queries.get(language);
  if (!q) {
    q = { functions: new Query(language, FUNCTIONS), calls: new Query(language, CALLS) };
    queries.set(language, q);
  }
  return q;
}

/** 'f' or 'Class.m' for a module-level function or a method of a module-level class; undefined for nested ones. */
export function functionKey(fn: Node): string | undefined {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return undefined;
  let holder = fn.parent;
  if (holder?.type === 'decorated_definition') holder = holder.parent;
  if (holder?.type === 'module' || holder?.parent === null) return name;
  const cls = holder?.type === 'block' ? holder.parent : undefined;
  if (cls?.type !== 'class_definition') return undefined;
  let clsHolder = cls.parent;
  if (clsHolder?.type === 'decorated_definition') clsHolder = clsHolder.parent;
  const clsName = cls.childForFieldName('name')?.text;
  return clsName && (clsHolder?.type === 'module' || clsHolder?.parent === null) ? `${clsName}.${name}` : undefined;
}

/** The function or lambda whose own code runs `node` (at most MAX_NESTING levels up). */
export function ownerOf(node: Node): Node | undefined {
  let child = node;
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; child = current, current = current.parent, steps++) {
    if ((current.type === 'function_definition' || current.type === 'lambda') && current.childForFieldName('body')?.id === child.id) return current;
    if (current.type === 'class_definition' && current.childForFieldName('body')?.id === child.id) return undefined;
  }
  return undefined;
}

export function isAsync(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

/**
 * A plain function Textual runs in a worker thread (`@work(thread=True)`, which a plain function needs): calling it
 * starts the worker and returns, and its body never runs on the caller's loop.
 */
function runsInWorkerThread(semantics: PythonSemantics, fn: Node): boolean {
  if (fn.parent?.type !== 'decorated_definition' || isAsync(fn)) return false;
  return fn.parent.namedChildren.some((decorator) => {
    const expression = decorator?.type === 'decorator' ? decorator.namedChildren[0] : undefined;
    const named = expression?.type === 'call' ? expression.childForFieldName('function') : expression;
    const resolved = named ? semantics.resolve(named) : undefined;
    return resolved?.kind === 'qualified' && resolved.name === 'textual.work';
  });
}

/** Whether calling the function runs none of its body now: a coroutine function, or one run in a worker thread. */
function startsElsewhere(semantics: PythonSemantics, fn: Node): boolean {
  return isAsync(fn) || runsInWorkerThread(semantics, fn);
}

/** A module-level class's key, or undefined for a nested one (which no other file can name). */
function classKey(cls: Node): string | undefined {
  let holder = cls.parent;
  if (holder?.type === 'decorated_definition') holder = holder.parent;
  return holder?.type === 'module' || holder?.parent === null ? cls.childForFieldName('name')?.text : undefined;
}

/** What a class, a base class or an instance's type names: a class of this file by key, or a qualified name elsewhere. */
function classTarget(resolved: Resolution | undefined): CallTarget | undefined {
  if (resolved?.kind === 'local' && resolved.node.type === 'class_definition') {
    const key = classKey(resolved.node);
    return key ? { kind: 'local', key } : undefined;
  }
  return resolved?.kind === 'qualified' && !resolved.name.startsWith('builtins.') ? { kind: 'qualified', name: resolved.name } : undefined;
}

/** An instance type ('<local>.Repo', 'models.Repo') as the class it is of. */
function typeTarget(type: string): CallTarget | undefined {
  if (type.startsWith('<local>.')) return { kind: 'local', key: type.slice('<local>.'.length) };
  return type.endsWith('()') || type.startsWith('builtins.') ? undefined : { kind: 'qualified', name: type };
}

/**
 * The class whose method `object.m()` calls, when the semantics' own answer may miss an inherited method: `self` / `cls`
 * (the enclosing class), `super()` (the enclosing class's bases, or the first base of a class nested in a function), and
 * instances of this file's classes.
 */
function receiverClass(semantics: PythonSemantics, object: Node, callee: Node): CallTarget | undefined {
  if (object.type === 'identifier') {
    const cls = semantics.selfClass(object);
    // `self.handler()` calling an attribute assigned in the class is no method of it.
    if (cls) return semantics.assignedValue(callee) === undefined ? classTarget({ kind: 'local', node: cls, name: '' }) : undefined;
  }
  if (object.type === 'call' && object.childForFieldName('function')?.text === 'super') {
    const method = enclosingFunction(object);
    const self = method?.childForFieldName('parameters')?.namedChildren[0];
    const cls = self?.type === 'identifier' || self?.type === 'typed_parameter' ? semantics.selfClass(self.type === 'identifier' ? self : self.namedChildren[0]) : undefined;
    // The class's bases in order, searched by the view (past a mixin without the method), never the class itself.
    const own = cls ? classTarget({ kind: 'local', node: cls, name: '' }) : undefined;
    if (own) return memberOf(own, BASES);
    for (const base of cls?.childForFieldName('superclasses')?.namedChildren ?? []) {
      if (base && base.type !== 'keyword_argument') return classTarget(semantics.resolve(base));
    }
    return undefined;
  }
  const type = semantics.instanceType(object);
  return type?.startsWith('<local>.') ? typeTarget(type) : undefined;
}

/**
 * Where a call runs the project's code: one of its functions or methods (projectTarget), or a class of this file, whose
 * constructor the view finds (its own `__init__` or one it inherits). Classes of other files are qualified names already.
 */
export function callTarget(semantics: PythonSemantics, callee: Node): CallTarget | undefined {
  const resolved = semantics.resolve(callee);
  return resolved?.kind === 'local' && resolved.node.type === 'class_definition' ? classTarget(resolved) : projectTarget(semantics, callee);
}

/** Where a call leads when it calls one of the project's own functions or methods (not a library, not a class of this file). */
export function projectTarget(semantics: PythonSemantics, callee: Node): CallTarget | undefined {
  const resolved = semantics.resolve(callee);
  if (resolved?.kind === 'local' && resolved.node.type === 'function_definition') {
    const key = functionKey(resolved.node);
    return key ? { kind: 'local', key } : undefined;
  }
  const object = callee.type === 'attribute' ? callee.childForFieldName('object') : null;
  const method = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
  const receiver = object && method ? receiverClass(semantics, object, callee) : undefined;
  if (receiver) return memberOf(receiver, method!);
  // A qualified name may be a project module's function; the project decides when it finds the file.
  return resolved?.kind === 'qualified' && !resolved.name.startsWith('builtins.') ? { kind: 'qualified', name: resolved.name } : undefined;
}

/** The calls a function's own code makes (not its nested functions' or lambdas'), found inside it only. */
export function ownCalls(semantics: PythonSemantics, fn: Node): Node[] {
  const body = fn.childForFieldName('body');
  if (!body) return [];
  const calls: Node[] = [];
  for (const { name, node } of queriesFor(semantics).calls.captures(fn)) if (name === 'call') calls.push(node);
  // A call is the function's own when it is in its body and in no nested function's, lambda's or class's body (those
  // run it, or the class does): one pass over both lists by position, as ownerOf climbs, without climbing.
  const nested: { start: number; end: number }[] = [];
  for (const scope of fn.descendantsOfType(['function_definition', 'lambda', 'class_definition'])) {
    const inner = scope && scope.id !== fn.id ? scope.childForFieldName('body') : null;
    if (inner) nested.push({ start: inner.startIndex, end: inner.endIndex });
  }
  nested.sort((a, b) => a.start - b.start || b.end - a.end);
  const holds = (range: { start: number; end: number }, from: number, to: number) => range.start <= from && to <= range.end;
  const inNested = new Set<number>();
  const open: { start: number; end: number }[] = [];
  let next = 0;
  for (const call of [...calls].sort((a, b) => a.startIndex - b.startIndex)) {
    const start = call.startIndex;
    const end = call.endIndex;
    for (; next < nested.length && nested[next].start <= start; next++) {
      while (open.length && !holds(open[open.length - 1], nested[next].start, nested[next].end)) open.pop();
      open.push(nested[next]);
    }
    while (open.length && !holds(open[open.length - 1], start, end)) open.pop();
    if (open.length) inNested.add(call.id);
  }
  return calls.filter((call) => !inNested.has(call.id) && body.startIndex <= call.startIndex && call.endIndex <= body.endIndex);
}

/** Two conditions say the same (a later blocking call under the first's condition adds nothing). */
function sameCondition(a: Condition | undefined, b: Condition | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The object a method call is made on, as a value a chain can bind: the caller's own receiver, or a new instance. */
function receiverOf(semantics: PythonSemantics, callee: Node, facts: ReturnType<typeof pythonFunctionFacts>): Value | undefined {
  if (callee.type !== 'attribute') return undefined;
  const object = callee.childForFieldName('object');
  if (!object) return undefined;
  if ((object.type === 'identifier' && object.text === facts.self) || (object.type === 'call' && object.childForFieldName('function')?.text === 'super')) return { k: 'self' };
  const value = pythonValue(semantics, object, facts, (c) => classCallTarget(semantics, c));
  return value.k === 'new' ? value : undefined;
}

/** The class a call constructs, when it is one of the project's (a class of this file, or a qualified name that may be). */
export function classCallTarget(semantics: PythonSemantics, callee: Node): CallTarget | undefined {
  const resolved = semantics.resolve(callee);
  if (resolved?.kind === 'local' && resolved.node.type === 'class_definition') return classTarget(resolved);
  // A capitalised qualified name that is no library's: the project decides when it finds the file.
  return resolved?.kind === 'qualified' && !resolved.name.startsWith('builtins.') && /(^|\.)[A-Z][A-Za-z0-9_]*$/.test(resolved.name) ? { kind: 'qualified', name: resolved.name } : undefined;
}

/** What one function's own code blocks on and which of the project's functions it calls, and under which conditions. */
function detail(semantics: PythonSemantics, fn: Node, lookup: BlockingLookup): Detail {
  const out: Detail = { calls: [] };
  const params = parameterNames(fn);
  const facts = pythonFunctionFacts(fn);
  if (facts.params.length) out.params = facts.params;
  const classOf = (callee: Node) => classCallTarget(semantics, callee);
  // What a late `daemon` assignment on `self` raises: the method's class's, found once per function.
  let selfError: { error?: string } | undefined;
  const lateDaemonError = () => (selfError ??= lateDaemonErrorOf(semantics, fn)).error;
  const calls = ownCalls(semantics, fn);
  const light: Detail = { calls: [] };
  let certain: BlockingCall | undefined;
  const { chains: blockingChains, always } = exhaustiveBlockingChains(fn, calls.filter((call) => {
    const api = semantics.calleeName(call);
    const blocking = api ? lookup.python(api) : undefined;
    const callee = call.childForFieldName('function');
    return blocking !== undefined && !blocking.severity && !nonBlocking(call, blocking.unless) && !(callee && returnsAtOnce(semantics, blocking.name, callee));
  }));
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    if (!callee) continue;
    const start = startOf(semantics, fn, params, call, callee, lateDaemonError);
    if (start) (out.starts ??= []).push(start);
    const api = semantics.calleeName(call);
    const blocking = api ? lookup.python(api) : undefined;
    if (blocking) {
      // Calls made non-blocking by an argument do not count.
      if (!nonBlocking(call, blocking.unless) && !returnsAtOnce(semantics, blocking.name, callee)) {
        // On a branch of an `if`/`elif`/`else` every branch of which blocks: it blocks whenever the `if` is reached.
        const chain = blocking.severity ? undefined : blockingChains.get(call.id);
        const when = pythonPathCondition(semantics, chain ?? call, facts);
        const found = { api: blocking.name, shown: `${callee.text}()`, range: rangeOf(callee), ...(when ? { when } : {}) };
        // Quick metadata calls (below warning when direct) count only in a function that makes no other blocking call.
        if (blocking.severity) keepBlocking(light, { ...found, light: true }, sameCondition);
        else keepBlocking(out, found, sameCondition);
        if (call.id === always?.id) certain = { api: found.api, shown: found.shown, range: found.range };
      }
      continue;
    }
    const target = callTarget(semantics, callee);
    if (!target) continue;
    const when = pythonPathCondition(semantics, call, facts);
    const args = pythonArgs(semantics, call, facts, classOf);
    const recv = receiverOf(semantics, callee, facts);
    out.calls.push({ target, shown: `${callee.text}()`, range: rangeOf(callee), ...(when ? { when } : {}), ...(args ? { args } : {}), ...(recv ? { recv } : {}) });
  }
  keepCertain(out, certain);
  keepLightIfNoOther(out, light);
  if (facts.self && fn.childForFieldName('name')?.text === '__init__') {
    const cls = methodClass(fn);
    const fields = cls && constructorFields(semantics, facts, classOf, fieldsAssignedOutside(cls, fn));
    if (fields) out.fields = fields;
  }
  return out;
}

/**
 * Blocking calls that sit on a branch of an `if` with an `else`, every branch of which makes a blocking call on each
 * path through it (`if isinstance(data, Path): shutil.copy2(...) elif ...: open(...) else: open(...)`), mapped to that
 * `if`: whichever branch runs, the function blocks. Innermost chains first; a branch may itself be such a chain.
 * `always`: when the function blocks on every path through it, also past early exits that block first
 * (`if direct: f = open(path); return f` then `f = open(tmp)`), the first blocking call of the statement that makes it certain.
 */
function exhaustiveBlockingChains(fn: Node, blockingCalls: readonly Node[]): { chains: Map<number, Node>; always?: Node } {
  const chains = new Map<number, Node>();
  if (blockingCalls.length < 2) return { chains };
  const body = fn.childForFieldName('body');
  // A block blocks on every path when one of its statements, before any early exit, does: a blocking call's own
  // statement (through `with` and `try` bodies), or an exhaustive chain. Each statement is judged once.
  const statementBlocks = new Map<number, boolean>();
  const callStatements = new Set<number>();
  for (const call of blockingCalls) {
    let statement: Node | null = call;
    for (let steps = 0; statement?.parent && statement.parent.type !== 'block' && steps < MAX_NESTING * 4; steps++) statement = statement.parent;
    if (statement) callStatements.add(statement.id);
  }
  /** The statement of `block` that makes it block on every path, if one does. */
  const certainIn = (block: Node | null, depth: number): Node | undefined => {
    if (!block || depth > MAX_NESTING) return undefined;
    for (const statement of block.namedChildren) {
      if (!statement) continue;
      if (statementAlwaysBlocks(statement, depth)) return statement;
      if (['return_statement', 'raise_statement', 'break_statement', 'continue_statement'].includes(statement.type)) return undefined;
      // A statement that may exit early ends what is certain, unless it is an `if` each branch of which that may exit
      // blocks first: the paths that leave through it have blocked, the others go on.
      if (statement.type === 'if_statement' || statement.type === 'for_statement' || statement.type === 'while_statement' || statement.type === 'try_statement' || statement.type === 'with_statement' || statement.type === 'match_statement') {
        if (mayExit(statement) && !(statement.type === 'if_statement' && branchesOf(statement).every((branch) => !branch || !mayExit(branch) || blockAlwaysBlocks(branch, depth + 1)))) return undefined;
      }
    }
    return undefined;
  };
  const blockAlwaysBlocks = (block: Node | null, depth: number): boolean => certainIn(block, depth) !== undefined;
  const statementAlwaysBlocks = (statement: Node, depth: number): boolean => {
    const known = statementBlocks.get(statement.id);
    if (known !== undefined) return known;
    statementBlocks.set(statement.id, false);
    let blocks = callStatements.has(statement.id);
    if (!blocks && statement.type === 'with_statement') blocks = blockAlwaysBlocks(statement.childForFieldName('body'), depth + 1);
    if (!blocks && statement.type === 'try_statement') blocks = blockAlwaysBlocks(statement.childForFieldName('body'), depth + 1);
    if (!blocks && statement.type === 'if_statement') blocks = exhaustive(statement, depth + 1);
    statementBlocks.set(statement.id, blocks);
    return blocks;
  };
  const exhaustive = (ifStatement: Node, depth: number): boolean =>
    ifStatement.namedChildren.some((clause) => clause?.type === 'else_clause') && branchesOf(ifStatement).every((branch) => blockAlwaysBlocks(branch, depth));
  for (const call of blockingCalls) {
    // The outermost exhaustive chain around the call, within the function's own code.
    let outermost: Node | undefined;
    for (let current = call.parent, steps = 0; current && current.id !== body?.id && steps < MAX_NESTING * 4; current = current.parent, steps++) {
      if (current.type === 'function_definition' || current.type === 'lambda') break;
      if (current.type === 'if_statement' && statementAlwaysBlocks(current, 0)) outermost = current;
    }
    if (outermost) chains.set(call.id, outermost);
  }
  const certain = certainIn(body, 0);
  const always = certain && blockingCalls.find((call) => call.startIndex >= certain.startIndex && call.endIndex <= certain.endIndex);
  return always ? { chains, always } : { chains };
}

/** The blocks of an `if`'s branches: its own, each `elif`'s and the `else`'s. */
function branchesOf(ifStatement: Node): (Node | null)[] {
  const branches: (Node | null)[] = [ifStatement.childForFieldName('consequence')];
  for (const clause of ifStatement.namedChildren) {
    if (clause?.type === 'elif_clause') branches.push(clause.childForFieldName('consequence'));
    else if (clause?.type === 'else_clause') branches.push(clause.childForFieldName('body'));
  }
  return branches;
}

/** A compound statement with a `return`, `raise`, `break` or `continue` somewhere in its own code. */
function mayExit(statement: Node): boolean {
  for (const exit of statement.descendantsOfType(['return_statement', 'raise_statement', 'break_statement', 'continue_statement'])) {
    if (exit && ownerOf(exit)?.id === ownerOf(statement)?.id) return true;
  }
  return false;
}

/** Positional parameter names, in order ('self' first in a method); '' for a splat that ends the positional ones. */
function parameterNames(fn: Node): string[] {
  const names: string[] = [];
  for (const param of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!param) continue;
    if (param.type === 'identifier') names.push(param.text);
    else if (param.type === 'typed_parameter') names.push(param.namedChildren[0]?.type === 'identifier' ? param.namedChildren[0].text : '');
    else if (param.type === 'default_parameter' || param.type === 'typed_default_parameter') names.push(param.childForFieldName('name')?.text ?? '');
    else break;
  }
  return names;
}

/** True when the statement holding `call` always runs when `fn` runs to its end: not under an `if`, loop or handler. */
function unconditional(call: Node, fn: Node): boolean {
  const body = fn.childForFieldName('body');
  let statement = statementOf(call);
  // Each step climbs one `with` or `try` body: bounded by MAX_NESTING.
  for (let steps = 0; statement && steps < MAX_NESTING; steps++) {
    const block = statement.parent;
    if (!block || !body) return false;
    if (block.id === body.id) return true;
    const holder = block.parent;
    const certain = holder?.type === 'with_statement' || (holder?.type === 'try_statement' && holder.childForFieldName('body')?.id === block.id);
    if (!certain) return false;
    statement = holder;
  }
  return false;
}

/** `p.start()` on a parameter, or `self.m()` (which may start self), in the function's unconditional code. */
function startOf(semantics: PythonSemantics, fn: Node, params: readonly string[], call: Node, callee: Node, lateDaemonError: () => string | undefined): NonNullable<FunctionSummary['starts']>[number] | undefined {
  if (callee.type !== 'attribute') return undefined;
  const object = callee.childForFieldName('object');
  const param = object?.type === 'identifier' ? params.indexOf(object.text) : -1;
  if (param < 0 || !unconditional(call, fn)) return undefined;
  const cls = param === 0 ? methodClass(fn) : undefined;
  const error = cls ? lateDaemonError() : undefined;
  const shown = `${callee.text}()`;
  if (callee.childForFieldName('attribute')?.text === 'start') return { param, shown, range: rangeOf(callee), ...(error ? { error } : {}) };
  // `self.launch()`: whether it starts self is the callee's summary's business.
  const via = cls ? projectTarget(semantics, callee) : undefined;
  return via ? { param, shown, range: rangeOf(callee), via, ...(error ? { error } : {}) } : undefined;
}

/** The error a late `daemon` assignment raises on `self` in the method `fn`, by its class's bases. */
function lateDaemonErrorOf(semantics: PythonSemantics, fn: Node): { error?: string } {
  const cls = methodClass(fn);
  const error = cls ? startableError(semantics.baseTypes(cls)) : undefined;
  return error ? { error } : {};
}

/** The class a method is defined in (directly in its body). */
function methodClass(fn: Node): Node | undefined {
  let holder = fn.parent;
  if (holder?.type === 'decorated_definition') holder = holder.parent;
  return holder?.type === 'block' && holder.parent?.type === 'class_definition' ? holder.parent : undefined;
}

/** One function's summary, its details computed now (undefined: a function without a key): what an edit may change. */
export function functionSummary(semantics: PythonSemantics, node: Node, lookup: BlockingLookup = defaultBlockingLookup): FunctionSummary | undefined {
  const key = functionKey(node);
  return key ? withDetail({ key, async: startsElsewhere(semantics, node), range: rangeOf(node.childForFieldName('name') ?? node) }, () => detail(semantics, node, lookup), false) : undefined;
}

/**
 * Summaries of a file's functions. `lazy`: each function's calls are resolved only when a chain first looks at it
 * (the analysed file, where most functions are never reached); otherwise all at once (other files, cached as data).
 * `lookup`: the catalogue as the project configures it (`blocking.extra` / `blocking.allow`).
 */
export function summarisePython(semantics: PythonSemantics, lookup: BlockingLookup = defaultBlockingLookup, lazy = false): FileSummary {
  const functions = dict<FunctionSummary>();
  for (const { node } of queriesFor(semantics).functions.captures(semantics.root)) {
    const key = functionKey(node);
    if (!key || functions[key]) continue;
    functions[key] = withDetail({ key, async: startsElsewhere(semantics, node), range: rangeOf(node.childForFieldName('name') ?? node) }, () => detail(semantics, node, lookup), lazy);
  }
  return withModuleNames(functions, () => moduleNames(semantics), lazy);
}

/** A module's classes with their bases and instance attributes, its imports (its re-exports) and its module-level instances. */
function moduleNames(semantics: PythonSemantics): Pick<FileSummary, 'classes' | 'exports' | 'instances' | 'attributes'> {
  const classes = dict<CallTarget[]>();
  const attributes = dict<CallTarget>();
  // Module-level statements only (a class in a function is no other file's business): bounded by the module's length.
  for (const statement of semantics.root.namedChildren) {
    const cls = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    const name = cls?.type === 'class_definition' ? cls.childForFieldName('name')?.text : undefined;
    if (!name || classes[name]) continue;
    classes[name] = (cls!.childForFieldName('superclasses')?.namedChildren ?? [])
      .flatMap((base) => (base && base.type !== 'keyword_argument' ? [classTarget(semantics.resolve(base))] : []))
      .filter((t): t is CallTarget => t !== undefined);
    for (const [attribute, type] of semantics.attributeTypes(cls!)) {
      const target = typeTarget(type);
      if (target) attributes[`${name}.${attribute}`] = target;
    }
    // Properties with a return annotation hold an instance of that type as an attribute would.
    for (const statement of cls!.childForFieldName('body')?.namedChildren ?? []) {
      const method = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : undefined;
      const attribute = method?.type === 'function_definition' ? method.childForFieldName('name')?.text : undefined;
      if (!method || !attribute || Object.hasOwn(attributes, `${name}.${attribute}`)) continue;
      const returned = semantics.propertyType(method);
      const target = returned?.kind === 'instance' ? typeTarget(returned.type) : undefined;
      if (target) attributes[`${name}.${attribute}`] = target;
    }
  }
  const exports = dict<CallTarget>();
  for (const [name, qualified] of semantics.moduleImports()) exports[name] = { kind: 'qualified', name: qualified };
  const instances = dict<CallTarget>();
  for (const [name, type] of semantics.moduleInstances()) {
    const target = typeTarget(type);
    if (target) instances[name] = target;
  }
  return { classes, exports, instances, attributes };
}
