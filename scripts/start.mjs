#!/usr/bin/env node
// `npm start`: Concurrency Lens in a real VS Code (code-server) on a temp copy of examples/.
//
//   npm start                          serve it; open the printed URL; Ctrl+C stops everything
//   npm start -- --port 8080           pick the port (default: 8080 if free, else any free one)
//   npm start -- --screenshot out/     headless: one screenshot per example file into out/, then exit
//
// Packages the extension first when concurrency-lens.vsix is missing or older than the sources,
// and installs the editor (test/e2e/setup.sh) the first time (a few minutes).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  activationMs, checkSetup, cleanup, cleanupOnSignals, copyWorkspace, freePort, installExtension, isStopping, launchBrowser,
  makeProfile, openWorkbench, ROOT, runSetup, sleep, startCodeServer, VSIX,
} from '../test/e2e/lib/server.mjs';
import { hoverSquiggle, quickOpen, runCommand, screenshot, waitForSquiggle } from '../test/e2e/lib/workbench.mjs';

const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const shotsDir = option('screenshot');
const say = (msg) => console.log(`[start] ${msg}`);

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

function ensureVsix() {
  if (process.env.CL_VSIX) return path.resolve(process.env.CL_VSIX);
  const sources = Math.max(newestMtime(path.join(ROOT, 'src')), newestMtime(path.join(ROOT, 'package.json')));
  if (fs.existsSync(VSIX) && fs.statSync(VSIX).mtimeMs >= sources) return VSIX;
  say(fs.existsSync(VSIX) ? 'sources changed since the last package: npm run package' : 'no concurrency-lens.vsix yet: npm run package');
  const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(VSIX)) throw new Error('npm run package failed');
  return VSIX;
}

async function portToUse() {
  const wanted = Number(option('port') ?? 8080);
  const net = await import('node:net');
  const free = await new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).listen(wanted, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  if (free) return wanted;
  if (option('port')) throw new Error(`port ${wanted} is in use`);
  return freePort();
}

async function waitForActivation(profile, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ms = activationMs(profile);
    if (ms !== undefined) return ms;
    await sleep(500);
  }
  return undefined;
}

function webview(page) {
  return page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
}

/**
 * The execution visualiser of a file: its module model, then the model of the first code lens over an entry point
 * ("Visualise 10 requests" on a route), each beside the source; the panel is closed again afterwards.
 */
async function visualiserShots(page, file, outDir) {
  const shots = [];
  const base = path.basename(file).replace(/\W+/g, '_');
  try {
    await runCommand(page, 'Concurrency Lens: Visualise Execution Model');
    await webview(page).locator('#timelines svg.timeline g.lane').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    shots.push(await screenshot(page, `${base}-visualiser`, outDir));
    const lens = page.locator('.part.editor .monaco-editor .codelens-decoration a', { hasText: 'Visualise' }).first();
    if (await lens.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
      const title = (await lens.innerText()).trim();
      await lens.click();
      await webview(page).locator('#title', { hasText: '—' }).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
      shots.push(await screenshot(page, `${base}-visualiser-entry`, outDir));
      say(`${base}: code lens "${title}"`);
    }
  } catch (error) {
    say(`${base}: no visualiser screenshot (${error?.message ?? error})`);
  }
  await runCommand(page, 'View: Close Editors in Other Groups').catch(() => {});
  return shots;
}

