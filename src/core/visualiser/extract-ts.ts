import { NestingGuard } from '../locate';
// TS/JS extraction: the main script, async functions (each call a js-async unit that runs synchronously
// until its first await), timers, microtasks, promise reactions, workers and child processes.
// Same approach as extract-python.ts: walk in source order, tracking names bound to units.
import type { Node } from 'web-tree-sitter';
import { tsBlockingCall } from '../catalog/blocking';
import { tsAsyncIoCall } from '../catalog/waits';
import { classifyFunction, classifyLoop, isAsync, localFunction, type CpuClassification } from '../ts/cpu';
import { FUNCTION_TYPES, type TsSemantics } from '../ts/semantics';
import type { ProjectOracle } from '../project/effects';
import { rangeOf } from '../text';
import { LIBUV_POOL_SIZE } from './arrivals';
import { DEFAULT_IO_MS, type ExecutionModel, type Step, type Unit } from './model';
import { flaggedAfter, HEAVY_WEIGHT, holdsFlaggedLine, knownCost, labelOf, MAX_ARRIVALS, ModelBuilder, projectStep, weightForIterations, type EntryRun, type ExtractLimits } from './extract';

type Val =
  | { kind: 'unit'; id: string }
  | { kind: 'list'; items: Val[] }
  | { kind: 'fn'; node: Node }
  | { kind: 'sleep'; ms: number | undefined }
  | { kind: 'resolver' } // the resolve function of `new Promise((resolve) => ...)`
  | { kind: 'settled' } // Promise.resolve(x): already settled
  | { kind: 'awaitable'; node: Node }
  | { kind: 'num'; value: number };

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
  async: boolean;
  depth: number;
  stack: number[];
  env: Env;
  nesting: number;
  returned: Val | undefined;
  done: boolean;
  /** Set by setTimeout(resolve, ms) inside a Promise executor. */
  promiseSleep?: { ms: number | undefined; hit: boolean };
}

