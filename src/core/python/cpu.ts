import { MAX_NESTING, NestingGuard } from '../locate';
import { Query, type Node } from 'web-tree-sitter';
import { pythonBlockingCall } from '../catalog/blocking';
import { rangeOf, startOf } from '../text';
import type { Range } from '../types';
import type { PythonSemantics } from './semantics';
import { dictOf } from '../dict';
import { exitBound, FLIPPED, lengthCheckedBefore } from '../loopBounds';

/**
 * Classifies Python callables as CPU-bound or I/O-bound from evidence in their code.
 * Shared by `cpu-bound-in-thread`, `cpu-bound-in-async` and the visualiser (step weights).
 * Conservative by design: 'cpu' needs positive evidence and no sign of I/O or of calls we cannot see into.
 */

export type CpuVerdict = 'cpu' | 'io' | 'mixed' | 'unknown';

export type EvidenceKind =
  /** Pure-Python work that holds the GIL: arithmetic loops, recursion, CPU-bound callees. */
  | 'cpu'
  /** A call that blocks on the outside world: network, file, subprocess, sleep, a wait. */
  | 'io'
  /** Work done in C that releases the GIL (hashlib, zlib, NumPy...). */
  | 'gil-release'
  /** `await`, `async for`, `async with`: the coroutine may let other tasks run. */
  | 'suspend';

export interface Evidence {
  kind: EvidenceKind;
  range: Range;
  /** A phrase for messages: "the loop at line 12 does arithmetic and makes no I/O call". */
  text: string;
  /** I/O evidence from a call the blocking catalogue names (here or in a helper it calls): what the blocking rules report. */
  blocks?: true;
}

export interface CpuClassification {
  verdict: CpuVerdict;
  evidence: Evidence[];
  /** Some of its heavy work runs in C code that releases the GIL, so threads do overlap it. */
  releasesGil: boolean;
  /** It awaits (only coroutines): other tasks can run while it waits. */
  suspends: boolean;
  /**
   * Effects a separate process would lose: `global` statements, assignments to or mutating calls on
   * parameters and outer names. Empty means results leave only by return value (and printing).
   */
  sideEffects: Evidence[];
  /** Every call it makes is known to compute without I/O (a helper such as `def sq(x): return x * x`). */
  pure: boolean;
  /**
   * Why the work is large, when the code shows it ("runs 50,000,000 times", "nested loops over `xs`"); undefined when
   * nothing says so (a linear scan of an input of unknown size). Set by the JS/TS classifier.
   */
  scale?: string;
}

/** The classification's main evidence in a phrase (its first two CPU facts), for messages and hovers. */
export function summary(c: CpuClassification): string {
  return c.evidence.filter((e) => e.kind === 'cpu').slice(0, 2).map((e) => e.text).join('; ');
}

/**
 * Calls known to release the GIL while they work, so threads running them overlap on several cores.
 * Prefix match on the qualified name. The C implementations drop the GIL around the heavy part:
 * hashlib for buffers over 2 KiB, zlib/bz2/lzma (de)compression, NumPy/SciPy array kernels
 * (not element-wise Python callbacks), OpenCV, PyTorch ops; `time.sleep` releases it while waiting.
 */
export const GIL_RELEASING: readonly { prefix: string; why: string }[] = [
  { prefix: 'hashlib.', why: 'hashlib releases the GIL while hashing buffers larger than 2 KiB' },
  { prefix: 'zlib.', why: 'zlib releases the GIL while compressing and decompressing' },
  { prefix: 'bz2.', why: 'bz2 releases the GIL while compressing and decompressing' },
  { prefix: 'lzma.', why: 'lzma releases the GIL while compressing and decompressing' },
  { prefix: 'numpy.', why: 'most NumPy array operations run in C without the GIL' },
  { prefix: 'scipy.', why: 'SciPy\'s numeric kernels run in C/Fortran without the GIL' },
  { prefix: 'cv2.', why: 'OpenCV releases the GIL in its image operations' },
  { prefix: 'torch.', why: 'PyTorch releases the GIL in its tensor operations' },
  { prefix: 'time.sleep', why: 'time.sleep releases the GIL while it waits' },
];

export function gilReleasing(qualified: string): string | undefined {
  return GIL_RELEASING.find((g) => qualified === g.prefix || qualified.startsWith(g.prefix))?.why;
}

// Library calls that compute without I/O (holding the GIL), by module prefix or exact name.
const PURE_PREFIXES = [
  'math.', 'cmath.', 'operator.', 'itertools.', 'functools.', 'random.', 'statistics.', 'string.', 'struct.', 're.',
  'json.', 'decimal.', 'fractions.', 'heapq.', 'bisect.', 'collections.', 'copy.', 'base64.', 'binascii.', 'array.',
  'typing.', 'dataclasses.', 'enum.', 'textwrap.', 'unicodedata.', 'os.path.join', 'os.path.basename', 'os.path.dirname',
  'os.path.splitext', 'os.path.split', 'os.path.normpath', 'datetime.', 'uuid.UUID', 'ipaddress.',
];
const PURE_EXACT = new Set(['time.perf_counter', 'time.time', 'time.monotonic', 'time.process_time', 'time.perf_counter_ns', 'time.time_ns', 'time.monotonic_ns']);
// Modules whose calls do I/O or wait; anything the blocking catalogue lists counts too.
const IO_PREFIXES = [
  'socket.', 'ssl.', 'requests.', 'httpx.', 'aiohttp.', 'urllib.', 'urllib3.', 'http.', 'ftplib.', 'smtplib.', 'subprocess.',
  'shutil.', 'pathlib.', 'io.', 'sqlite3.', 'psycopg2.', 'pymysql.', 'select.', 'selectors.', 'asyncio.', 'os.', 'tempfile.',
  'glob.', 'logging.', 'sys.stdout.', 'sys.stderr.', 'sys.stdin.', 'queue.', 'threading.', 'multiprocessing.', 'concurrent.futures.',
  'signal.', 'webbrowser.', 'tkinter.', 'pickle.dump', 'pickle.load', 'json.dump', 'json.load', 'csv.',
];
// Calls on those modules that only construct or compute (a Lock, a Thread object...): not I/O by themselves.
const IO_MODULE_CONSTRUCTORS = /^(threading|queue|multiprocessing|concurrent\.futures|asyncio)\.[A-Z]\w*$|^threading\.(current_thread|get_ident|main_thread|active_count)$/;
// Pure json/pickle members must win over the json.dump/json.load prefixes.
const PURE_OVERRIDES = new Set(['json.dumps', 'json.loads', 'pickle.dumps', 'pickle.loads']);

