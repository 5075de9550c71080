import type { Node } from 'web-tree-sitter';
import { MAX_NESTING, resolveRelative, wordOccurrences } from './locate';
import { getLoadedParser, languageFromPath, parseOtherFile } from './parser';
import type { TsSemantics } from './ts/semantics';
import type { Language } from './types';

// Where TS/JS code runs: a worker thread or a Web Worker has no event loop shared with requests, so blocking there is
// what workers are for, not a finding. Evidence is what the runtime itself uses to start a worker:
// - the file talks to its parent through worker_threads (`parentPort`, `workerData`), or is a Web Worker (`self.onmessage = `
//   or `self.addEventListener("message", ...)` with a worker's `postMessage(data)`; `importScripts(...)`), or registers with
//   `workerpool.worker(...)`;
// - a file of the project starts it: `new Worker(path)`, `new SharedWorker(path)`, `new Piscina({ filename })`, `workerpool.pool(path)`;
// - in a file that is both (`if (isMainThread) ... else ...`), only the worker's branch.

export interface WorkerEvidence {
  /** Why the code runs in a worker, for messages and tests: "it uses `parentPort` (worker_threads)". */
  reason: string;
}

export interface WorkerSource {
  root: Node;
  text: string;
  /** The file's project-relative path, '/'-separated. */
  path?: string;
  ts(): TsSemantics;
  readFile?: (path: string) => string | undefined;
  listFiles?: (near: string) => readonly string[];
}

const THREAD_NAMES = ['parentPort', 'workerData'];
/** Bounds on the project search: files looked at by text, and parsed. */
const MAX_FILES_READ = 2_000;
const MAX_FILES_PARSED = 40;

function resolvedName(semantics: TsSemantics, leaf: Node): string | undefined {
  const holder = leaf.parent?.type === 'member_expression' && leaf.parent.childForFieldName('property')?.id === leaf.id ? leaf.parent : leaf;
  const resolved = semantics.resolve(holder);
  return resolved?.kind === 'qualified' ? resolved.name : undefined;
}

function identifiersNamed(root: Node, text: string, name: string): Node[] {
  const found: Node[] = [];
  for (const offset of wordOccurrences(text, name)) {
    const leaf = root.descendantForIndex(offset, offset + name.length);
    if (leaf && leaf.startIndex === offset && leaf.text === name && /identifier$/.test(leaf.type)) found.push(leaf);
  }
  return found;
}

/** The file's own evidence that all of it runs in a worker; undefined when it may run on the main thread. */
function ownEvidence(source: WorkerSource): WorkerEvidence | undefined {
  const { root, text } = source;
  const semantics = source.ts();
  // A file that checks isMainThread is both: only its worker branch is the worker's (see workerBranch).
  if (identifiersNamed(root, text, 'isMainThread').some((n) => resolvedName(semantics, n) === 'worker_threads.isMainThread')) return undefined;
  for (const name of THREAD_NAMES) {
    if (identifiersNamed(root, text, name).some((n) => resolvedName(semantics, n) === `worker_threads.${name}`)) {
      return { reason: `it uses \`${name}\` (worker_threads): it runs in a worker thread` };
    }
  }
  // `onmessage` and a `message` listener exist on a window too; a worker also answers with `postMessage(data[, transfer])`,
  // where a window's takes a target origin string.
  const workerPost = identifiersNamed(root, text, 'postMessage').some((leaf) => {
    const callee = leaf.parent?.type === 'member_expression' && leaf.parent.childForFieldName('property')?.id === leaf.id ? leaf.parent : leaf;
    const object = callee.type === 'member_expression' ? callee.childForFieldName('object') : undefined;
    const global = callee.type === 'identifier' ? !semantics.isDeclared('postMessage', leaf)
      : object?.type === 'identifier' && /^(self|globalThis)$/.test(object.text) && !semantics.isDeclared(object.text, object);
    const call = callee.parent;
    if (!global || call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== callee.id) return false;
    const second = call.childForFieldName('arguments')?.namedChildren.filter((a) => a?.type !== 'comment')[1];
    return !second || (second.type !== 'string' && second.type !== 'template_string');
  });
  if (workerPost) for (const leaf of identifiersNamed(root, text, 'onmessage')) {
    const target = leaf.parent?.type === 'member_expression' ? leaf.parent : leaf;
    const assigned = target.parent?.type === 'assignment_expression' && target.parent.childForFieldName('left')?.id === target.id;
    const object = target.type === 'member_expression' ? target.childForFieldName('object') : undefined;
    const global = target.type === 'identifier' ? !semantics.isDeclared('onmessage', leaf) : object?.type === 'identifier' && /^(self|globalThis)$/.test(object.text) && !semantics.isDeclared(object.text, object);
    if (assigned && global) return { reason: 'it sets `onmessage` on the global scope: it is a Web Worker' };
  }
  if (workerPost) for (const leaf of identifiersNamed(root, text, 'addEventListener')) {
    const callee = leaf.parent?.type === 'member_expression' ? leaf.parent : undefined;
    const object = callee?.childForFieldName('object');
    const call = callee?.parent;
    const first = call?.type === 'call_expression' ? call.childForFieldName('arguments')?.namedChildren[0] : undefined;
    if (object?.type === 'identifier' && object.text === 'self' && !semantics.isDeclared('self', object) && first?.type === 'string' && first.text.slice(1, -1) === 'message') {
      return { reason: 'it listens for `message` on `self`: it is a Web Worker' };
    }
  }
  for (const leaf of identifiersNamed(root, text, 'importScripts')) {
    if (leaf.parent?.type === 'call_expression' && !semantics.isDeclared('importScripts', leaf)) return { reason: 'it calls `importScripts` (only Web Workers have it)' };
  }
  for (const leaf of identifiersNamed(root, text, 'worker')) {
    if (leaf.parent?.parent?.type === 'call_expression' && resolvedName(semantics, leaf) === 'workerpool.worker') {
      return { reason: 'it registers its functions with `workerpool.worker(...)`: they run in the pool\'s workers' };
    }
  }
  return undefined;
}

