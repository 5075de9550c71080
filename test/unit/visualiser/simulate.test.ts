import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../../src/core/visualiser/simulate';
import type { ExecutionModel, Lane, Span, Timeline, Unit } from '../../../src/core/visualiser/model';
import {
  asyncioWithBlockingSleep, awaitFor, awaitUnit, cpu, io, join, mainJoining, py, sleep, spawn, ts, twoCpuThreads,
} from './fixtures';

const lane = (tl: Timeline, id: string): Lane => {
  const l = tl.lanes.find((x) => x.unitId === id);
  assert.ok(l, `lane ${id}`);
  return l;
};
const running = (l: Lane): Span[] => l.spans.filter((s) => s.state === 'running');
const firstRun = (l: Lane): number => running(l)[0]?.start ?? NaN;
const lastEnd = (l: Lane): number => l.spans[l.spans.length - 1]?.end ?? NaN;
const near = (actual: number, expected: number, tol = 0.1) =>
  assert.ok(Math.abs(actual - expected) <= expected * tol, `${actual} ≉ ${expected}`);
const overlaps = (a: Span[], b: Span[]) => a.some((x) => b.some((y) => x.start < y.end && y.start < x.end));

test('two CPU-bound threads take about the sum of their work (the GIL)', () => {
  const tl = simulate(twoCpuThreads('thread'));
  near(tl.totalMs, 200);
  assert.ok(tl.events.some((e) => e.kind === 'gil-handoff'), 'GIL hand-offs marked');
  assert.ok(lane(tl, 'a').spans.some((s) => s.state === 'waiting-gil'));
  assert.ok(lane(tl, 'b').spans.some((s) => s.state === 'waiting-gil'));
  assert.ok(!overlaps(running(lane(tl, 'a')), running(lane(tl, 'b'))), 'never both running');
  // The switch interval sets the rhythm: about 100 ms of work / 5 ms slices per thread.
  const handoffs = tl.events.filter((e) => e.kind === 'gil-handoff').length;
  assert.ok(handoffs >= 30 && handoffs <= 45, `handoffs ${handoffs}`);
});

test('two processes take about the max of their work', () => {
  const tl = simulate(twoCpuThreads('process'));
  near(tl.totalMs, 100);
  assert.ok(overlaps(running(lane(tl, 'a')), running(lane(tl, 'b'))));
  assert.equal(tl.events.filter((e) => e.kind === 'gil-handoff').length, 0);
});

test('free-threaded: two CPU threads take about the max', () => {
  const tl = simulate(twoCpuThreads('thread'), { freeThreaded: true });
  near(tl.totalMs, 100);
});

test('cores limit parallel processes', () => {
  const m = py([mainJoining(['a', 'b', 'c']), ...['a', 'b', 'c'].map((id): Unit => ({ id, kind: 'process', label: id, steps: [cpu(10)] }))]);
  near(simulate(m, { cores: 1 }).totalMs, 300);
  near(simulate(m, { cores: 3 }).totalMs, 100);
});

test('two sleeping threads overlap', () => {
  const m = py([mainJoining(['a', 'b']), { id: 'a', kind: 'thread', label: 'a', steps: [sleep(500)] }, { id: 'b', kind: 'thread', label: 'b', steps: [sleep(500)] }]);
  const tl = simulate(m);
  near(tl.totalMs, 500);
  assert.equal(lane(tl, 'a').spans[0].state, 'sleeping');
  assert.equal(lane(tl, 'main').spans.at(-1)?.state, 'joined');
});

test('I/O releases the GIL: CPU in one thread overlaps I/O in another', () => {
  const m = py([mainJoining(['a', 'b']), { id: 'a', kind: 'thread', label: 'a', steps: [cpu(20)] }, { id: 'b', kind: 'thread', label: 'b', steps: [io(200)] }]);
  near(simulate(m).totalMs, 200);
});

