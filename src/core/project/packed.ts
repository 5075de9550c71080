// Other files' summaries kept compact: a function's detail and a module's names as one short JSON text each, read
// back when a chain looks at them. The objects they stand for (a Range is three objects, a call five) took nine times
// the memory: 13,335 library files' summaries held 484 MB of heap as objects; as these texts they are 54 MB, which
// the summary cache keeps as UTF-8 bytes outside the heap (project.ts).
import type { Range } from '../types';
import { validCondition, validValue, type Arg, type Condition, type Param, type Value } from '../effects/condition';
import type { BlockingCall, CallTarget, FileSummary, FunctionSummary } from './project';
import { dict, dictFrom } from '../dict';

/** A file's summary as the cache and the index keep it: JSON text per function and for the module's names. */
export interface StoredSummary {
  functions: Record<string, string>;
  names: string;
}

type ModuleNames = Pick<FileSummary, 'classes' | 'exports' | 'instances' | 'attributes' | 'stars'>;
type Unpacked = Omit<FunctionSummary, 'key'>;

/** A target as one string: its kind's letter, then the key, the qualified name, or the specifier and name. */
function packTarget(target: CallTarget): string {
  switch (target.kind) {
    case 'local': return `l${target.key}`;
    case 'qualified': return `q${target.name}`;
    case 'module': return `m${target.specifier}\n${target.name}`;
  }
}

function unpackTarget(packed: string): CallTarget {
  const rest = packed.slice(1);
  if (packed[0] === 'l') return { kind: 'local', key: rest };
  if (packed[0] === 'q') return { kind: 'qualified', name: rest };
  const split = rest.indexOf('\n');
  if (packed[0] !== 'm' || split < 0) throw new Error(`not a packed target: ${packed}`);
  return { kind: 'module', specifier: rest.slice(0, split), name: rest.slice(split + 1) };
}

/**
 * Start line, start column, lines spanned (mostly 0), end column. Ranges inside a function count their lines from the
 * function's first line (`base`): moving a function by whole lines changes its own start line only (movePackedFunction).
 */
function packRange(range: Range, base = 0): number[] {
  return [range.start.line - base, range.start.column, range.end.line - range.start.line, range.end.column];
}

function unpackRange(numbers: readonly unknown[], at: number, base = 0): Range {
  const [line, column, lines, endColumn] = numbers.slice(at, at + 4) as number[];
  return { start: { line: base + line, column }, end: { line: base + line + lines, column: endColumn } };
}

/** What a call passes and when it runs: its condition, arguments and receiver (targets inside packed). */
interface CallExtras { w?: Condition; a?: Arg[]; r?: Value }
type PackedCall = [string, string | 0, number, number, number, number, CallExtras?];
type PackedStart = [number, string, number, number, number, number, string?, string?];
type PackedBlocking = [string, string, number, number, number, number, (Condition | 0)?, 1?];
/** A function's conditions' context: later blocking calls, parameters, a constructor's fields. */
interface FunctionExtras { b?: PackedBlocking[]; p?: Param[]; f?: Record<string, Value> }
type PackedFunction = [0 | 1, number, number, number, number, PackedBlocking | 0, PackedCall[], (PackedStart[] | 0)?, FunctionExtras?];

function packBlocking(b: BlockingCall, base: number): PackedBlocking {
  const out: PackedBlocking = [b.api, b.shown, ...(packRange(b.range, base) as [number, number, number, number])];
  if (b.when || b.light) out.push(b.when ?? 0);
  if (b.light) out.push(1);
  return out;
}

function unpackBlocking(b: PackedBlocking, base: number): BlockingCall {
  return { api: b[0], shown: b[1], range: unpackRange(b, 2, base), ...(b[6] ? { when: b[6] } : {}), ...(b[7] === 1 ? { light: true } : {}) };
}

/**
 * The first call of each target, its `shown` 0 when it is the target's name called: a chain follows a target once
 * (a second call of it leads where the first did), and almost half of a function's calls repeat one.
 */
