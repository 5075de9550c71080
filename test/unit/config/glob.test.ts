import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { run } from '../../../src/cli/main';
import { matchesGlob, parseConfig } from '../../../src/core/config';
import { compileGlob, GlobError, MAX_GLOB_LENGTH, MAX_GLOB_WILDCARDS } from '../../../src/core/glob';
import { tempDir } from '../helpers';

// Globs of `exclude`, `per-file-ignores` and `--exclude` are matched by an automaton (no backtracking), within
// documented limits; they mean what they meant with picomatch (the previous matcher, kept here as the oracle).

function picomatchOracle(glob: string, relative: string): boolean {
  const matcher = picomatch(glob, { dot: true, matchBase: !glob.includes('/') });
  return matcher(relative) || relative.split('/').some((_, i, parts) => i > 0 && matcher(parts.slice(0, i).join('/')));
}

const GLOBS = [
  'build', 'build/**', 'tests/**', '**/tests/**', '**/*.py', '*.py', '*_pb2.py', 'src/*.ts', 'src/**/*.ts', 'src/**', '**',
  'a/**/b', 'a/**/b/**', 'gen/*/out.py', 'test_?.py', '[ab]*.py', '[a-c]/x.py', '*.{py,ts}', '{src,lib}/**/*.js',
  'docs/conf.py', '.venv/**', '**/migrations/*.py', 'x*y*z.py', 'a?c/**', '*', '*/*', 'tests', '**/node_modules/**', 'src/app.py',
];
const PATHS = [
  'build', 'build/x.py', 'a/build/x.py', 'tests/test_a.py', 'src/tests/a/b.py', 'main.py', 'src/main.py', 'src/app/main.ts', 'src/main.ts',
  'x_pb2.py', 'deep/x_pb2.py', 'a/b', 'a/x/b', 'a/x/y/b', 'a/b/c.py', 'gen/1/out.py', 'gen/1/2/out.py', 'test_1.py', 'test_12.py',
  'apple.py', 'banana.py', 'cherry.py', 'b/x.py', 'd/x.py', 'lib/a/b.js', 'src/x.js', 'docs/conf.py', '.venv/lib/x.py', 'app/migrations/0001.py',
  'xayaz.py', 'xyz.py', 'abc/d.py', '.hidden.py', 'x.ts', 'node_modules/a/b.js', 'a/node_modules/b.js', 'src/app.py', 'src/app.pyc',
];

describe('globs: same meaning as before', () => {
  it(`${GLOBS.length} globs x ${PATHS.length} paths agree with picomatch (dot, matchBase without a slash, folders cover what is below)`, () => {
    // picomatch read `[!a]` oddly (it matched `apple.py` and not `main.py`); ours is the usual glob class.
    assert.deepEqual(['apple.py', 'main.py', 'src/banana.py'].map((p) => matchesGlob('[!a]*.py', p)), [false, true, true]);
    const differences: string[] = [];
    for (const glob of GLOBS) {
      const compiled = compileGlob(glob);
      for (const p of PATHS) if (compiled.matches(p) !== picomatchOracle(glob, p)) differences.push(`${glob} ~ ${p}: ours ${compiled.matches(p)}`);
    }
    assert.deepEqual(differences, []);
  });
});

describe('globs: bounded', () => {
  it('`*a*a*...(20)...*b` against a 34-character name finishes at once (picomatch backtracked for minutes)', () => {
    const glob = `${'*a'.repeat(20)}*b`;
    const name = 'a'.repeat(34);
    let started = performance.now();
    assert.equal(matchesGlob(glob, name), false);
    const short = performance.now() - started;
    started = performance.now();
    assert.equal(matchesGlob(glob, `dir/${'a'.repeat(4000)}`), false);
    assert.equal(matchesGlob(glob, `${'a'.repeat(40)}b`), true);
    console.log(`pathological glob: ${short.toFixed(2)} ms against 34 characters; 2 more (4,004 and 41 characters) in ${(performance.now() - started).toFixed(1)} ms`);
  });

  it(`over ${MAX_GLOB_LENGTH} characters or ${MAX_GLOB_WILDCARDS} wildcards, or an extglob, is a GlobError`, () => {
    assert.throws(() => compileGlob('a'.repeat(MAX_GLOB_LENGTH + 1)), GlobError);
    assert.throws(() => compileGlob('*/'.repeat(MAX_GLOB_WILDCARDS + 1)), GlobError);
    assert.throws(() => compileGlob(`{${Array.from({ length: 9 }, (_, i) => i).join(',')}}/{${Array.from({ length: 9 }, (_, i) => i).join(',')}}`), /alternatives/);
    assert.throws(() => compileGlob('!(x).py'), /not supported/);
    assert.doesNotThrow(() => compileGlob(`${'*a'.repeat(20)}*b`));
  });

  it('a 65,536-character glob in a config file is a config error naming the key, not a crash; the message quotes it short', () => {
    const glob = `${'*a'.repeat(32_768)}`;
    const { errors } = parseConfig('/p/concurrency-lens.json', JSON.stringify({ exclude: [glob], 'per-file-ignores': { [glob]: ['blocking-call-in-async'] } }));
    assert.deepEqual(errors.map((e) => e.key), ['exclude', `per-file-ignores."${glob}"`]);
    for (const e of errors) {
      assert.match(e.message, /is 65536 characters long; globs are limited to 1024/);
      assert.ok(e.message.length < 200, 'the message does not echo the glob');
    }
  });

  it('the CLI: such a glob in --exclude or the config is a clear error and exit 2, no stack trace', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.py'), 'import time\n');
    const glob = 'x'.repeat(70_000);
    let stderr = '';
    const io = { stdout: () => undefined, stderr: (t: string) => { stderr += t; }, cwd: dir };
    assert.equal(await run(['check', '.', '--no-cache', '--exclude', glob], io), 2);
    assert.match(stderr, /--exclude: the glob "x{60}\.\.\." is 70000 characters long; globs are limited to 1024/);
    stderr = '';
    fs.writeFileSync(path.join(dir, 'concurrency-lens.json'), JSON.stringify({ exclude: [glob] }));
    assert.equal(await run(['check', '.', '--no-cache'], io), 2);
    assert.match(stderr, /concurrency-lens\.json: exclude: the glob "x{60}\.\.\." is 70000 characters long/);
    assert.doesNotMatch(stderr, /\n\s+at /);
    // The pathological one is accepted and fast; it excludes nothing here.
    fs.writeFileSync(path.join(dir, 'concurrency-lens.json'), JSON.stringify({ exclude: [`${'*a'.repeat(20)}*b`] }));
    fs.writeFileSync(path.join(dir, `${'a'.repeat(31)}.py`), 'import time\n\n\nasync def f():\n    time.sleep(1)\n');
    assert.equal(await run(['check', '.', '--no-cache', '--exclude', `${'*a'.repeat(20)}*b`], io), 1);
  });
});