const PURE_BUILTINS = new Set([
  'abs', 'all', 'any', 'ascii', 'bin', 'bool', 'bytearray', 'bytes', 'callable', 'chr', 'complex', 'dict', 'divmod',
  'enumerate', 'filter', 'float', 'format', 'frozenset', 'getattr', 'hasattr', 'hash', 'hex', 'id', 'int', 'isinstance',
  'issubclass', 'iter', 'len', 'list', 'map', 'max', 'min', 'next', 'oct', 'ord', 'pow', 'range', 'repr', 'reversed',
  'round', 'set', 'setattr', 'slice', 'sorted', 'str', 'sum', 'tuple', 'type', 'zip', 'super', 'object',
  'ValueError', 'TypeError', 'KeyError', 'IndexError', 'RuntimeError', 'AssertionError', 'ZeroDivisionError', 'Exception',
]);
// Builtins that compute over a whole iterable: with a large `range(...)` they are CPU evidence by themselves.
const AGGREGATES = new Set(['sum', 'sorted', 'min', 'max', 'list', 'set', 'tuple', 'any', 'all']);

// Methods of builtin types (str, list, dict, set, int, bytes) called on objects we cannot resolve.
const PURE_METHODS = new Set([
  'append', 'extend', 'insert', 'pop', 'popleft', 'appendleft', 'remove', 'add', 'discard', 'update', 'setdefault',
  'items', 'keys', 'values', 'copy', 'count', 'index', 'sort', 'reverse', 'clear', 'join', 'split', 'rsplit', 'splitlines',
  'strip', 'lstrip', 'rstrip', 'upper', 'lower', 'title', 'capitalize', 'casefold', 'replace', 'startswith', 'endswith',
  'find', 'rfind', 'format', 'encode', 'decode', 'isdigit', 'isalpha', 'isalnum', 'isspace', 'isupper', 'islower', 'zfill',
  'ljust', 'rjust', 'center', 'partition', 'rpartition', 'translate', 'hex', 'to_bytes', 'from_bytes', 'bit_length',
  'bit_count', 'conjugate', 'is_integer', 'hexdigest', 'digest', 'union', 'intersection', 'difference', 'issubset',
  'issuperset', 'most_common', 'elements', 'fromkeys', 'removeprefix', 'removesuffix', 'expandtabs', 'swapcase',
]);
// Methods that, on an object we cannot resolve, most likely talk to the outside world or wait.
const IO_METHODS = new Set([
  'recv', 'recv_into', 'recvfrom', 'send', 'sendall', 'sendto', 'accept', 'connect', 'read', 'readline', 'readlines',
  'write', 'writelines', 'flush', 'fetch', 'fetchone', 'fetchall', 'fetchmany', 'execute', 'executemany', 'commit',
  'urlopen', 'request', 'wait', 'wait_for', 'acquire', 'result', 'sleep', 'communicate', 'select', 'poll', 'put',
  'put_nowait', 'get_nowait', 'urlretrieve', 'download', 'upload', 'query', 'emit', 'log', 'info', 'debug', 'warning',
  'error', 'exception', 'critical', 'close', 'open', 'send_message', 'listen', 'serve_forever', 'run_until_complete',
]);
// Handing a result over once, after the work (`q.put(total)`), is not I/O that bounds the work.
const HANDOFF_METHODS = new Set(['put', 'put_nowait', 'set_result', 'set']);
// Methods that change their object: on a parameter or an outer name, a side effect a process would lose.
const MUTATING_METHODS = new Set([
  'append', 'extend', 'insert', 'pop', 'popleft', 'appendleft', 'remove', 'add', 'discard', 'update', 'setdefault',
  'sort', 'reverse', 'clear', 'put', 'put_nowait', 'set', 'set_result', 'write', 'writelines', 'release', 'acquire', 'send',
]);

const CATEGORY_VERB = dictOf<string>({
  sleep: 'sleeps', network: 'does network I/O', process: 'runs a subprocess', file: 'does file I/O', wait: 'waits',
  input: 'reads input', select: 'waits for I/O', database: 'queries a database', crypto: 'blocks', compression: 'blocks',
});

