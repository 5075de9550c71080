import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, type Diagnostic } from '../../../src/core';
import { markedLines, projectReader, pyCompiles, repoRoot, runProjectScript, tempDir, fullText } from '../helpers';

// daemon-after-start when the thread is started by the project's own code: a constructor whose __init__ calls
// self.start(), a method a few calls down, a helper given the thread, in this file or another module. Checked
// against CPython: a runner calls every case and records which lines raised.

const PROJECTS = path.join(repoRoot, 'test', 'fixtures', 'projects');
const PROJECT = path.join(PROJECTS, 'py-daemon');

function raisedAtRuntime(project: string): number[] {
  return runProjectScript(path.join(PROJECTS, 'daemon_runner.py'), project);
}

async function analyse(project: string): Promise<Diagnostic[]> {
  const text = fs.readFileSync(path.join(project, 'app.py'), 'utf8');
  const result = await analyzeText(text, 'python', {
    only: ['daemon-after-start'],
    path: 'app.py',
    readFile: projectReader(project),
  });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics;
}

const marked = (text: string): number[] => markedLines(text, '# RAISES');

describe('daemon-after-start through the project\'s own code', () => {
  it('reports exactly the lines that raise at run time', async () => {
    const runtime = raisedAtRuntime(PROJECT);
    assert.deepEqual(runtime, marked(fs.readFileSync(path.join(PROJECT, 'app.py'), 'utf8')), 'the fixture marks what really raises');
    assert.deepEqual((await analyse(PROJECT)).map((d) => d.range.start.line + 1), runtime);
  });

  it('names the call that started the thread and each hop, in its own file', async () => {
    const diagnostics = await analyse(PROJECT);
    const at = (line: number) => diagnostics.find((d) => d.range.start.line + 1 === line)!;
    assert.match(fullText(at(16)), /`Local\(\)` \(line 15\) started `w`: it calls `self\.start\(\)` \(line 11\)\. This raises RuntimeError/);
    assert.match(fullText(at(21)), /`SelfStarting\(\)` \(line 20\) started `w`: it calls `self\.start\(\)` \(workers\.py:9\)/);
    assert.match(fullText(at(27)), /`p\.launch\(\)` \(line 26\) started `p`: it calls `self\._go\(\)` \(workers\.py:18\), which calls `self\.start\(\)` \(workers\.py:21\)/);
    assert.deepEqual(at(27).related.map((r) => r.path), [undefined, 'workers.py', 'workers.py']);
    assert.match(fullText(at(33)), /`start_it\(\)` \(line 32\) started `t`: it calls `thread\.start\(\)` \(workers\.py:34\)/);
  });

  it('offers no fix where the constructor starts the thread, and the other fixes compile and stop the errors', async () => {
    const copy = tempDir();
    try {
      fs.cpSync(PROJECT, copy, { recursive: true });
      const app = path.join(copy, 'app.py');
      const diagnostics = await analyse(copy);
      const unfixable = diagnostics.filter((d) => !d.fixes.length).map((d) => d.range.start.line + 1);
      assert.deepEqual(unfixable, [16, 21], 'nothing can move before the constructor that starts the thread');
      // Pump's own __init__ takes no daemon=: the fix moves the assignment instead of adding a keyword.
      assert.doesNotMatch(diagnostics.find((d) => d.range.start.line + 1 === 27)!.fixes.find((f) => f.preferred)!.edits.map((e) => e.newText).join(), /daemon=/);
      const edits = diagnostics.flatMap((d) => d.fixes.find((f) => f.preferred)?.edits ?? []);
      fs.writeFileSync(app, applyEdits(fs.readFileSync(app, 'utf8'), edits));
      pyCompiles(app);
      const after = await analyse(copy);
      assert.equal(after.length, 2);
      assert.deepEqual(raisedAtRuntime(copy), after.map((d) => d.range.start.line + 1));
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it('does not follow when following calls is off', async () => {
    const text = fs.readFileSync(path.join(PROJECT, 'app.py'), 'utf8');
    const result = await analyzeText(text, 'python', {
      only: ['daemon-after-start'], path: 'app.py',
      readFile: (file) => fs.readFileSync(path.join(PROJECT, file), 'utf8'),
      settings: { pythonFreeThreaded: false, ruleSeverity: {}, followCallsMaxDepth: 0 },
    });
    assert.deepEqual(result.diagnostics, []);
  });
});
