import type { Node } from 'web-tree-sitter';
import { composeMessage, shortCode } from '../message';
import { callsNamed, identifierAt, MAX_NESTING, wordOccurrences } from '../locate';
import { callableNode, classifyCallable, cpuClassification, GIL_RELEASING, summary, type CpuClassification } from '../python/cpu';
import type { PythonSemantics } from '../python/semantics';
import { projectCpuClassification, releaseParsed, type ProjectCpu } from '../project/cpuAcross';
import { definitionUnpicklable } from '../python/pickle';
import { baseName } from '../project/project';
import { endOf, rangeOf, type LineIndex } from '../text';
import type { Fix, RelatedLocation, RuleMeta, TextEdit } from '../types';
import type { Rule, RuleContext } from './rule';
import { inScope } from '../analysis';

export const meta: RuleMeta = {
  slug: 'cpu-bound-in-thread',
  languages: ['python'],
  defaultSeverity: 'warning',
  docs: {
    summary: 'CPU-bound Python code runs in a thread, where the GIL stops it from running in parallel.',
    what: [
      'Flags a callable whose work is CPU-bound pure Python when it is handed to a thread:',
      '`threading.Thread(target=f)`, a `threading.Thread` subclass whose `run` is CPU-bound,',
      '`ThreadPoolExecutor(...).submit(f, ...)` / `.map(f, ...)`, `asyncio.to_thread(f, ...)` and',
      '`loop.run_in_executor(None or a ThreadPoolExecutor, f, ...)`.',
      '',
      'The callable is a function or lambda defined in the same file, a method of a class in the file, or (Python) a function',
      'of another module of the project (imported, or `module.f`), classified in its own file, with the same quick fixes',
      '(a function of another module pickles by its module and name, unless it is decorated or nested).',
      'It counts as CPU-bound only on positive evidence, which the message quotes:',
      '',
      '- a loop or comprehension whose body does arithmetic or builds strings, makes no I/O call and calls nothing',
      '  the analysis cannot see into (loops over a literal `range` of fewer than 1000 items do not count); counting or',
      '  formatting counts only in a loop over `range(...)` or a `while` stepping a counter (`while n > 0: n -= 1`), and',
      '  formatting strings only when that range is large;',
      '- nested loops (or comprehension clauses) over the same data, even when they only compare items (quadratic work);',
      '- recursion together with arithmetic (`fib`);',
      '- `sum`/`sorted`/`min`/`max`/`list` over a constant `range` of 100,000 items or more;',
      '- a call to another function of the file that is CPU-bound by these rules (followed three levels deep).',
      '',
      'Any sign of I/O makes it not CPU-bound: a call from the blocking catalogue (network, files, subprocesses,',
      'sleeps, waits on locks, events, queues, futures), `await`, a method call that looks like I/O on an object of',
      'unknown type (`recv`, `read`, `write`, `execute`, `wait`, `get()` without arguments...), and `print` or',
      '`logging` inside the loop (the loop then mostly waits on the terminal or the log). A single `q.put(result)`',
      'after the work is a hand-over, not I/O.',
      '',
      'Not flagged: work that releases the GIL (see below), I/O-bound targets, callables of unknown content, and',
      'everything when `concurrencyLens.python.freeThreaded` (config `python.free-threaded`) is on (3.13t/3.14t run threads in parallel).',
    ].join('\n'),
    why: [
      'In standard CPython only the thread holding the GIL runs Python bytecode; it hands the GIL over every 5 ms.',
      'Several threads doing pure-Python computation therefore take turns on one core: the total takes as long as',
      'running them one after another (often a little longer, from the switching), and they slow down every other',
      'thread of the program, including the one serving a UI or an event loop.',
      'Processes each have their own interpreter and GIL, so they do run in parallel.',
    ].join('\n'),
    example: [
      'from concurrent.futures import ThreadPoolExecutor',
      '',
      'def count_primes(n):',
      '    total = 0',
      '    for i in range(2, n):',
      '        if all(i % d for d in range(2, int(i ** 0.5) + 1)):',
      '            total += 1',
      '    return total',
      '',
      'if __name__ == "__main__":',
      '    with ThreadPoolExecutor(max_workers=2) as pool:',
      '        print(list(pool.map(count_primes, [200_000, 200_000])))',
    ].join('\n'),
    instead: [
      'from concurrent.futures import ProcessPoolExecutor',
      '',
      'def count_primes(n):',
      '    ...',
      '',
      'if __name__ == "__main__":',
      '    with ProcessPoolExecutor(max_workers=2) as pool:',
      '        print(list(pool.map(count_primes, [200_000, 200_000])))',
    ].join('\n'),
    notes: [
      '## Work that releases the GIL',
      '',
      'Threads are the right tool for these: the C code drops the GIL while it works, so threads overlap on several cores.',
      '',
      ...GIL_RELEASING.map((g) => `- \`${g.prefix}\`: ${g.why}.`),
      '',
      '## What changes with processes',
      '',
      'The quick fixes switch to `ProcessPoolExecutor` or `multiprocessing.Process`. They are offered only when the result',
      'stays correct:',
      '',
      '- the target is a module-level, undecorated function (pickle sends functions by name: lambdas, nested functions',
      '  and bound methods of local objects cannot be sent);',
      '- the arguments are plausibly picklable (no lambdas, `self`, locks, queues, sockets, files, generators);',
      '- the target returns its result rather than writing to shared state (`global`, mutating a parameter or an outer',
      '  name): a process changes only its own copy;',
      '- the pool or process is created under `if __name__ == "__main__":`, or in a function that module-level code',
      '  outside such a guard never calls. With the spawn start method (Windows, macOS) and forkserver (the Linux default',
      '  from Python 3.14) each worker re-imports the main module; unguarded start code would run again in every worker',
      '  and fail. Without such a guard the rule explains instead of fixing.',
      '- `asyncio.to_thread(f, ...)` and `run_in_executor(None, f, ...)` become `run_in_executor(pool, f, ...)` only when',
      '  a `ProcessPoolExecutor` is already in scope.',
    ].join('\n'),
  },
};

