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

function initRuntime(): Promise<void> {
  runtime ??= Parser.init({ locateFile: () => locate('web-tree-sitter.wasm') });
  return runtime;
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
  let parser = parsers.get(language);
  if (!parser) {
    const grammar = await loadLanguage(language);
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
