import type { Node, Tree } from 'web-tree-sitter';
import { MAX_NESTING } from '../locate';
import { knownReturnType } from './returnTypes';

/**
 * Name resolution for one Python file: which API a name or expression stands for,
 * through imports, aliases, assignments, `with ... as`, annotations and `self.x` attributes.
 * Rules, hovers and the visualiser all ask this one place, so they agree.
 */

/** What an expression denotes. */
export type Resolution =
  /** A module, function or class of a library, by qualified name ('time.sleep', 'threading.Thread'). */
  | { kind: 'qualified'; name: string }
  /** An object made by calling a class or factory ('requests.Session' for `requests.Session()`), or a local class. */
  | { kind: 'instance'; type: string }
  /** A function or class defined in this file. */
  | { kind: 'local'; node: Node; name: string };

type BindingKind = 'import' | 'def' | 'class' | 'assign' | 'param' | 'opaque';

interface Binding {
  kind: BindingKind;
  /** Where the binding happens (start offset), to pick the one in force at a use. */
  at: number;
  /** import: the qualified name; def/class: the definition node; assign: the value; param: its annotation. */
  qualified?: string;
  node?: Node;
  /** assign: the annotation of `x: T = value`, which says more than an unknown value. */
  annotation?: Node;
}

interface Scope {
  node: Node;
  kind: 'module' | 'function' | 'class' | 'lambda';
  bindings: Map<string, Binding[]>;
  globals: Set<string>;
}

const SCOPE_TYPES = new Set(['module', 'function_definition', 'class_definition', 'lambda']);

// The builtins that matter to concurrency rules and hovers; other builtins resolve the same way.
const BUILTINS = new Set(['open', 'input', 'print', 'sorted', 'sum', 'min', 'max', 'map', 'range', 'len', 'any', 'all', 'pow']);


const ANNOTATED: ReadonlySet<string> = new Set(['typing.Annotated', 'typing_extensions.Annotated']);

export class PythonSemantics {
  private readonly scopes = new Map<number, Scope>();
  private readonly classAttributes = new Map<number, Map<string, Binding[]>>();
  private readonly resolving = new Set<number>();
  private readonly resolved = new Map<number, Resolution | undefined>();

  /** Scope node per node id: `Node.parent` is costly in web-tree-sitter (it searches down from the root), so each answer is kept. */
  private readonly scopeCache = new Map<number, Node>();
  /** Per function id: the class it is a method of and its first parameter's name, or null when it is no method. */
  private readonly methods = new Map<number, { classNode: Node; selfName: string | undefined } | null>();

  constructor(readonly tree: Tree) {}

  /** The innermost function, class, lambda or module enclosing `node` (not `node` itself). */
  private scopeNodeOf(node: Node): Node {
    const cached = this.scopeCache.get(node.id);
    if (cached) return cached;
    // Iterative (deeply nested broken files would overflow a recursive walk), and at most MAX_NESTING steps:
    // each `parent` costs the node's depth, so an unbounded climb out of 10,000 nested brackets is quadratic.
    const visited: Node[] = [node];
    let current = node;
    let scope: Node;
    for (let steps = 0; ; steps++) {
      const parent = steps < MAX_NESTING ? current.parent : this.root;
      if (!parent) { scope = current; break; }
      if (SCOPE_TYPES.has(parent.type) || parent.id === this.root.id) { scope = parent; break; }
      const known = this.scopeCache.get(parent.id);
      if (known) { scope = known; break; }
      visited.push(parent);
      current = parent;
    }
    for (const n of visited) this.scopeCache.set(n.id, scope);
    return scope;
  }

  private rootNode: Node | undefined;
  /** Asked at every step of a climb: web-tree-sitter makes a new node object per `rootNode`. */
  get root(): Node {
    return (this.rootNode ??= this.tree.rootNode);
  }

  /**
   * A scope's bindings, collected on first use by walking only that scope's own statements:
   * resolving a name costs the scopes on its chain, not the whole file.
   */
  private scopeFor(node: Node): Scope {
    let scope = this.scopes.get(node.id);
    if (!scope) {
      // The root is the module scope even when a broken file makes it an ERROR node.
      const kind = node.id === this.root.id || node.type === 'module' ? 'module'
        : node.type === 'class_definition' ? 'class'
        : node.type === 'lambda' ? 'lambda' : 'function';
      scope = { node, kind, bindings: new Map(), globals: new Set() };
      this.scopes.set(node.id, scope);
      this.collectScope(scope);
    }
    return scope;
  }

