// The language server as an editor sees it: time to first diagnostics, server time per edit, what a keystroke
// costs the client, memory with 100 open files. Figures only; nothing asserts a time.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { LineIndex, type Language } from '../src/core';
import { corpus } from './corpus';

const root = path.resolve(__dirname, '..', '..');
const LANGUAGE_ID: Record<Language, string> = { python: 'python', typescript: 'typescript', tsx: 'typescriptreact', javascript: 'javascript' };

interface MemoryUsage {
  rss: number;
  main: { heapUsed: number; heapTotal: number };
  worker: { heapUsed: number; heapTotal: number; wasm: number; documents: number; trees: number } | null;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

interface Server {
  rpc: MessageConnection; pid: number; next: (uri: string) => Promise<number>; count: (uri: string) => number | undefined; stop: () => Promise<void>;
  /** When the background index said it was done (performance.now()), if it has. */
  indexedAt: () => number | undefined;
}

async function start(rootUri: string | null = null): Promise<Server & { startedMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<string, (t: number) => void>();
  const counts = new Map<string, number>();
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: unknown[] }) => {
    counts.set(p.uri, p.diagnostics.length);
    const resolve = waiting.get(p.uri);
    waiting.delete(p.uri);
    resolve?.(performance.now());
  });
  let indexedAt: number | undefined;
  rpc.onNotification('window/logMessage', (p: { message: string }) => {
    if (p.message.startsWith('Indexed ')) indexedAt = performance.now();
  });
  rpc.onNotification('concurrencyLens/status', () => undefined);
  rpc.listen();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri, capabilities: {}, initializationOptions: { settings: { debounceMs: 0, maxFileSizeKB: 20480 } } });
  await rpc.sendNotification('initialized', {});
  return {
    rpc,
    pid: child.pid!,
    startedMs: performance.now() - t0,
    next: (uri) => new Promise((resolve) => waiting.set(uri, resolve)),
    count: (uri) => counts.get(uri),
    indexedAt: () => indexedAt,
    stop: async () => {
      await rpc.sendRequest('shutdown');
      await rpc.sendNotification('exit');
      rpc.dispose();
    },
  };
}

async function perSize(language: Language, lines: number): Promise<void> {
  const server = await start();
  const text = corpus(language, lines, path.join(root, 'src'));
  const uri = `file:///bench/${lines}.${language === 'python' ? 'py' : 'ts'}`;
  const opened = performance.now();
  const first = server.next(uri);
  await server.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: LANGUAGE_ID[language], version: 1, text } });
  const firstMs = (await first) - opened;
  // One character typed in the middle and removed again, as an editor sends it (incremental sync).
  const index = new LineIndex(text);
  const line = Math.floor(index.lineCount / 2);
  const column = index.lineText(line).length;
  const edits: number[] = [];
  const clientShare: number[] = [];
  for (let i = 0; i < 20; i++) {
    const insert = i % 2 === 0;
    const change = insert
      ? { range: { start: { line, character: column }, end: { line, character: column } }, text: ' ' }
      : { range: { start: { line, character: column }, end: { line, character: column + 1 } }, text: '' };
    const done = server.next(uri);
    const t0 = performance.now();
    await server.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [change] });
    clientShare.push(performance.now() - t0);
    edits.push((await done) - t0);
  }
  console.log(`${language.padEnd(10)} ${String(lines).padStart(6)} lines: server start ${server.startedMs.toFixed(0)} ms, didOpen -> diagnostics ${firstMs.toFixed(0)} ms, `
    + `1-char edit -> diagnostics median ${median(edits).toFixed(1)} ms, client's share of a keystroke median ${median(clientShare).toFixed(3)} ms`);
  await server.stop();
}

async function memory(): Promise<void> {
  const server = await start();
  const before = rssMb(server.pid);
  const files = fs.readdirSync(path.join(root, 'test', 'fixtures'), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(py|ts)$/.test(f)).map((f) => path.join(root, 'test', 'fixtures', f));
  const waits: Promise<number>[] = [];
  for (let i = 0; i < 100; i++) {
    const file = files[i % files.length];
    const language = file.endsWith('.py') ? 'python' : 'typescript';
    // Each file padded to a few hundred lines, as real files are.
    const text = fs.readFileSync(file, 'utf8') + corpus(language, 300, path.join(root, 'src'));
    const uri = `file:///bench/open/${i}-${path.basename(file)}`;
    waits.push(server.next(uri));
    await server.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: language, version: 1, text } });
  }
  await Promise.all(waits);
  const mb = (bytes: number | undefined) => ((bytes ?? 0) / 1024 / 1024).toFixed(0);
  const usage = async (): Promise<string> => {
    const u = await server.rpc.sendRequest<MemoryUsage>('concurrencyLens/memoryUsage');
    return `RSS ${rssMb(server.pid).toFixed(0)} MB (worker thread included): JS heap used ${mb(u.main.heapUsed)} MB (main) + ${mb(u.worker?.heapUsed)} MB `
      + `(worker, ${mb(u.worker?.heapTotal)} MB allocated), wasm memory ${mb(u.worker?.wasm)} MB (its size: it grows, never shrinks); ${u.worker?.trees} of ${u.worker?.documents} documents keep a tree`;
  };
  console.log(`server memory: ${before.toFixed(0)} MB idle before opening; with 100 open files, at the last diagnostics: ${await usage()}`);
  // V8 gives back the young generation and most of the heap's garbage a few seconds after work stops.
  await new Promise((r) => setTimeout(r, 20_000));
  console.log(`server memory: with 100 open files, 20 s later: ${await usage()}`);
  await server.stop();
}

