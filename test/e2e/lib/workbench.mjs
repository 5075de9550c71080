// Driving the VS Code workbench the way a user does: keyboard, quick open, the Problems panel.
// Selectors are VS Code's own DOM classes (stable across many releases, but not an API):
// keep them here so a VS Code update means fixing one file.
import fs from 'node:fs';
import path from 'node:path';
import { E2E_DIR } from './server.mjs';

export const ARTIFACTS = process.env.CL_E2E_ARTIFACTS || path.join(E2E_DIR, 'artifacts');

const EDITOR = '.part.editor .editor-instance .monaco-editor';

/** Saves a screenshot under test/e2e/artifacts/ (or `dir`) and returns its path. */
export async function screenshot(page, name, dir = ARTIFACTS) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function closeWidgets(page) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
}

// A quick input that is animating closed is still visible but inert: typing into it fails, and a key pressed then may
// not reopen it. Wait for the animation to end, open, and wait for a live input.
const CLOSING_QUICK_INPUT = '.quick-input-widget.quick-input-widget-closing';
const LIVE_QUICK_INPUT = '.quick-input-widget:not(.quick-input-widget-closing):not([inert]) .quick-input-box input';

/** Opens the quick input with `key` once any earlier one has finished closing; returns its input box. */
async function openQuickInput(page, key) {
  await closeWidgets(page);
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 0, CLOSING_QUICK_INPUT, { timeout: 10_000 });
  await page.keyboard.press(key);
  const input = page.locator(LIVE_QUICK_INPUT);
  await input.waitFor({ state: 'visible' });
  return input;
}

/** Opens a workspace file by name through Quick Open (Ctrl+P), as a user would. */
export async function quickOpen(page, fileName) {
  const input = await openQuickInput(page, 'Control+P');
  await input.fill(fileName);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: fileName }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.part.editor .tab.active', { hasText: fileName }).waitFor();
  await page.locator(`${EDITOR} .view-lines`).first().waitFor();
  await page.locator(`${EDITOR} textarea, ${EDITOR} .native-edit-context`).first().waitFor({ state: 'attached' });
}