test('a time.sleep in one of three asyncio tasks stalls the other two', () => {
  const tl = simulate(asyncioWithBlockingSleep());
  const stall = tl.events.find((e) => e.kind === 'stall');
  assert.ok(stall, 'stall event');
  assert.equal(stall.unitId, 'slow');
  assert.ok(stall.range, 'stall carries the blocking call range');
  for (const id of ['t1', 't2']) {
    const l = lane(tl, id);
    // Their asyncio.sleep(0.1) ended at 100 ms, but they cannot run until the loop is free at 500.
    const ready = l.spans.find((s) => s.state === 'ready' && s.start <= 100 + 1e-6 && s.end >= 500 - 1e-6);
    assert.ok(ready, `${id} stays ready while the loop is blocked: ${JSON.stringify(l.spans)}`);
    assert.ok(firstRun(l) < 1 || running(l).some((s) => s.start >= 500));
  }
  assert.equal(lane(tl, 'slow').spans[0].state, 'sleeping');
  assert.ok(tl.totalMs >= 500 + 20 - 1e-6, `total ${tl.totalMs}`);
  assert.ok(tl.events.some((e) => e.kind === 'task-switch'));
});

test('asyncio tasks awaiting sleeps overlap', () => {
  const m = asyncioWithBlockingSleep();
  const slow = m.units.find((u) => u.id === 'slow')!;
  slow.steps = [awaitFor(500, 'await asyncio.sleep(0.5)')];
  const tl = simulate(m);
  assert.ok(!tl.events.some((e) => e.kind === 'stall'));
  near(tl.totalMs, 500);
  assert.ok(lastEnd(lane(tl, 't1')) < 150);
});

test('Promise.all over three CPU-only async callbacks runs them one after another', () => {
  const cb = (id: string): Unit => ({ id, kind: 'js-async', label: `${id}()`, steps: [cpu(3)] });
  const m = ts([
    { id: 'main', kind: 'js-main', label: 'main script', steps: [spawn('a'), spawn('b'), spawn('c'), awaitUnit('a'), awaitUnit('b'), awaitUnit('c'), cpu(1)] },
    cb('a'), cb('b'), cb('c'),
  ]);
  const tl = simulate(m);
  const [a, b, c] = ['a', 'b', 'c'].map((id) => running(lane(tl, id)));
  assert.ok(a.length && b.length && c.length);
  assert.ok(!overlaps(a, b) && !overlaps(b, c) && !overlaps(a, c));
  assert.ok(a[0].end <= b[0].start && b[0].end <= c[0].start, 'in call order');
  near(tl.totalMs, 100);
  // The caller waits while the callee runs synchronously.
  assert.ok(lane(tl, 'main').spans.some((s) => s.state === 'joined'));
});

test('microtasks run before the next timer, even a 0 ms one', () => {
  const m = ts([
    { id: 'main', kind: 'js-main', label: 'main script', steps: [spawn('tm'), spawn('mt'), cpu(2)] },
    { id: 'tm', kind: 'timer', label: 'setTimeout cb', delayMs: 0, steps: [cpu(1)] },
    { id: 'mt', kind: 'microtask', label: 'then cb', steps: [cpu(1)] },
  ]);
  const tl = simulate(m);
  assert.ok(firstRun(lane(tl, 'mt')) < firstRun(lane(tl, 'tm')));
  assert.ok(firstRun(lane(tl, 'mt')) >= lastEnd(lane(tl, 'main')) - 1e-6, 'after the script completes');
  assert.ok(tl.events.some((e) => e.kind === 'microtask-drain'));
  assert.ok(tl.events.some((e) => e.kind === 'timer-fired' && e.unitId === 'tm'));
});

test('process.nextTick runs before promise microtasks', () => {
  const m = ts([
    { id: 'main', kind: 'js-main', label: 'main script', steps: [spawn('p'), spawn('nt'), cpu(1)] },
    { id: 'p', kind: 'microtask', label: 'promise.then cb', steps: [cpu(1)] },
    { id: 'nt', kind: 'microtask', nextTick: true, label: 'nextTick cb', steps: [cpu(1)] },
  ]);
  const tl = simulate(m);
  assert.ok(firstRun(lane(tl, 'nt')) < firstRun(lane(tl, 'p')));
});