/** Operators of bookkeeping rather than computation: counters, offsets, boolean flags. */
const LIGHT = new Set(['+', '-', '|', '&']);
/** Augmented operators whose repeated use on one name is a numeric kernel (`h *= 31`, `x ^= x << 13`, `h %= m`). */
const KERNEL_UPDATES = new Set(['*', '%', '**', '<<', '^', '@']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^', '@']);
const LOOPS = new Set(['for_statement', 'while_statement', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const COMPREHENSIONS = new Set(['list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);
const NESTED_SCOPES = new Set(['function_definition', 'class_definition', 'lambda', 'decorated_definition']);

/** Loops over fewer iterations than this (a literal `range(n)` or a literal tuple) are not CPU evidence. */
const SMALL_LOOP = 1000;
/** `sum(range(n))`-style aggregates count from this many items. */
const BIG_RANGE = 100_000;
/** How many levels of same-file calls are followed. */
const MAX_DEPTH = 3;

export function lineOf(node: Node): number {
  return startOf(node).line + 1;
}

/** The header of a loop (`for x in xs:`), or the whole node for a comprehension: a compact range for evidence. */
export function headerRange(node: Node): Range {
  const body = node.childForFieldName('body');
  if (node.type === 'for_statement' || node.type === 'while_statement') {
    const colon = node.children.find((c) => c?.type === ':' && (!body || c.startIndex < body.startIndex));
    if (colon) return { start: rangeOf(node).start, end: rangeOf(colon).end };
  }
  return rangeOf(node);
}

/** Evaluates small constant integer expressions (`10**7`, `1_000 * 1_000`), else undefined. */
export function constantInt(node: Node | null | undefined): number | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'integer': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'parenthesized_expression': return constantInt(node.namedChildren[0]);
    case 'unary_operator': {
      const v = constantInt(node.namedChildren[0]);
      return v === undefined ? undefined : node.child(0)?.type === '-' ? -v : v;
    }
    case 'binary_operator': {
      const a = constantInt(node.childForFieldName('left'));
      const b = constantInt(node.childForFieldName('right'));
      if (a === undefined || b === undefined) return undefined;
      switch (node.childForFieldName('operator')?.type) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '**': return a ** b;
        case '//': return b ? Math.floor(a / b) : undefined;
        default: return undefined;
      }
    }
    default: return undefined;
  }
}

/** Iterations of `range(...)` with constant bounds, else undefined. */
function rangeSize(semantics: PythonSemantics, node: Node | null | undefined): number | undefined {
  if (node?.type !== 'call') return undefined;
  if (semantics.calleeName(node) !== 'builtins.range') return undefined;
  const args = node.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a) ?? [];
  const values = args.map((a) => constantInt(a) ?? (a.type === 'identifier' ? constantInt(semantics.assignedValue(a)) : undefined));
  if (values.some((v) => v === undefined)) return undefined;
  const [a, b, step] = values as number[];
  if (args.length === 1) return Math.max(0, a);
  if (args.length >= 2) return Math.max(0, Math.ceil((b - a) / (step ?? 1)));
  return undefined;
}

/** `len(xs) != 4` (or `> 4`, `>= 4`, either way round) exits before: at most that many items, if few. */
function pythonLengthBound(test: Node, name: string): number | undefined {
  while (test.type === 'parenthesized_expression' && test.namedChildren[0]) test = test.namedChildren[0];
  if (test.type !== 'comparison_operator' || test.namedChildren.length !== 2) return undefined;
  const [left, right] = test.namedChildren;
  const operator = test.children.find((c) => c !== null && !c.isNamed)?.type ?? '';
  const isLength = (n: Node | null) => n?.type === 'call' && n.childForFieldName('function')?.text === 'len' && n.childForFieldName('arguments')?.namedChildren.length === 1 && n.childForFieldName('arguments')?.namedChildren[0]?.text === name;
  const count = (n: Node | null) => (n?.type === 'integer' ? Number(n.text.replace(/_/g, '')) : undefined);
  if (isLength(left)) return exitBound(operator, count(right), SMALL_LOOP);
  if (isLength(right)) return exitBound(FLIPPED.get(operator) ?? '', count(left), SMALL_LOOP);
  return undefined;
}

/** The iterable of a loop or comprehension's first `for` (undefined for while loops). */
function iterableOf(loop: Node): Node | undefined {
  if (loop.type === 'for_statement') return loop.childForFieldName('right') ?? undefined;
  if (COMPREHENSIONS.has(loop.type)) {
    const clause = loop.namedChildren.find((c) => c?.type === 'for_in_clause');
    return clause?.childForFieldName('right') ?? undefined;
  }
  return undefined;
}

function isSmallLoop(semantics: PythonSemantics, loop: Node): boolean {
  const iterable = iterableOf(loop);
  if (!iterable) return false;
  const size = rangeSize(semantics, iterable);
  if (size !== undefined) return size < SMALL_LOOP;
  // `if len(parts) != 4: return None` before `for part in parts:`.
  if (iterable.type === 'identifier' && loop.type === 'for_statement') return lengthCheckedBefore(loop, iterable.text, pythonLengthBound) !== undefined;
  return ['tuple', 'list', 'set', 'string'].includes(iterable.type) && iterable.namedChildren.length < SMALL_LOOP;
}

/** What a loop's iterable walks over, as text for comparing loops: `xs` for `xs`, `range(len(xs))`, `enumerate(xs)`; `n` for `range(n)`. */
function dataOf(semantics: PythonSemantics, iterable: Node | undefined): string | undefined {
  if (!iterable) return undefined;
  if (iterable.type === 'call') {
    const name = semantics.calleeName(iterable);
    const args = iterable.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'comment') ?? [];
    if (name === 'builtins.range') {
      const stop = args.length === 1 ? args[0] : args[1];
      if (stop?.type === 'call' && semantics.calleeName(stop) === 'builtins.len') return stop.childForFieldName('arguments')?.namedChildren[0]?.text;
      return stop?.text;
    }
    if (name === 'builtins.enumerate' || name === 'builtins.reversed' || name === 'builtins.sorted') return dataOf(semantics, args[0]);
  }
  return iterable.text;
}

/** The `for` clauses of a loop or comprehension: [target, iterable] pairs, the loop's own first. */
function forClauses(loop: Node): { target?: Node; iterable?: Node }[] {
  if (loop.type === 'for_statement') return [{ target: loop.childForFieldName('left') ?? undefined, iterable: loop.childForFieldName('right') ?? undefined }];
  if (!COMPREHENSIONS.has(loop.type)) return [];
  return loop.namedChildren.filter((c): c is Node => c?.type === 'for_in_clause')
    .map((c) => ({ target: c.childForFieldName('left') ?? undefined, iterable: c.childForFieldName('right') ?? undefined }));
}

interface LoopState {
  node: Node;
  /** Loops nested in this outermost one. */
  inner: Node[];
  /** A comparison per turn (`a == b`): with nested loops over the same data, quadratic work. */
  compares?: Node;
  /** A name updated from itself by multiplicative or bitwise arithmetic each turn (`h = (h * 31 + b) % m`): a numeric kernel. */
  kernel?: Node;
  /** A name summing multiplicative terms (`total += i * i % 13`): a numeric kernel when the loop counts over `range(...)`. */
  accumulator?: Node;
  /** Multiplicative or bitwise arithmetic (`*`, `%`, `**`, `^`...): real computation per iteration. */
  arithmetic?: Node;
  /** Only `+`/`-` or string formatting: bookkeeping unless the loop is known to run many times. */
  light?: Node;
  strings?: Node;
  /** The expression iterated over, evaluated once: its arithmetic is not per-iteration work. */
  iterable?: Node;
  cpuCall?: { node: Node; name: string; scale?: string };
  io: Evidence[];
  opaque?: Node;
  suspends: boolean;
  gil: boolean;
  nested: boolean;
}

type CallKind =
  | { kind: 'pure' }
  | { kind: 'print'; evidence: Evidence }
  | { kind: 'io'; evidence: Evidence; handoff?: boolean }
  | { kind: 'gil'; evidence: Evidence }
  | { kind: 'cpu'; evidence: Evidence; name: string; sideEffects: Evidence[]; scale?: string }
  | { kind: 'aggregate'; evidence: Evidence }
  | { kind: 'recursion' }
  | { kind: 'opaque' };

const caches = new WeakMap<PythonSemantics, Map<number, CpuClassification>>();

/**
 * Classifies a function definition or lambda by what its body does (nested functions are not run by it and
 * are skipped). Calls to same-file functions are followed up to three levels, with a cycle guard.
 */
export function classifyCallable(semantics: PythonSemantics, fn: Node): CpuClassification {
  return classifyWith(semantics, fn, []);
}

/** Classifies one region that runs in place: a loop or comprehension inside some function. */
export function classifyRegion(semantics: PythonSemantics, region: Node): CpuClassification {
  const owner = enclosingCallable(region);
  return new Scanner(semantics, region, owner ? [owner.id] : []).run();
}

/**
 * For rules, which act only on CPU evidence: `classifyCallable(fn)` when it may have some (a 'cpu' verdict with
 * evidence of kind 'cpu'), else undefined. Skips functions `mayBeCpu` rules out, and stops scanning at the first
 * I/O, `await` or `yield` (each rules out a 'cpu' verdict); what it returns equals `classifyCallable`'s answer.
 */
