// What following calls needs from any language: per-function summaries as plain data, the other files of the
// project read through the host on demand, and the search for a blocking call a few calls down.
import type { Tree } from 'web-tree-sitter';
import { getLoadedParser, parseOtherFile } from '../parser';
import type { AnalysisContext } from '../analysis';
import type { Language, Range } from '../types';
import { compact, pack, wellFormed, type StoredSummary } from './packed';
import { bind, describe, evaluate, resolveValue, type Arg, type Binding, type ColdPath, type Condition, type Param, type Value } from '../effects/condition';
import { dict } from '../dict';

/**
 * A function (or class, or module variable) of the project a name leads to: by key in the same file, by Python
 * qualified name elsewhere ('util.git_rev', '.helpers.Repo.head'), or by a TS/JS module specifier and the name of
 * what it exports ('f', 'Repo.head', 'default').
 */
export type CallTarget =
  | { kind: 'local'; key: string }
  | { kind: 'qualified'; name: string }
  | { kind: 'module'; specifier: string; name: string };

/** The member of a class that stands for its bases: `Class.__bases__.m` is `m` as `super()` in Class finds it. */
export const BASES = '__bases__';

/** `member` of what `target` names: a method of a class, a function of a module (a TS/JS module as a whole is named ''). */
export function memberOf(target: CallTarget, member: string): CallTarget {
  switch (target.kind) {
    case 'local': return { kind: 'local', key: `${target.key}.${member}` };
    case 'qualified': return { kind: 'qualified', name: `${target.name}.${member}` };
    case 'module': return { kind: 'module', specifier: target.specifier, name: target.name ? `${target.name}.${member}` : member };
  }
}

export interface FunctionSummary {
  /** 'f' for a module-level function, 'Class.m' for a method. */
  key: string;
  /** Calling it runs none of its body now: an async function (it makes a coroutine), or Textual's `@work(thread=True)` one. */
  async: boolean;
  range: Range;
  /** The first blocking call in the function's own code (not in nested functions or lambdas), and when it runs. */
  blocking?: BlockingCall;
  /** Later blocking calls under other conditions than the first (a few at most). */
  alsoBlocking?: BlockingCall[];
  /** Calls to the project's functions, in order. */
  calls: ProjectCall[];
  /** Its parameters (without Python's `self`/`cls`), with their defaults: how a call's arguments bind. */
  params?: Param[];
  /** A constructor's: what it stores on `self`/`this` from its parameters or literals (fields nothing else assigns). */
  fields?: Record<string, Value>;
  /**
   * Threads or processes the function certainly starts: `.start()` on parameter `param` (0 is `self` in a method) in
   * its own top-level code, or (`via`) a method of `self` it calls there that does. `error`: what a late `daemon`
   * assignment raises, when the function knows the object's class (a method of a `Thread` subclass).
   */
  starts?: { param: number; shown: string; range: Range; via?: CallTarget; error?: string }[];
}

/**
 * A blocking call of a function's own code; `when`: the condition under which it runs from the function's entry.
 * `light`: a quick metadata call (`fs.existsSync`, `os.path.exists`), kept only by a function that makes no other.
 */
export interface BlockingCall { api: string; shown: string; range: Range; when?: Condition; light?: true }

/**
 * A call of the project's code: `when` it runs, the arguments it passes (`args`; undefined: not known) and the object
 * it is called on (`recv`: a new instance with its constructor's arguments, or the caller's own receiver).
 */
export interface ProjectCall { target: CallTarget; shown: string; range: Range; when?: Condition; args?: Arg[]; recv?: Value }

/** Blocking calls kept per function at most (the first, and later ones under other conditions). */
export const MAX_BLOCKING = 4;

interface BlockingCalls { blocking?: BlockingCall; alsoBlocking?: BlockingCall[] }

/**
 * Keeps `found` among a function's blocking calls: the first one, and while the kept ones all run under conditions,
 * one per other condition (at most MAX_BLOCKING). `same` says whether two conditions are the same.
 */
export function keepBlocking(out: BlockingCalls, found: BlockingCall, same: (a: Condition | undefined, b: Condition | undefined) => boolean): void {
  if (!out.blocking) out.blocking = found;
  else if ((out.blocking.when || out.alsoBlocking?.length) && (out.alsoBlocking?.length ?? 0) < MAX_BLOCKING - 1
    && ![out.blocking, ...(out.alsoBlocking ?? [])].some((b) => same(b.when, found.when))) (out.alsoBlocking ??= []).push(found);
}

