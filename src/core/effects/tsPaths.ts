// TS/JS: under which condition a call of a function's own code runs (the `if`s, `&&`s and ternaries around it, the early
// returns before it, the `catch` it sits in), what a call passes, and what a constructor stores on `this`, as the plain
// data of condition.ts.
import type { Node, Tree } from 'web-tree-sitter';
import { MAX_NESTING } from '../locate';
import { runsInline, type TsSemantics } from '../ts/semantics';
import type { CallTarget } from '../project/project';
import { and, passedCheck, UNKNOWN, negate, type Arg, type Atom, type ColdPath, type Condition, type Literal, type Param, type Subject, type Value } from './condition';

/** Earlier statements of a block looked at for guards at most. */
const MAX_GUARDS = 64;
/** Arguments of one call recorded at most. */
const MAX_ARGS = 8;
/** Properties of an object literal recorded at most. */
const MAX_PROPERTIES = 16;
const ERROR_NAMES = new Set(['err', 'error', 'e', 'ex', 'exception']);
const FUNCTION_TYPES = new Set(['function_declaration', 'generator_function_declaration', 'arrow_function', 'function_expression', 'method_definition', 'function', 'generator_function']);

export interface TsFunctionFacts {
  fn: Node;
  params: Param[];
  /** Index by name of the parameters the function never reassigns. */
  index: Map<string, number>;
  /** A method's or constructor's `this` fields it assigns itself, and every name or member it assigns. */
  ownFields: Set<string>;
  assigned: Set<string>;
}

function stringLiteral(node: Node): string | undefined {
  if (node.type === 'string') {
    if (node.namedChildren.some((c) => c?.type === 'escape_sequence')) return undefined;
    return node.namedChildren.filter((c) => c?.type === 'string_fragment').map((c) => c.text).join('');
  }
  if (node.type === 'template_string' && !node.namedChildren.some((c) => c?.type === 'template_substitution' || c?.type === 'escape_sequence')) {
    return node.text.slice(1, -1);
  }
  return undefined;
}

function literal(node: Node | null | undefined): { v: Literal } | 'undefined' | undefined {
  if (!node) return undefined;
  switch (node.type) {
    case 'null': return { v: null };
    case 'undefined': return 'undefined';
    case 'identifier': return node.text === 'undefined' ? 'undefined' : undefined;
    case 'true': return { v: true };
    case 'false': return { v: false };
    case 'number': {
      const n = Number(node.text.replace(/_/g, ''));
      return Number.isFinite(n) ? { v: n } : undefined;
    }
    case 'string': case 'template_string': {
      const s = stringLiteral(node);
      return s === undefined ? undefined : { v: s };
    }
    case 'unary_expression': {
      const op = node.childForFieldName('operator')?.text;
      const inner = literal(node.childForFieldName('argument'));
      if (op === '-' && inner !== 'undefined' && typeof inner?.v === 'number') return { v: -inner.v };
      if (op === 'void') return 'undefined';
      return undefined;
    }
    case 'member_expression': {
      // An enum member (`Mode.Fast`, `Level.DEBUG`): kept as its name.
      const object = node.childForFieldName('object');
      return object?.type === 'identifier' && /^[A-Z]/.test(object.text) && node.childForFieldName('property')?.type === 'property_identifier' ? { v: `\u0001${node.text}` } : undefined;
    }
    case 'parenthesized_expression': return literal(node.namedChildren[0]);
    default: return undefined;
  }
}

function literalValue(node: Node | null | undefined): Value | undefined {
  const lit = literal(node);
  if (lit === 'undefined') return { k: 'undef' };
  return lit ? { k: 'lit', v: lit.v } : undefined;
}

/**
 * Nodes of `types` in the function's own code, not inside a function nested in it: one search of the body, in document
 * order, where a nested function's range is skipped (ranges nest, so what starts inside it lies inside it).
 */
function ownNodesOfType(body: Node, types: readonly string[]): Node[] {
  const out: Node[] = [];
  let nestedEnd = -1;
  for (const node of body.descendantsOfType([...types, ...FUNCTION_TYPES])) {
    if (!node || node.startIndex < nestedEnd) continue;
    // The `function` keyword token matches too: its range holds nothing else.
    if (FUNCTION_TYPES.has(node.type)) nestedEnd = node.endIndex;
    else out.push(node);
  }
  return out;
}

