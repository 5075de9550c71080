// The project's call graph, for context: which of the project's functions call which (each file's calls, resolved as
// following calls resolves them), the reverse edges, and hot / cold / unknown carried down from the entry points.
// Built once per package and kept (the CLI's run, the language server's session); a changed file's units are made again.
import type { Node, Tree } from 'web-tree-sitter';
import { languageFamilyOfPath, languageFromPath } from '../parser';
import { ownSummary, PythonProject } from '../project/followPython';
import { blockingLookup, lookupKey } from '../catalog/blocking';
import { commonJsExportedObject, leadsToProject, projectTarget as tsProjectTarget, packageFileSummary, TsConfigs, tsFunctionKey, tsProject, TsProject } from '../project/followTs';
import { cacheKey, dirname, hasSummary, MAX_FOLLOWED_CHARS, memberOf, primeSummary, summariesOf, withParsed, type CallTarget, type ProjectView } from '../project/project';
import type { StoredSummary } from '../project/packed';
import { dict } from '../dict';
import { callTarget, functionKey, summarisePython } from '../project/pythonSummary';
import { PythonSemantics } from '../python/semantics';
import type { AnalysisContext } from '../analysis';
import { pythonFunctionFacts, pythonPathCold, pythonPathCondition } from '../effects/pythonPaths';
import { tsFunctionFacts, tsPathCondition } from '../effects/tsPaths';
import { lineOf, rangeOf, startOf } from '../text';
import { MAX_NESTING } from '../locate';
import { FUNCTION_TYPES, isAsyncFunction, TsSemantics, unwrap } from '../ts/semantics';
import { comparePositions, defaultSettings, type Language, type Range } from '../types';
import { fileIndex } from './fileIndex';
import { callStartsWork, callTypes, type OwnAwaits, enclosingFunction, inSignalHandler, signalHandlers, startedAndLeftRunning, usedOnlyBySignalHandlers, where, startedPerIterationWithoutWaiting, lifecycleUse, returnedFunction, ownContext, PY_STARTS_CONCURRENT_WORK, unwrapUp, pythonHotUse, pythonTaskStarter, TS_STARTS_CONCURRENT_WORK, tsCombinatorAround, tsHotUse } from './entries';
import type { ConcurrencyContext, ContextSource } from './types';

/** What an entry point shows, as plain data. */
export interface Evidence { kind: 'hot' | 'cold'; message: string; range: Range; test?: boolean }

/** A piece of code that runs as a whole: a function, or a module's top-level code (id ''). */
export interface Unit {
  /** The function's key ('f', 'Class.m'), `@row:col` for one without a key, '' for module-level code. */
  id: string;
  /** For messages: the function's name, or where it starts. */
  name: string;
  own?: Evidence;
  /** The enclosing function's unit (a closure runs when, and beside what, its function does). */
  parent?: string;
  /** It starts work that keeps running beside it (a server, tasks, listeners): never cold by its callers. */
  startsWork?: boolean;
  /** Calls of the project's functions: what the callee names, its node id (`path#key`) once resolved, where, and whether it runs as a task. */
  calls: { target: CallTarget; to?: string; range: Range; task?: boolean; perPass?: boolean; member?: string; rare?: boolean; callback?: boolean; self?: boolean; leftRunning?: Range }[];
  /** Method calls on receivers of unknown type (`self.contents_manager.rename(...)`): the method's name, where. */
  members?: { name: string; range: Range; task?: boolean; rare?: boolean }[];
  /** An async function (TS/JS): a call of it that is not awaited leaves it running. */
  async?: boolean;
  /** An async function's first `await` of its own: its code before runs within its caller's turn. */
  firstAwait?: Range;
  /** Ids of the functions it returns (`return async (req, res) => ...`, `return handler`): what registering its result registers. */
  returns?: string[];
  /** A signal handler or a function in one: it runs when the process is interrupted or stopped, and carries nothing hot. */
  signal?: true;
  /**
   * TS/JS: the property it is handed out under in an object literal a function returns or a module exports
   * (`return { init, queueEvent }`, `module.exports = { addModule: async function () {} }`): a method by another name.
   */
  exposed?: string;
  /** A method of a class with bases: where its name is (it may override a base's method, resolved with the package). */
  method?: Range;
  /** Once resolved: the base classes' methods it overrides (a call of one of them may run it). */
  overrides?: string[];
}

/** A file's units, and the functions it registers by reference elsewhere (`app.get('/', handlers.list)`). */
export interface FileUnits {
  units: Unit[];
  /** `factory`: the registered value is what the target returns (`app.use(logger(options))`), not the target itself. */
  registrations: { target: CallTarget; to?: string; own: Evidence; factory?: boolean }[];
  /** The key of the file's summary this computation stored (another worker takes it with the units). */
  summaryKey?: string;
}

const START: Range = { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };

/** The id a function's unit has: its key, or where it starts. */
export function unitId(fn: Node, language: Language): string {
  const key = language === 'python' ? functionKey(fn) : tsFunctionKey(fn);
  return key !== undefined && (language === 'python' || !keyTakenFrom(fn, key)) ? key : `@${startOf(fn).line}:${startOf(fn).column}`;
}

/** Declarations of a name looked at when deciding which function of that name owns its key, at most. */
const MAX_SAME_NAMED = 64;

/**
 * A TS/JS function nested in another is keyed by its bare name (`handler`), as a module-level one is. When the module
 * declares a function of that name too, or an earlier nested function does, that one owns the key and this one is
 * found by its position: one `handler`'s callers and context are not another's.
 */
function keyTakenFrom(fn: Node, key: string): boolean {
  if (key.includes('.') || !enclosingFunction(fn, 'typescript')) return false;
  const root = fn.tree.rootNode;
  const offsets = fileIndex(root).uses.get(key) ?? [];
  for (let i = 0; i < offsets.length && i < MAX_SAME_NAMED; i++) {
    const name = root.descendantForIndex(offsets[i], offsets[i] + key.length);
    const parent = name?.parent;
    let other: Node | null | undefined;
    if (parent?.type === 'function_declaration' || parent?.type === 'generator_function_declaration') other = parent.childForFieldName('name')?.id === name!.id ? parent : undefined;
    else if (parent?.type === 'variable_declarator' && parent.childForFieldName('name')?.id === name!.id) other = unwrap(parent.childForFieldName('value'));
    if (!other || other.id === fn.id || !FUNCTION_TYPES.has(other.type) || tsFunctionKey(other) !== key) continue;
    if (!enclosingFunction(other, 'typescript') || other.startIndex < fn.startIndex) return true;
  }
  return false;
}

function evidenceOf(context: ConcurrencyContext): Evidence | undefined {
  if (context.kind === 'unknown' || !context.evidence) return undefined;
  return { kind: context.kind, message: context.evidence.message, range: context.evidence.range, ...(context.test ? { test: true } : {}) };
}

/** What a file's summary and units depend on besides its path and text: the catalogue, and TS/JS's tsconfig paths. */
function unitVariant(path: string, python: boolean, pkg: PackageView): string {
  if (python) return lookupKey(defaultSettings);
  const paths = pkg.configs.tsPaths(dirname(path));
  return `${lookupKey(defaultSettings)}\n${paths ? JSON.stringify(paths) : ''}`;
}

