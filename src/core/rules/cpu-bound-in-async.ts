import { Query, type Node } from 'web-tree-sitter';
import type { ConcurrencyContext } from '../context';
import { PYTHON_HEAVY_LAST_NAMES, TS_HEAVY_LAST_NAMES, pythonHeavyCall, tsHeavyCall, type HeavyApi } from '../catalog/heavy';
import { callsNamed } from '../locate';
import { callableNode, calleeLastName, classifyCallable, cpuClassification, headerRange, nameMayBeCpu, regionCpuClassification, summary, type CpuClassification } from '../python/cpu';
import type { PythonSemantics } from '../python/semantics';
import { projectCpuClassification, releaseParsed } from '../project/cpuAcross';
import { relativeImportNames } from '../project/followTs';
import { baseName } from '../project/project';
import { lineOf, rangeOf } from '../text';
import { composeMessage, shortCode } from '../message';
import { classifyFunction, classifyLoop, functionName, isAsync as isAsyncTs, localFunction, loopHeaderRange, tsLocalFunctionNames, tsMayBeCpu } from '../ts/cpu';
import { FUNCTION_TYPES } from '../ts/semantics';
import type { Fix, RuleMeta } from '../types';
import { cpuLocation, importsModuleFor, processPoolInScope, related, unpicklableAcross, unpicklableArgument, unpicklableTarget } from './cpu-bound-in-thread';
import { consequence, weigh } from './blocking/context';
import type { Rule, RuleContext } from './rule';
import { inScope } from '../analysis';

