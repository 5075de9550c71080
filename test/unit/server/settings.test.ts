import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettings } from '../../../src/server/settings';

describe('server settings: coldSeverity', () => {
  it('passes "off" on as set by the user; "hint", absent or malformed keep the default', () => {
    const off = parseSettings({ coldSeverity: 'off' });
    assert.equal(off.analysis.coldSeverity, 'off');
    assert.ok(off.explicit.has('coldSeverity'));
    for (const raw of [{}, { coldSeverity: 'hint' }, { coldSeverity: 'loud' }, { coldSeverity: 1 }]) {
      const parsed = parseSettings(raw);
      assert.equal(parsed.analysis.coldSeverity, undefined, JSON.stringify(raw));
      assert.ok(!parsed.explicit.has('coldSeverity'));
    }
  });
});

describe('server settings: analysisBudgetMs', () => {
  it('is kept within 10..3600000 ms (timers overflow past 2^31 ms to 1 ms)', () => {
    assert.deepEqual([2 ** 31, 2 ** 53, 1e300, 3_600_001, 5000, 1, -5, Number.NaN, 'x'].map((v) => parseSettings({ analysisBudgetMs: v }).budgetMs),
      [3_600_000, 3_600_000, 3_600_000, 3_600_000, 5000, 10, 10, 2000, 2000]);
  });
});
