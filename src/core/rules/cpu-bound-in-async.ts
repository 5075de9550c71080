import type { Node } from 'web-tree-sitter';
import { callableNode, classifyCallable, classifyRegion, headerRange, type CpuClassification } from '../python/cpu';
import type { PythonSemantics } from '../python/semantics';
import { rangeOf } from '../text';
import { classifyFunction, classifyLoop, functionName, isAsync as isAsyncTs, localFunction, loopHeaderRange } from '../ts/cpu';
import { FUNCTION_TYPES } from '../ts/semantics';
import type { Fix, RuleMeta } from '../types';
import { importsModuleFor, processPoolInScope, related, summary, unpicklableArgument, unpicklableTarget } from './cpu-bound-in-thread';
import type { Rule, RuleContext } from './rule';

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
      '- a direct call of a same-file function that is CPU-bound;',
      '- `asyncio.gather(...)` / `Promise.all(...)` over coroutines or async callbacks whose bodies are CPU-bound and never',
      '  `await`: they do not run concurrently at all, but one after another.',
      '',
      'CPU-bound means, on positive evidence only: a loop whose body does arithmetic or builds strings and calls nothing',
      'that does I/O or that the analysis cannot see into; recursion with arithmetic; calls to same-file functions that',
      'are CPU-bound by these rules. Loops over a literal range of fewer than 1000 items do not count; `print`/`console.*`',
      'in the loop makes it I/O-ish and silent.',
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
      '## Quick fix',
      '',
      'Python only, for a direct call `f(args)` of a CPU-bound module-level function, when a `ProcessPoolExecutor` is in',
      'scope: `await asyncio.get_running_loop().run_in_executor(pool, f, args)`. Loops need a function of their own first, and',
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
    if (context.language === 'python') checkPython(context);
    else checkTs(context);
  },
};

// ---------------------------------------------------------------- Python

function isAsyncDef(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

const PY_LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const PY_SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);

/** Outermost loops and the calls outside loops that run directly in a function's body. */
function directWork(body: Node, loops: Set<string>, scopes: (n: Node) => boolean, isCall: (n: Node) => boolean): { loops: Node[]; calls: Node[] } {
  const found = { loops: [] as Node[], calls: [] as Node[] };
  const visit = (node: Node) => {
    if (scopes(node)) return;
    if (loops.has(node.type)) {
      found.loops.push(node);
      return;
    }
    if (isCall(node)) found.calls.push(node);
    for (const child of node.namedChildren) if (child) visit(child);
  };
  for (const child of body.namedChildren) if (child) visit(child);
  return found;
}

function checkPython(context: RuleContext): void {
  const semantics = context.python();
  const asyncDefs: Node[] = [];
  const gathers: Node[] = [];
  const walk = (node: Node) => {
    if (isAsyncDef(node)) asyncDefs.push(node);
    if (node.type === 'call' && semantics.calleeName(node) === 'asyncio.gather') gathers.push(node);
    for (const child of node.namedChildren) if (child) walk(child);
  };
  walk(context.root);
  for (const fn of asyncDefs) {
    const body = fn.childForFieldName('body');
    if (!body) continue;
    const name = fn.childForFieldName('name')?.text ?? '?';
    const work = directWork(body, PY_LOOPS, (n) => PY_SCOPES.has(n.type), (n) => n.type === 'call');
    for (const loop of work.loops) {
      const c = classifyRegion(semantics, loop);
      if (c.verdict !== 'cpu' || c.suspends || !c.evidence.some((e) => e.kind === 'cpu')) continue;
      context.report({
        code: meta.slug,
        message: `${capitalize(summary(c))}, inside \`async def ${name}\` with no \`await\`: it holds the event loop until it finishes, so no other task runs meanwhile. ${PYTHON_ADVICE}`,
        range: headerRange(loop),
        related: related(c).filter((r) => r.range.start.line !== loop.startPosition.row),
      });
    }
    for (const call of work.calls) {
      const callee = call.childForFieldName('function');
      if (!callee || call.parent?.type === 'await') continue;
      const target = callableNode(semantics, callee);
      if (!target || isAsyncDef(target)) continue;
      const c = classifyCallable(semantics, target);
      if (c.verdict !== 'cpu' || !c.evidence.some((e) => e.kind === 'cpu')) continue;
      context.report({
        code: meta.slug,
        message: `\`${callee.text}\` is CPU-bound (${summary(c)}) and is called directly in \`async def ${name}\`: it holds the event loop until it returns. ${PYTHON_ADVICE}`,
        range: rangeOf(call),
        related: related(c),
        fixes: pythonCallFix(context, semantics, call, callee, target, c),
      });
    }
  }
  for (const gather of gathers) checkGather(context, semantics, gather);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `f(x)` → `await asyncio.get_running_loop().run_in_executor(pool, f, x)` when a process pool is in scope. */
function pythonCallFix(context: RuleContext, semantics: PythonSemantics, call: Node, callee: Node, target: Node, c: CpuClassification): Fix[] {
  if (unpicklableTarget(semantics, callee, target) || c.sideEffects.length) return [];
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

function checkGather(context: RuleContext, semantics: PythonSemantics, gather: Node): void {
  const args = gather.childForFieldName('arguments');
  if (!args) return;
  const blocking: { call: Node; c: CpuClassification; name: string }[] = [];
  const calls = gatheredCalls(args);
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    const target = callee ? callableNode(semantics, callee) : undefined;
    if (!target || !isAsyncDef(target)) continue;
    const c = classifyCallable(semantics, target);
    if (c.verdict === 'cpu' && !c.suspends) blocking.push({ call, c, name: target.childForFieldName('name')?.text ?? '?' });
  }
  const splat = args.namedChildren.some((a) => a?.type === 'list_splat');
  if (!blocking.length || (blocking.length < 2 && !splat)) return;
  const names = [...new Set(blocking.map((b) => `\`${b.name}\``))].join(', ');
  context.report({
    code: meta.slug,
    message: `\`asyncio.gather\` runs ${names} one after another, not concurrently: ${summary(blocking[0].c)}, and it never awaits, `
      + 'so each coroutine runs to completion before the next starts and the event loop is frozen meanwhile. '
      + 'Make the work a plain function and run it with `asyncio.to_thread` or in a `ProcessPoolExecutor` (`loop.run_in_executor`) for real parallelism.',
    range: rangeOf(gather.childForFieldName('function') ?? gather),
    related: blocking.flatMap((b) => related(b.c)).slice(0, 3),
  });
}

// ---------------------------------------------------------------- TS / JS

const TS_LOOPS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);

