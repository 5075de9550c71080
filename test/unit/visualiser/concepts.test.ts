import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConceptPages } from '../../../src/core/visualiser/concepts';

test('concept pages: the four topics, with data the page can render', () => {
  const pages = buildConceptPages();
  assert.deepEqual(pages.map((p) => p.id), ['gil', 'select-epoll', 'asyncio-threading', 'node-loop']);
  for (const p of pages) {
    assert.ok(p.title && p.summary && p.paragraphs.length && p.views.length);
    for (const v of p.views) if (v.kind === 'timeline') assert.ok(v.timeline.lanes.length >= 2 && v.timeline.totalMs > 0 && !v.timeline.truncated);
  }
  const gil = pages[0].views.filter((v) => v.kind === 'timeline');
  const [cpuThreads, ioThreads, procs] = gil.map((v) => (v.kind === 'timeline' ? v.timeline.totalMs : 0));
  assert.ok(cpuThreads > procs * 1.8, 'CPU threads serialise, processes do not');
  assert.ok(ioThreads < 200, 'I/O waits overlap (sequential: 280 ms)');
  const sel = pages[1].views.find((v) => v.kind === 'table');
  assert.ok(sel && sel.kind === 'table');
  assert.equal(sel.rows.length, 4);
  assert.equal(sel.rows[3][2], 10, 'epoll: O(ready)');
  const stall = pages[2].views[2];
  assert.ok(stall.kind === 'timeline' && stall.timeline.events.some((e) => e.kind === 'stall'));
  assert.ok(JSON.parse(JSON.stringify(pages)), 'serialisable for postMessage');
});
