import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParsedDocument } from '../../../src/core';

const TEXT = 'import time\n\n\nasync def handler():\n    time.sleep(1)\n';

describe('ParsedDocument release and restore', () => {
  it('drops the tree and keeps the text; restore parses the same text again', async () => {
    const doc = await ParsedDocument.create('python', TEXT);
    const shape = doc.tree!.rootNode.toString();
    doc.release();
    assert.equal(doc.tree, undefined);
    assert.equal(doc.released, true);
    assert.equal(doc.text, TEXT);
    await doc.restore();
    assert.equal(doc.released, false);
    assert.equal(doc.tree!.rootNode.toString(), shape);
    doc.dispose();
  });

  it('parses a released document from its new text when it is edited', async () => {
    const doc = await ParsedDocument.create('python', TEXT);
    doc.release();
    const at = TEXT.indexOf('time.sleep(1)');
    await doc.applyChanges([{ rangeOffset: at, rangeLength: 'time.sleep(1)'.length, text: 'await asyncio.sleep(1)' }]);
    const edited = TEXT.replace('time.sleep(1)', 'await asyncio.sleep(1)');
    assert.equal(doc.text, edited);
    assert.equal(doc.released, false);
    const fresh = await ParsedDocument.create('python', edited);
    assert.equal(doc.tree!.rootNode.toString(), fresh.tree!.rootNode.toString());
    assert.equal(doc.tree!.rootNode.text, edited);
    doc.dispose();
    fresh.dispose();
  });

  it('leaves a skipped document (no tree) as it is', async () => {
    const doc = await ParsedDocument.create('python', 'x = 1\n\u0000');
    assert.equal(doc.skipped, 'binary');
    doc.release();
    assert.equal(doc.released, false);
    await doc.restore();
    assert.equal(doc.tree, undefined);
  });

  it('refuses a change that does not fit its text, and stays as it was', async () => {
    const doc = await ParsedDocument.create('python', TEXT);
    const shape = doc.tree!.rootNode.toString();
    const lines = doc.lines.lineCount;
    for (const bad of [
      [{ rangeOffset: Number.NaN, rangeLength: 3, text: 'x' }],
      [{ rangeOffset: -1, rangeLength: 0, text: 'x' }],
      [{ rangeOffset: TEXT.length, rangeLength: 1, text: '' }],
      [{ rangeOffset: 0, rangeLength: 1.5, text: '' }],
      // The second change is checked against the text the first one leaves (one character shorter).
      [{ rangeOffset: 0, rangeLength: 1, text: '' }, { rangeOffset: TEXT.length - 1, rangeLength: 1, text: '' }],
    ]) {
      await assert.rejects(doc.applyChanges(bad), RangeError, JSON.stringify(bad));
      assert.equal(doc.text, TEXT);
      assert.equal(doc.lines.lineCount, lines);
      assert.equal(doc.tree!.rootNode.toString(), shape);
    }
    await doc.applyChanges([{ rangeOffset: 0, rangeLength: 1, text: '' }, { rangeOffset: TEXT.length - 2, rangeLength: 1, text: '' }]);
    assert.equal(doc.text, TEXT.slice(1, -1));
    doc.dispose();
  });
});
