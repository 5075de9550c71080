// When an effect of a function is reached from its entry: a small formula over what a caller can know (its parameters,
// fields of `self`/`this` set from them), evaluated at a call site against the arguments given. Plain data: it crosses
// files, the worker boundary and the summary cache. Anything the formula cannot say stays unknown, never a guess.
import type { CallTarget } from '../project/project';

/** A literal value: None/null is `null`. */
export type Literal = null | boolean | number | string;

/** What a caller passes, as far as the code shows it. */
export type Value =
  | { k: 'lit'; v: Literal }
  /** TS/JS `undefined`, or an omitted argument without a default. */
  | { k: 'undef' }
  /** The caller's own parameter `i`, forwarded (its value is the caller's caller's business). */
  | { k: 'param'; i: number; prop?: string }
  /** The caller's own `self.f` / `this.f`. */
  | { k: 'field'; f: string }
  /** The caller's own receiver (`self.m()`, `super().m()`, `this.m()`). */
  | { k: 'self' }
  /** An instance of a library or built-in type (`io.BytesIO(...)`, a list literal; `e`: whether it is empty, when known). */
  | { k: 'type'; t: string; e?: boolean }
  /** An instance of one of the project's classes, constructed with these arguments. */
  | { k: 'new'; c: CallTarget; a: Arg[] | null }
  /** An object literal (`{}`, `{ logFile: p }`) with what it is known to hold. */
  | { k: 'obj'; f: Record<string, Value> }
  | { k: 'unknown' };

/** An argument: positional, or by keyword (`log_file=None`). */
export interface Arg { n?: string; v: Value }

/**
 * What a test is about: parameter `p` (its property `prop` when set: `opts.logFile`), or the receiver's field `self`.
 * Parameters are numbered without Python's `self`/`cls`.
 */
export type Subject = { p: number; prop?: string } | { self: string };

export type Test =
  | { t: 'truthy' }
  /** Python `is None`, TS/JS `=== null`. */
  | { t: 'none' }
  /** TS/JS `=== undefined`. */
  | { t: 'undef' }
  /** TS/JS `== null`. */
  | { t: 'nullish' }
  /** `isinstance(x, T)` (any of the names), `x instanceof T`, `typeof x === 'string'`. */
  | { t: 'type'; n: string[] }
  | { t: 'eq'; v: Literal }
  | { t: 'in'; v: Literal[] };

export interface Atom { s: Subject; test: Test; neg?: true }

/**
 * Why an effect runs rarely: once per process or object, on a repeating timer's last run (the branch that stops it), on an
 * error path, or only when debugging.
 */
export type ColdPath = 'once' | 'last' | 'error' | 'debug';

/** A conjunction of atoms; `more`: further conditions the formula could not express (so at best "may be reached"). */
export interface Condition { all: Atom[]; more?: true; cold?: ColdPath }

/** Atoms per condition at most: a deeper nest of tests is kept as its first atoms and `more`. */
export const MAX_ATOMS = 4;

/** The conjunction of two conditions, bounded by MAX_ATOMS. */
export function and(a: Condition | undefined, b: Condition | undefined): Condition | undefined {
  if (!a) return b;
  if (!b) return a;
  const all = [...a.all, ...b.all];
  const out: Condition = { all: all.slice(0, MAX_ATOMS) };
  if (a.more || b.more || all.length > MAX_ATOMS) out.more = true;
  const cold = a.cold ?? b.cold;
  if (cold) out.cold = cold;
  return out;
}

/**
 * After a guard that raises or throws (`if not os.path.exists(p): raise ValueError(...)`) the code runs on the ordinary path: what
 * the test says about the caller's arguments is kept; a test the formula cannot express does not make it "may".
 */
export function passedCheck(condition: Condition | undefined): Condition | undefined {
  if (!condition?.more) return condition;
  if (!condition.all.length) return condition.cold ? { all: [], cold: condition.cold } : undefined;
  return { all: condition.all, ...(condition.cold ? { cold: condition.cold } : {}) };
}

/** An unknown condition (a test the formula cannot express). */
export const UNKNOWN: Condition = { all: [], more: true };

export function negate(atom: Atom): Atom {
  return atom.neg ? { s: atom.s, test: atom.test } : { s: atom.s, test: atom.test, neg: true };
}

/** A test's result: true, false, or unknown. */
type Truth = boolean | undefined;

/** What a call site knows: its parameters' values and the receiver's fields. */
export interface Binding {
  params: Value[];
  fields?: Record<string, Value>;
  python: boolean;
}

/** A field or property by a user's name, never through the object's prototype (`constructor`, `__proto__`). */
export function own(record: Record<string, Value> | undefined, name: string): Value | undefined {
  return record && Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
}

