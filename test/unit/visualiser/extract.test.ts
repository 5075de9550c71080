// Extraction from source (test/fixtures/visualiser) and the whole pipeline (buildVisualisation + simulate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyzeDocument, ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { buildVisualisation } from '../../../src/core/visualiser';
import { extractModel } from '../../../src/core/visualiser/extract';
import { simulate } from '../../../src/core/visualiser/simulate';
import type { ExecutionModel, Lane, Step, Timeline, Unit } from '../../../src/core/visualiser/model';
import { fixture } from '../helpers';

async function parse(text: string, language: Language): Promise<ParsedDocument> {
  return ParsedDocument.create(language, text);
}

async function extract(text: string, language: Language = 'python'): Promise<ExecutionModel> {
  const doc = await parse(text, language);
  try {
    return extractModel(doc, doc.tree ? new TreeFacts(doc.tree) : undefined);
  } finally {
    doc.dispose();
  }
}

async function extractFixture(name: string): Promise<{ model: ExecutionModel; text: string }> {
  const text = fs.readFileSync(fixture('visualiser', name), 'utf8');
  return { model: await extract(text, name.endsWith('.py') ? 'python' : 'typescript'), text };
}

function unit(model: ExecutionModel, label: string | RegExp): Unit {
  const u = model.units.find((x) => (typeof label === 'string' ? x.label === label : label.test(x.label)));
  assert.ok(u, `no unit ${label} in ${model.units.map((x) => x.label).join(' | ')}`);
  return u;
}

const kinds = (u: Unit) => u.steps.map((s) => s.kind);
const line = (s: Step | Unit) => (s.range ? s.range.start.line + 1 : undefined); // 1-based, as in the editor
const lane = (tl: Timeline, id: string): Lane => {
  const l = tl.lanes.find((x) => x.unitId === id);
  assert.ok(l, `lane ${id}`);
  return l;
};
const end = (l: Lane) => Math.max(0, ...l.spans.map((s) => s.end));
const running = (l: Lane) => l.spans.filter((s) => s.state === 'running');

test('python threads: targets, names, daemon flags, a Thread subclass, start/join order', async () => {
  const { model } = await extractFixture('threads.py');
  const main = unit(model, 'main thread');
  assert.equal(main.kind, 'main-thread');
  const a = unit(model, 'cruncher-a: crunch(1)');
  const b = unit(model, 'crunch(2)');
  const beat = unit(model, 'heartbeat()');
  const late = unit(model, 'lambda()');
  const sub = unit(model, 'Downloader.run()');
  for (const u of [a, b, beat, late, sub]) assert.equal(u.kind, 'thread');
  assert.equal(beat.daemon, true, 'daemon=True');
  assert.equal(late.daemon, true, '.daemon = True before start()');
  assert.ok(!a.daemon && !sub.daemon);
  assert.deepEqual(kinds(a), ['cpu']);
  assert.equal(a.steps[0].weight, 10, 'range(1_000_000) → weight 10');
  assert.equal(line(a.steps[0]), 8);
  assert.deepEqual(kinds(beat), ['cpu', 'sleep']);
  assert.equal(beat.steps[1].duration, 500, 'time.sleep(0.5) → 500 ms');
  assert.equal(late.steps[0].duration, 100);
  assert.deepEqual(kinds(sub), ['sleep', 'cpu']);
  assert.equal(sub.steps[0].duration, 200);
  assert.deepEqual(main.steps.map((s) => `${s.kind} ${s.label}`), [
    'spawn beat.start()', 'spawn late.start()', 'spawn a.start()', 'spawn b.start()', 'spawn d.start()',
    'join a.join()', 'join b.join()', 'join d.join()',
  ]);
  assert.equal(main.steps[2].target, a.id);
  assert.deepEqual(main.steps.map(line), [35, 36, 37, 38, 39, 40, 41, 42]);
  assert.equal(line(a), 29, 'a unit points at its Thread(...) call');
});

