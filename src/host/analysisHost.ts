// Runs the analysis core on a worker thread with a time budget per job, so that no file, however broken,
// and no rule, however wrong, can hold the thread that hosts it (the CLI's, or the language server's).
import * as fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { AnalysisResult, AnalysisSettings, ContentChange, Diagnostic, InputLimits, Language, Position } from '../core';
import type { HoverInfo, HoverSettings } from '../core/hover';
import type { StoredSummary } from '../core/project/packed';
import type { FileUnits } from '../core/context/graph';
import type { EntryPoint, Visualisation, VisualiseRequest, VisualiserSettings } from '../core/visualiser';
import { BACKGROUND, INTERACTIVE, JobQueue, NORMAL, type Priority } from './jobQueue';
import { PHASES, SLOT_JOB, SLOT_PHASE, SLOT_THREAD, type AnalyzeParams, type CheckedFixes, type Job, type JobBody, type SharedUnits, type TextAnalysis, type ThreadMemory, type WorkerMessage } from './protocol';
import { defaultWorkerScript, spawnWorker, type EarlyWorker, type WorkerStart } from './spawnWorker';
import { dictFrom } from '../core/dict';

/** An open document's analysis: for which version, and which project files it read (relative paths, found or not). */
export type DocumentAnalysis = AnalysisResult & { version: number; reads: string[] };

export type BudgetOutcome<T> =
  | { kind: 'done'; value: T; elapsedMs: number }
  /** Stopped after `budgetMs`; `phase` is the rule that was running, or 'parse' | 'hover' | 'visualise'. */
  | { kind: 'overrun'; phase: string; budgetMs: number }
  /** The document is not open, a newer request replaced this one, or the host was disposed. */
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

export interface HostOptions {
  /** Longest a single job (a parse, an analysis, a hover) may run; default 2000 ms. */
  budgetMs?: number;
  limits?: Partial<InputLimits>;
  log?: (level: 'info' | 'error', message: string) => void;
  /** Other files' summaries from a persistent cache, given to every worker this host starts. */
  summaries?: Record<string, StoredSummary>;
  /**
   * Count the budget in the worker thread's CPU time where the platform tells it (Linux), not on the clock (default true):
   * a loaded machine then stops no analysis that an idle one completes.
   */
  cpuTime?: boolean;
  /** The call graph's units from a persistent cache (by their summary's key), given to every worker this host starts. */
  units?: Record<string, FileUnits>;
  /** The project's files do not change while the host runs (a CLI run that writes nothing): workers read each once. */
  filesFixed?: boolean;
  /** Export the call graph's summaries with its units (a persistent cache that keeps both: the CLI's). */
  keepGraph?: boolean;
  /**
   * Cap on the worker's young generation (MB). V8 grows it to 48 MB (32 of them committed) under an analysis's
   * allocations and keeps it while the worker idles: a long-lived host (the language server) caps it; a short run
   * (the CLI) leaves the default.
   */
  youngGenerationMb?: number;
  /** A worker started before the host: its first worker, when it was started with the host's settings (else stopped). */
  earlyWorker?: EarlyWorker;
  /** The worker's script; found next to this module (bundle: analysisWorker.js, tsc output: worker.js) when omitted. */
  workerScript?: string;
}

export const DEFAULT_BUDGET_MS = 2000;
/** The budget's range (ms): timers overflow past 2^31 ms (to 1 ms), so an hour is the most any setting gives. */
export const MIN_BUDGET_MS = 10;
export const MAX_BUDGET_MS = 3_600_000;

/** A budget setting within [MIN_BUDGET_MS, MAX_BUDGET_MS] (whole milliseconds). */
export function clampBudget(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_BUDGET_MS, Math.max(MIN_BUDGET_MS, Math.round(ms))) : DEFAULT_BUDGET_MS;
}
/** Limit for a new worker to load and say it started a job. */
const STARTUP_MS = 15_000;
/** Limit for a parse (or incremental reparse), which tree-sitter also stops itself after the limits' parseTimeoutMs. */
const PARSE_BUDGET_MS = 10_000;
const REQUEST_MIN_BUDGET_MS = 1_000;
/**
 * At most this many times the budget: for a document whose analyses stopped at it in a row (see overrunStreak), and for
 * a long text (BUDGET_CHARS).
 */