/** The file's units, computed from its tree (plain data: kept across analyses and files). */
export function unitsOf(
  tree: Tree, language: Language, path: string, text: string, readFile: (path: string) => string | undefined, pkg: PackageView | undefined,
  semantics?: Pick<ContextSource, 'python' | 'ts'>, within?: Node, projectNames?: ReadonlySet<string>,
): FileUnits {
  const root = tree.rootNode;
  // `within`: one function's units (it and the functions nested in it) only, nothing stored: what an edit in it may change.
  const scope = within ?? root;
  const python = language === 'python';
  let pythonNames: PythonSemantics | undefined;
  let tsNames: TsSemantics | undefined;
  // The analysed file's own semantics when given: its summary is then the one its rules already built.
  const source: ContextSource = {
    language, root, text, path, readFile,
    python: semantics?.python ?? (() => (pythonNames ??= new PythonSemantics(tree))),
    ts: semantics?.ts ?? (() => (tsNames ??= new TsSemantics(tree))),
  };
  // The names calls may reach the project through (TS/JS), as following calls finds them from this file, and the file's
  // summary from this tree: resolving calls into it then reads it without parsing it again. The analysed file's come
  // from its rules' own view (one summary per analysis); another file's are built once, together.
  const lookup = blockingLookup(defaultSettings);
  let names: ReadonlySet<string> | undefined;
  let summaryKey: string | undefined;
  if (within || !pkg) {
    if (!python) names = projectNames ?? (semantics?.ts ? tsProject({ language, tree, root, text, path, readFile, settings: defaultSettings, python: source.python, ts: source.ts } as unknown as AnalysisContext).names : undefined);
  } else {
    const variant = unitVariant(path, python, pkg);
    // The analysed file's summary is the one its rules read (its details computed once, whoever asks first).
    if (python) summaryKey = primeSummary(path, text, variant, () => (semantics?.python ? ownSummary(source.python!(), { settings: defaultSettings }) : summarisePython(source.python!(), lookup)), !!semantics?.python);
    else if (semantics?.ts) {
      const rule = { language, tree, root, text, path, readFile, settings: defaultSettings, python: source.python, ts: source.ts, report: () => undefined } as unknown as AnalysisContext;
      const own = tsProject(rule);
      names = own.names;
      summaryKey = primeSummary(path, text, variant, () => own.own, true);
    } else {
      const built = packageFileSummary(source.ts!(), lookup, pkg.configs.projectSpecifiers(dirname(path)));
      names = built.names;
      summaryKey = primeSummary(path, text, variant, () => built.summary);
    }
  }
  const moduleUnit: Unit = { id: '', name: 'module-level code', own: { kind: 'cold', message: 'the module runs it once, when it is imported', range: START }, calls: [] };
  const units: Unit[] = [moduleUnit];
  const byNode = new Map<number, Unit>();
  const ids = new Set<string>();
  // One walk of the tree for the functions, calls, awaits and returns (each list in source order): a walk visits every
  // node, so one costs what each of four would.
  const { functions, calls: allCalls, awaits, returns: returnStatements } = unitNodes(scope, python);
  const nested = nesting(functions, allCalls, python ? PY_STARTS_CONCURRENT_WORK : TS_STARTS_CONCURRENT_WORK);
  // Each async function's first await of its own: one pass over the file's awaits, in source order.
  const firstAwaits = new Map<number, Range>();
  // Each function's own awaits, in source order (what a call it leaves running runs beside).
  const ownAwaits = new Map<number, OwnAwaits>();
  if (!python) {
    const owners = innermostFunctions(functions, awaits);
    for (const awaited of awaits) {
      const owner = owners.get(awaited.id);
      if (!owner) continue;
      if (!firstAwaits.has(owner.id)) firstAwaits.set(owner.id, rangeOf(awaited));
      let own = ownAwaits.get(owner.id);
      if (!own) ownAwaits.set(owner.id, own = { fn: owner, awaits: [], starts: [] });
      own.awaits.push(awaited);
      own.starts.push(awaited.startIndex);
    }
  }
  // Signal handlers (`signal.signal(SIGINT, on_interrupt)`, `loop.add_signal_handler(SIGTERM, stop)`) and the functions
  // in them run when the process is interrupted or told to stop: once, at its end, not beside its ordinary work.
  const signalled = python ? signalHandlers(source) : new Map<number, Node>();
  for (const fn of functions) {
    let id = unitId(fn, language);
    if (ids.has(id)) id = `@${startOf(fn).line}:${startOf(fn).column}`;
    ids.add(id);
    const outer = nested.owner.get(fn.id);
    // Registered as a signal handler, nested in one, or (a nested function) used only by one.
    const signal = signalled.get(fn.id) ?? (outer && byNode.get(outer.id)?.signal ? outer : undefined) ?? (python && outer && signalled.size ? usedOnlyBySignalHandlers(fn, source) : undefined);
    const own = signal ? { kind: 'cold' as const, message: `it runs when the process receives a signal (handled at ${where(source, signal)}), to stop or clean up`, range: rangeOf(signal) } : evidenceOf(ownContext(fn, source));
    const startsWork = nested.startsWork.has(fn.id);
    const method = !id.startsWith('@') ? methodOfDerivedClass(fn, python) : undefined;
    const unit: Unit = { id, name: id.startsWith('@') ? `the function at line ${lineOf(fn) + 1}` : id, ...(own ? { own } : {}), ...(startsWork ? { startsWork } : {}), ...(!python && isAsyncFunction(fn) ? { async: true, ...(firstAwaits.has(fn.id) ? { firstAwait: firstAwaits.get(fn.id)! } : {}) } : {}), ...(outer && byNode.has(outer.id) ? { parent: byNode.get(outer.id)!.id } : {}), ...(method ? { method } : {}), ...(signal ? { signal: true } : {}), calls: [] };
    // A test module's top-level code is test code too.
    if (own?.test) moduleUnit.own = own;
    byNode.set(fn.id, unit);
    units.push(unit);
  }
  const registrations: FileUnits['registrations'] = [];
  // Resolved once every file of the package is summarised (resolve below): no file is parsed twice.
  const resolve = (callee: Node): CallTarget | undefined => {
    if (names && !leadsToProject(callee, names)) return undefined;
    if (python) return callTarget(source.python!(), callee);
    const target = tsProjectTarget(source.ts!(), callee);
    // A nested function whose bare key another function owns is a unit of its own (by position) and has its context from
    // the function it is nested in: a call its name resolves to there is no edge to the key's owner.
    if (target?.kind !== 'local' || target.key.includes('.')) return target;
    const resolved = source.ts!().resolve(callee);
    const own = resolved?.kind === 'local' ? byNode.get(resolved.node.id) : undefined;
    return own && own.id !== target.key ? undefined : target;
  };
  for (const call of allCalls) {
    if (call.type === 'new_expression') continue;
    const callee = call.childForFieldName('function');
    if (!callee) continue;
    const owner = nested.owner.get(call.id);
    const unit = owner ? byNode.get(owner.id) ?? moduleUnit : moduleUnit;
    const target = resolve(callee);
    // A call in a signal handler (a lambda registered as one, in a function that is no handler) runs once, at the end.
    let inHandlerMemo: boolean | undefined;
    const inHandler = () => (inHandlerMemo ??= python && signalled.size > 0 && inSignalHandler(call, source));
    const task = () => (python ? pythonTaskStarter(call, source.python!()) !== undefined && !inHandler() : tsCombinatorAround(call, source.ts!()) !== undefined);
    // A method's name, for when the receiver's type is unknown (the call may then not resolve).
    const name = callee.type === (python ? 'attribute' : 'member_expression') ? callee.childForFieldName(python ? 'attribute' : 'property')?.text : undefined;
    const member = name && !COMMON_METHODS.has(name) && !name.startsWith('__') ? name : undefined;
    // Asked only of the calls kept: the path's tests are the costly part.
    let rareMemo: boolean | undefined;
    const rare = () => (rareMemo ??= unit.signal === true || inHandler() || onRarePath(call, owner, source));
    if (target) {
      const started = task();
      // Started on every pass of a loop without waiting: its runs overlap, when it is async (known once resolved).
      const perPass = !python && !started && startedPerIterationWithoutWaiting(call) !== undefined;
      // Started, left running while the caller awaits other work: it runs beside that work, when it is async.
      const leftRunning = !python && !started && !perPass && owner !== undefined ? startedAndLeftRunning(call, ownAwaits.get(owner.id) ?? { fn: owner, awaits: [], starts: [] }) : undefined;
      const onSelf = callee.type === (python ? 'attribute' : 'member_expression') && receiverIsSelf(callee.childForFieldName('object'), python);
      unit.calls.push({ target, range: rangeOf(callee), ...(started ? { task: started } : {}), ...(perPass ? { perPass } : {}), ...(leftRunning ? { leftRunning: rangeOf(leftRunning) } : {}), ...(member ? { member } : {}), ...(rare() ? { rare: true } : {}), ...(onSelf ? { self: true } : {}) });
    } else if (member) {
      const started = task();
      (unit.members ??= []).push({ name: member, range: rangeOf(callee), ...(started ? { task: started } : {}), ...(rare() ? { rare: true } : {}) });
    }
    // Functions handed to a framework by name: `app.get('/', list)`, `app.on_startup.append(init)`; or made by a factory
    // whose result is handed over: `app.use(logger(options))` registers the function `logger` returns.
    for (const argument of call.childForFieldName('arguments')?.namedChildren ?? []) {
      const value = argument?.type === 'keyword_argument' ? argument.childForFieldName('value') : argument;
      const factory = value?.type === (python ? 'call' : 'call_expression');
      if (!value || !(factory || value.type === 'identifier' || value.type === 'attribute' || value.type === 'member_expression')) continue;
      // Which of the project's functions the value names, first: what hands over anything else changes nothing here.
      const named = factory ? value.childForFieldName('function') : value;
      const target = named ? resolve(named) : undefined;
      if (!target) continue;
      const registered = python ? pythonHotUse(value, source, source.python!()) ?? (factory ? undefined : lifecycleUse(value, source)) : tsHotUse(value, value, source, source.ts!());
      const own = registered && evidenceOf(registered);
      if (own) registrations.push({ target, own, ...(factory ? { factory } : {}) });
      // Any other function handed over by reference (`adapter.process(activity, bot.on_turn)`, `items.forEach(save)`):
      // it runs for the code it is handed to, in the same program as the code that hands it over.
      else if (!factory) unit.calls.push({ target, range: rangeOf(value), callback: true, ...(rare() ? { rare: true } : {}) });
    }
  }
  // What each function returns, when that is one of the file's functions: one pass over the file's returns.
  const returnOwners = innermostFunctions(functions, returnStatements);
  for (const statement of returnStatements) {
    const owner = returnOwners.get(statement.id);
    const value = statement.namedChildren.find((c) => c?.type !== 'comment');
    const unit = owner && byNode.get(owner.id);
    const returned = value && owner && returnedFunction(value, owner, python);
    const returnedUnit = returned && byNode.get(returned.id);
    if (unit && returnedUnit && !(unit.returns ??= []).includes(returnedUnit.id)) unit.returns.push(returnedUnit.id);
  }
  // Functions handed out as an object's properties: returned (`return { init, queueEvent }`) or exported.
  if (!python) {
    for (const { fn, property } of exposedFunctions(scope, returnStatements, source.ts!())) {
      const unit = byNode.get(fn.id);
      if (unit && unit.exposed === undefined && !COMMON_METHODS.has(property)) unit.exposed = property;
    }
  }
  return { units: within ? units.slice(1) : units, registrations, ...(summaryKey !== undefined ? { summaryKey } : {}) };
}

