// Everyday edits on a generated service file, in process as the worker analyses them: a method's first line commented
// out, deleted and restored, duplicated, statements pasted, a call renamed, a blocking call added, a blank line added and
// removed between two functions, a line indented, a method added. Prints each analysis's time and whether it stayed per
// function or went over the whole file (and why).
//
//   node out/bench/edit-ops.js [python|typescript] [lines]
//   node out/bench/edit-ops.js --project ROOT FILE...   (real files: see realFiles below)
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { analyzeDocument, IncrementalAnalysis, ParsedDocument, TreeFacts, type AnalyzeOptions, type ContentChange } from '../src/core';
import { forgetCallerTexts } from '../src/core/context';
import { deferSummaryPacking, packPendingSummaries } from '../src/core/project/project';
import { packageFiles } from '../src/host/packageFiles';
import { serviceFile } from './service';

/**
 * An analysis as the language server's worker runs it; returns its time until the answer. After the answer the worker
 * packs the file's summary and finds what the next edit's plan reads (not timed here, as the worker does it between jobs).
 */
function asTheWorker(doc: ParsedDocument, options: AnalyzeOptions, incremental: IncrementalAnalysis): number {
  deferSummaryPacking(true);
  const t = performance.now();
  try {
    analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
    return performance.now() - t;
  } finally {
    packPendingSummaries();
    deferSummaryPacking(false);
    incremental.prepare();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--project')) return realFiles();
  const language = (process.argv[2] ?? 'python') as 'python' | 'typescript';
  const size = Number(process.argv[3] ?? 2000);
  const python = language === 'python';
  const text = serviceFile(language, size);
  const path = python ? 'service.py' : 'service.ts';
  const files = new Map([[path, text]]);
  const listing = [path];
  const options = { path, readFile: (f: string) => files.get(f), listFiles: () => listing };
  const doc = await ParsedDocument.create(language, text);
  const incremental = new IncrementalAnalysis();
  asTheWorker(doc, options, incremental);
  let whole = 0;
  let count = 0;
  const run = async (label: string, change: ContentChange) => {
    await doc.applyChanges([change]);
    files.set(path, doc.text);
    forgetCallerTexts([path]);
    const ms = asTheWorker(doc, options, incremental);
    count++;
    if (incremental.lastWhole) whole++;
    console.log(`${label.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms  ${incremental.lastWhole ? `whole file (${incremental.lastFallback})` : `${incremental.lastAnalysed}/${incremental.lastFunctions} functions`}`);
  };
  const lines = () => doc.text.split('\n');
  const startOf = (i: number) => lines().slice(0, i).join('\n').length + (i ? 1 : 0);
  const depth = (l: string) => /^\s*/.exec(l)![0].length;
  // A method's first statement (a simple one, another after it at its depth) in the middle of the file.
  const all = lines();
  let header = Math.floor(all.length / 2);
  while (!(/^\s+async (def )?\w+\(.*[:{]\s*$/.test(all[header]) && !/[:{]\s*$/.test(all[header + 1]) && depth(all[header + 2]) === depth(all[header + 1]))) header++;
  const first = header + 1;
  const indent = ' '.repeat(depth(all[first]));
  const comment = python ? '# ' : '// ';
  console.log(`${language}, ${size} lines; a method's first line: ${JSON.stringify(all[first].trim())}`);
  await run('comment out the line', { rangeOffset: startOf(first) + indent.length, rangeLength: 0, text: comment });
  await run('uncomment it', { rangeOffset: startOf(first) + indent.length, rangeLength: comment.length, text: '' });
  const saved = `${lines()[first]}\n`;
  await run('delete the line', { rangeOffset: startOf(first), rangeLength: saved.length, text: '' });
  await run('restore it', { rangeOffset: startOf(first), rangeLength: 0, text: saved });
  await run('duplicate it', { rangeOffset: startOf(first), rangeLength: 0, text: saved });
  await run('delete the copy', { rangeOffset: startOf(first), rangeLength: saved.length, text: '' });
  const pasted = python ? `${indent}a = 1\n${indent}b = a + 2\n${indent}log.info("sum %s", b)\n` : `${indent}const a = 1;\n${indent}const b = a + 2;\n${indent}console.info('sum', b);\n`;
  await run('paste 3 statements above it', { rangeOffset: startOf(first), rangeLength: 0, text: pasted });
  await run('remove them', { rangeOffset: startOf(first), rangeLength: pasted.length, text: '' });
  const call = /([A-Za-z_]\w*)\s*\(/.exec(lines()[first]);
  if (call) {
    const at = startOf(first) + lines()[first].indexOf(call[1]);
    await run(`rename the call ${call[1]}()`, { rangeOffset: at, rangeLength: call[1].length, text: `${call[1]}2` });
    await run('rename it back', { rangeOffset: at, rangeLength: call[1].length + 1, text: call[1] });
  }
  const blocking = python ? `${indent}time.sleep(0.5)\n` : `${indent}fs.readFileSync('/etc/hosts');\n`;
  await run('add a blocking call above it', { rangeOffset: startOf(first), rangeLength: 0, text: blocking });
  await run('remove it', { rangeOffset: startOf(first), rangeLength: blocking.length, text: '' });
  // The blank line before the next top-level statement.
  let blank = first;
  while (!/^\S/.test(lines()[blank + 1]) || lines()[blank].trim() !== '') blank++;
  await run('add a blank line before the next class', { rangeOffset: startOf(blank), rangeLength: 0, text: '\n' });
  await run('remove it', { rangeOffset: startOf(blank), rangeLength: 1, text: '' });
  const tab = python ? '    ' : '  ';
  await run('indent the line', { rangeOffset: startOf(first), rangeLength: 0, text: tab });
  await run('dedent it', { rangeOffset: startOf(first), rangeLength: tab.length, text: '' });
  const method = python ? `\n    async def extra(self, n):\n        return n\n` : `\n  async extra(n: number) {\n    return n;\n  }\n`;
  let end = first;
  while (lines()[end].trim() !== '') end++;
  await run('add a method after it', { rangeOffset: startOf(end), rangeLength: 0, text: method });
  await run('remove it', { rangeOffset: startOf(end), rangeLength: method.length, text: '' });
  console.log(`${count - whole} of ${count} edits analysed per function`);
  incremental.dispose();
  doc.dispose();
}

/**
 * Real files of a checked-out project (FILE paths relative to ROOT, each with its package as the server lists it): at the
 * first statement of three of each file's functions (a quarter, half and three quarters through), a line commented out
 * and back, deleted and restored, a blocking call added and removed, a space typed at its end and removed. Each edit is
 * analysed as the language server's worker does; prints how many stayed per function, why the others did not, and the
 * edits' analysis times.
 */
async function realFiles(): Promise<void> {
  const argv = process.argv.slice(2);
  const root = nodePath.resolve(argv[argv.indexOf('--project') + 1]);
  const targets = argv.filter((arg, i) => !arg.startsWith('--') && argv[i - 1] !== '--project');
  const language = targets[0].endsWith('.py') ? 'python' : 'typescript';
  // Each file's package as the language server lists it (the nearest folder with a manifest, test suites left out).
  const listed = new Map<string, readonly string[]>();
  const texts = new Map<string, string | undefined>();
  const readFile = (file: string) => {
    if (!texts.has(file)) texts.set(file, fs.existsSync(nodePath.join(root, file)) ? fs.readFileSync(nodePath.join(root, file), 'utf8') : undefined);
    return texts.get(file);
  };
  const reasons = new Map<string, number>();
  const times: number[] = [];
  let perFunction = 0;
  for (const target of targets) {
    const listing = packageFiles(root, target, listed);
    const options: AnalyzeOptions = { path: target, readFile, listFiles: () => listing };
    forgetCallerTexts();
    const text = readFile(target)!;
    const doc = await ParsedDocument.create(language, text);
    const incremental = new IncrementalAnalysis();
    asTheWorker(doc, options, incremental);
    const lines = text.split('\n');
    const depth = (line: string) => /^\s*/.exec(line)![0].length;
    const header = language === 'python' ? /^\s*(async\s+)?def\s+\w+\(.*\)\s*(->.*)?:\s*$/ : /^\s*(export\s+)?(async\s+)?(function\s+)?\w+\s*\(.*\)\s*(:\s*[^{]+)?\{\s*$/;
    // A one-line header, then a simple statement (no string or comment opening it) with a sibling statement after it.
    const firsts: number[] = [];
    for (let i = 0; i + 2 < lines.length; i++) {
      const next = lines[i + 1];
      if (header.test(lines[i]) && next.trim() && !/[:{([,\\]\s*$/.test(next) && !/^("|'|#|\/\/|\/?\*)/.test(next.trim()) && depth(lines[i + 2]) === depth(next) && depth(next) > depth(lines[i])) firsts.push(i + 1);
    }
    const picks = new Set([firsts[Math.floor(firsts.length / 4)], firsts[Math.floor(firsts.length / 2)], firsts[Math.floor((3 * firsts.length) / 4)]].filter((l) => l !== undefined));
    for (const line of picks) {
      const startOf = (i: number) => doc.text.split('\n').slice(0, i).join('\n').length + (i ? 1 : 0);
      const indent = ' '.repeat(depth(lines[line]));
      const comment = language === 'python' ? '# ' : '// ';
      const saved = `${doc.text.split('\n')[line]}\n`;
      const blocking = language === 'python' ? `${indent}time.sleep(0.5)\n` : `${indent}fs.readFileSync('/etc/hosts');\n`;
      const edits: [string, () => ContentChange][] = [
        ['comment out', () => ({ rangeOffset: startOf(line) + indent.length, rangeLength: 0, text: comment })],
        ['uncomment', () => ({ rangeOffset: startOf(line) + indent.length, rangeLength: comment.length, text: '' })],
        ['delete the line', () => ({ rangeOffset: startOf(line), rangeLength: saved.length, text: '' })],
        ['restore it', () => ({ rangeOffset: startOf(line), rangeLength: 0, text: saved })],
        ['add a blocking call', () => ({ rangeOffset: startOf(line), rangeLength: 0, text: blocking })],
        ['remove it', () => ({ rangeOffset: startOf(line), rangeLength: blocking.length, text: '' })],
        ['type a space at its end', () => ({ rangeOffset: startOf(line) + saved.length - 1, rangeLength: 0, text: ' ' })],
        ['remove it', () => ({ rangeOffset: startOf(line) + saved.length - 1, rangeLength: 1, text: '' })],
      ];
      for (const [, make] of edits) {
        await doc.applyChanges([make()]);
        texts.set(target, doc.text);
        forgetCallerTexts([target]);
        times.push(asTheWorker(doc, options, incremental));
        if (incremental.lastWhole) reasons.set(incremental.lastFallback ?? '', (reasons.get(incremental.lastFallback ?? '') ?? 0) + 1);
        else perFunction++;
      }
    }
    incremental.dispose();
    doc.dispose();
    texts.delete(target);
  }
  times.sort((a, b) => a - b);
  console.log(`${targets.length} files of ${root}: ${perFunction} of ${times.length} edits analysed per function; analysis median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, slowest ${times[times.length - 1].toFixed(0)} ms`);
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(3)} over the whole file: ${reason}`);
}

void main();
