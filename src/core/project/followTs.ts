// Following the project's own TS/JS code (for rules/blocking/chains.ts and the other rules): a call to a helper (in this
// file, a method of a class of the project, or a function imported, required or re-exported from another module of
// the project) that runs a synchronous blocking API, directly or a few calls further down.
import JSON5 from 'json5';
import { Query, type Node, type Tree } from 'web-tree-sitter';
import { blockingLookup, defaultBlockingLookup, lookupKey, type BlockingLookup } from '../catalog/blocking';
import { MAX_NESTING } from '../locate';
import { languageFromPath } from '../parser';
import type { AnalysisContext } from '../analysis';
import { rangeOf } from '../text';
import { tsArgs, tsConstructorFields, tsFieldsAssignedOutside, tsFunctionFacts, tsPathCondition, tsValue, type TsFunctionFacts } from '../effects/tsPaths';
import type { Arg, Condition, Value } from '../effects/condition';
import { enclosingFunction, isAsyncFunction, normalizeModule, requiredModule, runningFunction, TsSemantics, typeBody } from '../ts/semantics';
import { countSummaryBuild, dirname, join, keepBlocking, keepCertain, keepLightIfNoOther, MAX_INDIRECTIONS, memberOf, ProjectView, summaryOfText, withDetail, withModuleNames, type BlockingCall, type CallTarget, type Detail, type FileSummary, type FunctionSummary, type Place } from './project';
import { dict } from '../dict';

const FUNCTIONS = '[(function_declaration) (generator_function_declaration) (arrow_function) (function_expression) (method_definition)] @fn';
const CALLS = '(call_expression function: [(identifier) (member_expression)] @callee) @call';
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];
const queries = new WeakMap<object, { functions: Query; calls: Query }>();

export function queriesFor(tree: Tree): { functions: Query; calls: Query } {
  let q = queries.get(tree.language);
  if (!q) {
    q = { functions: new Query(tree.language, FUNCTIONS), calls: new Query(tree.language, CALLS) };
    queries.set(tree.language, q);
  }
  return q;
}

function classNameOf(node: Node | null): string | undefined {
  const body = node?.type === 'class_body' ? node : undefined;
  const cls = body?.parent;
  return cls && (cls.type === 'class_declaration' || cls.type === 'abstract_class_declaration' || cls.type === 'class')
    ? cls.childForFieldName('name')?.text : undefined;
}

/** 'f' for a declared or `const`-bound function, 'Class.m' for a method; undefined for anonymous ones (callbacks). */
export function tsFunctionKey(fn: Node): string | undefined {
  const exported = exportedObjectMember(fn);
  if (exported !== undefined) return exported;
  if (fn.type === 'method_definition') {
    const cls = classNameOf(fn.parent);
    const name = fn.childForFieldName('name')?.text;
    return cls && name ? `${cls}.${name}` : undefined;
  }
  const name = fn.childForFieldName('name');
  if (name && (fn.type === 'function_declaration' || fn.type === 'generator_function_declaration')) return name.text;
  const declarator = fn.parent;
  if (declarator?.type === 'variable_declarator' && declarator.childForFieldName('value')?.id === fn.id) {
    const bound = declarator.childForFieldName('name');
    return bound?.type === 'identifier' ? bound.text : undefined;
  }
  // `exports.f = function () {}` / `module.exports.f = () => {}` at the top level: the module's `f`.
  if (declarator?.type === 'assignment_expression' && declarator.parent?.parent?.type === 'program' && declarator.childForFieldName('right')?.id === fn.id) {
    const left = declarator.childForFieldName('left');
    const exported = left ? commonJsExport(left) : undefined;
    // `module.exports = function () {}` is what `require()` returns: the default.
    return exported === '' ? 'default' : exported;
  }
  return undefined;
}

/**
 * `module.exports = { f: function () {}, g: async () => {}, h() {} }` at the top level: the property a function is
 * the value of, as the module exports it ('f'); undefined for any other function (or a computed key).
 */
function exportedObjectMember(fn: Node): string | undefined {
  const holder = fn.type === 'method_definition' ? fn
    : fn.parent?.type === 'pair' && fn.parent.childForFieldName('value')?.id === fn.id ? fn.parent : undefined;
  const object = holder?.parent;
  const assignment = object?.type === 'object' ? object.parent : undefined;
  const statement = assignment?.parent?.type === 'variable_declarator' ? assignment.parent.parent : assignment?.parent;
  if (!statement || statement.parent?.type !== 'program' || commonJsExportedObject(statement)?.id !== object!.id) return undefined;
  const key = holder!.childForFieldName(holder!.type === 'pair' ? 'key' : 'name');
  if (key?.type === 'property_identifier') return key.text;
  return key?.type === 'string' && key.namedChildren.length <= 1 ? key.text.slice(1, -1) : undefined;
}

/** The object a top-level statement makes the module's exports: `module.exports = {...}`, `const api = module.exports = {...}`. */
export function commonJsExportedObject(statement: Node): Node | undefined {
  const assignment = statement.type === 'expression_statement' ? statement.namedChildren[0]
    : statement.type === 'lexical_declaration' || statement.type === 'variable_declaration' ? statement.namedChildren[0]?.childForFieldName('value') : undefined;
  const left = assignment?.type === 'assignment_expression' ? assignment.childForFieldName('left') : undefined;
  const right = assignment?.childForFieldName('right');
  return left && commonJsExport(left) === '' && right?.type === 'object' ? right : undefined;
}

/** The name `exports.f` / `module.exports.f` assigns ('' for `module.exports` itself), else undefined. */
function commonJsExport(left: Node): string | undefined {
  if (left.type !== 'member_expression') return undefined;
  const object = left.childForFieldName('object');
  const property = left.childForFieldName('property')?.text;
  if (!object || !property) return undefined;
  if (object.type === 'identifier' && object.text === 'module') return property === 'exports' ? '' : undefined;
  if (object.type === 'identifier' && object.text === 'exports') return property;
  return object.type === 'member_expression' && object.text === 'module.exports' ? property : undefined;
}

/**
 * What a file's names may lead to: the module specifiers it imports, requires or re-exports from, and which of them
 * can be the project's files (relative, or mapped by tsconfig.json `paths` / `baseUrl`).
 */
interface ModuleNames {
  specifiers: string[];
  isProject: (specifier: string) => boolean;
}

/** Specifiers named by the file's top-level imports, re-exports and `require` declarations (bounded by the file's statements). */
/** Each tree's module specifiers, found once (every summary and call target of the file asks). */
const specifiersByTree = new WeakMap<Tree, string[]>();

function fileSpecifiers(root: Node): string[] {
  let found = specifiersByTree.get(root.tree);
  if (!found) specifiersByTree.set(root.tree, found = findSpecifiers(root));
  return found;
}

/** The specifiers found for `tree`, if they were. */
export function keptSpecifiers(tree: Tree): readonly string[] | undefined {
  return specifiersByTree.get(tree);
}

