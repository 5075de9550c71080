import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, type Diagnostic } from '../../../src/core';
import { pyCompiles, repoRoot, runPython, tempDir, fullText } from '../helpers';

// The CPU rules across modules: a thread target or a helper called from async code that is a function of another
// file of the project, classified there with the classifier the rules use in the analysed file.

const PROJECT = path.join(repoRoot, 'test', 'fixtures', 'projects', 'py-cpu');
const RULES = ['cpu-bound-in-thread', 'cpu-bound-in-async'];

async function analyse(follow = true, project = PROJECT): Promise<Diagnostic[]> {
  const text = fs.readFileSync(path.join(project, 'app.py'), 'utf8');
  const result = await analyzeText(text, 'python', {
    only: RULES,
    path: 'app.py',
    readFile: (file) => (fs.existsSync(path.join(project, file)) ? fs.readFileSync(path.join(project, file), 'utf8') : undefined),
    ...(follow ? {} : { settings: { pythonFreeThreaded: false, ruleSeverity: {}, followCallsMaxDepth: 0 } }),
  });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics;
}

const marked = (tag: string): number[] => fs.readFileSync(path.join(PROJECT, 'app.py'), 'utf8').split('\n')
  .flatMap((line, i) => (line.includes(`# ${tag}`) ? [i + 1] : []));

describe('CPU rules across modules', () => {
  it('flags CPU-bound targets and helpers of other modules, not I/O, small or same-named waiting ones', async () => {
    const found = await analyse();
    const lines = (code: string) => found.filter((d) => d.code === code).map((d) => d.range.start.line + 1);
    assert.deepEqual(lines('cpu-bound-in-thread'), marked('CPU-IN-THREAD'));
    assert.deepEqual(lines('cpu-bound-in-async'), marked('CPU-IN-ASYNC'));
  });

  it('points at the evidence in the other file', async () => {
    const [first] = await analyse();
    assert.match(fullText(first), /the loop at line 3 does arithmetic and makes no I\/O call \(in crunch\.py\)/i);
    assert.deepEqual(first.related.map((r) => [r.path, r.range.start.line + 1]), [['lib/crunch.py', 3]]);
  });

  it('offers the process fixes a target of this file gets, and each fixed project compiles, prints the same and is not flagged there', async () => {
    const found = await analyse();
    const original = runPython(path.join(PROJECT, 'app.py'));
    assert.equal(original.status, 0, original.stderr);
    const fixable = found.filter((d) => d.fixes?.length);
    // The thread, the thread pool and the call beside a process pool; `handler` has no pool in scope.
    assert.deepEqual(fixable.map((d) => [d.code, d.range.start.line + 1]), [
      ['cpu-bound-in-thread', 11], ['cpu-bound-in-thread', 20], ['cpu-bound-in-async', 33]]);
    // A decorated function of the other module: pickle may not find it, so no fix, and the message says why.
    const decorated = found.find((d) => d.range.start.line + 1 === 17)!;
    assert.equal(decorated.fixes?.length ?? 0, 0);
    assert.match(fullText(decorated), /No quick fix: `cached_checksum` is decorated/);
    for (const finding of fixable) {
      const copy = tempDir();
      fs.cpSync(PROJECT, copy, { recursive: true });
      const app = path.join(copy, 'app.py');
      fs.writeFileSync(app, applyEdits(fs.readFileSync(app, 'utf8'), finding.fixes[0].edits));
      pyCompiles(app);
      const run = runPython(app);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, original.stdout);
      const after = await analyse(true, copy);
      assert.equal(after.some((d) => d.code === finding.code && d.range.start.line === finding.range.start.line), false, finding.fixes[0].title);
    }
  });

  it('TS/JS: a CPU-bound function imported from a relative module, called directly in an async function', async () => {
    const project = path.join(repoRoot, 'test', 'fixtures', 'projects', 'ts-cpu');
    const text = fs.readFileSync(path.join(project, 'app.ts'), 'utf8');
    const result = await analyzeText(text, 'typescript', {
      only: RULES, path: 'app.ts',
      readFile: (file) => (fs.existsSync(path.join(project, file)) ? fs.readFileSync(path.join(project, file), 'utf8') : undefined),
    });
    const expected = text.split('\n').flatMap((line, i) => (line.includes('// CPU-IN-ASYNC') ? [i + 1] : []));
    assert.deepEqual(result.diagnostics.map((d) => d.range.start.line + 1), expected);
    assert.match(fullText(result.diagnostics[0]), /runs 1,000,000 times.*in hash\.ts/);
    assert.equal(result.diagnostics[0].related[0].path, 'lib/hash.ts');
  });

  it('stays in the file when following calls is off', async () => {
    assert.deepEqual(await analyse(false), []);
  });
});