// Calls are found by the names that hand work to a thread.
const HANDOFF_NAMES = ['Thread', 'submit', 'map', 'to_thread', 'run_in_executor'];
const CLASS_WORD = /\bclass\b/g;

/** Classes with base classes (a Thread subclass needs one), found by text and confirmed by the tree, in document order. */
function subclasses(context: RuleContext): Node[] {
  const found: Node[] = [];
  for (const match of context.text.matchAll(CLASS_WORD)) {
    const keyword = context.root.descendantForIndex(match.index, match.index + 5);
    const cls = keyword?.type === 'class' ? keyword.parent : null;
    if (cls?.type === 'class_definition' && cls.childForFieldName('superclasses')?.type === 'argument_list') found.push(cls);
  }
  return found;
}

const PROCESS_NOTE = 'In a process it runs in parallel; arguments and results must be picklable, lambdas and local functions cannot be sent, '
  + 'and the start code must sit under `if __name__ == "__main__":` with the spawn/forkserver start methods (forkserver is the Linux default from Python 3.14).';

interface Handoff {
  /** The expression naming the callable. */
  target: Node;
  /** How it is handed to a thread, for the message. */
  via: string;
  kind: 'thread' | 'pool' | 'to_thread' | 'executor';
  call: Node;
}

export const rule: Rule = {
  meta,
  mayMatch: (text) => text.includes('Thread') || text.includes('to_thread') || text.includes('run_in_executor'),
  check(context: RuleContext) {
    if (context.settings.pythonFreeThreaded) return;
    try {
      checkHandoffs(context);
    } finally {
      releaseParsed(context);
    }
  },
};

/** Thread subclasses and handoffs (`Thread(target=…)`, `to_thread`, executors) of CPU-bound code. */
function checkHandoffs(context: RuleContext): void {
  const semantics = context.python();
  for (const cls of subclasses(context)) checkSubclass(context, semantics, cls);
  const calls = HANDOFF_NAMES.flatMap((name) => callsNamed(context.root, context.text, name, (offset) => inScope(context, offset))).sort((a, b) => a.startIndex - b.startIndex);
  for (const node of calls) {
    const handoff = handoffOf(semantics, node);
    if (!handoff) continue;
    const fn = callableNode(semantics, handoff.target);
    if (!fn) {
      reportAcross(context, handoff);
      continue;
    }
    if (isAsync(fn)) continue;
    // Rules out cheaply targets without arithmetic or that do I/O.
    const c = cpuClassification(semantics, fn);
    if (!c || c.releasesGil) continue;
    const label = handoff.target.type === 'lambda' ? 'This lambda' : `\`${shortCode(handoff.target.text)}\``;
    const { fixes, reason } = fixesFor(context, semantics, handoff, unpicklableTarget(semantics, handoff.target, fn), c);
    context.report({
      code: meta.slug,
      ...composeMessage({ subject: label, effect: `runs in a thread (${handoff.via}) but is CPU-bound`, consequence: 'under the GIL it runs no faster there', location: cpuLocation(c) },
        `${capitalise(summary(c))}. Under the GIL only one thread runs Python code at a time, so this thread does not run in parallel with others. `
        + PROCESS_NOTE + (reason ? ` No quick fix: ${reason}.` : '')),
      range: rangeOf(handoff.target),
      related: related(c),
      fixes,
    });
  }
}

