// blocking-call-in-async through the project's own code: a call in an async function to a helper (in this
// file or another module of the project) that blocks the thread, directly or a few calls further down.
import type { Node } from 'web-tree-sitter';
import { blockingLookup, lookupKey } from '../catalog/blocking';
import { PythonSemantics } from '../python/semantics';
import { targetMinor } from '../config';
import { asyncioName, inGeneratorExpression, inWithItem, needsParentheses } from '../rules/blocking/python';
import type { ConcurrencyContext } from '../context';
import type { RuleContext } from '../rules/rule';
import { rangeOf } from '../text';
import type { Fix } from '../types';
import { countSummaryBuild, DEFAULT_FOLLOW_DEPTH, dirname, join, MAX_INDIRECTIONS, ProjectView, reportChain, summaryOfText, type CallTarget, type FileSummary, type Place } from './project';
import { callTarget, classCallTarget, isAsync, ownCalls, summarisePython } from './pythonSummary';
import { pythonArgs, pythonFunctionFacts, pythonPathCondition, pythonValue, type PythonFunctionFacts } from '../effects/pythonPaths';
import type { Arg, Value } from '../effects/condition';

/** Folders above an importing file searched for pyproject.toml / setup.cfg at most (a path is rarely deeper). */
const MAX_PARENTS = 12;

/**
 * The project as a Python rule sees it from the analysed file (this file's functions summarised on demand): one per
 * analysis, shared by every rule, the hover and the visualiser reading the same tree (by its semantics).
 */
export function pythonProject(context: RuleContext): PythonProject {
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

export function ownSummary(semantics: PythonSemantics, context: Pick<RuleContext, 'settings'>): FileSummary {
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



function toThreadFix(context: RuleContext, semantics: PythonSemantics, call: Node, callee: Node, fn: Node): Fix[] {
  // `with helper() as f:`: running only the helper in a thread leaves every use of `f` blocking.
  if (call.parent?.type === 'await' || inGeneratorExpression(call, fn) || inWithItem(call, fn)) return [];
  // asyncio.to_thread is new in 3.9, as for the direct fix.
  if ((targetMinor(context.settings.pythonTargetVersion) ?? Infinity) < 9) return [];
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  const toThread = asyncioName(context, semantics, 'to_thread');
  const inner = args.text.slice(1, -1).trim();
  const replacement = `await ${toThread.text}(${callee.text}${inner ? `, ${inner}` : ''})`;
  return [{
    title: `Run \`${callee.text}\` in a worker thread: \`await ${toThread.text}(...)\` (Python 3.9+)`,
    preferred: true,
    applicability: 'unsafe',
    edits: [{ range: rangeOf(call), newText: needsParentheses(call) ? `(${replacement})` : replacement }, ...toThread.edits],
  }];
}

/** What a call in the analysed file passes and on which object, for the callee's conditions. */
function callSite(semantics: PythonSemantics, call: Node, callee: Node, facts: PythonFunctionFacts): { args?: Arg[]; recv?: Value } {
  const classOf = (c: Node) => classCallTarget(semantics, c);
  const args = pythonArgs(semantics, call, facts, classOf) ?? undefined;
  const object = callee.type === 'attribute' ? callee.childForFieldName('object') : null;
  const recv = object ? pythonValue(semantics, object, facts, classOf) : undefined;
  return { ...(args ? { args } : {}), ...(recv?.k === 'new' ? { recv } : {}) };
}

/** Reports calls in async functions that block through the project's own functions. */
export function followPython(context: RuleContext): void {
  const depth = context.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (depth <= 0) return;
  const semantics = context.python();
  const lookup = blockingLookup(context.settings);
  const asyncFunctions = context.root.descendantsOfType('function_definition').filter((fn): fn is Node => fn !== null && isAsync(fn));
  if (!asyncFunctions.length) return;
  // This file's helpers are summarised only when a chain reaches them; the view is shared with the other rules.
  const contexts = new Map<number, ConcurrencyContext>();
  const project = pythonProject(context);
  for (const fn of asyncFunctions) {
    let known: PythonFunctionFacts | undefined;
    const factsOf = () => (known ??= pythonFunctionFacts(fn));
    for (const call of ownCalls(semantics, fn)) {
      const callee = call.childForFieldName('function');
      // `await self._read()` on a sync def: it must return an awaitable, so what runs is an async override (a subclass or a
      // mixin later in the MRO, as `AsyncFileManagerMixin` does) or a coroutine factory: not this sync body.
      if (!callee || call.parent?.type === 'await') continue;
      // Library calls are the direct rule's; only the project's own functions are followed.
      const api = semantics.calleeName(call);
      if (api && lookup.python(api)) continue;
      const target = callTarget(semantics, callee);
      const place = target && project.resolve(target, context.path);
      const found = place && project.reach(place, depth, callSite(semantics, call, callee, factsOf()));
      if (!found) continue;
      // The call itself on a rare path of its async function (once per object, on an error, when debugging) is cold too.
      const rare = found.cold ? undefined : pythonPathCondition(semantics, call, factsOf())?.cold;
      const chain = rare ? { ...found, cold: rare } : found;
      // An API bound to its thread (sqlite3 objects, an RLock) or one a thread does not help (Popen's pipes) ends the chain:
      // then the remedy is the API's own counterpart, and moving the helper to a thread is neither advised nor offered.
      const last = chain.hops[chain.hops.length - 1];
      const blocking = last.blocks ? lookup.python(last.blocks) : undefined;
      const threadable = blocking?.fix !== 'none';
      reportChain(context, { callee, fn, chain, fixes: threadable ? toThreadFix(context, semantics, call, callee, fn) : [] }, {
        consequence: 'other tasks wait',
        waits: 'Every other task waits until it returns.',
        advice: threadable || !blocking ? `Run it in a worker thread (\`await asyncio.to_thread(${callee.text})\`) or make the helper async.`
          : `Make the helper async, using ${blocking.instead} instead of \`${last.shown}\`.`,
      }, contexts);
    }
  }
}
