import type { Node } from 'web-tree-sitter';
import { resolveRelative, wordOccurrences } from './locate';
import { getLoadedParser, languageFromPath, parseText } from './parser';
import { PythonSemantics as PythonNames } from './python/semantics';
import type { PythonSemantics } from './python/semantics';
import { lineOf, rangeOf } from './text';
import { FUNCTION_TYPES, TsSemantics as TsNames, type TsSemantics } from './ts/semantics';
import type { Language, Range } from './types';

/**
 * The concurrency context of an async function, from evidence in its own file: whether anything else of the process is
 * likely in flight while it runs, so that a blocking call in it stalls other work.
 *
 * - hot: it runs while other work is in flight: a server route or handler, a `Promise.all`/`gather`/`create_task` task, an
 *   event or stream listener, a bundler plugin hook that runs per module;
 * - cold: it runs from a sequential entry point: a script (`#!` line, a file under `scripts/`, `bin/`, `migrations/`, a
 *   `*.config.*` file), a module's entry function called once at its top level, an aiohttp start-up/clean-up hook, or a
 *   coroutine only awaited one after another from `asyncio.run(main())`;
 * - unknown otherwise (library code: whoever calls it decides).
 *
 * Only the file itself is read. The call graph (following calls across functions and files) can extend this later by
 * answering for functions this module calls unknown.
 */
export type ConcurrencyKind = 'hot' | 'cold' | 'unknown';

export interface ConcurrencyContext {
  kind: ConcurrencyKind;
  /** What shows it, for messages ("runs for every request: registered with `app.get` at server.ts:40") and a related location. */
  evidence?: { message: string; range: Range };
}

/** The file a function lives in: its tree, language, path (if known) and name resolution. */
export interface ContextSource {
  language: Language;
  root: Node;
  text: string;
  /** Workspace- or command-line-relative path, '/'-separated; undefined for unsaved text. */
  path?: string;
  ts?(): TsSemantics;
  python?(): PythonSemantics;
  /** Reads another project file by a path like `path` (the package's `package.json`); undefined when the host has none. */
  readFile?(path: string): string | undefined;
  /** The source files of the package holding a path (the CLI, the language server): where an exported function's callers are looked for. */
  listFiles?(near: string): readonly string[];
}

const UNKNOWN: ConcurrencyContext = { kind: 'unknown' };

/** Members that register a request handler on an app or router (express, koa-router, fastify, hono; aiohttp, fastapi). */
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'delete', 'del', 'patch', 'head', 'options', 'all', 'route', 'ws', 'websocket', 'on']);
/** Receivers that are apps or routers by their usual names (`app.get`, `router.post`, `fastify.route`, `server.route`). */
const ROUTER_NAME = /^(app|application|router|api|server|fastify|hono|routes|route|[a-z]\w*(Router|App|Server))$/;
/** Calls that start a server with a per-request callback. */
const SERVER_FACTORIES = new Set([
  'http.createServer', 'https.createServer', 'http2.createServer', 'http2.createSecureServer', 'net.createServer',
  'global.Deno.serve', 'global.Bun.serve',
]);
/** Listener registrations: the callback runs on every event while the rest of the program goes on. */
const LISTENER_METHODS = new Set(['on', 'once', 'addListener', 'prependListener', 'addEventListener']);
/** Promise combinators whose callbacks run alongside each other. */
const PROMISE_COMBINATORS = new Set(['global.Promise.all', 'global.Promise.allSettled', 'global.Promise.race', 'global.Promise.any']);
/** Bundler/dev-server plugin hooks that run once per module or request (Rollup, Vite, esbuild-like APIs). */
const PLUGIN_HOOKS = new Set(['transform', 'load', 'resolveId', 'transformIndexHtml', 'handleHotUpdate', 'renderChunk']);
/** Python decorators (last name) that register a request, websocket or bot handler. */
const PY_ROUTE_DECORATORS = new Set([
  'get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'route', 'api_route', 'websocket', 'websocket_route', 'view',
  'command', 'event', 'listen', 'message_handler', 'callback_query_handler', 'message', 'callback_query', 'on_message', 'middleware',
]);
/** Python calls that register a handler passed by name: aiohttp `web.get('/', h)`, `router.add_get`, telegram handlers. */
const PY_ROUTE_CALLS = new Set([
  'get', 'post', 'put', 'delete', 'patch', 'head', 'route', 'view', 'add_get', 'add_post', 'add_put', 'add_delete', 'add_patch',
  'add_route', 'add_api_route', 'add_websocket_route', 'add_api_websocket_route', 'CommandHandler', 'MessageHandler',
  'CallbackQueryHandler', 'add_handler', 'add_listener',
]);
/** Command-line frameworks whose `@x.command()` is one step of a tool, not a handler. */
const CLI_MODULES = new Set(['click', 'asyncclick', 'typer', 'cloup', 'rich_click']);

/** True when the module imports (at top level) one of `modules`, by `import m` or `from m import ...`. */
function importsAny(root: Node, modules: ReadonlySet<string>): boolean {
  for (const statement of root.namedChildren) {
    if (statement?.type === 'import_from_statement') {
      const module = statement.childForFieldName('module_name')?.text.split('.')[0];
      if (module && modules.has(module)) return true;
    } else if (statement?.type === 'import_statement') {
      for (const name of statement.namedChildren) {
        const dotted = name?.type === 'aliased_import' ? name.childForFieldName('name') : name;
        if (dotted && modules.has(dotted.text.split('.')[0])) return true;
      }
    }
  }
  return false;
}

/** Python calls that run coroutines concurrently with the caller and each other. */
const PY_TASK_STARTERS = new Set(['asyncio.gather', 'asyncio.create_task', 'asyncio.ensure_future', 'asyncio.wait', 'asyncio.as_completed']);
const PY_TASK_METHODS = new Set(['create_task', 'start_soon', 'ensure_future']);
/** Path segments of sequential entry points: scripts, command-line bins, database migrations. */
const COLD_DIRECTORIES = new Set(['scripts', 'script', 'bin', 'migrations', 'migration']);
/** Folders of tests (pytest, unittest, node:test, Jest, Vitest, Mocha). */
const TEST_DIRECTORIES = new Set(['test', 'tests', '__tests__', 'testing']);
/** Test files by name: `test_x.py`, `x_test.py`, `conftest.py`, `x.test.ts`, `x.spec.js`. */
const TEST_FILE = /^(test_.*\.py|.*_test\.py|conftest\.py|.*\.(test|spec)\.[cm]?[jt]sx?)$/;
/** How many uses of a function's name are looked at for registrations (bounds the work on a name used everywhere). */
const MAX_REFERENCES = 50;