function assignedNames(fn: Node): Set<string> {
  const out = new Set<string>();
  const body = fn.childForFieldName('body');
  if (!body) return out;
  for (const node of ownNodesOfType(body, ['assignment_expression', 'augmented_assignment_expression', 'update_expression', 'call_expression'])) {
    if (node.type === 'call_expression') {
      // `cache.set(key, v)` fills a memo as `cache[key] = v` does.
      const callee = node.childForFieldName('function');
      if (callee?.type === 'member_expression' && callee.childForFieldName('property')?.text === 'set') out.add(`${callee.childForFieldName('object')?.text}[]`);
      continue;
    }
    const target = node.type === 'update_expression' ? node.childForFieldName('argument') : node.childForFieldName('left');
    if (!target) continue;
    out.add(target.type === 'subscript_expression' ? `${target.childForFieldName('object')?.text}[]` : target.text);
  }
  return out;
}

/** A function's parameters in order: what each binds (a pattern) and its default value, if any (`this: T` left out). */
function parameterPatterns(fn: Node): { pattern: Node | null; value: Node | null }[] {
  const out: { pattern: Node | null; value: Node | null }[] = [];
  const list = fn.childForFieldName('parameters')?.namedChildren ?? (fn.childForFieldName('parameter') ? [fn.childForFieldName('parameter')] : []);
  for (const param of list) {
    if (!param || param.type === 'comment') continue;
    if (param.type === 'required_parameter' || param.type === 'optional_parameter') {
      const pattern = param.childForFieldName('pattern');
      if (pattern?.type !== 'this') out.push({ pattern, value: param.childForFieldName('value') });
    } else if (param.type === 'assignment_pattern') out.push({ pattern: param.childForFieldName('left'), value: param.childForFieldName('right') });
    else out.push({ pattern: param, value: null });
  }
  return out;
}

/** Facts by function (node id) per tree: rules, summaries and the call graph ask for the same functions'. */
const factsByTree = new WeakMap<Tree, Map<number, TsFunctionFacts>>();

export function tsFunctionFacts(fn: Node): TsFunctionFacts {
  let byFunction = factsByTree.get(fn.tree);
  if (!byFunction) factsByTree.set(fn.tree, byFunction = new Map<number, TsFunctionFacts>());
  let facts = byFunction.get(fn.id);
  if (!facts) byFunction.set(fn.id, facts = computeFunctionFacts(fn));
  return facts;
}

function computeFunctionFacts(fn: Node): TsFunctionFacts {
  const params: Param[] = [];
  for (const { pattern, value } of parameterPatterns(fn)) {
    const rest = pattern?.type === 'rest_pattern';
    const name = pattern?.type === 'identifier' ? pattern.text : '';
    const d = value ? tsValue(undefined, value, undefined, () => undefined) : undefined;
    params.push({ n: name, ...(d ? { d } : {}), ...(rest ? { rest: true as const } : {}) });
  }
  const assigned = assignedNames(fn);
  const index = new Map<string, number>();
  params.forEach((p, i) => {
    if (p.n && !p.rest && !assigned.has(p.n)) index.set(p.n, i);
  });
  const ownFields = new Set<string>();
  for (const name of assigned) if (name.startsWith('this.')) ownFields.add(name.slice('this.'.length));
  return { fn, params, index, ownFields, assigned };
}

function subjectOf(node: Node | null | undefined, facts: TsFunctionFacts): Subject | undefined {
  if (!node) return undefined;
  if (node.type === 'parenthesized_expression') return subjectOf(node.namedChildren[0], facts);
  if (node.type === 'identifier') {
    const p = facts.index.get(node.text);
    return p === undefined ? undefined : { p };
  }
  if (node.type === 'member_expression') {
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    if (property?.type !== 'property_identifier') return undefined;
    if (object?.type === 'this' && !facts.ownFields.has(property.text)) return { self: property.text };
    const p = object?.type === 'identifier' ? facts.index.get(object.text) : undefined;
    if (p !== undefined && !facts.assigned.has(node.text)) return { p, prop: property.text };
  }
  return undefined;
}

function atom(s: Subject | undefined, test: Atom['test'], positive: boolean): Condition {
  if (!s) return UNKNOWN;
  const a: Atom = { s, test };
  return { all: [positive ? a : negate(a)] };
}

