// blocking-call-in-async through the project's own code: a call in an async function to a helper (in this
// file or another module of the project) that blocks the thread, directly or a few calls further down.
import type { Node } from 'web-tree-sitter';
import { blockingLookup, lookupKey } from '../catalog/blocking';
import { PythonSemantics } from '../python/semantics';
import { asyncioName, inGeneratorExpression, needsParentheses } from '../rules/blocking/python';
import type { ConcurrencyContext } from '../context';
import type { RuleContext } from '../rules/rule';
import { rangeOf } from '../text';
import type { Fix } from '../types';
import { DEFAULT_FOLLOW_DEPTH, dirname, join, ProjectView, reportChain, summaryOfText, type CallTarget, type FileSummary, type Place } from './project';
import { isAsync, ownCalls, projectTarget, summarisePython } from './pythonSummary';

/** The project as a Python rule sees it from the analysed file (this file's functions summarised on demand). */
export function pythonProject(context: RuleContext): PythonProject {
  let project = projects.get(context);
  if (!project) projects.set(context, project = new PythonProject(context, summarisePython(context.python(), blockingLookup(context.settings), true)));
  return project;
}

// One view per rule's analysis: the files it looked at are looked at once.
const projects = new WeakMap<RuleContext, PythonProject>();

export class PythonProject extends ProjectView {
  protected summariseFile(path: string, text: string): FileSummary | undefined {
    const lookup = blockingLookup(this.context.settings);
    return path.endsWith('.py') ? summaryOfText(path, text, 'python', (tree) => summarisePython(new PythonSemantics(tree), lookup), lookupKey(this.context.settings)) : undefined;
  }

  /**
   * `pkg.mod.f` or `mod.Class.m` as a file of the project and a function in it: the longest module prefix that
   * is a file, looked for beside the importing file, at the project root and under src/.
   */
  resolve(target: CallTarget, from: string | undefined): Place | undefined {
    if (target.kind === 'local') return { path: from, key: target.key };
    if (!this.context.readFile) return undefined;
    // `.mod.f` / `..pkg.mod.f`: relative to the importing file's package, one folder up per extra dot.
    const level = /^\.*/.exec(target.name)![0].length;
    let base = from === undefined ? '' : dirname(from);
    for (let up = 1; up < level; up++) base = dirname(base);
    const parts = target.name.slice(level).split('.');
    const roots = level ? [base] : [...new Set([from === undefined ? '' : dirname(from), '', 'src'])];
    // At most two trailing parts name the function ('f' or 'Class.m'); the rest is the module.
    for (let cut = parts.length - 1; cut >= Math.max(1, parts.length - 2); cut--) {
      const module = parts.slice(0, cut).join('/');
      const key = parts.slice(cut).join('.');
      for (const root of roots) {
        for (const file of [join(root, `${module}.py`), join(root, `${module}/__init__.py`)]) {
          if (file === from) continue;
          const summary = this.summary(file);
          if (summary?.functions[key]) return { path: file, key };
        }
      }
    }
    return undefined;
  }
}



function toThreadFix(context: RuleContext, semantics: PythonSemantics, call: Node, callee: Node, fn: Node): Fix[] {
  if (call.parent?.type === 'await' || inGeneratorExpression(call, fn)) return [];
  const args = call.childForFieldName('arguments');
  if (!args || args.type !== 'argument_list') return [];
  const toThread = asyncioName(context, semantics, 'to_thread');
  const inner = args.text.slice(1, -1).trim();
  const replacement = `await ${toThread.text}(${callee.text}${inner ? `, ${inner}` : ''})`;
  return [{
    title: `Run \`${callee.text}\` in a worker thread: \`await ${toThread.text}(...)\` (Python 3.9+)`,
    preferred: true,
    edits: [{ range: rangeOf(call), newText: needsParentheses(call) ? `(${replacement})` : replacement }, ...toThread.edits],
  }];
}

/** Reports calls in async functions that block through the project's own functions. */
export function followPython(context: RuleContext): void {
  const depth = context.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (depth <= 0) return;
  const semantics = context.python();
  const lookup = blockingLookup(context.settings);
  const asyncFunctions = context.root.descendantsOfType('function_definition').filter((fn): fn is Node => fn !== null && isAsync(fn));
  if (!asyncFunctions.length) return;
  // This file's helpers are summarised only when a chain reaches them.
  const own = summarisePython(semantics, lookup, true);
  const contexts = new Map<number, ConcurrencyContext>();
  const project = new PythonProject(context, own);
  for (const fn of asyncFunctions) for (const call of ownCalls(semantics, fn)) {
    const callee = call.childForFieldName('function');
    // `await self._read()` on a sync def: it must return an awaitable, so what runs is an async override (a subclass or a
    // mixin later in the MRO, as `AsyncFileManagerMixin` does) or a coroutine factory: not this sync body.
    if (!callee || call.parent?.type === 'await') continue;
    // Library calls are the direct rule's; only the project's own functions are followed.
    const api = semantics.calleeName(call);
    if (api && lookup.python(api)) continue;
    const target = projectTarget(semantics, callee);
    const place = target && project.resolve(target, context.path);
    const hops = place && project.chain(place, depth);
    if (!hops) continue;
    reportChain(context, { callee, fn, hops, fixes: toThreadFix(context, semantics, call, callee, fn) }, {
      waits: 'Every other task waits until it returns.',
      advice: `Run it in a worker thread (\`await asyncio.to_thread(${callee.text})\`) or make the helper async.`,
    }, contexts);
  }
}