/** The specifiers of a tree whose module-level code is an earlier tree's (an edit inside a function changes none). */
export function carrySpecifiers(tree: Tree, specifiers: readonly string[]): void {
  if (!specifiersByTree.has(tree)) specifiersByTree.set(tree, [...specifiers]);
}

function findSpecifiers(root: Node): string[] {
  const found = new Set<string>();
  for (const statement of root.namedChildren) {
    if (!statement) continue;
    const source = statement.childForFieldName('source');
    if ((statement.type === 'import_statement' || statement.type === 'export_statement') && source?.type === 'string') found.add(source.text.slice(1, -1));
    if (statement.type === 'import_statement') {
      const required = statement.namedChildren.find((c) => c?.type === 'import_require_clause')?.childForFieldName('source');
      if (required?.type === 'string') found.add(required.text.slice(1, -1));
    }
    if (statement.type === 'lexical_declaration' || statement.type === 'variable_declaration') {
      for (const declarator of statement.namedChildren) {
        const module = declarator?.type === 'variable_declarator' ? requiredModule(declarator.childForFieldName('value')) : undefined;
        if (module !== undefined) found.add(module);
      }
    }
  }
  return [...found];
}

/** A qualified name from the semantics ('./lib/repo.js.Repo.head') as the project module it may name, by the longest specifier. */
function moduleTarget(qualified: string, names: ModuleNames): CallTarget | undefined {
  let best: string | undefined;
  for (const specifier of names.specifiers) {
    const written = normalizeModule(specifier);
    if ((qualified === written || qualified.startsWith(`${written}.`)) && (!best || written.length > normalizeModule(best).length) && names.isProject(specifier)) best = specifier;
  }
  if (best === undefined) return undefined;
  return { kind: 'module', specifier: best, name: qualified.slice(normalizeModule(best).length + 1) || 'default' };
}

/** The class a name of a class denotes (`Repo` in `repo: Repo`, `new Repo()`, `extends Repo`), in this file or a project module. */
function classTarget(semantics: TsSemantics, expression: Node, names: ModuleNames): CallTarget | undefined {
  const resolved = expression.type === 'type_identifier' ? semantics.resolveNameAt(expression.text, expression) : semantics.resolve(expression);
  if (resolved?.kind === 'local') {
    const node = resolved.node;
    const isClass = node.type === 'class_declaration' || node.type === 'abstract_class_declaration' || node.type === 'class';
    return isClass ? { kind: 'local', key: node.childForFieldName('name')?.text ?? resolved.name } : undefined;
  }
  return resolved?.kind === 'qualified' ? moduleTarget(resolved.name, names) : undefined;
}

/** The class a declared type names: `Repo`, `Repo<T>`, `Repo | undefined`. */
function typeTarget(semantics: TsSemantics, type: Node | undefined, names: ModuleNames): CallTarget | undefined {
  const named = type?.type === 'generic_type' ? type.childForFieldName('name') : type;
  return named?.type === 'type_identifier' ? classTarget(semantics, named, names) : undefined;
}

/** The class body enclosing `node` where `this` is the instance (a plain `function` rebinds it); bounded by MAX_NESTING. */
function enclosingClassBody(node: Node): Node | undefined {
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
    if (current.type === 'class_body') return current;
    if (current.type === 'function_declaration' || current.type === 'function_expression' || current.type === 'generator_function_declaration' || current.type === 'function') return undefined;
  }
  return undefined;
}

/**
 * The classes a class's attributes hold, by attribute name: a field's declared type (`repo: Repo`) or initialiser
 * (`repo = new Repo()`), a constructor parameter property (`constructor(private repo: Repo)`), or what the constructor
 * assigns (`this.repo = new Repo()`, `this.repo = repo` for a typed parameter); the first a class states wins.
 * `worth`: names a class can be known by (see projectNames); others are not resolved (a search of the file each).
 * `only`: the one attribute wanted (the others are not resolved).
 */
function classAttributes(semantics: TsSemantics, body: Node, names: ModuleNames, worth?: ReadonlySet<string>, only?: string): Map<string, CallTarget> {
  const found = new Map<string, CallTarget>();
  const named = (node: Node | null | undefined) => {
    // `Repo`, `Repo<T>`, `models.Repo`: by the name it starts with.
    const head = node?.type === 'generic_type' ? node.childForFieldName('name') : node?.type === 'member_expression' ? node.childForFieldName('object') : node;
    return !!head && (!worth || worth.has(head.text));
  };
  const typed = (type: Node | null | undefined) => {
    const body = type ? typeBody(type) : undefined;
    return named(body) ? typeTarget(semantics, body, names) : undefined;
  };
  const constructed = (value: Node | null | undefined) => {
    const ctor = value?.type === 'new_expression' ? value.childForFieldName('constructor') : undefined;
    return ctor && named(ctor) ? classTarget(semantics, ctor, names) : undefined;
  };
  const add = (name: string | undefined, target: () => CallTarget | undefined) => {
    if (!name || found.has(name) || (only !== undefined && name !== only)) return;
    const held = target();
    if (held) found.set(name, held);
  };
  // The class's members, then the constructor's top-level statements: bounded by the class's size.
  for (const item of body.namedChildren) {
    if (item?.type === 'public_field_definition' || item?.type === 'field_definition') {
      const name = (item.childForFieldName('name') ?? item.childForFieldName('property'))?.text;
      add(name, () => typed(item.childForFieldName('type')) ?? constructed(item.childForFieldName('value')));
    }
    if (item?.type !== 'method_definition' || item.childForFieldName('name')?.text !== 'constructor') continue;
    for (const param of item.childForFieldName('parameters')?.namedChildren ?? []) {
      if (param?.children.some((c) => c?.type === 'accessibility_modifier' || c?.type === 'readonly' || c?.type === 'override_modifier')) {
        add(param.childForFieldName('pattern')?.text, () => typed(param.childForFieldName('type')));
      }
    }
    for (const statement of item.childForFieldName('body')?.namedChildren ?? []) {
      const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
      const left = assignment?.type === 'assignment_expression' ? assignment.childForFieldName('left') : undefined;
      const right = assignment?.childForFieldName('right');
      const property = left?.type === 'member_expression' && left.childForFieldName('object')?.type === 'this' ? left.childForFieldName('property') : undefined;
      if (!property || !right) continue;
      add(property.text, () => (right.type === 'new_expression' ? constructed(right) : typed(semantics.declaredType(right))));
    }
  }
  return found;
}

/** The class of `this.name` where `member` is: an attribute of the enclosing class (see classAttributes). */
function thisMemberClass(semantics: TsSemantics, member: Node, name: string, names: ModuleNames): CallTarget | undefined {
  const body = enclosingClassBody(member);
  return body ? classAttributes(semantics, body, names, undefined, name).get(name) : undefined;
}

/**
 * The class whose method `object.m()` calls: from `new`, a declared type, or an attribute (`this.repo`, `svc.repo`,
 * `this.svc.repo`: the attribute of the class the object before it is known to be). `depth` bounds the member chain.
 */
