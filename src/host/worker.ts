// The analysis worker: holds the open documents' trees and runs one job at a time.
// The host that started it watches the clock and terminates it when a job overruns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeDocument, analyzeText, defaultLimits, IncrementalAnalysis, loadLanguage, ParsedDocument, TreeFacts, type AnalysisResult, type Diagnostic, type InputLimits, type Language } from '../core';
import { dropFixesThatBreakSyntax } from '../core/fixCheck';
import { adoptUnits, exportStoredUnits, forgetCallerTexts, importStoredUnits, unitsFor, warmUnits } from '../core/context';
import { hoverAt } from '../core/hover';
import { getParser, wasmMemoryBytes } from '../core/parser';
import { deferSummaryPacking, exportSummaries, importSummaries, keepGraphSummaries, packPendingSummaries } from '../core/project/project';
import { warmSummaries } from '../core/project/warm';
import { buildVisualisation, fileEntries } from '../core/visualiser';
import { dict } from '../core/dict';
import { packageFiles } from './packageFiles';
import { readInside, realRootOf, within } from './projectFiles';
import { phaseIndex, SLOT_JOB, SLOT_PHASE, SLOT_THREAD, type CheckedFixes, type Job, type SharedUnits, type TextAnalysis, type ThreadMemory, type WorkerInit, type WorkerMessage } from './protocol';

interface OpenDocument {
  parsed: ParsedDocument;
  facts: TreeFacts | undefined;
  version: number;
  /** Its last analysis, kept so that an edit re-analyses only the functions it may change. */
  incremental: IncrementalAnalysis;
  /** The files its findings read: an analysis of some functions adds to those of the functions it kept. */
  reads: Set<string>;
}

const init = workerData as WorkerInit;
const slots = new Int32Array(init.shared);
const limits: InputLimits = { ...defaultLimits, ...init.limits };
const documents = new Map<string, OpenDocument>();
/**
 * Documents that keep their tree and their last analysis, most recently used last. The others keep only their text:
 * a tree and what hangs on it (name indexes, the incremental analysis's copy) cost more than the text many times over,
 * and wasm memory, once grown, is never given back. Using one again parses it (a few ms per 1,000 lines), and its
 * next analysis goes over the whole file.
 */
const withTrees = new Set<string>();
const MAX_DOCUMENTS_WITH_TREES = 8;

/** The document, its tree restored if it was released; it becomes the most recently used. */
async function use(uri: string): Promise<OpenDocument | undefined> {
  const doc = documents.get(uri);
  if (!doc) return undefined;
  withTrees.delete(uri);
  withTrees.add(uri);
  if (doc.parsed.released) {
    setPhase('parse');
    await doc.parsed.restore();
  }
  for (const other of withTrees) {
    if (withTrees.size <= MAX_DOCUMENTS_WITH_TREES) break;
    withTrees.delete(other);
    release(documents.get(other));
  }
  return doc;
}

function release(doc: OpenDocument | undefined): void {
  if (!doc) return;
  doc.parsed.release();
  doc.facts = undefined;
  doc.incremental.dispose();
  // Its per-function caches go too: the next analysis of a released document is whole.
  doc.incremental = new IncrementalAnalysis();
}
/** How long one background summarising job may hold the worker: an edit's analysis waits at most about this long. */
const WARM_SLICE_MS = 50;
if (init.summaries) importSummaries(init.summaries);
if (init.units) importStoredUnits(init.units);
keepGraphSummaries(init.keepGraph === true);
// The analysed file's summary is packed after the answer is sent (below), not within the job's budget.
deferSummaryPacking(true);
// This thread's OS id (Linux: /proc/thread-self), so that the host can measure the CPU time a job takes, not the clock's.
try {
  const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
  if (Number.isInteger(tid) && tid > 0 && slots.length > SLOT_THREAD) Atomics.store(slots, SLOT_THREAD, tid);
} catch {
  // No /proc: the host falls back to the clock.
}

function setPhase(phase: string): void {
  Atomics.store(slots, SLOT_PHASE, phaseIndex(phase));
}

/**
 * Reads project files below `root` by '/'-separated relative paths: an open document's current text (unsaved edits
 * count), else the disk. None without a root (nothing is guessed). `reads` collects every path asked for, found or
 * not, so the host knows which files a result depends on (a file created later matters too).
 */
