// Everyday edits on a generated service file, in process as the worker analyses them: a method's first line commented
// out, deleted and restored, duplicated, statements pasted, a call renamed, a blocking call added, a blank line added and
// removed between two functions, a line indented, a method added. Prints each analysis's time and whether it stayed per
// function or went over the whole file (and why).
//
//   node out/bench/edit-ops.js [python|typescript] [lines]
import { analyzeDocument, IncrementalAnalysis, ParsedDocument, TreeFacts, type ContentChange } from '../src/core';
import { forgetCallerTexts } from '../src/core/context';
import { serviceFile } from './service';

async function main(): Promise<void> {
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
  analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
  incremental.prepare();
  let whole = 0;
  let count = 0;
  const run = async (label: string, change: ContentChange) => {
    await doc.applyChanges([change]);
    files.set(path, doc.text);
    forgetCallerTexts([path]);
    const t = performance.now();
    analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
    const ms = performance.now() - t;
    incremental.prepare();
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

void main();
