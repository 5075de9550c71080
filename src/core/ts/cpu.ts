import { MAX_NESTING, NestingGuard } from '../locate';
import { Query, type Language, type Node } from 'web-tree-sitter';
import { tsBlockingCall } from '../catalog/blocking';
import type { CpuClassification, CpuVerdict, Evidence } from '../python/cpu';
import { rangeOf, startOf } from '../text';
import type { Range } from '../types';
import { FUNCTION_TYPES, type TsSemantics } from './semantics';
import { exitBound, FLIPPED, lengthCheckedBefore } from '../loopBounds';

/**
 * Classifies JS/TS functions as CPU-bound or I/O-bound from evidence in their code, like python/cpu.ts.
 * JS has no GIL: `releasesGil` is always false; what matters is whether the code runs on the event-loop
 * thread without yielding. Calling an async function runs its body synchronously up to its first `await`.
 */

export type { CpuClassification, CpuVerdict, Evidence } from '../python/cpu';

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '**', '<<', '>>', '>>>', '&', '|', '^']);
const LOOPS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);
const CLASSES = new Set(['class_declaration', 'class', 'abstract_class_declaration']);

// Builtins that compute (unless the file declares the name itself).
const PURE_GLOBALS = new Set([
  'Math', 'JSON', 'Number', 'String', 'Array', 'Object', 'Boolean', 'BigInt', 'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet',
  'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'Date', 'RegExp', 'Error', 'TypeError', 'RangeError', 'Uint8Array',
  'Int32Array', 'Uint32Array', 'Float64Array', 'Float32Array', 'Int8Array', 'Int16Array', 'Uint16Array', 'ArrayBuffer',
  'DataView', 'encodeURIComponent', 'decodeURIComponent', 'structuredClone', 'Promise', 'performance', 'Reflect',
]);
// Array/string/Map methods, on objects of unknown type.
const PURE_METHODS = new Set([
  'push', 'pop', 'shift', 'unshift', 'slice', 'splice', 'concat', 'join', 'split', 'indexOf', 'lastIndexOf', 'includes',
  'charCodeAt', 'codePointAt', 'charAt', 'toString', 'toFixed', 'toPrecision', 'startsWith', 'endsWith', 'trim', 'trimStart',
  'trimEnd', 'toUpperCase', 'toLowerCase', 'padStart', 'padEnd', 'replace', 'replaceAll', 'substring', 'substr', 'at',
  'fill', 'keys', 'values', 'entries', 'has', 'add', 'set', 'delete', 'sort', 'reverse', 'repeat', 'localeCompare',
  'map', 'filter', 'reduce', 'reduceRight', 'forEach', 'some', 'every', 'find', 'findIndex', 'findLast', 'flat', 'flatMap',
  'toSorted', 'toReversed', 'match', 'matchAll', 'test', 'exec', 'valueOf', 'subarray', 'readUInt32LE', 'writeUInt32LE',
  'abs', 'floor', 'ceil', 'round', 'sqrt', 'min', 'max', 'pow', 'imul', 'random', 'now', 'from', 'of', 'isArray',
  'stringify', 'parse', 'assign', 'freeze', 'fromCharCode', 'hasOwnProperty', 'resolve',
]);
// Callbacks of these methods run in place, synchronously.
const INLINE_CALLBACK_METHODS = new Set(['map', 'filter', 'reduce', 'reduceRight', 'forEach', 'some', 'every', 'find', 'findIndex', 'findLast', 'flatMap', 'sort', 'toSorted']);
// Methods that most likely talk to the outside world or schedule work, on objects of unknown type.
const IO_METHODS = new Set([
  'write', 'read', 'send', 'end', 'query', 'request', 'fetch', 'then', 'catch', 'finally', 'emit', 'on', 'once', 'postMessage',
  'pipe', 'close', 'connect', 'listen', 'execute', 'exec', 'get', 'post', 'put', 'patch', 'log', 'info', 'warn', 'error', 'debug',
  'flush', 'writeHead', 'json', 'text', 'blob', 'arrayBuffer', 'getReader', 'enqueue', 'dispatchEvent',
]);
const IO_QUALIFIED_PREFIXES = [
  'fs', 'net', 'http', 'https', 'http2', 'dns', 'child_process', 'worker_threads', 'tls', 'dgram', 'readline', 'stream',
  'global.fetch', 'global.setTimeout', 'global.setInterval', 'global.setImmediate', 'global.queueMicrotask', 'global.process',
  'global.Atomics', 'global.Deno', 'global.Bun', 'timers', 'zlib', 'crypto',
];

