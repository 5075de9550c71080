import { MAX_NESTING } from '../locate';
import { Query, type Node, type Tree } from 'web-tree-sitter';
import { NodePaths, wordOccurrences } from '../locate';
import { normalizeModule } from '../catalog/modules';

export { normalizeModule };

/**
 * Name resolution for one TypeScript/JavaScript file: which API a name or expression stands for,
 * through `import`, `require`, destructuring and aliases, and globals such as `Promise` or `Atomics`
 * unless shadowed. Shared by rules, hovers and the visualiser.
 */
export type TsResolution =
  /** A module member or global by qualified name: 'fs.readFileSync', 'worker_threads.Worker', 'global.Promise.all'. */
  | { kind: 'qualified'; name: string }
  /** An object made by `new X()` or a known factory: { type: 'worker_threads.Worker' }. */
  | { kind: 'instance'; type: string }
  /** A function or class declared in this file. */
  | { kind: 'local'; node: Node; name: string };

type BindingKind = 'import' | 'const' | 'let' | 'function' | 'class' | 'param' | 'opaque';

interface Binding {
  kind: BindingKind;
  node: Node;
  /** import: the qualified name. */
  qualified?: string;
  /** const/let/var: the initialiser; with `path`, the object it was destructured from. */
  value?: Node;
  /** Property names from `value` down to the binding: `const { promises: { readFile } } = fs` → ['promises', 'readFile']. */
  path?: string[];
}

/** Globals that rules and hovers care about; resolved as 'global.X' unless a local binding shadows them. */
const GLOBALS = new Set([
  'Promise', 'Atomics', 'SharedArrayBuffer', 'Deno', 'Bun', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout',
  'clearInterval', 'clearImmediate', 'queueMicrotask', 'process', 'Date', 'performance', 'globalThis', 'Worker',
  'structuredClone', 'fetch', 'require', 'console', 'JSON', 'Math', 'AbortController', 'MessageChannel', 'window', 'self',
]);
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self', 'global']);

/** Nodes that open a scope for the names declared directly in them. */
const FUNCTION_SCOPES = new Set([
  'function_declaration', 'function_expression', 'function', 'generator_function_declaration', 'generator_function',
  'arrow_function', 'method_definition',
]);
const BLOCK_SCOPES = new Set(['statement_block', 'for_statement', 'for_in_statement', 'catch_clause', 'class_body', 'switch_body', 'class', 'class_declaration']);

const BINDINGS_QUERY = `
(import_statement) @import
(variable_declarator name: (_) @declarator)
(function_declaration name: (identifier) @function)
(generator_function_declaration name: (identifier) @function)
(function_expression name: (identifier) @named_expression)
(formal_parameters) @params
(arrow_function parameter: (identifier) @param)
(catch_clause parameter: (_) @catch)
(for_in_statement left: (_) @for_left)
(assignment_expression left: (identifier) @reassigned)
(augmented_assignment_expression left: (identifier) @reassigned)
(update_expression argument: (identifier) @reassigned)
`;
const CLASS_QUERY_TS = '(class_declaration name: (type_identifier) @class) (abstract_class_declaration name: (type_identifier) @class) (enum_declaration name: (identifier) @opaque)';
const CLASS_QUERY_JS = '(class_declaration name: (identifier) @class)';

const queries = new WeakMap<object, Query>();

function stringValue(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return node.text.slice(1, -1);
  if (node.type === 'template_string' && !node.namedChildren.some((c) => c?.type === 'template_substitution')) return node.text.slice(1, -1);
  return undefined;
}

/** `require('m')` or `await import('m')`: the module, else undefined. */
export function requiredModule(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'await_expression') return requiredModule(node.namedChildren[0]);
  if (node.type === 'parenthesized_expression') return requiredModule(node.namedChildren[0]);
  if (node.type !== 'call_expression') return undefined;
  const fn = node.childForFieldName('function');
  const args = node.childForFieldName('arguments');
  if (!fn || !args || (fn.type !== 'import' && !(fn.type === 'identifier' && fn.text === 'require'))) return undefined;
  const spec = stringValue(args.namedChildren[0]);
  return spec === undefined ? undefined : normalizeModule(spec);
}

