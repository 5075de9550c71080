// Following calls in the editor, the way a user meets it: a finding through another file, the hover that says what
// the helper does, and the quick fix that moves the call to a worker thread.
import assert from 'node:assert/strict';
import { harness, newWorkbench } from '../lib/context.mjs';
import {
  closePanel, goTo, hoverSquiggle, pickQuickFix, quickFixMenu, quickOpen, screenshot, screenshotOnFailure,
  waitForEditorText, waitForNoSquiggle, waitForProblem, waitForSquiggle
} from '../lib/workbench.mjs';
import fs from 'node:fs';
import path from 'node:path';

const FILE = 'follow_calls.py';
const CALL = 'revision = current_revision()';

describe('following calls in the editor (examples/follow_calls.py)', function () {
  let page;
  let callLine; // 1-based

  before(async function () {
    callLine = fs.readFileSync(path.join(harness.workspace, FILE), 'utf8').split('\n').findIndex((l) => l.includes(CALL)) + 1;
    assert.ok(callLine > 0, `${CALL} not found in ${FILE}`);
    page = await newWorkbench();
  });
  after(async () => { await page?.context().close(); });
  screenshotOnFailure(() => page);

  it('the call of a helper in another file gets a warning naming the chain into helpers/tools.py', async () => {
    await quickOpen(page, FILE);
    await waitForSquiggle(page, { severity: 'warning' });
    const row = await waitForProblem(page, /current_revision\(\)` blocks the event loop/);
    assert.match(row, /it calls `subprocess\.run\(\)`; other tasks wait \(tools\.py:7\)/);
    // Why it matters (the handler runs in a gather) is its related location, a row of its own.
    await waitForProblem(page, /Why this matters: .*asyncio\.gather/);
    await screenshot(page, '50-follow-problems');
    await closePanel(page);
  });

  it('hovering the call says what the helper does, in the other file', async () => {
    const text = await hoverSquiggle(page, 'warning');
    assert.match(text, /current_revision\(\) blocks the thread it runs on/, `hover said: ${text}`);
    assert.match(text, /subprocess\.run\(\) \(tools\.py:7\)/, `hover said: ${text}`);
    await screenshot(page, '51-follow-hover');
  });

  it('the quick fix runs it in a worker thread and the warning goes', async () => {
    await goTo(page, callLine, 20);
    const entries = await quickFixMenu(page);
    assert.ok(entries.some((e) => /Run `current_revision` in a worker thread/.test(e)), `menu: ${JSON.stringify(entries)}`);
    await pickQuickFix(page, /Run `current_revision` in a worker thread/);
    await waitForEditorText(page, (t) => t.includes('revision = await asyncio.to_thread(current_revision)'), 'the fix to rewrite the call');
    await waitForNoSquiggle(page, { severity: 'warning' });
    await screenshot(page, '52-follow-fixed');
  });
});