test('python threads simulated: two CPU threads take the sum under the GIL, not with free threading', async () => {
  const { model } = await extractFixture('threads.py');
  const a = unit(model, 'cruncher-a: crunch(1)').id;
  const b = unit(model, 'crunch(2)').id;
  const gil = simulate(model);
  const free = simulate(model, { freeThreaded: true });
  const both = (tl: Timeline) => Math.max(end(lane(tl, a)), end(lane(tl, b)));
  assert.ok(both(gil) >= 195, `GIL: both done at ${both(gil)} (each needs 100 ms of CPU)`);
  assert.ok(both(free) <= 110, `free-threaded: both done at ${both(free)}`);
  assert.ok(gil.events.some((e) => e.kind === 'gil-handoff'));
});

test('python processes and executors: pools, max_workers, submit/map tasks, result() and with-exit joins', async () => {
  const { model } = await extractFixture('pools.py');
  const proc = unit(model, 'square(3)');
  assert.equal(proc.kind, 'process');
  const tpool = unit(model, 'ThreadPoolExecutor(2)');
  assert.equal(tpool.kind, 'thread-pool');
  assert.equal(tpool.maxWorkers, 2);
  assert.deepEqual(tpool.steps, []);
  const fetches = model.units.filter((u) => u.parent === tpool.id);
  assert.equal(fetches.length, 3, 'one task per item of the literal list');
  for (const f of fetches) {
    assert.equal(f.kind, 'thread');
    assert.deepEqual(kinds(f), ['io'], 'urlopen blocks: io');
  }
  const ppool = unit(model, 'ProcessPoolExecutor(4)');
  assert.equal(ppool.kind, 'process-pool');
  const squares = model.units.filter((u) => u.parent === ppool.id);
  assert.deepEqual(squares.map((u) => u.label), ['square(#1)', 'square(#2)', 'square(#3)', 'square(#4)']);
  assert.ok(squares.every((u) => u.kind === 'process' && u.steps[0].kind === 'cpu' && u.steps[0].weight === 2));
  const ipool = unit(model, 'InterpreterPoolExecutor(2)');
  assert.equal(ipool.kind, 'interpreter-pool');
  assert.equal(model.units.filter((u) => u.parent === ipool.id).length, 1);
  const main = unit(model, 'main thread');
  const joins = main.steps.filter((s) => s.kind === 'join').map((s) => s.target);
  for (const t of [...fetches, ...squares, proc]) assert.ok(joins.includes(t.id), `main joins ${t.label}`);
  const spawnAt = (id: string) => main.steps.findIndex((s) => s.kind === 'spawn' && s.target === id);
  const joinAt = (id: string) => main.steps.findIndex((s) => s.kind === 'join' && s.target === id);
  assert.ok(joinAt(fetches[2].id) < spawnAt(squares[0].id), 'result() waits before the next pool starts');
  const tl = simulate(model);
  assert.ok(!tl.truncated && tl.notes.length === 0, JSON.stringify(tl.notes));
  // Processes run CPU work in parallel: four 20 ms tasks on four cores take about 20 ms, not 80.
  const starts = squares.map((u) => Math.min(...running(lane(tl, u.id)).map((s) => s.start)));
  assert.ok(Math.max(...starts) - Math.min(...starts) < 1, `process-pool tasks start together: ${starts.join(', ')}`);
});

