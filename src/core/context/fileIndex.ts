// A file's names and uses, built once per parse: every look-up of "where is this name used" or "which top-level
// function is `main`" is answered from it, so no per-function work scans the whole file.
import type { Node, Tree } from 'web-tree-sitter';

export interface FileIndex {
  /** Where identifiers start (offsets, in source order), by their text. */
  readonly uses: ReadonlyMap<string, readonly number[]>;
  /** Module-level function definitions by name (Python `def`, TS/JS `function`). */
  readonly topLevel: ReadonlyMap<string, Node>;
}

// By tree: every read of `tree.rootNode` makes a new node object, and each user of the tree reads its own.
const usesByTree = new WeakMap<Tree, Map<string, number[]>>();
const topLevelByTree = new WeakMap<Tree, Map<string, Node>>();

/** The index of the tree whose root is `root`, built on first use (one search of the tree). */
export function fileIndex(root: Node): FileIndex {
  let uses = usesByTree.get(root.tree);
  if (!uses) usesByTree.set(root.tree, uses = buildUses(root));
  return {
    uses,
    // Built when first read (few files have a `main` to look up): an edit's analysis mostly asks for uses only.
    get topLevel() {
      let topLevel = topLevelByTree.get(root.tree);
      if (!topLevel) topLevelByTree.set(root.tree, topLevel = buildTopLevel(root));
      return topLevel;
    },
  };
}

function buildUses(root: Node): Map<string, number[]> {
  const uses = new Map<string, number[]>();
  // One search inside the parser's own code, in source order: node objects are made only for identifiers.
  for (const node of root.descendantsOfType('identifier')) {
    if (!node) continue;
    const list = uses.get(node.text);
    if (list) list.push(node.startIndex);
    else uses.set(node.text, [node.startIndex]);
  }
  return uses;
}

function buildTopLevel(root: Node): Map<string, Node> {
  const topLevel = new Map<string, Node>();
  for (const statement of root.namedChildren) {
    let definition: Node | null = statement;
    if (definition?.type === 'decorated_definition' || definition?.type === 'export_statement') definition = definition.childForFieldName('definition') ?? definition.childForFieldName('declaration');
    if (definition?.type !== 'function_definition' && definition?.type !== 'function_declaration') continue;
    const name = definition.childForFieldName('name')?.text;
    if (name && !topLevel.has(name)) topLevel.set(name, definition);
  }
  return topLevel;
}

/** The identifier uses kept for `tree`, if its index was built (plain data: offsets by name). */
export function keptUses(tree: Tree): ReadonlyMap<string, readonly number[]> | undefined {
  return usesByTree.get(tree);
}

/**
 * The uses of a tree that differs from an earlier one (whose uses were `before`) only inside `changed` spans (offsets
 * before and after; everything outside has the same text and parse): the earlier uses outside them, moved, and the
 * identifiers of the new spans' nodes. What buildUses would find, without a search of the whole tree.
 */
export function carryUses(tree: Tree, before: ReadonlyMap<string, readonly number[]>, changed: readonly { oldStart: number; oldEnd: number; node?: Node; newStart: number; newEnd: number }[]): void {
  if (usesByTree.has(tree)) return;
  const spans = [...changed].sort((a, b) => a.oldStart - b.oldStart);
  const moved = (offset: number): number | undefined => {
    let shift = 0;
    for (const span of spans) {
      if (offset < span.oldStart) break;
      if (offset < span.oldEnd) return undefined;
      shift += (span.newEnd - span.newStart) - (span.oldEnd - span.oldStart);
    }
    return offset + shift;
  };
  const uses = new Map<string, number[]>();
  for (const [name, offsets] of before) {
    const kept: number[] = [];
    for (const offset of offsets) {
      const at = moved(offset);
      if (at !== undefined) kept.push(at);
    }
    if (kept.length) uses.set(name, kept);
  }
  const added = new Set<string>();
  for (const span of spans) {
    // A span without a node (spaces and line breaks only) names nothing.
    for (const node of span.node?.descendantsOfType('identifier') ?? []) {
      if (!node) continue;
      const list = uses.get(node.text);
      if (list) list.push(node.startIndex);
      else uses.set(node.text, [node.startIndex]);
      added.add(node.text);
    }
  }
  for (const name of added) uses.get(name)!.sort((a, b) => a - b);
  usesByTree.set(tree, uses);
}

/** How many uses of a name are looked at (bounds the work on a name used everywhere). */
export const MAX_REFERENCES = 50;

/** The identifiers spelled `name` (at most MAX_REFERENCES), outside `skip` (the function itself): where a name is used. */
export function identifierUses(root: Node, name: string, skip?: Node): Node[] {
  let byName = firstUses.get(root.tree);
  if (!byName) firstUses.set(root.tree, byName = new Map<string, Node[]>());
  let first = byName.get(name);
  if (!first) {
    // The first uses' nodes, made once per name and tree.
    first = [];
    for (const offset of (fileIndex(root).uses.get(name) ?? []).slice(0, MAX_REFERENCES)) {
      const use = root.descendantForIndex(offset, offset + name.length);
      if (use?.type === 'identifier' && use.startIndex === offset) first.push(use);
    }
    byName.set(name, first);
  }
  return skip ? first.filter((use) => !(skip.startIndex <= use.startIndex && use.startIndex < skip.endIndex)) : [...first];
}

const firstUses = new WeakMap<Tree, Map<string, Node[]>>();

/** How many identifiers spell `name` in the file (for "too common to judge" bounds). */
export function useCount(root: Node, name: string): number {
  return fileIndex(root).uses.get(name)?.length ?? 0;
}
