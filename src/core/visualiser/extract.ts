// Extraction: a source file's concurrency units and their steps, as an ExecutionModel.
// Language walkers (extract-python.ts, extract-ts.ts) are small abstract interpreters over the
// syntax tree; this file holds what they share: the bounded model builder and the entry point.
import type { Node } from 'web-tree-sitter';
import type { ParsedDocument } from '../document';
import type { TreeFacts } from '../analyze';
import { MAX_NESTING } from '../locate';
import { endOf, lineOf, linesOfTree, rangeOf } from '../text';
import { FUNCTION_TYPES } from '../ts/semantics';
import type { Diagnostic, Range } from '../types';
import type { ExecutionModel, Step, Unit } from './model';
// The walkers import the builder below; the cycle is safe (nothing runs at load time).
import type { ProjectOracle } from '../project/effects';
import { extractPython } from './extract-python';
import { extractTs } from './extract-ts';

export interface ExtractLimits {
  maxUnits: number;
  maxStepsPerUnit: number;
  maxTotalSteps: number;
  /** Levels of same-file calls followed into (and nested unit bodies). */
  maxCallDepth: number;
  /** Iterations shown of a loop that starts units (`for i in range(4): Thread(...)`). */
  maxLoopUnroll: number;
  /** Statement nesting walked; deeper code is left out with a note. */
  maxNesting: number;
  /** Syntax nodes visited in all; bounds the work on huge files. */
  maxVisits: number;
}

export const defaultExtractLimits: ExtractLimits = {
  maxUnits: 120,
  maxStepsPerUnit: 200,
  maxTotalSteps: 4000,
  maxCallDepth: 6,
  maxLoopUnroll: 8,
  maxNesting: 60,
  maxVisits: 150_000,
};

/**
 * Relative CPU cost of a statement doing little (an assignment, a print): a sliver on the timeline (0.1 ms; the page
 * draws every span at least a pixel wide). Real statements take microseconds: at 2 ms each, a 20-statement CRUD route
 * came out as 40 ms of CPU work per request, and the what-if recommended processes for it.
 */
export const LIGHT_WEIGHT = 0.01;
/** Consecutive light statements merge into one sliver up to this weight (1 ms). */
const LIGHT_MERGE_CAP = 0.1;
/** A CPU-bound callable or loop whose size the code does not state. */
export const HEAVY_WEIGHT = 10;

/**
 * The step for a call of the project's code in another module: blocking (down to the blocking call; `onLoop`: it stalls
 * an event loop, else it waits like I/O), or CPU-bound work of a size the other file shows to be large.
 */
export function projectStep(effect: Exclude<NonNullable<ReturnType<ProjectOracle>>, { starts: unknown }>, label: string, range: Range, onLoop: boolean): Step {
  if ('blocks' in effect) {
    const last = effect.blocks[effect.blocks.length - 1];
    return { kind: onLoop ? 'blocking' : 'io', label: `${label} → ${last.shown} (${last.where})`, range };
  }
  return { kind: 'cpu', weight: HEAVY_WEIGHT, label: `${label} (CPU-bound${effect.cpu.file ? `, in ${effect.cpu.file}` : ''})`, range };
}
const LABEL_MAX = 48;

/** Where a model starts when not at the module body: a function (or method), run once or by N arrivals. */
export interface EntryRun {
  /** The function_definition (Python) or function node (TS) the model runs. */
  fn: Node;
  /** Shown on the lanes: "GET /items: read_items". */
  label: string;
  /** How many times it runs at once (handlers: requests or messages); 1 = one run. */
  arrivals: number;
  /** Arrivals come this many ms apart (0: all at once). */
  spacingMs: number;
  /** Runs once per arrival on a framework's loop or pool (handlers, listeners) rather than from a caller. */
  perArrival: boolean;
  /** Python: a thread runs it (a thread target, a Thread subclass's run()). */
  inThread?: boolean;
  /** Python sync handlers: the server's thread pool size (undefined: a thread per request). */
  poolSize?: number;
  /** Python sync handlers: the pool is of worker processes (gunicorn's sync workers), not threads. */
  poolProcesses?: boolean;
  /** Python sync handlers: which server runs them, and how many at once (shown on the panel). */
  server?: string;
  /** "request" or "message": what arrives. */
  noun: string;
  /**
   * 0-based line the user pointed at (the cursor, a hover): branches are taken towards it, and an early return on the
   * way does not end the walk, so the model shows what that line does.
   */
  focusLine?: number;
}