const SKIPPED = new Set([
  'function_declaration', 'generator_function_declaration', 'class_declaration', 'abstract_class_declaration', 'import_statement',
  'interface_declaration', 'type_alias_declaration', 'enum_declaration', 'empty_statement', 'comment', 'ambient_declaration',
  'module', 'internal_module', 'break_statement', 'continue_statement', 'debugger_statement', 'hash_bang_line', 'ERROR',
]);
const LOOPS = new Set(['for_statement', 'for_in_statement', 'while_statement', 'do_statement']);
const WRAPPERS = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion']);
const INTERESTING = /\bawait\b|\basync\b|\b(?:setTimeout|setInterval|setImmediate|queueMicrotask|nextTick|Promise|Worker|spawn|exec|execFile|fork|once|Atomics)\b|\.(?:then|catch|finally)\s*\(|Sync\s*\(/;
const CHILD_PROCESS = /^child_process\.(spawn|exec|execFile|fork)$/;
/** Async functions whose work runs in libuv's thread pool (their sync forms have a known cost). */
const LIBUV_WORK = new Set(['crypto.pbkdf2', 'crypto.scrypt', 'crypto.generateKeyPair']);

export function extractTs(root: Node, sem: TsSemantics, limits: ExtractLimits, project?: ProjectOracle, entry?: EntryRun, flaggedLines: readonly number[] = []): ExecutionModel {
  const extractor = new TsExtractor(sem, limits, project, flaggedLines);
  return entry ? extractor.runEntry(entry) : extractor.run(root);
}

class TsExtractor {
  private readonly b: ModelBuilder;
  private readonly regionCache = new Map<number, CpuClassification>();
  private readonly interestingCache = new Map<number, boolean>();
  /** The libuv thread pool's unit, once async crypto uses it. */
  private libuvPool: string | undefined;

  /** `flagged`: 0-based lines a rule flags; of two branches, the one holding such a line is shown. */
  constructor(private readonly sem: TsSemantics, private readonly lim: ExtractLimits, private readonly project?: ProjectOracle, private readonly flagged: readonly number[] = []) {
    this.b = new ModelBuilder('ts', lim);
  }

  /** Whether a statement after `statement` (in its block or those around it, within its function) holds a finding. */
  private restHoldsFlagged(statement: Node): boolean {
    return flaggedAfter(this.flagged, statement, (n) => FUNCTION_TYPES.has(n.type) || n.type === 'program');
  }

  private holdsFlagged(node: Node): boolean {
    return holdsFlaggedLine(this.flagged, node);
  }


  run(root: Node): ExecutionModel {
    const main = this.b.addUnit({ id: 'main', kind: 'js-main', label: 'main script', range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } } })!;
    const ctx: Ctx = { unit: main, async: true, depth: 0, stack: [], env: new Env(), nesting: 0, returned: undefined, done: false };
    this.block(root, ctx);
    if (this.b.units.length === 1) this.b.note('The script schedules no async work, timers or workers: only the main script runs.');
    return this.b.finish('main');
  }

  /** A model that starts at a function: called once from the script, or run by N arrivals (requests, messages) on the loop. */
  runEntry(entry: EntryRun): ExecutionModel {
    const fn = entry.fn;
    const async = isAsync(fn);
    const main = this.b.addUnit({
      id: 'main', kind: 'js-main', label: entry.perArrival ? `server: ${entry.noun}s arrive` : 'main script',
      range: rangeOf(fn),
    })!;
    const ctx: Ctx = { unit: main, async: true, depth: 0, stack: [], env: new Env(), nesting: 0, returned: undefined, done: false };
    if (!entry.perArrival && entry.arrivals <= 1) {
      if (async) {
        const unit = this.b.addUnit({ kind: 'js-async', label: `${entry.label}()`, parent: main.id, range: rangeOf(fn) })!;
        this.walkFunction(fn, [], ctx, { unit, async: true });
        this.b.push(main, { kind: 'spawn', target: unit.id, label: `${entry.label}()`, range: rangeOf(fn) });
      } else this.walkFunction(fn, [], ctx, { unit: main, async: false });
      return this.b.finish('main');
    }
    // Each arrival is a callback the loop runs when it is free: a request's I/O callback, a message event.
    const n = Math.max(1, Math.min(entry.arrivals, MAX_ARRIVALS));
    let template: Unit | undefined;
    for (let i = 0; i < n; i++) {
      const unit = this.b.addUnit({
        kind: 'timer', label: `${entry.noun} ${i + 1}`, delayMs: i * entry.spacingMs, parent: main.id, range: rangeOf(fn),
        arrival: { index: i + 1, atMs: i * entry.spacingMs },
      });
      if (!unit) break;
      const before = this.b.units.length;
      if (template) for (const st of template.steps) this.b.push(unit, { ...st });
      else this.walkFunction(fn, [], ctx, { unit, async });
      if (!template && this.b.units.length === before) template = unit;
      this.b.push(main, { kind: 'spawn', target: unit.id, label: `${entry.noun} ${i + 1} arrives`, range: rangeOf(fn) });
    }
    return this.b.finish('main');
  }

  // ---- which code is worth walking ----

  /**
   * Code that may schedule or wait for work: matched textually, then through the same-file functions it
   * calls (resolved lazily, a few levels deep), so only code the walk reaches is ever examined.
   */
  private interesting(node: Node, depth = 0): boolean {
    const cached = this.interestingCache.get(node.id);
    if (cached !== undefined) return cached;
    const text = node.text;
    let v = INTERESTING.test(text);
    this.interestingCache.set(node.id, v); // provisional: breaks cycles
    if (!v && depth < 4) {
      for (const name of calledNames(text)) {
        const r = this.sem.resolveNameAt(name, node);
        if (r?.kind !== 'local' || !FUNCTION_TYPES.has(r.node.type) || r.node.id === node.id) continue;
        if (isAsync(r.node) || this.interesting(r.node, depth + 1)) {
          v = true;
          break;
        }
      }
    }
    this.interestingCache.set(node.id, v);
    return v;
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
    if (SKIPPED.has(s.type)) return;
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
        case 'lexical_declaration': case 'variable_declaration':
          for (const d of s.namedChildren) {
            if (d?.type !== 'variable_declarator') continue;
            const value = d.childForFieldName('value');
            const name = d.childForFieldName('name');
            const v = value ? this.expr(value, ctx) : undefined;
            if (v && name?.type === 'identifier') ctx.env.set(name.text, v);
          }
          return;
        case 'export_statement': {
          const decl = s.childForFieldName('declaration');
          if (decl) this.statement(decl, ctx);
          return;
        }
        case 'return_statement': {
          const value = s.namedChildren[0];
          ctx.returned = value ? this.expr(value, ctx) : undefined;
          ctx.done = true;
          return;
        }
        case 'throw_statement':
          ctx.done = true;
          return;
        case 'if_statement': {
          const condition = s.childForFieldName('condition');
          if (condition) this.expr(condition, ctx);
          const body = s.childForFieldName('consequence');
          const other = s.childForFieldName('alternative')?.namedChildren.find((c) => c?.type !== 'comment');
          // The branch holding a line a rule flags, when the first does not: the model shows the wait the finding is about.
          if (body && other && !this.holdsFlagged(body) && this.holdsFlagged(other)) {
            this.statement(other, ctx);
            return;
          }
          // A guard whose branch throws or only leaves (a bare `return`) is the error or early-exit path: the run goes on
          // past it (through its else, if any) to what the function does. So is a branch that returns before a finding
          // further down: the run to that finding did not take it.
          if (body && (endsInThrow(body) || (leavesAtEnd(body) && this.restHoldsFlagged(s))) && !this.holdsFlagged(body)) {
            if (other) this.statement(other, ctx);
            return;
          }
          if (body) this.statement(body, ctx);
          return;
        }
        case 'statement_block':
          return this.block(s, ctx);
        case 'labeled_statement': {
          const body = s.childForFieldName('body');
          if (body) this.statement(body, ctx);
          return;
        }
        case 'try_statement': {
          const body = s.childForFieldName('body');
          if (body) this.block(body, ctx);
          const fin = s.childForFieldName('finalizer');
          const finBody = fin?.namedChildren.find((c) => c?.type === 'statement_block');
          if (finBody) this.block(finBody, { ...ctx, done: false });
          return;
        }
        default:
          if (LOOPS.has(s.type)) return this.loop(s, ctx);
          this.summarise(s, ctx);
      }
    } finally {
      ctx.nesting--;
    }
  }

  private loop(s: Node, ctx: Ctx): void {
    const body = s.childForFieldName('body');
    if (!body) return;
    if (!this.interesting(body)) return this.summarise(s, ctx);
    const isAwaitFor = s.type === 'for_in_statement' && s.children.some((c) => c?.type === 'await');
    let items: Val[] | undefined;
    let count: number | undefined;
    const left = s.type === 'for_in_statement' ? s.childForFieldName('left') : null;
    if (s.type === 'for_in_statement') {
      const right = s.childForFieldName('right');
      const v = right ? this.expr(right, ctx) : undefined;
      if (v?.kind === 'list') items = v.items;
      else count = this.iterations(s);
    } else if (s.type === 'for_statement') {
      count = this.iterations(s);
    }
    const n = items ? items.length : count;
    if (n === undefined) this.b.note('Loops without a literal count are shown as one pass.');
    const shown = Math.min(n ?? 1, this.lim.maxLoopUnroll);
    if (n !== undefined && n > shown) this.b.note(`A loop of ${n} iterations is shown with its first ${shown}.`);
    for (let i = 0; i < shown && !ctx.done; i++) {
      if (isAwaitFor) this.b.push(ctx.unit, { kind: 'await', duration: DEFAULT_IO_MS, label: labelOf(s), range: rangeOf(s) });
      const item = items?.[i];
      const name = left?.type === 'identifier' ? left.text : undefined;
      if (name && item) ctx.env.set(name, item);
      this.statement(body, ctx);
    }
  }

  /** Literal iteration count: `for (let i = 0; i < 4; i++)`, `for (const x of [a, b])`. */
  private iterations(loop: Node): number | undefined {
    if (loop.type === 'for_statement') {
      const cond = loop.childForFieldName('condition');
      const test = cond?.type === 'expression_statement' ? cond.namedChildren[0] : cond;
      if (test?.type !== 'binary_expression') return undefined;
      const bound = numberOf(test.childForFieldName('right'));
      const op = test.childForFieldName('operator')?.type;
      const init = /=\s*(\d+)\s*;?$/.exec(loop.childForFieldName('initializer')?.text ?? '');
      const start = init ? Number(init[1]) : 0;
      if (bound === undefined) return undefined;
      return Math.max(0, bound - start + (op === '<=' ? 1 : 0));
    }
    if (loop.type === 'for_in_statement') {
      const right = unwrap(loop.childForFieldName('right'));
      if (right?.type === 'array') return right.namedChildren.filter((c) => c && c.type !== 'comment').length;
    }
    return undefined;
  }

  private summarise(node: Node, ctx: Ctx, label?: string): void {
    let c: CpuClassification;
    try {
      c = this.regionCache.get(node.id) ?? classifyLoop(this.sem, node);
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
    if (c.verdict === 'cpu' || c.verdict === 'mixed') this.b.push(ctx.unit, { kind: 'cpu', weight: this.weightOf(sizeOf), label: text, range });
    if (c.verdict === 'io' || c.verdict === 'mixed') {
      const blocking = c.evidence.some((e) => e.kind === 'io' && /\bblocks\b/.test(e.text));
      if (blocking) this.b.push(ctx.unit, { kind: 'blocking', label: text, range });
      else this.b.light(ctx.unit, node);
    }
    if (c.verdict !== 'cpu' && c.verdict !== 'mixed' && c.verdict !== 'io') this.b.light(ctx.unit, node);
  }

  private weightOf(node: Node): number {
    let unknown = false;
    let visits = 0;
    const work = (n: Node, depth: number): number => {
      if (depth > 30 || ++visits > 2000) return 1;
      if (depth > 0 && FUNCTION_TYPES.has(n.type)) return 1;
      if (LOOPS.has(n.type)) {
        const size = n.type === 'while_statement' || n.type === 'do_statement' ? undefined : this.iterations(n);
        if (size === undefined) unknown = true;
        const body = n.childForFieldName('body');
        return (size ?? 1) * (body ? work(body, depth + 1) : 1);
      }
      let inner = 1;
      for (const c of n.namedChildren) if (c) inner = Math.max(inner, work(c, depth + 1));
      return inner;
    };
    const start = FUNCTION_TYPES.has(node.type) ? node.childForFieldName('body') ?? node : node;
    const total = work(start, 0);
    if (unknown && total < 100_000) return HEAVY_WEIGHT;
    return weightForIterations(total);
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
      case 'call_expression':
        return this.call(node, ctx, awaited);
      case 'new_expression':
        return this.newExpr(node, ctx, awaited);
      case 'await_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.awaitExpr(inner, node, ctx) : undefined;
      }
      case 'identifier': {
        const v = ctx.env.get(node.text);
        if (v) return v;
        const fn = localFunction(this.sem, node);
        return fn ? { kind: 'fn', node: fn } : undefined;
      }
      case 'member_expression':
        return ctx.env.get(node.text);
      case 'number': {
        const v = numberOf(node);
        return v === undefined ? undefined : { kind: 'num', value: v };
      }
      case 'array': {
        const items: Val[] = [];
        for (const c of node.namedChildren) {
          if (!c) continue;
          const v = this.expr(c, ctx);
          if (v?.kind === 'list' && c.type === 'spread_element') items.push(...v.items);
          else if (v) items.push(v);
        }
        return { kind: 'list', items };
      }
      case 'spread_element': {
        const inner = node.namedChildren[0];
        return inner ? this.expr(inner, ctx) : undefined;
      }
      case 'arrow_function': case 'function_expression': case 'function':
        return { kind: 'fn', node };
      case 'unary_expression': {
        const arg = node.childForFieldName('argument');
        return arg ? this.expr(arg, ctx) : undefined;
      }
      case 'assignment_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const v = right ? this.expr(right, ctx) : undefined;
        if (v && left) ctx.env.set(left.text, v);
        return v;
      }
      case 'string': case 'template_string': case 'true': case 'false': case 'null': case 'undefined': case 'comment':
      case 'class': case 'regex':
        return undefined;
      case 'ternary_expression': {
        const c = node.childForFieldName('consequence');
        return c ? this.expr(c, ctx, awaited) : undefined;
      }
      default:
        if (WRAPPERS.has(node.type)) {
          const inner = unwrap(node);
          return inner && inner.id !== node.id ? this.expr(inner, ctx, awaited) : undefined;
        }
        for (const c of node.namedChildren) if (c) this.expr(c, ctx);
        return undefined;
    }
  }

  private argNodes(call: Node): Node[] {
    return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment');
  }

  private call(call: Node, ctx: Ctx, awaited: boolean): Val | undefined {
    const callee = unwrap(call.childForFieldName('function'));
    if (!callee) return undefined;
    const args = this.argNodes(call);
    if (callee.type === 'member_expression') {
      const object = callee.childForFieldName('object');
      const method = callee.childForFieldName('property')?.text ?? '';
      if (object && (method === 'then' || method === 'catch' || method === 'finally')) {
        const before = this.expr(object, ctx);
        return this.reaction(before, args[0], call, ctx, method);
      }
      if (object && (method === 'map' || method === 'forEach' || method === 'flatMap') && args[0]) {
        const fnVal = this.expr(args[0], ctx);
        if (fnVal?.kind === 'fn' && (isAsync(fnVal.node) || this.interesting(fnVal.node))) return this.mapCall(object, fnVal.node, call, ctx);
      }
      const objectVal = object && (object.type === 'identifier' || object.type === 'member_expression') ? ctx.env.get(object.text) : undefined;
      // A chain (`crypto.scryptSync(...).toString('hex')`): the call it starts from runs first.
      const chained = unwrap(object);
      if (chained && (chained.type === 'call_expression' || chained.type === 'await_expression' || chained.type === 'new_expression')) this.expr(chained, ctx);
      if (objectVal?.kind === 'unit') {
        const r = this.unitMethod(objectVal.id, method, args, call, ctx);
        if (r !== NOT_HANDLED) return r;
      }
    }
    const name = this.sem.calleeName(call);
    if (name) {
      const r = this.qualified(name, call, args, ctx, awaited);
      if (r !== NOT_HANDLED) return r;
    }
    let fn = localFunction(this.sem, callee);
    if (!fn && callee.type === 'identifier') {
      const v = ctx.env.get(callee.text);
      if (v?.kind === 'fn') fn = v.node;
      if (v?.kind === 'resolver') return undefined;
    }
    if (fn) return this.callFunction(fn, args.map((a) => this.expr(a, ctx)), call, ctx);
    const io = tsAsyncIoCall(name);
    const last = args[args.length - 1];
    // `pool.query(text, (err, res) => ...)`: the callback runs on the loop once the I/O is done. Only a function or a
    // name is looked at here, so no other argument is walked twice.
    if (io?.callbackLast && !awaited && args.length > 1 && (FUNCTION_TYPES.has(last.type) || last.type === 'identifier')) {
      const cb = this.expr(last, ctx);
      if (cb?.kind === 'fn') return this.ioCallback(cb.node, io.waitsFor, args.slice(0, -1), call, ctx);
    }
    for (const a of args) this.expr(a, ctx);
    // An awaited library call, or a known asynchronous I/O call whose promise is kept or `.then`'d: a wait.
    if (awaited || io) return { kind: 'awaitable', node: call };
    this.libraryCall(name, call, ctx);
    return undefined;
  }

  private libraryCall(name: string | undefined, call: Node, ctx: Ctx): void {
    const known = name ? knownCost(name.replace(/^global\./, ''), this.argNodes(call)) : undefined;
    if (known) {
      // Work of one call on this thread (key derivation): it holds the event loop throughout.
      this.b.push(ctx.unit, { kind: known.cpu ? 'cpu' : 'blocking', duration: known.ms, stalls: true, cost: known.cost, label: labelOf(call), range: rangeOf(call) });
      return;
    }
    const blocking = name ? tsBlockingCall(name) : undefined;
    if (blocking) {
      this.b.push(ctx.unit, { kind: blocking.category === 'sleep' ? 'sleep' : 'blocking', label: labelOf(call), range: rangeOf(call) });
      return;
    }
    // Pure builtins (Math.*, JSON.*, array methods on literals) are too small to draw.
    if (name && /^global\.(Math|JSON|Number|String|Object|Array|Date|performance|clear\w+)\b/.test(name)) return;
    // A function of another module of the project that blocks a few calls down, or does large CPU-bound work.
    const callee = call.childForFieldName('function');
    const effect = name && callee ? this.project?.(callee) : undefined;
    if (effect && !('starts' in effect)) {
      this.b.push(ctx.unit, projectStep(effect, labelOf(call), rangeOf(call), true));
      return;
    }
    this.b.light(ctx.unit, call);
  }

  private qualified(name: string, call: Node, args: Node[], ctx: Ctx, awaited: boolean): Val | undefined | typeof NOT_HANDLED {
    const bare = name.replace(/^(global|timers)\./, '');
    switch (bare) {
      case 'setTimeout': case 'setInterval': case 'setImmediate':
        return this.timer(bare, call, args, ctx);
      case 'queueMicrotask':
        return this.microtask(args[0], call, ctx, false);
      case 'process.nextTick':
        return this.microtask(args[0], call, ctx, true);
      case 'Promise.all': case 'Promise.allSettled': case 'Promise.race': case 'Promise.any': {
        const v = args[0] ? this.expr(args[0], ctx) : undefined;
        if (v?.kind === 'list') return v;
        return { kind: 'awaitable', node: call };
      }
      case 'Promise.resolve': case 'Promise.reject':
        for (const a of args) this.expr(a, ctx);
        return { kind: 'settled' };
      case 'promises.setTimeout': case 'promises.setImmediate': {
        const ms = bare === 'promises.setImmediate' ? 0 : this.ms(args[0], ctx);
        return { kind: 'sleep', ms };
      }
      case 'Atomics.wait': {
        const ms = this.ms(args[3], ctx);
        this.b.push(ctx.unit, { kind: 'sleep', ...(ms !== undefined ? { duration: ms } : {}), label: labelOf(call), range: rangeOf(call) });
        return undefined;
      }
    }
    if (LIBUV_WORK.has(bare)) return this.libuvTask(bare, call, args, ctx);
    if (CHILD_PROCESS.test(name)) return this.childProcess(name, call, args, ctx);
    if (name === 'events.once' && args[0]) {
      const target = this.expr(args[0], ctx);
      if (target?.kind === 'unit') return target;
      return { kind: 'awaitable', node: call };
    }
    void awaited;
    return NOT_HANDLED;
  }

  private unitMethod(id: string, method: string, args: Node[], call: Node, ctx: Ctx): Val | undefined | typeof NOT_HANDLED {
    const unit = this.unit(id);
    if (!unit) return NOT_HANDLED;
    if (method === 'unref') {
      unit.daemon = true;
      return undefined;
    }
    if ((method === 'on' || method === 'once' || method === 'addListener' || method === 'addEventListener') && args[1] && (unit.kind === 'worker' || unit.kind === 'child-process')) {
      const event = args[0]?.text.replace(/['"`]/g, '');
      const cb = this.expr(args[1], ctx);
      if (cb?.kind !== 'fn') return undefined;
      // The handler runs on this loop once the worker/child has done its work (or at its first message).
      const timer = this.b.addUnit({
        kind: 'timer', label: `${unit.label} '${event}' handler`, delayMs: 0, parent: ctx.unit.id, range: rangeOf(call),
        startsAt: { afterStepOf: unit.id, stepIndex: Math.max(0, unit.steps.length - 1) },
      });
      if (timer) this.walkFunction(cb.node, [], ctx, { unit: timer, async: isAsync(cb.node) });
      return undefined;
    }
    if (method === 'terminate' || method === 'kill' || method === 'postMessage') return undefined;
    return NOT_HANDLED;
  }

  private unit(id: string): Unit | undefined {
    return this.b.units.find((u) => u.id === id);
  }

  private ms(node: Node | undefined, ctx: Ctx): number | undefined {
    if (!node) return undefined;
    const inner = unwrap(node);
    if (!inner) return undefined;
    if (inner.type === 'number') return numberOf(inner);
    if (inner.type === 'identifier') {
      const v = ctx.env.get(inner.text);
      return v?.kind === 'num' ? v.value : undefined;
    }
    if (inner.type === 'binary_expression' && inner.childForFieldName('operator')?.type === '*') {
      const a = this.ms(inner.childForFieldName('left') ?? undefined, ctx);
      const b = this.ms(inner.childForFieldName('right') ?? undefined, ctx);
      return a !== undefined && b !== undefined ? a * b : undefined;
    }
    return undefined;
  }

  private fnOf(node: Node | undefined, ctx: Ctx): Val | undefined {
    return node ? this.expr(node, ctx) : undefined;
  }

  private fnLabel(v: Val | undefined, node: Node | undefined): string {
    if (v?.kind === 'fn') {
      const name = v.node.childForFieldName('name')?.text
        ?? (v.node.parent?.type === 'variable_declarator' ? v.node.parent.childForFieldName('name')?.text : undefined);
      if (name) return name;
      if (node && node.type === 'identifier') return node.text;
      return '() => …';
    }
    return node ? labelOf(node) : 'callback';
  }

  private timer(kind: 'setTimeout' | 'setInterval' | 'setImmediate', call: Node, args: Node[], ctx: Ctx): Val | undefined {
    const cb = this.fnOf(args[0], ctx);
    const delay = kind === 'setImmediate' ? 0 : this.ms(args[1], ctx) ?? 0;
    if (cb?.kind === 'resolver' || (cb?.kind === 'fn' && this.callsResolver(cb.node, ctx))) {
      // setTimeout(resolve, ms) in a Promise executor: the promise is a sleep.
      if (ctx.promiseSleep) Object.assign(ctx.promiseSleep, { ms: delay, hit: true });
      return undefined;
    }
    const label = `${kind}(${this.fnLabel(cb, args[0])}${kind === 'setImmediate' ? '' : `, ${args[1] ? labelOf(args[1]) : 0}`})`;
    const firings = kind === 'setInterval' ? 3 : 1;
    if (kind === 'setInterval') this.b.note(`${label}: its first ${firings} firings are shown.`);
    let first: Val | undefined;
    let steps: Step[] | undefined;
    for (let i = 1; i <= firings; i++) {
      const unit = this.b.addUnit({ kind: 'timer', label: firings > 1 ? `${label} #${i}` : label, delayMs: delay * i, parent: ctx.unit.id, range: rangeOf(call) });
      if (!unit) break;
      if (steps) for (const s of steps) this.b.push(unit, { ...s });
      else if (cb?.kind === 'fn') this.walkFunction(cb.node, [], ctx, { unit, async: isAsync(cb.node) });
      steps = unit.steps;
      this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range: rangeOf(call) });
      first ??= { kind: 'unit', id: unit.id };
    }
    return first;
  }

  private callsResolver(fn: Node, ctx: Ctx): boolean {
    const body = fn.childForFieldName('body');
    if (!body) return false;
    const call = body.type === 'call_expression' ? body : body.type === 'statement_block' && body.namedChildCount === 1 ? body.namedChildren[0]?.namedChildren[0] : undefined;
    const callee = call?.type === 'call_expression' ? call.childForFieldName('function') : undefined;
    return callee?.type === 'identifier' && ctx.env.get(callee.text)?.kind === 'resolver';
  }

  private microtask(cbNode: Node | undefined, call: Node, ctx: Ctx, nextTick: boolean): Val | undefined {
    const cb = this.fnOf(cbNode, ctx);
    const label = `${nextTick ? 'process.nextTick' : 'queueMicrotask'}(${this.fnLabel(cb, cbNode)})`;
    const unit = this.b.addUnit({ kind: 'microtask', label, parent: ctx.unit.id, range: rangeOf(call), ...(nextTick ? { nextTick: true } : {}) });
    if (!unit) return undefined;
    if (cb?.kind === 'fn') this.walkFunction(cb.node, [], ctx, { unit, async: isAsync(cb.node) });
    this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range: rangeOf(call) });
    return { kind: 'unit', id: unit.id };
  }

  /** p.then(cb): a microtask that runs cb once p settles. */
  private reaction(before: Val | undefined, cbNode: Node | undefined, call: Node, ctx: Ctx, method: string): Val | undefined {
    const cb = this.fnOf(cbNode, ctx);
    const unit = this.b.addUnit({ kind: 'microtask', label: `.${method}(${this.fnLabel(cb, cbNode)})`, parent: ctx.unit.id, range: rangeOf(call) });
    if (!unit) return undefined;
    const range = rangeOf(call);
    if (before?.kind === 'unit') this.b.push(unit, { kind: 'await', target: before.id, label: `waits for ${this.unit(before.id)?.label ?? 'the promise'}`, range });
    else if (before?.kind === 'list') {
      for (const item of before.items) if (item.kind === 'unit') this.b.push(unit, { kind: 'await', target: item.id, label: 'waits for the promises', range });
    } else if (before?.kind === 'sleep') this.b.push(unit, { kind: 'await', ...(before.ms !== undefined ? { duration: before.ms } : {}), label: 'waits for the timer', range });
    else if (before?.kind === 'awaitable') this.b.push(unit, { kind: 'await', duration: DEFAULT_IO_MS, label: `waits for ${labelOf(before.node)}`, range });
    // .catch/.finally handlers of a promise that resolves run nothing of theirs; show .then bodies only.
    if (cb?.kind === 'fn' && method === 'then') this.walkFunction(cb.node, [], ctx, { unit, async: isAsync(cb.node) });
    this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range });
    return { kind: 'unit', id: unit.id };
  }

  private mapCall(object: Node, fn: Node, call: Node, ctx: Ctx): Val | undefined {
    const source = this.expr(object, ctx);
    const inner = unwrap(object);
    const n = source?.kind === 'list' ? source.items.length : inner?.type === 'array' ? inner.namedChildren.length : undefined;
    if (n === undefined) this.b.note(`${labelOf(call)}: the number of items is not literal; 3 calls are shown.`);
    const count = n ?? 3;
    const shown = Math.min(count, this.lim.maxLoopUnroll);
    if (count > shown) this.b.note(`${labelOf(call)} maps ${count} items; the first ${shown} are shown.`);
    const items: Val[] = [];
    for (let i = 0; i < shown; i++) {
      const item = source?.kind === 'list' ? source.items[i] : undefined;
      const v = this.callFunction(fn, [item], call, ctx, `#${i + 1}`);
      if (v) items.push(v);
    }
    return { kind: 'list', items };
  }

  private newExpr(node: Node, ctx: Ctx, awaited: boolean): Val | undefined {
    const name = this.sem.calleeName(node);
    const args = this.argNodes(node);
    if (name === 'worker_threads.Worker' || name === 'global.Worker') {
      const script = args[0] ? labelOf(args[0]) : 'script';
      const unit = this.b.addUnit({ kind: 'worker', label: `Worker ${script}`, parent: ctx.unit.id, range: rangeOf(node) });
      if (!unit) return undefined;
      this.b.note(`Worker ${script}: its script is not in this file; its work is shown as one step.`);
      this.b.push(unit, { kind: 'cpu', weight: HEAVY_WEIGHT, label: `runs ${script}`, range: rangeOf(node) });
      this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(node), range: rangeOf(node) });
      return { kind: 'unit', id: unit.id };
    }
    if (name === 'global.Promise') {
      const executor = args[0] ? this.expr(args[0], ctx) : undefined;
      if (executor?.kind !== 'fn') return { kind: 'awaitable', node };
      // The executor runs now, synchronously; setTimeout(resolve, ms) inside makes the promise a sleep.
      const sleep = { ms: undefined as number | undefined, hit: false };
      const resolverName = firstParamName(executor.node);
      const env = new Env(ctx.env);
      if (resolverName) env.set(resolverName, { kind: 'resolver' });
      const inner: Ctx = { ...ctx, env, promiseSleep: sleep, depth: ctx.depth + 1, returned: undefined, done: false };
      const body = executor.node.childForFieldName('body');
      if (body?.type === 'statement_block') this.block(body, inner);
      else if (body) this.expr(body, inner);
      if (sleep.hit) return { kind: 'sleep', ms: sleep.ms };
      return { kind: 'awaitable', node };
    }
    for (const a of args) this.expr(a, ctx);
    void awaited;
    return undefined;
  }

  /**
   * `crypto.pbkdf2(..., callback)`: the work runs in libuv's thread pool (4 threads by default, shared by every caller),
   * then the callback runs on the loop. Its length is the typical cost of the sync form.
   */
  private libuvTask(name: string, call: Node, args: Node[], ctx: Ctx): Val | undefined {
    const known = knownCost(`${name}Sync`, args);
    this.libuvPool ??= this.b.addUnit({ kind: 'thread-pool', label: `libuv thread pool (${LIBUV_POOL_SIZE})`, maxWorkers: LIBUV_POOL_SIZE, runtime: true, range: rangeOf(call) })?.id;
    if (!this.libuvPool) return undefined;
    const fnName = name.slice(name.lastIndexOf('.') + 1);
    const unit = this.b.addUnit({ kind: 'worker', label: `${fnName}(…) in the libuv pool`, parent: this.libuvPool, range: rangeOf(call) });
    if (!unit) return undefined;
    for (const a of args.slice(0, -1)) this.expr(a, ctx);
    this.b.push(unit, { kind: 'cpu', ...(known ? { duration: known.ms, cost: known.cost } : { weight: HEAVY_WEIGHT / 2 }), label: labelOf(call), range: rangeOf(call) });
    this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range: rangeOf(call) });
    this.callbackAfter(unit.id, fnName, args, ctx);
    return { kind: 'unit', id: unit.id };
  }

  /** An I/O call's completion callback: it runs on the loop after the I/O's wait (its length is not in the code). */
  private ioCallback(cb: Node, waitsFor: string, args: Node[], call: Node, ctx: Ctx): Val | undefined {
    for (const a of args) this.expr(a, ctx);
    const callee = call.childForFieldName('function') ?? call;
    const unit = this.b.addUnit({
      kind: 'timer', label: `${labelOf(callee)} callback, once ${waitsFor} answers`, delayMs: DEFAULT_IO_MS, parent: ctx.unit.id, range: rangeOf(call),
    });
    if (!unit) return undefined;
    this.walkFunction(cb, [], ctx, { unit, async: isAsync(cb) });
    this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range: rangeOf(call) });
    return { kind: 'unit', id: unit.id };
  }

  /** `f(..., callback)`: the callback runs on the loop once unit `after` has done its work. */
  private callbackAfter(after: string, fnName: string, args: Node[], ctx: Ctx): void {
    const last = args[args.length - 1];
    const cb = last && args.length > 1 ? this.expr(last, ctx) : undefined;
    if (cb?.kind !== 'fn') return;
    const handler = this.b.addUnit({
      kind: 'timer', label: `${fnName} callback`, delayMs: 0, parent: ctx.unit.id, range: rangeOf(last),
      startsAt: { afterStepOf: after, stepIndex: 0 },
    });
    if (handler) this.walkFunction(cb.node, [], ctx, { unit: handler, async: isAsync(cb.node) });
  }

  private childProcess(name: string, call: Node, args: Node[], ctx: Ctx): Val | undefined {
    const fnName = name.slice(name.lastIndexOf('.') + 1);
    const command = args[0] ? labelOf(args[0]) : 'command';
    const unit = this.b.addUnit({ kind: 'child-process', label: `${fnName} ${command}`, parent: ctx.unit.id, range: rangeOf(call) });
    if (!unit) return undefined;
    this.b.push(unit, { kind: 'cpu', weight: HEAVY_WEIGHT / 2, label: `runs ${command}`, range: rangeOf(call) });
    this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range: rangeOf(call) });
    // exec(cmd, callback): the callback runs on the loop once the child has exited.
    this.callbackAfter(unit.id, fnName, args, ctx);
    return { kind: 'unit', id: unit.id };
  }

  private awaitExpr(inner: Node, node: Node, ctx: Ctx): Val | undefined {
    const v = this.expr(inner, ctx, true);
    const range = rangeOf(node);
    const label = labelOf(node);
    switch (v?.kind) {
      case 'unit':
        this.b.push(ctx.unit, { kind: 'await', target: v.id, label, range });
        return undefined;
      case 'list':
        for (const item of v.items) {
          if (item.kind === 'unit') this.b.push(ctx.unit, { kind: 'await', target: item.id, label, range });
          else if (item.kind === 'sleep') this.b.push(ctx.unit, { kind: 'await', ...(item.ms !== undefined ? { duration: item.ms } : {}), label, range });
        }
        if (!v.items.length) this.b.push(ctx.unit, { kind: 'await', label, range });
        return undefined;
      case 'sleep':
        this.b.push(ctx.unit, { kind: 'await', ...(v.ms !== undefined ? { duration: v.ms } : {}), label, range });
        return undefined;
      case 'awaitable':
        this.b.push(ctx.unit, { kind: 'await', duration: DEFAULT_IO_MS, label, range });
        return undefined;
      default:
        // Awaiting a settled value still resumes in a microtask.
        this.b.push(ctx.unit, { kind: 'await', label, range });
        return undefined;
    }
  }

  /** A call of a same-file function: async ones become js-async units; sync ones run in place. */
  private callFunction(fn: Node, args: (Val | undefined)[], call: Node, ctx: Ctx, suffix = ''): Val | undefined {
    if (isAsync(fn)) {
      if (ctx.stack.includes(fn.id) || ctx.depth >= this.lim.maxCallDepth + 2) {
        this.b.push(ctx.unit, { kind: 'await', label: labelOf(call), range: rangeOf(call) });
        return undefined;
      }
      const label = suffix ? `${this.fnLabel({ kind: 'fn', node: fn }, undefined)}(${suffix})` : labelOf(call);
      const unit = this.b.addUnit({ kind: 'js-async', label, parent: ctx.unit.id, range: rangeOf(call) });
      if (!unit) return undefined;
      this.walkFunction(fn, args, ctx, { unit, async: true });
      this.b.push(ctx.unit, { kind: 'spawn', target: unit.id, label: labelOf(call), range: rangeOf(call) });
      return { kind: 'unit', id: unit.id };
    }
    const recursive = ctx.stack.includes(fn.id);
    if (!recursive && ctx.depth < this.lim.maxCallDepth && (this.interesting(fn) || this.returnsPromise(fn))) {
      return this.walkFunction(fn, args, ctx, { unit: ctx.unit, async: ctx.async });
    }
    if (recursive) return undefined;
    let c: CpuClassification;
    try {
      c = classifyFunction(this.sem, fn);
    } catch {
      this.b.light(ctx.unit, call);
      return undefined;
    }
    this.classified(c, call, ctx, labelOf(call), fn);
    return undefined;
  }

  private returnsPromise(fn: Node): boolean {
    return /\bnew\s+Promise\b/.test(fn.childForFieldName('body')?.text ?? '');
  }

  private walkFunction(fn: Node, args: (Val | undefined)[], from: Ctx, into: { unit: Unit; async: boolean }): Val | undefined {
    if (from.stack.includes(fn.id)) {
      this.b.note(`${this.fnLabel({ kind: 'fn', node: fn }, undefined)} calls itself: the recursion is shown once.`);
      return undefined;
    }
    const env = new Env(from.env);
    const params = fn.childForFieldName('parameters')?.namedChildren ?? (fn.childForFieldName('parameter') ? [fn.childForFieldName('parameter')] : []);
    let i = 0;
    for (const p of params) {
      if (!p) continue;
      const pattern = p.type === 'required_parameter' || p.type === 'optional_parameter' ? p.childForFieldName('pattern') : p;
      const v = args[i++];
      if (pattern?.type === 'identifier' && v) env.set(pattern.text, v);
    }
    const ctx: Ctx = {
      unit: into.unit, async: into.async, depth: from.depth + 1, stack: [...from.stack, fn.id], env,
      nesting: from.nesting + 1, returned: undefined, done: false, promiseSleep: from.promiseSleep,
    };
    const body = fn.childForFieldName('body');
    if (!body) return undefined;
    if (body.type !== 'statement_block') return this.expr(body, ctx);
    this.block(body, ctx);
    return ctx.returned;
  }
}

