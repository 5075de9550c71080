import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allRules, defaultLimits, describeSkip, fixToApply, languageFamilyOfPath, languageFromPath, precheck, type AnalysisResult, type AnalysisSettings, type Language } from '../core';
import { AnalysisHost, BUDGET_CHARS, clampBudget } from '../host/analysisHost';
import { packageFiles } from '../host/packageFiles';
import { defaultWorkerScript, EarlyWorker } from '../host/spawnWorker';
import { serverWorkerStart } from '../server/workerStart';
import type { SharedUnits, TextAnalysis } from '../host/protocol';
import { ResultCache } from './resultCache';
import { formatJson, formatSarif, formatText, printable, printablePath, type FileReport, type RunProblem } from './format';
import { collectFiles, type WalkProblem } from './walk';
import { checkProjectOptions, defaultProjectOptions, OptionError, parseProjectOption, type ProjectOptions } from './options';
import { ProjectConfigs } from './project';
import { fixText, unifiedDiff } from './fix';
import { BaselineError, BaselineFile } from './baseline';
import { CACHE_DIR, loadCacheFile, mergeCache, mergeUnits, saveCache } from '../host/summaryCache';
import { UnsafeWriteError, writeFileInside } from '../host/safeWrite';
import { decodeSource, encodeSource, type DecodedSource } from './encoding';
import { dictFrom } from '../core/dict';

const USAGE = `Usage: concurrency-lens check [paths...] [options]
       concurrency-lens rules
       concurrency-lens lsp --stdio | --node-ipc   (the language server, for any LSP editor)

Checks Python and TypeScript/JavaScript files for concurrency bugs.

Options:
  --format text|json|sarif   output format (default: text)
  --rule <slug>              only this rule (repeatable)
  --free-threaded            the Python interpreter is free-threaded (3.13t/3.14t)
  --cold-severity hint|off   findings where little else is waiting (scripts, sequential mains, tests,
                             one-shot build hooks): hint (default) or off
  --max-file-size <MB>       skip larger files (default: 20)
  --budget-ms <ms>           stop analysing a file after this much CPU time (default: 30000; kept within
                             10..3600000; for each 256 KiB of a longer file as many times, at most four);
                             such a file is reported (stderr, JSON, SARIF) and the exit status is 2
  --config <path>            use this pyproject.toml / concurrency-lens.json for every file (default: the
                             nearest one above each file)
  --exclude <glob>           skip files matching the glob, relative to the current folder (repeatable)
  --stdin-filename <name>    read the source from stdin, analysed as the file <name>
  --fix                      apply each finding's preferred fix when it is safe (with --stdin-filename: print
                             the fixed source)
  --unsafe-fixes             with --fix or --diff: also apply unsafe fixes (they may change scheduling, the
                             thread that runs the code, or types)
  --diff                     print the fixes as a unified diff (for git apply) instead of writing them
  --no-cache                 do not read or write .concurrency-lens-cache/ (other files' summaries and each file's
                             findings with what they depend on, kept between runs)
  --baseline <file>          report only findings not recorded in this baseline
  --write-baseline <file>    record today's findings in a baseline file
  -h, --help                 show this help
  --version                  show the version

Exit status: 0 nothing found, 1 findings reported, 2 usage error, bad configuration or unreadable input.`;

export class UsageError extends Error {}

/** Files of the call graph one worker computes per job (each job has the per-file budget). */
const UNITS_PER_JOB = 40;

/**
 * The call graph reads every file of each checked package, in every worker that needs it. Computed once instead: each
 * worker takes shares of the packages' files and the others adopt its units and summaries (the same plain data, so
 * the results do not depend on which worker computed what).
 */
