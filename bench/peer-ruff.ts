// Peer benchmark: Ruff (wasm, only the ASYNC rules) against our blocking-call-in-async on the machine's Python
// standard library and site-packages. Prints files/s for both, the ratio, and the findings each reports that the
// other does not. Ruff comes from bench/peers (npm install there), not from the extension's dependencies.
//
//   node out/bench/peer-ruff.js [--workers N] [dir ...]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { analyzeDocument, ParsedDocument, defaultLimits, ruleBySlug } from '../src/core';
import { findRepoRoot } from './repoRoot';

const SLUG = 'blocking-call-in-async';

interface Finding {
  file: string;
  line: number;
  code: string;
  message: string;
}

function pythonDirs(): string[] {
  const out = execFileSync('python3', ['-c', "import sysconfig;p=sysconfig.get_paths();print(p['stdlib']);print(p['purelib'])"], { encoding: 'utf8' });
  return [...new Set(out.trim().split('\n'))];
}

function walk(dir: string, files: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // The purelib directory sits inside stdlib on some layouts: do not count it twice.
      if (entry.name === 'site-packages' || entry.name === 'dist-packages') continue;
      walk(full, files);
    } else if (entry.isFile() && entry.name.endsWith('.py')) {
      files.push(full);
    }
  }
}


/** Our rule over some files: the rule's own text prefilter first, so files that cannot match are never parsed. */
async function runOurs(files: string[], texts: string[], roots: readonly string[]): Promise<{ findings: Finding[]; parsed: number }> {
  const rule = ruleBySlug(SLUG)!;
  const findings: Finding[] = [];
  let parsed = 0;
  for (let i = 0; i < files.length; i++) {
    const text = texts[i];
    if (!rule.mayMatch!(text)) continue;
    parsed++;
    const doc = await ParsedDocument.create('python', text, defaultLimits);
    try {
      // Following calls into the file's other modules, as the CLI does: from the innermost corpus folder holding it.
      const root = roots.find((r) => files[i].startsWith(r + path.sep)) ?? path.dirname(files[i]);
      const readFile = (file: string): string | undefined => {
        try {
          return fs.readFileSync(path.join(root, file), 'utf8');
        } catch {
          return undefined;
        }
      };
      for (const d of analyzeDocument(doc, { only: [SLUG], path: path.relative(root, files[i]).split(path.sep).join('/'), readFile }).diagnostics) {
        findings.push({ file: files[i], line: d.range.start.line + 1, code: d.severity, message: d.message });
      }
    } finally {
      doc.dispose();
    }
  }
  return { findings, parsed };
}

function readAll(files: string[]): string[] {
  return files.map((f) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  });
}

