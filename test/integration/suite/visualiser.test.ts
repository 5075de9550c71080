import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, open, resetEditors, skip, workspaceFile } from './helpers';

const COMMAND = 'concurrencyLens.visualise';
const VIEW_TYPE = 'concurrencyLens.visualiser';

function visualiserTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes(VIEW_TYPE));
}

async function waitForTab(count: number): Promise<vscode.Tab[]> {
  const deadline = Date.now() + 10_000;
  while (visualiserTabs().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  return visualiserTabs();
}

suite('Visualiser', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test(`${COMMAND} opens a webview panel for the active Python file`, async function () {
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes(COMMAND)) skip(this, `command ${COMMAND} is not registered yet`);
    await open(workspaceFile('daemon_after_start.py'));
    await vscode.commands.executeCommand(COMMAND);
    const tabs = await waitForTab(1);
    assert.equal(tabs.length, 1, 'one visualiser tab');
    assert.match(tabs[0].label, /Execution Model/);
    // Running it again reuses the panel.
    await vscode.commands.executeCommand(COMMAND);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(visualiserTabs().length, 1, 'the panel is reused');
  });

  test(`${COMMAND}(uri, line) opens that file and the panel (the hover link)`, async function () {
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes(COMMAND)) skip(this, `command ${COMMAND} is not registered yet`);
    const uri = workspaceFile('daemon_ok.py');
    await vscode.commands.executeCommand(COMMAND, uri, 2);
    const tabs = await waitForTab(1);
    assert.equal(tabs.length, 1);
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    assert.ok(editor, 'the file is open');
    assert.equal(editor.selection.active.line, 2, 'the cursor is on the given line');
  });

  test('code lenses over a route and a thread target open the visualiser there; "Visualise from Here" is a command', async function () {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('concurrencyLens.visualiseFromHere'), 'Visualise from Here is registered');
    const content = 'import threading\nimport time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/items")\nasync def items():\n    time.sleep(0.1)\n\n\ndef work():\n    pass\n\n\nthreading.Thread(target=work).start()\n';
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content });
    await vscode.window.showTextDocument(doc);
    let lenses: vscode.CodeLens[] = [];
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 300))) {
      lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
      if (lenses.filter((l) => l.command?.command === COMMAND).length >= 2) break;
    }
    const ours = lenses.filter((l) => l.command?.command === COMMAND).map((l) => [l.range.start.line, l.command!.title.replace(/^\$\(graph\) /, '')]);
    assert.deepEqual(ours, [[8, 'Visualise 10 requests'], [12, 'Visualise in its thread']]);
    const lens = lenses.find((l) => l.range.start.line === 8)!;
    await vscode.commands.executeCommand(COMMAND, ...((lens.command!.arguments ?? []) as unknown[]));
    const tabs = await waitForTab(1);
    assert.equal(tabs.length, 1);
  });

  test(`${COMMAND} works on an untitled Python buffer`, async function () {
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes(COMMAND)) skip(this, `command ${COMMAND} is not registered yet`);
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'import threading\nthreading.Thread(target=print).start()\n' });
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand(COMMAND);
    assert.equal((await waitForTab(1)).length, 1);
  });
});