async function shareGraphUnits(hosts: readonly AnalysisHost[], files: readonly string[], root: string): Promise<void> {
  const listed = new Map<string, readonly string[]>();
  const all = new Set<string>();
  // Bounded: one listing per package folder, each at most the walker's cap.
  // Only the language family a checked file's graph is made of (a Python package's front-end files are not read).
  for (const file of files) {
    const own = languageFamilyOfPath(file);
    for (const listedFile of packageFiles(root, path.relative(root, file), listed)) if (own && languageFamilyOfPath(listedFile) === own) all.add(listedFile);
  }
  const shares: string[][] = [];
  const list = [...all];
  for (let i = 0; i < list.length; i += UNITS_PER_JOB) shares.push(list.slice(i, i + UNITS_PER_JOB));
  let next = 0;
  const computed: { by: AnalysisHost; value: SharedUnits }[] = [];
  await Promise.all(hosts.map(async (host) => {
    // Each turn takes the next share: bounded by the number of shares.
    while (next < shares.length) {
      const outcome = await host.units(root, shares[next++]);
      // A share that fails is computed again by whichever worker needs it.
      if (outcome.kind === 'done') computed.push({ by: host, value: outcome.value });
    }
  }));
  for (const { by, value } of computed) for (const host of hosts) if (host !== by) host.importUnits(value);
}

/**
 * The CLI's budget per file, in CPU time (the clock where the platform does not tell it): generous, so that a CI run's
 * results do not depend on how loaded its machine is. The editor's is short; there an overrun is retried on the next edit.
 */
export const CLI_BUDGET_MS = 30_000;

/** `run` returns this for `lsp`: the server keeps the process alive and sets its own exit code. */
export const LSP_RUNNING = -1;

interface Options extends ProjectOptions {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  rules: string[];
  freeThreaded: boolean;
  coldSeverity?: 'hint' | 'off';
  maxBytes: number;
  budgetMs: number;
  /** Keep other files' summaries and each file's results in .concurrency-lens-cache/ between runs. */
  cache: boolean;
}

function parseArgs(args: string[]): Options {
  const options: Options = { paths: [], format: 'text', rules: [], freeThreaded: false, maxBytes: 20 * 1024 * 1024, budgetMs: CLI_BUDGET_MS, cache: true, ...defaultProjectOptions() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const next = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg;
    switch (name) {
      case '--format': {
        const format = value();
        if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`unknown format '${format}' (text, json or sarif)`);
        options.format = format;
        break;
      }
      case '--rule': {
        const slug = value();
        if (!allRules.some((r) => r.meta.slug === slug)) {
          throw new UsageError(`unknown rule '${slug}' (known: ${allRules.map((r) => r.meta.slug).join(', ')})`);
        }
        options.rules.push(slug);
        break;
      }
      case '--no-cache': options.cache = false; break;
      case '--free-threaded': options.freeThreaded = true; options.setByFlags.add('pythonFreeThreaded'); break;
      case '--cold-severity': {
        const cold = value();
        if (cold !== 'hint' && cold !== 'off') throw new UsageError(`--cold-severity takes hint or off (got '${cold}')`);
        options.coldSeverity = cold;
        options.setByFlags.add('coldSeverity');
        break;
      }
      case '--max-file-size': {
        const mb = Number(value());
        if (!Number.isFinite(mb) || mb <= 0) throw new UsageError('--max-file-size takes a positive number of megabytes');
        options.maxBytes = mb * 1024 * 1024;
        break;
      }
      case '--budget-ms': {
        const ms = Number(value());
        if (!Number.isInteger(ms) || ms <= 0) throw new UsageError('--budget-ms takes a positive whole number of milliseconds');
        options.budgetMs = clampBudget(ms);
        break;
      }
      default:
        if (parseProjectOption(name, value, options)) break;
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
        options.paths.push(arg);
    }
  }
  checkProjectOptions(options);
  if (!options.paths.length) options.paths.push('.');
  return options;
}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  /** The whole of standard input (for --stdin-filename); process.stdin when absent. */
  readStdin?: () => Promise<string>;
}

export const version = '0.1.0';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout(USAGE + '\n');
      return command === undefined ? 2 : 0;
    }
    if (command === '--version') {
      io.stdout(`${version}\n`);
      return 0;
    }
    if (command === 'rules') {
      for (const rule of allRules) io.stdout(`${rule.meta.slug.padEnd(24)} ${rule.meta.defaultSeverity.padEnd(12)} ${rule.meta.languages.join(',').padEnd(36)} ${rule.meta.docs.summary}\n`);
      return 0;
    }
    if (command === 'lsp') {
      if (!rest.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket=') || a.startsWith('--pipe='))) {
        throw new UsageError('lsp needs a transport: --stdio, --node-ipc, --socket=PORT or --pipe=NAME');
      }
      // The worker starts before the server's modules load, as from the server's own entry (src/server/main.ts).
      const earlyWorker = new EarlyWorker(serverWorkerStart());
      const { startServer } = await import('../server/server');
      startServer(undefined, { earlyWorker });
      return LSP_RUNNING;
    }
    if (command !== 'check') throw new UsageError(`unknown command '${command}'`);
    if (rest.includes('-h') || rest.includes('--help')) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    return await check(parseArgs(rest), io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof OptionError) {
      io.stderr(`concurrency-lens: ${printable(error.message)}\n${USAGE.split('\n')[0]}\n`);
      return 2;
    }
    throw error;
  }
}

