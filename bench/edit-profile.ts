// One edit on a generated service file, analysed as the worker does: open, analyse, type a character, analyse again.
// Prints the times of each analysis. `PROFILE=FILE.cpuprofile` profiles the edits only (not the first analysis);
// `EDIT_TEXT` is the text typed and removed again (a newline adds and removes a line).
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import { analyzeDocument, IncrementalAnalysis, ParsedDocument, TreeFacts, LineIndex } from '../src/core';
import { forgetCallerTexts } from '../src/core/context';
import { serviceFile } from './service';
import { corpus } from './corpus';
import { resolve } from 'node:path';

async function main(): Promise<void> {
  const language = (process.argv[2] ?? 'python') as 'python' | 'typescript';
  const lines = Number(process.argv[3] ?? 20000);
  const rounds = Number(process.argv[4] ?? 5);
  // `CORPUS=1`: bench/lsp.ts's text (real code repeated) instead of a service file.
  const text = process.env.CORPUS ? corpus(language, lines, resolve(__dirname, '..', '..', 'src')) : serviceFile(language, lines);
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
  const session = process.env.PROFILE ? new Session() : undefined;
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session!.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  if (session) {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
  }
  const index = new LineIndex(text);
  let line = Math.floor(index.lineCount / 2);
  // `EDIT_AT=code`: at the end of the next line of code inside a function (as bench/service.ts's line break).
  if (process.env.EDIT_AT === 'code') while (line < index.lineCount - 1 && !/^\s+\S/.test(index.lineText(line))) line++;
  for (let i = 0; i < rounds; i++) {
    const at = index.offsetAt({ line, column: index.lineText(line).length });
    t = performance.now();
    await doc.applyChanges([i % 2 === 0 ? { rangeOffset: at, rangeLength: 0, text: process.env.EDIT_TEXT ?? ' ' } : { rangeOffset: at, rangeLength: 1, text: '' }]);
    files.set(path, doc.text);
    forgetCallerTexts([path]);
    const r = analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
    console.log(`edit ${(performance.now() - t).toFixed(1)} ms, ${r.diagnostics.length} findings, ${incremental ? `${incremental.lastAnalysed}/${incremental.lastFunctions} functions analysed${incremental.lastFallback ? ` (${incremental.lastFallback})` : ''}` : 'whole file'}`);
  }
  if (session) {
    const { profile } = await post('Profiler.stop') as { profile: unknown };
    fs.writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  doc.dispose();
}

void main();