test('asyncio: asyncio.run, create_task, gather, TaskGroup, to_thread, run_in_executor; sleeps in ms', async () => {
  const { model } = await extractFixture('asyncio_app.py');
  const main = unit(model, 'main thread');
  const root = unit(model, 'main()');
  assert.equal(root.kind, 'asyncio-task');
  assert.deepEqual(main.steps.map((s) => [s.kind, s.target]), [['spawn', root.id], ['join', root.id]], 'asyncio.run = spawn root, join root');
  const fetches = model.units.filter((u) => /^fetch\(\d\)$/.test(u.label));
  assert.deepEqual(fetches.map((u) => u.label).sort(), ['fetch(0)', 'fetch(1)', 'fetch(2)', 'fetch(3)', 'fetch(4)']);
  for (const f of fetches) {
    assert.equal(f.kind, 'asyncio-task');
    assert.deepEqual(f.steps.map((s) => [s.kind, s.duration]), [['await', 1000]], 'asyncio.sleep(1) → 1000 ms');
  }
  const slow = unit(model, 'slow()');
  assert.deepEqual(slow.steps.map((s) => [s.kind, s.duration, line(s)]), [['sleep', 500, 17]]);
  const awaited = root.steps.filter((s) => s.kind === 'await' && s.target).map((s) => s.target);
  for (const u of [...fetches, slow]) assert.ok(awaited.includes(u.id), `main() awaits ${u.label}`);
  const tgAwaits = root.steps.filter((s) => s.label.includes('TaskGroup'));
  assert.equal(tgAwaits.length, 2, 'the TaskGroup awaits its two tasks at the end of async with');
  const threads = model.units.filter((u) => u.kind === 'thread');
  assert.deepEqual(threads.map((u) => u.label), ['blocking_read("x.txt")', 'blocking_read("y.txt")']);
  for (const t of threads) {
    assert.ok(root.steps.some((s) => s.kind === 'spawn' && s.target === t.id));
    assert.ok(root.steps.some((s) => s.kind === 'await' && s.target === t.id));
    assert.equal(t.steps[0].kind, 'io', 'open() in a thread: io');
  }
});

test('asyncio simulated: time.sleep in a task stalls the loop at its line, flagged by the rule', async () => {
  const text = fs.readFileSync(fixture('visualiser', 'asyncio_app.py'), 'utf8');
  const doc = await parse(text, 'python');
  try {
    const facts = new TreeFacts(doc.tree!);
    const result = analyzeDocument(doc, { facts });
    const vis = buildVisualisation(doc, facts, { freeThreaded: false }, result.diagnostics);
    const slow = unit(vis.model, 'slow()');
    assert.equal(slow.steps[0].diagnosticCode, 'blocking-call-in-async');
    const stall = vis.timeline.events.find((e) => e.kind === 'stall');
    assert.ok(stall, 'a stall event');
    assert.equal(stall.unitId, slow.id);
    assert.equal(stall.range?.start.line, 16);
    assert.ok(vis.concepts.length >= 4, 'concept pages for the page');
    assert.deepEqual(vis.whatIf?.results.map((r) => r.mode), ['sequential', 'threads', 'processes', 'asyncio', 'fixed']);
    const total = (mode: string) => vis.whatIf!.results.find((r) => r.mode === mode)!.totalMs;
    assert.ok(total('fixed') < total('asyncio'), 'the fix frees the loop');
    assert.ok(JSON.parse(JSON.stringify(vis)), 'postMessage-able');
  } finally {
    doc.dispose();
  }
});

test('locks: with lock / acquire() / release(), threads from a comprehension joined in a loop', async () => {
  const { model } = await extractFixture('locks.py');
  const workers = model.units.filter((u) => u.kind === 'thread');
  assert.equal(workers.length, 3);
  for (const w of workers) {
    assert.deepEqual(kinds(w).filter((k) => k !== 'cpu'), ['acquire', 'release', 'acquire', 'release']);
    assert.ok(w.steps.filter((s) => s.kind === 'acquire' || s.kind === 'release').every((s) => s.target === 'lock'));
    assert.equal(line(w.steps[0]), 9);
  }
  const main = unit(model, 'main thread');
  assert.deepEqual(kinds(main), ['spawn', 'spawn', 'spawn', 'join', 'join', 'join']);
  const tl = simulate(model);
  assert.ok(!tl.truncated && tl.notes.length === 0);
});