function receiverClass(semantics: TsSemantics, object: Node, names: ModuleNames, depth = 0): CallTarget | undefined {
  const instance = semantics.instanceType(object);
  if (instance?.startsWith('<local>.')) return { kind: 'local', key: instance.slice('<local>.'.length) };
  if (instance) return moduleTarget(instance, names);
  if (object.type === 'identifier') return typeTarget(semantics, semantics.declaredType(object), names);
  if (object.type !== 'member_expression' || depth >= MAX_NESTING) return undefined;
  const inner = object.childForFieldName('object');
  const property = object.childForFieldName('property');
  if (!inner || property?.type !== 'property_identifier') return undefined;
  if (inner.type === 'this') {
    const own = thisMemberClass(semantics, object, property.text, names);
    if (own) return own;
    // Not stated by this class: one of its bases may hold it ('Local.repo' is looked up through the bases' attributes).
    const body = enclosingClassBody(object);
    const cls = body?.parent && classBase(body.parent) ? classNameOf(body) : undefined;
    return cls ? { kind: 'local', key: `${cls}.${property.text}` } : undefined;
  }
  const owner = receiverClass(semantics, inner, names, depth + 1);
  return owner && memberOf(owner, property.text);
}

/** A class's `extends` base expression. */
function classBase(cls: Node): Node | undefined {
  const heritage = cls.namedChildren.find((c) => c?.type === 'class_heritage');
  const extendsClause = heritage?.namedChildren.find((c) => c?.type === 'extends_clause');
  // JavaScript's grammar puts the base right under class_heritage.
  return (extendsClause ? extendsClause.childForFieldName('value') : heritage?.namedChildren[0]) ?? undefined;
}

/** The class a method is in, and its `extends` base. */
function classOf(fn: Node | undefined): { name: string; base: Node | undefined } | undefined {
  const cls = fn?.type === 'method_definition' ? fn.parent?.parent : undefined;
  const name = cls ? classNameOf(fn!.parent) : undefined;
  return cls && name ? { name, base: classBase(cls) } : undefined;
}

/** The function whose `this` a node sees: the innermost enclosing one that is not an arrow (arrows keep their outer `this`). */
function thisFunction(node: Node): Node | undefined {
  let fn = enclosingFunction(node);
  // One enclosing function per step: bounded by the nesting depth.
  for (let steps = 0; fn?.type === 'arrow_function' && steps < MAX_NESTING; steps++) fn = enclosingFunction(fn);
  return fn;
}

/** What the analysed file's imports may lead to, once its tsConfigs are known (see tsProject); else relative imports only. */
const fileModules = new WeakMap<TsSemantics, ModuleNames>();

function modulesOf(semantics: TsSemantics): ModuleNames {
  return fileModules.get(semantics) ?? { specifiers: fileSpecifiers(semantics.root), isProject: isRelative };
}

/**
 * Where a call leads when it calls the project's own code: a function of this file, `this.m()`, a method of a known
 * class, or an import. `names`: the file's module specifiers (by default as the analysis's tsProject knows them).
 */
export function projectTarget(semantics: TsSemantics, callee: Node, names: ModuleNames = modulesOf(semantics)): CallTarget | undefined {
  const object = callee.type === 'member_expression' ? callee.childForFieldName('object') : undefined;
  const method = callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
  if (object && method && (object.type === 'this' || object.type === 'super')) {
    const cls = classOf(thisFunction(callee));
    if (!cls) return undefined;
    if (object.type === 'this') return { kind: 'local', key: `${cls.name}.${method}` };
    const base = cls.base && classTarget(semantics, cls.base, names);
    return base && memberOf(base, method);
  }
  const resolved = semantics.resolve(callee);
  if (resolved?.kind === 'local') {
    const key = tsFunctionKey(resolved.node);
    return key ? { kind: 'local', key } : undefined;
  }
  if (resolved?.kind === 'qualified') return moduleTarget(resolved.name, names);
  const receiver = object && method ? receiverClass(semantics, object, names) : undefined;
  return receiver && memberOf(receiver, method!);
}

/** The calls a function's own code makes (a callback's calls are the callback's: it may run later). */
export function ownCalls(tree: Tree, fn: Node): Node[] {
  const calls: Node[] = [];
  for (const { name, node } of queriesFor(tree).calls.captures(fn)) {
    // A callback run in place (`xs.map((x) => ...)`) is part of the function that runs it.
    if (name === 'call' && runningFunction(node)?.id === fn.id) calls.push(node);
  }
  return calls;
}

/** The last name a call is made by (`readFileSync` in `fs.readFileSync(p)`). */
function lastName(callee: Node): string {
  return (callee.type === 'member_expression' ? callee.childForFieldName('property')?.text : callee.text) ?? '';
}

/**
 * A call that can lead to the project's code, by its text: `this.m()`, `super.m()`, `this.field.m()` (a field typed or
 * constructed with a project class, or any field of a class extending one), `new X().m()`, or a call through a name in
 * `names` (this file's functions and classes, project imports, variables typed or constructed with those), also down an
 * attribute chain (`svc.repo.head()`).
 */
export function leadsToProject(callee: Node, names: ReadonlySet<string>): boolean {
  let head = callee.type === 'member_expression' ? callee.childForFieldName('object') : callee;
  // Down the chain to the name it starts from: bounded by MAX_NESTING.
  for (let steps = 0; head?.type === 'member_expression' && steps < MAX_NESTING; steps++) {
    const inner = head.childForFieldName('object');
    if (inner?.type === 'this') return names.has(head.childForFieldName('property')?.text ?? '') || extendsProjectClass(head, names);
    head = inner;
  }
  if (head?.type === 'new_expression') head = head.childForFieldName('constructor');
  if (head?.type === 'this' || head?.type === 'super') return true;
  return head?.type === 'identifier' && names.has(head.text);
}

/** The class `this` is at `node` extends a class named in `names` (whose attributes `this.x` may be). */
function extendsProjectClass(node: Node, names: ReadonlySet<string>): boolean {
  const cls = enclosingClassBody(node)?.parent;
  const base = cls ? classBase(cls) : undefined;
  // `extends Base` or `extends models.Base`.
  const head = base?.type === 'member_expression' ? base.childForFieldName('object') : base;
  return head?.type === 'identifier' && names.has(head.text);
}

/** A call worth resolving: one that may be a blocking API (as the direct rule's text test) or lead to the project's code. */
function mayMatter(callee: Node, names: ReadonlySet<string>, lookup: BlockingLookup): boolean {
  const last = lastName(callee);
  if (last.endsWith('Sync') || last === 'wait' || last === 'sync' || last === 'native' || lookup.tsExtraNames.has(last)) return true;
  return leadsToProject(callee, names);
}

const EXITS = ['return_statement', 'throw_statement', 'break_statement', 'continue_statement'];