/** A file's text as readSource gives it, or undefined where readSource would say something (skipped, unreadable). */
function quietText(file: string, maxBytes: number): string | undefined {
  try {
    if (fs.statSync(file).size > maxBytes) return undefined;
    const { text } = decodeSource(fs.readFileSync(file), languageFromPath(file) as Language);
    return precheck(text, defaultLimits) ? undefined : text;
  } catch {
    return undefined;
  }
}

/** What reading a file gave: its text (by its declared encoding), or why it is not analysed. */
function readSource(file: string, shown: string, options: Options, io: CliIO): DecodedSource | 'skipped' | 'unreadable' {
  let source: DecodedSource;
  try {
    const stat = fs.statSync(file);
    if (stat.size > options.maxBytes) {
      io.stderr(`concurrency-lens: ${printablePath(shown)}: skipped, ${(stat.size / 1048576).toFixed(1)} MB is over --max-file-size\n`);
      return 'skipped';
    }
    source = decodeSource(fs.readFileSync(file), languageFromPath(file) as Language);
  } catch (error) {
    io.stderr(`concurrency-lens: ${printablePath(shown)}: cannot read (${printable((error as NodeJS.ErrnoException).code ?? String(error))})\n`);
    return 'unreadable';
  }
  const skip = precheck(source.text, defaultLimits);
  if (skip) {
    io.stderr(`concurrency-lens: ${printablePath(shown)}: skipped: ${describeSkip(skip)}\n`);
    return 'skipped';
  }
  return source;
}

/**
 * Where a file may be written: the folder the command runs in when the file is inside it, else the folder of the
 * path argument it was found under (the user named that path; what a repository commits below it is checked).
 */
