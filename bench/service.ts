// Edit latency on realistic service files, ours beside other language servers in the same run.
//
// A service file is what the rules are for: classes of async handlers over a database, with helpers, a gather here and
// there, and a blocking call in some of them (about 80 async functions per 1,000 lines). For each size, each server
// opens the file, then gets 11 one-character edits (typed at the end of a line in the middle, and removed), and we time
// each edit from didChange to the next publishDiagnostics for the file (medians per kind of edit, and the slowest edit of
// all); then our CLI on the same file, without cache. Figures only; nothing asserts a time.
//
//   node out/bench/service.js [--sizes 1000,5000,20000] [--only ours|peers]
//
// Peers come from bench/peers (`npm --prefix bench/peers ci`): pyright for Python; Biome, oxlint and ESLint's language
// server (vscode-langservers-extracted, typescript-eslint's recommended rules and no-sync) for TS. A peer that is not
// installed is skipped with a note.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { LineIndex } from '../src/core';

const root = path.resolve(__dirname, '..', '..');
const peers = path.join(root, 'bench', 'peers', 'node_modules');

type Lang = 'python' | 'typescript';

const PY_HEADER = `"""Order service: handlers over the database, reports and exports."""
import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Optional

import requests

log = logging.getLogger(__name__)
`;

function pyBlock(k: number): string {
  const blocking = k % 4 === 0
    ? `        with open(f"/tmp/order-{order_id}.json", "w") as out:\n            out.write(self._format(order))\n`
    : k % 4 === 1
      ? `        requests.post("http://audit.local/orders", json={"id": order_id}, timeout=5)\n`
      : k % 4 === 2
        ? `        time.sleep(0.01)\n`
        : `        await asyncio.sleep(0)\n`;
  return `

@dataclass
class Order${k}:
    id: int
    total: float
    note: Optional[str] = None


class OrderService${k}:
    def __init__(self, db, cache=None):
        self.db = db
        self.cache = cache or {}

    async def get(self, order_id: int) -> Order${k}:
        if order_id in self.cache:
            return self.cache[order_id]
        row = await self.db.fetch_one("select * from orders where id = $1", order_id)
        self.cache[order_id] = Order${k}(**row)
        return self.cache[order_id]

    async def total(self, ids: list[int]) -> float:
        orders = await asyncio.gather(*(self.get(i) for i in ids))
        return sum(o.total for o in orders)

    def _format(self, order: Order${k}) -> str:
        return json.dumps({"id": order.id, "total": order.total})

    async def export(self, order_id: int) -> None:
        order = await self.get(order_id)
        log.info("exporting %s", order_id)
${blocking}`;
}

const TS_HEADER = `// Order service: handlers over the database, reports and exports.
import * as fs from 'node:fs';
import { execSync } from 'node:child_process';

export interface Db {
  one<T>(sql: string, args: unknown[]): Promise<T>;
  many<T>(sql: string, args: unknown[]): Promise<T[]>;
}
`;

function tsBlock(k: number): string {
  const blocking = k % 4 === 0
    ? `    fs.writeFileSync(\`/tmp/order-\${id}.json\`, JSON.stringify(order));\n`
    : k % 4 === 1
      ? `    execSync(\`logger order \${id}\`);\n`
      : k % 4 === 2
        ? `    const seen = fs.existsSync(\`/tmp/order-\${id}.json\`);\n    if (seen) return;\n`
        : `    await new Promise((resolve) => setTimeout(resolve, 0));\n`;
  return `
export interface Order${k} {
  id: number;
  total: number;
  note?: string;
}

export class OrderService${k} {
  private readonly cache = new Map<number, Order${k}>();
  constructor(private readonly db: Db) {}

  async get(id: number): Promise<Order${k}> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row = await this.db.one<Order${k}>('select * from orders where id = $1', [id]);
    this.cache.set(id, row);
    return row;
  }

  async total(ids: number[]): Promise<number> {
    const orders = await Promise.all(ids.map((id) => this.get(id)));
    return orders.reduce((sum, o) => sum + o.total, 0);
  }

  async export(id: number): Promise<void> {
    const order = await this.get(id);
    console.info('exporting', id);
${blocking}  }
}
`;
}

/** A generated service file of about `lines` lines (deterministic). */
export function serviceFile(language: Lang, lines: number): string {
  const parts = [language === 'python' ? PY_HEADER : TS_HEADER];
  let count = parts[0].split('\n').length;
  for (let k = 0; count < lines; k++) {
    const block = language === 'python' ? pyBlock(k) : tsBlock(k);
    parts.push(block);
    count += block.split('\n').length - 1;
  }
  return parts.join('');
}

