// The webview adapter (src/adapters/visualiser.ts) against a minimal fake `vscode` module: the panel's
// HTML carries no file text (labels travel only in postMessage data), reveal selects the range, and
// the command follows (uri, line) arguments.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument,
   @typescript-eslint/require-await -- a loose test double of the vscode API */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import { ParsedDocument, TreeFacts, analyzeDocument } from '../../../src/core';
import { buildVisualisation } from '../../../src/core/visualiser';
import { fixture } from '../helpers';

type Listener = (e: any) => unknown;

function event(): { fire: (e: unknown) => void; on: (l: Listener) => { dispose(): void } } {
  const ls: Listener[] = [];
  return { fire: (e) => ls.forEach((l) => l(e)), on: (l) => (ls.push(l), { dispose: () => ls.splice(ls.indexOf(l), 1) }) };
}

function fakeVscode() {
  const selectionChanged = event();
  const activeChanged = event();
  const panels: any[] = [];
  const commands = new Map<string, (...a: unknown[]) => unknown>();
  class Position { constructor(readonly line: number, readonly character: number) {} }
  class Range { constructor(readonly start: Position | number, readonly end: Position | number, c?: number, d?: number) {
    if (typeof start === 'number') { this.start = new Position(start, end as number); this.end = new Position(c!, d!); }
  } }
  class Selection extends Range {}
  const uri = (s: string) => ({ toString: () => s, path: s.replace(/^[a-z]+:/, ''), fsPath: s.replace(/^[a-z]+:/, '') });
  const vscode = {
    panels, commands, selectionChanged, activeChanged,
    Position, Range, Selection,
    ViewColumn: { One: 1, Beside: -2 },
    TextEditorRevealType: { InCenterIfOutsideViewport: 2 },
    Disposable: { from: (...ds: { dispose(): void }[]) => ({ dispose: () => ds.forEach((d) => d.dispose()) }) },
    Uri: { joinPath: (base: { toString(): string }, ...parts: string[]) => uri([base.toString(), ...parts].join('/')), parse: uri },
    commands_: commands,
    window: {
      activeTextEditor: undefined as any,
      visibleTextEditors: [] as any[],
      onDidChangeActiveTextEditor: activeChanged.on,
      onDidChangeTextEditorSelection: selectionChanged.on,
      showInformationMessage: () => undefined,
      registerWebviewPanelSerializer: () => ({ dispose() {} }),
      showTextDocument: async (doc: unknown) => vscode.window.visibleTextEditors.find((e) => e.document === doc) ?? vscode.window.activeTextEditor,
      showSaveDialog: async () => undefined,
      createWebviewPanel: (viewType: string, title: string, column: unknown, options: unknown) => {
        const received = event();
        const disposed = event();
        const panel = {
          viewType, title, column, options, posted: [] as any[], iconPath: undefined as unknown,
          webview: {
            html: '', options: {}, cspSource: 'vscode-webview://fake',
            asWebviewUri: (u: { toString(): string }) => ({ toString: () => `vscode-resource:${u.toString()}` }),
            postMessage: async (m: unknown) => { panel.posted.push(m); return true; },
            onDidReceiveMessage: received.on,
          },
          send: received.fire,
          onDidDispose: disposed.on,
          reveal: () => undefined,
          dispose: () => disposed.fire(undefined),
        };
        panels.push(panel);
        return panel;
      },
    },
    workspace: {
      textDocuments: [] as unknown[],
      workspaceFolders: undefined,
      onDidCloseTextDocument: () => ({ dispose() {} }),
      openTextDocument: async () => vscode.window.activeTextEditor.document,
      fs: { writeFile: async () => undefined },
    },
    commandsApi: undefined,
  };
  (vscode as any).commands = { registerCommand: (id: string, f: (...a: unknown[]) => unknown) => (commands.set(id, f), { dispose() {} }) };
  return vscode;
}