test('TS: Promise.all over CPU-only async functions runs them one after another; a Worker runs in parallel', async () => {
  const { model } = await extractFixture('promise_all.ts');
  assert.equal(model.language, 'ts');
  const main = unit(model, 'main script');
  assert.equal(main.kind, 'js-main');
  const crunches = model.units.filter((u) => /^crunch\(\d\)$/.test(u.label));
  assert.equal(crunches.length, 3);
  assert.ok(crunches.every((u) => u.kind === 'js-async' && u.steps[0].kind === 'cpu' && u.steps[0].weight === 10));
  const mainFn = unit(model, 'main()');
  assert.equal(mainFn.kind, 'js-async');
  assert.deepEqual(mainFn.steps.filter((s) => s.kind === 'await').map((s) => s.target ?? s.duration), [...crunches.map((u) => u.id), 100], 'Promise.all = one await per target; sleep(100) → 100 ms');
  const worker = unit(model, /^Worker/);
  assert.equal(worker.kind, 'worker');
  const handler = unit(model, /'exit' handler/);
  assert.equal(handler.kind, 'timer');
  assert.deepEqual(handler.startsAt, { afterStepOf: worker.id, stepIndex: 0 });

  const tl = simulate(model);
  const spans = crunches.flatMap((u) => running(lane(tl, u.id)));
  spans.sort((x, y) => x.start - y.start);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end - 1e-6, 'one thread: CPU spans never overlap');
  const w = running(lane(tl, worker.id));
  assert.ok(w.length && spans.some((s) => s.start < w[0].end && w[0].start < s.end), 'the worker overlaps the main thread');
});

test('TS event loop: timers with delays, setInterval firings, microtasks, nextTick, .then, child process, blocking call', async () => {
  const { model } = await extractFixture('event_loop.ts');
  const timers = model.units.filter((u) => u.kind === 'timer' && u.label.startsWith('set'));
  assert.deepEqual(timers.map((u) => u.delayMs), [0, 100, 0, 50, 100, 150]);
  assert.equal(unit(model, /^queueMicrotask/).kind, 'microtask');
  const tick = unit(model, /^process\.nextTick/);
  assert.equal(tick.kind, 'microtask');
  assert.equal(tick.nextTick, true);
  const load = unit(model, "load('a.json')");
  assert.equal(load.kind, 'js-async');
  assert.deepEqual(kinds(load), ['blocking', 'await']);
  const then = model.units.filter((u) => u.label.startsWith('.then'));
  assert.equal(then.length, 2);
  assert.equal(then[1].steps[0].target, load.id, 'load(...).then(cb) waits for load');
  const child = unit(model, /^exec 'ls -l'/);
  assert.equal(child.kind, 'child-process');
  assert.deepEqual(unit(model, 'exec callback').startsAt, { afterStepOf: child.id, stepIndex: 0 });
  const tl = simulate(model);
  const stall = tl.events.find((e) => e.kind === 'stall');
  assert.ok(stall && stall.unitId === load.id && stall.range?.start.line === 13, 'readFileSync stalls the loop at its line');
  const order = tl.events.filter((e) => e.kind === 'microtask-drain' || e.kind === 'timer-fired').map((e) => e.kind);
  assert.equal(order[0], 'microtask-drain', 'microtasks drain before the first timer');
});

test('setTimeout(f, 100) → a timer with delayMs 100; await new Promise(r => setTimeout(r, 20)) → a 20 ms await', async () => {
  const model = await extract(`
function later() { console.log('x'); }
setTimeout(later, 100);
async function f() { await new Promise((r) => setTimeout(r, 20)); }
f();
`, 'typescript');
  const t = unit(model, 'setTimeout(later, 100)');
  assert.equal(t.delayMs, 100);
  assert.equal(t.kind, 'timer');
  const f = unit(model, 'f()');
  assert.deepEqual(f.steps.map((s) => [s.kind, s.duration]), [['await', 20]]);
  assert.equal(model.units.length, 3, 'the promise\'s own timer is not a separate unit');
});

test('labels from hostile identifiers and strings reach the model verbatim', async () => {
  const { model } = await extractFixture('hostile.py');
  const t = unit(model, /^<\/script><img src=x onerror=alert\(1\)>: /);
  assert.equal(t.label, '</script><img src=x onerror=alert(1)>: _script_close_script_img_src_x_onerror_alert_1_()');
  assert.equal(t.steps[0].label, 'print("</script><script>alert(1)</script>")');
  assert.doesNotThrow(() => simulate(model));
});