/** Headless: open each example, wait for its diagnostics, screenshot editor + Problems panel, then the visualiser. */
async function screenshots(server, workspace, profile) {
  const outDir = path.resolve(shotsDir);
  const browser = await launchBrowser();
  const page = await openWorkbench(browser, server, workspace);
  const files = fs.readdirSync(workspace).filter((f) => /\.(py|ts|tsx|js|jsx|mjs)$/.test(f)).sort();
  const saved = [];
  for (const file of files) {
    await quickOpen(page, file);
    const squiggle = page.locator('.part.editor .monaco-editor').locator('.squiggly-error, .squiggly-warning, .squiggly-info');
    const found = await squiggle.first().waitFor({ state: 'attached', timeout: 15_000 }).then(() => true, () => false);
    if (found) {
      // F8 (Go to Next Problem) scrolls to the first diagnostic and shows its message inline.
      await page.keyboard.press('F8');
      await page.locator('.zone-widget.marker-widget').first().waitFor({ timeout: 5_000 }).catch(() => {});
    }
    await page.waitForTimeout(500);
    const shot = await screenshot(page, path.basename(file).replace(/\W+/g, '_'), outDir);
    const count = await page.locator('.part.editor .monaco-editor .view-overlays').locator('.squiggly-error, .squiggly-warning, .squiggly-info').count();
    await page.keyboard.press('Escape');
    saved.push(shot);
    say(`${path.relative(process.cwd(), shot)}: ${found ? `${count} squiggle(s) in view` : 'no diagnostics shown'}`);
    saved.push(...await visualiserShots(page, file, outDir));
  }
  saved.push(...await readmeShots(page, outDir));
  const ms = activationMs(profile);
  say(ms !== undefined ? `extension reported: activated in ${ms} ms` : 'activation time: not found in the output channel');
  return saved;
}

/** The README's pictures: a hover on a finding, and the visualiser beside the file (the diagnostics are above). */
async function readmeShots(page, outDir) {
  const saved = [];
  try {
    // The visualiser's webview may hold the keyboard focus after the last shot: open the file from the Explorer.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'asyncio_blocking.py' }).first().click();
    await page.locator('.part.editor .tab.active', { hasText: 'asyncio_blocking.py' }).waitFor();
    await waitForSquiggle(page, { severity: 'warning' });
    await hoverSquiggle(page, 'warning');
    saved.push(await screenshot(page, 'readme-hover', outDir));
    // The hover follows the pointer: move it away, or the hover stays over the next shot.
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await page.locator('.monaco-hover:not(.hidden)').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await runCommand(page, 'Concurrency Lens: Visualise Execution Model');
    await page.frameLocator('iframe.webview').frameLocator('iframe#active-frame').locator('svg.timeline g.lane').first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1_000);
    saved.push(await screenshot(page, 'readme-visualiser', outDir));
  } catch (error) {
    say(`README screenshots: ${error?.message ?? error}`);
  }
  return saved;
}

async function main() {
  cleanupOnSignals();
  const vsix = ensureVsix();
  say('checking the real editor (code-server + Chromium); the first time this installs them, ~3 minutes ...');
  runSetup();
  checkSetup();
  const workspace = copyWorkspace(path.join(ROOT, 'examples'), 'examples');
  const profile = makeProfile();
  installExtension(profile, vsix);
  say(`installed ${path.relative(process.cwd(), vsix) || vsix} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB)`);
  const server = await startCodeServer(profile, { port: shotsDir ? undefined : await portToUse() });

  if (shotsDir) {
    const saved = await screenshots(server, workspace, profile);
    console.log(`\n${saved.length} screenshot(s):\n${saved.map((s) => `  ${s}`).join('\n')}`);
    return;
  }
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  console.log(`\n  Concurrency Lens is running in VS Code (code-server).\n  Open:  ${url}\n  Workspace: ${workspace} (a temp copy of examples/)\n  Stop:  Ctrl+C\n`);
  waitForActivation(profile, 24 * 3600_000).then((ms) => ms !== undefined && say(`extension reported: activated in ${ms} ms`));
  await new Promise((resolve) => server.proc.on('exit', resolve));
  if (!isStopping()) throw new Error('code-server stopped unexpectedly');
  await new Promise(() => {}); // the signal handler exits
}

try {
  await main();
  await cleanup();
  process.exit(0);
} catch (err) {
  console.error(`[start] ${err?.message ?? err}`);
  await cleanup();
  process.exit(1);
}