/** The function, call, await (TS/JS) and return nodes in `scope`, each list in source order: one walk of the tree. */
function unitNodes(scope: Node, python: boolean): { functions: Node[]; calls: Node[]; awaits: Node[]; returns: Node[] } {
  const functionTypes: ReadonlySet<string> = python ? PY_FUNCTION_TYPES : FUNCTION_TYPES;
  const callTypeSet = new Set(callTypes(python ? 'python' : 'typescript'));
  const found = { functions: [] as Node[], calls: [] as Node[], awaits: [] as Node[], returns: [] as Node[] };
  const types = [...functionTypes, ...callTypeSet, 'return_statement', ...(python ? [] : ['await_expression'])];
  for (const node of scope.descendantsOfType(types)) {
    if (!node) continue;
    const type = node.type;
    // Named nodes only: JavaScript's `function` keyword is an anonymous token of the same type name as a function.
    if (functionTypes.has(type)) {
      if (node.isNamed) found.functions.push(node);
    } else if (callTypeSet.has(type)) found.calls.push(node);
    else if (type === 'return_statement') found.returns.push(node);
    else found.awaits.push(node);
  }
  return found;
}

const PY_FUNCTION_TYPES: ReadonlySet<string> = new Set(['function_definition']);

/**
 * Functions an object literal hands out by property (`{ f, g: h, k: () => ..., m() {} }`), when the object leaves its
 * scope: a function returns it, or the module exports it (`module.exports = {...}`, `export default {...}`). A
 * property naming a function is resolved as a name where it is written.
 */
function exposedFunctions(scope: Node, returnStatements: readonly Node[], semantics: TsSemantics): { fn: Node; property: string }[] {
  const found: { fn: Node; property: string }[] = [];
  const objects: Node[] = [];
  const returnedObject = (statement: Node) => {
    const value = unwrap(statement.namedChildren.find((c) => c?.type !== 'comment'));
    if (value?.type === 'object') objects.push(value);
  };
  for (const statement of returnStatements) returnedObject(statement);
  const root = scope.tree.rootNode;
  if (scope.id === root.id) {
    for (const statement of root.namedChildren) {
      const object = statement ? exportedObject(statement) : undefined;
      if (object) objects.push(object);
    }
  } else {
    // One function's units (an edit's): the object around it that hands it out, if any. Bounded by the tree's depth.
    for (let outer = scope.parent, steps = 0; outer && steps < MAX_NESTING * 8; outer = outer.parent, steps++) {
      if (outer.type !== 'object') continue;
      const holder = unwrapUp(outer).holder;
      if (holder?.type === 'return_statement') returnedObject(holder);
      const top = root.namedChildren.find((statement) => statement && statement.startIndex <= outer.startIndex && outer.endIndex <= statement.endIndex);
      if (top && exportedObject(top)?.id === outer.id) objects.push(outer);
    }
  }
  for (const object of objects) {
    for (const property of object.namedChildren) {
      if (!property) continue;
      const key = property.type === 'method_definition' ? property.childForFieldName('name')
        : property.type === 'pair' ? property.childForFieldName('key') : property.type === 'shorthand_property_identifier' ? property : null;
      const name = key?.type === 'property_identifier' || key?.type === 'shorthand_property_identifier' ? key.text : undefined;
      if (!name) continue;
      const value = property.type === 'pair' ? unwrap(property.childForFieldName('value')) : property;
      let fn: Node | undefined;
      if (property.type === 'method_definition' || (value && FUNCTION_TYPES.has(value.type))) fn = value;
      else if (value?.type === 'identifier' || value?.type === 'shorthand_property_identifier') {
        const resolved = semantics.resolveNameAt(value.text, value);
        fn = resolved?.kind === 'local' && FUNCTION_TYPES.has(resolved.node.type) ? resolved.node : undefined;
      }
      if (fn && scope.startIndex <= fn.startIndex && fn.endIndex <= scope.endIndex) found.push({ fn, property: name });
    }
  }
  return found;
}

/** The object a top-level statement exports: `module.exports = {...}`, `const api = module.exports = {...}`, `export default {...}`. */
function exportedObject(statement: Node): Node | undefined {
  if (statement.type === 'export_statement' && statement.children.some((c) => c?.type === 'default')) {
    const value = unwrap(statement.childForFieldName('value') ?? statement.namedChildren.find((c) => c?.type === 'object'));
    return value?.type === 'object' ? value : undefined;
  }
  return commonJsExportedObject(statement);
}

/** `self.m()`, `cls.m()`, `super().m()`, `this.m()`, `super.m()`: a call on the object the method runs for. */
function receiverIsSelf(object: Node | null, python: boolean): boolean {
  if (!object) return false;
  if (python) return (object.type === 'identifier' && (object.text === 'self' || object.text === 'cls')) || (object.type === 'call' && object.childForFieldName('function')?.text === 'super');
  return object.type === 'this' || object.type === 'super';
}

/**
 * The methods a method of a derived class overrides: what each of its class's bases has or inherits under its name
 * (every base, a mixin's too), as node ids.
 */
