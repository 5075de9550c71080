// Following the project's own Python code (for rules/blocking/chains.ts and the other rules): where a call to a helper
// (in this file or another module of the project) leads, and whether it blocks the thread, directly or a few calls down.
import type { Node } from 'web-tree-sitter';
import { blockingLookup, lookupKey } from '../catalog/blocking';
import { PythonSemantics } from '../python/semantics';
import type { AnalysisContext } from '../analysis';
import { countSummaryBuild, dirname, join, MAX_INDIRECTIONS, ProjectView, summaryOfText, type CallTarget, type FileSummary, type Place } from './project';
import { classCallTarget, summarisePython } from './pythonSummary';
import { pythonArgs, pythonValue, type PythonFunctionFacts } from '../effects/pythonPaths';
import type { Arg, Value } from '../effects/condition';

/** Folders above an importing file searched for pyproject.toml / setup.cfg at most (a path is rarely deeper). */
const MAX_PARENTS = 12;

/**
 * The project as a Python rule sees it from the analysed file (this file's functions summarised on demand): one per
 * analysis, shared by every rule, the hover and the visualiser reading the same tree (by its semantics).
 */
export function pythonProject(context: AnalysisContext): PythonProject {
  const semantics = context.python();
  const known = projects.get(semantics);
  if (known?.sees(context)) return known;
  const project = new PythonProject(context, ownSummary(semantics, context));
  projects.set(semantics, project);
  return project;
}

// One view per tree (its semantics): the files it looked at are looked at once.
const projects = new WeakMap<PythonSemantics, PythonProject>();
// The file's own summary per tree and catalogue settings: built once, whichever view or feature asks first.
const ownSummaries = new WeakMap<PythonSemantics, Map<string, FileSummary>>();

/** The file's own summary for a tree whose functions summarise as an earlier tree's did (an edit's analysis keeps it). */
export function seedOwnSummary(semantics: PythonSemantics, context: Pick<AnalysisContext, 'settings'>, summary: FileSummary): void {
  let byLookup = ownSummaries.get(semantics);
  if (!byLookup) ownSummaries.set(semantics, byLookup = new Map<string, FileSummary>());
  if (!byLookup.has(lookupKey(context.settings))) byLookup.set(lookupKey(context.settings), summary);
}

export function ownSummary(semantics: PythonSemantics, context: Pick<AnalysisContext, 'settings'>): FileSummary {
  let byLookup = ownSummaries.get(semantics);
  if (!byLookup) ownSummaries.set(semantics, byLookup = new Map<string, FileSummary>());
  const key = lookupKey(context.settings);
  let summary = byLookup.get(key);
  if (!summary) {
    countSummaryBuild();
    byLookup.set(key, summary = summarisePython(semantics, blockingLookup(context.settings), true));
  }
  return summary;
}

export class PythonProject extends ProjectView {
  /** Import roots by importing folder, and whether a folder holds pyproject.toml / setup.cfg, found once per analysis. */
  private readonly roots = new Map<string, string[]>();
  private readonly projectFolders = new Map<string, boolean>();
  protected override readonly constructorName = '__init__';

  protected summariseFile(path: string, text: string): FileSummary | undefined {
    const lookup = blockingLookup(this.context.settings);
    return path.endsWith('.py') ? summaryOfText(path, text, 'python', (tree) => summarisePython(new PythonSemantics(tree), lookup), lookupKey(this.context.settings)) : undefined;
  }

  private holdsProject(dir: string): boolean {
    let known = this.projectFolders.get(dir);
    if (known === undefined) {
      known = ['pyproject.toml', 'setup.cfg'].some((file) => this.context.readFile?.(join(dir, file)) !== undefined);
      this.projectFolders.set(dir, known);
    }
    return known;
  }

  /**
   * Where absolute imports are looked for from a file in `dir`: that folder (a script's own imports), the project root,
   * `src/`, and every folder above `dir` holding pyproject.toml or setup.cfg, with its `src/`.
   */
  private importRoots(dir: string): string[] {
    let roots = this.roots.get(dir);
    if (roots) return roots;
    roots = [dir, '', 'src'];
    // Up the folders from `dir` to the root: bounded by the path's depth and MAX_PARENTS.
    for (let folder = dir, steps = 0; folder && steps < MAX_PARENTS; folder = dirname(folder), steps++) {
      if (this.holdsProject(folder)) roots.push(folder, join(folder, 'src'));
    }
    roots = [...new Set(roots)];
    this.roots.set(dir, roots);
    return roots;
  }

  /**
   * `pkg.mod.f` or `mod.Class.m` as a file of the project and a function in it: the longest module prefix that
   * is a file, looked for beside the importing file and under the import roots; then what that module defines,
   * inherits, re-exports or holds in a module variable.
   */
  resolve(target: CallTarget, from: string | undefined, budget = MAX_INDIRECTIONS): Place | undefined {
    if (target.kind === 'local') return this.lookup(from, target.key, budget);
    if (target.kind !== 'qualified' || !this.context.readFile) return undefined;
    // `.mod.f` / `..pkg.mod.f`: relative to the importing file's package, one folder up per extra dot.
    const level = /^\.*/.exec(target.name)![0].length;
    let base = from === undefined ? '' : dirname(from);
    for (let up = 1; up < level; up++) base = dirname(base);
    const parts = target.name.slice(level).split('.');
    const roots = level ? [base] : this.importRoots(from === undefined ? '' : dirname(from));
    // At most three trailing parts name the function ('f', 'Class.m', 'variable.m' or 'module.Class.m' through a
    // re-export); the rest is the module. `from . import f` (level, one part) is the package's __init__.py.
    for (let cut = parts.length - 1; cut >= Math.max(level ? 0 : 1, parts.length - 3); cut--) {
      const module = parts.slice(0, cut).join('/');
      const key = parts.slice(cut).join('.');
      for (const root of roots) {
        for (const file of module ? [join(root, `${module}.py`), join(root, `${module}/__init__.py`)] : [join(root, '__init__.py')]) {
          if (file === from && !module) continue;
          const found = this.summary(file) && this.lookup(file, key, budget);
          if (found) return found;
        }
      }
    }
    return undefined;
  }
}



/** What a call in the analysed file passes and on which object, for the callee's conditions. */
export function callSite(semantics: PythonSemantics, call: Node, callee: Node, facts: PythonFunctionFacts): { args?: Arg[]; recv?: Value } {
  const classOf = (c: Node) => classCallTarget(semantics, c);
  const args = pythonArgs(semantics, call, facts, classOf) ?? undefined;
  const object = callee.type === 'attribute' ? callee.childForFieldName('object') : null;
  const recv = object ? pythonValue(semantics, object, facts, classOf) : undefined;
  return { ...(args ? { args } : {}), ...(recv?.k === 'new' ? { recv } : {}) };
}
