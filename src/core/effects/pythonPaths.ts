// Python: under which condition a statement of a function runs (the `if`s around it, the early returns before it, the
// handler it sits in), what a call passes, and what a constructor stores on `self`, as the plain data of condition.ts.
import type { Node, Tree } from 'web-tree-sitter';
import { MAX_NESTING } from '../locate';
import type { PythonSemantics } from '../python/semantics';
import { and, passedCheck, UNKNOWN, negate, type Arg, type Atom, type ColdPath, type Condition, type Literal, type Param, type Subject, type Value } from './condition';
import type { CallTarget } from '../project/project';

/** Earlier statements of a block looked at for guards at most (a long body's first guards are the ones that matter). */
const MAX_GUARDS = 64;
/** Arguments of one call recorded at most. */
const MAX_ARGS = 8;

const ONCE_DECORATORS = new Set(['cache', 'lru_cache', 'cached_property', 'alru_cache', 'cached', 'memoize']);
const ERROR_NAMES = new Set(['err', 'error', 'exc', 'exception', 'e', 'ex']);

/** What the conditions of one function are about: its parameters (without `self`/`cls`) and its receiver's name. */
export interface PythonFunctionFacts {
  fn: Node;
  params: Param[];
  /** Index in the parameter list by name; reassigned ones are left out (their value at a test is not the argument). */
  index: Pick<Map<string, number>, 'get' | 'has'>;
  /** `self` (or whatever the first parameter of a method is called), when the function is a method. */
  self?: string;
  /** `self.x` attributes the function assigns itself: a test of one says nothing about the caller. */
  ownFields: Set<string>;
  /** Names the function assigns (to tell a guard flag or memo it sets from a value it only reads). */
  assigned: Set<string>;
  /** Names it declares `global` or `nonlocal`. */
  globals: Set<string>;
  /** Per block (by id): its early-return guards, with where each ends and the condition after it. */
  guardsByBlock: Map<number, { end: number; after: Condition | undefined }[]>;
  /** Per block (by id): where its first early-return guard that lets the rest run once ends (Infinity: none). */
  onceGuardEnd?: Map<number, number>;
  /** Per statement (by id): the cold path it sits on from its own block up (null: none), and the steps that took. */
  coldAbove?: Map<number, { cold: ColdPath | null; steps: number }>;
  /** Per node (by id) climbed from a call: the statement it sits in. */
  statementOf?: Map<number, Node>;
  once: boolean;
}

function literal(node: Node | null | undefined): { v: Literal } | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'none': return { v: null };
    case 'true': return { v: true };
    case 'false': return { v: false };
    case 'integer': case 'float': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? { v: n } : undefined;
    }
    case 'string': {
      if (node.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
      const content = node.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c.text).join('');
      return node.namedChildren.some((c) => c?.type === 'escape_sequence') ? undefined : { v: content };
    }
    case 'unary_operator': {
      const inner = literal(node.childForFieldName('argument'));
      return node.child(0)?.text === '-' && typeof inner?.v === 'number' ? { v: -inner.v } : undefined;
    }
    case 'attribute': {
      // An enum member (`Mode.FAST`): compared by identity, kept as its name.
      const object = node.childForFieldName('object');
      const attribute = node.childForFieldName('attribute')?.text ?? '';
      return object?.type === 'identifier' && /^[A-Z]/.test(object.text) && /^[A-Z][A-Z0-9_]*$/.test(attribute) ? { v: `\u0001${node.text}` } : undefined;
    }
    case 'parenthesized_expression': return literal(node.namedChildren[0]);
    default: return undefined;
  }
}

function isMethodDefinition(fn: Node): { method: boolean; staticMethod: boolean; decorators: string[] } {
  const decorated = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
  const decorators = (decorated?.namedChildren ?? []).filter((c) => c?.type === 'decorator').map((d) => {
    let expr: Node | null | undefined = d.namedChildren[0];
    if (expr?.type === 'call') expr = expr.childForFieldName('function');
    const text = expr?.text ?? '';
    return text.slice(text.lastIndexOf('.') + 1);
  });
  const holder: Node | null = decorated ? decorated.parent : fn.parent;
  const method = holder?.type === 'block' && holder.parent?.type === 'class_definition';
  return { method, staticMethod: decorators.includes('staticmethod'), decorators };
}

