// `npm run bench`: prints parse/analyse timings for the editor's unit of work (one file, one edit),
// bundle sizes and load time. Figures only; nothing here asserts a time.
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { analyzeDocument, ParsedDocument, TreeFacts, type Language } from '../src/core';
import { corpus } from './corpus';

const root = path.resolve(__dirname, '..', '..');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `median ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms`;
}


async function benchLanguage(language: Language, lines: number): Promise<void> {
  const text = corpus(language, lines, path.join(root, 'src'));
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const doc = await ParsedDocument.create(language, text);
    analyzeDocument(doc);
    cold.push(performance.now() - t0);
    doc.dispose();
  }
  const doc = await ParsedDocument.create(language, text);
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    analyzeDocument(doc, { facts: new TreeFacts(doc.tree!) });
    warm.push(performance.now() - t0);
  }
  // One character typed in the middle of the file, then removed: reparse from the old tree and re-analyse.
  const incremental: number[] = [];
  const middle = doc.lines.lineEnd(Math.floor(doc.lines.lineCount / 2));
  for (let i = 0; i < 20; i++) {
    const insert = i % 2 === 0;
    const t0 = performance.now();
    await doc.applyChanges([insert ? { rangeOffset: middle, rangeLength: 0, text: ' ' } : { rangeOffset: middle, rangeLength: 1, text: '' }]);
    analyzeDocument(doc);
    incremental.push(performance.now() - t0);
  }
  const findings = analyzeDocument(doc).diagnostics.length;
  doc.dispose();
  const label = `${language.padEnd(10)} ${String(lines).padStart(6)} lines (${(text.length / 1024).toFixed(0)} KiB)`;
  console.log(`${label}  cold parse+analyse: ${stats(cold)}`);
  console.log(`${' '.repeat(label.length)}  warm analyse:       ${stats(warm)}`);
  console.log(`${' '.repeat(label.length)}  1-char edit:        ${stats(incremental)}  (${findings} findings)`);
}

function benchBundle(): void {
  const dist = path.join(root, 'dist');
  if (!fs.existsSync(path.join(dist, 'extension.js'))) {
    console.log('bundle: dist/ missing (run npm run build)');
    return;
  }
  for (const f of ['extension.js', 'server.js', 'analysisWorker.js', 'cli.js']) console.log(`bundle dist/${f}: ${(fs.statSync(path.join(dist, f)).size / 1024).toFixed(1)} KiB`);
  const wasm = fs.readdirSync(path.join(dist, 'wasm')).reduce((n, f) => n + fs.statSync(path.join(dist, 'wasm', f)).size, 0);
  console.log(`bundle dist/wasm: ${(wasm / 1024).toFixed(0)} KiB`);
  // The extension bundle needs `vscode`; a stub lets plain Node time the require itself.
  const stub = path.join(root, 'out', 'bench', 'vscode-stub.js');
  // esbuild copies the module's own properties, so the stub names every export @types/vscode declares;
  // each is a callable stub whose properties are stubs too (`vscode.CodeActionKind.QuickFix`).
  const typings = fs.readFileSync(path.join(root, 'node_modules', '@types', 'vscode', 'index.d.ts'), 'utf8');
  const names = [...new Set([...typings.matchAll(/^\s*export (?:class|enum|namespace|function|const|let|var) (\w+)/gm)].map((m) => m[1]))];
  fs.writeFileSync(stub, [
    'const any = new Proxy(function () {}, { get: (_t, k) => (k === Symbol.toPrimitive ? () => 0 : any), construct: () => any, apply: () => any });',
    `for (const name of ${JSON.stringify(names)}) exports[name] = any;`,
  ].join('\n'));
  const moduleApi = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = moduleApi._resolveFilename;
  moduleApi._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? stub : original(request, ...rest));
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- timing the CommonJS load is the point
  require(path.join(dist, 'extension.js'));
  console.log(`bundle require(dist/extension.js): ${(performance.now() - t0).toFixed(1)} ms`);
  moduleApi._resolveFilename = original;
}

async function main(): Promise<void> {
  console.log(`Concurrency Lens bench — node ${process.version}, ${new Date().toISOString()}`);
  benchBundle();
  for (const language of ['python', 'typescript'] as const) {
    for (const lines of [1000, 5000, 20000]) await benchLanguage(language, lines);
  }
  // The other benches are scripts of their own; run each in its own process, in turn, when it exists.
  for (const extra of ['lsp', 'service', 'edit-sequence', 'edit-ops', 'reparse', 'rules-perf', 'visualiser', 'peer-ruff', 'cpu-ground-truth']) {
    const script = path.join(__dirname, `${extra}.js`);
    if (!fs.existsSync(script)) continue;
    console.log(`\n== bench/${extra}`);
    execFileSync(process.execPath, [script], { stdio: 'inherit' });
  }
  // Ours against Ruff-wasm (Python) and ESLint n/no-sync (TS/JS) on the real-world kit, when its projects are checked out.
  const repos = process.env.CL_KIT_REPOS ?? '/work/repos';
  if (fs.existsSync(repos)) {
    console.log('\n== bench/kit-speed');
    execFileSync(process.execPath, [path.join(__dirname, 'kit-speed.js'), '--repos', repos, '--warm'], { stdio: 'inherit' });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