test('the visualiser panel: HTML without file text, model by message, reveal and highlight both ways', async () => {
  const vscode = fakeVscode();
  const load = (Module as unknown as { _load: (r: string, ...a: unknown[]) => unknown })._load;
  (Module as unknown as { _load: unknown })._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? vscode : load.call(this, request, ...rest);
  };
  try {
    const { registerVisualiser, VISUALISE_COMMAND, VISUALISER_VIEW_TYPE } = await import('../../../src/adapters/visualiser');
    const text = fs.readFileSync(fixture('visualiser', 'hostile.py'), 'utf8');
    const parsed = await ParsedDocument.create('python', text);
    const facts = new TreeFacts(parsed.tree!);
    const result = analyzeDocument(parsed, { facts });
    const document = {
      uri: { toString: () => 'untitled:Untitled-1', path: 'Untitled-1' }, isUntitled: true, languageId: 'python', lineCount: 20,
      validateRange: (r: unknown) => r,
    };
    const editor = { document, selection: undefined as unknown, viewColumn: 1, revealed: undefined as unknown, revealRange(r: unknown) { this.revealed = r; } };
    vscode.window.activeTextEditor = editor;
    vscode.window.visibleTextEditors = [editor];
    const updated = event();
    // The language server's answer, built here by the same core.
    const source = {
      onDidUpdate: updated.on,
      visualisation: async () => ({ visualisation: buildVisualisation(parsed, facts, { freeThreaded: true }, result.diagnostics), diagnostics: result.diagnostics, freeThreaded: true }),
    };
    const log = { info() {}, debug() {}, error(m: string, e: unknown) { throw new Error(`${m}: ${String(e)}`); } };
    const subscriptions: unknown[] = [];
    registerVisualiser({ extensionUri: { toString: () => 'file:///ext' }, subscriptions } as never, source, log as never);
    assert.equal(subscriptions.length, 1);

    await vscode.commands_.get(VISUALISE_COMMAND)!();
    assert.equal(vscode.panels.length, 1);
    const panel = vscode.panels[0];
    assert.equal(panel.viewType, VISUALISER_VIEW_TYPE);
    assert.equal(panel.options.enableScripts, true);
    assert.deepEqual(panel.options.localResourceRoots.map(String), ['file:///ext/media']);
    const html: string = panel.webview.html;
    assert.match(html, /script-src 'nonce-[A-Za-z0-9]+'/);
    assert.match(html, /vscode-resource:file:\/\/\/ext\/media\/visualiser\.js/);
    for (const fragment of ['onerror', 'alert(1)', '_script_close_script', 'Untitled-1', 'threading']) {
      assert.ok(!html.includes(fragment), `the HTML must not inline file text (${fragment})`);
    }
    assert.equal(panel.posted.length, 0, 'nothing is posted before the page is ready');

    panel.send({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 20));
    const model = panel.posted.find((m: { type: string }) => m.type === 'model');
    assert.ok(model, 'the model is posted once the page is ready');
    assert.equal(model.fileName, 'Untitled-1');
    assert.deepEqual(model.settings, { freeThreaded: true });
    assert.ok(model.concepts.length >= 4);
    assert.ok(model.model.units.some((u: { label: string }) => u.label.startsWith('</script><img src=x onerror=alert(1)>')), 'labels travel verbatim as data');
    assert.equal(panel.title, 'Execution Model: Untitled-1');
    // A second nonce on a new panel differs from the first.
    const nonce1 = /nonce-([A-Za-z0-9]+)/.exec(html)![1];

    panel.send({ type: 'reveal', range: { start: { line: 9, column: 4 }, end: { line: 9, column: 13 } } });
    await new Promise((r) => setTimeout(r, 20));
    const sel = editor.selection as { start: { line: number; character: number } };
    assert.equal(sel.start.line, 9);
    assert.equal(sel.start.character, 4);
    panel.send({ type: 'reveal', range: { start: { line: -1, column: 'x' } } });

    vscode.selectionChanged.fire({ textEditor: editor, selections: [{ active: { line: 4 } }] });
    assert.deepEqual(panel.posted[panel.posted.length - 1], { type: 'highlight', line: 4 });

    panel.dispose();
    await vscode.commands_.get(VISUALISE_COMMAND)!(undefined, 3);
    const panel2 = vscode.panels[1];
    assert.notEqual(/nonce-([A-Za-z0-9]+)/.exec(panel2.webview.html)![1], nonce1, 'a fresh nonce per render of the page');
    panel2.send({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(panel2.posted.map((m: { type: string }) => m.type), ['model', 'highlight']);
    parsed.dispose();
  } finally {
    (Module as unknown as { _load: unknown })._load = load;
  }
});
