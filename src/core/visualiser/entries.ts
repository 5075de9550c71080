// Entry points: where the visualiser can start a model. The module body (always), every function or method, and the
// places a program is driven from: framework handlers and listeners (from the context layer's evidence), thread targets,
// `run()` of Thread/Process subclasses, and the calls that run an event loop or a server.
import type { Node } from 'web-tree-sitter';
import { contextOf, ownContext, type ContextSource } from '../context';
import { MAX_NESTING } from '../locate';
import { isAsyncFunction as isAsyncPy, type PythonSemantics } from '../python/semantics';
import { linesOfTree, rangeOf } from '../text';
import { FUNCTION_TYPES, isAsyncFunction as isAsyncTs, type TsSemantics } from '../ts/semantics';
import type { Language, Range } from '../types';

export type EntryKind =
  | 'module' // the module body
  | 'handler' // a request, bot or socket handler a framework registers: runs once per arrival
  | 'listener' // an event or message listener: runs once per event
  | 'task' // a coroutine or promise run beside others (gather, create_task, Promise.all)
  | 'thread-target' // a function a thread, process or pool runs
  | 'run-method' // run() of a Thread/Process subclass
  | 'loop' // a call that runs an event loop or a server (asyncio.run, run_until_complete, app.listen, Deno.serve...)
  | 'function'; // any other function or method

export interface EntryPoint {
  /** Stable across edits that move code: kind, name and a counter for repeated names. */
  id: string;
  kind: EntryKind;
  /** Shown in the picker: "GET /items: read_items", "KeepAlive.run()", "asyncio.run(main())". */
  label: string;
  /** The function (or call) the model starts from. */
  range: Range;
  async: boolean;
  /** Why it is this kind (the context layer's evidence for handlers, listeners and tasks). */
  evidence?: string;
  /** Handlers and listeners run once per arrival: the model starts 10 of them by default. */
  arrivals?: boolean;
  /** A listener registered to run at most one time (`emitter.once`, `addEventListener(..., { once: true })`): one arrival. */
  once?: boolean;
  /** A code lens is worth showing over it. */
  lens?: boolean;
  /** A loop call that starts a server (uvicorn.run, app.listen, Deno.serve): its model is a handler's arrivals. */
  server?: boolean;
}

/** Where a file's entries are read from: its tree and name resolution, as the rules see them. */
export interface EntrySource {
  language: Language;
  root: Node;
  text: string;
  path?: string;
  python?(): PythonSemantics;
  ts?(): TsSemantics;
  readFile?: (path: string) => string | undefined;
  listFiles?: (near: string) => readonly string[];
}

/** Functions listed per file: a huge file lists its first ones (every function stays reachable by line). */
export const MAX_ENTRIES = 400;

/** Entry kinds a code lens is drawn over. */
const LENS_KINDS: ReadonlySet<EntryKind> = new Set(['handler', 'listener', 'thread-target', 'run-method', 'loop']);

/** The order of the picker: what drives the program first. */
const KIND_ORDER: EntryKind[] = ['module', 'loop', 'handler', 'listener', 'task', 'thread-target', 'run-method', 'function'];

/**
 * How the context layer's evidence names a hot function: this is the one place that reads it, so a structured kind
 * from that layer can replace it without touching the rest of the visualiser.
 */
export function hotKind(evidence: string): EntryKind {
  if (/request|route|middleware|handler of|`fetch`|`handler`/.test(evidence)) return 'handler';
  if (/message|event|listener/.test(evidence)) return 'listener';
  return 'task';
}

/** Whether the evidence is of a listener that runs at most one time (`once`): read here, beside `hotKind`. */
export function hotOnce(evidence: string): boolean {
  return /^runs once\b/.test(evidence);
}

/**
 * Why `fn` runs beside other work, from the context layer; plus registrations that layer does not classify yet
 * (`@sio.on("event")`), found here until it does.
 */
