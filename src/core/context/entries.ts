// Entry points: what a function's own file shows about who runs it (a framework registration, a gathered task, a
// listener; a sequential `main`, a command-line tool's step, test code, a one-shot hook). Callers are the graph's.
import type { Node, Tree } from 'web-tree-sitter';
import type { PythonSemantics } from '../python/semantics';
import { MAX_NESTING } from '../locate';
import { lineOf, rangeOf } from '../text';
import { FUNCTION_TYPES, isAsyncFunction, type TsSemantics } from '../ts/semantics';
import type { Language } from '../types';
import { fileIndex, identifierUses, MAX_REFERENCES, useCount } from './fileIndex';

import type { ConcurrencyContext, ContextSource } from './types';

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
/** Events a program or page gets as it ends: their listeners run once, with nothing left to wait, and must finish synchronously. */
const END_EVENTS = new Set(['unload', 'beforeunload', 'pagehide', 'exit', 'beforeExit']);
/** Node emitters' events that fire at most once in an emitter's life (a stream's end, a server's start). */
const ONE_TIME_EVENTS = new Set(['close', 'end', 'finish', 'error', 'open', 'ready', 'listening', 'spawn']);
/** Promise combinators whose callbacks run alongside each other. */
const PROMISE_COMBINATORS = new Set(['global.Promise.all', 'global.Promise.allSettled', 'global.Promise.race', 'global.Promise.any']);
/** Bundler/dev-server plugin hooks that run once per module or request (Rollup, Vite, esbuild-like APIs). */
const PLUGIN_HOOKS = new Set(['transform', 'load', 'resolveId', 'transformIndexHtml', 'handleHotUpdate', 'renderChunk']);
/** Python decorators (last name) that register a request, websocket or bot handler. */
const PY_ROUTE_DECORATORS = new Set([
  'get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'route', 'api_route', 'websocket', 'websocket_route', 'view',
  'command', 'event', 'listen', 'message_handler', 'callback_query_handler', 'message', 'callback_query', 'on_message', 'middleware',
  'on', 'loop', 'subscriber', 'consumer', 'handler', 'exception_handler',
]);
/** Python calls that register a handler passed by name: aiohttp `web.get('/', h)`, `router.add_get`, telegram handlers. */
const PY_ROUTE_CALLS = new Set([
  'get', 'post', 'put', 'delete', 'patch', 'head', 'route', 'view', 'add_get', 'add_post', 'add_put', 'add_delete', 'add_patch',
  'add_route', 'add_api_route', 'add_websocket_route', 'add_api_websocket_route', 'CommandHandler', 'MessageHandler',
  'CallbackQueryHandler', 'add_handler', 'add_listener',
]);
/** Command-line frameworks whose `@x.command()` is one step of a tool, not a handler. */
const CLI_MODULES = new Set(['click', 'asyncclick', 'typer', 'cloup', 'rich_click', 'cyclopts', 'arguably']);

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
/** What a function's own code and registration show about who runs it (its callers aside): hot, cold or unknown. */
export function ownContext(fn: Node, source: ContextSource): ConcurrencyContext {
  const memo = memoOf(source).own;
  let found = memo.get(fn.id);
  if (!found) memo.set(fn.id, found = computeOwnContext(fn, source));
  return found;
}

/**
 * What a tree's functions and name uses show, kept per tree (and per view of it: path, language, semantics given): the
 * rules and the call graph ask about the same functions, and every function of a common name looks at the same uses.
 */
interface Memo {
  own: Map<number, ConcurrencyContext>;
  uses: Map<string, ConcurrencyContext | null>;
}
const memos = new WeakMap<Tree, Map<string, Memo>>();
/** The memo of each source object asked about (a weighing asks for one function's evidence through many uses). */
const memoBySource = new WeakMap<ContextSource, Memo>();

function memoOf(source: ContextSource): Memo {
  let memo = memoBySource.get(source);
  if (!memo) memoBySource.set(source, memo = memoOfView(source));
  return memo;
}

function memoOfView(source: ContextSource): Memo {
  let views = memos.get(source.root.tree);
  if (!views) memos.set(source.root.tree, views = new Map<string, Memo>());
  const key = `${source.language}\0${source.path ?? ''}\0${source.python ? 'p' : ''}${source.ts ? 't' : ''}`;
  let memo = views.get(key);
  if (!memo) views.set(key, memo = { own: new Map(), uses: new Map() });
  return memo;
}

/** `evidence(use)` once per use and kind of evidence: it depends on the use alone, not on the function it names. */
function fromUse(source: ContextSource, kind: string, use: Node, evidence: () => ConcurrencyContext | undefined): ConcurrencyContext | undefined {
  const memo = memoOf(source).uses;
  const key = `${kind}:${use.id}`;
  let found = memo.get(key);
  if (found === undefined) memo.set(key, found = evidence() ?? null);
  return found ?? undefined;
}

function computeOwnContext(fn: Node, source: ContextSource): ConcurrencyContext {
  // Test code first: what a test gathers or serves runs beside that test only, not beside the program's work.
  const test = testModule(source, fn);
  if (test) return test;
  const hot = source.language === 'python' ? pythonHot(fn, source) : tsHot(fn, source);
  if (hot) return hot;
  return (source.language === 'python' ? pythonCold(fn, source) : tsCold(fn, source) ?? tsHookCold(fn, source))
    ?? commandModule(fn, source)
    ?? UNKNOWN;
}

/** The function whose body holds `node` (TS/JS or Python), or undefined at module level. */
export function enclosingFunction(fn: Node, language: Language): Node | undefined {
  for (let current = fn.parent; current; current = current.parent) {
    if (language === 'python' ? current.type === 'function_definition' : FUNCTION_TYPES.has(current.type)) return current;
  }
  return undefined;
}

/** The function `value` (a return's value in `owner`) is: a function literal, or the name of a function `owner` defines. */
export function returnedFunction(value: Node, owner: Node, python: boolean): Node | undefined {
  let current = value;
  // `return (async (req) => ...)`, `return handler as Middleware`: bounded by the tree's depth.
  while (!python && (current.type === 'parenthesized_expression' || current.type === 'as_expression' || current.type === 'satisfies_expression') && current.namedChildren[0]) current = current.namedChildren[0];
  if (!python && FUNCTION_TYPES.has(current.type)) return current;
  if (current.type !== 'identifier') return undefined;
  const body = owner.childForFieldName('body');
  for (const statement of body?.namedChildren ?? []) {
    const definition = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    if (definition?.type === (python ? 'function_definition' : 'function_declaration') && definition.childForFieldName('name')?.text === current.text) return definition;
  }
  return undefined;
}

export function where(source: ContextSource, node: Node): string {
  const file = source.path ? source.path.slice(source.path.lastIndexOf('/') + 1) : 'line';
  return source.path ? `${file}:${lineOf(node) + 1}` : `line ${lineOf(node) + 1}`;
}

function hot(message: string, at: Node): ConcurrencyContext {
  return { kind: 'hot', evidence: { message, range: rangeOf(at) } };
}

// ---------------------------------------------------------------- files

/** Test frameworks: a module importing one is test code (a test waiting on a synchronous call stalls only itself). */
const PY_TEST_MODULES = new Set(['pytest', 'unittest', 'pytest_asyncio', 'hypothesis', 'asynctest']);
const TS_TEST_MODULES = new Set(['vitest', 'node:test', 'mocha', '@jest/globals', 'ava', 'uvu', 'tap', 'node-tap', 'tape', '@playwright/test', 'bun:test']);
/** Jest-style globals a test module calls at its top level without importing them. */
const TS_TEST_GLOBALS = new Set(['describe', 'it', 'test', 'suite']);
/** Folders and file names tests live in: together with a test framework's use, not alone. */
const TEST_DIRECTORIES = new Set(['test', 'tests', '__tests__', 'testing', 'spec']);
const TEST_FILE = /^(test_.*\.py|.*_test\.py|conftest\.py|.*\.(test|spec)\.[cm]?[jt]sx?)$/;