/**
 * Blocking calls on a branch of an `if` with an `else`, every branch of which makes a blocking call on each path through
 * it (`if (Buffer.isBuffer(d)) fs.writeFileSync(p, d); else fs.copyFileSync(d, p);`), mapped to that `if`: whichever
 * branch runs, the function blocks. A branch may itself be such a chain (`else if`). `always`: when the function blocks on
 * every path through it, also past early exits that block first, the first blocking call of the statement that makes it certain.
 */
function exhaustiveBlockingChainsTs(fn: Node, blockingCalls: readonly Node[]): { chains: Map<number, Node>; always?: Node } {
  const chains = new Map<number, Node>();
  if (blockingCalls.length < 2) return { chains };
  const body = fn.childForFieldName('body');
  // A callback run in place (`xs.map((x) => f(x))`) may run no time, as a loop's body: its calls are no statement of `fn`'s.
  const isBranchHolder = (n: Node | null) => n?.type === 'statement_block' || n?.type === 'if_statement' || n?.type === 'else_clause'
    || n?.type === 'arrow_function' || n?.type === 'function_expression' || n?.type === 'function';
  const callStatements = new Set<number>();
  for (const call of blockingCalls) {
    let statement: Node | null = call;
    for (let steps = 0; statement?.parent && !isBranchHolder(statement.parent) && steps < MAX_NESTING * 4; steps++) statement = statement.parent;
    if (statement) callStatements.add(statement.id);
  }
  const judged = new Map<number, boolean>();
  const mayExit = (statement: Node) => statement.descendantsOfType(EXITS).some((exit) => exit && enclosingFunction(exit)?.id === fn.id);
  const statementAlwaysBlocks = (statement: Node | null, depth: number): boolean => {
    if (!statement || depth > MAX_NESTING) return false;
    const known = judged.get(statement.id);
    if (known !== undefined) return known;
    judged.set(statement.id, false);
    let blocks = callStatements.has(statement.id);
    if (!blocks && statement.type === 'statement_block') blocks = certainIn(statement, depth) !== undefined;
    if (!blocks && statement.type === 'try_statement') blocks = statementAlwaysBlocks(statement.childForFieldName('body'), depth + 1);
    if (!blocks && statement.type === 'if_statement') {
      const alternative = statement.childForFieldName('alternative');
      const otherwise = alternative?.namedChildren.find((c) => c?.type !== 'comment') ?? null;
      blocks = alternative !== null && statementAlwaysBlocks(statement.childForFieldName('consequence'), depth + 1) && statementAlwaysBlocks(otherwise, depth + 1);
    }
    judged.set(statement.id, blocks);
    return blocks;
  };
  /** The statement of `block` that makes it block on every path, if one does. */
  const certainIn = (block: Node, depth: number): Node | undefined => {
    for (const inner of block.namedChildren) {
      if (!inner) continue;
      if (statementAlwaysBlocks(inner, depth + 1)) return inner;
      if (EXITS.includes(inner.type)) return undefined;
      // A statement that may exit ends what is certain, unless it is an `if` each branch of which that may exit blocks
      // first: the paths that leave through it have blocked, the others go on.
      if (['if_statement', 'for_statement', 'for_in_statement', 'while_statement', 'do_statement', 'try_statement', 'switch_statement', 'statement_block'].includes(inner.type) && mayExit(inner)
        && !(inner.type === 'if_statement' && tsBranches(inner).every((branch) => !branch || !mayExit(branch) || statementAlwaysBlocks(branch, depth + 2)))) return undefined;
    }
    return undefined;
  };
  for (const call of blockingCalls) {
    // The outermost exhaustive chain around the call, within the function's own code.
    let outermost: Node | undefined;
    for (let current = call.parent, steps = 0; current && current.id !== body?.id && current.id !== fn.id && steps < MAX_NESTING * 8; current = current.parent, steps++) {
      if (current.type === 'if_statement' && current.parent?.type !== 'else_clause' && statementAlwaysBlocks(current, 0)) outermost = current;
    }
    if (outermost) chains.set(call.id, outermost);
  }
  const certain = body?.type === 'statement_block' ? certainIn(body, 0) : undefined;
  const always = certain && blockingCalls.find((call) => call.startIndex >= certain.startIndex && call.endIndex <= certain.endIndex);
  return always ? { chains, always } : { chains };
}

/** The branches of an `if`: its consequence, and each `else if`'s and the `else`'s. Bounded by the chain's length. */
function tsBranches(ifStatement: Node): (Node | null)[] {
  const branches: (Node | null)[] = [];
  for (let current: Node | null = ifStatement, steps = 0; current?.type === 'if_statement' && steps < MAX_NESTING * 4; steps++) {
    branches.push(current.childForFieldName('consequence'));
    const otherwise: Node | null = current.childForFieldName('alternative')?.namedChildren.find((c) => c?.type !== 'comment') ?? null;
    if (otherwise?.type !== 'if_statement') {
      branches.push(otherwise);
      break;
    }
    current = otherwise;
  }
  return branches;
}

const sameWhen = (a: Condition | undefined, b: Condition | undefined): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function detail(semantics: TsSemantics, fn: Node, lookup: BlockingLookup, names: ReadonlySet<string>, modules: ModuleNames): Detail {
  const out: Detail = { calls: [] };
  const light: Detail = { calls: [] };
  const facts = tsFunctionFacts(fn);
  if (facts.params.length) out.params = facts.params;
  const classOf = (ctor: Node) => classTarget(semantics, ctor, modules);
  const calls = ownCalls(semantics.tree, fn);
  // Resolving a name costs a search of the file: only calls that can matter are resolved, each once.
  const blockingOf = new Map<number, ReturnType<BlockingLookup['ts']>>();
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    if (!callee || !mayMatter(callee, names, lookup)) continue;
    const api = semantics.calleeName(call);
    blockingOf.set(call.id, api ? lookup.ts(api) : undefined);
  }
  const { chains: blockingChains, always } = exhaustiveBlockingChainsTs(fn, calls.filter((call) => blockingOf.get(call.id) && !blockingOf.get(call.id)!.severity));
  let certain: BlockingCall | undefined;
  for (const call of calls) {
    const callee = call.childForFieldName('function');
    if (!callee || !blockingOf.has(call.id)) continue;
    const blocking = blockingOf.get(call.id);
    if (blocking) {
      // On a branch of an `if`/`else if`/`else` every branch of which blocks: it blocks whenever the `if` is reached.
      const when = tsPathCondition((blocking.severity ? undefined : blockingChains.get(call.id)) ?? call, facts);
      const found = { api: blocking.name, shown: `${callee.text}()`, range: rangeOf(callee), ...(when ? { when } : {}) };
      // Quick metadata calls (below warning when direct) count only in a function that makes no other blocking call.
      if (blocking.severity) keepBlocking(light, { ...found, light: true }, sameWhen);
      else keepBlocking(out, found, sameWhen);
      if (call.id === always?.id) certain = { api: found.api, shown: found.shown, range: found.range };
      continue;
    }
    const target = projectTarget(semantics, callee, modules);
    if (!target) continue;
    const when = tsPathCondition(call, facts);
    const args = tsArgs(semantics, call, facts, classOf);
    const recv = tsReceiver(semantics, callee, facts, classOf);
    out.calls.push({ target, shown: `${callee.text}()`, range: rangeOf(callee), ...(when ? { when } : {}), ...(args ? { args } : {}), ...(recv ? { recv } : {}) });
  }
  keepCertain(out, certain);
  keepLightIfNoOther(out, light);
  if (fn.type === 'method_definition' && fn.childForFieldName('name')?.text === 'constructor' && fn.parent?.type === 'class_body') {
    const fields = tsConstructorFields(semantics, facts, classOf, tsFieldsAssignedOutside(fn.parent, fn));
    if (fields) out.fields = fields;
  }
  return out;
}

