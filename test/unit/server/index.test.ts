import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { compact, packFunction, type StoredSummary } from '../../../src/core/project/packed';
import { repoRoot, tempDir } from '../helpers';

// The language server's background index: the workspace's files summarised ahead of use, shown as progress, and
// kept in the editor's storage for the next session.

interface Status { state: string; version?: string; indexed?: number; indexing?: boolean }
interface Started { rpc: MessageConnection; statuses: Status[]; progress: { kind: string; message?: string }[]; diagnostics: Map<string, { message: string }[][]>; stop: () => Promise<void> }

// A test that fails before stopping its server must not leave it running (the test file would never end).
const servers: ChildProcess[] = [];
after(() => {
  for (const child of servers) if (child.exitCode === null) child.kill();
});

/** `entry`: the CLI's `lsp` command, or the server's own entry (dist/server.js, as VS Code starts it). */
async function start(workspace: string, storage: string, entry: 'cli' | 'server' = 'cli'): Promise<Started> {
  const args = entry === 'cli' ? [path.join(repoRoot, 'dist', 'cli.js'), 'lsp', '--stdio'] : [path.join(repoRoot, 'dist', 'server.js'), '--stdio'];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  servers.push(child);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const rpc = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const progress: { kind: string; message?: string }[] = [];
  const diagnostics = new Map<string, { message: string }[][]>();
  rpc.onRequest('window/workDoneProgress/create', () => null);
  rpc.onNotification('$/progress', (p: { value: { kind: string; message?: string } }) => progress.push(p.value));
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: { message: string }[] }) => {
    diagnostics.set(p.uri, [...(diagnostics.get(p.uri) ?? []), p.diagnostics]);
  });
  rpc.onNotification('window/logMessage', () => undefined);
  const statuses: Status[] = [];
  rpc.onNotification('concurrencyLens/status', (s: Status) => statuses.push(s));
  rpc.listen();
  await rpc.sendRequest('initialize', {
    processId: process.pid, rootUri: `file://${workspace}`, capabilities: { window: { workDoneProgress: true } },
    initializationOptions: { settings: { debounceMs: 0 }, storagePath: storage },
  });
  await rpc.sendNotification('initialized', {});
  return {
    rpc, statuses, progress, diagnostics,
    stop: async () => {
      await rpc.sendRequest('shutdown');
      await rpc.sendNotification('exit');
      await exited;
      rpc.dispose();
    },
  };
}

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

type Cache = { summaries: Record<string, StoredSummary> };

describe('language server: background index', () => {
  it('summarises the workspace with progress, keeps it in storage, and the next session starts from it', async () => {
    const workspace = tempDir();
    const storage = path.join(tempDir(), 'storage');
    fs.mkdirSync(path.join(workspace, 'pkg'));
    fs.writeFileSync(path.join(workspace, 'pkg', 'gitinfo.py'), 'import subprocess\n\n\ndef git_rev():\n    return subprocess.check_output(["git", "rev-parse", "HEAD"])\n');
    for (let i = 0; i < 45; i++) fs.writeFileSync(path.join(workspace, 'pkg', `mod${i}.py`), `def f${i}():\n    return ${i}\n`);
    fs.writeFileSync(path.join(workspace, 'web.ts'), "import { readFileSync } from 'node:fs';\nexport function page(): string {\n  return readFileSync('/etc/hostname', 'utf8');\n}\n");

    const first = await start(workspace, storage);
    await until('the index to finish', () => (first.progress.some((p) => p.kind === 'end') ? true : undefined));
    assert.equal(first.progress[0].kind, 'begin');
    assert.match(first.progress[0].message ?? '', /Indexing 47 files/);
    assert.ok(first.progress.some((p) => p.kind === 'report' && /\d+\/47 files/.test(p.message ?? '')), JSON.stringify(first.progress));
    // The status item's source: the version, and the index's state (running, then the files indexed).
    assert.ok(first.statuses.some((st) => st.indexing === true));
    const done = await until('a status after the index', () => [...first.statuses].reverse().find((st) => st.indexing === false && (st.indexed ?? 0) > 0));
    assert.equal(done.version, (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    assert.equal(done.indexed, 47);
    const uri = `file://${path.join(workspace, 'app.py')}`;
    const text = 'from pkg.gitinfo import git_rev\n\n\nasync def version():\n    return git_rev()\n';
    fs.writeFileSync(path.join(workspace, 'app.py'), text);
    await first.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const [finding] = await until('the finding through pkg/gitinfo.py', () => first.diagnostics.get(uri)?.find((ds) => ds.length > 0));
    assert.match(finding.message, /git_rev\(\)` blocks the event loop in `version\(\)`: it calls `subprocess\.check_output\(\)`; other tasks would wait \(gitinfo\.py:5\)/);
    await first.stop();
    // Storage keeps what analyses used, not everything the index summarised (every summary of a large workspace would be a large file to write).
    const cacheFile = path.join(storage, 'summaries.json');
    const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Cache;
    const keys = Object.keys(cache.summaries);
    const gitinfo = keys.find((k) => k.startsWith('pkg/gitinfo.py\n'))!;
    assert.equal(compact(cache.summaries[gitinfo]).functions.git_rev.blocking?.api, 'subprocess.check_output');
    assert.equal(keys.some((k) => k.startsWith('pkg/mod')), false, JSON.stringify(keys));

    // The next session reads it: a summary that says otherwise for the same content is believed. Both entries start
    // their worker before the client names the storage: the summaries reach it as a job.
    const rev = compact(cache.summaries[gitinfo]).functions.git_rev;
    cache.summaries[gitinfo].functions.git_rev = packFunction({ key: 'git_rev', async: rev.async, range: rev.range, calls: rev.calls });
    fs.writeFileSync(cacheFile, JSON.stringify(cache));
    for (const entry of ['cli', 'server'] as const) {
      const next = await start(workspace, storage, entry);
      await next.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
      const published = await until(`the analysis of app.py (${entry})`, () => next.diagnostics.get(uri)?.at(-1));
      assert.deepEqual(published, [], entry);
      await next.stop();
    }
  });
});
