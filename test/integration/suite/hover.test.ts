import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, codeOf, hoverText, open, resetEditors, skip, waitForDiagnostics, workspaceFile } from './helpers';

const OUR_COMMANDS = ['concurrencyLens.openRuleDocs', 'concurrencyLens.showKnowledge', 'concurrencyLens.visualise'];

/** Hovers until our content shows up (the first analysis of a just-opened file may still be running). */
async function hoverUntil(uri: vscode.Uri, position: vscode.Position, expected: RegExp, timeoutMs = 15_000): Promise<{ text: string; hovers: vscode.Hover[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position);
    const text = hoverText(hovers);
    if (expected.test(text) || Date.now() > deadline) return { text, hovers };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function positionOf(doc: vscode.TextDocument, snippet: string, delta = 0): vscode.Position {
  const offset = doc.getText().indexOf(snippet);
  assert.ok(offset >= 0, `"${snippet}" not found in ${doc.uri.fsPath}`);
  return doc.positionAt(offset + delta);
}

/** Our hover markdown, as VS Code hands it back. */
function ourMarkdown(hovers: vscode.Hover[]): vscode.MarkdownString | undefined {
  return hovers.flatMap((h) => h.contents)
    .find((c): c is vscode.MarkdownString => typeof c === 'object' && 'value' in c && /concurrencyLens\.|docs\.python\.org|developer\.mozilla\.org/.test(c.value));
}

suite('Hovers', () => {
  // These check the full hover (the default is short: see test/e2e/ui/first-minutes.ui.mjs).
  suiteSetup(async () => {
    await activateExtension();
    await vscode.workspace.getConfiguration('concurrencyLens').update('hover', 'full', vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('concurrencyLens').update('hover', undefined, vscode.ConfigurationTarget.Global);
  });
  teardown(resetEditors);

  setup(async function () {
    const commands = await vscode.commands.getCommands(true);
    if (!commands.includes('concurrencyLens.openRuleDocs')) skip(this, 'the hover adapter is not registered (registerHover is not wired into src/extension.ts)');
  });

  test('Python: th.Thread shows the threading.Thread entry, with the GIL link and the docs link', async () => {
    const editor = await open(workspaceFile('hover_apis.py'));
    const { text, hovers } = await hoverUntil(editor.document.uri, positionOf(editor.document, 'Thread('), /\*\*threading\.Thread\*\*/);
    assert.match(text, /\*\*threading\.Thread\*\*/, `hover text was: ${JSON.stringify(text)}`);
    assert.match(text, /\*\*Execution:\*\*/);
    assert.match(text, /command:concurrencyLens\.showKnowledge\?[^)]*python%3Agil/, 'the GIL entry should be one link away');
    assert.match(text, /\(https:\/\/docs\.python\.org\/3\/library\/threading\.html#threading\.Thread\)/);
    const markdown = ourMarkdown(hovers);
    assert.ok(markdown, 'our MarkdownString should be among the hovers');
    assert.notStrictEqual(markdown.supportHtml, true);
    if (typeof markdown.isTrusted === 'object') {
      assert.ok(markdown.isTrusted.enabledCommands.every((c) => OUR_COMMANDS.includes(c)), JSON.stringify(markdown.isTrusted));
    } else {
      assert.notStrictEqual(markdown.isTrusted, true, 'never trust every command');
    }
  });

  test('Python: a method on an instance shows the method entry', async () => {
    const editor = await open(workspaceFile('hover_apis.py'));
    const { text } = await hoverUntil(editor.document.uri, positionOf(editor.document, 'worker.join', 'worker.'.length), /Thread\.join/);
    assert.match(text, /\*\*threading\.Thread\.join\(\)\*\*/, `hover text was: ${JSON.stringify(text)}`);
  });

  test('Python: a user function gets no hover of ours', async () => {
    const editor = await open(workspaceFile('hover_apis.py'));
    // Wait for ours on a known API first, so "none" is not just "not analysed yet".
    await hoverUntil(editor.document.uri, positionOf(editor.document, 'Thread('), /\*\*threading\.Thread\*\*/);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, positionOf(editor.document, 'target=poll', 'target='.length));
    assert.strictEqual(ourMarkdown(hovers), undefined, hoverText(hovers));
  });

  test('TS: Promise.all shows the Promise.all entry', async () => {
    const editor = await open(workspaceFile('hover_apis.ts'));
    const { text } = await hoverUntil(editor.document.uri, positionOf(editor.document, 'Promise.all', 'Promise.'.length), /\*\*Promise\.all\(\)\*\*/);
    assert.match(text, /\*\*Promise\.all\(\)\*\*/, `hover text was: ${JSON.stringify(text)}`);
    assert.match(text, /```typescript/);
    assert.match(text, /\(https:\/\/developer\.mozilla\.org\/[^)]*Promise\/all\)/);
  });

  test('TS: new Worker from node:worker_threads shows the Worker entry', async () => {
    const editor = await open(workspaceFile('hover_apis.ts'));
    const { text } = await hoverUntil(editor.document.uri, positionOf(editor.document, 'new Worker', 'new '.length), /worker_threads\.Worker/);
    assert.match(text, /\*\*[^*]*Worker[^*]*\*\*/, `hover text was: ${JSON.stringify(text)}`);
    assert.match(text, /nodejs\.org/);
  });

  test('on a diagnostic: the rule summary, the preferred fix and an "Open rule docs" link', async () => {
    const editor = await open(workspaceFile('daemon_after_start.py'));
    const diagnostics = await waitForDiagnostics(editor.document.uri, (ds) => ds.some((d) => codeOf(d) === 'daemon-after-start'), 'a daemon-after-start diagnostic');
    const diagnostic = diagnostics.find((d) => codeOf(d) === 'daemon-after-start')!;
    const { text } = await hoverUntil(editor.document.uri, diagnostic.range.start.translate(0, 2), /Open rule docs/);
    assert.match(text, /daemon-after-start/, `hover text was: ${JSON.stringify(text)}`);
    assert.match(text, /flag is set after the thread was started/);
    assert.match(text, /Quick fix: Pass daemon/);
    assert.match(text, /raises RuntimeError/, 'the finding\'s detail');
    assert.match(text, /\[Open rule docs\]\(command:concurrencyLens\.openRuleDocs\?[^)]*daemon-after-start/);
    assert.ok(!text.includes(diagnostic.message), 'the diagnostic message is shown by VS Code, not repeated');
  });

  test('concurrencyLens.openRuleDocs opens the shipped rule page', async () => {
    await vscode.commands.executeCommand('concurrencyLens.openRuleDocs', 'daemon-after-start');
    const deadline = Date.now() + 10_000;
    const opened = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) =>
      (t.input instanceof vscode.TabInputText && t.input.uri.path.endsWith('/docs/rules/daemon-after-start.md'))
      || (t.input instanceof vscode.TabInputWebview && /markdown/i.test(t.input.viewType))
      || /daemon-after-start/.test(t.label));
    while (!opened() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(opened(), `no rule page among tabs ${JSON.stringify(vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label))}`);
  });

  test('the GIL link\'s page has the GIL entry', async () => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'concurrency-lens-knowledge', path: '/python-gil.md', query: encodeURIComponent('python:gil') }));
    assert.match(doc.getText(), /^# The GIL/);
    await vscode.commands.executeCommand('concurrencyLens.showKnowledge', 'python:gil');
  });
});