/**
 * The identifiers spelled `name` (found by text, at most MAX_REFERENCES occurrences, confirmed by the tree), outside
 * `skip` (the function itself): where a name is used.
 */
function identifierUses(root: Node, text: string, name: string, skip?: Node): Node[] {
  const uses: Node[] = [];
  for (const offset of wordOccurrences(text, name).slice(0, MAX_REFERENCES)) {
    if (skip && skip.startIndex <= offset && offset < skip.endIndex) continue;
    const use = root.descendantForIndex(offset, offset + name.length);
    if (use?.type === 'identifier' && use.startIndex === offset) uses.push(use);
  }
  return uses;
}

/** How many enclosing functions a nested function looks through for a cold context (closures rarely nest deeper). */
const MAX_ENCLOSING = 8;

/** The concurrency context of `fn` (an async function node of the file's grammar). */
export function contextOf(fn: Node, source: ContextSource): ConcurrencyContext {
  const own = ownContext(fn, source);
  if (own.kind !== 'unknown') return own;
  const called = calledOnlyFromCold(fn, source, 0, new Set()) ?? calledFromOtherFiles(fn, source);
  if (called) return called;
  // A closure with no evidence of its own runs when its enclosing function does: inside a one-shot build hook or a
  // sequential `main`, it is cold too. Each step goes to a strictly enclosing function: bounded by MAX_ENCLOSING.
  let outer = enclosingFunction(fn, source.language);
  for (let depth = 0; outer && depth < MAX_ENCLOSING; depth++, outer = enclosingFunction(outer, source.language)) {
    const context = ownContext(outer, source);
    if (context.kind === 'hot') return UNKNOWN;
    if (context.kind === 'cold') return context;
    const called = calledOnlyFromCold(outer, source, 0, new Set()) ?? calledFromOtherFiles(outer, source);
    if (called) return called;
  }
  return UNKNOWN;
}

function ownContext(fn: Node, source: ContextSource): ConcurrencyContext {
  const hot = source.language === 'python' ? pythonHot(fn, source) : tsHot(fn, source);
  if (hot) return hot;
  return fileCold(source)
    ?? (source.language === 'python' ? pythonCold(fn, source) : tsCold(fn, source) ?? tsHookCold(fn, source))
    ?? configLoader(fn, source)
    ?? commandModule(fn, source)
    ?? cliPackage(source)
    ?? UNKNOWN;
}

/** How many callers deep "only called from cold code" looks (a helper of a helper of a hook). */
const MAX_CALLER_DEPTH = 3;

/**
 * A function of this module that only this module calls, and only from cold functions (a build hook's helpers, what a
 * sequential `main` calls): it is cold too. Exported functions may be called from anywhere: unknown.
 */
function calledOnlyFromCold(fn: Node, source: ContextSource, depth: number, visited: Set<number>): ConcurrencyContext | undefined {
  if (depth >= MAX_CALLER_DEPTH || visited.has(fn.id)) return undefined;
  visited.add(fn.id);
  const python = source.language === 'python';
  const name = python ? pythonName(fn) : tsFunctionName(fn);
  // Another module may import a public Python function: only `_private` ones and nested ones are this module's alone.
  const pythonPrivate = (name?.startsWith('_') && !name.startsWith('__')) || enclosingFunction(fn, 'python') !== undefined;
  if (!name || (python ? fn.parent?.parent?.type === 'class_definition' || !pythonPrivate : exported(fn))) return undefined;
  let found: ConcurrencyContext | undefined;
  for (const use of identifierUses(source.root, source.text, name, fn)) {
    const call = use.parent?.type === (python ? 'call' : 'call_expression') && use.parent.childForFieldName('function')?.id === use.id ? use.parent : undefined;
    if (!call) {
      const holder = use.parent?.type;
      if (holder === 'function_declaration' || holder === 'variable_declarator' || holder === 'function_definition') continue;
      return undefined;
    }
    const caller = enclosingFunction(call, source.language);
    if (!caller) return undefined;
    const context = callerContext(caller, source, depth + 1, visited);
    if (context?.kind !== 'cold') return undefined;
    found ??= { kind: 'cold', evidence: { message: `it is only called from code that runs once (\`${name}(...)\` at ${where(source, call)}: ${context.evidence!.message})`, range: rangeOf(call) } };
  }
  return found;
}

/** Files of the package holding the name that are looked at (parsed) for callers at most; more: the name is too common. */
const MAX_CALLER_FILES = 40;
/**
 * Texts of the package's files, kept for the cheap first test of the search for callers (the CLI's run, the language
 * server's session: it forgets a file when it changes). The oldest go first past this many files or characters.
 */
const callerTexts = new Map<string, string | null>();
const MAX_CALLER_TEXTS = 5_000;
const MAX_CALLER_CHARS = 32 * 1024 * 1024;
let callerChars = 0;

/** Forgets the texts kept for the search of callers: of `files` (project-relative) when they changed, of all files when not given. */
export function forgetCallerTexts(files?: readonly string[]): void {
  for (const file of files ?? [...callerTexts.keys()]) {
    callerChars -= callerTexts.get(file)?.length ?? 0;
    callerTexts.delete(file);
  }
}

function cachedText(source: ContextSource, file: string): string | undefined {
  let text = callerTexts.get(file);
  if (text === undefined) {
    text = source.readFile!(file) ?? null;
    callerChars += text?.length ?? 0;
    callerTexts.set(file, text);
    // Bounded: each turn removes one of the texts kept.
    while (callerTexts.size > MAX_CALLER_TEXTS || (callerChars > MAX_CALLER_CHARS && callerTexts.size > 1)) {
      const oldest = callerTexts.keys().next().value!;
      callerChars -= callerTexts.get(oldest)?.length ?? 0;
      callerTexts.delete(oldest);
    }
  }
  return text ?? undefined;
}

/**
 * An exported function (TS/JS) or public module function (Python) whose every call in the other files of its package is in
 * cold code (a one-shot hook, a sequential main, a config loader...): cold. Needs the host's file list (the CLI and the server give it).
 * A file that re-exports the module makes the function public API: unknown.
 */