const stem = (file: string): string => file.replace(/[?#].*$/, '').replace(/\.([cm]?[jt]sx?)$/, '');

/** The string literals in the arguments of the calls that start workers in `root` (relative paths, as written). */
function workerPaths(root: Node): string[] {
  const found: string[] = [];
  const starts = root.descendantsOfType(['new_expression', 'call_expression']);
  for (const node of starts) {
    if (!node) continue;
    const callee = node.type === 'new_expression' ? node.childForFieldName('constructor') : node.childForFieldName('function');
    const name = callee?.type === 'member_expression' ? callee.text : callee?.text;
    const starting = node.type === 'new_expression' ? /^(Worker|SharedWorker|Piscina|\w+\.Worker)$/.test(name ?? '') : /^workerpool\.pool$/.test(name ?? '');
    if (!starting) continue;
    const args = node.childForFieldName('arguments');
    for (const literal of args?.descendantsOfType(['string', 'template_string']) ?? []) {
      if (!literal || literal.namedChildren.some((c) => c?.type === 'template_substitution')) continue;
      found.push(literal.text.slice(1, -1));
    }
  }
  return found;
}

/** A file of the project that starts this one as a worker, by a path relative to its own folder. */
function startedByProject(source: WorkerSource): WorkerEvidence | undefined {
  const { path, readFile, listFiles } = source;
  if (!path || !readFile || !listFiles) return undefined;
  const target = stem(path);
  const base = target.slice(target.lastIndexOf('/') + 1);
  let parsed = 0;
  for (const file of listFiles(path).slice(0, MAX_FILES_READ)) {
    if (file === path || parsed >= MAX_FILES_PARSED) continue;
    const language = languageFromPath(file);
    if (!language || language === 'python') continue;
    const text = readFile(file);
    // Cheap text test first: the file must name a worker constructor and this file's base name.
    if (!text || !text.includes(base) || !/Worker|Piscina|workerpool/.test(text)) continue;
    const literals = workerPathsOf(file, text, language);
    parsed++;
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    for (const literal of literals ?? []) {
      // `new URL('./w.js', import.meta.url)`, `path.join(__dirname, 'w.js')`, `'./w.js'`: relative to the starting file.
      const relative = literal.replace(/^file:/, '');
      if (relative.startsWith('/') || /^[a-z]+:/i.test(relative)) continue;
      if (stem(resolveRelative(dir, relative)) === target) return { reason: `\`${file}\` starts it as a worker` };
    }
  }
  return undefined;
}

/** Another file's worker paths (null: it did not parse) by path, with the text they were found in: every analysed file of a package asks. */
const workerPathsByFile = new Map<string, { text: string; paths: string[] | null }>();
const WORKER_PATHS_KEPT = 2_000;

function workerPathsOf(file: string, text: string, language: Language): string[] | null {
  const known = workerPathsByFile.get(file);
  if (known?.text === text) return known.paths;
  const parser = getLoadedParser(language);
  const tree = parser ? parseOtherFile(parser, text, 500) : null;
  let paths: string[] | null;
  try {
    paths = tree ? workerPaths(tree.rootNode) : null;
  } finally {
    tree?.delete();
  }
  workerPathsByFile.delete(file);
  if (workerPathsByFile.size >= WORKER_PATHS_KEPT) workerPathsByFile.delete(workerPathsByFile.keys().next().value!);
  workerPathsByFile.set(file, { text, paths });
  return paths;
}

const fileEvidence = new WeakMap<Node, WorkerEvidence | null>();

/** Evidence that the whole file runs in a worker (cached per tree). */
export function workerFile(source: WorkerSource): WorkerEvidence | undefined {
  const known = fileEvidence.get(source.root);
  if (known !== undefined) return known ?? undefined;
  const evidence = ownEvidence(source) ?? startedByProject(source);
  fileEvidence.set(source.root, evidence ?? null);
  return evidence;
}

/** `isMainThread` / `!isMainThread` as a condition: which value of isMainThread makes it true. */
function mainThreadTest(condition: Node | null, semantics: TsSemantics): boolean | undefined {
  let node = condition;
  for (let steps = 0; node?.type === 'parenthesized_expression' && steps < MAX_NESTING; steps++) node = node.namedChildren[0] ?? null;
  if (!node) return undefined;
  if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') {
    const inner = mainThreadTest(node.childForFieldName('argument'), semantics);
    return inner === undefined ? undefined : !inner;
  }
  if ((node.type === 'identifier' || node.type === 'member_expression') && resolvedName(semantics, node.type === 'member_expression' ? node.childForFieldName('property')! : node) === 'worker_threads.isMainThread') return true;
  return undefined;
}

/** True when `node` sits in the branch of an `if (isMainThread)` / `if (!isMainThread)` that runs only in the worker. */
export function inWorkerBranch(node: Node, semantics: TsSemantics): boolean {
  let child = node;
  for (let current = node.parent, steps = 0; current && steps < MAX_NESTING; child = current, current = current.parent, steps++) {
    if (current.type !== 'if_statement') continue;
    const test = mainThreadTest(current.childForFieldName('condition'), semantics);
    if (test === undefined) continue;
    const consequence = current.childForFieldName('consequence');
    const alternative = current.childForFieldName('alternative');
    if (consequence?.id === child.id) return test === false;
    if (alternative?.id === child.id) return test === true;
  }
  return false;
}