/** A target that is a CPU-bound function of another module of the project, with the fixes a target of this file gets. */
function reportAcross(context: RuleContext, handoff: Handoff): void {
  const across = projectCpuClassification(context, handoff.target);
  if (!across || across.async || across.classification.releasesGil) return;
  const c = across.classification;
  const { fixes, reason } = fixesFor(context, context.python(), handoff, unpicklableAcross(handoff.target, across), c);
  context.report({
    code: meta.slug,
    ...composeMessage({
      subject: `\`${shortCode(handoff.target.text)}\``, effect: `runs in a thread (${handoff.via}) but is CPU-bound`, consequence: 'under the GIL it runs no faster there',
      location: cpuLocation(c, baseName(across.path)),
    }, `${capitalise(summary(c))} (in ${baseName(across.path)}). Under the GIL only one thread runs Python code at a time, so this thread does not run in parallel with others. `
      + PROCESS_NOTE + (reason ? ` No quick fix: ${reason}.` : '')),
    range: rangeOf(handoff.target),
    related: related(c).map((r) => ({ ...r, path: across.path })),
    fixes,
  });
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Where the first CPU-bound evidence is, for a message's location: "line 6", or "crunch.py:6" in another file. */
export function cpuLocation(c: CpuClassification, file?: string): string | undefined {
  const first = c.evidence.find((e) => e.kind === 'cpu');
  if (!first) return undefined;
  return file ? `${file}:${first.range.start.line + 1}` : `line ${first.range.start.line + 1}`;
}

export function related(c: CpuClassification): RelatedLocation[] {
  return c.evidence.filter((e) => e.kind === 'cpu').slice(0, 3).map((e) => ({ range: e.range, message: `CPU-bound: ${e.text}` }));
}

function isAsync(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

function positional(call: Node): Node[] {
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return [];
  return args.namedChildren.filter((a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'comment');
}

export function keyword(call: Node, name: string): Node | undefined {
  const args = call.childForFieldName('arguments');
  for (const a of args?.namedChildren ?? []) {
    if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value') ?? undefined;
  }
  return undefined;
}

function handoffOf(semantics: PythonSemantics, call: Node): Handoff | undefined {
  const name = semantics.calleeName(call);
  if (!name) return undefined;
  const args = positional(call);
  switch (name) {
    case 'threading.Thread': {
      const target = keyword(call, 'target') ?? args[1];
      return target ? { target, via: '`threading.Thread`', kind: 'thread', call } : undefined;
    }
    case 'concurrent.futures.ThreadPoolExecutor.submit':
    case 'concurrent.futures.ThreadPoolExecutor.map':
      return args[0] ? { target: args[0], via: `\`ThreadPoolExecutor.${name.slice(name.lastIndexOf('.') + 1)}\``, kind: 'pool', call } : undefined;
    case 'asyncio.to_thread':
      return args[0] ? { target: args[0], via: '`asyncio.to_thread`', kind: 'to_thread', call } : undefined;
    case 'asyncio.AbstractEventLoop.run_in_executor': {
      const [executor, target] = args;
      if (!executor || !target) return undefined;
      const threadPool = executor.type === 'none' || semantics.instanceType(executor) === 'concurrent.futures.ThreadPoolExecutor';
      return threadPool ? { target, via: `\`run_in_executor(${executor.text}, ...)\``, kind: 'executor', call } : undefined;
    }
    default: return undefined;
  }
}

function checkSubclass(context: RuleContext, semantics: PythonSemantics, cls: Node): void {
  if (!semantics.isSubclassOf(cls, 'threading.Thread')) return;
  const run = semantics.localMethod(cls, 'run');
  const c = run && cpuClassification(semantics, run);
  if (!c || c.releasesGil) return;
  const className = cls.childForFieldName('name')?.text ?? '?';
  context.report({
    code: meta.slug,
    ...composeMessage({ subject: `\`${shortCode(className, 30)}.run\``, effect: 'is CPU-bound in a thread subclass', consequence: 'under the GIL its threads take turns', location: cpuLocation(c) },
      `${capitalise(summary(c))}. \`${className}\` is a thread, and under the GIL its threads take turns `
      + `instead of running in parallel. Consider deriving from \`multiprocessing.Process\` (attributes set in \`run\` then stay in the child process: `
      + `send results back through a \`multiprocessing.Queue\` or use a \`ProcessPoolExecutor\`). ${PROCESS_NOTE}`),
    range: rangeOf(run.childForFieldName('name') ?? run),
    related: related(c),
  });
}

// ---------------------------------------------------------------- quick fixes

/** Why a callable cannot be sent to another process (pickle sends functions by qualified name), or undefined. */
export function unpicklableTarget(semantics: PythonSemantics, target: Node, fn: Node): string | undefined {
  const label = target.type === 'lambda' ? 'the target' : `\`${target.text}\``;
  if (fn.type === 'lambda') return `${label} is a lambda, which cannot be pickled`;
  if (target.type !== 'identifier') return `${label} is a bound method, whose object would have to be pickled`;
  const why = definitionUnpicklable(fn);
  if (why) return `${label} ${why}`;
  if (fn.childForFieldName('name')?.text !== target.text) return `${label} is an alias of another function`;
  void semantics;
  return undefined;
}

/** Why a process could not run a function of another module named by `target` (as cpuAcross found it), if it could not. */
export function unpicklableAcross(target: Node, across: ProjectCpu): string | undefined {
  return across.unpicklable ? `\`${target.text}\` ${across.unpicklable}` : undefined;
}

const UNPICKLABLE_TYPES = /^(threading|queue|socket|ssl|io|sqlite3|asyncio|select|selectors|multiprocessing\.synchronize|concurrent\.futures)\./;

/** Why an argument expression would likely fail to pickle, or undefined when it plausibly pickles. */
export function unpicklableArgument(semantics: PythonSemantics, node: Node): string | undefined {
  switch (node.type) {
    case 'lambda': return 'an argument is a lambda';
    case 'generator_expression': return 'an argument is a generator';
    case 'integer': case 'float': case 'string': case 'true': case 'false': case 'none': case 'comment':
    case 'concatenated_string': case 'unary_operator': case 'binary_operator':
      return undefined;
    case 'identifier': {
      if (node.text === 'self' || node.text === 'cls') return '`self` would have to be pickled';
      const resolved = semantics.resolve(node);
      if (resolved?.kind === 'local' && resolved.node.type === 'function_definition' && resolved.node.parent?.type !== 'module') {
        return `\`${node.text}\` is a local function`;
      }
      const type = semantics.instanceType(node);
      if (type && (UNPICKLABLE_TYPES.test(`${type}.`) || type === 'io.TextIOWrapper')) return `\`${node.text}\` (${type}) cannot be pickled`;
      if (semantics.assignedValue(node)?.type === 'generator_expression') return `\`${node.text}\` is a generator`;
      return undefined;
    }
    case 'keyword_argument': {
      const value = node.childForFieldName('value');
      return value ? unpicklableArgument(semantics, value) : undefined;
    }
    case 'tuple': case 'list': case 'set': case 'dictionary': case 'pair': case 'parenthesized_expression':
    case 'list_splat': case 'dictionary_splat': case 'argument_list': case 'subscript': case 'attribute':
    case 'list_comprehension': case 'call': {
      if (node.type === 'attribute' && node.childForFieldName('object')?.text === 'self') return '`self` would have to be pickled';
      if (node.type === 'call') {
        const type = semantics.instanceType(node);
        if (type && (UNPICKLABLE_TYPES.test(`${type}.`) || type === 'io.TextIOWrapper')) return `\`${node.text}\` cannot be pickled`;
      }
      for (const child of node.namedChildren) {
        if (!child) continue;
        if (node.type === 'call' && child.type !== 'argument_list') continue;
        if (node.type === 'attribute' || node.type === 'subscript') continue;
        const why = unpicklableArgument(semantics, child);
        if (why) return why;
      }
      return undefined;
    }
    default: return undefined;
  }
}

function isMainGuard(node: Node): boolean {
  if (node.type !== 'if_statement') return false;
  const condition = node.childForFieldName('condition')?.text.replace(/\s+/g, '').replace(/'/g, '"');
  return condition === '__name__=="__main__"' || condition === '"__main__"==__name__';
}

/** True when `node` sits in the body of an `if __name__ == "__main__":` block. */
function underMainGuard(node: Node): boolean {
  for (let child = node, current = node.parent, steps = 0; current && steps < MAX_NESTING; child = current, current = current.parent, steps++) {
    if (isMainGuard(current) && current.childForFieldName('consequence')?.id === child.id) return true;
  }
  return false;
}

function topLevelDefinition(node: Node): Node | undefined {
  let top: Node | undefined;
  for (let current: Node | null = node, steps = 0; current && current.type !== 'module' && steps < MAX_NESTING; current = current.parent, steps++) {
    if ((current.type === 'function_definition' || current.type === 'class_definition') && (current.parent?.type === 'module' || current.parent?.parent?.type === 'module')) top = current;
  }
  return top;
}

function identifierTexts(node: Node, into: Set<string>, skipDefs: boolean, depth = 0): void {
  if (node.type === 'identifier') into.add(node.text);
  // Bounded by MAX_NESTING: deeper (broken or generated) code is not looked into.
  if (depth >= MAX_NESTING) return;
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (skipDefs && (child.type === 'function_definition' || child.type === 'decorated_definition')) continue;
    identifierTexts(child, into, skipDefs, depth + 1);
  }
}

/**
 * True when the code at `node` does not run while the module is imported (as spawn and forkserver workers
 * import the main module): it is under a `__main__` guard, or in a function that import-time code never calls.
 */
export function safeFromReimport(root: Node, node: Node): boolean {
  if (underMainGuard(node)) return true;
  const top = topLevelDefinition(node);
  if (!top) return false;
  const definitions = new Map<string, Node>();
  for (const child of root.namedChildren) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    const name = def?.childForFieldName('name')?.text;
    if (def && name && (def.type === 'function_definition' || def.type === 'class_definition')) definitions.set(name, def);
  }
  // Names referenced by code that runs at import: module statements outside guards and definitions, decorators, class bodies.
  const reached = new Set<string>();
  for (const child of root.namedChildren) {
    if (!child || isMainGuard(child)) continue;
    if (child.type === 'function_definition') continue;
    if (child.type === 'decorated_definition') {
      for (const d of child.namedChildren) if (d?.type === 'decorator') identifierTexts(d, reached, false);
      const def = child.childForFieldName('definition');
      if (def?.type === 'class_definition') identifierTexts(def, reached, true);
      continue;
    }
    identifierTexts(child, reached, child.type === 'class_definition');
  }
  const queue = [...reached];
  while (queue.length) {
    const name = queue.pop()!;
    const def = definitions.get(name);
    if (!def) continue;
    const inner = new Set<string>();
    identifierTexts(def.childForFieldName('body') ?? def, inner, false);
    for (const n of inner) if (!reached.has(n)) { reached.add(n); queue.push(n); }
  }
  const name = top.childForFieldName('name')?.text;
  return !!name && !reached.has(name);
}

/** Inserts `statement` on its own line after the module's last top-level import (or its docstring). */
export function insertImport(root: Node, lines: LineIndex, statement: string): TextEdit {
  let after: Node | undefined;
  for (const child of root.namedChildren) {
    if (!child) continue;
    if (child.type === 'import_statement' || child.type === 'import_from_statement' || child.type === 'future_import_statement') after = child;
    else if (!after && child.type === 'expression_statement' && child.namedChildren[0]?.type === 'string' && child.startIndex === root.namedChildren[0]?.startIndex) after = child;
    else if (child.type !== 'comment') break;
  }
  if (!after) return { range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } }, newText: `${statement}${lines.eol}` };
  const line = endOf(after).line + 1;
  const eol = lines.eolNear(line - 1);
  if (line >= lines.lineCount) {
    const end = { line: line - 1, column: lines.lineText(line - 1).length };
    return { range: { start: end, end }, newText: `${eol}${statement}` };
  }
  return { range: { start: { line, column: 0 }, end: { line, column: 0 } }, newText: `${statement}${eol}` };
}