test('timers fire in due order and late when the loop is busy', () => {
  const m = ts([
    { id: 'main', kind: 'js-main', label: 'main script', steps: [spawn('t50'), spawn('t10'), cpu(10)] },
    { id: 't50', kind: 'timer', label: 'after 50', delayMs: 50, steps: [cpu(1)] },
    { id: 't10', kind: 'timer', label: 'after 10', delayMs: 10, steps: [cpu(1)] },
  ]);
  const tl = simulate(m);
  assert.ok(firstRun(lane(tl, 't10')) < firstRun(lane(tl, 't50')));
  near(firstRun(lane(tl, 't10')), 100); // due at 10, but the script runs until 100
  assert.ok(lane(tl, 't10').spans.some((s) => s.state === 'ready' && Math.abs(s.start - 10) < 1e-6));
  assert.ok(tl.events.some((e) => e.kind === 'timer-fired' && /late/.test(e.detail)));
});

test('an awaited I/O lets the JS loop run timers meanwhile; workers run in parallel', () => {
  const m = ts([
    { id: 'main', kind: 'js-main', label: 'main script', steps: [spawn('w'), spawn('f'), spawn('tm'), cpu(1)] },
    { id: 'f', kind: 'js-async', label: 'load()', steps: [cpu(1), { kind: 'await', duration: 100, label: 'await fetch()' }, cpu(1)] },
    { id: 'tm', kind: 'timer', label: 'tick', delayMs: 20, steps: [cpu(1)] },
    { id: 'w', kind: 'worker', label: 'worker.js', steps: [cpu(10)] },
  ]);
  const tl = simulate(m);
  assert.ok(firstRun(lane(tl, 'tm')) < 100);
  assert.ok(lane(tl, 'f').spans.some((s) => s.state === 'awaiting'));
  assert.ok(overlaps(running(lane(tl, 'w')), running(lane(tl, 'main'))));
});

test('a daemon thread still working when main ends is killed', () => {
  const m = py([
    { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('d'), cpu(2)] },
    { id: 'd', kind: 'thread', daemon: true, label: 'daemon', steps: [sleep(1000), cpu(1)] },
  ]);
  const tl = simulate(m);
  const killed = tl.events.find((e) => e.kind === 'daemon-killed');
  assert.ok(killed);
  assert.equal(killed.unitId, 'd');
  near(tl.totalMs, 20);
  assert.ok(lastEnd(lane(tl, 'd')) <= tl.totalMs + 1e-6);
});

test('a non-daemon thread keeps the program alive: main waits at exit', () => {
  const m = py([
    { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('t'), cpu(2)] },
    { id: 't', kind: 'thread', label: 'worker', steps: [sleep(300)] },
  ]);
  const tl = simulate(m);
  near(tl.totalMs, 300);
  assert.ok(!tl.events.some((e) => e.kind === 'daemon-killed'));
  assert.equal(lane(tl, 'main').spans.at(-1)?.state, 'joined');
});

test('thread pool with max_workers=2 over 4 sleeping tasks takes two rounds', () => {
  const ids = ['t1', 't2', 't3', 't4'];
  const m = py([
    { id: 'main', kind: 'main-thread', label: 'main thread', steps: [...ids.map(spawn), ...ids.map(join)] },
    { id: 'pool', kind: 'thread-pool', label: 'ThreadPoolExecutor(2)', maxWorkers: 2, steps: [] },
    ...ids.map((id): Unit => ({ id, kind: 'thread', parent: 'pool', label: `task ${id}`, steps: [sleep(100)] })),
  ]);
  const tl = simulate(m);
  near(tl.totalMs, 200);
  assert.equal(tl.lanes.length, 5, 'no lane for the pool itself');
  assert.equal(lane(tl, 't3').spans[0].state, 'ready');
});

test('process pool and interpreter pool run CPU work in parallel', () => {
  for (const kind of ['process-pool', 'interpreter-pool'] as const) {
    const ids = ['a', 'b'];
    const m = py([
      mainJoining(ids),
      { id: 'pool', kind, label: kind, maxWorkers: 2, steps: [] },
      ...ids.map((id): Unit => ({ id, kind: 'process', parent: 'pool', label: id, steps: [cpu(10)] })),
    ]);
    near(simulate(m).totalMs, 100);
  }
});

