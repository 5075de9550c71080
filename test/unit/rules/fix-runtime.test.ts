import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as ts from 'typescript';
import { fixText } from '../../../src/cli/fix';
import { analyzeText, type Language } from '../../../src/core';
import { pyCompiles, repoRoot, runPython, tempDir } from '../helpers';

// Every fix kind checked against a real runtime: the fixture program runs under python3 / node with its blocking APIs
// wrapped by recorders (which note each call made where it stalls the loop, then make the real call). The fixed
// program must compile, re-check clean, do the same I/O (same result, same files) and block nothing.

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'fixes');

interface Run { blocked: string[]; out: string; files: Record<string, string> }

function run(command: string, runner: string, program: string): Run {
  const tmp = tempDir('cl-fixrun-');
  const result = spawnSync(command, [path.join(FIXTURES, runner), program, tmp], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  try {
    return JSON.parse(result.stdout.trim().split('\n').pop()!) as Run;
  } catch {
    throw new Error(`${runner} printed no result: ${result.stdout}${result.stderr}`);
  }
}

async function fixed(text: string, language: Language, unsafe: boolean): Promise<string> {
  const analyse = async (t: string) => analyzeText(t, language, { only: ['blocking-call-in-async'] });
  const outcome = await fixText(text, analyse, undefined, language, undefined, unsafe);
  assert.ok(outcome);
  return outcome.text;
}

describe('fixes checked at run time', () => {
  it('Python: safe fixes (sleep) alone change nothing else; with the unsafe ones (to_thread, whole with blocks) nothing blocks and the I/O is the same', async () => {
    const dir = tempDir('cl-fixpy-');
    const original = fs.readFileSync(path.join(FIXTURES, 'py_app.py'), 'utf8');
    const before = run('python3', 'py_runner.py', path.join(FIXTURES, 'py_app.py'));
    for (const api of ['time.sleep', 'open', 'file.write', 'file.__iter__', 'file.read', 'shutil.copyfile', 'os.replace', 'os.makedirs']) {
      assert.ok(before.blocked.includes(api), `${api} blocks the original: ${before.blocked.join(', ')}`);
    }

    const safeFile = path.join(dir, 'safe.py');
    fs.writeFileSync(safeFile, await fixed(original, 'python', false));
    pyCompiles(safeFile);
    const safe = run('python3', 'py_runner.py', safeFile);
    assert.deepEqual(safe.blocked, before.blocked.filter((b) => b !== 'time.sleep'), 'only the safe sleep fix was applied');
    assert.deepEqual([safe.out, safe.files], [before.out, before.files]);

    const allFile = path.join(dir, 'all.py');
    const all = await fixed(original, 'python', true);
    fs.writeFileSync(allFile, all);
    pyCompiles(allFile);
    assert.deepEqual((await analyzeText(all, 'python', { only: ['blocking-call-in-async'] })).diagnostics.map((d) => d.message), []);
    const after = run('python3', 'py_runner.py', allFile);
    assert.deepEqual(after.blocked, []);
    assert.deepEqual([after.out, after.files], [before.out, before.files]);
    assert.match(all, /def _blocking_io\(\):\n {8}with open\(path, "wb"\) as f:\n {12}return f\.write\(data\)\n {4}return await asyncio\.to_thread\(_blocking_io\)/);
  });

  it('TS: every safe fix kind (fs/promises, promisify zlib/crypto, busy wait) type-checks, blocks nothing, same I/O; Atomics.waitAsync is unsafe', async () => {
    const dir = tempDir('cl-fixts-');
    const source = fs.readFileSync(path.join(FIXTURES, 'ts_app.ts'), 'utf8');
    const all = await fixed(source, 'typescript', false);
    // Left: Atomics.wait, whose fix is unsafe (Node exits while a waitAsync is pending: the runner below would print nothing).
    assert.deepEqual((await analyzeText(all, 'typescript', { only: ['blocking-call-in-async'] })).diagnostics.map((d) => [d.message.slice(0, 16), d.fixes.map((f) => f.applicability)]), [['`Atomics.wait()`', ['unsafe']]]);
    assert.match(await fixed(source, 'typescript', true), /await Atomics\.waitAsync\(cell, 0, 0, 5\)\.value/);
    for (const expected of [/await fs\.promises\.readFile\(/, /await promisify\(zlib\.gzip\)\(/, /await promisify\(crypto\.pbkdf2\)\(/, /await sleep\(Math\.max\(0, end - Date\.now\(\)\)\)/]) {
      assert.match(all, expected);
    }

    const fixedTs = path.join(dir, 'fixed.ts');
    fs.writeFileSync(fixedTs, all);
    const program = ts.createProgram([fixedTs], {
      noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true,
      skipLibCheck: true, lib: ['lib.es2024.d.ts'], types: ['node'], typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    });
    assert.deepEqual(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);

    const compile = (text: string, name: string): string => {
      const out = path.join(dir, name);
      fs.writeFileSync(out, ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText);
      return out;
    };
    const before = run(process.execPath, 'ts_runner.js', compile(source, 'before.js'));
    for (const api of ['fs.mkdirSync', 'fs.writeFileSync', 'fs.appendFileSync', 'fs.readFileSync', 'zlib.gzipSync', 'zlib.gunzipSync', 'crypto.pbkdf2Sync', 'fs.readdirSync', 'fs.copyFileSync', 'fs.renameSync', 'fs.rmSync', 'busy-wait', 'Atomics.wait']) {
      assert.ok(before.blocked.includes(api), `${api} blocks the original: ${before.blocked.join(', ')}`);
    }
    const after = run(process.execPath, 'ts_runner.js', compile(all, 'after.js'));
    assert.deepEqual(after.blocked, ['Atomics.wait']);
    assert.deepEqual([after.out, after.files], [before.out, before.files]);
  });

  it('set-daemon-deprecated (safe): the fixed program makes the same daemon thread, without the deprecation warning', async () => {
    const dir = tempDir('cl-fixdaemon-');
    const program = 'import threading\nimport warnings\nwarnings.simplefilter("always")\n\nt = threading.Thread(target=print)\nt.setDaemon(True)\nt.start()\nt.join()\nprint("daemon", t.daemon)\n';
    const analyse = async (t: string) => analyzeText(t, 'python', { only: ['set-daemon-deprecated'] });
    const outcome = await fixText(program, analyse, undefined, 'python', undefined, false);
    assert.ok(outcome && outcome.applied === 1);
    const before = path.join(dir, 'before.py');
    const after = path.join(dir, 'after.py');
    fs.writeFileSync(before, program);
    fs.writeFileSync(after, outcome.text);
    const [b, a] = [runPython(before), runPython(after)];
    assert.equal(b.status, 0, b.stderr);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.match(b.stderr, /DeprecationWarning/);
    assert.doesNotMatch(a.stderr, /DeprecationWarning/);
  });
});
