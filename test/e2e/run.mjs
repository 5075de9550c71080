#!/usr/bin/env node
// The real-editor test run: installs the packaged .vsix into code-server (a real VS Code), runs
// the integration suite inside its extension host and the browser tests against its workbench.
//
//   node test/e2e/run.mjs [--fake] [--only static|integration|ui] [--grep RE] [--keep] [--no-setup]
//
// --fake   use test/e2e/fake-extension (a stand-in with the same id) instead of concurrency-lens.vsix,
//          to check the harness itself.
// --keep   keep the temp profile/workspaces (their paths are printed).
// Ends with "N passed, N failed[, N skipped]"; exit code 1 when anything failed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  activationMs, checkSetup, cleanup, cleanupOnSignals, copyWorkspace, E2E_DIR, EXTENSION_ID, installExtension,
  launchBrowser, listExtensions, makeProfile, makeTempDir, openWorkbench, ROOT, runSetup, startCodeServer, tail,
  VSIX, waitForJson, withTimeout,
} from './lib/server.mjs';
import { harness } from './lib/context.mjs';
import { runMochaFiles } from './lib/mocha-run.mjs';
import { ARTIFACTS, screenshot } from './lib/workbench.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const only = option('only');
const grep = option('grep');
const wants = (phase) => !only || only.split(',').includes(phase);
if (flag('keep')) process.env.CL_E2E_KEEP = '1';