/** Arrivals drawn at most (each is a lane). */
export const MAX_ARRIVALS = 50;

/**
 * The typical cost of calls known to be slow whose cost the code does not state: key derivation is deliberately slow
 * (scrypt's defaults, N=16384 r=8: about 50 ms; PBKDF2: about 1 µs per iteration of SHA-256).
 */
export function knownCost(name: string, args: readonly Node[]): { ms: number; cpu: boolean; cost: string } | undefined {
  const literal = (n: Node | undefined): number | undefined => {
    const v = n && /^[\d_]+(\.\d+)?(e\d+)?$/i.test(n.text) ? Number(n.text.replace(/_/g, '')) : undefined;
    return v !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const pbkdf2 = (iterations: number | undefined, where: string) => ({
    ms: Math.max(1, Math.round((iterations ?? 100_000) / 1000)), cpu: true,
    cost: iterations !== undefined ? `${iterations.toLocaleString('en-US')} iterations at about 1 µs each` : `typical cost of ${where} (100,000 iterations)`,
  });
  switch (name) {
    case 'crypto.scryptSync': return { ms: 50, cpu: true, cost: 'typical cost of scryptSync with its defaults (N=16384, r=8)' };
    case 'crypto.pbkdf2Sync': return pbkdf2(literal(args[2]), 'pbkdf2Sync');
    case 'crypto.generateKeyPairSync': return { ms: 100, cpu: true, cost: 'typical cost of generating an RSA-2048 key pair' };
    case 'hashlib.scrypt': return { ms: 50, cpu: false, cost: 'typical cost of hashlib.scrypt (n=16384, r=8); it releases the GIL' };
    case 'hashlib.pbkdf2_hmac': { const c = pbkdf2(literal(args[2]), 'pbkdf2_hmac'); return { ...c, cpu: false, cost: `${c.cost}; it releases the GIL` }; }
    case 'bcrypt.hashpw': case 'bcrypt.checkpw': return { ms: 250, cpu: false, cost: 'typical cost of bcrypt at its default 12 rounds; it releases the GIL' };
    case 'bcrypt.hashSync': case 'bcrypt.compareSync': case 'bcryptjs.hashSync': case 'bcryptjs.compareSync':
      return { ms: 250, cpu: true, cost: 'typical cost of bcrypt at 12 rounds' };
  }
  return undefined;
}

const lightSteps = new WeakSet<Step>();

/** Collects units and steps under the caps; overflow becomes a note, never an exception. */
export class ModelBuilder {
  readonly units: Unit[] = [];
  private readonly noteSet = new Set<string>();
  private totalSteps = 0;
  private ids = new Map<string, number>();
  visits = 0;

  constructor(readonly language: 'python' | 'ts', readonly limits: ExtractLimits) {}

  note(text: string): void {
    if (this.noteSet.size < 40) this.noteSet.add(text);
  }

  get notes(): string[] {
    return [...this.noteSet];
  }

  /** Forgets the notes about a unit that is not drawn after all (they start with its label). */
  dropNotesOf(label: string): void {
    for (const text of this.noteSet) if (text.startsWith(`${label}: `)) this.noteSet.delete(text);
  }

  /** Counts visited nodes; false once the budget is spent. */
  visit(): boolean {
    if (++this.visits <= this.limits.maxVisits) return true;
    if (this.visits === this.limits.maxVisits + 1) this.note('The file is large: only part of it is modelled.');
    return false;
  }

  id(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'u';
    const n = (this.ids.get(clean) ?? 0) + 1;
    this.ids.set(clean, n);
    return n === 1 ? clean : `${clean}#${n}`;
  }

  canAddUnit(): boolean {
    if (this.units.length < this.limits.maxUnits) return true;
    this.note(`More than ${this.limits.maxUnits} concurrent units: the rest are left out.`);
    return false;
  }

  addUnit(unit: Omit<Unit, 'id' | 'steps'> & { id?: string; steps?: Step[] }): Unit | undefined {
    if (!this.canAddUnit()) return undefined;
    if (unit.id) this.ids.set(unit.id, Math.max(1, this.ids.get(unit.id) ?? 0));
    const u: Unit = { ...unit, id: unit.id ?? this.id(unit.label), steps: unit.steps ?? [] };
    this.units.push(u);
    return u;
  }

  push(unit: Unit, step: Step): void {
    if (unit.steps.length >= this.limits.maxStepsPerUnit) {
      this.note(`${unit.label} has more than ${this.limits.maxStepsPerUnit} steps: the rest are left out.`);
      return;
    }
    if (this.totalSteps >= this.limits.maxTotalSteps) {
      this.note(`More than ${this.limits.maxTotalSteps} steps in all: the rest are left out.`);
      return;
    }
    this.totalSteps++;
    unit.steps.push(step);
  }

  /** A step for code that does little; consecutive ones merge into one sliver. */
  light(unit: Unit, node: Node): void {
    const last = unit.steps[unit.steps.length - 1];
    if (last && lightSteps.has(last) && (last.weight ?? 0) < LIGHT_MERGE_CAP) {
      last.weight = Math.round(((last.weight ?? 0) + LIGHT_WEIGHT) * 100) / 100;
      if (last.range) last.range = { start: last.range.start, end: rangeOf(node).end };
      if (!last.label.endsWith('…')) last.label += ' …';
      return;
    }
    const step: Step = { kind: 'cpu', weight: LIGHT_WEIGHT, label: labelOf(node), range: rangeOf(node) };
    lightSteps.add(step);
    this.push(unit, step);
  }

  /**
   * Units no step starts and nothing schedules would run at program start: drop them, and what only they would start
   * (the thread a process that is never started would start).
   */
  finish(mainId: string): ExecutionModel {
    const pools = new Set(this.units.filter((u) => u.kind.endsWith('-pool')).map((u) => u.id));
    const byId = new Map(this.units.map((u) => [u.id, u]));
    const spawned = new Set<string>();
    for (const u of this.units) for (const s of u.steps) if (s.kind === 'spawn' && s.target) spawned.add(s.target);
    // Reached from the program's start: main, pools, scheduled units, and what a reached unit starts (each once).
    const reached = new Set(this.units.filter((u) => u.id === mainId || pools.has(u.id) || u.startsAt).map((u) => u.id));
    const queue = [...reached];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const s of byId.get(id)?.steps ?? []) {
        if (s.kind !== 'spawn' || !s.target || reached.has(s.target) || !byId.has(s.target)) continue;
        reached.add(s.target);
        queue.push(s.target);
      }
    }
    const kept = this.units.filter((u) => {
      if (reached.has(u.id)) return true;
      if (!spawned.has(u.id)) this.note(`${u.label} is created but never started.`);
      return false;
    });
    const keptIds = new Set(kept.map((u) => u.id));
    // Pools nothing submits to stay out of the picture.
    const usedPools = new Set(kept.filter((u) => u.parent && pools.has(u.parent)).map((u) => u.parent));
    const units = kept.filter((u) => !pools.has(u.id) || usedPools.has(u.id));
    for (const u of units) {
      if (u.startsAt && u.startsAt !== 'program-start' && !keptIds.has(u.startsAt.afterStepOf)) u.startsAt = 'program-start';
    }
    return { language: this.language, units, notes: this.notes };
  }
}