export function cpuClassification(semantics: PythonSemantics, fn: Node): CpuClassification | undefined {
  if (!mayBeCpu(semantics, fn)) return undefined;
  const cached = caches.get(semantics)?.get(fn.id);
  const c = cached ?? new Scanner(semantics, fn, [fn.id], true).run();
  return c.verdict === 'cpu' && c.evidence.some((e) => e.kind === 'cpu') ? c : undefined;
}

/** Like `cpuClassification`, for a region that runs in place (`classifyRegion`). */
export function regionCpuClassification(semantics: PythonSemantics, region: Node): CpuClassification | undefined {
  if (!mayBeCpu(semantics, region)) return undefined;
  const owner = enclosingCallable(region);
  const c = new Scanner(semantics, region, owner ? [owner.id] : [], true).run();
  return c.verdict === 'cpu' && c.evidence.some((e) => e.kind === 'cpu') ? c : undefined;
}

/** Thrown by a scanner in `cpuOnly` mode once the verdict cannot be 'cpu' (made once: no stack trace per throw). */
class NotCpu extends Error {}
const NOT_CPU = new NotCpu('not cpu');

function classifyWith(semantics: PythonSemantics, fn: Node, stack: number[]): CpuClassification {
  let cache = caches.get(semantics);
  if (!cache) {
    cache = new Map();
    caches.set(semantics, cache);
  }
  const cached = cache.get(fn.id);
  if (cached) return cached;
  const result = new Scanner(semantics, fn, [...stack, fn.id]).run();
  // Results cut short by the depth limit or a cycle are not reused at other depths.
  if (stack.length === 0) cache.set(fn.id, result);
  return result;
}

/** The function definition or lambda a callable expression denotes in this file (through names, `self.m`, lambdas assigned to names). */
export function callableNode(semantics: PythonSemantics, expression: Node): Node | undefined {
  if (expression.type === 'lambda') return expression;
  if (expression.type === 'parenthesized_expression' && expression.namedChildren[0]) return callableNode(semantics, expression.namedChildren[0]);
  const resolved = semantics.resolve(expression);
  if (resolved?.kind === 'local' && resolved.node.type === 'function_definition') return resolved.node;
  if (expression.type === 'identifier') {
    const value = semantics.assignedValue(expression);
    if (value?.type === 'lambda') return value;
  }
  return undefined;
}

function enclosingCallable(node: Node): Node | undefined {
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
    if (current.type === 'function_definition' || current.type === 'lambda') return current;
  }
  return undefined;
}

function nameOf(fn: Node): string {
  return fn.type === 'lambda' ? 'the lambda' : `\`${fn.childForFieldName('name')?.text ?? '?'}\``;
}

class Scanner {
  private readonly cpu: Evidence[] = [];
  private readonly io: Evidence[] = [];
  private readonly gil: Evidence[] = [];
  private readonly suspend: Evidence[] = [];
  private readonly sideEffects: Evidence[] = [];
  private readonly loops: LoopState[] = [];
  private arithmeticOutsideLoops = false;
  private opaqueCalls = 0;
  private recursion: Node | undefined;
  /** Self-call sites: two or more (`fib(n - 1) + fib(n - 2)`) make the work grow exponentially; one is a walk. */
  private recursionSites = 0;
  /** Self-calls outside loops, by the statement holding them: two in one (`fib(n - 1) + fib(n - 2)`) branch exponentially. */
  private readonly branching = new Map<number, number>();
  /** The first reason the work is large (see CpuClassification.scale). */
  private scale: string | undefined;
  private generator = false;
  private readonly fn: Node | undefined;
  private readonly locals = new Set<string>();
  private readonly params = new Set<string>();
  private readonly globals = new Set<string>();

  /** Set once `locals`/`params`/`globals` are known: collected lazily, since most bodies never ask. */
  private namesCollected = false;

  /** `cpuOnly`: stop at the first sign that rules out a 'cpu' verdict (I/O, `await`, `yield`); see `cpuClassification`. */
  constructor(private readonly semantics: PythonSemantics, private readonly region: Node, private readonly stack: number[], private readonly cpuOnly = false) {
    this.fn = region.type === 'function_definition' || region.type === 'lambda' ? region : undefined;
  }

  private ensureNames(): void {
    if (this.namesCollected) return;
    this.namesCollected = true;
    if (this.fn) this.collectNames(this.fn);
  }

  run(): CpuClassification {
    const body = this.fn ? (this.fn.childForFieldName('body') ?? this.fn) : this.region;
    try {
      if (LOOPS.has(body.type)) this.visit(body, undefined);
      else for (const child of body.namedChildren) if (child) this.visit(child, undefined);
    } catch (error) {
      if (error !== NOT_CPU) throw error;
      return { verdict: 'io', evidence: [...this.io, ...this.suspend], releasesGil: false, suspends: this.suspend.length > 0, sideEffects: [], pure: false };
    }
    for (const loop of this.loops) this.finishLoop(loop);
    if (this.recursion && this.recursionSites >= 2 && (this.arithmeticOutsideLoops || this.loops.some((l) => l.arithmetic || l.light))) {
      const name = this.fn ? nameOf(this.fn) : 'it';
      this.cpu.push({ kind: 'cpu', range: rangeOf(this.recursion), text: `${name} calls itself recursively (line ${lineOf(this.recursion)}) and does arithmetic` });
      // A walk calls itself once per child; two calls in one statement branch exponentially.
      const branches = Math.max(0, ...this.branching.values());
      if (branches >= 2) this.scale ??= `calls itself ${branches} times per call: the work grows exponentially`;
    }
    const opaqueLoop = this.loops.some((l) => l.opaque && !l.io.length);
    const evidence = [...this.cpu, ...this.gil, ...this.io, ...this.suspend];
    let verdict: CpuVerdict;
    if (this.generator) verdict = 'unknown';
    else if (this.io.length || this.suspend.length) verdict = this.cpu.length || this.gil.length ? 'mixed' : 'io';
    else if (opaqueLoop) verdict = 'unknown';
    else if (this.cpu.length || this.gil.length) verdict = 'cpu';
    else verdict = 'unknown';
    const pure = !this.generator && !this.opaqueCalls && !this.io.length && !this.suspend.length && !this.gil.length;
    return { verdict, evidence, releasesGil: this.gil.length > 0, suspends: this.suspend.length > 0, sideEffects: this.sideEffects, pure, scale: this.cpu.length ? this.scale : undefined };
  }