interface ServerSpec {
  name: string;
  language: Lang;
  command: string[];
  /** Settings answered to workspace/configuration (by section) and sent as initializationOptions. */
  settings?: Record<string, unknown>;
  initializationOptions?: unknown;
  /** The server only answers pull requests (textDocument/diagnostic), as VS Code sends after each change. */
  pull?: boolean;
  /** Files written into the workspace before the server starts. */
  files?: Record<string, string>;
  available: () => boolean;
}

function bin(name: string): string {
  return path.join(peers, '.bin', name);
}

function specs(): ServerSpec[] {
  const ours = path.join(root, 'dist', 'server.js');
  const oursAvailable = () => fs.existsSync(ours);
  const list: ServerSpec[] = [];
  for (const language of ['python', 'typescript'] as const) {
    list.push({ name: 'ours (default settings)', language, command: [process.execPath, ours, '--stdio'], available: oursAvailable,
      settings: { concurrencyLens: { maxFileSizeKB: 20480 } } });
    list.push({ name: 'ours (debounceMs 0)', language, command: [process.execPath, ours, '--stdio'], available: oursAvailable,
      settings: { concurrencyLens: { maxFileSizeKB: 20480, debounceMs: 0 } }, initializationOptions: { settings: { maxFileSizeKB: 20480, debounceMs: 0 } } });
  }
  list.push({ name: 'pyright', language: 'python', command: [process.execPath, path.join(peers, 'pyright', 'langserver.index.js'), '--stdio'],
    available: () => fs.existsSync(path.join(peers, 'pyright')), settings: { python: { analysis: { diagnosticMode: 'openFilesOnly' } } } });
  list.push({ name: 'Biome', language: 'typescript', command: [bin('biome'), 'lsp-proxy'], available: () => fs.existsSync(bin('biome')),
    files: { 'biome.json': JSON.stringify({ linter: { enabled: true, rules: { recommended: true } } }) } });
  list.push({ name: 'oxlint', language: 'typescript', command: [bin('oxlint'), '--lsp'], available: () => fs.existsSync(bin('oxlint')) });
  list.push({
    name: 'ESLint server (no-sync)', language: 'typescript', pull: true,
    command: [process.execPath, path.join(peers, 'vscode-langservers-extracted', 'bin', 'vscode-eslint-language-server'), '--stdio'],
    available: () => fs.existsSync(path.join(peers, 'vscode-langservers-extracted')) && fs.existsSync(path.join(peers, 'typescript-eslint')),
    files: {
      'eslint.config.mjs': [
        `import tseslint from ${JSON.stringify(pathToFileURL(path.join(peers, 'typescript-eslint', 'dist', 'index.js')).href)};`,
        // eslint-plugin-n's n/no-sync now needs type information; core no-sync is the same check without it.
        "export default [...tseslint.configs.recommended, { rules: { 'no-sync': 'error' } }];",
      ].join('\n'),
    },
    settings: {
      '': { validate: 'on', run: 'onType', nodePath: peers, experimental: { useFlatConfig: true }, useFlatConfig: true, workingDirectory: { mode: 'auto' },
        problems: { shortenToSingleLine: false }, codeAction: { disableRuleComment: { enable: true }, showDocumentation: { enable: true } }, codeActionOnSave: { mode: 'all' },
        format: false, quiet: false, onIgnoredFiles: 'off', options: {}, rulesCustomizations: [] },
    },
  });
  return list;
}

interface Client {
  rpc: MessageConnection;
  child: ChildProcess;
  next: (uri: string) => Promise<number>;
  /** Diagnostics published so far that say the analysis stopped at its budget. */
  budgetStops: () => number;
}

/** Diagnostics after a change: the next push, or for a pull server the answer to the request sent right after. */
function diagnosticsAfter(spec: ServerSpec, client: Client, uri: string, send: () => Promise<void>): Promise<number> {
  if (!spec.pull) {
    const pushed = client.next(uri);
    return send().then(() => pushed);
  }
  return send().then(() => client.rpc.sendRequest('textDocument/diagnostic', { textDocument: { uri } })).then(() => performance.now());
}

