// The visualiser's one entry point for hosts: a parsed file → entry points, model, timeline, arrivals, what-if, concepts.
import type { TreeFacts } from '../analyze';
import type { ParsedDocument } from '../document';
import { projectOracle, type ProjectAccess } from '../project/effects';
import { contextGeneration } from '../context';
import type { Diagnostic } from '../types';
import { workerFile, type WorkerEvidence } from '../worker';
import { arrivalReport, type ArrivalReport } from './arrivals';
import { buildConceptPages, type ConceptPage } from './concepts';
import { entryAtLine, entryNode, listEntryPoints, type EntryPoint } from './entries';
import { extractModel, markDiagnostics, MAX_ARRIVALS, type EntryRun, type ExtractLimits } from './extract';
import { DEFAULT_ARRIVALS, type ExecutionModel, type SimOptions, type Timeline } from './model';
import { pythonServerPool, type ServerPool } from './servers';
import { simulate } from './simulate';
import { whatIf, type WhatIf } from './whatif';

export interface VisualiserSettings {
  /** Free-threaded CPython: threads run Python code in parallel. */
  freeThreaded: boolean;
  sim?: Partial<Omit<SimOptions, 'freeThreaded'>>;
  limits?: Partial<ExtractLimits>;
}

/** Where the model starts and how often it runs: what the panel's picker and arrival controls ask for. */
export interface VisualiseRequest {
  /** An entry's id (from a previous answer's `entries`). */
  entry?: string;
  /** 0-based line: the entry there (the hover link, "Visualise from here"); used when `entry` is not found. */
  line?: number;
  /** How many arrivals run at once (handlers default to DEFAULT_ARRIVALS, other entries to 1). */
  arrivals?: number;
  /** ms between arrivals; 0 (default): all at once. */
  spacingMs?: number;
}

export { ASGI_THREADPOOL, WSGI_THREADPOOL } from './servers';

export interface Visualisation {
  model: ExecutionModel;
  timeline: Timeline;
  whatIf: WhatIf | undefined;
  concepts: ConceptPage[];
  /** The file's entry points, for the panel's picker (the module body first). */
  entries: EntryPoint[];
  /** The entry the model starts from. */
  entry: EntryPoint;
  /** For a loop or server call: the handler whose arrivals the model runs. */
  runs?: EntryPoint;
  /** The arrivals the model ran (1 when the entry runs once). */
  arrivals: { count: number; spacingMs: number; perArrival: boolean };
  /** Latency of the arrivals, as written and with the fix. */
  latency?: ArrivalReport;
}

let conceptCache: { key: string; pages: ConceptPage[] } | undefined;

function concepts(opts: Partial<SimOptions>): ConceptPage[] {
  // The concept pages do not depend on the file: build them once per option set.
  const key = JSON.stringify(opts);
  if (conceptCache?.key !== key) conceptCache = { key, pages: buildConceptPages(opts) };
  return conceptCache.pages;
}

function clampInt(v: unknown, min: number, max: number): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.min(max, Math.round(v))) : undefined;
}

/** For a loop or server call, the handler that serves its requests: one inside the call, else the file's first. */
function serverHandler(entry: EntryPoint, entries: readonly EntryPoint[], diagnostics: readonly Pick<Diagnostic, 'range'>[]): EntryPoint | undefined {
  if (!entry.server) return undefined;
  const handlers = entries.filter((e) => e.arrivals);
  const inside = (e: EntryPoint) => e.range.start.line >= entry.range.start.line && e.range.end.line <= entry.range.end.line;
  const flagged = (e: EntryPoint) => diagnostics.some((d) => d.range.start.line >= e.range.start.line && d.range.start.line <= e.range.end.line);
  return handlers.find(inside) ?? handlers.find(flagged) ?? handlers[0];
}

