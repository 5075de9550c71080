// Loads the webview page (real HTML shell + CSP, media/ served by a tiny local server) in headless
// Chromium via playwright-core, posts simulated models, and checks the DOM. Skipped when Chromium
// or playwright-core is not installed. Screenshots go to test/e2e/artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { renderVisualiserHtml } from '../../../src/core/visualiser/html';
import { simulate } from '../../../src/core/visualiser/simulate';
import { whatIf } from '../../../src/core/visualiser/whatif';
import { buildConceptPages } from '../../../src/core/visualiser/concepts';
import type { ExecutionModel } from '../../../src/core/visualiser/model';
import { ParsedDocument, TreeFacts, analyzeDocument } from '../../../src/core';
import { buildVisualisation } from '../../../src/core/visualiser';
import { asyncioWithBlockingSleep, pageFixture } from './fixtures';
import { repoRoot } from './root';

// The callbacks below run in the page; the root tsconfig has no DOM lib, so name its globals here.
declare const window: any;
declare const document: any;
type Element = any;

const root = repoRoot();
const chromiumPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => !!p && fs.existsSync(p));

function loadPlaywright(): any {
  const candidates = [
    path.join(root, 'test/e2e/node_modules/playwright-core'),
    '/tmp/pw/node_modules/playwright-core',
    'playwright-core',
  ];
  for (const c of candidates) {
    try {
      return require(c);  
    } catch { /* next */ }
  }
  return undefined;
}
const pw = loadPlaywright();
const skip = !chromiumPath ? 'chromium not found' : !pw ? 'playwright-core not found' : false;

const DARK: Record<string, string> = {
  '--vscode-editor-background': '#1f1f1f', '--vscode-editor-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-focusBorder': '#0078d4', '--vscode-panel-border': '#2b2b2b', '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-blue': '#3794ff', '--vscode-charts-yellow': '#cca700', '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185', '--vscode-charts-purple': '#b180d7', '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-dropdown-background': '#313131', '--vscode-dropdown-foreground': '#cccccc', '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-textBlockQuote-background': '#2b2b2b',
  '--vscode-font-family': 'system-ui, "Segoe UI", sans-serif', '--vscode-font-size': '13px',
};
const LIGHT: Record<string, string> = {
  '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171',
  '--vscode-focusBorder': '#005fb8', '--vscode-panel-border': '#e5e5e5', '--vscode-charts-red': '#e51400',
  '--vscode-charts-blue': '#1a85ff', '--vscode-charts-yellow': '#bf8803', '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#388a34', '--vscode-charts-purple': '#652d90', '--vscode-button-background': '#005fb8',
  '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-dropdown-background': '#ffffff', '--vscode-dropdown-foreground': '#3b3b3b', '--vscode-dropdown-border': '#cecece',
  '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-textBlockQuote-background': '#f8f8f8',
  '--vscode-font-family': 'system-ui, "Segoe UI", sans-serif', '--vscode-font-size': '13px',
};

function modelMessage(model: ExecutionModel, fileName: string, diagnostics: unknown[] = []) {
  return {
    type: 'model', fileName, model, timeline: simulate(model), whatIf: whatIf(model), diagnostics,
    settings: { freeThreaded: false }, concepts: buildConceptPages(),
  };
}

function serve(): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/' || req.url === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(renderVisualiserHtml({ cspSource: origin, nonce: 'n0nce4test', scriptUri: `${origin}/media/visualiser.js`, styleUri: `${origin}/media/visualiser.css` }));
        return;
      }
      const m = /^\/media\/(visualiser\.(js|css))$/.exec(req.url ?? '');
      if (!m) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': m[2] === 'js' ? 'text/javascript' : 'text/css' });
      res.end(fs.readFileSync(path.join(root, 'media', m[1])));
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() });
    });
  });
}