export const meta: RuleMeta = {
  slug: 'cpu-bound-in-async',
  languages: ['python', 'typescript', 'tsx', 'javascript'],
  defaultSeverity: 'warning',
  docs: {
    summary: 'CPU-bound work runs directly on the event loop, freezing every other task until it finishes.',
    what: [
      'In an `async def` (Python) or `async` function (JS/TS), flags:',
      '',
      '- a loop that does CPU-bound work and has no `await` inside (see the heuristic below);',
      '- a direct call of a same-file function that is CPU-bound, or of a function of another module of the project;',
      '- `asyncio.gather(...)` / `Promise.all(...)` over coroutines or async callbacks whose bodies are CPU-bound and never',
      '  `await`: they do not run concurrently at all, but one after another.',
      '',
      'CPU-bound means, on positive evidence only: a loop whose body does arithmetic or builds strings and calls nothing',
      'that does I/O or that the analysis cannot see into; recursion with arithmetic; calls to same-file functions that',
      'are CPU-bound by these rules; a direct call of a library function known to be heavy whatever its input (key derivation and',
      'password hashing: Python `hashlib.pbkdf2_hmac`/`scrypt`, `bcrypt.hashpw`/`checkpw`, argon2, passlib; JS `scrypt-js`',
      '`syncScrypt`, the `pbkdf2` package\'s `pbkdf2Sync`; the catalogue `src/core/catalog/heavy.ts`). Parsers are not evidence alone',
      '(`json.loads`, `JSON.parse`: their cost follows the input), and Node\'s `crypto.*Sync`/`zlib.*Sync` and bcrypt\'s',
      '`hashSync`/`compareSync` are `blocking-call-in-async`\'s, reported once there.',
      'Loops over a literal range of fewer than 1000 items do not count, nor loops over items whose count an earlier exit',
      'bounds below that (`if (octets.length !== 4) return null`, `if len(parts) != 4: return None`), nor (JS/TS) loops that',
      'shift a number right until it is zero (`while (c) { ...; c >>= 1 }`: at most 64 turns); `print`/`console.*` in the',
      'loop makes it I/O-ish and silent.',
      '',
      'In JS/TS a loop counts only when the code shows its work is large, since moving a one-millisecond scan to a Worker costs more than',
      'it saves: a literal or `const` bound of at least 100,000 (`i < 1e6`, `const ROUNDS = 200_000`), nested loops over the same data',
      '(`for (a of xs) for (b of xs)`, `j < i`), a numeric kernel updating an accumulator each turn (`h = (h * 31 + c) % m`), or recursion',
      'that calls itself twice or more. A linear scan or string building over an input of unknown size is not reported. In Python, nested',
      'loops (or comprehension clauses) over the same data count even when they only compare items. For `async def` the same scale',
      'evidence is required (a constant `range` of at least 100,000, nested loops over the same data, a numeric kernel on an',
      'accumulator, recursion calling itself twice per call, an aggregate over a large range); `cpu-bound-in-thread` keeps every',
      'CPU-bound target, since a function sent to a thread is usually the heavy part.',
      '',
      'A `Promise.all` or `asyncio.gather` over never-awaiting CPU-bound callbacks is reported once, on the call, with their loops as',
      'related locations. Like `blocking-call-in-async`, a finding in a function that runs while other work is in flight (a route',
      'handler, a gathered task...) names that evidence, and one in a script or a sequential `main` is a hint (see that rule\'s page).',
      '',
      'Minified or bundled JS/TS is not checked (see the notes).',
    ].join('\n'),
    why: [
      'An event loop runs one callback at a time on one thread. A coroutine or async function only lets others run at an',
      '`await` that actually suspends; a loop without one holds the loop until it finishes: timers fire late, sockets go',
      'unanswered, and "concurrent" tasks started with `gather`/`Promise.all` run strictly one after another.',
      'In Python, `asyncio.to_thread` keeps the loop responsive (the GIL is switched every 5 ms) and a `ProcessPoolExecutor`',
      'also runs the work in parallel; in Node, a `worker_threads` `Worker` (or a pool such as `piscina`) runs it on another',
      'thread with its own event loop.',
    ].join('\n'),
    example: [
      'async def handle(request):',
      '    total = 0',
      '    for i in range(10_000_000):',
      '        total += i * i',
      '    return total',
    ].join('\n'),
    instead: [
      'def crunch(n):',
      '    return sum(i * i for i in range(n))',
      '',
      'async def handle(request, pool):',
      '    loop = asyncio.get_running_loop()',
      '    return await loop.run_in_executor(pool, crunch, 10_000_000)  # pool: a ProcessPoolExecutor',
    ].join('\n'),
    notes: [
      '## Generated code',
      '',
      'JS/TS files that look minified or bundled are skipped: a line over 1,000 characters, an average line over 150',
      'characters, or a bundler\'s runtime helpers (`__webpack_require__`, esbuild\'s `__commonJS(`/`__toESM(`, webpack\'s',
      '`/******/` banner). Nobody edits such output, its loops are library internals (bit twiddling, parsers) reported without',
      'context, and the sources it was built from are where a finding could be acted on. On the bundles shipped with VS Code',
      'and its extensions this removed about 600 findings, nearly all noise.',
      '',
      '## Quick fix',
      '',
      'Python only, for a direct call `f(args)` of a CPU-bound module-level function (of this file or another module, not',
      'decorated), when a `ProcessPoolExecutor` is in scope: `await asyncio.get_running_loop().run_in_executor(pool, f, args)`.',
      'Loops need a function of their own first, and',
      'Node workers need a separate module, so neither is rewritten automatically.',
    ].join('\n'),
  },
};

const NODE_ADVICE = 'Move the work to a `worker_threads` `Worker` (or a worker pool such as `piscina`), or split it into chunks that yield with `await new Promise(setImmediate)`.';
const PYTHON_ADVICE = 'Run it with `await asyncio.to_thread(...)` to keep the loop responsive, or in a `ProcessPoolExecutor` via `loop.run_in_executor` to also run it in parallel.';

export const rule: Rule = {
  meta,
  mayMatch: (text) => text.includes('async'),
  check(context: RuleContext) {
    try {
      if (context.language === 'python') checkPython(context);
      else checkTs(context);
    } finally {
      releaseParsed(context);
    }
  },
};

// ---------------------------------------------------------------- Python

