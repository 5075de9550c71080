import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { AnalysisHost } from '../../../src/host/analysisHost';
import { check, fuzz, loadCorpus, savedPaths } from '../../fuzz/fuzz';
import { prng } from '../../fuzz/mutate';

const GENEROUS_BUDGET_MS = 15_000;
const FUZZ_DIR = path.resolve(__dirname, '../../../../test/fixtures/fuzz');

describe('fuzzed inputs', () => {
  it('every input the fuzzer once found failing now finishes cleanly', async () => {
    const host = new AnalysisHost({ budgetMs: GENEROUS_BUDGET_MS });
    try {
      const cases = loadCorpus(['test/fixtures/fuzz']);
      assert.ok(cases.length > 0, `no regression cases in ${FUZZ_DIR}`);
      const recorded = savedPaths(FUZZ_DIR);
      for (const c of cases) {
        // At the path it failed at (its neighbours followed), opened empty and typed in one edit, and opened whole.
        const at = recorded[path.basename(c.path)] ?? c.path;
        assert.equal(await check(host, c.language, '', c.text, prng(1), at), undefined, c.path);
        assert.equal(await check(host, c.language, c.text, c.text, prng(2), at), undefined, c.path);
      }
    } finally {
      await host.dispose();
    }
  });

  // A benchmark rather than a timed test: it asserts only that every mutant finished within a generous budget
  // without an exception or a rule error; the figures are printed.
  it('a fixed-seed run of 2,000 mutants of the fixtures finishes and throws nothing', async () => {
    const corpus = loadCorpus(['test/fixtures', 'examples']);
    const report = await fuzz({ seed: 20261129, count: 2000, budgetMs: GENEROUS_BUDGET_MS, corpus });
    console.log(`fuzz: ${report.tried} mutants in ${(report.elapsedMs / 1000).toFixed(1)} s, slowest ${report.slowestMs.toFixed(0)} ms (${report.slowestOperations.join(' + ')})`);
    assert.equal(report.tried, 2000);
    assert.deepEqual(report.failures.map((f) => `${f.problem} (${f.source}: ${f.operations.join(' + ')})`), []);
    assert.ok(fs.existsSync(FUZZ_DIR));
  });
});
