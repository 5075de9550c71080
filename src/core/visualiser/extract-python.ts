import { MAX_NESTING, NestingGuard } from '../locate';
// Python extraction: walks the module body (the main thread) and every callable a thread, process,
// pool or asyncio task runs, in source order, as a small abstract interpreter: names bound to threads,
// pools, tasks and coroutines are tracked so `t.start()`, `pool.submit(f)`, `await task` find their unit.
import type { Node } from 'web-tree-sitter';
import { pythonBlockingCall } from '../catalog/blocking';
import { callableNode, classifyCallable, classifyRegion, constantInt, type CpuClassification } from '../python/cpu';
import { isAsyncFunction, type PythonSemantics } from '../python/semantics';
import type { ForeignFunction, ProjectOracle } from '../project/effects';
import { endOf, lineOf, rangeOf } from '../text';
import { DEFAULT_IO_MS, type ExecutionModel, type Step, type Unit, type UnitKind } from './model';
import { flaggedAfter, HEAVY_WEIGHT, holdsFlaggedLine, knownCost, labelOf, MAX_ARRIVALS, ModelBuilder, projectStep, weightForIterations, type EntryRun, type ExtractLimits } from './extract';
import { dictOf } from '../dict';
import { DISCORD_CLIENTS } from './entries';

type Val =
  | { kind: 'unit'; id: string }
  | { kind: 'deferred'; id: string } // asyncio.to_thread(...): its thread starts when awaited
  | { kind: 'list'; items: Val[] }
  | { kind: 'pool'; id: string; tasks: string[] }
  | { kind: 'group'; tasks: string[] }
  | { kind: 'coro'; fn: Node; call: Node; args: (Val | undefined)[]; self?: Env }
  | { kind: 'object'; cls: Node; self: Env } // an instance of a class of this file: its own `self.x` bindings
  | { kind: 'fn'; fn: Node; owner: PyExtractor; self: Env } // a bound method handed on (`target=self.run`), walked where it is called
  | { kind: 'sleep'; ms: number | undefined }
  | { kind: 'awaitable'; node: Node } // a library awaitable we know nothing about
  | { kind: 'num'; value: number }
  | { kind: 'seq'; n: number }; // a sequence of plain values: its length

class Env {
  private readonly vars = new Map<string, Val>();
  constructor(private readonly parent?: Env) {}
  get(name: string): Val | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  set(name: string, value: Val): void {
    this.vars.set(name, value);
  }
}

interface Ctx {
  unit: Unit;
  /** Inside a coroutine: `await` suspends. */
  async: boolean;
  depth: number;
  /** Callables being walked, for the cycle guard. */
  stack: number[];
  env: Env;
  nesting: number;
  returned: Val | undefined;
  done: boolean;
}

const POOLS = dictOf<UnitKind>({
  'concurrent.futures.ThreadPoolExecutor': 'thread-pool',
  'concurrent.futures.thread.ThreadPoolExecutor': 'thread-pool',
  'concurrent.futures.ProcessPoolExecutor': 'process-pool',
  'concurrent.futures.process.ProcessPoolExecutor': 'process-pool',
  'concurrent.futures.InterpreterPoolExecutor': 'interpreter-pool',
  'multiprocessing.Pool': 'process-pool',
  'multiprocessing.pool.Pool': 'process-pool',
  'multiprocessing.pool.ThreadPool': 'thread-pool',
  'multiprocessing.dummy.Pool': 'thread-pool',
});

const LOCK_TYPES = new Set([
  'threading.Lock', 'threading.RLock', 'threading.Semaphore', 'threading.BoundedSemaphore', 'threading.Condition',
  'asyncio.Lock', 'asyncio.Semaphore', 'asyncio.BoundedSemaphore', 'asyncio.Condition',
  'multiprocessing.synchronize.Lock', 'multiprocessing.synchronize.RLock', 'multiprocessing.synchronize.Semaphore',
  'multiprocessing.synchronize.Condition', 'multiprocessing.Lock', 'multiprocessing.RLock',
]);

const CONSTRUCTORS = /^(threading|queue|multiprocessing|concurrent\.futures|asyncio)\.[A-Z]\w*$/;

const SKIPPED_STATEMENTS = new Set([
  'function_definition', 'class_definition', 'decorated_definition', 'import_statement', 'import_from_statement',
  'future_import_statement', 'pass_statement', 'global_statement', 'nonlocal_statement', 'comment', 'break_statement',
  'continue_statement', 'delete_statement', 'type_alias_statement', 'print_statement', 'exec_statement', 'ERROR',
]);