/**
 * A function that blocks on every path blocks whenever it is called: `certain`, the call that makes it so, is kept
 * without its condition, last (a call whose arguments settle the conditions still finds the call that runs).
 */
export function keepCertain(out: BlockingCalls, certain: BlockingCall | undefined): void {
  if (!certain || !out.blocking?.when) return;
  const kept = [out.blocking, ...(out.alsoBlocking ?? [])].slice(0, MAX_BLOCKING - 1);
  out.blocking = kept[0];
  out.alsoBlocking = [...kept.slice(1), certain];
}

/**
 * A function that makes no other blocking call keeps its quick metadata calls (`fs.existsSync`, `os.path.exists`): a
 * caller's chain through it is weighed like the call itself would be (a warning in hot code, information otherwise).
 */
export function keepLightIfNoOther(out: BlockingCalls, light: BlockingCalls): void {
  if (out.blocking || !light.blocking) return;
  out.blocking = light.blocking;
  if (light.alsoBlocking) out.alsoBlocking = light.alsoBlocking;
}

/** A function's summary with `blocking` and `calls` filled in now, or on first read (the analysed file's own). */
export type Detail = Pick<FunctionSummary, 'blocking' | 'alsoBlocking' | 'calls' | 'starts' | 'params' | 'fields'>;

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
    alsoBlocking: { get: () => get().alsoBlocking, enumerable: true },
    calls: { get: () => get().calls, enumerable: true },
    starts: { get: () => get().starts, enumerable: true },
    params: { get: () => get().params, enumerable: true },
    fields: { get: () => get().fields, enumerable: true },
  });
}

/** A file's functions by key, and the names that lead on to other code; the same shape for Python and TS/JS. */
export interface FileSummary {
  functions: Record<string, FunctionSummary>;
  /** Module-level classes by key, with their bases in order: where an inherited method is looked for. */
  classes?: Record<string, CallTarget[]>;
  /** Module-level names bound to code elsewhere: Python imports (what `__init__.py` re-exports), TS/JS exports and re-exports ('default' too). */
  exports?: Record<string, CallTarget>;
  /** Module-level variables holding an instance of a class (`client = Client()`), with the class. */
  instances?: Record<string, CallTarget>;
  /** Attributes of this file's classes holding an instance ('Config.blocklist' for `self.blocklist = Blocklist()`), with its class. */
  attributes?: Record<string, CallTarget>;
  /** TS/JS: modules re-exported whole (`export * from './a'`), in order. */
  stars?: string[];
}

type ModuleNames = Pick<FileSummary, 'classes' | 'exports' | 'instances' | 'attributes' | 'stars'>;

/** A file's summary with its module-level names filled in now, or on first read (the analysed file's own, rarely needed). */
export function withModuleNames(functions: FileSummary['functions'], compute: () => ModuleNames, lazy: boolean): FileSummary {
  if (!lazy) return { functions, ...compute() };
  let known: ModuleNames | undefined;
  const get = () => (known ??= compute());
  return Object.defineProperties({ functions }, {
    classes: { get: () => get().classes, enumerable: true },
    exports: { get: () => get().exports, enumerable: true },
    instances: { get: () => get().instances, enumerable: true },
    attributes: { get: () => get().attributes, enumerable: true },
    stars: { get: () => get().stars, enumerable: true },
  });
}

export const DEFAULT_FOLLOW_DEPTH = 5;

/** Summaries of an analysed file's own functions built since the process started (a test counts them per analysis). */
let ownSummaryBuilds = 0;
export function countSummaryBuild(): void {
  ownSummaryBuilds++;
}
export function summaryBuilds(): number {
  return ownSummaryBuilds;
}
/** Other files' summaries kept between analyses, by path and content; the oldest go first past this many. */
const CACHE_LIMIT = 20_000;
/** Files read per analysis at most: a chain is followed through a few modules, not a whole tree. */
const FILES_PER_ANALYSIS = 200;
/**
 * Paths tried per analysis at most, found or not: most qualified names are libraries' (`discord.Message.reply`), tried
 * under each import root and missed cheaply, so they get their own, larger bound and do not use up FILES_PER_ANALYSIS.
 */