/** `(x)`, `x as T`, `x!`, `x satisfies T`, `<T>x`: x. */
export function unwrap(node: Node | null | undefined): Node | undefined {
  let current = node ?? undefined;
  while (current && (current.type === 'parenthesized_expression' || current.type === 'as_expression'
    || current.type === 'non_null_expression' || current.type === 'satisfies_expression' || current.type === 'type_assertion')) {
    current = current.namedChildren.find((c) => c && c.type !== 'type_arguments' && !c.type.endsWith('type') && c.type !== 'type_identifier') ?? undefined;
  }
  return current;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * True when the name at [start, end) is a member access's object (`name.x`) or property (`x.name`, `x?.name`): never declared or
 * assigned there. Only spaces and tabs are skipped before the name, so a comment ending in a full stop on the line above is no dot.
 */
function isMemberByText(text: string, start: number, end: number): boolean {
  let j = end;
  while (j < text.length && isSpace(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) === 46 /* . */ && text.charCodeAt(j + 1) !== 46) return true;
  let k = start - 1;
  while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  // `...name` is a spread or rest, not a member.
  return k > 0 && text.charCodeAt(k) === 46 && text.charCodeAt(k - 1) !== 46;
}

/** Nodes between a declared name and what declares it (`const { a: [b = 1] } = x`, `function f({ a }: T)`). */
const PATTERN_TYPES = new Set([
  'object_pattern', 'array_pattern', 'pair_pattern', 'assignment_pattern', 'object_assignment_pattern', 'rest_pattern',
  'required_parameter', 'optional_parameter',
]);

interface Scoped {
  scope: Node;
  bindings: Binding[];
}

/** Every declaration of one name, by scope, and the scopes whose binding of it is reassigned somewhere. */
interface NameInfo {
  scopes: Map<number, Scoped>;
  reassigned: Set<number>;
}

/** A tree's outermost functions (module functions and methods of module-level classes), in order: where each starts and ends, its name. */
export interface OutermostFunctions { spans: readonly { start: number; end: number }[]; names: readonly string[] }

/** Outermost functions of trees whose analysis knows them (an edit's): name look-ups then read only the code a use can see. */
const knownFunctions = new WeakMap<Tree, OutermostFunctions>();

/** Tells the semantics of `tree` where its outermost functions are (exactly: a wrong list gives wrong answers). */
export function knowOutermostFunctions(tree: Tree, functions: OutermostFunctions): void {
  knownFunctions.set(tree, functions);
}

/** True when `offset` lies in one of the tree's outermost functions, as its analysis told (false when it was not told). */
export function inKnownFunction(tree: Tree, offset: number): boolean {
  const functions = knownFunctions.get(tree);
  return functions !== undefined && functionAt(functions, offset) >= 0;
}

/** The index of the function holding `offset`, or -1 (binary search: the functions are in order and do not overlap). */
function functionAt(functions: OutermostFunctions, offset: number): number {
  let low = 0;
  let high = functions.spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (offset < functions.spans[mid].start) high = mid - 1;
    else if (offset >= functions.spans[mid].end) low = mid + 1;
    else return mid;
  }
  return -1;
}

export class TsSemantics {
  /** Per name, built on first use (lazy mode), or for every name at once (eager mode, after much lazy work). */
  private readonly names = new Map<string, NameInfo>();
  private eager = false;
  /** Occurrences classified so far in lazy mode; past the budget, one whole-file pass is cheaper. */
  private work = 0;
  private budget = -1;
  private readonly resolving = new Set<number>();
  private readonly resolved = new Map<number, TsResolution | undefined>();
  private readonly rootNode: Node;
  private sourceText: string | undefined;
  private textStart = 0;
  /** Bindings of the name being collected (lazy mode), or undefined: every name (eager mode). */
  private filter: string | undefined;
  private current: NameInfo | undefined;
  /** Ancestor paths by offset, shared with rules that locate nodes by text search. */
  readonly paths: NodePaths;

  constructor(readonly tree: Tree) {
    this.rootNode = tree.rootNode;
    this.paths = new NodePaths(this.rootNode);
  }

  get root(): Node {
    return this.rootNode;
  }

  /** The file's text; offsets are tree offsets. */
  get text(): string {
    if (this.sourceText === undefined) {
      this.textStart = this.rootNode.startIndex;
      this.sourceText = ' '.repeat(this.textStart) + this.rootNode.text;
    }
    return this.sourceText;
  }

  private bind(scope: Node, name: string, binding: Binding): void {
    if (this.filter !== undefined && name !== this.filter) return;
    let info = this.current;
    if (!info) {
      info = this.names.get(name);
      if (!info) {
        info = { scopes: new Map(), reassigned: new Set() };
        this.names.set(name, info);
      }
    }
    const scoped = info.scopes.get(scope.id);
    if (scoped) scoped.bindings.push(binding);
    else info.scopes.set(scope.id, { scope, bindings: [binding] });
  }

  // ------------------------------------------------------------ lazy: one name at a time

  private info(name: string, use?: Node): NameInfo | undefined {
    const known = this.names.get(name);
    if (this.eager) return known;
    const covered = this.partial.get(name);
    if (known && !covered) return known;
    const text = this.text;
    const functions = knownFunctions.get(this.tree);
    if (known && covered && functions) {
      // Seen from outside every function, or from a function looked into already: what was found is all there is.
      const at = use ? functionAt(functions, use.startIndex) : undefined;
      if (at === -1 || (at !== undefined && covered.has(at))) return known;
      if (at !== undefined) {
        covered.add(at);
        this.scan(name, known, wordOccurrences(text, name, functions.spans[at].start, functions.spans[at].end).filter((offset) => !isMemberByText(text, offset, offset + name.length)));
        return known;
      }
      this.names.delete(name);
      this.partial.delete(name);
    }
    // A member (`x.name`, `name.x`) declares nothing: skipped by text, it costs no tree work and no budget (`Promise`,
    // `console` are spelled thousands of times in a large file, always as members).
    const offsets = wordOccurrences(text, name).filter((offset) => !isMemberByText(text, offset, offset + name.length));
    // A size measure only (not a position): tree-sitter's row count will do.
    // eslint-disable-next-line no-restricted-syntax
    if (this.budget < 0) this.budget = 100 + Math.floor(this.rootNode.endPosition.row / 5);
    const at = functions && use ? functionAt(functions, use.startIndex) : undefined;
    if (functions && at !== undefined) {
      // The file's outermost functions are known (an edit's analysis): a use sees the declarations of its own function
      // and those outside every function (a function's own name, in its header, too). A name declared outside any
      // function may be reassigned anywhere: then every use is looked at, as below.
      const seen = new Set<number>(at >= 0 ? [at] : []);
      const near = offsets.filter((offset) => {
        const inside = functionAt(functions, offset);
        if (inside === -1 || inside === at) return true;
        if (functions.names[inside] !== name) return false;
        seen.add(inside);
        return true;
      });
      if (this.work + near.length <= this.budget) {
        const info: NameInfo = { scopes: new Map(), reassigned: new Set() };
        this.scan(name, info, near);
        if (![...info.scopes.values()].some((scoped) => functionAt(functions, scoped.scope.startIndex) === -1)) {
          this.names.set(name, info);
          this.partial.set(name, seen);
          return info;
        }
      }
    }
    if (this.work + offsets.length > this.budget) {
      this.collectAll();
      return this.names.get(name);
    }
    const info: NameInfo = { scopes: new Map(), reassigned: new Set() };
    this.names.set(name, info);
    this.scan(name, info, offsets);
    return info;
  }

