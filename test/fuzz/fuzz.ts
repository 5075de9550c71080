// The fuzzer: mutates the project's own sources and runs every editor path on each mutant (incremental
// reparse, every rule, the visualiser, a hover) through the budgeted host, as the language server does.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyEdits, languageFromPath, LineIndex, syntaxProblems, type Diagnostic, type Language } from '../../src/core';
import { decodeSource, encodeSource } from '../../src/cli/encoding';
import { compatibleFixes } from '../../src/cli/fix';
import { AnalysisHost } from '../../src/host/analysisHost';
import { getParser, parseOtherFile } from '../../src/core/parser';
import { MAX_ATOMS, type Condition } from '../../src/core/effects/condition';
import { summariseTs } from '../../src/core/project/followTs';
import { compact, pack, wellFormed } from '../../src/core/project/packed';
import { summarisePython } from '../../src/core/project/pythonSummary';
import { PythonSemantics } from '../../src/core/python/semantics';
import { TsSemantics } from '../../src/core/ts/semantics';
import { mutate, prng, type Random } from './mutate';

export interface CorpusFile {
  path: string;
  language: Language;
  text: string;
}

export interface FuzzFailure {
  source: string;
  operations: string[];
  problem: string;
  text: string;
  /** The text after dropping every line that was not needed to fail the same way. */
  minimised?: string;
  savedAs?: string;
}

export interface FuzzReport {
  tried: number;
  failures: FuzzFailure[];
  elapsedMs: number;
  slowestMs: number;
  slowestOperations: string[];
}

export interface FuzzOptions {
  seed: number;
  count: number;
  budgetMs: number;
  corpus: CorpusFile[];
  workers?: number;
  /** Minimise failures and write them here as regression cases (at most `maxSaved`, default 20, per run). */
  saveTo?: string;
  maxSaved?: number;
  progress?: (done: number, failures: number) => void;
}

const ROOT = path.resolve(__dirname, '../../..');
const SOURCE = /\.(py|ts|tsx|js|mjs|cjs|jsx)$/;

