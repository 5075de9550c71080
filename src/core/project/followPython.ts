// blocking-call-in-async through the project's own code: a call in an async function to a helper (in this
// file or another module of the project) that blocks the thread, directly or a few calls further down.
import { Query, type Node } from 'web-tree-sitter';
import { pythonBlockingCall } from '../catalog/blocking';
import { getLoadedParser, parseText } from '../parser';
import { PythonSemantics } from '../python/semantics';
import { asyncioName, inGeneratorExpression, needsParentheses } from '../rules/blocking/python';
import type { RuleContext } from '../rules/rule';
import { rangeOf } from '../text';
import type { Fix, Range, RelatedLocation } from '../types';
import { isAsync, ownerOf, projectTarget, summarisePython, type CallTarget, type PythonFileSummary } from './pythonSummary';

export const DEFAULT_FOLLOW_DEPTH = 5;
const SLUG = 'blocking-call-in-async';
/** Other files' summaries kept between analyses, by path and content; the oldest go first past this many. */
const CACHE_LIMIT = 2_000;
/** Files looked at per analysis at most: a chain is followed through a few modules, not a whole tree. */
const FILES_PER_ANALYSIS = 200;

const summaryCache = new Map<string, PythonFileSummary>();

/** FNV-1a: a cheap content key for the cache (a collision only costs a stale summary until the file changes again). */
function contentKey(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${text.length}:${(h >>> 0).toString(36)}`;
}

function summaryOfText(path: string, text: string): PythonFileSummary | undefined {
  const key = `${path}\n${contentKey(text)}`;
  const cached = summaryCache.get(key);
  if (cached) return cached;
  const parser = getLoadedParser('python');
  const tree = parser ? parseText(parser, text, undefined, { timeoutMs: 1_000 }) : null;
  if (!tree) return undefined;
  try {
    const summary = summarisePython(new PythonSemantics(tree));
    if (summaryCache.size >= CACHE_LIMIT) summaryCache.delete(summaryCache.keys().next().value!);
    summaryCache.set(key, summary);
    return summary;
  } finally {
    tree.delete();
  }
}

interface Place { path: string | undefined; key: string }
interface Hop { shown: string; path: string | undefined; range: Range; blocks?: string }

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function join(dir: string, file: string): string {
  return dir ? `${dir}/${file}` : file;
}

function baseName(path: string | undefined): string {
  return path ? path.slice(path.lastIndexOf('/') + 1) : 'this file';
}

/** The project as this analysis sees it: this file's summary, and other modules read through the host on demand. */
class PythonProject {
  private readonly files = new Map<string, PythonFileSummary | null>();
  private looked = 0;

  constructor(private readonly context: RuleContext, private readonly own: PythonFileSummary) {}

  summary(path: string | undefined): PythonFileSummary | undefined {
    if (path === this.context.path || path === undefined) return this.own;
    const known = this.files.get(path);
    if (known !== undefined) return known ?? undefined;
    if (this.looked++ >= FILES_PER_ANALYSIS) return undefined;
    const text = this.context.readFile?.(path);
    const summary = text === undefined ? undefined : summaryOfText(path, text);
    this.files.set(path, summary ?? null);
    return summary;
  }

  /**
   * `pkg.mod.f` or `mod.Class.m` as a file of the project and a function in it: the longest module prefix that
   * is a file, looked for beside the importing file, at the project root and under src/.
   */
  resolve(target: CallTarget, from: string | undefined): Place | undefined {
    if (target.kind === 'local') return { path: from, key: target.key };
    if (!this.context.readFile) return undefined;
    const parts = target.name.split('.');
    const roots = [...new Set([from === undefined ? '' : dirname(from), '', 'src'])];
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

  /** The hops from a call of `place` down to the blocking call, when one is at most `depth` calls away. */
  chain(place: Place, depth: number, seen = new Set<string>()): Hop[] | undefined {
    const id = `${place.path ?? ''}#${place.key}`;
    if (seen.has(id)) return undefined;
    seen.add(id);
    const fn = this.summary(place.path)?.functions[place.key];
    // An async helper's own blocking calls are reported inside it; calling it only makes a coroutine.
    if (!fn || fn.async) return undefined;
    if (fn.blocking) return [{ shown: fn.blocking.shown, path: place.path, range: fn.blocking.range, blocks: fn.blocking.api }];
    if (depth <= 1) return undefined;
    // Bounded: depth shrinks by one per level and `seen` stops cycles.
    for (const call of fn.calls) {
      const next = this.resolve(call.target, place.path);
      const rest = next && this.chain(next, depth - 1, seen);
      if (rest) return [{ shown: call.shown, path: place.path, range: call.range }, ...rest];
    }
    return undefined;
  }
}

const calls = new WeakMap<object, Query>();

function callQuery(semantics: PythonSemantics): Query {
  const language = semantics.tree.language;
  let q = calls.get(language);
  if (!q) {
    q = new Query(language, '(call function: [(identifier) (attribute)] @callee) @call');
    calls.set(language, q);
  }
  return q;
}

function where(hop: Hop): string {
  return `${baseName(hop.path)}:${hop.range.start.line + 1}`;
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
  const own = summarisePython(semantics);
  if (!Object.values(own.functions).some((f) => f.async)) return;
  const project = new PythonProject(context, own);
  for (const { name, node: call } of callQuery(semantics).captures(context.root)) {
    if (name !== 'call') continue;
    const fn = ownerOf(call);
    if (!fn || !isAsync(fn)) continue;
    const callee = call.childForFieldName('function');
    if (!callee) continue;
    // Library calls are the direct rule's; only the project's own functions are followed.
    const api = semantics.calleeName(call);
    if (api && pythonBlockingCall(api)) continue;
    const target = projectTarget(semantics, callee);
    const place = target && project.resolve(target, context.path);
    const hops = place && project.chain(place, depth);
    if (!hops) continue;
    const shown = `\`${callee.text}()\``;
    const steps = hops.map((h, i) => `${i === 0 ? 'it calls' : 'which calls'} \`${h.shown}\` (${where(h)})`).join(', ');
    const related: RelatedLocation[] = hops.map((h) => ({
      range: h.range,
      message: h.blocks ? `\`${h.shown}\` blocks the thread here` : `\`${h.shown}\` is called here`,
      ...(h.path !== context.path && h.path !== undefined ? { path: h.path } : {}),
    }));
    context.report({
      code: SLUG,
      message: `${shown} blocks the event loop: ${steps}. Every other task waits until it returns. `
        + `Run it in a worker thread (\`await asyncio.to_thread(${callee.text})\`) or make the helper async.`,
      range: rangeOf(callee),
      related,
      fixes: toThreadFix(context, semantics, call, callee, fn),
    });
  }
}