  /** Names whose info covers the code outside every function and these functions only (by index), not the whole file. */
  private readonly partial = new Map<string, Set<number>>();

  /** Adds what the occurrences of `name` at `offsets` declare and reassign to `info`. */
  private scan(name: string, info: NameInfo, offsets: readonly number[]): void {
    const reassignments: Node[][] = [];
    const done = new Set<number>();
    this.filter = name;
    this.current = info;
    try {
      for (const offset of offsets) {
        this.work++;
        // The token alone first (one call): only names in code need their ancestors.
        const leaf = this.rootNode.descendantForIndex(offset, offset + name.length);
        if (!leaf || leaf.startIndex !== offset || leaf.text !== name) continue;
        const path = this.paths.at(offset);
        if (path.length < 2 || path[path.length - 1].id !== leaf.id) continue;
        this.classify(path, done, reassignments);
      }
    } finally {
      this.filter = undefined;
      this.current = undefined;
    }
    // After every declaration is known, so hoisted and later declarations count.
    for (const path of reassignments) {
      const found = this.lookupIn(info, path, path.length - 1);
      if (found) info.reassigned.add(found.scope.id);
    }
  }

  /** Records what the name at the end of `path` declares or reassigns, as the eager pass's query would. */
  private classify(path: Node[], done: Set<number>, reassignments: Node[][]): void {
    const i = path.length - 1;
    const leaf = path[i];
    const parent = path[i - 1];
    const isField = (node: Node, field: string) => node.childForFieldName(field)?.id === leaf.id;
    switch (parent.type) {
      case 'function_declaration':
      case 'generator_function_declaration':
        if (leaf.type === 'identifier' && isField(parent, 'name')) this.bind(blockScopeIn(path, i - 1), leaf.text, { kind: 'function', node: parent });
        return;
      case 'function_expression':
        if (leaf.type === 'identifier' && isField(parent, 'name')) this.bind(parent, leaf.text, { kind: 'function', node: parent });
        return;
      case 'class_declaration':
      case 'abstract_class_declaration':
        if (isField(parent, 'name') && (leaf.type === 'type_identifier' || (leaf.type === 'identifier' && parent.type === 'class_declaration' && !this.typed()))) {
          this.bind(blockScopeIn(path, i - 1), leaf.text, { kind: 'class', node: parent });
        }
        return;
      case 'enum_declaration':
        if (leaf.type === 'identifier' && isField(parent, 'name')) this.bind(blockScopeIn(path, i), leaf.text, { kind: 'opaque', node: leaf });
        return;
      case 'arrow_function':
        if (leaf.type === 'identifier' && isField(parent, 'parameter')) this.bind(parent, leaf.text, { kind: 'param', node: leaf });
        return;
      case 'assignment_expression':
      case 'augmented_assignment_expression':
        if (leaf.type === 'identifier' && isField(parent, 'left')) reassignments.push(path);
        return;
      case 'update_expression':
        if (leaf.type === 'identifier' && isField(parent, 'argument')) reassignments.push(path);
        return;
    }
    for (let j = i - 1; j >= 1 && j >= i - 4; j--) {
      if (path[j].type !== 'import_statement') continue;
      if (!done.has(path[j].id)) {
        done.add(path[j].id);
        this.collectImport(path[j]);
      }
      return;
    }
    let k = i - 1;
    while (k > 0 && PATTERN_TYPES.has(path[k].type)) k--;
    const owner = path[k];
    const below = path[k + 1];
    if (done.has(owner.id)) return;
    switch (owner.type) {
      case 'variable_declarator': {
        if (owner.childForFieldName('name')?.id !== below.id || k < 1) return;
        done.add(owner.id);
        const declaration = path[k - 1];
        const keyword = declaration.firstChild?.text;
        const isVar = declaration.type === 'variable_declaration' || keyword === 'var';
        const scope = isVar ? functionScopeIn(path, k) : blockScopeIn(path, k);
        this.bindPattern(below, scope, keyword === 'const' ? 'const' : 'let', owner.childForFieldName('value') ?? undefined, []);
        return;
      }
      case 'formal_parameters':
        if (k < 1) return;
        done.add(owner.id);
        this.collectParams(owner, path[k - 1]);
        return;
      case 'catch_clause':
        if (owner.childForFieldName('parameter')?.id !== below.id) return;
        done.add(owner.id);
        this.bindPattern(below, owner, 'param');
        return;
      case 'for_in_statement': {
        if (owner.childForFieldName('left')?.id !== below.id) return;
        done.add(owner.id);
        const keyword = owner.children.find((c) => c?.type === 'var' || c?.type === 'let' || c?.type === 'const');
        if (!keyword) return; // `for (x of xs)` assigns an existing binding
        this.bindPattern(below, keyword.type === 'var' ? functionScopeIn(path, k) : owner, 'opaque');
        return;
      }
    }
  }

