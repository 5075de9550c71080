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

  it('is none when the edit comes after a pause longer than the last analysis: typing does not outpace the checks', () => {
    assert.equal(editDelay(120, 300, 500), 0, 'one edit, then a look at the result');
    assert.equal(editDelay(2_000, 300, Infinity), 0, 'the first edit after opening: the open\'s whole-file check says nothing of an edit\'s');
    assert.equal(editDelay(120, 300, 80), 120, 'typing faster than the file is checked: wait for a pause');
    assert.equal(editDelay(2_000, 300, 1_000), 300);
    assert.equal(editDelay(120, 300), 120, 'no time since the last edit given: assumed typing');
  });
});
