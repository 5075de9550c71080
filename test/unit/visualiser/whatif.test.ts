import { test } from 'node:test';
import assert from 'node:assert/strict';
import { whatIf } from '../../../src/core/visualiser/whatif';
import type { Unit } from '../../../src/core/visualiser/model';
import { asyncioWithBlockingSleep, cpu, io, mainJoining, py, sleep, ts } from './fixtures';

const ms = (w: NonNullable<ReturnType<typeof whatIf>>, mode: string) => w.results.find((r) => r.mode === mode)!.totalMs;

test('CPU workload: processes are fastest', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const w = whatIf(py([mainJoining(ids), ...ids.map((id): Unit => ({ id, kind: 'thread', label: `crunch(${id})`, steps: [cpu(20)] }))]));
  assert.ok(w);
  assert.equal(w.workers, 4);
  const best = [...w.results].sort((a, b) => a.totalMs - b.totalMs)[0];
  assert.equal(best.mode, 'processes');
  assert.ok(ms(w, 'threads') >= ms(w, 'sequential') * 0.9, 'threads do not beat sequential on CPU');
  assert.match(w.lesson, /processes/);
  assert.match(w.lesson, /GIL/);
});

test('sleep/I/O workload: threads and asyncio about equal, faster than sequential', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const w = whatIf(py([mainJoining(ids), ...ids.map((id, i): Unit => ({ id, kind: 'thread', label: `fetch(${id})`, steps: [i % 2 ? sleep(200) : io(200), cpu(0.5)] }))]));
  assert.ok(w);
  const th = ms(w, 'threads');
  const as = ms(w, 'asyncio');
  assert.ok(Math.abs(th - as) <= 0.15 * th, `threads ${th} vs asyncio ${as}`);
  assert.ok(th < ms(w, 'sequential') / 2);
  assert.ok(ms(w, 'processes') > th, 'process start-up costs');
  assert.match(w.lesson, /waiting/);
});

test('a blocking call stays blocking in asyncio', () => {
  const w = whatIf(asyncioWithBlockingSleep());
  assert.ok(w);
  assert.equal(w.workers, 3);
  // The 500 ms time.sleep holds the loop: the other tasks' work waits behind it.
  assert.ok(ms(w, 'asyncio') > ms(w, 'threads'), `asyncio ${ms(w, 'asyncio')} vs threads ${ms(w, 'threads')}`);
  assert.ok(ms(w, 'asyncio') >= 520);
  // With the fix (asyncio.sleep for the flagged time.sleep) the loop overlaps the waits: the total is the longest one.
  assert.equal(ms(w, 'fixed'), 500);
  assert.ok(ms(w, 'fixed') < ms(w, 'asyncio'), `fixed ${ms(w, 'fixed')} vs asyncio ${ms(w, 'asyncio')}`);
  assert.equal(w.recommended, 'fixed');
  assert.match(w.lesson, /blocking call holds the event loop/);
  assert.match(w.lesson, /asyncio\.sleep/);
});

test('no what-if for files with no concurrent callables', () => {
  assert.equal(whatIf(ts([{ id: 'm', kind: 'js-main', label: 'main', steps: [cpu(1)] }])), undefined);
  assert.equal(whatIf(py([{ id: 'm', kind: 'main-thread', label: 'main', steps: [cpu(1)] }])), undefined);
});

test('a wait whose length the code does not state keeps its default length on the loop: asyncio is not free', () => {
  const ids = ['a', 'b', 'c', 'd'];
  const unstated = (id: string): Unit => ({ id, kind: 'thread', label: `fetch(${id})`, steps: [{ kind: 'io', label: 'requests.get(url)' }] });
  const w = whatIf(py([mainJoining(ids), ...ids.map(unstated)]));
  assert.ok(w);
  assert.equal(ms(w, 'threads'), 50);
  assert.equal(ms(w, 'asyncio'), 50, 'four 50 ms waits overlap on the loop, they do not vanish');
});

test('worker processes that each start a helper thread: the workload is the processes, and CPU work in them stays in processes', () => {
  const ids = ['p1', 'p2', 'p3', 'p4'];
  const w = whatIf(py([
    mainJoining(ids),
    ...ids.map((id): Unit => ({ id, kind: 'process', label: `serve(${id})`, steps: [{ kind: 'spawn', target: `${id}-pong`, label: 'start pong' }, cpu(20)] })),
    // Each process's health-check thread waits on its pipe: a helper of its process, not a unit of work of its own.
    ...ids.map((id): Unit => ({ id: `${id}-pong`, kind: 'thread', label: 'pong()', parent: id, daemon: true, steps: [io(200)] })),
  ]));
  assert.ok(w);
  assert.equal(w.workers, 4);
  assert.equal(w.noun, 'worker processes');
  assert.equal(w.recommended, 'processes', w.lesson);
  assert.match(w.lesson, /GIL/);
  assert.ok(ms(w, 'threads') >= ms(w, 'sequential') * 0.9, 'the processes\' CPU work does not overlap in threads');
});

test('a single process\'s threads stay the workload: what is compared there is threads', () => {
  const w = whatIf(py([
    mainJoining(['p']),
    { id: 'p', kind: 'process', label: 'child()', steps: [{ kind: 'spawn', target: 'a', label: 'start a' }, { kind: 'spawn', target: 'b', label: 'start b' }, cpu(1)] },
    ...['a', 'b'].map((id): Unit => ({ id, kind: 'thread', label: `fetch(${id})`, parent: 'p', steps: [io(100)] })),
  ]));
  assert.ok(w);
  assert.equal(w.workers, 2);
  assert.equal(w.noun, 'units of work');
});