// Text that may start, wait for or synchronise with a unit: such code is walked, other code is summarised.
const INTERESTING = /\bawait\b|\basync\b|\bwith\b|\.(?:start|submit|result|create_task|acquire|release|run_in_executor|apply_async|apply|imap\w*|starmap|shutdown)\s*\(|\.(?:join|wait|get)\(\s*(?:timeout\s*=\s*[^)]*)?\)|\b(?:sleep|gather|ensure_future|run_until_complete|run_forever|run_coroutine_threadsafe|to_thread|as_completed|Thread|Process|Timer|\w*Executor|Pool|TaskGroup|run|map)\s*\(/;

export function extractPython(root: Node, sem: PythonSemantics, limits: ExtractLimits, project?: ProjectOracle, entry?: EntryRun, flaggedLines: readonly number[] = []): ExecutionModel {
  const extractor = new PyExtractor(sem, limits, project);
  extractor.flagLines(flaggedLines);
  return entry ? extractor.runEntry(root, entry) : extractor.run(root);
}

class PyExtractor {
  private readonly b: ModelBuilder;
  /** `self.x` bindings of the object whose method runs (the entry's own object: every method of its class shares them). */
  private selfEnv = new Env();
  private readonly started = new Set<string>();
  private readonly joined = new Set<string>();
  private readonly interestingCache = new Map<number, boolean>();
  private readonly functions = new Map<string, Node | undefined>();
  private root!: Node;
  private readonly regionCache = new Map<number, CpuClassification>();
  private readonly fromInit = new Set<string>();
  /** The line the user pointed at, inside the entry function (see EntryRun.focusLine). */
  private focusLine: number | undefined;
  /** Executors made elsewhere that this file submits to, by expression. */
  private readonly executors = new Map<string, Extract<Val, { kind: 'pool' }>>();
  /** 0-based lines of this file that a rule flags: of two branches, the one holding such a line is shown. */
  private flagged: readonly number[] = [];
  /** Tasks scheduled from outside a running loop (`ensure_future` at module level): `run_forever()` runs them. */
  private readonly loopTasks: string[] = [];

  constructor(private readonly sem: PythonSemantics, private readonly lim: ExtractLimits, private readonly project?: ProjectOracle, builder?: ModelBuilder) {
    this.b = builder ?? new ModelBuilder('python', lim);
  }

  /**
   * A function of another module that starts threads or tasks, walked with that module's names into `into`: the units
   * it starts get their lanes, labelled with its file. Its steps point at the call here (the other file is not open).
   */
  private foreign(f: ForeignFunction, at: Node, ctx: Ctx, into: Unit, async: boolean, args: (Val | undefined)[] = []): Val | undefined {
    if (ctx.depth >= this.lim.maxCallDepth) {
      this.b.push(into, { kind: 'cpu', weight: 1, label: labelOf(at), range: rangeOf(at) });
      return undefined;
    }
    const sub = new PyExtractor(f.python, this.lim, f.oracle, this.b);
    sub.root = f.fn.tree.rootNode;
    // A method of the other module's class: what its __init__ binds (`self.processes = []`) its methods use.
    sub.bindSelf(f.fn, ctx);
    const unitsBefore = this.b.units.length;
    const stepsBefore = into.steps.length;
    const returned = sub.walkCallable(f.fn, args, { ...ctx, env: new Env(), stack: [], nesting: ctx.nesting + 1 }, { unit: into, async });
    const here = rangeOf(at);
    for (const u of this.b.units.slice(unitsBefore)) {
      // A unit a callable of this file started (handed to the other module and called there) is drawn as this file's.
      if (madeBy.get(u) === this) continue;
      if (!labelled.has(u)) {
        u.label = `${u.label} (${f.file})`;
        labelled.add(u);
      }
      u.range = here;
      for (const s of u.steps) s.range = here;
    }
    for (const s of into.steps.slice(stepsBefore)) s.range = here;
    // A thread or pool the other module made and returned (`self.process = get_subprocess(...)`) is tracked here.
    return returned?.kind === 'unit' || returned?.kind === 'pool' ? returned : undefined;
  }

  flagLines(lines: readonly number[]): void {
    this.flagged = lines;
  }

  run(root: Node): ExecutionModel {
    this.root = root;
    const main = this.b.addUnit({ id: 'main', kind: 'main-thread', label: 'main thread', range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } } })!;
    const ctx: Ctx = { unit: main, async: false, depth: 0, stack: [], env: new Env(), nesting: 0, returned: undefined, done: false };
    this.block(root, ctx);
    if (this.b.units.length === 1) this.b.note('The module body starts no threads, processes or asyncio tasks: only the main thread runs.');
    return this.b.finish('main');
  }

  /** A model that starts at a function: run once (as its caller would), or by N arrivals on the server's loop or pool. */
  runEntry(root: Node, entry: EntryRun): ExecutionModel {
    this.root = root;
    this.focusLine = entry.focusLine;
    const fn = entry.fn;
    const async = isAsyncFunction(fn);
    const main = this.b.addUnit({
      id: 'main', kind: 'main-thread', label: entry.perArrival ? `server: ${entry.noun}s arrive` : 'main thread',
      range: rangeOf(fn.childForFieldName('name') ?? fn),
    })!;
    const ctx: Ctx = { unit: main, async: false, depth: 0, stack: [], env: new Env(), nesting: 0, returned: undefined, done: false };
    this.bindSelf(fn, ctx);
    if (!entry.perArrival && entry.arrivals <= 1 && !async && !entry.inThread) {
      this.walkCallable(fn, [], ctx, { unit: main, async: false });
      this.dropInitUnits();
      return this.b.finish('main');
    }
    const n = Math.max(1, Math.min(entry.arrivals, MAX_ARRIVALS));
    const pool = !async && entry.perArrival && entry.poolSize
      ? this.b.addUnit({
        kind: entry.poolProcesses ? 'process-pool' : 'thread-pool', label: `server ${entry.poolProcesses ? 'worker processes' : 'thread pool'} (${entry.poolSize})`,
        maxWorkers: entry.poolSize, range: rangeOf(fn),
      })
      : undefined;
    if (!async && entry.perArrival && entry.server) this.b.note(entry.server);
    const kind: UnitKind = async ? 'asyncio-task' : pool && entry.poolProcesses ? 'process' : 'thread';
    const ids: string[] = [];
    let template: Unit | undefined;
    for (let i = 0; i < n; i++) {
      if (i > 0 && entry.spacingMs > 0) this.b.push(main, { kind: 'sleep', duration: entry.spacingMs, label: `the next ${entry.noun} arrives ${entry.spacingMs} ms later` });
      const label = n > 1 || entry.perArrival ? `${entry.noun} ${i + 1}` : entry.label;
      const unit = this.b.addUnit({
        kind, label, parent: pool?.id ?? main.id, range: rangeOf(fn),
        ...(n > 1 || entry.perArrival ? { arrival: { index: i + 1, atMs: i * entry.spacingMs } } : {}),
      });
      if (!unit) break;
      const before = this.b.units.length;
      const every = async && !entry.perArrival ? this.periodicLoop(fn, ctx) : undefined;
      if (template) for (const st of template.steps) this.b.push(unit, { ...st });
      else if (every) this.walkPeriodicLoop(fn, every, ctx, unit, undefined);
      else this.walkCallable(fn, [], ctx, { unit, async });
      // The run started nothing of its own: the next arrivals run the same steps.
      if (!template && this.b.units.length === before) template = unit;
      ids.push(unit.id);
      this.b.push(main, { kind: 'spawn', target: unit.id, label: entry.perArrival || n > 1 ? `${entry.noun} ${i + 1} arrives` : `starts ${entry.label}`, range: rangeOf(fn) });
    }
    for (const id of ids) this.b.push(main, { kind: 'join', target: id, label: `waits for ${this.unit(id)?.label ?? id}` });
    // The loop an entry runs on outlives it (a server's, a bot's): tasks it started and left running run to their end.
    const waited = new Set(this.b.units.flatMap((u) => u.steps.flatMap((st) => (st.kind === 'await' || st.kind === 'join') && st.target ? [st.target] : [])));
    for (const u of this.b.units) {
      if (u.kind === 'asyncio-task' && this.started.has(u.id) && !waited.has(u.id) && !ids.includes(u.id) && !this.fromInit.has(u.id)) {
        this.b.push(main, { kind: 'join', target: u.id, label: `the loop runs ${u.label}, left running by ${entry.label}` });
      }
    }
    this.dropInitUnits();
    return this.b.finish('main');
  }

  /** A method's `self.x = ...` bindings from its class's `__init__`, so `self.pool.submit(...)` finds its unit. */
  bindSelf(fn: Node, ctx: Ctx): void {
    const cls = fn.parent?.type === 'block' ? fn.parent.parent : fn.parent?.type === 'decorated_definition' ? fn.parent.parent?.parent : undefined;
    if (cls?.type !== 'class_definition') return;
    const init = this.sem.localMethod(cls, '__init__');
    // Walked even when it starts nothing: the lists and counts it binds (`self.processes = []`) are what the methods use.
    if (!init || init.id === fn.id) return;
    // Walked into a scratch unit: only the bindings (and the units __init__ creates) matter.
    const scratch: Unit = { id: '__init__', kind: 'main-thread', label: '__init__', steps: [] };
    const before = this.b.units.length;
    this.walkCallable(init, [], ctx, { unit: scratch, async: false });
    for (const u of this.b.units.slice(before)) this.fromInit.add(u.id);
  }

  /** Units `__init__` made that this entry never starts belong to the object's creation: they are not drawn. */
  private dropInitUnits(): void {
    if (!this.fromInit.size) return;
    // A unit started only by one that is dropped (a thread the unstarted process would start) goes too: one pass per
    // level, at most as many as there are units.
    let keep = this.b.units;
    for (let pass = 0; pass <= this.b.units.length; pass++) {
      const spawned = new Set<string>();
      for (const u of keep) for (const st of u.steps) if (st.kind === 'spawn' && st.target) spawned.add(st.target);
      const next = keep.filter((u) => !this.fromInit.has(u.id) || spawned.has(u.id) || u.kind.endsWith('-pool'));
      if (next.length === keep.length) break;
      keep = next;
    }
    const kept = new Set(keep.map((u) => u.label));
    for (const u of this.b.units) if (!kept.has(u.label)) this.b.dropNotesOf(u.label);
    this.b.units.splice(0, this.b.units.length, ...keep);
  }

  // ---- which code is worth walking ----

  /**
   * Code that may start, wait for or synchronise with a unit: matched textually, then through the
   * same-file functions it calls (found lazily, a few levels deep): only code the walk reaches is examined.
   */
  private interesting(node: Node, depth = 0): boolean {
    const cached = this.interestingCache.get(node.id);
    if (cached !== undefined) return cached;
    const text = node.text;
    let v = INTERESTING.test(text);
    this.interestingCache.set(node.id, v); // provisional: breaks cycles
    if (!v && depth < 4) {
      for (const name of calledNames(text)) {
        const fn = this.functionNamed(name);
        if (fn && fn.id !== node.id && this.interesting(fn, depth + 1)) {
          v = true;
          break;
        }
      }
    }
    this.interestingCache.set(node.id, v);
    return v;
  }

  /** `__init__` run for `C(...)`: walked (callLocal would only summarise one that is interesting for its project calls alone). */
  private walkInit(init: Node, call: Node, ctx: Ctx): void {
    if (ctx.stack.includes(init.id) || ctx.depth >= this.lim.maxCallDepth) {
      this.b.light(ctx.unit, call);
      return;
    }
    const args = this.args(call).positional.map((a) => this.expr(a, ctx));
    this.walkCallable(init, args, ctx, { unit: ctx.unit, async: false });
  }

  /** A call in `node` of another module's function that starts threads, processes or tasks (`get_subprocess(...)`). */
  private startsElsewhere(node: Node): boolean {
    if (!this.project) return false;
    let asked = 0;
    for (const call of node.descendantsOfType('call')) {
      const callee = call?.childForFieldName('function');
      if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) continue;
      let name: string | undefined;
      try {
        name = this.sem.calleeName(call);
      } catch {
        name = undefined;
      }
      if (!name || name.startsWith('builtins.')) continue;
      if (++asked > MAX_PROJECT_QUESTIONS) break;
      const effect = this.project(callee);
      if (effect && 'starts' in effect) return true;
    }
    return false;
  }

  /** The first `def name(` of the file (a function or a method), found by text then position. */
  private functionNamed(name: string): Node | undefined {
    if (this.functions.has(name)) return this.functions.get(name);
    let found: Node | undefined;
    const m = new RegExp(`^([ \\t]*(?:async[ \\t]+)?)def[ \\t]+${name}[ \\t]*\\(`, 'm').exec(this.root.text);
    if (m) {
      const before = this.root.text.slice(0, m.index);
      const row = (before.match(/\n/g) ?? []).length;
      let n: Node | null = this.root.descendantForPosition({ row, column: m[1].length });
      // `row` counts \n as tree-sitter's rows do, and is compared with them only.
      // eslint-disable-next-line no-restricted-syntax
      for (let steps = 0; n && n.type !== 'function_definition' && n.startPosition.row === row; steps++) n = steps < MAX_NESTING ? n.parent : null;
      if (n?.type === 'function_definition') found = n;
    }
    this.functions.set(name, found);
    return found;
  }

  // ---- statements ----

  private block(block: Node, ctx: Ctx): void {
    for (const s of block.namedChildren) {
      if (ctx.done) return;
      if (s) this.statement(s, ctx);
    }
  }

  private statement(s: Node, ctx: Ctx): void {
    this.nesting.within(() => this.statementAt(s, ctx), undefined);
  }

  private statementAt(s: Node, ctx: Ctx): void {
    if (!this.b.visit()) {
      ctx.done = true;
      return;
    }
    if (SKIPPED_STATEMENTS.has(s.type)) return;
    if (ctx.nesting > this.lim.maxNesting) {
      this.b.note(`Code nested deeper than ${this.lim.maxNesting} levels is left out.`);
      return;
    }
    ctx.nesting++;
    try {
      switch (s.type) {
        case 'expression_statement':
          for (const c of s.namedChildren) if (c) this.expr(c, ctx);
          return;
        case 'return_statement': {
          const value = s.namedChildren[0];
          ctx.returned = value ? this.expr(value, ctx) : undefined;
          ctx.done = true;
          return;
        }
        case 'raise_statement':
          ctx.done = true;
          return;
        case 'if_statement':
          return this.ifStatement(s, ctx);
        case 'for_statement':
        case 'while_statement':
          return this.loop(s, ctx);
        case 'with_statement':
          return this.withStatement(s, ctx);
        case 'try_statement':
          for (const c of s.namedChildren) {
            if (c?.type === 'block') this.block(c, ctx);
            else if (c?.type === 'finally_clause') {
              const body = c.namedChildren.find((x) => x?.type === 'block');
              if (body) this.block(body, { ...ctx, done: false });
            }
          }
          return;
        case 'block':
          return this.block(s, ctx);
        default:
          this.summarise(s, ctx);
      }
    } finally {
      ctx.nesting--;
    }
  }

  private ifStatement(s: Node, ctx: Ctx): void {
    const condition = s.childForFieldName('condition');
    if (condition && !/^__name__\s*==\s*['"]__main__['"]$/.test(condition.text)) this.expr(condition, ctx);
    const focus = this.focusLine;
    const holds = (n: Node) => focus !== undefined && lineOf(n) <= focus && focus <= endOf(n).line;
    if (focus !== undefined && holds(s)) {
      // The branch that holds the line the user pointed at.
      for (const clause of s.namedChildren) {
        if (!clause || !holds(clause) || clause.id === condition?.id) continue;
        const body = clause.type === 'block' ? clause : clause.childForFieldName('consequence') ?? clause.childForFieldName('body') ?? clause.namedChildren.find((c) => c?.type === 'block');
        if (clause.type === 'elif_clause') {
          const c = clause.childForFieldName('condition');
          if (c) this.expr(c, ctx);
        }
        if (body) this.block(body, ctx);
        return;
      }
    }
    const body = s.childForFieldName('consequence');
    // The branch holding a line a rule flags, when the first does not: the model shows the wait the finding is about.
    if (this.flagged.length && body && !this.holdsFlagged(body)) {
      const clause = s.namedChildren.find((c) => (c?.type === 'elif_clause' || c?.type === 'else_clause') && this.holdsFlagged(c));
      if (clause) {
        const c = clause.type === 'elif_clause' ? clause.childForFieldName('condition') : undefined;
        if (c) this.expr(c, ctx);
        const other = clause.childForFieldName('consequence') ?? clause.childForFieldName('body') ?? clause.namedChildren.find((x) => x?.type === 'block');
        if (other) this.block(other, ctx);
        return;
      }
    }
    // One branch is shown: the first (the model cannot know which runs), unless it raises or only leaves (a bare
    // `return`): a guard's error or early-exit path, so the run goes on past it (through its else, if any) to what the
    // function does. But a branch that starts a thread or task before it returns, where the code after it starts none,
    // is what the function is there to do (a dispatcher's case that starts the keep-alive): it is shown.
    const last = body?.namedChildren.filter((c) => c?.type !== 'comment').pop();
    const startsOnlyHere = () => startsUnit(body!) && !restStartsUnit(s);
    const leaves = last?.type === 'raise_statement' || (last?.type === 'return_statement' && !last.namedChildren.some((c) => c?.type !== 'comment') && !startsOnlyHere());
    // A branch that returns or raises before a finding further down is one the run to that finding did not take.
    const endsBeforeFinding = (last?.type === 'return_statement' || last?.type === 'raise_statement') && this.restHoldsFlagged(s);
    if ((leaves || endsBeforeFinding) && !(body && this.holdsFlagged(body))) {
      const other = s.namedChildren.find((c) => c?.type === 'else_clause' || c?.type === 'elif_clause');
      const otherBody = other?.childForFieldName('consequence') ?? other?.childForFieldName('body') ?? other?.namedChildren.find((c) => c?.type === 'block');
      if (otherBody) this.block(otherBody, ctx);
      return;
    }
    if (body) this.block(body, ctx);
    // On the way to the line pointed at, a branch that returns early is one the run did not take.
    if (focus !== undefined && focus > endOf(s).line && ctx.done && ctx.depth <= 1) {
      ctx.done = false;
      ctx.returned = undefined;
    }
  }

  private loop(s: Node, ctx: Ctx): void {
    const body = s.childForFieldName('body');
    if (!body) return;
    if (!this.interesting(body)) return this.summarise(s, ctx);
    let items: (Val | undefined)[] | undefined;
    let count: number | undefined;
    const left = s.type === 'for_statement' ? s.childForFieldName('left') : null;
    if (s.type === 'for_statement') {
      const right = s.childForFieldName('right');
      const v = right ? this.expr(right, ctx) : undefined;
      if (v?.kind === 'list' && v.items.length) items = v.items;
      else if (v?.kind === 'seq') count = v.n;
      else count = right ? this.iterations(right) : undefined;
    }
    // A loop of unknown length that hands work to a pool: one pass per worker, so each worker is drawn busy.
    if (!items && count === undefined) count = this.poolWorkersFor(body, ctx);
    const n = items ? items.length : count;
    let shown = Math.min(n ?? 1, this.lim.maxLoopUnroll);
    const unitsBefore = this.b.units.length;
    // A while loop's test runs before each pass: `while not stop.wait(interval):` is the wait between passes.
    const test = s.type === 'while_statement' ? s.childForFieldName('condition') : null;
    const tested = test && test.type !== 'true' && test.type !== 'integer' ? test : undefined;
    for (let i = 0; i < shown && !ctx.done; i++) {
      if (tested) this.expr(tested, ctx);
      const item = items?.[i];
      if (left?.type === 'identifier' && item) ctx.env.set(left.text, item);
      this.block(body, ctx);
      // A loop that starts a thread or process each pass draws one lane per pass: all of them up to the lane cap, and
      // a few when its length is not in the code (`for _ in range(self.processes_num)`).
      if (i === 0 && !items && this.b.units.length > unitsBefore && this.startedSince(unitsBefore)) {
        shown = n === undefined ? UNKNOWN_LOOP_STARTS : Math.min(n, Math.max(this.lim.maxLoopUnroll, MAX_POOL_DRAWN));
        if (n === undefined) this.b.note(`A loop of unknown length starts a thread, process or task each pass: ${UNKNOWN_LOOP_STARTS} passes are drawn.`);
      }
    }
    if (n === undefined && shown === 1) this.b.note('Loops without a literal count are shown as one pass.');
    if (n !== undefined && n > shown) this.b.note(`A loop of ${n} iterations is shown with its first ${shown}${shown === MAX_POOL_DRAWN ? ` (at most ${MAX_POOL_DRAWN} lanes are drawn)` : ''}.`);
  }

  /** A unit made since `index` was started (a spawn step targets it). */
  private startedSince(index: number): boolean {
    const made = new Set(this.b.units.slice(index).map((u) => u.id));
    return [...this.started].some((id) => made.has(id));
  }

  private withStatement(s: Node, ctx: Ctx): void {
    const isAsync = s.children.some((c) => c?.type === 'async');
    const exits: (() => void)[] = [];
    const clause = s.namedChildren.find((c) => c?.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      const valueNode = item?.childForFieldName('value');
      if (!item || !valueNode) continue;
      let value = valueNode;
      let alias: string | undefined;
      if (valueNode.type === 'as_pattern') {
        value = valueNode.namedChildren[0] ?? valueNode;
        alias = valueNode.childForFieldName('alias')?.text;
      }
      if (this.isLock(value)) {
        const name = value.text;
        this.b.push(ctx.unit, { kind: 'acquire', target: name, label: `${isAsync ? 'async with' : 'with'} ${labelOf(name)}`, range: rangeOf(item) });
        exits.push(() => this.b.push(ctx.unit, { kind: 'release', target: name, label: `release ${labelOf(name)}`, range: rangeOf(item) }));
        continue;
      }
      const v = this.expr(value, ctx);
      if (alias && v) this.bind(alias, v, ctx);
      if (v?.kind === 'pool') {
        exits.push(() => this.joinAll(v.tasks, ctx, `end of with: ${labelOf(value)} waits for its tasks`, rangeOf(item)));
      } else if (v?.kind === 'group') {
        exits.push(() => this.awaitAll(v.tasks, ctx, 'end of async with: the TaskGroup awaits its tasks', rangeOf(item)));
      } else if (isAsync) {
        // `async with session.get(url)`: entering waits like `await session.get(url)` (a request, a connection from a
        // pool); entering an object just made (`async with ClientSession()`) only sets it up.
        const callee = value.type === 'call' ? value.childForFieldName('function') : undefined;
        const last = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.type === 'identifier' ? callee.text : undefined;
        const opens = last !== undefined && !/^[A-Z]/.test(last) && !v;
        this.b.push(ctx.unit, { kind: 'await', ...(opens ? { duration: DEFAULT_IO_MS } : {}), label: `async with ${labelOf(value)}`, range: rangeOf(item) });
      }
    }
    const body = s.childForFieldName('body');
    if (body) this.block(body, ctx);
    for (const exit of exits.reverse()) exit();
  }

  /** Code with nothing concurrent in it: one step from the CPU classifier's verdict. */
  private summarise(node: Node, ctx: Ctx, label?: string): void {
    let c: CpuClassification;
    try {
      c = this.regionCache.get(node.id) ?? classifyRegion(this.sem, node);
      this.regionCache.set(node.id, c);
    } catch {
      this.b.light(ctx.unit, node);
      return;
    }
    this.classified(c, node, ctx, label, node);
  }

  private classified(c: CpuClassification, node: Node, ctx: Ctx, label: string | undefined, sizeOf: Node): void {
    const range = rangeOf(node);
    const text = label ?? labelOf(node);
    const hasCpu = c.verdict === 'cpu' || c.verdict === 'mixed';
    const hasIo = c.verdict === 'io' || c.verdict === 'mixed';
    if (hasCpu) {
      const weight = this.weightOf(sizeOf);
      if (c.releasesGil && !c.evidence.some((e) => e.kind === 'cpu')) {
        // C code that drops the GIL: threads overlap it, so it waits like I/O instead of holding the GIL.
        this.b.push(ctx.unit, { kind: 'io', duration: weight * 10, label: `${text} (releases the GIL)`, range });
      } else {
        this.b.push(ctx.unit, { kind: 'cpu', weight, label: text, range });
      }
    }
    // On an event loop, only a call the blocking rules know (here or in a helper) holds the loop: logging, os.getpid()
    // or signal.signal() look like I/O to the CPU classifier but return at once, and no rule reports them.
    const holdsLoop = !ctx.async || c.evidence.some((e) => e.kind === 'io' && e.blocks);
    if (hasIo && holdsLoop) {
      const sleeps = c.evidence.some((e) => e.kind === 'io' && /\bsleeps\b/.test(e.text));
      this.b.push(ctx.unit, { kind: sleeps ? 'sleep' : ctx.async ? 'blocking' : 'io', label: text, range });
    }
    if (!hasCpu && (!hasIo || !holdsLoop)) this.b.light(ctx.unit, node);
  }

  /** CPU weight from literal loop sizes (nested loops multiply); unknown sizes count as heavy. */
  private weightOf(node: Node): number {
    let unknown = false;
    let visits = 0;
    const size = (iterable: Node | null | undefined): number => {
      const n = this.iterations(iterable);
      if (n === undefined) unknown = true;
      return n ?? 1;
    };
    const work = (n: Node, depth: number): number => {
      if (depth > 30 || ++visits > 2000) return 1;
      switch (n.type) {
        case 'function_definition': case 'class_definition': case 'lambda': case 'decorated_definition':
          return depth === 0 ? workOf(n.childForFieldName('body'), depth) : 1;
        case 'for_statement':
          return size(n.childForFieldName('right')) * workOf(n.childForFieldName('body'), depth);
        case 'while_statement':
          unknown = true;
          return workOf(n.childForFieldName('body'), depth);
        case 'list_comprehension': case 'set_comprehension': case 'generator_expression': case 'dictionary_comprehension': {
          let total = 1;
          for (const c of n.namedChildren) if (c?.type === 'for_in_clause') total *= size(c.childForFieldName('right'));
          return total * workOf(n.namedChildren[0], depth);
        }
        case 'call':
          // sum(range(10**7)): an aggregate over a literal range.
          if (n.childForFieldName('function')?.text === 'range') return this.iterations(n) ?? 1;
          break;
      }
      let inner = 1;
      for (const c of n.namedChildren) if (c) inner = Math.max(inner, work(c, depth + 1));
      return inner;
    };
    const workOf = (n: Node | null | undefined, depth: number): number => (n ? work(n, depth + 1) : 1);
    const total = work(node, 0);
    if (unknown && total < 100_000) return HEAVY_WEIGHT;
    return weightForIterations(total);
  }

  /** Whether a statement after `statement` in its block (or in the blocks around it, within its function) holds a finding. */
  private restHoldsFlagged(statement: Node): boolean {
    return flaggedAfter(this.flagged, statement, (n) => n.type === 'function_definition' || n.type === 'module');
  }

  private holdsFlagged(node: Node): boolean {
    return holdsFlaggedLine(this.flagged, node);
  }


  /** `self.processes_num` where __init__ set it to a literal count. */
  private selfCount(node: Node): number | undefined {
    const v = node.type === 'attribute' && node.childForFieldName('object')?.text === 'self' ? this.selfEnv.get(node.text) : undefined;
    return v?.kind === 'num' && Number.isInteger(v.value) ? v.value : undefined;
  }

  /** Literal iteration count of an iterable: range(n), [a, b], [x] * n, or a name bound to one. */
  private iterations(node: Node | null | undefined, depth = 0): number | undefined {
    if (!node || depth > 3) return undefined;
    switch (node.type) {
      case 'call': {
        const fn = node.childForFieldName('function')?.text;
        const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'keyword_argument');
        if (fn === 'range') {
          const v = args.map((a) => constantInt(a) ?? this.selfCount(a));
          if (v.some((x) => x === undefined)) return undefined;
          if (v.length === 1) return Math.max(0, v[0]!);
          if (v.length >= 2) return Math.max(0, Math.ceil((v[1]! - v[0]!) / (v[2] ?? 1)));
          return undefined;
        }
        if (fn === 'enumerate' || fn === 'list' || fn === 'tuple' || fn === 'reversed' || fn === 'sorted') return this.iterations(args[0], depth + 1);
        return undefined;
      }
      case 'list': case 'tuple': case 'set':
        return node.namedChildren.some((c) => c?.type === 'list_splat') ? undefined : node.namedChildren.filter((c) => c && c.type !== 'comment').length;
      case 'string':
        return undefined;
      case 'binary_operator': {
        if (node.childForFieldName('operator')?.type !== '*') return undefined;
        const l = node.childForFieldName('left');
        const r = node.childForFieldName('right');
        const [seq, times] = l && (l.type === 'list' || l.type === 'tuple') ? [l, r] : [r, l];
        const n = constantInt(times);
        const len = this.iterations(seq, depth + 1);
        return n !== undefined && len !== undefined ? n * len : undefined;
      }
      case 'identifier': {
        const value = this.sem.assignedValue(node);
        return value ? this.iterations(value, depth + 1) : undefined;
      }
      case 'parenthesized_expression':
        return this.iterations(node.namedChildren[0], depth + 1);
      default:
        return undefined;
    }
  }

  // ---- expressions ----

  /** How deep `expr` and `statement` have recursed: bounded by MAX_NESTING, so broken, deeply nested text cannot overflow the stack. */
  private readonly nesting = new NestingGuard();

  private expr(node: Node, ctx: Ctx, awaited = false): Val | undefined {
    return this.nesting.within(() => this.exprAt(node, ctx, awaited), undefined);
  }

  private exprAt(node: Node, ctx: Ctx, awaited: boolean): Val | undefined {
    if (!this.b.visit() || ctx.nesting > this.lim.maxNesting * 2) return undefined;
    switch (node.type) {
      case 'call':
        return this.call(node, ctx, awaited);
      case 'await': {
        const inner = node.namedChildren[0];
        return inner ? this.awaitExpr(inner, node, ctx) : undefined;
      }
      case 'identifier':
        return ctx.env.get(node.text);
      case 'attribute': {
        const object = node.childForFieldName('object');
        if (object?.type === 'identifier' && object.text === 'self') {
          const bound = this.selfEnv.get(node.text);
          if (bound) return bound;
          // A method handed on as a callable (`get_subprocess(config, self.target, ...)`): walked where it is called.
          const fn = this.selfMethod(node);
          return fn ? { kind: 'fn', fn, owner: this, self: this.selfEnv } : undefined;
        }
        if (object && object.type !== 'identifier') this.expr(object, ctx);
        return ctx.env.get(node.text);
      }
      case 'integer': case 'float': {
        const v = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(v) ? { kind: 'num', value: v } : undefined;
      }
      case 'list': case 'tuple': case 'set': case 'expression_list': {
        const items: Val[] = [];
        for (const c of node.namedChildren) {
          if (!c) continue;
          const v = this.expr(c, ctx);
          if (v?.kind === 'list' && c.type === 'list_splat') items.push(...v.items);
          else if (v) items.push(v);
        }
        if (items.length) return { kind: 'list', items };
        // `tasks = []`: a list the code fills (append) and then awaits or joins.
        const size = node.namedChildren.filter((c) => c && c.type !== 'comment').length;
        if (size === 0 && node.type === 'list') return { kind: 'list', items: [] };
        // A literal of plain values (URLs, numbers): only its length matters, to the loops over it.
        const n = this.iterations(node);
        return n !== undefined && n > 0 ? { kind: 'seq', n } : undefined;
      }
      case 'binary_operator': {
        // `[url1, url2] * 80`: a sequence of known length.
        const n = this.iterations(node);
        if (n !== undefined) return { kind: 'seq', n };
        for (const c of node.namedChildren) if (c) this.expr(c, ctx);
        return undefined;
      }
      case 'list_splat': case 'parenthesized_expression': case 'keyword_argument': {
        const inner = node.type === 'keyword_argument' ? node.childForFieldName('value') : node.namedChildren[0];
        return inner ? this.expr(inner, ctx, awaited) : undefined;
      }
      case 'list_comprehension': case 'generator_expression': case 'set_comprehension':
        return this.comprehension(node, ctx);
      case 'assignment': case 'named_expression':
        return this.assignment(node, ctx);
      case 'augmented_assignment': {
        const right = node.childForFieldName('right');
        if (right) this.expr(right, ctx);
        this.b.light(ctx.unit, node);
        return undefined;
      }
      case 'lambda': case 'string': case 'true': case 'false': case 'none': case 'comment':
        return undefined;
      case 'conditional_expression': {
        const first = node.namedChildren[0];
        return first ? this.expr(first, ctx, awaited) : undefined;
      }
      default:
        for (const c of node.namedChildren) if (c) this.expr(c, ctx);
        return undefined;
    }
  }

  private bind(target: string, v: Val, ctx: Ctx): void {
    if (target.startsWith('self.')) this.selfEnv.set(target, v);
    else ctx.env.set(target, v);
  }

  private assignment(node: Node, ctx: Ctx): Val | undefined {
    const left = node.childForFieldName(node.type === 'named_expression' ? 'name' : 'left');
    let right = node.childForFieldName(node.type === 'named_expression' ? 'value' : 'right');
    // Chained `a = b = value`: one assignment down per turn, bounded by the tree's depth
    // (`a = b: T`, seen mid-edit, has no value at all, so the chain may end empty).
    while (right?.type === 'assignment') right = right.childForFieldName('right');
    if (!right) return undefined;
    if (left?.type === 'attribute' && left.childForFieldName('attribute')?.text === 'daemon') {
      const object = left.childForFieldName('object');
      const v = object ? this.expr(object, ctx) : undefined;
      if (v?.kind === 'unit') this.setDaemon(v.id, right.text === 'True', left);
      return undefined;
    }
    const v = this.expr(right, ctx);
    if (v && left && (left.type === 'identifier' || left.type === 'attribute')) this.bind(left.text, v, ctx);
    return v;
  }

  private setDaemon(id: string, daemon: boolean, at: Node): void {
    const unit = this.unit(id);
    if (!unit) return;
    if (this.started.has(id)) {
      this.b.note(`line ${lineOf(at) + 1}: daemon is set after start() (CPython raises RuntimeError); ${unit.label} stays non-daemon.`);
      return;
    }
    unit.daemon = daemon || undefined;
    if (!unit.daemon) delete unit.daemon;
  }

  private unit(id: string): Unit | undefined {
    return this.b.units.find((u) => u.id === id);
  }

  private comprehension(node: Node, ctx: Ctx): Val | undefined {
    const body = node.namedChildren[0];
    if (!body || !this.interesting(body)) {
      this.summarise(node, ctx);
      return undefined;
    }
    const clause = node.namedChildren.find((c) => c?.type === 'for_in_clause');
    const right = clause?.childForFieldName('right');
    const left = clause?.childForFieldName('left');
    const source = right ? this.expr(right, ctx) : undefined;
    const n = source?.kind === 'list' && source.items.length ? source.items.length : source?.kind === 'seq' ? source.n : this.iterations(right) ?? this.poolWorkersFor(body, ctx);
    if (n === undefined) this.b.note('A comprehension without a literal count is shown with 3 items.');
    const count = n ?? 3;
    const shown = Math.min(count, this.lim.maxLoopUnroll);
    if (count > shown) this.b.note(`A comprehension of ${count} items is shown with its first ${shown}.`);
    const items: Val[] = [];
    for (let i = 0; i < shown; i++) {
      if (left?.type === 'identifier' && source?.kind === 'list' && source.items[i]) ctx.env.set(left.text, source.items[i]);
      const v = this.expr(body, ctx);
      if (v) items.push(v);
    }
    return { kind: 'list', items };
  }

  // ---- calls ----

  private args(call: Node): { positional: Node[]; kw: (name: string) => Node | undefined } {
    const list = call.childForFieldName('arguments');
    const all = list?.type === 'argument_list' ? list.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') : list ? [list] : [];
    const positional = all.filter((a) => a.type !== 'keyword_argument' && a.type !== 'dictionary_splat');
    const kw = (name: string) => all.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name)?.childForFieldName('value') ?? undefined;
    return { positional, kw };
  }

  private call(call: Node, ctx: Ctx, awaited: boolean): Val | undefined {
    const callee = call.childForFieldName('function');
    if (!callee) return undefined;
    if (callee.type === 'attribute') {
      const object = callee.childForFieldName('object');
      const method = callee.childForFieldName('attribute')?.text ?? '';
      // `Thread(target=f).start()`, `pool.submit(f).result()`: the object is made right there.
      const madeHere = object?.type === 'call' && UNIT_METHODS.has(method);
      const objectVal = object && (object.type === 'identifier' || object.type === 'attribute' || madeHere) ? this.expr(object, ctx) : undefined;
      if (objectVal) {
        const r = this.method(objectVal, method, call, ctx);
        if (r !== NOT_HANDLED) return r;
      }
      if (method === 'run_until_complete' && !ctx.async) return this.runLoop(this.args(call).positional[0], call, ctx);
      // `self.ds.executor.submit(in_thread)`: an executor made elsewhere (the Executor protocol) runs a function of this
      // file in one of its threads.
      const submitted = method === 'submit' && !objectVal && object ? this.args(call).positional[0] : undefined;
      if (submitted && callableNode(this.sem, submitted)) {
        const pool = this.foreignExecutor(object!);
        if (pool) return this.poolTask(pool, submitted, this.args(call).positional.slice(1), call, ctx);
      }
      if (method === 'run_forever' && !ctx.async) {
        // The loop runs what was scheduled on it (ensure_future, create_task) until stop(): shown until they finish.
        for (const id of this.loopTasks.splice(0)) this.join(id, ctx, `${labelOf(call)} runs ${this.unit(id)?.label ?? 'the task'}`, rangeOf(call), true);
        return undefined;
      }
      if (object && (method === 'acquire' || method === 'release') && this.isLock(object)) {
        this.b.push(ctx.unit, { kind: method, target: object.text, label: labelOf(call), range: rangeOf(call) });
        return undefined;
      }
    }
    const held = callee.type === 'identifier' ? ctx.env.get(callee.text) : undefined;
    if (held?.kind === 'fn') {
      const args = this.args(call).positional.map((a) => this.expr(a, ctx));
      return held.owner.invoke(held, args, call, ctx);
    }
    const name = this.sem.calleeName(call);
    if (name) {
      const r = this.qualified(name, call, ctx);
      if (r !== NOT_HANDLED) return r;
    }
    const resolved = this.sem.resolve(callee);
    if (resolved?.kind === 'local') {
      if (resolved.node.type === 'class_definition') return this.instantiate(resolved.node, resolved.name, call, ctx);
      if (resolved.node.type === 'function_definition') return this.callLocal(resolved.node, call, ctx);
    }
    if (callee.type === 'identifier' && !resolved) {
      const lambda = this.sem.assignedValue(callee);
      if (lambda?.type === 'lambda') return this.callLocal(lambda, call, ctx);
    }
    // A function of another module that starts threads or tasks: walked there; what it returns (a thread) is tracked.
    const effect = name && !awaited ? this.project?.(callee) : undefined;
    if (effect && 'starts' in effect) {
      const args = this.args(call).positional.map((a) => this.expr(a, ctx));
      return this.foreign(effect.starts, call, ctx, ctx.unit, ctx.async, args);
    }
    // A library call: its arguments run first.
    const values = this.args(call).positional.map((a) => this.expr(a, ctx));
    if (awaited) return { kind: 'awaitable', node: call };
    // Outside a loop, a coroutine handed to a function is run by it to completion (a wrapper of asyncio.run, a
    // runner): otherwise it would never run.
    const coro = ctx.async ? undefined : values.find((v): v is Extract<Val, { kind: 'coro' }> => v?.kind === 'coro');
    if (coro) {
      const root = this.task(coro, coro.call, ctx, 'asyncio-task');
      if (root) {
        this.b.push(ctx.unit, { kind: 'spawn', target: root, label: labelOf(call), range: rangeOf(call) });
        this.b.push(ctx.unit, { kind: 'join', target: root, label: `${labelOf(call)} runs ${this.unit(root)?.label ?? 'the coroutine'} to completion`, range: rangeOf(call) });
        return undefined;
      }
    }
    this.libraryCall(name, call, callee, ctx);
    return undefined;
  }

  private libraryCall(name: string | undefined, call: Node, callee: Node, ctx: Ctx): void {
    const range = rangeOf(call);
    const label = labelOf(call);
    // A chain (`hashlib.scrypt(...).hex()`): the call it starts from runs first, unless this call is itself a known
    // wait, whose step stands for the chain (`urlopen(url).read()` is one request).
    const object = callee.type === 'attribute' ? callee.childForFieldName('object') : null;
    if (object?.type === 'call' && !(name && (name === 'time.sleep' || EVENT_WAITS.has(name) || knownCost(name, []) || pythonBlockingCall(name)))) this.expr(object, ctx);
    if (name === 'time.sleep') {
      const ms = this.seconds(this.args(call).positional[0], ctx);
      this.b.push(ctx.unit, { kind: 'sleep', ...(ms !== undefined ? { duration: ms } : {}), label, range });
      return;
    }
    const known = name ? knownCost(name, this.args(call).positional) : undefined;
    if (known) {
      // C code that releases the GIL: a wait for other threads, a stall for an event loop.
      this.b.push(ctx.unit, { kind: ctx.async ? 'blocking' : 'io', duration: known.ms, cost: known.cost, label, range });
      return;
    }
    if (name && EVENT_WAITS.has(name) && this.args(call).positional.length + (this.args(call).kw('timeout') ? 1 : 0) > 0) {
      // `stop.wait(interval)`: an event nobody has set yet returns after its timeout, a timed sleep of the thread.
      const ms = this.seconds(this.args(call).kw('timeout') ?? this.args(call).positional[0], ctx);
      this.b.push(ctx.unit, { kind: ctx.async ? 'blocking' : 'sleep', ...(ms !== undefined ? { duration: ms } : {}), label, range });
      return;
    }
    const blocking = name ? pythonBlockingCall(name) : undefined;
    if (blocking) {
      this.b.push(ctx.unit, { kind: blocking.category === 'sleep' ? 'sleep' : ctx.async ? 'blocking' : 'io', label, range });
      return;
    }
    if (!name && callee.type === 'attribute') {
      // An object we cannot type: `q.get()`, `ev.wait()` and `x.join()` without arguments wait.
      const method = callee.childForFieldName('attribute')?.text ?? '';
      const positional = this.args(call).positional.length;
      if ((method === 'get' || method === 'join' || method === 'wait') && positional === 0) {
        this.b.push(ctx.unit, { kind: ctx.async ? 'blocking' : 'io', label, range });
        return;
      }
    }
    // Builtins (range, len, list...) and constructors (Lock(), Queue()) are too small to draw.
    if (name && (CONSTRUCTORS.test(name) || /^asyncio\.(get_|new_event_loop)/.test(name))) return;
    if (name?.startsWith('builtins.') ? name !== 'builtins.print' : callee.type === 'identifier' && !name) return;
    // A function of another module of the project that blocks a few calls down, or does large CPU-bound work.
    const effect = name ? this.project?.(callee) : undefined;
    if (effect && 'starts' in effect) {
      this.foreign(effect.starts, call, ctx, ctx.unit, ctx.async);
      return;
    }
    if (effect) {
      this.b.push(ctx.unit, projectStep(effect, label, range, ctx.async));
      return;
    }
    this.b.light(ctx.unit, call);
  }

  /** Seconds (literal, or a name bound to a literal) → ms. */
  private seconds(node: Node | undefined, ctx: Ctx): number | undefined {
    if (!node) return undefined;
    if (node.type === 'float' || node.type === 'integer') {
      const v = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000 * 1000) / 1000 : undefined;
    }
    if (node.type === 'identifier') {
      const v = ctx.env.get(node.text);
      if (v?.kind === 'num') return v.value * 1000;
      const assigned = this.sem.assignedValue(node);
      return assigned && (assigned.type === 'float' || assigned.type === 'integer') ? this.seconds(assigned, ctx) : undefined;
    }
    const c = constantInt(node);
    if (c !== undefined) return c * 1000;
    if (node.type === 'binary_operator' && node.childForFieldName('operator')?.type === '/') {
      const a = this.seconds(node.childForFieldName('left') ?? undefined, ctx);
      const b = this.seconds(node.childForFieldName('right') ?? undefined, ctx);
      return a !== undefined && b ? (a / b) * 1000 : undefined;
    }
    return undefined;
  }

  private qualified(name: string, call: Node, ctx: Ctx): Val | undefined | typeof NOT_HANDLED {
    if (name === 'threading.Thread') return this.newThread(call, 'thread', ctx);
    if (name === 'threading.Timer') return this.newThread(call, 'thread', ctx, true);
    if (/^multiprocessing(\.[\w.]+)?\.Process$/.test(name)) return this.newThread(call, 'process', ctx);
    const poolKind = POOLS[name] ?? (/^multiprocessing\.context\.\w+\.Pool$/.test(name) ? 'process-pool' : undefined);
    if (poolKind) return this.newPool(name, poolKind, call);
    const { positional, kw } = this.args(call);
    switch (name) {
      case 'asyncio.run': case 'asyncio.Runner.run':
        return this.runLoop(positional[0], call, ctx);
      case 'asyncio.create_task': case 'asyncio.ensure_future': case 'asyncio.AbstractEventLoop.create_task':
      case 'asyncio.TaskGroup.create_task': {
        const arg = positional[0];
        return this.spawnTask(arg ? this.expr(arg, ctx, true) : undefined, arg ?? call, call, ctx);
      }
      case 'asyncio.gather': {
        const items: Val[] = [];
        for (const a of positional) {
          const v = this.expr(a, ctx, true);
          const list = v?.kind === 'list' ? v.items : v ? [v] : [{ kind: 'awaitable', node: a } as Val];
          for (const item of list) {
            const started = this.spawnTask(item, a, call, ctx);
            if (started) items.push(started);
          }
        }
        return { kind: 'list', items };
      }
      case 'asyncio.wait': case 'asyncio.wait_for': case 'asyncio.shield': case 'asyncio.as_completed': case 'asyncio.wrap_future': {
        const arg = positional[0];
        return arg ? this.expr(arg, ctx) : undefined;
      }
      case 'asyncio.sleep':
        return { kind: 'sleep', ms: this.seconds(positional[0], ctx) };
      case 'asyncio.run_coroutine_threadsafe': {
        // From another thread onto the program's loop: a task there; its future's result() waits for it.
        const arg = positional[0];
        const id = this.task(arg ? this.expr(arg, ctx, true) : undefined, arg ?? call, ctx, 'asyncio-task');
        const unit = id ? this.unit(id) : undefined;
        if (!unit) return undefined;
        unit.onMainLoop = true;
        this.spawn(unit.id, call, ctx);
        return { kind: 'unit', id: unit.id };
      }
      case 'asyncio.to_thread': {
        const fn = positional[0];
        const unit = fn ? this.worker(fn, positional.slice(1), call, 'thread', ctx) : undefined;
        return unit ? { kind: 'deferred', id: unit } : undefined;
      }
      case 'asyncio.TaskGroup':
        return { kind: 'group', tasks: [] };
      case 'concurrent.futures.wait': {
        const v = positional[0] ? this.expr(positional[0], ctx) : undefined;
        if (v?.kind === 'list') this.joinAll(v.items.flatMap((i) => (i.kind === 'unit' ? [i.id] : [])), ctx, labelOf(call), rangeOf(call));
        return undefined;
      }
      case 'concurrent.futures.as_completed': {
        return positional[0] ? this.expr(positional[0], ctx) : undefined;
      }
    }
    if (name.endsWith('.run_in_executor')) {
      const executor = positional[0] ? this.expr(positional[0], ctx) : undefined;
      const fn = positional[1];
      if (!fn) return undefined;
      if (executor?.kind === 'pool') return this.poolTask(executor, fn, positional.slice(2), call, ctx);
      const unit = this.worker(fn, positional.slice(2), call, 'thread', ctx);
      if (!unit) return undefined;
      this.spawn(unit, call, ctx);
      return { kind: 'unit', id: unit };
    }
    if (name.endsWith('.create_task') && name.startsWith('asyncio')) {
      const arg = positional[0];
      return this.spawnTask(arg ? this.expr(arg, ctx) : undefined, arg ?? call, call, ctx);
    }
    void kw;
    return NOT_HANDLED;
  }

  /** `asyncio.run(c)`, `loop.run_until_complete(c)`: the caller's thread runs the loop until c's task finishes. */
  private runLoop(arg: Node | undefined, call: Node, ctx: Ctx): Val | undefined {
    const v = arg ? this.expr(arg, ctx, true) : undefined;
    if (v?.kind === 'unit') {
      // A task made earlier (ensure_future): it is already scheduled; the loop runs until it finishes.
      this.join(v.id, ctx, `${labelOf(call)} returns when ${this.unit(v.id)?.label ?? 'it'} finishes`, rangeOf(call), true);
      return undefined;
    }
    const root = this.task(v, arg ?? call, ctx, 'asyncio-task');
    if (!root) return undefined;
    this.b.push(ctx.unit, { kind: 'spawn', target: root, label: labelOf(call), range: rangeOf(call) });
    this.b.push(ctx.unit, { kind: 'join', target: root, label: `${labelOf(call)} returns when ${this.unit(root)?.label ?? 'it'} finishes`, range: rangeOf(call) });
    return undefined;
  }

  /** Methods of tracked values: t.start(), pool.submit(f), tg.create_task(c), threads.append(t). */
  private method(v: Val, method: string, call: Node, ctx: Ctx): Val | undefined | typeof NOT_HANDLED {
    const { positional, kw } = this.args(call);
    const range = rangeOf(call);
    switch (v.kind) {
      case 'unit':
        switch (method) {
          case 'start':
            this.spawn(v.id, call, ctx);
            return undefined;
          case 'join': case 'result': case 'exception': case 'get': case 'wait':
            this.join(v.id, ctx, labelOf(call), range, true);
            return undefined;
          case 'setDaemon':
            this.setDaemon(v.id, positional[0]?.text === 'True', call);
            return undefined;
          case 'cancel': case 'add_done_callback': case 'done': case 'is_alive': case 'terminate': case 'kill': case 'close':
            return undefined;
        }
        return NOT_HANDLED;
      case 'deferred':
        return NOT_HANDLED;
      case 'fn': {
        // `self.poll.start()` of a `@tasks.loop(seconds=60)` coroutine (discord.ext.tasks): a task on the bot's loop.
        const every = method === 'start' ? this.periodicLoop(v.fn, ctx) : undefined;
        if (!every) return NOT_HANDLED;
        const name = v.fn.childForFieldName('name')?.text ?? 'task';
        const unit = this.b.addUnit({ kind: 'asyncio-task', label: `${name}${every.ms !== undefined ? ` (every ${every.ms / 1000} s)` : ''}`, range: rangeOf(call), parent: ctx.unit.id });
        if (!unit) return undefined;
        this.walkPeriodicLoop(v.fn, every, ctx, unit, v.self);
        if (!ctx.async) this.loopTasks.push(unit.id);
        this.spawn(unit.id, call, ctx);
        return { kind: 'unit', id: unit.id };
      }
      case 'object': {
        const fn = this.findMethod(v.cls, method);
        if (!fn && method === 'run' && !ctx.async) return this.runBot(v, call, ctx);
        return fn ? this.withSelf(v.self, () => this.callLocal(fn, call, ctx)) : NOT_HANDLED;
      }
      case 'pool':
        switch (method) {
          case 'submit': case 'apply_async': case 'apply': {
            const fn = positional[0];
            if (!fn) return undefined;
            const rest = method === 'submit' ? positional.slice(1) : (kw('args') ?? positional[1])?.namedChildren.filter((x): x is Node => !!x) ?? [];
            const task = this.poolTask(v, fn, rest, call, ctx);
            if (method === 'apply' && task?.kind === 'unit') this.join(task.id, ctx, labelOf(call), range, true);
            return task;
          }
          case 'map': case 'imap': case 'imap_unordered': case 'starmap': case 'map_async': case 'starmap_async': {
            const fn = positional[0];
            const iterable = positional[1];
            if (!fn) return undefined;
            const source = iterable ? this.expr(iterable, ctx) : undefined;
            const n = source?.kind === 'list' && source.items.length ? source.items.length : source?.kind === 'seq' ? source.n : this.iterations(iterable);
            // Items not literal: as many tasks as the pool has workers, so each worker is drawn busy.
            const workers = Math.min(this.unit(v.id)?.maxWorkers ?? 3, MAX_POOL_DRAWN);
            if (n === undefined) this.b.note(`${labelOf(call)}: the number of items is not literal; ${workers} tasks are shown, one per worker.`);
            const count = n ?? workers;
            const shown = Math.min(count, Math.max(this.lim.maxLoopUnroll, workers));
            if (count > shown) this.b.note(`${labelOf(call)} maps ${count} items; the first ${shown} tasks are shown.`);
            const items: Val[] = [];
            for (let i = 0; i < shown; i++) {
              const task = this.poolTask(v, fn, [], call, ctx, `#${i + 1}`);
              if (task) items.push(task);
            }
            // map's results are consumed in order (list(pool.map(...)), for r in pool.map(...)).
            if (!method.endsWith('_async')) {
              for (const t of items) if (t.kind === 'unit') this.join(t.id, ctx, `${labelOf(call)}: result of ${this.unit(t.id)?.label}`, range, true);
            }
            return { kind: 'list', items };
          }
          case 'shutdown':
            if (kw('wait')?.text !== 'False' && positional[0]?.text !== 'False') this.joinAll(v.tasks, ctx, labelOf(call), range);
            return undefined;
          case 'join':
            this.joinAll(v.tasks, ctx, labelOf(call), range);
            return undefined;
          case 'close': case 'terminate':
            return undefined;
        }
        return NOT_HANDLED;
      case 'group':
        if (method === 'create_task') {
          const arg = positional[0];
          const task = this.spawnTask(arg ? this.expr(arg, ctx, true) : undefined, arg ?? call, call, ctx);
          if (task?.kind === 'unit') v.tasks.push(task.id);
          return task;
        }
        return NOT_HANDLED;
      case 'list':
        if (method === 'append' || method === 'extend') {
          const item = positional[0] ? this.expr(positional[0], ctx) : undefined;
          if (item?.kind === 'list' && method === 'extend') v.items.push(...item.items);
          else if (item) v.items.push(item);
          return undefined;
        }
        return NOT_HANDLED;
      default:
        return NOT_HANDLED;
    }
  }

  private spawn(id: string, call: Node, ctx: Ctx): void {
    if (this.started.has(id)) {
      this.b.note(`${this.unit(id)?.label ?? id} is started twice (CPython raises RuntimeError).`);
      return;
    }
    this.started.add(id);
    this.b.push(ctx.unit, { kind: 'spawn', target: id, label: labelOf(call), range: rangeOf(call) });
  }

  private join(id: string, ctx: Ctx, label: string, range: Step['range'], always = false): void {
    const key = `${ctx.unit.id}>${id}`;
    if (this.joined.has(key) && !always) return;
    this.joined.add(key);
    const kind = ctx.async && this.unit(id)?.kind === 'asyncio-task' ? 'await' : 'join';
    this.b.push(ctx.unit, { kind, target: id, label, ...(range ? { range } : {}) });
  }

  private joinAll(ids: string[], ctx: Ctx, label: string, range: Step['range']): void {
    for (const id of ids) this.join(id, ctx, label, range);
  }

  private awaitAll(ids: string[], ctx: Ctx, label: string, range: Step['range']): void {
    for (const id of ids) this.b.push(ctx.unit, { kind: 'await', target: id, label, ...(range ? { range } : {}) });
  }

  private awaitExpr(inner: Node, node: Node, ctx: Ctx): Val | undefined {
    const v = this.expr(inner, ctx, true);
    const range = rangeOf(node);
    const label = labelOf(node);
    switch (v?.kind) {
      case 'coro':
        return this.runCoroutine(v, node, ctx);
      case 'unit':
        this.b.push(ctx.unit, { kind: 'await', target: v.id, label, range });
        return undefined;
      case 'deferred':
        this.spawn(v.id, node, ctx);
        this.b.push(ctx.unit, { kind: 'await', target: v.id, label, range });
        return undefined;
      case 'list':
        for (const item of v.items) {
          if (item.kind === 'unit') this.b.push(ctx.unit, { kind: 'await', target: item.id, label, range });
          else if (item.kind === 'coro') this.runCoroutine(item, node, ctx);
        }
        return undefined;
      case 'sleep':
        this.b.push(ctx.unit, { kind: 'await', ...(v.ms !== undefined ? { duration: v.ms } : {}), label, range });
        return undefined;
      case 'awaitable':
        // A library awaitable (a network read, a queue): how long it waits is not in the code.
        this.b.push(ctx.unit, { kind: 'await', duration: DEFAULT_IO_MS, label, range });
        return undefined;
      default:
        this.b.push(ctx.unit, { kind: 'await', label, range });
        return undefined;
    }
  }

  /** `await coro()`: the coroutine's body runs in the awaiting task. */
  private runCoroutine(v: Extract<Val, { kind: 'coro' }>, at: Node, ctx: Ctx): Val | undefined {
    if (ctx.stack.includes(v.fn.id) || ctx.depth >= this.lim.maxCallDepth) {
      this.b.push(ctx.unit, { kind: 'await', label: labelOf(at), range: rangeOf(at) });
      return undefined;
    }
    return this.walkCallable(v.fn, v.args, ctx, { unit: ctx.unit, async: true, ...(v.self ? { self: v.self } : {}) });
  }

  /** A callable handed on and called elsewhere (maybe in another module's walk): walked here, with its own names. */
  invoke(v: Extract<Val, { kind: 'fn' }>, args: (Val | undefined)[], at: Node, ctx: Ctx): Val | undefined {
    if (isAsyncFunction(v.fn)) return { kind: 'coro', fn: v.fn, call: at, args, self: v.self };
    if (ctx.stack.includes(v.fn.id) || ctx.depth >= this.lim.maxCallDepth || !this.interesting(v.fn)) {
      this.b.light(ctx.unit, at);
      return undefined;
    }
    const before = this.b.units.length;
    const returned = this.walkCallable(v.fn, args, ctx, { unit: ctx.unit, async: ctx.async, self: v.self });
    for (const u of this.b.units.slice(before)) if (!madeBy.has(u)) madeBy.set(u, this);
    return returned;
  }

  /**
   * `client.run(token)` of a `discord.Client` subclass: discord.py runs its loop until the bot stops, calling
   * `setup_hook()` and then `on_ready()` on it; tasks they start run there. Other objects' `run()`: not handled.
   */
  private runBot(v: Extract<Val, { kind: 'object' }>, call: Node, ctx: Ctx): Val | undefined | typeof NOT_HANDLED {
    let bases: string[];
    try {
      bases = this.sem.baseTypes(v.cls);
    } catch {
      return NOT_HANDLED;
    }
    if (!bases.some((b) => DISCORD_CLIENTS.has(b))) return NOT_HANDLED;
    const hooks = ['setup_hook', 'on_ready'].flatMap((name) => {
      const fn = this.findMethod(v.cls, name);
      return fn && isAsyncFunction(fn) ? [fn] : [];
    });
    const root = this.b.addUnit({ kind: 'asyncio-task', label: `${labelOf(call)}: the bot's loop`, range: rangeOf(call), parent: ctx.unit.id });
    if (!root) return undefined;
    const before = this.b.units.length;
    for (const hook of hooks) this.walkCallable(hook, [], ctx, { unit: root, async: true, self: v.self });
    // The loop runs until the bot stops: the tasks its hooks started run to their end.
    const waited = new Set(root.steps.flatMap((st) => (st.kind === 'await' && st.target ? [st.target] : [])));
    for (const u of this.b.units.slice(before)) {
      if (u.kind === 'asyncio-task' && this.started.has(u.id) && !waited.has(u.id)) this.b.push(root, { kind: 'await', target: u.id, label: `the bot's loop runs ${u.label}`, range: rangeOf(call) });
    }
    this.b.push(ctx.unit, { kind: 'spawn', target: root.id, label: labelOf(call), range: rangeOf(call) });
    this.b.push(ctx.unit, { kind: 'join', target: root.id, label: `${labelOf(call)} returns when the bot stops`, range: rangeOf(call) });
    return undefined;
  }

  /** The pool of an executor this file did not make (`self.ds.executor`), one per expression; its size is not known here. */
  private foreignExecutor(object: Node): Extract<Val, { kind: 'pool' }> | undefined {
    const known = this.executors.get(object.text);
    if (known) return known;
    const unit = this.b.addUnit({ kind: 'thread-pool', label: `${labelOf(object)} (an executor made elsewhere)`, range: rangeOf(object) });
    if (!unit) return undefined;
    const pool: Extract<Val, { kind: 'pool' }> = { kind: 'pool', id: unit.id, tasks: [] };
    this.executors.set(object.text, pool);
    return pool;
  }

  /**
   * The task of a `@tasks.loop` coroutine: the loop awaits its `@<loop>.before_loop` coroutine once before the first
   * pass and its `@<loop>.after_loop` one once after the last, on the same task (discord.ext.tasks' `Loop._loop`).
   */
  private walkPeriodicLoop(fn: Node, every: { ms: number | undefined; count: number | undefined }, ctx: Ctx, unit: Unit, self: Env | undefined): void {
    const name = fn.childForFieldName('name')?.text ?? 'task';
    const hooks = loopHooks(fn);
    if (hooks.before) {
      this.walkCallable(hooks.before, [], ctx, { unit, async: true, self });
      this.b.note(`${unit.label}: \`${hooks.before.childForFieldName('name')?.text}\` (\`@${name}.before_loop\`) runs once on its task before the first pass.`);
    }
    this.walkCallable(fn, [], ctx, { unit, async: true, self });
    // The model shows the loop's end only when its one pass is its last (`count=1`).
    if (hooks.after && every.count === 1) this.walkCallable(hooks.after, [], ctx, { unit, async: true, self });
    const after = hooks.after ? `\`${hooks.after.childForFieldName('name')?.text}\` (\`@${name}.after_loop\`)` : undefined;
    if (every.count === 1) this.b.note(`${unit.label}: runs one pass (\`count=1\`)${after ? `, then ${after} once` : ''}.`);
    else this.b.note(`${unit.label}: runs again after each interval; its first run is shown${after ? `, not ${after}, which runs once when the loop stops` : ''}.`);
  }

  /** A coroutine function declared `@tasks.loop(seconds=…)` (discord.ext.tasks): its interval in ms and pass count, when literal. */
  private periodicLoop(fn: Node, ctx: Ctx): { ms: number | undefined; count: number | undefined } | undefined {
    if (!isAsyncFunction(fn) || fn.parent?.type !== 'decorated_definition') return undefined;
    for (const d of fn.parent.namedChildren) {
      const call = d?.type === 'decorator' ? d.namedChildren[0] : undefined;
      if (call?.type !== 'call' || this.sem.calleeName(call) !== 'discord.ext.tasks.loop') continue;
      const { kw } = this.args(call);
      const units = [['seconds', 1], ['minutes', 60], ['hours', 3600]] as const;
      const ms = units.map(([key, factor]) => {
        const each = this.seconds(kw(key), ctx);
        return each === undefined ? undefined : each * factor;
      }).find((x) => x !== undefined);
      const count = kw('count');
      return { ms, count: count ? constantInt(count) : undefined };
    }
    return undefined;
  }

  /** Runs `f` with `self` bound to an object's own bindings. */
  private withSelf<T>(self: Env, f: () => T): T {
    const outer = this.selfEnv;
    this.selfEnv = self;
    try {
      return f();
    } finally {
      this.selfEnv = outer;
    }
  }

  // ---- units ----

  private callableName(fn: Node | undefined, expr: Node): string {
    if (fn?.type === 'function_definition') return fn.childForFieldName('name')?.text ?? labelOf(expr);
    if (fn?.type === 'lambda') return 'lambda';
    return labelOf(expr);
  }

  /** A thread or process running `target` (unstarted until .start()). */
  private newThread(call: Node, kind: 'thread' | 'process', ctx: Ctx, timer = false): Val | undefined {
    const { positional, kw } = this.args(call);
    const target = timer ? (kw('function') ?? positional[1]) : (kw('target') ?? positional[1]);
    const argsNode = kw('args') ?? (timer ? positional[2] : positional[3]);
    const argNodes = argsNode?.namedChildren.filter((x): x is Node => !!x) ?? [];
    const named = this.keywordArgs(kw('kwargs') ?? (timer ? positional[3] : positional[4]), ctx);
    const nameNode = kw('name');
    const name = nameNode?.type === 'string' ? nameNode.text.replace(/^[rbuf]*(['"]{1,3})([\s\S]*)\1$/i, '$2') : undefined;
    const fn = target ? callableNode(this.sem, target) ?? this.selfMethod(target) : undefined;
    const fnLabel = target ? `${this.callableName(fn, target)}(${argsNode ? labelOf(argNodes.map((a) => a.text).join(', ')) : ''})` : 'run()';
    const label = name ? `${name}: ${fnLabel}` : fnLabel;
    const unit = this.b.addUnit({ kind, label, range: rangeOf(call), parent: ctx.unit.id, ...(kw('daemon')?.text === 'True' ? { daemon: true } : {}) });
    if (!unit) return undefined;
    if (timer) {
      const ms = this.seconds(kw('interval') ?? positional[0], ctx);
      this.b.push(unit, { kind: 'sleep', ...(ms !== undefined ? { duration: ms } : {}), label: 'Timer interval', range: rangeOf(call) });
    }
    this.fillUnit(unit, fn, target, argNodes, ctx, named);
    return { kind: 'unit', id: unit.id };
  }

  /** `kwargs={"target": target}` (or a name bound to such a dict): the values by parameter name. */
  private keywordArgs(node: Node | undefined, ctx: Ctx): Map<string, Val> | undefined {
    const dict = node?.type === 'identifier' ? this.sem.assignedValue(node) : node;
    if (dict?.type !== 'dictionary') return undefined;
    const named = new Map<string, Val>();
    for (const pair of dict.namedChildren) {
      const key = pair?.type === 'pair' ? pair.childForFieldName('key') : undefined;
      const value = pair?.childForFieldName('value');
      const v = key?.type === 'string' && value ? this.expr(value, ctx) : undefined;
      if (v) named.set(key!.text.slice(1, -1), v);
    }
    return named.size ? named : undefined;
  }

  private fillUnit(unit: Unit, fn: Node | undefined, target: Node | undefined, argNodes: Node[], ctx: Ctx, named?: Map<string, Val>): void {
    if (fn) {
      const args = argNodes.map((a) => this.expr(a, ctx));
      // A new unit's body is a call chain of its own: its depth starts again (the units cap and the cycle guard bound it).
      this.walkCallable(fn, args, { ...ctx, depth: Math.min(ctx.depth, 1) }, { unit, async: fn.type === 'function_definition' && isAsyncFunction(fn) }, named);
      if (fn.type === 'function_definition' && isAsyncFunction(fn)) this.b.note(`${unit.label}: the target is a coroutine function; calling it only makes a coroutine, it does not run.`);
    } else if (target) {
      // A function of another module of the project: what it does there, when known.
      const effect = target.type === 'lambda' ? undefined : this.project?.(target);
      if (effect && 'starts' in effect) {
        this.foreign(effect.starts, target, ctx, unit, false);
        return;
      }
      if (effect) {
        this.b.push(unit, projectStep(effect, labelOf(target), rangeOf(target), false));
        return;
      }
      this.b.note(`${unit.label}: its target is not a function of this file; its work is shown as one step.`);
      this.b.push(unit, { kind: 'cpu', weight: 1, label: labelOf(target), range: rangeOf(target) });
    }
  }

  /** A thread (to_thread / run_in_executor) running `fnExpr(args)`; not yet started. */
  private worker(fnExpr: Node, argNodes: Node[], call: Node, kind: 'thread', ctx: Ctx): string | undefined {
    const fn = callableNode(this.sem, fnExpr);
    const label = `${this.callableName(fn, fnExpr)}(${labelOf(argNodes.map((a) => a.text).join(', '))})`;
    const unit = this.b.addUnit({ kind, label, range: rangeOf(call), parent: ctx.unit.id });
    if (!unit) return undefined;
    this.fillUnit(unit, fn, fnExpr, argNodes, ctx);
    return unit.id;
  }

  private newPool(name: string, kind: UnitKind, call: Node): Val | undefined {
    const { positional, kw } = this.args(call);
    const maxNode = kw('max_workers') ?? kw('processes') ?? positional[0];
    const max = constantInt(maxNode);
    const short = name.slice(name.lastIndexOf('.') + 1);
    const unit = this.b.addUnit({ kind, label: max ? `${short}(${max})` : short, range: rangeOf(call), ...(max && max > 0 ? { maxWorkers: max } : {}) });
    return unit ? { kind: 'pool', id: unit.id, tasks: [] } : undefined;
  }

  private poolTask(pool: Extract<Val, { kind: 'pool' }>, fnExpr: Node, argNodes: Node[], call: Node, ctx: Ctx, suffix = ''): Val | undefined {
    const poolUnit = this.unit(pool.id);
    if (!poolUnit) return undefined;
    const kind: UnitKind = poolUnit.kind === 'thread-pool' ? 'thread' : 'process';
    const fn = callableNode(this.sem, fnExpr);
    const args = suffix || labelOf(argNodes.map((a) => a.text).join(', '));
    const unit = this.b.addUnit({ kind, label: `${this.callableName(fn, fnExpr)}(${args})`, parent: pool.id, range: rangeOf(call) });
    if (!unit) return undefined;
    // The tasks of one map run the same code: walk it once, copy the steps.
    const twin = suffix && suffix !== '#1' ? this.b.units.find((u) => u.parent === pool.id && u.label === `${this.callableName(fn, fnExpr)}(#1)`) : undefined;
    if (twin) for (const s of twin.steps) this.b.push(unit, { ...s });
    else this.fillUnit(unit, fn, fnExpr, argNodes, ctx);
    pool.tasks.push(unit.id);
    this.spawn(unit.id, call, ctx);
    return { kind: 'unit', id: unit.id };
  }

  /** An asyncio task for a coroutine value; returns its id. */
  private task(v: Val | undefined, at: Node, ctx: Ctx, kind: 'asyncio-task'): string | undefined {
    if (v?.kind === 'unit' || v?.kind === 'deferred') return v.id;
    const label = v?.kind === 'coro' ? labelOf(v.call) : labelOf(at);
    const unit = this.b.addUnit({ kind, label, range: rangeOf(at), parent: ctx.unit.id });
    if (!unit) return undefined;
    if (v?.kind === 'coro') {
      if (ctx.stack.includes(v.fn.id) || ctx.depth >= this.lim.maxCallDepth) {
        this.b.push(unit, { kind: 'cpu', weight: 1, label, range: rangeOf(at) });
      } else {
        this.walkCallable(v.fn, v.args, ctx, { unit, async: true, ...(v.self ? { self: v.self } : {}) });
      }
    } else if (v?.kind === 'sleep') {
      this.b.push(unit, { kind: 'await', ...(v.ms !== undefined ? { duration: v.ms } : {}), label, range: rangeOf(at) });
    } else {
      this.b.push(unit, { kind: 'await', duration: DEFAULT_IO_MS, label, range: rangeOf(at) });
      if (!v || v.kind !== 'awaitable') this.b.note(`${label}: not a coroutine of this file; shown as one wait.`);
    }
    return unit.id;
  }

  private spawnTask(v: Val | undefined, at: Node, call: Node, ctx: Ctx): Val | undefined {
    if (v?.kind === 'unit') return v;
    const id = this.task(v, at, ctx, 'asyncio-task');
    if (!id) return undefined;
    if (!ctx.async) this.loopTasks.push(id);
    this.spawn(id, v?.kind === 'deferred' ? at : call, ctx);
    return { kind: 'unit', id };
  }

  /** A same-file class: Thread/Process subclasses become units running `run()`. */
  private instantiate(cls: Node, name: string, call: Node, ctx: Ctx): Val | undefined {
    const bases = this.sem.baseTypes(cls);
    const kind = bases.includes('threading.Thread') ? 'thread'
      : bases.some((b) => /^multiprocessing(\.[\w.]+)?\.Process$/.test(b)) ? 'process' : undefined;
    if (!kind) {
      // An object of its own: what its __init__ binds (`self.process = get_subprocess(...)`) its methods find again.
      const self = new Env();
      const init = this.findMethod(cls, '__init__');
      // A constructor that makes its process through a helper of another module (`self.process = get_subprocess(...)`)
      // is walked too: asking the project costs, so only constructors ask.
      if (init && (this.interesting(init) || this.startsElsewhere(init))) this.withSelf(self, () => this.walkInit(init, call, ctx));
      else this.b.light(ctx.unit, call);
      return { kind: 'object', cls, self };
    }
    const run = this.findMethod(cls, 'run');
    const init = this.findMethod(cls, '__init__');
    const daemon = this.args(call).kw('daemon')?.text === 'True' || /\bdaemon\s*=\s*True\b/.test(init?.text ?? '');
    const unit = this.b.addUnit({ kind, label: `${name}.run()`, range: rangeOf(call), parent: ctx.unit.id, ...(daemon ? { daemon: true } : {}) });
    if (!unit) return undefined;
    if (run) this.walkCallable(run, [], ctx, { unit, async: false });
    else this.b.note(`${name} has no run() method in this file.`);
    return { kind: 'unit', id: unit.id };
  }

  /** The workers of the pool `node` submits to (`pool.submit(...)` in it), at most MAX_POOL_DRAWN; else undefined. */
  private poolWorkersFor(node: Node, ctx: Ctx): number | undefined {
    let workers: number | undefined;
    for (const call of node.descendantsOfType('call')) {
      const callee = call?.childForFieldName('function');
      const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
      if (method !== 'submit' && method !== 'apply_async') continue;
      const object = callee!.childForFieldName('object');
      const pool = object ? this.poolNamed(object, ctx) : undefined;
      const max = pool && this.unit(pool.id)?.maxWorkers;
      if (max) workers = Math.max(workers ?? 0, Math.min(max, MAX_POOL_DRAWN));
    }
    if (workers) this.b.note(`A loop of unknown length submits to a pool: one task per worker is shown (at most ${MAX_POOL_DRAWN}).`);
    return workers;
  }

  private poolNamed(object: Node, ctx: Ctx): Extract<Val, { kind: 'pool' }> | undefined {
    const text = object.text;
    const v = text.startsWith('self.') ? this.selfEnv.get(text) : ctx.env.get(text);
    return v?.kind === 'pool' ? v : undefined;
  }

  /** `self.method` inside a class: that class's method (a thread target the bound method names). */
  private selfMethod(node: Node): Node | undefined {
    if (node.type !== 'attribute' || node.childForFieldName('object')?.text !== 'self') return undefined;
    const name = node.childForFieldName('attribute')?.text;
    let cls: Node | null = node.parent;
    for (let steps = 0; cls && cls.type !== 'class_definition' && steps < MAX_NESTING; steps++) cls = cls.parent;
    return cls && name ? this.findMethod(cls, name) : undefined;
  }

  private findMethod(cls: Node, name: string, depth = 0): Node | undefined {
    const own = this.sem.localMethod(cls, name);
    if (own || depth > 5) return own;
    for (const base of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
      const r = base ? this.sem.resolve(base) : undefined;
      if (r?.kind === 'local' && r.node.type === 'class_definition') {
        const m = this.findMethod(r.node, name, depth + 1);
        if (m) return m;
      }
    }
    return undefined;
  }

  /** A call of a same-file function: walked when it may start or wait for units, else summarised. */
  private callLocal(fn: Node, call: Node, ctx: Ctx): Val | undefined {
    const { positional } = this.args(call);
    if (fn.type === 'function_definition' && isAsyncFunction(fn)) {
      return { kind: 'coro', fn, call, args: positional.map((a) => this.expr(a, ctx)), self: this.selfEnv };
    }
    const recursive = ctx.stack.includes(fn.id);
    if (!recursive && ctx.depth < this.lim.maxCallDepth && this.interesting(fn)) {
      const args = positional.map((a) => this.expr(a, ctx));
      return this.walkCallable(fn, args, ctx, { unit: ctx.unit, async: ctx.async });
    }
    if (recursive) return undefined; // the outer call's summary covers it
    let c: CpuClassification;
    try {
      c = classifyCallable(this.sem, fn);
    } catch {
      this.b.light(ctx.unit, call);
      return undefined;
    }
    this.classified(c, call, ctx, labelOf(call), fn);
    return undefined;
  }

  /** Walks a def or lambda body into `into.unit`, parameters bound to the argument values. */
  private walkCallable(fn: Node, args: (Val | undefined)[], from: Ctx, into: { unit: Unit; async: boolean; self?: Env }, named?: Map<string, Val>): Val | undefined {
    if (into.self && into.self !== this.selfEnv) return this.withSelf(into.self, () => this.walkCallable(fn, args, from, { unit: into.unit, async: into.async }, named));
    if (from.stack.includes(fn.id)) {
      this.b.note(`${this.callableName(fn, fn)} calls itself: the recursion is shown once.`);
      return undefined;
    }
    const env = new Env(from.env);
    const params = fn.childForFieldName('parameters')?.namedChildren ?? [];
    let i = 0;
    for (const p of params) {
      const name = p?.type === 'identifier' ? p.text : p?.type === 'typed_parameter' ? p.namedChildren[0]?.text
        : p?.type === 'default_parameter' || p?.type === 'typed_default_parameter' ? p.childForFieldName('name')?.text : undefined;
      if (name === 'self' && i === 0 && fn.parent?.parent?.type === 'class_definition') continue;
      const v = args[i++] ?? (name ? named?.get(name) : undefined);
      if (name && v) env.set(name, v);
    }
    const ctx: Ctx = {
      unit: into.unit, async: into.async, depth: from.depth + 1, stack: [...from.stack, fn.id], env,
      nesting: from.nesting + 1, returned: undefined, done: false,
    };
    const body = fn.childForFieldName('body');
    if (!body) return undefined;
    if (fn.type === 'lambda') return this.expr(body, ctx);
    this.block(body, ctx);
    return ctx.returned;
  }

  private isLock(node: Node): boolean {
    try {
      return this.sem.instanceTypes(node).some((t) => LOCK_TYPES.has(t));
    } catch {
      return false;
    }
  }
}

const NOT_HANDLED = Symbol('not handled');

/**
 * The `@<loop>.before_loop` / `@<loop>.after_loop` coroutines of a `@tasks.loop` coroutine `loop`, declared beside it
 * (its class body or module): the decorator registers them on that `Loop` object.
 */
function loopHooks(loop: Node): { before?: Node; after?: Node } {
  const name = loop.childForFieldName('name')?.text;
  const scope = loop.parent?.type === 'decorated_definition' ? loop.parent.parent : undefined;
  const out: { before?: Node; after?: Node } = {};
  if (!name || !scope) return out;
  for (const statement of scope.namedChildren) {
    const fn = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : undefined;
    if (fn?.type !== 'function_definition' || !isAsyncFunction(fn)) continue;
    for (const d of statement.namedChildren) {
      const expression = d?.type === 'decorator' ? d.namedChildren[0] : undefined;
      const object = expression?.type === 'attribute' ? expression.childForFieldName('object') : undefined;
      if (object?.type !== 'identifier' || object.text !== name) continue;
      const hook = expression!.childForFieldName('attribute')?.text;
      if (hook === 'before_loop') out.before ??= fn;
      else if (hook === 'after_loop') out.after ??= fn;
    }
  }
  return out;
}

/** Units a callable handed to another module started there, by the walker of the callable's own file (see `foreign`). */
const madeBy = new WeakMap<Unit, PyExtractor>();
/** Units already labelled with the module that made them. */
const labelled = new WeakSet<Unit>();

/** Methods of the units, pools and tasks the walk tracks. */
const UNIT_METHODS = new Set(['start', 'join', 'result', 'submit', 'map', 'apply_async', 'create_task', 'shutdown', 'exception', 'wait', 'get']);

/** Pool workers drawn at most (each is a lane); the panel states the cap when a pool is larger. */
export const MAX_POOL_DRAWN = 16;

/** Passes drawn of a loop of unknown length that starts a thread or process each pass (a server's workers: often one per core). */
export const UNKNOWN_LOOP_STARTS = 4;

/** Calls of one function asked about other modules when deciding whether it is worth walking. */
const MAX_PROJECT_QUESTIONS = 8;

/** Waits on an event that return after their timeout when it is not set. */
const EVENT_WAITS = new Set(['threading.Event.wait', 'multiprocessing.synchronize.Event.wait']);

/** Calls whose last name starts a thread, a process or a task. */
const UNIT_STARTS = new Set(['start', 'submit', 'create_task', 'ensure_future', 'Thread', 'Process', 'Timer', 'run_coroutine_threadsafe', 'to_thread', 'run_in_executor', 'apply_async', 'map_async', 'start_new_thread']);

/** Whether the statements after `statement` in its block start a unit. */
function restStartsUnit(statement: Node): boolean {
  for (let next = statement.nextNamedSibling, n = 0; next && n < 10_000; next = next.nextNamedSibling, n++) if (startsUnit(next)) return true;
  return false;
}

/** Whether `node` holds a call that starts a unit (`self._keep_alive.start()`, `asyncio.create_task(...)`). */
function startsUnit(node: Node): boolean {
  return node.descendantsOfType('call').some((call) => {
    const callee = call?.childForFieldName('function');
    const last = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    return last !== undefined && UNIT_STARTS.has(last);
  });
}

const CALL_NAME = /([A-Za-z_]\\w*)\s*\(/g;

/** Names called in a text (`f(`, `self.f(`, `obj.f(`). */
function calledNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(CALL_NAME)) names.add(m[1]);
  return names;
}