  private bind(scope: Scope, name: string, binding: Binding): void {
    const list = scope.bindings.get(name);
    if (list) list.push(binding);
    else scope.bindings.set(name, [binding]);
  }

  private collectScope(scope: Scope): void {
    const node = scope.node;
    if (scope.kind === 'module') {
      this.collectStatements(scope, node, 0);
      return;
    }
    const params = node.childForFieldName('parameters');
    if (params) this.collectParams(scope, params);
    const body = node.childForFieldName('body');
    if (body && node.type !== 'lambda') this.collectStatements(scope, body, 0);
  }

  /** Bindings made by a block's statements, descending into compound statements but not into nested scopes. */
  private collectStatements(scope: Scope, block: Node, depth: number): void {
    if (depth > 1000) return;
    for (const statement of block.namedChildren) {
      if (statement) this.collectStatement(scope, statement, depth);
    }
  }

  private collectStatement(scope: Scope, statement: Node, depth: number): void {
    switch (statement.type) {
      case 'import_statement': this.collectImport(scope, statement); return;
      case 'import_from_statement': this.collectFromImport(scope, statement); return;
      case 'function_definition':
      case 'class_definition': {
        const name = statement.childForFieldName('name');
        if (name) this.bind(scope, name.text, { kind: statement.type === 'class_definition' ? 'class' : 'def', at: name.startIndex, node: statement });
        return;
      }
      case 'decorated_definition': {
        const definition = statement.childForFieldName('definition');
        if (definition) this.collectStatement(scope, definition, depth);
        return;
      }
      case 'expression_statement':
        for (const child of statement.namedChildren) {
          if (child?.type === 'assignment') this.collectAssignment(scope, child);
          else if (child?.type === 'augmented_assignment') {
            const left = child.childForFieldName('left');
            if (left?.type === 'identifier') this.bind(scope, left.text, { kind: 'opaque', at: left.startIndex });
          }
        }
        return;
      case 'global_statement':
      case 'nonlocal_statement':
        for (const name of statement.namedChildren) if (name?.type === 'identifier') scope.globals.add(name.text);
        return;
      case 'for_statement': {
        const left = statement.childForFieldName('left');
        if (left) this.bindPattern(scope, left);
        break;
      }
      case 'with_statement':
        for (const clause of statement.namedChildren) {
          if (clause?.type !== 'with_clause') continue;
          for (const item of clause.namedChildren) {
            const value = item?.childForFieldName('value');
            if (value?.type === 'as_pattern') this.collectAs(scope, value);
          }
        }
        break;
      case 'except_clause':
        for (const child of statement.namedChildren) if (child?.type === 'as_pattern') this.collectAs(scope, child);
        break;
    }
    // Compound statements: their blocks and clauses (elif/else/except/finally) bind in this same scope.
    for (const child of statement.namedChildren) {
      if (!child) continue;
      if (child.type === 'block') this.collectStatements(scope, child, depth + 1);
      else if (child.type.endsWith('_clause') && child.type !== 'with_clause') this.collectStatement(scope, child, depth + 1);
    }
  }

  private collectImport(scope: Scope, node: Node): void {
    for (const child of node.childrenForFieldName('name')) {
      if (child.type === 'aliased_import') {
        const target = child.childForFieldName('name')!.text;
        const alias = child.childForFieldName('alias')!.text;
        this.bind(scope, alias, { kind: 'import', at: node.startIndex, qualified: target });
      } else {
        // `import a.b.c` binds `a`; `a.b.c` then resolves attribute by attribute.
        const first = child.text.split('.')[0];
        this.bind(scope, first, { kind: 'import', at: node.startIndex, qualified: first });
      }
    }
  }