/** True when the module imports `module` plainly (`import multiprocessing`), so the name is usable. */
function importsModule(root: Node, module: string): boolean {
  return root.namedChildren.some((c) => c?.type === 'import_statement' && c.childrenForFieldName('name').some((n) => n.type === 'dotted_name' && n.text === module));
}

/** The name under which the module `module` is imported at top level (`import asyncio as aio` → 'aio'), if any. */
export function importsModuleFor(root: Node, module: string): string | undefined {
  for (const c of root.namedChildren) {
    if (c?.type !== 'import_statement') continue;
    for (const n of c.childrenForFieldName('name')) {
      if (n.type === 'dotted_name' && n.text === module) return module;
      if (n.type === 'aliased_import' && n.childForFieldName('name')?.text === module) return n.childForFieldName('alias')?.text;
    }
  }
  return undefined;
}

/** True when `name` appears as an identifier anywhere in the file (so adding it could clash). */
function nameUsed(root: Node, name: string): boolean {
  const seen = new Set<string>();
  identifierTexts(root, seen, false);
  return seen.has(name);
}

/** An edit making `module` importable by name, [] when already imported, undefined when the name is taken. */
export function ensureModuleImport(root: Node, lines: LineIndex, module: string): TextEdit[] | undefined {
  if (importsModule(root, module)) return [];
  if (nameUsed(root, module)) return undefined;
  return [insertImport(root, lines, `import ${module}`)];
}

