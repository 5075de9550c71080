import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits } from '../../../src/core';
import { analyzeFile, fixture, fixtureFiles, matchSnapshot, pyCompiles, render, runPython, tempDir, fullText } from '../helpers';

const FOLDER = 'python/cpu-bound-in-thread';
const ONLY = ['cpu-bound-in-thread'];
const FREE_THREADED = { pythonFreeThreaded: true, ruleSeverity: {} };

/** The lines a fixture prints as its result, order-free (threads and processes finish in any order). */
function resultLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.trim()).sort();
}

/** A copy of `file` that forces the spawn start method (what macOS/Windows use; forkserver behaves alike on import). */
function withSpawn(file: string, dir: string): string {
  const out = path.join(dir, `spawn_${path.basename(file)}`);
  fs.writeFileSync(out, `import multiprocessing; multiprocessing.set_start_method("spawn", force=True)\n${fs.readFileSync(file, 'utf8')}`);
  return out;
}

describe('cpu-bound-in-thread', () => {
  for (const file of fixtureFiles(FOLDER, 'bad_')) {
    const name = path.basename(file);
    it(`flags ${name}`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await analyzeFile(file, undefined, ONLY);
      assert.deepEqual(result.ruleErrors, []);
      assert.ok(result.diagnostics.length > 0, 'expected a cpu-bound-in-thread diagnostic');
      for (const d of result.diagnostics) {
        assert.match(fullText(d), /CPU-bound.*\(line \d+\)/, 'the message quotes its evidence with a line');
        assert.match(fullText(d), /picklable/, 'the message says what changes with processes');
        assert.ok(d.fixes.filter((f) => f.preferred).length <= 1);
      }
      matchSnapshot(file, render(text, result.diagnostics));
    });

    it(`fixes of ${name} compile, run, and leave nothing to flag at that spot`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await analyzeFile(file, undefined, ONLY);
      const dir = tempDir();
      for (const [i, d] of result.diagnostics.entries()) {
        for (const [j, fix] of d.fixes.entries()) {
          const fixed = applyEdits(text, fix.edits);
          const out = path.join(dir, `${i}_${j}_${name}`);
          fs.writeFileSync(out, fixed);
          pyCompiles(out);
          const run = runPython(out);
          assert.equal(run.status, 0, `fix "${fix.title}" fails:\n${run.stderr}`);
          // The fixed program also works with the spawn start method, which re-imports the main module in workers.
          const spawned = runPython(withSpawn(out, dir));
          assert.equal(spawned.status, 0, `fix "${fix.title}" fails under spawn:\n${spawned.stderr}`);
          const again = await analyzeText(fixed, 'python', { only: ONLY });
          assert.ok(!again.diagnostics.some((a) => a.range.start.line === d.range.start.line && a.message === d.message), 'the fix removes the finding');
        }
      }
    });
  }

  for (const file of fixtureFiles(FOLDER, 'ok_')) {
    it(`stays silent on ${path.basename(file)}, which runs cleanly`, async () => {
      const result = await analyzeFile(file, undefined, ONLY);
      assert.deepEqual(result.ruleErrors, []);
      assert.deepEqual(result.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
      const run = runPython(file);
      assert.equal(run.status, 0, run.stderr);
    });
  }

  it('is silent on every fixture when the interpreter is free-threaded', async () => {
    for (const file of fixtureFiles(FOLDER, 'bad_')) {
      const result = await analyzeFile(file, FREE_THREADED, ONLY);
      assert.deepEqual(result.diagnostics, [], path.basename(file));
    }
  });

  it('offers process fixes exactly where they stay correct', async () => {
    const fixable = new Map<string, string>();
    for (const file of fixtureFiles(FOLDER, 'bad_')) {
      const result = await analyzeFile(file, undefined, ONLY);
      fixable.set(path.basename(file), result.diagnostics.map((d) => d.fixes.map((f) => f.title).join('|') || '-').join(','));
    }
    assert.deepEqual(Object.fromEntries(fixable), {
      'bad_countdown.py': 'Run `countdown` in a multiprocessing.Process',
      'bad_lambda_target.py': '-',
      'bad_method_target.py': '-',
      'bad_pool_map.py': 'Use ProcessPoolExecutor instead of ThreadPoolExecutor',
      'bad_quadratic_pairs.py': 'Run `similar_pairs` in a multiprocessing.Process',
      'bad_run_in_executor_none.py': 'Run `crunch` in the process pool `pool`',
      'bad_shared_results.py': '-',
      'bad_submit_recursion.py': 'Use ProcessPoolExecutor instead of ThreadPoolExecutor',
      'bad_thread_subclass.py': '-',
      'bad_thread_target.py': 'Run `checksum` in a multiprocessing.Process',
      'bad_to_thread.py': 'Run `crunch` in the process pool `pool`',
      'bad_to_thread_no_pool.py': '-,-',
      'bad_unguarded_pool.py': '-',
    });
  });

  it('withholds the fix from unguarded module-level pools because the naive rewrite breaks under spawn', () => {
    const file = fixture(FOLDER, 'bad_unguarded_pool.py');
    const naive = fs.readFileSync(file, 'utf8').replace(/ThreadPoolExecutor/g, 'ProcessPoolExecutor');
    const dir = tempDir();
    const out = path.join(dir, 'naive.py');
    fs.writeFileSync(out, naive);
    const run = runPython(withSpawn(out, dir));
    assert.notEqual(run.status, 0, 'the unguarded process pool should fail under spawn');
    assert.match(run.stderr, /bootstrapping phase|BrokenProcessPool|RuntimeError/);
  });

  // Ground truth: the thread version and the quick-fixed process version compute the same result on a real interpreter.
  for (const name of ['bad_pool_map.py', 'bad_thread_target.py']) {
    it(`ground truth: ${name} prints the same result with threads and, fixed, with processes`, async () => {
      const file = fixture(FOLDER, name);
      const text = fs.readFileSync(file, 'utf8');
      const [d] = (await analyzeFile(file, undefined, ONLY)).diagnostics;
      const fix = d.fixes.find((f) => f.preferred)!;
      const dir = tempDir();
      const fixedFile = path.join(dir, name);
      fs.writeFileSync(fixedFile, applyEdits(text, fix.edits));
      pyCompiles(fixedFile);
      assert.match(fs.readFileSync(fixedFile, 'utf8'), /ProcessPoolExecutor\(max_workers=2\)|multiprocessing\.Process\(/);
      const threads = runPython(file);
      const processes = runPython(fixedFile);
      assert.equal(threads.status, 0, threads.stderr);
      assert.equal(processes.status, 0, processes.stderr);
      assert.ok(resultLines(threads.stdout).length > 0);
      assert.deepEqual(resultLines(processes.stdout), resultLines(threads.stdout));
    });
  }

  it('classifies I/O-bound and GIL-releasing targets as fine, with a message naming the evidence line', async () => {
    const text = [
      'import threading, hashlib',
      'def io(path):',
      '    total = 0',
      '    for i in range(10_000):',
      '        with open(path) as f:',
      '            total += len(f.read())',
      '    return total',
      'def cpu(n):',
      '    total = 0',
      '    for i in range(n):',
      '        total += i * i',
      '    return total',
      'def gil(data):',
      '    return hashlib.sha256(data * 1000).hexdigest()',
      'for target in (io, gil):',
      '    threading.Thread(target=target, args=("x",)).start()',
      'threading.Thread(target=cpu, args=(10,)).start()',
    ].join('\n');
    const result = await analyzeText(text, 'python', { only: ONLY });
    assert.equal(result.diagnostics.length, 1);
    assert.match(fullText(result.diagnostics[0]), /^`cpu` runs in a thread \(`threading.Thread`\) but is CPU-bound; .*\(line 10\) The loop at line 10 does arithmetic and makes no I\/O call\./);
    assert.equal(result.diagnostics[0].range.start.line, 16);
    assert.deepEqual(result.diagnostics[0].related.map((r) => r.range.start.line), [9]);
  });
});