function readerFor(root: string | undefined, reads?: Set<string>): ((file: string) => string | undefined) | undefined {
  if (!root) return undefined;
  const realRoot = realRootOf(root);
  return (file: string) => {
    reads?.add(file);
    // Every analysis of a run probes the same paths (most of them absent: libraries' module names): read once each.
    const fixed = init.filesFixed && !documents.size ? `${root}\0${file}` : undefined;
    const known = fixed === undefined ? undefined : fixedReads.get(fixed);
    if (known !== undefined) return known ?? undefined;
    const absolute = path.resolve(root, file);
    let text: string | undefined;
    if (!within(root, absolute)) text = undefined;
    else {
      const open = documents.size ? documents.get(pathToFileURL(absolute).href) : undefined;
      if (open) return open.parsed.text;
      // Most probes are of files that do not exist (a module name under each import root): their folder's listing
      // says so without a failed system call each.
      text = fixed !== undefined && !listedIn(root, absolute) ? undefined : readInside(realRoot, absolute);
    }
    if (fixed !== undefined && fixedChars + (text?.length ?? 0) <= MAX_FIXED_CHARS) {
      if (fixedReads.size >= MAX_FIXED_READS) fixedReads.delete(fixedReads.keys().next().value!);
      fixedReads.set(fixed, text ?? null);
      fixedChars += text?.length ?? 0;
    }
    return text;
  };
}

/** Files read (null: absent or outside the project) by root and relative path, when they do not change (init.filesFixed). */
const fixedReads = new Map<string, string | null>();
/** Paths kept at most: a whole kit project's probes are a few tens of thousands. */
const MAX_FIXED_READS = 100_000;
/** Characters of text kept at most (past them files are read again each time). */
const MAX_FIXED_CHARS = 64 * 1024 * 1024;
let fixedChars = 0;

/** Folders' entries (null: not a folder), lower-cased, by absolute path: only while files do not change (init.filesFixed). */
const listings = new Map<string, Set<string> | null>();
const MAX_LISTINGS = 20_000;

/** Whether the folder holding `absolute` lists its name (in any case: a case-insensitive file system finds it too). */
function listedIn(root: string, absolute: string): boolean {
  return entriesOf(root, path.dirname(absolute))?.has(path.basename(absolute).toLowerCase()) ?? false;
}

/** A folder's entries; one below `root` that its parent does not list is none (no failed system call). Bounded by the path's depth. */
function entriesOf(root: string, dir: string): Set<string> | null {
  let entries = listings.get(dir);
  if (entries === undefined) {
    const parent = path.dirname(dir);
    if (dir !== root && parent !== dir && within(root, parent) && !(entriesOf(root, parent)?.has(path.basename(dir).toLowerCase()) ?? false)) entries = null;
    else {
      try {
        entries = new Set(fs.readdirSync(dir).map((name) => name.toLowerCase()));
      } catch {
        entries = null;
      }
    }
    if (listings.size >= MAX_LISTINGS) listings.delete(listings.keys().next().value!);
    listings.set(dir, entries);
  }
  return entries;
}

const listed = new Map<string, readonly string[]>();

/** The source files of the package (nearest folder with a manifest) holding `near`, as paths relative to `root`. */
function listerFor(root: string | undefined, enabled: boolean | undefined): ((near: string) => readonly string[]) | undefined {
  if (!root || !enabled) return undefined;
  return (near: string) => packageFiles(root, near, listed);
}

function factsOf(doc: OpenDocument): TreeFacts | undefined {
  const tree = doc.parsed.tree;
  if (!tree) return undefined;
  if (doc.facts?.tree !== tree) doc.facts = new TreeFacts(tree);
  return doc.facts;
}