/** `from concurrent.futures import ProcessPoolExecutor` unless the name is bound that way; undefined on a clash. */
function ensureFromImport(root: Node, lines: LineIndex, module: string, name: string): TextEdit[] | undefined {
  const has = root.namedChildren.some((c) => c?.type === 'import_from_statement' && c.childForFieldName('module_name')?.text === module
    && c.childrenForFieldName('name').some((n) => n.type === 'dotted_name' && n.text === name));
  if (has) return [];
  if (nameUsed(root, name)) return undefined;
  return [insertImport(root, lines, `from ${module} import ${name}`)];
}

/**
 * The name of a `ProcessPoolExecutor` usable at `use`: bound once in the file, by `with ... as p` around `use`
 * or by an assignment earlier in the same function or at module level.
 */
export function processPoolInScope(semantics: PythonSemantics, root: Node, use: Node): string | undefined {
  const found: string[] = [];
  const counts = new Map<string, number>();
  const visit = (node: Node, depth: number) => {
    let nameNode: Node | undefined;
    let value: Node | undefined;
    let scopeLimit: Node | undefined;
    if (node.type === 'as_pattern' && node.parent?.type === 'with_item') {
      const target = node.childForFieldName('alias')?.namedChildren[0] ?? node.namedChildren[1]?.namedChildren[0];
      nameNode = target?.type === 'identifier' ? target : undefined;
      value = node.namedChildren[0] ?? undefined;
      scopeLimit = node.parent.parent?.parent ?? undefined; // with_clause -> with_statement
    } else if (node.type === 'assignment' && node.childForFieldName('left')?.type === 'identifier') {
      nameNode = node.childForFieldName('left')!;
      value = node.childForFieldName('right') ?? undefined;
    }
    if (nameNode) counts.set(nameNode.text, (counts.get(nameNode.text) ?? 0) + 1);
    if (nameNode && value?.type === 'call' && semantics.calleeName(value) === 'concurrent.futures.ProcessPoolExecutor') {
      const inScope = scopeLimit
        ? use.startIndex >= scopeLimit.startIndex && use.endIndex <= scopeLimit.endIndex
        : nameNode.startIndex < use.startIndex && (enclosingDef(nameNode) === undefined || enclosingDef(nameNode)?.id === enclosingDef(use)?.id);
      if (inScope) found.push(nameNode.text);
    }
    // Bounded by MAX_NESTING: deeper (broken or generated) code is not looked into.
    if (depth < MAX_NESTING) for (const child of node.namedChildren) if (child) visit(child, depth + 1);
  };
  visit(root, 0);
  // Annotated parameters of the enclosing functions: `def main(pool: ProcessPoolExecutor)`.
  for (let fn = enclosingDef(use); fn; fn = enclosingDef(fn)) {
    for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
      const id = p?.type === 'typed_parameter' ? p.namedChildren[0] : p?.type === 'typed_default_parameter' ? p.childForFieldName('name') : undefined;
      // A parameter shadows outer bindings; it must not be rebound inside its function.
      if (id?.type === 'identifier' && semantics.instanceType(id) === 'concurrent.futures.ProcessPoolExecutor'
        && !rebinds(fn.childForFieldName('body'), id.text)) return id.text;
    }
  }
  return found.find((n) => counts.get(n) === 1);
}