/** Names assigned anywhere in the function's own code (targets of `=`, `+=`, `for`, `with … as`, walrus, `del`). */
function assignedNames(fn: Node): Set<string> {
  const out = new Set<string>();
  const body = fn.childForFieldName('body');
  if (!body) return out;
  for (const node of body.descendantsOfType(['assignment', 'augmented_assignment', 'for_statement', 'as_pattern', 'named_expression', 'delete_statement'])) {
    if (!node) continue;
    const target = node.type === 'for_statement' ? node.childForFieldName('left') : node.type === 'as_pattern' ? node.childForFieldName('alias') : node.type === 'named_expression' ? node.childForFieldName('name') : node.type === 'delete_statement' ? node.namedChildren[0] : node.childForFieldName('left');
    if (!target) continue;
    const targets = target.type === 'identifier' || target.type === 'attribute' || target.type === 'subscript' ? [target] : target.descendantsOfType(['identifier', 'attribute', 'subscript']).filter((n): n is Node => n !== null);
    for (const t of targets) {
      out.add(t.type === 'subscript' ? `${t.childForFieldName('value')?.text}[]` : t.text);
    }
  }
  return out;
}

function paramValue(node: Node | null): Value | undefined {
  const lit = literal(node);
  if (lit) return { k: 'lit', v: lit.v };
  if (node?.type === 'dictionary' || node?.type === 'list' || node?.type === 'tuple' || node?.type === 'set') return { k: 'type', t: node.type === 'dictionary' ? 'dict' : node.type, e: node.namedChildren.length === 0 };
  return undefined;
}

/** Facts by function (node id) per tree: rules, summaries and the call graph ask for the same functions'. */
const factsByTree = new WeakMap<Tree, Map<number, PythonFunctionFacts>>();

export function pythonFunctionFacts(fn: Node): PythonFunctionFacts {
  let byFunction = factsByTree.get(fn.tree);
  if (!byFunction) factsByTree.set(fn.tree, byFunction = new Map<number, PythonFunctionFacts>());
  let facts = byFunction.get(fn.id);
  if (!facts) byFunction.set(fn.id, facts = freshPythonFunctionFacts(fn));
  return facts;
}

/** Facts made anew, with their own memo of guards (pythonFunctionFacts keeps one per function and tree). */
export function freshPythonFunctionFacts(fn: Node): PythonFunctionFacts {
  const { method, staticMethod, decorators } = isMethodDefinition(fn);
  const params: Param[] = [];
  let self: string | undefined;
  let first = true;
  for (const param of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if (!param) continue;
    let name: string | undefined;
    let value: Value | undefined;
    let rest = false;
    if (param.type === 'identifier') name = param.text;
    else if (param.type === 'typed_parameter') {
      const inner = param.namedChildren[0];
      if (inner?.type === 'identifier') name = inner.text;
      else rest = true;
    } else if (param.type === 'default_parameter' || param.type === 'typed_default_parameter') {
      name = param.childForFieldName('name')?.text;
      value = paramValue(param.childForFieldName('value')) ?? { k: 'unknown' };
    } else if (param.type === 'list_splat_pattern' || param.type === 'dictionary_splat_pattern') rest = true;
    else if (param.type === 'keyword_separator' || param.type === 'positional_separator') continue;
    if (first && method && !staticMethod && name) {
      self = decorators.includes('classmethod') ? undefined : name;
      first = false;
      continue;
    }
    first = false;
    params.push({ n: name ?? '', ...(value ? { d: value } : {}), ...(rest ? { rest: true as const } : {}) });
  }
  // What the function assigns is read only when a condition or a value needs it: found once, on first use.
  let found: { index: Map<string, number>; ownFields: Set<string>; assigned: Set<string>; globals: Set<string> } | undefined;
  const known = () => {
    if (found) return found;
    const assigned = assignedNames(fn);
    const index = new Map<string, number>();
    params.forEach((p, i) => {
      if (p.n && !p.rest && !assigned.has(p.n)) index.set(p.n, i);
    });
    const ownFields = new Set<string>();
    if (self) for (const name of assigned) if (name.startsWith(`${self}.`)) ownFields.add(name.slice(self.length + 1));
    const globals = new Set<string>();
    for (const statement of fn.childForFieldName('body')?.descendantsOfType(['global_statement', 'nonlocal_statement']) ?? []) {
      for (const name of statement?.namedChildren ?? []) if (name?.type === 'identifier') globals.add(name.text);
    }
    return (found = { index, ownFields, assigned, globals });
  };
  const names = new Set(params.map((p) => p.n));
  // Most names a condition or an argument uses are no parameter's: those never need the function's assignments.
  const index = { get: (name: string) => (names.has(name) ? known().index.get(name) : undefined), has: (name: string) => names.has(name) && known().index.has(name) };
  return {
    fn, params, ...(self ? { self } : {}), once: decorators.some((d) => ONCE_DECORATORS.has(d)), guardsByBlock: new Map(), index,
    get ownFields() { return known().ownFields; },
    get assigned() { return known().assigned; },
    get globals() { return known().globals; },
  };
}