const MAX_BUDGET_GROWTH = 4;
/**
 * The budget is for this much text; a longer one gets as many times the budget (up to MAX_BUDGET_GROWTH). A whole
 * file's analysis grows with its length (about 0.1 ms per line of a service file): the budget is there to stop one
 * that runs away, not one that is long (a 20,000-line file's first analysis takes about 2 s).
 */
export const BUDGET_CHARS = 256 * 1024;

interface Pending {
  job: Job;
  priority: Priority;
  resolve: (outcome: BudgetOutcome<unknown>) => void;
  /** Requests that overran once for this key are answered at once until the text or the request changes. */
  overrunKey?: string;
}

interface Mirror {
  language: Language;
  text: string;
  version: number;
  /** Parsing this text overran the budget or failed: the worker does not hold it, and requests get this answer at once. */
  unavailable?: BudgetOutcome<never>;
}

/** The information diagnostic a host shows at line 1 when a file's analysis overran its budget. */
export function budgetDiagnostic(phase: string, budgetMs: number): Diagnostic {
  const what = PHASES.includes(phase) && !['idle', 'parse', 'hover', 'visualise', 'entries', 'prepare'].includes(phase) ? `rule \`${phase}\``
    : phase === 'parse' ? 'parsing' : phase === 'prepare' ? 'the preparation of the analysis' : phase === 'idle' ? 'the analysis' : phase;
  return {
    code: 'analysis-budget',
    severity: 'information',
    message: `Concurrency Lens stopped analysing this file after ${budgetMs} ms while ${what} was running. `
      + `Other findings shown are from the last complete analysis. The time limit is the setting concurrencyLens.analysisBudgetMs (CLI: --budget-ms) for each ${BUDGET_CHARS / 1024} KiB of the file.`,
    range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } },
    related: [],
    tags: [],
    fixes: [],
  };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux everywhere in practice). */
const CLOCK_TICKS = 100;
/**
 * The CPU time (ms) the thread `tid` of this process has used, from /proc (Linux); undefined elsewhere. A job's budget
 * counts this, not the clock, so that a loaded machine (other processes taking the cores) does not stop analyses.
 */