function writeRootOf(file: string, options: Options, cwd: string): string {
  const inside = (root: string): boolean => {
    const relative = path.relative(root, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  };
  if (inside(cwd)) return cwd;
  for (const given of options.paths.map((p) => path.resolve(cwd, p))) {
    if (given === file) return path.dirname(file);
    if (inside(given)) return given;
  }
  return path.dirname(file);
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The files to check: the walk's, or the --stdin-filename one with stdin's text. */
async function sources(options: Options, io: CliIO, problems: WalkProblem[]): Promise<{ files: string[]; stdinText?: string }> {
  if (options.stdinFilename === undefined) return { files: collectFiles(options.paths.map((p) => path.resolve(io.cwd, p)), problems) };
  const file = path.resolve(io.cwd, options.stdinFilename);
  if (!languageFromPath(file)) throw new UsageError(`--stdin-filename ${options.stdinFilename}: not a Python, TypeScript or JavaScript file name`);
  const text = await (io.readStdin ?? readAllStdin)();
  return { files: [file], stdinText: text };
}

async function check(options: Options, io: CliIO): Promise<number> {
  const problems: WalkProblem[] = [];
  const { files: found, stdinText } = await sources(options, io, problems);
  const project = new ProjectConfigs(io.cwd, options.config, options.exclude);
  const files = found.filter((file) => !project.excluded(file));
  const cliSettings: AnalysisSettings = { pythonFreeThreaded: options.freeThreaded, ruleSeverity: {}, ...(options.coldSeverity ? { coldSeverity: options.coldSeverity } : {}) };
  const settingsOf = files.map((file) => project.settingsFor(file, cliSettings, options.setByFlags));
  // A broken config file stops the run before any analysis: its findings would not be the project's.
  const configProblems = project.problems();
  if (configProblems.length) {
    for (const line of configProblems) io.stderr(`concurrency-lens: ${printable(line)}\n`);
    return 2;
  }
  let baseline: BaselineFile | undefined;
  try {
    if (options.baseline !== undefined) baseline = BaselineFile.load(io.cwd, options.baseline);
  } catch (error) {
    if (!(error instanceof BaselineError)) throw error;
    io.stderr(`concurrency-lens: ${printable(error.message)}\n`);
    return 2;
  }
  let recording = options.writeBaseline !== undefined ? BaselineFile.empty(io.cwd, options.writeBaseline) : undefined;
  const only = options.rules.length ? options.rules : undefined;
  const reports: (FileReport | undefined)[] = [];
  const diffs: string[] = [];
  let fixesApplied = 0;
  // Findings left whose preferred fix is unsafe: `--unsafe-fixes` would apply them.
  let unsafeLeft = 0;
  // Files not fully checked: said on stderr as they happen, listed in the JSON and SARIF output, and the exit status is 2.
  const runProblems: RunProblem[] = [];
  const fail = (shown: string, message: string, print = true): void => {
    runProblems.push({ path: shown.split(path.sep).join('/'), message });
    if (print) io.stderr(`concurrency-lens: ${printablePath(shown)}: ${printable(message)}\n`);
  };
  for (const problem of problems) fail(problem.path, problem.message);

  // Each file is analysed on a worker thread that is stopped if it overruns the budget; one worker per core.
  const workers = Math.max(1, Math.min(os.availableParallelism(), files.length));
  const cached = options.cache ? loadCacheFile(path.join(io.cwd, CACHE_DIR), version, io.cwd) : undefined;
  const summaries = cached?.summaries;
  // Without --fix nothing is written during the run: each worker reads a project file once, however many analyses ask.
  // Results are reused by a run that only reports (a fixing run's results are those of the text it writes).
  const resultCache = options.cache && !options.fix && !options.diff && stdinText === undefined ? new ResultCache(io.cwd, cached?.results) : undefined;
  const shownOf = (file: string): string => path.relative(io.cwd, file) || file;
  /** The path reports and the cache name a file by: the shown one, '/'-separated. */
  const reportedPath = (file: string): string => shownOf(file).split(path.sep).join('/');
  const build = resultCache ? ResultCache.build(version, [__filename, defaultWorkerScript()]) : version;
  const keyOf = (index: number, text: string): string => ResultCache.key(build, reportedPath(files[index]), languageFromPath(files[index]) as Language, text, settingsOf[index], only);
  const reused = new Map<number, { text: string; result: AnalysisResult }>();
  // Bounded by the files: each is read once more (a reused one is not read again below).
  for (let index = 0; resultCache && index < files.length; index++) {
    const text = quietText(files[index], options.maxBytes);
    const result = text === undefined ? undefined : resultCache.lookup(reportedPath(files[index]), keyOf(index, text));
    if (result) reused.set(index, { text: text!, result });
  }
  const hosts = Array.from({ length: workers }, () => new AnalysisHost({ budgetMs: options.budgetMs, ...(summaries ? { summaries } : {}), ...(cached?.units ? { units: cached.units } : {}), ...(options.fix ? {} : { filesFixed: true }), ...(options.cache ? { keepGraph: true } : {}) }));
  let next = 0;
  const analyseFiles = async (host: AnalysisHost): Promise<void> => {
    // Each turn takes the next file: bounded by the number of files.
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      const language = languageFromPath(file) as Language;
      const shown = shownOf(file);
      const hit = reused.get(index);
      if (hit) {
        recording?.record(file, hit.text, hit.result.diagnostics);
        reports[index] = { path: reportedPath(file), language, diagnostics: baseline ? baseline.newFindings(file, hit.text, hit.result.diagnostics) : hit.result.diagnostics };
        continue;
      }
      // Standard input is text already (UTF-8); its BOM is kept in what --fix prints.
      const source: DecodedSource | 'skipped' | 'unreadable' = stdinText !== undefined
        ? { text: stdinText.charCodeAt(0) === 0xfeff ? stdinText.slice(1) : stdinText, bom: stdinText.charCodeAt(0) === 0xfeff, encoding: 'utf-8' }
        : readSource(file, shown, options, io);
      if (source === 'unreadable') fail(shown, 'cannot read', false);
      if (typeof source !== 'object') continue;
      const settings = settingsOf[index];
      // Paths relative to where the command runs: rules follow imports to the project's other files from there.
      const analyse = async (text: string): Promise<TextAnalysis | undefined> => {
        const outcome = await host.analyzeText(text, language, { settings, only, path: shown.split(path.sep).join('/'), projectRoot: io.cwd, findCallers: true, ...(resultCache ? { dependencies: true } : {}) });
        if (outcome.kind === 'done') return outcome.value;
        const why = outcome.kind === 'overrun'
          ? `analysis stopped after ${outcome.budgetMs} ms of CPU time (--budget-ms, for each ${BUDGET_CHARS / 1024} KiB of the file) in ${outcome.phase}`
          : outcome.kind === 'failed' ? `analysis failed: ${outcome.message}` : 'analysis cancelled';
        fail(shown, why);
        return undefined;
      };
      let text = source.text;
      let result = await analyse(text);
      if (!result) continue;
      // A file that does not parse is left alone: fixes computed on a partial tree could land in the wrong place.
      if (result.hasSyntaxErrors && (options.fix || options.diff)) io.stderr(`concurrency-lens: ${printablePath(shown)}: not fixed: it has syntax errors\n`);
      const fixing = (options.fix || options.diff) && !result.skipped && !result.hasSyntaxErrors;
      // A file whose bytes would not survive being written back is analysed but never fixed.
      if (fixing && source.unwritable) {
        fail(shown, `not fixed: ${source.unwritable}`);
      } else if (fixing) {
        const told = new Set<string>();
        const fixed = await fixText(text, analyse, result, language, (skipped) => {
          if (!told.has(skipped)) io.stderr(`concurrency-lens: ${printablePath(shown)}: ${printable(skipped)}\n`);
          told.add(skipped);
        }, options.unsafeFixes);
        if (fixed && fixed.text !== text) {
          const written = writeFixed(file, shown, source, text, fixed.text, options, io, stdinText !== undefined);
          if (typeof written !== 'string') {
            fail(shown, written.problem);
          } else {
            fixesApplied += fixed.applied;
            if (options.diff) diffs[index] = written;
            // What is reported is what is left after the fixes.
            text = fixed.text;
            result = fixed.result;
          }
        }
      }
      if ((options.fix || options.diff) && !options.unsafeFixes) unsafeLeft += result.diagnostics.filter((d) => fixToApply(d, true) && !fixToApply(d)).length;
      if (options.fix && stdinText !== undefined) io.stdout((source.bom ? '\ufeff' : '') + text);
      if (result.skipped) io.stderr(`concurrency-lens: ${printablePath(shown)}: skipped: ${describeSkip(result.skipped)}\n`);
      // A rule that threw hid its findings in this file: a failed run, never a silent pass.
      for (const e of result.ruleErrors) fail(shown, `internal error in rule ${e.rule}: ${e.message}`);
      if (resultCache) resultCache.record(reportedPath(file), keyOf(index, text), result, result.dependencies);
      recording?.record(file, text, result.diagnostics);
      const diagnostics = baseline ? baseline.newFindings(file, text, result.diagnostics) : result.diagnostics;
      reports[index] = { path: shown.split(path.sep).join('/'), language, diagnostics };
    }
  };
  try {
    const toAnalyse = files.filter((_, index) => !reused.has(index));
    if (hosts.length > 1 && stdinText === undefined && toAnalyse.length) await shareGraphUnits(hosts, toAnalyse, io.cwd);
    await Promise.all(hosts.map(analyseFiles));
    if (options.cache && stdinText === undefined) {
      const used = await Promise.all(hosts.map((h) => h.exportSummaries()));
      const usedUnits = await Promise.all(hosts.map((h) => h.exportUnits()));
      const kept = mergeCache(summaries, dictFrom(used.flatMap((u) => (u.kind === 'done' ? Object.entries(u.value) : []))));
      // The call graph's units too: a warm run then parses no file it does not check.
      const units = mergeUnits(cached?.units, dictFrom(usedUnits.flatMap((u) => (u.kind === 'done' ? Object.entries(u.value) : []))), kept);
      const refused = saveCache(path.join(io.cwd, CACHE_DIR), version, kept, io.cwd, units, resultCache?.toStore());
      // The cache is optional: a refused one is said, and does not change the exit status.
      if (refused) io.stderr(`concurrency-lens: warning: cache ${printablePath(path.relative(io.cwd, refused.file) || refused.file)}: not written: ${printable(refused.reason)}\n`);
    }
  } finally {
    await Promise.all(hosts.map((h) => h.dispose()));
  }

  if (recording) {
    try {
      recording.save(io.cwd);
    } catch (error) {
      if (!(error instanceof UnsafeWriteError)) throw error;
      fail(path.relative(io.cwd, error.file) || error.file, `not written (--write-baseline): ${error.reason}`);
      recording = undefined;
    }
  }
  // Reports keep the walk's order whichever worker finished first.
  const withFindings = reports.filter((r): r is FileReport => r !== undefined && r.diagnostics.length > 0);
  const count = withFindings.reduce((n, r) => n + r.diagnostics.length, 0);
  if (options.diff) {
    // The diff is the output; findings go to stderr so `--diff | git apply` works.
    io.stdout(diffs.filter(Boolean).join(''));
    const text = formatText(withFindings);
    if (text) io.stderr(text);
  } else if (options.fix && stdinText !== undefined) {
    // stdout holds the fixed source; what is left goes to stderr.
    const text = formatText(withFindings);
    if (text) io.stderr(text);
  } else {
    switch (options.format) {
      case 'json': io.stdout(formatJson(withFindings, runProblems) + '\n'); break;
      case 'sarif': io.stdout(formatSarif(withFindings, version, runProblems) + '\n'); break;
      default: {
        const text = formatText(withFindings);
        if (text) io.stdout(text);
      }
    }
  }
  if (options.format === 'text' || options.diff || options.fix) {
    const fixed = options.fix ? `${fixesApplied} fix${fixesApplied === 1 ? '' : 'es'} applied, ` : options.diff ? `${fixesApplied} fix${fixesApplied === 1 ? '' : 'es'} in the diff, ` : '';
    const left = options.fix || options.diff ? ' left' : '';
    const baselined = baseline ? ' not in the baseline' : '';
    io.stderr(`${fixed}${count} finding${count === 1 ? '' : 's'}${left}${baselined} in ${files.length} file${files.length === 1 ? '' : 's'} checked\n`);
    if (unsafeLeft) io.stderr(`${unsafeLeft} more fix${unsafeLeft === 1 ? '' : 'es'} available with --unsafe-fixes\n`);
  }
  if (recording) io.stderr(`concurrency-lens: baseline written to ${path.relative(io.cwd, recording.file) || recording.file}\n`);
  if (runProblems.length) return 2;
  if (recording) return 0;
  // --diff wrote nothing: pending fixes count as findings.
  return withFindings.length > 0 || (options.diff && diffs.some(Boolean)) ? 1 : 0;
}

/**
 * Writes a fixed file (or, for --diff, returns its diff) in its own encoding; returns why not instead when it cannot.
 * For standard input the fixed text is printed by the caller: nothing is written.
 */
function writeFixed(file: string, shown: string, source: DecodedSource, before: string, after: string, options: Options, io: CliIO, fromStdin: boolean): string | { problem: string } {
  const bytes = encodeSource(source, after);
  if (typeof bytes === 'string') return { problem: `not fixed: ${bytes}` };
  if (options.diff) {
    const bom = source.bom ? '\ufeff' : '';
    const diff = unifiedDiff(shown.split(path.sep).join('/'), bom + before, bom + after);
    // The diff is printed as UTF-8: a file in another encoding is shown only where its changed lines are ASCII.
    if (source.encoding !== 'utf-8' && [...diff].some((c) => c.charCodeAt(0) > 0x7f)) {
      return { problem: `not in the diff: its ${source.encoding} text cannot be shown in a UTF-8 patch` };
    }
    return diff;
  }
  if (fromStdin) return '';
  try {
    writeFileInside(writeRootOf(file, options, io.cwd), file, bytes);
    return '';
  } catch (error) {
    if (!(error instanceof UnsafeWriteError)) throw error;
    return { problem: `not fixed: ${error.reason}` };
  }
}

if (require.main === module) {
  run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
  }).then((code) => { if (code !== LSP_RUNNING) process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`concurrency-lens: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 2;
  });
}
