// Browser-level tests of the daemon-after-start rule, done the way a user does it.
// One file per feature area; each opens its own workbench page on a temp copy of examples/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { harness, newWorkbench } from '../lib/context.mjs';
import {
  closePanel, editorText, goTo, hoverSquiggle, pickQuickFix, quickFixMenu, quickOpen, screenshot, squiggles,
  waitForEditorText, waitForNoProblem, waitForNoSquiggle, waitForProblem, waitForSquiggle, screenshotOnFailure
} from '../lib/workbench.mjs';

const FILE = 'threads_daemon.py';
const LATE = 'shipper.daemon = True';

describe('daemon-after-start in the editor (examples/threads_daemon.py)', function () {
  let page;
  let lateLine; // 1-based

  before(async function () {
    lateLine = fs.readFileSync(path.join(harness.workspace, FILE), 'utf8').split('\n').findIndex((l) => l.includes(LATE)) + 1;
    assert.ok(lateLine > 0, `${LATE} not found in ${FILE}`);
    page = await newWorkbench();
  });
  after(async () => { await page?.context().close(); });
  screenshotOnFailure(() => page);

  it('opening the file via Quick Open shows an error squiggle', async () => {
    await quickOpen(page, FILE);
    await waitForSquiggle(page);
    assert.ok(await squiggles(page).count() >= 1);
    await screenshot(page, '01-daemon-squiggle');
  });

  it('the Problems panel lists it with its code', async () => {
    const row = await waitForProblem(page, /daemon-after-start/);
    assert.match(row, /shipper\.daemon/);
    assert.match(row, /concurrency-lens/);
    await screenshot(page, '02-daemon-problems');
    await closePanel(page);
  });

  it('hovering the squiggle shows the message', async () => {
    const text = await hoverSquiggle(page);
    assert.match(text, /shipper\.daemon.*is set after.*shipper\.start\(\)/s, `hover said: ${text}`);
    assert.match(text, /daemon-after-start/, `hover said: ${text}`);
    await screenshot(page, '03-daemon-hover');
  });

  it('deleting the late line clears the diagnostic; undo brings it back', async () => {
    await goTo(page, lateLine, 5);
    await page.keyboard.press('Control+Shift+K'); // Delete Line
    await waitForEditorText(page, (t) => !t.includes(LATE), 'the line to be deleted');
    await waitForNoSquiggle(page);
    await waitForNoProblem(page, /daemon-after-start/);
    await screenshot(page, '04-daemon-edited-clean');
    await closePanel(page);
    await page.keyboard.press('Control+Z');
    await waitForEditorText(page, (t) => t.includes(LATE), 'undo to restore the line');
    await waitForSquiggle(page);
  });

  it('Ctrl+. offers the quick fixes and the preferred one rewrites the code', async () => {
    await goTo(page, lateLine, 5);
    const entries = await quickFixMenu(page);
    assert.ok(entries.some((e) => /Pass daemon=True to the (Thread )?constructor/.test(e)), `menu: ${JSON.stringify(entries)}`);
    assert.ok(entries.some((e) => /Move the daemon assignment before start\(\)/.test(e)), `menu: ${JSON.stringify(entries)}`);
    await screenshot(page, '05-daemon-quickfix-menu');
    await pickQuickFix(page, /Pass daemon=True/);
    const text = await waitForEditorText(page, (t) => !t.includes(LATE), 'the fix to remove the late assignment');
    assert.match(text, /shipper = threading\.Thread\(target=ship_forever, name="shipper", daemon=True\)/);
    await waitForNoSquiggle(page);
    await screenshot(page, '06-daemon-fixed');
    assert.ok((await editorText(page)).includes('shipper.start()'));
  });
});
