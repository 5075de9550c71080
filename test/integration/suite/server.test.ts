import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, codeOf, hoverText, open, ours, resetEditors, waitForDiagnostics, workspaceFile } from './helpers';

// The analysis runs in a language server: a crash or a runaway file must never cost the editor its answers.

interface ServerStatus { state: string; pid?: number }

const status = async (): Promise<ServerStatus> => vscode.commands.executeCommand<ServerStatus>('concurrencyLens.serverStatus');

async function waitFor<T>(what: string, get: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

suite('Language server', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('a killed server is restarted and diagnostics come back from the new one', async () => {
    const editor = await open(workspaceFile('daemon_after_start.py'));
    const uri = editor.document.uri;
    const [before] = await waitForDiagnostics(uri, (ds) => ds.some((d) => codeOf(d) === 'daemon-after-start'), 'the first diagnostics');
    const first = await waitFor('the server to run', status, (s) => s.state === 'Running' && typeof s.pid === 'number');
    process.kill(first.pid!, 'SIGKILL');
    await waitFor('a new server process', status, (s) => s.state === 'Running' && typeof s.pid === 'number' && s.pid !== first.pid, 30_000);
    // Only a live server can move the finding: insert a line above it and wait for the diagnostic one line lower.
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# a line above\n')));
    await waitForDiagnostics(uri, (ds) => ds.some((d) => codeOf(d) === 'daemon-after-start' && d.range.start.line === before.range.start.line + 1),
      'the diagnostic from the restarted server, one line lower');
  });

  test('a file that overruns a tiny time budget says so at line 1, and hovers elsewhere still answer', async () => {
    const config = vscode.workspace.getConfiguration('concurrencyLens');
    await config.update('analysisBudgetMs', 10, vscode.ConfigurationTarget.Workspace);
    try {
      const body = Array.from({ length: 4000 }, (_, i) => `async def f${i}(x):\n    time.sleep(1)\n    return sum(j * j for j in range(10**6))\n`).join('');
      const content = `import time\n\n${body}`;
      const slow = await vscode.workspace.openTextDocument({ language: 'python', content });
      await vscode.window.showTextDocument(slow);
      const [note] = await waitForDiagnostics(slow.uri, (ds) => ds.some((d) => codeOf(d) === 'analysis-budget'), 'the time-budget note', 30_000)
        .then((ds) => ds.filter((d) => codeOf(d) === 'analysis-budget'));
      assert.strictEqual(note.range.start.line, 0);
      assert.strictEqual(note.severity, vscode.DiagnosticSeverity.Information);
      // The budget is for each 256 KiB of text: this file is longer, and gets as many times 10 ms (the first analysis).
      const budget = Math.round(10 * Math.max(1, content.length / (256 * 1024)));
      assert.match(note.message, new RegExp(`stopped analysing this file after ${budget} ms while (rule \`[a-z-]+\`|parsing|the preparation of the analysis) was running`));
      // The editor, and the server, still answer: a hover on another file.
      const other = await open(workspaceFile('hover_apis.py'));
      const offset = other.document.getText().indexOf('Thread(');
      const deadline = Date.now() + 15_000;
      let text = '';
      while (Date.now() < deadline && !/threading\.Thread/.test(text)) {
        text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', other.document.uri, other.document.positionAt(offset + 1)));
        if (!/threading\.Thread/.test(text)) await new Promise((r) => setTimeout(r, 250));
      }
      assert.match(text, /threading\.Thread/, `hover said: ${text}`);
      assert.ok(ours(slow.uri).length >= 1);
    } finally {
      await config.update('analysisBudgetMs', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
