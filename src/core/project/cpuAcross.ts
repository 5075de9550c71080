// The CPU rules across modules: a thread target or a helper called from async code that is one of the project's
// functions in another file, classified there with the same classifier the rules use in the analysed file.
import { Query, type Node, type Tree } from 'web-tree-sitter';
import { getLoadedParser, languageFromPath, parseOtherFile } from '../parser';
import { cpuClassification, type CpuClassification } from '../python/cpu';
import { PythonSemantics } from '../python/semantics';
import type { AnalysisContext } from '../analysis';
import type { Language } from '../types';
import { classifyFunction, isAsync as isAsyncTs, tsMayBeCpu } from '../ts/cpu';
import { TsSemantics } from '../ts/semantics';
import { pythonProject } from './followPython';
import { projectTarget as tsProjectTarget, tsFunctionKey, tsProject } from './followTs';
import { cacheKey, withParsed, type Place } from './project';
import { functionKey, projectTarget } from './pythonSummary';
import { definitionUnpicklable } from '../python/pickle';

export interface ProjectCpu {
  /** Evidence ranges are in `path` (undefined: the analysed file, when it has no path). */
  classification: CpuClassification;
  path: string | undefined;
  async: boolean;
  /** Python: why a process could not run the function (pickle finds functions by module and name), if it could not. */
  unpicklable?: string;
}

const CACHE_LIMIT = 500;
const classified = new Map<string, ProjectCpu | null>();
const PY_FUNCTIONS = '(function_definition) @fn';
const TS_FUNCTIONS = '[(function_declaration) (arrow_function) (function_expression) (method_definition)] @fn';
const queries = new WeakMap<object, Query>();

function functionsOf(tree: Tree, python: boolean): Node[] {
  let query = queries.get(tree.language);
  if (!query) queries.set(tree.language, query = new Query(tree.language, python ? PY_FUNCTIONS : TS_FUNCTIONS));
  return query.captures(tree.rootNode).map((c) => c.node);
}

/**
 * The CPU classification of the project function `expression` names in another file (`worker.crunch`, an imported
 * `crunch`), when it may be CPU-bound; undefined for this file's functions (the rules see those directly), libraries
 * and unknown names. Off when following calls is.
 */
export function projectCpuClassification(context: AnalysisContext, expression: Node): ProjectCpu | undefined {
  if (!context.readFile || (context.settings.followCallsMaxDepth ?? 1) <= 0) return undefined;
  const python = context.language === 'python';
  const target = python ? projectTarget(context.python(), expression) : tsProjectTarget(context.ts(), expression);
  // This file's own functions are the rules' direct business.
  if (!target || target.kind === 'local') return undefined;
  const place = (python ? pythonProject(context) : tsProject(context)).resolve(target, context.path);
  if (!place?.path || place.path === context.path) return undefined;
  return placeCpuClassification(context, place);
}

/**
 * The CPU classification of the project function at `place`, in this file (the analysed tree) or another (parsed and
 * cached by content), as the rules classify it; undefined when it is not CPU-bound.
 */
export function placeCpuClassification(context: AnalysisContext, place: Place): ProjectCpu | undefined {
  const python = context.language === 'python';
  const path = place.path ?? context.path;
  if (path === context.path || path === undefined) {
    return classifyIn({ tree: context.tree, functions: functionsByKey(context.tree, python), ...(python ? { python: context.python() } : { ts: context.ts() }) }, place.key, path, python);
  }
  const text = context.readFile?.(path);
  const language = languageFromPath(path);
  if (text === undefined || !language || (language === 'python') !== python) return undefined;
  const key = cacheKey(path, text, place.key);
  const known = classified.get(key);
  if (known !== undefined) return known ?? undefined;
  const parsed = recentFile(path, text, language, python);
  const found = parsed ? classifyIn(parsed, place.key, path, python) : withParsed(text, language, (tree) => classifyIn({ tree, functions: functionsByKey(tree, python) }, place.key, path, python));
  if (classified.size >= CACHE_LIMIT) classified.delete(classified.keys().next().value!);
  classified.set(key, found ?? null);
  return found;
}