export function threadCpuMs(tid: number): number | undefined {
  if (!tid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis: state is the 3rd field; utime and stime the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** With CPU time measured, the clock still stops a job (stuck, not computing) after this many budgets. */
const WALL_CLOCK_BUDGETS = 10;

/** The information diagnostic a host shows at line 1 when a rule threw on the file (the error itself goes to the log). */
export function ruleErrorDiagnostic(rules: readonly string[]): Diagnostic {
  return {
    code: 'analysis-error',
    severity: 'information',
    message: `Concurrency Lens could not finish ${rules.map((r) => `rule \`${r}\``).join(', ')} on this file (an internal error, written to the log): `
      + 'its findings here may be missing. Please report it with the log.',
    range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } },
    related: [],
    tags: [],
    fixes: [],
  };
}

export class AnalysisHost {
  private worker: Worker | undefined;
  private slots: Int32Array | undefined;
  private budgetMs: number;
  private readonly workerScript: string;
  private readonly mirrors = new Map<string, Mirror>();
  /** Jobs not yet sent, most urgent first; one job runs at a time, so its budget starts when it is sent. */
  private readonly queue = new JobQueue<Pending>();
  private running: { pending: Pending; timer: NodeJS.Timeout; started: number; cpuStart?: number } | undefined;
  private readonly overran = new Map<string, { key: string; phase: string }>();
  /**
   * Analyses of a document stopped at the budget in a row. A stop replaces the worker, whose next run starts cold (its
   * code not yet optimised, its kept results gone) and costs more than the one stopped: each further analysis of that
   * document gets twice the budget, up to MAX_BUDGET_GROWTH times, so a large file shows findings rather than stopping
   * on every edit. Reset when one completes.
   */
  private readonly overrunStreak = new Map<string, number>();
  private nextId = 1;
  private disposed = false;
  private spawned = false;

  /** Summaries every worker starts with (a persistent cache's). */
  private summaries: Record<string, StoredSummary> | undefined;

  constructor(private readonly options: HostOptions = {}) {
    this.summaries = options.summaries;
    this.budgetMs = clampBudget(options.budgetMs ?? DEFAULT_BUDGET_MS);
    this.workerScript = options.workerScript ?? defaultWorkerScript();
  }

  /**
   * Starts the worker ahead of the first job (the server calls it while the client is still starting up): the thread's
   * start and the grammars' compilation then overlap the handshake instead of delaying the first file's findings.
   */
  start(): void {
    if (!this.disposed) this.ensureWorker();
  }

  setBudget(ms: number): void {
    this.budgetMs = clampBudget(ms);
  }

  get budget(): number {
    return this.budgetMs;
  }

  open(uri: string, language: Language, text: string, version: number): void {
    this.mirrors.set(uri, { language, text, version });
    this.overran.delete(uri);
    this.enqueue({ type: 'open', uri, language, text, version }, NORMAL);
  }

  change(uri: string, changes: readonly ContentChange[], version: number): void {
    const mirror = this.mirrors.get(uri);
    if (!mirror) return;
    for (const c of changes) mirror.text = mirror.text.slice(0, c.rangeOffset) + c.text + mirror.text.slice(c.rangeOffset + c.rangeLength);
    mirror.version = version;
    if (mirror.unavailable) this.reopen(uri, mirror);
    else this.enqueue({ type: 'change', uri, changes, version }, INTERACTIVE);
  }

  replace(uri: string, text: string, version: number): void {
    const mirror = this.mirrors.get(uri);
    if (!mirror) return;
    mirror.text = text;
    mirror.version = version;
    if (mirror.unavailable) this.reopen(uri, mirror);
    else this.enqueue({ type: 'replace', uri, text, version }, INTERACTIVE);
  }

  /** A text whose parse overran or failed is not in the worker: a new text is opened there whole. */
  private reopen(uri: string, mirror: Mirror): void {
    mirror.unavailable = undefined;
    this.overran.delete(uri);
    this.enqueue({ type: 'open', uri, language: mirror.language, text: mirror.text, version: mirror.version }, INTERACTIVE);
  }

  close(uri: string): void {
    if (!this.mirrors.delete(uri)) return;
    this.overran.delete(uri);
    this.overrunStreak.delete(uri);
    for (const p of this.queue.forUri(uri).filter((q) => q.job.type !== 'close')) this.cancel(p);
    this.enqueue({ type: 'close', uri }, NORMAL);
  }

  /** The text the host holds for `uri` (what the worker's tree is built from). */
  textOf(uri: string): string | undefined {
    return this.mirrors.get(uri)?.text;
  }

  /** `priority`: INTERACTIVE when the user waits for it (a hover or a fix needs the findings), else NORMAL. */
  analyze(uri: string, params: AnalyzeParams = {}, priority: Priority = NORMAL): Promise<BudgetOutcome<DocumentAnalysis>> {
    const mirror = this.mirrors.get(uri);
    if (!mirror) return Promise.resolve({ kind: 'cancelled' });
    // A newer analysis of the same file makes a queued older one pointless.
    for (const p of this.queue.forUri(uri).filter((q) => q.job.type === 'analyze')) this.cancel(p);
    const key = `analyze ${mirror.version} ${JSON.stringify(params)}`;
    return this.request({ type: 'analyze', uri, params }, priority, `${uri}`, key) as Promise<BudgetOutcome<DocumentAnalysis>>;
  }

  /** The document's queued jobs go ahead of other documents' (an interactive request for it waits on them). */
  prioritise(uri: string): void {
    this.queue.raise(uri, INTERACTIVE);
  }

  /** The summaries of other files the worker used, for a persistent cache (empty if the worker never started). */
  exportSummaries(): Promise<BudgetOutcome<Record<string, StoredSummary>>> {
    if (!this.worker) return Promise.resolve({ kind: 'done', value: {}, elapsedMs: 0 });
    // Asked for at shutdown too: it must not wait behind queued analyses.
    return this.request({ type: 'exportSummaries' }, INTERACTIVE) as Promise<BudgetOutcome<Record<string, StoredSummary>>>;
  }

  /** The call graph's units the worker computed or took, for a persistent cache (empty if the worker never started). */
  exportUnits(): Promise<BudgetOutcome<Record<string, FileUnits>>> {
    if (!this.worker) return Promise.resolve({ kind: 'done', value: {}, elapsedMs: 0 });
    return this.request({ type: 'exportUnits' }, INTERACTIVE) as Promise<BudgetOutcome<Record<string, FileUnits>>>;
  }

  /** Summaries from a persistent cache: this worker takes them now, and any replacement worker at its start. */
  importSummaries(summaries: Record<string, StoredSummary>): void {
    this.summaries = dictFrom([...Object.entries(this.summaries ?? {}), ...Object.entries(summaries)]);
    if (this.worker) this.enqueue({ type: 'importSummaries', summaries }, INTERACTIVE);
  }

  /** The CLI: this worker computes the call graph's units of `files` (relative to `projectRoot`) for every worker of the run. */
  units(projectRoot: string, files: readonly string[]): Promise<BudgetOutcome<SharedUnits>> {
    return this.request({ type: 'units', projectRoot, files }, INTERACTIVE) as Promise<BudgetOutcome<SharedUnits>>;
  }

  /** The CLI: units and summaries another worker computed. */
  importUnits(shared: SharedUnits): void {
    // A worker started later (a replacement) computes what it needs itself.
    this.enqueue({ type: 'importUnits', units: shared.units, summaries: shared.summaries }, INTERACTIVE);
  }

  /** Project files (relative paths) changed, or (`listing`) were created or deleted: the worker forgets what it kept of them. */
  filesChanged(paths: readonly string[], listing: boolean): void {
    // Ahead of the analyses that follow: they must see the files as they are now.
    if (this.worker && (paths.length || listing)) this.enqueue({ type: 'filesChanged', paths, listing }, INTERACTIVE);
  }

  /** Summarises project files ahead of use (paths relative to `projectRoot`); resolves with how many were summarised. */
  warm(projectRoot: string, files: readonly string[], settings?: AnalysisSettings): Promise<BudgetOutcome<number>> {
    return this.request({ type: 'warm', projectRoot, files, ...(settings ? { settings } : {}) }, BACKGROUND) as Promise<BudgetOutcome<number>>;
  }

  /** `project`: the file's analysis parameters, so a hover on one of the project's functions can say what it does. */
  hover(uri: string, position: Position, diagnostics: readonly Diagnostic[], settings: HoverSettings, project?: AnalyzeParams): Promise<BudgetOutcome<HoverInfo | undefined>> {
    if (!this.mirrors.has(uri)) return Promise.resolve({ kind: 'cancelled' });
    return this.request({ type: 'hover', uri, position, diagnostics, settings, ...(project ? { project } : {}) }, INTERACTIVE) as Promise<BudgetOutcome<HoverInfo | undefined>>;
  }

  /** `project`: the file's analysis parameters, so calls into other modules of the project show what they block on. */
  visualise(uri: string, settings: VisualiserSettings, diagnostics: readonly Diagnostic[], project?: AnalyzeParams, request?: VisualiseRequest): Promise<BudgetOutcome<Visualisation>> {
    const mirror = this.mirrors.get(uri);
    if (!mirror) return Promise.resolve({ kind: 'cancelled' });
    const key = `visualise ${mirror.version} ${JSON.stringify(settings)} ${JSON.stringify(request ?? {})}`;
    return this.request({ type: 'visualise', uri, settings, diagnostics, ...(project ? { project } : {}), ...(request ? { request } : {}) }, INTERACTIVE, `${uri}#visualise`, key) as Promise<BudgetOutcome<Visualisation>>;
  }

  /** The file's entry points worth a code lens; `project` as for `analyze`, so they read the package's call graph. */
  entries(uri: string, path?: string, project?: AnalyzeParams): Promise<BudgetOutcome<EntryPoint[]>> {
    const mirror = this.mirrors.get(uri);
    if (!mirror) return Promise.resolve({ kind: 'cancelled' });
    return this.request({ type: 'entries', uri, ...(path ? { path } : {}), ...(project ? { project } : {}) }, NORMAL, `${uri}#entries`, `entries ${mirror.version}`) as Promise<BudgetOutcome<EntryPoint[]>>;
  }

  /**
   * The diagnostics of version `version` of an open document with only the fixes whose result parses at least as
   * well as the document: 'each' fix alone (quick fixes), or the preferred ones 'together' (fix-all). Asked for when
   * fixes are about to be offered.
   */
  checkFixes(uri: string, version: number, diagnostics: readonly Diagnostic[], mode: 'each' | 'together' = 'each'): Promise<BudgetOutcome<CheckedFixes | undefined>> {
    if (!this.mirrors.has(uri)) return Promise.resolve({ kind: 'cancelled' });
    return this.request({ type: 'checkFixes', uri, version, diagnostics, mode }, INTERACTIVE) as Promise<BudgetOutcome<CheckedFixes | undefined>>;
  }

  /** One-shot (the CLI): parse and analyse a text; nothing is kept. */
  analyzeText(text: string, language: Language, params: AnalyzeParams = {}): Promise<BudgetOutcome<TextAnalysis>> {
    return this.request({ type: 'analyzeText', text, language, params }, NORMAL) as Promise<BudgetOutcome<TextAnalysis>>;
  }

  /** The worker's memory (undefined when no worker runs). */
  async workerMemory(): Promise<ThreadMemory | undefined> {
    if (!this.worker) return undefined;
    const outcome = await this.request({ type: 'memory' }, INTERACTIVE);
    return outcome.kind === 'done' ? outcome.value as ThreadMemory : undefined;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const p of this.queue.takeAll()) p.resolve({ kind: 'cancelled' });
    if (this.running) {
      clearTimeout(this.running.timer);
      this.running.pending.resolve({ kind: 'cancelled' });
      this.running = undefined;
    }
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private request(body: JobBody, priority: Priority, overrunUri?: string, overrunKey?: string): Promise<BudgetOutcome<unknown>> {
    if (this.disposed) return Promise.resolve({ kind: 'cancelled' });
    const unavailable = 'uri' in body ? this.mirrors.get(body.uri)?.unavailable : undefined;
    if (unavailable) return Promise.resolve(unavailable);
    const known = overrunUri ? this.overran.get(overrunUri) : undefined;
    if (known && known.key === overrunKey) return Promise.resolve({ kind: 'overrun', phase: known.phase, budgetMs: this.budgetMs });
    return new Promise((resolve) => {
      this.queue.push({ job: { ...body, id: this.nextId++ }, priority, resolve, overrunKey: overrunKey && `${overrunUri}\n${overrunKey}` });
      this.pump();
    });
  }

  private enqueue(body: JobBody, priority: Priority): void {
    if (this.disposed) return;
    this.queue.push({ job: { ...body, id: this.nextId++ }, priority, resolve: () => undefined });
    this.pump();
  }

  private cancel(pending: Pending): void {
    this.queue.remove(pending);
    pending.resolve({ kind: 'cancelled' });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const start = this.workerStart();
    // The first worker may have been started before this host (the server's entry starts it before loading the rest):
    // it is taken when it has this host's settings, and given the persistent cache's summaries as a job.
    const early = this.spawned ? undefined : this.options.earlyWorker?.take(start);
    const { worker, slots } = early ?? spawnWorker({ ...start, init: { ...start.init, ...(this.summaries ? { summaries: this.summaries } : {}) } });
    if (early && this.summaries) this.queue.pushFirst({ job: { type: 'importSummaries', summaries: this.summaries, id: this.nextId++ }, priority: INTERACTIVE, resolve: () => undefined });
    this.slots = slots;
    worker.on('message', (message: WorkerMessage) => this.onMessage(worker, message));
    worker.on('error', (error) => this.onCrash(worker, error.message));
    worker.on('exit', (code) => this.onCrash(worker, `the analysis worker exited (code ${code})`));
    this.worker = worker;
    if (!this.spawned) {
      this.spawned = true;
      return worker;
    }
    // A replacement worker starts empty: give it every open document as the host holds it now, which already
    // includes every queued edit, so those edits must not be applied again.
    for (const p of this.queue.all().filter((q) => q.job.type === 'open' || q.job.type === 'change' || q.job.type === 'replace')) this.queue.remove(p);
    for (const [uri, m] of this.mirrors) {
      if (m.unavailable) continue;
      this.queue.pushFirst({ job: { type: 'open', uri, language: m.language, text: m.text, version: m.version, id: this.nextId++ }, priority: NORMAL, resolve: () => undefined });
    }
    return worker;
  }

  /** How this host's workers start, apart from the persistent cache's summaries. */
  private workerStart(): WorkerStart {
    const init: WorkerStart['init'] = { limits: this.options.limits, ...(this.options.units ? { units: this.options.units } : {}), ...(this.options.filesFixed ? { filesFixed: true } : {}), ...(this.options.keepGraph ? { keepGraph: true } : {}) };
    return { script: this.workerScript, init, ...(this.options.youngGenerationMb ? { youngGenerationMb: this.options.youngGenerationMb } : {}) };
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    // ensureWorker may put re-opens at the head of the queue, so take the job after it.
    const worker = this.ensureWorker();
    let pending = this.queue.shift();
    // A request queued before its document's parse overran or failed: the worker no longer holds that text.
    for (let unavailable = this.unavailableFor(pending); pending && unavailable; unavailable = this.unavailableFor(pending)) {
      pending.resolve(unavailable);
      pending = this.queue.shift();
    }
    if (!pending) return;
    // Until the worker says it started (after its own start-up and grammar loading), a generous limit applies.
    const timer = setTimeout(() => this.onOverrun(pending), Math.max(STARTUP_MS, this.budgetMs));
    this.running = { pending, timer, started: performance.now() };
    try {
      worker.postMessage(pending.job);
    } catch (error) {
      // A job that cannot be sent (it does not clone) fails alone; the queue goes on.
      clearTimeout(timer);
      this.running = undefined;
      pending.resolve({ kind: 'failed', message: `the job could not be sent to the worker: ${error instanceof Error ? error.message : String(error)}` });
      setImmediate(() => this.pump());
    }
  }

  private onMessage(worker: Worker, message: WorkerMessage): void {
    try {
      this.handleMessage(worker, message);
    } catch (error) {
      this.options.log?.('error', `Handling the analysis worker's reply failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
  }

  private handleMessage(worker: Worker, message: WorkerMessage): void {
    const running = this.running;
    if (worker !== this.worker || !running || running.pending.job.id !== message.id) return;
    if (message.type === 'started') {
      clearTimeout(running.timer);
      running.timer = setTimeout(() => this.onBudgetTimer(running.pending), this.budgetFor(running.pending.job));
      running.started = performance.now();
      running.cpuStart = this.options.cpuTime !== false ? threadCpuMs(Atomics.load(this.slots!, SLOT_THREAD)) : undefined;
      return;
    }
    clearTimeout(running.timer);
    this.running = undefined;
    const type = running.pending.job.type;
    // The worker answers nothing for a document it does not hold (closed meanwhile).
    if (message.type === 'done' && message.value === undefined && (type === 'analyze' || type === 'visualise')) running.pending.resolve({ kind: 'cancelled' });
    else if (message.type === 'done') {
      if (type === 'analyze') this.overrunStreak.delete((running.pending.job as { uri: string }).uri);
      running.pending.resolve({ kind: 'done', value: message.value, elapsedMs: performance.now() - running.started });
      if (message.unsound) this.replaceWorker();
    }
    else {
      running.pending.resolve({ kind: 'failed', message: message.message });
      this.afterFailure(running.pending.job, { kind: 'failed', message: message.message });
    }
    this.pump();
  }

  private unavailableFor(pending: Pending | undefined): BudgetOutcome<never> | undefined {
    const job = pending?.job;
    if (!job || !('uri' in job) || job.type === 'close' || job.type === 'open') return undefined;
    return this.mirrors.get(job.uri)?.unavailable;
  }

  /**
   * After an exception the worker may be unsound (a trap in the parser's wasm can leave its memory corrupt):
   * replace it, and do not give it the text whose parse failed.
   */
  private afterFailure(job: Job, outcome: BudgetOutcome<never>): void {
    if (job.type === 'open' || job.type === 'change' || job.type === 'replace') {
      const mirror = this.mirrors.get(job.uri);
      if (mirror) mirror.unavailable = outcome;
    }
    this.replaceWorker();
  }

  /** The next job starts a new worker, which is given every open document. */
  private replaceWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }

  /**
   * The budget is for analyses. Parsing is bounded by tree-sitter's own timeout, and a hover or a model the
   * user asked for gets at least a second, so that a tiny budget cannot starve them on a freshly started worker.
   */
  private budgetFor(job: Job): number {
    switch (job.type) {
      case 'open': case 'change': case 'replace': case 'close': case 'warm': case 'importSummaries': case 'filesChanged': case 'units': case 'importUnits': return Math.max(this.budgetMs, PARSE_BUDGET_MS);
      case 'hover': case 'visualise': case 'entries': return Math.max(this.budgetMs, REQUEST_MIN_BUDGET_MS);
      case 'analyze': return this.scaledBudget(this.mirrors.get(job.uri)?.text.length ?? 0, this.overrunStreak.get(job.uri) ?? 0);
      case 'analyzeText': return this.scaledBudget(job.text.length, 0);
      default: return this.budgetMs;
    }
  }

  /** The budget for an analysis of `length` characters after `streak` overruns in a row. */
  private scaledBudget(length: number, streak: number): number {
    return Math.round(this.budgetMs * Math.min(Math.max(1, length / BUDGET_CHARS) * 2 ** streak, MAX_BUDGET_GROWTH));
  }

  /**
   * The budget's time has passed on the clock. Measuring CPU time, the job goes on until its thread has used the budget
   * (a loaded machine gives it less of each second), up to WALL_CLOCK_BUDGETS on the clock; each turn re-arms the timer
   * for the CPU time left, which passes at least as slowly on the clock.
   */
  private onBudgetTimer(pending: Pending): void {
    const running = this.running;
    if (running?.pending !== pending) return;
    const budget = this.budgetFor(pending.job);
    const cpuNow = running.cpuStart !== undefined ? threadCpuMs(Atomics.load(this.slots!, SLOT_THREAD)) : undefined;
    const cpuLeft = cpuNow !== undefined ? budget - (cpuNow - running.cpuStart!) : 0;
    const wallLeft = budget * WALL_CLOCK_BUDGETS - (performance.now() - running.started);
    if (cpuLeft > 0 && wallLeft > 0) {
      running.timer = setTimeout(() => this.onBudgetTimer(pending), Math.max(10, Math.min(cpuLeft, wallLeft)));
      return;
    }
    this.onOverrun(pending);
  }

  private onOverrun(pending: Pending): void {
    if (this.running?.pending !== pending) return;
    const slots = this.slots!;
    const phase = Atomics.load(slots, SLOT_JOB) === pending.job.id ? PHASES[Atomics.load(slots, SLOT_PHASE)] ?? 'idle' : 'idle';
    const budgetMs = this.budgetFor(pending.job);
    this.running = undefined;
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    const job = pending.job;
    if (job.type === 'analyze') this.overrunStreak.set(job.uri, (this.overrunStreak.get(job.uri) ?? 0) + 1);
    const where = 'uri' in job ? job.uri : `(${job.type === 'analyzeText' ? job.language : ''} text)`;
    this.options.log?.('error', `Analysis of ${where} stopped after ${budgetMs} ms: ${job.type}, in ${phase}.`);
    if (pending.overrunKey) {
      const [uri, key] = pending.overrunKey.split('\n');
      this.overran.set(uri, { key, phase });
    }
    // A text that cannot be parsed in time is not given to the next worker (it would overrun there too).
    if (job.type === 'open' || job.type === 'change' || job.type === 'replace') {
      const mirror = this.mirrors.get(job.uri);
      if (mirror) mirror.unavailable = { kind: 'overrun', phase: 'parse', budgetMs };
    }
    pending.resolve({ kind: 'overrun', phase, budgetMs });
    this.pump();
  }

  private onCrash(worker: Worker, message: string): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    const running = this.running;
    this.running = undefined;
    if (running) {
      clearTimeout(running.timer);
      this.options.log?.('error', `The analysis worker stopped during ${running.pending.job.type}: ${message}`);
      running.pending.resolve({ kind: 'failed', message });
    }
    if (!this.disposed && this.queue.length) this.pump();
  }
}