function isAsyncDef(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

const PY_LOOPS = ['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression'];
const PY_SCOPES = ['function_definition', 'class_definition', 'lambda'];

/** A query capturing a language's loops (@loop), nested scopes (@scope) and calls (@call), for `directWork`. */
function workQuery(loops: readonly string[], scopes: readonly string[], call: string): string {
  return `[${loops.map((t) => `(${t})`).join(' ')}] @loop [${scopes.map((t) => `(${t})`).join(' ')}] @scope (${call}) @call`;
}

/**
 * Outermost loops, and the calls outside loops, that run directly in a function's body (not in nested scopes).
 * One query finds the candidates in document order; a sweep drops those inside an earlier loop or scope.
 */
function directWork(context: RuleContext, body: Node, source: string): { loops: Node[]; calls: Node[] } {
  const found = { loops: [] as Node[], calls: [] as Node[] };
  let skipUntil = -1;
  for (const { name, node } of cachedQuery(context, source).captures(body)) {
    if (node.id === body.id || node.startIndex < skipUntil) continue;
    if (name === 'call') {
      found.calls.push(node);
      continue;
    }
    if (name === 'loop') found.loops.push(node);
    skipUntil = node.endIndex;
  }
  return found;
}

// The function forms whose `async` keyword the rule looks for (as a query listing them did).
const TS_ASYNC_TYPES = new Set(['function_declaration', 'function_expression', 'arrow_function', 'method_definition']);
const ASYNC_WORD = /\basync\b/g;

/**
 * Functions whose `async` keyword the text search finds and the tree confirms, in document order: the word is rare,
 * and a whole-file query costs as much as visiting every node.
 */
function asyncFunctions(context: RuleContext, accept: (fn: Node) => boolean): Node[] {
  const found: Node[] = [];
  for (const match of context.text.matchAll(ASYNC_WORD)) {
    if (!inScope(context, match.index)) continue;
    const keyword = context.root.descendantForIndex(match.index, match.index + 5);
    const fn = keyword?.type === 'async' ? keyword.parent : null;
    if (fn && accept(fn)) found.push(fn);
  }
  return found;
}

const PY_WORK_QUERY = workQuery(PY_LOOPS, PY_SCOPES, 'call');
const queries = new Map<string, WeakMap<object, Query>>();

function cachedQuery(context: RuleContext, source: string): Query {
  let perLanguage = queries.get(source);
  if (!perLanguage) {
    perLanguage = new WeakMap();
    queries.set(source, perLanguage);
  }
  let query = perLanguage.get(context.tree.language);
  if (!query) {
    query = new Query(context.tree.language, source);
    perLanguage.set(context.tree.language, query);
  }
  return query;
}

function checkPython(context: RuleContext): void {
  const semantics = context.python();
  // Only async functions and `gather` calls matter: a query finds the first, a text search the second.
  const asyncDefs = asyncFunctions(context, (fn) => fn.type === 'function_definition');
  const gathers = callsNamed(context.root, context.text, 'gather', (offset) => inScope(context, offset)).filter((call) => semantics.calleeName(call) === 'asyncio.gather');
  const contexts = new Map<number, ConcurrencyContext>();
  // One report per problem: coroutines a `gather` finding already names (its related locations show their loops).
  const covered = new Set<number>();
  for (const gather of gathers) for (const fn of checkGather(context, semantics, gather)) covered.add(fn.id);
  for (const fn of asyncDefs) {
    const body = fn.childForFieldName('body');
    if (!body || covered.has(fn.id)) continue;
    const name = fn.childForFieldName('name')?.text ?? '?';
    const work = directWork(context, body, PY_WORK_QUERY);
    for (const loop of work.loops) {
      // Most loops have no arithmetic or do I/O: `regionCpuClassification` rules them out cheaply.
      const c = regionCpuClassification(semantics, loop);
      // Only work the code shows to be large: a short scan holds the loop for a millisecond (see the heuristic above).
      if (!c || c.suspends || !c.scale) continue;
      const weighed = weigh(context, fn, undefined, contexts);
      if (weighed.off) continue;
      context.report({
        code: meta.slug,
        ...composeMessage({ subject: 'This loop', effect: 'is CPU-bound and never awaits', scope: `in \`${shortCode(name, 30)}()\``, context: weighed.context, consequence: consequence(weighed, 'other tasks wait'), location: cpuLocation(c) },
          `${capitalize(summary(c))}: it holds the event loop until it finishes, so no other task runs meanwhile. ${PYTHON_ADVICE} ${weighed.suffix}`),
        range: headerRange(loop),
        related: [...related(c).filter((r) => r.range.start.line !== lineOf(loop)), ...weighed.related],
        ...(weighed.severity ? { severity: weighed.severity } : {}),
      });
    }
    for (const call of work.calls) {
      const callee = call.childForFieldName('function');
      if (!callee || call.parent?.type === 'await') continue;
      const last = calleeLastName(callee);
      // A library call known to be heavy (`hashlib.pbkdf2_hmac`, `bcrypt.hashpw`) is evidence on its own.
      const heavy = last !== undefined && PYTHON_HEAVY_LAST_NAMES.has(last) ? pythonHeavyCall(semantics.calleeName(call)) : undefined;
      if (heavy) {
        reportHeavy(context, call, callee, heavy, `\`async def ${name}\``, PYTHON_HEAVY_ADVICE, weigh(context, fn, undefined, contexts));
        continue;
      }
      const target = last === undefined || nameMayBeCpu(semantics, last) ? callableNode(semantics, callee) : undefined;
      if (!target) {
        reportAcross(context, { call, callee, fn, where: `\`async def ${name}\`` }, contexts);
        continue;
      }
      if (isAsyncDef(target)) continue;
      const c = cpuClassification(semantics, target);
      if (!c || !c.scale) continue;
      const weighed = weigh(context, fn, undefined, contexts);
      if (weighed.off) continue;
      context.report({
        code: meta.slug,
        ...composeMessage({ subject: `\`${shortCode(callee.text)}()\``, effect: 'is CPU-bound', scope: `in \`${shortCode(name, 30)}()\``, context: weighed.context, consequence: consequence(weighed, 'other tasks wait until it returns'), location: cpuLocation(c) },
          `${capitalize(summary(c))}. Called directly in \`async def ${name}\`, it holds the event loop until it returns. ${PYTHON_ADVICE} ${weighed.suffix}`),
        range: rangeOf(call),
        related: [...related(c), ...weighed.related],
        ...(weighed.severity ? { severity: weighed.severity } : {}),
        fixes: pythonCallFix(context, semantics, call, callee, unpicklableTarget(semantics, callee, target), c),
      });
    }
  }
}

const PYTHON_HEAVY_ADVICE = 'Run it in a worker thread (`await asyncio.to_thread(...)`): these hashes release the GIL, so the event loop and the hash run in parallel.';
const TS_HEAVY_ADVICE = 'Use the library\'s async form (`await scrypt(...)` of scrypt-js, `await bcrypt.hash(...)`), which runs off the main thread or yields between rounds, or a `worker_threads` Worker.';

/** A direct call of a library function the heavy-API catalogue lists: CPU evidence whatever its arguments. */
function reportHeavy(context: RuleContext, call: Node, callee: Node, heavy: HeavyApi, where: string, advice: string, weighed: ReturnType<typeof weigh>): void {
  if (weighed.off) return;
  context.report({
    code: meta.slug,
    ...composeMessage({ subject: `\`${shortCode(callee.text)}()\``, effect: 'is CPU-heavy', scope: `in ${where}`, context: weighed.context, consequence: 'the event loop waits until it returns', location: `line ${lineOf(call) + 1}` },
      `It ${heavy.why}, and is called directly in ${where}, holding the event loop until it returns. ${advice} ${weighed.suffix}`),
    range: rangeOf(call),
    related: weighed.related,
    ...(weighed.severity ? { severity: weighed.severity } : {}),
  });
}

/**
 * A helper of another module of the project that is CPU-bound, called directly in an async function: `where` names the
 * function as the language's messages do.
 */
function reportAcross(context: RuleContext, at: { call: Node; callee: Node; fn: Node; where: string }, contexts: Map<number, ConcurrencyContext>): void {
  const across = projectCpuClassification(context, at.callee);
  const c = across?.classification;
  if (!across || !c || across.async || !c.scale) return;
  const weighed = weigh(context, at.fn, undefined, contexts, undefined, at.call);
  if (weighed.off) return;
  const python = context.language === 'python';
  const fixes = python ? pythonCallFix(context, context.python(), at.call, at.callee, unpicklableAcross(at.callee, across), c) : [];
  context.report({
    code: meta.slug,
    ...composeMessage({
      subject: `\`${shortCode(at.callee.text)}()\``, effect: 'is CPU-bound', scope: `in ${at.where}`, context: weighed.context,
      consequence: consequence(weighed, python ? 'other tasks wait until it returns' : 'other callbacks wait until it returns'), location: cpuLocation(c, baseName(across.path)),
    }, `${capitalize(summary(c))} (in ${baseName(across.path)}). Called directly in ${at.where}, `
      + `${python ? 'it holds the event loop until it returns.' : 'it blocks the event loop until it returns.'} ${python ? PYTHON_ADVICE : NODE_ADVICE} ${weighed.suffix}`),
    range: rangeOf(at.call),
    related: [...related(c).map((r) => ({ ...r, path: across.path })), ...weighed.related],
    ...(weighed.severity ? { severity: weighed.severity } : {}),
    ...(fixes.length ? { fixes } : {}),
  });
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * `f(x)` → `await asyncio.get_running_loop().run_in_executor(pool, f, x)` when a process pool is in scope. `unpicklable`:
 * why `f` could not be sent to a process, found in this file or in f's own module.
 */
function pythonCallFix(context: RuleContext, semantics: PythonSemantics, call: Node, callee: Node, unpicklable: string | undefined, c: CpuClassification): Fix[] {
  if (unpicklable || c.sideEffects.length) return [];
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return [];
  const items = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
  if (items.some((a) => a.type === 'keyword_argument' || a.type === 'dictionary_splat' || unpicklableArgument(semantics, a))) return [];
  const pool = processPoolInScope(semantics, context.root, call);
  const asyncio = importsModuleFor(context.root, 'asyncio');
  if (!pool || !asyncio) return [];
  const inner = args.text.slice(1, -1).trim();
  // Inside a larger expression the await needs parentheses to keep precedence.
  const bare = call.parent?.type === 'assignment' || call.parent?.type === 'expression_statement' || call.parent?.type === 'return_statement';
  const awaited = `await ${asyncio}.get_running_loop().run_in_executor(${pool}, ${callee.text}${inner ? `, ${inner}` : ''})`;
  return [{
    title: `Run \`${callee.text}\` in the process pool \`${pool}\``,
    edits: [{ range: rangeOf(call), newText: bare ? awaited : `(${awaited})` }],
    preferred: true,
    applicability: 'unsafe',
  }];
}

/** The coroutine calls given to gather, including `*[f(x) for x in xs]`. */
function gatheredCalls(args: Node): Node[] {
  const calls: Node[] = [];
  for (const arg of args.namedChildren) {
    if (!arg) continue;
    if (arg.type === 'call') calls.push(arg);
    else if (arg.type === 'list_splat') {
      const inner = arg.namedChildren[0];
      const element = inner && (inner.type === 'list_comprehension' || inner.type === 'generator_expression') ? inner.childForFieldName('body') : undefined;
      if (element?.type === 'call') calls.push(element);
    }
  }
  return calls;
}

/** Reports a `gather` over never-suspending CPU-bound coroutines; returns the coroutine functions it named. */
function checkGather(context: RuleContext, semantics: PythonSemantics, gather: Node): Node[] {
  const args = gather.childForFieldName('arguments');
  if (!args) return [];
  const blocking: { call: Node; c: CpuClassification; name: string; target: Node }[] = [];
  const calls = gatheredCalls(args);
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    const target = callee ? callableNode(semantics, callee) : undefined;
    if (!target || !isAsyncDef(target)) continue;
    const c = classifyCallable(semantics, target);
    if (c.verdict === 'cpu' && !c.suspends && c.scale) blocking.push({ call, c, name: target.childForFieldName('name')?.text ?? '?', target });
  }
  const splat = args.namedChildren.some((a) => a?.type === 'list_splat');
  if (!blocking.length || (blocking.length < 2 && !splat)) return [];
  const names = [...new Set(blocking.map((b) => `\`${b.name}\``))].join(', ');
  context.report({
    code: meta.slug,
    ...composeMessage({ subject: '`asyncio.gather`', effect: `runs ${names.length > 60 ? `${blocking.length} coroutines` : names} one after another`, consequence: 'they never await, so the loop freezes' },
      `${capitalize(summary(blocking[0].c))}, and it never awaits, so each coroutine runs to completion before the next starts and the event loop is frozen meanwhile. `
      + 'Make the work a plain function and run it with `asyncio.to_thread` or in a `ProcessPoolExecutor` (`loop.run_in_executor`) for real parallelism.'),
    range: rangeOf(gather.childForFieldName('function') ?? gather),
    related: [...new Map(blocking.flatMap((b) => related(b.c)).map((r) => [`${r.range.start.line}:${r.range.start.column}`, r])).values()].slice(0, 3),
  });
  return blocking.map((b) => b.target);
}

// ---------------------------------------------------------------- TS / JS

const TS_LOOPS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);

