import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, open, resetEditors, skip, workspaceFile } from './helpers';

const COMMAND = 'concurrencyLens.visualise';

function webviewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
}

suite('Visualiser', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test(`${COMMAND} opens a webview panel for the active file`, async function () {
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes(COMMAND)) skip(this, `command ${COMMAND} is not registered yet`);
    await open(workspaceFile('daemon_after_start.py'));
    const before = webviewTabs().length;
    await vscode.commands.executeCommand(COMMAND);
    const deadline = Date.now() + 10_000;
    while (webviewTabs().length <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const tabs = webviewTabs();
    assert.ok(tabs.length > before, 'no webview tab appeared after running the command');
    const input = tabs[tabs.length - 1].input as vscode.TabInputWebview;
    assert.match(input.viewType, /concurrency|visual/i, `unexpected webview type ${input.viewType}`);
  });
});