/** Every source file under the given folders (default: the fixtures, the examples and earlier fuzz finds). */
export function loadCorpus(dirs = ['test/fixtures', 'examples']): CorpusFile[] {
  const files: CorpusFile[] = [];
  const visit = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (SOURCE.test(entry.name)) {
        const language = languageFromPath(full);
        if (language) files.push({ path: path.relative(ROOT, full), language, text: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  for (const dir of dirs) visit(path.join(ROOT, dir));
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The one change that turns `before` into `after`, as an editor would send it. */
function changeBetween(before: string, after: string): { rangeOffset: number; rangeLength: number; text: string } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  return { rangeOffset: start, rangeLength: before.length - start - end, text: after.slice(start, after.length - end) };
}

let documentCount = 0;

/** Runs every editor path on `text` (opened as `original`, then edited into `text`); a description of what went wrong, if anything did. */
/** `at`: the repository path the text stands for, so the rules, hovers and visualiser follow calls into its neighbours. */
export async function check(host: AnalysisHost, language: Language, original: string, text: string, random: Random, at?: string): Promise<string | undefined> {
  const uri = `fuzz://${++documentCount}`;
  const project = at === undefined ? {} : { path: at.split(path.sep).join('/'), projectRoot: ROOT };
  host.open(uri, language, original, 1);
  host.change(uri, [changeBetween(original, text)], 2);
  try {
    const analysed = await host.analyze(uri, project);
    if (analysed.kind === 'overrun') return `overrun in ${analysed.phase}`;
    if (analysed.kind === 'failed') return `exception: ${analysed.message}`;
    if (analysed.kind !== 'done') return `analysis ${analysed.kind}`;
    const errors = analysed.value.ruleErrors;
    if (errors.length) return `rule error in ${errors[0].rule}: ${errors[0].message}`;
    const diagnostics = analysed.value.diagnostics;
    const visual = await host.visualise(uri, { freeThreaded: random() < 0.5 }, diagnostics, project);
    if (visual.kind !== 'done') return visual.kind === 'overrun' ? `overrun in ${visual.phase}` : `visualiser ${visual.kind}${visual.kind === 'failed' ? `: ${visual.message}` : ''}`;
    const position = new LineIndex(text).positionAt(Math.floor(random() * (text.length + 1)));
    const hover = await host.hover(uri, position, diagnostics, { hover: 'full', pythonFreeThreaded: false }, project);
    if (hover.kind !== 'done') return hover.kind === 'overrun' ? `overrun in ${hover.phase}` : `hover ${hover.kind}${hover.kind === 'failed' ? `: ${hover.message}` : ''}`;
    // The rules' fixes as they come on a text that parses (a broken one is a bug of ours even though the guard stops
    // it; on a broken text, error recovery may count an extra error), then what fix-all applies once the worker has
    // checked them (incremental reparses). The editor offers fixes on a text with syntax errors too.
    const raw = analysed.value.hasSyntaxErrors ? undefined : await fixProblem(language, text, diagnostics);
    if (raw) return `rule ${raw}`;
    const checked = await host.checkFixes(uri, 2, diagnostics, 'together');
    if (checked.kind !== 'done' || !checked.value) return `fix check ${checked.kind === 'done' ? 'found no document' : checked.kind}`;
    const fixed = await fixProblem(language, text, checked.value.diagnostics);
    if (fixed) return fixed;
    return await summaryProblem(language, text);
  } finally {
    host.close(uri);
  }
}

/**
 * What fix-all and `--fix` would do to the text, checked: the preferred fixes applied together change only their
 * own ranges (every other byte of the file as the CLI writes it kept, no edit splitting a CRLF or a surrogate pair)
 * and the result, parsed afresh, has no more syntax errors than the text. The fixes' own guard reparses
 * incrementally; this parse is a full one.
 */
async function fixProblem(language: Language, text: string, diagnostics: readonly Diagnostic[]): Promise<string | undefined> {
  const chosen = compatibleFixes(text, diagnostics);
  if (!chosen.length) return undefined;
  const lines = new LineIndex(text);
  const spans = chosen.flatMap((f) => f.edits)
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => a.start - b.start);
  const splits = (offset: number): boolean => offset > 0 && offset < text.length && (
    (text[offset - 1] === '\r' && text[offset] === '\n')
    || (/[\uD800-\uDBFF]/.test(text[offset - 1]) && /[\uDC00-\uDFFF]/.test(text[offset])));
  for (const s of spans) if (splits(s.start) || splits(s.end)) return `fix edit splits a line break or a character at ${s.start}-${s.end}`;
  const fixed = applyEdits(text, chosen.flatMap((f) => f.edits));
  // The file's bytes as the CLI reads and writes them: outside the edits, the written bytes must be the read ones.
  const source = decodeSource(Buffer.from(text, 'utf8'), language);
  if (source.text === text && !source.unwritable) {
    const original = Buffer.from(text, 'utf8');
    const written = encodeSource(source, fixed);
    if (typeof written === 'string') return `fixed text cannot be written: ${written}`;
    const bytesBefore = (offset: number): number => Buffer.byteLength(text.slice(0, offset), 'utf8');
    let from = 0;
    let to = 0;
    for (const s of spans) {
      const start = bytesBefore(s.start);
      if (Buffer.compare(written.subarray(to, to + start - from), original.subarray(from, start)) !== 0) return `fix changed bytes outside its ranges (before ${s.start})`;
      to += start - from + Buffer.byteLength(s.newText, 'utf8');
      from = bytesBefore(s.end);
    }
    if (Buffer.compare(written.subarray(to), original.subarray(from)) !== 0) return 'fix changed bytes outside its ranges (at the end)';
  }
  const before = await syntaxProblems(language, text);
  const after = await syntaxProblems(language, fixed);
  if (before !== undefined && after !== undefined && after > before) {
    return `fix makes the text parse worse: ${after} syntax problems instead of ${before} (${chosen.map((f) => f.title).join('; ')})`;
  }
  return undefined;
}

/**
 * The text summarised as another file's would be (its functions' conditions, arguments and fields), packed as the cache
 * keeps it: it must read back well-formed, with every condition within its bound.
 */
async function summaryProblem(language: Language, text: string): Promise<string | undefined> {
  const tree = parseOtherFile(await getParser(language), text, 1_000);
  if (!tree) return undefined;
  try {
    const summary = language === 'python' ? summarisePython(new PythonSemantics(tree)) : summariseTs(new TsSemantics(tree));
    const stored: unknown = JSON.parse(JSON.stringify(pack(summary)));
    if (!wellFormed(stored)) return 'summary: packed summary not well-formed';
    const conditions: (Condition | undefined)[] = [];
    for (const fn of Object.values(compact(stored).functions)) {
      conditions.push(fn.blocking?.when, ...(fn.alsoBlocking ?? []).map((b) => b.when), ...fn.calls.map((c) => c.when));
    }
    const over = conditions.find((c) => c && c.all.length > MAX_ATOMS);
    return over ? `summary: a condition of ${over.all.length} atoms` : undefined;
  } catch (error) {
    return `summary: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    tree.delete();
  }
}

/** The kind of a problem, without details that change as the text shrinks. */
const kindOf = (problem: string): string => problem.replace(/:.*$/s, '');

/**
 * Drops lines (halves, then quarters, down to single lines) while the text still fails the same way; at most `maxTries`
 * checks. `at`: the repository path it failed at, so a failure that follows calls into its neighbours still shows.
 */
export async function minimise(host: AnalysisHost, language: Language, text: string, problem: string, maxTries = 200, at?: string): Promise<string> {
  let lines = text.split('\n');
  let tries = 0;
  const fails = async (candidate: string[]): Promise<boolean> => {
    tries++;
    const got = await check(host, language, '', candidate.join('\n'), prng(1), at);
    return got !== undefined && kindOf(got) === kindOf(problem);
  };
  for (let chunk = Math.max(1, lines.length >> 1); chunk >= 1 && tries < maxTries; chunk >>= 1) {
    for (let at = 0; at < lines.length && tries < maxTries;) {
      const candidate = [...lines.slice(0, at), ...lines.slice(at + chunk)];
      if (candidate.length && await fails(candidate)) lines = candidate;
      else at += chunk;
    }
    if (chunk === 1) break;
  }
  return lines.join('\n');
}

/** Where each saved case failed (file name -> repository path): it replays there, beside the same neighbours. */
export const SAVED_PATHS = 'paths.json';

export function savedPaths(dir: string): Record<string, string> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, SAVED_PATHS), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

function recordPath(dir: string, name: string, at: string): void {
  fs.writeFileSync(path.join(dir, SAVED_PATHS), `${JSON.stringify({ ...savedPaths(dir), [name]: at.split(path.sep).join('/') }, null, 2)}\n`);
}

const EXTENSION: Record<Language, string> = { python: 'py', typescript: 'ts', tsx: 'tsx', javascript: 'js' };

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const random = prng(options.seed);
  const hosts = Array.from({ length: Math.max(1, options.workers ?? 2) }, () => new AnalysisHost({ budgetMs: options.budgetMs }));
  const python = options.corpus.filter((f) => f.language === 'python');
  const scripts = options.corpus.filter((f) => f.language !== 'python');
  const report: FuzzReport = { tried: 0, failures: [], elapsedMs: 0, slowestMs: 0, slowestOperations: [] };
  const started = performance.now();
  // Mutants come from one sequence, so a seed names the same inputs whatever the number of workers.
  const mutants = Array.from({ length: options.count }, () => {
    const source = options.corpus[Math.floor(random() * options.corpus.length)];
    const others = source.language === 'python' ? scripts : python;
    const other = others.length ? others[Math.floor(random() * others.length)].text : source.text;
    return { source, mutant: mutate(source.text, other, random), seed: Math.floor(random() * 2 ** 31) };
  });
  let next = 0;
  let saved = 0;
  try {
    await Promise.all(hosts.map(async (host) => {
      // Each turn takes the next mutant: bounded by `count`.
      while (next < mutants.length) {
        const { source, mutant, seed } = mutants[next++];
        const t0 = performance.now();
        const problem = await check(host, source.language, source.text, mutant.text, prng(seed), source.path);
        const ms = performance.now() - t0;
        if (ms > report.slowestMs) {
          report.slowestMs = ms;
          report.slowestOperations = mutant.operations;
        }
        report.tried++;
        if (problem) {
          const failure: FuzzFailure = { source: source.path, operations: mutant.operations, problem, text: mutant.text };
          if (options.saveTo && saved++ < (options.maxSaved ?? 20)) {
            failure.minimised = await minimise(host, source.language, mutant.text, problem, undefined, source.path);
            const hash = crypto.createHash('sha1').update(failure.minimised).digest('hex').slice(0, 12);
            fs.mkdirSync(options.saveTo, { recursive: true });
            failure.savedAs = path.join(options.saveTo, `${source.language}-${hash}.${EXTENSION[source.language]}`);
            fs.writeFileSync(failure.savedAs, failure.minimised);
            recordPath(options.saveTo, path.basename(failure.savedAs), source.path);
          }
          report.failures.push(failure);
        }
        options.progress?.(report.tried, report.failures.length);
      }
    }));
  } finally {
    await Promise.all(hosts.map((h) => h.dispose()));
  }
  report.elapsedMs = performance.now() - started;
  return report;
}