/** Test code: the module imports a test framework, or (TS/JS, in a test file) calls `describe`/`it`/`test` at its top level. */
function testModule(source: ContextSource, fn?: Node): ConcurrencyContext | undefined {
  // pytest collects `test*` functions of `test_*.py` / `*_test.py` files, and fixtures from `conftest.py`.
  const file = source.path?.slice(source.path.lastIndexOf('/') + 1) ?? '';
  const name = fn && source.language === 'python' ? pythonName(fn) : undefined;
  if (name && ((/^test/.test(name) && /^(test_.*|.*_test)\.py$/.test(file)) || file === 'conftest.py')) {
    const at = fn!.childForFieldName('name') ?? fn!;
    return { kind: 'cold', test: true, evidence: { message: `it is test code (\`${name}\` in \`${file}\`, which pytest collects)`, range: rangeOf(at) } };
  }
  const facts = factsOfModule(source.root);
  if (facts.testImport === undefined) facts.testImport = findTestImport(source) ?? null;
  const found = facts.testImport;
  if (!found) return undefined;
  return { kind: 'cold', test: true, evidence: { message: `it is test code (${found.text.length > 40 ? 'a test framework' : `\`${found.text}\``} at ${where(source, found)})`, range: rangeOf(found) } };
}

function findTestImport(source: ContextSource): Node | undefined {
  if (source.language === 'python') return importedModule(source.root, PY_TEST_MODULES, source.text);
  for (const statement of source.root.namedChildren) {
    const from = statement?.type === 'import_statement' ? statement.childForFieldName('source') : undefined;
    if (from && TS_TEST_MODULES.has(from.text.slice(1, -1))) return from;
  }
  const segments = source.path?.split('/') ?? [];
  const inTests = segments.slice(0, -1).some((s) => TEST_DIRECTORIES.has(s)) || TEST_FILE.test(segments[segments.length - 1] ?? '');
  if (!inTests) return undefined;
  for (const statement of source.root.namedChildren) {
    const call = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    const head = callee?.type === 'member_expression' ? callee.childForFieldName('object') : callee;
    if (head?.type === 'identifier' && TS_TEST_GLOBALS.has(head.text)) return head;
  }
  return undefined;
}

// ---------------------------------------------------------------- TS / JS

const EXPRESSION_WRAPPERS = new Set(['parenthesized_expression', 'as_expression', 'satisfies_expression']);

/**
 * `node` with the parentheses and type assertions around it (`outer`), and what holds that (`holder`), in one climb:
 * each `parent` costs the node's depth in web-tree-sitter, so it is asked once per level.
 */
export function unwrapUp(node: Node): { outer: Node; holder: Node | null } {
  let outer = node;
  let holder = node.parent;
  // Each step goes one level up: bounded by the tree's depth.
  while (holder && EXPRESSION_WRAPPERS.has(holder.type)) {
    outer = holder;
    holder = holder.parent;
  }
  return { outer, holder };
}

export function skipWrappers(node: Node): Node {
  return unwrapUp(node).outer;
}

/** The call whose arguments `args` are, if they are a call's. */
function callOfArguments(args: Node | null): Node | undefined {
  return args?.type === 'arguments' && args.parent?.type === 'call_expression' ? args.parent : undefined;
}

/** The call `node` is an argument of, if any. */
function callOfArgument(node: Node): Node | undefined {
  return callOfArguments(unwrapUp(node).holder);
}

function memberName(callee: Node | null): { object?: Node; property?: string } {
  if (callee?.type !== 'member_expression') return {};
  return { object: callee.childForFieldName('object') ?? undefined, property: callee.childForFieldName('property')?.text };
}

/**
 * NestJS's handler decorators, by qualified name: a method so decorated is called by the framework for every request,
 * message or tick, beside the others (`@Post('login')` in a controller, `@SubscribeMessage('chat')` in a gateway).
 */
const NEST_HANDLER_DECORATORS = new Map<string, string>([
  ...['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Options', 'Head', 'Search'].map((d): [string, string] => [`@nestjs/common.${d}`, 'runs for every request: a route handler']),
  ['@nestjs/microservices.MessagePattern', 'runs for every message: a message handler'],
  ['@nestjs/microservices.EventPattern', 'runs for every event: an event handler'],
  ['@nestjs/websockets.SubscribeMessage', 'runs for every message: a WebSocket gateway handler'],
  ['@nestjs/schedule.Cron', 'runs periodically beside the rest of the program: a scheduled job'],
  ['@nestjs/schedule.Interval', 'runs periodically beside the rest of the program: a scheduled job'],
]);

/** Decorators written just before a class method (its siblings in the class body, comments between), nearest first: a few. */
function methodDecorators(fn: Node): Node[] {
  const out: Node[] = [];
  if (fn.type !== 'method_definition') return out;
  let steps = 0;
  for (let at = fn.previousNamedSibling; at && steps < 16 && (at.type === 'decorator' || at.type === 'comment'); at = at.previousNamedSibling, steps++) {
    if (at.type === 'decorator') out.push(at);
  }
  return out;
}

function nestHandler(fn: Node, source: ContextSource, semantics: TsSemantics | undefined): ConcurrencyContext | undefined {
  if (!semantics) return undefined;
  for (const decorator of methodDecorators(fn)) {
    // `@Post('login')` or a bare `@Post`: what the decorator's callee denotes.
    const expression = decorator.namedChildren[0];
    const callee = expression?.type === 'call_expression' ? expression.childForFieldName('function') : expression;
    const resolved = callee ? semantics.resolve(callee) : undefined;
    const name = resolved?.kind === 'qualified' ? resolved.name : undefined;
    const what = name ? NEST_HANDLER_DECORATORS.get(name) : undefined;
    if (!what) continue;
    // As written, on one line; a long one by its name.
    const written = decorator.text.replace(/\s+/g, ' ');
    return hot(`${what} (\`${written.length > 60 ? `@${name!.slice(name!.lastIndexOf('.') + 1)}(...)` : written}\` at ${where(source, decorator)})`, decorator);
  }
  return undefined;
}

const HTTP_VERBS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const ROUTE_FILE = /^route\.[cm]?[jt]sx?$/;
/** Next.js's per-request functions of a page: they run on the server for every request of it. */
const NEXT_PAGE_FUNCTIONS = new Set(['getServerSideProps']);

/** `export default ...` rather than a named export. */
function isDefaultExport(statement: Node): boolean {
  return statement.children.some((c) => c?.type === 'default');
}

/**
 * The name `value` (as `unwrapUp` gives it, with what holds it) is exported under when it is the value an export
 * statement exports: `export default value`, `export const GET = value`. Undefined otherwise.
 */
function exportedValueName({ outer: value, holder }: { outer: Node; holder: Node | null }): string | undefined {
  if (holder?.type === 'export_statement') return holder.childForFieldName('value')?.id === value.id && isDefaultExport(holder) ? 'default' : undefined;
  if (holder?.type !== 'variable_declarator' || holder.childForFieldName('value')?.id !== value.id) return undefined;
  const name = holder.childForFieldName('name');
  const declaration = holder.parent;
  const exported = (declaration?.type === 'lexical_declaration' || declaration?.type === 'variable_declaration') && declaration.parent?.type === 'export_statement';
  return exported && name?.type === 'identifier' ? name.text : undefined;
}