  private typedLanguage: boolean | undefined;

  /** TS and TSX name classes with `type_identifier`; JavaScript with `identifier`. */
  private typed(): boolean {
    this.typedLanguage ??= this.tree.language.idForNodeType('type_identifier', true) !== null;
    return this.typedLanguage;
  }

  // ------------------------------------------------------------ eager: every name in one pass

  private collectAll(): void {
    this.eager = true;
    this.names.clear();
    const language = this.tree.language;
    let query = queries.get(language);
    if (!query) {
      try {
        query = new Query(language, BINDINGS_QUERY + CLASS_QUERY_TS);
      } catch {
        query = new Query(language, BINDINGS_QUERY + CLASS_QUERY_JS);
      }
      queries.set(language, query);
    }
    const reassigned: Node[] = [];
    for (const { name, node } of query.captures(this.root)) {
      switch (name) {
        case 'import': this.collectImport(node); break;
        case 'declarator': this.collectDeclarator(node); break;
        case 'function': this.bind(blockScopeOf(node.parent!), node.text, { kind: 'function', node: node.parent! }); break;
        case 'named_expression': this.bind(node.parent!, node.text, { kind: 'function', node: node.parent! }); break;
        case 'class': this.bind(blockScopeOf(node.parent!), node.text, { kind: 'class', node: node.parent! }); break;
        case 'opaque': this.bind(blockScopeOf(node), node.text, { kind: 'opaque', node }); break;
        case 'params': this.collectParams(node, node.parent!); break;
        case 'param': this.bind(node.parent!, node.text, { kind: 'param', node }); break;
        case 'catch': this.bindPattern(node, node.parent!, 'param'); break;
        case 'for_left': this.collectForLeft(node); break;
        case 'reassigned': reassigned.push(node); break;
      }
    }
    // After every declaration is known, so hoisted and later declarations count.
    for (const node of reassigned) {
      const info = this.names.get(node.text);
      const found = info ? this.lookupWith(info, node) : undefined;
      if (found) info!.reassigned.add(found.scope.id);
    }
  }

  private collectImport(node: Node): void {
    const source = stringValue(node.childForFieldName('source'));
    const scope = this.root;
    for (const child of node.namedChildren) {
      if (child?.type === 'import_require_clause') {
        // `import fs = require('fs')`
        const id = child.namedChildren.find((c) => c?.type === 'identifier');
        const spec = stringValue(child.childForFieldName('source'));
        if (id && spec !== undefined) this.bind(scope, id.text, { kind: 'import', node: id, qualified: normalizeModule(spec) });
      }
      if (child?.type !== 'import_clause' || source === undefined) continue;
      const module = normalizeModule(source);
      for (const part of child.namedChildren) {
        if (!part) continue;
        if (part.type === 'identifier') {
          // A default import of a CommonJS module (every Node built-in) is the module object.
          this.bind(scope, part.text, { kind: 'import', node: part, qualified: module });
        } else if (part.type === 'namespace_import') {
          const id = part.namedChildren.find((c) => c?.type === 'identifier');
          if (id) this.bind(scope, id.text, { kind: 'import', node: id, qualified: module });
        } else if (part.type === 'named_imports') {
          for (const spec of part.namedChildren) {
            if (spec?.type !== 'import_specifier') continue;
            const imported = spec.childForFieldName('name');
            const local = spec.childForFieldName('alias') ?? imported;
            if (!imported || !local) continue;
            if (this.filter !== undefined && local.text !== this.filter) continue;
            const importedName = stringValue(imported) ?? imported.text;
            this.bind(scope, local.text, {
              kind: 'import', node: local,
              qualified: importedName === 'default' ? module : `${module}.${importedName}`,
            });
          }
        }
      }
    }
  }

  private collectDeclarator(nameNode: Node): void {
    const declarator = nameNode.parent!;
    const declaration = declarator.parent;
    const keyword = declaration?.firstChild?.text;
    const isVar = declaration?.type === 'variable_declaration' || keyword === 'var';
    const scope = isVar ? functionScopeOf(declarator) : blockScopeOf(declarator);
    const kind: BindingKind = keyword === 'const' ? 'const' : 'let';
    this.bindPattern(nameNode, scope, kind, declarator.childForFieldName('value') ?? undefined, []);
  }

  private collectParams(params: Node, owner: Node): void {
    for (const p of params.namedChildren) {
      if (!p) continue;
      const pattern = p.type === 'required_parameter' || p.type === 'optional_parameter' ? p.childForFieldName('pattern') : p;
      if (pattern) this.bindPattern(pattern, owner, 'param');
    }
  }

  private collectForLeft(left: Node): void {
    const statement = left.parent!;
    const keyword = statement.children.find((c) => c?.type === 'var' || c?.type === 'let' || c?.type === 'const');
    if (!keyword) return; // `for (x of xs)` assigns an existing binding
    const scope = keyword.type === 'var' ? functionScopeOf(statement) : statement;
    this.bindPattern(left, scope, 'opaque');
  }

