import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits } from '../../../src/core';
import { analyzeFile, fixtureFiles, matchSnapshot, render, runPython, tempDir } from '../helpers';

const FOLDER = 'python/daemon-after-start';
const ONLY = ['daemon-after-start', 'set-daemon-deprecated'];

describe('daemon-after-start', () => {
  for (const file of fixtureFiles(FOLDER, 'bad_')) {
    const name = path.basename(file);
    it(`flags ${name}, and CPython really raises there`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await analyzeFile(file, undefined, ONLY);
      const errors = result.diagnostics.filter((d) => d.code === 'daemon-after-start');
      assert.ok(errors.length > 0, 'expected a daemon-after-start diagnostic');
      matchSnapshot(file, render(text, result.diagnostics));

      const run = runPython(file);
      assert.notEqual(run.status, 0, 'the fixture should fail under python3');
      assert.match(run.stderr, /RuntimeError: cannot set daemon status of active thread|AssertionError: process has already started/);
    });

    it(`fixes ${name}: every fix compiles, runs cleanly and leaves nothing to flag`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await analyzeFile(file, undefined, ['daemon-after-start']);
      const dir = tempDir();
      // `bad_unfixable_*`: the late assignment sits under a condition, so no rewrite keeps the meaning.
      if (name.startsWith('bad_unfixable_')) {
        assert.deepEqual(result.diagnostics.flatMap((d) => d.fixes), []);
        return;
      }
      for (const diagnostic of result.diagnostics) {
        assert.ok(diagnostic.fixes.length > 0, `no fix for ${diagnostic.message}`);
        assert.ok(diagnostic.fixes.filter((f) => f.preferred).length <= 1, 'at most one preferred fix');
        diagnostic.fixes.forEach((fix, i) => {
          const fixed = applyEdits(text, fix.edits);
          const out = path.join(dir, `${i}_${name}`);
          fs.writeFileSync(out, fixed);
          const run = runPython(out);
          assert.equal(run.status, 0, `fix "${fix.title}" still fails:\n${run.stderr}`);
        });
      }
      // Fixing every finding one after another converges to a clean file.
      let current = text;
      for (let round = 0; round < 5; round++) {
        const again = await analyzeText(current, 'python', { only: ['daemon-after-start'] });
        if (!again.diagnostics.length) break;
        const fix = again.diagnostics[0].fixes.find((f) => f.preferred) ?? again.diagnostics[0].fixes[0];
        current = applyEdits(current, fix.edits);
      }
      assert.equal((await analyzeText(current, 'python', { only: ['daemon-after-start'] })).diagnostics.length, 0);
    });
  }

  for (const file of fixtureFiles(FOLDER, 'ok_')) {
    it(`stays silent on ${path.basename(file)}, which runs cleanly`, async () => {
      const result = await analyzeFile(file, undefined, ['daemon-after-start']);
      assert.deepEqual(result.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
      const run = runPython(file);
      assert.equal(run.status, 0, run.stderr);
    });
  }

  it('points at the exact late assignment, with the start() call as related location', async () => {
    const text = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';
    const [d] = (await analyzeText(text, 'python', { only: ['daemon-after-start'] })).diagnostics;
    assert.deepEqual(d.range, { start: { line: 3, column: 0 }, end: { line: 3, column: 15 } });
    assert.equal(d.severity, 'error');
    assert.deepEqual(d.related[0].range, { start: { line: 2, column: 0 }, end: { line: 2, column: 9 } });
  });

  it('reports setDaemon anywhere as deprecated, with the Deprecated tag and lower severity', async () => {
    const text = 'import threading\nt = threading.Thread(target=print)\nt.setDaemon(True)\nt.start()\n';
    const result = await analyzeText(text, 'python');
    assert.deepEqual(result.diagnostics.map((d) => [d.code, d.severity, d.tags]), [['set-daemon-deprecated', 'information', ['deprecated']]]);
    assert.equal(applyEdits(text, result.diagnostics[0].fixes[0].edits), text.replace('t.setDaemon(True)', 't.daemon = True'));
  });

  it('honours suppression comments for this rule only', async () => {
    const text = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True  # concurrency-lens: ignore[daemon-after-start]\n';
    assert.equal((await analyzeText(text, 'python')).diagnostics.length, 0);
    const other = text.replace('ignore[daemon-after-start]', 'ignore[blocking-call-in-async]');
    assert.equal((await analyzeText(other, 'python')).diagnostics.length, 1);
  });

  it('is turned off by the severity setting', async () => {
    const text = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';
    const off = await analyzeText(text, 'python', { settings: { pythonFreeThreaded: false, ruleSeverity: { 'daemon-after-start': 'off' } } });
    assert.equal(off.diagnostics.length, 0);
    const warn = await analyzeText(text, 'python', { settings: { pythonFreeThreaded: false, ruleSeverity: { 'daemon-after-start': 'warning' } } });
    assert.equal(warn.diagnostics[0].severity, 'warning');
  });
});
