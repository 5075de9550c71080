// Per-function effect summaries of a Python file, as plain data: which functions block the thread (and the
// call that does), and which of the project's functions each one calls. Other files' summaries are what
// lets blocking-call-in-async see a blocking call through helpers and modules.
import { Query, type Node } from 'web-tree-sitter';
import { defaultBlockingLookup, type BlockingLookup } from '../catalog/blocking';
import { MAX_NESTING } from '../locate';
import type { PythonSemantics } from '../python/semantics';
import { nonBlocking } from '../rules/blocking/python';
import { rangeOf } from '../text';
import { statementOf } from '../python/edits';
import { startableError } from '../python/threads';
import { withDetail, type CallTarget, type Detail, type FileSummary, type FunctionSummary } from './project';

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

/** Where a call leads when it calls one of the project's own functions (not a library, not a class). */
export function projectTarget(semantics: PythonSemantics, callee: Node): CallTarget | undefined {
  const resolved = semantics.resolve(callee);
  if (!resolved) return undefined;
  if (resolved.kind === 'local') {
    if (resolved.node.type !== 'function_definition') return undefined;
    const key = functionKey(resolved.node);
    return key ? { kind: 'local', key } : undefined;
  }
  // A qualified name may be a project module's function; the project decides when it finds the file.
  return resolved.kind === 'qualified' && !resolved.name.startsWith('builtins.') ? { kind: 'qualified', name: resolved.name } : undefined;
}

/** The calls a function's own code makes (not its nested functions' or lambdas'), found inside it only. */
export function ownCalls(semantics: PythonSemantics, fn: Node): Node[] {
  const calls: Node[] = [];
  for (const { name, node } of queriesFor(semantics).calls.captures(fn)) {
    if (name === 'call' && ownerOf(node)?.id === fn.id) calls.push(node);
  }
  return calls;
}

/** What one function's own code blocks on and which of the project's functions it calls. */
function detail(semantics: PythonSemantics, fn: Node, lookup: BlockingLookup): Detail {
  const out: Detail = { calls: [] };
  const params = parameterNames(fn);
  for (const call of ownCalls(semantics, fn)) {
    const callee = call.childForFieldName('function');
    if (!callee) continue;
    const start = startOf(semantics, fn, params, call, callee);
    if (start) (out.starts ??= []).push(start);
    const api = semantics.calleeName(call);
    const blocking = api ? lookup.python(api) : undefined;
    if (blocking) {
      // Quick metadata calls (reported below warning when direct) and calls made non-blocking by an argument do not count.
      if (!blocking.severity && !nonBlocking(call, blocking.unless)) out.blocking ??= { api: blocking.name, shown: `${callee.text}()`, range: rangeOf(callee) };
      continue;
    }
    const target = projectTarget(semantics, callee);
    if (target) out.calls.push({ target, shown: `${callee.text}()`, range: rangeOf(callee) });
  }
  return out;
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
function startOf(semantics: PythonSemantics, fn: Node, params: readonly string[], call: Node, callee: Node): NonNullable<FunctionSummary['starts']>[number] | undefined {
  if (callee.type !== 'attribute') return undefined;
  const object = callee.childForFieldName('object');
  const param = object?.type === 'identifier' ? params.indexOf(object.text) : -1;
  if (param < 0 || !unconditional(call, fn)) return undefined;
  const cls = param === 0 ? methodClass(fn) : undefined;
  const error = cls ? startableError(semantics.baseTypes(cls)) : undefined;
  const shown = `${callee.text}()`;
  if (callee.childForFieldName('attribute')?.text === 'start') return { param, shown, range: rangeOf(callee), ...(error ? { error } : {}) };
  // `self.launch()`: whether it starts self is the callee's summary's business.
  const via = cls ? projectTarget(semantics, callee) : undefined;
  return via ? { param, shown, range: rangeOf(callee), via, ...(error ? { error } : {}) } : undefined;
}

/** The class a method is defined in (directly in its body). */
function methodClass(fn: Node): Node | undefined {
  let holder = fn.parent;
  if (holder?.type === 'decorated_definition') holder = holder.parent;
  return holder?.type === 'block' && holder.parent?.type === 'class_definition' ? holder.parent : undefined;
}

/**
 * Summaries of a file's functions. `lazy`: each function's calls are resolved only when a chain first looks at it
 * (the analysed file, where most functions are never reached); otherwise all at once (other files, cached as data).
 * `lookup`: the catalogue as the project configures it (`blocking.extra` / `blocking.allow`).
 */
export function summarisePython(semantics: PythonSemantics, lookup: BlockingLookup = defaultBlockingLookup, lazy = false): FileSummary {
  const functions: Record<string, FunctionSummary> = {};
  for (const { node } of queriesFor(semantics).functions.captures(semantics.root)) {
    const key = functionKey(node);
    if (!key || functions[key]) continue;
    functions[key] = withDetail({ key, async: isAsync(node), range: rangeOf(node.childForFieldName('name') ?? node) }, () => detail(semantics, node, lookup), lazy);
  }
  return { functions };
}