  /** Binds every name in a destructuring pattern; `value`/`path` remember where each came from. */
  private bindPattern(pattern: Node, scope: Node, kind: BindingKind, value?: Node, path?: string[]): void {
    switch (pattern.type) {
      case 'identifier':
      case 'shorthand_property_identifier_pattern':
        this.bind(scope, pattern.text, { kind, node: pattern, value, path: path?.length ? path : undefined });
        return;
      case 'object_pattern':
        for (const prop of pattern.namedChildren) {
          if (!prop) continue;
          if (prop.type === 'shorthand_property_identifier_pattern') {
            this.bindPattern(prop, scope, kind, value, path && [...path, prop.text]);
          } else if (prop.type === 'pair_pattern') {
            const key = prop.childForFieldName('key');
            const keyName = key?.type === 'property_identifier' ? key.text : stringValue(key);
            const inner = prop.childForFieldName('value');
            if (inner) this.bindPattern(inner, scope, kind, value, path && keyName !== undefined ? [...path, keyName] : undefined);
          } else if (prop.type === 'object_assignment_pattern') {
            const left = prop.childForFieldName('left');
            if (left) this.bindPattern(left, scope, kind, value, path && left.type === 'shorthand_property_identifier_pattern' ? [...path, left.text] : undefined);
          } else {
            this.bindPattern(prop, scope, 'opaque');
          }
        }
        return;
      case 'assignment_pattern': {
        const left = pattern.childForFieldName('left');
        if (left) this.bindPattern(left, scope, kind, value, path);
        return;
      }
      case 'array_pattern':
      case 'rest_pattern':
        for (const child of pattern.namedChildren) if (child) this.bindPattern(child, scope, 'opaque');
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------ lookup

  /** The innermost scope on `path[0..index)` declaring the name, with its bindings. */
  private lookupIn(info: NameInfo, path: Node[], index: number): Scoped | undefined {
    for (let j = index - 1; j >= 0; j--) {
      const found = info.scopes.get(path[j].id);
      if (found) return found;
    }
    return info.scopes.get(this.rootNode.id);
  }

  private lookupWith(info: NameInfo, use: Node): Scoped | undefined {
    if (info.scopes.size === 0) return undefined;
    const rootId = this.rootNode.id;
    // Declared only at the top: every use sees that (as the walk up from the use would find).
    if (info.scopes.size === 1 && info.scopes.has(rootId)) return info.scopes.get(rootId);
    const path = this.paths.of(use);
    if (path) return this.lookupIn(info, path, path.length - 1);
    for (let current: Node | null = use.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
      const found = info.scopes.get(current.id);
      if (found) return found;
    }
    return info.scopes.get(rootId);
  }

  /** The innermost scope declaring `name` around `use`, with its bindings. */
  private lookup(name: string, use: Node): Scoped | undefined {
    const info = this.info(name, use);
    return info ? this.lookupWith(info, use) : undefined;
  }

  /** True when `name` is declared by this file in a scope enclosing `use` (so it is not the global). */
  isDeclared(name: string, use: Node): boolean {
    return this.lookup(name, use) !== undefined;
  }

  /** What the expression `node` denotes, or undefined when unknown. */
  resolve(node: Node): TsResolution | undefined {
    // Rules, the call graph and summaries ask about the same callees: answer each node once.
    const known = this.resolved.get(node.id);
    if (known !== undefined || this.resolved.has(node.id)) return known;
    if (this.resolving.has(node.id)) return undefined;
    this.resolving.add(node.id);
    try {
      const result = this.resolveUncached(node);
      this.resolved.set(node.id, result);
      return result;
    } finally {
      this.resolving.delete(node.id);
    }
  }

  private resolveUncached(node: Node): TsResolution | undefined {
    switch (node.type) {
      case 'identifier':
      case 'shorthand_property_identifier':
        return this.resolveName(node);
      case 'member_expression': {
        const object = node.childForFieldName('object');
        const property = node.childForFieldName('property');
        if (!object || !property) return undefined;
        if (object.type === 'this') return this.classMember(node, property.text);
        if (property.type === 'private_property_identifier') return undefined;
        // Else what the object's declared type says the member is: `options.fs` with `options: { fs: typeof nodeFs }`.
        return this.member(object, property.text) ?? this.fromType(this.memberType(object, property.text, 0), 0);
      }
      case 'subscript_expression': {
        const object = node.childForFieldName('object');
        const key = stringValue(node.childForFieldName('index'));
        return object && key !== undefined ? this.member(object, key) : undefined;
      }
      case 'call_expression': {
        const module = requiredModule(node);
        if (module !== undefined) return { kind: 'qualified', name: module };
        return undefined;
      }
      case 'await_expression': {
        const module = requiredModule(node);
        return module !== undefined ? { kind: 'qualified', name: module } : undefined;
      }
      case 'new_expression': {
        const ctor = node.childForFieldName('constructor');
        const target = ctor ? this.resolve(ctor) : undefined;
        if (target?.kind === 'qualified') return { kind: 'instance', type: target.name };
        if (target?.kind === 'local' && isClass(target.node)) return { kind: 'instance', type: `<local>.${target.name}` };
        return undefined;
      }
      case 'parenthesized_expression': case 'as_expression': case 'non_null_expression': case 'satisfies_expression': {
        const inner = unwrap(node);
        return inner && inner.id !== node.id ? this.resolve(inner) : undefined;
      }
      default:
        return undefined;
    }
  }

  private member(object: Node, name: string): TsResolution | undefined {
    const base = this.resolve(object);
    if (!base) return undefined;
    switch (base.kind) {
      case 'qualified':
        // `globalThis.Atomics` is the global itself.
        if (base.name === 'global.globalThis' || base.name === 'global.window' || base.name === 'global.self') return { kind: 'qualified', name: `global.${name}` };
        return { kind: 'qualified', name: `${base.name}.${name}` };
      case 'instance':
        return base.type.startsWith('<local>.') ? undefined : { kind: 'qualified', name: `${base.type}.${name}` };
      case 'local':
        return undefined;
    }
  }

  private resolveName(node: Node): TsResolution | undefined {
    return this.resolveNameAt(node.text, node);
  }

  /** What `name` would denote if written at `use`. */
  resolveNameAt(name: string, use: Node): TsResolution | undefined {
    const found = this.lookup(name, use);
    if (!found) {
      if (GLOBALS.has(name)) return { kind: 'qualified', name: `global.${name}` };
      if (GLOBAL_OBJECTS.has(name)) return { kind: 'qualified', name: 'global.globalThis' };
      return undefined;
    }
    // Several declarations of one name in one scope (var redeclared, overloads): trust only function overloads.
    const bindings = found.bindings;
    const binding = bindings.every((b) => b.kind === 'function') ? bindings[bindings.length - 1] : bindings.length === 1 ? bindings[0] : undefined;
    if (!binding) return undefined;
    switch (binding.kind) {
      case 'import': return { kind: 'qualified', name: binding.qualified! };
      case 'function': case 'class': return { kind: 'local', node: binding.node, name };
      case 'const': case 'let': {
        if (binding.kind === 'let' && this.info(name, use)?.reassigned.has(found.scope.id)) return undefined;
        if (!binding.value) return undefined;
        let resolved = this.resolve(binding.value);
        if (!resolved && (binding.value.type === 'class' || binding.value.type === 'function_expression' || binding.value.type === 'arrow_function')) {
          resolved = { kind: 'local', node: binding.value, name };
        }
        for (const key of binding.path ?? []) {
          if (!resolved || resolved.kind !== 'qualified') return this.patternDefault(binding.node);
          resolved = { kind: 'qualified', name: `${resolved.name}.${key}` };
        }
        return resolved;
      }
      case 'param': return this.fromType(annotationOf(binding.node), 0) ?? this.fromParameterPattern(binding.node);
      default: return undefined;
    }
  }

  /** `{ fs = nodeFs }`: the default a destructured name falls back to, when it names a module. */
  private patternDefault(name: Node): TsResolution | undefined {
    const holder = name.parent;
    if (holder?.type !== 'object_assignment_pattern' || holder.childForFieldName('left')?.id !== name.id) return undefined;
    const fallback = holder.childForFieldName('right');
    const resolved = fallback ? this.resolve(fallback) : undefined;
    return resolved?.kind === 'qualified' ? resolved : undefined;
  }

  /** A name destructured from a parameter: `({ fs }: { fs: typeof nodeFs })` by the parameter's type, `({ fs = nodeFs })` by its default. */
  private fromParameterPattern(name: Node): TsResolution | undefined {
    const fallback = this.patternDefault(name);
    if (fallback) return fallback;
    const pattern = name.parent?.type === 'object_assignment_pattern' ? name.parent.parent : name.parent;
    const parameter = pattern?.type === 'object_pattern' ? pattern.parent : undefined;
    if ((parameter?.type !== 'required_parameter' && parameter?.type !== 'optional_parameter') || parameter.childForFieldName('pattern')?.id !== pattern!.id) return undefined;
    const type = parameter.childForFieldName('type');
    const property = type ? this.propertyOf(type, name.text, 0) : undefined;
    return property ? this.fromType(property, 0) : undefined;
  }

  // ------------------------------------------------------------ declared types (only what names a module: `typeof fs`)

  /** Type aliases and interfaces declared at the top of the file, by name (found once). */
  private typeDeclarations: Map<string, Node> | undefined;

  private typeDeclaration(name: string): Node | undefined {
    if (!this.typeDeclarations) {
      this.typeDeclarations = new Map();
      for (const child of this.root.namedChildren) {
        const declaration = child?.type === 'export_statement' ? child.childForFieldName('declaration') : child;
        if (declaration?.type === 'type_alias_declaration' || declaration?.type === 'interface_declaration') {
          const id = declaration.childForFieldName('name');
          if (id && !this.typeDeclarations.has(id.text)) this.typeDeclarations.set(id.text, declaration);
        }
      }
    }
    return this.typeDeclarations.get(name);
  }

  /**
   * The module or API a declared type stands for: `typeof nodeFs`, `typeof import('node:fs')`, `typeof fs | undefined`, or a
   * type alias of one. `depth` bounds alias chains (`type A = B; type B = A`).
   */
  fromType(type: Node | undefined, depth: number): TsResolution | undefined {
    const node = type ? typeBody(type) : undefined;
    if (!node || depth > 8) return undefined;
    if (node.type === 'type_query') {
      const target = node.namedChildren[0];
      if (!target) return undefined;
      const module = requiredModule(target);
      if (module !== undefined) return { kind: 'qualified', name: module };
      const resolved = this.resolve(target);
      return resolved?.kind === 'qualified' ? resolved : undefined;
    }
    if (node.type === 'type_identifier') {
      const declaration = this.typeDeclaration(node.text);
      return declaration?.type === 'type_alias_declaration' ? this.fromType(declaration.childForFieldName('value') ?? undefined, depth + 1) : undefined;
    }
    return undefined;
  }

  /** The declared type of `object.name`, from the object's declared type (an object type, an interface, an alias of one). */
  private memberType(object: Node, name: string, depth: number): Node | undefined {
    if (depth > 8) return undefined;
    let declared: Node | undefined;
    if (object.type === 'identifier') {
      const found = this.lookup(object.text, object);
      const binding = found?.bindings.length === 1 ? found.bindings[0] : undefined;
      if (binding?.kind === 'param') declared = annotationOf(binding.node);
    } else if (object.type === 'member_expression') {
      const inner = object.childForFieldName('object');
      const property = object.childForFieldName('property');
      if (inner && property && inner.type !== 'this') declared = this.memberType(inner, property.text, depth + 1);
    }
    return declared ? this.propertyOf(declared, name, depth + 1) : undefined;
  }

  private propertyOf(type: Node, name: string, depth: number): Node | undefined {
    const node = typeBody(type);
    if (!node || depth > 8) return undefined;
    if (node.type === 'type_identifier') {
      const declaration = this.typeDeclaration(node.text);
      if (declaration?.type === 'type_alias_declaration') return this.propertyOf(declaration.childForFieldName('value')!, name, depth + 1);
      if (declaration?.type === 'interface_declaration') return this.propertyOf(declaration.childForFieldName('body')!, name, depth + 1);
      return undefined;
    }
    if (node.type === 'intersection_type') {
      for (const part of node.namedChildren) {
        const found = part ? this.propertyOf(part, name, depth + 1) : undefined;
        if (found) return found;
      }
      return undefined;
    }
    if (node.type !== 'object_type' && node.type !== 'interface_body') return undefined;
    for (const member of node.namedChildren) {
      if (member?.type === 'property_signature' && member.childForFieldName('name')?.text === name) return member.childForFieldName('type') ?? undefined;
    }
    return undefined;
  }

  /** `this.x` / `this.#x` inside a class: what its field's type or initialiser, or a constructor parameter property, says. */
  private classMember(node: Node, name: string): TsResolution | undefined {
    let body: Node | undefined;
    // Up to the class body; a plain `function` rebinds `this`, arrows and methods keep it.
    for (let current = node.parent; current; current = current.parent) {
      if (current.type === 'class_body') {
        body = current;
        break;
      }
      if (current.type === 'function_declaration' || current.type === 'function_expression' || current.type === 'generator_function_declaration' || current.type === 'generator_function') return undefined;
    }
    if (!body) return undefined;
    for (const member of body.namedChildren) {
      if (member?.type === 'public_field_definition' && member.childForFieldName('name')?.text === name) {
        const typed = this.fromType(member.childForFieldName('type') ?? undefined, 0);
        if (typed) return typed;
        const value = member.childForFieldName('value');
        return value ? this.resolve(value) : undefined;
      }
      if (member?.type === 'method_definition' && member.childForFieldName('name')?.text === 'constructor') {
        for (const param of member.childForFieldName('parameters')?.namedChildren ?? []) {
          const pattern = param?.childForFieldName('pattern');
          if (pattern?.text === name && param.children.some((c) => c?.type === 'accessibility_modifier' || c?.type === 'readonly' || c?.type === 'override_modifier')) {
            return this.fromType(param.childForFieldName('type') ?? undefined, 0);
          }
        }
      }
    }
    return undefined;
  }

  /**
   * The declared type of the parameter or variable a name stands for, through `T | undefined`: `Repo` for `repo` in
   * `(repo?: Repo) => repo.head()` or after `const repo: Repo = make()`; undefined when it has none.
   */
  declaredType(use: Node): Node | undefined {
    if (use.type !== 'identifier') return undefined;
    const found = this.lookup(use.text, use);
    const binding = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    if (binding?.kind === 'param') {
      const annotation = annotationOf(binding.node);
      return annotation ? typeBody(annotation) : undefined;
    }
    const declarator = binding?.kind === 'const' || binding?.kind === 'let' ? binding.node.parent : undefined;
    const annotation = declarator?.type === 'variable_declarator' && declarator.childForFieldName('name')?.id === binding!.node.id ? declarator.childForFieldName('type') : undefined;
    return annotation ? typeBody(annotation) : undefined;
  }

  /** The initialiser of the `const` that `name` (an identifier) denotes where it is used (`const N = 1e6`), else undefined. */
  constValue(name: Node): Node | undefined {
    if (name.type !== 'identifier') return undefined;
    const found = this.lookup(name.text, name);
    const binding = found?.bindings.length === 1 ? found.bindings[0] : undefined;
    return binding?.kind === 'const' && !binding.path ? binding.value : undefined;
  }

  /** The qualified name a call (or `new`) calls, e.g. 'fs.readFileSync'. */
  calleeName(call: Node): string | undefined {
    let callee = call.childForFieldName('function') ?? call.childForFieldName('constructor');
    if (!callee) return undefined;
    callee = unwrap(callee) ?? callee;
    // `(0, fs.readFileSync)(p)`, as compilers emit it.
    if (callee.type === 'sequence_expression') callee = callee.namedChildren[callee.namedChildren.length - 1] ?? callee;
    const resolved = this.resolve(callee);
    return resolved?.kind === 'qualified' ? resolved.name : undefined;
  }

  /** The type an expression is an instance of ('worker_threads.Worker', '<local>.Pool'), if known. */
  instanceType(node: Node): string | undefined {
    const resolved = this.resolve(node);
    return resolved?.kind === 'instance' ? resolved.type : undefined;
  }
}

/** The type annotation of a parameter's name (`fs` in `(fs: typeof nodeFs)`), if it has one. */
function annotationOf(name: Node): Node | undefined {
  const parameter = name.parent;
  if ((parameter?.type !== 'required_parameter' && parameter?.type !== 'optional_parameter') || parameter.childForFieldName('pattern')?.id !== name.id) return undefined;
  return parameter.childForFieldName('type') ?? undefined;
}

/** The type itself: through `: T`, parentheses, and a union with `undefined`/`null` (an optional option). */
export function typeBody(type: Node): Node | undefined {
  let node: Node | undefined = type;
  // Each step goes one level down the type: bounded by its depth.
  while (node) {
    if (node.type === 'type_annotation' || node.type === 'parenthesized_type') {
      node = node.namedChildren[0] ?? undefined;
    } else if (node.type === 'union_type') {
      const parts: Node[] = node.namedChildren.filter((c): c is Node => c !== null
        && !(c.type === 'literal_type' && (c.text === 'undefined' || c.text === 'null')) && !(c.type === 'predefined_type' && (c.text === 'undefined' || c.text === 'null')));
      if (parts.length !== 1) return undefined;
      node = parts[0];
    } else {
      return node;
    }
  }
  return undefined;
}

function isClass(node: Node): boolean {
  return node.type === 'class_declaration' || node.type === 'class' || node.type === 'abstract_class_declaration';
}

function blockScopeOf(node: Node): Node {
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
    if (BLOCK_SCOPES.has(current.type) || FUNCTION_SCOPES.has(current.type) || current.type === 'program') {
      // A function's body block and the function share one scope for `var` and parameters; let/const go to the block.
      return current;
    }
  }
  return node.tree.rootNode;
}

/** blockScopeOf(path[index]) with the ancestors from `path`. */
function blockScopeIn(path: Node[], index: number): Node {
  for (let j = index - 1; j >= 0; j--) {
    const type = path[j].type;
    if (BLOCK_SCOPES.has(type) || FUNCTION_SCOPES.has(type) || type === 'program') return path[j];
  }
  return path[0];
}

/** functionScopeOf(path[index]) with the ancestors from `path`. */
function functionScopeIn(path: Node[], index: number): Node {
  for (let j = index - 1; j >= 0; j--) {
    const type = path[j].type;
    if (FUNCTION_SCOPES.has(type) || type === 'program') return path[j];
  }
  return path[0];
}

function functionScopeOf(node: Node): Node {
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
    if (FUNCTION_SCOPES.has(current.type) || current.type === 'program') return current;
  }
  return node.tree.rootNode;
}