function subjectOf(node: Node | null | undefined, facts: PythonFunctionFacts): Subject | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') {
    const p = facts.index.get(node.text);
    return p === undefined ? undefined : { p };
  }
  if (node.type === 'attribute' && facts.self) {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute')?.text;
    if (object?.type === 'identifier' && object.text === facts.self && attribute && !facts.ownFields.has(attribute)) return { self: attribute };
  }
  return undefined;
}

function typeNames(semantics: PythonSemantics, node: Node | null | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.type === 'tuple' || node.type === 'parenthesized_expression') {
    const names = node.namedChildren.map((c) => typeNames(semantics, c));
    return names.every((n) => n) ? names.flat() as string[] : undefined;
  }
  if (node.type !== 'identifier' && node.type !== 'attribute') return undefined;
  const resolved = semantics.resolve(node);
  if (resolved?.kind === 'qualified') return [resolved.name.startsWith('builtins.') ? resolved.name.slice('builtins.'.length) : resolved.name];
  return [node.text];
}

function atom(s: Subject | undefined, test: Atom['test'], positive: boolean): Condition {
  if (!s) return UNKNOWN;
  const a: Atom = { s, test };
  return { all: [positive ? a : negate(a)] };
}

/** The condition under which the expression `test` is true (`positive`) or false, as far as the formula can say. */
export function conditionOf(semantics: PythonSemantics, test: Node | null | undefined, positive: boolean, facts: PythonFunctionFacts, depth = 0): Condition {
  if (!test || depth > MAX_NESTING) return UNKNOWN;
  switch (test.type) {
    case 'parenthesized_expression': return conditionOf(semantics, test.namedChildren[0], positive, facts, depth + 1);
    case 'not_operator': return conditionOf(semantics, test.childForFieldName('argument'), !positive, facts, depth + 1);
    case 'boolean_operator': {
      const op = test.childForFieldName('operator')?.text;
      const left = test.childForFieldName('left');
      const right = test.childForFieldName('right');
      // `a and b` true, or `a or b` false: both sides hold. The other two are disjunctions: unknown.
      if ((op === 'and') === positive) return and(conditionOf(semantics, left, positive, facts, depth + 1), conditionOf(semantics, right, positive, facts, depth + 1))!;
      return UNKNOWN;
    }
    case 'identifier':
    case 'attribute':
      return atom(subjectOf(test, facts), { t: 'truthy' }, positive);
    case 'comparison_operator': {
      const operands = test.namedChildren;
      const operators = test.children.filter((c) => c && !c.isNamed).map((c) => c.text);
      if (operands.length !== 2 || operators.length < 1) return UNKNOWN;
      const op = operators.join(' ');
      const [left, right] = operands;
      const s = subjectOf(left, facts);
      if (op === 'is' || op === 'is not' || op === '==' || op === '!=') {
        const lit = literal(right);
        if (!lit) return UNKNOWN;
        const same = op === 'is' || op === '==';
        return atom(s, lit.v === null ? { t: 'none' } : { t: 'eq', v: lit.v }, same === positive);
      }
      if (op === 'in' || op === 'not in') {
        const items = right?.type === 'tuple' || right?.type === 'list' || right?.type === 'set' ? right.namedChildren.map(literal) : undefined;
        if (!items || items.some((i) => !i) || items.length > 16) return UNKNOWN;
        return atom(s, { t: 'in', v: items.map((i) => i!.v) }, (op === 'in') === positive);
      }
      return UNKNOWN;
    }
    case 'call': {
      const callee = test.childForFieldName('function');
      const args = test.childForFieldName('arguments')?.namedChildren ?? [];
      if (callee?.type === 'identifier' && callee.text === 'isinstance' && args.length === 2) {
        const names = typeNames(semantics, args[1]);
        return names ? atom(subjectOf(args[0], facts), { t: 'type', n: names }, positive) : UNKNOWN;
      }
      return UNKNOWN;
    }
    default: return UNKNOWN;
  }
}