/** Callee forms `calleeName` unwraps before resolving. */
const WRAPPED_CALLEES = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion', 'sequence_expression']);

const SMALL_LOOP = 1000;
/** Iterations from which a loop's count alone makes it large work. */
const LARGE_LOOP = 100_000;
const MAX_DEPTH = 3;
/** Operators that make an accumulator update a numeric kernel (`h = (h * 31 + c) % m`, `x ^= x << 13`). */
const STRONG = new Set(['*', '/', '%', '**', '<<', '>>', '>>>', '^']);
const SHRINKING = new Set(['/', '>>', '>>>']);

function lineOf(node: Node): number {
  return startOf(node).line + 1;
}

/** The loop's first line up to its body: `for (let i = 0; i < n; i++)`. */
export function loopHeaderRange(loop: Node): Range {
  const body = loop.childForFieldName('body');
  if (body && loop.type !== 'do_statement') return { start: rangeOf(loop).start, end: rangeOf(body).start };
  return rangeOf(loop);
}

export function isAsync(fn: Node): boolean {
  return FUNCTION_TYPES.has(fn.type) && fn.children.some((c) => c?.type === 'async');
}

function numberValue(node: Node | null | undefined): number | undefined {
  if (node?.type !== 'number') return undefined;
  const n = Number(node.text.replace(/_/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * `while (c) { ...; c >>= 1 }`, `for (; n > 0; n >>>= 8)`: a number shifted right until it is zero runs at most
 * 64 times (bit counting, varint encoding), however much bit arithmetic it does.
 */
function isShiftLoop(loop: Node): boolean {
  const condition = loop.childForFieldName('condition');
  let test = condition?.type === 'expression_statement' ? condition.namedChildren[0] : condition;
  while (test?.type === 'parenthesized_expression') test = test.namedChildren[0];
  let name: string | undefined;
  if (test?.type === 'identifier') name = test.text;
  else if (test?.type === 'binary_expression' && ['>', '>=', '!=', '!=='].includes(test.childForFieldName('operator')?.type ?? '')) {
    const left = test.childForFieldName('left');
    const bound = numberValue(test.childForFieldName('right'));
    if (left?.type === 'identifier' && bound !== undefined && bound <= 1) name = left.text;
  }
  if (!name) return false;
  const word = name.replace(/\$/g, '\\$');
  return new RegExp(`(?:^|[^\\w$.])${word}\\s*(?:>>>?=|=\\s*${word}\\s*>>>?)`).test(loop.text);
}

/** `for (let i = 0; i < 3; i++)`, `for (const x of [a, b])` or a shift-until-zero loop: too few iterations to matter. */
function isSmallLoop(loop: Node): boolean {
  if (loop.type !== 'for_in_statement' && isShiftLoop(loop)) return true;
  if (loop.type === 'for_statement') {
    const condition = loop.childForFieldName('condition');
    const test = condition?.type === 'expression_statement' ? condition.namedChildren[0] : condition;
    if (test?.type === 'binary_expression') {
      const bound = numberValue(test.childForFieldName('right'));
      return bound !== undefined && bound < SMALL_LOOP;
    }
    return false;
  }
  if (loop.type === 'for_in_statement') {
    const right = loop.childForFieldName('right');
    if (right?.type === 'identifier') return lengthCheckedBefore(loop, right.text, tsLengthBound) !== undefined;
    return right?.type === 'array' && right.namedChildren.length < SMALL_LOOP;
  }
  return false;
}

/** `xs.length !== 4` (or `> 4`, `>= 4`, either way round) exits before: at most that many items, if few. */
function tsLengthBound(test: Node, name: string): number | undefined {
  while (test.type === 'parenthesized_expression' && test.namedChildren[0]) test = test.namedChildren[0];
  if (test.type !== 'binary_expression') return undefined;
  const left = test.childForFieldName('left');
  const right = test.childForFieldName('right');
  const isLength = (n: Node | null) => n?.type === 'member_expression' && n.childForFieldName('property')?.text === 'length' && n.childForFieldName('object')?.type === 'identifier' && n.childForFieldName('object')?.text === name;
  const operator = test.childForFieldName('operator')?.type ?? '';
  if (isLength(left)) return exitBound(operator, numberValue(right), SMALL_LOOP);
  if (isLength(right)) return exitBound(FLIPPED.get(operator) ?? '', numberValue(left), SMALL_LOOP);
  return undefined;
}

/** The number a bound expression stands for: a literal, or a `const` initialised with one (`const N = 1e6`). */
function boundValue(semantics: TsSemantics, node: Node | null | undefined): number | undefined {
  const direct = numberValue(node);
  if (direct !== undefined || node?.type !== 'identifier') return direct;
  return numberValue(semantics.constValue(node));
}

/** What a loop iterates over, as text for comparing loops: `n` in `i < n`, `xs` in `for (const x of xs)`. */
function loopBound(loop: Node): { bound?: Node; variable?: string } {
  if (loop.type === 'for_in_statement') {
    const left = loop.childForFieldName('left');
    return { bound: loop.childForFieldName('right') ?? undefined, variable: left?.type === 'identifier' ? left.text : undefined };
  }
  let test = loop.childForFieldName('condition');
  if (test?.type === 'expression_statement') test = test.namedChildren[0];
  while (test?.type === 'parenthesized_expression') test = test.namedChildren[0];
  if (test?.type !== 'binary_expression' || !['<', '<='].includes(test.childForFieldName('operator')?.type ?? '')) return {};
  const left = test.childForFieldName('left');
  return { bound: test.childForFieldName('right') ?? undefined, variable: left?.type === 'identifier' ? left.text : undefined };
}

/** `xs.length` and `xs` name the same data. */
function dataOf(bound: Node | undefined): string | undefined {
  if (!bound) return undefined;
  if (bound.type === 'member_expression' && bound.childForFieldName('property')?.text === 'length') return bound.childForFieldName('object')?.text;
  return bound.text;
}

/** True when `node` contains an identifier `name` and a multiplicative or bitwise operator (bounded by the subtree's size). */
function isKernelOf(node: Node, name: string): boolean {
  let strong = false;
  let uses = false;
  const walk = (n: Node) => {
    if (n.type === 'identifier' && n.text === name) uses = true;
    if (n.type === 'binary_expression' && STRONG.has(n.childForFieldName('operator')?.type ?? '')) strong = true;
    if (FUNCTION_TYPES.has(n.type)) return;
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(node);
  return strong && uses;
}

interface LoopState {
  node: Node;
  /** Loops nested in this outermost one (in place, callbacks of array methods included). */
  inner: Node[];
  /** An accumulator updated by multiplicative or bitwise arithmetic each turn: a numeric kernel. */
  accumulator?: Node;
  /** Multiplicative or bitwise arithmetic: real computation per iteration. */
  arithmetic?: Node;
  /** Only `+`/`-`/`++` or template strings: bookkeeping unless the loop is known to run many times. */
  light?: Node;
  strings?: Node;
  cpuCall?: { node: Node; name: string; scale?: string };
  io: boolean;
  opaque: boolean;
  suspends: boolean;
  nested: boolean;
}

type CallKind =
  | { kind: 'pure' }
  | { kind: 'print'; evidence: Evidence }
  | { kind: 'io'; evidence: Evidence }
  | { kind: 'cpu'; evidence: Evidence; name: string; scale?: string }
  | { kind: 'recursion' }
  | { kind: 'opaque' };

const caches = new WeakMap<TsSemantics, Map<number, CpuClassification>>();

/** Classifies a function (declaration, expression, arrow or method) by its body; nested functions are skipped. */
export function classifyFunction(semantics: TsSemantics, fn: Node): CpuClassification {
  return classifyWith(semantics, fn, []);
}

/** Classifies a loop that runs in place inside some function. */
export function classifyLoop(semantics: TsSemantics, loop: Node): CpuClassification {
  let owner: Node | null = loop.parent;
  for (let steps = 0; owner && !FUNCTION_TYPES.has(owner.type); steps++) owner = steps < MAX_NESTING ? owner.parent : null;
  return new Scanner(semantics, loop, owner ? [owner.id] : []).run();
}

function classifyWith(semantics: TsSemantics, fn: Node, stack: number[]): CpuClassification {
  let cache = caches.get(semantics);
  if (!cache) {
    cache = new Map();
    caches.set(semantics, cache);
  }
  const cached = cache.get(fn.id);
  if (cached) return cached;
  const result = new Scanner(semantics, fn, [...stack, fn.id]).run();
  if (stack.length === 0) cache.set(fn.id, result);
  return result;
}

/** The function node a callee expression denotes in this file, if any. */
export function localFunction(semantics: TsSemantics, callee: Node): Node | undefined {
  if (FUNCTION_TYPES.has(callee.type)) return callee;
  const resolved = semantics.resolve(callee);
  if (resolved?.kind === 'local' && FUNCTION_TYPES.has(resolved.node.type)) return resolved.node;
  return undefined;
}

export function functionName(fn: Node): string {
  const name = fn.childForFieldName('name')?.text ?? (fn.parent?.type === 'variable_declarator' ? fn.parent.childForFieldName('name')?.text : undefined);
  return name ? `\`${name}\`` : 'the callback';
}

class Scanner {
  private readonly cpu: Evidence[] = [];
  private readonly io: Evidence[] = [];
  private readonly suspend: Evidence[] = [];
  private readonly loops: LoopState[] = [];
  private arithmeticOutsideLoops = false;
  private opaqueCalls = 0;
  private recursion: Node | undefined;
  /** Self-call sites: two or more (`fib(n - 1) + fib(n - 2)`) make the work grow exponentially; one is a walk. */
  private recursionSites = 0;
  /** Self-calls outside loops, by the statement holding them: two in one (`return f(n - 1) + f(n - 2)`) branch exponentially. */
  private readonly branching = new Map<number, number>();
  private generator = false;
  private readonly fn: Node | undefined;
  /** The first reason the work is large (see CpuClassification.scale). */
  private scale: string | undefined;

  constructor(private readonly semantics: TsSemantics, private readonly region: Node, private readonly stack: number[]) {
    this.fn = FUNCTION_TYPES.has(region.type) ? region : undefined;
  }

  run(): CpuClassification {
    if (this.fn) {
      if (this.fn.type.startsWith('generator')) this.generator = true;
      const body = this.fn.childForFieldName('body');
      if (body) {
        if (body.type === 'statement_block') for (const c of body.namedChildren) { if (c) this.visit(c, undefined, false); }
        else this.visit(body, undefined, false);
      }
    } else {
      this.visit(this.region, undefined, false);
    }
    for (const loop of this.loops) this.finishLoop(loop);
    if (this.recursion && this.recursionSites >= 2 && (this.arithmeticOutsideLoops || this.loops.some((l) => l.arithmetic || l.light))) {
      // A walk calls itself once per child (in a loop, or in separate branches): linear in the data, not large by itself.
      const branches = Math.max(0, ...this.branching.values());
      if (branches >= 2) this.scale ??= `calls itself ${branches} times per call: the work grows exponentially`;
      this.cpu.push({ kind: 'cpu', range: rangeOf(this.recursion), text: `${this.fn ? functionName(this.fn) : 'it'} calls itself recursively (line ${lineOf(this.recursion)}) and does arithmetic${branches >= 2 ? ` (${this.scale})` : ''}` });
    }
    const opaqueLoop = this.loops.some((l) => l.opaque && !l.io);
    let verdict: CpuVerdict;
    if (this.generator) verdict = 'unknown';
    else if (this.io.length || this.suspend.length) verdict = this.cpu.length ? 'mixed' : 'io';
    else if (opaqueLoop) verdict = 'unknown';
    else verdict = this.cpu.length ? 'cpu' : 'unknown';
    return {
      verdict,
      evidence: [...this.cpu, ...this.io, ...this.suspend],
      releasesGil: false,
      suspends: this.suspend.length > 0,
      sideEffects: [],
      pure: !this.generator && !this.opaqueCalls && !this.io.length && !this.suspend.length,
      scale: this.cpu.length ? this.scale : undefined,
    };
  }

  /** Why a loop's work is large, on evidence in the code; undefined for a scan of an input of unknown size. */
  private loopScale(loop: LoopState): string | undefined {
    const { bound, variable } = loopBound(loop.node);
    const count = boundValue(this.semantics, bound);
    if (count !== undefined && count >= LARGE_LOOP) return `runs ${count.toLocaleString('en-US')} times`;
    const data = dataOf(bound);
    for (const inner of loop.inner) {
      const innerBound = loopBound(inner).bound;
      const innerData = dataOf(innerBound);
      if (data && innerData === data) return `nested loops over \`${data}\`: the work grows with its size squared`;
      // `for (i < n) for (j < i)`: triangular. (`for (row of rows) for (x of row)` walks each item once: linear.)
      if (variable && loop.node.type === 'for_statement' && inner.type === 'for_statement' && innerBound?.type === 'identifier' && innerBound.text === variable) return `nested loops up to \`${variable}\`: the work grows with the square of the count`;
      const innerCount = boundValue(this.semantics, innerBound);
      if (innerCount !== undefined && innerCount >= LARGE_LOOP) return `an inner loop runs ${innerCount.toLocaleString('en-US')} times per turn`;
    }
    if (loop.accumulator) return `a numeric kernel updating \`${loop.accumulator.text}\` each turn`;
    if (loop.cpuCall?.scale) return loop.cpuCall.scale;
    return undefined;
  }

  private finishLoop(loop: LoopState): void {
    if (loop.io || loop.opaque || loop.suspends) return;
    if (!loop.nested && isSmallLoop(loop.node)) return;
    // Counting over a collection (`for (const x of xs) n++`, `i < xs.length`) is bookkeeping, not CPU-bound work;
    // it counts only in counted loops with another bound (`i < n`).
    const counted = loop.node.type === 'for_statement' && !/\.length\b/.test(loop.node.childForFieldName('condition')?.text ?? '');
    const scale = this.loopScale(loop);
    const quadratic = scale?.startsWith('nested');
    const does = loop.cpuCall
      ? `calls ${loop.cpuCall.name} (line ${lineOf(loop.cpuCall.node)}), which is CPU-bound,`
      : loop.arithmetic ? 'does arithmetic' : (counted || quadratic) && loop.light ? 'does arithmetic' : counted && loop.strings ? 'builds strings'
        // Nested loops over the same data: even comparing is quadratic work.
        : quadratic ? 'visits every pair of items' : undefined;
    if (!does) return;
    this.scale ??= scale;
    this.cpu.push({ kind: 'cpu', range: loopHeaderRange(loop.node), text: `the loop at line ${lineOf(loop.node)} ${does}${scale ? ` (${scale})` : ''} and makes no I/O call` });
  }

  private readonly nesting = new NestingGuard();

  private visit(node: Node, loop: LoopState | undefined, header: boolean): void {
    if (FUNCTION_TYPES.has(node.type) || CLASSES.has(node.type)) return;
    // Bounded by MAX_NESTING: deeper code (only ever broken or generated) is not looked into.
    this.nesting.within(() => this.visitNode(node, loop, header), undefined);
  }

  private visitNode(node: Node, loop: LoopState | undefined, header: boolean): void {
    if (LOOPS.has(node.type)) {
      const awaitFor = node.type === 'for_in_statement' && node.children.some((c) => c?.type === 'await');
      if (awaitFor) this.suspend.push({ kind: 'suspend', range: rangeOf(node), text: `\`for await\` at line ${lineOf(node)}` });
      let state = loop;
      if (state) {
        state.nested = true;
        state.inner.push(node);
      } else {
        state = { node, inner: [], io: false, opaque: false, suspends: false, nested: false };
        this.loops.push(state);
      }
      if (awaitFor) state.suspends = true;
      const body = node.childForFieldName('body');
      for (const child of node.namedChildren) if (child) this.visit(child, state, child.id !== body?.id);
      return;
    }
    switch (node.type) {
      case 'await_expression':
        this.suspend.push({ kind: 'suspend', range: rangeOf(node), text: `\`await\` at line ${lineOf(node)}` });
        if (loop) loop.suspends = true;
        break;
      case 'yield_expression':
        this.generator = true;
        break;
      case 'binary_expression': {
        const op = node.childForFieldName('operator')?.type ?? '';
        if (!header && ARITHMETIC.has(op)) this.noteArithmetic(node, loop, op);
        break;
      }
      case 'augmented_assignment_expression': {
        const op = (node.childForFieldName('operator')?.type ?? '').slice(0, -1);
        if (!header && ARITHMETIC.has(op)) this.noteArithmetic(node, loop, op);
        const left = node.childForFieldName('left');
        // Dividing or shifting down (`size /= 1024`, `n >>= 1`) ends in a few turns: not a kernel.
        if (!header && loop && left?.type === 'identifier' && STRONG.has(op) && !SHRINKING.has(op)) loop.accumulator ??= left;
        break;
      }
      case 'assignment_expression': {
        // `h = (h * 31 + c) % m`: the new value computed from the old one by multiplicative or bitwise arithmetic.
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (!header && loop && !loop.accumulator && left?.type === 'identifier' && right && isKernelOf(right, left.text)) loop.accumulator = left;
        break;
      }
      case 'update_expression':
        if (!header) this.noteArithmetic(node, loop, '+');
        break;
      case 'template_substitution':
        if (loop) loop.strings ??= node;
        break;
      case 'call_expression':
        this.visitCall(node, loop);
        // Callbacks of array methods run here and now.
        for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
          if (arg && FUNCTION_TYPES.has(arg.type) && this.inlineCallback(node)) {
            const body = arg.childForFieldName('body');
            if (body) this.visit(body, loop, false);
          }
        }
        break;
      case 'new_expression':
        this.visitCall(node, loop);
        break;
    }
    for (const child of node.namedChildren) if (child) this.visit(child, loop, header);
  }

  private inlineCallback(call: Node): boolean {
    const callee = call.childForFieldName('function');
    return callee?.type === 'member_expression' && INLINE_CALLBACK_METHODS.has(callee.childForFieldName('property')?.text ?? '');
  }

  private noteArithmetic(node: Node, loop: LoopState | undefined, op: string): void {
    if (!loop) this.arithmeticOutsideLoops = true;
    else if (op === '+' || op === '-' || op === '|' || op === '&') loop.light ??= node;
    else loop.arithmetic ??= node;
  }

  private visitCall(call: Node, loop: LoopState | undefined): void {
    const kind = this.classifyCall(call);
    switch (kind.kind) {
      case 'io':
        this.io.push(kind.evidence);
        if (loop) loop.io = true;
        break;
      case 'print':
        if (loop) {
          this.io.push(kind.evidence);
          loop.io = true;
        }
        break;
      case 'cpu':
        if (loop) loop.cpuCall ??= { node: call, name: kind.name, scale: kind.scale };
        else {
          this.cpu.push(kind.evidence);
          this.scale ??= kind.scale;
        }
        break;
      case 'recursion':
        this.recursion ??= call;
        this.recursionSites++;
        if (!loop) {
          const statement = statementOf(call);
          if (statement) this.branching.set(statement.id, (this.branching.get(statement.id) ?? 0) + 1);
        }
        break;
      case 'opaque':
        this.opaqueCalls++;
        if (loop) loop.opaque = true;
        break;
      case 'pure':
        break;
    }
  }

  private classifyCall(call: Node): CallKind {
    const callee = call.childForFieldName('function') ?? call.childForFieldName('constructor');
    if (!callee) return { kind: 'opaque' };
    if (callee.type === 'import') return { kind: 'io', evidence: { kind: 'io', range: rangeOf(call), text: `\`import()\` at line ${lineOf(call)} loads a module` } };
    const at = rangeOf(call);
    const line = lineOf(call);
    const short = callee.text.length > 40 ? `${callee.text.slice(0, 37)}...` : callee.text;
    // One resolution serves both questions (a function of this file? a known API?): resolving is not cached.
    if (FUNCTION_TYPES.has(callee.type)) return this.follow(callee, call, `\`${short}\``);
    const resolved = this.semantics.resolve(callee);
    if (resolved?.kind === 'local') {
      if (FUNCTION_TYPES.has(resolved.node.type)) return this.follow(resolved.node, call, `\`${short}\``);
      return CLASSES.has(resolved.node.type) ? { kind: 'pure' } : { kind: 'opaque' };
    }
    // `calleeName` differs from `resolve(callee)` only for wrapped callees (`(0, fs.readFileSync)`, `f!`).
    const qualified = resolved?.kind === 'qualified' ? resolved.name : WRAPPED_CALLEES.has(callee.type) ? this.semantics.calleeName(call) : undefined;
    if (qualified) {
      if (qualified.startsWith('global.console.')) return { kind: 'print', evidence: { kind: 'io', range: at, text: `\`${short}\` at line ${line} writes to the console in the loop` } };
      const blocking = tsBlockingCall(qualified);
      if (blocking) return { kind: 'io', evidence: { kind: 'io', range: at, text: `\`${short}\` at line ${line} blocks (${blocking.category})` } };
      const root = qualified.split('.').slice(0, qualified.startsWith('global.') ? 2 : 1).join('.');
      if (IO_QUALIFIED_PREFIXES.some((p) => qualified === p || root === p || qualified.startsWith(`${p}.`))) {
        return { kind: 'io', evidence: { kind: 'io', range: at, text: `\`${short}\` at line ${line} does I/O or schedules work` } };
      }
      if (qualified.startsWith('global.') && PURE_GLOBALS.has(qualified.split('.')[1])) return { kind: 'pure' };
    }
    // Builtins the semantics does not list: pure unless the file declares the name.
    const base = callee.type === 'member_expression' ? leftmost(callee) : callee;
    if (base?.type === 'identifier' && PURE_GLOBALS.has(base.text) && !this.semantics.isDeclared(base.text, call)) return { kind: 'pure' };
    if (callee.type === 'member_expression') {
      const method = callee.childForFieldName('property')?.text ?? '';
      if (IO_METHODS.has(method)) return { kind: 'io', evidence: { kind: 'io', range: at, text: `\`${short}()\` at line ${line} looks like I/O` } };
      if (PURE_METHODS.has(method) && !qualified) return { kind: 'pure' };
    }
    return { kind: 'opaque' };
  }

  private follow(target: Node, call: Node, label: string): CallKind {
    if (this.stack.includes(target.id)) return { kind: 'recursion' };
    if (this.stack.length > MAX_DEPTH) return { kind: 'opaque' };
    const inner = classifyWith(this.semantics, target, this.stack);
    const line = lineOf(call);
    switch (inner.verdict) {
      case 'cpu':
        return { kind: 'cpu', name: label, scale: inner.scale, evidence: { kind: 'cpu', range: rangeOf(call), text: `it calls ${label} (line ${line}), which is CPU-bound: ${inner.evidence.find((e) => e.kind === 'cpu')?.text ?? 'it computes'}` } };
      case 'io': case 'mixed':
        return { kind: 'io', evidence: { kind: 'io', range: rangeOf(call), text: `${label} at line ${line} does I/O or awaits` } };
      default:
        return inner.pure ? { kind: 'pure' } : { kind: 'opaque' };
    }
  }
}

/** The statement holding an expression (bounded by the tree's depth). */
function statementOf(node: Node): Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type.endsWith('_statement') || current.type === 'lexical_declaration' || current.type === 'variable_declaration') return current;
    if (FUNCTION_TYPES.has(current.type)) return current.childForFieldName('body')?.type === 'statement_block' ? undefined : current;
  }
  return undefined;
}