/** The condition under which `test` is truthy (`positive`) or falsy, as far as the formula can say. */
export function tsConditionOf(test: Node | null | undefined, positive: boolean, facts: TsFunctionFacts, depth = 0): Condition {
  if (!test || depth > MAX_NESTING) return UNKNOWN;
  switch (test.type) {
    case 'parenthesized_expression': return tsConditionOf(test.namedChildren[0], positive, facts, depth + 1);
    case 'unary_expression':
      if (test.childForFieldName('operator')?.text === '!') return tsConditionOf(test.childForFieldName('argument'), !positive, facts, depth + 1);
      return UNKNOWN;
    case 'identifier': case 'member_expression':
      return atom(subjectOf(test, facts), { t: 'truthy' }, positive);
    case 'binary_expression': {
      const op = test.childForFieldName('operator')?.text;
      const left = test.childForFieldName('left');
      const right = test.childForFieldName('right');
      if (op === '&&' || op === '||') {
        return (op === '&&') === positive ? and(tsConditionOf(left, positive, facts, depth + 1), tsConditionOf(right, positive, facts, depth + 1))! : UNKNOWN;
      }
      if (op === '===' || op === '!==' || op === '==' || op === '!=') {
        const same = op === '===' || op === '==';
        // `typeof x === 'string'`
        if (left?.type === 'unary_expression' && left.childForFieldName('operator')?.text === 'typeof') {
          const lit = literal(right);
          return lit && lit !== 'undefined' && typeof lit.v === 'string' ? atom(subjectOf(left.childForFieldName('argument'), facts), { t: 'type', n: [lit.v] }, same === positive) : UNKNOWN;
        }
        const [subject, other] = literal(left) !== undefined ? [right, left] : [left, right];
        const lit = literal(other);
        if (!lit) return UNKNOWN;
        const loose = op === '==' || op === '!=';
        const t: Atom['test'] = lit === 'undefined' ? (loose ? { t: 'nullish' } : { t: 'undef' }) : lit.v === null ? (loose ? { t: 'nullish' } : { t: 'none' }) : loose ? { t: 'eq', v: lit.v } : { t: 'eq', v: lit.v };
        // `==` with a non-null literal coerces: only exact literals of the same kind are safe, so it stays unknown.
        if (loose && t.t === 'eq') return UNKNOWN;
        return atom(subjectOf(subject, facts), t, same === positive);
      }
      if (op === 'instanceof' && right && (right.type === 'identifier' || right.type === 'member_expression')) {
        return atom(subjectOf(left, facts), { t: 'type', n: [right.text] }, positive);
      }
      return UNKNOWN;
    }
    default: return UNKNOWN;
  }
}

/** The last name of an expression (`DEBUG` in `process.env.DEBUG`). */
function lastName(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type === 'member_expression') return node.childForFieldName('property')?.text;
  if (node.type === 'subscript_expression') {
    const index = node.childForFieldName('index');
    return index ? stringLiteral(index) : undefined;
  }
  if (node.type === 'call_expression') {
    const callee = node.childForFieldName('function');
    return callee ? lastName(callee) : undefined;
  }
  return undefined;
}

function coldTest(test: Node | null | undefined, facts: TsFunctionFacts): ColdPath | undefined {
  let node = test;
  for (let steps = 0; node?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) node = node.namedChildren[0];
  if (!node) return undefined;
  if (node.type === 'binary_expression' && ['!=', '!=='].includes(node.childForFieldName('operator')?.text ?? '') && literal(node.childForFieldName('right')) !== undefined) {
    node = node.childForFieldName('left');
  }
  if (!node) return undefined;
  if (node.type === 'identifier' && ERROR_NAMES.has(node.text)) return 'error';
  const name = lastName(node);
  if (!name || (node.type === 'identifier' && facts.index.has(node.text))) return undefined;
  if (/^_*debug(_?mode)?$/i.test(name) || name === 'isDebugEnabled' || name === 'isLevelEnabled') return 'debug';
  return undefined;
}

/** The statement (or block) leaves the function for good: `return` or `throw` last. */
/** The branch ends by throwing: a check of its input, whose passing is the ordinary path. */
function throws(statement: Node | null | undefined): boolean {
  if (statement?.type === 'throw_statement') return true;
  return statement?.type === 'statement_block' && statement.namedChildren.filter((c) => c?.type !== 'comment').at(-1)?.type === 'throw_statement';
}