test('locks serialise their holders and a deadlock is reported, not hung', () => {
  const crit = (id: string): Unit => ({ id, kind: 'thread', label: id, steps: [{ kind: 'acquire', target: 'L', label: 'with lock' }, sleep(100), { kind: 'release', target: 'L', label: 'end with' }] });
  const tl = simulate(py([mainJoining(['a', 'b']), crit('a'), crit('b')]));
  near(tl.totalMs, 200);
  assert.ok(lane(tl, 'b').spans.some((s) => s.state === 'waiting-lock'));

  const dl = py([
    mainJoining(['a', 'b']),
    { id: 'a', kind: 'thread', label: 'a', steps: [{ kind: 'acquire', target: 'L1', label: '' }, sleep(10), { kind: 'acquire', target: 'L2', label: '' }] },
    { id: 'b', kind: 'thread', label: 'b', steps: [{ kind: 'acquire', target: 'L2', label: '' }, sleep(10), { kind: 'acquire', target: 'L1', label: '' }] },
  ]);
  const t2 = simulate(dl);
  assert.ok(t2.notes.some((n) => /waits forever for lock/.test(n)), t2.notes.join('\n'));
});

test('startsAt afterStepOf starts a unit when that step is done', () => {
  const m = py([
    { id: 'main', kind: 'main-thread', label: 'main', steps: [cpu(5), cpu(5), join('t')] },
    { id: 't', kind: 'thread', label: 't', startsAt: { afterStepOf: 'main', stepIndex: 0 }, steps: [sleep(100)] },
  ]);
  const tl = simulate(m);
  near(lane(tl, 't').spans[0].start, 50);
  near(tl.totalMs, 150);
});

test('determinism: the same input gives identical output', () => {
  const build = (): ExecutionModel => asyncioWithBlockingSleep();
  const a = JSON.stringify(simulate(build()));
  const b = JSON.stringify(simulate(build()));
  assert.equal(a, b);
  const c = JSON.stringify(simulate(twoCpuThreads()));
  assert.equal(c, JSON.stringify(simulate(twoCpuThreads())));
});

// Bounded by the test runner's timeout, not by a timing assertion (timings belong in the bench).
test('a huge model is truncated, not hung', { timeout: 120_000 }, () => {
  const n = 3000;
  const units: Unit[] = [mainJoining(Array.from({ length: n }, (_, i) => `t${i}`))];
  for (let i = 0; i < n; i++) units.push({ id: `t${i}`, kind: 'thread', label: `t${i}`, steps: Array.from({ length: 500 }, () => cpu(3)) });
  const tl = simulate(py(units));
  assert.equal(tl.truncated, true);
  assert.ok(tl.notes.some((n) => /limit/.test(n)));
});

test('unknown targets and never-started joins become notes', () => {
  const m = py([
    { id: 'main', kind: 'main-thread', label: 'main', steps: [spawn('ghost'), join('t')] },
    { id: 't', kind: 'thread', label: 't', startsAt: { afterStepOf: 'nobody', stepIndex: 0 }, steps: [cpu(1)] },
  ]);
  const tl = simulate(m);
  assert.ok(tl.notes.some((n) => /unknown unit 'ghost'/.test(n)));
  assert.ok(tl.notes.some((n) => /never started/.test(n)));
});

test('a process ends when its main thread does: the daemon threads it started are killed then, not when the program ends', () => {
  const model = py([
    { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('p'), join('p'), sleep(300)] },
    { id: 'p', kind: 'process', label: 'worker process', steps: [spawn('hb'), cpu(1)] },
    { id: 'hb', kind: 'thread', label: 'heartbeat', daemon: true, parent: 'p', steps: [sleep(500)] },
  ]);
  const tl = simulate(model);
  const killed = tl.events.filter((e) => e.kind === 'daemon-killed');
  assert.deepEqual(killed.map((e) => e.unitId), ['hb']);
  const end = (id: string) => Math.max(...tl.lanes.find((l) => l.unitId === id)!.spans.map((s) => s.end));
  assert.equal(end('hb'), end('p'), 'the heartbeat stops with its process, while the main thread goes on');
  assert.ok(end('hb') < 100, String(end('hb')));
});
