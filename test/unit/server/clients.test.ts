import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitForDiagnostics } from './harness';
import { after, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { repoRoot, tempDir } from '../helpers';

// The server as other editors start it: each client's capability set (as the editors send it), what it may rely on.
// Neovim 0.7-0.10 (`vim.lsp.start_client`) and 0.11+, Helix, Emacs eglot, and a client that asks for plain text and
// never answers workspace/configuration.

interface LspDiagnostic { code: string; message: string; severity: number; range: { start: { line: number; character: number } } }
interface LspAction { title: string; kind: string; command?: { command: string; arguments: unknown[] } }
interface Registration { method: string }

const PY = 'import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(1)\n\n\nasyncio.run(main())\n';

/** The capabilities each editor sends (the parts the server reads), from their sources. */
const CLIENTS: Record<string, { capabilities: Record<string, unknown>; markdown: boolean }> = {
  // runtime/lua/vim/lsp/protocol.lua, 0.7: configuration, applyEdit, no dynamic didChangeConfiguration or watchers.
  'Neovim 0.7': {
    markdown: true,
    capabilities: {
      workspace: { configuration: true, applyEdit: true, workspaceEdit: { resourceOperations: ['rename', 'create', 'delete'] }, didChangeConfiguration: { dynamicRegistration: false } },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } } } },
      window: { workDoneProgress: true },
    },
  },
  // 0.11: adds dynamic watchers (on Linux with a file watcher) and keeps didChangeConfiguration static.
  'Neovim 0.11': {
    markdown: true,
    capabilities: {
      workspace: {
        configuration: true, applyEdit: true, workspaceEdit: { resourceOperations: ['rename', 'create', 'delete'] },
        didChangeConfiguration: { dynamicRegistration: false }, didChangeWatchedFiles: { dynamicRegistration: true },
      },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, diagnostic: { dynamicRegistration: false } },
      window: { workDoneProgress: true },
    },
  },
  // helix-lsp/src/client.rs: markdown hovers, no resource operations for create, no dynamic didChangeConfiguration.
  Helix: {
    markdown: true,
    capabilities: {
      workspace: { configuration: true, applyEdit: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] }, didChangeConfiguration: { dynamicRegistration: false } },
      textDocument: { hover: { contentFormat: ['markdown'] } },
      window: { workDoneProgress: true },
    },
  },
  // eglot.el (Emacs 28/29): plain text unless markdown-mode is installed; configuration via eglot-workspace-configuration (often null).
  'Emacs eglot': {
    markdown: false,
    capabilities: {
      workspace: { configuration: true, applyEdit: true, workspaceEdit: { documentChanges: true }, didChangeConfiguration: { dynamicRegistration: false }, didChangeWatchedFiles: { dynamicRegistration: true } },
      textDocument: { hover: { contentFormat: ['plaintext'] } },
      window: { workDoneProgress: true },
    },
  },
};

interface Session {
  rpc: MessageConnection;
  server: ChildProcess;
  dir: string;
  registrations: Registration[];
  published: Map<string, LspDiagnostic[][]>;
  diagnostics(uri: string, test: (ds: LspDiagnostic[]) => boolean, what: string): Promise<LspDiagnostic[]>;
  init: { capabilities: Record<string, unknown> };
  stop(): Promise<void>;
}

async function start(capabilities: Record<string, unknown>, options: { initializationOptions?: unknown; configuration?: (items: unknown) => unknown } = {}): Promise<Session> {
  const dir = tempDir('cl-client-');
  const server = spawn(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const published = new Map<string, LspDiagnostic[][]>();
  const registrations: Registration[] = [];
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: LspDiagnostic[] }) => {
    published.set(p.uri, [...(published.get(p.uri) ?? []), p.diagnostics]);
  });
  rpc.onNotification('window/logMessage', () => undefined);
  rpc.onRequest('client/registerCapability', (p: { registrations: Registration[] }) => {
    registrations.push(...p.registrations);
    return null;
  });
  rpc.onRequest('window/workDoneProgress/create', () => null);
  rpc.onNotification('$/progress', () => undefined);
  if (options.configuration) rpc.onRequest('workspace/configuration', (p: unknown) => options.configuration!(p));
  // The editor applies the edit to the file on disk (as Neovim's and eglot's handlers do for unopened files).
  rpc.onRequest('workspace/applyEdit', (p: { edit: { changes?: Record<string, { newText: string }[]>; documentChanges?: ({ kind?: string; uri?: string; textDocument?: { uri: string }; edits?: { newText: string }[] })[] } }) => {
    for (const [uri, edits] of Object.entries(p.edit.changes ?? {})) fs.writeFileSync(fileURLToPath(uri), edits[0].newText);
    for (const change of p.edit.documentChanges ?? []) {
      if (change.kind === 'create') fs.writeFileSync(fileURLToPath(change.uri!), '');
      else if (change.textDocument) fs.writeFileSync(fileURLToPath(change.textDocument.uri), change.edits![0].newText);
    }
    return { applied: true };
  });
  rpc.listen();
  const init = await rpc.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
    processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'w' }], capabilities,
    ...(options.initializationOptions !== undefined ? { initializationOptions: options.initializationOptions } : {}),
  });
  await rpc.sendNotification('initialized', {});
  return {
    rpc, server, dir, registrations, published, init,
    diagnostics: (uri, test, what) => waitForDiagnostics(published, uri, test, what),
    async stop() {
      await rpc.sendRequest('shutdown');
      await rpc.sendNotification('exit');
      assert.equal(await exited, 0);
      rpc.dispose();
    },
  };
}

