// The CPU rules across modules: a thread target or a helper called from async code that is one of the project's
// functions in another file, classified there with the same classifier the rules use in the analysed file.
import { Query, type Node, type Tree } from 'web-tree-sitter';
import { languageFromPath } from '../parser';
import { cpuClassification, type CpuClassification } from '../python/cpu';
import { PythonSemantics } from '../python/semantics';
import type { RuleContext } from '../rules/rule';
import { classifyFunction, isAsync as isAsyncTs, tsMayBeCpu } from '../ts/cpu';
import { TsSemantics } from '../ts/semantics';
import { pythonProject } from './followPython';
import { projectTarget as tsProjectTarget, tsFunctionKey, tsProject } from './followTs';
import { cacheKey, withParsed } from './project';
import { functionKey, projectTarget } from './pythonSummary';

export interface ProjectCpu {
  /** Evidence ranges are in `path`. */
  classification: CpuClassification;
  path: string;
  async: boolean;
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
export function projectCpuClassification(context: RuleContext, expression: Node): ProjectCpu | undefined {
  if (!context.readFile || (context.settings.followCallsMaxDepth ?? 1) <= 0) return undefined;
  const python = context.language === 'python';
  const target = python ? projectTarget(context.python(), expression) : tsProjectTarget(context.ts(), expression);
  // This file's own functions are the rules' direct business.
  if (!target || target.kind === 'local') return undefined;
  const place = (python ? pythonProject(context) : tsProject(context)).resolve(target, context.path);
  if (!place?.path || place.path === context.path) return undefined;
  const text = context.readFile(place.path);
  const language = languageFromPath(place.path);
  if (text === undefined || !language || (language === 'python') !== python) return undefined;
  const key = cacheKey(place.path, text, place.key);
  const known = classified.get(key);
  if (known !== undefined) return known ?? undefined;
  const found = withParsed(text, language, (tree) => {
    const fn = functionsOf(tree, python).find((n) => (python ? functionKey(n) : tsFunctionKey(n)) === place.key);
    if (!fn) return undefined;
    let c: CpuClassification | undefined;
    if (python) {
      c = cpuClassification(new PythonSemantics(tree), fn);
    } else {
      const semantics = new TsSemantics(tree);
      const all = tsMayBeCpu(semantics, fn) ? classifyFunction(semantics, fn) : undefined;
      c = all?.verdict === 'cpu' ? all : undefined;
    }
    // Plain data only: the tree is deleted when this returns.
    return c ? { classification: structuredClone(c), path: place.path!, async: python ? fn.children.some((x) => x?.type === 'async') : isAsyncTs(fn) } : undefined;
  });
  if (classified.size >= CACHE_LIMIT) classified.delete(classified.keys().next().value!);
  classified.set(key, found ?? null);
  return found;
}
