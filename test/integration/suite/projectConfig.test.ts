import * as vscode from 'vscode';
import { activateExtension, codeOf, open, resetEditors, waitForDiagnostics, workspaceFile } from './helpers';

// The project's own configuration file reaches the editor: the same file CI's CLI reads.

suite('Project configuration', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('a pyproject.toml that turns a rule off removes its squiggle; deleting it brings it back', async () => {
    const editor = await open(workspaceFile('daemon_after_start.py'));
    const uri = editor.document.uri;
    const has = (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === 'daemon-after-start');
    await waitForDiagnostics(uri, has, 'the daemon-after-start diagnostic');
    const pyproject = workspaceFile('pyproject.toml');
    await vscode.workspace.fs.writeFile(pyproject, Buffer.from('[tool.concurrency-lens]\nrules = { "daemon-after-start" = "off" }\n'));
    try {
      await waitForDiagnostics(uri, (ds) => !has(ds), 'the diagnostic to go once pyproject.toml turns the rule off', 20_000);
    } finally {
      await vscode.workspace.fs.delete(pyproject);
    }
    await waitForDiagnostics(uri, has, 'the diagnostic to come back once pyproject.toml is gone', 20_000);
  });
});
