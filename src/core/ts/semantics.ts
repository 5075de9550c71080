import { Query, type Node, type Tree } from 'web-tree-sitter';

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

/** Node's built-in modules answer to both 'fs' and 'node:fs'; 'fs/promises' is `fs.promises`. */
export function normalizeModule(specifier: string): string {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (bare === 'fs/promises') return 'fs.promises';
  if (bare === 'timers/promises') return 'timers.promises';
  if (bare === 'dns/promises') return 'dns.promises';
  if (bare === 'stream/promises') return 'stream.promises';
  return bare;
}

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

function unwrap(node: Node | null | undefined): Node | undefined {
  let current = node ?? undefined;
  while (current && (current.type === 'parenthesized_expression' || current.type === 'as_expression'
    || current.type === 'non_null_expression' || current.type === 'satisfies_expression' || current.type === 'type_assertion')) {
    current = current.namedChildren.find((c) => c && c.type !== 'type_arguments' && !c.type.endsWith('type') && c.type !== 'type_identifier') ?? undefined;
  }
  return current;
}

export class TsSemantics {
  private readonly scopes = new Map<number, Map<string, Binding[]>>();
  private readonly reassigned = new Set<string>();
  private readonly resolving = new Set<number>();

  constructor(readonly tree: Tree) {
    this.collect();
  }

  get root(): Node {
    return this.tree.rootNode;
  }

  private bind(scope: Node, name: string, binding: Binding): void {
    let names = this.scopes.get(scope.id);
    if (!names) {
      names = new Map();
      this.scopes.set(scope.id, names);
    }
    const list = names.get(name);
    if (list) list.push(binding);
    else names.set(name, [binding]);
  }

  private collect(): void {
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
        case 'params': this.collectParams(node); break;
        case 'param': this.bind(node.parent!, node.text, { kind: 'param', node }); break;
        case 'catch': this.bindPattern(node, node.parent!, 'param'); break;
        case 'for_left': this.collectForLeft(node); break;
        case 'reassigned': reassigned.push(node); break;
      }
    }
    // After every declaration is known, so hoisted and later declarations count.
    for (const node of reassigned) this.reassigned.add(`${this.declaringScopeId(node)}:${node.text}`);
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

  private collectParams(params: Node): void {
    const owner = params.parent!;
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

  private declaringScopeId(use: Node): number {
    const found = this.lookup(use.text, use);
    return found ? found.scope.id : -1;
  }

  /** The innermost scope declaring `name` around `use`, with its bindings. */
  private lookup(name: string, use: Node): { scope: Node; bindings: Binding[] } | undefined {
    for (let current: Node | null = use.parent; current; current = current.parent) {
      const found = this.scopes.get(current.id)?.get(name);
      if (found) return { scope: current, bindings: found };
    }
    const top = this.scopes.get(this.root.id)?.get(name);
    return top ? { scope: this.root, bindings: top } : undefined;
  }

  /** True when `name` is declared by this file in a scope enclosing `use` (so it is not the global). */
  isDeclared(name: string, use: Node): boolean {
    return this.lookup(name, use) !== undefined;
  }

  /** What the expression `node` denotes, or undefined when unknown. */
  resolve(node: Node): TsResolution | undefined {
    if (this.resolving.has(node.id)) return undefined;
    this.resolving.add(node.id);
    try {
      return this.resolveUncached(node);
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
        const name = property.type === 'private_property_identifier' ? undefined : property.text;
        return name === undefined ? undefined : this.member(object, name);
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
        if (binding.kind === 'let' && this.reassigned.has(`${found.scope.id}:${name}`)) return undefined;
        if (!binding.value) return undefined;
        let resolved = this.resolve(binding.value);
        if (!resolved && (binding.value.type === 'class' || binding.value.type === 'function_expression' || binding.value.type === 'arrow_function')) {
          resolved = { kind: 'local', node: binding.value, name };
        }
        for (const key of binding.path ?? []) {
          if (!resolved || resolved.kind !== 'qualified') return undefined;
          resolved = { kind: 'qualified', name: `${resolved.name}.${key}` };
        }
        return resolved;
      }
      default: return undefined;
    }
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

function isClass(node: Node): boolean {
  return node.type === 'class_declaration' || node.type === 'class' || node.type === 'abstract_class_declaration';
}

function blockScopeOf(node: Node): Node {
  for (let current = node.parent; current; current = current.parent) {
    if (BLOCK_SCOPES.has(current.type) || FUNCTION_SCOPES.has(current.type) || current.type === 'program') {
      // A function's body block and the function share one scope for `var` and parameters; let/const go to the block.
      return current;
    }
  }
  return node.tree.rootNode;
}

function functionScopeOf(node: Node): Node {
  for (let current = node.parent; current; current = current.parent) {
    if (FUNCTION_SCOPES.has(current.type) || current.type === 'program') return current;
  }
  return node.tree.rootNode;
}

/** Functions, by node type; `async` is an anonymous child token of each. */
export const FUNCTION_TYPES: ReadonlySet<string> = FUNCTION_SCOPES;

/** The innermost function (declaration, expression, arrow or method) containing `node`. */
export function enclosingFunction(node: Node): Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (FUNCTION_SCOPES.has(current.type)) return current;
  }
  return undefined;
}

export function isAsyncFunction(fn: Node): boolean {
  return FUNCTION_SCOPES.has(fn.type) && fn.children.some((c) => c?.type === 'async');
}