function rebinds(body: Node | null, name: string): boolean {
  if (!body) return false;
  const targets = new Set<string>();
  const visit = (node: Node, depth: number) => {
    const left = node.type === 'assignment' || node.type === 'for_statement' ? node.childForFieldName('left') : node.type === 'as_pattern_target' ? node : undefined;
    if (left) identifierTexts(left, targets, false);
    // Bounded by MAX_NESTING: deeper (broken or generated) code is not looked into.
    if (depth < MAX_NESTING) for (const child of node.namedChildren) if (child) visit(child, depth + 1);
  };
  visit(body, 0);
  return targets.has(name);
}

function enclosingDef(node: Node): Node | undefined {
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) if (current.type === 'function_definition') return current;
  return undefined;
}

interface FixResult { fixes: Fix[]; reason?: string }

/** `targetWhy`: why the target could not be pickled, found in this file or in the target's own module. */
function fixesFor(context: RuleContext, semantics: PythonSemantics, handoff: Handoff, targetWhy: string | undefined, c: CpuClassification): FixResult {
  if (targetWhy) return { fixes: [], reason: targetWhy };
  if (c.sideEffects.length) return { fixes: [], reason: `it writes to shared state (${c.sideEffects[0].text}), which a process would change only in its own copy` };
  switch (handoff.kind) {
    case 'thread': return threadFix(context, semantics, handoff);
    case 'pool': return poolFix(context, semantics, handoff);
    case 'to_thread': case 'executor': return executorFix(context, semantics, handoff);
  }
}

function argumentsWhy(semantics: PythonSemantics, nodes: Node[]): string | undefined {
  for (const n of nodes) {
    const why = unpicklableArgument(semantics, n);
    if (why) return why;
  }
  return undefined;
}