function calledFromOtherFiles(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  if (!source.listFiles || !source.readFile || !source.path) return undefined;
  const python = source.language === 'python';
  const name = python ? (fn.parent?.type === 'module' || fn.parent?.parent?.type === 'module' ? pythonName(fn) : undefined) : exported(fn) ? tsFunctionName(fn) : undefined;
  if (!name || name.length < 3) return undefined;
  const ownPath = source.path;
  const stem = modulePathStem(ownPath);
  // Text an import of the module must contain (`/dev'`, `/dev/index.js`, `from .dev import`): a cheap test before parsing.
  const last = stem.slice(stem.lastIndexOf('/') + 1);
  const endings = python ? [`${last} import`, `.${last}`, `import ${last}`] : [`/${last}'`, `/${last}"`, `/${last}/index`, `/${last}.`, `/${last}\``];
  const mentions = (text: string | undefined): text is string => !!text && text.includes(name) && endings.some((e) => text.includes(e)) && wordOccurrences(text, name).length > 0;
  let found: ConcurrencyContext | undefined;
  let looked = 0;
  for (const file of source.listFiles(ownPath)) {
    if (file === ownPath || python !== file.endsWith('.py')) continue;
    if (!mentions(cachedText(source, file))) continue;
    if (++looked > MAX_CALLER_FILES) return undefined;
    // Its current text (an editor's unsaved one), read through the host so that the analysis records the read: an edit
    // of this caller checks the function's file again.
    const text = source.readFile(file);
    if (!mentions(text)) continue;
    const verdict = callersIn(file, text, name, stem, python);
    if (verdict === 'unknown') return undefined;
    if (verdict) found ??= verdict;
  }
  return found;
}

/** `a/b/index.ts` → `a/b`, `a/b/c.js` → `a/b/c`: what an import of the module resolves to. */
function modulePathStem(file: string): string {
  const bare = file.replace(/\.([cm]?[jt]sx?|py)$/, '');
  return bare.endsWith('/index') || bare.endsWith('/__init__') ? bare.slice(0, bare.lastIndexOf('/')) : bare;
}


/**
 * In `file`, the calls of `name` imported from the module at `stem`: the first one's cold context when all are cold,
 * 'unknown' when one is not (or the file re-exports the module, or passes `name` along), undefined when it does not import it.
 */
function callersIn(file: string, text: string, name: string, stem: string, python: boolean): ConcurrencyContext | 'unknown' | undefined {
  const language = languageFromPath(file);
  const parser = language && getLoadedParser(language);
  const tree = parser ? parseText(parser, text, undefined, { timeoutMs: 500 }) : null;
  if (!tree || !language) return 'unknown';
  try {
    const root = tree.rootNode;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    if (!importsModule(root, dir, stem, python)) return undefined;
    const source: ContextSource = { language, root, text, path: file, ts: () => new TsNames(tree), python: () => new PythonNames(tree) };
    let cold: ConcurrencyContext | undefined;
    for (const use of identifierUses(root, text, name)) {
      // `x.name` in TS/JS is some object's property, not the imported binding; Python's `module.name` is the module's.
      if (!python && use.parent?.type === 'member_expression' && use.parent.childForFieldName('property')?.id === use.id) continue;
      const holder = use.parent;
      // The import itself (`import { name }`, `from m import name`): not a use.
      if (holder && /import|export_specifier|dotted_name|aliased_import/.test(holder.type)) {
        if (holder.type === 'export_specifier') return 'unknown';
        continue;
      }
      const calleeNode = holder?.type === 'member_expression' || holder?.type === 'attribute' ? holder : use;
      const call = calleeNode.parent;
      if (!call || !(call.type === 'call_expression' || call.type === 'call') || call.childForFieldName('function')?.id !== calleeNode.id) return 'unknown';
      const caller = enclosingFunction(call, language);
      // Module-level code runs once, when the module is first imported.
      const context: ConcurrencyContext = caller ? contextOf(caller, source) : { kind: 'cold', evidence: { message: 'the module runs it once, when it is imported', range: rangeOf(call) } };
      if (context.kind !== 'cold') return 'unknown';
      cold ??= { kind: 'cold', evidence: { message: `it is only called from code that runs once (\`${name}(...)\` at ${where(source, call)}: ${context.evidence!.message})`, range: context.evidence!.range } };
    }
    return cold;
  } finally {
    tree.delete();
  }
}

/** The file imports (or re-exports) the module at `stem`: a relative TS/JS specifier, or a Python module path ending in it. */
function importsModule(root: Node, dir: string, stem: string, python: boolean): boolean {
  if (python) {
    const dotted = stem.split('/');
    return root.namedChildren.some((statement) => {
      if (statement?.type !== 'import_from_statement' && statement?.type !== 'import_statement') return false;
      const module = statement.type === 'import_from_statement' ? statement.childForFieldName('module_name')?.text : statement.namedChildren[0]?.text;
      const parts = module?.replace(/^\.+/, '').split('.') ?? [];
      // `from pkg.mod import f` / `from .mod import f`: the module path's last segments are the file's.
      return parts.length > 0 && parts.every((part, i) => dotted[dotted.length - parts.length + i] === part);
    });
  }
  return root.descendantsOfType('string').some((literal) => {
    const holder = literal?.parent;
    const importing = holder?.type === 'import_statement' || holder?.type === 'export_statement'
      || (holder?.type === 'arguments' && /^(require|import)$/.test(holder.parent?.childForFieldName('function')?.text ?? ''));
    const specifier = literal?.text.slice(1, -1) ?? '';
    return importing && specifier.startsWith('.') && modulePathStem(resolveRelative(dir, specifier)) === stem;
  });
}

/** The context of a caller, for `calledOnlyFromCold`: its own evidence, an enclosing cold function's, or its callers'. */
function callerContext(fn: Node, source: ContextSource, depth: number, visited: Set<number>): ConcurrencyContext | undefined {
  let current: Node | undefined = fn;
  // Out through enclosing functions (bounded by MAX_ENCLOSING), as `contextOf` does.
  for (let step = 0; current && step < MAX_ENCLOSING; step++, current = enclosingFunction(current, source.language)) {
    const context = ownContext(current, source);
    if (context.kind !== 'unknown') return context;
    const called = calledOnlyFromCold(current, source, depth, visited);
    if (called) return called;
  }
  return undefined;
}

/** `export function f`, `export const f = ...`, or named in an `export { f }` list / `module.exports`. */
function exported(fn: Node): boolean {
  for (let current: Node | null = fn.parent; current && current.type !== 'program'; current = current.parent) {
    if (current.type === 'export_statement') return true;
  }
  const name = tsFunctionName(fn);
  if (!name) return false;
  // Top-level statements only: `export { f }`, `module.exports = { f }`, `exports.f = f`.
  for (const statement of fn.tree.rootNode.namedChildren) {
    if (statement?.type === 'export_statement' && !statement.childForFieldName('declaration')) {
      if (statement.descendantsOfType('export_specifier').some((s) => s?.childForFieldName('name')?.text === name)) return true;
    }
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment_expression' ? assignment.childForFieldName('left')?.text : undefined;
    if (left && (left.startsWith('module.exports') || left.startsWith('exports.'))) {
      const right = assignment!.childForFieldName('right');
      if (right && (right.text === name || right.descendantsOfType(['identifier', 'shorthand_property_identifier']).some((n) => n?.text === name))) return true;
    }
  }
  return false;
}