function nounOf(entry: EntryPoint): string {
  if (entry.kind === 'listener') return /message/.test(entry.evidence ?? '') || /message/.test(entry.label) ? 'message' : 'event';
  if (entry.kind === 'handler' && /message or event the bot/.test(entry.evidence ?? '')) return 'message';
  return entry.kind === 'handler' ? 'request' : 'run';
}

/** Entries per tree: the panel's picker, arrival changes and the code lenses ask again for the same version. */
const entryCache = new WeakMap<TreeFacts, { path: string | undefined; generation: number; packaged: boolean; entries: EntryPoint[] }>();

/** The file's entry points (module body first); cached per parsed version. Never throws. */
/**
 * The file's entry points. With the project's files (`project.readFile`, `listFiles`), who runs each function is asked of
 * the same package call graph the diagnostics read (the analysis has built it): the two never disagree.
 */
export function fileEntries(doc: ParsedDocument, facts: TreeFacts | undefined, project?: ProjectAccess): EntryPoint[] {
  const path = project?.path;
  const root = doc.tree?.rootNode;
  if (!root || !facts || facts.tree !== doc.tree) return [];
  const cached = entryCache.get(facts);
  const generation = contextGeneration();
  const packaged = Boolean(project?.readFile && project.listFiles);
  if (cached && cached.path === path && cached.generation === generation && cached.packaged === packaged) return cached.entries;
  let entries: EntryPoint[];
  try {
    entries = listEntryPoints({
      language: doc.language, root, text: doc.text, path, python: () => facts.python(), ts: () => facts.ts(),
      ...(project?.readFile ? { readFile: project.readFile } : {}), ...(project?.listFiles ? { listFiles: project.listFiles } : {}),
    });
  } catch {
    entries = [];
  }
  entryCache.set(facts, { path, generation, packaged, entries });
  return entries;
}

/**
 * A file that runs in a worker thread (the rules' own test: `parentPort`, a Web Worker, a file the project starts with
 * `new Worker(...)`): its main lane is the worker's thread, and its waits are the worker's, with no fix offered.
 */
function markWorker(model: ExecutionModel, doc: ParsedDocument, root: NonNullable<ParsedDocument['tree']>['rootNode'], facts: TreeFacts, project?: ProjectAccess): void {
  let evidence: WorkerEvidence | undefined;
  try {
    evidence = workerFile({ root, text: doc.text, path: project?.path, ts: () => facts.ts(), readFile: project?.readFile, listFiles: project?.listFiles });
  } catch {
    evidence = undefined;
  }
  if (!evidence) return;
  model.worker = evidence.reason;
  const main = model.units.find((u) => u.kind === 'js-main');
  if (main) main.label = main.label.replace(/^(main script|server)\b/, 'worker thread');
  model.notes = model.notes.map((n) => n.replace('only the main script runs', "only the worker's script runs"));
  model.notes.push(`This file runs in a worker thread (${evidence.reason.replace(/: it runs in a worker thread$/, '')}): a wait here holds only this worker's event loop, not the app's, which is what a worker is for; the rules report none and offer no fix.`);
}