const PROBES_PER_ANALYSIS = 3_000;
/** Re-exports, base classes and module variables one call's resolution passes through at most (bounds cycles among them). */
export const MAX_INDIRECTIONS = 8;
/** Lookups per analysis at most: `export *` fans out, and this caps the whole search whatever the shape of the project. */
const LOOKUPS_PER_ANALYSIS = 20_000;

/**
 * Summaries as UTF-8 JSON, outside the JS heap: a file's is read back in microseconds when an analysis first looks at
 * it, and stored this way 13,335 files' summaries take their size in bytes (54 MB). As objects on the heap, the
 * same summaries kept the language server at 370 MB (the heap grows to about twice what it holds).
 */
const summaryCache = new Map<string, Uint8Array>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The analysed file's summary, not yet packed: packing reads every function's detail (0.5-1 s for a 20k-line file), which
 * the answer to the edit does not wait for. Packed when read, or by the host once the answer is sent, while the tree the
 * summary reads is still the analysis's (see packPendingSummaries).
 */
const pendingSummaries = new Map<string, { summarise: () => FileSummary; live?: FileSummary }>();
let deferPacking = false;

/** Whether the analysed file's own summary is packed after the analysis's answer (a host that calls packPendingSummaries). */
export function deferSummaryPacking(on: boolean): void {
  deferPacking = on;
  if (!on) packPendingSummaries();
}

/** Packs the summaries left for later; the host calls it after each job, before any tree can change or be freed. */
export function packPendingSummaries(): void {
  // Each entry is removed before it is packed: bounded by the entries there. One that fails is dropped (a later read
  // summarises the file again), and the others are still packed while their trees are the analysis's.
  for (const key of [...pendingSummaries.keys()]) {
    try {
      packPending(key);
    } catch {
      // Dropped, as said.
    }
  }
}

/** Summaries left to pack (for tests). */
export function pendingSummaryCount(): number {
  return pendingSummaries.size;
}

function packPending(key: string): void {
  const pending = pendingSummaries.get(key);
  if (!pending) return;
  pendingSummaries.delete(key);
  store(key, pack(pending.live ?? pending.summarise()));
}

function stored(key: string): StoredSummary | undefined {
  packPending(key);
  const bytes = summaryCache.get(key);
  return bytes && JSON.parse(decoder.decode(bytes)) as StoredSummary;
}

function store(key: string, summary: StoredSummary): void {
  if (summaryCache.size >= CACHE_LIMIT && !summaryCache.has(key)) summaryCache.delete(summaryCache.keys().next().value!);
  summaryCache.set(key, encoder.encode(JSON.stringify(summary)));
}
/** Keys used since the process started, most recent last: what a persistent cache should keep (bounded like the cache). */
const usedKeys = new Set<string>();

/** Set while warming the cache ahead of use: what is summarised then is not (yet) used. */
let warming = false;

/** Runs `work` (summarising files nobody asked for yet) without marking its summaries as used. */
export function whileWarming<T>(work: () => T): T {
  warming = true;
  try {
    return work();
  } finally {
    warming = false;
  }
}

function markUsed(key: string): void {
  if (warming) return;
  usedKeys.delete(key);
  usedKeys.add(key);
  if (usedKeys.size > CACHE_LIMIT) usedKeys.delete(usedKeys.keys().next().value!);
}

/** The summaries this process used (computed or imported), for a persistent cache; plain data. */
export function exportSummaries(): Record<string, StoredSummary> {
  packPendingSummaries();
  const out = dict<StoredSummary>();
  for (const key of usedKeys) {
    const summary = stored(key);
    if (summary) out[key] = summary;
  }
  return out;
}

/** Summaries from a persistent cache. Keys hold the path, the content's hash and the settings: a changed file misses. */
export function importSummaries(entries: Record<string, StoredSummary>): void {
  for (const [key, summary] of Object.entries(entries)) {
    if (summaryCache.size >= CACHE_LIMIT) break;
    if (wellFormed(summary)) store(key, summary);
  }
}

/** Content keys of recent texts: every analysis of a run keys the same files' texts (the host reads each once). */
const recentKeys = new Map<string, string>();
/** Characters of the texts kept (an editor's every version of a large file must not pile up). */
const RECENT_KEY_CHARS = 16 * 1024 * 1024;
let recentKeyChars = 0;