function hotEvidence(fn: Node, source: ContextSource, ownOnly = false): string | undefined {
  try {
    const context = ownOnly ? ownContext(fn, source) : contextOf(fn, source);
    // Hot only through a caller or an enclosing function: it runs beside that work, but is no entry point of its own.
    if (context.kind === 'hot' && context.evidence && !context.inherited) return context.evidence.message;
  } catch {
    // The context layer failed on odd code: the function is still an entry, as a plain function.
  }
  if (source.language !== 'python') return undefined;
  for (const d of fn.parent?.type === 'decorated_definition' ? fn.parent.namedChildren : []) {
    const call = d?.type === 'decorator' ? d.namedChildren[0] : undefined;
    const callee = call?.type === 'call' ? call.childForFieldName('function') : undefined;
    const first = call?.childForFieldName('arguments')?.namedChildren[0];
    if (callee?.type === 'attribute' && callee.childForFieldName('attribute')?.text === 'on' && first?.type === 'string') {
      return `runs on every \`${stringValue(first)}\` event or message: a listener registered with \`@${callee.text}\``;
    }
    // discord.ext.tasks: `@tasks.loop(seconds=60)` runs the coroutine periodically beside the bot's handlers.
    let name: string | undefined;
    try {
      name = call?.type === 'call' ? source.python?.().calleeName(call) : undefined;
    } catch {
      name = undefined;
    }
    if (name === 'discord.ext.tasks.loop') return `runs periodically beside the bot's other handlers: a background task declared with \`@${callee!.text}(...)\``;
  }
  // discord.py calls a client's `on_<event>` coroutines for every event it receives.
  const method = fn.childForFieldName('name')?.text;
  const block = fn.parent?.type === 'decorated_definition' ? fn.parent.parent : fn.parent;
  const cls = block?.parent;
  const response = djangoResponse(fn, source);
  if (response) return `runs for every request: a Django view (it returns \`${response}\`), called by the server's threads`;
  // http.server and socketserver call a handler class's `do_GET`/`handle` once per request, on the server's thread for it.
  if (method && REQUEST_HANDLER_METHOD.test(method) && cls?.type === 'class_definition') {
    let bases: string[] = [];
    try {
      bases = source.python?.().baseTypes(cls) ?? [];
    } catch {
      bases = [];
    }
    const base = bases.find((b) => REQUEST_HANDLER_BASES.has(b));
    const protocol = base === 'socketserver.BaseRequestHandler' || base === 'socketserver.StreamRequestHandler' || base === 'socketserver.DatagramRequestHandler' ? method === 'handle' : method.startsWith('do_');
    if (base && protocol) return `runs for every request: the server calls \`${method}\` of a \`${base.slice(base.lastIndexOf('.') + 1)}\` subclass`;
  }
  if (method?.startsWith('on_') && cls?.type === 'class_definition' && fn.children.some((c) => c?.type === 'async')) {
    let bases: string[] = [];
    try {
      bases = source.python?.().baseTypes(cls) ?? [];
    } catch {
      bases = [];
    }
    if (bases.some((b) => DISCORD_CLIENTS.has(b))) return `runs on every \`${method.slice(3)}\` event the bot receives: discord.py calls this method of a \`discord.Client\` subclass`;
  }
  return undefined;
}

/** What a Django view returns: an HTTP response. Its functions whose `return` makes one are views the URLconf routes to. */
const DJANGO_RESPONSES = /^(django\.http(\.response)?\.\w*Response\w*|django\.shortcuts\.(render|redirect)|django\.template\.response\.TemplateResponse|rest_framework\.response\.Response)$/;

/** The response a module-level function returns, when it is a Django one (`render(request, ...)`, `HttpResponse(...)`). */
function djangoResponse(fn: Node, source: EntrySource | ContextSource): string | undefined {
  if (fn.parent?.type !== 'module' && !(fn.parent?.type === 'decorated_definition' && fn.parent.parent?.type === 'module')) return undefined;
  const sem = source.python?.();
  if (!sem) return undefined;
  for (const ret of fn.descendantsOfType('return_statement')) {
    const call = ret?.namedChildren[0];
    if (call?.type !== 'call') continue;
    let name: string | undefined;
    try {
      name = sem.calleeName(call);
    } catch {
      name = undefined;
    }
    if (name && DJANGO_RESPONSES.test(name)) return `${call.childForFieldName('function')?.text}(…)`;
  }
  return undefined;
}

/** Methods a standard-library request handler class defines: `do_GET` (http.server), `handle` (socketserver). */
const REQUEST_HANDLER_METHOD = /^(do_[A-Z]+|handle)$/;
const REQUEST_HANDLER_BASES = new Set([
  'http.server.BaseHTTPRequestHandler', 'http.server.SimpleHTTPRequestHandler', 'http.server.CGIHTTPRequestHandler',
  'socketserver.BaseRequestHandler', 'socketserver.StreamRequestHandler', 'socketserver.DatagramRequestHandler',
]);