describe('every LSP client', () => {
  const sessions: Session[] = [];
  after(() => sessions.forEach((s) => s.server.kill()));

  for (const [name, client] of Object.entries(CLIENTS)) {
    it(`${name}: diagnostics, a hover in its format without command links, and "disable rule" through the server`, async () => {
      const s = await start(client.capabilities, { initializationOptions: { settings: { debounceMs: 0 } }, configuration: () => [null] });
      sessions.push(s);
      assert.deepEqual((s.init.capabilities.executeCommandProvider as { commands: string[] }).commands.sort(), ['concurrencyLens.server.checkWorkspace', 'concurrencyLens.server.disableRule', 'concurrencyLens.server.showDocumentation']);
      const uri = pathToFileURL(path.join(s.dir, 'app.py')).href;
      fs.writeFileSync(fileURLToPath(uri), PY);
      await s.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: PY } });
      const [d] = await s.diagnostics(uri, (ds) => ds.length > 0, 'the finding');
      assert.equal(d.code, 'blocking-call-in-async');

      const hover = await s.rpc.sendRequest<{ contents: { kind: string; value: string } }>('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 10 } });
      assert.equal(hover.contents.kind, client.markdown ? 'markdown' : 'plaintext');
      assert.doesNotMatch(hover.contents.value, /command:/);
      assert.match(hover.contents.value, /https:\/\//, 'a link to more, that any client can open');
      if (!client.markdown) assert.doesNotMatch(hover.contents.value, /\*\*|\\[.`_]/, 'no markup or escapes in plain text');

      // No dynamic registration the client did not offer.
      const dynamicConfiguration = (client.capabilities.workspace as { didChangeConfiguration?: { dynamicRegistration?: boolean } }).didChangeConfiguration?.dynamicRegistration;
      if (!dynamicConfiguration) assert.ok(!s.registrations.some((r) => r.method === 'workspace/didChangeConfiguration'), JSON.stringify(s.registrations));

      const actions = await s.rpc.sendRequest<LspAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range === undefined ? undefined : { start: d.range.start, end: d.range.start }, context: { diagnostics: [] } });
      const disable = actions.find((a) => a.command?.command === 'concurrencyLens.server.disableRule');
      assert.ok(disable, JSON.stringify(actions.map((a) => a.command ?? a.title)));
      assert.deepEqual(disable.command!.arguments, ['blocking-call-in-async', uri]);
      const docs = actions.find((a) => a.command?.command === 'concurrencyLens.server.showDocumentation');
      assert.ok(docs, 'show documentation through the server');
      const page = await s.rpc.sendRequest<{ url: string }>('workspace/executeCommand', docs.command);
      assert.match(page.url, /^https:\/\/.*docs\/rules\/blocking-call-in-async\.md$/);
      const answer = await s.rpc.sendRequest<{ message: string }>('workspace/executeCommand', disable.command);
      assert.match(answer.message, /blocking-call-in-async.*concurrency-lens\.json/);
      const config = JSON.parse(fs.readFileSync(path.join(s.dir, 'concurrency-lens.json'), 'utf8')) as { rules: Record<string, string> };
      assert.deepEqual(config.rules, { 'blocking-call-in-async': 'off' });
      await s.diagnostics(uri, (ds) => ds.length === 0, 'the finding to go once the rule is off');

      // The CLI's check, as a command: the workspace's files, with their findings published.
      fs.writeFileSync(path.join(s.dir, 'worker.py'), 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n');
      const checked = await s.rpc.sendRequest<{ files: number; findings: number }>('workspace/executeCommand', { command: 'concurrencyLens.server.checkWorkspace', arguments: [] });
      assert.equal(checked.files, 2);
      const [late] = await s.diagnostics(pathToFileURL(path.join(s.dir, 'worker.py')).href, (ds) => ds.length > 0, 'the closed file\'s finding');
      assert.equal(late.code, 'daemon-after-start');
      await s.stop();
    });
  }

  it('settings come from initializationOptions when workspace/configuration answers nothing, and defaults otherwise', async () => {
    const s = await start(CLIENTS['Emacs eglot'].capabilities, {
      initializationOptions: { settings: { rules: { 'blocking-call-in-async': 'off' }, debounceMs: 0 } }, configuration: () => [null],
    });
    sessions.push(s);
    const uri = pathToFileURL(path.join(s.dir, 'a.py')).href;
    await s.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: PY } });
    await s.diagnostics(uri, (ds) => ds.length === 0, 'the rule off through initializationOptions');
    await s.stop();
    // No settings anywhere, and a client without workspace/configuration: the defaults.
    const bare = await start({});
    sessions.push(bare);
    const uri2 = pathToFileURL(path.join(bare.dir, 'a.py')).href;
    await bare.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uri2, languageId: 'python', version: 1, text: PY } });
    const [d] = await bare.diagnostics(uri2, (ds) => ds.length > 0, 'the finding with default settings');
    // By default a script's sequential main() is cold: a hint (coldSeverity "hint").
    assert.equal(d.severity, 4);
    await bare.stop();
  });

  it('a client that never answers workspace/configuration still gets its findings, with its initializationOptions', async () => {
    const s = await start({ workspace: { configuration: true }, textDocument: { hover: { contentFormat: ['plaintext'] } } }, {
      initializationOptions: { concurrencyLens: { rules: { 'blocking-call-in-async': 'error' } } }, configuration: () => new Promise(() => undefined),
    });
    sessions.push(s);
    const uri = pathToFileURL(path.join(s.dir, 'a.py')).href;
    await s.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: PY } });
    const [d] = await s.diagnostics(uri, (ds) => ds.length > 0, 'the finding after the configuration request went unanswered');
    assert.equal(d.severity, 1, 'the severity from initializationOptions');
    await s.stop();
  });

  it('a pyproject.toml with the table gets the rule turned off in it, and a broken one is left alone', async () => {
    const s = await start(CLIENTS['Neovim 0.7'].capabilities, { initializationOptions: { settings: { debounceMs: 0 } }, configuration: () => [{}] });
    sessions.push(s);
    const pyproject = path.join(s.dir, 'pyproject.toml');
    fs.writeFileSync(pyproject, '[project]\nname = "x"\n\n[tool.concurrency-lens]\nrules = { "set-daemon-deprecated" = "off" }\nexclude = ["build/**"]\n');
    const uri = pathToFileURL(path.join(s.dir, 'a.py')).href;
    await s.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: PY } });
    await s.diagnostics(uri, (ds) => ds.length > 0, 'the finding');
    await s.rpc.sendRequest('workspace/executeCommand', { command: 'concurrencyLens.server.disableRule', arguments: ['blocking-call-in-async', uri] });
    assert.equal(fs.readFileSync(pyproject, 'utf8'), '[project]\nname = "x"\n\n[tool.concurrency-lens]\nrules = { "blocking-call-in-async" = "off", "set-daemon-deprecated" = "off" }\nexclude = ["build/**"]\n');
    await s.diagnostics(uri, (ds) => ds.length === 0, 'the finding to go');
    fs.writeFileSync(pyproject, '[tool.concurrency-lens]\nrules = {\n');
    await assert.rejects(s.rpc.sendRequest('workspace/executeCommand', { command: 'concurrencyLens.server.disableRule', arguments: ['cpu-bound-in-async', uri] }), /could not be edited safely/);
    assert.equal(fs.readFileSync(pyproject, 'utf8'), '[tool.concurrency-lens]\nrules = {\n');
    await assert.rejects(s.rpc.sendRequest('workspace/executeCommand', { command: 'concurrencyLens.server.disableRule', arguments: ['../../etc/passwd', uri] }), /Unknown rule/);
    await s.stop();
  });
});