function leftmost(node: Node): Node | undefined {
  let current: Node | null = node;
  while (current && (current.type === 'member_expression' || current.type === 'call_expression')) {
    current = current.type === 'member_expression' ? current.childForFieldName('object') : current.childForFieldName('function');
  }
  return current ?? undefined;
}

// ---------------------------------------------------------------- cheap prechecks for rules

// What CPU evidence is made of (see python/cpu.ts): arithmetic, counted `for` loops, and calls that may reach a
// function of this file. Node types the grammar lacks (JS has no `type_assertion`...) are left out of the queries.
const PRECHECK_PATTERNS = [
  '(binary_expression operator: ["*" "/" "%" "**" "<<" ">>" ">>>" "^"]) @strong',
  '(augmented_assignment_expression operator: ["*=" "/=" "%=" "**=" "<<=" ">>=" ">>>=" "^="]) @strong',
  '(binary_expression operator: ["+" "-" "|" "&"]) @light',
  '(augmented_assignment_expression operator: ["+=" "-=" "|=" "&="]) @light',
  '(update_expression) @light',
  '(template_substitution) @light',
  '(for_statement) @for',
  '[(for_in_statement) (while_statement) (do_statement)] @loop',
  '(call_expression function: (identifier) @callee)',
  '(new_expression constructor: (identifier) @callee)',
];
// Only identifiers (and function expressions called in place) resolve to functions of this file: names declared by
// `function`, or assigned (`const f = ...`, `f: T = ...`), found by text since a whole-file query costs as much as
// visiting every node. A superset.
const FUNCTION_NAME = /\bfunction\b\s*\*?\s*([\p{L}_$][\p{L}\p{N}_$]*)/gu;
const IDENTIFIER = /[\p{L}_$][\p{L}\p{N}_$]*/gu;
const OPERATOR_BEFORE_EQUALS = new Set(['=', '!', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '?']);