  private collectFromImport(scope: Scope, node: Node): void {
    const moduleNode = node.childForFieldName('module_name');
    if (!moduleNode) return;
    // Relative imports name this project's own modules, never a library API: their names keep the leading dots
    // ('.helpers.f' for `from .helpers import f`, '.helpers' for `from . import helpers`), which no catalogue holds.
    const module = moduleNode.text;
    const relativeRoot = /^\.+$/.test(module);
    for (const child of node.childrenForFieldName('name')) {
      const [target, alias] = child.type === 'aliased_import'
        ? [child.childForFieldName('name')!.text, child.childForFieldName('alias')!.text]
        : [child.text, child.text];
      this.bind(scope, alias, { kind: 'import', at: node.startIndex, qualified: relativeRoot ? `${module}${target}` : `${module}.${target}` });
    }
  }

  private collectAssignment(scope: Scope, assignment: Node): void {
    const left = assignment.childForFieldName('left');
    if (!left) return;
    let value = assignment.childForFieldName('right') ?? undefined;
    // Chained `a = b = value` nests assignments; the innermost right side is the value.
    if (value?.type === 'assignment') this.collectAssignment(scope, value);
    while (value?.type === 'assignment') value = value.childForFieldName('right') ?? undefined;
    if (left.type === 'identifier') {
      const annotation = assignment.childForFieldName('type') ?? undefined;
      this.bind(scope, left.text, value
        ? { kind: 'assign', at: left.startIndex, node: value, annotation }
        : annotation ? { kind: 'param', at: left.startIndex, node: annotation } : { kind: 'opaque', at: left.startIndex });
    } else if (left.type !== 'attribute' && left.type !== 'subscript') {
      // `a, b = X(), Y()`: each name gets the value in its place; other unpackings bind opaque names.
      const names = left.type === 'pattern_list' || left.type === 'tuple_pattern' ? left.namedChildren : [];
      const values = value?.type === 'expression_list' || value?.type === 'tuple' ? value.namedChildren.filter((c) => c?.type !== 'comment') : [];
      if (names.length > 0 && names.length === values.length && names.every((n) => n?.type === 'identifier') && values.every((v) => v?.type !== 'list_splat')) {
        names.forEach((n, i) => this.bind(scope, n.text, { kind: 'assign', at: n.startIndex, node: values[i] }));
      } else {
        this.bindPattern(scope, left);
      }
    }
  }

  /** `self.x = value` in the class's methods, collected once per class so `self.x` resolves in every method. */
  private attributesOf(classNode: Node): Map<string, Binding[]> {
    let attributes = this.classAttributes.get(classNode.id);
    if (attributes) return attributes;
    attributes = new Map();
    this.classAttributes.set(classNode.id, attributes);
    for (const statement of classNode.childForFieldName('body')?.namedChildren ?? []) {
      const method = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (method?.type !== 'function_definition') continue;
      const selfName = firstParameterName(method);
      const body = method.childForFieldName('body');
      if (selfName && body) this.collectSelfAssignments(body, selfName, attributes, 0);
    }
    return attributes;
  }

  private collectSelfAssignments(block: Node, selfName: string, into: Map<string, Binding[]>, depth: number): void {
    if (depth > 100) return;
    for (const statement of block.namedChildren) {
      if (!statement || statement.type === 'function_definition' || statement.type === 'class_definition' || statement.type === 'decorated_definition') continue;
      if (statement.type === 'expression_statement') {
        for (const child of statement.namedChildren) {
          if (child?.type !== 'assignment') continue;
          const left = child.childForFieldName('left');
          const value = child.childForFieldName('right');
          const object = left?.type === 'attribute' ? left.childForFieldName('object') : undefined;
          const attribute = left?.childForFieldName('attribute');
          if (object?.type === 'identifier' && object.text === selfName && attribute && value) {
            const list = into.get(attribute.text) ?? [];
            list.push({ kind: 'assign', at: left!.startIndex, node: value, annotation: child.childForFieldName('type') ?? undefined });
            into.set(attribute.text, list);
          }
        }
        continue;
      }
      for (const child of statement.namedChildren) {
        if (child?.type === 'block') this.collectSelfAssignments(child, selfName, into, depth + 1);
        else if (child?.type.endsWith('_clause')) this.collectSelfAssignments(child, selfName, into, depth + 1);
      }
    }
  }