function valueOf(subject: Subject, binding: Binding): Value {
  if ('self' in subject) return own(binding.fields, subject.self) ?? { k: 'unknown' };
  const value = binding.params[subject.p] ?? { k: 'unknown' };
  if (subject.prop === undefined) return value;
  if (value.k === 'obj') return Object.prototype.hasOwnProperty.call(value.f, subject.prop) ? value.f[subject.prop] : binding.python ? { k: 'unknown' } : { k: 'undef' };
  return { k: 'unknown' };
}

/** Built-in and library types and the names an `isinstance` / `instanceof` test may use for them. */
const SUPERTYPES = new Map<string, string[]>([
  ['io.BytesIO', ['io.BufferedIOBase', 'io.IOBase']],
  ['io.StringIO', ['io.TextIOBase', 'io.IOBase']],
  ['io.TextIOWrapper', ['io.TextIOBase', 'io.IOBase']],
  ['io.BufferedReader', ['io.BufferedIOBase', 'io.IOBase']],
  ['bool', ['int']],
]);

function typeName(name: string): string {
  return name.startsWith('builtins.') ? name.slice('builtins.'.length) : name;
}

function isOfType(type: string, names: readonly string[]): Truth {
  const own = typeName(type);
  const all = [own, ...(SUPERTYPES.get(own) ?? []), 'object'];
  if (names.some((n) => all.includes(typeName(n)))) return true;
  // Only types whose bases we know say "not an instance".
  return SUPERTYPES.has(own) || ['str', 'int', 'float', 'bytes', 'dict', 'list', 'tuple', 'set', 'NoneType'].includes(own) ? false : undefined;
}

function literalType(value: Literal, python: boolean): string {
  if (value === null) return python ? 'NoneType' : 'object';
  if (typeof value === 'boolean') return python ? 'bool' : 'boolean';
  if (typeof value === 'number') return python ? (Number.isInteger(value) ? 'int' : 'float') : 'number';
  return python ? 'str' : 'string';
}