/** The last name of an expression (`DEBUG` in `settings.DEBUG`), or a called method's (`isEnabledFor`). */
function lastName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') return node.childForFieldName('attribute')?.text;
  if (node.type === 'call') {
    const callee = node.childForFieldName('function');
    return callee ? lastName(callee) : undefined;
  }
  return undefined;
}

/** An `if` test that holds only when debugging (`DEBUG`, `settings.debug`, `logger.isEnabledFor(...)`) or on an error. */
function coldTest(test: Node | null | undefined, facts: PythonFunctionFacts): ColdPath | undefined {
  let node = test;
  for (let steps = 0; node?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) node = node.namedChildren[0];
  if (!node) return undefined;
  // `if err:` / `if error is not None:` on a name the function holds an error in.
  const subject = node.type === 'comparison_operator' && node.children.filter((c) => c && !c.isNamed).map((c) => c.text).join(' ') === 'is not' && node.namedChildren[1]?.type === 'none' ? node.namedChildren[0] : node;
  if (subject?.type === 'identifier' && ERROR_NAMES.has(subject.text)) return 'error';
  const name = subject ? lastName(subject) : undefined;
  if (!name || (subject?.type === 'identifier' && facts.index.has(subject.text))) return undefined;
  if (/^_*debug(_?mode)?$/i.test(name) || name === 'isEnabledFor' || name === '__debug__') return 'debug';
  return undefined;
}

/** The block's last statement leaves the function (or the loop) for good: `return`, `raise`, `continue`, `break`. */
function exits(block: Node | null | undefined): boolean {
  const last = block?.namedChildren.filter((c) => c?.type !== 'comment').at(-1);
  return last?.type === 'return_statement' || last?.type === 'raise_statement';
}

/** The block ends by raising: a check of its input, whose passing is the ordinary path. */
function raises(block: Node | null | undefined): boolean {
  return block?.namedChildren.filter((c) => c?.type !== 'comment').at(-1)?.type === 'raise_statement';
}


/**
 * A name that outlives a call: an attribute (`self._loaded`, `cls._cache`, `module.x`), a `global` one, or a module
 * dict the function fills without rebinding it.
 */
function lasting(name: string, facts: PythonFunctionFacts, item = false): boolean {
  if (facts.params.some((p) => p.n === name)) return false;
  if (name.includes('.')) return true;
  return facts.globals.has(name) || (item && !facts.assigned.has(name));
}

/** What an `if` guard that returns early tests: the name it keeps a result or a flag in, when the function then sets it. */
function onceGuard(test: Node, body: Node | null, facts: PythonFunctionFacts): boolean {
  let node: Node | null = test;
  if (node.type === 'not_operator') node = node.childForFieldName('argument');
  if (!node) return false;
  // `if key in _cache: return _cache[key]` … `_cache[key] = value`.
  if (node.type === 'comparison_operator') {
    const [left, right] = node.namedChildren;
    const op = node.children.filter((c) => c && !c.isNamed).map((c) => c.text).join(' ');
    if (op === 'in' && right) return facts.assigned.has(`${right.text}[]`) && lasting(right.text, facts, true);
    if ((op === 'is not' || op === 'is') && right?.type === 'none' && left) return facts.assigned.has(left.text) && lasting(left.text, facts);
    return false;
  }
  // `if self._loaded: return` … `self._loaded = True`.
  void body;
  return (node.type === 'identifier' || node.type === 'attribute') && facts.assigned.has(node.text) && lasting(node.text, facts);
}

/** `if self.data:` / `if self.data is not None:` where the function assigns `self.data` (lasting): a kept value is there. */
function cacheHit(test: Node, facts: PythonFunctionFacts): boolean {
  let name: string | undefined;
  if (test.type === 'identifier' || test.type === 'attribute') name = test.text;
  else if (test.type === 'comparison_operator') {
    const [left, right] = test.namedChildren;
    const op = test.children.filter((c) => c && !c.isNamed).map((c) => c.text).join(' ');
    if (op === 'is not' && right?.type === 'none' && left) name = left.text;
  }
  return name !== undefined && facts.assigned.has(name) && lasting(name, facts);
}

/**
 * `if _x is None: _x = make()` (a lazy singleton): the test's name is assigned in the body. Any one term of an `and`
 * test can be the guard (`if enabled and not _initialised: ...; _initialised = True`).
 */
