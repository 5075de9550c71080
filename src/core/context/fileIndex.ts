// A file's names and uses, built once per parse: every look-up of "where is this name used" or "which top-level
// function is `main`" is answered from it, so no per-function work scans the whole file.
import type { Node, Tree } from 'web-tree-sitter';

export interface FileIndex {
  /** Identifier nodes by their text, in source order. */
  readonly uses: ReadonlyMap<string, readonly Node[]>;
  /** Module-level function definitions by name (Python `def`, TS/JS `function`). */
  readonly topLevel: ReadonlyMap<string, Node>;
}

// By tree: every read of `tree.rootNode` makes a new node object, and each user of the tree reads its own.
const indexes = new WeakMap<Tree, FileIndex>();

/** The index of the tree whose root is `root`, built on first use (one search of the tree). */
export function fileIndex(root: Node): FileIndex {
  let index = indexes.get(root.tree);
  if (!index) indexes.set(root.tree, index = buildIndex(root));
  return index;
}

function buildIndex(root: Node): FileIndex {
  const uses = new Map<string, Node[]>();
  // One search inside the parser's own code, in source order: node objects are made only for identifiers.
  for (const node of root.descendantsOfType('identifier')) {
    if (!node) continue;
    const list = uses.get(node.text);
    if (list) list.push(node);
    else uses.set(node.text, [node]);
  }
  const topLevel = new Map<string, Node>();
  for (const statement of root.namedChildren) {
    let definition: Node | null = statement;
    if (definition?.type === 'decorated_definition' || definition?.type === 'export_statement') definition = definition.childForFieldName('definition') ?? definition.childForFieldName('declaration');
    if (definition?.type !== 'function_definition' && definition?.type !== 'function_declaration') continue;
    const name = definition.childForFieldName('name')?.text;
    if (name && !topLevel.has(name)) topLevel.set(name, definition);
  }
  return { uses, topLevel };
}

/** How many uses of a name are looked at (bounds the work on a name used everywhere). */
export const MAX_REFERENCES = 50;

/** The identifiers spelled `name` (at most MAX_REFERENCES), outside `skip` (the function itself): where a name is used. */
export function identifierUses(root: Node, name: string, skip?: Node): Node[] {
  const all = fileIndex(root).uses.get(name) ?? [];
  const uses: Node[] = [];
  for (const use of all.slice(0, MAX_REFERENCES)) {
    if (skip && skip.startIndex <= use.startIndex && use.startIndex < skip.endIndex) continue;
    uses.push(use);
  }
  return uses;
}

/** How many identifiers spell `name` in the file (for "too common to judge" bounds). */
export function useCount(root: Node, name: string): number {
  return fileIndex(root).uses.get(name)?.length ?? 0;
}
