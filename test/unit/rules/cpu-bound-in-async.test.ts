import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as ts from 'typescript';
import { analyzeText, applyEdits } from '../../../src/core';
import { analyzeFile, fixture, fixtureFiles, matchSnapshot, pyCompiles, render, runPython, tempDir, fullText } from '../helpers';

const ONLY = ['cpu-bound-in-async'];

for (const folder of ['python/cpu-bound-in-async', 'ts/cpu-bound-in-async']) {
  const python = folder.startsWith('python');
  describe(`cpu-bound-in-async (${folder})`, () => {
    for (const file of fixtureFiles(folder, 'bad_')) {
      const name = path.basename(file);
      it(`flags ${name}`, async () => {
        const text = fs.readFileSync(file, 'utf8');
        const result = await analyzeFile(file, undefined, ONLY);
        assert.deepEqual(result.ruleErrors, []);
        assert.ok(result.diagnostics.length > 0, 'expected a cpu-bound-in-async diagnostic');
        for (const d of result.diagnostics) assert.match(fullText(d), /line \d+/, 'the message quotes its evidence');
        matchSnapshot(file, render(text, result.diagnostics));
        if (python) {
          assert.equal(runPython(file).status, 0);
          const dir = tempDir();
          for (const [i, d] of result.diagnostics.entries()) {
            for (const fix of d.fixes) {
              const out = path.join(dir, `${i}_${name}`);
              fs.writeFileSync(out, applyEdits(text, fix.edits));
              pyCompiles(out);
              const before = runPython(file);
              const after = runPython(out);
              assert.equal(after.status, 0, after.stderr);
              assert.equal(after.stdout, before.stdout, 'the fixed program prints the same result');
              const again = await analyzeText(fs.readFileSync(out, 'utf8'), 'python', { only: ONLY });
              assert.ok(!again.diagnostics.some((a) => a.range.start.line === d.range.start.line), 'the fix removes the finding');
            }
          }
        }
      });
    }

    for (const file of fixtureFiles(folder, 'ok_')) {
      it(`stays silent on ${path.basename(file)}`, async () => {
        const result = await analyzeFile(file, undefined, ONLY);
        assert.deepEqual(result.ruleErrors, []);
        assert.deepEqual(result.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
        if (python) assert.equal(runPython(file).status, 0, runPython(file).stderr);
      });
    }
  });
}

describe('cpu-bound-in-async: behaviour on a real runtime', () => {
  it('Promise.all over never-awaiting CPU-bound async functions: their spans do not overlap under Node', async () => {
    const file = fixture('ts/cpu-bound-in-async/bad_promise_all.ts');
    const source = fs.readFileSync(file, 'utf8');
    const result = await analyzeFile(file, undefined, ONLY);
    assert.ok(result.diagnostics.some((d) => d.message.startsWith('`Promise.all` runs `checksum` one after another')));
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    const out = path.join(tempDir(), 'bad_promise_all.js');
    fs.writeFileSync(out, js);
    const run = spawnSync(process.execPath, [out], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    const { spans, results } = JSON.parse(run.stdout) as { spans: { name: string; start: number; end: number }[]; results: number[] };
    assert.equal(spans.length, 2);
    assert.equal(results[0], results[1]);
    const [first, second] = [...spans].sort((a, b) => a.start - b.start);
    // The second starts only after the first has finished: no concurrency at all.
    assert.ok(second.start >= first.end, `spans overlap: ${JSON.stringify(spans)}`);
  });

  it('asyncio.gather over never-awaiting coroutines runs them one after another under python3', () => {
    const script = [
      'import asyncio, time',
      'spans = []',
      'async def score(seed):',
      '    start = time.perf_counter()',
      '    acc = seed',
      '    for i in range(200_000):',
      '        acc = (acc * 1103515245 + 12345) % 2**31',
      '    spans.append((start, time.perf_counter()))',
      '    return acc',
      'async def main():',
      '    await asyncio.gather(*[score(s) for s in range(3)])',
      'asyncio.run(main())',
      'spans.sort()',
      'print(all(b[0] >= a[1] for a, b in zip(spans, spans[1:])))',
    ].join('\n');
    const out = path.join(tempDir(), 'gather.py');
    fs.writeFileSync(out, script);
    const run = runPython(out);
    assert.equal(run.stdout.trim(), 'True', run.stderr);
  });
});

describe('cpu-bound-in-async: precise cases', () => {
  it('points at the loop header and names the async function', async () => {
    const text = 'async def f(n):\n    t = 0\n    while n > 0:\n        t = (t * 31 + n) % 1000003\n        n -= 1\n    return t\n';
    const [d] = (await analyzeText(text, 'python', { only: ONLY })).diagnostics;
    assert.deepEqual(d.range, { start: { line: 2, column: 4 }, end: { line: 2, column: 16 } });
    assert.match(fullText(d), /^This loop is CPU-bound and never awaits in `f\(\)`; other tasks would wait \(line 3\) The loop at line 3 does arithmetic and makes no I\/O call/);
  });

  it('a few turns are not large work: summing over parsed items, dividing down, taking digits', async () => {
    const text = [
      'import re',
      'UNITS = {"h": 3600, "m": 60, "s": 1}',
      'def seconds(text):',
      '    total = 0',
      '    for value, unit in re.findall(r"(\\d+)([hms])", text):',
      '        total += int(value) * UNITS[unit]',
      '    return total',
      'def human(size):',
      '    i = 0',
      '    while size > 1024:',
      '        size /= 1024',
      '        i += 1',
      '    return f"{size:.1f} {\'KMGT\'[i]}"',
      'def digits(n):',
      '    t = 0',
      '    while n > 0:',
      '        t += n % 10',
      '        n //= 10',
      '    return t',
      'async def handler(text, size, n):',
      '    return seconds(text), human(size), digits(n)',
      '',
    ].join('\n');
    assert.deepEqual((await analyzeText(text, 'python', { only: ONLY })).diagnostics, []);
  });

  it('TS: dividing down is a few turns, not a kernel', async () => {
    const text = 'function human(size: number): string {\n  let i = 0;\n  while (size > 1024) {\n    size /= 1024;\n    i++;\n  }\n  return `${size}${i}`;\n}\nexport async function handler(size: number) {\n  return human(size);\n}\n';
    assert.deepEqual((await analyzeText(text, 'typescript', { only: ONLY })).diagnostics, []);
  });

  it('ignores loops in nested sync functions and loops that await', async () => {
    const text = [
      'import asyncio',
      'async def f(n):',
      '    def helper():',
      '        return sum(i * i for i in range(n))',
      '    for i in range(n):',
      '        await asyncio.sleep(0)',
      '        n += i * 2',
      '    return await asyncio.to_thread(helper)',
    ].join('\n');
    assert.deepEqual((await analyzeText(text, 'python', { only: ONLY })).diagnostics, []);
  });

  it('does not depend on the free-threaded setting (the event loop is one thread either way)', async () => {
    const file = fixture('python/cpu-bound-in-async/bad_loop_in_handler.py');
    const result = await analyzeFile(file, { pythonFreeThreaded: true, ruleSeverity: {} }, ONLY);
    assert.equal(result.diagnostics.length, 1);
  });

  it('TS: a loop counts only when the code shows its work is large', async () => {
    const flagged = async (code: string) => (await analyzeText(code, 'typescript', { only: ONLY })).diagnostics.map((d) => fullText(d));
    const [nested] = await flagged('export async function dupes(xs: number[]) { let n = 0; for (const a of xs) for (const b of xs) if (a === b) n++; return n; }');
    assert.match(nested, /nested loops over `xs`: the work grows with its size squared/);
    const [triangle] = await flagged('export async function pairs(n: number) { let t = 0; for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) t += j; return t; }');
    assert.match(triangle, /nested loops up to `i`/);
    const [configured] = await flagged('const ROUNDS = 200_000;\nexport async function spin() { let t = 0; for (let i = 0; i < ROUNDS; i++) t += i % 3; return t; }');
    assert.match(configured, /runs 200,000 times/);
    // The same loops over an input of unknown size, doing bookkeeping: a scan, not CPU-bound work.
    assert.deepEqual(await flagged('export async function sum(n: number) { let t = 0; for (let i = 0; i < n; i++) t += i % 7; return t; }'), []);
    assert.deepEqual(await flagged('const ROUNDS = 5_000;\nexport async function spin() { let t = 0; for (let i = 0; i < ROUNDS; i++) t += i % 3; return t; }'), []);
    assert.deepEqual(await flagged('export async function f(xs: number[], ys: number[]) { let t = 0; for (const a of xs) for (const b of ys) t += a - b; return t; }'), []);
    // A recursive walk calls itself once per child, in separate branches: linear; `fib` branches twice per call.
    assert.deepEqual(await flagged('function walk(o: any): number { if (Array.isArray(o)) { let n = 0; for (const x of o) n += walk(x); return n; } else if (o && typeof o === "object") { let n = 0; for (const k in o) n += walk(o[k]); return n; } return 1; }\nexport async function f(d: unknown) { return walk(d); }'), []);
    const [fib] = await flagged('function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nexport const g = async () => fib(30);');
    assert.match(fib, /calls itself 2 times per call: the work grows exponentially/);
    // Flattening (each item once) is linear, in both languages.
    assert.deepEqual(await flagged('export async function flat(rows: Set<number>[]) { const out = new Set<number>(); for (const row of rows) for (const x of row) out.add(x + 1); return out; }'), []);
    const python = await analyzeText('async def flat(rows):\n    out = 0\n    for row in rows:\n        for x in row:\n            if x > 0:\n                out += 1\n    return out\n', 'python', { only: ONLY });
    assert.deepEqual(python.diagnostics, []);
  });

  it('TS: Promise.all over never-awaiting callbacks is reported once, with the loops as related information', async () => {
    const file = fixture('ts/cpu-bound-in-async/bad_promise_all.ts');
    const result = await analyzeFile(file, undefined, ONLY);
    assert.equal(result.diagnostics.length, 1);
    const [d] = result.diagnostics;
    assert.match(fullText(d), /^`Promise\.all` runs `checksum`/);
    assert.deepEqual(d.related.map((r) => r.range.start.line + 1), [7]);
  });

  it('TS: a shadowed Promise is not the global one', async () => {
    const text = 'const Promise = { all: (x: unknown) => x };\nasync function a() { let t = 0; for (let i = 0; i < 1e6; i++) t += i; return t; }\nasync function b() { return a(); }\nexport const r = Promise.all([a(), a()]);\n';
    const result = await analyzeText(text, 'typescript', { only: ONLY });
    assert.ok(!result.diagnostics.some((d) => d.message.includes('one after another')));
  });
});
