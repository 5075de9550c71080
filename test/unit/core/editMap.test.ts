import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editMap, moveDiagnostic, moveUnits, NotMovable } from '../../../src/core/editMap';
import type { Unit } from '../../../src/core/context/graph';
import { LineIndex } from '../../../src/core/text';
import type { Diagnostic } from '../../../src/core/types';

// What an analysis kept, moved through one edit: a line break typed at the end of line 2 (0-based 1) of a 6-line file.
const before = 'a\nbb\ncc\ndd\nee\nff\n';
const at = before.indexOf('bb') + 2;
const after = `${before.slice(0, at)}\n  ${before.slice(at)}`;
const map = (sameBaseName = false) => editMap(new LineIndex(before), new LineIndex(after), at, at, at + 3, 'app.py', sameBaseName);

describe('moving kept findings through an edit', () => {
  it('moves positions after the edit, keeps those before, refuses those at it', () => {
    const m = map();
    assert.deepEqual(m.position({ line: 0, column: 1 }), { line: 0, column: 1 });
    assert.deepEqual(m.position({ line: 3, column: 1 }), { line: 4, column: 1 });
    assert.throws(() => m.position({ line: 1, column: 2 }), NotMovable);
    assert.equal(m.line(0), 0);
    assert.equal(m.line(4), 5);
    assert.throws(() => m.line(1), NotMovable);
  });

  it('rewrites names of this file\'s lines after the edit, in our words only', () => {
    const m = map();
    assert.equal(m.text('it calls `open()` (line 4), see app.py:5 and other.py:5'), 'it calls `open()` (line 5), see app.py:6 and other.py:5');
    assert.equal(m.text('before it (line 1)'), 'before it (line 1)');
    // A name inside code, a span of lines, a line the edit touches: uncertain, refused.
    assert.throws(() => m.text('reached from `the function at line 4`'), NotMovable);
    assert.throws(() => m.text('lines 4-5'), NotMovable);
    assert.throws(() => m.text('(line 2)'), NotMovable);
    // Another file of the project with this base name: "app.py:5" may be that one.
    assert.throws(() => map(true).text('see app.py:5'), NotMovable);
    assert.equal(map(true).text('(line 4)'), '(line 5)');
  });

  it('moves a finding: its range, related places in this file, fixes and texts', () => {
    const diagnostic: Diagnostic = {
      code: 'blocking-call-in-async', severity: 'warning', message: '`f()` blocks the event loop (line 5)', detail: 'Through your code: it calls `open()` (line 6).',
      range: { start: { line: 3, column: 0 }, end: { line: 3, column: 2 } }, tags: [],
      related: [
        { range: { start: { line: 5, column: 0 }, end: { line: 5, column: 2 } }, message: 'calls `open()` (line 6)' },
        { path: 'lib/util.py', range: { start: { line: 5, column: 0 }, end: { line: 5, column: 2 } }, message: 'util.py:6' },
      ],
      fixes: [{ title: 'Run it in a worker thread', applicability: 'unsafe', edits: [{ range: { start: { line: 3, column: 0 }, end: { line: 3, column: 0 } }, newText: 'await ' }] }],
    };
    const moved = moveDiagnostic(diagnostic, map(), 'app.py', 'app.py');
    assert.equal(moved.message, '`f()` blocks the event loop (line 6)');
    assert.equal(moved.detail, 'Through your code: it calls `open()` (line 7).');
    assert.deepEqual(moved.range.start, { line: 4, column: 0 });
    assert.deepEqual(moved.related[0].range.start, { line: 6, column: 0 });
    assert.equal(moved.related[0].message, 'calls `open()` (line 7)');
    assert.deepEqual(moved.related[1].range.start, { line: 5, column: 0 }, 'another file\'s place stays');
    assert.deepEqual(moved.fixes[0].edits[0].range.start, { line: 4, column: 0 });
    // A related place in another file named app.py: "app.py:N" would be uncertain.
    assert.throws(() => moveDiagnostic({ ...diagnostic, related: [{ ...diagnostic.related[1], path: 'lib/app.py' }] }, map(), 'app.py', 'app.py'), NotMovable);
  });

  it('at either end of deleted text a position moves exactly; where text was only inserted it is uncertain', () => {
    // "bb" loses its second "b": old [at - 1, at) is gone.
    const text = 'a\nbb(x)\ncc\n';
    const end = text.indexOf('(');
    const cut = `${text.slice(0, end - 1)}${text.slice(end)}`;
    const deleted = editMap(new LineIndex(text), new LineIndex(cut), end - 1, end, end - 1, 'app.py', false);
    assert.deepEqual(deleted.position({ line: 1, column: 1 }), { line: 1, column: 1 }, 'its start stays');
    assert.deepEqual(deleted.position({ line: 1, column: 2 }), { line: 1, column: 1 }, 'its end follows');
    assert.deepEqual(deleted.position({ line: 1, column: 4 }), { line: 1, column: 3 });
    // Inserted at the start of `(x)`: a place there may be the end of `bb` or the start of `(x)`.
    assert.throws(() => map().position({ line: 1, column: 2 }), NotMovable);
  });

  it('keeps a unit wholly before a line break as it is, and moves one before it that names a later line', () => {
    const line0 = { start: { line: 0, column: 0 }, end: { line: 0, column: 1 } };
    const call = { target: { kind: 'local' as const, key: 'g' }, range: line0 };
    const alone: Unit = { id: 'f', name: 'f', calls: [call] };
    const callsLater: Unit = { id: 'g', name: 'g', calls: [{ ...call, to: 'app.py#@4:0' }] };
    const namesLater: Unit = { id: 'h', name: 'h', own: { kind: 'hot', message: 'runs for every request: registered at app.py:5', range: line0 }, calls: [] };
    const namesEarlier: Unit = { id: 'k', name: 'k', own: { kind: 'hot', message: 'runs for every request: registered at app.py:1', range: line0 }, calls: [] };
    const moved = moveUnits({ units: [alone, callsLater, namesLater, namesEarlier], registrations: [] }, map(), 'app.py').units;
    assert.equal(moved[0], alone);
    assert.equal(moved[1].calls[0].to, 'app.py#@5:0');
    assert.equal(moved[2].own!.message, 'runs for every request: registered at app.py:6');
    assert.equal(moved[3], namesEarlier);
  });
});