  /** The class whose method `fn` is, when `selfName` is that method's first parameter. */
  private classOfMethod(fn: Node, selfName: string): Node | undefined {
    if (fn.type !== 'function_definition') return undefined;
    let method = this.methods.get(fn.id);
    if (method === undefined) {
      let holder = fn.parent;
      if (holder?.type === 'decorated_definition') holder = holder.parent;
      const classNode = holder?.parent;
      method = holder?.type === 'block' && classNode?.type === 'class_definition' ? { classNode, selfName: firstParameterName(fn) } : null;
      this.methods.set(fn.id, method);
    }
    return method && method.selfName === selfName ? method.classNode : undefined;
  }

  /** The class whose method `name` is the `self` parameter of (at `name`), else undefined. */
  selfClass(name: Node): Node | undefined {
    return name.type === 'identifier' ? this.classOfMethod(this.scopeNodeOf(name), name.text) : undefined;
  }

  private bindPattern(scope: Scope, pattern: Node): void {
    if (pattern.type === 'identifier') {
      this.bind(scope, pattern.text, { kind: 'opaque', at: pattern.startIndex });
      return;
    }
    for (const child of pattern.namedChildren) {
      if (child && ['identifier', 'pattern_list', 'tuple_pattern', 'list_pattern', 'list_splat_pattern', 'parenthesized_expression', 'tuple', 'list'].includes(child.type)) {
        this.bindPattern(scope, child);
      }
    }
  }

  private collectAs(scope: Scope, asPattern: Node): void {
    const target = asPattern.childForFieldName('alias');
    const name = target?.namedChildren[0];
    if (!name || name.type !== 'identifier') {
      if (name) this.bindPattern(scope, name);
      return;
    }
    // `with X() as y` binds y to X().__enter__(), which for locks, files, sessions and pools is the object itself.
    const inWith = asPattern.parent?.type === 'with_item';
    const value = inWith ? asPattern.namedChildren[0] : undefined;
    this.bind(scope, name.text, value
      ? { kind: 'assign', at: name.startIndex, node: value }
      : { kind: 'opaque', at: name.startIndex });
  }

  private collectParams(scope: Scope, params: Node): void {
    for (const p of params.namedChildren) {
      if (!p) continue;
      let nameNode: Node | null | undefined;
      let annotation: Node | undefined;
      switch (p.type) {
        case 'identifier': nameNode = p; break;
        case 'typed_parameter': nameNode = p.namedChildren[0]; annotation = p.childForFieldName('type') ?? undefined; break;
        case 'default_parameter': nameNode = p.childForFieldName('name'); break;
        case 'typed_default_parameter': nameNode = p.childForFieldName('name'); annotation = p.childForFieldName('type') ?? undefined; break;
        case 'list_splat_pattern': case 'dictionary_splat_pattern': nameNode = p.namedChildren[0]; break;
      }
      if (nameNode?.type === 'identifier') {
        this.bind(scope, nameNode.text, { kind: 'param', at: nameNode.startIndex, node: annotation });
      }
    }
  }

  /** Bindings of `name` visible at `use`, following Python's scoping (class bodies are not seen from methods). */
  private lookup(name: string, use: Node): { scope: Scope; bindings: Binding[] } | undefined {
    let scopeNode: Node | null = this.scopeNodeOf(use);
    let first = true;
    while (scopeNode) {
      const scope = this.scopeFor(scopeNode);
      if (scope.globals.has(name)) {
        const module = this.scopeFor(this.root);
        const found = module.bindings.get(name);
        return found ? { scope: module, bindings: found } : undefined;
      }
      if (first || scope.kind !== 'class') {
        const found = scope.bindings.get(name);
        if (found) return { scope, bindings: found };
      }
      first = false;
      // Bounded by the tree's depth: each step moves to a strictly enclosing scope, and the root ends it
      // (its type is ERROR, not module, in a broken file, so test for the root itself).
      scopeNode = scope.kind === 'module' || scopeNode.id === this.root.id ? null : this.scopeNodeOf(scopeNode);
    }
    return undefined;
  }

  /** The binding in force at `use`: the last one before it, else (a function run later) the last one. */
  private static pick(bindings: Binding[], use: Node, sameScope: boolean): Binding {
    if (sameScope) {
      let chosen: Binding | undefined;
      for (const b of bindings) if (b.at <= use.startIndex) chosen = b;
      if (chosen) return chosen;
    }
    const imports = bindings.filter((b) => b.kind === 'import');
    // A module-level name bound both by import and later code is the import most of the time it is used.
    if (!sameScope && imports.length === bindings.length) return imports[imports.length - 1];
    return bindings[bindings.length - 1];
  }