function enclosingFunction(fn: Node, language: Language): Node | undefined {
  for (let current = fn.parent; current; current = current.parent) {
    if (language === 'python' ? current.type === 'function_definition' : FUNCTION_TYPES.has(current.type)) return current;
  }
  return undefined;
}

function where(source: ContextSource, node: Node): string {
  const file = source.path ? source.path.slice(source.path.lastIndexOf('/') + 1) : 'line';
  return source.path ? `${file}:${lineOf(node) + 1}` : `line ${lineOf(node) + 1}`;
}

function hot(message: string, at: Node): ConcurrencyContext {
  return { kind: 'hot', evidence: { message, range: rangeOf(at) } };
}

// ---------------------------------------------------------------- files

/** A script or configuration file: it runs once, in sequence, with nothing else in flight. */
function fileCold(source: ContextSource): ConcurrencyContext | undefined {
  const first = source.root.namedChildren[0];
  if (source.text.startsWith('#!') && (source.language === 'python' || first?.type === 'hash_bang_line')) {
    return { kind: 'cold', evidence: { message: 'the file is a script (its `#!` line)', range: rangeOf(first ?? source.root) } };
  }
  if (!source.path) return undefined;
  const segments = source.path.split('/');
  const name = segments[segments.length - 1];
  const folder = segments.slice(0, -1).find((s) => COLD_DIRECTORIES.has(s));
  const start = { line: 0, column: 0 };
  if (folder) return { kind: 'cold', evidence: { message: `the file is under \`${folder}/\`, where scripts run one step at a time`, range: { start, end: start } } };
  // A test awaiting a synchronous call stalls nothing but the test itself.
  const testFolder = segments.slice(0, -1).find((s) => TEST_DIRECTORIES.has(s));
  if (testFolder || TEST_FILE.test(name)) {
    const what = testFolder ? `the file is under \`${testFolder}/\`` : `\`${name}\` is a test file`;
    return { kind: 'cold', evidence: { message: `${what}: a test waiting on a synchronous call stalls only itself`, range: { start, end: start } } };
  }
  // A `build.ts` at the project's top is a build script; one under `src/` is the library's own code (vite's `build.ts`).
  if (/\.config\.[cm]?[jt]sx?$/.test(name) || (segments.length === 1 && /^(build|release|publish)\.[cm]?[jt]s$/.test(name))) {
    return { kind: 'cold', evidence: { message: `\`${name}\` is a configuration or build script, run once`, range: { start, end: start } } };
  }
  return undefined;
}

// ---------------------------------------------------------------- TS / JS

function skipWrappers(node: Node): Node {
  let current = node;
  // Each step goes one level up: bounded by the tree's depth.
  while (current.parent && (current.parent.type === 'parenthesized_expression' || current.parent.type === 'as_expression' || current.parent.type === 'satisfies_expression')) current = current.parent;
  return current;
}

/** The call `node` is an argument of, if any. */
function callOfArgument(node: Node): Node | undefined {
  const args = skipWrappers(node).parent;
  return args?.type === 'arguments' && args.parent?.type === 'call_expression' ? args.parent : undefined;
}

function memberName(callee: Node | null): { object?: Node; property?: string } {
  if (callee?.type !== 'member_expression') return {};
  return { object: callee.childForFieldName('object') ?? undefined, property: callee.childForFieldName('property')?.text };
}

function tsHot(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const semantics = source.ts?.();
  const direct = tsHotUse(fn, fn, source, semantics);
  if (direct) return direct;
  // A named function registered by reference: `app.get('/', handler)`, `Promise.all([load(a), load(b)])`.
  const name = tsFunctionName(fn);
  if (!name) return undefined;
  for (const use of identifierUses(source.root, source.text, name, fn)) {
    const found = tsHotUse(use, fn, source, semantics);
    if (found) return found;
    // `load(a)` inside `Promise.all([...])`.
    const call = use.parent?.type === 'call_expression' && use.parent.childForFieldName('function')?.id === use.id ? use.parent : undefined;
    if (call) {
      const combinator = tsCombinatorAround(call, semantics);
      if (combinator) return hot(`runs alongside other promises: \`${name}(...)\` is passed to \`${combinator.text}\` at ${where(source, combinator)}`, combinator);
    }
  }
  return undefined;
}

function tsFunctionName(fn: Node): string | undefined {
  if (fn.type === 'function_declaration' || fn.type === 'generator_function_declaration') return fn.childForFieldName('name')?.text;
  const holder = skipWrappers(fn).parent;
  if (holder?.type === 'variable_declarator') {
    const name = holder.childForFieldName('name');
    return name?.type === 'identifier' ? name.text : undefined;
  }
  return undefined;
}

