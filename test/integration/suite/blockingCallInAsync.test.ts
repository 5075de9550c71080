import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, codeOf, open, rangeOfText, resetEditors, waitForDiagnostics, workspaceFile } from './helpers';

const CODE = 'blocking-call-in-async';
const has = (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === CODE);

async function preferredFix(doc: vscode.TextDocument, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction> {
  // The code-action context reads markers from the workbench, which can trail the extension host's collection by
  // a moment on a cold start: ask again until our diagnostic's actions are there (as a user's Ctrl+. would).
  let actions: vscode.CodeAction[] = [];
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', doc.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    if (actions.some((a) => a.isPreferred)) break;
  }
  const preferred = actions.find((a) => a.isPreferred);
  assert.ok(preferred?.edit, `no preferred fix among ${JSON.stringify(actions.map((a) => a.title))}`);
  return preferred;
}

suite('Rule blocking-call-in-async', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('Python: time.sleep in async def is flagged; the fix awaits asyncio.sleep and the diagnostic clears', async () => {
    const editor = await open(workspaceFile('blocking_sleep.py'));
    const doc = editor.document;
    const diagnostics = await waitForDiagnostics(doc.uri, has, `a ${CODE} diagnostic in blocking_sleep.py`);
    const diagnostic = diagnostics.find((d) => codeOf(d) === CODE)!;
    // The squiggle sits on the callee: the name that blocks, not its arguments.
    assert.ok(diagnostic.range.isEqual(rangeOfText(doc, 'time.sleep')), `range ${JSON.stringify(diagnostic.range)}`);
    assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    const fix = await preferredFix(doc, diagnostic);
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    assert.ok(doc.getText().includes('await asyncio.sleep(0.2)'), doc.getText());
    assert.ok(!doc.getText().includes('time.sleep'));
    await waitForDiagnostics(doc.uri, (ds) => !has(ds), 'the diagnostic to clear after the fix');
  });

  test('TypeScript: fs.readFileSync in an async function is flagged; the fix awaits the promise API', async () => {
    const editor = await open(workspaceFile('blocking_fs.ts'));
    const doc = editor.document;
    const diagnostics = await waitForDiagnostics(doc.uri, has, `a ${CODE} diagnostic in blocking_fs.ts`);
    const diagnostic = diagnostics.find((d) => codeOf(d) === CODE)!;
    assert.ok(diagnostic.range.start.line === 3, `line ${diagnostic.range.start.line}`);
    const fix = await preferredFix(doc, diagnostic);
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    assert.ok(!doc.getText().includes('readFileSync'), doc.getText());
    assert.match(doc.getText(), /await .*readFile\(path, 'utf8'\)/);
    await waitForDiagnostics(doc.uri, (ds) => !has(ds), 'the diagnostic to clear after the fix');
  });
});
