import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { allRules, defaultLimits, describeSkip, languageFromPath, precheck, type AnalysisSettings, type Language } from '../core';
import { AnalysisHost, DEFAULT_BUDGET_MS } from '../host/analysisHost';
import { formatJson, formatSarif, formatText, type FileReport } from './format';
import { collectFiles, type WalkProblem } from './walk';

const USAGE = `Usage: concurrency-lens check [paths...] [options]
       concurrency-lens rules
       concurrency-lens lsp --stdio | --node-ipc   (the language server, for any LSP editor)

Checks Python and TypeScript/JavaScript files for concurrency bugs.

Options:
  --format text|json|sarif   output format (default: text)
  --rule <slug>              only this rule (repeatable)
  --free-threaded            the Python interpreter is free-threaded (3.13t/3.14t)
  --max-file-size <MB>       skip larger files (default: 20)
  --budget-ms <ms>           stop analysing a file after this long (default: 2000); such a file is reported
                             on stderr and the exit status is 2
  -h, --help                 show this help
  --version                  show the version

Exit status: 0 nothing found, 1 findings reported, 2 usage error or unreadable input.`;

export class UsageError extends Error {}

/** `run` returns this for `lsp`: the server keeps the process alive and sets its own exit code. */
export const LSP_RUNNING = -1;

interface Options {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  rules: string[];
  freeThreaded: boolean;
  maxBytes: number;
  budgetMs: number;
}

function parseArgs(args: string[]): Options {
  const options: Options = { paths: [], format: 'text', rules: [], freeThreaded: false, maxBytes: 20 * 1024 * 1024, budgetMs: DEFAULT_BUDGET_MS };
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
      case '--free-threaded': options.freeThreaded = true; break;
      case '--max-file-size': {
        const mb = Number(value());
        if (!Number.isFinite(mb) || mb <= 0) throw new UsageError('--max-file-size takes a positive number of megabytes');
        options.maxBytes = mb * 1024 * 1024;
        break;
      }
      case '--budget-ms': {
        const ms = Number(value());
        if (!Number.isInteger(ms) || ms <= 0) throw new UsageError('--budget-ms takes a positive whole number of milliseconds');
        options.budgetMs = ms;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
        options.paths.push(arg);
    }
  }
  if (!options.paths.length) options.paths.push('.');
  return options;
}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
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
      const { startServer } = await import('../server/server');
      startServer();
      return LSP_RUNNING;
    }
    if (command !== 'check') throw new UsageError(`unknown command '${command}'`);
    if (rest.includes('-h') || rest.includes('--help')) {
      io.stdout(USAGE + '\n');
      return 0;
    }
    return await check(parseArgs(rest), io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`concurrency-lens: ${error.message}\n${USAGE.split('\n')[0]}\n`);
      return 2;
    }
    throw error;
  }
}

/** What reading a file gave: its text, or why it is not analysed. */
function readSource(file: string, shown: string, options: Options, io: CliIO): { text: string } | 'skipped' | 'unreadable' {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.size > options.maxBytes) {
      io.stderr(`concurrency-lens: ${shown}: skipped, ${(stat.size / 1048576).toFixed(1)} MB is over --max-file-size\n`);
      return 'skipped';
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    io.stderr(`concurrency-lens: ${shown}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})\n`);
    return 'unreadable';
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const skip = precheck(text, defaultLimits);
  if (skip) {
    io.stderr(`concurrency-lens: ${shown}: skipped: ${describeSkip(skip)}\n`);
    return 'skipped';
  }
  return { text };
}

async function check(options: Options, io: CliIO): Promise<number> {
  const problems: WalkProblem[] = [];
  const files = collectFiles(options.paths.map((p) => path.resolve(io.cwd, p)), problems);
  const settings: AnalysisSettings = { pythonFreeThreaded: options.freeThreaded, ruleSeverity: {} };
  const only = options.rules.length ? options.rules : undefined;
  const reports: (FileReport | undefined)[] = [];
  let failed = problems.length > 0;
  for (const problem of problems) io.stderr(`concurrency-lens: ${problem.path}: ${problem.message}\n`);

  // Each file is analysed on a worker thread that is stopped if it overruns the budget; one worker per core.
  const workers = Math.max(1, Math.min(os.availableParallelism(), files.length));
  const hosts = Array.from({ length: workers }, () => new AnalysisHost({ budgetMs: options.budgetMs }));
  let next = 0;
  const analyseFiles = async (host: AnalysisHost): Promise<void> => {
    // Each turn takes the next file: bounded by the number of files.
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      const language = languageFromPath(file) as Language;
      const shown = path.relative(io.cwd, file) || file;
      const source = readSource(file, shown, options, io);
      if (source === 'unreadable') failed = true;
      if (typeof source !== 'object') continue;
      // Paths relative to where the command runs: rules follow imports to the project's other files from there.
      const outcome = await host.analyzeText(source.text, language, { settings, only, path: shown.split(path.sep).join('/'), projectRoot: io.cwd });
      if (outcome.kind !== 'done') {
        failed = true;
        const why = outcome.kind === 'overrun'
          ? `analysis stopped after ${outcome.budgetMs} ms (--budget-ms) in ${outcome.phase}`
          : outcome.kind === 'failed' ? `analysis failed: ${outcome.message}` : 'analysis cancelled';
        io.stderr(`concurrency-lens: ${shown}: ${why}\n`);
        continue;
      }
      const result = outcome.value;
      if (result.skipped) io.stderr(`concurrency-lens: ${shown}: skipped: ${describeSkip(result.skipped)}\n`);
      for (const e of result.ruleErrors) io.stderr(`concurrency-lens: ${shown}: internal error in rule ${e.rule}: ${e.message}\n`);
      reports[index] = { path: shown.split(path.sep).join('/'), language, diagnostics: result.diagnostics };
    }
  };
  try {
    await Promise.all(hosts.map(analyseFiles));
  } finally {
    await Promise.all(hosts.map((h) => h.dispose()));
  }

  // Reports keep the walk's order whichever worker finished first.
  const withFindings = reports.filter((r): r is FileReport => r !== undefined && r.diagnostics.length > 0);
  switch (options.format) {
    case 'json': io.stdout(formatJson(withFindings) + '\n'); break;
    case 'sarif': io.stdout(formatSarif(withFindings, version) + '\n'); break;
    default: {
      const text = formatText(withFindings);
      if (text) io.stdout(text);
      const count = withFindings.reduce((n, r) => n + r.diagnostics.length, 0);
      io.stderr(`${count} finding${count === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'} checked\n`);
    }
  }
  if (failed) return 2;
  return withFindings.length > 0 ? 1 : 0;
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