export function buildVisualisation(
  doc: ParsedDocument,
  facts: TreeFacts | undefined,
  settings: VisualiserSettings = { freeThreaded: false },
  diagnostics: readonly Pick<Diagnostic, 'code' | 'range'>[] = [],
  project?: ProjectAccess,
  request: VisualiseRequest = {},
): Visualisation {
  const python = doc.language === 'python';
  const root = doc.tree?.rootNode;
  let entries = fileEntries(doc, facts, project);
  if (!entries.length) entries = [{ id: 'module', kind: 'module', label: 'Module body', range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } }, async: false }];
  const chosen = (request.entry !== undefined ? entries.find((e) => e.id === request.entry) : undefined)
    ?? (request.line !== undefined ? entryAtLine(entries, request.line) : entries[0]);
  let runs: EntryPoint | undefined;
  if (chosen.kind === 'loop') runs = serverHandler(chosen, entries, diagnostics) ?? entryAtLine(entries.filter((e) => e.kind !== 'loop'), chosen.range.start.line);
  const effective = runs ?? chosen;
  const oracle = facts && project ? projectOracle(doc, facts, project) : undefined;
  const fn = root && effective.kind !== 'module' ? entryNode(root, effective, python ? 'python' : 'ts') : undefined;
  const perArrival = !!effective.arrivals;
  // A `once` listener runs for the first event only, however many arrive.
  const count = effective.once ? 1 : clampInt(request.arrivals, 1, MAX_ARRIVALS) ?? (perArrival ? DEFAULT_ARRIVALS : 1);
  const spacingMs = clampInt(request.spacingMs, 0, 60_000) ?? 0;
  let run: EntryRun | undefined;
  // A sync handler runs in its server's threads: how many at once, from the server the file starts or its framework.
  let server: ServerPool | undefined;
  if (fn && python && perArrival && root && facts && !effective.async) {
    try {
      server = pythonServerPool(root, facts.python(), project?.readFile);
    } catch {
      server = undefined;
    }
  }
  if (fn) {
    run = {
      fn, label: effective.label, arrivals: count, spacingMs, perArrival: perArrival || count > 1,
      inThread: effective.kind === 'thread-target' || effective.kind === 'run-method',
      noun: perArrival ? nounOf(effective) : 'run',
      ...(request.line !== undefined && request.line > effective.range.start.line && request.line <= effective.range.end.line ? { focusLine: request.line } : {}),
      ...(server?.size ? { poolSize: server.size } : {}),
      ...(server?.processes ? { poolProcesses: true } : {}),
      ...(server ? { server: server.note } : {}),
    };
  }
  let model: ExecutionModel;
  try {
    model = extractModel(doc, facts, settings.limits, oracle, run, diagnostics.map((d) => d.range.start.line));
  } finally {
    oracle?.release?.();
  }
  markDiagnostics(model, diagnostics, root);
  if (run && effective.once) model.notes.push(`${effective.label}: a one-time listener runs for the first ${run.noun} only; one arrival is shown.`);
  if (!python && root && facts) markWorker(model, doc, root, facts, project);
  // A library module runs nothing at import: say where its concurrency starts instead (its entry points, else its async
  // functions, else any function: a library's API is what its users call).
  const drivers = entries.filter((e) => e.lens);
  const functions = entries.filter((e) => e.kind !== 'module' && e.kind !== 'loop');
  const asyncFunctions = functions.filter((e) => e.async);
  const offered = drivers.length ? drivers : asyncFunctions.length ? asyncFunctions : functions;
  if (chosen.kind === 'module' && model.units.length === 1 && offered.length) {
    const what = drivers.length ? 'entry points' : asyncFunctions.length ? 'async functions' : 'functions';
    const named = offered.slice(0, 3).map((e) => e.label).join(', ');
    model.notes.push(offered.length === 1 ? `Choose ${named} in “Start from” to see it run.`
      : `Choose one of the file's ${offered.length} ${what} in “Start from” to see it run: ${named}${offered.length > 3 ? ', …' : ''}.`);
  }
  const opts: Partial<SimOptions> = { ...settings.sim, freeThreaded: settings.freeThreaded };
  const timeline = simulate(model, opts);
  let what: WhatIf | undefined;
  let latency: ArrivalReport | undefined;
  try {
    what = whatIf(model, opts);
    latency = run && run.perArrival ? arrivalReport(model, timeline, run.noun, opts) : undefined;
  } catch {
    what = undefined;
  }
  return {
    model, timeline, whatIf: what, concepts: concepts(opts), entries, entry: chosen, ...(runs ? { runs } : {}),
    arrivals: { count: run ? count : 1, spacingMs, perArrival: !!run?.perArrival }, ...(latency ? { latency } : {}),
  };
}

export { extractModel, markDiagnostics, defaultExtractLimits, type ExtractLimits } from './extract';
export { renderVisualiserHtml } from './html';
export { listEntryPoints, entryAtLine, type EntryPoint, type EntryKind } from './entries';