export function isLight(step: Step): boolean {
  return lightSteps.has(step);
}

/** A span label from source: the first line, whitespace collapsed, shortened. */
export function labelOf(node: Node | string): string {
  const text = typeof node === 'string' ? node : node.text;
  const first = text.split('\n')[0].replace(/\s+/g, ' ').trim();
  const multi = text.includes('\n');
  if (first.length > LABEL_MAX) return `${first.slice(0, LABEL_MAX - 1)}…`;
  return multi && !first.endsWith(':') ? `${first} …` : first;
}

/** Relative CPU weight for a loop of n iterations (pure-Python scale: 100k iterations ≈ 1 unit). */
export function weightForIterations(n: number | undefined): number {
  if (n === undefined || !Number.isFinite(n)) return HEAVY_WEIGHT;
  return Math.max(1, Math.min(50, Math.round(n / 100_000)));
}

function contains(outer: Range, inner: Range): boolean {
  const before = (a: Range['start'], b: Range['start']) => a.line < b.line || (a.line === b.line && a.column <= b.column);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

const sameRange = (a: Range, b: Range) => contains(a, b) && contains(b, a);

/** Callbacks a call runs in place, before it returns (`xs.map(f)`, `sorted(xs, key=f)`): their code is the call's. */
const IN_PLACE_CALLBACKS = new Set(['map', 'forEach', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast', 'flatMap', 'sort', 'sorted', 'min', 'max']);
const DEFINITIONS = new Set(['function_definition', 'lambda', 'class_definition', 'class_declaration', ...FUNCTION_TYPES]);

/**
 * Whether the code at `at` is in a function or class defined inside `step` (a handler registered there, a function
 * declared between the statements a step sums up): it does not run when the step runs, so its finding is not the step's.
 */
function definedWithin(root: Node, step: Range, at: Range): boolean {
  const lines = linesOfTree(root.tree);
  if (!lines) return false;
  const offset = lines.offsetAt(at.start);
  let node: Node | null = root.descendantForIndex(offset, offset);
  for (let steps = 0; node && steps < MAX_NESTING; steps++, node = node.parent) {
    const here = rangeOf(node);
    if (!contains(step, here) || sameRange(step, here)) return false;
    if (!DEFINITIONS.has(node.type)) continue;
    const holder = node.parent?.type === 'keyword_argument' ? node.parent.parent : node.parent;
    const call = holder?.type === 'arguments' || holder?.type === 'argument_list' ? holder.parent : undefined;
    const callee = call?.childForFieldName('function');
    const last = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text
      : callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    if (!last || !IN_PLACE_CALLBACKS.has(last)) return true;
  }
  return false;
}

/**
 * Marks each step whose range holds a diagnostic (or lies in one) with that diagnostic's code: the innermost step of a
 * unit that holds it (a chain's first call, not the whole chain), and never a step that only defines the code flagged.
 */
export function markDiagnostics(model: ExecutionModel, diagnostics: readonly Pick<Diagnostic, 'code' | 'range'>[], root?: Node): void {
  if (!diagnostics.length) return;
  for (const u of model.units) {
    const steps = u.steps.filter((s) => s.range && s.kind !== 'spawn');
    const holds = (s: Step, d: Pick<Diagnostic, 'range'>) => contains(s.range!, d.range)
      && !steps.some((o) => o !== s && contains(s.range!, o.range!) && !sameRange(s.range!, o.range!) && contains(o.range!, d.range))
      && !(root && definedWithin(root, s.range!, d.range));
    for (const s of steps) {
      const d = diagnostics.find((x) => holds(s, x)) ?? diagnostics.find((x) => contains(x.range, s.range!));
      if (d) s.diagnosticCode = d.code;
    }
  }
}

export function emptyModel(language: 'python' | 'ts', note: string): ExecutionModel {
  const main: Unit = language === 'python'
    ? { id: 'main', kind: 'main-thread', label: 'main thread', steps: [] }
    : { id: 'main', kind: 'js-main', label: 'main script', steps: [] };
  return { language, units: [main], notes: [note] };
}

/** The file's execution model. Never throws: odd code yields a smaller model with notes. */
/** `project`: what calls of the project's functions in other modules do (the visualiser stays in this file without it). */
/** `flaggedLines`: 0-based lines the rules flag; where the model must pick one branch, it picks the one holding such a line. */
export function extractModel(doc: ParsedDocument, facts: TreeFacts | undefined, limits: Partial<ExtractLimits> = {}, project?: ProjectOracle, entry?: EntryRun, flaggedLines: readonly number[] = []): ExecutionModel {
  const language = doc.language === 'python' ? 'python' : 'ts';
  const tree = doc.tree;
  if (!tree || !facts) return emptyModel(language, doc.skipped ? `The file was not parsed (${doc.skipped}).` : 'The file was not parsed.');
  const lim = { ...defaultExtractLimits, ...limits };
  try {
    const model = language === 'python'
      ? extractPython(tree.rootNode, facts.python(), lim, project, entry, flaggedLines)
      : extractTs(tree.rootNode, facts.ts(), lim, project, entry, flaggedLines);
    if (tree.rootNode.hasError) model.notes.unshift('The file has syntax errors: the parts that parse are modelled.');
    return model;
  } catch (error) {
    return emptyModel(language, `Extraction failed on this file (${error instanceof Error ? error.message : String(error)}); please report it.`);
  }
}

/**
 * Lines a rule flags (0-based) after `statement` and before the end of the code around it (up to `isBoundary`, a function
 * or the module): a branch that returns first would skip them.
 */
export function flaggedAfter(flagged: readonly number[], statement: Node, isBoundary: (node: Node) => boolean): boolean {
  if (!flagged.length) return false;
  let end: number | undefined;
  for (let n: Node | null = statement, steps = 0; n && steps < MAX_NESTING && !isBoundary(n); n = n.parent, steps++) end = endOf(n).line;
  const after = endOf(statement).line;
  return end !== undefined && flagged.some((line) => after < line && line <= end);
}

/** Whether `node` holds a line a rule flags. */
export function holdsFlaggedLine(flagged: readonly number[], node: Node): boolean {
  const first = lineOf(node);
  const end = endOf(node).line;
  return flagged.some((line) => first <= line && line <= end);
}
