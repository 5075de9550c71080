// blocking-call-in-async through the project's own TS/JS code: a call in an async function to a helper (in this
// file, a method of this class, or a function imported from a relative module) that runs a synchronous
// blocking API, directly or a few calls further down.
import { Query, type Node, type Tree } from 'web-tree-sitter';
import { blockingLookup, defaultBlockingLookup, lookupKey, type BlockingLookup } from '../catalog/blocking';
import { languageFromPath } from '../parser';
import type { ConcurrencyContext } from '../context';
import type { RuleContext } from '../rules/rule';
import { rangeOf } from '../text';
import { enclosingFunction, isAsyncFunction, TsSemantics } from '../ts/semantics';
import { DEFAULT_FOLLOW_DEPTH, dirname, join, ProjectView, reportChain, summaryOfText, withDetail, type CallTarget, type Detail, type FileSummary, type FunctionSummary, type Place } from './project';

const FUNCTIONS = '[(function_declaration) (generator_function_declaration) (arrow_function) (function_expression) (method_definition)] @fn';
const CALLS = '(call_expression function: [(identifier) (member_expression)] @callee) @call';
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];
const queries = new WeakMap<object, { functions: Query; calls: Query }>();

function queriesFor(tree: Tree): { functions: Query; calls: Query } {
  let q = queries.get(tree.language);
  if (!q) {
    q = { functions: new Query(tree.language, FUNCTIONS), calls: new Query(tree.language, CALLS) };
    queries.set(tree.language, q);
  }
  return q;
}

function classNameOf(node: Node | null): string | undefined {
  const body = node?.type === 'class_body' ? node : undefined;
  const cls = body?.parent;
  return cls && (cls.type === 'class_declaration' || cls.type === 'abstract_class_declaration' || cls.type === 'class')
    ? cls.childForFieldName('name')?.text : undefined;
}

/** 'f' for a declared or `const`-bound function, 'Class.m' for a method; undefined for anonymous ones (callbacks). */
export function tsFunctionKey(fn: Node): string | undefined {
  if (fn.type === 'method_definition') {
    const cls = classNameOf(fn.parent);
    const name = fn.childForFieldName('name')?.text;
    return cls && name ? `${cls}.${name}` : undefined;
  }
  const name = fn.childForFieldName('name');
  if (name && (fn.type === 'function_declaration' || fn.type === 'generator_function_declaration')) return name.text;
  const declarator = fn.parent;
  if (declarator?.type === 'variable_declarator' && declarator.childForFieldName('value')?.id === fn.id) {
    const bound = declarator.childForFieldName('name');
    return bound?.type === 'identifier' ? bound.text : undefined;
  }
  return undefined;
}

/** Where a call leads when it calls the project's own code: a function of this file, `this.m()`, or an import from a relative module. */
export function projectTarget(semantics: TsSemantics, callee: Node): CallTarget | undefined {
  if (callee.type === 'member_expression' && callee.childForFieldName('object')?.type === 'this') {
    const fn = enclosingFunction(callee);
    const cls = fn?.type === 'method_definition' ? classNameOf(fn.parent) : undefined;
    const name = callee.childForFieldName('property')?.text;
    return cls && name ? { kind: 'local', key: `${cls}.${name}` } : undefined;
  }
  const resolved = semantics.resolve(callee);
  if (resolved?.kind === 'local') {
    const key = tsFunctionKey(resolved.node);
    return key ? { kind: 'local', key } : undefined;
  }
  // './util.loadTemplate': a relative module's export; packages are the direct rule's business.
  return resolved?.kind === 'qualified' && resolved.name.startsWith('.') ? { kind: 'qualified', name: resolved.name } : undefined;
}

/** `lookup`: the catalogue as the project configures it (`blocking.extra` / `blocking.allow`). */
/** The calls a function's own code makes (a callback's calls are the callback's: it may run later). */
function ownCalls(tree: Tree, fn: Node): Node[] {
  const calls: Node[] = [];
  for (const { name, node } of queriesFor(tree).calls.captures(fn)) {
    if (name === 'call' && enclosingFunction(node)?.id === fn.id) calls.push(node);
  }
  return calls;
}

/** The last name a call is made by (`readFileSync` in `fs.readFileSync(p)`). */
function lastName(callee: Node): string {
  return (callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee.text) ?? '';
}

/** A call worth resolving: one that may be a blocking API (as the direct rule's text test) or lead to the project's code. */
function mayMatter(callee: Node, names: ReadonlySet<string>, lookup: BlockingLookup): boolean {
  const last = lastName(callee);
  if (last.endsWith('Sync') || last === 'wait' || last === 'sync' || last === 'native' || lookup.tsExtraNames.has(last)) return true;
  const head = callee.type === 'member_expression' ? callee.childForFieldName('object') : callee;
  return head?.type === 'this' || (head?.type === 'identifier' && names.has(head.text));
}

function detail(semantics: TsSemantics, fn: Node, lookup: BlockingLookup, names: ReadonlySet<string>): Detail {
  const out: Detail = { calls: [] };
  for (const call of ownCalls(semantics.tree, fn)) {
    const callee = call.childForFieldName('function');
    // Resolving a name costs a search of the file: only calls that can matter are resolved.
    if (!callee || !mayMatter(callee, names, lookup)) continue;
    const api = semantics.calleeName(call);
    const blocking = api ? lookup.ts(api) : undefined;
    if (blocking) {
      // Quick metadata calls (reported below warning when direct) do not make a helper blocking.
      if (!blocking.severity) out.blocking ??= { api: blocking.name, shown: `${callee.text}()`, range: rangeOf(callee) };
      continue;
    }
    const target = projectTarget(semantics, callee);
    if (target) out.calls.push({ target, shown: `${callee.text}()`, range: rangeOf(callee) });
  }
  return out;
}