function lazyInit(test: Node, body: Node | null, facts: PythonFunctionFacts, depth = 0): boolean {
  if (test.type === 'boolean_operator' && test.children.some((c) => c?.type === 'and')) {
    const left = test.childForFieldName('left');
    const right = test.childForFieldName('right');
    // Down the `and` chain, one term per level, a few levels at most.
    return depth < MAX_NESTING && ((!!left && lazyInit(left, body, facts, depth + 1)) || (!!right && lazyInit(right, body, facts, depth + 1)));
  }
  let node: Node | null = test;
  let name: string | undefined;
  if (node.type === 'not_operator') node = node.childForFieldName('argument');
  if (node?.type === 'comparison_operator' && node.namedChildren[1]?.type === 'none') name = node.namedChildren[0]?.text;
  else if (node?.type === 'identifier' || node?.type === 'attribute') name = test.type === 'not_operator' ? node.text : undefined;
  if (!name || !body || !lasting(name, facts)) return false;
  return assignedIn(body, name);
}

function assignedIn(body: Node, name: string): boolean {
  return body.descendantsOfType('assignment').some((a) => a?.childForFieldName('left')?.text === name);
}

/** The `if`/`elif` tests before `clause` in its `if` statement. */
function earlierTests(ifStatement: Node, clause: Node): Node[] {
  const tests: Node[] = [];
  const first = ifStatement.childForFieldName('condition');
  if (first) tests.push(first);
  for (const c of ifStatement.namedChildren) {
    if (!c || c.id === clause.id) break;
    if (c.type === 'elif_clause') {
      const t = c.childForFieldName('condition');
      if (t) tests.push(t);
    }
  }
  return tests;
}

/** A block's guards, in order: `if test: … return/raise` without `elif`/`else`, among its first MAX_GUARDS statements. */
function* earlyReturns(block: Node): Generator<{ guard: Node; test: Node; consequence: Node | null }> {
  let seen = 0;
  for (const earlier of block.namedChildren) {
    if (!earlier || seen++ >= MAX_GUARDS) return;
    if (earlier.type !== 'if_statement' || earlier.namedChildren.some((c) => c?.type === 'elif_clause' || c?.type === 'else_clause')) continue;
    const test = earlier.childForFieldName('condition');
    const consequence = earlier.childForFieldName('consequence');
    if (test && exits(consequence)) yield { guard: earlier, test, consequence };
  }
}

/** Guards before `statement` in its block: `if test: return` makes the rest run only when `test` is false. */
function guards(semantics: PythonSemantics, statement: Node, facts: PythonFunctionFacts): Condition | undefined {
  const block = statement.parent;
  if (!block) return undefined;
  let list = facts.guardsByBlock.get(block.id);
  if (!list) {
    // The block's guards, read once for every statement of it: the first MAX_GUARDS statements are looked at.
    list = [];
    let after: Condition | undefined;
    for (const { guard, test, consequence } of earlyReturns(block)) {
      const tested = onceGuard(test, null, facts) ? { all: [], cold: 'once' as const } : conditionOf(semantics, test, false, facts);
      after = and(after, raises(consequence) ? passedCheck(tested) : tested);
      list.push({ end: guard.endIndex, after });
    }
    facts.guardsByBlock.set(block.id, list);
  }
  let out: Condition | undefined;
  for (const guard of list) {
    if (guard.end > statement.startIndex) break;
    out = guard.after;
  }
  return out;
}

/** Inside a conditional expression's branch or a short-circuit's right side: it may not run. */
function partlyEvaluated(node: Node, statement: Node): boolean {
  for (let child = node, current = node.parent, steps = 0; current && child.id !== statement.id && steps < MAX_NESTING * 4; child = current, current = current.parent, steps++) {
    if (current.type === 'conditional_expression' && current.namedChildren[1]?.id !== child.id) return true;
    if (current.type === 'boolean_operator' && current.childForFieldName('right')?.id === child.id) return true;
  }
  return false;
}

/**
 * The condition under which `node` (a call) runs when the function runs: the tests of the `if`s around it, the early
 * returns before it in each block, and whether it sits on a cold path (a handler, a debug branch, a once-only guard).
 * Undefined when it always runs.
 */