/** Function and class node types of the file's grammar (JS has no `abstract_class_declaration`). */
function tsScopes(context: RuleContext): string[] {
  const language = context.tree.language;
  return [...FUNCTION_TYPES, 'class_declaration', 'class'].filter((t) => language.idForNodeType(t, true) !== null);
}

/** Longest line, and average line length, from which a JS/TS file is taken for minified or bundled output. */
const GENERATED_LONGEST_LINE = 1000;
const GENERATED_AVERAGE_LINE = 150;
// Runtime helpers bundlers inline into their output (webpack, esbuild, rollup/tsc's CommonJS interop).
const BUNDLER_MARKERS = ['__webpack_require__', '__commonJS(', '__toESM(', '/******/'];

/**
 * True for minified or bundled output: a line over 1,000 characters, lines of 150 characters on average, or a
 * bundler's runtime helpers. Nobody edits such a file; findings belong in its sources.
 */
export function looksGenerated(text: string): boolean {
  let lines = 1;
  for (let start = 0; ;) {
    const end = text.indexOf('\n', start);
    if ((end === -1 ? text.length : end) - start > GENERATED_LONGEST_LINE) return true;
    if (end === -1) break;
    lines++;
    start = end + 1;
  }
  return text.length / lines > GENERATED_AVERAGE_LINE || BUNDLER_MARKERS.some((m) => text.includes(m));
}