const GUARD_REASON = 'the code that starts it runs at import time; with the spawn/forkserver start methods every worker process would run it again. '
  + 'Move it under `if __name__ == "__main__":` first';

const THREAD_ONLY_API = /\.(native_id|getName|setName|isDaemon|setDaemon)\b/;

function threadFix(context: RuleContext, semantics: PythonSemantics, handoff: Handoff): FixResult {
  const call = handoff.call;
  const args = call.childForFieldName('arguments');
  for (const a of args?.namedChildren ?? []) {
    if (a?.type === 'keyword_argument' && !['target', 'args', 'kwargs', 'name', 'daemon', 'group'].includes(a.childForFieldName('name')!.text)) {
      return { fixes: [], reason: `\`multiprocessing.Process\` has no \`${a.childForFieldName('name')!.text}=\` parameter` };
    }
  }
  const extra = [keyword(call, 'args'), keyword(call, 'kwargs'), ...positional(call).slice(2)].filter((n): n is Node => !!n);
  const why = argumentsWhy(semantics, extra);
  if (why) return { fixes: [], reason: `${why}, so it cannot be sent to a process` };
  if (!safeFromReimport(context.root, call)) return { fixes: [], reason: GUARD_REASON };
  if (THREAD_ONLY_API.test(context.text)) return { fixes: [], reason: 'the file uses thread-only attributes that `multiprocessing.Process` lacks' };
  const imports = ensureModuleImport(context.root, context.lines, 'multiprocessing');
  if (!imports) return { fixes: [], reason: 'the name `multiprocessing` is already used for something else' };
  const callee = call.childForFieldName('function')!;
  return {
    fixes: [{
      title: `Run \`${handoff.target.text}\` in a multiprocessing.Process`,
      edits: [{ range: rangeOf(callee), newText: 'multiprocessing.Process' }, ...imports],
      preferred: true,
      applicability: 'unsafe',
    }],
  };
}

/** The `ThreadPoolExecutor(...)` call that made the pool `object`, when `object` is a plain name bound to it. */
function poolConstructor(semantics: PythonSemantics, object: Node): Node | undefined {
  if (object.type !== 'identifier') return undefined;
  const value = semantics.assignedValue(object);
  return value?.type === 'call' && semantics.calleeName(value) === 'concurrent.futures.ThreadPoolExecutor' ? value : undefined;
}

function poolFix(context: RuleContext, semantics: PythonSemantics, handoff: Handoff): FixResult {
  const object = handoff.call.childForFieldName('function')?.childForFieldName('object');
  const ctor = object ? poolConstructor(semantics, object) : undefined;
  if (!object || !ctor) return { fixes: [], reason: 'the pool is not a plain name bound to a `ThreadPoolExecutor(...)` call in this file' };
  return convertPool(context, semantics, object.text, ctor);
}