function exits(statement: Node | null | undefined): boolean {
  if (!statement) return false;
  if (statement.type === 'return_statement' || statement.type === 'throw_statement') return true;
  if (statement.type !== 'statement_block') return false;
  const last = statement.namedChildren.filter((c) => c?.type !== 'comment').at(-1);
  return last?.type === 'return_statement' || last?.type === 'throw_statement';
}

/** A name that outlives a call: `this.x`, a member, or a module variable (not a parameter, not a local of the function). */
function lasting(node: Node, facts: TsFunctionFacts): boolean {
  if (node.type === 'member_expression') return node.childForFieldName('object')?.type === 'this' || !facts.index.has(node.childForFieldName('object')?.text ?? '');
  if (node.type !== 'identifier' || facts.params.some((p) => p.n === node.text)) return false;
  // A module variable: declared outside the function, and outside every function around it (a local of an enclosing
  // function is made again on each run of that function: a memo there holds for one run, not for the process).
  const declares = (fn: Node) => fn.childForFieldName('body')?.descendantsOfType(['variable_declarator']).some((d) => d?.childForFieldName('name')?.text === node.text) ?? false;
  if (declares(facts.fn)) return false;
  for (let outer = facts.fn.parent, steps = 0; outer && steps < MAX_NESTING * 8; outer = outer.parent, steps++) {
    if (FUNCTION_TYPES.has(outer.type) && (declares(outer) || parameterNames(outer).includes(node.text))) return false;
  }
  return true;
}

/** The names a function's parameters bind (plain and defaulted identifiers). */
function parameterNames(fn: Node): string[] {
  return parameterPatterns(fn).flatMap(({ pattern }) => (pattern?.type === 'identifier' ? [pattern.text] : []));
}

/** `if (this.loaded) return;` … `this.loaded = true`, `if (cache.has(k)) return cache.get(k)` … `cache.set(k, v)`. */
function onceGuard(test: Node, facts: TsFunctionFacts): boolean {
  let node: Node | null = test;
  for (let steps = 0; node?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) node = node.namedChildren[0];
  if (node?.type === 'binary_expression' && literal(node.childForFieldName('right')) !== undefined) node = node.childForFieldName('left');
  if (!node) return false;
  if (node.type === 'call_expression') {
    const callee = node.childForFieldName('function');
    const object = callee?.type === 'member_expression' ? callee.childForFieldName('object') : null;
    return callee?.type === 'member_expression' && callee.childForFieldName('property')?.text === 'has' && !!object && facts.assigned.has(`${object.text}[]`) && lasting(object, facts);
  }
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === 'in') {
    const object = node.childForFieldName('right');
    return !!object && facts.assigned.has(`${object.text}[]`) && lasting(object, facts);
  }
  return (node.type === 'identifier' || node.type === 'member_expression') && facts.assigned.has(node.text) && lasting(node, facts);
}

/**
 * `if (!this.x) { this.x = make(); }` / `if (_x === undefined) _x = …` / `if (enabled && !initialised) { …; initialised = true }`:
 * a lazy singleton made on the first call. Any one term of an `&&` test can be the guard: once it is set the test fails.
 */
