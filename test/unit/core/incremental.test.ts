import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullText } from '../helpers';
import { analyzeDocument, ParsedDocument } from '../../../src/core';

const BUG = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';

describe('incremental reparsing', () => {
  it('applies edits to the old tree and gives the same tree as a fresh parse', async () => {
    const doc = await ParsedDocument.create('python', BUG);
    const before = doc.tree!;
    // Type "# " in front of the late line, one character at a time.
    const offset = BUG.indexOf('t.daemon');
    await doc.applyChanges([{ rangeOffset: offset, rangeLength: 0, text: '#' }]);
    assert.notEqual(doc.tree, before);
    await doc.applyChanges([{ rangeOffset: offset + 1, rangeLength: 0, text: ' ' }]);
    const fresh = await ParsedDocument.create('python', doc.text);
    assert.equal(doc.tree!.rootNode.toString(), fresh.tree!.rootNode.toString());
    assert.equal(analyzeDocument(doc).diagnostics.length, 0);
    fresh.dispose();
    doc.dispose();
  });

  it('handles several changes in one event, and non-ASCII text before the edit', async () => {
    const text = `# café 😀\n${BUG}`;
    const doc = await ParsedDocument.create('python', text);
    const at = text.indexOf('True');
    // Replace True with False, then insert a comment line at the top (changes apply in order).
    await doc.applyChanges([{ rangeOffset: at, rangeLength: 4, text: 'False' }, { rangeOffset: 0, rangeLength: 0, text: '# x\n' }]);
    assert.equal(doc.text, `# x\n# café 😀\n${BUG.replace('True', 'False')}`);
    const [d] = analyzeDocument(doc).diagnostics;
    assert.deepEqual(d.range.start, { line: 5, column: 0 });
    assert.match(fullText(d), /daemon=False/);
    doc.dispose();
  });
});
