import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, type Diagnostic } from '../../../src/core';
import { markedLines, projectReader, repoRoot, runProjectScript, fullText } from '../helpers';

// A helper blocks only on the paths a call takes: each fixture calls the same helper in a shape that blocks and one
// that does not. A harness runs the project with its blocking APIs replaced by recorders and notes which lines of the
// app led to one; the findings must be those lines, warnings where the path is an ordinary one, hints where it runs
// rarely (once, on an error, when debugging), which also covers the rare paths this run did not take (`COLD`).

const PROJECTS = path.join(repoRoot, 'test', 'fixtures', 'projects');

function runJsHarness(project: string, ...flags: string[]): number[] {
  const env = { ...process.env };
  delete env.DEBUG;
  const run = spawnSync(process.execPath, [path.join(PROJECTS, 'harness.mjs'), project, ...flags], { encoding: 'utf8', timeout: 30_000, env });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as number[];
}

async function analyse(project: string, file: string): Promise<Diagnostic[]> {
  const text = fs.readFileSync(path.join(project, file), 'utf8');
  const result = await analyzeText(text, file.endsWith('.py') ? 'python' : 'javascript', { only: ['blocking-call-in-async'], path: file, readFile: projectReader(project) });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics;
}

function check(project: string, file: string, comment: string, runtime: number[], diagnostics: Diagnostic[]): void {
  const text = fs.readFileSync(path.join(project, file), 'utf8');
  const hot = markedLines(text, `${comment} BLOCKS`).filter((l) => !markedLines(text, `${comment} BLOCKS (cold)`).includes(l));
  const coldBlocking = markedLines(text, `${comment} BLOCKS (cold)`);
  const coldIdle = markedLines(text, `${comment} COLD`);
  assert.deepEqual(runtime, [...hot, ...coldBlocking].sort((a, b) => a - b), 'the fixture marks what really blocks');
  const line = (d: Diagnostic) => d.range.start.line + 1;
  assert.deepEqual(diagnostics.filter((d) => d.severity !== 'hint').map(line), hot, 'warnings: the hot lines that block at run time');
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'hint').map(line), [...coldBlocking, ...coldIdle].sort((a, b) => a - b), 'hints: the rare paths');
  for (const d of diagnostics.filter((d) => d.severity === 'hint')) assert.match(fullText(d), /only on the first call|only when something fails|only when debugging/);
}

describe('following calls only down the paths a call takes (Python)', () => {
  const project = path.join(PROJECTS, 'py-paths');
  it('reports exactly the calls that reach a blocking call, and rare paths as hints', async () => {
    check(project, 'app.py', '#', runProjectScript(path.join(PROJECTS, 'harness.py'), project), await analyse(project, 'app.py'));
  });

  it('says which rare path, and what a call may depend on', async () => {
    const diagnostics = await analyse(project, 'app.py');
    const text = fs.readFileSync(path.join(project, 'app.py'), 'utf8').split('\n');
    const at = (needle: string) => diagnostics.find((d) => text[d.range.start.line].includes(needle))!;
    assert.match(fullText(at('git_rev()')), /only on the first call/);
    assert.match(fullText(at('safe_int("x")')), /only when something fails/);
    assert.match(fullText(at('trace(')), /only when debugging/);
    assert.match(at('report(ValueError').message, /may block the event loop in `\w+\(\)` when `err` is set/);
    // Whichever way tests the call sites cannot settle go, these helpers block: an early return that blocks first, and
    // an `if`/`else` of two blocking helpers.
    for (const call of ['write_atomically("/tmp/', 'saver.save(']) {
      assert.match(at(call).message, /^`[\w.]+\(\)` blocks the event loop in `save_all\(\)`/, call);
      assert.equal(at(call).severity, 'warning', call);
    }
  });

  it('with coldSeverity off, rare paths are not reported', async () => {
    const text = fs.readFileSync(path.join(project, 'app.py'), 'utf8');
    const { defaultSettings } = await import('../../../src/core/types');
    const result = await analyzeText(text, 'python', { only: ['blocking-call-in-async'], path: 'app.py', readFile: projectReader(project), settings: { ...defaultSettings, coldSeverity: 'off' } });
    assert.ok(result.diagnostics.length > 0);
    assert.ok(result.diagnostics.every((d) => d.severity !== 'hint'));
  });
});