function overriddenMethods(unit: Unit, idOf: (target: CallTarget) => string | undefined, classes: Record<string, CallTarget[]> | undefined, self: string): string[] | undefined {
  const dot = unit.id.lastIndexOf('.');
  // A constructor overrides nothing a call could dispatch to: `Base()` makes a Base, and `super().__init__()` runs the
  // base's from the class being made, never another subclass's.
  if (CONSTRUCTORS.has(unit.id.slice(dot + 1))) return undefined;
  const bases = unit.method && dot > 0 && classes && Object.hasOwn(classes, unit.id.slice(0, dot)) ? classes[unit.id.slice(0, dot)] : undefined;
  const found = new Set<string>();
  for (const base of bases ?? []) {
    const id = idOf(memberOf(base, unit.id.slice(dot + 1)));
    if (id && id !== self) found.add(id);
  }
  return found.size ? [...found] : undefined;
}

const CONSTRUCTORS: ReadonlySet<string> = new Set(['__init__', '__new__', 'constructor']);

/** The range of a method's name when its class names bases (`class Sub(Base):`, `class Sub extends Base`): it may override. */
function methodOfDerivedClass(fn: Node, python: boolean): Range | undefined {
  let holder = fn.parent;
  if (python && holder?.type === 'decorated_definition') holder = holder.parent;
  const cls = python ? (holder?.type === 'block' ? holder.parent : undefined) : (holder?.type === 'class_body' ? holder.parent : undefined);
  if (!cls || !(python ? cls.type === 'class_definition' && cls.childForFieldName('superclasses')?.namedChildren.some((b) => b?.type !== 'keyword_argument')
    : (cls.type === 'class_declaration' || cls.type === 'class' || cls.type === 'abstract_class_declaration') && cls.namedChildren.some((c) => c?.type === 'class_heritage'))) return undefined;
  const name = fn.childForFieldName('name');
  return name ? rangeOf(name) : undefined;
}

/**
 * Which function each function and call sits in (the innermost enclosing one), and which functions make a call that
 * starts work (startsConcurrentWork, in them or in their closures): one pass over both lists, in source order, instead
 * of a climb through parents per call and a search per function. A node's range holds its descendants' ranges, so
 * the functions still open at a node are its enclosing ones. Bounded by the two lists' lengths and the nesting depth.
 */
function nesting(functions: readonly Node[], calls: readonly Node[], starters: ReadonlySet<string>): { owner: Map<number, Node>; startsWork: Set<number> } {
  const owner = new Map<number, Node>();
  const startsWork = new Set<number>();
  const open: Node[] = [];
  let f = 0;
  let c = 0;
  // Source (pre-)order: by start, an enclosing node (the longer) first.
  const before = (a: Node, b: Node) => a.startIndex < b.startIndex || (a.startIndex === b.startIndex && a.endIndex >= b.endIndex);
  while (f < functions.length || c < calls.length) {
    const isFunction = c >= calls.length || (f < functions.length && before(functions[f], calls[c]));
    const node = isFunction ? functions[f++] : calls[c++];
    while (open.length && !(open[open.length - 1].startIndex <= node.startIndex && node.endIndex <= open[open.length - 1].endIndex)) open.pop();
    if (open.length) owner.set(node.id, open[open.length - 1]);
    if (isFunction) open.push(node);
    else if (callStartsWork(node, starters)) for (const fn of open) startsWork.add(fn.id);
  }
  return { owner, startsWork };
}

/**
 * For `nodes` in source order, the innermost of `functions` (source order, as a search of the tree gives them) whose
 * range holds each: ranges nest, so one pass with a stack of the functions still open answers every node.
 */
export function innermostFunctions(functions: readonly Node[], nodes: readonly Node[]): Map<number, Node> {
  const owner = new Map<number, Node>();
  const open: { fn: Node; end: number }[] = [];
  let next = 0;
  for (const node of nodes) {
    const at = node.startIndex;
    for (; next < functions.length && functions[next].startIndex <= at; next++) {
      const fn = functions[next];
      while (open.length && open[open.length - 1].end <= fn.startIndex) open.pop();
      open.push({ fn, end: fn.endIndex });
    }
    while (open.length && open[open.length - 1].end <= at) open.pop();
    if (open.length) owner.set(node.id, open[open.length - 1].fn);
  }
  return owner;
}

/**
 * Method names that built-in and library objects have too (containers, strings, streams, promises, events, threads):
 * a call of one says nothing about which of the project's methods runs.
 */
const COMMON_METHODS = new Set([
  'get', 'set', 'put', 'pop', 'push', 'update', 'append', 'extend', 'add', 'remove', 'discard', 'insert', 'delete', 'has',
  'keys', 'values', 'items', 'entries', 'copy', 'clear', 'count', 'index', 'sort', 'reverse', 'join', 'split', 'strip',
  'replace', 'format', 'encode', 'decode', 'startswith', 'endswith', 'lower', 'upper', 'read', 'write', 'close', 'open',
  'flush', 'seek', 'send', 'recv', 'run', 'start', 'stop', 'wait', 'result', 'cancel', 'done', 'then', 'catch', 'finally',
  'map', 'filter', 'reduce', 'forEach', 'find', 'some', 'every', 'includes', 'slice', 'splice', 'concat', 'toString',
  'emit', 'on', 'once', 'off', 'call', 'apply', 'bind', 'next', 'info', 'debug', 'warning', 'warn', 'error', 'exception',
  'log', 'acquire', 'release', 'submit', 'shutdown', 'execute', 'fetchone', 'fetchall', 'commit', 'rollback', 'json',
  'text', 'load', 'loads', 'dump', 'dumps', 'parse', 'stringify', 'resolve', 'reject', 'exists', 'match', 'search', 'test',
  // Life-cycle methods: SDK clients, pools, toolkits and connections have them too.
  'init', 'initialize', 'setup', 'connect', 'disconnect', 'dispose', 'destroy', 'reset',
]);
/** A method name defined by more of the package's classes than this says too little about which one a call runs. */
const MAX_METHODS_BY_NAME = 8;

/** Enclosing nodes looked through for an `except`/`catch` clause at most. */
const MAX_HANDLER_DEPTH = 64;

/** The call sits in an `except`/`catch` clause of its own function: it runs only when something failed. */
function inErrorHandler(call: Node, owner: Node | undefined, python: boolean): boolean {
  let current = call.parent;
  for (let depth = 0; current && current.id !== owner?.id && depth < MAX_HANDLER_DEPTH; depth++, current = current.parent) {
    if (current.type === (python ? 'except_clause' : 'catch_clause')) return true;
  }
  return false;
}

/**
 * The call sits on a rare path of its own function, as the effects layer's path conditions tell one: an `except`/`catch`,
 * a guard that lets it run once (`if not self._ready: ...; self._ready = True`, a memo, `@cache`), a debug branch. Its
 * function then runs it when something failed, once, or when debugging: not beside every run of the caller.
 */
function onRarePath(call: Node, owner: Node | undefined, source: ContextSource): boolean {
  const python = source.language === 'python';
  // Python's shortcut climbs every block between the call and its function's body, as the full climb does: an
  // `except` among them makes it cold, so when it can tell, the handler search below would add nothing.
  const quick = python && owner ? pythonPathCold(call, pythonFunctionFacts(owner)) : undefined;
  if (quick !== undefined) return quick !== null;
  if (inErrorHandler(call, owner, python)) return true;
  if (!owner) return false;
  if (python) return pythonPathCondition(source.python!(), call, pythonFunctionFacts(owner))?.cold !== undefined;
  return tsPathCondition(call, tsFunctionFacts(owner))?.cold !== undefined;
}

/** A unit's method calls that did not resolve to one of the project's functions, by name. */
function unresolvedMembers(unit: Unit): NonNullable<Unit["members"]> {
  const out = [...(unit.members ?? [])];
  for (const call of unit.calls) if (!call.to && call.member) out.push({ name: call.member, range: call.range, ...(call.task ? { task: true } : {}), ...(call.rare ? { rare: true } : {}) });
  return out;
}

