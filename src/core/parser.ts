import * as fs from 'fs';
import * as path from 'path';
import { Language as TSLanguage, Parser, type Tree } from 'web-tree-sitter';
import { registerTreeText } from './text';
import type { Language } from './types';

// Grammar files come from @vscode/tree-sitter-wasm (the grammars VS Code itself ships);
// the runtime is web-tree-sitter. The bundle copies all of them into dist/wasm.
const grammarFile: Record<Language, string> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
};

let wasmDirOverride: string | undefined;

/** Lets a host (tests, an unusual layout) say where the .wasm files are. */
export function setWasmDirectory(dir: string): void {
  wasmDirOverride = dir;
}

function findUp(start: string, relative: string): string | undefined {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function locate(file: string): string {
  const dirs = [
    wasmDirOverride,
    path.join(__dirname, 'wasm'),
    findUp(__dirname, 'node_modules/@vscode/tree-sitter-wasm/wasm'),
    findUp(__dirname, 'node_modules/web-tree-sitter'),
  ];
  for (const dir of dirs) {
    if (dir && fs.existsSync(path.join(dir, file))) return path.join(dir, file);
  }
  throw new Error(`Concurrency Lens: cannot find ${file} (looked in ${dirs.filter(Boolean).join(', ')})`);
}

let runtime: Promise<void> | undefined;
const languages = new Map<Language, Promise<TSLanguage>>();
/** The runtime's module (Emscripten fills in the object it is given): its heap views tell the wasm memory's size. */
const runtimeModule: { locateFile: () => string; HEAP8?: Int8Array } = { locateFile: () => locate('web-tree-sitter.wasm') };

function initRuntime(): Promise<void> {
  runtime ??= Parser.init(runtimeModule);
  return runtime;
}

/** Bytes of wasm memory the parser's runtime holds (0 before it starts): it grows with trees and never shrinks. */
export function wasmMemoryBytes(): number {
  return runtimeModule.HEAP8?.buffer.byteLength ?? 0;
}

/** Loads a grammar once, lazily, on first use. */
export function loadLanguage(language: Language): Promise<TSLanguage> {
  let loaded = languages.get(language);
  if (!loaded) {
    loaded = initRuntime().then(() => TSLanguage.load(locate(grammarFile[language])));
    languages.set(language, loaded);
  }
  return loaded;
}

const parsers = new Map<Language, Parser>();

/** One parser per language, reused: creating one per document wastes wasm memory. */
export async function getParser(language: Language): Promise<Parser> {
  const made = parsers.get(language);
  if (made) return made;
  const grammar = await loadLanguage(language);
  // Another caller may have made it while the grammar loaded: one parser per language.
  let parser = parsers.get(language);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(grammar);
    parsers.set(language, parser);
  }
  return parser;
}

/** Synchronous access once `getParser` has resolved for the language. */
export function getLoadedParser(language: Language): Parser | undefined {
  return parsers.get(language);
}

export interface ParseLimits {
  /** Abandon the parse after this many milliseconds (the result is then null). */
  timeoutMs?: number;
}

export function parseText(parser: Parser, text: string, oldTree?: Tree, limits: ParseLimits = {}): Tree | null {
  const deadline = limits.timeoutMs === undefined ? undefined : performance.now() + limits.timeoutMs;
  const tree = parser.parse(text, oldTree ?? null, deadline === undefined ? undefined : {
    progressCallback: () => performance.now() > deadline,
  });
  // A cancelled parse leaves state behind; the next parse must start afresh.
  if (!tree) parser.reset();
  else registerTreeText(tree, text);
  return tree;
}

/**
 * Trees deeper than this are not analysed. Real code stays far below it (Python refuses 100 nested blocks or
 * 200 nested brackets); broken or generated text can reach thousands of levels, where parts of the parser's
 * runtime recurse until its own stack overflows and its memory is corrupted.
 */
export const MAX_TREE_DEPTH = 1500;

/**
 * True when some path from the root is longer than `limit`. A subtree with fewer than k descendants cannot
 * hold a path of k, so the walk only enters subtrees big enough to matter: a handful of nodes in a normal
 * file, at most `limit` per level in a deep one. Iterative, with a cursor (whose moves cost O(1)).
 */
export function deeperThan(tree: Tree, limit: number): boolean {
  const cursor = tree.walk();
  let depth = 0;
  const bigEnough = (): boolean => cursor.currentNode.descendantCount > limit - depth;
  const nextBigSibling = (): boolean => {
    while (cursor.gotoNextSibling()) if (bigEnough()) return true;
    return false;
  };
  try {
    if (!bigEnough()) return false;
    // The cursor stays on nodes big enough to matter; each node is entered at most once, so this ends.
    for (;;) {
      if (depth >= limit) return true;
      if (cursor.gotoFirstChild()) {
        depth++;
        if (bigEnough() || nextBigSibling()) continue;
        cursor.gotoParent();
        depth--;
      }
      // On to the next big sibling of this node or of the nearest ancestor that has one.
      for (;;) {
        if (depth === 0) return false;
        if (nextBigSibling()) break;
        cursor.gotoParent();
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

let otherFileParses = 0;
/** Texts parsed by parseOtherFile since the process started (a test counts them per analysis). */
export function otherFileParseCount(): number {
  return otherFileParses;
}

/**
 * Another project file's text parsed for its summary or exports: bounded by a parse timeout, and refused (null) when
 * it nests deeper than MAX_TREE_DEPTH, as the analysed file would be, since walks over such trees can exhaust the stack.
 */
export function parseOtherFile(parser: Parser, text: string, timeoutMs: number): Tree | null {
  otherFileParses++;
  const tree = parseText(parser, text, undefined, { timeoutMs });
  if (tree && deeperThan(tree, MAX_TREE_DEPTH)) {
    tree.delete();
    return null;
  }
  return tree;
}

export function languageFromPath(file: string): Language | undefined {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.py': case '.pyi': case '.pyw': return 'python';
    case '.ts': case '.mts': case '.cts': return 'typescript';
    case '.tsx': return 'tsx';
    case '.js': case '.mjs': case '.cjs': case '.jsx': return 'javascript';
    default: return undefined;
  }
}

/** A file's language family by its name: Python, or TS/JS (one call graph covers TypeScript and JavaScript together). */
export function languageFamilyOfPath(file: string): 'python' | 'ts' | undefined {
  const language = languageFromPath(file);
  return language === undefined ? undefined : language === 'python' ? 'python' : 'ts';
}

/** Maps a VS Code languageId to the core's language. */
export function languageFromId(languageId: string): Language | undefined {
  switch (languageId) {
    case 'python': return 'python';
    case 'typescript': return 'typescript';
    case 'typescriptreact': return 'tsx';
    case 'javascript': case 'javascriptreact': return 'javascript';
    default: return undefined;
  }
}