function test(value: Value, t: Test, python: boolean): Truth {
  // A library class the follower took for the project's: its type is what a test sees.
  if (value.k === 'new' && value.c.kind === 'qualified' && SUPERTYPES.has(value.c.name)) return test({ k: 'type', t: value.c.name }, t, python);
  switch (value.k) {
    case 'lit': {
      const v = value.v;
      switch (t.t) {
        case 'truthy': return !(v === null || v === false || v === 0 || v === '');
        case 'none': return v === null;
        case 'undef': return false;
        case 'nullish': return v === null;
        case 'type': return python ? isOfType(literalType(v, true), t.n) : t.n.includes(literalType(v, false));
        case 'eq': return same(v, t.v);
        case 'in': return t.v.some((w) => same(v, w));
      }
      return undefined;
    }
    case 'undef':
      if (t.t === 'type') return t.n.includes('undefined');
      return t.t === 'undef' || t.t === 'nullish' ? true : t.t === 'truthy' || t.t === 'none' || t.t === 'eq' || t.t === 'in' ? false : undefined;
    case 'type':
    case 'new':
    case 'obj':
      if (t.t === 'none' || t.t === 'undef' || t.t === 'nullish' || t.t === 'eq' || t.t === 'in') return false;
      // A JS object is always truthy; a Python object is unless its class says otherwise (an empty dict is falsy).
      if (t.t === 'truthy') {
        if (!python) return true;
        if (value.k === 'type') return value.e !== undefined ? !value.e : SUPERTYPES.has(value.t) && value.t.startsWith('io.') ? true : undefined;
        return undefined;
      }
      if (t.t === 'type') {
        if (value.k === 'type') return python ? isOfType(value.t, t.n) : t.n.includes('object') || undefined;
        if (value.k === 'obj') return python ? undefined : t.n.includes('object') ? true : t.n.includes('string') || t.n.includes('number') || t.n.includes('boolean') || t.n.includes('undefined') ? false : undefined;
        const cls = value.c.kind === 'local' ? value.c.key : value.c.kind === 'qualified' ? value.c.name : value.c.name;
        return t.n.some((n) => n === cls || n.endsWith(`.${cls}`) || cls.endsWith(`.${n}`)) ? true : python ? undefined : t.n.includes('object') ? true : undefined;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Equal literals; enum members (`\u0001Mode.SLOW`) by member name, as an alias of the enum may spell it differently. */
function same(a: Literal, b: Literal): boolean {
  if (typeof a === 'string' && typeof b === 'string' && a.startsWith('\u0001') && b.startsWith('\u0001')) return a.slice(a.lastIndexOf('.')) === b.slice(b.lastIndexOf('.'));
  return a === b;
}

export function evaluateAtom(atom: Atom, binding: Binding): Truth {
  const result = test(valueOf(atom.s, binding), atom.test, binding.python);
  return result === undefined ? undefined : atom.neg ? !result : result;
}

export type Reach = 'reached' | 'may' | 'not';

/** Whether an effect under `condition` is reached from a call with `binding`, and the first atom left unknown. */
export function evaluate(condition: Condition | undefined, binding: Binding): { reach: Reach; unknown?: Atom } {
  if (!condition) return { reach: 'reached' };
  let unknown: Atom | undefined;
  for (const atom of condition.all) {
    const truth = evaluateAtom(atom, binding);
    if (truth === false) return { reach: 'not' };
    if (truth === undefined) unknown ??= atom;
  }
  return unknown || condition.more ? { reach: 'may', ...(unknown ? { unknown } : {}) } : { reach: 'reached' };
}

/**
 * A callee's parameters bound from a call: positional arguments in order, keyword ones by name, omitted ones to their
 * defaults (or undefined in TS/JS); the caller's own forwarded parameters and fields through `outer`.
 */
export function bind(
  params: readonly Param[] | undefined,
  args: readonly Arg[] | null | undefined,
  outer: Binding | undefined,
  python: boolean,
): Value[] {
  if (!params || !args) return [];
  const out: Value[] = params.map((p) => p.d ?? (python ? { k: 'unknown' } : { k: 'undef' }));
  let position = 0;
  for (const arg of args) {
    const index = arg.n === undefined ? position++ : params.findIndex((p) => p.n === arg.n);
    if (index < 0 || index >= out.length) continue;
    // A splat (`*args`, `...rest`) leaves every later position unknown.
    if (params[index].rest) {
      out[index] = { k: 'unknown' };
      break;
    }
    out[index] = resolveValue(arg.v, outer);
  }
  return out;
}

/** A value the caller passes, with its own parameters and fields replaced by what its own caller gave. */
export function resolveValue(value: Value, outer: Binding | undefined): Value {
  if (value.k === 'param') {
    const given = outer?.params[value.i] ?? { k: 'unknown' };
    if (value.prop === undefined) return given;
    if (given.k === 'obj') return Object.prototype.hasOwnProperty.call(given.f, value.prop) ? given.f[value.prop] : outer?.python ? { k: 'unknown' } : { k: 'undef' };
    return given.k === 'undef' || (given.k === 'lit' && given.v === null) ? { k: 'unknown' } : { k: 'unknown' };
  }
  if (value.k === 'field') return own(outer?.fields, value.f) ?? { k: 'unknown' };
  if (value.k === 'self') return outer?.fields ? { k: 'obj', f: outer.fields } : { k: 'unknown' };
  return value;
}

/** A parameter: its name, its default when it has one (`log_file=None`), and whether it gathers the rest. */
export interface Param { n: string; d?: Value; rest?: true }

/** How a condition reads in a message: "when `log_file` is set". */
export function describe(atom: Atom, params: readonly Param[] | undefined, python: boolean): string {
  const s = atom.s;
  const name = 'self' in s ? `${python ? 'self' : 'this'}.${s.self}` : `${params?.[s.p]?.n ?? `argument ${s.p + 1}`}${s.prop ? `.${s.prop}` : ''}`;
  const not = atom.neg === true;
  const t = atom.test;
  const shown = (v: Literal) => (v === null ? (python ? 'None' : 'null') : typeof v === 'string' && v.startsWith('\u0001') ? v.slice(1) : JSON.stringify(v));
  switch (t.t) {
    case 'truthy': return `when \`${name}\` is ${not ? 'not set' : 'set'}`;
    case 'none': return `when \`${name}\` is ${not ? 'not ' : ''}${python ? 'None' : 'null'}`;
    case 'undef': return `when \`${name}\` is ${not ? 'given' : 'undefined'}`;
    case 'nullish': return `when \`${name}\` is ${not ? 'set' : 'null or undefined'}`;
    case 'type': return `when \`${name}\` is ${not ? 'not ' : ''}a \`${t.n.join('` or `')}\``;
    case 'eq': return `when \`${name}\` ${not ? '!=' : '=='} ${shown(t.v)}`;
    case 'in': return `when \`${name}\` is ${not ? 'not ' : ''}one of ${t.v.map(shown).join(', ')}`;
  }
}

/** How a cold path reads in a message. */
export const COLD_REASONS: Record<ColdPath, string> = {
  once: 'only on the first call (its result is kept)',
  last: 'only on its timer\'s last run (the branch stops the timer)',
  error: 'only when something fails (an error path)',
  debug: 'only when debugging is on',
};

/** A condition is well-formed plain data (from a cache that may be old or damaged). */
export function validCondition(c: unknown): c is Condition {
  if (!c || typeof c !== 'object') return false;
  const { all, cold } = c as Condition;
  return Array.isArray(all) && all.length <= MAX_ATOMS && all.every(validAtom) && (cold === undefined || (typeof cold === "string" && Object.hasOwn(COLD_REASONS, cold)));
}

function validAtom(a: Atom): boolean {
  if (!a || typeof a !== 'object' || !a.s || !a.test) return false;
  const s = a.s as { p?: unknown; self?: unknown };
  return (Number.isInteger(s.p) || typeof s.self === 'string') && typeof a.test.t === 'string';
}

export function validValue(v: unknown): v is Value {
  return !!v && typeof v === 'object' && typeof (v as Value).k === 'string';
}