/** The name a module-level function is exported under (`export function GET`, `export const GET = ...`, `export default`). */
function exportedName(fn: Node): string | undefined {
  const written = unwrapUp(fn);
  const holder = written.holder;
  if (holder?.type !== 'export_statement') return exportedValueName(written);
  return isDefaultExport(holder) ? 'default' : fn.type === 'function_declaration' ? fn.childForFieldName('name')?.text : undefined;
}

/**
 * `export default withAuth(handler)`, `export const GET = withAuth(async (req) => ...)`: the name under which a call that
 * is handed `node` is exported (a few wrappers deep). A wrapper of a route handler calls it for every request it lets through.
 */
function exportedThroughWrappers(node: Node): string | undefined {
  let current = unwrapUp(node);
  for (let depth = 0; depth < 4; depth++) {
    const call = callOfArguments(current.holder);
    if (!call) return undefined;
    current = unwrapUp(call);
    const exported = exportedValueName(current);
    if (exported !== undefined) return exported;
  }
  return undefined;
}

/**
 * The name a module-level export statement exports the function `use` names under, when `use` denotes `fn`:
 * `export default handler`, `export const POST = handler`, `export { handler as GET }`, `export { GET }` (not a
 * re-export from another module), or any of these through a wrapper.
 */
function exportedByUse(use: Node, fn: Node, semantics: TsSemantics | undefined): string | undefined {
  // `export default (handler)`, `export const GET = handler as Handler`: the value as written around the name.
  let exported = exportedValueName(unwrapUp(use));
  const parent = use.parent;
  if (parent?.type === 'export_specifier' && parent.childForFieldName('name')?.id === use.id) {
    const statement = parent.parent?.parent;
    if (statement?.type === 'export_statement' && !statement.childForFieldName('source')) exported = (parent.childForFieldName('alias') ?? use).text;
  }
  exported ??= exportedThroughWrappers(use);
  if (exported === undefined || !semantics) return undefined;
  // The module's binding of that name is this function (not another function of the same name nested elsewhere).
  const resolved = semantics.resolve(use);
  return resolved?.kind === 'local' && isFunctionNode(resolved.node, fn) ? exported : undefined;
}

/** `node` (a resolution's node) is the function `fn`, or the value as written that holds it (parenthesised, cast). */
function isFunctionNode(node: Node, fn: Node): boolean {
  return node.id === fn.id || node.id === skipWrappers(fn).id;
}

/** False when the name `use` spells is bound, where it is, to a function of this file other than `fn`. */
function denotes(use: Node, fn: Node, semantics: TsSemantics | undefined): boolean {
  const resolved = semantics?.resolve(use);
  return resolved?.kind !== 'local' || !FUNCTION_TYPES.has(resolved.node.type) || isFunctionNode(resolved.node, fn);
}

/**
 * Next.js routes by their file (its registration is the file system): an app-router `route.ts` under `app/` exporting a
 * function per HTTP method, the default export of a page under `pages/api/`, and a page's `getServerSideProps`.
 */
function nextRouteHandler(fn: Node, source: ContextSource, exportedAs?: { name: string; at: Node }): ConcurrencyContext | undefined {
  const segments = source.path?.split('/') ?? [];
  const file = segments[segments.length - 1] ?? '';
  const pages = segments.lastIndexOf('pages');
  const app = segments.lastIndexOf('app');
  if (pages < 0 && (app < 0 || !ROUTE_FILE.test(file))) return undefined;
  const exported = exportedAs?.name ?? exportedName(fn) ?? exportedThroughWrappers(fn);
  if (!exported) return undefined;
  const at = exportedAs?.at ?? fn.childForFieldName('name') ?? fn;
  if (app >= 0 && ROUTE_FILE.test(file) && HTTP_VERBS.has(exported)) {
    return hot(`runs for every request: the Next.js route handler \`${exported}\` of ${file} (the app router calls it)`, at);
  }
  if (pages >= 0 && segments[pages + 1] === 'api' && exported === 'default') {
    return hot(`runs for every request: the Next.js API route ${segments.slice(pages).join('/')}`, at);
  }
  if (pages >= 0 && NEXT_PAGE_FUNCTIONS.has(exported)) {
    return hot(`runs for every request of the page: Next.js's \`${exported}\` of ${segments.slice(pages).join('/')}`, at);
  }
  return undefined;
}

function tsHot(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const semantics = source.ts?.();
  const direct = tsHotUse(fn, fn, source, semantics);
  if (direct) return direct;
  const decorated = nestHandler(fn, source, semantics) ?? nextRouteHandler(fn, source);
  if (decorated) return decorated;
  // A named function registered by reference: `app.get('/', handler)`, `Promise.all([load(a), load(b)])`.
  const name = tsFunctionName(fn);
  if (!name) return undefined;
  for (const use of identifierUses(source.root, name, fn)) {
    // A use that denotes another function of the same name (one nested elsewhere, or the module's) is that one's.
    if (!denotes(use, fn, semantics)) continue;
    // `async function handler() {}` then `export default handler` / `export { handler as GET }`: routed by its file.
    // Not kept per use: whether the export names this function depends on the function.
    const exported = exportedByUse(use, fn, semantics);
    const routed = exported ? nextRouteHandler(fn, source, { name: exported, at: use }) : undefined;
    if (routed) return routed;
    const found = fromUse(source, 'hot', use, () => {
      const direct = tsHotUse(use, fn, source, semantics);
      if (direct) return direct;
      // `load(a)` inside `Promise.all([...])`.
      const call = use.parent?.type === 'call_expression' && use.parent.childForFieldName('function')?.id === use.id ? use.parent : undefined;
      const combinator = call && tsCombinatorAround(call, semantics);
      if (combinator) return hot(`runs alongside other promises: \`${name}(...)\` is passed to \`${combinator.text}\` at ${where(source, combinator)}`, combinator);
      const loop = call && isAsyncFunction(fn) ? startedPerIterationWithoutWaiting(call) : undefined;
      return loop ? hot(`runs beside its other calls: the loop at ${where(source, loop)} starts \`${name}(...)\` on every pass without waiting for the one before`, loop) : undefined;
    });
    if (found) return found;
  }
  return undefined;
}

function tsFunctionName(fn: Node): string | undefined {
  if (fn.type === 'function_declaration' || fn.type === 'generator_function_declaration') return fn.childForFieldName('name')?.text;
  const holder = unwrapUp(fn).holder;
  if (holder?.type === 'variable_declarator') {
    const name = holder.childForFieldName('name');
    return name?.type === 'identifier' ? name.text : undefined;
  }
  return undefined;
}

/** Uses of a name looked at per search for where it is handed over, at most. */
const MAX_NAME_USES = 5_000;

/**
 * `Promise.all([..., call, ...])`, `Promise.all(xs.map(...call...))`, also through a name the promises are kept in first
 * (`const loads = xs.map(load)` then `Promise.all(loads)` in the same function): the combinator's callee, else undefined.
 */