/** FNV-1a: a cheap content key for the cache (a collision only costs a stale summary until the file changes again). */
function contentKey(text: string): string {
  let key = recentKeys.get(text);
  if (key === undefined) {
    key = fnv(text);
    // Oldest first: bounded by the entries kept.
    while (recentKeys.size && recentKeyChars + text.length > RECENT_KEY_CHARS) {
      const oldest = recentKeys.keys().next().value!;
      recentKeyChars -= oldest.length;
      recentKeys.delete(oldest);
    }
    if (text.length <= RECENT_KEY_CHARS) {
      recentKeys.set(text, key);
      recentKeyChars += text.length;
    }
  }
  return key;
}

function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${text.length}:${(h >>> 0).toString(36)}`;
}

/** Summarises another file's text, with the grammar already loaded for it (a file of another language is skipped). */
export function summaryOfText(path: string, text: string, language: Language, summarise: (tree: Tree) => FileSummary, variant = ''): FileSummary | undefined {
  // `variant`: what else the summary depends on (the project's blocking.extra / allow).
  const key = cacheKey(path, text, variant);
  // The analysed file's own summary, read as it is (its details computed as asked) until it is packed.
  const pending = pendingSummaries.get(key);
  if (pending) {
    markUsed(key);
    return pending.live ??= pending.summarise();
  }
  const cached = stored(key);
  if (cached) {
    markUsed(key);
    return compact(cached);
  }
  const parsed = withParsed(text, language, (tree) => pack(summarise(tree)));
  if (!parsed) return undefined;
  store(key, parsed);
  markUsed(key);
  return compact(parsed);
}

/** Keeps a file's summary computed from a tree already parsed (the call graph's), so that reading the file does not parse it again. */
export function primeSummary(path: string, text: string, variant: string, summarise: () => FileSummary, analysed = false): string {
  const key = cacheKey(path, text, variant);
  // `analysed`: the summary reads the analysed file's tree, which lives until the host packs it; another file's tree is
  // freed when the graph has read it, so its summary is packed at once.
  if (!summaryCache.has(key) && !pendingSummaries.has(key)) {
    if (analysed && deferPacking) pendingSummaries.set(key, { summarise });
    else store(key, pack(summarise()));
  }
  // Used when the call graph's units are kept too (the CLI's cache keeps them beside the file's summary); an editor's
  // storage keeps only what analyses read, not every file of every package the graph summarised.
  if (graphSummariesKept) markUsed(key);
  return key;
}

let graphSummariesKept = false;
/** Whether the summaries the call graph makes count as used (exported for a persistent cache with the graph's units). */
export function keepGraphSummaries(on: boolean): void {
  graphSummariesKept = on;
}

/** The summary kept under `key` (packed), if any. */
export function storedSummary(key: string): StoredSummary | undefined {
  return stored(key);
}

/**
 * Stores the summary kept under `key` (a key primeSummary returned) again for the file's new text, which summarises the
 * same (an edit changed no function's summary); returns the new key, or undefined when nothing is kept under `key`.
 */
export function carrySummary(key: string, text: string): string | undefined {
  packPending(key);
  const bytes = summaryCache.get(key);
  const [path, , ...variant] = key.split('\n');
  if (!bytes) return undefined;
  const next = cacheKey(path, text, variant.join('\n'));
  if (summaryCache.size >= CACHE_LIMIT && !summaryCache.has(next)) summaryCache.delete(summaryCache.keys().next().value!);
  summaryCache.set(next, bytes);
  if (graphSummariesKept) markUsed(next);
  return next;
}

/**
 * Keeps `summary` (the one kept under `key`, moved through an edit of the file) for the file's new text, packed when
 * pending summaries are (or at once, when packing is not deferred); returns the new key.
 */
export function carryMovedSummary(key: string, text: string, summary: FileSummary): string {
  const [path, , ...variant] = key.split('\n');
  const next = cacheKey(path, text, variant.join('\n'));
  summaryCache.delete(next);
  pendingSummaries.set(next, { summarise: () => summary, live: summary });
  if (!deferPacking) packPending(next);
  if (graphSummariesKept) markUsed(next);
  return next;
}

/** Whether a summary (whole or its heads) is kept under `key`. */
export function hasSummary(key: string): boolean {
  return summaryCache.has(key) || pendingSummaries.has(key);
}

/** The stored summaries under `keys` (plain data), for another worker of the same run. */
export function summariesOf(keys: Iterable<string>): Record<string, StoredSummary> {
  const out = dict<StoredSummary>();
  for (const key of keys) {
    const summary = stored(key);
    if (summary) out[key] = summary;
  }
  return out;
}

/** Parses another file's text with its grammar already loaded (bounded by a parse timeout) and computes plain data from the tree. */
export function withParsed<T>(text: string, language: Language, compute: (tree: Tree) => T): T | undefined {
  const parser = getLoadedParser(language);
  const tree = parser ? parseOtherFile(parser, text, 1_000) : null;
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

/**
 * A chain down to a blocking call and how the call site reaches it: certainly, or maybe (`when`: the first condition
 * left unknown, as a message says it); `cold`: only on a path that runs rarely (once, on an error, when debugging).
 */
export interface Chain { hops: Hop[]; reach: 'reached' | 'may'; when?: string; cold?: ColdPath; light?: true }

/** Functions a chain search visits at most (each under the binding its call gives). */
const VISITS_PER_CHAIN = 400;

/** A chain's rank: certain and hot first, then maybe-hot, then cold; one ending in a quick metadata call after all those. */
function rank(chain: Chain): number {
  return (chain.light ? 3 : 0) + (chain.cold ? 2 : chain.reach === 'reached' ? 0 : 1);
}

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

/**
 * The longest other file (in UTF-16 units) calls are followed into and the call graph reads: past it, a bundle or
 * generated data (Biome's default size limit for any file is 1 MiB).
 */
export const MAX_FOLLOWED_CHARS = 1024 * 1024;

/** The project as this analysis sees it: this file's summary, and other files read through the host on demand. */
export abstract class ProjectView {
  private readonly files = new Map<string, FileSummary | null>();
  private read = 0;
  private probes = 0;
  private lookups = 0;

  /** `own`: the analysed file's summary (lazy: each function's details when first read), shared with the call graph. */
  constructor(protected readonly context: AnalysisContext, readonly own: FileSummary) {}

  /** Files read, paths tried and look-ups made at most by this view (the call graph's view of a whole package reads more). */
  protected readonly limits = { files: FILES_PER_ANALYSIS, probes: PROBES_PER_ANALYSIS, lookups: LOOKUPS_PER_ANALYSIS };
  /** Whether this view answers for `context` too: the same file, files and settings (another rule of the same analysis). */
  sees(context: AnalysisContext): boolean {
    return context.path === this.context.path && context.readFile === this.context.readFile && context.settings === this.context.settings
      && context.language === this.context.language;
  }

  /** The method a call of a class runs ('__init__'), when calls of classes are followed. */
  protected readonly constructorName: string | undefined = undefined;

  /**
   * TS/JS: a default import's members (`import api from './api'; api.head()`) name the module's exports, or, when it has
   * no such export, members of what it exports as default (an instance, a namespace).
   */
  protected readonly membersOfDefault: boolean = false;

  /** Summarises another file of the project (undefined: not a file this language can follow into). */
  protected abstract summariseFile(path: string, text: string): FileSummary | undefined;

  /**
   * The file and function a call target names, seen from the file `from`. `budget`: indirections left (re-exports,
   * bases, module variables); each `lookup` that passes one on spends one.
   */
  abstract resolve(target: CallTarget, from: string | undefined, budget?: number): Place | undefined;

  /**
   * The function `name` ('f', 'Class.m', 'pkg_name.f') denotes in the file at `path`: defined there, inherited by a
   * class there from its bases, or reached through what the file imports, exports or holds in a module variable.
   */
  protected lookup(path: string | undefined, name: string, budget: number): Place | undefined {
    const summary = this.lookups++ < this.limits.lookups ? this.summary(path) : undefined;
    if (!summary) return undefined;
    if (summary.functions[name]) return { path, key: name };
    // Bounded: every step below spends one of `budget`, and a lookup with none left stops here.
    if (budget <= 0) return undefined;
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const rest = dot < 0 ? undefined : name.slice(dot + 1);
    // `Class.__bases__.m` (Python's `super().m()` in Class): the first base in order that has or inherits `m`.
    if (rest?.startsWith(`${BASES}.`)) {
      for (const base of summary.classes?.[head] ?? []) {
        const found = this.resolve(memberOf(base, rest.slice(BASES.length + 1)), path, budget - 1);
        if (found) return found;
      }
      return undefined;
    }
    // `Class.attribute.m`: a method of what the class keeps in that attribute.
    const next = rest?.indexOf('.') ?? -1;
    const attribute = next > 0 ? summary.attributes?.[`${head}.${rest!.slice(0, next)}`] : undefined;
    if (attribute) return this.resolve(memberOf(attribute, rest!.slice(next + 1)), path, budget - 1);
    const bases = rest !== undefined ? summary.classes?.[head] : undefined;
    if (bases) {
      // A method (or attribute) the class inherits: its bases in order (Python's MRO for single inheritance).
      for (const base of bases) {
        const found = this.resolve(memberOf(base, rest!), path, budget - 1);
        if (found) return found;
      }
      return undefined;
    }
    // Calling a class runs its constructor (its own or one it inherits).
    if (rest === undefined && summary.classes?.[head] && this.constructorName) return this.lookup(path, `${head}.${this.constructorName}`, budget - 1);
    const instance = rest !== undefined ? summary.instances?.[head] : undefined;
    if (instance) return this.resolve(memberOf(instance, rest!), path, budget - 1);
    const imported = summary.exports?.[head];
    if (imported) return this.resolve(rest === undefined ? imported : memberOf(imported, rest), path, budget - 1);
    for (const specifier of summary.stars ?? []) {
      const found = this.resolve({ kind: 'module', specifier, name }, path, budget - 1);
      if (found) return found;
    }
    const fallback = this.membersOfDefault && head !== 'default' ? summary.instances?.default ?? summary.exports?.default : undefined;
    return fallback && this.resolve(memberOf(fallback, name), path, budget - 1);
  }

  summary(path: string | undefined): FileSummary | undefined {
    if (path === this.context.path || path === undefined) return this.own;
    const known = this.files.get(path);
    if (known !== undefined) return known ?? undefined;
    if (this.read >= this.limits.files || this.probes++ >= this.limits.probes) return undefined;
    const text = this.context.readFile?.(path);
    if (text !== undefined) this.read++;
    // A file past MAX_FOLLOWED_CHARS is a bundle or generated data: calls into it are not followed.
    const summary = text === undefined || text.length > MAX_FOLLOWED_CHARS ? undefined : this.summariseFile(path, text);
    this.files.set(path, summary ?? null);
    return summary;
  }

  /** The hops from a call of `place` down to the blocking call, when one is at most `depth` calls away (any condition). */
  chain(place: Place, depth: number): Hop[] | undefined {
    return this.reach(place, depth)?.hops;
  }

  /**
   * The chain from a call of `place` with `binding` (what the call site passes; absent: nothing known) down to a
   * blocking call it reaches or may reach, at most `depth` calls away: the best one (certain and hot first).
   */
  reach(place: Place, depth: number, site?: { args?: Arg[]; recv?: Value }): Chain | undefined {
    const budget = { visits: VISITS_PER_CHAIN };
    const python = this.context.language === 'python';
    let binding: Binding | undefined;
    if (site) {
      const fields = this.receiverFields(site.recv, this.context.path, undefined, python);
      binding = { params: bind(this.summary(place.path)?.functions[place.key]?.params, site.args, undefined, python), python, ...(fields ? { fields } : {}) };
    }
    this.cutShort = false;
    return this.reachFrom(place, depth, binding, new Set<string>(), budget);
  }

  /** What a call's receiver holds: a new instance's fields, from its constructor's summary and arguments. */
  private receiverFields(receiver: Value | undefined, from: string | undefined, outer: Binding | undefined, python: boolean): Record<string, Value> | undefined {
    const value = receiver && resolveValue(receiver, outer);
    if (value?.k === 'obj') return value.f;
    if (value?.k !== 'new' || !value.a) return undefined;
    const place = this.resolve(memberOf(value.c, python ? '__init__' : 'constructor'), from);
    const ctor = place && this.summary(place.path)?.functions[place.key];
    if (!ctor?.fields) return undefined;
    const params = bind(ctor.params, value.a, undefined, python);
    const out: Record<string, Value> = Object.create(null) as Record<string, Value>;
    for (const [field, v] of Object.entries(ctor.fields)) out[field] = resolveValue(v, { params, python });
    return out;
  }

  /** Chains already found from a function under a binding and depth, within this analysis (null: none). */
  private readonly reached = new Map<string, Chain | null>();

  private reachFrom(place: Place, depth: number, binding: Binding | undefined, path: Set<string>, budget: { visits: number }): Chain | undefined {
    const id = `${place.path ?? ''}#${place.key}`;
    if (path.has(id)) {
      this.cutShort = true;
      return undefined;
    }
    const memo = `${id}\n${depth}\n${binding ? JSON.stringify(binding) : ''}`;
    const known = this.reached.get(memo);
    if (known !== undefined) return known ?? undefined;
    if (budget.visits-- <= 0) return undefined;
    const found = this.reachUncached(place, id, depth, binding, path, budget);
    // A search cut short by a cycle on its path may find more from elsewhere: only complete answers are kept.
    if (found || !this.cutShort) this.reached.set(memo, found ?? null);
    return found;
  }

  /** Set when a search met a function already on its path (its answer depends on where it started). */
  private cutShort = false;

  private reachUncached(place: Place, id: string, depth: number, binding: Binding | undefined, path: Set<string>, budget: { visits: number }): Chain | undefined {
    const fn = this.summary(place.path)?.functions[place.key];
    // An async helper's own blocking calls are reported inside it; calling it only makes a coroutine or a promise.
    if (!fn || fn.async) return undefined;
    const python = this.context.language === 'python';
    const here: Binding = binding ?? { params: [], python };
    let best: Chain | undefined;
    const consider = (chain: Chain) => {
      if (!best || rank(chain) < rank(best)) best = chain;
    };
    // Chains left at "may" by one test alone (`if self.atomic: atomic_write(p) else: simple_write(p)`): with one under
    // the test and one under its negation, one of them runs whenever the function does.
    const byTest = new Map<string, { chain: Chain; neg: boolean }>();
    const eitherBranch = (when: Condition | undefined, result: ReturnType<typeof evaluate>, chain: Chain) => {
      if (result.reach !== 'may' || !when || when.all.length !== 1 || when.more || when.cold || result.unknown !== when.all[0] || chain.cold) return;
      const atom = when.all[0];
      const test = JSON.stringify([atom.s, atom.test]);
      const other = byTest.get(test);
      if (other && other.neg !== (atom.neg === true)) consider({ hops: other.chain.hops, reach: 'reached', ...(other.chain.light ? { light: true } : {}) });
      else if (!other) byTest.set(test, { chain, neg: atom.neg === true });
    };
    const blockingCalls = fn.blocking ? [fn.blocking, ...(fn.alsoBlocking ?? [])] : [];
    for (const b of blockingCalls) {
      const result = evaluate(b.when, here);
      if (result.reach === 'not') continue;
      const when = result.unknown && describe(result.unknown, fn.params, python);
      const chain: Chain = { hops: [{ shown: b.shown, path: place.path, range: b.range, blocks: b.api }], reach: result.reach, ...(when ? { when } : {}), ...(b.when?.cold ? { cold: b.when.cold } : {}), ...(b.light ? { light: true } : {}) };
      consider(chain);
      eitherBranch(b.when, result, chain);
      if (best && rank(best) === 0) return best;
    }
    if (depth <= 1) return best;
    path.add(id);
    try {
      // Bounded: depth shrinks by one per level, `path` stops cycles and the budget caps the visits of one search.
      for (const call of fn.calls) {
        const result = evaluate(call.when, here);
        if (result.reach === 'not') continue;
        const next = this.resolve(call.target, place.path);
        if (!next) continue;
        const fields = this.receiverFields(call.recv, place.path, here, python);
        const inner: Binding = { params: bind(this.summary(next.path)?.functions[next.key]?.params, call.args, here, python), python, ...(fields ? { fields } : {}) };
        const rest = this.reachFrom(next, depth - 1, inner, path, budget);
        if (!rest) continue;
        const when = (result.unknown && describe(result.unknown, fn.params, python)) || rest.when;
        const cold = call.when?.cold ?? rest.cold;
        const chain: Chain = { hops: [{ shown: call.shown, path: place.path, range: call.range }, ...rest.hops], reach: result.reach === 'may' || rest.reach === 'may' ? 'may' : 'reached', ...(when ? { when } : {}), ...(cold ? { cold } : {}), ...(rest.light ? { light: true } : {}) };
        consider(chain);
        if (rest.reach === 'reached') eitherBranch(call.when, result, chain);
        if (best && rank(best) === 0) return best;
      }
    } finally {
      path.delete(id);
    }
    return best;
  }
}

/** Where a hop is, for a message: 'line 12' in the analysed file, 'util.py:5' in another. */
export function where(hop: Hop, analysed: string | undefined): string {
  return hop.path === analysed ? `line ${hop.range.start.line + 1}` : `${baseName(hop.path)}:${hop.range.start.line + 1}`;
}
