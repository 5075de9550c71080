// Browser-level test of the execution visualiser: open it from the command palette on an example,
// read the lanes inside the webview, click a span and see the editor jump to its source.
import assert from 'node:assert/strict';
import { newWorkbench } from '../lib/context.mjs';
import { quickOpen, runCommand, screenshot, waitForSquiggle, screenshotOnFailure } from '../lib/workbench.mjs';

/** The webview's content frame: VS Code nests it in two iframes. */
function webview(page) {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/** The source editor's cursor line (1-based), read from its highlighted line number: the status bar hides it while the webview has focus. */
async function cursorLine(page) {
  return Number(await page.locator('.monaco-editor .line-numbers.active-line-number').first().innerText());
}

describe('execution visualiser in the editor', function () {
  let page;

  before(async function () {
    page = await newWorkbench();
  });
  after(async () => { await page?.context().close(); });
  screenshotOnFailure(() => page);

  it('draws one lane per unit for an asyncio file with a blocking call', async () => {
    await quickOpen(page, 'asyncio_blocking.py');
    await waitForSquiggle(page, { severity: 'warning' });
    await runCommand(page, 'Concurrency Lens: Visualise Execution Model');
    const frame = webview(page);
    await frame.locator('svg.timeline g.lane').first().waitFor({ timeout: 30_000 });
    const labels = await frame.locator('svg.timeline .lane-label').allTextContents();
    assert.ok(labels.length >= 3, `lanes: ${JSON.stringify(labels)}`);
    assert.ok(labels.some((l) => /heartbeat/.test(l)), `no heartbeat task lane in ${JSON.stringify(labels)}`);
    assert.ok(labels.some((l) => /fetch/.test(l)), `no fetch task lane in ${JSON.stringify(labels)}`);
    assert.ok(await frame.locator('svg.timeline .span').count() > 3);
    await screenshot(page, '10-visualiser-asyncio');
  });

  it('clicking a span moves the editor cursor to its source line', async () => {
    const frame = webview(page);
    const before = await cursorLine(page);
    // The fetch tasks' `time.sleep(1)` is drawn as a wide sleeping span that stalls the loop; it points at line 18.
    const spans = frame.locator('svg.timeline .span.s-sleeping, svg.timeline .span.s-blocked-io');
    const count = await spans.count();
    let moved = false;
    for (let i = 0; i < count && !moved; i++) {
      await spans.nth(i).click();
      // The reveal travels webview -> extension -> editor: poll for it rather than guess how long it takes.
      for (const deadline = Date.now() + 3_000; !moved && Date.now() < deadline; await page.waitForTimeout(100)) {
        moved = (await cursorLine(page)) !== before;
      }
    }
    assert.ok(moved, `the cursor stayed on line ${before} after clicking ${count} spans`);
    await screenshot(page, '11-visualiser-reveal');
  });
});