/** `Promise.all([..., call, ...])`, `Promise.all(xs.map(...call...))`: the combinator's callee, else undefined. */
function tsCombinatorAround(node: Node, semantics: TsSemantics | undefined): Node | undefined {
  let current: Node = skipWrappers(node);
  // Up through an array literal or a `.map(...)` callback to the combinator's arguments (a few levels at most).
  for (let depth = 0; depth < 4 && current.parent; depth++) {
    const parent = current.parent;
    if (parent.type === 'arguments') {
      const call = parent.parent;
      const callee = call?.childForFieldName('function') ?? null;
      if (call?.type === 'call_expression' && semantics && PROMISE_COMBINATORS.has(semantics.calleeName(call) ?? '')) return callee ?? undefined;
      if (memberName(callee).property !== 'map' || !call) return undefined;
      current = skipWrappers(call);
      continue;
    }
    if (parent.type === 'array' || parent.type === 'spread_element') {
      current = skipWrappers(parent);
      continue;
    }
    if (parent.type === 'arrow_function' && parent.childForFieldName('body')?.id === current.id) {
      current = skipWrappers(parent);
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** Hot evidence from one use of the function (`use` is the function itself or a reference to it). */
function tsHotUse(use: Node, fn: Node, source: ContextSource, semantics: TsSemantics | undefined): ConcurrencyContext | undefined {
  const call = callOfArgument(use);
  if (call) {
    const callee = call.childForFieldName('function');
    const { object, property } = memberName(callee);
    const qualified = semantics?.calleeName(call);
    if (qualified && SERVER_FACTORIES.has(qualified)) {
      return hot(`runs for every request: the handler of \`${callee!.text}\` at ${where(source, call)}`, callee!);
    }
    if (qualified && PROMISE_COMBINATORS.has(qualified)) {
      return hot(`runs alongside other promises of \`${callee!.text}\` at ${where(source, call)}`, callee!);
    }
    if (object && property) {
      const receiver = object.type === 'member_expression' ? object.childForFieldName('property')?.text : object.type === 'identifier' ? object.text : undefined;
      const routeChain = object.type === 'call_expression' && memberName(object.childForFieldName('function')).property === 'route';
      if (ROUTE_METHODS.has(property) && property !== 'on' && ((receiver && ROUTER_NAME.test(receiver)) || routeChain)) {
        return hot(`runs for every request: registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
      }
      if (property === 'use' && (receiver === 'middlewares' || (receiver && ROUTER_NAME.test(receiver)))) {
        return hot(`runs for every request: middleware registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
      }
      if (LISTENER_METHODS.has(property) && object.text !== 'process') {
        const event = call.childForFieldName('arguments')?.namedChildren[0];
        const named = event?.type === 'string' ? ` \`${event.text.slice(1, -1)}\`` : '';
        const when = property === 'once' ? `runs when the${named} event fires` : `runs on every${named} event`;
        return hot(`${when} while the program goes on: a listener registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
      }
    }
    // `Promise.all(xs.map(async (x) => ...))`, `Promise.all(xs.map(load))`.
    const combinator = tsCombinatorAround(use, semantics);
    if (combinator) return hot(`runs alongside other promises of \`${combinator.text}\` at ${where(source, combinator)}`, combinator);
    return undefined;
  }
  if (use.id !== fn.id) return undefined;
  // `{ handler: async () => ... }` given to `fastify.route(...)`/`Bun.serve(...)`, or a plugin hook method.
  const hook = fn.type === 'method_definition' ? fn.childForFieldName('name')
    : skipWrappers(fn).parent?.type === 'pair' ? skipWrappers(fn).parent!.childForFieldName('key') : undefined;
  const object = hook ? (fn.type === 'method_definition' ? fn.parent : skipWrappers(fn).parent!.parent) : undefined;
  if (!hook || object?.type !== 'object') return undefined;
  const holderCall = callOfArgument(object);
  if (holderCall && (hook.text === 'fetch' || hook.text === 'handler')) {
    const qualified = semantics?.calleeName(holderCall);
    const { object: receiver, property } = memberName(holderCall.childForFieldName('function'));
    if ((qualified && SERVER_FACTORIES.has(qualified)) || (property === 'route' && receiver && ROUTER_NAME.test(receiver.text))) {
      return hot(`runs for every request: the \`${hook.text}\` of \`${holderCall.childForFieldName('function')!.text}\` at ${where(source, holderCall)}`, hook);
    }
  }
  if (PLUGIN_HOOKS.has(hook.text) && isPluginObject(object)) {
    return hot(`runs for every module the bundler or dev server processes: the plugin hook \`${hook.text}\` at ${where(source, hook)}`, hook);
  }
  return undefined;
}

/** Work that keeps running after the statement that starts it: a server, a timer, listeners, a watcher. */
const TS_STARTS_CONCURRENT_WORK = new Set(['listen', 'createServer', 'serve', 'setInterval', 'watch', 'on', 'once', 'addEventListener', 'spawn', 'fork', 'Worker']);
/** Python calls that leave tasks or a server running past the statement that makes them. */
const PY_STARTS_CONCURRENT_WORK = new Set(['create_task', 'ensure_future', 'TaskGroup', 'start_soon', 'start_server', 'serve_forever', 'run_app', 'serve']);

/** True when `node` makes a call (or `new`) whose callee's last name is in `names`: it starts work that keeps running. */
function startsConcurrentWork(node: Node, language: Language, names: ReadonlySet<string>): boolean {
  const types = language === 'python' ? ['call'] : ['call_expression', 'new_expression'];
  return node.descendantsOfType(types).some((call) => {
    const callee = call.childForFieldName(call.type === 'new_expression' ? 'constructor' : 'function');
    const last = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text
      : callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    return last !== undefined && names.has(last);
  });
}

/**
 * The module's own entry point: a function called once at the top level (`init().catch(...)`, `await main()`, `void run()`),
 * as a command-line tool's module does, that starts no server, timer or listener: its steps run one at a time.
 */
function tsCold(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const name = tsFunctionName(fn);
  if (!name || startsConcurrentWork(fn, source.language, TS_STARTS_CONCURRENT_WORK)) return undefined;
  let entry: Node | undefined;
  let calls = 0;
  for (const use of identifierUses(source.root, source.text, name, fn)) {
    const call = use.parent?.type === 'call_expression' && use.parent.childForFieldName('function')?.id === use.id ? use.parent : undefined;
    // The declaration's own name, an export list: not uses.
    if (!call) {
      const holder = use.parent?.type;
      if (holder === 'function_declaration' || holder === 'variable_declarator' || holder === 'export_specifier') continue;
      return undefined;
    }
    calls++;
    // Up through `.catch(...)`/`.then(...)`, `await`, `void` to a statement of the module itself.
    let statement: Node | null = call.parent;
    for (let depth = 0; statement && depth < 6 && statement.type !== 'expression_statement'; depth++) statement = statement.parent;
    if (statement?.type !== 'expression_statement' || statement.parent?.type !== 'program') return undefined;
    entry = call;
  }
  if (!entry || calls !== 1) return undefined;
  return { kind: 'cold', evidence: { message: `it runs once, from the module's top-level call \`${entry.text.length > 40 ? `${name}(...)` : entry.text}\` at ${where(source, entry)}`, range: rangeOf(entry) } };
}

/**
 * Plugin and adapter hooks that run once per build or start-up, not per module or request: Rollup/Vite's `buildStart`,
 * `writeBundle`, `closeBundle`, `config`, `configureServer` (its middlewares are hot on their own), an adapter's `adapt`.
 */
const ONE_SHOT_HOOKS = new Set([
  'adapt', 'buildStart', 'buildEnd', 'buildApp', 'generateBundle', 'writeBundle', 'closeBundle', 'renderStart', 'renderError',
  'config', 'configResolved', 'configEnvironment', 'configureServer', 'configurePreviewServer', 'options', 'outputOptions',
  'closeWatcher',
]);

/** The hook name of `fn` in a plugin object: `async writeBundle() {}`, `writeBundle: async () => {}`, `writeBundle: { handler() {} }`. */
function pluginHookOf(fn: Node): { hook: Node; object: Node } | undefined {
  let key: Node | undefined;
  let object: Node | undefined;
  if (fn.type === 'method_definition') {
    key = fn.childForFieldName('name') ?? undefined;
    object = fn.parent ?? undefined;
  } else if (skipWrappers(fn).parent?.type === 'pair') {
    const pair = skipWrappers(fn).parent!;
    key = pair.childForFieldName('key') ?? undefined;
    object = pair.parent ?? undefined;
  }
  if (!key || object?.type !== 'object') return undefined;
  // The `{ order, sequential, handler }` form: the hook is the key the object is the value of.
  if (key.text === 'handler' && skipWrappers(object).parent?.type === 'pair') {
    const pair = skipWrappers(object).parent!;
    const outer = pair.parent;
    const outerKey = pair.childForFieldName('key');
    if (outer?.type === 'object' && outerKey) return { hook: outerKey, object: outer };
  }
  return { hook: key, object };
}

/** A one-shot build or adapter hook of a plugin object: it runs once per build, with nothing else of the build waiting. */
function tsHookCold(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const found = pluginHookOf(fn);
  if (!found || !ONE_SHOT_HOOKS.has(found.hook.text) || !isPluginObject(found.object)) return undefined;
  return { kind: 'cold', evidence: { message: `it is the plugin hook \`${found.hook.text}\` (${where(source, found.hook)}), run once per build or start-up`, range: rangeOf(found.hook) } };
}

/** A function that loads or resolves configuration: it runs at start-up (or on a config change), before any work is served. */
const CONFIG_LOADER = /^(load|resolve)([A-Z_]\w*)?(Config|Configuration|Options|Settings|_config|_configuration|_options|_settings)$/;

function configLoader(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const name = source.language === 'python' ? pythonName(fn) : tsFunctionName(fn) ?? (fn.type === 'method_definition' ? fn.childForFieldName('name')?.text : undefined);
  if (!name || !CONFIG_LOADER.test(name)) return undefined;
  const at = source.language === 'python' ? fn.childForFieldName('name') ?? fn : fn;
  return { kind: 'cold', evidence: { message: `\`${name}\` loads configuration, which happens at start-up`, range: rangeOf(at) } };
}

/** Command-line argument parsers and terminal prompts: a module importing one is a command's steps, run one at a time. */
const TS_COMMAND_MODULES = new Set([
  'commander', 'yargs', 'sade', 'cac', 'meow', 'citty', 'clipanion', 'minimist', 'mri', 'arg', 'prompts', 'enquirer',
  'inquirer', '@inquirer/prompts', '@clack/prompts', 'node:readline/promises', 'readline/promises',
]);
const PY_COMMAND_MODULES = new Set(['argparse', 'click', 'asyncclick', 'typer', 'cloup', 'rich_click', 'fire', 'questionary', 'InquirerPy']);

/**
 * Facts about a whole module, found once per tree and asked for once per function: a scan of the top-level statements
 * for each of a file's 3,000 functions made the weighing quadratic (5.8 s for such a file).
 */
interface ModuleFacts { runsAsCommand?: boolean; commandImport?: Node | null; mainEntry?: { run: Node; main: string } | null }
const moduleFacts = new WeakMap<Node, ModuleFacts>();

function factsOfModule(root: Node): ModuleFacts {
  let facts = moduleFacts.get(root);
  if (!facts) moduleFacts.set(root, facts = {});
  return facts;
}

/** A module of a command-line tool (it parses arguments or prompts): its async functions that start no server are steps. */
function commandModule(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const facts = factsOfModule(source.root);
  if (source.language === 'python') {
    const runsAsCommand = facts.runsAsCommand ??= pythonRunsAsCommand(source.root);
    // In a module run as a command, a function asking at the terminal is an interactive step (in a server it is a bug).
    const prompt = runsAsCommand ? pythonPrompt(fn, source) : undefined;
    if (prompt) return prompt;
    const module = facts.commandImport === undefined ? (facts.commandImport = importedModule(source.root, PY_COMMAND_MODULES) ?? null) : facts.commandImport;
    // Importing `click` for `click.style` does not make a server module a tool: it must also be run as one.
    if (!module || !runsAsCommand || startsConcurrentWork(fn, 'python', PY_STARTS_CONCURRENT_WORK)) return undefined;
    return { kind: 'cold', evidence: { message: `the module is a command-line tool (it imports \`${module.text}\`), whose steps run one at a time`, range: rangeOf(module) } };
  }
  const from = facts.commandImport === undefined ? (facts.commandImport = tsCommandImport(source.root) ?? null) : facts.commandImport;
  if (!from || startsConcurrentWork(fn, source.language, TS_STARTS_CONCURRENT_WORK)) return undefined;
  return { kind: 'cold', evidence: { message: `the module is a command-line tool (it imports \`${from.text.slice(1, -1)}\`), whose steps run one at a time`, range: rangeOf(from) } };
}

/** The first top-level import of a command-line parser or prompt library (TS/JS), as its source string node. */
function tsCommandImport(root: Node): Node | undefined {
  for (const statement of root.namedChildren) {
    const from = statement?.type === 'import_statement' ? statement.childForFieldName('source') : undefined;
    if (from && TS_COMMAND_MODULES.has(from.text.slice(1, -1))) return from;
  }
  return undefined;
}

/** The module runs as a command: `if __name__ == "__main__":` or a `@...command()` / `@...group()` decorator at top level. */
function pythonRunsAsCommand(root: Node): boolean {
  return root.namedChildren.some((statement) => {
    if (statement?.type === 'if_statement') return isMainGuard(statement.childForFieldName('condition'));
    if (statement?.type !== 'decorated_definition') return false;
    return statement.namedChildren.some((d) => d?.type === 'decorator' && ['command', 'group'].includes(lastName(d.namedChildren[0]) ?? ''));
  });
}

/** An async function asking at the terminal (`input()` in its own body): an interactive step, nothing else is meant to run. */
function pythonPrompt(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const body = fn.childForFieldName('body');
  const semantics = source.python?.();
  if (!body || !semantics) return undefined;
  const prompt = body.descendantsOfType('call').find((call) => semantics.calleeName(call) === 'builtins.input' && enclosingFunction(call, 'python')?.id === fn.id);
  if (!prompt) return undefined;
  return { kind: 'cold', evidence: { message: `it asks at the terminal (\`${prompt.text.length > 30 ? 'input(...)' : prompt.text}\` at ${where(source, prompt)}), an interactive step`, range: rangeOf(prompt) } };
}

/** The first top-level import of one of `modules` (Python), as its module-name node. */
function importedModule(root: Node, modules: ReadonlySet<string>): Node | undefined {
  for (const statement of root.namedChildren) {
    if (statement?.type === 'import_from_statement') {
      const module = statement.childForFieldName('module_name');
      if (module && modules.has(module.text.split('.')[0])) return module;
    } else if (statement?.type === 'import_statement') {
      for (const name of statement.namedChildren) {
        const dotted = name?.type === 'aliased_import' ? name.childForFieldName('name') : name;
        if (dotted && modules.has(dotted.text.split('.')[0])) return dotted;
      }
    }
  }
  return undefined;
}

/** `package.json` verdicts by the file's text (an edited file gets a new verdict): its bin's name, or null (bounded below). */
const packageVerdicts = new Map<string, string | null>();
const MAX_PACKAGE_VERDICTS = 500;
/** Folders walked up from a file to its nearest `package.json` at most. */
const MAX_PACKAGE_DEPTH = 12;

/**
 * A TS/JS file whose nearest `package.json` has a `bin` and nothing to import (no `exports` but `./package.json`, no `main`
 * other than a bin): all its code runs under that command, one step at a time. Read through the host each time, so the
 * editor sees (and re-checks on) a change to it.
 */
function cliPackage(source: ContextSource): ConcurrencyContext | undefined {
  if (source.language === 'python' || !source.path || !source.readFile) return undefined;
  const segments = source.path.split('/').slice(0, -1);
  // Each step drops one folder: bounded by the path's depth and MAX_PACKAGE_DEPTH.
  for (let depth = 0; depth <= Math.min(segments.length, MAX_PACKAGE_DEPTH); depth++) {
    const dir = segments.slice(0, segments.length - depth).join('/');
    const text = source.readFile(dir ? `${dir}/package.json` : 'package.json');
    // No package.json here: look further up.
    if (text === undefined) continue;
    let verdict = packageVerdicts.get(text);
    if (verdict === undefined) {
      verdict = cliOnlyPackage(text);
      if (packageVerdicts.size >= MAX_PACKAGE_VERDICTS) packageVerdicts.delete(packageVerdicts.keys().next().value!);
      packageVerdicts.set(text, verdict);
    }
    if (verdict === null) return undefined;
    const start = { line: 0, column: 0 };
    return { kind: 'cold', evidence: { message: `its package is a command-line tool (\`bin\` ${verdict} in ${dir ? `${dir}/` : ''}package.json, nothing to import)`, range: { start, end: start } } };
  }
  return undefined;
}

/** The bin's name when `package.json` text describes a command-line tool only, else null. */
function cliOnlyPackage(text: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const pkg = json as { bin?: unknown; main?: unknown; exports?: unknown; module?: unknown; name?: unknown };
  const bins = typeof pkg.bin === 'string' ? { [typeof pkg.name === 'string' ? pkg.name : 'bin']: pkg.bin } : typeof pkg.bin === 'object' && pkg.bin ? pkg.bin as Record<string, unknown> : {};
  const targets = Object.values(bins).filter((t): t is string => typeof t === 'string').map((t) => t.replace(/^\.\//, ''));
  if (!targets.length || pkg.module !== undefined) return null;
  if (pkg.main !== undefined && !(typeof pkg.main === 'string' && targets.includes(pkg.main.replace(/^\.\//, '')))) return null;
  if (pkg.exports !== undefined) {
    const keys = typeof pkg.exports === 'object' && pkg.exports ? Object.keys(pkg.exports) : ['.'];
    if (keys.some((k) => k !== './package.json')) return null;
  }
  return `\`${Object.keys(bins)[0]}\``;
}

/** A plugin object: it has a `name` and is returned, exported or listed (`return { name, transform() {} }`). */
function isPluginObject(object: Node): boolean {
  const named = object.namedChildren.some((p) => (p?.type === 'pair' && p.childForFieldName('key')?.text === 'name') || (p?.type === 'shorthand_property_identifier' && p.text === 'name'));
  if (!named) return false;
  const holder = skipWrappers(object).parent;
  return holder?.type === 'return_statement' || holder?.type === 'array' || holder?.type === 'export_statement'
    || (holder?.type === 'arrow_function' && holder.childForFieldName('body')?.id === skipWrappers(object).id)
    || holder?.type === 'variable_declarator';
}

// ---------------------------------------------------------------- Python

function pythonName(fn: Node): string | undefined {
  return fn.type === 'function_definition' ? fn.childForFieldName('name')?.text : undefined;
}

function lastName(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'call') return lastName(node.childForFieldName('function'));
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  return node.type === 'identifier' ? node.text : undefined;
}

function pythonHot(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const definition = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  for (const decorator of definition?.namedChildren ?? []) {
    if (decorator?.type !== 'decorator') continue;
    const expression = decorator.namedChildren[0];
    const name = lastName(expression);
    // `@app.get(...)`, `@router.websocket(...)`, `@routes.post(...)`, `@bot.command()`, `@client.event`.
    const dotted = expression?.type === 'call' ? expression.childForFieldName('function') : expression;
    // `@group.command()` is a bot's handler (discord.py, aiogram), unless the file is a click/typer command-line tool.
    const botCommand = name !== 'command' || !importsAny(source.root, CLI_MODULES);
    if (name && PY_ROUTE_DECORATORS.has(name) && dotted?.type === 'attribute' && botCommand) {
      const what = name === 'command' || name === 'event' || name.startsWith('message') || name.startsWith('callback') || name === 'on_message' ? 'runs for every message or event the bot receives' : 'runs for every request';
      return hot(`${what}: registered with \`@${dotted.text}\` at ${where(source, decorator)}`, decorator);
    }
  }
  const name = pythonName(fn);
  if (!name) return undefined;
  const semantics = source.python?.();
  for (const use of identifierUses(source.root, source.text, name, fn)) {
    const parent = use.parent;
    // `web.get('/', handler)`, `app.router.add_get(...)`, `CommandHandler('start', handler)`: a handler by reference.
    const args = parent?.type === 'keyword_argument' ? parent.parent : parent;
    if (args?.type === 'argument_list' && args.parent?.type === 'call') {
      const call = args.parent;
      const callee = call.childForFieldName('function');
      const callName = lastName(callee);
      const receiver = callee?.type === 'attribute' ? lastName(callee.childForFieldName('object')) : undefined;
      const path = call.childForFieldName('arguments')?.namedChildren[0];
      const routeLike = (receiver !== undefined && /^(web|app|application|router|routes|dp|dispatcher|bot)$/.test(receiver)) || (path?.type === 'string' && /^[rbuf]*['"]\//.test(path.text));
      if (callName && ((PY_ROUTE_CALLS.has(callName) && callee?.type === 'attribute' && routeLike) || /Handler$/.test(callName))) {
        return hot(`runs for every request or message: registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
      }
    }
    // `handler(x)` as an argument of `asyncio.gather`, `create_task`, `tg.create_task`.
    if (parent?.type === 'call' && parent.childForFieldName('function')?.id === use.id) {
      const starter = pythonTaskStarter(parent, semantics);
      if (starter) return hot(`runs concurrently with other tasks: started with \`${starter.text}\` at ${where(source, starter)}`, starter);
    }
  }
  return undefined;
}

/** The callee of `asyncio.gather(...)`/`create_task(...)` whose arguments hold the coroutine call `call`. */
function pythonTaskStarter(call: Node, semantics: PythonSemantics | undefined): Node | undefined {
  let current: Node = call;
  // Up through `*[f(x) for x in xs]` or a list to the starter's arguments (a few levels at most).
  for (let depth = 0; depth < 5 && current.parent; depth++) {
    const parent: Node = current.parent;
    if (parent.type === 'argument_list' && parent.parent?.type === 'call') {
      const starter = parent.parent;
      const callee = starter.childForFieldName('function');
      const qualified = semantics?.calleeName(starter);
      if (callee && ((qualified && PY_TASK_STARTERS.has(qualified)) || (callee.type === 'attribute' && PY_TASK_METHODS.has(lastName(callee) ?? '')))) return callee;
      return undefined;
    }
    if (!['list', 'tuple', 'list_splat', 'list_comprehension', 'generator_expression', 'set'].includes(parent.type)) return undefined;
    current = parent;
  }
  return undefined;
}

/**
 * `if __name__ == "__main__": asyncio.run(main())`: `main` and the coroutines it only awaits one after another (not from
 * anywhere else in the file) run with nothing else in flight.
 */
function pythonCold(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const name = pythonName(fn);
  const hook = name ? lifecycleHook(name, fn, source) : undefined;
  if (hook) return hook;
  const entry = mainEntry(source);
  if (!name || !entry) return undefined;
  const { run, main } = entry;
  const mainFn = source.root.namedChildren.find((c) => c?.type === 'function_definition' && pythonName(c) === main);
  // A main that starts tasks or a server has work in flight while it goes on: not a sequential entry point.
  if (!mainFn || startsConcurrentWork(mainFn, 'python', PY_STARTS_CONCURRENT_WORK)) return undefined;
  const evidence = { kind: 'cold' as const, evidence: { message: `it runs once, in sequence, from \`${run.text}\` at ${where(source, run)}`, range: rangeOf(run) } };
  if (main === name) return evidence;
  // Every use of the name is `await name(...)` as a statement of main's own body (or an assignment of one).
  const offsets = wordOccurrences(source.text, name);
  if (offsets.length > MAX_REFERENCES) return undefined;
  let awaited = 0;
  for (const offset of offsets) {
    if (fn.startIndex <= offset && offset < fn.endIndex) continue;
    const use = source.root.descendantForIndex(offset, offset + name.length);
    if (!use || use.type !== 'identifier' || use.startIndex !== offset) continue;
    const call = use.parent;
    const awaitNode = call?.type === 'call' ? call.parent : undefined;
    const statement = awaitNode?.type === 'await' ? (awaitNode.parent?.type === 'assignment' ? awaitNode.parent.parent : awaitNode.parent) : undefined;
    const sequential = statement?.type === 'expression_statement' || statement?.type === 'return_statement';
    if (!sequential || statement.parent?.parent?.id !== mainFn.id) return undefined;
    awaited++;
  }
  return awaited ? evidence : undefined;
}

/** aiohttp's `app.on_startup.append(f)` / `on_cleanup` / `on_shutdown`: `f` runs once, before serving or after it stopped. */
function lifecycleHook(name: string, fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  for (const use of identifierUses(source.root, source.text, name, fn)) {
    const call = use.parent?.type === 'argument_list' ? use.parent.parent : undefined;
    const callee = call?.type === 'call' ? call.childForFieldName('function') : undefined;
    const list = callee?.type === 'attribute' && lastName(callee) === 'append' ? lastName(callee.childForFieldName('object')) : undefined;
    if (list === 'on_startup' || list === 'on_cleanup' || list === 'on_shutdown') {
      return { kind: 'cold', evidence: { message: `it runs once, ${list === 'on_startup' ? 'before the server serves' : 'after the server stopped serving'} (\`${callee!.text}\` at ${where(source, call!)})`, range: rangeOf(callee!) } };
    }
    // FastAPI/Starlette `FastAPI(lifespan=f)`, `Starlette(on_startup=[f])`: start-up before serving, shut-down after it.
    const keyword = use?.parent?.type === 'keyword_argument' ? use.parent
      : use?.parent?.type === 'list' && use.parent.parent?.type === 'keyword_argument' ? use.parent.parent : undefined;
    const key = keyword?.childForFieldName('name')?.text;
    if (keyword && (key === 'lifespan' || key === 'on_startup' || key === 'on_shutdown')) {
      return { kind: 'cold', evidence: { message: `it runs once, at the application's start-up or shut-down (\`${key}=\` at ${where(source, keyword)})`, range: rangeOf(keyword) } };
    }
  }
  return undefined;
}

/** `__name__ == "__main__"` (either way round). */
function isMainGuard(condition: Node | null): boolean {
  if (condition?.type !== 'comparison_operator' || condition.namedChildren.length !== 2) return false;
  const texts = condition.namedChildren.map((c) => (c?.type === 'string' ? c.text.slice(1, -1) : c?.text));
  return condition.children.some((c) => c?.type === '==') && texts.includes('__name__') && texts.includes('__main__');
}

/** `asyncio.run(main())` under `if __name__ == "__main__":`, with the name of `main` (found once per module). */
function mainEntry(source: ContextSource): { run: Node; main: string } | undefined {
  const facts = factsOfModule(source.root);
  if (facts.mainEntry === undefined) facts.mainEntry = findMainEntry(source.root) ?? null;
  return facts.mainEntry ?? undefined;
}

function findMainEntry(root: Node): { run: Node; main: string } | undefined {
  for (const statement of root.namedChildren) {
    if (statement?.type !== 'if_statement' || !isMainGuard(statement.childForFieldName('condition'))) continue;
    for (const inner of statement.childForFieldName('consequence')?.namedChildren ?? []) {
      const call = inner?.type === 'expression_statement' ? inner.namedChildren[0] : undefined;
      if (call?.type !== 'call' || lastName(call.childForFieldName('function')) !== 'run') continue;
      const argument = call.childForFieldName('arguments')?.namedChildren[0];
      const main = argument?.type === 'call' ? lastName(argument.childForFieldName('function')) : undefined;
      if (main) return { run: call.childForFieldName('function')!, main };
    }
  }
  return undefined;
}

/** The async function whose own body runs `node` (TS/JS or Python), or undefined. */
export function owningFunction(node: Node, language: Language): Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (language === 'python' ? current.type === 'function_definition' || current.type === 'lambda' : FUNCTION_TYPES.has(current.type)) return current;
  }
  return undefined;
}