export function tsCombinatorAround(node: Node, semantics: TsSemantics | undefined, through = 1): Node | undefined {
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
    // `Promise.all([useLockfile ? write(a) : writeCurrent(b), ...])`: whichever branch is taken runs beside the rest.
    if (parent.type === 'ternary_expression' && parent.childForFieldName('condition')?.id !== current.id) {
      current = skipWrappers(parent);
      continue;
    }
    if (parent.type === 'arrow_function' && parent.childForFieldName('body')?.id === current.id) {
      current = skipWrappers(parent);
      continue;
    }
    // `const loads = paths.map((p) => load(p))`, `const first = save(a)`: where the name is handed to a combinator.
    if (parent.type === 'variable_declarator' && parent.childForFieldName('value')?.id === current.id) {
      const name = parent.childForFieldName('name');
      return through > 0 && name?.type === 'identifier' ? laterUseHandedTo(name, 'typescript', (use) => tsCombinatorAround(use, semantics, through - 1)) : undefined;
    }
    return undefined;
  }
  return undefined;
}

/**
 * What `handedTo` finds for the first later use of the name `name` in the same function (or module-level code) that it
 * finds something for: where a list or a promise kept in a name is handed over.
 */
function laterUseHandedTo(name: Node, language: Language, handedTo: (use: Node) => Node | undefined): Node | undefined {
  const owner = enclosingFunction(name, language);
  const scope = owner?.childForFieldName('body') ?? name.tree.rootNode;
  // The name's later uses in the scope, from the file's index of identifiers: no search of every identifier.
  const word = name.text;
  const offsets = fileIndex(name.tree.rootNode).uses.get(word) ?? [];
  const from = Math.max(name.startIndex + 1, scope.startIndex);
  const to = scope.endIndex;
  let looked = 0;
  for (let i = firstAtOrAfter(offsets, from); i < offsets.length && offsets[i] < to && looked < MAX_NAME_USES; i++, looked++) {
    const use = scope.descendantForIndex(offsets[i], offsets[i] + word.length);
    if (use?.type !== 'identifier' || use.startIndex !== offsets[i] || enclosingFunction(use, language)?.id !== owner?.id) continue;
    const found = handedTo(use);
    if (found) return found;
  }
  return undefined;
}

/** The index of the first offset at or after `from` in sorted `offsets` (binary search). */
function firstAtOrAfter(offsets: readonly number[], from: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (offsets[mid] < from) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Continuations chained on a promise: the call before them still starts its work at once. */
const CONTINUATIONS = new Set(['then', 'catch', 'finally']);

/** `load(x).catch(...)`, `load(x).then(...).finally(...)`: the outermost chained call (a few links at most), else `call`. */
function throughContinuations(call: Node): Node {
  let made = skipWrappers(call);
  for (let steps = 0; steps < 4; steps++) {
    const member = made.parent?.type === 'member_expression' && made.parent.childForFieldName('object')?.id === made.id ? made.parent : undefined;
    const chained = member?.parent?.type === 'call_expression' && CONTINUATIONS.has(member.childForFieldName('property')?.text ?? '') ? member.parent : undefined;
    if (!chained) break;
    made = skipWrappers(chained);
  }
  return made;
}

const LOOP_STATEMENTS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);
/** Array methods whose callback runs once per element, one after another. */
const PER_ELEMENT_METHODS = new Set(['forEach', 'map', 'flatMap']);

/**
 * The loop that starts `call` (a call of an async function) on every pass without waiting for it: the call is a
 * statement of its own (`load(x);`, `void load(x);`) or is collected (`promises.push(load(x).catch(...))`), never awaited where it
 * is made. Each pass then starts another run while earlier ones are still in flight. Undefined otherwise.
 */
export function startedPerIterationWithoutWaiting(call: Node): Node | undefined {
  let made = throughContinuations(call);
  if (made.parent?.type === 'unary_expression' && made.parent.child(0)?.type === 'void') made = skipWrappers(made.parent);
  const holder = made.parent;
  const collected = holder?.type === 'arguments' && holder.parent?.type === 'call_expression'
    && ['push', 'add', 'unshift'].includes(memberName(holder.parent.childForFieldName('function')).property ?? '');
  if (!collected && holder?.type !== 'expression_statement') return undefined;
  // Up to the enclosing function: a loop statement, or the function being a per-element callback. Bounded by depth.
  for (let current = holder.parent; current; current = current.parent) {
    if (LOOP_STATEMENTS.has(current.type)) return current;
    if (FUNCTION_TYPES.has(current.type)) {
      const each = callOfArgument(current);
      const method = memberName(each?.childForFieldName('function') ?? null).property;
      return each && method && PER_ELEMENT_METHODS.has(method) ? each : undefined;
    }
  }
  return undefined;
}

/** A function's own awaits (not those of functions nested in it) in source order, with their start offsets. */
export interface OwnAwaits { fn: Node; awaits: Node[]; starts: number[] }

/**
 * The first `await` the enclosing function makes after `call` while the promise `call` made is still unsettled: the call
 * is kept (`const p = load(x)`, `p = load(x)`), left (`load(x);`, `void load(x)`, `load(x).catch(...)`), and the
 * function then awaits something else first. What it started runs beside that work. Undefined otherwise (awaited at
 * once, returned, handed to a combinator, or nothing awaited after it).
 */
export function startedAndLeftRunning(call: Node, ownAwaits?: OwnAwaits): Node | undefined {
  let made = throughContinuations(call);
  if (made.parent?.type === 'unary_expression' && made.parent.child(0)?.type === 'void') made = skipWrappers(made.parent);
  const holder = made.parent;
  let kept: string | undefined;
  if (holder?.type === 'variable_declarator' && holder.childForFieldName('value')?.id === made.id) kept = holder.childForFieldName('name')?.text;
  else if (holder?.type === 'assignment_expression' && holder.childForFieldName('right')?.id === made.id) kept = holder.childForFieldName('left')?.text;
  else if (holder?.type !== 'expression_statement') return undefined;
  const fn = ownAwaits?.fn ?? enclosingFunction(call, 'typescript');
  if (!fn) return undefined;
  const awaited = ownAwaits ? ownAwaits.awaits[firstAtOrAfter(ownAwaits.starts, call.endIndex)]
    : fn.descendantsOfType('await_expression').find((a): a is Node => !!a && a.startIndex >= call.endIndex && enclosingFunction(a, 'typescript')?.id === fn.id);
  if (!awaited) return undefined;
  return kept !== undefined && awaited.namedChildren[0]?.text === kept ? undefined : awaited;
}

/**
 * A task pool the call hands a function to, when its tasks run several at a time: `queue.add(fn)` / `addAll` of a
 * `new PQueue(...)` (p-queue: any number at once unless `concurrency` says), `limit(fn)` of a `pLimit(n)` (p-limit). A
 * literal concurrency of 1 runs them one at a time. Describes the pool for a message, else undefined.
 */
function concurrentPool(callee: Node, qualified: string | undefined, semantics: TsSemantics): string | undefined {
  if (qualified === 'p-queue.add' || qualified === 'p-queue.addAll') {
    const queue = callee.type === 'member_expression' ? callee.childForFieldName('object') : null;
    const made = queue ? semantics.constValue(queue) : undefined;
    if (made?.type !== 'new_expression') return `\`${queue?.text ?? 'the queue'}\` (p-queue)`;
    const options = made.childForFieldName('arguments')?.namedChildren[0];
    const concurrency = options?.type === 'object' ? options.namedChildren.find((p) => p?.type === 'pair' && p.childForFieldName('key')?.text === 'concurrency')?.childForFieldName('value') : undefined;
    if (concurrency?.type === 'number' && Number(concurrency.text) <= 1) return undefined;
    return `\`${queue!.text}\` (p-queue, ${concurrency ? `concurrency \`${concurrency.text}\`` : 'no limit'})`;
  }
  if (callee.type !== 'identifier') return undefined;
  const made = semantics.constValue(callee);
  if (made?.type !== 'call_expression' || !['p-limit', 'p-limit.default', 'p-limit.pLimit'].includes(semantics.calleeName(made) ?? '')) return undefined;
  const limit = made.childForFieldName('arguments')?.namedChildren[0];
  if (!limit || (limit.type === 'number' && Number(limit.text) <= 1)) return undefined;
  return `\`${callee.text}\` (p-limit, at most \`${limit.text}\` at once)`;
}

