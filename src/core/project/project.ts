// What following calls needs from any language: per-function summaries as plain data, the other files of the
// project read through the host on demand, and the search for a blocking call a few calls down.
import type { Node, Tree } from 'web-tree-sitter';
import type { ConcurrencyContext } from '../context';
import { weigh } from '../rules/blocking/context';
import { getLoadedParser, parseText } from '../parser';
import type { RuleContext } from '../rules/rule';
import { rangeOf } from '../text';
import type { Fix, Language, Range, RelatedLocation } from '../types';

/** A function of the project a call leads to: by key in the same file, or by qualified name elsewhere. */
export type CallTarget = { kind: 'local'; key: string } | { kind: 'qualified'; name: string };

export interface FunctionSummary {
  /** 'f' for a module-level function, 'Class.m' for a method. */
  key: string;
  async: boolean;
  range: Range;
  /** The first blocking call in the function's own code (not in nested functions or lambdas). */
  blocking?: { api: string; shown: string; range: Range };
  /** Calls to the project's functions, in order. */
  calls: { target: CallTarget; shown: string; range: Range }[];
  /**
   * Threads or processes the function certainly starts: `.start()` on parameter `param` (0 is `self` in a method) in
   * its own top-level code, or (`via`) a method of `self` it calls there that does. `error`: what a late `daemon`
   * assignment raises, when the function knows the object's class (a method of a `Thread` subclass).
   */
  starts?: { param: number; shown: string; range: Range; via?: CallTarget; error?: string }[];
}

/** A function's summary with `blocking` and `calls` filled in now, or on first read (the analysed file's own). */
export type Detail = Pick<FunctionSummary, 'blocking' | 'calls' | 'starts'>;

export function withDetail(
  head: Omit<FunctionSummary, keyof Detail>,
  compute: () => Detail,
  lazy: boolean,
): FunctionSummary {
  if (!lazy) return { ...head, ...compute() };
  let known: Detail | undefined;
  const get = () => (known ??= compute());
  return Object.defineProperties({ ...head } as FunctionSummary, {
    blocking: { get: () => get().blocking, enumerable: true },
    calls: { get: () => get().calls, enumerable: true },
    starts: { get: () => get().starts, enumerable: true },
  });
}

/** A file's functions by key; the same shape for Python and TS/JS. */
export interface FileSummary {
  functions: Record<string, FunctionSummary>;
}

export const DEFAULT_FOLLOW_DEPTH = 5;
/** Other files' summaries kept between analyses, by path and content; the oldest go first past this many. */
const CACHE_LIMIT = 20_000;
/** Files looked at per analysis at most: a chain is followed through a few modules, not a whole tree. */
const FILES_PER_ANALYSIS = 200;

const summaryCache = new Map<string, FileSummary>();
/** Keys used since the process started, most recent last: what a persistent cache should keep (bounded like the cache). */
const usedKeys = new Set<string>();

function markUsed(key: string): void {
  usedKeys.delete(key);
  usedKeys.add(key);
  if (usedKeys.size > CACHE_LIMIT) usedKeys.delete(usedKeys.keys().next().value!);
}

/** The summaries this process used (computed or imported), for a persistent cache; plain data. */
export function exportSummaries(): Record<string, FileSummary> {
  const out: Record<string, FileSummary> = {};
  for (const key of usedKeys) {
    const summary = summaryCache.get(key);
    if (summary) out[key] = summary;
  }
  return out;
}

/** Summaries from a persistent cache. Keys hold the path, the content's hash and the settings: a changed file misses. */
export function importSummaries(entries: Record<string, FileSummary>): void {
  for (const [key, summary] of Object.entries(entries)) {
    if (summaryCache.size >= CACHE_LIMIT) break;
    if (wellFormed(summary)) summaryCache.set(key, summary);
  }
}

/** The shape the follower reads, checked before trusting a cache file that may be old or damaged. */
function wellFormed(summary: unknown): summary is FileSummary {
  const functions = (summary as FileSummary | null)?.functions;
  if (!functions || typeof functions !== 'object') return false;
  return Object.values(functions).every((fn: Partial<FunctionSummary> | null) => fn && typeof fn === 'object'
    && typeof fn.key === 'string' && typeof fn.async === 'boolean' && Array.isArray(fn.calls)
    && fn.calls.every((c) => c && typeof c === 'object' && c.target && typeof c.shown === 'string' && c.range)
    && (fn.starts === undefined || Array.isArray(fn.starts))
    && (fn.blocking === undefined || (typeof fn.blocking === 'object' && typeof fn.blocking.shown === 'string')));
}