function checkTs(context: RuleContext): void {
  if (looksGenerated(context.text)) return;
  const semantics = context.ts();
  const asyncFns = asyncFunctions(context, (fn) => TS_ASYNC_TYPES.has(fn.type) && isAsyncTs(fn));
  const isAll = (call: Node) => {
    if (call.type !== 'call_expression') return false;
    const name = semantics.calleeName(call);
    return name === 'global.Promise.all' || name === 'global.Promise.allSettled';
  };
  const alls = [...callsNamed(context.root, context.text, 'all', (offset) => inScope(context, offset)), ...callsNamed(context.root, context.text, 'allSettled', (offset) => inScope(context, offset))].filter(isAll);
  const names = tsLocalFunctionNames(semantics);
  const imported = relativeImportNames(context.root);
  // One report per problem: async functions a `Promise.all` finding already names (its related locations show their loops).
  const covered = new Set<number>();
  const contexts = new Map<number, ConcurrencyContext>();
  for (const all of alls) for (const fn of checkPromiseAll(context, all)) covered.add(fn.id);
  for (const fn of asyncFns) {
    const body = fn.childForFieldName('body');
    if (!body || covered.has(fn.id)) continue;
    const fnName = functionName(fn);
    const name = fnName === 'the callback' ? 'an async callback' : `async function ${fnName}`;
    const work = directWork(context, body.type === 'statement_block' ? body : fn, workQuery([...TS_LOOPS], tsScopes(context), 'call_expression'));
    for (const loop of work.loops) {
      if (!tsMayBeCpu(semantics, loop)) continue;
      const c = classifyLoop(semantics, loop);
      // Only work the code shows to be large: a linear scan of one small input takes a millisecond, not a Worker.
      if (c.verdict !== 'cpu' || c.suspends || !c.scale) continue;
      const weighed = weigh(context, fn, undefined, contexts, undefined, loop);
      if (weighed.off) continue;
      context.report({
        code: meta.slug,
        ...composeMessage({ subject: 'This loop', effect: 'is CPU-bound and never awaits', scope: `in ${name}`, context: weighed.context, consequence: consequence(weighed, 'other callbacks wait'), location: cpuLocation(c) },
          `${capitalize(summary(c))}: it blocks the event loop until it finishes. ${NODE_ADVICE} ${weighed.suffix}`),
        range: loopHeaderRange(loop),
        related: [...related(c).filter((r) => r.range.start.line !== lineOf(loop)), ...weighed.related],
        ...(weighed.severity ? { severity: weighed.severity } : {}),
      });
    }
    for (const call of work.calls) {
      const callee = call.childForFieldName('function');
      if (!callee || call.parent?.type === 'await_expression') continue;
      const last = callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee.text;
      const heavy = last !== undefined && TS_HEAVY_LAST_NAMES.has(last) ? tsHeavyCall(semantics.calleeName(call)) : undefined;
      if (heavy) {
        reportHeavy(context, call, callee, heavy, name, TS_HEAVY_ADVICE, weigh(context, fn, undefined, contexts, undefined, call));
        continue;
      }
      // `x.f()` never resolves to a function of this file, nor does a name the file declares no function by; an
      // imported name may be a function of another module.
      if (callee.type === 'member_expression' || (callee.type === 'identifier' && !names.has(callee.text))) {
        if (callee.type === 'identifier' && imported.has(callee.text)) reportAcross(context, { call, callee, fn, where: name }, contexts);
        continue;
      }
      const target = localFunction(semantics, callee);
      if (!target || isAsyncTs(target) || !tsMayBeCpu(semantics, target)) continue;
      const c = classifyFunction(semantics, target);
      if (c.verdict !== 'cpu' || !c.scale) continue;
      const weighed = weigh(context, fn, undefined, contexts, undefined, call);
      if (weighed.off) continue;
      context.report({
        code: meta.slug,
        ...composeMessage({ subject: `\`${shortCode(callee.text)}()\``, effect: 'is CPU-bound', scope: `in ${name}`, context: weighed.context, consequence: consequence(weighed, 'other callbacks wait until it returns'), location: cpuLocation(c) },
          `${capitalize(summary(c))}. Called directly in ${name}, it blocks the event loop until it returns. ${NODE_ADVICE} ${weighed.suffix}`),
        range: rangeOf(call),
        related: [...related(c), ...weighed.related],
        ...(weighed.severity ? { severity: weighed.severity } : {}),
      });
    }
  }
}


