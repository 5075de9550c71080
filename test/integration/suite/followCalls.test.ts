import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, codeOf, hoverText, open, resetEditors, waitForDiagnostics, workspaceFile } from './helpers';

// Following calls in the editor: a finding through another file, its related location there, a hover that says what
// the helper does, and an unsaved edit of the helper updating the open caller.

suite('Following calls across files', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('a helper in another file that shells out is reported at the call, with the hop in that file', async () => {
    const editor = await open(workspaceFile('version_handler.py'));
    const uri = editor.document.uri;
    const [finding] = await waitForDiagnostics(uri, (ds) => ds.some((d) => codeOf(d) === 'blocking-call-in-async'), 'the finding through gitinfo.py');
    assert.match(finding.message, /`git_rev\(\)` blocks the event loop in `\w+\(\)`: it calls `subprocess\.check_output\(\)`; other tasks (would )?wait \(gitinfo\.py:5\)/);
    const hop = finding.relatedInformation?.find((r) => r.location.uri.path.endsWith('/gitinfo.py'));
    assert.ok(hop, JSON.stringify(finding.relatedInformation));
    assert.strictEqual(hop.location.range.start.line, 4);

    // The hover on the call names what the helper does.
    const at = editor.document.positionAt(editor.document.getText().indexOf('git_rev()') + 2);
    const deadline = Date.now() + 15_000;
    let text = '';
    while (!/blocks the thread it runs on/.test(text) && Date.now() < deadline) {
      text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, at));
      if (!/blocks the thread it runs on/.test(text)) await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(text.replace(/\\(.)/g, '$1'), /`git_rev\(\)` blocks the thread it runs on:\*\* it calls `subprocess\.check_output\(\)` \(gitinfo\.py:5\)/);
  });

  test('an unsaved edit of the helper updates the open caller, and undoing it brings the finding back', async () => {
    const caller = await open(workspaceFile('version_handler.py'));
    const uri = caller.document.uri;
    const has = (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === 'blocking-call-in-async');
    await waitForDiagnostics(uri, has, 'the finding through gitinfo.py');
    const helper = await open(workspaceFile('gitinfo.py'));
    const body = helper.document.getText();
    const call = body.indexOf('subprocess.check_output');
    await helper.edit((e) => e.replace(new vscode.Range(helper.document.positionAt(call), helper.document.positionAt(body.indexOf('.decode()'))), 'str("0" * 40)'));
    assert.ok(helper.document.isDirty);
    await waitForDiagnostics(uri, (ds) => !has(ds), 'the finding to go while the helper is unsaved', 20_000);
    await vscode.commands.executeCommand('undo');
    await waitForDiagnostics(uri, has, 'the finding to come back after undo', 20_000);
  });
});
