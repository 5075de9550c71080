import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activateExtension, codeOf, describe as show, hoverText, open, ours, rangeOfText, resetEditors, skip, SOURCE,
  waitForDiagnostics, workspaceFile,
} from './helpers';

const CODE = 'daemon-after-start';
const FILE = 'daemon_after_start.py';
const LATE = 'worker.daemon = True';
const has = (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === CODE);

suite('Rule daemon-after-start (Python)', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  async function openBuggy(): Promise<{ editor: vscode.TextEditor; diagnostic: vscode.Diagnostic }> {
    const editor = await open(workspaceFile(FILE));
    const diagnostics = await waitForDiagnostics(editor.document.uri, has, `a ${CODE} diagnostic in ${FILE}`);
    return { editor, diagnostic: diagnostics.find((d) => codeOf(d) === CODE)! };
  }

  test('reports an Error on the late assignment, at its exact range', async () => {
    const { editor, diagnostic } = await openBuggy();
    assert.deepStrictEqual(ours(editor.document.uri).map(show), [show(diagnostic)], 'exactly one diagnostic expected');
    assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(diagnostic.source, SOURCE);
    assert.ok(diagnostic.range.isEqual(rangeOfText(editor.document, LATE)),
      `range ${JSON.stringify(show(diagnostic))} should cover exactly "${LATE}"`);
    assert.match(diagnostic.message, /worker\.daemon/);
    assert.match(diagnostic.message, /start\(\)/);
  });

  test('a correct file gets no diagnostic', async () => {
    const editor = await open(workspaceFile('daemon_ok.py'));
    // Open the buggy file after it and wait for its diagnostic, so "none" is not just "not analysed yet".
    await openBuggy();
    assert.deepStrictEqual(ours(editor.document.uri).map(show), []);
  });

  test('offers both quick fixes, the constructor one preferred', async () => {
    const { editor, diagnostic } = await openBuggy();
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', editor.document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    // vscode.executeCodeActionProvider does not hand back `diagnostics`: match by title.
    const fixes = actions.filter((a) => a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
    const titles = actions.map((a) => a.title);
    const ctor = fixes.find((a) => /Pass daemon=True to the (Thread )?constructor/.test(a.title));
    const move = fixes.find((a) => /Move the daemon assignment before start\(\)/.test(a.title));
    assert.ok(ctor, `no "Pass daemon=True to the constructor" fix among ${JSON.stringify(titles)}`);
    assert.ok(move, `no "Move the daemon assignment before start()" fix among ${JSON.stringify(titles)}`);
    assert.strictEqual(ctor.isPreferred, true, 'the constructor fix should be preferred');
    assert.notStrictEqual(move.isPreferred, true, 'only one fix may be preferred');
    assert.ok(ctor.kind && vscode.CodeActionKind.QuickFix.contains(ctor.kind));
  });

  test('applying the preferred fix passes daemon=True and removes the late line; the diagnostic clears', async () => {
    const { editor, diagnostic } = await openBuggy();
    const doc = editor.document;
    const before = doc.getText();
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', doc.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const preferred = actions.find((a) => a.isPreferred && /daemon/.test(a.title));
    assert.ok(preferred?.edit, 'the preferred fix should carry a WorkspaceEdit');
    assert.ok(await vscode.workspace.applyEdit(preferred.edit));
    const expected = before
      .replace('threading.Thread(target=poll_forever)', 'threading.Thread(target=poll_forever, daemon=True)')
      .replace(`    ${LATE}\n`, '');
    assert.strictEqual(doc.getText(), expected);
    await waitForDiagnostics(doc.uri, (ds) => !has(ds), `the ${CODE} diagnostic to clear after the fix`);
  });

  test('applying the "move" fix puts the assignment before start()', async () => {
    const { editor, diagnostic } = await openBuggy();
    const doc = editor.document;
    const before = doc.getText();
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', doc.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value);
    const move = actions.find((a) => /Move the daemon assignment before start\(\)/.test(a.title));
    assert.ok(move?.edit);
    assert.ok(await vscode.workspace.applyEdit(move.edit));
    const expected = before
      .replace(`    ${LATE}\n`, '')
      .replace('    worker.start()\n', `    ${LATE}\n    worker.start()\n`);
    assert.strictEqual(doc.getText(), expected);
    await waitForDiagnostics(doc.uri, (ds) => !has(ds), `the ${CODE} diagnostic to clear after moving the line`);
  });

  test('editing the bug away by hand clears the diagnostic, and bringing it back restores it', async () => {
    const { editor } = await openBuggy();
    const doc = editor.document;
    const line = doc.lineAt(rangeOfText(doc, LATE).start.line);
    assert.ok(await editor.edit((b) => b.delete(line.rangeIncludingLineBreak)));
    await waitForDiagnostics(doc.uri, (ds) => !has(ds), `the ${CODE} diagnostic to clear after deleting the line`);
    assert.ok(await editor.edit((b) => b.insert(line.range.start, `${line.text}\n`)));
    await waitForDiagnostics(doc.uri, has, `the ${CODE} diagnostic to come back`);
  });

  test('hovering the flagged code explains the rule', async function () {
    const { editor, diagnostic } = await openBuggy();
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider', editor.document.uri, diagnostic.range.start.translate(0, 2));
    const text = hoverText(hovers);
    if (!/daemon-after-start|Concurrency Lens/.test(text) && process.env.CL_REQUIRE_HOVER !== '1') {
      skip(this, 'no hover of Concurrency Lens on the diagnostic yet (set CL_REQUIRE_HOVER=1 to fail instead)');
    }
    assert.match(text, /daemon-after-start/, `hover text was: ${JSON.stringify(text)}`);
    assert.match(text, /start\(\)/, 'the hover should say why: the flag is fixed once start() ran');
  });
});
