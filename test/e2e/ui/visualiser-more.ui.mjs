// Browser-level tests of the execution visualiser beyond asyncio: OS threads (examples/threads_daemon.py)
// and a TypeScript file with Promise.all over CPU-only async functions next to a worker_threads Worker
// (test/integration/workspace/e2e_promise_worker.ts, copied into the temp UI workspace here).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { harness, newWorkbench } from '../lib/context.mjs';
import { ROOT } from '../lib/server.mjs';
import { quickOpen, runCommand, screenshot, waitForSquiggle, screenshotOnFailure } from '../lib/workbench.mjs';

const TS_FILE = 'e2e_promise_worker.ts';

/** The webview's content frame: VS Code nests it in two iframes. */
function webview(page) {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/** The file's timeline (not the concept pages' or what-if charts). */
function timeline(page) {
  return webview(page).locator('#timelines svg.timeline').first();
}

/** Waits until the panel shows `fileName`, then returns [{label, kind, states}] per lane. */
async function lanes(page, fileName) {
  const frame = webview(page);
  await frame.locator('#title', { hasText: fileName }).waitFor({ timeout: 30_000 });
  await timeline(page).locator('g.lane').first().waitFor({ timeout: 30_000 });
  return timeline(page).locator('g.lane').evaluateAll((gs) => gs.map((g) => ({
    shown: g.querySelector('.lane-label')?.childNodes[0]?.textContent ?? '', // clipped to fit the label column
    title: g.querySelector('.lane-label title')?.textContent ?? '', // "<full label> (<kind>[, daemon])"
    label: (g.querySelector('.lane-label title')?.textContent ?? '').replace(/ \([^()]*\)$/, ''),
    kind: g.querySelector('.lane-kind')?.textContent ?? '',
    states: [...new Set([...g.querySelectorAll('.span')].map((s) => [...s.classList].find((c) => c.startsWith('s-'))))].sort(),
    running: [...g.querySelectorAll('.span.s-running')].map((s) => ({ x: Number(s.getAttribute('x')), w: Number(s.getAttribute('width')) })),
  })));
}

describe('execution visualiser: threads and Promise.all + Worker', function () {
  let page;

  before(async function () {
    // The UI workspace is a temp copy of examples/: add the TypeScript fixture to that copy only.
    fs.copyFileSync(path.join(ROOT, 'test/integration/workspace', TS_FILE), path.join(harness.workspace, TS_FILE));
    page = await newWorkbench();
  });
  after(async () => { await page?.context().close(); });
  screenshotOnFailure(() => page);

  it('threads_daemon.py: a main-thread lane and one lane for the shipper thread', async () => {
    await quickOpen(page, 'threads_daemon.py');
    // Another UI file may have left an unsaved edit of this example in hot exit: start from the disk copy.
    await runCommand(page, 'File: Revert File');
    await waitForSquiggle(page);
    await runCommand(page, 'Concurrency Lens: Visualise Execution Model');
    const ls = await lanes(page, 'threads_daemon.py');
    assert.deepEqual(ls.map((l) => l.label), ['main thread', 'shipper: ship_forever()'], JSON.stringify(ls));
    for (const l of ls) assert.ok(l.label.startsWith(l.shown.replace(/…$/, '')), `shown label ${l.shown} is not a clip of ${l.label}`);
    assert.deepEqual(ls.map((l) => l.kind), ['main thread', 'thread'], JSON.stringify(ls));
    // The shipper stays non-daemon (daemon is set too late): its lane does not say "daemon".
    assert.ok(!/daemon/.test(ls[1].kind) && !/daemon\)/.test(ls[1].title), JSON.stringify(ls[1]));
    for (const l of ls) assert.ok(l.states.includes('s-running'), `${l.label} has no running span: ${JSON.stringify(l.states)}`);
    assert.ok(ls[1].states.includes('s-blocked-io'), `the shipper should block in events.get(): ${JSON.stringify(ls[1].states)}`);
    // The page notes the late daemon assignment.
    const notes = await webview(page).locator('#notices').textContent();
    assert.match(notes, /daemon is set after start\(\)/, notes);
    await screenshot(page, '40-visualiser-threads');
  });

  it(`${TS_FILE}: lanes for the script, main(), the Worker and each Promise.all call, run one after another`, async () => {
    await quickOpen(page, TS_FILE);
    await waitForSquiggle(page, { severity: 'warning' }); // cpu-bound-in-async on Promise.all and the loop
    await runCommand(page, 'Concurrency Lens: Visualise Execution Model');
    const ls = await lanes(page, TS_FILE);
    const labels = ls.map((l) => l.label);
    assert.equal(ls.length, 5, JSON.stringify(labels));
    const find = (re) => {
      const l = ls.find((x) => re.test(x.label));
      assert.ok(l, `no lane ${re} in ${JSON.stringify(labels)}`);
      return l;
    };
    assert.equal(find(/^main script$/).kind, 'script');
    assert.equal(find(/^main\(\)$/).kind, 'async function');
    assert.equal(find(/^Worker '\.\/crunch\.js'$/).kind, 'worker thread');
    const a = find(/^checksum\('a', 3_000_000\)$/);
    const b = find(/^checksum\('b', 3_000_000\)$/);
    for (const l of [a, b]) assert.equal(l.kind, 'async function');
    // The point of the rule: the two CPU-only calls do not overlap; b runs once a has finished.
    assert.ok(a.running.length && b.running.length, JSON.stringify({ a, b }));
    const aEnd = Math.max(...a.running.map((s) => s.x + s.w));
    const bStart = Math.min(...b.running.map((s) => s.x));
    assert.ok(bStart >= aEnd - 0.5, `checksum b starts at x=${bStart} before checksum a ends at x=${aEnd}`);
    // The Worker has its own thread: it runs alongside the first call.
    const w = find(/^Worker /).running;
    assert.ok(w.length && Math.min(...w.map((s) => s.x)) < aEnd, `the Worker should run alongside checksum a: ${JSON.stringify(w)}`);
    await screenshot(page, '41-visualiser-promise-all-worker');
  });
});