async function run(job: Job): Promise<unknown> {
  switch (job.type) {
    case 'open': {
      const earlier = documents.get(job.uri);
      earlier?.parsed.dispose();
      earlier?.incremental.dispose();
      setPhase('parse');
      documents.set(job.uri, { parsed: await ParsedDocument.create(job.language, job.text, limits), facts: undefined, version: job.version, incremental: new IncrementalAnalysis(), reads: new Set() });
      await use(job.uri);
      return undefined;
    }
    case 'change': {
      const doc = documents.get(job.uri);
      if (!doc) return undefined;
      setPhase('parse');
      // A released document is parsed from its new text (there is no tree to edit).
      await doc.parsed.applyChanges(job.changes);
      doc.version = job.version;
      await use(job.uri);
      return undefined;
    }
    case 'replace': {
      const doc = documents.get(job.uri);
      if (!doc) return undefined;
      setPhase('parse');
      await doc.parsed.replaceText(job.text);
      doc.version = job.version;
      await use(job.uri);
      return undefined;
    }
    case 'close':
      documents.get(job.uri)?.parsed.dispose();
      documents.get(job.uri)?.incremental.dispose();
      documents.delete(job.uri);
      withTrees.delete(job.uri);
      return undefined;
    case 'analyze': {
      const doc = await use(job.uri);
      if (!doc) return undefined;
      const reads = new Set<string>();
      // What runs before the first rule (names, the file's summary, which functions an edit changed) has its own phase.
      setPhase('prepare');
      const result = analyzeDocument(doc.parsed, { ...job.params, facts: factsOf(doc), incremental: doc.incremental, onRule: setPhase, readFile: readerFor(job.params.projectRoot, reads), listFiles: listerFor(job.params.projectRoot, job.params.findCallers) });
      if (!doc.incremental.lastWhole) for (const file of reads) doc.reads.add(file);
      else doc.reads = reads;
      return { ...result, version: doc.version, reads: [...doc.reads] };
    }
    case 'hover': {
      const doc = await use(job.uri);
      const facts = doc && factsOf(doc);
      if (!doc || !facts) return undefined;
      setPhase('hover');
      const project = job.project && { path: job.project.path, settings: job.project.settings, readFile: readerFor(job.project.projectRoot) };
      return hoverAt(doc.parsed, facts, job.position, job.diagnostics, job.settings, project);
    }
    case 'visualise': {
      const doc = await use(job.uri);
      if (!doc) return undefined;
      setPhase('visualise');
      const project = job.project && { path: job.project.path, settings: job.project.settings, readFile: readerFor(job.project.projectRoot), listFiles: listerFor(job.project.projectRoot, job.project.findCallers) };
      return buildVisualisation(doc.parsed, factsOf(doc), job.settings, job.diagnostics, project, job.request);
    }
    case 'entries': {
      const doc = await use(job.uri);
      const facts = doc && factsOf(doc);
      if (!doc || !facts) return [];
      setPhase('entries');
      const project = job.project && { path: job.project.path, readFile: readerFor(job.project.projectRoot), listFiles: listerFor(job.project.projectRoot, job.project.findCallers) };
      return fileEntries(doc.parsed, facts, project ?? { path: job.path }).filter((e) => e.lens);
    }
    case 'exportSummaries':
      return exportSummaries();
    case 'exportUnits':
      return exportStoredUnits();
    case 'importSummaries':
      importSummaries(job.summaries);
      return undefined;
    case 'units':
      setPhase('parse');
      return unitsFor(job.files, readerFor(job.projectRoot)!) satisfies SharedUnits;
    case 'importUnits':
      importSummaries(job.summaries);
      adoptUnits(job.units);
      return undefined;
    case 'filesChanged':
      forgetCallerTexts(job.paths);
      if (job.listing) listed.clear();
      return undefined;
    case 'warm': {
      setPhase('parse');
      const reader = readerFor(job.projectRoot)!;
      const done = warmSummaries(job.files, reader, job.settings, WARM_SLICE_MS);
      // The call graph's part of the same files, so that a first analysis does not parse the whole package.
      warmUnits(job.files.slice(0, done), reader, WARM_SLICE_MS);
      return done;
    }
    case 'checkFixes': {
      // Fixes computed on another version of the text would be checked against the wrong one.
      if (documents.get(job.uri)?.version !== job.version) return undefined;
      const doc = (await use(job.uri))!;
      setPhase('parse');
      const diagnostics = structuredClone(job.diagnostics) as Diagnostic[];
      const dropped = dropFixesThatBreakSyntax(doc.parsed, diagnostics, job.mode);
      return { diagnostics, dropped } satisfies CheckedFixes;
    }
    case 'memory': {
      const heap = v8.getHeapStatistics();
      return { heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size, external: heap.external_memory, wasm: wasmMemoryBytes(), documents: documents.size, trees: [...documents.values()].filter((d) => d.parsed.tree).length } satisfies ThreadMemory;
    }
    case 'analyzeText': {
      setPhase('parse');
      const reads = job.params.dependencies ? new Set<string>() : undefined;
      const listings = job.params.dependencies ? dict<readonly string[]>() : undefined;
      const lister = listerFor(job.params.projectRoot, job.params.findCallers);
      const listFiles = lister && listings ? (near: string) => (listings[near] = lister(near)) : lister;
      const result = await analyzeText(job.text, job.language, { ...job.params, limits, onRule: setPhase, readFile: readerFor(job.params.projectRoot, reads), listFiles });
      return reads && listings ? { ...result, dependencies: { reads: [...reads], listings } } satisfies TextAnalysis : result;
    }
  }
}