function calls(list: FunctionSummary['calls'], base: number): PackedCall[] {
  const seen = new Set<string>();
  const out: PackedCall[] = [];
  for (const call of list) {
    const target = packTarget(call.target);
    const extras: CallExtras = {};
    if (call.when) extras.w = call.when;
    if (call.args) extras.a = call.args;
    if (call.recv) extras.r = call.recv;
    const hasExtras = extras.w || extras.a || extras.r;
    // A call of the same target under the same condition with the same arguments leads where the first did.
    const key = hasExtras ? `${target}\n${JSON.stringify(extras)}` : target;
    if (seen.has(key)) continue;
    seen.add(key);
    const packed: PackedCall = [target, call.shown === `${target.slice(1)}()` ? 0 : call.shown, ...(packRange(call.range, base) as [number, number, number, number])];
    if (hasExtras) packed.push(extras);
    out.push(packed);
  }
  return out;
}

export function packFunction(fn: FunctionSummary): string {
  const base = fn.range.start.line;
  const packed: PackedFunction = [
    fn.async ? 1 : 0,
    ...(packRange(fn.range) as [number, number, number, number]),
    fn.blocking ? packBlocking(fn.blocking, base) : 0,
    calls(fn.calls, base),
  ];
  const extras: FunctionExtras = {};
  if (fn.alsoBlocking?.length) extras.b = fn.alsoBlocking.map((b) => packBlocking(b, base));
  if (fn.params?.length) extras.p = fn.params;
  if (fn.fields) extras.f = fn.fields;
  const hasExtras = extras.b || extras.p || extras.f;
  if (fn.starts?.length) {
    packed.push(fn.starts.map((s) => {
      const start: PackedStart = [s.param, s.shown, ...(packRange(s.range, base) as [number, number, number, number])];
      if (s.via || s.error) start.push(s.via ? packTarget(s.via) : '');
      if (s.error) start.push(s.error);
      return start;
    }));
  } else if (hasExtras) packed.push(0);
  if (hasExtras) packed.push(extras);
  return JSON.stringify(packed);
}

function unpackFunction(text: string): Unpacked {
  const [async, sl, sc, dl, ec, blocking, called, starts, extras] = JSON.parse(text) as PackedFunction;
  const out: Unpacked = {
    async: async === 1,
    range: unpackRange([sl, sc, dl, ec], 0),
    calls: called.map((c) => {
      const more = c[6];
      return {
        target: unpackTarget(c[0]), shown: c[1] === 0 ? `${c[0].slice(1)}()` : c[1], range: unpackRange(c, 2, sl),
        ...(more?.w ? { when: more.w } : {}), ...(more?.a ? { args: more.a } : {}), ...(more?.r ? { recv: more.r } : {}),
      };
    }),
  };
  if (blocking) out.blocking = unpackBlocking(blocking, sl);
  if (extras?.b) out.alsoBlocking = extras.b.map((b) => unpackBlocking(b, sl));
  if (extras?.p) out.params = extras.p;
  if (extras?.f) out.fields = extras.f;
  if (starts) {
    out.starts = starts.map((s) => ({
      param: s[0], shown: s[1], range: unpackRange(s, 2, sl),
      ...(s[6] ? { via: unpackTarget(s[6]) } : {}),
      ...(s[7] ? { error: s[7] } : {}),
    }));
  }
  return out;
}

/** How an edit moves ranges: `move` maps one (and may throw to refuse); see EditMap. */
export interface RangeMover {
  move(range: Range): Range;
  /** Whether `range` may change at all (false: it stays as it is). */
  affects?(range: Range): boolean;
  /** The lines every position of `range` moves by, when it lies wholly on lines after the edit; else undefined. */
  wholeLines?(range: Range): number | undefined;
}