export function pythonPathCondition(semantics: PythonSemantics, node: Node, facts: PythonFunctionFacts): Condition | undefined {
  const body = facts.fn.childForFieldName('body');
  let statement: Node | null = node;
  // Up to the statement holding the call.
  for (let steps = 0; statement && statement.parent && statement.parent.type !== 'block' && steps < MAX_NESTING * 4; steps++) statement = statement.parent;
  if (!statement || !body) return undefined;
  let out: Condition | undefined = facts.once ? { all: [], cold: 'once' } : undefined;
  if (partlyEvaluated(node, statement)) out = and(out, UNKNOWN);
  // Each step climbs one block: bounded by MAX_NESTING.
  for (let steps = 0; statement && steps < MAX_NESTING; steps++) {
    out = and(out, guards(semantics, statement, facts));
    const block: Node | null = statement.parent;
    if (!block || block.id === body.id) return out;
    const holder: Node | null = block.parent;
    if (!holder) return out;
    const past = climbPast(holder);
    if (!past) return and(out, UNKNOWN);
    if (past.unknown) out = and(out, UNKNOWN);
    switch (holder.type) {
      case 'if_statement': {
        const test = holder.childForFieldName('condition');
        // A branch that ends by raising is the failure path: its work runs when something went wrong.
        const cold = coldTest(test, facts) ?? (raises(block) ? 'error' : undefined);
        if (cold) out = and(and(out, { all: [], cold }), cold === 'error' ? conditionOf(semantics, test, true, facts) : undefined);
        else if (test && lazyInit(test, block, facts)) out = and(out, { all: [], cold: 'once' });
        else out = and(out, conditionOf(semantics, test, true, facts));
        break;
      }
      case 'elif_clause':
      case 'else_clause': {
        const ifStatement = past.next;
        if (ifStatement?.type !== 'if_statement') break;
        const first = ifStatement.childForFieldName('condition');
        // `if self.data: … else: <fill self.data>`: the other branches fill what the first one uses, once per object.
        if (first && cacheHit(first, facts)) out = and(out, { all: [], cold: 'once' });
        else {
          if (raises(block)) out = and(out, { all: [], cold: 'error' });
          for (const t of earlierTests(ifStatement, holder)) out = and(out, conditionOf(semantics, t, false, facts));
        }
        if (holder.type === 'elif_clause') out = and(out, conditionOf(semantics, holder.childForFieldName('condition'), true, facts));
        break;
      }
      case 'except_clause':
      case 'except_group_clause':
        out = and(out, { all: [], cold: 'error' });
        break;
    }
    statement = past.next;
  }
  return and(out, UNKNOWN);
}

/**
 * Where the climb from a block's holder goes on (the statement that holds the block), and whether the holder makes the
 * path unknown (a `match` arm; an `else` of anything but an `if`, a loop or a `try`). Undefined: a holder the climb does
 * not know (the path is unknown from there).
 */
function climbPast(holder: Node): { next: Node | null; unknown?: true } | undefined {
  switch (holder.type) {
    case 'if_statement': case 'for_statement': case 'while_statement': case 'with_statement': case 'try_statement':
      return { next: holder };
    case 'elif_clause':
    case 'else_clause': {
      const owner: Node | null = holder.parent;
      return owner && CLAUSE_OWNERS.has(owner.type) ? { next: owner } : { next: holder, unknown: true };
    }
    case 'except_clause': case 'except_group_clause': case 'finally_clause':
      return { next: holder.parent };
    case 'case_clause':
      return { next: holder.parent?.parent ?? null, unknown: true };
    default:
      return undefined;
  }
}

const CLAUSE_OWNERS = new Set(['if_statement', 'for_statement', 'while_statement', 'try_statement']);

/** The cold path `node` sits on in its function (a handler, a once-only guard, a debug branch), if any. */
export function pythonColdPath(semantics: PythonSemantics, node: Node, facts: PythonFunctionFacts): ColdPath | undefined {
  const quick = pythonPathCold(node, facts);
  return quick === undefined ? pythonPathCondition(semantics, node, facts)?.cold : quick ?? undefined;
}

/**
 * The cold path (`pythonPathCondition(...).cold`) `node` sits on, without working out what the tests say: the call
 * graph asks this of every call. Null when there is none; undefined when this shortcut cannot tell as the full
 * climb would (a statement whose holder it does not know, nesting past the full climb's bound), so ask that.
 * Each statement's answer is kept: calls in one block climb its holders once.
 */
