// One edit on a generated service file, analysed as the worker does: open, analyse, type a character, analyse again.
// For profiling (`node --cpu-prof out/bench/edit-profile.js python 20000`); prints the times of each analysis.
import { analyzeDocument, IncrementalAnalysis, ParsedDocument, TreeFacts, LineIndex } from '../src/core';
import { forgetCallerTexts } from '../src/core/context';
import { serviceFile } from './service';

async function main(): Promise<void> {
  const language = (process.argv[2] ?? 'python') as 'python' | 'typescript';
  const lines = Number(process.argv[3] ?? 20000);
  const rounds = Number(process.argv[4] ?? 5);
  const text = serviceFile(language, lines);
  const files = new Map([[language === 'python' ? 'service.py' : 'service.ts', text]]);
  const path = [...files.keys()][0];
  // The worker lists a package once: the same array every time.
  const listing = [path];
  const options = { path, readFile: (f: string) => files.get(f), listFiles: () => listing };
  const doc = await ParsedDocument.create(language, text);
  const incremental = process.env.WHOLE ? undefined : new IncrementalAnalysis();
  let t = performance.now();
  analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
  console.log(`first ${(performance.now() - t).toFixed(1)} ms`);
  const index = new LineIndex(text);
  const line = Math.floor(index.lineCount / 2);
  for (let i = 0; i < rounds; i++) {
    const at = index.offsetAt({ line, column: index.lineText(line).length });
    t = performance.now();
    await doc.applyChanges([i % 2 === 0 ? { rangeOffset: at, rangeLength: 0, text: process.env.EDIT_TEXT ?? ' ' } : { rangeOffset: at, rangeLength: 1, text: '' }]);
    files.set(path, doc.text);
    forgetCallerTexts([path]);
    const r = analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
    console.log(`edit ${(performance.now() - t).toFixed(1)} ms, ${r.diagnostics.length} findings, ${incremental ? `${incremental.lastAnalysed}/${incremental.lastFunctions} functions analysed${incremental.lastFallback ? ` (${incremental.lastFallback})` : ''}` : 'whole file'}`);
  }
  doc.dispose();
}

void main();