function lazyInit(test: Node, branch: Node, facts: TsFunctionFacts, depth = 0): boolean {
  let node: Node | null = test;
  for (let steps = 0; node?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) node = node.namedChildren[0];
  if (node?.type === 'binary_expression' && node.childForFieldName('operator')?.text === '&&') {
    // Down the `&&` chain, one term per level, a few levels at most.
    return depth < MAX_NESTING && (lazyInit(node.childForFieldName('left')!, branch, facts, depth + 1) || lazyInit(node.childForFieldName('right')!, branch, facts, depth + 1));
  }
  let name: Node | null | undefined;
  if (node?.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') name = node.childForFieldName('argument');
  else if (node?.type === 'binary_expression' && ['===', '=='].includes(node.childForFieldName('operator')?.text ?? '') && literal(node.childForFieldName('right')) !== undefined) name = node.childForFieldName('left');
  if (!name || (name.type !== 'identifier' && name.type !== 'member_expression') || !lasting(name, facts)) return false;
  return branch.descendantsOfType('assignment_expression').some((a) => a?.childForFieldName('left')?.text === name.text);
}

/**
 * `const timer = setInterval(() => { ... if (done) { ...; clearInterval(timer); } }, ms)`: the branch that stops the
 * timer running this function runs on its last run only.
 */
function stopsOwnTimer(branch: Node, facts: TsFunctionFacts): boolean {
  let fn = facts.fn;
  for (let steps = 0; fn.parent?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) fn = fn.parent;
  const call = fn.parent?.type === 'arguments' ? fn.parent.parent : undefined;
  if (call?.type !== 'call_expression' || call.childForFieldName('function')?.text !== 'setInterval' || call.childForFieldName('arguments')?.namedChildren[0]?.id !== fn.id) return false;
  const holder = call.parent;
  const timer = holder?.type === 'variable_declarator' ? holder.childForFieldName('name')
    : holder?.type === 'assignment_expression' ? holder.childForFieldName('left') : undefined;
  if (!timer || (timer.type !== 'identifier' && timer.type !== 'member_expression')) return false;
  const statements = branch.type === 'statement_block' ? branch.namedChildren : [branch];
  return statements.some((statement) => {
    const stop = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    return stop?.type === 'call_expression' && stop.childForFieldName('function')?.text === 'clearInterval'
      && stop.childForFieldName('arguments')?.namedChildren[0]?.text === timer.text;
  });
}

function guards(statement: Node, facts: TsFunctionFacts): Condition | undefined {
  let out: Condition | undefined;
  let seen = 0;
  for (let earlier = statement.previousNamedSibling; earlier && seen < MAX_GUARDS; earlier = earlier.previousNamedSibling, seen++) {
    if (earlier.type !== 'if_statement' || earlier.childForFieldName('alternative')) continue;
    const test = earlier.childForFieldName('condition');
    if (!test || !exits(earlier.childForFieldName('consequence'))) continue;
    if (onceGuard(test, facts)) out = and(out, { all: [], cold: 'once' });
    else out = and(out, throws(earlier.childForFieldName('consequence')) ? passedCheck(tsConditionOf(test, false, facts)) : tsConditionOf(test, false, facts));
  }
  return out;
}

/**
 * The condition under which `node` runs when the function runs: the `if`s, `&&`/`||` and ternaries around it, the
 * early returns before it in each block, and a cold path (a `catch`, a debug branch, a once-only guard). Undefined
 * when it always runs.
 */
export function tsPathCondition(node: Node, facts: TsFunctionFacts): Condition | undefined {
  let out: Condition | undefined;
  let child = node;
  // Up to the function: bounded by the nesting a function's code can have.
  for (let parent = node.parent, steps = 0; parent && parent.id !== facts.fn.id && steps < MAX_NESTING * 8; child = parent, parent = parent.parent, steps++) {
    switch (parent.type) {
      case 'statement_block':
        out = and(out, guards(child, facts));
        break;
      case 'if_statement': {
        const test = parent.childForFieldName('condition');
        if (!test || child.id === test.id) break;
        if (parent.childForFieldName('consequence')?.id === child.id) {
          // A branch that ends by throwing is the failure path: its work runs when something went wrong.
          const cold = coldTest(test, facts) ?? (throws(child) ? 'error' : undefined);
          if (cold) out = and(and(out, { all: [], cold }), cold === 'error' ? tsConditionOf(test, true, facts) : undefined);
          else if (lazyInit(test, child, facts)) out = and(out, { all: [], cold: 'once' });
          else if (stopsOwnTimer(child, facts)) out = and(and(out, { all: [], cold: 'last' }), tsConditionOf(test, true, facts));
          else out = and(out, tsConditionOf(test, true, facts));
        } else {
          const alternative = child.type === 'else_clause' ? child.namedChildren.find((c) => c?.type !== 'comment') : undefined;
          if (throws(alternative)) out = and(out, { all: [], cold: 'error' });
          out = and(out, tsConditionOf(test, false, facts));
        }
        break;
      }
      case 'ternary_expression': {
        const test = parent.childForFieldName('condition');
        if (!test || child.id === test.id) break;
        out = and(out, tsConditionOf(test, parent.childForFieldName('consequence')?.id === child.id, facts));
        break;
      }
      case 'binary_expression': {
        const op = parent.childForFieldName('operator')?.text;
        if (parent.childForFieldName('right')?.id !== child.id) break;
        if (op === '&&' || op === '||') out = and(out, tsConditionOf(parent.childForFieldName('left'), op === '&&', facts));
        else if (op === '??') out = and(out, UNKNOWN);
        break;
      }
      case 'catch_clause':
        out = and(out, { all: [], cold: 'error' });
        break;
      case 'switch_case': case 'switch_default':
        if (parent.childForFieldName('value')?.id !== child.id) out = and(out, UNKNOWN);
        break;
      case 'augmented_assignment_expression':
        // `this.x ??= load()`: made once.
        if (parent.childForFieldName('right')?.id === child.id && ['??=', '||='].includes(parent.childForFieldName('operator')?.text ?? '') && lasting(parent.childForFieldName('left')!, facts)) out = and(out, { all: [], cold: 'once' });
        break;
      default:
        // A callback run in place (`xs.map((x) => ...)`) runs when the code around it does, as a loop's body would.
        if (FUNCTION_TYPES.has(parent.type) && !runsInline(parent)) return and(out, UNKNOWN);
    }
  }
  return out;
}

/** What a call passes (undefined: unknown, as with a spread). */
export function tsArgs(semantics: TsSemantics, call: Node, facts: TsFunctionFacts | undefined, classOf: (ctor: Node) => CallTarget | undefined, depth = 0): Arg[] | null {
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'arguments') return null;
  const args: Arg[] = [];
  for (const arg of list.namedChildren) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'spread_element' || args.length >= MAX_ARGS) return null;
    args.push({ v: tsValue(semantics, arg, facts, classOf, depth) });
  }
  return args;
}