/** Runs a command by its title through the command palette (F1). */
export async function runCommand(page, title) {
  const input = await openQuickInput(page, 'F1');
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** Moves the cursor with Go to Line (Ctrl+G); line and column are 1-based. */
export async function goTo(page, line, column = 1) {
  const input = await openQuickInput(page, 'Control+G');
  await input.fill(`:${line}:${column}`); // Ctrl+G opens Quick Open with ":" (go to line)
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
  await waitForCursorLine(page, line); // keys pressed before the editor has the focus back go nowhere
}

/** The cursor's line as the status bar shows it ("Ln 12, Col 4"), or undefined while it shows none. */
export async function cursorLine(page) {
  const item = page.locator('[id="status.editor.selection"]');
  if (!(await item.count())) return undefined;
  const match = /Ln (\d+)/.exec(await item.first().innerText());
  return match ? Number(match[1]) : undefined;
}

/** Waits until the editor has the focus and its cursor is on `line` (1-based). */
export async function waitForCursorLine(page, line, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let seen;
  while (Date.now() < deadline) {
    seen = await cursorLine(page);
    const focused = await page.evaluate((sel) => Boolean(document.activeElement?.closest(sel)), EDITOR);
    if (seen === line && focused) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for the focused editor's cursor on line ${line} (status bar: line ${seen})`);
}

/** The text the editor shows (rendered lines, top to bottom; enough for small example files). */
export async function editorText(page) {
  const lines = await page.locator(`${EDITOR} .view-lines .view-line`).evaluateAll((els) =>
    els.map((el) => ({ top: parseFloat(el.style.top) || 0, text: el.textContent ?? '' })));
  return lines.sort((a, b) => a.top - b.top).map((l) => l.text.replace(/\u00a0/g, ' ')).join('\n');
}

/** Waits until the editor shows text matching `predicate`. */
export async function waitForEditorText(page, predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await editorText(page);
    if (predicate(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`timed out waiting for ${what}; editor shows:\n${text}`);
}

export function squiggles(page, severity = 'error') {
  return page.locator(`${EDITOR} .squiggly-${severity}`);
}

export async function waitForSquiggle(page, { severity = 'error', timeoutMs = 20_000 } = {}) {
  await squiggles(page, severity).first().waitFor({ state: 'attached', timeout: timeoutMs });
}

export async function waitForNoSquiggle(page, { severity = 'error', timeoutMs = 10_000 } = {}) {
  await page.waitForFunction(([sel]) => document.querySelectorAll(sel).length === 0,
    [`${EDITOR} .squiggly-${severity}`], { timeout: timeoutMs });
}

/** Shows the Problems panel (Ctrl+Shift+M) and returns the text of its rows. */
export async function problems(page) {
  await closeWidgets(page);
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
  await panel.waitFor({ state: 'visible' });
  return page.locator('.markers-panel .monaco-list-row').allInnerTexts();
}

export async function waitForProblem(page, pattern, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await problems(page);
    const row = rows.find((r) => pattern.test(r));
    if (row) return row;
    await page.waitForTimeout(300);
  }
  throw new Error(`no Problems row matching ${pattern}; rows: ${JSON.stringify(rows)}`);
}

/** Waits until no Problems row matches `pattern` (the panel updates after the squiggles do). */
export async function waitForNoProblem(page, pattern, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await problems(page);
    if (!rows.some((r) => pattern.test(r))) return rows;
    await page.waitForTimeout(300);
  }
  throw new Error(`Problems still lists ${pattern}: ${JSON.stringify(rows)}`);
}

export async function closePanel(page) {
  if (await page.locator('.part.panel').isVisible()) await page.keyboard.press('Control+J');
}

/** Opens the quick fix menu (Ctrl+.) at the cursor and returns its entries. */
export async function quickFixMenu(page) {
  const rows = page.locator('.action-widget .monaco-list-row.action');
  // The keypress can land while the editor is still taking focus back (after a hover or the Problems panel):
  // press again until the menu shows, for as long as one wait would have lasted.
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.keyboard.press('Control+.');
    try {
      await rows.first().waitFor({ state: 'visible', timeout: 5_000 });
      return rows.allInnerTexts();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/** Picks the quick fix menu entry whose text matches `pattern`. */
export async function pickQuickFix(page, pattern) {
  const row = page.locator('.action-widget .monaco-list-row.action').filter({ hasText: pattern }).first();
  await row.click();
  await page.locator('.action-widget .monaco-list-row.action').first().waitFor({ state: 'hidden' });
}

/** Hovers the first error squiggle and returns the hover widget's text. */
export async function hoverSquiggle(page, severity = 'error') {
  await closeWidgets(page);
  const squiggle = squiggles(page, severity).first();
  const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-resizable-hover .monaco-hover-content').first();
  // A hover shows on a mouse move; if the pointer already rests there, or the editor was still settling, nothing
  // moves. Leave and come back until the hover is shown.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const box = await squiggle.boundingBox();
    if (!box) throw new Error('no squiggle on screen to hover');
    await page.mouse.move(1, 1);
    await page.mouse.move(box.x + Math.min(20, box.width / 2), box.y + box.height / 2, { steps: 2 });
    try {
      await hover.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(3_000, deadline - Date.now())) });
      break;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
  }
  await page.waitForTimeout(300); // let all hover parts render
  return hover.innerText();
}

/** Saves the active editor (Ctrl+S). */
export async function save(page) {
  await page.keyboard.press('Control+S');
  await page.locator('.part.editor .tab.active.dirty').waitFor({ state: 'detached' });
}

/** Registers (in the calling describe) a screenshot of every failed test, named after it. */
export function screenshotOnFailure(currentPage) {
  afterEach(async function () {
    const page = currentPage();
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `FAILED-${this.currentTest.title.replace(/\W+/g, '-')}`);
  });
}