  private finishLoop(loop: LoopState): void {
    const line = lineOf(loop.node);
    const what = loop.node.type === 'for_statement' || loop.node.type === 'while_statement' ? 'the loop' : 'the comprehension';
    if (loop.io.length || loop.opaque || loop.suspends || loop.gil) return;
    if (!loop.nested && isSmallLoop(this.semantics, loop.node)) return;
    // Counting (`n += 1`), flags (`found |= ...`) or formatting over a collection of unknown size is cheap bookkeeping;
    // it counts only in loops over `range(...)`, which exist to iterate many times.
    const iterable = iterableOf(loop.node);
    const counted = (iterable?.type === 'call' && this.semantics.calleeName(iterable) === 'builtins.range') || isCountingWhile(loop.node);
    const pairs = this.quadratic(loop);
    const does = loop.cpuCall
      ? `calls ${loop.cpuCall.name} (line ${lineOf(loop.cpuCall.node)}), which is CPU-bound,`
      : loop.arithmetic ? 'does arithmetic' : (counted || pairs) && loop.light ? 'does arithmetic'
        // Formatting a string per item is a short scan unless the loop is known to be long (or quadratic).
        : (pairs || (rangeSize(this.semantics, iterable) ?? 0) >= BIG_RANGE) && loop.strings ? 'builds strings'
        // Nested loops over the same data compare every pair: quadratic work even without arithmetic.
        : pairs && loop.compares ? 'compares every pair of items' : undefined;
    if (!does) return;
    const size = rangeSize(this.semantics, iterable);
    // Summing terms over the items of a collection is a linear scan of it; over `range(...)` it is computation.
    const kernel = loop.kernel ?? (counted ? loop.accumulator : undefined);
    const scale = size !== undefined && size >= BIG_RANGE ? `runs ${size.toLocaleString('en-US')} times`
      : pairs ?? (kernel ? `a numeric kernel updating \`${kernel.text}\` each turn` : loop.cpuCall?.scale);
    this.scale ??= scale;
    this.cpu.push({ kind: 'cpu', range: headerRange(loop.node), text: `${what} at line ${line} ${does}${pairs ? ` (${pairs})` : ''} and makes no I/O call` });
  }

  /** "nested loops over `xs`" when an inner loop walks the same data as the outer one (or up to its index), else undefined. */
  private quadratic(loop: LoopState): string | undefined {
    const clauses = forClauses(loop.node);
    const outer = clauses[0];
    const data = dataOf(this.semantics, outer?.iterable);
    if (!outer || !data) return undefined;
    // An index of `range(...)`: `for j in range(i)` is triangular. (`for row in rows: for x in row` walks each item once.)
    const counted = outer.iterable?.type === 'call' && this.semantics.calleeName(outer.iterable) === 'builtins.range';
    const variable = counted && outer.target?.type === 'identifier' ? outer.target.text : undefined;
    const inner = [...clauses.slice(1), ...loop.inner.flatMap(forClauses)];
    for (const clause of inner) {
      const innerData = dataOf(this.semantics, clause.iterable);
      if (innerData === data || (variable && innerData === variable)) return `nested loops over \`${data}\`: the work grows with its size squared`;
    }
    return undefined;
  }

  /** Names bound inside the function (assignments, loop and `with` targets) and its parameters. */
  private collectNames(fn: Node): void {
    const params = fn.childForFieldName('parameters');
    for (const p of params?.namedChildren ?? []) {
      const name = p?.type === 'identifier' ? p : p?.childForFieldName('name') ?? p?.namedChildren[0];
      if (name?.type === 'identifier') this.params.add(name.text);
    }
    const walk = (node: Node) => {
      for (const child of node.namedChildren) {
        if (!child || NESTED_SCOPES.has(child.type)) continue;
        if (child.type === 'global_statement' || child.type === 'nonlocal_statement') {
          for (const id of child.namedChildren) if (id) this.globals.add(id.text);
        }
        const target = child.type === 'assignment' || child.type === 'for_statement' || child.type === 'for_in_clause'
          ? child.childForFieldName('left')
          : child.type === 'as_pattern_target' || child.type === 'named_expression' ? child : undefined;
        if (target) for (const id of identifiersIn(target)) this.locals.add(id);
        walk(child);
      }
    };
    walk(fn.childForFieldName('body') ?? fn);
    for (const g of this.globals) this.locals.delete(g);
  }

  private isGlobal(name: string): boolean {
    this.ensureNames();
    return this.globals.has(name);
  }

  /** True when the root of `a.b[c]` is a name owned by this call (not a parameter, global or outer name). */
  private isOwned(target: Node): boolean {
    this.ensureNames();
    let root: Node | null = target;
    while (root && (root.type === 'attribute' || root.type === 'subscript')) root = root.childForFieldName(root.type === 'attribute' ? 'object' : 'value');
    if (!root || root.type !== 'identifier') return true;
    return this.locals.has(root.text) && !this.params.has(root.text);
  }

  private readonly nesting = new NestingGuard();

  private visit(node: Node, loop: LoopState | undefined): void {
    if (NESTED_SCOPES.has(node.type)) return;
    // Bounded by MAX_NESTING: deeper code (only ever broken or generated) is not looked into.
    this.nesting.within(() => this.visitNode(node, loop), undefined);
  }

