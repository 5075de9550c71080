// Per-rule micro-benchmark: median warm analysis time of each rule (tree already parsed, fresh per-tree facts)
// on 1k/5k/20k-line Python and TypeScript files, the cost of `new TsSemantics(tree)`, and a one-character edit.
// CPU time (process.cpuUsage) as well as wall time: the machine may be shared.
//
//   node out/bench/rules-perf.js [--runs N] [--lines 1000,5000] [--lang python,typescript] [--rule slug] [--src dir]
// --src: where the TS corpus comes from (default: this repository's src/), to compare builds on the same text.
import * as path from 'node:path';
import { analyzeDocument, defaultSettings, ParsedDocument, rulesFor, TreeFacts, type Language } from '../src/core';
import { TsSemantics } from '../src/core/ts/semantics';
import { corpus } from './corpus';

const root = path.resolve(__dirname, '..', '..');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const RUNS = Number(option('runs') ?? 31);
const SIZES = (option('lines') ?? '1000,5000,20000').split(',').map(Number);
const LANGUAGES = (option('lang') ?? 'python,typescript').split(',') as Language[];
const ONLY_RULE = option('rule');
const TS_SOURCES = option('src') ?? path.join(root, 'src');


interface Sample {
  cpu: number;
  wall: number;
}

/** Runs `fn` RUNS times (after two warm-up runs); median CPU and wall milliseconds. */
function measure(fn: () => void, runs = RUNS): Sample {
  for (let i = 0; i < 2; i++) fn();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { cpu: median(cpu), wall: median(wall) };
}

function show(label: string, s: Sample, extra = ''): void {
  console.log(`  ${label.padEnd(34)} cpu ${s.cpu.toFixed(2).padStart(8)} ms   wall ${s.wall.toFixed(2).padStart(8)} ms${extra}`);
}

async function benchLanguage(language: Language, lines: number): Promise<void> {
  const text = corpus(language, lines, TS_SOURCES);
  const doc = await ParsedDocument.create(language, text);
  const tree = doc.tree!;
  console.log(`${language} ${lines} lines (${(text.length / 1024).toFixed(0)} KiB)`);
  const rules = rulesFor(language, defaultSettings).filter((r) => !ONLY_RULE || r.meta.slug === ONLY_RULE);
  for (const rule of rules) {
    let findings = 0;
    const s = measure(() => {
      findings = analyzeDocument(doc, { only: [rule.meta.slug], facts: new TreeFacts(tree) }).diagnostics.length;
    });
    show(rule.meta.slug, s, `  (${findings} findings)`);
  }
  if (!ONLY_RULE) {
    let findings = 0;
    show('all rules (warm)', measure(() => {
      findings = analyzeDocument(doc, { facts: new TreeFacts(tree) }).diagnostics.length;
    }), `  (${findings} findings)`);
  }
  if (language !== 'python') show('new TsSemantics(tree)', measure(() => new TsSemantics(tree)));
  // One character typed in the middle of the file, then removed: reparse from the old tree and re-analyse.
  const middle = doc.lines.lineEnd(Math.floor(doc.lines.lineCount / 2));
  let insert = true;
  const only = ONLY_RULE ? [ONLY_RULE] : undefined;
  const edits: number[] = [];
  const editCpu: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const change = insert ? { rangeOffset: middle, rangeLength: 0, text: ' ' } : { rangeOffset: middle, rangeLength: 1, text: '' };
    insert = !insert;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await doc.applyChanges([change]);
    analyzeDocument(doc, { only });
    edits.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    editCpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  show('1-char edit: reparse + analyse', { cpu: median(editCpu), wall: median(edits) });
  doc.dispose();
}

async function main(): Promise<void> {
  console.log(`rules-perf — node ${process.version}, ${RUNS} runs per figure, medians`);
  for (const language of LANGUAGES) {
    for (const lines of SIZES) await benchLanguage(language, lines);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
