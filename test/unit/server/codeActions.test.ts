import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, fixToApply, type TextEdit } from '../../../src/core';
import { fixAllEdits, quickFixes } from '../../../src/server/codeActions';

// Applicability as Ruff has it: fix-all (on save, "Fix all safe problems") takes only safe fixes; the quick-fix menu offers
// every fix and labels the unsafe ones.

const PY = 'import time\nimport requests\n\n\nasync def poll(url):\n    time.sleep(1)\n    return requests.get(url)\n';

const fromLsp = (edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): TextEdit[] =>
  edits.map((e) => ({ range: { start: { line: e.range.start.line, column: e.range.start.character }, end: { line: e.range.end.line, column: e.range.end.character } }, newText: e.newText }));

describe('code actions: fix applicability', () => {
  it('fix-all applies the safe sleep fix and leaves the unsafe to_thread fix alone', async () => {
    const { diagnostics } = await analyzeText(PY, 'python', { only: ['blocking-call-in-async'] });
    assert.equal(diagnostics.length, 2);
    const [sleep, get] = diagnostics;
    assert.equal(fixToApply(sleep)?.applicability, 'safe');
    assert.equal(fixToApply(get), undefined, 'the to_thread fix is unsafe');
    assert.equal(fixToApply(get, true)?.applicability, 'unsafe');
    const fixed = applyEdits(PY, fromLsp(fixAllEdits(PY, diagnostics)));
    assert.match(fixed, /await asyncio\.sleep\(1\)\n {4}return requests\.get\(url\)\n/);
  });

  it('the quick-fix menu offers both, the unsafe one labelled, and per rule one "Show documentation" and one "Disable"', async () => {
    const { diagnostics } = await analyzeText(PY, 'python', { only: ['blocking-call-in-async'] });
    const lines = PY.split('\n');
    const whole = { start: { line: 0, column: 0 }, end: { line: 7, column: 0 } };
    const actions = quickFixes({ uri: 'file:///a.py', language: 'python', lineText: (l) => lines[l] }, diagnostics, whole);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.some((t) => /asyncio\.sleep/.test(t) && !/unsafe/.test(t)), titles.join('\n'));
    assert.ok(titles.some((t) => /to_thread/.test(t) && t.endsWith('(unsafe fix)')), titles.join('\n'));
    const docs = actions.filter((a) => a.title === 'Show documentation for blocking-call-in-async');
    assert.equal(docs.length, 1);
    assert.deepEqual(docs[0].command, { title: docs[0].title, command: 'concurrencyLens.openRuleDocs', arguments: ['blocking-call-in-async'] });
    assert.equal(actions.filter((a) => a.command?.command === 'concurrencyLens.disableRule').length, 1);
    assert.equal(actions.filter((a) => /^Ignore blocking-call-in-async on this line$/.test(a.title)).length, 2);
  });

  it('TS: the fs/promises fix is safe; the exec fix (stderr captured instead of printed) is unsafe', async () => {
    const ts = 'import * as fs from "node:fs";\nimport { execSync } from "node:child_process";\nexport async function f() {\n  fs.readFileSync("a");\n  execSync("ls");\n}\n';
    const { diagnostics } = await analyzeText(ts, 'typescript', { only: ['blocking-call-in-async'] });
    assert.equal(diagnostics.length, 2);
    assert.deepEqual(diagnostics.map((d) => d.fixes.map((f) => f.applicability)), [['safe'], ['unsafe']]);
    const fixed = applyEdits(ts, fromLsp(fixAllEdits(ts, diagnostics)));
    assert.match(fixed, /await fs\.promises\.readFile\("a"\);\n {2}execSync\("ls"\);/);
  });
});