/** The object a method call is made on: the caller's own `this`, or a new instance of one of the project's classes. */
function tsReceiver(semantics: TsSemantics, callee: Node, facts: TsFunctionFacts | undefined, classOf: (ctor: Node) => CallTarget | undefined): Value | undefined {
  if (callee.type !== 'member_expression') return undefined;
  const object = callee.childForFieldName('object');
  if (object?.type === 'this' || object?.type === 'super') return { k: 'self' };
  const value = object ? tsValue(semantics, object, facts, classOf) : undefined;
  return value?.k === 'new' ? value : undefined;
}

/** What a call in the analysed file passes and on which object, for the callee's conditions. */
export function tsCallSite(semantics: TsSemantics, call: Node, callee: Node, facts: TsFunctionFacts): { args?: Arg[]; recv?: Value } {
  const modules = modulesOf(semantics);
  const classOf = (ctor: Node) => classTarget(semantics, ctor, modules);
  const args = tsArgs(semantics, call, facts, classOf) ?? undefined;
  const recv = tsReceiver(semantics, callee, facts, classOf);
  return { ...(args ? { args } : {}), ...(recv?.k === 'new' ? { recv } : {}) };
}

/**
 * As summarisePython: `lazy` for the analysed file, whose helpers are resolved only when a chain reaches them.
 * `lookup`: the catalogue as the project configures it (`blocking.extra` / `blocking.allow`); `isProject`: which
 * module specifiers may name the project's files (relative ones, and those tsconfig.json maps).
 */
export function summariseTs(semantics: TsSemantics, lookup: BlockingLookup = defaultBlockingLookup, lazy = false, isProject: (specifier: string) => boolean = isRelative): FileSummary {
  return summaryAndNames(semantics, lookup, lazy, isProject).summary;
}

/**
 * Another file's summary and the names its calls may reach the project through, its imports read under the package's
 * tsconfig paths (`@server/...`) as tsProject reads the analysed file's: the call graph's view of each file.
 */
export function packageFileSummary(semantics: TsSemantics, lookup: BlockingLookup, isProject: (specifier: string) => boolean): { summary: FileSummary; names: Set<string> } {
  fileModules.set(semantics, { specifiers: fileSpecifiers(semantics.root), isProject });
  return summaryAndNames(semantics, lookup, false, isProject);
}

/** The summary, and the names calls may reach the project through (see projectNames). */
function summaryAndNames(semantics: TsSemantics, lookup: BlockingLookup, lazy: boolean, isProject: (specifier: string) => boolean): { summary: FileSummary; names: Set<string> } {
  const modules: ModuleNames = { specifiers: fileSpecifiers(semantics.root), isProject };
  const found: { key: string; node: Node }[] = [];
  const keys = new Set<string>();
  for (const { node } of queriesFor(semantics.tree).functions.captures(semantics.tree.rootNode)) {
    const key = tsFunctionKey(node);
    if (!key || keys.has(key)) continue;
    keys.add(key);
    found.push({ key, node });
  }
  // The names calls may lead to the project through, known before any function's calls are read.
  const names = projectNames(semantics, keys, modules);
  const functions = dict<FunctionSummary>();
  for (const { key, node } of found) {
    functions[key] = withDetail({ key, async: isAsyncFunction(node), range: rangeOf(node) }, () => detail(semantics, node, lookup, names, modules), lazy);
  }
  return { summary: withModuleNames(functions, () => moduleExports(semantics, modules, names), lazy), names };
}

/** The modules `import * as name from '…'` binds names to at the top of a file, found once per file. */
const namespaceImports = new WeakMap<TsSemantics, Map<string, string>>();

function namespaceImport(semantics: TsSemantics, name: string): string | undefined {
  let found = namespaceImports.get(semantics);
  if (!found) {
    found = new Map();
    // The file's top-level statements: bounded by its length.
    for (const statement of semantics.root.namedChildren) {
      const source = statement?.type === 'import_statement' ? statement.childForFieldName('source') : undefined;
      const clause = source?.type === 'string' ? statement.namedChildren.find((c) => c?.type === 'import_clause') : undefined;
      const id = clause?.namedChildren.find((c) => c?.type === 'namespace_import')?.namedChildren.find((c) => c?.type === 'identifier');
      if (id && !found.has(id.text)) found.set(id.text, source!.text.slice(1, -1));
    }
    namespaceImports.set(semantics, found);
  }
  return found.get(name);
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}

/**
 * What `expression` (an exported or assigned value) names: a function or class of this file, a project module's export,
 * or a project module as a whole (`import * as util from './util'`: the target named '').
 */
function valueTarget(semantics: TsSemantics, expression: Node, modules: ModuleNames): CallTarget | undefined {
  const namespace = expression.type === 'identifier' || expression.type === 'shorthand_property_identifier' ? namespaceImport(semantics, expression.text) : undefined;
  if (namespace !== undefined) return modules.isProject(namespace) ? { kind: 'module', specifier: namespace, name: '' } : undefined;
  const resolved = expression.type === 'identifier' || expression.type === 'shorthand_property_identifier' ? semantics.resolveNameAt(expression.text, expression) : semantics.resolve(expression);
  if (resolved?.kind === 'local') {
    const node = resolved.node;
    const key = node.type === 'class_declaration' || node.type === 'abstract_class_declaration' || node.type === 'class' ? node.childForFieldName('name')?.text ?? resolved.name : tsFunctionKey(node);
    return key ? { kind: 'local', key } : undefined;
  }
  return resolved?.kind === 'qualified' ? moduleTarget(resolved.name, modules) : undefined;
}

/**
 * A module's classes with their bases and the classes their attributes hold ('Service.repo'), what it exports under
 * other names (ESM and CommonJS), `export *` modules and module-level instances. `names`: see projectNames.
 */
