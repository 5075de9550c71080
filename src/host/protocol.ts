// Messages between the analysis host (any Node thread) and its worker thread.
import { allRules, type AnalysisResult, type AnalysisSettings, type ContentChange, type Diagnostic, type InputLimits, type Language, type Position } from '../core';
import type { DroppedFix } from '../core/fixCheck';
import type { HoverSettings } from '../core/hover';
import type { StoredSummary } from '../core/project/packed';
import type { FileUnits } from '../core/context/graph';

/** A share of the call graph's units, computed by one worker for the others (plain data). */
export interface SharedUnits { units: Record<string, FileUnits | null>; summaries: Record<string, StoredSummary> }
import type { VisualiseRequest, VisualiserSettings } from '../core/visualiser';

/**
 * What the worker is doing, as an index written to shared memory: the host reads it when a job overruns,
 * since the worker itself is then too busy to answer.
 */
export const PHASES: readonly string[] = ['idle', 'parse', 'hover', 'visualise', 'entries', 'prepare', ...allRules.map((r) => r.meta.slug)];

export function phaseIndex(phase: string): number {
  const index = PHASES.indexOf(phase);
  return index < 0 ? 0 : index;
}

export { SLOT_JOB, SLOT_PHASE, SLOT_THREAD, SLOTS } from './spawnWorker';

export interface AnalyzeParams {
  settings?: AnalysisSettings;
  only?: readonly string[];
  /** The file's workspace- or command-line-relative path ('/'-separated), for rules that read where a file sits. */
  path?: string;
  /** The absolute folder `path` is relative to: with it, the worker may read the file's local modules (re-exports). */
  projectRoot?: string;
  /**
   * Look for callers of an exported function in the other files of its package, to tell whether only cold code calls it
   * (the CLI, and the language server, which says when files change).
   */
  findCallers?: boolean;
  /** Say which project files the analysis read and which package listings it used (`analyzeText`: for a cache of results). */
  dependencies?: boolean;
}

/** What an analysis's result depends on besides its own text and settings: files read (found or not) and package listings. */
export interface Dependencies {
  /** Paths relative to the project root, '/'-separated. */
  reads: string[];
  /** The files of the package holding each path asked about, as listed. */
  listings: Record<string, readonly string[]>;
}

/** An `analyzeText` job's answer. */
export type TextAnalysis = AnalysisResult & { dependencies?: Dependencies };

export type JobBody =
  | { type: 'open'; uri: string; language: Language; text: string; version: number }
  | { type: 'change'; uri: string; changes: readonly ContentChange[]; version: number }
  | { type: 'replace'; uri: string; text: string; version: number }
  | { type: 'close'; uri: string }
  | { type: 'analyze'; uri: string; params: AnalyzeParams }
  | { type: 'hover'; uri: string; position: Position; diagnostics: readonly Diagnostic[]; settings: HoverSettings; project?: AnalyzeParams }
  | { type: 'visualise'; uri: string; settings: VisualiserSettings; diagnostics: readonly Diagnostic[]; project?: AnalyzeParams; request?: VisualiseRequest }
  /** The file's entry points worth a code lens (handlers, thread targets, run(), loop and server calls). */
  | { type: 'entries'; uri: string; path?: string; project?: AnalyzeParams }
  | { type: 'analyzeText'; text: string; language: Language; params: AnalyzeParams }
  /** The diagnostics with only the fixes whose text parses at least as well as the document (version `version`). */
  | { type: 'checkFixes'; uri: string; version: number; diagnostics: readonly Diagnostic[]; mode: 'each' | 'together' }
  /** The summaries the worker used, for a persistent cache. */
  | { type: 'exportSummaries' }
  /** The call graph's units the worker computed or took, for a persistent cache. */
  | { type: 'exportUnits' }
  /** Summarise these project files ahead of use (paths relative to `projectRoot`). */
  | { type: 'warm'; projectRoot: string; files: readonly string[]; settings?: AnalysisSettings }
  /** Summaries from a persistent cache, for a worker already running. */
  | { type: 'importSummaries'; summaries: Record<string, StoredSummary> }
  /** The CLI: compute the call graph's units of these package files (relative to `projectRoot`) and return them. */
  | { type: 'units'; projectRoot: string; files: readonly string[] }
  /** The CLI: units and summaries another worker computed. */
  | { type: 'importUnits'; units: SharedUnits['units']; summaries: Record<string, StoredSummary> }
  /** Project files (relative paths) changed, or (`listing`) were created or deleted: what the search for callers keeps of them goes. */
  | { type: 'filesChanged'; paths: readonly string[]; listing: boolean }
  /** The worker's memory (a figure for benches and logs). */
  | { type: 'memory' };

/** The worker's memory in bytes: its JS heap and the parser's wasm memory; and how many open documents keep their tree. */
export interface ThreadMemory { heapUsed: number; heapTotal: number; external: number; wasm: number; documents: number; trees: number }

export type Job = JobBody & { id: number };

/** What a 'checkFixes' job gives back: the diagnostics with the fixes that parse, and those left out. */
export interface CheckedFixes {
  diagnostics: Diagnostic[];
  dropped: DroppedFix[];
}

export interface WorkerInit {
  shared: SharedArrayBuffer;
  limits?: Partial<InputLimits>;
  /** Other files' summaries from a persistent cache, keyed by path, content hash and settings. */
  summaries?: Record<string, StoredSummary>;
  /** The call graph's units from a persistent cache, by the key of the summary each was made with. */
  units?: Record<string, FileUnits>;
  /** The project's files do not change while this worker lives (a CLI run that writes nothing): each is read once. */
  filesFixed?: boolean;
  /** The call graph's summaries are exported with its units (the CLI's cache), not only the summaries analyses read. */
  keepGraph?: boolean;
}

export type WorkerMessage =
  | { type: 'started'; id: number }
  /** `unsound`: a rule threw, which may have left the parser's wasm memory corrupt; the host replaces the worker. */
  | { type: 'done'; id: number; value: unknown; unsound?: boolean }
  | { type: 'failed'; id: number; message: string };