/** A function's context as the graph gives it: by its id in its file. */
interface Verdict { context: ConcurrencyContext; test?: boolean }

/** Enclosing functions climbed from a closure to see whether it sits in a function, at most. */
const MAX_ENCLOSING = 64;
/** How many calls deep hot evidence is carried from an entry point (a handler's helper's helper ...). */
const MAX_HOT_DEPTH = 12;
/** Rounds of "every caller is cold" at most (each round is one pass over the nodes). */
const MAX_COLD_ROUNDS = 12;

function shortWhy(message: string): string {
  const colon = message.indexOf(': ');
  return colon > 0 ? message.slice(0, colon) : message;
}

/** Where a node id's key starts: after the last `#` that is no private name's (`path#Class.#method`). */
function keyStart(id: string): number {
  let hash = id.lastIndexOf('#');
  // One step back per private name in the key: bounded by the id's length.
  while (hash > 0 && id[hash - 1] === '.') hash = id.lastIndexOf('#', hash - 1);
  return hash + 1;
}

function fileOf(id: string): string {
  return id.slice(0, keyStart(id) - 1);
}

function located(path: string, range: Range): string {
  return `${path.slice(path.lastIndexOf('/') + 1)}:${range.start.line + 1}`;
}

/** The call graph of one package (one language family), with every function's context computed once. */
export class ContextGraph {
  private readonly verdicts = new Map<string, Verdict>();
  /** Functions their enclosing function returns: they run later, for whatever calls them, not when it runs. */
  private readonly returned = new Set<string>();