/** Clients whose `on_<event>` methods discord.py calls per event. */
export const DISCORD_CLIENTS: ReadonlySet<string> = new Set(['discord.Client', 'discord.client.Client', 'discord.AutoShardedClient', 'discord.ext.commands.Bot', 'discord.ext.commands.AutoShardedBot', 'discord.ext.commands.bot.Bot']);

export function listEntryPoints(source: EntrySource): EntryPoint[] {
  const found: { node: Node; entry: Omit<EntryPoint, 'id'> }[] = [];
  const zero = { line: 0, column: 0 };
  const module: EntryPoint = { id: 'module', kind: 'module', label: 'Module body', range: { start: zero, end: zero }, async: false };
  const python = source.language === 'python';
  // One walk of the tree for every node type looked at (each walk marshals its nodes out of the parser).
  const fnTypes = python ? ['function_definition'] : [...FUNCTION_TYPES];
  const callType = python ? 'call' : 'call_expression';
  const argsType = python ? 'argument_list' : 'arguments';
  const nodes = source.root.descendantsOfType([...fnTypes, callType, argsType]).filter((n): n is Node => !!n);
  // Named nodes only: JavaScript's `function` keyword is an anonymous token of the same type name as a function.
  const fns = nodes.filter((n) => fnTypes.includes(n.type) && n.isNamed);
  const calls = nodes.filter((n) => n.type === callType);
  const argLists = nodes.filter((n) => n.type === argsType);
  const threadTargets = python ? pythonThreadTargets(source, calls) : new Set<number>();
  const contextSource: ContextSource = {
    language: source.language, root: source.root, text: source.text, path: source.path, readFile: source.readFile, listFiles: source.listFiles,
    ...(source.python ? { python: () => source.python!() } : {}), ...(source.ts ? { ts: () => source.ts!() } : {}),
  };
  const passed = namesPassedAround(argLists, python);
  // A Django views module: its functions are asked whether they return a response.
  const django = python && source.root.namedChildren.some((st) => st?.type === 'import_from_statement' && /^(django|rest_framework)\b/.test(st.childForFieldName('module_name')?.text ?? ''));
  for (const fn of fns) {
    if (!fn || found.length >= MAX_ENTRIES) break;
    const name = python ? pyName(fn) : tsName(fn);
    const registration = python ? undefined : tsRegistration(fn);
    if (!name && !registration) continue;
    const async = python ? isAsyncPy(fn) : isAsyncTs(fn);
    let kind: EntryKind = 'function';
    let evidence: string | undefined;
    // Only a function something could register is asked about: decorated, an inline callback, or named in a call's arguments.
    const own = fn.childForFieldName('name')?.text ?? (name ? name.slice(name.lastIndexOf('.') + 1) : undefined);
    const candidate = python ? fn.parent?.type === 'decorated_definition' || (own !== undefined && (passed.has(own) || own.startsWith('on_') || REQUEST_HANDLER_METHOD.test(own) || (django && fn.parent?.type !== 'block')))
      : registration ? !ARRAY_CALLBACK.has(calleeProperty(fn) ?? '') : own !== undefined && passed.has(own);
    // A thread's target is entered by its thread: only a registration of its own (not a hot caller) makes it more.
    const hot = candidate ? hotEvidence(fn, contextSource, threadTargets.has(fn.id)) : undefined;
    // Anonymous TS functions are entries only where something registers them to run per request or event.
    if (!name && !hot) continue;
    if (hot) {
      kind = hotKind(hot);
      evidence = hot;
    } else if (python && threadTargets.has(fn.id)) {
      kind = 'thread-target';
    } else if (python && name?.endsWith('.run') && isThreadSubclassMethod(fn, source)) {
      kind = 'run-method';
    }
    const label = python ? pyLabel(fn, name!, kind) : registration ? `${registration}${name ? `: ${name}` : ''}` : name!;
    found.push({
      node: fn,
      entry: {
        kind, label: kind === 'run-method' ? `${name}()` : label, range: rangeOf(fn), async,
        ...(evidence ? { evidence } : {}),
        ...(kind === 'handler' || kind === 'listener' ? { arrivals: true } : {}),
        ...(kind === 'listener' && evidence && hotOnce(evidence) ? { once: true } : {}),
        ...(LENS_KINDS.has(kind) || (kind === 'task' && async) ? { lens: true } : {}),
      },
    });
  }
  for (const call of loopCalls(source, calls)) {
    if (found.length >= MAX_ENTRIES) break;
    found.push({ node: call.node, entry: { kind: 'loop', label: call.label, range: rangeOf(call.node), async: false, lens: true, ...(call.server ? { server: true } : {}) } });
  }
  const counts = new Map<string, number>();
  const entries = found.map(({ entry }) => {
    const base = `${entry.kind}:${entry.label}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    return { id: n === 1 ? base : `${base}#${n}`, ...entry };
  });
  entries.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.range.start.line - b.range.start.line);
  return [module, ...entries];
}