/** Functions, by node type; `async` is an anonymous child token of each. */
export const FUNCTION_TYPES: ReadonlySet<string> = FUNCTION_SCOPES;

/** The innermost function (declaration, expression, arrow or method) containing `node`. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; current = current.parent, steps++) {
    if (FUNCTION_SCOPES.has(current.type)) return current;
  }
  return undefined;
}

/** Methods that call the callback they are given before they return: arrays' (and `Map`/`Set`'s `forEach`). */
const CALLS_CALLBACK_AT_ONCE = new Set([
  'map', 'forEach', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex',
  'flatMap', 'sort', 'toSorted',
]);

/**
 * A plain function written in place where the code around it calls it at once, in the same turn: the callback of an
 * array method (`xs.map((x) => ...)`), of `Array.from(xs, f)`, or a `new Promise` executor. What it does, that code does.
 */
export function runsInline(fn: Node): boolean {
  if ((fn.type !== 'arrow_function' && fn.type !== 'function_expression' && fn.type !== 'function') || isAsyncFunction(fn)) return false;
  let node = fn;
  for (let steps = 0; node.parent?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) node = node.parent;
  const args = node.parent;
  const holder = args?.type === 'arguments' ? args.parent : undefined;
  const position = args ? args.namedChildren.findIndex((arg) => arg?.id === node.id) : -1;
  if (holder?.type === 'new_expression') return position === 0 && holder.childForFieldName('constructor')?.text === 'Promise';
  const callee = holder?.type === 'call_expression' ? holder.childForFieldName('function') : undefined;
  if (callee?.type !== 'member_expression') return false;
  const method = callee.childForFieldName('property')?.text ?? '';
  if (method === 'from' && callee.childForFieldName('object')?.text === 'Array') return position === 1;
  return position === 0 && CALLS_CALLBACK_AT_ONCE.has(method);
}

/** The function whose run runs `node`: the innermost one holding it, past callbacks that run inline (runsInline). */
export function runningFunction(node: Node): Node | undefined {
  let fn = enclosingFunction(node);
  for (let steps = 0; fn && runsInline(fn) && steps < MAX_NESTING; steps++) fn = enclosingFunction(fn);
  return fn;
}

export function isAsyncFunction(fn: Node): boolean {
  return FUNCTION_SCOPES.has(fn.type) && fn.children.some((c) => c?.type === 'async');
}