  constructor(files: ReadonlyMap<string, FileUnits>) {
    const units = new Map<string, Unit>();
    const callers = new Map<string, { from: string; range: Range }[]>();
    const children = new Map<string, string[]>();
    const addCaller = (to: string, from: string, range: Range) => {
      const list = callers.get(to);
      if (list) list.push({ from, range });
      else callers.set(to, [{ from, range }]);
    };
    const returned = this.returned;
    for (const [path, file] of files) {
      for (const unit of file.units) {
        const id = `${path}#${unit.id}`;
        units.set(id, unit);
        for (const made of unit.returns ?? []) returned.add(`${path}#${made}`);
        if (unit.parent !== undefined) {
          const parent = `${path}#${unit.parent}`;
          const list = children.get(parent);
          if (list) list.push(id);
          else children.set(parent, [id]);
        }
      }
    }
    // Each method's overrides in derived classes: a call of it may run any of them (the receiver may be one).
    const overriders = new Map<string, { id: string; range: Range }[]>();
    for (const [id, unit] of units) {
      for (const base of unit.overrides ?? []) {
        const list = overriders.get(base);
        const entry = { id, range: unit.method! };
        if (list) list.push(entry);
        else overriders.set(base, [entry]);
      }
    }
    // Methods by name ('Class.m' keys, and functions handed out as an object's properties), for method calls on
    // receivers of unknown type.
    const methodsByName = new Map<string, string[]>();
    for (const [id, unit] of units) {
      const key = id.slice(keyStart(id));
      const dot = key.lastIndexOf('.');
      const name = dot > 0 && !key.startsWith('@') ? key.slice(dot + 1) : unit.exposed;
      if (name === undefined) continue;
      const list = methodsByName.get(name);
      if (list) list.push(id);
      else methodsByName.set(name, [id]);
    }
    const byName = (name: string): readonly string[] => {
      const found = methodsByName.get(name);
      return found && found.length <= MAX_METHODS_BY_NAME ? found : [];
    };
    /** `id` is the function `fn` or a closure in it (up its enclosing functions, a bounded climb). */
    const withinFunction = (id: string, fn: string): boolean => {
      for (let at: string | undefined = id, steps = 0; at !== undefined && steps < MAX_ENCLOSING; steps++) {
        if (at === fn) return true;
        const parent: string | undefined = units.get(at)?.parent;
        at = parent === undefined ? undefined : `${fileOf(at)}#${parent}`;
      }
      return false;
    };
    const seeds: { id: string; context: ConcurrencyContext; test?: boolean }[] = [];
    for (const [path, file] of files) {
      // A test's tasks and handlers run beside that test only: test code seeds nothing hot.
      const testFile = file.units[0]?.own?.test === true;
      for (const unit of file.units) {
        const id = `${path}#${unit.id}`;
        if (unit.own) seeds.push({ id, context: { kind: unit.own.kind, evidence: { message: unit.own.message, range: unit.own.range, path } }, ...(unit.own.test ? { test: true } : {}) });
        for (const call of unit.calls) {
          if (!call.to || !units.has(call.to)) continue;
          // A callback runs when the code it is handed to calls it, perhaps later: it carries hot, not cold.
          if (!call.callback) addCaller(call.to, id, call.range);
          // A function that starts runs of itself (a recursive scan under Promise.all) runs beside those runs only:
          // the same piece of work, not other work of the program. Its callers decide its context.
          if (withinFunction(id, call.to)) continue;
          // A coroutine started as a task runs beside its starter and the other tasks.
          if (call.task && !testFile && !unit.own?.test && !unit.signal) seeds.push({ id: call.to, context: { kind: 'hot', evidence: { message: `runs concurrently with other tasks: started at ${located(path, call.range)}`, range: call.range, path } } });
          // Only its code after its own first await runs beside the caller's later work; before, it is the caller's turn.
          const firstAwait = call.leftRunning ? units.get(call.to)!.firstAwait : undefined;
          if (call.leftRunning && firstAwait && units.get(call.to)!.async && !testFile && !unit.own?.test) seeds.push({ id: call.to, context: { kind: 'hot', evidence: { message: `runs beside the code that started it: started at ${located(path, call.range)} and left running while \`${unit.name}\` awaits other work (line ${call.leftRunning.start.line + 1})`, range: call.range, path }, after: firstAwait } });
          if (call.perPass && units.get(call.to)!.async && !testFile && !unit.own?.test) seeds.push({ id: call.to, context: { kind: 'hot', evidence: { message: `runs beside its other calls: started on every pass of a loop at ${located(path, call.range)} without waiting for the one before`, range: call.range, path } } });
        }
        for (const member of unresolvedMembers(unit)) {
          if (!member.task || testFile || unit.own?.test || unit.signal) continue;
          for (const to of byName(member.name)) seeds.push({ id: to, context: { kind: 'hot', evidence: { message: `runs concurrently with other tasks: started as \`.${member.name}()\` at ${located(path, member.range)}`, range: member.range, path } } });
        }
      }
      for (const registration of file.registrations) {
        if (testFile && registration.own.kind === 'hot') continue;
        if (!registration.to || !units.has(registration.to)) continue;
        const context = { kind: registration.own.kind, evidence: { message: registration.own.message, range: registration.own.range, path } };
        if (!registration.factory) seeds.push({ id: registration.to, context });
        else for (const returned of units.get(registration.to)!.returns ?? []) seeds.push({ id: `${fileOf(registration.to)}#${returned}`, context });
      }
    }
    // Hot first, breadth-first from every hot entry: each node is marked once, at its shortest distance.
    let frontier: string[] = [];
    for (const seed of seeds) {
      const known = this.verdicts.get(seed.id)?.context;
      // A seed hot as a whole replaces one hot only after a point; otherwise the first wins.
      if (seed.context.kind !== 'hot' || (known?.kind === 'hot' && (!known.after || seed.context.after))) continue;
      this.verdicts.set(seed.id, { context: seed.context });
      if (!known) frontier.push(seed.id);
    }
    const roots = new Map<string, string>();
    for (const id of frontier) roots.set(id, id);
    // Where the object a method runs for may be of any class derived from its own ("open": a call on another object, a
    // task, a callback), a call of a method may run an override; a method that is hot by its own code (a handler of
    // its class) runs for an object of its class, and so do the methods it calls on `self`, which resolve statically.
    const open = new Set<string>();
    for (const id of frontier) if (!units.get(id)!.method || !units.get(id)!.own) open.add(id);
    for (let depth = 0; depth < MAX_HOT_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const from of frontier) {
        const unit = units.get(from)!;
        const root = roots.get(from)!;
        const rootWhy = shortWhy(this.verdicts.get(root)!.context.evidence!.message);
        const rootUnit = units.get(root)!;
        const rootWhere = `\`${rootUnit.name}\` (${located(fileOf(root), this.verdicts.get(root)!.context.evidence!.range)})`;
        const fromOpen = open.has(from);
        // Hot only after a point of its own (an async function left running: after its first await): calls before it
        // run in its caller's turn and carry nothing from this evidence.
        const after = this.verdicts.get(from)!.context.after;
        const carries = (range: Range) => !after || comparePositions(after.start, range.start) < 0;
        // Marks `to` hot from this root: once as hot (hot in part only so far counts as not yet), and at most once more
        // when it is reached for an object of any class (what it calls on `self` may then run overrides).
        const mark = (to: string, toOpen: boolean, evidence: () => { message: string; range: Range; path: string }) => {
          const known = this.verdicts.get(to)?.context;
          if (known?.kind === 'hot' && known.after) this.verdicts.delete(to);
          if (this.verdicts.get(to)?.context.kind === 'hot') {
            if (toOpen && !open.has(to) && roots.has(to)) {
              open.add(to);
              next.push(to);
            }
            return;
          }
          if (toOpen) open.add(to);
          this.verdicts.set(to, { context: { kind: 'hot', evidence: evidence(), inherited: true } });
          roots.set(to, root);
          next.push(to);
        };
        const reach = (to: string, range: Range, asMethod?: string, callback?: boolean, onSelf?: boolean) => {
          // Evidence that starts inside `to` (a closure of its under Promise.all calling it again) shows only its own
          // runs beside each other: the same piece of work. Its callers decide its context.
          if (!units.has(to) || !carries(range) || withinFunction(root, to)) return;
          mark(to, !onSelf || fromOpen, () => {
            const path = fileOf(from);
            const how = asMethod ? ` as \`.${asMethod}()\`` : '';
            const message = callback
              ? (from === root
                ? `is handed over as a callback by \`${unit.name}\` (${located(path, range)}), which ${rootWhy}`
                : `is handed over as a callback by \`${unit.name}\` (${located(path, range)}), which is reached from ${rootWhere}, which ${rootWhy}`)
              : from === root
                ? `is called${how} by \`${unit.name}\` (${located(path, range)}), which ${rootWhy}`
                : `is reached from ${rootWhere} through \`${unit.name}\`${how} (${located(path, range)}), which ${rootWhy}`;
            return { message, range, path };
          });
        };
        // A call on a rare path (when something failed, once per process or object, when debugging) carries nothing hot.
        for (const call of unit.calls) if (call.to && !call.rare) reach(call.to, call.range, undefined, call.callback, call.self && !call.callback);
        // A method call on a receiver of unknown type may run any of the few project methods of that name.
        for (const member of unresolvedMembers(unit)) if (!member.rare) for (const to of byName(member.name)) reach(to, member.range, member.name);
        // A call of a method may run an override of it: the object may be of a derived class.
        for (const override of fromOpen && !after ? overriders.get(from) ?? [] : []) {
          mark(override.id, true, () => {
            const base = `\`${unit.name}\` (${fileOf(from).slice(fileOf(from).lastIndexOf('/') + 1)})`;
            const message = from === root ? `overrides ${base}, which ${rootWhy}` : `overrides ${base}, which is reached from ${rootWhere}, which ${rootWhy}`;
            return { message, range: override.range, path: fileOf(override.id) };
          });
        }
        // A closure defined in hot code runs in that same program, beside the same work.
        for (const child of after ? [] : children.get(from) ?? []) {
          if (this.verdicts.get(child)?.context.kind === 'hot' || units.get(child)?.own) continue;
          if (fromOpen) open.add(child);
          this.verdicts.set(child, { context: { ...this.verdicts.get(from)!.context, inherited: true } });
          roots.set(child, root);
          next.push(child);
        }
      }
      frontier = next;
    }
    // Cold: own cold evidence, then functions every caller of which is cold (tests count only when only tests call).
    for (const seed of seeds) {
      if (seed.context.kind === 'cold' && !this.verdicts.has(seed.id)) this.verdicts.set(seed.id, { context: seed.context, ...(seed.test ? { test: true } : {}) });
    }
    const parentOf = (id: string): string | undefined => {
      const parent = units.get(id)?.parent;
      return parent === undefined ? undefined : `${fileOf(id)}#${parent}`;
    };
    for (let round = 0; round < MAX_COLD_ROUNDS; round++) {
      let changed = false;
      for (const id of units.keys()) {
        if (this.verdicts.has(id) || units.get(id)!.startsWork) continue;
        const parent = parentOf(id);
        // A closure runs once when its function does, unless the function hands it out (a cold factory's middleware).
        const incoming = [...(callers.get(id) ?? []), ...(parent !== undefined && units.get(id)!.id.startsWith('@') && !returned.has(id) ? [{ from: parent, range: START }] : [])];
        if (!incoming.length) continue;
        const nonTest = incoming.filter((c) => !this.verdicts.get(c.from)?.test);
        // Tests exercise a public function on behalf of its users, who are the callers that matter: only a private
        // helper (`_name`) or a closure is cold when tests alone call it.
        const last = units.get(id)!.name.slice(units.get(id)!.name.lastIndexOf('.') + 1);
        const privateName = units.get(id)!.id.startsWith('@') || (last.startsWith('_') && !last.startsWith('__'));
        const considered = nonTest.length ? nonTest : privateName ? incoming : [];
        if (!considered.length || !considered.every((c) => this.verdicts.get(c.from)?.context.kind === 'cold')) continue;
        const first = considered[0];
        const from = this.verdicts.get(first.from)!;
        const path = fileOf(first.from);
        const message = first.range === START
          ? from.context.evidence!.message
          : `it is only called from code that runs once (\`${units.get(id)!.name.startsWith('the function') ? 'it' : units.get(id)!.name}(...)\` at ${located(path, first.range)}: ${from.context.evidence!.message})`;
        this.verdicts.set(id, { context: { kind: 'cold', evidence: { message, range: first.range === START ? from.context.evidence!.range : first.range, path: first.range === START ? from.context.evidence!.path : path } }, ...(from.test && !nonTest.length ? { test: true } : {}) });
        changed = true;
      }
      if (!changed) break;
    }
  }

  /** The function `id` of the file at `path` is returned by the function it sits in (a factory's product). */
  handedOut(path: string, id: string): boolean {
    return this.returned.has(`${path}#${id}`);
  }

  /** The context the graph gives the function `id` of the file at `path`, if any. */
  contextOf(path: string, id: string): ConcurrencyContext | undefined {
    return this.verdicts.get(`${path}#${id}`)?.context;
  }
}

/** Limits of the package's view: it resolves every file's calls, each file summarised once. */
const PACKAGE_LIMITS = { files: 20_000, probes: 200_000, lookups: 2_000_000 };
const NO_FUNCTIONS = { functions: {} };

/** The package as the graph resolves calls in it: one view (each file read and summarised once), and its tsconfig files. */
export interface PackageView { view: ProjectView; configs: TsConfigs }

/** One view for a whole package, so that each file is read and summarised once while every file's calls are resolved. */
function packageView(python: boolean, readFile: (path: string) => string | undefined): PackageView {
  const configs = new TsConfigs(readFile);
  // No file is the view's own: every file is read through `readFile`.
  const rule = { path: '\0package', readFile, settings: defaultSettings } as unknown as AnalysisContext;
  // Classes made here, not at load: the effects layer still imports rule modules that import this one.
  if (python) {
    return {
      configs,
      view: new (class extends PythonProject {
        protected override readonly limits = PACKAGE_LIMITS;
      })(rule, NO_FUNCTIONS),
    };
  }
  return {
    configs,
    view: new (class extends TsProject {
      protected override readonly limits = PACKAGE_LIMITS;
    })(rule, NO_FUNCTIONS, configs, new Set()),
  };
}