function checkTs(context: RuleContext): void {
  const semantics = context.ts();
  const asyncFns: Node[] = [];
  const alls: Node[] = [];
  const walk = (node: Node) => {
    if (FUNCTION_TYPES.has(node.type) && isAsyncTs(node)) asyncFns.push(node);
    if (node.type === 'call_expression') {
      const name = semantics.calleeName(node);
      if (name === 'global.Promise.all' || name === 'global.Promise.allSettled') alls.push(node);
    }
    for (const child of node.namedChildren) if (child) walk(child);
  };
  walk(context.root);
  for (const fn of asyncFns) {
    const body = fn.childForFieldName('body');
    if (!body) continue;
    const fnName = functionName(fn);
    const name = fnName === 'the callback' ? 'an async callback' : `async function ${fnName}`;
    const work = directWork(body.type === 'statement_block' ? body : fn, TS_LOOPS, (n) => FUNCTION_TYPES.has(n.type) || n.type === 'class_declaration' || n.type === 'class', (n) => n.type === 'call_expression');
    for (const loop of work.loops) {
      const c = classifyLoop(semantics, loop);
      if (c.verdict !== 'cpu' || c.suspends) continue;
      context.report({
        code: meta.slug,
        message: `${capitalize(summary(c))}, inside ${name} with no \`await\`: it blocks the event loop until it finishes. ${NODE_ADVICE}`,
        range: loopHeaderRange(loop),
        related: related(c).filter((r) => r.range.start.line !== loop.startPosition.row),
      });
    }
    for (const call of work.calls) {
      const callee = call.childForFieldName('function');
      if (!callee || call.parent?.type === 'await_expression') continue;
      const target = localFunction(semantics, callee);
      if (!target || isAsyncTs(target)) continue;
      const c = classifyFunction(semantics, target);
      if (c.verdict !== 'cpu') continue;
      context.report({
        code: meta.slug,
        message: `\`${callee.text}\` is CPU-bound (${summary(c)}) and is called directly in ${name}: it blocks the event loop until it returns. ${NODE_ADVICE}`,
        range: rangeOf(call),
        related: related(c),
      });
    }
  }
  for (const all of alls) checkPromiseAll(context, all);
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

function checkPromiseAll(context: RuleContext, all: Node): void {
  const semantics = context.ts();
  const arg = all.childForFieldName('arguments')?.namedChildren[0];
  if (!arg) return;
  const blocking = promiseFunctions(context, arg).filter(({ fn }) => {
    if (!isAsyncTs(fn)) return false;
    const c = classifyFunction(semantics, fn);
    return c.verdict === 'cpu' && !c.suspends;
  });
  if (!blocking.length || (blocking.length < 2 && !blocking[0].many)) return;
  const c = classifyFunction(semantics, blocking[0].fn);
  const names = [...new Set(blocking.map((b) => (b.many ? `${functionName(b.fn) === 'the callback' ? 'the async callback' : functionName(b.fn)} (once per item)` : functionName(b.fn))))].join(', ');
  context.report({
    code: meta.slug,
    message: `\`${all.childForFieldName('function')!.text}\` runs ${names} one after another, not concurrently: ${summary(c)}, and it never awaits, `
      + `so each call runs to completion before the next starts, blocking the event loop throughout. ${NODE_ADVICE}`,
    range: rangeOf(all.childForFieldName('function') ?? all),
    related: blocking.flatMap((b) => related(classifyFunction(semantics, b.fn))).slice(0, 3),
  });
}