describe('following calls only down the paths a call takes (JS)', () => {
  const project = path.join(PROJECTS, 'js-paths');
  it('reports exactly the calls that reach a blocking call, and rare paths as hints', async () => {
    check(project, 'app.mjs', '//', runJsHarness(project), await analyse(project, 'app.mjs'));
  });

  it('a helper that blocks on every path, or an if/else calling a blocking helper either way, blocks', async () => {
    const diagnostics = await analyse(project, 'app.mjs');
    const text = fs.readFileSync(path.join(project, 'app.mjs'), 'utf8').split('\n');
    for (const call of ["writeAtomically('/tmp/", 'saver.persist(']) {
      const found = diagnostics.find((d) => text[d.range.start.line].includes(call));
      assert.match(found?.message ?? '', /^`[\w.]+\(\)` blocks the event loop in `saveAll\(\)`/, call);
    }
  });
});

describe('plain callbacks registered to run beside other work (JS)', () => {
  const project = path.join(PROJECTS, 'js-entries');
  it('reports the blocking calls of route handlers and repeated listeners, directly and through helpers, while a server serves', async () => {
    const text = fs.readFileSync(path.join(project, 'app.mjs'), 'utf8');
    const blocks = markedLines(text, '// BLOCKS');
    const once = markedLines(text, '// ONCE');
    const last = markedLines(text, '// LAST');
    // At run time, with a server listening: the handlers, the listeners and the timer block.
    assert.deepEqual(runJsHarness(project, '--while-serving'), [...blocks, ...once, ...last].sort((a, b) => a - b));
    const diagnostics = await analyse(project, 'app.mjs');
    const line = (d: Diagnostic) => d.range.start.line + 1;
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'warning').map(line), blocks, JSON.stringify(diagnostics));
    // The branch that stops its own timer runs on the last tick only.
    assert.deepEqual(diagnostics.filter((d) => d.severity === 'hint').map(line), last);
    assert.match(fullText(diagnostics.find((d) => d.severity === 'hint')!), /only on its timer's last run/);
    // A one-time event's listener runs once; a function nobody registers is reported only where a caller is known.
    for (const d of diagnostics) assert.ok(!once.includes(line(d)) && !fullText(d).includes('`summary()` blocks the event loop;'), fullText(d));
    const handler = diagnostics.find((d) => line(d) === blocks[0])!;
    assert.match(fullText(handler), /Make the callback async and use .*runs for every request: registered with `app\.get`/s);
    // Making a callback async changes what its caller gets back: no automatic rewrite.
    assert.ok(diagnostics.every((d) => d.severity !== 'warning' || !d.fixes?.length));
    const chain = diagnostics.find((d) => line(d) === blocks[1])!;
    // A continuation (`.then(f)`, `setTimeout(f)`) runs beside what its handler runs beside.
    const deferred = text.split('\n').findIndex((l) => l.includes(".then((file) => fs.writeFileSync")) + 1;
    assert.match(fullText(diagnostics.find((d) => line(d) === deferred)!), /runs for every request: registered with `app\.get`/);
    // An unnamed callback is named by the call it is handed to.
    assert.match(chain.message, /^`renderPage\(\)` blocks the event loop in the callback of `app\.get\(\)`: it calls `fs\.readFileSync\(\)`/);
  });
});

describe('plain functions the event loop calls (Python)', () => {
  const project = path.join(PROJECTS, 'py-loop');
  it('reports the blocking calls of callbacks handed to the loop, directly and through helpers, and none of a function run in a thread', async () => {
    const text = fs.readFileSync(path.join(project, 'app.py'), 'utf8');
    const blocks = markedLines(text, '# BLOCKS');
    // At run time: the calls the loop's callbacks make block it; the thread's sleep does not.
    assert.deepEqual(runProjectScript(path.join(PROJECTS, 'harness.py'), project), blocks);
    const diagnostics = await analyse(project, 'app.py');
    const line = (d: Diagnostic) => d.range.start.line + 1;
    assert.deepEqual(diagnostics.map(line), blocks, JSON.stringify(diagnostics));
    assert.ok(diagnostics.every((d) => d.severity === 'warning'));
    assert.match(fullText(diagnostics[0]), /runs on the event loop, beside its tasks: the loop calls it, as scheduled with `self\.loop\.call_later`/);
    // A callback the loop calls cannot await: no rewrite is offered.
    assert.ok(diagnostics.every((d) => d.fixes.length === 0));
    assert.match(fullText(diagnostics[1]), /loop\.run_in_executor\(None, write_report\)/);
  });
});
