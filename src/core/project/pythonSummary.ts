// Per-function effect summaries of a Python file, as plain data: which functions block the thread (and the
// call that does), and which of the project's functions each one calls. Other files' summaries are what
// lets blocking-call-in-async see a blocking call through helpers and modules.
import { Query, type Node } from 'web-tree-sitter';
import { defaultBlockingLookup, type BlockingLookup } from '../catalog/blocking';
import { MAX_NESTING } from '../locate';
import type { PythonSemantics } from '../python/semantics';
import { nonBlocking } from '../rules/blocking/python';
import { rangeOf } from '../text';
import type { CallTarget, FileSummary, FunctionSummary } from './project';

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

/** `lookup`: the catalogue as the project configures it (`blocking.extra` / `blocking.allow`). */
export function summarisePython(semantics: PythonSemantics, lookup: BlockingLookup = defaultBlockingLookup): FileSummary {
  const root = semantics.root;
  const { functions: fnQuery, calls: callQuery } = queriesFor(semantics);
  const functions: Record<string, FunctionSummary> = {};
  const byNode = new Map<number, FunctionSummary>();
  for (const { node } of fnQuery.captures(root)) {
    const key = functionKey(node);
    if (!key || functions[key]) continue;
    const summary: FunctionSummary = { key, async: isAsync(node), range: rangeOf(node.childForFieldName('name') ?? node), calls: [] };
    functions[key] = summary;
    byNode.set(node.id, summary);
  }
  if (!byNode.size) return { functions };
  // Each call once, attributed to the function whose own code makes it.
  for (const { name, node } of callQuery.captures(root)) {
    if (name !== 'call') continue;
    const owner = ownerOf(node);
    const summary = owner && byNode.get(owner.id);
    if (!summary) continue;
    const callee = node.childForFieldName('function');
    if (!callee) continue;
    const api = semantics.calleeName(node);
    const blocking = api ? lookup.python(api) : undefined;
    if (blocking) {
      // Quick metadata calls (reported below warning when direct) and calls made non-blocking by an argument do not count.
      if (!blocking.severity && !nonBlocking(node, blocking.unless)) summary.blocking ??= { api: blocking.name, shown: `${callee.text}()`, range: rangeOf(callee) };
      continue;
    }
    const target = projectTarget(semantics, callee);
    if (target) summary.calls.push({ target, shown: `${callee.text}()`, range: rangeOf(callee) });
  }
  return { functions };
}