const TOTAL_TIMEOUT_MS = Number(process.env.CL_E2E_TIMEOUT_MS ?? 9 * 60_000);
const records = []; // {phase, title, state, error?, reason?}
const started = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${msg}`);

function add(phase, list) { for (const r of list) records.push({ phase, ...r }); }

function npmRun(script) {
  log(`npm run ${script} (in ${ROOT})`);
  const r = spawnSync('npm', ['run', script], { cwd: ROOT, stdio: 'inherit', timeout: 5 * 60_000 });
  if (r.status !== 0) throw new Error(`npm run ${script} failed (exit ${r.status})`);
}

/** Packages an extension folder of test/e2e into a temp .vsix with the root's vsce. */
function packageFolder(folder, outDir) {
  const out = path.join(outDir, `${path.basename(folder)}.vsix`);
  const vsce = path.join(ROOT, 'node_modules/.bin/vsce');
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', out],
    { cwd: folder, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`vsce package ${folder} failed:\n${r.stdout}${r.stderr}`);
  return out;
}

function findVsix(tmp) {
  if (flag('fake')) return packageFolder(path.join(E2E_DIR, 'fake-extension'), tmp);
  if (process.env.CL_VSIX) return path.resolve(process.env.CL_VSIX);
  if (!fs.existsSync(VSIX)) {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    if (!pkg.scripts?.package) throw new Error(`${VSIX} is missing and package.json has no "package" script (try --fake)`);
    npmRun('package');
  }
  if (!fs.existsSync(VSIX)) throw new Error(`npm run package did not produce ${VSIX}`);
  return VSIX;
}

function compileIntegrationSuite() {
  log('compiling test/integration with the root TypeScript');
  const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', path.join(E2E_DIR, 'tsconfig.integration.json')],
    { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
  return path.join(ROOT, 'out/test/integration/suite/index.js');
}

async function integrationPhase(browser, server, resultsFile) {
  const ws = copyWorkspace(path.join(ROOT, 'test/integration/workspace'), 'integration');
  log('integration: opening the workbench; the runner extension starts the suite');
  const page = await openWorkbench(browser, server, ws);
  try {
    const results = await waitForJson(resultsFile, 240_000, 'integration suite', () => server.proc.exitCode === null);
    if (results.fatal) records.push({ phase: 'integration', title: 'suite could not run', state: 'failed', error: results.fatal });
    add('integration', results.tests);
    if (results.failures) await screenshot(page, 'FAILED-integration-workbench');
  } catch (err) {
    await screenshot(page, 'FAILED-integration-workbench').catch(() => {});
    throw err;
  } finally {
    await page.context().close();
  }
}

function summary() {
  const icon = { passed: 'ok  ', failed: 'FAIL', pending: 'skip' };
  console.log('\n==== Concurrency Lens real-editor tests ====');
  for (const r of records) {
    console.log(`${icon[r.state]} [${r.phase}] ${r.title}${r.durationMs !== undefined ? ` (${r.durationMs} ms)` : ''}`);
    if (r.state === 'pending' && r.reason) console.log(`       reason: ${r.reason}`);
    if (r.state === 'failed') console.log(`       ${String(r.error).split('\n').slice(0, 8).join('\n       ')}`);
  }
  const n = (s) => records.filter((r) => r.state === s).length;
  const [passed, failed, skipped] = [n('passed'), n('failed'), n('pending')];
  console.log(`\ntook ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), ARTIFACTS) || ARTIFACTS}`);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed === 0 && passed > 0;
}

async function main() {
  if (!flag('no-setup')) runSetup();
  checkSetup();
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const tmp = makeTempDir('cl-e2e-');
  const vsix = findVsix(tmp);
  const sizeKiB = (fs.statSync(vsix).size / 1024).toFixed(1);
  log(`extension under test: ${vsix} (${sizeKiB} KiB)`);
  process.env.CL_VSIX = vsix;

  if (wants('static')) {
    log('static: vsix contents');
    add('static', await runMochaFiles([path.join(E2E_DIR, 'vsix-contents.test.mjs')], { grep }));
  }
  if (!wants('integration') && !wants('ui')) return;

  const suiteIndex = wants('integration') ? compileIntegrationSuite() : undefined;
  const profile = makeProfile();
  log('installing the extension and the test-runner extension into a fresh extensions dir');
  installExtension(profile, vsix, ...(suiteIndex ? [packageFolder(path.join(E2E_DIR, 'runner-extension'), tmp)] : []));
  const installed = listExtensions(profile);
  log(`installed: ${installed.join(', ')}`);
  if (!installed.some((e) => e.toLowerCase().startsWith(`${EXTENSION_ID}@`))) throw new Error(`${EXTENSION_ID} is not listed after install`);

  const resultsFile = path.join(profile.base, 'integration-results.json');
  const server = await startCodeServer(profile, {
    env: suiteIndex ? { CL_TESTS_PATH: suiteIndex, CL_RESULTS: resultsFile, ...(grep ? { CL_TEST_GREP: grep } : {}) } : {},
  });
  log(`code-server (VS Code ${codeVersion()}) on ${server.url}`);
  try {
    const browser = await launchBrowser();
    if (suiteIndex) await integrationPhase(browser, server, resultsFile);
    const ms = activationMs(profile);
    if (ms !== undefined) log(`extension reported: activated in ${ms} ms`);

    if (wants('ui')) {
      // The UI tests open a temp copy of examples/ (and test/e2e/workspace, if present).
      const ws = copyWorkspace(path.join(ROOT, 'examples'), 'examples');
      const extra = path.join(E2E_DIR, 'workspace');
      if (fs.existsSync(extra)) fs.cpSync(extra, ws, { recursive: true });
      Object.assign(harness, { server, browser, workspace: ws, profile });
      const files = fs.readdirSync(path.join(E2E_DIR, 'ui')).filter((f) => f.endsWith('.ui.mjs')).sort()
        .map((f) => path.join(E2E_DIR, 'ui', f));
      log(`ui: ${files.length} file(s)`);
      add('ui', await runMochaFiles(files, { grep }));
    }
  } finally {
    if (records.some((r) => r.state === 'failed')) {
      console.log(`---- code-server log (tail) ----\n${tail(profile.logFile, 30)}`);
    }
    if (process.env.CL_E2E_KEEP) log(`kept: ${profile.base}`);
  }
}

function codeVersion() {
  try { return JSON.parse(fs.readFileSync(path.join(E2E_DIR, 'node_modules/code-server/lib/vscode/package.json'), 'utf8')).version; } catch { return '?'; }
}

cleanupOnSignals();
let ok = false;
const watchdog = setTimeout(async () => {
  console.error(`[e2e] whole run exceeded ${TOTAL_TIMEOUT_MS / 1000} s: stopping`);
  records.push({ phase: 'harness', title: 'overall time limit', state: 'failed', error: `exceeded ${TOTAL_TIMEOUT_MS / 1000} s` });
  await cleanup();
  summary();
  process.exit(1);
}, TOTAL_TIMEOUT_MS);
try {
  await withTimeout(TOTAL_TIMEOUT_MS, 'e2e run', main);
} catch (err) {
  records.push({ phase: 'harness', title: 'harness', state: 'failed', error: String(err?.stack ?? err) });
} finally {
  await cleanup();
  clearTimeout(watchdog);
  ok = summary();
}
process.exit(ok ? 0 : 1);