export function pythonPathCold(node: Node, facts: PythonFunctionFacts): ColdPath | null | undefined {
  if (facts.once) return 'once';
  const body = facts.fn.childForFieldName('body');
  if (!body) return null;
  // Up to the statement holding the call; the nodes passed on the way lead to it too (a call nested in another's
  // arguments stops at the outer call).
  const statements = (facts.statementOf ??= new Map<number, Node>());
  const passed: number[] = [];
  let statement: Node | null = node;
  let reached = false;
  for (let steps = 0; statement && steps < MAX_NESTING * 4; steps++) {
    const known = statements.get(statement.id);
    const parent: Node | null = known ? null : statement.parent;
    if (known || !parent || parent.type === 'block') {
      statement = known ?? statement;
      reached = true;
      break;
    }
    passed.push(statement.id);
    statement = parent;
  }
  // Past the bound the full climb's answer depends on where it started: ask it.
  if (!statement || !reached) return undefined;
  for (const id of passed) statements.set(id, statement);
  return coldFrom(statement, body, facts, MAX_NESTING);
}

/** The cold path from `statement` up to the function's body, within `stepsLeft` blocks (as pythonPathCondition climbs). */
function coldFrom(statement: Node, body: Node, facts: PythonFunctionFacts, stepsLeft: number): ColdPath | null | undefined {
  if (stepsLeft <= 0) return undefined;
  const memo = (facts.coldAbove ??= new Map<number, { cold: ColdPath | null; steps: number }>());
  const known = memo.get(statement.id);
  if (known) return known.steps <= stepsLeft ? known.cold : undefined;
  const block: Node | null = statement.parent;
  const holder: Node | null = block?.parent ?? null;
  let cold: ColdPath | null | undefined;
  let next: Node | undefined;
  if (block && onceGuardBefore(block, statement, facts)) cold = 'once';
  else if (!block || block.id === body.id || !holder) cold = null;
  else {
    const past = climbPast(holder);
    if (!past) return undefined;
    next = past.next ?? undefined;
    switch (holder.type) {
      case 'if_statement': {
        const test = holder.childForFieldName('condition');
        cold = coldTest(test, facts) ?? (raises(block) ? 'error' : undefined) ?? (test && lazyInit(test, block, facts) ? 'once' : undefined);
        break;
      }
      case 'elif_clause':
      case 'else_clause': {
        const first = next?.type === 'if_statement' ? next.childForFieldName('condition') : null;
        if (first && cacheHit(first, facts)) cold = 'once';
        else if (first && raises(block)) cold = 'error';
        break;
      }
      case 'except_clause':
      case 'except_group_clause':
        cold = 'error';
        break;
    }
  }
  let steps = 1;
  if (cold === undefined) {
    if (!next) cold = null;
    else {
      const above = coldFrom(next, body, facts, stepsLeft - 1);
      if (above === undefined) return undefined;
      cold = above;
      steps += memo.get(next.id)?.steps ?? 0;
    }
  }
  memo.set(statement.id, { cold, steps });
  return cold;
}

/** Whether an early-return guard before `statement` in `block` lets it run once (as `guards` finds them). */
function onceGuardBefore(block: Node, statement: Node, facts: PythonFunctionFacts): boolean {
  const ends = (facts.onceGuardEnd ??= new Map<number, number>());
  let end = ends.get(block.id);
  if (end === undefined) {
    end = Infinity;
    for (const { guard, test } of earlyReturns(block)) {
      if (onceGuard(test, null, facts)) {
        end = guard.endIndex;
        break;
      }
    }
    ends.set(block.id, end);
  }
  return end <= statement.startIndex;
}

/** What a call passes: its arguments as values (undefined: unknown, as with a splat). */
export function pythonArgs(semantics: PythonSemantics, call: Node, facts: PythonFunctionFacts, classTarget: (callee: Node) => CallTarget | undefined, depth = 0): Arg[] | null {
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return null;
  const args: Arg[] = [];
  for (const arg of list.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'list_splat' || arg.type === 'dictionary_splat' || args.length >= MAX_ARGS) return null;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      if (!name) return null;
      args.push({ n: name, v: pythonValue(semantics, arg.childForFieldName('value'), facts, classTarget, depth, false) });
    } else args.push({ v: pythonValue(semantics, arg, facts, classTarget, depth, false) });
  }
  return args;
}