test('webview page renders the timeline safely and posts reveal', { skip, timeout: 120_000 }, async () => {
  const artifacts = path.join(root, 'test/e2e/artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const srv = await serve();
  const browser = await pw.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--headless'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
    const cspErrors: string[] = [];
    page.on('console', (m: any) => { if (/Content Security Policy|Refused/i.test(m.text())) cspErrors.push(m.text()); });
    page.on('pageerror', (e: Error) => cspErrors.push('pageerror: ' + e.message));
    await page.addInitScript(() => {
      const w = window as any;
      w.__posted = [];
      w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__posted.push(m), getState: () => w.__state, setState: (s: unknown) => { w.__state = s; } });
    });
    const setTheme = async (vars: Record<string, string>, cls: string) => {
      await page.evaluate(([v, c]: [Record<string, string>, string]) => {
        for (const k of Object.keys(v)) document.documentElement.style.setProperty(k, v[k]);
        document.body.className = c;
      }, [vars, cls]);
    };
    await page.goto(srv.url);
    await page.waitForFunction(() => (window as any).__posted.some((m: any) => m.type === 'ready'));
    await setTheme(DARK, 'vscode-dark');

    const model = pageFixture();
    const msg = modelMessage(model, 'workers.py', [
      { code: 'daemon-thread-work', severity: 'warning', message: 'Daemon thread may be killed mid-work at exit', range: { start: { line: 14, column: 4 }, end: { line: 14, column: 20 } }, related: [], tags: [], fixes: [] },
    ]);
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), msg);
    await page.waitForSelector('svg.timeline .lane');

    // Lanes and labels.
    const labels: string[] = await page.$$eval('svg.timeline .lane-label', (els: Element[]) => els.map((e) => e.firstChild!.textContent!));
    assert.equal(labels.length, msg.timeline.lanes.length);
    assert.equal(labels.length, 4);
    assert.equal(labels[0], 'main thread');
    const titles: string[] = await page.$$eval('svg.timeline .lane-label title', (els: Element[]) => els.map((e) => e.textContent!));
    assert.ok(titles.some((t) => t.startsWith('<img src=x onerror=window.__pwned=1>')), 'hostile label shown as text');
    // Spans with state classes.
    const states: string[] = await page.$$eval('svg.timeline rect.span', (els: Element[]) => els.map((e) => e.getAttribute('class')!));
    for (const s of ['s-running', 's-waiting-gil', 's-joined', 's-blocked-io', 's-sleeping']) assert.ok(states.some((c) => c.includes(s)), s);
    // Nothing executed, nothing parsed as markup.
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined);
    assert.equal(await page.$$eval('img, body script:not([src])', (els: Element[]) => els.length), 0);
    const aria: string[] = await page.$$eval('svg.timeline rect.span', (els: Element[]) => els.map((e) => e.getAttribute('aria-label')!));
    assert.ok(aria.some((a) => a.includes('</script><script>window.__pwned=1</script>')), 'hostile step label kept as text');
    // What-if chart and honest label.
    assert.equal(await page.$$eval('#whatif table.whatif-table tbody tr', (els: Element[]) => els.length), 4);
    assert.equal(await page.$$eval('#whatif tr.best', (els: Element[]) => els.length), 1);
    assert.match(await page.textContent('#honest'), /A model, not a measurement/);
    // Diagnostic drawn where it acts.
    assert.ok(states.some((c) => c.includes('diag')));

    // Click a span with a range: reveal posts that range.
    const w1 = msg.timeline.lanes.find((l) => l.unitId === 'w1')!;
    const target = w1.spans.find((s) => s.state === 'running' && s.range)!;
    const idx = w1.spans.indexOf(target);
    await page.locator('svg.timeline .lane').nth(1).locator('rect.span').nth(idx).click();
    await page.waitForFunction(() => (window as any).__posted.some((m: any) => m.type === 'reveal'));
    const reveal = await page.evaluate(() => (window as any).__posted.filter((m: any) => m.type === 'reveal').pop());
    assert.deepEqual(reveal, { type: 'reveal', range: target.range });
    // Keyboard: Enter on a focused span reveals too.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as any).__posted.filter((m: any) => m.type === 'reveal').length >= 2);
    // Highlight from the editor.
    // Messages arrive asynchronously: wait for what they cause, never assert right after sending.
    await page.evaluate(() => window.postMessage({ type: 'highlight', line: 6 }, '*'));
    await page.waitForSelector('rect.span.hl');
    // State saved for reload.
    await page.waitForFunction(() => !!(window as any).__state?.data);
    // Table view.
    await page.click('#tableToggle');
    await page.waitForFunction(() => document.querySelectorAll('.spans-table tbody tr').length >= 10);
    await page.click('#tableToggle');

    // Playback: step moves the playhead and describes who runs.
    await page.click('#step');
    await page.click('#step');
    await page.waitForFunction(() => /At .*ms: Running: /.test(document.querySelector('#now')?.textContent ?? ''));
    await page.click('#restart');
    for (let i = 0; i < 6; i++) await page.click('#step');
    await page.screenshot({ path: path.join(artifacts, 'visualiser-page.png'), fullPage: true });

    await setTheme(LIGHT, 'vscode-light');
    await page.screenshot({ path: path.join(artifacts, 'visualiser-page-light.png'), fullPage: true });

    // An asyncio stall with its diagnostic.
    const am = asyncioWithBlockingSleep();
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), modelMessage(am, 'fetcher.py', [
      { code: 'blocking-call-in-async', severity: 'warning', message: 'time.sleep() blocks the event loop; use await asyncio.sleep()', range: { start: { line: 12, column: 4 }, end: { line: 12, column: 20 } }, related: [], tags: [], fixes: [] },
    ]));
    await page.waitForSelector('.stall-band');
    assert.match(await page.textContent('.stall-label'), /time\.sleep\(\) blocks the event loop/);
    await setTheme(DARK, 'vscode-dark');
    await page.screenshot({ path: path.join(artifacts, 'visualiser-page-asyncio.png'), fullPage: true });

    // Concept pages render with the same swimlanes.
    await page.selectOption('#view', 'gil');
    await page.waitForFunction(() => document.querySelectorAll('svg.timeline').length === 3);
    await page.screenshot({ path: path.join(artifacts, 'visualiser-concept-gil.png'), fullPage: true });
    await page.selectOption('#view', 'select-epoll');
    await page.waitForFunction(() => document.querySelectorAll('#concept table.data tbody tr').length === 4);
    await setTheme(LIGHT, 'vscode-light');
    await page.screenshot({ path: path.join(artifacts, 'visualiser-concept-select.png'), fullPage: true });
    await page.selectOption('#view', 'node-loop');
    await page.screenshot({ path: path.join(artifacts, 'visualiser-concept-node.png'), fullPage: true });

    assert.deepEqual(cspErrors, []);
  } finally {
    await browser.close();
    srv.close();
  }
});