function moduleExports(semantics: TsSemantics, modules: ModuleNames, names: ReadonlySet<string>): Omit<FileSummary, 'functions'> {
  const classes = dict<CallTarget[]>();
  const exports = dict<CallTarget>();
  const instances = dict<CallTarget>();
  const attributes = dict<CallTarget>();
  const stars: string[] = [];
  const addClass = (cls: Node) => {
    const name = cls.childForFieldName('name')?.text;
    const base = classBase(cls);
    const target = base && classTarget(semantics, base, modules);
    if (!name || classes[name]) return;
    classes[name] = target ? [target] : [];
    const body = cls.childForFieldName('body');
    for (const [attribute, held] of body ? classAttributes(semantics, body, modules, names) : []) attributes[`${name}.${attribute}`] = held;
  };
  const addInstances = (declaration: Node) => {
    for (const declarator of declaration.namedChildren) {
      const name = declarator?.type === 'variable_declarator' ? declarator.childForFieldName('name') : undefined;
      const value = declarator?.childForFieldName('value');
      const ctor = value?.type === 'new_expression' ? value.childForFieldName('constructor') : undefined;
      const target = name?.type === 'identifier' && ctor ? classTarget(semantics, ctor, modules) : undefined;
      if (target) instances[name!.text] = target;
    }
  };
  // Top-level statements only: bounded by the file's length.
  for (const statement of semantics.root.namedChildren) {
    if (!statement) continue;
    const declaration = statement.type === 'export_statement' ? statement.childForFieldName('declaration') : statement;
    if (declaration?.type === 'class_declaration' || declaration?.type === 'abstract_class_declaration') addClass(declaration);
    if (declaration?.type === 'lexical_declaration' || declaration?.type === 'variable_declaration') addInstances(declaration);
    if (statement.type === 'export_statement') exportStatement(semantics, statement, modules, exports, stars, instances);
    if (statement.type === 'expression_statement') commonJsExports(semantics, statement.namedChildren[0], modules, exports);
    // `const api = module.exports = {...}`.
    if (statement.type === 'lexical_declaration' || statement.type === 'variable_declaration') commonJsExports(semantics, statement.namedChildren[0]?.childForFieldName('value') ?? null, modules, exports);
  }
  return { classes, exports, instances, attributes, stars };
}

/** `export default f`, `export default function f`, `export { f as g }`, `export { f } from './a'`, `export * from './a'`, `export * as ns from './a'`. */
function exportStatement(semantics: TsSemantics, statement: Node, modules: ModuleNames, exports: Record<string, CallTarget>, stars: string[], instances: Record<string, CallTarget>): void {
  const source = statement.childForFieldName('source');
  const specifier = source?.type === 'string' ? source.text.slice(1, -1) : undefined;
  const isDefault = statement.children.some((c) => c?.type === 'default');
  const declaration = statement.childForFieldName('declaration');
  const value = statement.childForFieldName('value');
  const clause = statement.namedChildren.find((c) => c?.type === 'export_clause');
  const namespace = statement.namedChildren.find((c) => c?.type === 'namespace_export');
  if (isDefault && declaration) {
    const name = declaration.childForFieldName('name')?.text;
    const key = declaration.type.includes('class') ? name : tsFunctionKey(declaration);
    if (key) exports.default = { kind: 'local', key };
  } else if (isDefault && value) {
    // `export default new Api()`: the module's default is an instance of Api.
    const ctor = value.type === 'new_expression' ? value.childForFieldName('constructor') : undefined;
    const instance = ctor ? classTarget(semantics, ctor, modules) : undefined;
    if (instance) instances.default = instance;
    const target = instance ? undefined : valueTarget(semantics, value, modules);
    if (target) exports.default = target;
  } else if (clause) {
    for (const spec of clause.namedChildren) {
      const local = spec?.type === 'export_specifier' ? spec.childForFieldName('name') : undefined;
      const exported = spec?.childForFieldName('alias') ?? local;
      if (!local || !exported) continue;
      const target = specifier !== undefined
        ? (modules.isProject(specifier) ? { kind: 'module' as const, specifier, name: local.text } : undefined)
        : valueTarget(semantics, local, modules);
      if (target) exports[exported.text] = target;
    }
  } else if (namespace) {
    // `export * as ns from './a'`: `ns.f` is a's `f`.
    const name = namespace.namedChildren[0];
    if (name?.type === 'identifier' && specifier !== undefined && modules.isProject(specifier)) exports[name.text] = { kind: 'module', specifier, name: '' };
  } else if (specifier !== undefined && modules.isProject(specifier)) {
    stars.push(specifier);
  }
}

/** `module.exports = { f, g: h }`, `module.exports = f` (the default), `exports.f = g`, `module.exports.f = g`. */
function commonJsExports(semantics: TsSemantics, assignment: Node | null, modules: ModuleNames, exports: Record<string, CallTarget>): void {
  const left = assignment?.type === 'assignment_expression' ? assignment.childForFieldName('left') : undefined;
  const right = assignment?.childForFieldName('right');
  const name = left ? commonJsExport(left) : undefined;
  if (name === undefined || !right) return;
  if (name === '' && right.type === 'object') {
    for (const pair of right.namedChildren) {
      // A function written in place is the module's own (its key is its property: exportedObjectMember).
      const inPlace = pair?.type === 'method_definition' ? pair : pair?.type === 'pair' && isFunctionValue(pair.childForFieldName('value')) ? pair.childForFieldName('value') : undefined;
      const own = inPlace ? exportedObjectMember(inPlace) : undefined;
      if (own !== undefined) {
        exports[own] = { kind: 'local', key: own };
        continue;
      }
      const key = pair?.type === 'shorthand_property_identifier' ? pair : pair?.type === 'pair' ? pair.childForFieldName('key') : undefined;
      const value = pair?.type === 'pair' ? pair.childForFieldName('value') : pair;
      const target = key && value ? valueTarget(semantics, value, modules) : undefined;
      if (target) exports[key!.text] = target;
    }
    return;
  }
  // A function assigned in place has its own key (tsFunctionKey); a name assigned is what it denotes.
  const target = isFunctionValue(right)
    ? { kind: 'local' as const, key: name || 'default' }
    : valueTarget(semantics, right, modules);
  if (target) exports[name || 'default'] = target;
}

function isFunctionValue(node: Node | null): boolean {
  return node?.type === 'function_expression' || node?.type === 'arrow_function' || node?.type === 'function';
}

/** Resolves `a/./b/../c` to `a/c`; undefined when it climbs above the project root. */
function normalise(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}

/** tsconfig.json's module resolution: `baseUrl` and `paths` (as folders from the project root). */
interface TsPaths {
  baseUrl: string | undefined;
  /** Where `paths` targets are relative to: baseUrl, else the tsconfig's folder. */
  pathsBase: string;
  paths: [pattern: string, targets: string[]][];
}

/** Folders above a file searched for tsconfig.json, and `extends` links followed, at most. */
const MAX_PARENTS = 12;
const MAX_EXTENDS = 4;
/** Parsed tsconfig.json texts, by text: a project has few, and they rarely change. */
const tsconfigCache = new Map<string, Record<string, unknown> | null>();