/** Hot evidence from one use of the function (`use` is the function itself or a reference to it). */
export function tsHotUse(use: Node, fn: Node, source: ContextSource, semantics: TsSemantics | undefined): ConcurrencyContext | undefined {
  const around = unwrapUp(use);
  const call = callOfArguments(around.holder);
  if (call) {
    const callee = call.childForFieldName('function');
    const { object, property } = memberName(callee);
    const qualified = semantics?.calleeName(call);
    if (qualified && SERVER_FACTORIES.has(qualified)) {
      return hot(`runs for every request: the handler of \`${callee!.text}\` at ${where(source, call)}`, callee!);
    }
    if (callee?.type === 'identifier' && callee.text === 'setInterval' && qualified === 'global.setInterval') {
      return hot(`runs periodically beside the rest of the program: the callback of \`setInterval\` at ${where(source, call)}`, callee);
    }
    if (qualified && PROMISE_COMBINATORS.has(qualified)) {
      return hot(`runs alongside other promises of \`${callee!.text}\` at ${where(source, call)}`, callee!);
    }
    const pool = callee && semantics ? concurrentPool(callee, qualified, semantics) : undefined;
    if (pool) return hot(`runs beside the other tasks of ${pool}, handed over at ${where(source, call)}`, callee!);
    if (object && property) {
      const receiver = object.type === 'member_expression' ? object.childForFieldName('property')?.text : object.type === 'identifier' ? object.text : undefined;
      const routeChain = object.type === 'call_expression' && memberName(object.childForFieldName('function')).property === 'route';
      if (ROUTE_METHODS.has(property) && property !== 'on' && ((receiver && ROUTER_NAME.test(receiver)) || routeChain)) {
        return hot(`runs for every request: registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
      }
      if (property === 'use' && (receiver === 'middlewares' || (receiver && ROUTER_NAME.test(receiver)))) {
        return hot(`runs for every request: middleware registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
      }
      const event = call.childForFieldName('arguments')?.namedChildren[0];
      if (LISTENER_METHODS.has(property) && object.text !== 'process' && !(event?.type === 'string' && END_EVENTS.has(event.text.slice(1, -1)))) {
        const named = event?.type === 'string' ? ` \`${event.text.slice(1, -1)}\`` : event && constantEventName(event) ? ` \`${event.text}\`` : '';
        // `once(...)`, `addEventListener(type, f, { once: true })` and an emitter's one-time events run the listener once,
        // named by a string or by a constant that spells it (`Events.LISTENING`).
        const onceOnly = property === 'once' || (property === 'addEventListener' && onceOption(call.childForFieldName('arguments')?.namedChildren[2]));
        const oneTime = event?.type === 'string' ? ONE_TIME_EVENTS.has(event.text.slice(1, -1)) : event !== undefined && event !== null && ONE_TIME_EVENTS.has(constantEventName(event) ?? '');
        const once = onceOnly || oneTime;
        const when = onceOnly ? `runs once, at the first${named} event,` : oneTime ? `runs once, at the${named} event,` : `runs on every${named} event`;
        const found = hot(`${when} while the program goes on: a listener registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
        return once ? { ...found, once } : found;
      }
    }
    // `store.subscribe(fn)` (Redux and Svelte stores, observables): the function runs on each change while the program
    // goes on. Only as the first argument: a callback after a topic (`client.subscribe(topic, done)`) answers once.
    if (property === 'subscribe' && call.childForFieldName('arguments')?.namedChildren[0]?.id === around.outer.id) {
      return hot(`runs on every change it is subscribed to while the program goes on: registered with \`${callee!.text}\` at ${where(source, call)}`, callee!);
    }
    // `Promise.all(xs.map(async (x) => ...))`, `Promise.all(xs.map(load))`.
    const combinator = tsCombinatorAround(use, semantics);
    if (combinator) return hot(`runs alongside other promises of \`${combinator.text}\` at ${where(source, combinator)}`, combinator);
    // `xs.forEach(async (x) => ...)`: every element's run starts before the last one ends.
    if (property && PER_ELEMENT_METHODS.has(property) && isAsyncFunction(fn) && call.childForFieldName('arguments')?.namedChildren[0]?.id === around.outer.id) {
      return hot(`runs beside its runs for the other elements: \`${callee!.text}\` at ${where(source, call)} starts it for each element without waiting for the one before`, callee!);
    }
    return undefined;
  }
  const strategy = passportStrategyOf(around.holder, semantics);
  if (strategy) return hot(`runs for every sign-in request: the verify callback of the passport strategy \`new ${strategy.text}(...)\` at ${where(source, strategy)}`, strategy);
  if (use.id !== fn.id) return undefined;
  // `for (...) promises.push((async () => { ... })())`: each pass starts another run before the last one ends.
  const { outer: written, holder: invoked } = unwrapUp(fn);
  if (invoked?.type === 'call_expression' && invoked.childForFieldName('function')?.id === written.id && isAsyncFunction(fn)) {
    const loop = startedPerIterationWithoutWaiting(invoked);
    if (loop) return hot(`runs beside its other runs: the loop at ${where(source, loop)} starts this function on every pass without waiting for the one before`, loop);
  }
  // `{ handler: async () => ... }` given to `fastify.route(...)`/`Bun.serve(...)`, or a plugin hook method.
  const hook = fn.type === 'method_definition' ? fn.childForFieldName('name')
    : invoked?.type === 'pair' ? invoked.childForFieldName('key') : undefined;
  const object = hook ? (fn.type === 'method_definition' ? fn.parent : invoked!.parent) : undefined;
  if (!hook || object?.type !== 'object') return undefined;
  const holderCall = callOfArgument(object);
  if (holderCall && (hook.text === 'fetch' || hook.text === 'handler')) {
    const qualified = semantics?.calleeName(holderCall);
    const { object: receiver, property } = memberName(holderCall.childForFieldName('function'));
    if ((qualified && SERVER_FACTORIES.has(qualified)) || (property === 'route' && receiver && ROUTER_NAME.test(receiver.text))) {
      return hot(`runs for every request: the \`${hook.text}\` of \`${holderCall.childForFieldName('function')!.text}\` at ${where(source, holderCall)}`, hook);
    }
  }
  // `transform() {}`, `transform: async () => {}`, or the `transform: { filter, handler() {} }` form.
  const plugin = pluginHookOf(fn);
  if (plugin && PLUGIN_HOOKS.has(plugin.hook.text) && isPluginObject(plugin.object)) {
    return hot(`runs for every module the bundler or dev server processes: the plugin hook \`${plugin.hook.text}\` at ${where(source, plugin.hook)}`, plugin.hook);
  }
  return undefined;
}

/**
 * The constructor of a passport strategy whose arguments `args` are (a use handed to `new GoogleStrategy(options, verify)`): passport calls a
 * strategy's verify callback on every authentication request. Strategies are the packages named `passport-*` (the
 * ecosystem's convention: `passport-local`, `passport-jwt`, `@scope/passport-saml`).
 */
function passportStrategyOf(args: Node | null, semantics: TsSemantics | undefined): Node | undefined {
  const made = args?.type === 'arguments' && args.parent?.type === 'new_expression' ? args.parent : undefined;
  const qualified = made && semantics?.calleeName(made);
  if (!qualified) return undefined;
  const lastSegment = qualified.slice(qualified.lastIndexOf('/') + 1);
  const module = lastSegment.split('.')[0];
  return module.startsWith('passport-') ? made.childForFieldName('constructor') ?? undefined : undefined;
}

/** The event a constant names, as an emitter spells it: `Events.LISTENING`, `READY` -> 'listening', 'ready'. */
function constantEventName(event: Node): string | undefined {
  const name = event.type === 'member_expression' ? event.childForFieldName('property')?.text : event.type === 'identifier' ? event.text : undefined;
  return name && /^[A-Z][A-Z_]*$/.test(name) ? name.toLowerCase() : undefined;
}

/** An `addEventListener` options object that says `once: true`. */
function onceOption(options: Node | null | undefined): boolean {
  if (options?.type !== 'object') return false;
  return options.namedChildren.some((p) => p?.type === 'pair' && p.childForFieldName('key')?.text === 'once' && p.childForFieldName('value')?.type === 'true');
}

/** Work that keeps running after the statement that starts it: a server, a timer, listeners, a watcher. */
export const TS_STARTS_CONCURRENT_WORK = new Set(['listen', 'createServer', 'serve', 'setInterval', 'watch', 'on', 'once', 'addEventListener', 'spawn', 'fork', 'Worker']);
/** Python calls that leave tasks or a server running past the statement that makes them. */
export const PY_STARTS_CONCURRENT_WORK = new Set(['create_task', 'ensure_future', 'TaskGroup', 'start_soon', 'start_server', 'serve_forever', 'run_app', 'serve']);

/** True when `node` makes a call (or `new`) whose callee's last name is in `names`: it starts work that keeps running. */
export function startsConcurrentWork(node: Node, language: Language, names: ReadonlySet<string>): boolean {
  return node.descendantsOfType(callTypes(language)).some((call) => call !== null && callStartsWork(call, names));
}

/** The node types `startsConcurrentWork` looks at. */
export function callTypes(language: Language): string[] {
  return language === 'python' ? ['call'] : ['call_expression', 'new_expression'];
}

/** One call (or `new`, of `callTypes`) whose callee's last name is in `names`. */
export function callStartsWork(call: Node, names: ReadonlySet<string>): boolean {
  const callee = call.childForFieldName(call.type === 'new_expression' ? 'constructor' : 'function');
  const last = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text
    : callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
  return last !== undefined && names.has(last);
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
  for (const use of identifierUses(source.root, name, fn)) {
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
  } else {
    const pair = unwrapUp(fn).holder;
    if (pair?.type === 'pair') {
      key = pair.childForFieldName('key') ?? undefined;
      object = pair.parent ?? undefined;
    }
  }
  if (!key || object?.type !== 'object') return undefined;
  // The `{ order, sequential, handler }` form: the hook is the key the object is the value of.
  const pair = key.text === 'handler' ? unwrapUp(object).holder : null;
  if (pair?.type === 'pair') {
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

/** Command-line argument parsers and terminal prompts: a module importing one is a command's steps, run one at a time. */
const TS_COMMAND_MODULES = new Set([
  'commander', 'yargs', 'sade', 'cac', 'meow', 'citty', 'clipanion', 'minimist', 'mri', 'arg', 'prompts', 'enquirer',
  'inquirer', '@inquirer/prompts', '@clack/prompts', 'node:readline/promises', 'readline/promises',
]);
const PY_COMMAND_MODULES = new Set(['argparse', 'click', 'asyncclick', 'typer', 'cloup', 'rich_click', 'cyclopts', 'arguably', 'docopt', 'fire', 'questionary', 'InquirerPy']);

/**
 * Facts about a whole module, found once per tree and asked for once per function: a scan of the top-level statements
 * for each of a file's 3,000 functions made the weighing quadratic (5.8 s for such a file).
 */
export interface ModuleFacts { runsAsCommand?: boolean; commandImport?: Node | null; mainEntry?: { run: Node; main: string } | null; testImport?: Node | null }
const moduleFacts = new WeakMap<Tree, ModuleFacts>();

/**
 * What a tree's module-level code showed that a later tree with the same code outside functions shows too (an edit
 * inside a function): the facts that hold no node (none found, or a yes/no).
 */
export function keptModuleFacts(tree: Tree): ModuleFacts | undefined {
  const facts = moduleFacts.get(tree);
  if (!facts) return undefined;
  const kept: ModuleFacts = {};
  if (facts.runsAsCommand !== undefined) kept.runsAsCommand = facts.runsAsCommand;
  if (facts.commandImport === null) kept.commandImport = null;
  if (facts.testImport === null) kept.testImport = null;
  if (facts.mainEntry === null) kept.mainEntry = null;
  return kept;
}

/** Gives `tree` the module facts of an earlier tree whose code outside functions is the same. */
export function carryModuleFacts(tree: Tree, facts: ModuleFacts): void {
  if (!moduleFacts.has(tree)) moduleFacts.set(tree, { ...facts });
}

function factsOfModule(root: Node): ModuleFacts {
  let facts = moduleFacts.get(root.tree);
  if (!facts) moduleFacts.set(root.tree, facts = {});
  return facts;
}

/** A module of a command-line tool (it parses arguments or prompts): its async functions that start no server are steps. */
function commandModule(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const facts = factsOfModule(source.root);
  if (source.language === 'python') {
    const runsAsCommand = facts.runsAsCommand ??= pythonRunsAsCommand(source.root, source.text);
    // In a module run as a command, a function asking at the terminal is an interactive step (in a server it is a bug).
    const prompt = runsAsCommand ? pythonPrompt(fn, source) : undefined;
    if (prompt) return prompt;
    const module = facts.commandImport === undefined ? (facts.commandImport = importedModule(source.root, PY_COMMAND_MODULES, source.text) ?? null) : facts.commandImport;
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
function pythonRunsAsCommand(root: Node, text: string): boolean {
  // Found by text first, then confirmed by the tree: most modules spell none of these words (no walk of every statement).
  if (!text.includes('__main__') && !text.includes('command') && !text.includes('group')) return false;
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
function importedModule(root: Node, modules: ReadonlySet<string>, text: string): Node | undefined {
  // Found by text first, then confirmed by the tree: a module whose name the file never spells is not imported.
  if (![...modules].some((name) => text.includes(name))) return undefined;
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

/** A plugin object: it has a `name` and is returned, exported or listed (`return { name, transform() {} }`). */
function isPluginObject(object: Node): boolean {
  const named = object.namedChildren.some((p) => (p?.type === 'pair' && p.childForFieldName('key')?.text === 'name') || (p?.type === 'shorthand_property_identifier' && p.text === 'name'));
  if (!named) return false;
  const { outer, holder } = unwrapUp(object);
  return holder?.type === 'return_statement' || holder?.type === 'array' || holder?.type === 'export_statement'
    || (holder?.type === 'arrow_function' && holder.childForFieldName('body')?.id === outer.id)
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
      const what = name === 'loop' ? 'runs periodically beside the rest of the program'
        : ['command', 'event', 'on', 'on_message', 'subscriber', 'consumer', 'handler'].includes(name) || name.startsWith('message') || name.startsWith('callback') ? 'runs for every message or event it receives' : 'runs for every request';
      return hot(`${what}: registered with \`@${dotted.text}\` at ${where(source, decorator)}`, decorator);
    }
  }
  const name = pythonName(fn);
  if (name) {
    const semantics = source.python?.();
    for (const use of identifierUses(source.root, name, fn)) {
      // A use that denotes another function of the same name (one nested elsewhere, or the module's) is that one's.
      const resolved = semantics?.resolve(use);
      if (resolved?.kind === 'local' && resolved.node.type === 'function_definition' && resolved.node.id !== fn.id) continue;
      const found = fromUse(source, 'hot', use, () => pythonHotUse(use, source, semantics));
      if (found) return found;
    }
  }
  return pythonClassHandler(fn, source) ?? pythonServingLoop(fn, source);
}

/** Hot evidence from one use of a function's name: a handler registered by reference, or a coroutine started as a task. */
/** Signal handlers of a tree, found once per tree. */
const signalHandlersByTree = new WeakMap<Tree, Map<number, Node>>();

/**
 * The Python functions the file registers as signal handlers (`signal.signal(SIGINT, on_interrupt)`,
 * `loop.add_signal_handler(SIGTERM, stop)`), by node id, with the registering call: they run when the process is
 * interrupted or told to stop.
 */
export function signalHandlers(source: ContextSource): Map<number, Node> {
  const tree = source.root.tree;
  let handlers = signalHandlersByTree.get(tree);
  if (handlers) return handlers;
  handlers = new Map<number, Node>();
  signalHandlersByTree.set(tree, handlers);
  // Most files never name a signal: no walk over their calls (an edit re-reads its tree).
  const semantics = source.text.includes('signal') ? source.python?.() : undefined;
  if (!semantics) return handlers;
  for (const call of source.root.descendantsOfType('call')) {
    const callee = call?.childForFieldName('function');
    const last = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    if (!call || (last !== 'signal' && last !== 'add_signal_handler')) continue;
    if (last === 'signal' && semantics.calleeName(call) !== 'signal.signal') continue;
    const handler = call.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type !== 'comment')[1];
    // `loop.add_signal_handler(SIGTERM, lambda: asyncio.ensure_future(self.shutdown()))`: the lambda is the handler.
    if (handler?.type === 'lambda') {
      handlers.set(handler.id, call);
      continue;
    }
    const resolved = handler?.type === 'identifier' || handler?.type === 'attribute' ? semantics.resolve(handler) : undefined;
    if (resolved?.kind === 'local' && resolved.node.type === 'function_definition') handlers.set(resolved.node.id, call);
  }
  return handlers;
}

/** The registration of the signal handler `node` sits in (or in a function nested in one), if it does. */
function signalHandlerAround(node: Node, source: ContextSource): Node | undefined {
  const handlers = signalHandlers(source);
  if (!handlers.size) return undefined;
  // Up through the functions and lambdas around the node (a handler may be either).
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING * 8; current = current.parent, steps++) {
    if (current.type !== 'function_definition' && current.type !== 'lambda') continue;
    const registered = handlers.get(current.id);
    if (registered) return registered;
  }
  return undefined;
}

export function inSignalHandler(node: Node, source: ContextSource): boolean {
  return signalHandlerAround(node, source) !== undefined;
}

/**
 * The signal handler registration through which alone a nested Python function runs: every use of its name is in a
 * signal handler (`def on_int(*_): asyncio.create_task(cleanup())`). Undefined otherwise.
 */
export function usedOnlyBySignalHandlers(fn: Node, source: ContextSource): Node | undefined {
  if (!signalHandlers(source).size) return undefined;
  const name = fn.childForFieldName('name')?.text;
  const uses = name ? identifierUses(source.root, name, fn) : [];
  if (!uses.length || uses.length >= MAX_REFERENCES) return undefined;
  let registered: Node | undefined;
  for (const use of uses) {
    registered = signalHandlerAround(use, source);
    if (!registered) return undefined;
  }
  return registered;
}

/** asyncio's calls that have the loop call a plain function later, by the position of that function among their arguments. */
const PY_LOOP_CALLBACKS = new Map([['call_soon', 0], ['call_soon_threadsafe', 0], ['call_later', 1], ['call_at', 1], ['add_done_callback', 0], ['add_reader', 1], ['add_writer', 1]]);

/** Whether the file names one of those calls: without one, no function of it is handed to the loop that way (a cheap text test). */
export function mayScheduleOnLoop(text: string): boolean {
  for (const method of PY_LOOP_CALLBACKS.keys()) if (text.includes(method)) return true;
  return false;
}

/** `loop.call_later(5, self.flush)`: the function the loop will call, given by name (`f`, `self.f`, `obj.f`). */
function pythonLoopCallbackUse(use: Node, source: ContextSource): ConcurrencyContext | undefined {
  const reference = use.parent?.type === 'attribute' && use.parent.childForFieldName('attribute')?.id === use.id ? use.parent : use;
  const args = reference.parent;
  const call = args?.type === 'argument_list' ? args.parent : undefined;
  const callee = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
  const position = method === undefined ? undefined : PY_LOOP_CALLBACKS.get(method);
  if (position === undefined || args!.namedChildren[position]?.id !== reference.id) return undefined;
  return { ...hot(`runs on the event loop, beside its tasks: the loop calls it, as scheduled with \`${callee!.text}\` at ${where(source, call!)}`, callee!), onLoop: true };
}

export function pythonHotUse(use: Node, source: ContextSource, semantics: PythonSemantics | undefined): ConcurrencyContext | undefined {
  const onLoop = pythonLoopCallbackUse(use, source);
  if (onLoop) return onLoop;
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
    // A task a signal handler starts runs when the process is stopping: beside nothing that matters any more.
    if (starter && !inSignalHandler(parent, source)) return hot(`runs concurrently with other tasks: started with \`${starter.text}\` at ${where(source, starter)}`, starter);
  }
  return undefined;
}

/** Awaited calls that wait for work from elsewhere: a queue's item, a socket's message, a stream's line, a timer. */
const RECEIVES = new Set(['get', 'recv', 'receive', 'receive_json', 'receive_text', 'receive_bytes', 'read', 'readline', 'readexactly', 'readuntil', 'accept', 'sleep', 'wait', 'wait_for', 'getmany', 'fetch', 'xread', 'xreadgroup', 'blpop', 'brpop']);

/** HTTP methods a class-based handler defines (Tornado `RequestHandler`, Django and aiohttp views, Starlette endpoints). */
const HTTP_METHODS = new Set(['get', 'post', 'put', 'delete', 'patch', 'head', 'options']);

/**
 * Methods a socket framework calls for every message, by the ending of the base class's name: Tornado's
 * `WebSocketHandler.on_message`, Starlette's `WebSocketEndpoint.on_receive`, Channels' `AsyncWebsocketConsumer.receive`.
 */
const SOCKET_MESSAGE_METHODS: readonly [RegExp, ReadonlySet<string>][] = [
  [/Handler$/, new Set(['on_message'])],
  [/Endpoint$/, new Set(['on_receive'])],
  [/Consumer$/, new Set(['receive', 'receive_json'])],
];

/**
 * `async def get(self)` in a class deriving from a `...Handler`, `...View` or `...Endpoint` base: the framework calls it
 * per request; a socket handler's message method (`on_message` of a `...Handler`, ...), per message.
 */
function pythonClassHandler(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const name = pythonName(fn);
  if (!name) return undefined;
  let holder = fn.parent;
  if (holder?.type === 'decorated_definition') holder = holder.parent;
  const cls = holder?.type === 'block' ? holder.parent : undefined;
  if (cls?.type !== 'class_definition') return undefined;
  const bases = cls.childForFieldName('superclasses')?.namedChildren ?? [];
  const shown = (base: Node) => `the \`${name}\` method of \`${cls.childForFieldName('name')?.text}(${base.text})\` at ${where(source, fn)}`;
  if (HTTP_METHODS.has(name)) {
    const base = bases.find((b) => b && /(Handler|View|Endpoint)$/.test(lastName(b) ?? ''));
    if (base) return hot(`runs for every request: ${shown(base)}`, fn.childForFieldName('name') ?? fn);
  }
  const socket = bases.find((b) => b && SOCKET_MESSAGE_METHODS.some(([ending, methods]) => methods.has(name) && ending.test(lastName(b) ?? '')));
  return socket ? hot(`runs for every message on the socket: ${shown(socket)}`, fn.childForFieldName('name') ?? fn) : undefined;
}

/**
 * `while True:` (or `while self.running:`) in the function's own body with an `await` inside: a long-running loop that
 * gives way to other tasks at each turn, so they are in flight while it runs (a consumer, a poller, a connection's reader).
 */
function pythonServingLoop(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  if (!fn.children.some((c) => c?.type === 'async')) return undefined;
  for (const statement of fn.childForFieldName('body')?.namedChildren ?? []) {
    if (statement?.type !== 'while_statement') continue;
    const condition = statement.childForFieldName('condition');
    const endless = condition?.type === 'true' || (condition?.type === 'attribute' && condition.childForFieldName('object')?.text === 'self') || (condition?.type === 'not_operator');
    const body = statement.childForFieldName('body');
    if (!endless || !body) continue;
    // What it waits for each turn comes from elsewhere (a queue, a socket, a timer), not from the terminal.
    const awaits = body.descendantsOfType('await').some((a) => a && enclosingFunction(a, 'python')?.id === fn.id && RECEIVES.has(lastName(a.namedChildren[0]) ?? ''));
    const asks = body.descendantsOfType('call').some((c) => c && lastName(c.childForFieldName('function')) === 'input');
    if (awaits && !asks) return hot(`runs a loop that awaits at each turn (\`while\` at ${where(source, statement)}), beside the tasks it waits on`, statement.child(0) ?? statement);
  }
  return undefined;
}

/**
 * The callee of `asyncio.gather(...)`/`create_task(...)` whose arguments hold the coroutine call `call`, also through a
 * list or name it is kept in first (`tasks = [fetch(u) for u in urls]` or `tasks.append(fetch(u))`, then
 * `asyncio.gather(*tasks)` in the same function). `through`: how many such names may be followed.
 */
export function pythonTaskStarter(call: Node, semantics: PythonSemantics | undefined, through = 1): Node | undefined {
  let current: Node = call;
  // Up through `*[f(x) for x in xs]` or a list to the starter's arguments (a few levels at most).
  for (let depth = 0; depth < 5 && current.parent; depth++) {
    const parent: Node = current.parent;
    if (parent.type === 'argument_list' && parent.parent?.type === 'call') {
      const starter = parent.parent;
      const callee = starter.childForFieldName('function');
      const qualified = semantics?.calleeName(starter);
      if (callee && ((qualified && PY_TASK_STARTERS.has(qualified)) || (callee.type === 'attribute' && PY_TASK_METHODS.has(lastName(callee) ?? '')))) return callee;
      const list = callee?.type === 'attribute' && (lastName(callee) === 'append' || lastName(callee) === 'extend') ? callee.childForFieldName('object') : undefined;
      return through > 0 && list?.type === 'identifier' ? laterUseHandedTo(list, 'python', (use) => pythonTaskStarter(use, semantics, through - 1)) : undefined;
    }
    if (parent.type === 'assignment' && parent.childForFieldName('right')?.id === current.id) {
      const name = parent.childForFieldName('left');
      return through > 0 && name?.type === 'identifier' ? laterUseHandedTo(name, 'python', (use) => pythonTaskStarter(use, semantics, through - 1)) : undefined;
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
  const mainFn = fileIndex(source.root).topLevel.get(main);
  // A main that starts tasks or a server has work in flight while it goes on: not a sequential entry point.
  if (!mainFn || startsConcurrentWork(mainFn, 'python', PY_STARTS_CONCURRENT_WORK)) return undefined;
  const evidence = { kind: 'cold' as const, evidence: { message: `it runs once, in sequence, from \`${run.text}\` at ${where(source, run)}`, range: rangeOf(run) } };
  if (main === name) return evidence;
  // Every use of the name is `await name(...)` as a statement of main's own body (or an assignment of one).
  if (useCount(source.root, name) > MAX_REFERENCES) return undefined;
  let awaited = 0;
  for (const use of identifierUses(source.root, name, fn)) {
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
  const decorated = lifecycleDecorator(fn, source);
  if (decorated) return decorated;
  for (const use of identifierUses(source.root, name, fn)) {
    const found = fromUse(source, 'lifecycle', use, () => lifecycleUse(use, source));
    if (found) return found;
  }
  return undefined;
}

/** Decorators of start-up and shut-down hooks: FastAPI `@app.on_event("startup")`, Quart `@app.before_serving`, Sanic `@app.listener("before_server_start")`. */
const PY_LIFECYCLE_DECORATORS = new Set(['on_event', 'before_serving', 'after_serving', 'listener', 'on_startup', 'on_shutdown', 'on_cleanup', 'before_first_request']);

function lifecycleDecorator(fn: Node, source: ContextSource): ConcurrencyContext | undefined {
  const definition = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  for (const decorator of definition?.namedChildren ?? []) {
    const expression = decorator?.type === 'decorator' ? decorator.namedChildren[0] : undefined;
    const name = lastName(expression);
    if (!decorator || !name || !PY_LIFECYCLE_DECORATORS.has(name)) continue;
    const argument = expression?.type === 'call' ? expression.childForFieldName('arguments')?.namedChildren[0] : undefined;
    // `@app.on_event("startup")`, `@app.listener("before_server_start")`: by the event's name; the others by their own.
    const event = argument?.type === 'string' ? argument.text.slice(1, -1) : '';
    if ((name === 'on_event' || name === 'listener') && !/start|stop|shutdown|close/.test(event)) continue;
    return { kind: 'cold', evidence: { message: `it runs once, at the application's start-up or shut-down (\`@${expression!.text.length > 40 ? name : expression!.text}\` at ${where(source, decorator)})`, range: rangeOf(decorator) } };
  }
  return undefined;
}

/** Cold evidence from one use of a function's name: registered as a start-up or shut-down hook. */
export function lifecycleUse(use: Node, source: ContextSource): ConcurrencyContext | undefined {
  const call = use.parent?.type === 'argument_list' ? use.parent.parent : undefined;
  const callee = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const list = callee?.type === 'attribute' && lastName(callee) === 'append' ? lastName(callee.childForFieldName('object')) : undefined;
  if (list === 'on_startup' || list === 'on_cleanup' || list === 'on_shutdown') {
    return { kind: 'cold', evidence: { message: `it runs once, ${list === 'on_startup' ? 'before the server serves' : 'after the server stopped serving'} (\`${callee!.text}\` at ${where(source, call!)})`, range: rangeOf(callee!) } };
  }
  // FastAPI/Starlette `FastAPI(lifespan=f)`, `Starlette(on_startup=[f])`: start-up before serving, shut-down after it.
  const keyword = use.parent?.type === 'keyword_argument' ? use.parent
    : use.parent?.type === 'list' && use.parent.parent?.type === 'keyword_argument' ? use.parent.parent : undefined;
  const key = keyword?.childForFieldName('name')?.text;
  if (keyword && (key === 'lifespan' || key === 'on_startup' || key === 'on_shutdown')) {
    return { kind: 'cold', evidence: { message: `it runs once, at the application's start-up or shut-down (\`${key}=\` at ${where(source, keyword)})`, range: rangeOf(keyword) } };
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
