// The service bench's edit sequence (bench/service.ts), in process: eleven characters typed and removed at the end of a
// line, eleven line breaks typed and removed in a function, five characters typed into a call's name and removed. Prints
// each analysis's time and, where it went over the whole file, why (IncrementalAnalysis.lastFallback).
//
//   node out/bench/edit-sequence.js [python|typescript] [lines]
import { analyzeDocument, IncrementalAnalysis, ParsedDocument, TreeFacts, LineIndex } from '../src/core';
import { forgetCallerTexts } from '../src/core/context';
import { serviceFile } from './service';

async function main(): Promise<void> {
  const language = (process.argv[2] ?? 'python') as 'python' | 'typescript';
  const lines = Number(process.argv[3] ?? 20000);
  const text = serviceFile(language, lines);
  const path = language === 'python' ? 'service.py' : 'service.ts';
  const files = new Map([[path, text]]);
  const listing = [path];
  const options = { path, readFile: (f: string) => files.get(f), listFiles: () => listing };
  const doc = await ParsedDocument.create(language, text);
  const incremental = new IncrementalAnalysis();
  const analyse = (label: string) => {
    const t = performance.now();
    const result = analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!), incremental });
    const ms = performance.now() - t;
    // As the worker does when it is idle after an analysis.
    incremental.prepare();
    console.log(`${label.padEnd(14)} ${ms.toFixed(1).padStart(8)} ms  ${result.diagnostics.length} findings  ${incremental.lastWhole ? `whole file (${incremental.lastFallback})` : `${incremental.lastAnalysed}/${incremental.lastFunctions} functions`}`);
  };
  const change = async (rangeOffset: number, rangeLength: number, insert: string, label: string) => {
    const t = performance.now();
    await doc.applyChanges([{ rangeOffset, rangeLength, text: insert }]);
    const parse = performance.now() - t;
    files.set(path, doc.text);
    forgetCallerTexts([path]);
    analyse(`${label} (parse ${parse.toFixed(0)})`);
  };
  analyse('open');
  const index = new LineIndex(text);
  const line = Math.floor(index.lineCount / 2);
  const at = index.offsetAt({ line, column: index.lineText(line).length });
  for (let i = 0; i < 11; i++) await change(at, i % 2 === 0 ? 0 : 1, i % 2 === 0 ? ' ' : '', 'char');
  let codeLine = line;
  while (codeLine < index.lineCount - 1 && !/^\s+\S/.test(index.lineText(codeLine))) codeLine++;
  const indent = /^\s*/.exec(index.lineText(codeLine))![0];
  const end = index.offsetAt({ line: codeLine, column: index.lineText(codeLine).length });
  for (let i = 0; i < 11; i++) await change(end, i % 2 === 0 ? 0 : 1 + indent.length, i % 2 === 0 ? `\n${indent}` : '', 'line break');
  let callLine = codeLine;
  const isCall = (l: string) => /\w\(/.test(l) && !/^\s*(export\s+)?(async\s+)?(def|class|function)\b|^\s*(async\s+)?\w+\(.*\)\s*(:\s*[\w<>[\], |]+)?\s*\{\s*$/.test(l);
  while (callLine < index.lineCount - 1 && !isCall(index.lineText(callLine))) callLine++;
  const callAt = index.offsetAt({ line: callLine, column: index.lineText(callLine).search(/\w\(/) + 1 });
  for (let i = 0; i < 5; i++) await change(callAt, i % 2 === 0 ? 0 : 1, i % 2 === 0 ? 'x' : '', 'call renamed');
  doc.dispose();
}

void main();
