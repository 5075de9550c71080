// The contributed snippets as the completion list offers them (vscode.executeCompletionItemProvider).
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, resetEditors } from './helpers';

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function bodyOf(item: vscode.CompletionItem): string {
  const t = item.insertText;
  return t === undefined ? '' : typeof t === 'string' ? t : t.value;
}

/** Completions at the start of `line` (0-based) of a new untitled document. */
async function completionsAt(language: string, content: string, line: number): Promise<vscode.CompletionItem[]> {
  const doc = await vscode.workspace.openTextDocument({ language, content });
  await vscode.window.showTextDocument(doc);
  assert.strictEqual(doc.lineAt(line).text, '', `line ${line} should be empty`);
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(line, 0));
  return list.items;
}

function snippet(items: vscode.CompletionItem[], prefix: string): vscode.CompletionItem {
  const item = items.find((i) => labelOf(i) === prefix);
  const ours = items.filter((i) => labelOf(i).startsWith('cl-')).map(labelOf);
  assert.ok(item, `no completion "${prefix}"; cl-* items offered: ${JSON.stringify(ours)} (of ${items.length})`);
  assert.strictEqual(item.kind, vscode.CompletionItemKind.Snippet, `"${prefix}" should be a Snippet completion`);
  return item;
}

suite('Snippets in the completion list', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('Python: an empty line offers cl-thread (a Snippet) with daemon passed to the constructor', async () => {
    const items = await completionsAt('python', 'import sys\n\nprint(sys.argv)\n', 1);
    const item = snippet(items, 'cl-thread');
    const body = bodyOf(item);
    assert.match(body, /threading\.Thread\(target=/, body);
    assert.match(body, /daemon=\$\{\d+\|True,False\|\}/, body);
    for (const prefix of ['cl-threadpool', 'cl-processpool', 'cl-taskgroup', 'cl-gather', 'cl-to-thread']) snippet(items, prefix);
    // TypeScript-only snippets are not offered in Python.
    assert.ok(!items.some((i) => labelOf(i) === 'cl-promise-pool'), 'cl-promise-pool must not be offered in Python');
  });

  test('TypeScript: an empty line offers cl-promise-pool (a Snippet)', async () => {
    const items = await completionsAt('typescript', 'const n = 1;\n\nconsole.log(n);\n', 1);
    const item = snippet(items, 'cl-promise-pool');
    assert.match(bodyOf(item), /async function \$\{1:mapWithLimit\}/, bodyOf(item));
    for (const prefix of ['cl-worker-pool', 'cl-abort-timeout']) snippet(items, prefix);
    assert.ok(!items.some((i) => labelOf(i) === 'cl-thread'), 'cl-thread must not be offered in TypeScript');
  });
});
