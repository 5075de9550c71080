// Browser-level tests of the visualiser started from an entry point: "Visualise from Here" on a route of a server file
// (examples/server_blocking_route.py) draws 10 request lanes and the stall; the quick fix drops the latency; the panel's
// picker switches to another entry; the lane labels stay put while the timeline scrolls.
import assert from 'node:assert/strict';
import { newWorkbench } from '../lib/context.mjs';
import { goTo, pickQuickFix, quickFixMenu, quickOpen, runCommand, screenshot, waitForNoSquiggle, waitForSquiggle, screenshotOnFailure } from '../lib/workbench.mjs';

const FILE = 'server_blocking_route.py';
const ROUTE_LINE = 17; // `time.sleep(0.3)` inside `async def report()` (1-based)

function webview(page) {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/** The latency line's text once it mentions `pattern`. */
async function latency(page, pattern) {
  const line = webview(page).locator('#latency');
  await line.filter({ hasText: pattern }).waitFor({ timeout: 30_000 });
  return line.innerText();
}

/** "3.0 s" / "300 ms" → ms. */
function ms(text) {
  const m = /([\d.]+) (s|ms)/.exec(text);
  assert.ok(m, `no duration in ${text}`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

describe('execution visualiser from an entry point', function () {
  let page;

  before(async function () {
    page = await newWorkbench();
  });
  after(async () => { await page?.context().close(); });
  screenshotOnFailure(() => page);

  it('"Visualise from Here" on a blocking route: 10 request lanes queue behind the stall', async () => {
    await quickOpen(page, FILE);
    await runCommand(page, 'File: Revert File');
    await waitForSquiggle(page, { severity: 'warning' });
    await goTo(page, ROUTE_LINE);
    await runCommand(page, 'Concurrency Lens: Visualise from Here');
    const frame = webview(page);
    await frame.locator('#title', { hasText: 'GET /report' }).waitFor({ timeout: 30_000 });
    const kinds = await frame.locator('#timelines svg.timeline g.lane .lane-kind').allTextContents();
    const requests = kinds.filter((k) => /arrives/.test(k));
    assert.equal(requests.length, 10, JSON.stringify(kinds));
    assert.ok(await frame.locator('#timelines svg.timeline .stall-band').count() >= 1, 'the stall is drawn');
    const text = await latency(page, 'with the fix');
    assert.match(text, /^10 requests at once: the last finishes at 3\.0 s; with the fix \(.*\): 300 ms\.$/, text);
    assert.equal(await frame.locator('#entry').inputValue(), 'handler:GET /report: report');
    await screenshot(page, '50-visualiser-route-requests');
  });

  it('the lane labels stay at the left edge while the timeline scrolls', async () => {
    const frame = webview(page);
    for (let i = 0; i < 3; i++) await frame.locator('#zoomIn').click();
    const scroller = frame.locator('#timelines .tl-scroll').first();
    const label = frame.locator('#timelines .tl-labels .lane-label-fixed').nth(3);
    const before = await label.boundingBox();
    const moved = await scroller.evaluate((el) => { el.scrollLeft = 600; return el.scrollLeft; });
    assert.ok(moved > 100, `the timeline did not scroll (${moved})`);
    const after = await label.boundingBox();
    assert.ok(before && after && Math.abs(before.x - after.x) < 1, `label moved from ${before?.x} to ${after?.x}`);
    // It is on top: the point under its text is the label, not a span scrolled beneath it.
    const onTop = await label.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return document.elementFromPoint(r.left + 4, r.top + r.height / 2)?.closest('.tl-labels') !== null;
    });
    assert.ok(onTop, 'the fixed label is covered');
    await screenshot(page, '51-visualiser-scrolled-labels');
    for (let i = 0; i < 3; i++) await frame.locator('#zoomOut').click();
  });

  it('the picker switches to another entry point of the file', async () => {
    const frame = webview(page);
    await frame.locator('#entry').selectOption('handler:GET /health: health');
    await frame.locator('#title', { hasText: 'GET /health' }).waitFor({ timeout: 30_000 });
    const text = await latency(page, '10 requests');
    assert.ok(ms(text.replace(/^10 requests at once: the last finishes at /, '')) < 100, text);
    assert.equal(await frame.locator('#timelines .stall-band').count(), 0);
    await screenshot(page, '52-visualiser-picker-health');
    await frame.locator('#entry').selectOption('handler:GET /report: report');
    await frame.locator('#title', { hasText: 'GET /report' }).waitFor({ timeout: 30_000 });
  });

  it('applying the quick fix drops the latency to about one request\'s', async () => {
    const before = ms((await latency(page, '3.0 s')).replace(/^10 requests at once: the last finishes at /, ''));
    await runCommand(page, 'View: Focus First Editor Group'); // the source editor again (the picker had the focus)
    await goTo(page, ROUTE_LINE, 10);
    await quickFixMenu(page);
    await pickQuickFix(page, /asyncio\.sleep/);
    await waitForNoSquiggle(page, { severity: 'warning' });
    const text = await latency(page, /finishes at 300 ms\.$/);
    assert.ok(ms(text.replace(/^10 requests at once: the last finishes at /, '')) * 5 < before, `${text} (before: ${before} ms)`);
    assert.doesNotMatch(text, /with the fix/);
    await screenshot(page, '53-visualiser-route-fixed');
    await runCommand(page, 'File: Revert File');
  });
});