/** The entry a line points at: the innermost function holding it (a loop call on that line first), else the module body. */
export function entryAtLine(entries: readonly EntryPoint[], line: number): EntryPoint {
  let best: EntryPoint | undefined;
  for (const e of entries) {
    if (e.kind === 'module' || line < e.range.start.line || line > e.range.end.line) continue;
    if (e.kind === 'loop' && e.range.start.line === line) return e;
    if (e.kind === 'loop') continue;
    if (!best || e.range.start.line > best.range.start.line || (e.range.start.line === best.range.start.line && e.range.end.line < best.range.end.line)) best = e;
  }
  return best ?? entries[0];
}

/** The syntax node an entry starts from (found again by its range: entries travel between processes as plain data). */
export function entryNode(root: Node, entry: EntryPoint, language: 'python' | 'ts'): Node | undefined {
  if (entry.kind === 'module') return undefined;
  // The entry's range is in the one line model: found by offsets, which tree-sitter and the editor agree on.
  const lines = linesOfTree(root.tree);
  if (!lines) return undefined;
  const start = lines.offsetAt(entry.range.start);
  let node: Node | null = root.descendantForIndex(start, lines.offsetAt(entry.range.end));
  const wanted = entry.kind === 'loop' ? (language === 'python' ? ['call'] : ['call_expression', 'new_expression'])
    : language === 'python' ? ['function_definition'] : [...FUNCTION_TYPES];
  for (let steps = 0; node && steps < MAX_NESTING; steps++, node = node.parent) {
    if (wanted.includes(node.type) && node.startIndex === start) return node;
  }
  return undefined;
}