/** Files' units by path (plain data), kept until the file changes; the oldest go first past this many. */
const unitCache = new Map<string, FileUnits | null>();
const MAX_UNIT_FILES = 20_000;
/** Graphs by package listing and language family; dropped whenever a file changes. */
let graphs = new WeakMap<readonly string[], Map<string, ContextGraph>>();

/** Forgets what was kept of `files` (relative paths) because they changed, or of every file when none are given. */
export function forgetFiles(files?: readonly string[]): void {
  if (!files) unitCache.clear();
  else for (const file of files) unitCache.delete(file);
  graphs = new WeakMap();
  generation++;
  forgotten.push({ generation, ...(files?.length ? { files: [...files] } : {}) });
  if (forgotten.length > MAX_FORGOTTEN) forgotten.shift();
}

let generation = 0;
/** The last changes told (none listed: every file), for changedSince. */
const forgotten: { generation: number; files?: readonly string[] }[] = [];
const MAX_FORGOTTEN = 256;

/** Whether a file other than `except` changed after `since` (a graphGeneration value); true when too long ago to tell. */
export function changedSince(since: number, except: string): boolean {
  if (since === generation) return false;
  if (!forgotten.length || forgotten[0].generation > since + 1) return true;
  return forgotten.some((f) => f.generation > since && (!f.files || f.files.some((file) => file !== except)));
}
/** Changes whenever the package graphs are dropped (a file changed): what was derived from them is stale. */
export function graphGeneration(): number {
  return generation;
}


function fileUnits(path: string, readFile: (path: string) => string | undefined, view: () => PackageView): FileUnits | undefined {
  let units = unitCache.get(path);
  if (units === undefined) {
    const text = readFile(path);
    const language = languageFromPath(path);
    // From a persistent cache, by the key of the summary they were made with (path, content, what else it depends on),
    // when that summary is at hand too (calls are resolved through it).
    const key = text !== undefined && language && storedUnits.size ? cacheKey(path, text, unitVariant(path, language === 'python', view())) : undefined;
    const stored = key !== undefined && hasSummary(key) ? storedUnits.get(key) : undefined;
    // A file past MAX_FOLLOWED_CHARS is a bundle or generated data, not code calls lead into: it holds no units.
    units = stored ?? (text !== undefined && language && text.length <= MAX_FOLLOWED_CHARS ? withParsed(text, language, (tree) => unitsOf(tree, language, path, text, readFile, view())) : undefined) ?? null;
    if (unitCache.size >= MAX_UNIT_FILES) unitCache.delete(unitCache.keys().next().value!);
    unitCache.set(path, units);
  }
  return units ?? undefined;
}

/**
 * Computes the units of `files` ahead of use (the language server's background indexing), so that the first analysis
 * needing the package's graph only resolves calls and propagates. Returns how many files it went through within `sliceMs`.
 */
export function warmUnits(files: readonly string[], readFile: (path: string) => string | undefined, sliceMs = Infinity): number {
  const deadline = performance.now() + sliceMs;
  const views = new Map<boolean, PackageView>();
  let done = 0;
  for (const file of files) {
    const python = languageFamilyOfPath(file) === 'python';
    if (languageFamilyOfPath(file)) fileUnits(file, readFile, () => views.get(python) ?? views.set(python, packageView(python, readFile)).get(python)!);
    done++;
    if (performance.now() >= deadline) break;
  }
  return done;
}

/**
 * The units of `files` (computing those not kept yet) and the summaries they stored, as plain data: one worker of a run
 * computes a share of a package's files and the others adopt them (adoptUnits), so that each file is parsed once per run.
 */
export function unitsFor(files: readonly string[], readFile: (path: string) => string | undefined): { units: Record<string, FileUnits | null>; summaries: Record<string, StoredSummary> } {
  const views = new Map<boolean, PackageView>();
  const units = dict<FileUnits | null>();
  const keys: string[] = [];
  for (const file of files) {
    if (!languageFamilyOfPath(file)) continue;
    const python = languageFamilyOfPath(file) === 'python';
    const found = fileUnits(file, readFile, () => views.get(python) ?? views.set(python, packageView(python, readFile)).get(python)!);
    units[file] = found ?? null;
    if (found?.summaryKey) keys.push(found.summaryKey);
  }
  return { units, summaries: summariesOf(keys) };
}

/** Files' units from a persistent cache, by their summary's key (see fileUnits); at most MAX_UNIT_FILES. */
const storedUnits = new Map<string, FileUnits>();

/** Units from a persistent cache (keyed by their summaryKey); malformed entries are skipped. */
export function importStoredUnits(entries: Record<string, FileUnits>): void {
  for (const [key, found] of Object.entries(entries)) {
    if (storedUnits.size >= MAX_UNIT_FILES) break;
    if (wellFormedUnits(found) && found.summaryKey === key) storedUnits.set(key, found);
  }
}

/** The units this process computed or took, by their summary's key, for a persistent cache (plain data). */
export function exportStoredUnits(): Record<string, FileUnits> {
  const out = dict<FileUnits>();
  for (const found of unitCache.values()) if (found?.summaryKey) out[found.summaryKey] = found;
  return out;
}

/** Units from a cache file (which may be old or damaged) have the shape the graph reads, down to every target and range. */
function wellFormedUnits(found: unknown): found is FileUnits {
  const units = found as Partial<FileUnits> | null;
  const isRange = (r: Range | undefined) => [r?.start?.line, r?.start?.column, r?.end?.line, r?.end?.column].every(Number.isInteger);
  const isEvidence = (e: Evidence | undefined) => e === undefined || ((e.kind === 'hot' || e.kind === 'cold') && typeof e.message === 'string' && isRange(e.range));
  const isTarget = (t: CallTarget | undefined) => (t?.kind === 'local' && typeof t.key === 'string') || (t?.kind === 'qualified' && typeof t.name === 'string')
    || (t?.kind === 'module' && typeof t.specifier === 'string' && typeof t.name === 'string');
  return typeof units === 'object' && units !== null && Array.isArray(units.units) && Array.isArray(units.registrations)
    && units.units.every((u) => typeof u?.id === 'string' && typeof u.name === 'string' && isEvidence(u.own)
      && (u.parent === undefined || typeof u.parent === 'string')
      && Array.isArray(u.calls) && u.calls.every((c) => isTarget(c?.target) && isRange(c.range) && c.to === undefined && (c.member === undefined || typeof c.member === 'string') && (c.leftRunning === undefined || isRange(c.leftRunning)))
      && (u.members === undefined || (Array.isArray(u.members) && u.members.every((m) => typeof m?.name === 'string' && isRange(m.range))))
      && (u.returns === undefined || (Array.isArray(u.returns) && u.returns.every((r) => typeof r === 'string')))
      && (u.exposed === undefined || typeof u.exposed === 'string') && (u.method === undefined || isRange(u.method)) && (u.signal === undefined || u.signal === true) && u.overrides === undefined && (u.firstAwait === undefined || isRange(u.firstAwait)))
    && units.registrations.every((r) => isTarget(r?.target) && r.to === undefined && r.own !== undefined && isEvidence(r.own));
}

/** Units another worker computed (unitsFor), kept as if computed here; malformed entries are skipped. */
export function adoptUnits(units: Record<string, FileUnits | null>): void {
  for (const [file, found] of Object.entries(units)) {
    if (found !== null && (typeof found !== 'object' || !Array.isArray(found.units) || !Array.isArray(found.registrations))) continue;
    if (unitCache.has(file)) continue;
    if (unitCache.size >= MAX_UNIT_FILES) unitCache.delete(unitCache.keys().next().value!);
    unitCache.set(file, found);
  }
  graphs = new WeakMap();
}

/** Graphs of single files (no package to list: unsaved text, a host without files), by tree (a tree's root node is a new object per read). */
const localGraphs = new WeakMap<Tree, ContextGraph>();