/**
 * A generated 2,000-file workspace where the opened file's finding goes through two other modules: time from didOpen
 * to that finding, and from an unsaved edit of the last helper to the opened file's new diagnostics (debounce 0).
 */
async function workspace(language: 'python' | 'typescript', files = 2000): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-bench-ws-'));
  const py = language === 'python';
  const ext = py ? 'py' : 'ts';
  const filler = corpus(language, 120, path.join(root, 'src'));
  for (let i = 0; i < files - 3; i++) {
    fs.mkdirSync(path.join(dir, `pkg${i % 40}`), { recursive: true });
    fs.writeFileSync(path.join(dir, `pkg${i % 40}`, `mod${i}.${ext}`), filler);
  }
  const blocking = py ? 'import time\n\n\ndef pause():\n    time.sleep(1)\n' : "import * as fs from 'node:fs';\nexport function pause(): string {\n  return fs.readFileSync('/etc/hostname', 'utf8');\n}\n";
  const quiet = py ? 'def pause():\n    return None\n' : 'export function pause(): string {\n  return "";\n}\n';
  fs.writeFileSync(path.join(dir, `deep.${ext}`), blocking);
  fs.writeFileSync(path.join(dir, `middle.${ext}`), py ? 'from deep import pause\n\n\ndef step():\n    pause()\n' : "import { pause } from './deep';\nexport function step(): void {\n  pause();\n}\n");
  const app = py ? 'from middle import step\n\n\nasync def handler():\n    step()\n' : "import { step } from './middle';\nexport async function handler(): Promise<void> {\n  step();\n}\n";
  fs.writeFileSync(path.join(dir, `app.${ext}`), app);
  const server = await start(`file://${dir}`);
  const appUri = `file://${path.join(dir, `app.${ext}`)}`;
  const deepUri = `file://${path.join(dir, `deep.${ext}`)}`;
  const opened = performance.now();
  const first = server.next(appUri);
  await server.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: appUri, languageId: language, version: 1, text: app } });
  const openMs = (await first) - opened;
  if (server.count(appUri) !== 1) throw new Error(`expected the finding through deep.${ext}, got ${server.count(appUri)} diagnostics`);
  await server.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: deepUri, languageId: language, version: 1, text: blocking } });
  let version = 2;
  const edits = async (): Promise<number> => {
    const updates: number[] = [];
    for (let i = 0; i < 10; i++) {
      const done = server.next(appUri);
      const t0 = performance.now();
      await server.rpc.sendNotification('textDocument/didChange', { textDocument: { uri: deepUri, version: version++ }, contentChanges: [{ text: i % 2 === 0 ? quiet : blocking }] });
      updates.push((await done) - t0);
      if (server.count(appUri) !== (i % 2 === 0 ? 0 : 1)) throw new Error('the dependant did not follow the helper\'s edit');
    }
    return median(updates);
  };
  const idle = await edits();
  // The background index starts a second after initialisation: edits while it runs wait behind at most one batch.
  await new Promise((r) => setTimeout(r, 1_200));
  const busy = server.indexedAt() === undefined ? await edits() : undefined;
  while (server.indexedAt() === undefined) await new Promise((r) => setTimeout(r, 50));
  console.log(`${language.padEnd(10)} ${files}-file workspace: didOpen -> finding through 2 other files ${openMs.toFixed(0)} ms, `
    + `unsaved edit of the helper -> dependant re-diagnosed median ${idle.toFixed(1)} ms, ${busy === undefined ? 'index already done' : `${busy.toFixed(1)} ms while indexing`} (debounce 0); `
    + `background index done ${((server.indexedAt()! - opened) / 1000).toFixed(1)} s after open, server ${rssMb(server.pid).toFixed(0)} MB`);
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`Language server bench — node ${process.version}`);
  // `node out/bench/lsp.js index DIR`: the background index over a real tree (time and the server's memory).
  if (process.argv[2] === 'index' && process.argv[3]) {
    const server = await start(`file://${path.resolve(process.argv[3])}`);
    const t0 = performance.now();
    const before = rssMb(server.pid);
    let peak = before;
    while (server.indexedAt() === undefined) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, rssMb(server.pid));
    }
    await new Promise((r) => setTimeout(r, 2_000));
    console.log(`background index of ${process.argv[3]}: ${((server.indexedAt()! - t0) / 1000).toFixed(1)} s (1 s of it the start delay), server ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${rssMb(server.pid).toFixed(0)} MB after (RSS, worker included)`);
    await server.stop();
    return;
  }
  // `node out/bench/lsp.js memory`: only the memory with 100 open files.
  if (process.argv[2] === 'memory') {
    await memory();
    return;
  }
  // `node out/bench/lsp.js workspace`: only the cross-file figures.
  if (process.argv[2] === 'workspace') {
    for (const language of ['python', 'typescript'] as const) await workspace(language);
    return;
  }
  for (const language of ['python', 'typescript'] as const) {
    for (const lines of [1000, 5000, 20000]) await perSize(language, lines);
  }
  await memory();
  for (const language of ['python', 'typescript'] as const) await workspace(language);
  const vsix = path.join(root, 'concurrency-lens.vsix');
  if (fs.existsSync(vsix)) console.log(`concurrency-lens.vsix: ${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