function startClient(spec: ServerSpec, workspace: string): Client {
  const [command, ...args] = spec.command;
  const child = spawn(command, args, { cwd: workspace, stdio: ['pipe', 'pipe', process.env.BENCH_STDERR ? 'inherit' : 'ignore'] });
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<string, (t: number) => void>();
  let budgetStops = 0;
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics?: { code?: unknown }[] }) => {
    // Ours says so when an analysis stopped at its time budget: the user then sees no new findings.
    if (p.diagnostics?.some((d) => d.code === 'analysis-budget')) budgetStops++;
    const resolve = waiting.get(p.uri);
    waiting.delete(p.uri);
    resolve?.(performance.now());
  });
  rpc.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((item) => {
    const settings = spec.settings ?? {};
    if (item.section === undefined) return settings[''] ?? null;
    const parts = item.section.split('.');
    let value: unknown = settings[parts[0]];
    for (const part of parts.slice(1)) value = (value as Record<string, unknown> | undefined)?.[part];
    return value ?? settings[''] ?? null;
  }));
  rpc.onRequest('client/registerCapability', () => null);
  rpc.onRequest('window/workDoneProgress/create', () => null);
  rpc.onRequest('workspace/workspaceFolders', () => [{ uri: pathToFileURL(workspace).href, name: 'bench' }]);
  rpc.onNotification((method, params) => {
    if (process.env.BENCH_DEBUG) console.error(spec.name, method, JSON.stringify(params).slice(0, 300));
  });
  rpc.onRequest((method, params) => {
    if (process.env.BENCH_DEBUG) console.error(spec.name, 'request', method, JSON.stringify(params).slice(0, 300));
    return null;
  });
  rpc.listen();
  return { rpc, child, next: (uri) => new Promise((resolve) => waiting.set(uri, resolve)), budgetStops: () => budgetStops };
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