const NOT_HANDLED = Symbol('not handled');

/** A branch whose last statement returns or throws. */
function leavesAtEnd(body: Node): boolean {
  const last = body.type === 'statement_block' ? body.namedChildren.filter((c) => c?.type !== 'comment').pop() : body;
  return last?.type === 'return_statement' || last?.type === 'throw_statement';
}

function endsInThrow(body: Node): boolean {
  const last = body.type === 'statement_block' ? body.namedChildren.filter((c) => c?.type !== 'comment').pop() : body;
  return last?.type === 'throw_statement' || (last?.type === 'return_statement' && !last.namedChildren.some((c) => c?.type !== 'comment'));
}

function unwrap(node: Node | null | undefined): Node | undefined {
  let current = node ?? undefined;
  for (let i = 0; current && WRAPPERS.has(current.type) && i < 20; i++) {
    current = current.namedChildren.find((c) => c && !c.type.endsWith('type') && c.type !== 'type_identifier' && c.type !== 'type_arguments') ?? undefined;
  }
  return current;
}

function numberOf(node: Node | null | undefined): number | undefined {
  if (node?.type !== 'number') return undefined;
  const n = Number(node.text.replace(/_/g, ''));
  return Number.isFinite(n) ? n : undefined;
}

function firstParamName(fn: Node): string | undefined {
  const single = fn.childForFieldName('parameter');
  if (single?.type === 'identifier') return single.text;
  const first = fn.childForFieldName('parameters')?.namedChildren[0];
  const pattern = first?.type === 'required_parameter' || first?.type === 'optional_parameter' ? first.childForFieldName('pattern') : first;
  return pattern?.type === 'identifier' ? pattern.text : undefined;
}

const CALL_NAME = /([A-Za-z_$][\\w$]*)\s*\(/g;

/** Names called in a text (`f(`, `self.f(`, `obj.f(`). */
function calledNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(CALL_NAME)) names.add(m[1]);
  return names;
}


