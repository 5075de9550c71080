// The language server: the analysis core behind LSP, for VS Code and any other editor.
// Analysis runs on the host's worker thread with a time budget, so this thread always answers.
import {
  CodeActionKind, createConnection, ErrorCodes, ResponseError, DidChangeWatchedFilesNotification, FileChangeType, type CancellationToken, DidChangeConfigurationNotification, MarkupKind, ProposedFeatures, TextDocumentSyncKind,
  type CodeAction, type CodeLens, type Connection, type ExecuteCommandParams, type InitializeResult, type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describeSkip, languageFromId, languageFromPath, type ContentChange, type Diagnostic, type Language } from '../core';
import { filterBaseline, parseBaseline, type Baseline } from '../core/baseline';
import { formatConfigError, settingsForDocument, type ConfigError } from '../core/config';
import { disableRuleEdit } from '../core/configEdit';
import { ruleDocsUrl } from '../core/docs';
import { dict } from '../core/dict';
import { DISABLE_RULE_COMMAND, renderHover, toPlainText, VISUALISE_COMMAND } from '../core/hoverMarkdown';
import { ruleBySlug } from '../core/rules';
import type { EntryPoint, VisualiseRequest } from '../core/visualiser';
import { DEFAULT_ARRIVALS } from '../core/visualiser/model';
import { collectFiles } from '../cli/walk';
import { AnalysisHost, budgetDiagnostic, ruleErrorDiagnostic } from '../host/analysisHost';
import { BACKGROUND, INTERACTIVE, NORMAL } from '../host/jobQueue';
import { loadCache, mergeCache, saveCache } from '../host/summaryCache';
import { serverWorkerStart } from './workerStart';
import type { EarlyWorker } from '../host/spawnWorker';
import { FIX_ALL_KIND, fixAllEdits, overlaps, quickFixes, SERVER_SHOW_DOCS_COMMAND } from './codeActions';
import { fromLspRange, toLspDiagnostic, toLspRange } from './convert';
import { parseSettings, type ServerSettings } from './settings';

export const VISUALISATION_REQUEST = 'concurrencyLens/visualisation';
export const STATUS_NOTIFICATION = 'concurrencyLens/status';
/** The server's own "disable this rule" (workspace/executeCommand), for clients without our extension: edits the project's config. */
export const SERVER_DISABLE_RULE_COMMAND = 'concurrencyLens.server.disableRule';
/** Checks every source file of the workspace, publishing each file's findings (the Problems panel); cancellable. */
export const CHECK_WORKSPACE_REQUEST = 'concurrencyLens/checkWorkspace';
/** The server's memory in bytes (benches, diagnosing a report): the process's RSS, each thread's heap, the parser's wasm memory. */
export const MEMORY_USAGE_REQUEST = 'concurrencyLens/memoryUsage';
/** Progress of a workspace check: files done of total. */
export const CHECK_PROGRESS_NOTIFICATION = 'concurrencyLens/checkProgress';
/** The same check for clients without our extension (workspace/executeCommand). */
export const SERVER_CHECK_WORKSPACE_COMMAND = 'concurrencyLens.server.checkWorkspace';

export interface CheckWorkspaceResult {
  files: number;
  findings: number;
  filesWithFindings: number;
  cancelled: boolean;
  /** Files whose analysis overran its budget or failed. */
  unfinished: number;
}

/** Longest wait for a client's answer to workspace/configuration: one that never answers still gets its settings. */
const CONFIGURATION_TIMEOUT_MS = 3_000;
const SECTION = 'concurrencyLens';
const SERVER_VERSION = '0.1.0';
/** Files offered per background job (the worker goes through as many as fit in its time slice). */
const INDEX_BATCH = 20;
/** Files indexed at most, as many as the summary cache keeps: a summary takes about 7 KB (13,335 library files: 91 MB of heap). */
const INDEX_MAX_FILES = 20_000;
/**
 * Larger files (generated tables, vendored bundles) are left to be read when a call leads there: parsing them ahead
 * grows the parser's memory for the whole session.
 */
const INDEX_MAX_BYTES = 256 * 1024;

function smallEnoughToIndex(file: string): boolean {
  try {
    return fs.statSync(file).size <= INDEX_MAX_BYTES;
  } catch {
    return false;
  }
}

/** The index starts once the open files have had their first analysis. */
const INDEX_DELAY_MS = 1_000;
/** Work that takes longer than this shows progress in the client. */
const PROGRESS_AFTER_MS = 500;

interface OpenDocument {
  text: TextDocument;
  language: Language;
  /** Held by the analysis host (not over the size limit). */
  inHost: boolean;
  timer?: NodeJS.Timeout;
  /** The latest complete analysis: its diagnostics outlive an analysis that overruns. */
  last?: { version: number; diagnostics: Diagnostic[] };
  /** The analysis under way for the current version, if any. */
  pending?: Promise<void>;
  pendingVersion?: number;
  /** Absolute paths of the files its last analysis read, its own among them: a change to one re-checks this document (its own edits schedule it themselves). */
  reads?: Set<string>;
  /** How long its last complete analysis took (ms): the pause after an edit follows it. */
  lastMs?: number;
  /** When it was last edited (`performance.now()`): an edit after a pause longer than `lastMs` is checked at once. */
  editedAt?: number;
}

/** An analysis this fast runs at once after each edit; a slower one waits for typing to pause. */
const FAST_ANALYSIS_MS = 50;

/**
 * The pause after an edit: none when the file's last analysis was fast (a superseded one is cancelled anyway), or when
 * the edit came longer after the previous one than that analysis took (the user is not typing faster than the file is
 * checked, so checking at once wastes nothing); else as long as that analysis took, at most `debounceMs`.
 * `sinceLastEdit`: ms since the file's previous edit (Infinity for its first); 0, the default, assumes typing.
 */