/** As summarisePython: `lazy` for the analysed file, whose helpers are resolved only when a chain reaches them. */
export function summariseTs(semantics: TsSemantics, lookup: BlockingLookup = defaultBlockingLookup, lazy = false): FileSummary {
  const functions: Record<string, FunctionSummary> = {};
  const names = new Set<string>();
  for (const { node } of queriesFor(semantics.tree).functions.captures(semantics.tree.rootNode)) {
    const key = tsFunctionKey(node);
    if (!key || functions[key]) continue;
    functions[key] = withDetail({ key, async: isAsyncFunction(node), range: rangeOf(node) }, () => detail(semantics, node, lookup, names), lazy);
  }
  for (const name of projectNames(semantics.tree.rootNode, { functions })) names.add(name);
  return { functions };
}

/** Resolves `a/./b/../c` to `a/c`; undefined when it climbs above the project root. */
function normalise(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}

/** The project as a TS/JS rule sees it from the analysed file (this file's functions summarised on demand). */
export function tsProject(context: RuleContext): TsProject {
  return new TsProject(context, summariseTs(context.ts(), blockingLookup(context.settings), true));
}

export class TsProject extends ProjectView {
  protected summariseFile(path: string, text: string): FileSummary | undefined {
    const language = languageFromPath(path);
    return language && language !== 'python' ? summaryOfText(path, text, language, (tree) => summariseTs(new TsSemantics(tree), blockingLookup(this.context.settings)), lookupKey(this.context.settings)) : undefined;
  }

  /** './util.loadTemplate' from `src/app.ts`: src/util.ts (or .tsx, .js, …, or src/util/index.ts) and its `loadTemplate`. */
  resolve(target: CallTarget, from: string | undefined): Place | undefined {
    if (target.kind === 'local') return { path: from, key: target.key };
    if (from === undefined || !this.context.readFile) return undefined;
    const dot = target.name.lastIndexOf('.');
    const specifier = target.name.slice(0, dot);
    const key = target.name.slice(dot + 1);
    const base = normalise(join(dirname(from), specifier));
    if (base === undefined) return undefined;
    // ESM code imports './util.js' for a util.ts source.
    const stem = /\.[cm]?js$/.test(base) ? base.replace(/\.[cm]?js$/, '') : base;
    const candidates = [...(stem !== base ? [base] : []), ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => `${stem}/index${e}`)];
    for (const file of candidates) {
      if (file === from) continue;
      const summary = this.summary(file);
      if (summary) return summary.functions[key] ? { path: file, key } : undefined;
    }
    return undefined;
  }
}


/** Names a call can start from to reach the project's code: this file's functions and classes, and relative imports. */
function projectNames(root: Node, own: FileSummary): Set<string> {
  return new Set([...Object.keys(own.functions).map((key) => key.split('.')[0]), ...relativeImportNames(root)]);
}

/** Names bound by imports from relative modules (`./util`): the only imports that can be the project's functions. */
export function relativeImportNames(root: Node): Set<string> {
  const names = new Set<string>();
  for (const statement of root.namedChildren) {
    const source = statement?.type === 'import_statement' ? statement.childForFieldName('source')?.text.slice(1, -1) : undefined;
    if (!source?.startsWith('.')) continue;
    for (const id of statement.descendantsOfType('identifier')) if (id) names.add(id.text);
  }
  return names;
}

/** Reports calls in async functions that block through the project's own functions. */
export function followTs(context: RuleContext): void {
  const depth = context.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (depth <= 0) return;
  const semantics = context.ts();
  const lookup = blockingLookup(context.settings);
  const asyncFunctions = queriesFor(context.tree).functions.captures(context.root).map((c) => c.node).filter(isAsyncFunction);
  if (!asyncFunctions.length) return;
  // This file's helpers are summarised only when a chain reaches them.
  const own = summariseTs(semantics, lookup, true);
  const contexts = new Map<number, ConcurrencyContext>();
  const project = new TsProject(context, own);
  // Resolving a name costs a search of the file: only names that can lead to the project's code are resolved.
  const candidates = projectNames(context.root, own);
  for (const fn of asyncFunctions) for (const call of ownCalls(context.tree, fn)) {
    const callee = call.childForFieldName('function');
    const head = callee?.type === 'member_expression' ? callee.childForFieldName('object') : callee;
    if (!callee || (head?.type !== 'this' && !(head?.type === 'identifier' && candidates.has(head.text)))) continue;
    const api = semantics.calleeName(call);
    if (api && lookup.ts(api)) continue;
    const target = projectTarget(semantics, callee);
    const place = target && project.resolve(target, context.path);
    const hops = place && project.chain(place, depth);
    if (!hops) continue;
    reportChain(context, { callee, fn, hops }, {
      waits: 'Every other request, timer and callback waits until it returns.',
      advice: 'Make the helper async (the `fs/promises` or async counterpart of the blocking call) and await it.',
    }, contexts);
  }
}