async function measure(spec: ServerSpec, lines: number): Promise<string> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-bench-service-'));
  for (const [name, text] of Object.entries(spec.files ?? {})) fs.writeFileSync(path.join(workspace, name), text);
  const file = path.join(workspace, spec.language === 'python' ? 'service.py' : 'service.ts');
  const text = serviceFile(spec.language, lines);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const client = startClient(spec, workspace);
  try {
    const workspaceUri = pathToFileURL(workspace).href;
    await withTimeout(client.rpc.sendRequest('initialize', {
      processId: process.pid, rootUri: workspaceUri, workspaceFolders: [{ uri: workspaceUri, name: 'bench' }],
      initializationOptions: spec.initializationOptions ?? {},
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: { versionSupport: true }, synchronization: { dynamicRegistration: true, didSave: true }, diagnostic: spec.pull ? { dynamicRegistration: false } : undefined },
        window: { workDoneProgress: true },
      },
    }), 60_000);
    await client.rpc.sendNotification('initialized', {});
    await client.rpc.sendNotification('workspace/didChangeConfiguration', { settings: spec.settings ?? {} });
    const stopsAtStart = client.budgetStops();
    const opened = performance.now();
    const firstAt = await withTimeout(diagnosticsAfter(spec, client, uri,
      () => client.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: spec.language, version: 1, text } })), 60_000);
    if (firstAt === undefined) return `${spec.name}: no diagnostics within 60 s of opening`;
    const index = new LineIndex(text);
    const line = Math.floor(index.lineCount / 2);
    const column = index.lineText(line).length;
    const stopsBefore = client.budgetStops();
    const edits: number[] = [];
    for (let i = 0; i < 11; i++) {
      const insert = i % 2 === 0;
      const change = insert
        ? { range: { start: { line, character: column }, end: { line, character: column } }, text: ' ' }
        : { range: { start: { line, character: column }, end: { line, character: column + 1 } }, text: '' };
      const t0 = performance.now();
      const at = await withTimeout(diagnosticsAfter(spec, client, uri,
        () => client.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [change] })), 60_000);
      if (at === undefined) return `${spec.name}: an edit got no diagnostics within 60 s`;
      edits.push(at - t0);
    }
    // A line break typed and taken back at the end of a line of code inside a function (Enter, then Backspace): every
    // line below moves.
    let codeLine = line;
    while (codeLine < index.lineCount - 1 && !/^\s+\S/.test(index.lineText(codeLine))) codeLine++;
    const end = index.lineText(codeLine).length;
    const indent = /^\s*/.exec(index.lineText(codeLine))![0];
    const lineEdits: number[] = [];
    for (let i = 0; i < 11; i++) {
      const insert = i % 2 === 0;
      const change = insert
        ? { range: { start: { line: codeLine, character: end }, end: { line: codeLine, character: end } }, text: `\n${indent}` }
        : { range: { start: { line: codeLine, character: end }, end: { line: codeLine + 1, character: indent.length } }, text: '' };
      const t0 = performance.now();
      const at = await withTimeout(diagnosticsAfter(spec, client, uri,
        () => client.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 100 + i }, contentChanges: [change] })), 60_000);
      if (at === undefined) return `${spec.name}: a line edit got no diagnostics within 60 s`;
      lineEdits.push(at - t0);
    }
    // A character typed into the name of a call and taken back (`fetch(` -> `fetchx(`): the function's calls change,
    // and the file is analysed whole.
    const lineNow = new LineIndex(text);
    let callLine = codeLine;
    // A call in a function's body, not a function's own header (`def f(`, `async get(`).
    const isCall = (line: string) => /\w\(/.test(line) && !/^\s*(export\s+)?(async\s+)?(def|class|function)\b|^\s*(async\s+)?\w+\(.*\)\s*(:\s*[\w<>[\], |]+)?\s*\{\s*$/.test(line);
    while (callLine < lineNow.lineCount - 1 && !isCall(lineNow.lineText(callLine))) callLine++;
    const callAt = lineNow.lineText(callLine).search(/\w\(/) + 1;
    const callEdits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const insert = i % 2 === 0;
      const change = insert
        ? { range: { start: { line: callLine, character: callAt }, end: { line: callLine, character: callAt } }, text: 'x' }
        : { range: { start: { line: callLine, character: callAt }, end: { line: callLine, character: callAt + 1 } }, text: '' };
      const t0 = performance.now();
      const at = await withTimeout(diagnosticsAfter(spec, client, uri,
        () => client.rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 200 + i }, contentChanges: [change] })), 60_000);
      if (at === undefined) return `${spec.name}: a call edit got no diagnostics within 60 s`;
      callEdits.push(at - t0);
    }
    const stops = client.budgetStops() - stopsBefore;
    const openStopped = stopsBefore > stopsAtStart ? ' (stopped at the time budget)' : '';
    // The slowest edit too, and which it was: a median hides the one edit in a run that went over the whole file.
    const all = [...edits.map((ms, i) => ({ ms, what: `1-char edit ${i + 1}` })), ...lineEdits.map((ms, i) => ({ ms, what: `line break ${i + 1}` })), ...callEdits.map((ms, i) => ({ ms, what: `call renamed ${i + 1}` }))];
    const slowest = all.reduce((a, b) => (b.ms > a.ms ? b : a));
    return `${spec.name.padEnd(26)} didOpen -> diagnostics ${(firstAt - opened).toFixed(0).padStart(6)} ms${openStopped}, 1-char edit -> diagnostics median ${median(edits).toFixed(1).padStart(7)} ms, line break -> diagnostics median ${median(lineEdits).toFixed(1).padStart(7)} ms, call renamed -> diagnostics median ${median(callEdits).toFixed(1).padStart(7)} ms, slowest edit ${slowest.ms.toFixed(0).padStart(5)} ms (${slowest.what})${stops ? `, ${stops}/${edits.length + lineEdits.length + callEdits.length} edits stopped at the time budget` : ''}`;
  } finally {
    await withTimeout(client.rpc.sendRequest('shutdown').then(() => client.rpc.sendNotification('exit')), 5_000).catch(() => undefined);
    client.rpc.dispose();
    client.child.kill();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizesArg = argv[argv.indexOf('--sizes') + 1];
  const sizes = argv.includes('--sizes') && sizesArg ? sizesArg.split(',').map(Number) : [1000, 5000, 20000];
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
  console.log(`Service-file edit latency, ours beside peers — node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}`);
  for (const language of ['python', 'typescript'] as const) {
    for (const lines of sizes) {
      const text = serviceFile(language, lines);
      const asyncCount = text.split('\n').filter((l) => /^\s*(export )?async |^\s+async \w+\(/.test(l)).length;
      console.log(`\n${language}, ${lines} lines (${asyncCount} async functions, ${(text.length / 1024).toFixed(0)} KiB):`);
      for (const spec of specs().filter((s) => s.language === language)) {
        const isOurs = spec.name.startsWith('ours');
        if ((only === 'ours' && !isOurs) || (only === 'peers' && isOurs)) continue;
        if (!spec.available()) {
          console.log(`${spec.name.padEnd(26)} not installed (npm --prefix bench/peers ci)`);
          continue;
        }
        console.log(await measure(spec, lines).catch((error: unknown) => `${spec.name}: failed: ${String(error)}`));
      }
      if (only !== 'peers') console.log(cliOnFile(language, text));
    }
  }
}

/** The CLI on the one file, without cache, as CI runs it: wall-clock time of the whole process, median of three. */
function cliOnFile(language: Lang, text: string): string {
  const cli = path.join(root, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) return 'ours (CLI)                 dist/cli.js missing (npm run build)';
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-service-cli-'));
  try {
    const file = path.join(folder, language === 'python' ? 'service.py' : 'service.ts');
    fs.writeFileSync(file, text);
    const times: number[] = [];
    let findings = 0;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const run = spawnSync(process.execPath, [cli, 'check', '--no-cache', '--format', 'json', path.basename(file)], { cwd: folder, maxBuffer: 256 * 1024 * 1024 });
      times.push(performance.now() - t0);
      if (run.status !== 0 && run.status !== 1) return `ours (CLI)                 exited ${run.status}: ${run.stderr.toString().slice(0, 200)}`;
      findings = (JSON.parse(run.stdout.toString()) as { files: { diagnostics: unknown[] }[] }).files.reduce((n, f) => n + f.diagnostics.length, 0);
    }
    return `${'ours (CLI, one file)'.padEnd(26)} check --no-cache ${median(times).toFixed(0).padStart(6)} ms (${findings} findings)`;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