function parseTsconfig(text: string): Record<string, unknown> | undefined {
  let parsed = tsconfigCache.get(text);
  if (parsed === undefined) {
    try {
      const value: unknown = JSON5.parse(text);
      parsed = value && typeof value === 'object' ? value as Record<string, unknown> : null;
    } catch {
      parsed = null;
    }
    if (tsconfigCache.size >= 50) tsconfigCache.delete(tsconfigCache.keys().next().value!);
    tsconfigCache.set(text, parsed);
  }
  return parsed ?? undefined;
}

/** Matches `specifier` against a `paths` pattern (one `*` at most): the text the star stands for, else undefined. */
function matchPattern(pattern: string, specifier: string): string | undefined {
  const star = pattern.indexOf('*');
  if (star < 0) return pattern === specifier ? '' : undefined;
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  return specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix)
    ? specifier.slice(prefix.length, specifier.length - suffix.length) : undefined;
}

/** Relative specifiers, and bare ones tsconfig.json maps (`paths` patterns; with `baseUrl`, any but Node's and scoped packages'). */
function isProjectSpecifier(specifier: string, paths: TsPaths | undefined): boolean {
  if (isRelative(specifier)) return true;
  if (!paths || specifier.startsWith('node:')) return false;
  if (paths.paths.some(([pattern]) => matchPattern(pattern, specifier) !== undefined)) return true;
  return paths.baseUrl !== undefined && !specifier.startsWith('@');
}

/** The project's tsconfig.json files as this analysis reads them, found once per folder. */
export class TsConfigs {
  /** tsconfig.json module resolution by folder (null: none). */
  private readonly configs = new Map<string, TsPaths | null>();

  constructor(private readonly readFile: ((path: string) => string | undefined) | undefined) {}

  /** Which specifiers may name project files, seen from a file in `dir`. */
  projectSpecifiers(dir: string): (specifier: string) => boolean {
    const paths = this.tsPaths(dir);
    return (specifier) => isProjectSpecifier(specifier, paths);
  }

  /** The nearest tsconfig.json at or above `dir` (and the ones it `extends`), as module resolution settings. */
  tsPaths(dir: string): TsPaths | undefined {
    if (!this.readFile) return undefined;
    const known = this.configs.get(dir);
    if (known !== undefined) return known ?? undefined;
    let found: TsPaths | undefined;
    // Up the folders to the root: bounded by the path's depth and MAX_PARENTS.
    for (let folder = dir, steps = 0; steps < MAX_PARENTS; folder = dirname(folder), steps++) {
      const file = join(folder, 'tsconfig.json');
      if (this.readFile(file) !== undefined) {
        found = this.readTsconfig(file);
        break;
      }
      if (!folder) break;
    }
    this.configs.set(dir, found ?? null);
    return found;
  }

  /** `compilerOptions.baseUrl` / `paths`, the nearest in the `extends` chain winning (at most MAX_EXTENDS links). */
  private readTsconfig(file: string): TsPaths | undefined {
    let baseUrl: string | undefined;
    let pathsBase: string | undefined;
    let paths: [string, string[]][] | undefined;
    for (let current: string | undefined = file, links = 0; current && links < MAX_EXTENDS; links++) {
      const text = this.readFile!(current);
      const config = text === undefined ? undefined : parseTsconfig(text);
      if (!config) break;
      const options = config.compilerOptions as Record<string, unknown> | undefined;
      const folder = dirname(current);
      if (baseUrl === undefined && typeof options?.baseUrl === 'string') baseUrl = normalise(join(folder, options.baseUrl)) ?? '';
      if (paths === undefined && options?.paths && typeof options.paths === 'object') {
        paths = Object.entries(options.paths as Record<string, unknown>)
          .map(([pattern, targets]): [string, string[]] => [pattern, Array.isArray(targets) ? targets.filter((t): t is string => typeof t === 'string') : []]);
        pathsBase = folder;
      }
      // Only relative `extends` are project files; a package's base config is not read.
      const parent = typeof config.extends === 'string' && config.extends.startsWith('.') ? normalise(join(folder, config.extends)) : undefined;
      current = parent === undefined ? undefined : parent.endsWith('.json') ? parent : `${parent}.json`;
    }
    if (baseUrl === undefined && paths === undefined) return undefined;
    return { baseUrl, pathsBase: baseUrl ?? pathsBase ?? '', paths: paths ?? [] };
  }

  /** The paths a specifier may name from `from`, before extensions: relative to the file, or as tsconfig.json maps it. */
  specifierBases(specifier: string, from: string): string[] {
    if (isRelative(specifier)) {
      const base = normalise(join(dirname(from), specifier));
      return base === undefined ? [] : [base];
    }
    const paths = this.tsPaths(dirname(from));
    if (!paths || !isProjectSpecifier(specifier, paths)) return [];
    const bases: string[] = [];
    for (const [pattern, targets] of paths.paths) {
      const star = matchPattern(pattern, specifier);
      if (star === undefined) continue;
      for (const target of targets) {
        const base = normalise(join(paths.pathsBase, target.replace('*', star)));
        if (base !== undefined) bases.push(base);
      }
    }
    if (paths.baseUrl !== undefined) {
      const base = normalise(join(paths.baseUrl, specifier));
      if (base !== undefined) bases.push(base);
    }
    return bases;
  }
}

/**
 * The project as a TS/JS rule sees it from the analysed file (this file's functions summarised on demand), one per
 * analysis, with the names calls may reach the project through.
 */
export function tsProject(context: AnalysisContext): TsProject {
  const semantics = context.ts();
  const known = projects.get(semantics);
  if (known?.sees(context)) return known;
  const configs = new TsConfigs(context.readFile);
  const isProject = configs.projectSpecifiers(dirname(context.path ?? ''));
  // The file's own summary is built once per tree and settings, whichever view or feature asks first.
  const key = `${lookupKey(context.settings)}\n${context.path ?? ''}`;
  let own = ownSummaries.get(semantics);
  if (own?.key !== key) {
    countSummaryBuild();
    const built = summaryAndNames(semantics, blockingLookup(context.settings), true, isProject);
    ownSummaries.set(semantics, own = { key, ...built });
    fileModules.set(semantics, { specifiers: fileSpecifiers(context.root), isProject });
  }
  const project = new TsProject(context, own.summary, configs, own.names);
  projects.set(semantics, project);
  return project;
}

/** One function's summary, its details computed now, with the file's project names (`names`): what an edit may change. */
export function tsFunctionSummary(context: AnalysisContext, node: Node, names: ReadonlySet<string>): FunctionSummary | undefined {
  const key = tsFunctionKey(node);
  if (!key) return undefined;
  const semantics = context.ts();
  const modules = fileModules.get(semantics) ?? { specifiers: fileSpecifiers(context.root), isProject: new TsConfigs(context.readFile).projectSpecifiers(dirname(context.path ?? '')) };
  return withDetail({ key, async: isAsyncFunction(node), range: rangeOf(node) }, () => detail(semantics, node, blockingLookup(context.settings), names, modules), false);
}