export function editDelay(lastMs: number | undefined, debounceMs: number, sinceLastEdit = 0): number {
  if (lastMs === undefined) return debounceMs;
  if (lastMs <= FAST_ANALYSIS_MS || sinceLastEdit > lastMs) return 0;
  return Math.min(debounceMs, Math.ceil(lastMs));
}

export interface StatusMessage {
  state: 'ready' | 'analysing';
  /** Files whose last analysis overran its budget. */
  overrun: number;
  /** The server's version, and the workspace index: files summarised so far, and whether it is still running. */
  version?: string;
  indexed?: number;
  indexing?: boolean;
}

function fileName(uri: string): string {
  const last = uri.slice(uri.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last) || uri;
  } catch {
    return last || uri;
  }
}

/**
 * The local path of a `file:` URI, or undefined: other schemes, and file URIs Node cannot map to a local path (a
 * remote host, an encoded `/`, a malformed escape), are analysed as text only, without the project around them.
 */
export function localPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}

/**
 * Starts the server on the transport named on the command line (--stdio, --node-ipc, --socket=N). `earlyWorker`: the
 * analysis worker the entry started before loading this module (taken when started as the server's worker).
 */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all), options: { earlyWorker?: EarlyWorker } = {}): void {
  let settings: ServerSettings = parseSettings({});
  let canPullConfiguration = false;
  let canShowProgress = false;
  let canWatchFiles = false;
  let canRegisterConfiguration = false;
  /** The editor's storage for this workspace (the summaries cache lives there), if the client gave one. */
  let storage: string | undefined;
  let indexing = false;
  let indexed = 0;
  let stopped = false;
  let indexTimer: NodeJS.Timeout | undefined;
  /**
   * Our VS Code client: it runs `command:` links in hovers (the visualiser, the rule pages) and its own "disable rule"
   * command. Other clients get https links and the server's command.
   */
  let ourClient = false;
  /** The client's hover format, its first choice (LSP: in order of preference). */
  let hoverPlainText = false;
  let canApplyEdit = false;
  let canShowDocument = false;
  let canCreateFiles = false;
  /** Settings given in initializationOptions: used where workspace/configuration gives none. */
  let initialSettings: Record<string, unknown> = dict<unknown>();
  /** Workspace folders, longest first (a nested folder wins). */
  let roots: string[] = [];
  const documents = new Map<string, OpenDocument>();
  const overrun = new Set<string>();
  const warnedLarge = new Set<string>();
  let analysing = 0;
  const workerStart = serverWorkerStart();
  const host = new AnalysisHost({
    budgetMs: settings.budgetMs,
    workerScript: workerStart.script,
    limits: workerStart.init.limits,
    youngGenerationMb: workerStart.youngGenerationMb,
    ...(options.earlyWorker ? { earlyWorker: options.earlyWorker } : {}),
    log: (level, message) => (level === 'error' ? connection.console.error(message) : connection.console.info(message)),
  });

  // Every handler catches and logs: a request that fails is an error for that request (and its document) only.
  const notification = <P>(name: string, handler: (params: P) => void) => (params: P): void => {
    try {
      handler(params);
    } catch (error) {
      connection.console.error(`Handling ${name} failed: ${message(error)}`);
    }
  };
  const request = <P, R>(name: string, handler: (params: P, token: CancellationToken) => Promise<R>) => async (params: P, token: CancellationToken): Promise<R> => {
    try {
      return await handler(params, token);
    } catch (error) {
      connection.console.error(`Handling ${name} failed: ${message(error)}`);
      // The client gets an error response for this request; the server goes on.
      throw error instanceof ResponseError ? error : new ResponseError(ErrorCodes.InternalError, `${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  // A last resort: a promise nobody awaited that fails is logged, never the end of the server.
  process.on('unhandledRejection', (error) => connection.console.error(`Unhandled failure: ${message(error)}`));

  const status = (): void => {
    void connection.sendNotification(STATUS_NOTIFICATION, {
      state: analysing > 0 ? 'analysing' : 'ready', overrun: overrun.size, version: SERVER_VERSION, indexed, indexing,
    } satisfies StatusMessage);
  };

  const publish = (uri: string, diagnostics: readonly Diagnostic[], version?: number): void => {
    const root = locate(uri).projectRoot;
    const relatedUri = (relative: string): string | undefined => (root ? pathToFileURL(path.resolve(root, relative)).href : undefined);
    void connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map((d) => toLspDiagnostic(uri, d, relatedUri)) });
  };

  const languageOf = (uri: string, languageId: string): Language | undefined =>
    languageFromId(languageId) ?? languageFromId(languageId === 'tsx' ? 'typescriptreact' : languageId === 'jsx' ? 'javascriptreact' : '') ?? languageFromPath(uri);

  /** Opens the text in the host when it is within the size limit; says once why not otherwise. */
  const admit = (uri: string, entry: OpenDocument): void => {
    const text = entry.text.getText();
    const fits = text.length <= settings.maxFileBytes;
    if (fits && !entry.inHost) host.open(uri, entry.language, text, entry.text.version);
    if (!fits && entry.inHost) host.close(uri);
    entry.inHost = fits;
    if (!fits && !warnedLarge.has(uri)) {
      warnedLarge.add(uri);
      connection.console.info(`Not analysing ${fileName(uri)}: ${Math.round(text.length / 1024)} KB is over concurrencyLens.maxFileSizeKB.`);
      publish(uri, []);
    }
    if (fits) warnedLarge.delete(uri);
  };

  /** The file's path relative to its workspace folder (else its own folder), for rules that follow imports. */
  const locate = (uri: string): { path?: string; projectRoot?: string } => {
    const file = localPath(uri);
    if (file === undefined) return {};
    const folder = roots.find((root) => file.startsWith(root + path.sep)) ?? path.dirname(file);
    return { path: path.relative(folder, file).split(path.sep).join('/'), projectRoot: folder };
  };

  /** Config errors published per config file, so they can be cleared when fixed. */
  const configErrors = new Map<string, string>();
  let baseline: { file: string; folder: string; data: Baseline } | undefined;

  const readText = (file: string): string | undefined => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };

  /** The project's configuration file (pyproject.toml / concurrency-lens.json) merged with the editor's settings. */
  const projectSettings = (uri: string): { settings: ServerSettings['analysis']; excluded: boolean } => {
    const file = localPath(uri);
    if (file === undefined) return { settings: settings.analysis, excluded: false };
    const doc = settingsForDocument(file, { settings: settings.analysis, explicit: settings.explicit }, settings.configurationPreference, readText);
    if (doc.configPath) showConfigErrors(doc.configPath, doc.errors);
    return { settings: doc.settings, excluded: doc.excluded };
  };

  /** A config file's problems, as diagnostics on that file (it need not be open), never silently dropped. */
  const showConfigErrors = (file: string, errors: readonly ConfigError[]): void => {
    const key = JSON.stringify(errors);
    if (configErrors.get(file) === key) return;
    configErrors.set(file, key);
    if (errors.length) connection.console.error(errors.map(formatConfigError).join('\n'));
    void connection.sendDiagnostics({
      uri: pathToFileURL(file).href,
      diagnostics: errors.map((e) => {
        const line = Math.max(0, (e.line ?? 1) - 1);
        const column = Math.max(0, (e.column ?? 1) - 1);
        return { range: { start: { line, character: column }, end: { line, character: column } }, severity: 1, source: 'concurrency-lens', message: `${e.key ? `${e.key}: ` : ''}${e.message}` };
      }),
    });
  };

  /** Reads the baseline named in the settings (relative to the first workspace folder). */
  const loadBaseline = (): void => {
    baseline = undefined;
    if (!settings.baseline) return;
    const file = path.isAbsolute(settings.baseline) ? settings.baseline : path.resolve(roots[roots.length - 1] ?? process.cwd(), settings.baseline);
    const text = readText(file);
    if (text === undefined) {
      connection.console.error(`The baseline ${file} (concurrencyLens.baseline) cannot be read.`);
      return;
    }
    try {
      baseline = { file, folder: path.dirname(file), data: parseBaseline(text) };
    } catch (error) {
      connection.console.error(`The baseline ${file} is not valid: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  /** Findings recorded in the baseline are not shown (the CLI's --baseline, for the editor). */
  const withoutBaseline = (uri: string, text: string, diagnostics: Diagnostic[]): Diagnostic[] => {
    const file = localPath(uri);
    if (!baseline || file === undefined) return diagnostics;
    const key = path.relative(baseline.folder, file).split(path.sep).join('/');
    return filterBaseline(text, diagnostics, baseline.data.files[key]);
  };

  /** `interactive`: the user waits for it (a hover, a fix): it goes ahead of other files' work in the worker. */
  const analyse = (uri: string, interactive = false): Promise<void> => {
    const entry = documents.get(uri);
    if (!entry) return Promise.resolve();
    clearTimeout(entry.timer);
    const version = entry.text.version;
    if (entry.last?.version === version) return Promise.resolve();
    if (entry.pending && entry.pendingVersion === version) {
      if (interactive) host.prioritise(uri);
      return entry.pending;
    }
    if (!settings.enabled || !entry.inHost) return Promise.resolve();
    entry.pendingVersion = version;
    entry.pending = (async () => {
      analysing++;
      status();
      let progress: WorkDoneProgressServerReporter | undefined;
      const progressTimer = canShowProgress ? setTimeout(() => {
        void connection.window.createWorkDoneProgress().then((p) => {
          progress = p;
          p.begin('Concurrency Lens', undefined, `Analysing ${fileName(uri)}`);
        }, () => undefined);
      }, PROGRESS_AFTER_MS) : undefined;
      try {
        const project = projectSettings(uri);
        if (project.excluded) {
          entry.last = { version, diagnostics: [] };
          publish(uri, [], version);
          return;
        }
        // Callers in other files are searched as the CLI does (the worker forgets what it kept of a file when it changes).
        const began = performance.now();
        const outcome = await host.analyze(uri, { settings: project.settings, ...locate(uri), findCallers: true }, interactive ? INTERACTIVE : NORMAL);
        if (outcome.kind === 'done') entry.lastMs = performance.now() - began;
        if (documents.get(uri) !== entry) return;
        switch (outcome.kind) {
          case 'done': {
            const result = { ...outcome.value, diagnostics: withoutBaseline(uri, entry.text.getText(), outcome.value.diagnostics) };
            if (result.skipped) connection.console.info(`Not analysing ${fileName(uri)}: ${describeSkip(result.skipped)}.`);
            for (const e of result.ruleErrors) connection.console.error(`Rule ${e.rule} failed on ${fileName(uri)}: ${e.message}`);
            overrun.delete(uri);
            // A rule that threw is said on this document (and logged); the other rules' findings stand.
            if (result.ruleErrors.length) result.diagnostics = [ruleErrorDiagnostic([...new Set(result.ruleErrors.map((e) => e.rule))]), ...result.diagnostics];
            entry.last = { version: result.version, diagnostics: result.diagnostics };
            const root = locate(uri).projectRoot;
            entry.reads = new Set(root ? result.reads.map((r) => path.resolve(root, r)) : []);
            // A result for an older text would put squiggles in the wrong places; the newer analysis is scheduled.
            if (result.version === entry.text.version) publish(uri, result.diagnostics, result.version);
            break;
          }
          case 'overrun':
            // Keep the last findings and say, at line 1, that this text was not fully analysed.
            overrun.add(uri);
            publish(uri, [budgetDiagnostic(outcome.phase, outcome.budgetMs), ...(entry.last?.diagnostics ?? [])], entry.text.version);
            entry.last = { version, diagnostics: entry.last?.diagnostics ?? [] };
            break;
          case 'failed':
            connection.console.error(`Analysing ${fileName(uri)} failed: ${outcome.message}`);
            break;
          case 'cancelled':
            break;
        }
      } finally {
        clearTimeout(progressTimer);
        progress?.done();
        analysing--;
        status();
        if (entry.pendingVersion === version) entry.pending = undefined;
      }
    })();
    return entry.pending;
  };

  /** `interactive`: the document the user is editing, whose findings go ahead of other files' analyses. */
  const schedule = (uri: string, delay: number, interactive = false): void => {
    const entry = documents.get(uri);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (!interactive) {
        waiting.add(uri);
        drain();
        return;
      }
      waiting.delete(uri);
      analyse(uri, true).catch((error: unknown) => connection.console.error(`Analysing ${fileName(uri)} failed: ${message(error)}`));
    }, delay);
  };

  /**
   * Documents waiting for an analysis nobody is looking at yet (files opened in bulk, dependants of a changed file),
   * oldest first. Only a few are handed to the host at a time, so that its queue stays short and this thread free:
   * a hover or an edit arriving meanwhile waits for at most those few, not for all of them.
   */
  const waiting = new Set<string>();
  const IN_FLIGHT = 2;
  let inFlight = 0;
  const drain = (): void => {
    // Bounded: each turn takes one document out of `waiting`.
    while (inFlight < IN_FLIGHT && waiting.size) {
      const uri = waiting.values().next().value!;
      waiting.delete(uri);
      inFlight++;
      analyse(uri)
        .catch((error: unknown) => connection.console.error(`Analysing ${fileName(uri)} failed: ${message(error)}`))
        .finally(() => {
          inFlight--;
          drain();
        });
    }
  };

  /** The diagnostics of the document's current text, analysing it first if needed. */
  const current = async (uri: string): Promise<Diagnostic[] | undefined> => {
    await analyse(uri, true);
    const entry = documents.get(uri);
    return entry?.last && entry.last.version === entry.text.version ? entry.last.diagnostics : undefined;
  };

  /** Settings as the client sent them, over those of initializationOptions (defaults for anything neither gives). */
  const useSettings = (raw: unknown): void => {
    settings = parseSettings(raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...initialSettings, ...raw as Record<string, unknown> } : initialSettings);
  };

  const pullSettings = async (): Promise<void> => {
    if (canPullConfiguration) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const answer = connection.workspace.getConfiguration([{ section: SECTION }]) as Promise<unknown[]>;
        const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), CONFIGURATION_TIMEOUT_MS); });
        const got = await Promise.race([answer, late]);
        if (got === 'late') connection.console.info(`The editor did not answer workspace/configuration within ${CONFIGURATION_TIMEOUT_MS} ms: using initializationOptions and defaults.`);
        else useSettings(Array.isArray(got) ? got[0] : undefined);
      } catch (error) {
        connection.console.error(`Reading settings failed: ${String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    host.setBudget(settings.budgetMs);
    loadBaseline();
  };

  const refreshAll = (): void => {
    for (const [uri, entry] of documents) {
      entry.last = undefined;
      if (!settings.enabled) {
        publish(uri, []);
        continue;
      }
      admit(uri, entry);
      schedule(uri, 0);
    }
  };

  connection.onInitialize((params): InitializeResult => {
    canPullConfiguration = params.capabilities.workspace?.configuration === true;
    canShowProgress = params.capabilities.window?.workDoneProgress === true;
    canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    canRegisterConfiguration = params.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    canApplyEdit = params.capabilities.workspace?.applyEdit === true;
    canShowDocument = params.capabilities.window?.showDocument?.support === true;
    canCreateFiles = params.capabilities.workspace?.workspaceEdit?.resourceOperations?.includes('create') === true;
    hoverPlainText = params.capabilities.textDocument?.hover?.contentFormat?.[0] === MarkupKind.PlainText;
    const options = params.initializationOptions as { visualiser?: unknown; settings?: unknown; storagePath?: unknown; concurrencyLens?: unknown } | undefined;
    ourClient = options?.visualiser === true;
    if (typeof options?.storagePath === 'string' && path.isAbsolute(options.storagePath)) {
      storage = options.storagePath;
      const saved = loadCache(storage, SERVER_VERSION);
      if (saved) host.importSummaries(saved);
    }
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    roots = folders.flatMap((u) => (typeof u === 'string' ? localPath(u) ?? [] : [])).sort((a, b) => b.length - a.length);
    // `settings` (our client, the README's recipes) or the section itself, as some clients nest it.
    const given = options?.settings ?? options?.concurrencyLens;
    if (given && typeof given === 'object' && !Array.isArray(given)) initialSettings = given as Record<string, unknown>;
    useSettings(undefined);
    // The worker starts (and compiles the grammars) while the client finishes its start-up and opens files.
    host.start();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        hoverProvider: true,
        ...(ourClient ? { codeLensProvider: { resolveProvider: false } } : {}),
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        // Our client runs its own "disable rule" (it writes the editor's settings); other clients get the server's.
        ...(ourClient ? {} : { executeCommandProvider: { commands: [SERVER_DISABLE_RULE_COMMAND, SERVER_CHECK_WORKSPACE_COMMAND, SERVER_SHOW_DOCS_COMMAND] } }),
        // For a client's diagnostics and tests: which process to look at.
        experimental: { pid: process.pid },
      },
      serverInfo: { name: 'concurrency-lens', version: SERVER_VERSION },
    };
  });

  connection.onInitialized(notification('initialized', () => {
    // Only where the client registers dynamically: others send didChangeConfiguration anyway (static), and some warn.
    if (canPullConfiguration && canRegisterConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: SECTION });
    // Config and baseline files change on disk (edits, checkouts): watch them where the client can.
    if (canWatchFiles) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: '**/pyproject.toml' }, { globPattern: '**/concurrency-lens.json' }, { globPattern: '**/*baseline*.json' },
          // Helpers other files call, changed outside the editor: only their dependants are re-checked.
          { globPattern: '**/*.{py,ts,tsx,mts,cts,js,mjs,cjs,jsx}' },
        ],
      });
    }
    pullSettings().then(() => {
      refreshAll();
      // After the open files' first analyses: the index only warms what they will read.
      indexTimer = setTimeout(() => void indexWorkspace().catch((error: unknown) => connection.console.error(`Indexing the workspace failed: ${message(error)}`)), INDEX_DELAY_MS);
    }).catch((error: unknown) => connection.console.error(`Starting failed: ${message(error)}`));
  }));

  /**
   * Summarises the workspace's source files in the background, in small batches through the worker (an open file's
   * analysis waits at most one batch), so a first look at a file finds the files its calls lead to already summarised.
   * Shown as progress where the client supports it; stopped by shutdown.
   */
  const indexWorkspace = async (): Promise<void> => {
    if (!settings.enabled || indexing || stopped || (settings.analysis.followCallsMaxDepth ?? 1) <= 0) return;
    indexing = true;
    status();
    let progress: WorkDoneProgressServerReporter | undefined;
    try {
      for (const root of roots) {
        const files = collectFiles([root], [], INDEX_MAX_FILES).filter(smallEnoughToIndex).map((f) => path.relative(root, f).split(path.sep).join('/'));
        if (!files.length) continue;
        if (canShowProgress && !progress) {
          progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
          progress?.begin('Concurrency Lens', 0, `Indexing ${files.length} files`, false);
        }
        // Bounded: each job goes through at least one file (the worker stops a job after a short time slice), and
        // a job that fails skips its batch.
        for (let i = 0; i < files.length && !stopped;) {
          const outcome = await host.warm(root, files.slice(i, i + INDEX_BATCH), settings.analysis);
          const through = outcome.kind === 'done' ? Math.max(1, outcome.value) : INDEX_BATCH;
          i = Math.min(files.length, i + through);
          indexed += through;
          progress?.report(Math.round((i / files.length) * 100), `Indexing ${i}/${files.length} files`);
          if (i % (INDEX_BATCH * 10) < through) status();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      connection.console.info(`Indexed ${indexed} files for following calls (larger files and any past ${INDEX_MAX_FILES} are read when a call leads there).`);
      await saveSummaries();
    } finally {
      progress?.done();
      indexing = false;
      status();
    }
  };

  /** Keeps what the worker summarised in the editor's storage for the next session. */
  const saveSummaries = async (): Promise<void> => {
    if (!storage) return;
    const outcome = await host.exportSummaries();
    if (outcome.kind !== 'done') return;
    const refused = saveCache(storage, SERVER_VERSION, mergeCache(loadCache(storage, SERVER_VERSION), outcome.value));
    if (refused) connection.console.error(`Concurrency Lens: summaries cache ${refused.message}`);
  };

  connection.onDidChangeConfiguration(notification('didChangeConfiguration', (change) => {
    if (!canPullConfiguration) useSettings((change.settings as Record<string, unknown> | undefined)?.[SECTION] ?? change.settings);
    pullSettings().then(refreshAll).catch((error: unknown) => connection.console.error(`Applying the settings failed: ${message(error)}`));
  }));

  connection.onDidOpenTextDocument(notification('didOpen', ({ textDocument: { uri, languageId, version, text } }) => {
    if (typeof uri !== 'string' || typeof text !== 'string') throw new Error(`not a document: uri ${JSON.stringify(uri)}`);
    // Analysed as text only: without a local path there is no project to read around it.
    if (uri.startsWith('file:') && localPath(uri) === undefined) connection.console.error(`${uri} is not a local file path: ${fileName(uri)} is analysed without the files around it.`);
    const language = languageOf(uri, typeof languageId === 'string' ? languageId : '');
    if (!language) return;
    const entry: OpenDocument = { text: TextDocument.create(uri, languageId, version, text), language, inHost: false };
    const previous = documents.get(uri);
    if (previous) clearTimeout(previous.timer);
    documents.set(uri, entry);
    admit(uri, entry);
    schedule(uri, 0);
  }));

  connection.onDidChangeTextDocument(notification('didChange', ({ textDocument: { uri, version }, contentChanges }) => {
    const entry = documents.get(uri);
    if (!entry) return; // a document never opened: nothing to update
    const changes: ContentChange[] = [];
    let whole = false;
    for (const change of contentChanges) {
      if ('range' in change) {
        const start = entry.text.offsetAt(change.range.start);
        const end = entry.text.offsetAt(change.range.end);
        changes.push({ rangeOffset: start, rangeLength: end - start, text: change.text });
      } else {
        whole = true;
      }
      entry.text = TextDocument.update(entry.text, [change], version);
    }
    if (entry.inHost) {
      // Edits reach the tree at once (incremental reparse); analysis waits for typing to pause.
      if (whole) host.replace(uri, entry.text.getText(), version);
      else host.change(uri, changes, version);
    }
    admit(uri, entry);
    const editedAt = performance.now();
    const sinceLastEdit = entry.editedAt === undefined ? Infinity : editedAt - entry.editedAt;
    entry.editedAt = editedAt;
    schedule(uri, editDelay(entry.lastMs, settings.debounceMs, sinceLastEdit), true);
    // Open files whose findings go through this one see its unsaved text once typing pauses (the edited one is scheduled).
    const file = localPath(uri);
    if (file !== undefined) {
      filesChanged([file], false);
      recheckDependants([file], false, uri);
    }
  }));

  /** Re-checks the open documents whose last analysis read one of `files` (absolute paths); others are left alone. */
  /** Project files changed (absolute paths), or (`listing`) files came or went: the worker reads them again when it searches for callers. */
  const filesChanged = (files: readonly string[], listing: boolean): void => {
    host.filesChanged(files.flatMap((file) => locate(pathToFileURL(file).href).path ?? []), listing);
  };

  /** `now`: at once (a change on disk); otherwise after each dependant's own pause. `edited`: the document whose edit it is. */
  const recheckDependants = (files: readonly string[], now = false, edited?: string): void => {
    if (!files.length) return;
    for (const [uri, entry] of documents) {
      if (uri === edited || !entry.inHost || !entry.reads || !files.some((f) => entry.reads!.has(f))) continue;
      entry.last = undefined;
      schedule(uri, now ? 0 : editDelay(entry.lastMs, settings.debounceMs));
    }
  };

  connection.onDidChangeWatchedFiles(notification('didChangeWatchedFiles', ({ changes }) => {
    const files = changes.flatMap((c) => (typeof c?.uri === 'string' ? localPath(c.uri) ?? [] : []));
    const sources = files.filter((f) => languageFromPath(f) !== undefined);
    // A created or deleted file, or a changed manifest or .gitignore, changes which files a package has.
    filesChanged(sources, sources.length < files.length || changes.some((c) => c.type !== FileChangeType.Changed));
    if (sources.length === files.length) {
      // Source files changed on disk (a checkout, another tool): only the open files that read them.
      recheckDependants(sources, true);
      return;
    }
    // The config module re-reads a file whose text changed; every open file is checked again with it.
    loadBaseline();
    refreshAll();
  }));

  // A saved file may have changed on disk differently from its edits (a formatter on save): its dependants look again.
  connection.onDidSaveTextDocument(notification('didSave', ({ textDocument: { uri } }) => {
    const file = localPath(uri);
    if (file !== undefined) {
      filesChanged([file], false);
      recheckDependants([file]);
    }
  }));

  connection.onDidCloseTextDocument(notification('didClose', ({ textDocument: { uri } }) => {
    const entry = documents.get(uri);
    if (!entry) return;
    clearTimeout(entry.timer);
    documents.delete(uri);
    waiting.delete(uri);
    overrun.delete(uri);
    warnedLarge.delete(uri);
    if (entry.inHost) host.close(uri);
    // Closed unsaved, its text is the one on disk again.
    const file = localPath(uri);
    if (file !== undefined) filesChanged([file], false);
    publish(uri, []);
  }));

  connection.onHover(request('hover', async ({ textDocument: { uri }, position }, token) => {
    if (settings.hover === 'off' || !settings.enabled) return null;
    const diagnostics = await current(uri);
    const entry = documents.get(uri);
    if (!entry?.inHost || token.isCancellationRequested) return null;
    const version = entry.text.version;
    const project = projectSettings(uri);
    const outcome = await host.hover(uri, { line: position.line, column: position.character }, diagnostics ?? [], {
      hover: settings.hover,
      pythonFreeThreaded: settings.analysis.pythonFreeThreaded,
    }, { settings: project.settings, ...locate(uri) });
    // A hover computed on another text would describe the wrong code.
    if (outcome.kind !== 'done' || !outcome.value || token.isCancellationRequested || entry.text.version !== version) return null;
    const rendered = renderHover(outcome.value, ourClient ? { visualiseUri: uri } : { commandLinks: false });
    const contents = hoverPlainText ? { kind: MarkupKind.PlainText, value: toPlainText(rendered.markdown) } : { kind: MarkupKind.Markdown, value: rendered.markdown };
    return { contents, range: toLspRange(outcome.value.range) };
  }));

  connection.onCodeAction(request('codeAction', async ({ textDocument: { uri }, range, context }, token) => {
    const diagnostics = await current(uri);
    const entry = documents.get(uri);
    if (!entry || !diagnostics || token.isCancellationRequested) return [];
    const wants = (kind: string): boolean => !context.only || context.only.some((k) => kind === k || kind.startsWith(`${k}.`));
    const actions: CodeAction[] = [];
    const version = entry.text.version;
    const textAtVersion = entry.text.getText();
    // Fixes are offered only when their text parses at least as well as the document's (checked on the worker, now).
    const withSoundFixes = async (list: Diagnostic[], mode: 'each' | 'together'): Promise<Diagnostic[]> => {
      const fixable = list.filter((d) => d.fixes.length > 0);
      if (!fixable.length || !entry.inHost) return list.map((d) => (d.fixes.length ? { ...d, fixes: [] } : d));
      const outcome = await host.checkFixes(uri, version, fixable, mode);
      const checked = outcome.kind === 'done' ? outcome.value : undefined;
      for (const d of checked?.dropped ?? []) connection.console.info(`Fix "${d.title}" (${d.rule}, ${fileName(uri)}:${d.line + 1}) not offered: the fixed text ${d.why}.`);
      let next = 0;
      return list.map((d) => (d.fixes.length ? checked?.diagnostics[next++] ?? { ...d, fixes: [] } : d));
    };
    if (wants(CodeActionKind.QuickFix)) {
      const text = entry.text;
      const at = fromLspRange(range);
      actions.push(...quickFixes({
        uri,
        language: entry.language,
        lineText: (line) => text.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }),
      }, await withSoundFixes(diagnostics.filter((d) => overlaps(d.range, at)), 'each'), at, ourClient ? DISABLE_RULE_COMMAND : SERVER_DISABLE_RULE_COMMAND));
    }
    // Fix-all only when asked for by kind (on save, or "Fix all"), never in the lightbulb.
    if (context.only && wants(FIX_ALL_KIND)) {
      const edits = fixAllEdits(textAtVersion, await withSoundFixes(diagnostics, 'together'));
      if (edits.length) actions.push({ title: 'Fix all safe Concurrency Lens problems', kind: FIX_ALL_KIND, edit: { changes: { [uri]: edits } } });
    }
    // Edits made for a text the user has changed since would land in the wrong place.
    return entry.text.version === version ? actions : [];
  }));

  connection.onRequest(VISUALISATION_REQUEST, request('visualisation', async (params: { uri?: unknown; entry?: unknown; line?: unknown; arrivals?: unknown; spacingMs?: unknown }, token: CancellationToken) => {
    const uri = typeof params?.uri === 'string' ? params.uri : '';
    const int = (v: unknown, max: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : undefined);
    const wanted: VisualiseRequest = {
      ...(typeof params?.entry === 'string' && params.entry.length <= 500 ? { entry: params.entry } : {}),
      ...(int(params?.line, 10_000_000) !== undefined ? { line: int(params?.line, 10_000_000) } : {}),
      ...(int(params?.arrivals, 1000) !== undefined ? { arrivals: int(params?.arrivals, 1000) } : {}),
      ...(int(params?.spacingMs, 3_600_000) !== undefined ? { spacingMs: int(params?.spacingMs, 3_600_000) } : {}),
    };
    const entry = documents.get(uri);
    if (!entry) return { note: 'The file is not open in the language server.' };
    if (!settings.enabled) return { note: 'Concurrency Lens is disabled (concurrencyLens.enable).' };
    if (!entry.inHost) return { note: 'The file is too large to analyse (concurrencyLens.maxFileSizeKB).' };
    const diagnostics = (await current(uri)) ?? entry.last?.diagnostics ?? [];
    if (token.isCancellationRequested) return null;
    const freeThreaded = settings.analysis.pythonFreeThreaded;
    const outcome = await host.visualise(uri, { freeThreaded }, diagnostics, { settings: projectSettings(uri).settings, ...locate(uri), findCallers: true }, wanted);
    if (outcome.kind === 'overrun') return { note: `Building the model stopped after ${outcome.budgetMs} ms (concurrencyLens.analysisBudgetMs).` };
    if (outcome.kind !== 'done') return { note: `The model could not be built (${outcome.kind === 'failed' ? outcome.message : outcome.kind}).` };
    return { visualisation: outcome.value, diagnostics, freeThreaded };
  }));

  /** Files a workspace check published findings for, though they are not open: cleared by the next check. */
  const checkedClosed = new Set<string>();

  /**
   * The CLI's check in the editor: every source file of the workspace folders (as the index walks them), analysed one by
   * one through the worker with the settings and config of each file; findings published per file. Open files keep
   * their live analysis. Bounded by the index's file limit; stops at cancellation.
   */
  const checkWorkspace = async (token: CancellationToken): Promise<CheckWorkspaceResult> => {
    const files = roots.flatMap((root) => collectFiles([root], [], INDEX_MAX_FILES)).slice(0, INDEX_MAX_FILES);
    const result: CheckWorkspaceResult = { files: 0, findings: 0, filesWithFindings: 0, cancelled: false, unfinished: 0 };
    for (const uri of checkedClosed) if (!documents.has(uri)) publish(uri, []);
    checkedClosed.clear();
    for (const file of files) {
      if (token.isCancellationRequested || stopped) {
        result.cancelled = true;
        break;
      }
      void connection.sendNotification(CHECK_PROGRESS_NOTIFICATION, { done: result.files, total: files.length, file: path.basename(file) });
      result.files++;
      const uri = pathToFileURL(file).href;
      let diagnostics: Diagnostic[] | undefined;
      if (documents.has(uri)) {
        diagnostics = await current(uri);
      } else {
        const language = languageFromPath(file);
        const text = language && readText(file);
        if (!language || text === undefined || text.length > settings.maxFileBytes) continue;
        const project = projectSettings(uri);
        if (project.excluded) continue;
        host.open(uri, language, text, 0);
        try {
          // Behind the open files' analyses: an edit while the check runs is not held up.
          const outcome = await host.analyze(uri, { settings: project.settings, ...locate(uri), findCallers: true }, BACKGROUND);
          if (outcome.kind === 'done') diagnostics = withoutBaseline(uri, text, outcome.value.diagnostics);
        } finally {
          // Opened meanwhile in the editor: its own entry holds the host's copy now.
          if (!documents.has(uri)) host.close(uri);
        }
        if (diagnostics && !documents.has(uri)) {
          publish(uri, diagnostics);
          if (diagnostics.length) checkedClosed.add(uri);
        }
      }
      if (!diagnostics) result.unfinished++;
      else if (diagnostics.length) {
        result.findings += diagnostics.length;
        result.filesWithFindings++;
      }
    }
    void connection.sendNotification(CHECK_PROGRESS_NOTIFICATION, { done: result.files, total: files.length });
    connection.console.info(`Checked ${result.files} of ${files.length} files${result.cancelled ? ' (cancelled)' : ''}: ${result.findings} findings in ${result.filesWithFindings} files.`);
    return result;
  };

  connection.onRequest(CHECK_WORKSPACE_REQUEST, request('checkWorkspace', (_params: unknown, token: CancellationToken) => checkWorkspace(token)));

  connection.onRequest(MEMORY_USAGE_REQUEST, request('memoryUsage', async () => {
    const main = process.memoryUsage();
    return { rss: main.rss, main: { heapUsed: main.heapUsed, heapTotal: main.heapTotal, external: main.external }, worker: await host.workerMemory() ?? null };
  }));

  /**
   * Turns a rule off in the project's config file (concurrency-lens.json or pyproject.toml; a new concurrency-lens.json
   * at the workspace folder if there is none), through workspace/applyEdit where the client can apply it (and undo it),
   * else written here. Answers with what it did, for the client to show.
   */
  connection.onExecuteCommand(request('executeCommand', async ({ command, arguments: args }: ExecuteCommandParams, token) => {
    if (command === SERVER_CHECK_WORKSPACE_COMMAND) return checkWorkspace(token);
    if (command === SERVER_SHOW_DOCS_COMMAND) {
      const [rule] = (args ?? []) as unknown[];
      if (typeof rule !== 'string' || !ruleBySlug(rule)) throw new Error(`Unknown rule: ${String(rule)}`);
      const url = ruleDocsUrl(rule);
      if (canShowDocument) await connection.window.showDocument({ uri: url, external: true });
      return { url };
    }
    if (command !== SERVER_DISABLE_RULE_COMMAND) return null;
    const [slug, uri] = (args ?? []) as unknown[];
    if (typeof slug !== 'string' || !ruleBySlug(slug)) throw new Error(`Unknown rule: ${String(slug)}`);
    const docUri = typeof uri === 'string' && localPath(uri) !== undefined ? uri : [...documents.keys()].find((u) => localPath(u) !== undefined);
    const docPath = docUri ? localPath(docUri) : undefined;
    const root = docUri ? locate(docUri).projectRoot : roots[roots.length - 1];
    if (!root) throw new Error('No workspace folder to write the configuration in.');
    const edit = disableRuleEdit(docPath ?? path.join(root, 'x'), root, slug, readText);
    if (!edit) throw new Error('The configuration file could not be edited safely (a syntax error, or `rules` in a form this command does not change); set the rule to "off" by hand.');
    const target = pathToFileURL(edit.file).href;
    const written = `Set ${slug} to "off" in ${path.relative(root, edit.file) || path.basename(edit.file)}.`;
    if (canApplyEdit && (!edit.create || canCreateFiles)) {
      const lines = (readText(edit.file) ?? '').split('\n');
      const whole = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
      const result = await connection.workspace.applyEdit({
        label: `Disable ${slug}`,
        edit: edit.create
          ? { documentChanges: [{ kind: 'create', uri: target, options: { ignoreIfExists: true } }, { textDocument: { uri: target, version: null }, edits: [{ range: whole, newText: edit.text }] }] }
          : { changes: { [target]: [{ range: whole, newText: edit.text }] } },
      });
      if (!result.applied) throw new Error(`The editor did not apply the edit${result.failureReason ? `: ${result.failureReason}` : ''}.`);
    } else {
      // Written here: our own config file inside the workspace folder, never through a symbolic link.
      if (fs.existsSync(edit.file) && fs.lstatSync(edit.file).isSymbolicLink()) throw new Error(`${edit.file} is a symbolic link; not writing through it.`);
      fs.writeFileSync(edit.file, edit.text);
    }
    connection.console.info(written);
    loadBaseline();
    refreshAll();
    return { message: written, file: target };
  }));

  // Code lenses over the file's entry points ("Visualise 10 requests"), for a client that has the visualiser command.
  connection.onCodeLens(request('codeLens', async ({ textDocument: { uri } }, token): Promise<CodeLens[]> => {
    const entry = documents.get(uri);
    if (!ourClient || !settings.enabled || !entry?.inHost || token.isCancellationRequested) return [];
    const outcome = await host.entries(uri, locate(uri).path, { ...locate(uri), findCallers: true });
    if (outcome.kind !== 'done' || token.isCancellationRequested) return [];
    return outcome.value.map((e): CodeLens => ({
      range: toLspRange({ start: e.range.start, end: e.range.start }),
      command: { title: lensTitle(e), command: VISUALISE_COMMAND, arguments: [uri, e.range.start.line, e.id] },
    }));
  }));

  connection.onShutdown(async () => {
    stopped = true;
    clearTimeout(indexTimer);
    await saveSummaries().catch(() => undefined);
    await host.dispose();
  });
  connection.listen();
}

/** "Visualise 10 requests", "Visualise the thread", "Visualise run()": what the lens opens. */
function lensTitle(e: EntryPoint): string {
  switch (e.kind) {
    case 'handler': case 'listener': return `$(graph) Visualise ${DEFAULT_ARRIVALS} ${e.kind === 'handler' && !/message or event/.test(e.evidence ?? '') ? 'requests' : 'arrivals'}`;
    case 'thread-target': return '$(graph) Visualise in its thread';
    case 'run-method': return '$(graph) Visualise the thread';
    case 'loop': return e.server ? '$(graph) Visualise requests' : '$(graph) Visualise the loop';
    default: return '$(graph) Visualise from here';
  }
}