/** What an expression is, as far as a callee's condition may need. */
export function tsValue(semantics: TsSemantics | undefined, node: Node | null | undefined, facts: TsFunctionFacts | undefined, classOf: (ctor: Node) => CallTarget | undefined, depth = 0): Value {
  if (!node || depth > 2) return { k: 'unknown' };
  const lit = literalValue(node);
  if (lit) return lit;
  switch (node.type) {
    case 'parenthesized_expression': case 'as_expression': case 'satisfies_expression': case 'non_null_expression':
      return tsValue(semantics, node.namedChildren[0], facts, classOf, depth);
    case 'array': return { k: 'type', t: 'Array' };
    case 'arrow_function': case 'function_expression': case 'function': return { k: 'type', t: 'Function' };
    case 'object': {
      const f: Record<string, Value> = Object.create(null) as Record<string, Value>;
      let count = 0;
      for (const member of node.namedChildren) {
        if (!member || member.type === 'comment') continue;
        if (count++ >= MAX_PROPERTIES) return { k: 'unknown' };
        if (member.type === 'pair') {
          const key = member.childForFieldName('key');
          const name = key?.type === 'property_identifier' ? key.text : key?.type === 'string' ? stringLiteral(key) : undefined;
          if (name === undefined || name === '__proto__') return { k: 'unknown' };
          f[name] = tsValue(semantics, member.childForFieldName('value'), facts, classOf, depth + 1);
        } else if (member.type === 'shorthand_property_identifier') {
          if (member.text === '__proto__') return { k: 'unknown' };
          f[member.text] = tsValue(semantics, member, facts, classOf, depth + 1);
        } else return { k: 'unknown' };
      }
      return { k: 'obj', f: { ...f } };
    }
    case 'identifier': case 'shorthand_property_identifier': {
      const p = facts?.index.get(node.text);
      if (p !== undefined) return { k: 'param', i: p };
      const value = semantics && node.type === 'identifier' ? semantics.constValue(node) : undefined;
      return value ? tsValue(semantics, value, facts, classOf, depth + 1) : { k: 'unknown' };
    }
    case 'member_expression': {
      const object = node.childForFieldName('object');
      const property = node.childForFieldName('property');
      if (object?.type === 'this' && property?.type === 'property_identifier' && !facts?.ownFields.has(property.text)) return { k: 'field', f: property.text };
      return { k: 'unknown' };
    }
    case 'new_expression': {
      const ctor = node.childForFieldName('constructor');
      const cls = ctor && classOf(ctor);
      if (cls && semantics) return { k: 'new', c: cls, a: tsArgs(semantics, node, facts, classOf, depth + 1) };
      return ctor?.type === 'identifier' || ctor?.type === 'member_expression' ? { k: 'type', t: ctor.text } : { k: 'unknown' };
    }
    default: return { k: 'unknown' };
  }
}