/** The async functions whose calls make up a `Promise.all` argument: `[f(), g()]`, `xs.map(async (x) => ...)`, `xs.map(f)`. */
function promiseFunctions(context: RuleContext, arg: Node): { fn: Node; at: Node; many: boolean }[] {
  const semantics = context.ts();
  if (arg.type === 'array') {
    return arg.namedChildren.flatMap((el) => {
      if (el?.type !== 'call_expression') return [];
      const callee = el.childForFieldName('function');
      const fn = callee ? localFunction(semantics, callee) : undefined;
      return fn ? [{ fn, at: el, many: false }] : [];
    });
  }
  if (arg.type === 'call_expression') {
    const callee = arg.childForFieldName('function');
    if (callee?.type === 'member_expression' && callee.childForFieldName('property')?.text === 'map') {
      const first = arg.childForFieldName('arguments')?.namedChildren[0];
      const fn = first ? localFunction(semantics, first) : undefined;
      return fn ? [{ fn, at: first!, many: true }] : [];
    }
  }
  return [];
}

/** Reports a `Promise.all` over never-awaiting CPU-bound async functions; returns the functions it named. */
function checkPromiseAll(context: RuleContext, all: Node): Node[] {
  const semantics = context.ts();
  const arg = all.childForFieldName('arguments')?.namedChildren[0];
  if (!arg) return [];
  const blocking = promiseFunctions(context, arg).filter(({ fn }) => {
    if (!isAsyncTs(fn)) return false;
    const c = classifyFunction(semantics, fn);
    return c.verdict === 'cpu' && !c.suspends && c.scale !== undefined;
  });
  if (!blocking.length || (blocking.length < 2 && !blocking[0].many)) return [];
  const c = classifyFunction(semantics, blocking[0].fn);
  const names = [...new Set(blocking.map((b) => (b.many ? `${functionName(b.fn) === 'the callback' ? 'the async callback' : functionName(b.fn)} (once per item)` : functionName(b.fn))))].join(', ');
  context.report({
    code: meta.slug,
    ...composeMessage({ subject: `\`${shortCode(all.childForFieldName('function')!.text)}\``, effect: `runs ${names.length > 60 ? `${blocking.length} functions` : names} one after another`, consequence: 'they never await, so the loop freezes' },
      `${capitalize(summary(c))}, and it never awaits, so each call runs to completion before the next starts, blocking the event loop throughout. ${NODE_ADVICE}`),
    range: rangeOf(all.childForFieldName('function') ?? all),
    related: [...new Map(blocking.flatMap((b) => related(classifyFunction(semantics, b.fn)))
      .map((r) => [`${r.range.start.line}:${r.range.start.column}`, r])).values()].slice(0, 3),
  });
  return blocking.map((b) => b.fn);
}