/** The graph of the file alone: its own functions' calls among themselves. */
function localGraph(source: ContextSource): ContextGraph {
  let graph = localGraphs.get(source.root.tree);
  if (!graph) {
    const path = source.path ?? '';
    const readFile = (file: string) => (file === path ? source.text : source.readFile?.(file));
    const rule = { language: source.language, tree: source.root.tree, root: source.root, text: source.text, path, readFile, settings: defaultSettings, python: source.python, ts: source.ts, report: () => undefined } as unknown as AnalysisContext;
    const configs = new TsConfigs(source.readFile);
    const view = source.language === 'python' ? new PythonProject(rule, ownSummary(source.python!(), rule)) : tsProject(rule);
    const units = unitsOf(source.root.tree, source.language, path, source.text, readFile, { view, configs }, source);
    const idOf = (target: CallTarget): string | undefined => {
      const place = view.resolve(target, path);
      return place && (place.path ?? path) === path ? `${path}#${place.key}` : undefined;
    };
    localGraphs.set(source.root.tree, graph = new ContextGraph(new Map([[path, {
      units: units.units.map((unit) => {
        const overrides = overriddenMethods(unit, (target) => idOf(target), view.summary(path)?.classes, `${path}#${unit.id}`);
        return { ...unit, calls: unit.calls.map((call) => ({ ...call, to: idOf(call.target) })), ...(overrides ? { overrides } : {}) };
      }),
      registrations: units.registrations.map((r) => ({ ...r, to: idOf(r.target) })),
    }]])));
  }
  return graph;
}

/** A tree's units, computed with its own semantics (those the analysis of that tree shares), once per tree. */
const unitsByTree = new WeakMap<Tree, FileUnits>();

function treeUnits(source: ContextSource, pkg: PackageView): FileUnits {
  const tree = source.root.tree;
  let units = unitsByTree.get(tree);
  if (!units) unitsByTree.set(tree, units = unitsOf(tree, source.language, source.path ?? '', source.text, source.readFile!, pkg, source));
  return units;
}

/** The units the call graph computed from `tree` (the analysed file's), if it did. */
export function keptTreeUnits(tree: Tree, path: string): FileUnits | undefined {
  // Units computed ahead (warmed, adopted) are the file's current ones: a change of it drops them.
  return unitsByTree.get(tree) ?? unitCache.get(path) ?? undefined;
}

/**
 * The units of an earlier tree of the file at `path`, known to equal those of `tree` (an edit changed no function's calls,
 * contexts or summary): the graph takes them instead of a pass over the whole file.
 */
export function carryTreeUnits(tree: Tree, path: string, units: FileUnits): void {
  unitsByTree.set(tree, units);
  if (unitCache.size >= MAX_UNIT_FILES && !unitCache.has(path)) unitCache.delete(unitCache.keys().next().value!);
  unitCache.set(path, units);
}

/** The graph of the package holding `source.path` (its files of the same language family), built on first use; else the file's own. */
export function graphFor(source: ContextSource): ContextGraph {
  const { path, listFiles, readFile } = source;
  if (!path || !listFiles || !readFile) return localGraph(source);
  const files = listFiles(path);
  const kind = languageFamilyOfPath(path)!;
  let byFamily = graphs.get(files);
  if (!byFamily) graphs.set(files, byFamily = new Map<string, ContextGraph>());
  let graph = byFamily.get(kind);
  // After a change that left every file's units as they were (an edit's analysis carried them): the last graph.
  graph ??= lastGraph(files, kind, path);
  if (graph) byFamily.set(kind, graph);
  let view: PackageView | undefined;
  const packageViewOnce = () => (view ??= packageView(kind === 'python', readFile));
  if (!graph) {
    // The analysed file's units come from its own tree and semantics when its text is what the package reads: no second
    // parse, and its summary and name index are the ones its rules built (an edit then costs one pass over the file).
    if (!unitCache.has(path) && readFile(path) === source.text) {
      const own = treeUnits(source, packageViewOnce());
      if (unitCache.size >= MAX_UNIT_FILES) unitCache.delete(unitCache.keys().next().value!);
      unitCache.set(path, own);
    }
    byFamily.set(kind, graph = buildGraph(files, kind, path, readFile, packageViewOnce));
  }
  return graph;
}

/**
 * The package's graph as it was when `path`'s units were `units` (what an edit's analysis carried, moved along with the
 * lines, since a graph was last built): built again from the units kept, no file parsed; `readFile` gives `path` the text
 * those units were made from.
 */
export function graphOfUnits(files: readonly string[], path: string, units: FileUnits, readFile: (path: string) => string | undefined): ContextGraph {
  const kind = languageFamilyOfPath(path)!;
  let view: PackageView | undefined;
  return buildGraph(files, kind, path, readFile, () => (view ??= packageView(kind === 'python', readFile)), units);
}

/** Resolves every file's units (`own` for `path` when given) into a graph, and keeps it as the listing's last built one. */
function buildGraph(files: readonly string[], kind: string, path: string, readFile: (path: string) => string | undefined, shared: () => PackageView, own?: FileUnits): ContextGraph {
  const units = new Map<string, FileUnits>();
  // One file at a time, in the listing's order (the results do not depend on it): bounded by the listing's size.
  for (const file of files.includes(path) ? files : [...files, path]) {
    if (languageFamilyOfPath(file) !== kind) continue;
    const found = own && file === path ? own : fileUnits(file, readFile, shared);
    if (found) units.set(file, found);
  }
  // Every file summarised: now each call's target is looked up (the units kept stay unresolved: other files change).
  const pkg = shared();
  const resolved = new Map<string, FileUnits>();
  const idOf = (target: CallTarget, from: string): string | undefined => {
    const place = pkg.view.resolve(target, from);
    return place && `${place.path ?? from}#${place.key}`;
  };
  for (const [file, found] of units) {
    const classes = found.units.some((unit) => unit.method) ? pkg.view.summary(file)?.classes : undefined;
    resolved.set(file, {
      units: found.units.map((unit) => {
        const overrides = overriddenMethods(unit, (target) => idOf(target, file), classes, `${file}#${unit.id}`);
        return { ...unit, calls: unit.calls.map((call) => ({ ...call, to: idOf(call.target, file) })), ...(overrides ? { overrides } : {}) };
      }),
      registrations: found.registrations.map((r) => ({ ...r, to: idOf(r.target, file) })),
    });
  }
  const graph = new ContextGraph(resolved);
  let built = lastBuilt.get(files);
  if (!built) lastBuilt.set(files, built = new Map<string, BuiltGraph>());
  built.set(kind, { graph, path, units });
  return graph;
}

/** The last graph built per package listing and language family, with the units it was built from (kept across changes). */
interface BuiltGraph { graph: ContextGraph; path: string; units: ReadonlyMap<string, FileUnits> }
const lastBuilt = new WeakMap<readonly string[], Map<string, BuiltGraph>>();

/**
 * The last graph built for the package holding `path`, when it was built from `units` (the file's units an analysis
 * kept): what an edit's analysis compares the new graph with.
 */
export function lastBuiltGraph(files: readonly string[], path: string, units: FileUnits): ContextGraph | undefined {
  const built = lastBuilt.get(files)?.get(languageFamilyOfPath(path)!);
  const then = built?.units.get(path);
  return built?.path === path && then?.units === units.units && then.registrations === units.registrations ? built.graph : undefined;
}

/**
 * The last graph of the package when every file of it has the very units (the same arrays) the graph was built from:
 * the changes since then changed no file's calls, contexts or registrations.
 */
function lastGraph(files: readonly string[], kind: string, path: string): ContextGraph | undefined {
  const built = lastBuilt.get(files)?.get(kind);
  if (!built || built.path !== path) return undefined;
  // One look-up per file of the listing: bounded by its size.
  for (const file of files.includes(path) ? files : [...files, path]) {
    if (languageFamilyOfPath(file) !== kind) continue;
    const now = unitCache.get(file);
    const then = built.units.get(file);
    // A file without units then must still be known to have none (a changed file is forgotten until read again).
    if (then === undefined && now === null) continue;
    if (!now || !then || now.units !== then.units || now.registrations !== then.registrations) return undefined;
  }
  return built.graph;
}