  private visitNode(node: Node, loop: LoopState | undefined): void {
    if (LOOPS.has(node.type)) {
      const isAsyncFor = node.type === 'for_statement' ? node.children.some((c) => c?.type === 'async')
        : node.namedChildren.some((c) => c?.type === 'for_in_clause' && c.children.some((t) => t?.type === 'async'));
      if (isAsyncFor) this.addSuspend(node, 'async for');
      if (loop) {
        loop.nested = true;
        loop.inner.push(node);
        if (isAsyncFor) loop.suspends = true;
        this.visitChildren(node, loop);
        return;
      }
      const state: LoopState = { node, inner: [], io: [], suspends: isAsyncFor, gil: false, nested: false, iterable: iterableOf(node) };
      this.loops.push(state);
      this.visitChildren(node, state);
      return;
    }
    switch (node.type) {
      case 'await':
        this.addSuspend(node, 'await');
        if (loop) loop.suspends = true;
        break;
      case 'with_statement':
        if (node.children.some((c) => c?.type === 'async')) {
          this.addSuspend(node, 'async with');
          if (loop) loop.suspends = true;
        }
        break;
      case 'yield':
        this.generator = true;
        if (this.cpuOnly) throw NOT_CPU;
        break;
      case 'global_statement': case 'nonlocal_statement':
        this.sideEffects.push({ kind: 'cpu', range: rangeOf(node), text: `\`${node.text}\` (line ${lineOf(node)})` });
        break;
      case 'binary_operator': {
        const op = node.childForFieldName('operator')?.type ?? '';
        if (ARITHMETIC.has(op) && !this.inIterable(node, loop)) this.noteArithmetic(node, loop, op);
        break;
      }
      case 'augmented_assignment': {
        const op = node.childForFieldName('operator')?.type ?? '';
        if (ARITHMETIC.has(op.slice(0, -1))) this.noteArithmetic(node, loop, op.slice(0, -1));
        const target = node.childForFieldName('left');
        const value = node.childForFieldName('right');
        // `h *= 31`, `h ^= h << 13`: the name feeds back into multiplicative or bitwise arithmetic, a numeric kernel.
        // `total += a * b` sums terms: a kernel only over `range(...)` (see finishLoop). Dividing down (`size /= 1024`)
        // ends in a few turns: neither.
        if (loop && target?.type === 'identifier' && KERNEL_UPDATES.has(op.slice(0, -1))) loop.kernel ??= target;
        else if (loop && target?.type === 'identifier' && LIGHT.has(op.slice(0, -1)) && value && hasStrongArithmetic(value)) loop.accumulator ??= target;
        const left = node.childForFieldName('left');
        if (left && left.type !== 'identifier' && !this.isOwned(left)) this.addSideEffect(node);
        else if (left?.type === 'identifier' && this.isGlobal(left.text)) this.addSideEffect(node);
        break;
      }
      case 'assignment': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (loop && !loop.kernel && left?.type === 'identifier' && right && hasStrongArithmetic(right) && identifiersIn(right).includes(left.text)) loop.kernel = left;
        if (left && (left.type === 'attribute' || left.type === 'subscript') && !this.isOwned(left)) this.addSideEffect(node);
        break;
      }
      case 'interpolation':
        if (loop) loop.strings ??= node;
        break;
      case 'comparison_operator':
        if (loop && !this.inIterable(node, loop)) loop.compares ??= node;
        break;
      case 'call':
        this.visitCall(node, loop);
        break;
    }
    this.visitChildren(node, loop);
  }

  private visitChildren(node: Node, loop: LoopState | undefined): void {
    for (const child of node.namedChildren) if (child) this.visit(child, loop);
  }

  private noteArithmetic(node: Node, loop: LoopState | undefined, op: string): void {
    if (!loop) this.arithmeticOutsideLoops = true;
    else if (LIGHT.has(op)) loop.light ??= node;
    else loop.arithmetic ??= node;
  }

  private inIterable(node: Node, loop: LoopState | undefined): boolean {
    return !!loop?.iterable && node.startIndex >= loop.iterable.startIndex && node.endIndex <= loop.iterable.endIndex;
  }

  private addSuspend(node: Node, what: string): void {
    this.suspend.push({ kind: 'suspend', range: rangeOf(node), text: `\`${what}\` at line ${lineOf(node)}` });
    if (this.cpuOnly) throw NOT_CPU;
  }

  private addSideEffect(node: Node): void {
    this.sideEffects.push({ kind: 'cpu', range: rangeOf(node), text: `\`${node.text.split('\n')[0]}\` (line ${lineOf(node)})` });
  }

  private visitCall(call: Node, loop: LoopState | undefined): void {
    const callee = call.childForFieldName('function');
    if (callee?.type === 'attribute') {
      const method = callee.childForFieldName('attribute')?.text ?? '';
      const object = callee.childForFieldName('object');
      // Output to the shared stdout/stderr still reaches the terminal from a process.
      if (object && MUTATING_METHODS.has(method) && !this.isOwned(object) && !/^sys\.std(out|err)$/.test(object.text)) this.addSideEffect(call);
    }
    const kind = this.classifyCall(call, loop !== undefined);
    switch (kind.kind) {
      case 'io':
        if (kind.handoff && !loop) break;
        this.io.push(kind.evidence);
        loop?.io.push(kind.evidence);
        if (this.cpuOnly) throw NOT_CPU;
        break;
      case 'print':
        if (loop) {
          this.io.push(kind.evidence);
          loop.io.push(kind.evidence);
          if (this.cpuOnly) throw NOT_CPU;
        }
        break;
      case 'gil':
        if (!this.gil.some((e) => e.range.start.line === kind.evidence.range.start.line)) this.gil.push(kind.evidence);
        if (loop) loop.gil = true;
        break;
      case 'cpu':
        this.sideEffects.push(...kind.sideEffects);
        if (loop) loop.cpuCall ??= { node: call, name: kind.name, scale: kind.scale };
        else {
          this.cpu.push(kind.evidence);
          this.scale ??= kind.scale;
        }
        break;
      case 'aggregate':
        this.cpu.push(kind.evidence);
        this.scale ??= kind.evidence.text;
        break;
      case 'recursion':
        this.recursion ??= call;
        this.recursionSites++;
        if (!loop) {
          const statement = statementAbove(call);
          if (statement) this.branching.set(statement.id, (this.branching.get(statement.id) ?? 0) + 1);
        }
        break;
      case 'opaque':
        this.opaqueCalls++;
        if (loop) loop.opaque ??= call;
        break;
      case 'pure':
        break;
    }
  }

  private classifyCall(call: Node, inLoop: boolean): CallKind {
    const callee = call.childForFieldName('function');
    if (!callee) return { kind: 'opaque' };
    const at = rangeOf(call);
    const line = lineOf(call);
    const short = callee.text.length > 40 ? `${callee.text.slice(0, 37)}...` : callee.text;
    const resolved = this.semantics.resolve(callee);
    if (resolved?.kind === 'local') {
      const target = resolved.node;
      if (target.type === 'class_definition') {
        const init = this.semantics.localMethod(target, '__init__');
        return init ? this.followLocal(init, call, `\`${resolved.name}(...)\``) : { kind: 'pure' };
      }
      if (target.type === 'function_definition') return this.followLocal(target, call, `\`${short}\``);
      return { kind: 'opaque' };
    }
    if (callee.type === 'identifier' && !resolved) {
      const value = this.semantics.assignedValue(callee);
      if (value?.type === 'lambda') return this.followLocal(value, call, `\`${short}\``);
    }
    const qualified = resolved?.kind === 'qualified' ? resolved.name : undefined;
    if (qualified) return this.classifyQualified(qualified, call, callee, short, inLoop);
    if (callee.type === 'identifier') {
      // Unresolved names: builtins outside the semantics' list, unless the file binds the name itself.
      if (PURE_BUILTINS.has(callee.text)) return this.aggregate(callee.text, call) ?? { kind: 'pure' };
      return { kind: 'opaque' };
    }
    if (callee.type === 'attribute') {
      const method = callee.childForFieldName('attribute')?.text ?? '';
      const args = call.childForFieldName('arguments');
      const positional = args?.namedChildren.filter((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment').length ?? 0;
      // `d.get(k)` / `sep.join(xs)` are dict/str methods; `q.get()` / `t.join()` (no positional argument) are waits.
      if ((method === 'get' || method === 'join') && positional === 0) {
        return { kind: 'io', evidence: { kind: 'io', range: at, text: `\`${short}()\` at line ${line} waits` } };
      }
      if (method === 'get') return { kind: 'pure' };
      if (IO_METHODS.has(method)) {
        return {
          kind: 'io', handoff: HANDOFF_METHODS.has(method) && !inLoop,
          evidence: { kind: 'io', range: at, text: `\`${short}()\` at line ${line} looks like I/O` },
        };
      }
      if (PURE_METHODS.has(method)) return { kind: 'pure' };
    }
    return { kind: 'opaque' };
  }

  private classifyQualified(qualified: string, call: Node, callee: Node, short: string, inLoop: boolean): CallKind {
    const at = rangeOf(call);
    const line = lineOf(call);
    const gil = gilReleasing(qualified);
    if (gil && qualified !== 'time.sleep') return { kind: 'gil', evidence: { kind: 'gil-release', range: at, text: `\`${short}\` at line ${line}: ${gil}` } };
    const blocking = pythonBlockingCall(qualified);
    if (blocking) return { kind: 'io', evidence: { kind: 'io', range: at, text: `\`${short}\` at line ${line} ${CATEGORY_VERB[blocking.category] ?? 'blocks'}`, blocks: true } };
    if (qualified === 'builtins.print' || /^sys\.(stdout|stderr)\.(write|flush)$/.test(qualified)) return { kind: 'print', evidence: { kind: 'io', range: at, text: `\`print\` at line ${line} writes to stdout in the loop` } };
    if (qualified.startsWith('builtins.')) {
      const name = qualified.slice('builtins.'.length);
      if (name === 'open' || name === 'input') return { kind: 'io', evidence: { kind: 'io', range: at, text: `\`${name}\` at line ${line} does I/O`, blocks: true } };
      return this.aggregate(name, call) ?? { kind: 'pure' };
    }
    if (PURE_EXACT.has(qualified) || PURE_OVERRIDES.has(qualified) || PURE_PREFIXES.some((p) => qualified.startsWith(p))) return { kind: 'pure' };
    if (IO_MODULE_CONSTRUCTORS.test(qualified)) return { kind: 'pure' };
    if (IO_PREFIXES.some((p) => qualified.startsWith(p))) {
      const method = qualified.slice(qualified.lastIndexOf('.') + 1);
      return {
        kind: 'io', handoff: HANDOFF_METHODS.has(method) && !inLoop,
        evidence: { kind: 'io', range: at, text: `\`${short}\` at line ${line} does I/O or waits` },
      };
    }
    void callee;
    return { kind: 'opaque' };
  }

  /** `sum(range(10**7))`: an aggregate over a large constant range is CPU work without a loop statement. */
  private aggregate(name: string, call: Node): CallKind | undefined {
    if (!AGGREGATES.has(name)) return undefined;
    const args = call.childForFieldName('arguments');
    const first = args?.type === 'argument_list' ? args.namedChildren[0] : undefined;
    const size = rangeSize(this.semantics, first);
    if (size === undefined || size < BIG_RANGE) return undefined;
    return { kind: 'aggregate', evidence: { kind: 'cpu', range: rangeOf(call), text: `\`${name}\` over ${size.toLocaleString('en-US')} numbers at line ${lineOf(call)}` } };
  }

  private followLocal(target: Node, call: Node, label: string): CallKind {
    if (this.stack.includes(target.id)) return { kind: 'recursion' };
    if (this.stack.length > MAX_DEPTH) return { kind: 'opaque' };
    // Calling a coroutine function only makes a coroutine object: nothing of its body runs here.
    if (target.type === 'function_definition' && target.children.some((c) => c?.type === 'async')) return { kind: 'pure' };
    const inner = classifyWith(this.semantics, target, this.stack);
    const at = rangeOf(call);
    const line = lineOf(call);
    switch (inner.verdict) {
      case 'cpu':
        if (inner.releasesGil) return { kind: 'gil', evidence: { kind: 'gil-release', range: at, text: `${label} at line ${line} mostly runs code that releases the GIL` } };
        return {
          kind: 'cpu', name: label, sideEffects: inner.sideEffects, scale: inner.scale,
          evidence: { kind: 'cpu', range: at, text: `it calls ${label} (line ${line}), which is CPU-bound: ${inner.evidence.find((e) => e.kind === 'cpu')?.text ?? 'it computes'}` },
        };
      case 'io': case 'mixed':
        return { kind: 'io', evidence: { kind: 'io', range: at, text: `${label} at line ${line} does I/O`, ...(inner.evidence.some((e) => e.blocks) ? { blocks: true as const } : {}) } };
      default:
        // A small pure helper (`def sq(x): return x * x`) has no evidence either way; it still computes in place.
        return inner.pure ? { kind: 'pure' } : { kind: 'opaque' };
    }
  }
}

/** `while i < n: ... i += 1` (or `while n > 0: n -= 1`): a counter stepped towards a bound, like a loop over `range(n)`. */
function isCountingWhile(loop: Node): boolean {
  if (loop.type !== 'while_statement') return false;
  const condition = loop.childForFieldName('condition');
  if (condition?.type !== 'comparison_operator') return false;
  const names = new Set(condition.namedChildren.filter((c): c is Node => c?.type === 'identifier').map((c) => c.text));
  if (!names.size) return false;
  return loop.childForFieldName('body')?.descendantsOfType('augmented_assignment').some((step) => {
    const target = step.childForFieldName('left');
    const op = step.childForFieldName('operator')?.type;
    return target?.type === 'identifier' && names.has(target.text) && (op === '+=' || op === '-=');
  }) ?? false;
}

/** True when the expression holds a multiplicative or bitwise operator (`*`, `%`, `<<`, `^`...), not counting nested scopes. */
function hasStrongArithmetic(node: Node): boolean {
  if (node.type === 'binary_operator') {
    const op = node.childForFieldName('operator')?.type ?? '';
    if (ARITHMETIC.has(op) && !LIGHT.has(op)) return true;
  }
  if (NESTED_SCOPES.has(node.type)) return false;
  return node.namedChildren.some((c) => c !== null && hasStrongArithmetic(c));
}

/** The statement holding an expression (bounded by the tree's depth). */
function statementAbove(node: Node): Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type.endsWith('_statement') || current.type === 'lambda') return current;
  }
  return undefined;
}