/** Switches a ThreadPoolExecutor to ProcessPoolExecutor when every task given to it can go to a process. */
function convertPool(context: RuleContext, semantics: PythonSemantics, poolName: string, ctor: Node): FixResult {
  const ctorArgs = ctor.childForFieldName('arguments');
  if (positional(ctor).length > 1) return { fixes: [], reason: 'the pool constructor has positional arguments that differ between the two executors' };
  for (const a of ctorArgs?.namedChildren ?? []) {
    if (a?.type !== 'keyword_argument') continue;
    const name = a.childForFieldName('name')!.text;
    if (!['max_workers', 'initializer', 'initargs'].includes(name)) return { fixes: [], reason: `\`ProcessPoolExecutor\` has no \`${name}=\` parameter` };
  }
  const initializer = keyword(ctor, 'initializer');
  if (initializer) {
    const fn = callableNode(semantics, initializer);
    const why = fn ? unpicklableTarget(semantics, initializer, fn) : 'the initializer is not a function of this file';
    if (why) return { fixes: [], reason: why };
  }
  // Every use of the pool must be a task hand-off we can check (or shutdown).
  // Found by text (one tree look-up per occurrence of the name), not by a walk of the whole tree.
  const uses: Node[] = [];
  for (const offset of wordOccurrences(context.text, poolName)) {
    const node = identifierAt(context.root, offset, poolName);
    if (node && node.parent?.type !== 'as_pattern_target'
      && !(node.parent?.type === 'assignment' && node.parent.childForFieldName('left')?.id === node.id)
      && semantics.assignedValue(node)?.id === ctor.id) uses.push(node);
  }
  for (const use of uses) {
    const parent = use.parent;
    let task: Node | undefined;
    let taskArgs: Node[] = [];
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.id === use.id) {
      const method = parent.childForFieldName('attribute')?.text;
      if (method === 'shutdown') continue;
      const call = parent.parent;
      if ((method !== 'submit' && method !== 'map') || call?.type !== 'call') return { fixes: [], reason: `the pool is also used as \`${parent.text}\`` };
      if (call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text !== 'chunksize')) {
        return { fixes: [], reason: 'a task is submitted with keyword arguments' };
      }
      [task, ...taskArgs] = positional(call);
    } else if (parent?.type === 'argument_list' && parent.parent?.type === 'call' && semantics.calleeName(parent.parent) === 'asyncio.AbstractEventLoop.run_in_executor'
      && positional(parent.parent)[0]?.id === use.id) {
      [, task, ...taskArgs] = positional(parent.parent);
    } else {
      return { fixes: [], reason: `the pool is passed on (\`${(parent ?? use).text.split('\n')[0]}\`)` };
    }
    if (!task) return { fixes: [], reason: 'a task has no function' };
    const fn = callableNode(semantics, task);
    // A CPU-bound function of another module is checked there; any other task of another file is unknown.
    const across = fn ? undefined : projectCpuClassification(context, task);
    if (!fn && !across) return { fixes: [], reason: `\`${task.text}\` is not a function of this file` };
    const why = (fn ? unpicklableTarget(semantics, task, fn) : unpicklableAcross(task, across!)) ?? argumentsWhy(semantics, taskArgs);
    if (why) return { fixes: [], reason: why };
    const effects = fn ? classifyCallable(semantics, fn).sideEffects : across!.classification.sideEffects;
    if (effects.length) return { fixes: [], reason: `\`${task.text}\` writes to shared state (${effects[0].text})` };
  }
  if (!safeFromReimport(context.root, ctor)) return { fixes: [], reason: GUARD_REASON };
  const callee = ctor.childForFieldName('function')!;
  let edits: TextEdit[];
  if (callee.type === 'attribute') {
    edits = [{ range: rangeOf(callee.childForFieldName('attribute')!), newText: 'ProcessPoolExecutor' }];
  } else {
    const imports = ensureFromImport(context.root, context.lines, 'concurrent.futures', 'ProcessPoolExecutor');
    if (!imports) return { fixes: [], reason: 'the name `ProcessPoolExecutor` is already used for something else' };
    edits = [{ range: rangeOf(callee), newText: 'ProcessPoolExecutor' }, ...imports];
  }
  return { fixes: [{ title: 'Use ProcessPoolExecutor instead of ThreadPoolExecutor', edits, preferred: true, applicability: 'unsafe' }] };
}

function executorFix(context: RuleContext, semantics: PythonSemantics, handoff: Handoff): FixResult {
  const call = handoff.call;
  const args = positional(call);
  const hasKeywords = call.childForFieldName('arguments')?.namedChildren.some((a) => a?.type === 'keyword_argument' || a?.type === 'dictionary_splat');
  if (hasKeywords) return { fixes: [], reason: '`run_in_executor` takes no keyword arguments for the function' };
  const taskArgs = handoff.kind === 'to_thread' ? args.slice(1) : args.slice(2);
  const why = argumentsWhy(semantics, taskArgs);
  if (why) return { fixes: [], reason: `${why}, so it cannot be sent to a process` };
  if (handoff.kind === 'executor' && args[0].type !== 'none') {
    const ctor = poolConstructor(semantics, args[0]);
    return ctor ? convertPool(context, semantics, args[0].text, ctor) : { fixes: [], reason: 'the executor is not a plain name bound to a `ThreadPoolExecutor(...)` call in this file' };
  }
  const pool = processPoolInScope(semantics, context.root, call);
  if (!pool) return { fixes: [], reason: 'no `ProcessPoolExecutor` is in scope here; create one (under the `__main__` guard) and pass it to `loop.run_in_executor(pool, ...)`' };
  if (handoff.kind === 'executor') {
    return { fixes: [{ title: `Run \`${handoff.target.text}\` in the process pool \`${pool}\``, edits: [{ range: rangeOf(args[0]), newText: pool }], preferred: true, applicability: 'unsafe' }] };
  }
  const callee = call.childForFieldName('function')!;
  const module = callee.type === 'attribute' ? callee.childForFieldName('object')?.text : importsModule(context.root, 'asyncio') ? 'asyncio' : undefined;
  if (!module) return { fixes: [], reason: '`asyncio` is not imported as a module' };
  const inner = call.childForFieldName('arguments')!.text.slice(1, -1);
  return {
    fixes: [{
      title: `Run \`${handoff.target.text}\` in the process pool \`${pool}\``,
      edits: [{ range: rangeOf(call), newText: `${module}.get_running_loop().run_in_executor(${pool}, ${inner.trim()})` }],
      preferred: true,
      applicability: 'unsafe',
    }],
  };
}