/** The names the file's own summary found for the tree, if built. */
export function tsOwnNames(semantics: TsSemantics): ReadonlySet<string> | undefined {
  return ownSummaries.get(semantics)?.names;
}

/** The file's own summary for a tree whose functions summarise as an earlier tree's did (an edit's analysis keeps it). */
export function seedTsSummary(context: AnalysisContext, summary: FileSummary, names: ReadonlySet<string>): void {
  const semantics = context.ts();
  if (ownSummaries.has(semantics)) return;
  const isProject = new TsConfigs(context.readFile).projectSpecifiers(dirname(context.path ?? ''));
  ownSummaries.set(semantics, { key: `${lookupKey(context.settings)}\n${context.path ?? ''}`, summary, names: new Set(names) });
  fileModules.set(semantics, { specifiers: fileSpecifiers(context.root), isProject });
}

// One view per tree (its semantics), shared by every rule, the hover and the visualiser: the files it looked at are looked at once.
const projects = new WeakMap<TsSemantics, TsProject>();
const ownSummaries = new WeakMap<TsSemantics, { key: string; summary: FileSummary; names: Set<string> }>();

export class TsProject extends ProjectView {
  constructor(context: AnalysisContext, own: FileSummary, private readonly configs: TsConfigs, readonly names: ReadonlySet<string>) {
    super(context, own);
  }

  protected override readonly membersOfDefault = true;

  protected summariseFile(path: string, text: string): FileSummary | undefined {
    const language = languageFromPath(path);
    if (!language || language === 'python') return undefined;
    const paths = this.configs.tsPaths(dirname(path));
    const variant = `${lookupKey(this.context.settings)}\n${paths ? JSON.stringify(paths) : ''}`;
    const isProject = (specifier: string) => isProjectSpecifier(specifier, paths);
    return summaryOfText(path, text, language, (tree) => summariseTs(new TsSemantics(tree), blockingLookup(this.context.settings), false, isProject), variant);
  }

  /** './util' from `src/app.ts`: src/util.ts (or .tsx, .js, …, or src/util/index.ts), then the name in it. */
  resolve(target: CallTarget, from: string | undefined, budget = MAX_INDIRECTIONS): Place | undefined {
    if (target.kind === 'local') return this.lookup(from, target.key, budget);
    if (target.kind !== 'module' || from === undefined || !this.context.readFile) return undefined;
    for (const base of this.configs.specifierBases(target.specifier, from)) {
      // ESM code imports './util.js' for a util.ts source.
      const stem = /\.[cm]?js$/.test(base) ? base.replace(/\.[cm]?js$/, '') : base;
      const candidates = [...(stem !== base ? [base] : []), ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => `${stem}/index${e}`)];
      for (const file of candidates) {
        if (file === from) continue;
        // The first file that exists is the module; what it does not define leads nowhere.
        if (this.summary(file)) return this.lookup(file, target.name, budget);
      }
    }
    return undefined;
  }
}

/** Names bound by imports from relative modules (`./util`): the only imports that can be the project's functions without a tsconfig.json. */
export function relativeImportNames(root: Node): Set<string> {
  const names = new Set<string>();
  for (const statement of root.namedChildren) {
    const source = statement?.type === 'import_statement' ? statement.childForFieldName('source')?.text.slice(1, -1) : undefined;
    if (!source?.startsWith('.')) continue;
    for (const id of statement.descendantsOfType('identifier')) if (id) names.add(id.text);
  }
  return names;
}

/** The names a variable's declared type or constructor may make a project receiver: `(repo: Repo)`, `new Repo()`, `private repo: Repo`. */
const RECEIVERS_TS = `
(required_parameter pattern: (identifier) @var type: (type_annotation) @type)
(optional_parameter pattern: (identifier) @var type: (type_annotation) @type)
(variable_declarator name: (identifier) @var type: (type_annotation) @type)
(public_field_definition name: (property_identifier) @var type: (type_annotation) @type)
(public_field_definition name: (property_identifier) @var value: (new_expression) @type)
`;
const RECEIVERS = `
(variable_declarator name: (identifier) @var value: (new_expression) @type)
(assignment_expression left: (member_expression object: (this) property: (property_identifier) @var) right: (new_expression) @type)
`;
/** JavaScript's class fields (`repo = new Repo()`). */
const RECEIVERS_JS = `
(field_definition property: (property_identifier) @var value: (new_expression) @type)
`;
const receiverQueries = new WeakMap<object, Query>();

function receiverQuery(tree: Tree): Query {
  let query = receiverQueries.get(tree.language);
  if (!query) {
    // JavaScript's grammar has no type annotations.
    try {
      query = new Query(tree.language, RECEIVERS_TS + RECEIVERS);
    } catch {
      query = new Query(tree.language, RECEIVERS + RECEIVERS_JS);
    }
    receiverQueries.set(tree.language, query);
  }
  return query;
}

/**
 * Names a call can start from to reach the project's code: this file's functions and classes, names imported or
 * required from project modules, and variables, parameters and fields whose type or constructor is one of those.
 */
function projectNames(semantics: TsSemantics, keys: Iterable<string>, modules: ModuleNames): Set<string> {
  const names = new Set([...keys].map((key) => key.split('.')[0]));
  for (const statement of semantics.root.namedChildren) {
    if (!statement) continue;
    for (const cls of statement.type === 'export_statement' ? [statement.childForFieldName('declaration')] : [statement]) {
      if (cls?.type === 'class_declaration' || cls?.type === 'abstract_class_declaration') names.add(cls.childForFieldName('name')?.text ?? '');
    }
    const source = statement.type === 'import_statement' ? statement.childForFieldName('source') : undefined;
    if (source?.type === 'string' && modules.isProject(source.text.slice(1, -1))) {
      for (const id of statement.descendantsOfType('identifier')) if (id) names.add(id.text);
    }
    if (statement.type === 'lexical_declaration' || statement.type === 'variable_declaration') {
      for (const declarator of statement.namedChildren) {
        const module = declarator?.type === 'variable_declarator' ? requiredModule(declarator.childForFieldName('value')) : undefined;
        if (module === undefined || !modules.isProject(module)) continue;
        for (const id of declarator.childForFieldName('name')?.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern']) ?? []) if (id) names.add(id.text);
        const bound = declarator.childForFieldName('name');
        if (bound?.type === 'identifier') names.add(bound.text);
      }
    }
  }
  // One pass over the file's typed and constructed bindings (a query, not a walk of every node).
  for (const match of receiverQuery(semantics.tree).matches(semantics.root)) {
    const variable = match.captures.find((c) => c.name === 'var')?.node;
    const type = match.captures.find((c) => c.name === 'type')?.node;
    if (!variable || !type) continue;
    const named = type.type === 'new_expression' ? type.childForFieldName('constructor') : typeBody(type);
    const head = named?.type === 'generic_type' ? named.childForFieldName('name') : named;
    if (head && names.has(head.text)) names.add(variable.text);
  }
  return names;
}
