import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, open, resetEditors, workspaceFile } from './helpers';

suite('Activation', () => {
  teardown(resetEditors);

  test('the extension is installed and activates', async () => {
    const ext = await activateExtension();
    assert.strictEqual(ext.isActive, true);
    assert.strictEqual(ext.id, EXTENSION_ID);
  });

  test('it declares activation for Python and TS/JS', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const manifest = ext?.packageJSON as { activationEvents?: string[] } | undefined;
    const events = manifest?.activationEvents ?? [];
    for (const lang of ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact']) {
      assert.ok(events.includes(`onLanguage:${lang}`), `missing activation event onLanguage:${lang}; has ${JSON.stringify(events)}`);
    }
  });

  test('opening a Python file leaves the extension active', async () => {
    const editor = await open(workspaceFile('daemon_after_start.py'));
    assert.strictEqual(editor.document.languageId, 'python');
    assert.strictEqual(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });
});
