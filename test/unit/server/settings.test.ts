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