/** The packed function's head: `[async,line,column,lines,endColumn,` (our own JSON, so digits and commas only). */
const HEAD = /^\[([01]),(\d+),(\d+),(\d+),(\d+),/;

/** A function's packed text with every range in it moved (`move` may throw to refuse). */
export function movePackedFunction(text: string, mover: RangeMover): string {
  const head = HEAD.exec(text);
  if (head && (mover.affects || mover.wholeLines)) {
    const line = Number(head[2]);
    const range = { start: { line, column: Number(head[3]) }, end: { line: line + Number(head[4]), column: Number(head[5]) } };
    if (mover.affects && !mover.affects(range)) return text;
    const shift = mover.wholeLines?.(range);
    // Its inner ranges count from its first line: they move with it.
    if (shift !== undefined) return `[${head[1]},${line + shift},${head[3]},${head[4]},${head[5]},${text.slice(head[0].length)}`;
  }
  const move = (range: Range) => mover.move(range);
  const fn = unpackFunction(text);
  const moved: FunctionSummary = {
    ...fn,
    key: '',
    range: move(fn.range),
    calls: fn.calls.map((c) => ({ ...c, range: move(c.range) })),
    ...(fn.blocking ? { blocking: { ...fn.blocking, range: move(fn.blocking.range) } } : {}),
    ...(fn.alsoBlocking ? { alsoBlocking: fn.alsoBlocking.map((b) => ({ ...b, range: move(b.range) })) } : {}),
    ...(fn.starts ? { starts: fn.starts.map((s) => ({ ...s, range: move(s.range) })) } : {}),
  };
  return packFunction(moved);
}

function packNames(summary: FileSummary): string {
  const targets = (record: Record<string, CallTarget> | undefined) => record && dictFrom(Object.entries(record).map(([k, t]) => [k, packTarget(t)]));
  return JSON.stringify({
    c: summary.classes && dictFrom(Object.entries(summary.classes).map(([k, bases]) => [k, bases.map(packTarget)])),
    e: targets(summary.exports),
    i: targets(summary.instances),
    a: targets(summary.attributes),
    s: summary.stars,
  });
}

function unpackNames(text: string): ModuleNames {
  const packed = JSON.parse(text) as { c?: Record<string, string[]>; e?: Record<string, string>; i?: Record<string, string>; a?: Record<string, string>; s?: string[] };
  const targets = (record: Record<string, string> | undefined) => record && dictFrom(Object.entries(record).map(([k, t]) => [k, unpackTarget(t)]));
  const out: ModuleNames = {};
  if (packed.c) out.classes = dictFrom(Object.entries(packed.c).map(([k, bases]) => [k, bases.map(unpackTarget)]));
  if (packed.e) out.exports = targets(packed.e);
  if (packed.i) out.instances = targets(packed.i);
  if (packed.a) out.attributes = targets(packed.a);
  if (packed.s) out.stars = packed.s;
  return out;
}

/** Recently read texts, unpacked: a chain reads a function's `async`, `blocking` and `calls` in turn, and lookups a module's names many times. */
const RECENT = 1_024;
const recent = new Map<string, unknown>();

function unpacked<T>(text: string, unpack: (text: string) => T): T {
  let value = recent.get(text) as T | undefined;
  if (value === undefined) {
    value = unpack(text);
    if (recent.size >= RECENT) recent.delete(recent.keys().next().value!);
    recent.set(text, value);
  }
  return value;
}

class CompactFunction implements FunctionSummary {
  /** `source`: the packed text, or how to get it when first read (a moved summary's). */
  constructor(readonly key: string, private readonly source: string | (() => string)) {}
  private get detail(): Unpacked { return unpacked(typeof this.source === 'string' ? this.source : this.source(), unpackFunction); }
  get async() { return this.detail.async; }
  get range() { return this.detail.range; }
  get blocking() { return this.detail.blocking; }
  get calls() { return this.detail.calls; }
  get starts() { return this.detail.starts; }
  get alsoBlocking() { return this.detail.alsoBlocking; }
  get params() { return this.detail.params; }
  get fields() { return this.detail.fields; }
}

class CompactFile implements FileSummary {
  readonly functions = dict<FunctionSummary>();
  constructor(protected readonly stored: StoredSummary) {
    for (const [key, text] of Object.entries(stored.functions)) this.functions[key] = new CompactFunction(key, text);
  }
  private get names(): ModuleNames { return unpacked(this.stored.names, unpackNames); }
  get classes() { return this.names.classes; }
  get exports() { return this.names.exports; }
  get instances() { return this.names.instances; }
  get attributes() { return this.names.attributes; }
  get stars() { return this.names.stars; }
}

/**
 * A stored summary moved through an edit of its file: each function's text is moved when first read (what an edit's
 * analysis reads), and all of them when the summary is stored again (after the analysis has answered).
 */
class MovedFile extends CompactFile {
  private readonly texts = new Map<string, string>();
  private whole: StoredSummary | undefined;
  constructor(private readonly original: StoredSummary, private readonly move: RangeMover, private readonly movable: ReadonlySet<string> | undefined) {
    super(original);
    for (const key of Object.keys(original.functions)) this.functions[key] = new CompactFunction(key, () => this.movedText(key)!);
  }

  /** Function `key`'s text, moved (throws what `move` throws). */
  movedText(key: string): string | undefined {
    const original = this.original.functions[key];
    if (original === undefined) return undefined;
    let text = this.texts.get(key);
    if (text === undefined) {
      text = !this.movable || this.movable.has(key) ? movePackedFunction(original, this.move) : original;
      this.texts.set(key, text);
    }
    return text;
  }

  /** Function `key`'s text replaced by `text` (the function's own new summary). */
  replace(key: string, text: string): void {
    this.texts.set(key, text);
    this.functions[key] = new CompactFunction(key, text);
    this.whole = undefined;
  }

  storedForm(): StoredSummary {
    if (!this.whole) {
      const functions = dict<string>();
      for (const key of Object.keys(this.original.functions)) functions[key] = this.movedText(key)!;
      this.whole = { functions, names: this.original.names };
    }
    return this.whole;
  }
}

/** `stored`, moved through an edit (`move` maps an old range to the new text, throwing where it cannot). */
/** `movable`: the functions whose places may move (the others' texts stay as they are); all when undefined. */
export function moveStored(stored: StoredSummary, move: RangeMover, movable?: ReadonlySet<string>): FileSummary & { movedText(key: string): string | undefined; replace(key: string, text: string): void; storedForm(): StoredSummary } {
  return new MovedFile(stored, move, movable);
}

/** A summary as stored: new strings, so nothing in it keeps the parsed file's text alive. */
export function pack(summary: FileSummary): StoredSummary {
  if (summary instanceof MovedFile) return summary.storedForm();
  const functions = dict<string>();
  for (const [key, fn] of Object.entries(summary.functions)) functions[key] = packFunction(fn);
  return { functions, names: packNames(summary) };
}

/** The summary a stored one stands for, read back as it is used. */
export function compact(stored: StoredSummary): FileSummary {
  return new CompactFile(stored);
}

/** A stored summary from a cache that may be old or damaged: every text must read back as the shape the follower expects. */
export function wellFormed(stored: unknown): stored is StoredSummary {
  const { functions, names } = (stored ?? {}) as Partial<StoredSummary>;
  if (!functions || typeof functions !== 'object' || typeof names !== 'string') return false;
  try {
    const moduleNames = unpackNames(names);
    const targetsOk = [moduleNames.exports, moduleNames.instances, moduleNames.attributes].every((r) => r === undefined || Object.values(r).every(validTarget))
      && Object.values(moduleNames.classes ?? {}).every((bases) => Array.isArray(bases) && bases.every(validTarget))
      && (moduleNames.stars === undefined || (Array.isArray(moduleNames.stars) && moduleNames.stars.every((s) => typeof s === 'string')));
    return targetsOk && Object.values(functions).every((text) => typeof text === 'string' && validFunction(unpackFunction(text)));
  } catch {
    return false;
  }
}

function validTarget(target: CallTarget): boolean {
  return (target.kind === 'local' && typeof target.key === 'string') || (target.kind === 'qualified' && typeof target.name === 'string')
    || (target.kind === 'module' && typeof target.specifier === 'string' && typeof target.name === 'string');
}

function validRange(range: Range): boolean {
  return [range.start.line, range.start.column, range.end.line, range.end.column].every(Number.isInteger);
}

function validFunction(fn: Unpacked): boolean {
  return validRange(fn.range) && fn.calls.every((c) => validTarget(c.target) && typeof c.shown === 'string' && validRange(c.range))
    && fn.calls.every((c) => (c.when === undefined || validCondition(c.when)) && (c.args === undefined || (Array.isArray(c.args) && c.args.every((a) => validValue(a?.v)))) && (c.recv === undefined || validValue(c.recv)))
    && [fn.blocking, ...(fn.alsoBlocking ?? [])].every((b) => b === undefined || (typeof b.api === 'string' && typeof b.shown === 'string' && validRange(b.range) && (b.when === undefined || validCondition(b.when))))
    && (fn.params === undefined || (Array.isArray(fn.params) && fn.params.every((p) => typeof p?.n === 'string' && (p.d === undefined || validValue(p.d)))))
    && (fn.fields === undefined || (typeof fn.fields === 'object' && Object.values(fn.fields).every(validValue)))
    && (fn.starts === undefined || fn.starts.every((s) => Number.isInteger(s.param) && typeof s.shown === 'string' && validRange(s.range) && (s.via === undefined || validTarget(s.via))));
}
