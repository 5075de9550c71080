// The CPU rules through the vscode API: cpu-bound-in-thread (diagnostic, ProcessPoolExecutor fix,
// silenced by concurrencyLens.python.freeThreaded) and cpu-bound-in-async (Python and TypeScript).
import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  activateExtension, codeOf, describe as show, open, ours, rangeOfText, resetEditors, waitForDiagnostics, workspaceFile,
} from './helpers';

const THREAD = 'cpu-bound-in-thread';
const ASYNC = 'cpu-bound-in-async';
const with_ = (code: string) => (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === code);
const only = (ds: vscode.Diagnostic[], code: string) => ds.filter((d) => codeOf(d) === code);

/** The range of `snippet` at its first occurrence after `anchor` (e.g. the argument inside a call). */
function rangeAfter(doc: vscode.TextDocument, anchor: string, snippet: string): vscode.Range {
  const text = doc.getText();
  const at = text.indexOf(anchor);
  assert.ok(at >= 0, `"${anchor}" not found in ${doc.uri.fsPath}`);
  const offset = text.indexOf(snippet, at);
  assert.ok(offset >= 0, `"${snippet}" not found after "${anchor}"`);
  return new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + snippet.length));
}

async function quickFixes(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider', doc.uri, range, vscode.CodeActionKind.QuickFix.value);
  return actions.filter((a) => a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
}

suite('Rule cpu-bound-in-thread (Python)', () => {
  const FILE = 'cpu_thread_pool.py';
  suiteSetup(activateExtension);
  teardown(async () => {
    const config = vscode.workspace.getConfiguration('concurrencyLens');
    if (config.inspect('python.freeThreaded')?.workspaceValue !== undefined) {
      await config.update('python.freeThreaded', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await resetEditors();
  });

  async function openBuggy(): Promise<{ doc: vscode.TextDocument; diagnostic: vscode.Diagnostic }> {
    const { document: doc } = await open(workspaceFile(FILE));
    const ds = await waitForDiagnostics(doc.uri, with_(THREAD), `a ${THREAD} diagnostic in ${FILE}`);
    return { doc, diagnostic: only(ds, THREAD)[0] };
  }

  test('ThreadPoolExecutor.map of a CPU-bound function: one Warning on the function argument, exact range', async () => {
    const { doc, diagnostic } = await openBuggy();
    assert.deepStrictEqual(ours(doc.uri).map(show), [show(diagnostic)], 'exactly one diagnostic expected');
    assert.strictEqual(diagnostic.severity, vscode.DiagnosticSeverity.Warning);
    const expected = rangeAfter(doc, 'pool.map(', 'count_primes');
    assert.ok(diagnostic.range.isEqual(expected),
      `range ${JSON.stringify(show(diagnostic))} should cover "count_primes" in pool.map(...) (line ${expected.start.line})`);
    assert.match(diagnostic.message, /`count_primes` runs in a thread \(`ThreadPoolExecutor\.map`\) but is CPU-bound/);
    assert.match(diagnostic.message, /GIL/);
    // The related information points at the CPU loop that makes it CPU-bound.
    const related = diagnostic.relatedInformation ?? [];
    assert.ok(related.some((r) => r.location.range.start.line === rangeOfText(doc, 'for i in range(2, n)').start.line),
      `related info should point at the loop: ${JSON.stringify(related.map((r) => [r.message, r.location.range.start.line]))}`);
  });

  test('the preferred quick fix switches to ProcessPoolExecutor; the diagnostic clears', async () => {
    const { doc, diagnostic } = await openBuggy();
    const before = doc.getText();
    const fixes = await quickFixes(doc, diagnostic.range);
    const fix = fixes.find((a) => /Use ProcessPoolExecutor instead of ThreadPoolExecutor/.test(a.title));
    assert.ok(fix?.edit, `no ProcessPoolExecutor fix among ${JSON.stringify(fixes.map((a) => a.title))}`);
    assert.strictEqual(fix.isPreferred, true, 'the ProcessPoolExecutor fix should be preferred');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const expected = before
      .replace('from concurrent.futures import ThreadPoolExecutor\n',
        'from concurrent.futures import ThreadPoolExecutor\nfrom concurrent.futures import ProcessPoolExecutor\n')
      .replace('with ThreadPoolExecutor(max_workers=2) as pool:', 'with ProcessPoolExecutor(max_workers=2) as pool:');
    assert.notStrictEqual(expected, before);
    assert.strictEqual(doc.getText(), expected);
    await waitForDiagnostics(doc.uri, (ds) => !with_(THREAD)(ds), `the ${THREAD} diagnostic to clear after the fix`);
  });

  test('concurrencyLens.python.freeThreaded = true silences it (other rules stay); resetting the setting brings it back', async () => {
    // cpu_free_threaded.py also has a daemon-after-start error, which the setting must not touch: waiting for
    // "that one present, ours absent" cannot be satisfied by a file that is merely being re-analysed.
    const { document: doc } = await open(workspaceFile('cpu_free_threaded.py'));
    const both = (ds: vscode.Diagnostic[]) => with_(THREAD)(ds) && with_('daemon-after-start')(ds);
    const silenced = (ds: vscode.Diagnostic[]) => !with_(THREAD)(ds) && with_('daemon-after-start')(ds);
    await waitForDiagnostics(doc.uri, both, 'cpu-bound-in-thread and daemon-after-start in cpu_free_threaded.py');
    const config = vscode.workspace.getConfiguration('concurrencyLens');
    await config.update('python.freeThreaded', true, vscode.ConfigurationTarget.Workspace);
    assert.strictEqual(vscode.workspace.getConfiguration('concurrencyLens').get('python.freeThreaded'), true);
    await waitForDiagnostics(doc.uri, silenced, `the ${THREAD} diagnostic to disappear with freeThreaded (daemon-after-start staying)`);
    // And it stays away (not a transient state between two analyses).
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(silenced(ours(doc.uri)), JSON.stringify(ours(doc.uri).map(show)));
    await config.update('python.freeThreaded', undefined, vscode.ConfigurationTarget.Workspace);
    await waitForDiagnostics(doc.uri, both, `the ${THREAD} diagnostic to return once freeThreaded is reset`);
  });
});

suite('Rule cpu-bound-in-async', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('Python: an arithmetic loop in async def with no await is flagged on the loop header', async () => {
    const { document: doc } = await open(workspaceFile('cpu_async_loop.py'));
    const ds = await waitForDiagnostics(doc.uri, with_(ASYNC), `a ${ASYNC} diagnostic in cpu_async_loop.py`);
    assert.deepStrictEqual(ds.map(show), only(ds, ASYNC).map(show), 'no other rule fires on this file');
    const mine = only(ds, ASYNC);
    assert.strictEqual(mine.length, 1, JSON.stringify(mine.map(show)));
    assert.strictEqual(mine[0].severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(mine[0].range.isEqual(rangeOfText(doc, 'for i in range(n):')), `range ${JSON.stringify(show(mine[0]))}`);
    assert.match(mine[0].message, /never awaits in `checksum\(\)`/);
    assert.match(mine[0].message, /other tasks (would )?wait/);
  });

  test('TypeScript: Promise.all over CPU-only async callbacks is flagged once, at Promise.all, with the loop as related information', async () => {
    const { document: doc } = await open(workspaceFile('cpu_promise_all.ts'));
    const ds = await waitForDiagnostics(doc.uri, (d) => only(d, ASYNC).length >= 1, `a ${ASYNC} diagnostic in cpu_promise_all.ts`);
    const mine = only(ds, ASYNC);
    // One problem, one report: the loop is not reported again on its own.
    assert.strictEqual(mine.length, 1, JSON.stringify(mine.map(show)));
    const [all] = mine;
    assert.ok(all.range.isEqual(rangeAfter(doc, 'return Promise.all(', 'Promise.all')), `range ${JSON.stringify(show(all))}`);
    assert.match(all.message, /one after another/);
    const loop = rangeOfText(doc, 'for (let i = 0; i < 5_000_000; i++)').start;
    assert.ok((all.relatedInformation ?? []).some((r) => r.location.range.start.line === loop.line), JSON.stringify(all.relatedInformation));
  });

  test('correct files (process pool, I/O threads, awaiting loops) get no CPU diagnostic', async () => {
    const okPy = (await open(workspaceFile('cpu_ok.py'))).document;
    const okTs = (await open(workspaceFile('cpu_ok.ts'))).document;
    // Open the buggy files after them and wait for their diagnostics, so "none" is not just "not analysed yet".
    const badPy = (await open(workspaceFile('cpu_async_loop.py'))).document;
    await waitForDiagnostics(badPy.uri, with_(ASYNC), 'the positive control (cpu_async_loop.py)');
    const badTs = (await open(workspaceFile('cpu_promise_all.ts'))).document;
    await waitForDiagnostics(badTs.uri, with_(ASYNC), 'the positive control (cpu_promise_all.ts)');
    assert.deepStrictEqual(ours(okPy.uri).map(show), [], 'cpu_ok.py');
    assert.deepStrictEqual(ours(okTs.uri).map(show), [], 'cpu_ok.ts');
  });
});

suite('Visualiser on a TypeScript file with Promise.all and a Worker', () => {
  suiteSetup(activateExtension);
  teardown(resetEditors);

  test('e2e_promise_worker.ts: cpu-bound-in-async fires, and the visualiser panel opens titled after the file', async () => {
    const { document: doc } = await open(workspaceFile('e2e_promise_worker.ts'));
    const ds = await waitForDiagnostics(doc.uri, with_(ASYNC), `a ${ASYNC} diagnostic in e2e_promise_worker.ts`);
    assert.ok(only(ds, ASYNC).some((d) => d.range.isEqual(rangeAfter(doc, 'await Promise.all(', 'Promise.all'))), JSON.stringify(ds.map(show)));
    await vscode.commands.executeCommand('concurrencyLens.visualise');
    const deadline = Date.now() + 15_000;
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('concurrencyLens.visualiser'));
    while (!tabs().some((t) => /Execution Model: e2e_promise_worker\.ts/.test(t.label)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepStrictEqual(tabs().map((t) => t.label), ['Execution Model: e2e_promise_worker.ts']);
  });
});