test('bad input: syntax errors, empty files, unknown targets give a model with notes and never throw', async () => {
  const broken = await extractFixture('syntax_error.py');
  assert.ok(broken.model.notes.some((n) => /syntax errors/.test(n)));
  assert.equal(broken.model.units[0].kind, 'main-thread');
  const empty = await extractFixture('empty.py');
  assert.equal(empty.model.units.length, 1);
  assert.ok(empty.model.notes.length > 0);
  const emptyTs = await extract('', 'typescript');
  assert.equal(emptyTs.units[0].kind, 'js-main');
  const unknown = await extractFixture('unknown_targets.py');
  assert.ok(unknown.model.notes.some((n) => /not a function of this file/.test(n)));
  assert.doesNotThrow(() => simulate(unknown.model));
  for (const garbage of ['def (((', 'async def f(:\n  await', 'class X(threading.Thread:\n  def run(self) pass', '\u0000\u0001']) {
    const m = await extract(garbage);
    assert.ok(m.units.length >= 1);
  }
  for (const garbage of ['async function (', 'setTimeout(', 'new Worker(', 'Promise.all([', '}}}}']) {
    const m = await extract(garbage, 'typescript');
    assert.ok(m.units.length >= 1);
  }
});

test('500-deep nesting is cut off with a note (Python and TS)', async () => {
  let py = 'import threading\ndef work():\n    pass\n';
  for (let i = 0; i < 500; i++) py += `${' '.repeat(i)}if x${i}:\n`;
  py += `${' '.repeat(500)}threading.Thread(target=work).start()\n`;
  const m = await extract(py);
  assert.ok(m.notes.some((n) => /nested deeper/.test(n)), m.notes.join('; '));
  let ts = '';
  for (let i = 0; i < 500; i++) ts += 'if (x) {\n';
  ts += 'setTimeout(() => 1, 5);\n' + '}\n'.repeat(500);
  const t = await extract(ts, 'typescript');
  assert.ok(t.notes.some((n) => /nested deeper/.test(n)), t.notes.join('; '));
  const deepExpr = `x = ${'('.repeat(500)}1${')'.repeat(500)}\n`;
  assert.ok((await extract(deepExpr)).units.length === 1);
});

test('huge files are bounded: units and steps are capped, with notes', async () => {
  let py = 'import threading\n\ndef work(i):\n    total = 0\n    for k in range(1000):\n        total += k\n\n';
  for (let i = 0; i < 400; i++) py += `t${i} = threading.Thread(target=work, args=(${i},))\nt${i}.start()\n`;
  const m = await extract(py);
  assert.ok(m.units.length <= 120, `units: ${m.units.length}`);
  assert.ok(m.notes.some((n) => /More than 120/.test(n)));
  const steps = m.units.reduce((n, u) => n + u.steps.length, 0);
  assert.ok(steps <= 4000);
  const tl = simulate(m);
  assert.ok(tl.lanes.length <= 120);
  let loop = 'import asyncio\nasync def f():\n';
  for (let i = 0; i < 600; i++) loop += `    await asyncio.sleep(${i % 3})\n`;
  loop += 'asyncio.run(f())\n';
  const capped = await extract(loop);
  assert.ok(capped.units.every((u) => u.steps.length <= 200));
  assert.ok(capped.notes.some((n) => /more than 200 steps/.test(n)));
});

test('mutual recursion and self-starting code terminate', async () => {
  const m = await extract(`
import threading, asyncio
def a():
    b()
    threading.Thread(target=a).start()
def b():
    a()
async def c():
    await c()
    asyncio.create_task(c())
a()
asyncio.run(c())
`);
  assert.ok(m.units.length < 30);
  assert.doesNotThrow(() => simulate(m));
  const t = await extract(`
async function p() { await p(); setTimeout(p, 1); }
function q() { q(); setTimeout(q, 1); }
p(); q();
`, 'typescript');
  assert.ok(t.units.length < 30);
  assert.doesNotThrow(() => simulate(t));
});