async function oursParallel(files: string[], texts: string[], workers: number, roots: readonly string[]): Promise<{ findings: Finding[]; parsed: number }> {
  if (workers <= 1) return runOurs(files, texts, roots);
  const chunks: string[][] = Array.from({ length: workers }, () => []);
  // Deal files round-robin by size so each worker gets a similar share of the bytes to parse.
  const order = files.map((_file, i) => i).sort((a, b) => texts[b].length - texts[a].length);
  const sizes: number[] = new Array<number>(workers).fill(0);
  for (const i of order) {
    const w = sizes.indexOf(Math.min(...sizes));
    chunks[w].push(files[i]);
    sizes[w] += texts[i].length;
  }
  const results = await Promise.all(chunks.map((chunk) => new Promise<{ findings: Finding[]; parsed: number }>((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { files: chunk, roots } });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  return { findings: results.flatMap((r) => r.findings), parsed: results.reduce((n, r) => n + r.parsed, 0) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workersAt = args.indexOf('--workers');
  const workers = workersAt >= 0 ? Number(args.splice(workersAt, 2)[1]) : Math.min(2, os.cpus().length);
  const dirs = args.length ? args : pythonDirs();
  const files: string[] = [];
  for (const dir of dirs) walk(dir, files);
  files.sort();
  const texts = readAll(files);
  const megabytes = texts.reduce((n, t) => n + t.length, 0) / 1e6;
  console.log(`corpus: ${files.length} files, ${megabytes.toFixed(0)} MB from ${dirs.join(', ')}`);

  const peerRequire = createRequire(path.join(findRepoRoot(), 'bench', 'peers', 'package.json'));
   
  const ruff = peerRequire('@astral-sh/ruff-wasm-nodejs') as {
    Workspace: new (options: unknown, encoding: number) => { check(source: string): { code: string | null; message: string; start_location: { row: number } }[] };
    PositionEncoding: { Utf16: number };
  };
  const workspace = new ruff.Workspace({ lint: { select: ['ASYNC'] } }, ruff.PositionEncoding.Utf16);

  const ruffStart = performance.now();
  const ruffFindings: Finding[] = [];
  for (let i = 0; i < files.length; i++) {
    let diagnostics: ReturnType<typeof workspace.check>;
    try {
      diagnostics = workspace.check(texts[i]);
    } catch {
      continue;
    }
    for (const d of diagnostics) {
      if (d.code?.startsWith('ASYNC')) ruffFindings.push({ file: files[i], line: d.start_location.row, code: d.code, message: d.message });
    }
  }
  const ruffSeconds = (performance.now() - ruffStart) / 1000;

  // Warm the parser up outside the timing (loading the grammar is a one-off of the process).
  await ParsedDocument.create('python', 'pass\n', defaultLimits).then((d) => d.dispose());
  const oursStart = performance.now();
  // Innermost first: a file of site-packages follows imports from site-packages, not from the standard library above it.
  const roots = dirs.map((d) => path.resolve(d)).sort((a, b) => b.length - a.length);
  const ours = await oursParallel(files, texts, workers, roots);
  const oursSeconds = (performance.now() - oursStart) / 1000;

  const rate = (s: number) => (files.length / s).toFixed(0);
  console.log(`Ruff (ASYNC rules, 1 thread): ${ruffSeconds.toFixed(2)} s, ${rate(ruffSeconds)} files/s, ${ruffFindings.length} findings`);
  console.log(`ours (${SLUG}, ${workers} worker${workers > 1 ? 's' : ''}, ${ours.parsed} files parsed): ${oursSeconds.toFixed(2)} s, ${rate(oursSeconds)} files/s, ${ours.findings.length} findings`);
  console.log(`ratio: ours is ${(ruffSeconds / oursSeconds).toFixed(2)}x Ruff's speed`);

  // Ruff's ASYNC2xx are the blocking-call family; the others (ASYNC1xx, 3xx) are different checks.
  const blockingRuff = ruffFindings.filter((f) => /^ASYNC2\d\d$/.test(f.code));
  const key = (f: Finding) => `${f.file}:${f.line}`;
  const ourKeys = new Set(ours.findings.map(key));
  const ruffKeys = new Set(blockingRuff.map(key));
  const missed = blockingRuff.filter((f) => !ourKeys.has(key(f)));
  const extra = ours.findings.filter((f) => !ruffKeys.has(key(f)));
  const byCode = new Map<string, number>();
  for (const f of blockingRuff) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  console.log(`\nRuff ASYNC2xx findings: ${blockingRuff.length} (${[...byCode].map(([c, n]) => `${c}: ${n}`).join(', ')}); other ASYNC codes: ${ruffFindings.length - blockingRuff.length}`);
  console.log(`Ruff ASYNC2xx that we miss: ${missed.length}`);
  for (const f of missed) console.log(`  ${f.code} ${path.relative('/', f.file)}:${f.line} ${f.message}`);
  console.log(`ours that Ruff ASYNC2xx does not report: ${extra.length}`);
  for (const f of extra) console.log(`  ${path.relative('/', f.file)}:${f.line} [${f.code}] ${f.message.slice(0, 160)}`);
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  const { files, roots } = workerData as { files: string[]; roots: string[] };
  runOurs(files, readAll(files), roots).then((result) => parentPort!.postMessage(result));
}