function classifyIn(file: ParsedFile, key: string, path: string | undefined, python: boolean): ProjectCpu | undefined {
  const fn = file.functions.get(key);
  if (!fn) return undefined;
  let c: CpuClassification | undefined;
  if (python) {
    c = cpuClassification(file.python ??= new PythonSemantics(file.tree), fn);
  } else {
    const semantics = file.ts ??= new TsSemantics(file.tree);
    const all = tsMayBeCpu(semantics, fn) ? classifyFunction(semantics, fn) : undefined;
    c = all?.verdict === 'cpu' ? all : undefined;
  }
  if (!c) return undefined;
  const unpicklable = python ? definitionUnpicklable(fn) : undefined;
  // Plain data only: another file's tree is deleted when the analysis ends.
  return { classification: structuredClone(c), path, async: python ? fn.children.some((x) => x?.type === 'async') : isAsyncTs(fn), ...(unpicklable ? { unpicklable } : {}) };
}

/** Another file's tree, its functions by key and its semantics, kept while one analysis asks about several of its functions. */
interface ParsedFile {
  tree: Tree;
  functions: Map<string, Node>;
  python?: PythonSemantics;
  ts?: TsSemantics;
}

/** Other files' trees per analysis, parsed once each (at most PARSED_PER_ANALYSIS; past it, each question parses on its own). */
const parsedFiles = new WeakMap<AnalysisContext, Map<string, ParsedFile | null>>();
const PARSED_PER_ANALYSIS = 50;

function functionsByKey(tree: Tree, python: boolean): Map<string, Node> {
  const functions = new Map<string, Node>();
  for (const fn of functionsOf(tree, python)) {
    const key = python ? functionKey(fn) : tsFunctionKey(fn);
    if (key && !functions.has(key)) functions.set(key, fn);
  }
  return functions;
}

function parsedFile(context: AnalysisContext, path: string, text: string, language: Language, python: boolean): ParsedFile | undefined {
  let files = parsedFiles.get(context);
  if (!files) parsedFiles.set(context, files = new Map<string, ParsedFile | null>());
  const key = cacheKey(path, text);
  const known = files.get(key);
  if (known !== undefined) return known ?? undefined;
  if (files.size >= PARSED_PER_ANALYSIS) return undefined;
  const parser = getLoadedParser(language);
  const tree = parser ? parseOtherFile(parser, text, 1_000) : null;
  const file = tree ? { tree, functions: functionsByKey(tree, python) } : null;
  files.set(key, file);
  return file ?? undefined;
}

/**
 * Other files' trees kept across analyses for their functions' classifications (plain data is all that leaves them):
 * the analyses of a package ask about the same helpers' files, each of which was parsed once per analysis.
 */
const recentFiles = new Map<string, ParsedFile | null>();
const RECENT_FILES = 16;

function recentFile(path: string, text: string, language: Language, python: boolean): ParsedFile | undefined {
  const key = cacheKey(path, text);
  let file = recentFiles.get(key);
  if (file === undefined) {
    const parser = getLoadedParser(language);
    const tree = parser ? parseOtherFile(parser, text, 1_000) : null;
    file = tree ? { tree, functions: functionsByKey(tree, python) } : null;
    if (recentFiles.size >= RECENT_FILES) {
      const oldest = recentFiles.keys().next().value!;
      recentFiles.get(oldest)?.tree.delete();
      recentFiles.delete(oldest);
    }
  } else recentFiles.delete(key);
  // Most recently used last.
  recentFiles.set(key, file);
  return file ?? undefined;
}

/**
 * A Python function of another project file at `place`, parsed (the tree is kept for `context`'s questions until
 * releaseParsed), with that file's name resolution: the visualiser walks it to draw the threads it starts.
 */
export function placePythonFunction(context: AnalysisContext, place: Place): { fn: Node; python: PythonSemantics; path: string } | undefined {
  const path = place.path;
  if (!path || path === context.path || context.language !== 'python') return undefined;
  const text = context.readFile?.(path);
  if (text === undefined || languageFromPath(path) !== 'python') return undefined;
  const parsed = parsedFile(context, path, text, 'python', true);
  const fn = parsed?.functions.get(place.key);
  if (!parsed || !fn) return undefined;
  return { fn, python: parsed.python ??= new PythonSemantics(parsed.tree), path };
}

/** Deletes the trees kept for `context`'s questions: the rules that ask call this when their check ends. */
export function releaseParsed(context: AnalysisContext): void {
  for (const file of parsedFiles.get(context)?.values() ?? []) file?.tree.delete();
  parsedFiles.delete(context);
}