function identifiersIn(node: Node): string[] {
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'attribute' || node.type === 'subscript') return [];
  return node.namedChildren.flatMap((c) => (c ? identifiersIn(c) : []));
}

// ---------------------------------------------------------------- cheap prechecks for rules

// What CPU evidence is made of: arithmetic (strong: `*`, `%`, `**`...; light: `+`, `-`, `|`, `&`, f-string parts)
// and calls, by the last name of their callee. One query over a candidate's range answers from wasm, in proportion
// to what it finds, instead of visiting every node from JS.
const PRECHECK_QUERY = `
(binary_operator operator: ["*" "/" "//" "%" "**" "<<" ">>" "^" "@"]) @strong
(augmented_assignment operator: ["*=" "/=" "//=" "%=" "**=" "<<=" ">>=" "^=" "@="]) @strong
(binary_operator operator: ["+" "-" "|" "&"]) @light
(augmented_assignment operator: ["+=" "-=" "|=" "&="]) @light
(interpolation) @light
(call function: (identifier) @callee)
(call function: (attribute attribute: (identifier) @callee))
[(for_statement) (for_in_clause)] @loop
(while_statement condition: (comparison_operator)) @while
`;
// Names a call could reach a function of this file through, found by text (a whole-file query costs as much as
// visiting every node): `def`/`class` names, and names assigned (`=`, `:=`) a name, an attribute, a lambda or a
// parenthesised expression (aliases, `self.cb = f`). A superset: a call spelled otherwise cannot resolve locally.
const DEFINED_NAME = /\b(?:def|class)[ \t]+([\p{L}_][\p{L}\p{N}_]*)/gu;
const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/gu;
// After `=`: a lambda, a parenthesised expression, or a dotted name ending the statement.
const ALIAS_VALUE = /[ \t]*(?:lambda\b|\(|[\p{L}_][\p{L}\p{N}_.]*[ \t]*(?:[#;\\\r\n]|$))/uy;
const OPERATOR_BEFORE_EQUALS = new Set(['=', '!', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '@']);

/** Names that `text` assigns a name, attribute, lambda or parenthesised expression to, or binds with `:=` (a superset). */
function aliasNames(text: string, into: Set<string>): void {
  for (let i = text.indexOf('='); i !== -1; i = text.indexOf('=', i + 1)) {
    if (text.charCodeAt(i + 1) === 61 /* = */) {
      i++;
      continue;
    }
    const before = text.charAt(i - 1);
    if (before !== ':' && OPERATOR_BEFORE_EQUALS.has(before)) continue;
    ALIAS_VALUE.lastIndex = i + 1;
    if (!ALIAS_VALUE.test(text)) continue;
    // Every name between the line start and `=`: the targets, and harmlessly an annotation's names.
    const lineStart = text.lastIndexOf('\n', i) + 1;
    for (const match of text.slice(lineStart, i).matchAll(IDENTIFIER)) into.add(match[0]);
  }
}
const precheckQueries = new WeakMap<object, Query>();

interface NameFacts {
  /** Names bound to a name, attribute, lambda or parenthesised expression somewhere: may stand for any function. */
  aliases: Set<string>;
  /** `def`/`class` nodes by name. */
  definitions: Map<string, Node[]>;
  /** `mayBeCpu` by node id; true while a node is being decided, so cycles stay conservative. */
  verdicts: Map<number, boolean>;
}
const nameFacts = new WeakMap<PythonSemantics, NameFacts>();

function precheckQuery(semantics: PythonSemantics): Query {
  const language = semantics.tree.language;
  let query = precheckQueries.get(language);
  if (!query) {
    query = new Query(language, PRECHECK_QUERY);
    precheckQueries.set(language, query);
  }
  return query;
}

function factsOf(semantics: PythonSemantics): NameFacts {
  let facts = nameFacts.get(semantics);
  if (!facts) {
    facts = { aliases: new Set(), definitions: new Map(), verdicts: new Map() };
    const root = semantics.root;
    const text = root.text;
    for (const match of text.matchAll(DEFINED_NAME)) {
      const name = match[1];
      const at = match.index + match[0].length - name.length;
      const definition = root.descendantForIndex(at, at + name.length)?.parent;
      if (!definition || (definition.type !== 'function_definition' && definition.type !== 'class_definition')) continue;
      const list = facts.definitions.get(name);
      if (list) list.push(definition);
      else facts.definitions.set(name, [definition]);
    }
    aliasNames(text, facts.aliases);
    nameFacts.set(semantics, facts);
  }
  return facts;
}

/** Names through which a call may reach a function or class defined in this file (a superset), once per analysis. */
export function localCallableNames(semantics: PythonSemantics): ReadonlySet<string> {
  const facts = factsOf(semantics);
  return new Set([...facts.aliases, ...facts.definitions.keys()]);
}

/**
 * False when no call spelled `…name(...)` can be CPU evidence: `name` is no alias, and every function or class of
 * this file by that name fails `mayBeCpu`.
 */
export function nameMayBeCpu(semantics: PythonSemantics, name: string): boolean {
  const facts = factsOf(semantics);
  return facts.aliases.has(name) || (facts.definitions.get(name)?.some((d) => mayBeCpu(semantics, d)) ?? false);
}

/** The last name of a callee (`f`, `self.m` → `m`), or undefined for other forms. */
export function calleeLastName(callee: Node): string | undefined {
  if (callee.type === 'identifier') return callee.text;
  if (callee.type === 'attribute') return callee.childForFieldName('attribute')?.text;
  return undefined;
}

/**
 * A necessary condition for `classifyCallable`/`classifyRegion` of `node` to find CPU evidence (a 'cpu' verdict
 * with evidence of kind 'cpu'): it contains multiplicative or bitwise arithmetic; `+`/`-`, string building or an
 * aggregate (`sum`...) next to a `range(...)` call; or a call that may reach a function of this file passing this
 * test itself. False means the full classification cannot be CPU evidence, so rules skip it; true decides nothing.
 * Answers are kept per node for the analysis.
 */
export function mayBeCpu(semantics: PythonSemantics, node: Node): boolean {
  const { verdicts } = factsOf(semantics);
  const known = verdicts.get(node.id);
  if (known !== undefined) return known;
  verdicts.set(node.id, true);
  const result = scanForCpu(semantics, node);
  verdicts.set(node.id, result);
  return result;
}

function scanForCpu(semantics: PythonSemantics, node: Node): boolean {
  let counted = false;
  let range = false;
  const callees = new Set<string>();
  let loops = 0;
  for (const { name, node: captured } of precheckQuery(semantics).captures(node)) {
    if (name === 'strong') return true;
    if (name === 'light') counted = true;
    else if (name === 'while') {
      // `while i < n: i += 1` counts like `range(n)`.
      range = true;
    } else if (name === 'loop') {
      // Two `for`s (nested loops, or a comprehension's two clauses) may be quadratic work with no arithmetic at all.
      if (++loops >= 2) return true;
    } else {
      const callee = captured.text;
      if (callee === 'range') range = true;
      else if (AGGREGATES.has(callee)) counted = true;
      else callees.add(callee);
    }
    if (counted && range) return true;
  }
  for (const callee of callees) if (nameMayBeCpu(semantics, callee)) return true;
  return false;
}
