import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDelay } from '../../../src/server/server';

// The pause after an edit follows what the file's last analysis cost: none when it was fast, as long as it took when slow.
describe('the pause after an edit', () => {
  it('is none after a fast analysis, the last analysis\'s time after a slow one, and never over debounceMs', () => {
    assert.equal(editDelay(undefined, 300), 300, 'not analysed yet: the setting');
    assert.equal(editDelay(8, 300), 0);
    assert.equal(editDelay(50, 300), 0);
    assert.equal(editDelay(120.2, 300), 121);
    assert.equal(editDelay(2_000, 300), 300);
    assert.equal(editDelay(2_000, 0), 0, 'debounceMs 0: always at once');
  });
});