/** Every name between a line's start and an assignment's `=` on it: the targets, and harmlessly any others (a superset). */
function assignedNames(text: string, into: Set<string>): void {
  for (let i = text.indexOf('='); i !== -1; i = text.indexOf('=', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 61 /* = */ || next === 62 /* > */) {
      i++;
      continue;
    }
    if (OPERATOR_BEFORE_EQUALS.has(text.charAt(i - 1))) continue;
    const lineStart = text.lastIndexOf('\n', i) + 1;
    for (const match of text.slice(lineStart, i).matchAll(IDENTIFIER)) into.add(match[0]);
  }
}
const tsQueries = new WeakMap<object, { precheck: Query; wrapped: Query }>();
const tsNames = new WeakMap<TsSemantics, Set<string>>();

function tsQueriesFor(language: Language): { precheck: Query; wrapped: Query } {
  let q = tsQueries.get(language);
  if (!q) {
    const has = (t: string) => language.idForNodeType(t, true) !== null;
    const wrappers = [...WRAPPED_CALLEES, ...FUNCTION_TYPES].filter(has).map((t) => `(${t})`).join(' ');
    q = {
      precheck: new Query(language, PRECHECK_PATTERNS.join('\n')),
      wrapped: new Query(language, `(call_expression function: [${wrappers}]) @call (new_expression constructor: [${wrappers}]) @call`),
    };
    tsQueries.set(language, q);
  }
  return q;
}

