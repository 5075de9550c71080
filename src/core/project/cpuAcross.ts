// The CPU rules across modules: a thread target or a helper called from async code that is one of the project's
// functions in another file, classified there with the same classifier the rules use in the analysed file.
import { Query, type Node } from 'web-tree-sitter';
import { cpuClassification, type CpuClassification } from '../python/cpu';
import { PythonSemantics } from '../python/semantics';
import type { RuleContext } from '../rules/rule';
import { pythonProject } from './followPython';
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
const FUNCTIONS = '(function_definition) @fn';
const queries = new WeakMap<object, Query>();

/**
 * The CPU classification of the project function `expression` names in another file (`worker.crunch`, an imported
 * `crunch`), when it may be CPU-bound; undefined for this file's functions (the rules see those directly), libraries
 * and unknown names. Off when following calls is.
 */
export function projectCpuClassification(context: RuleContext, semantics: PythonSemantics, expression: Node): ProjectCpu | undefined {
  if (!context.readFile || (context.settings.followCallsMaxDepth ?? 1) <= 0) return undefined;
  const target = projectTarget(semantics, expression);
  if (target?.kind !== 'qualified') return undefined;
  const project = pythonProject(context);
  const place = project.resolve(target, context.path);
  if (!place?.path || place.path === context.path) return undefined;
  const text = context.readFile(place.path);
  if (text === undefined) return undefined;
  const key = cacheKey(place.path, text, place.key);
  const known = classified.get(key);
  if (known !== undefined) return known ?? undefined;
  const found = withParsed(text, 'python', (tree) => {
    let query = queries.get(tree.language);
    if (!query) queries.set(tree.language, query = new Query(tree.language, FUNCTIONS));
    const fn = query.captures(tree.rootNode).map((c) => c.node).find((n) => functionKey(n) === place.key);
    const c = fn && cpuClassification(new PythonSemantics(tree), fn);
    // Plain data only: the tree is deleted when this returns.
    return fn && c ? { classification: structuredClone(c), path: place.path!, async: fn.children.some((x) => x?.type === 'async') } : undefined;
  });
  if (classified.size >= CACHE_LIMIT) classified.delete(classified.keys().next().value!);
  classified.set(key, found ?? null);
  return found;
}
