import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AnalysisHost, BUDGET_CHARS, budgetDiagnostic } from '../../../src/host/analysisHost';
import { PHASES } from '../../../src/host/protocol';

// A file whose analysis takes far longer than a 1 ms budget: thousands of async functions for every rule to visit.
const SLOW = Array.from({ length: 3000 }, (_, i) => `async def f${i}(x):\n    time.sleep(1)\n    return sum(j * j for j in range(10**6))\n`).join('');
const SMALL = 'import time\n\nasync def main():\n    time.sleep(1)\n';

describe('analysis host (worker thread with a time budget)', () => {
  const hosts: AnalysisHost[] = [];
  const host = (budgetMs: number): AnalysisHost => {
    const h = new AnalysisHost({ budgetMs });
    hosts.push(h);
    return h;
  };
  after(() => Promise.all(hosts.map((h) => h.dispose())));

  it('analyses an open document and follows incremental edits', async () => {
    const h = host(10_000);
    h.open('a.py', 'python', SMALL, 1);
    const first = await h.analyze('a.py');
    assert.equal(first.kind, 'done');
    assert.deepEqual(first.kind === 'done' && first.value.diagnostics.map((d) => d.code), ['blocking-call-in-async']);
    // Replace `time.sleep(1)` by `pass`.
    const offset = SMALL.indexOf('time.sleep(1)');
    h.change('a.py', [{ rangeOffset: offset, rangeLength: 'time.sleep(1)'.length, text: 'pass' }], 2);
    const second = await h.analyze('a.py');
    assert.equal(second.kind === 'done' && second.value.version, 2);
    assert.deepEqual(second.kind === 'done' && second.value.diagnostics, []);
    assert.equal(h.textOf('a.py'), SMALL.replace('time.sleep(1)', 'pass'));
  });

  it('checks fixes on demand: a fix whose text would not parse is left out, and only for the version it was made on', async () => {
    const h = host(10_000);
    h.open('fix.py', 'python', SMALL, 1);
    const analysed = await h.analyze('fix.py');
    assert.equal(analysed.kind, 'done');
    const [finding] = analysed.kind === 'done' ? analysed.value.diagnostics : [];
    const broken = { title: 'broken', applicability: 'safe' as const, edits: [{ range: finding.range, newText: 'time.sleep(1' }] };
    const checked = await h.checkFixes('fix.py', 1, [{ ...finding, fixes: [...finding.fixes, broken] }]);
    assert.equal(checked.kind, 'done');
    const value = checked.kind === 'done' ? checked.value : undefined;
    assert.deepEqual(value?.diagnostics[0].fixes.map((f) => f.title), finding.fixes.map((f) => f.title));
    assert.deepEqual(value?.dropped.map((d) => [d.title, d.why]), [['broken', 'would not parse']]);
    const stale = await h.checkFixes('fix.py', 7, [finding]);
    assert.equal(stale.kind === 'done' && stale.value, undefined);
  });

  it('keeps trees for the most recently used documents only; a released one is parsed again when used, with the same results', async () => {
    const h = host(10_000);
    const texts = Array.from({ length: 12 }, (_, i) => `import time\n\n\nasync def handler_${i}():\n    time.sleep(${i})\n\n\ndef helper_${i}():\n    return ${i}\n`);
    const baseline: unknown[] = [];
    for (const [i, text] of texts.entries()) {
      h.open(`doc${i}.py`, 'python', text, 1);
      const outcome = await h.analyze(`doc${i}.py`);
      assert.equal(outcome.kind, 'done');
      baseline.push(outcome.kind === 'done' && outcome.value.diagnostics);
    }
    const memory = await h.workerMemory();
    assert.equal(memory?.documents, 12);
    assert.ok(memory.trees < 12, `${memory.trees} trees kept`);
    assert.ok(memory.wasm > 0 && memory.heapUsed > 0);
    // doc0 was released long ago: analysed again, then edited (parsed from its new text), it gives what a fresh host gives.
    const again = await h.analyze('doc0.py');
    assert.deepEqual(again.kind === 'done' && again.value.diagnostics, baseline[0]);
    const lens = await h.entries('doc1.py', 'doc1.py');
    assert.equal(lens.kind, 'done');
    const edited = texts[2].replace('time.sleep(2)', 'time.sleep(2); time.sleep(3)');
    const offset = texts[2].indexOf('time.sleep(2)') + 'time.sleep(2)'.length;
    h.change('doc2.py', [{ rangeOffset: offset, rangeLength: 0, text: '; time.sleep(3)' }], 2);
    const after = await h.analyze('doc2.py');
    const fresh = host(10_000);
    fresh.open('doc2.py', 'python', edited, 2);
    const expected = await fresh.analyze('doc2.py');
    assert.equal(after.kind === 'done' && after.value.version, 2);
    assert.equal(after.kind === 'done' && after.value.diagnostics.length, 2);
    assert.deepEqual(after.kind === 'done' && after.value.diagnostics, expected.kind === 'done' && expected.value.diagnostics);
    assert.equal(h.textOf('doc2.py'), edited);
    const [finding] = after.kind === 'done' ? after.value.diagnostics : [];
    h.close('doc5.py');
    for (let i = 6; i < 12; i++) await h.analyze(`doc${i}.py`);
    // Fixes of a released document are checked against its text parsed again.
    const checked = await h.checkFixes('doc2.py', 2, [finding]);
    assert.deepEqual(checked.kind === 'done' && checked.value?.diagnostics[0].fixes.map((f) => f.title), finding.fixes.map((f) => f.title));
    assert.equal((await h.workerMemory())?.documents, 11);
  });

  it('stops an analysis over budget, names the phase it stopped in, and keeps serving the other documents', async () => {
    const h = host(10_000);
    h.open('small.py', 'python', SMALL, 1);
    assert.equal((await h.analyze('small.py')).kind, 'done');
    h.setBudget(1);
    h.open('slow.py', 'python', SLOW, 1);
    const slow = await h.analyze('slow.py');
    assert.equal(slow.kind, 'overrun');
    // With so small a budget any phase may be the one running when the clock runs out (on a loaded machine even before the job starts).
    assert.ok(slow.kind === 'overrun' && PHASES.includes(slow.phase), JSON.stringify(slow));
    // The same text is not analysed again (it would only overrun again) until it changes.
    const again = await h.analyze('slow.py');
    assert.equal(again.kind, 'overrun');
    // After the worker was replaced, the small document is still open there, and a hover answers.
    h.setBudget(10_000);
    assert.equal((await h.analyze('slow.py')).kind, 'overrun', 'a text that overran is not retried until it changes');
    h.change('slow.py', [{ rangeOffset: 0, rangeLength: SLOW.length, text: SMALL }], 2);
    assert.equal((await h.analyze('slow.py')).kind, 'done', 'a changed text is analysed again');
    const small = await h.analyze('small.py');
    assert.equal(small.kind, 'done');
    const hover = await h.hover('small.py', { line: 3, column: 10 }, [], { hover: 'full', pythonFreeThreaded: false });
    assert.equal(hover.kind, 'done');
    assert.equal(hover.kind === 'done' && hover.value?.resolvedName, 'time.sleep');
  });

  it('gives a document whose analyses stop at the budget in a row twice the budget each time, up to 4 times, until one completes', async () => {
    const h = host(10_000);
    h.setBudget(10);
    h.open('big.py', 'python', SLOW, 1);
    const budgets: number[] = [];
    for (let version = 1; version <= 4; version++) {
      if (version > 1) h.change('big.py', [{ rangeOffset: 0, rangeLength: 0, text: '#\n' }], version);
      const outcome = await h.analyze('big.py');
      assert.equal(outcome.kind, 'overrun');
      budgets.push(outcome.kind === 'overrun' ? outcome.budgetMs : 0);
    }
    assert.deepEqual(budgets, [10, 20, 40, 40]);
    // One that completes ends the streak: the next stop is at the plain budget again.
    h.setBudget(10_000);
    h.change('big.py', [{ rangeOffset: 0, rangeLength: h.textOf('big.py')!.length, text: SMALL }], 5);
    assert.equal((await h.analyze('big.py')).kind, 'done');
    h.setBudget(10);
    h.change('big.py', [{ rangeOffset: 0, rangeLength: SMALL.length, text: SLOW }], 6);
    const after = await h.analyze('big.py');
    assert.equal(after.kind === 'overrun' && after.budgetMs, 10);
  });

  it('gives a long text a budget as many times over as it is long, within the same limit of four times', async () => {
    const h = host(10_000);
    h.setBudget(10);
    const long = SLOW.repeat(3);
    h.open('long.py', 'python', long, 1);
    h.open('short.py', 'python', SLOW.slice(0, 20_000), 1);
    const first = await h.analyze('long.py');
    assert.equal(first.kind === 'overrun' && first.budgetMs, Math.round(10 * long.length / BUDGET_CHARS));
    h.change('long.py', [{ rangeOffset: 0, rangeLength: 0, text: '#\n' }], 2);
    const second = await h.analyze('long.py');
    assert.equal(second.kind === 'overrun' && second.budgetMs, 40, 'after an overrun: twice as much, at most four times the budget');
    const short = await h.analyze('short.py');
    assert.equal(short.kind === 'overrun' && short.budgetMs, 10, 'a short text gets the budget itself');
    const text = await h.analyzeText(long, 'python');
    assert.equal(text.kind === 'overrun' && text.budgetMs, Math.round(10 * long.length / BUDGET_CHARS));
  });

  it('cancels a queued analysis that a newer one of the same file replaces', async () => {
    const h = host(10_000);
    h.open('slow.py', 'python', SLOW, 1);
    h.open('b.py', 'python', SMALL, 1);
    const busy = h.analyze('slow.py');
    const older = h.analyze('b.py');
    const newer = h.analyze('b.py');
    assert.equal((await older).kind, 'cancelled');
    assert.equal((await newer).kind, 'done');
    assert.equal((await busy).kind, 'done');
  });

  it('answers requests for unknown documents without touching the worker', async () => {
    const h = host(10_000);
    assert.equal((await h.analyze('never-opened.py')).kind, 'cancelled');
    h.change('never-opened.py', [{ rangeOffset: 0, rangeLength: 0, text: 'x' }], 2);
    assert.equal(h.textOf('never-opened.py'), undefined);
  });

  it('describes an overrun as an information diagnostic at line 1', () => {
    const d = budgetDiagnostic('cpu-bound-in-thread', 2000);
    assert.equal(d.severity, 'information');
    assert.equal(d.range.start.line, 0);
    assert.match(d.message, /2000 ms while rule `cpu-bound-in-thread` was running/);
    // Before the first rule: the names, summary and changed functions of the file; before the job started at all.
    assert.match(budgetDiagnostic('prepare', 10).message, /10 ms while the preparation of the analysis was running/);
    assert.match(budgetDiagnostic('idle', 10).message, /10 ms while the analysis was running/);
  });
});