/** Callbacks of array and promise methods: never registered to run per request or event. */
const ARRAY_CALLBACK = new Set(['map', 'forEach', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast', 'flatMap', 'sort', 'then', 'catch', 'finally']);

function calleeProperty(fn: Node): string | undefined {
  const call = fn.parent?.type === 'arguments' ? fn.parent.parent : undefined;
  const callee = call?.childForFieldName('function');
  return callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
}

/** Identifiers that appear inside some call's arguments (a handler passed by name, a coroutine given to gather). */
function namesPassedAround(argLists: readonly Node[], python: boolean): Set<string> {
  const out = new Set<string>();
  const add = (node: Node | null, depth: number): void => {
    if (!node || depth > 4) return;
    if (node.type === 'identifier' || node.type === 'property_identifier') out.add(node.text);
    else if (node.type === 'attribute' || node.type === 'member_expression') add(node.childForFieldName(python ? 'attribute' : 'property'), depth + 1);
    else if (node.type === 'call' || node.type === 'call_expression') add(node.childForFieldName('function'), depth + 1);
    else if (!FUNCTION_TYPES.has(node.type) && node.type !== 'lambda' && node.type !== 'string' && node.type !== 'template_string') for (const c of node.namedChildren) add(c, depth + 1);
  };
  for (const args of argLists) for (const a of args.namedChildren) add(a, 0);
  return out;
}

// ---- Python ----

function pyName(fn: Node): string | undefined {
  const name = fn.childForFieldName('name')?.text;
  if (!name) return undefined;
  const cls = fn.parent?.type === 'block' ? fn.parent.parent : fn.parent?.type === 'decorated_definition' && fn.parent.parent?.type === 'block' ? fn.parent.parent.parent : undefined;
  const className = cls?.type === 'class_definition' ? cls.childForFieldName('name')?.text : undefined;
  return className ? `${className}.${name}` : name;
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'websocket']);

/** "GET /items: read_items" from `@app.get("/items")`; the name otherwise. */
function pyLabel(fn: Node, name: string, kind: EntryKind): string {
  if (kind !== 'handler' && kind !== 'listener') return name;
  const holder = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  for (const d of holder?.namedChildren ?? []) {
    const call = d?.type === 'decorator' ? d.namedChildren[0] : undefined;
    if (call?.type !== 'call') continue;
    const method = call.childForFieldName('function')?.type === 'attribute' ? call.childForFieldName('function')!.childForFieldName('attribute')?.text : undefined;
    const first = call.childForFieldName('arguments')?.namedChildren[0];
    const path = first?.type === 'string' ? stringValue(first) : undefined;
    if (method && path !== undefined) return `${HTTP_METHODS.has(method) ? method.toUpperCase() : method} ${path}: ${name}`;
  }
  return name;
}

function stringValue(node: Node): string {
  return node.text.replace(/^[rbuf]*(['"`]{1,3})([\s\S]*)\1$/i, '$2').slice(0, 60);
}

const THREAD_STARTERS = new Set(['Thread', 'Process', 'Timer', 'submit', 'to_thread', 'apply_async', 'start_new_thread', 'map', 'imap', 'imap_unordered', 'starmap', 'run_in_executor']);

/** Functions the file hands to a thread, a process or a pool: `Thread(target=f)`, `pool.submit(f)`, `to_thread(f)`. */
function pythonThreadTargets(source: EntrySource, calls: readonly Node[]): Set<number> {
  const out = new Set<number>();
  const sem = source.python?.();
  if (!sem) return out;
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    if (!callee || !method || !THREAD_STARTERS.has(method)) continue;
    const args = call.childForFieldName('arguments');
    if (args?.type !== 'argument_list') continue;
    const positional = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'comment');
    const kw = (n: string) => args.namedChildren.find((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === n)?.childForFieldName('value') ?? undefined;
    let target: Node | undefined;
    if (method === 'Thread' || method === 'Process' || method === 'Timer') target = kw('target') ?? kw('function') ?? (method === 'Timer' ? positional[1] : positional[1]);
    else if (method === 'submit' || method === 'to_thread' || method === 'apply_async' || method === 'start_new_thread' || method === 'map' || method === 'imap' || method === 'imap_unordered' || method === 'starmap') target = positional[0];
    else if (method === 'run_in_executor') target = positional[1];
    if (method === 'map' && callee.type !== 'attribute') target = undefined; // builtins.map runs in place
    const fn = target && pyCallable(target, sem);
    if (fn) out.add(fn.id);
  }
  return out;
}

/** A same-file function named by `f`, `self.f` or `Class.f`. */
function pyCallable(node: Node, sem: PythonSemantics): Node | undefined {
  try {
    const r = sem.resolve(node);
    if (r?.kind === 'local' && r.node.type === 'function_definition') return r.node;
  } catch {
    return undefined;
  }
  if (node.type === 'attribute' && node.childForFieldName('object')?.text === 'self') {
    const name = node.childForFieldName('attribute')?.text;
    let cls: Node | null = node.parent;
    for (let steps = 0; cls && cls.type !== 'class_definition' && steps < MAX_NESTING; steps++) cls = cls.parent;
    return cls && name ? sem.localMethod(cls, name) : undefined;
  }
  return undefined;
}

function isThreadSubclassMethod(fn: Node, source: EntrySource): boolean {
  const block = fn.parent?.type === 'decorated_definition' ? fn.parent.parent : fn.parent;
  const cls = block?.parent;
  if (cls?.type !== 'class_definition') return false;
  try {
    const bases = source.python?.().baseTypes(cls) ?? [];
    return bases.includes('threading.Thread') || bases.some((b) => /^multiprocessing(\.[\w.]+)?\.Process$/.test(b));
  } catch {
    return false;
  }
}

// ---- TS/JS ----

function tsName(fn: Node): string | undefined {
  if (fn.type === 'method_definition') {
    const name = fn.childForFieldName('name')?.text;
    const cls = fn.parent?.parent;
    const className = cls && (cls.type === 'class_declaration' || cls.type === 'class') ? cls.childForFieldName('name')?.text : undefined;
    return name && className ? `${className}.${name}` : name;
  }
  const own = fn.childForFieldName('name');
  if (own) return own.text;
  const holder = fn.parent;
  if (holder?.type === 'variable_declarator' && holder.childForFieldName('name')?.type === 'identifier') return holder.childForFieldName('name')!.text;
  if (holder?.type === 'pair') return holder.childForFieldName('key')?.text;
  if (holder?.type === 'public_field_definition') return holder.childForFieldName('name')?.text;
  return undefined;
}

/** "GET /items" for `app.get('/items', cb)`, "on 'message'" for `port.on('message', cb)`, "Bun.serve fetch". */
function tsRegistration(fn: Node): string | undefined {
  const args = fn.parent?.type === 'arguments' ? fn.parent : undefined;
  const call = args?.parent;
  if (call?.type === 'call_expression') {
    const callee = call.childForFieldName('function');
    const first = args!.namedChildren[0];
    const literal = first && first.id !== fn.id && (first.type === 'string' || first.type === 'template_string') ? stringValue(first) : undefined;
    if (callee?.type === 'member_expression') {
      const property = callee.childForFieldName('property')?.text ?? '';
      if (literal !== undefined) return HTTP_METHODS.has(property) || property === 'all' ? `${property.toUpperCase()} ${literal}` : `${property} '${literal}'`;
      return `${callee.text.length > 30 ? property : callee.text}(…)`;
    }
    if (callee) return `${callee.text.slice(0, 30)}(…)`;
  }
  // `{ fetch(req) {...} }` / `{ handler: async () => ... }` given to a call.
  const pair = fn.type === 'method_definition' ? fn : fn.parent?.type === 'pair' ? fn.parent : undefined;
  const object = pair?.parent;
  const holder = object?.type === 'object' && object.parent?.type === 'arguments' ? object.parent.parent : undefined;
  if (holder?.type === 'call_expression') {
    const key = fn.type === 'method_definition' ? fn.childForFieldName('name')?.text : pair!.childForFieldName('key')?.text;
    return `${holder.childForFieldName('function')?.text.slice(0, 30)} ${key}`;
  }
  return undefined;
}

// ---- calls that run a loop or a server ----

const PY_LOOP_METHODS = new Set(['run_until_complete', 'run_forever', 'serve_forever', 'run_app']);
const PY_SERVER_METHODS = new Set(['serve_forever', 'run_app']);
/** WSGI servers a file may start itself: their requests run the file's sync handlers in threads. */
const PY_WSGI_SERVERS = ['flask.Flask.run', 'flask.app.Flask.run', 'waitress.serve'];
const PY_LOOP_NAMES = new Set(['asyncio.run', 'asyncio.Runner.run', 'uvicorn.run', 'hypercorn.asyncio.serve', 'aiohttp.web.run_app', 'trio.run', 'anyio.run', ...PY_WSGI_SERVERS]);
const PY_SERVER_NAMES = new Set(['uvicorn.run', 'hypercorn.asyncio.serve', 'aiohttp.web.run_app', ...PY_WSGI_SERVERS]);
const TS_SERVERS = new Set(['global.Deno.serve', 'global.Bun.serve']);
/** The last names of all the above: a cheap first test. */
const LOOP_LAST_NAMES = new Set([...PY_LOOP_METHODS, 'run', 'serve', 'ensure_future', 'listen']);

function loopCalls(source: EntrySource, calls: readonly Node[]): { node: Node; label: string; server: boolean }[] {
  const out: { node: Node; label: string; server: boolean }[] = [];
  const python = source.language === 'python';
  for (const call of calls) {
    if (out.length >= 50) break;
    const callee = call.childForFieldName('function');
    if (!callee) continue;
    // The callee's last name first: resolving every call's name is what costs.
    const last = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text
      : callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee.text;
    if (!last || !LOOP_LAST_NAMES.has(last)) continue;
    let hit = false;
    let server = false;
    if (python) {
      const method = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
      let name: string | undefined;
      try {
        name = source.python?.().calleeName(call);
      } catch {
        name = undefined;
      }
      hit = (method !== undefined && PY_LOOP_METHODS.has(method)) || (name !== undefined && PY_LOOP_NAMES.has(name))
        || (name === 'asyncio.ensure_future' && !insideFunction(call, true));
      server = (method !== undefined && PY_SERVER_METHODS.has(method)) || (name !== undefined && PY_SERVER_NAMES.has(name));
    } else {
      const property = callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
      let name: string | undefined;
      try {
        name = source.ts?.().calleeName(call);
      } catch {
        name = undefined;
      }
      hit = property === 'listen' || (name !== undefined && TS_SERVERS.has(name));
      server = hit;
    }
    if (hit) out.push({ node: call, label: shortCall(call), server });
  }
  return out;
}

function insideFunction(node: Node, python: boolean): boolean {
  for (let n = node.parent, steps = 0; n && steps < MAX_NESTING; n = n.parent, steps++) {
    if (python ? n.type === 'function_definition' : FUNCTION_TYPES.has(n.type)) return true;
  }
  return false;
}

function shortCall(call: Node): string {
  const text = call.text.replace(/\s+/g, ' ');
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}
