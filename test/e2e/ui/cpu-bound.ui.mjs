// Browser-level test of cpu-bound-in-thread as a user meets it: the warning squiggle, the Problems
// entry, and the ProcessPoolExecutor quick fix through Ctrl+. (examples/cpu_in_thread_pool.py).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { harness, newWorkbench } from '../lib/context.mjs';
import {
  closePanel, goTo, hoverSquiggle, pickQuickFix, quickFixMenu, quickOpen, runCommand, screenshot, squiggles,
  waitForEditorText, waitForNoSquiggle, waitForProblem, waitForSquiggle, screenshotOnFailure
} from '../lib/workbench.mjs';

const FILE = 'cpu_in_thread_pool.py';
const CALL = 'pool.map(count_primes';

describe('cpu-bound-in-thread in the editor (examples/cpu_in_thread_pool.py)', function () {
  let page;
  let line; // 1-based line of the flagged call
  let column; // 1-based column of `count_primes` in it

  before(async function () {
    const lines = fs.readFileSync(path.join(harness.workspace, FILE), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(CALL));
    assert.ok(i >= 0, `${CALL} not found in ${FILE}`);
    line = i + 1;
    column = lines[i].indexOf('count_primes') + 1;
    page = await newWorkbench();
  });
  after(async () => {
    // Leave the shared temp workspace as found: the fix is never saved, and reverting drops it from hot exit.
    if (page) await runCommand(page, 'File: Revert File').catch(() => {});
    await page?.context().close();
  });
  screenshotOnFailure(() => page);

  it('opening the file shows a warning squiggle (and no error)', async () => {
    await quickOpen(page, FILE);
    await waitForSquiggle(page, { severity: 'warning' });
    assert.equal(await squiggles(page, 'error').count(), 0, 'no error squiggle expected');
    await screenshot(page, '20-cpu-thread-squiggle');
  });

  it('the Problems panel lists cpu-bound-in-thread on count_primes', async () => {
    const row = await waitForProblem(page, /cpu-bound-in-thread/);
    assert.match(row, /`?count_primes`? runs in a thread/);
    assert.match(row, /ThreadPoolExecutor/);
    assert.match(row, new RegExp(`Ln ${line}, Col ${column}`), `row should point at line ${line}, column ${column}: ${row}`);
    await screenshot(page, '21-cpu-thread-problems');
    await closePanel(page);
  });

  it('hovering the squiggle explains the GIL', async () => {
    await closePanel(page); // the squiggle's line must be on screen
    const text = await hoverSquiggle(page, 'warning');
    assert.match(text, /cpu-bound-in-thread/, `hover said: ${text}`);
    assert.match(text, /GIL/, `hover said: ${text}`);
    await screenshot(page, '22-cpu-thread-hover');
  });

  it('Ctrl+. on the call offers "Use ProcessPoolExecutor", which rewrites the pool and clears the warning', async () => {
    await goTo(page, line, column + 2);
    const entries = await quickFixMenu(page);
    assert.ok(entries.some((e) => /Use ProcessPoolExecutor instead of ThreadPoolExecutor/.test(e)), `menu: ${JSON.stringify(entries)}`);
    await screenshot(page, '23-cpu-thread-quickfix-menu');
    await pickQuickFix(page, /Use ProcessPoolExecutor/);
    const text = await waitForEditorText(page, (t) => t.includes('with ProcessPoolExecutor('), 'the fix to switch the pool');
    assert.match(text, /with ProcessPoolExecutor\(max_workers=4\) as pool:/);
    assert.ok(!/with ThreadPoolExecutor\(/.test(text), `the ThreadPoolExecutor call is still there:\n${text}`);
    assert.match(text, /counts = list\(pool\.map\(count_primes, limits\)\)/, 'the submitted call is kept');
    await waitForNoSquiggle(page, { severity: 'warning' });
    await screenshot(page, '24-cpu-thread-fixed');
    // The import it adds sits at the top: scroll there (the editor only renders the lines on screen).
    await page.keyboard.press('Control+Home');
    const top = await waitForEditorText(page, (t) => t.includes('import ProcessPoolExecutor'), 'the added import');
    assert.match(top, /^from concurrent\.futures import ThreadPoolExecutor\nfrom concurrent\.futures import ProcessPoolExecutor$/m);
  });
});
