import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText } from '../../../src/core';

// The Python blocking rule finds callee names by text before the tree confirms them: a long run of name characters
// (a hex constant, a long string of letters) must cost one pass, not one per character (5.5 s for 64 KB, 42 s for
// 100 KB before). A benchmark rather than a timed test: the figures are printed.

describe('blocking-call-in-async (Python) on long runs of name characters', () => {
  const cases = [
    ['a 64 KB hex constant', `X = 0x${'0123456789abcdef'.repeat(4096)}\n`],
    ['a 100 KB line of letters', `X = "${'b'.repeat(100_000)}"\n`],
    ['a 100 KB name', `${'b'.repeat(100_000)} = 1\n`],
  ] as const;
  for (const [what, tail] of cases) {
    it(`${what} after an async def: the finding is reported, the rest scanned once`, async () => {
      const text = `import time\n\n\nasync def f():\n    time.sleep(1)\n    x_sleep(1)\n\n\n${tail}`;
      const started = performance.now();
      const result = await analyzeText(text, 'python', { only: ['blocking-call-in-async'] });
      console.log(`${what}: ${(performance.now() - started).toFixed(0)} ms`);
      assert.deepEqual(result.ruleErrors, []);
      assert.deepEqual(result.diagnostics.map((d) => d.range.start.line), [4], 'time.sleep, and not the `sleep` inside x_sleep');
    });
  }
});