/** FNV-1a: a cheap content key for the cache (a collision only costs a stale summary until the file changes again). */
function contentKey(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${text.length}:${(h >>> 0).toString(36)}`;
}

/** Summarises another file's text, with the grammar already loaded for it (a file of another language is skipped). */
export function summaryOfText(path: string, text: string, language: Language, summarise: (tree: Tree) => FileSummary, variant = ''): FileSummary | undefined {
  // `variant`: what else the summary depends on (the project's blocking.extra / allow).
  const key = cacheKey(path, text, variant);
  const cached = summaryCache.get(key);
  if (cached) {
    markUsed(key);
    return cached;
  }
  const summary = withParsed(text, language, summarise);
  if (!summary) return undefined;
  if (summaryCache.size >= CACHE_LIMIT) summaryCache.delete(summaryCache.keys().next().value!);
  summaryCache.set(key, summary);
  markUsed(key);
  return summary;
}

/** Parses another file's text with its grammar already loaded (bounded by a parse timeout) and computes plain data from the tree. */
export function withParsed<T>(text: string, language: Language, compute: (tree: Tree) => T): T | undefined {
  const parser = getLoadedParser(language);
  const tree = parser ? parseText(parser, text, undefined, { timeoutMs: 1_000 }) : null;
  if (!tree) return undefined;
  try {
    return compute(tree);
  } finally {
    tree.delete();
  }
}

/** A content key for caches of data computed from a file: its path, content hash and what else it depends on. */
export function cacheKey(path: string, text: string, variant = ''): string {
  return `${path}\n${contentKey(text)}\n${variant}`;
}

export interface Place { path: string | undefined; key: string }
export interface Hop { shown: string; path: string | undefined; range: Range; blocks?: string }

export function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function join(dir: string, file: string): string {
  return dir ? `${dir}/${file}` : file;
}

export function baseName(path: string | undefined): string {
  return path ? path.slice(path.lastIndexOf('/') + 1) : 'this file';
}

/** The project as this analysis sees it: this file's summary, and other files read through the host on demand. */
export abstract class ProjectView {
  private readonly files = new Map<string, FileSummary | null>();
  private looked = 0;

  constructor(protected readonly context: RuleContext, private readonly own: FileSummary) {}

  /** Summarises another file of the project (undefined: not a file this language can follow into). */
  protected abstract summariseFile(path: string, text: string): FileSummary | undefined;

  /** The file and function a call target names, seen from the file `from`. */
  abstract resolve(target: CallTarget, from: string | undefined): Place | undefined;

  summary(path: string | undefined): FileSummary | undefined {
    if (path === this.context.path || path === undefined) return this.own;
    const known = this.files.get(path);
    if (known !== undefined) return known ?? undefined;
    if (this.looked++ >= FILES_PER_ANALYSIS) return undefined;
    const text = this.context.readFile?.(path);
    const summary = text === undefined ? undefined : this.summariseFile(path, text);
    this.files.set(path, summary ?? null);
    return summary;
  }

  /** The hops from a call of `place` down to the blocking call, when one is at most `depth` calls away. */
  chain(place: Place, depth: number, seen = new Set<string>()): Hop[] | undefined {
    const id = `${place.path ?? ''}#${place.key}`;
    if (seen.has(id)) return undefined;
    seen.add(id);
    const fn = this.summary(place.path)?.functions[place.key];
    // An async helper's own blocking calls are reported inside it; calling it only makes a coroutine or a promise.
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

/** Where a hop is, for a message: 'line 12' in the analysed file, 'util.py:5' in another. */
export function where(hop: Hop, analysed: string | undefined): string {
  return hop.path === analysed ? `line ${hop.range.start.line + 1}` : `${baseName(hop.path)}:${hop.range.start.line + 1}`;
}

/**
 * Reports a call in an async function that blocks through `hops`, naming the chain, with one related location per
 * hop, weighed by the function's concurrency context like a direct finding (a handler's call is a warning naming why,
 * a script's a hint). `waits` and `advice` are the language's own sentences.
 */
export function reportChain(
  context: RuleContext,
  call: { callee: Node; fn: Node; hops: Hop[]; fixes?: Fix[] },
  text: { waits: string; advice: string },
  contexts: Map<number, ConcurrencyContext>,
): void {
  const { callee, fn, hops } = call;
  const steps = hops.map((h, i) => `${i === 0 ? 'it calls' : 'which calls'} \`${h.shown}\` (${where(h, context.path)})`).join(', ');
  const related: RelatedLocation[] = hops.map((h) => ({
    range: h.range,
    message: h.blocks ? `\`${h.shown}\` blocks the thread here` : `\`${h.shown}\` is called here`,
    ...(h.path !== context.path && h.path !== undefined ? { path: h.path } : {}),
  }));
  const weighed = weigh(context, fn, undefined, contexts);
  if (weighed.off) return;
  context.report({
    code: 'blocking-call-in-async',
    message: `\`${callee.text}()\` blocks the event loop: ${steps}. ${text.waits} ${text.advice}${weighed.suffix}`,
    range: rangeOf(callee),
    related: [...related, ...weighed.related],
    ...(weighed.severity ? { severity: weighed.severity } : {}),
    ...(call.fixes ? { fixes: call.fixes } : {}),
  });
}