  /**
   * The expression last assigned to a name or `self.x` attribute as seen at `node`
   * (`Thread(...)` for `t` after `t = Thread(...)`), or undefined when it is not a plain assignment.
   */
  assignedValue(node: Node): Node | undefined {
    if (node.type === 'identifier') {
      const found = this.lookup(node.text, node);
      if (!found) return undefined;
      const binding = PythonSemantics.pick(found.bindings, node, found.scope.node.id === this.scopeNodeOf(node).id);
      return binding.kind === 'assign' ? binding.node : undefined;
    }
    if (node.type === 'attribute') {
      const object = node.childForFieldName('object');
      const attribute = node.childForFieldName('attribute')?.text;
      if (object?.type !== 'identifier' || !attribute) return undefined;
      const classNode = this.classOfMethod(this.scopeNodeOf(node), object.text);
      const bindings = classNode ? this.attributesOf(classNode).get(attribute) : undefined;
      return bindings?.[bindings.length - 1]?.node;
    }
    return undefined;
  }

  /** What the expression `node` denotes, or undefined when unknown. */
  resolve(node: Node): Resolution | undefined {
    // Several rules (and hovers, and the visualiser) ask about the same callees: answer each node once.
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

  private resolveUncached(node: Node): Resolution | undefined {
    switch (node.type) {
      case 'identifier': return this.resolveName(node);
      case 'attribute': return this.resolveAttribute(node);
      case 'call': {
        const callee = node.childForFieldName('function');
        const target = callee ? this.resolve(callee) : undefined;
        if (!target) return undefined;
        if (target.kind === 'local') return target.node.type === 'class_definition' ? { kind: 'instance', type: `<local>.${target.name}` } : undefined;
        const name = target.kind === 'qualified' ? target.name : `${target.type}()`;
        return { kind: 'instance', type: knownReturnType(name) ?? name };
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildren[0];
        return inner ? this.resolve(inner) : undefined;
      }
      case 'await': return undefined;
      case 'subscript': {
        // An alias `SessionDep = Annotated[Session, Depends(get_db)]` denotes what it annotates.
        const head = node.childForFieldName('value');
        const qualified = head ? this.resolve(head) : undefined;
        const annotated = qualified?.kind === 'qualified' && ANNOTATED.has(qualified.name) ? node.childrenForFieldName('subscript')[0] : undefined;
        return annotated ? this.resolve(annotated) : undefined;
      }
      case 'string': case 'type': {
        // Annotations: `lock: threading.Lock` makes `lock` an instance of threading.Lock.
        const annotatedNode = node.type === 'type' ? this.optionalInner(node.namedChildren[0] ?? undefined, 0) : undefined;
        if (annotatedNode) {
          // `"Repo"` / `"Repo | None"`: a forward reference names the class as the text would.
          const annotated = annotatedNode.type === 'string' ? this.stringAnnotation(annotatedNode) : this.resolve(annotatedNode);
          if (annotated?.kind === 'local' && annotated.node.type === 'class_definition') return { kind: 'instance', type: `<local>.${annotated.name}` };
          return annotated?.kind === 'qualified' ? { kind: 'instance', type: annotated.name } : undefined;
        }
        return undefined;
      }
      default: return undefined;
    }
  }

  /** The type inside `Optional[T]`, `T | None`, `Union[T, None]` (or `T` itself); undefined for other unions. */
  private optionalInner(node: Node | undefined, depth: number): Node | undefined {
    if (!node || depth > 8) return undefined;
    const isNone = (n: Node | null) => n?.type === 'none' || (n?.type === 'type' && n.namedChildren[0]?.type === 'none');
    switch (node.type) {
      case 'type':
        return this.optionalInner(node.namedChildren[0] ?? undefined, depth + 1);
      case 'binary_operator': {
        if (node.childForFieldName('operator')?.text !== '|') return undefined;
        const parts = [node.childForFieldName('left'), node.childForFieldName('right')].filter((n) => n && !isNone(n));
        return parts.length === 1 ? this.optionalInner(parts[0]!, depth + 1) : undefined;
      }
      case 'generic_type': case 'subscript': {
        const head = node.type === 'generic_type' ? node.namedChildren[0] : node.childForFieldName('value');
        const qualified = head ? this.resolve(head) : undefined;
        const name = qualified?.kind === 'qualified' ? qualified.name : undefined;
        const args = node.type === 'generic_type'
          ? node.namedChildren[1]?.namedChildren ?? []
          : node.childrenForFieldName('subscript');
        // `Annotated[T, metadata]` is a T (FastAPI's `session: Annotated[Session, Depends(get_db)]`).
        if (name !== undefined && ANNOTATED.has(name)) return this.optionalInner(args[0] ?? undefined, depth + 1);
        if (name !== 'typing.Optional' && name !== 'typing.Union') return undefined;
        const parts = args.filter((n) => n && !isNone(n));
        return parts.length === 1 ? this.optionalInner(parts[0], depth + 1) : undefined;
      }
      default:
        return node;
    }
  }

  /** A string annotation naming one class, optionally `| None`: `"Repo"`, `"models.Repo | None"`; not other unions or generics. */
  private stringAnnotation(node: Node): Resolution | undefined {
    const parts = node.namedChildren.filter((c) => c?.type !== 'string_start' && c?.type !== 'string_end');
    if (parts.length !== 1 || parts[0]?.type !== 'string_content') return undefined;
    const named = parts[0].text.split('|').map((p) => p.trim()).filter((p) => p !== 'None');
    const dotted = named.length === 1 ? named[0].split('.') : [];
    // A name, not an expression: anything else in the string is left unresolved.
    if (!dotted.length || !dotted.every((p) => /^[A-Za-z_]\w*$/.test(p))) return undefined;
    let resolved = this.resolveNameAt(dotted[0], node);
    for (const attribute of dotted.slice(1)) resolved = resolved?.kind === 'qualified' ? { kind: 'qualified', name: `${resolved.name}.${attribute}` } : undefined;
    return resolved;
  }

  private resolveName(node: Node): Resolution | undefined {
    return this.resolveNameAt(node.text, node);
  }

  /** What `name` would denote if written at `use`. */
  private resolveNameAt(name: string, node: Node): Resolution | undefined {
    const found = this.lookup(name, node);
    if (!found) {
      return BUILTINS.has(name) ? { kind: 'qualified', name: `builtins.${name}` } : undefined;
    }
    const binding = PythonSemantics.pick(found.bindings, node, found.scope.node.id === this.scopeNodeOf(node).id);
    switch (binding.kind) {
      case 'import': return { kind: 'qualified', name: binding.qualified! };
      case 'def': case 'class': return { kind: 'local', node: binding.node!, name };
      case 'assign': return (binding.annotation ? this.resolve(binding.annotation) : undefined) ?? (binding.node ? this.resolve(binding.node) : undefined);
      case 'param': {
        if (!binding.node) return undefined;
        return this.resolveUncached(binding.node.type === 'type' ? binding.node : binding.node);
      }
      default: return undefined;
    }
  }

  private resolveAttribute(node: Node): Resolution | undefined {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute')?.text;
    if (!object || !attribute) return undefined;
    if (object.type === 'identifier') {
      const selfAttr = this.resolveSelfAttribute(object, attribute, node);
      if (selfAttr !== null) return selfAttr;
    }
    const base = this.resolve(object);
    if (!base) return undefined;
    switch (base.kind) {
      case 'qualified': return { kind: 'qualified', name: `${base.name}.${attribute}` };
      case 'instance': return this.memberOfType(base.type, attribute);
      case 'local': {
        if (base.node.type !== 'class_definition') return undefined;
        const method = this.localMethod(base.node, attribute);
        return method ? { kind: 'local', node: method, name: `${base.name}.${attribute}` } : undefined;
      }
    }
  }

  /** `self.x` in a method: resolves through the class's `self.x = ...` assignments; null when `object` is not `self`. */
  private resolveSelfAttribute(object: Node, attribute: string, use: Node): Resolution | undefined | null {
    const classNode = this.classOfMethod(this.scopeNodeOf(use), object.text);
    if (!classNode) return null;
    const bindings = this.attributesOf(classNode).get(attribute);
    if (bindings?.length) {
      const value = bindings[bindings.length - 1].node;
      return value ? this.resolve(value) : undefined;
    }
    const method = this.localMethod(classNode, attribute);
    // `self.manager` read through `@property def manager(self) -> Manager`: an instance of what the annotation names.
    if (method && !(use.parent?.type === 'call' && use.parent.childForFieldName('function')?.id === use.id)) {
      const returned = this.propertyType(method);
      if (returned !== null) return returned;
    }
    if (method) return { kind: 'local', node: method, name: attribute };
    // Inherited from a library base, e.g. `self.start()` in a Thread subclass.
    for (const base of this.baseTypes(classNode)) return { kind: 'qualified', name: `${base}.${attribute}` };
    return undefined;
  }

  /**
   * What reading a property gives (`@property` / `@functools.cached_property` with a return annotation): an instance
   * of the annotated type, or undefined when that is unknown; null when `method` is no property.
   */
  propertyType(method: Node): Resolution | undefined | null {
    const holder = method.parent;
    if (holder?.type !== 'decorated_definition') return null;
    const property = holder.namedChildren.some((d) => {
      if (d?.type !== 'decorator') return false;
      const expression = d.namedChildren[0];
      // `property` is a builtin unless the module binds the name.
      if (expression?.type === 'identifier' && expression.text === 'property') return this.lookup('property', expression) === undefined;
      const resolved = expression ? this.resolve(expression) : undefined;
      return resolved?.kind === 'qualified' && PROPERTY_DECORATORS.has(resolved.name);
    });
    if (!property) return null;
    const annotation = method.childForFieldName('return_type');
    const type = annotation ? this.resolve(annotation) : undefined;
    return type?.kind === 'instance' ? type : undefined;
  }

  /** A member of an instance: a method of a local class (or what it inherits), else `Type.member`. */
  private memberOfType(type: string, member: string): Resolution | undefined {
    if (type.startsWith('<local>.')) {
      const classNode = this.localClass(type.slice('<local>.'.length));
      if (!classNode) return undefined;
      const method = this.localMethod(classNode, member);
      if (method) return { kind: 'local', node: method, name: `${type.slice(8)}.${member}` };
      const bases = this.baseTypes(classNode);
      return bases.length ? { kind: 'qualified', name: `${bases[0]}.${member}` } : undefined;
    }
    return { kind: 'qualified', name: `${type}.${member}` };
  }

  localClass(name: string): Node | undefined {
    const bindings = this.scopeFor(this.root).bindings.get(name);
    const found = bindings?.filter((b) => b.kind === 'class').pop();
    return found?.node;
  }

  /** A method defined directly in a class body. */
  localMethod(classNode: Node, name: string): Node | undefined {
    const body = classNode.childForFieldName('body');
    for (const statement of body?.namedChildren ?? []) {
      const fn = statement?.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
      if (fn?.type === 'function_definition' && fn.childForFieldName('name')?.text === name) return fn;
    }
    return undefined;
  }

  /** Qualified names of a local class's library bases, following local base classes (with a depth guard). */
  baseTypes(classNode: Node, depth = 0): string[] {
    if (depth > 10) return [];
    const result: string[] = [];
    const superclasses = classNode.childForFieldName('superclasses');
    for (const base of superclasses?.namedChildren ?? []) {
      if (!base || base.type === 'keyword_argument') continue;
      const resolved = this.resolve(base);
      if (resolved?.kind === 'qualified') result.push(resolved.name);
      else if (resolved?.kind === 'local' && resolved.node.type === 'class_definition') {
        result.push(...this.baseTypes(resolved.node, depth + 1));
      }
    }
    return result;
  }

  /** True when a local class derives (directly or through local classes) from `qualified`. */
  isSubclassOf(classNode: Node, qualified: string): boolean {
    return this.baseTypes(classNode).includes(qualified);
  }

  /**
   * The qualified name of what a call calls: 'time.sleep' for `t.sleep()` after `import time as t`,
   * 'requests.Session.get' for `s.get()` after `s = requests.Session()`. Undefined when unknown or local.
   */
  calleeName(call: Node): string | undefined {
    const callee = call.childForFieldName('function');
    if (!callee) return undefined;
    const resolved = this.resolve(callee);
    return resolved?.kind === 'qualified' ? resolved.name : undefined;
  }

  /** The type an expression is an instance of ('threading.Thread', '<local>.Worker'), if known. */
  instanceType(node: Node): string | undefined {
    const resolved = this.resolve(node);
    return resolved?.kind === 'instance' ? resolved.type : undefined;
  }

  /** See `importedName`. */
  moduleImportName(qualified: string): string | undefined {
    const module = this.scopeFor(this.root);
    for (const [name, bindings] of module.bindings) {
      if (bindings.every((b) => b.kind === 'import' && b.qualified === qualified)) return name;
    }
    return undefined;
  }

  /** Module-level names whose last binding is an import, with what they import ('.config.read_config'): the module's re-exports. */
  moduleImports(): Map<string, string> {
    const imports = new Map<string, string>();
    for (const [name, bindings] of this.scopeFor(this.root).bindings) {
      const last = bindings[bindings.length - 1];
      if (last.kind === 'import' && last.qualified) imports.set(name, last.qualified);
    }
    return imports;
  }

  /** Module-level variables last bound to an instance (`client = Client()`, `client: Client = make()`), with its type. */
  moduleInstances(): Map<string, string> {
    const instances = new Map<string, string>();
    for (const [name, bindings] of this.scopeFor(this.root).bindings) {
      const last = bindings[bindings.length - 1];
      if (last.kind !== 'assign' && last.kind !== 'param') continue;
      const typed = (last.annotation ? this.resolve(last.annotation) : undefined) ?? (last.node ? this.resolve(last.node) : undefined);
      if (typed?.kind === 'instance') instances.set(name, typed.type);
    }
    return instances;
  }

  /** A class's `self.x = X()` / `self.x: X = ...` attributes whose last assignment makes an instance, with its type. */
  attributeTypes(classNode: Node): Map<string, string> {
    const types = new Map<string, string>();
    for (const [name, bindings] of this.attributesOf(classNode)) {
      const last = bindings[bindings.length - 1];
      const typed = (last.annotation ? this.resolve(last.annotation) : undefined) ?? (last.node ? this.resolve(last.node) : undefined);
      if (typed?.kind === 'instance') types.set(name, typed.type);
    }
    return types;
  }

  /** True when `name` is bound anywhere at module level (import, def, class, assignment). */
  isModuleName(name: string): boolean {
    return this.scopeFor(this.root).bindings.has(name) ?? false;
  }

  /** The instance's type and, for a local class, every library base it derives from. */
  instanceTypes(node: Node): string[] {
    const type = this.instanceType(node);
    if (!type) return [];
    if (!type.startsWith('<local>.')) return [type];
    const classNode = this.localClass(type.slice(8));
    return classNode ? [type, ...this.baseTypes(classNode)] : [type];
  }
}

/** Decorators that make a method a property: reading the attribute runs it and gives what it returns. */
const PROPERTY_DECORATORS = new Set(['functools.cached_property']);

function firstParameterName(fn: Node): string | undefined {
  const first = fn.childForFieldName('parameters')?.namedChildren[0];
  if (first?.type === 'identifier') return first.text;
  if (first?.type === 'typed_parameter') return first.namedChildren[0]?.text;
  return undefined;
}

/** The innermost function (def or lambda) or module containing `node`. */
export function enclosingFunction(node: Node): Node | undefined {
  let current = node.parent;
  // At most MAX_NESTING steps up (see scopeNodeOf): code nested deeper counts as module level.
  for (let steps = 0; current && current.type !== 'function_definition' && current.type !== 'lambda'; steps++) {
    current = steps < MAX_NESTING ? current.parent : null;
  }
  return current ?? undefined;
}

export function isAsyncFunction(fn: Node): boolean {
  return fn.type === 'function_definition' && fn.children.some((c) => c?.type === 'async');
}

/**
 * The module-level name bound by an import of `qualified` ('asyncio' for `import asyncio`, 'aio' for
 * `import asyncio as aio`, 'sleep' for `from asyncio import sleep`), when that name is bound only by such imports.
 */
export function importedName(semantics: PythonSemantics, qualified: string): string | undefined {
  return semantics.moduleImportName(qualified);
}