/** What a constructor stores on `this` from its parameters or literals (parameter properties too), in its own top-level code. */
export function tsConstructorFields(semantics: TsSemantics, facts: TsFunctionFacts, classOf: (ctor: Node) => CallTarget | undefined, changedElsewhere: ReadonlySet<string>): Record<string, Value> | undefined {
  const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
  let count = 0;
  // `constructor(private readonly logFile?: string)`.
  const list = facts.fn.childForFieldName('parameters')?.namedChildren ?? [];
  let index = 0;
  for (const param of list) {
    if (!param || param.type === 'comment') continue;
    const pattern = param.childForFieldName('pattern');
    if (pattern?.type === 'this') continue;
    const hasModifier = param.namedChildren.some((c) => c?.type === 'accessibility_modifier' || c?.type === 'override_modifier') || param.children.some((c) => c?.type === 'readonly');
    if (hasModifier && pattern?.type === 'identifier' && !changedElsewhere.has(pattern.text) && facts.index.has(pattern.text)) {
      out[pattern.text] = { k: 'param', i: index };
      count++;
    }
    index++;
  }
  const counts = new Map<string, number>();
  const body = facts.fn.childForFieldName('body');
  for (const a of body?.descendantsOfType('assignment_expression') ?? []) {
    const left = a?.childForFieldName('left');
    if (left?.type === 'member_expression') counts.set(left.text, (counts.get(left.text) ?? 0) + 1);
  }
  for (const statement of body?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    const left = assignment?.type === 'assignment_expression' ? assignment.childForFieldName('left') : undefined;
    if (left?.type !== 'member_expression' || left.childForFieldName('object')?.type !== 'this') continue;
    const field = left.childForFieldName('property')?.text;
    if (!field || changedElsewhere.has(field) || counts.get(left.text) !== 1 || count >= 32) continue;
    const right = assignment!.childForFieldName('right');
    const value = tsValue(semantics, right, { ...facts, ownFields: new Set() }, classOf);
    // `this.logFile = opts.logFile`: the parameter's property.
    const fromProperty = right?.type === 'member_expression' && right.childForFieldName('object')?.type === 'identifier' ? facts.index.get(right.childForFieldName('object')!.text) : undefined;
    if (fromProperty !== undefined) {
      out[field] = { k: 'param', i: fromProperty, prop: right!.childForFieldName('property')?.text ?? '' };
      count++;
      continue;
    }
    if (value.k === 'unknown' || value.k === 'field') continue;
    out[field] = value;
    count++;
  }
  return count ? { ...out } : undefined;
}

/** The id of the function whose own code `node` is in (-1: none within reach). */
function ownerFunctionId(node: Node): number {
  let current: Node | null = node.parent;
  for (let steps = 0; current && steps < MAX_NESTING * 8; current = current.parent, steps++) {
    if (FUNCTION_TYPES.has(current.type)) return current.id;
  }
  return -1;
}

/** Per tree and class body: each `this.x` assignment's member with the function whose own code assigns it. */
const fieldAssignmentsByTree = new WeakMap<Tree, Map<number, { field: string; owner: number }[]>>();

function fieldAssignments(classBody: Node): { field: string; owner: number }[] {
  let byClass = fieldAssignmentsByTree.get(classBody.tree);
  if (!byClass) fieldAssignmentsByTree.set(classBody.tree, byClass = new Map<number, { field: string; owner: number }[]>());
  let found = byClass.get(classBody.id);
  if (found) return found;
  found = [];
  for (const a of classBody.descendantsOfType(['assignment_expression', 'augmented_assignment_expression', 'update_expression'])) {
    if (!a) continue;
    const left = a.type === 'update_expression' ? a.childForFieldName('argument') : a.childForFieldName('left');
    if (left?.type !== 'member_expression' || left.childForFieldName('object')?.type !== 'this') continue;
    found.push({ field: left.childForFieldName('property')?.text ?? '', owner: ownerFunctionId(a) });
  }
  byClass.set(classBody.id, found);
  return found;
}

/** `this.x` members some method of the class other than `except` assigns. */
export function tsFieldsAssignedOutside(classBody: Node, except: Node): Set<string> {
  const out = new Set<string>();
  for (const { field, owner } of fieldAssignments(classBody)) if (owner !== except.id) out.add(field);
  return out;
}
