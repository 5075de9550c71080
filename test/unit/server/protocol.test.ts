import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForDiagnostics } from './harness';
import { after, before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { applyEdits, LineIndex } from '../../../src/core';
import { pyCompiles, repoRoot, tempDir } from '../helpers';

// Drives the built server over stdio as a generic editor would: no VS Code, only the protocol.

interface LspDiagnostic { code: string; source: string; message: string; severity: number; range: LspRange; codeDescription?: { href: string } }
interface LspRange { start: { line: number; character: number }; end: { line: number; character: number } }
interface LspEdit { range: LspRange; newText: string }
interface LspAction { title: string; kind: string; isPreferred?: boolean; edit?: { changes: Record<string, LspEdit[]> }; command?: { command: string; arguments: unknown[] } }

const PY = 'import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(1)\n\n\nasyncio.run(main())\n';
const TS = "import * as fs from 'fs';\n\nexport async function load(path: string) {\n  return fs.readFileSync(path, 'utf8');\n}\n";

function apply(text: string, edits: LspEdit[]): string {
  return applyEdits(text, edits.map((e) => ({
    range: { start: { line: e.range.start.line, column: e.range.start.character }, end: { line: e.range.end.line, column: e.range.end.character } },
    newText: e.newText,
  })));
}

describe('language server over stdio', () => {
  let server: ChildProcess;
  let rpc: MessageConnection;
  const published = new Map<string, LspDiagnostic[][]>();
  let exited: Promise<number | null>;
  const dir = tempDir();
  const pyUri = `file://${path.join(dir, 'app.py')}`;
  const tsUri = `file://${path.join(dir, 'load.ts')}`;

  /** Waits for the next diagnostics of `uri` that satisfy `test` (earlier ones included). */
  const diagnostics = (uri: string, test: (ds: LspDiagnostic[]) => boolean, what: string) => waitForDiagnostics(published, uri, test, what);

  before(async () => {
    server = spawn(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    exited = new Promise((resolve) => server.on('exit', resolve));
    rpc = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: LspDiagnostic[] }) => {
      const list = published.get(p.uri) ?? [];
      list.push(p.diagnostics);
      published.set(p.uri, list);
    });
    rpc.onNotification('window/logMessage', () => undefined);
    rpc.listen();
    const init = await rpc.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', { processId: process.pid, rootUri: `file://${dir}`, capabilities: {}, initializationOptions: { settings: { debounceMs: 0 } } });
    assert.ok(init.capabilities.hoverProvider);
    await rpc.sendNotification('initialized', {});
  });

  after(() => {
    rpc?.dispose();
    server?.kill();
  });

  it('publishes diagnostics with codes, ranges and a rule page that exists, for Python and TS', async () => {
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: pyUri, languageId: 'python', version: 1, text: PY } });
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: tsUri, languageId: 'typescript', version: 1, text: TS } });
    const [py] = await diagnostics(pyUri, (ds) => ds.length > 0, 'Python diagnostics');
    assert.equal(py.code, 'blocking-call-in-async');
    assert.equal(py.source, 'concurrency-lens');
    assert.deepEqual(py.range, { start: { line: 5, character: 4 }, end: { line: 5, character: 14 } });
    assert.ok(py.codeDescription && fs.existsSync(fileURLToPath(py.codeDescription.href)), JSON.stringify(py.codeDescription));
    const [ts] = await diagnostics(tsUri, (ds) => ds.length > 0, 'TS diagnostics');
    assert.equal(ts.code, 'blocking-call-in-async');
    assert.equal(ts.range.start.line, 3);
  });

  it('weighs by evidence as the CLI does: a folder is none, a top-level entry call makes a hint', async () => {
    const scriptUri = `file://${path.join(dir, 'scripts', 'load.ts')}`;
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: scriptUri, languageId: 'typescript', version: 1, text: `${TS}load('x');\n` } });
    const [script] = await diagnostics(scriptUri, (ds) => ds.length > 0, 'script diagnostics');
    assert.equal(script.code, 'blocking-call-in-async');
    assert.equal(script.severity, 4, 'hint');
    assert.match(script.message, /^`fs\.readFileSync\(\)` blocks the event loop in `load\(\)`/);
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: scriptUri } });
  });

  it('answers a hover on the blocking call', async () => {
    const hover = await rpc.sendRequest<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri: pyUri }, position: { line: 5, character: 10 } });
    assert.equal(hover.contents.kind, 'markdown');
    assert.match(hover.contents.value, /time\.sleep/);
    assert.match(hover.contents.value, /blocking-call-in-async/);
  });

  it('builds the execution model from the entry point at a line; code lenses only for a client with the visualiser', async () => {
    const answer = await rpc.sendRequest<{ visualisation: { entry: { kind: string; label: string }; model: { units: { kind: string }[] } } }>(
      'concurrencyLens/visualisation', { uri: pyUri, line: 5, arrivals: 3, spacingMs: 'x' });
    assert.deepEqual([answer.visualisation.entry.kind, answer.visualisation.entry.label], ['function', 'main']);
    assert.deepEqual(answer.visualisation.model.units.map((u) => u.kind), ['main-thread', 'asyncio-task', 'asyncio-task', 'asyncio-task']);
    const lenses = await rpc.sendRequest<unknown[]>('textDocument/codeLens', { textDocument: { uri: pyUri } });
    assert.deepEqual(lenses, []);
  });

  it('offers the fix as a WorkspaceEdit whose result compiles, and fix-all on request', async () => {
    const range = { start: { line: 5, character: 4 }, end: { line: 5, character: 17 } };
    const actions = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri: pyUri }, range, context: { diagnostics: [] } });
    const preferred = actions.find((a) => a.isPreferred);
    assert.ok(preferred?.edit, JSON.stringify(actions.map((a) => a.title)));
    const fixed = apply(PY, preferred.edit.changes[pyUri]);
    assert.match(fixed, /await asyncio\.sleep\(1\)/);
    const file = path.join(dir, 'fixed.py');
    fs.writeFileSync(file, fixed);
    pyCompiles(file);
    assert.ok(actions.some((a) => a.title === 'Ignore blocking-call-in-async on this line'));
    assert.ok(actions.some((a) => a.command?.command === 'concurrencyLens.server.disableRule' && a.command.arguments[0] === 'blocking-call-in-async'));
    const all = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri: pyUri }, range, context: { diagnostics: [], only: ['source.fixAll'] } });
    assert.equal(all.length, 1);
    assert.equal(all[0].kind, 'source.fixAll.concurrencyLens');
    assert.equal(apply(PY, all[0].edit!.changes[pyUri]), fixed);
  });

  it('honours every suppression form, and fix-all takes only safe fixes while the menu labels the unsafe ones', async () => {
    const uri = `file://${path.join(dir, 'quiet.py')}`;
    const text = [
      'import requests', 'import time', '', '', 'async def f(u):',
      '    # concurrency-lens: ignore-next-line[blocking-call-in-async]', '    time.sleep(1)',
      '    time.sleep(2)  # noqa: ASYNC251', '    time.sleep(3)', '    requests.get(u)', '',
    ].join('\n');
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const found = await diagnostics(uri, (ds) => ds.length > 0, 'the unsuppressed diagnostics');
    assert.deepEqual(found.map((d) => d.range.start.line + 1), [9, 10]);
    const range = { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } };
    const menu = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [] } });
    assert.ok(menu.some((a) => /to_thread/.test(a.title) && a.title.endsWith('(unsafe fix)')), JSON.stringify(menu.map((a) => a.title)));
    assert.ok(menu.some((a) => a.title === 'Show documentation for blocking-call-in-async' && a.command?.command === 'concurrencyLens.server.showDocumentation'));
    const all = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics: [], only: ['source.fixAll'] } });
    const fixed = apply(text, all[0].edit!.changes[uri]);
    assert.match(fixed, /await asyncio\.sleep\(3\)\n {4}requests\.get\(u\)\n/);
    assert.match(fixed, /time\.sleep\(1\)\n {4}time\.sleep\(2\)/, 'suppressed lines are left alone');
    const fileUri = `file://${path.join(dir, 'quiet.ts')}`;
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: fileUri, languageId: 'typescript', version: 1, text: `// concurrency-lens: ignore-file[blocking-call-in-async]\n${TS}` } });
    await diagnostics(fileUri, (ds) => ds.length === 0, 'no diagnostics for a file-level ignore');
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: fileUri } });
  });

  it('follows incremental edits', async () => {
    const start = new LineIndex(PY).positionAt(PY.indexOf('time.sleep(1)'));
    await rpc.sendNotification('textDocument/didChange', {
      textDocument: { uri: pyUri, version: 2 },
      contentChanges: [{ range: { start: { line: start.line, character: start.column }, end: { line: start.line, character: start.column + 'time.sleep(1)'.length } }, text: 'pass' }],
    });
    await diagnostics(pyUri, (ds) => ds.length === 0, 'the diagnostic to clear after the edit');
  });

  it('lone CR: diagnostics, quick fixes, fix-all and incremental edits land on the lines the editor counts', async () => {
    const uri = `file://${path.join(dir, 'lonecr.py')}`;
    // Lines as LSP counts them: 0 import, 1 '# a', 2 '# b', 3 def, 4 x = 1, 5 sleep; tree-sitter sees one row less.
    const text = 'import time\n# a\r# b\nasync def tick():\n    x = 1\n    time.sleep(1)\n    return x\n';
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
    const [d] = await diagnostics(uri, (ds) => ds.length > 0, 'the lone-CR file\'s finding');
    assert.deepEqual(d.range, { start: { line: 5, character: 4 }, end: { line: 5, character: 14 } });
    const expected = 'import time\nimport asyncio\n# a\r# b\nasync def tick():\n    x = 1\n    await asyncio.sleep(1)\n    return x\n';
    // Applied the way an editor applies a WorkspaceEdit (its own line model), not through ours.
    const edited = (edits: LspEdit[]) => TextDocument.applyEdits(TextDocument.create(uri, 'python', 1, text), edits);
    const actions = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [] } });
    assert.equal(edited(actions.find((a) => a.isPreferred)!.edit!.changes[uri]), expected);
    const ignore = actions.find((a) => a.title.startsWith('Ignore'))!;
    assert.match(edited(ignore.edit!.changes[uri]), /\n {4}time\.sleep\(1\) {2}# concurrency-lens: ignore\[blocking-call-in-async\]\n/);
    const all = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [], only: ['source.fixAll'] } });
    assert.equal(edited(all[0].edit!.changes[uri]), expected);
    // An edit above the lone CR: the incremental reparse is told tree-sitter's points, the finding moves one line.
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '# new\n' }] });
    await diagnostics(uri, (ds) => ds.length === 1 && ds[0].range.start.line === 6 && ds[0].range.start.character === 4, 'the finding one line down after the edit');
    // The daemon fix: start() is never deleted, the assignment moves.
    const daemonUri = `file://${path.join(dir, 'lonecr_daemon.py')}`;
    const daemon = 'import threading\n# a\r# b\n\ndef work():\n    pass\n\n\nt = threading.Thread(target=work)\nt.start()\nt.daemon = True\nt.join()\n';
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: daemonUri, languageId: 'python', version: 1, text: daemon } });
    const [late] = await diagnostics(daemonUri, (ds) => ds.some((x) => x.code === 'daemon-after-start'), 'the daemon finding');
    assert.equal(late.range.start.line, 10);
    const fixes = await rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri: daemonUri }, range: late.range, context: { diagnostics: [] } });
    for (const fix of fixes.filter((a) => a.edit && !a.title.startsWith('Ignore'))) {
      const result = TextDocument.applyEdits(TextDocument.create(daemonUri, 'python', 1, daemon), fix.edit!.changes[daemonUri]);
      assert.match(result, /\nt\.start\(\)\n/, fix.title);
      assert.doesNotMatch(result, /t\.start\(\)\nt\.daemon = True/, fix.title);
      const file = path.join(dir, 'lonecr_daemon_fixed.py');
      fs.writeFileSync(file, result);
      pyCompiles(file);
    }
  });

  it('survives bad input: a malformed request, an unknown method, an edit to a closed file, a huge file', async () => {
    await assert.rejects(rpc.sendRequest('textDocument/hover', { nonsense: true }));
    await assert.rejects(rpc.sendRequest('concurrencyLens/noSuchMethod', {}), /Unhandled method|not found/i);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: 'file:///never/opened.py', version: 2 }, contentChanges: [{ text: 'x' }] });
    const hugeUri = `file://${path.join(dir, 'huge.py')}`;
    const huge = `import time\nasync def f():\n    time.sleep(1)\n${'x = 1\n'.repeat(600_000)}`;
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: hugeUri, languageId: 'python', version: 1, text: huge } });
    // Still serving: a hover on the TS file answers.
    const hover = await rpc.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: tsUri }, position: { line: 3, character: 15 } });
    assert.ok(hover && /readFileSync/.test(hover.contents.value));
    await diagnostics(hugeUri, (ds) => ds.length === 0, 'the huge file to get no findings');
    // An unsaved, untitled buffer is edited like any other (it has no path other files could depend on).
    const untitled = 'untitled:Untitled-1';
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: untitled, languageId: 'python', version: 1, text: 'async def f():\n    pass\n' } });
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: untitled, version: 2 }, contentChanges: [{ text: 'import time\nasync def f():\n    time.sleep(1)\n' }] });
    await diagnostics(untitled, (ds) => ds.length === 1, 'the untitled buffer\'s finding after the edit');
  });

  it('follows a call into another file of the workspace, and re-checks open files when a file is saved', async () => {
    fs.writeFileSync(path.join(dir, 'gitutil.py'), 'import subprocess\n\n\ndef git_rev():\n    return subprocess.check_output(["git", "rev-parse", "HEAD"])\n');
    const appUri = `file://${path.join(dir, 'version.py')}`;
    const app = 'from gitutil import git_rev\n\n\nasync def version():\n    return git_rev()\n';
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: appUri, languageId: 'python', version: 1, text: app } });
    const [d] = await diagnostics(appUri, (ds) => ds.length > 0, 'the finding through gitutil.py');
    assert.equal(d.message, '`git_rev()` blocks the event loop in `version()`: it calls `subprocess.check_output()`; other tasks would wait (gitutil.py:5)');
    const related = (d as unknown as { relatedInformation: { location: { uri: string } }[] }).relatedInformation;
    assert.equal(fileURLToPath(related[0].location.uri), path.join(dir, 'gitutil.py'));
    // A hover on the helper's name says what it does, from the other file.
    const hover = await rpc.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: appUri }, position: { line: 0, character: 22 } });
    assert.equal(hover, null, 'the import line is not a call');
    const onCall = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: appUri }, position: { line: 4, character: 13 } });
    assert.match(onCall.contents.value.replace(/\\(.)/g, '$1'), /`git_rev\(\)` blocks the thread it runs on:\*\* it calls `subprocess\.check_output\(\)` \(gitutil\.py:5\)/);
    // The helper stops blocking and is saved: the open caller loses its finding.
    fs.writeFileSync(path.join(dir, 'gitutil.py'), 'def git_rev():\n    return "0" * 40\n');
    published.delete(appUri);
    await rpc.sendNotification('textDocument/didSave', { textDocument: { uri: `file://${path.join(dir, 'gitutil.py')}` } });
    await diagnostics(appUri, (ds) => ds.length === 0, 'the finding to go after the helper was saved');
  });

  it('re-checks the open files that read an edited helper, with its unsaved text, and only those', async () => {
    const quiet = 'def fetch():\n    return 1\n';
    const loud = 'import time\n\n\ndef fetch():\n    time.sleep(1)\n';
    fs.writeFileSync(path.join(dir, 'netutil.py'), quiet);
    const helperUri = `file://${path.join(dir, 'netutil.py')}`;
    const callerUri = `file://${path.join(dir, 'caller.py')}`;
    const lonelyUri = `file://${path.join(dir, 'lonely.py')}`;
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: helperUri, languageId: 'python', version: 1, text: quiet } });
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: callerUri, languageId: 'python', version: 1, text: 'from netutil import fetch\n\n\nasync def handler():\n    return fetch()\n' } });
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: lonelyUri, languageId: 'python', version: 1, text: 'import time\n\n\nasync def f():\n    time.sleep(1)\n' } });
    await diagnostics(callerUri, (ds) => ds.length === 0, 'the caller checked, clean');
    await diagnostics(lonelyUri, (ds) => ds.length === 1, 'the unrelated file checked');
    const lonelyRuns = published.get(lonelyUri)!.length;
    // An unsaved edit makes the helper block: the open caller's finding appears, though the disk still has the old text.
    published.delete(callerUri);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: helperUri, version: 2 }, contentChanges: [{ text: loud }] });
    const [finding] = await diagnostics(callerUri, (ds) => ds.length === 1, 'the finding through the unsaved helper');
    assert.match(finding.message, /`fetch\(\)` blocks the event loop in `handler\(\)`: it calls `time\.sleep\(\)`; other tasks would wait \(netutil\.py:5\)/);
    assert.equal(fs.readFileSync(path.join(dir, 'netutil.py'), 'utf8'), quiet);
    // Undone, still unsaved: the finding goes.
    published.delete(callerUri);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: helperUri, version: 3 }, contentChanges: [{ text: quiet }] });
    await diagnostics(callerUri, (ds) => ds.length === 0, 'the finding to go when the edit is undone');
    // A hover on the unrelated file goes through the worker after any analysis scheduled with the caller's.
    await rpc.sendRequest('textDocument/hover', { textDocument: { uri: lonelyUri }, position: { line: 4, character: 10 } });
    assert.equal(published.get(lonelyUri)!.length, lonelyRuns, 'a file that does not read the helper is not re-checked');
  });

  it('searches other files for callers as the CLI does, and reads them again when they change or new ones come', async () => {
    const plugin = path.join(dir, 'plugin');
    fs.mkdirSync(plugin);
    fs.writeFileSync(path.join(plugin, 'package.json'), '{"name": "plugin", "type": "module"}\n');
    const dev = "import * as fs from 'node:fs';\n\nexport async function startDevServer(root: string) {\n  return fs.readFileSync(root + '/index.html', 'utf8');\n}\n";
    const hook = (body: string) => `import { startDevServer } from './dev';\n\nexport function devPlugin() {\n  return {\n    name: 'dev',\n    ${body}\n  };\n}\n`;
    const once = hook("async configureServer() {\n      await startDevServer('.');\n    },");
    const perRequest = hook("async transform(code: string, id: string) {\n      return code + await startDevServer(id);\n    },");
    fs.writeFileSync(path.join(plugin, 'dev.ts'), dev);
    fs.writeFileSync(path.join(plugin, 'plugins.ts'), once);
    const devUri = `file://${path.join(plugin, 'dev.ts')}`;
    const pluginsUri = `file://${path.join(plugin, 'plugins.ts')}`;
    const HINT = 4;
    const WARNING = 2;
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: devUri, languageId: 'typescript', version: 1, text: dev } });
    const [cold] = await diagnostics(devUri, (ds) => ds.length === 1, 'the finding in dev.ts');
    assert.equal(cold.severity, HINT);
    // Why it is a hint is in the detail, which the hover shows in full mode.
    assert.match(cold.message, /^`fs\.readFileSync\(\)` blocks the event loop in `startDevServer\(\)`/);
    // An unsaved edit of the caller calls it per request: the finding is a warning again.
    await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: pluginsUri, languageId: 'typescript', version: 1, text: once } });
    published.delete(devUri);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: pluginsUri, version: 2 }, contentChanges: [{ text: perRequest }] });
    const [hot] = await diagnostics(devUri, (ds) => ds.length === 1 && ds[0].severity === WARNING, 'dev.ts checked again as a warning');
    assert.doesNotMatch(hot.message, /runs once/);
    // Undone and closed: a hint again. Then a new file calls it per request: dev.ts's next check finds it.
    published.delete(devUri);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: pluginsUri, version: 3 }, contentChanges: [{ text: once }] });
    await diagnostics(devUri, (ds) => ds.length === 1 && ds[0].severity === HINT, 'dev.ts a hint again');
    await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: pluginsUri } });
    fs.writeFileSync(path.join(plugin, 'server.ts'), perRequest.replace('devPlugin', 'servePlugin'));
    await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: `file://${path.join(plugin, 'server.ts')}`, type: 1 }] });
    published.delete(devUri);
    await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: devUri, version: 2 }, contentChanges: [{ text: `${dev}\n` }] });
    await diagnostics(devUri, (ds) => ds.length === 1 && ds[0].severity === WARNING, 'dev.ts a warning with the new caller');
  });

  it('reads the project configuration: a rule turned off in pyproject.toml goes, a bad key is shown on the file', async () => {
    await diagnostics(tsUri, (ds) => ds.some((d) => d.code === 'blocking-call-in-async'), 'the TS finding before the config');
    const pyproject = path.join(dir, 'pyproject.toml');
    fs.writeFileSync(pyproject, '[tool.concurrency-lens]\nrules = { "blocking-call-in-async" = "off" }\n');
    published.delete(tsUri);
    await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: `file://${pyproject}`, type: 1 }] });
    await diagnostics(tsUri, (ds) => ds.length === 0, 'the finding to go once the rule is off');
    fs.writeFileSync(pyproject, '[tool.concurrency-lens]\nrulez = {}\n');
    await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: `file://${pyproject}`, type: 2 }] });
    const [problem] = await diagnostics(`file://${pyproject}`, (ds) => ds.length > 0, 'the config error on pyproject.toml');
    assert.match(problem.message, /rulez/);
    fs.rmSync(pyproject);
  });

  it('shuts down and exits with code 0', async () => {
    await rpc.sendRequest('shutdown');
    await rpc.sendNotification('exit');
    assert.equal(await exited, 0);
  });
});