/** Names through which a call may reach a function of this file (a superset), once per analysis. */
export function tsLocalFunctionNames(semantics: TsSemantics): ReadonlySet<string> {
  let names = tsNames.get(semantics);
  if (!names) {
    names = new Set();
    const text = semantics.text;
    for (const match of text.matchAll(FUNCTION_NAME)) names.add(match[1]);
    assignedNames(text, names);
    tsNames.set(semantics, names);
  }
  return names;
}

/**
 * A necessary condition for `classifyFunction`/`classifyLoop` of `node` to be 'cpu': it contains multiplicative or
 * bitwise arithmetic, `+`/`-`/`++` or template strings next to a `for (;;)` loop, two loops, or a call that may reach a
 * function of this file. False means the full classification cannot be 'cpu', so rules skip it; true decides nothing.
 */
export function tsMayBeCpu(semantics: TsSemantics, node: Node): boolean {
  const queries = tsQueriesFor(semantics.tree.language);
  const names = tsLocalFunctionNames(semantics);
  let light = false;
  let counted = false;
  let loops = 0;
  for (const { name, node: captured } of queries.precheck.captures(node)) {
    if (name === 'strong') return true;
    if (name === 'light') light = true;
    else if (name === 'for' || name === 'loop') {
      if (name === 'for') counted = true;
      // Two loops, one in the other or side by side: nested loops are quadratic work whatever they do.
      if (++loops >= 2) return true;
    } else if (names.has(captured.text)) return true;
    if (light && counted) return true;
  }
  // Functions called in place (`(() => ...)()`) or through a wrapper (`(0, f)()`, `f!()`).
  return queries.wrapped.captures(node).length > 0;
}