/** What an expression is, as far as a caller's condition may need: a literal, a forwarded parameter, a new instance. */
export function pythonValue(semantics: PythonSemantics, node: Node | null | undefined, facts: PythonFunctionFacts | undefined, classTarget: (callee: Node) => CallTarget | undefined, depth = 0, followNames = true): Value {
  if (!node || depth > 2) return { k: 'unknown' };
  const lit = literal(node);
  if (lit) return { k: 'lit', v: lit.v };
  switch (node.type) {
    case 'dictionary': case 'list': case 'tuple': case 'set':
      return { k: 'type', t: node.type === 'dictionary' ? 'dict' : node.type, e: node.namedChildren.every((c) => c?.type === 'comment') };
    case 'list_comprehension': case 'dictionary_comprehension':
      return { k: 'type', t: node.type === 'dictionary_comprehension' ? 'dict' : 'list' };
    case 'identifier': {
      if (node.text === 'None' || node.text === 'True' || node.text === 'False') return { k: 'unknown' };
      const p = facts?.index.get(node.text);
      if (p !== undefined) return { k: 'param', i: p };
      if (!followNames) return { k: 'unknown' };
      // A name assigned once before, in the function or the module (`logger = Logger(log_file=None)`).
      const assigned = semantics.assignedValue(node);
      return assigned && assigned.id !== node.id ? pythonValue(semantics, assigned, facts, classTarget, depth + 1, followNames) : { k: 'unknown' };
    }
    case 'attribute': {
      const object = node.childForFieldName('object');
      const attribute = node.childForFieldName('attribute')?.text;
      if (facts?.self && object?.type === 'identifier' && object.text === facts.self && attribute && !facts.ownFields.has(attribute)) return { k: 'field', f: attribute };
      return { k: 'unknown' };
    }
    case 'call': {
      const callee = node.childForFieldName('function');
      if (!callee) return { k: 'unknown' };
      const cls = classTarget(callee);
      if (cls) return { k: 'new', c: cls, a: pythonArgs(semantics, node, facts ?? emptyFacts(node), classTarget, depth + 1) };
      const resolved = semantics.resolve(callee);
      // A library class's instance (`io.BytesIO(data)`): its type is what a test of it sees.
      if (resolved?.kind === 'qualified' && /(^|\.)[A-Z][A-Za-z0-9]*$/.test(resolved.name)) return { k: 'type', t: resolved.name };
      if (resolved?.kind === 'qualified' && ['builtins.dict', 'builtins.list', 'builtins.set', 'builtins.str', 'builtins.int'].includes(resolved.name)) return { k: 'type', t: resolved.name.slice('builtins.'.length) };
      return { k: 'unknown' };
    }
    default: return { k: 'unknown' };
  }
}

function emptyFacts(node: Node): PythonFunctionFacts {
  return { fn: node, params: [], index: new Map(), ownFields: new Set(), assigned: new Set(), globals: new Set(), once: false, guardsByBlock: new Map() };
}

/** What a constructor stores on `self` from its parameters or literals, in its own unconditional code. */
export function constructorFields(semantics: PythonSemantics, facts: PythonFunctionFacts, classTarget: (callee: Node) => CallTarget | undefined, changedElsewhere: ReadonlySet<string>): Record<string, Value> | undefined {
  if (!facts.self) return undefined;
  const body = facts.fn.childForFieldName('body');
  const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
  let count = 0;
  const counts = new Map<string, number>();
  for (const name of body?.descendantsOfType('assignment') ?? []) {
    const left = name?.childForFieldName('left');
    if (left?.type === 'attribute') counts.set(left.text, (counts.get(left.text) ?? 0) + 1);
  }
  for (const statement of body?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment' ? assignment.childForFieldName('left') : undefined;
    if (left?.type !== 'attribute' || left.childForFieldName('object')?.text !== facts.self) continue;
    const field = left.childForFieldName('attribute')?.text;
    if (!field || changedElsewhere.has(field) || counts.get(left.text) !== 1 || count >= 32) continue;
    const value = pythonValue(semantics, assignment!.childForFieldName('right'), { ...facts, ownFields: new Set() }, classTarget);
    if (value.k === 'unknown' || value.k === 'field') continue;
    out[field] = value;
    count++;
  }
  return count ? { ...out } : undefined;
}

/** `self.x` attributes some method of the class other than `except` assigns: their value at a call is not the constructor's. */
export function fieldsAssignedOutside(cls: Node, except: Node): Set<string> {
  const out = new Set<string>();
  for (const assignment of cls.childForFieldName('body')?.descendantsOfType(['assignment', 'augmented_assignment']) ?? []) {
    const left = assignment?.childForFieldName('left');
    if (left?.type !== 'attribute' || left.childForFieldName('object')?.type !== 'identifier') continue;
    let owner: Node | null = assignment.parent;
    for (let steps = 0; owner && owner.type !== 'function_definition' && steps < MAX_NESTING * 4; steps++) owner = owner.parent;
    if (owner?.id === except.id) continue;
    out.add(left.childForFieldName('attribute')?.text ?? '');
  }
  return out;
}

export { type Param };
