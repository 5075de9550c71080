// Browser-level test of the cl-thread snippet: type its prefix on a new line of an example, accept
// the completion, read the inserted code, and check our rules report nothing new for it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { harness, newWorkbench } from '../lib/context.mjs';
import { ROOT } from '../lib/server.mjs';
import {
  closePanel, goTo, problems, quickOpen, runCommand, screenshot, waitForCursorLine, waitForEditorText, waitForSquiggle, screenshotOnFailure
} from '../lib/workbench.mjs';

const FILE = 'threads_daemon.py';
const ANCHOR = 'events: "queue.Queue[str]" = queue.Queue()';
const PREFIX = 'cl-thread';

/** Our Problems rows (VS Code shows the source and code as "concurrency-lens(code)"). */
const ours = (rows) => rows.filter((r) => /concurrency-lens/.test(r));
const lineOf = (row) => Number(/Ln (\d+)/.exec(row)?.[1]);

describe('cl-thread snippet in the editor (examples/threads_daemon.py)', function () {
  let page;
  let anchorLine; // 1-based
  let bodyLines;

  before(async function () {
    const text = fs.readFileSync(path.join(harness.workspace, FILE), 'utf8').split('\n');
    anchorLine = text.findIndex((l) => l.includes(ANCHOR)) + 1;
    assert.ok(anchorLine > 0, `${ANCHOR} not found in ${FILE}`);
    const snippets = JSON.parse(fs.readFileSync(path.join(ROOT, 'snippets/python.json'), 'utf8'));
    const entry = Object.values(snippets).find((s) => s.prefix === PREFIX);
    assert.ok(entry, `${PREFIX} not in snippets/python.json`);
    bodyLines = entry.body.length;
    page = await newWorkbench();
  });
  after(async () => {
    // Never saved; reverting also keeps the edit out of hot exit for the next workbench on this workspace.
    if (page) await runCommand(page, 'File: Revert File').catch(() => {});
    await page?.context().close();
  });
  screenshotOnFailure(() => page);

  it('typing cl-thread on a new line and accepting the completion inserts a daemon thread; no new problem', async () => {
    await quickOpen(page, FILE);
    await waitForSquiggle(page); // the file's own daemon-after-start error: the extension is running
    const beforeRows = ours(await problems(page));
    assert.equal(beforeRows.length, 1, `expected only the daemon-after-start row: ${JSON.stringify(beforeRows)}`);
    assert.match(beforeRows[0], /daemon-after-start/);
    const lateLine = lineOf(beforeRows[0]);
    await closePanel(page);

    // A new empty line after the module-level queue, then the prefix, as a user types it.
    await goTo(page, anchorLine, ANCHOR.length + 1);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    await waitForCursorLine(page, anchorLine + 1);
    await page.keyboard.type(PREFIX, { delay: 60 });
    const suggest = page.locator('.editor-widget.suggest-widget');
    if (!(await suggest.isVisible())) await page.keyboard.press('Control+Space');
    const rows = suggest.locator('.monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
    // Focus exactly "cl-thread" (not cl-threadpool): it should already be first as the exact match.
    const focusedLabel = async () => (await suggest.locator('.monaco-list-row.focused .label-name').first().innerText()).trim();
    for (let i = 0; i < 8 && (await focusedLabel()) !== PREFIX; i++) await page.keyboard.press('ArrowDown');
    assert.equal(await focusedLabel(), PREFIX, `suggestions: ${JSON.stringify(await rows.allInnerTexts())}`);
    await screenshot(page, '30-snippet-suggest');
    await page.keyboard.press('Enter');
    const text = await waitForEditorText(page, (t) => /threading\.Thread\(target=worker/.test(t), 'the snippet body');
    await page.keyboard.press('Escape'); // leave snippet mode (the placeholders)
    assert.ok(!text.includes(PREFIX), `the prefix was left in the text:\n${text}`);
    assert.match(text, /thread = threading\.Thread\(target=worker, args=\(42,\), name="worker-1", daemon=True\)/);
    assert.match(text, /daemon=True/);
    assert.match(text, /thread\.start\(\)/);
    await screenshot(page, '31-snippet-inserted');

    // Re-analysed: the old error row moves down by the inserted lines (the new line + the rest of the body); nothing else appears.
    const expectedLine = lateLine + bodyLines;
    const deadline = Date.now() + 15_000;
    let after = [];
    while (Date.now() < deadline) {
      after = ours(await problems(page));
      if (after.length === 1 && lineOf(after[0]) === expectedLine) break;
      await page.waitForTimeout(300);
    }
    assert.equal(after.length, 1, `our rules should report nothing new: ${JSON.stringify(after)}`);
    assert.match(after[0], /daemon-after-start/);
    assert.equal(lineOf(after[0]), expectedLine, `the daemon-after-start row should move to line ${expectedLine}: ${after[0]}`);
    await screenshot(page, '32-snippet-problems');
    await closePanel(page);
  });
});