/** Every language's parser: the grammars compile together (the runtime compiles wasm off this thread). */
function allParsers(): Promise<unknown> {
  return Promise.all((['python', 'typescript', 'tsx', 'javascript'] as const).map((language) => getParser(language)));
}

/**
 * The parsers of `language`'s family, all a file's analysis reads other files with: a Python file's call graph and
 * summaries are made of Python files, a TS/JS file's of TypeScript, TSX and JavaScript ones. A first Python analysis then
 * does not wait for the larger TypeScript grammars still compiling.
 */
function familyParsers(language: Language | undefined): Promise<unknown> {
  if (!language) return allParsers();
  return Promise.all((language === 'python' ? ['python'] as const : ['typescript', 'tsx', 'javascript'] as const).map((l) => getParser(l)));
}

const port = parentPort!;
let chain: Promise<void> = Promise.resolve();

// Every language's grammar starts compiling as the worker starts, off the job chain: the first job's own grammar (one of
// the same promises) is then ready sooner, and a failure surfaces in the job that needs the grammar.
allParsers().catch(() => undefined);

// Jobs run strictly in arrival order: a change must reach the tree before the analysis that follows it.
port.on('message', (job: Job) => {
  chain = chain.then(async () => {
    try {
      // Loading a grammar is the host's start-up cost, not the file's: it happens before the clock starts.
      if (job.type === 'open' || job.type === 'analyzeText') await loadLanguage(job.language);
      // The call graph reads every file of the package (of the file's language family): their grammars are loaded
      // whatever this worker analysed before.
      if (job.type === 'analyzeText' && job.params.findCallers) await familyParsers(job.language);
      if (job.type === 'analyze' && job.params.findCallers) await familyParsers(documents.get(job.uri)?.parsed.language);
      // Other files are parsed with the parsers already made: a warm job needs every language's.
      if (job.type === 'warm' || job.type === 'units') await allParsers();
    } catch {
      // The job itself reports the failure.
    }
    Atomics.store(slots, SLOT_JOB, job.id);
    setPhase('idle');
    port.postMessage({ type: 'started', id: job.id } satisfies WorkerMessage);
    try {
      const value = await run(job);
      const unsound = (job.type === 'analyze' || job.type === 'analyzeText') && ((value as AnalysisResult | undefined)?.ruleErrors.length ?? 0) > 0;
      port.postMessage({ type: 'done', id: job.id, value, unsound } satisfies WorkerMessage);
    } catch (error) {
      port.postMessage({ type: 'failed', id: job.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    } finally {
      setPhase('idle');
    }
    // Before the next job can edit the tree the summary reads (the host's clock for that job starts when it is started).
    packPendingSummaries();
    // After a whole file's analysis, what its first edit will need (linear in the file): found now, between jobs. A
    // failure here is no job's: the next edit's plan looks again.
    if (job.type === 'analyze') {
      try {
        documents.get(job.uri)?.incremental.prepare();
      } catch {
        // As said.
      }
    }
  }).catch((error: unknown) => {
    // Even a reply that cannot be sent (a value that does not clone) must not stop the chain: later jobs still run.
    try {
      port.postMessage({ type: 'failed', id: job.id, message: `the worker could not reply: ${error instanceof Error ? error.message : String(error)}` } satisfies WorkerMessage);
    } catch {
      // The host's budget timer answers for this job.
    }
  });
});