test('webview page: entry picker, arrivals, latency, fixed lane labels, a timeline that fits', { skip, timeout: 120_000 }, async () => {
  const artifacts = path.join(root, 'test/e2e/artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const text = fs.readFileSync(path.join(root, 'examples/server_blocking_route.py'), 'utf8');
  const doc = await ParsedDocument.create('python', text);
  const facts = new TreeFacts(doc.tree!);
  const { diagnostics } = analyzeDocument(doc, { facts });
  const vis = buildVisualisation(doc, facts, { freeThreaded: false }, diagnostics, undefined, { line: 17 });
  doc.dispose();
  // What the adapter posts.
  const msg = { type: 'model', ...vis, diagnostics, fileName: 'server_blocking_route.py', uri: 'file:///x/server_blocking_route.py', settings: { freeThreaded: false } };
  const srv = await serve();
  const browser = await pw.chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu', '--headless'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m: any) => { if (/Content Security Policy|Refused/i.test(m.text())) errors.push(m.text()); });
    page.on('pageerror', (e: Error) => errors.push('pageerror: ' + e.message));
    await page.addInitScript(() => {
      const w = window as any;
      w.__posted = [];
      w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__posted.push(m), getState: () => w.__state, setState: (s: unknown) => { w.__state = s; } });
    });
    await page.goto(srv.url);
    await page.waitForFunction(() => (window as any).__posted.some((m: any) => m.type === 'ready'));
    for (const [k, v] of Object.entries(DARK)) await page.evaluate(([a, b]: [string, string]) => document.documentElement.style.setProperty(a, b), [k, v]);
    await page.evaluate((m: unknown) => window.postMessage(m, '*'), msg);
    await page.waitForSelector('#timelines svg.timeline .lane');

    assert.match(await page.textContent('#title'), /server_blocking_route\.py — GET \/report: report/);
    // The picker lists the file's entries by kind, the route chosen.
    const groups: string[] = await page.$$eval('#entry optgroup', (els: Element[]) => els.map((e) => e.label));
    assert.deepEqual(groups, ['Module', 'Event loops and servers', 'Handlers (per request)']);
    assert.equal(await page.inputValue('#entry'), vis.entry.id);
    assert.equal(await page.inputValue('#arrivals'), '10');
    const latency = await page.textContent('#latency');
    assert.equal(latency, '10 requests at once: the last finishes at 3.0 s; with the fix (await asyncio.sleep()): 300 ms.');
    // Ten request lanes, each saying when it arrives; the stall band over them.
    const kinds: string[] = await page.$$eval('#timelines svg.timeline .lane-kind', (els: Element[]) => els.map((e) => e.textContent));
    assert.equal(kinds.filter((k) => /arrives/.test(k)).length, 10);
    assert.ok(await page.$$eval('.stall-band', (els: Element[]) => els.length) >= 1);
    // At the default zoom the whole run fits: no horizontal scrolling.
    const fits = await page.$eval('.tl-scroll', (el: any) => el.scrollWidth <= el.clientWidth + 1);
    assert.ok(fits, 'the timeline is wider than the panel at the default zoom');
    // The what-if table has the fix's row, marked fastest.
    const rows: string[] = await page.$$eval('#whatif tbody tr', (els: Element[]) => els.map((e) => e.textContent));
    assert.equal(rows.length, 5);
    assert.match(await page.textContent('#whatif tr.best'), /asyncio \+ fix/);
    await page.screenshot({ path: path.join(artifacts, 'visualiser-page-route.png'), fullPage: true });

    // Zoomed in and scrolled: the labels stay at the left edge, on top.
    for (let i = 0; i < 3; i++) await page.click('#zoomIn');
    const label = page.locator('.tl-labels .lane-label-fixed').nth(4);
    const before = await label.boundingBox();
    const scrolled = await page.$eval('.tl-scroll', (el: any) => { el.scrollLeft = 700; return el.scrollLeft; });
    assert.ok(scrolled > 100);
    const after = await label.boundingBox();
    assert.ok(before && after && Math.abs(before.x - after.x) < 1, `label moved from ${before?.x} to ${after?.x}`);
    const onTop = await label.evaluate((el: any) => {
      const r = el.getBoundingClientRect();
      return document.elementFromPoint(r.left + 4, r.top + r.height / 2)?.closest('.tl-labels') !== null;
    });
    assert.ok(onTop, 'the fixed label is covered by the timeline');
    await page.screenshot({ path: path.join(artifacts, 'visualiser-page-route-scrolled.png') });
    for (let i = 0; i < 3; i++) await page.click('#zoomOut');

    // The controls ask the extension for another model.
    await page.fill('#arrivals', '5');
    await page.press('#arrivals', 'Enter');
    await page.selectOption('#spacing', '50');
    await page.waitForFunction(() => (window as any).__posted.some((m: any) => m.type === 'arrivals' && m.count === 5 && m.spacingMs === 50));
    const health = vis.entries.find((e) => /health/.test(e.label))!;
    await page.selectOption('#entry', health.id);
    await page.waitForFunction((id: string) => (window as any).__posted.some((m: any) => m.type === 'select' && m.entry === id), health.id);

    // Concept pages show neither the file's notices nor its entry bar.
    await page.selectOption('#view', 'gil');
    await page.waitForFunction(() => document.querySelectorAll('svg.timeline').length === 3);
    assert.equal(await page.isVisible('#entrybar'), false);
    assert.equal(await page.isVisible('#notices'), false);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    srv.close();
  }
});
