import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import ts from 'typescript';
import { run } from '../../../src/cli/main';
import { analyzeFile, fixturesDir, pyCompiles } from '../helpers';

// Every test makes its own folder and removes it when it ends.
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-project-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function cli(args: string[], cwd: string, stdin?: string) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, cwd,
    readStdin: stdin === undefined ? undefined : () => Promise.resolve(stdin),
  });
  return { code, stdout, stderr };
}

const ASYNC_SLEEP = 'import time\n\n\nasync def poll():\n    time.sleep(1)\n';
/** A test function pytest collects: test code, cold. */
const TEST_SLEEP = 'import time\n\n\nasync def test_poll():\n    time.sleep(1)\n';
const pyproject = (body: string) => `[project]\nname = "demo"\n\n[tool.concurrency-lens]\n${body}\n`;

/** Findings as `path:line rule` for comparing. */
const found = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => l.replace(/^([^:]+):(\d+):\d+: \S+ (\S+) .*$/, '$1:$2 $3'));

describe('CLI: configuration (each key, through the CLI)', () => {
  const cases: { key: string; config: Record<string, string>; files: Record<string, string>; args?: string[]; expect: string[]; severity?: string }[] = [
    { key: 'none', config: {}, files: { 'app.py': ASYNC_SLEEP }, expect: ['app.py:5 blocking-call-in-async'] },
    { key: 'rules (off)', config: { 'pyproject.toml': pyproject('rules = { "blocking-call-in-async" = "off" }') }, files: { 'app.py': ASYNC_SLEEP }, expect: [] },
    { key: 'rules (severity)', config: { 'concurrency-lens.json': '{"rules": {"blocking-call-in-async": "error"}}' }, files: { 'app.py': ASYNC_SLEEP }, expect: ['app.py:5 blocking-call-in-async'], severity: 'error' },
    { key: 'exclude', config: { 'pyproject.toml': pyproject('exclude = ["gen/**"]') }, files: { 'app.py': ASYNC_SLEEP, 'gen/x.py': ASYNC_SLEEP }, expect: ['app.py:5 blocking-call-in-async'] },
    { key: 'per-file-ignores', config: { 'pyproject.toml': pyproject('per-file-ignores = { "tests/**" = ["blocking-call-in-async"] }') }, files: { 'app.py': ASYNC_SLEEP, 'tests/test_app.py': TEST_SLEEP }, expect: ['app.py:5 blocking-call-in-async'] },
    { key: 'blocking.extra', config: { 'pyproject.toml': pyproject('blocking = { extra = ["mylib.fetch_sync"] }') }, files: { 'app.py': 'import mylib\n\nasync def go():\n    mylib.fetch_sync()\n' }, expect: ['app.py:4 blocking-call-in-async'] },
    { key: 'blocking.allow', config: { 'pyproject.toml': pyproject('blocking = { allow = ["time.sleep"] }') }, files: { 'app.py': ASYNC_SLEEP }, expect: [] },
    { key: 'python.free-threaded', config: { 'pyproject.toml': pyproject('python = { free-threaded = true }') },
      files: { 'app.py': 'import threading\n\ndef work():\n    return sum(i * i for i in range(10**7))\n\nthreading.Thread(target=work).start()\n' }, expect: [] },
    { key: 'python.free-threaded (unset)', config: {},
      files: { 'app.py': 'import threading\n\ndef work():\n    return sum(i * i for i in range(10**7))\n\nthreading.Thread(target=work).start()\n' }, expect: ['app.py:6 cpu-bound-in-thread'] },
    { key: 'nearest file wins', config: { 'pyproject.toml': pyproject('rules = { "blocking-call-in-async" = "off" }'), 'sub/concurrency-lens.json': '{}' },
      files: { 'app.py': ASYNC_SLEEP, 'sub/app.py': ASYNC_SLEEP }, expect: ['sub/app.py:5 blocking-call-in-async'] },
    { key: 'a pyproject without the table is passed over', config: { 'pyproject.toml': pyproject('rules = { "blocking-call-in-async" = "off" }'), 'sub/pyproject.toml': '[project]\nname = "sub"\n' },
      files: { 'sub/app.py': ASYNC_SLEEP }, expect: [] },
    { key: '--config', config: { 'other.toml': pyproject('rules = { "blocking-call-in-async" = "off" }') }, files: { 'app.py': ASYNC_SLEEP }, args: ['--config', 'other.toml'], expect: [] },
    { key: '--exclude', config: {}, files: { 'app.py': ASYNC_SLEEP, 'vendor/x.py': ASYNC_SLEEP }, args: ['--exclude', 'vendor/**'], expect: ['app.py:5 blocking-call-in-async'] },
    { key: 'cold-severity (a test file is cold: hint by default)', config: {}, files: { 'tests/test_app.py': TEST_SLEEP }, expect: ['tests/test_app.py:5 blocking-call-in-async'], severity: 'hint' },
    { key: 'cold-severity = "off"', config: { 'pyproject.toml': pyproject('cold-severity = "off"') }, files: { 'app.py': ASYNC_SLEEP, 'tests/test_app.py': TEST_SLEEP }, expect: ['app.py:5 blocking-call-in-async'] },
    { key: '--cold-severity off', config: {}, files: { 'app.py': ASYNC_SLEEP, 'tests/test_app.py': TEST_SLEEP }, args: ['--cold-severity', 'off'], expect: ['app.py:5 blocking-call-in-async'] },
    { key: '--cold-severity hint wins over the file', config: { 'pyproject.toml': pyproject('cold-severity = "off"') }, files: { 'tests/test_app.py': TEST_SLEEP }, args: ['--cold-severity', 'hint'], expect: ['tests/test_app.py:5 blocking-call-in-async'], severity: 'hint' },
    { key: 'a `bin` field alone is no evidence: with cold findings off, both packages keep their finding',
      config: { 'tool/package.json': '{"name": "tool", "bin": {"tool": "cli.js"}}', 'lib/package.json': '{"name": "lib", "bin": {"lib": "cli.js"}, "main": "index.js"}' },
      files: { 'tool/src/step.js': "const fs = require('fs');\nexports.step = async () => fs.readFileSync('x');\n", 'lib/step.js': "const fs = require('fs');\nexports.step = async () => fs.readFileSync('x');\n" },
      args: ['--cold-severity', 'off'], expect: ['lib/step.js:2 blocking-call-in-async', 'tool/src/step.js:2 blocking-call-in-async'] },
    { key: '--free-threaded wins over the file', config: { 'pyproject.toml': pyproject('python = { free-threaded = false }') },
      files: { 'app.py': 'import threading\n\ndef work():\n    return sum(i * i for i in range(10**7))\n\nthreading.Thread(target=work).start()\n' }, args: ['--free-threaded'], expect: [] },
  ];
  for (const c of cases) {
    it(c.key, async () => {
      const dir = project({ ...c.config, ...c.files });
      const r = await cli(['check', ...(c.args ?? [])], dir);
      assert.deepEqual(found(r.stdout), c.expect, r.stderr);
      assert.equal(r.code, c.expect.length ? 1 : 0, r.stderr);
      if (c.severity) assert.match(r.stdout, new RegExp(` ${c.severity} `));
    });
  }

  const bad: { kind: string; files: Record<string, string>; args?: string[]; stderr: RegExp }[] = [
    { kind: 'bad TOML', files: { 'pyproject.toml': '[tool.concurrency-lens]\nrules = ]\nexclude = []\n' }, stderr: /pyproject\.toml:2:\d+: invalid TOML/ },
    { kind: 'bad JSON', files: { 'concurrency-lens.json': '{"rules": {},}' }, stderr: /concurrency-lens\.json:1:\d+: invalid JSON/ },
    { kind: 'unknown key', files: { 'pyproject.toml': pyproject('rulez = {}') }, stderr: /pyproject\.toml: rulez: unknown key/ },
    { kind: 'bad value', files: { 'concurrency-lens.json': '{"python": {"target-version": "2.7"}}' }, stderr: /concurrency-lens\.json: python\.target-version: must be/ },
    { kind: 'bad --cold-severity', files: {}, args: ['--cold-severity', 'loud'], stderr: /--cold-severity takes hint or off/ },
    { kind: 'missing --config file', files: {}, args: ['--config', 'nope.toml'], stderr: /nope\.toml: cannot read/ },
    { kind: '--config without the table', files: { 'p.toml': '[project]\n' }, args: ['--config', 'p.toml'], stderr: /p\.toml: has no \[tool\.concurrency-lens\] table/ },
  ];
  for (const c of bad) {
    it(`${c.kind}: stderr names the file and key, exit 2, nothing analysed`, async () => {
      const dir = project({ ...c.files, 'app.py': ASYNC_SLEEP });
      const r = await cli(['check', ...(c.args ?? [])], dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, c.stderr);
      assert.equal(r.stdout, '');
    });
  }

  it('--stdin-filename: reads stdin, applies the config for that name, --fix prints the fixed source', async () => {
    const dir = project({ 'pyproject.toml': pyproject('per-file-ignores = { "tests/**" = ["blocking-call-in-async"] }') });
    const plain = await cli(['check', '--stdin-filename', 'src/app.py'], dir, ASYNC_SLEEP);
    assert.deepEqual(found(plain.stdout), ['src/app.py:5 blocking-call-in-async']);
    assert.equal(plain.code, 1);
    const ignored = await cli(['check', '--stdin-filename', 'tests/test_app.py'], dir, ASYNC_SLEEP);
    assert.equal(ignored.code, 0);
    const fixed = await cli(['check', '--fix', '--stdin-filename', 'src/app.py'], dir, ASYNC_SLEEP);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /await asyncio\.sleep\(1\)/);
    assert.ok(!fs.existsSync(path.join(dir, 'src', 'app.py')), 'nothing written');
  });
});

/** Fixture files that get at least one preferred fix (what --fix applies) (copied so --fix can write them). */
async function fixableFixtures(): Promise<string[]> {
  const result: string[] = [];
  for (const language of ['python', 'ts']) {
    for (const rule of fs.readdirSync(path.join(fixturesDir, language))) {
      for (const name of fs.readdirSync(path.join(fixturesDir, language, rule))) {
        if (name.endsWith('.snap')) continue;
        const file = path.join(fixturesDir, language, rule, name);
        const { diagnostics } = await analyzeFile(file);
        if (diagnostics.some((d) => d.fixes.some((f) => f.preferred))) result.push(path.join(language, rule, name));
      }
    }
  }
  return result;
}

/** Type errors of the files, by file and code, with Node's types and ESNext's library (Atomics.waitAsync is ES2024). */
function typeErrors(files: string[]): Set<string> {
  const program = ts.createProgram(files, {
    noEmit: true, allowJs: true, checkJs: false, strict: false, target: ts.ScriptTarget.ESNext, lib: ['lib.esnext.d.ts'], module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], skipLibCheck: true,
    typeRoots: [path.join(fixturesDir, '..', '..', 'node_modules', '@types')],
  });
  return new Set(ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.includes(path.resolve(d.file.fileName)))
    .map((d) => `${path.basename(d.file!.fileName)} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`));
}

describe('CLI: --fix and --diff on every fixture with a fix', () => {
  it('--fix: the result compiles (py_compile / no new type errors), re-checking finds no fix left to apply; --diff applies with git apply to the same text', async () => {
    const fixtures = await fixableFixtures();
    assert.ok(fixtures.length >= 20, `fixtures with fixes: ${fixtures.length}`);
    const fixDir = project({});
    const diffDir = project({});
    const beforeDir = project({});
    for (const rel of fixtures) {
      for (const dir of [fixDir, diffDir, beforeDir]) {
        fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        fs.copyFileSync(path.join(fixturesDir, rel), path.join(dir, rel));
      }
    }
    // Every fix kind, unsafe ones too, must compile; which ones plain --fix takes is tested below.
    const fixed = await cli(['check', '--fix', '--unsafe-fixes', '.'], fixDir);
    assert.match(fixed.stderr, /\d+ fix(es)? applied, \d+ findings? left/);
    for (const rel of fixtures) {
      const after = fs.readFileSync(path.join(fixDir, rel), 'utf8');
      assert.notEqual(after, fs.readFileSync(path.join(fixturesDir, rel), 'utf8'), `${rel} unchanged`);
      if (rel.endsWith('.py')) pyCompiles(path.join(fixDir, rel));
    }
    // Fixed TS/JS may not add type errors the original did not have.
    const scripts = fixtures.filter((f) => !f.endsWith('.py'));
    const before = typeErrors(scripts.map((f) => path.join(beforeDir, f)));
    const after = typeErrors(scripts.map((f) => path.join(fixDir, f)));
    assert.deepEqual([...after].filter((e) => !before.has(e)), []);
    // Stable: a second --fix changes nothing.
    const again = await cli(['check', '--fix', '--unsafe-fixes', '.', '--format', 'json'], fixDir);
    assert.match(again.stderr, /^0 fixes applied/m);

    // --diff writes nothing, and its patch gives --fix's result.
    execFileSync('git', ['init', '-q'], { cwd: diffDir });
    const diff = await cli(['check', '--diff', '--unsafe-fixes', '.'], diffDir);
    assert.equal(diff.code, 1);
    for (const rel of fixtures) assert.equal(fs.readFileSync(path.join(diffDir, rel), 'utf8'), fs.readFileSync(path.join(fixturesDir, rel), 'utf8'));
    fs.writeFileSync(path.join(diffDir, '..', `${path.basename(diffDir)}.patch`), diff.stdout);
    made.push(path.join(diffDir, '..', `${path.basename(diffDir)}.patch`));
    execFileSync('git', ['apply', '--check', path.join(diffDir, '..', `${path.basename(diffDir)}.patch`)], { cwd: diffDir });
    execFileSync('git', ['apply', path.join(diffDir, '..', `${path.basename(diffDir)}.patch`)], { cwd: diffDir });
    for (const rel of fixtures) assert.equal(fs.readFileSync(path.join(diffDir, rel), 'utf8'), fs.readFileSync(path.join(fixDir, rel), 'utf8'), rel);
  });

  it('suppression comments: next line, whole file and Ruff\'s noqa, in Python and TS', async () => {
    const dir = project({
      'a.py': 'import time\n\n\nasync def f():\n    # concurrency-lens: ignore-next-line[blocking-call-in-async]\n    time.sleep(1)\n    time.sleep(2)  # noqa\n    time.sleep(3)\n',
      'b.py': '# ruff: noqa: ASYNC251\nimport time\n\n\nasync def f():\n    time.sleep(1)\n',
      'c.ts': 'import * as fs from "node:fs";\nexport async function f() {\n  // concurrency-lens: ignore-next-line[blocking-call-in-async]\n  fs.readFileSync("a");\n  fs.readFileSync("b");\n}\n',
      'd.ts': '/* concurrency-lens: ignore-file[blocking-call-in-async] */\nimport * as fs from "node:fs";\nexport async function f() {\n  fs.readFileSync("a");\n}\n',
    });
    const r = await cli(['check', '.'], dir);
    assert.deepEqual(found(r.stdout).sort(), ['a.py:8 blocking-call-in-async', 'c.ts:5 blocking-call-in-async']);
  });

  it('--fix applies only safe fixes and says how many unsafe ones --unsafe-fixes would add', async () => {
    const app = 'import time, requests\n\nasync def go(u):\n    time.sleep(1)\n    requests.get(u)\n';
    const dir = project({ 'app.py': app });
    const safe = await cli(['check', '--fix'], dir);
    assert.equal(safe.code, 1);
    assert.match(safe.stderr, /^1 fix applied, 1 finding left/m);
    assert.match(safe.stderr, /^1 more fix available with --unsafe-fixes$/m);
    assert.match(fs.readFileSync(path.join(dir, 'app.py'), 'utf8'), /await asyncio\.sleep\(1\)\n {4}requests\.get\(u\)\n/);
    const unsafe = await cli(['check', '--fix', '--unsafe-fixes'], dir);
    assert.equal(unsafe.code, 0, unsafe.stderr);
    assert.match(fs.readFileSync(path.join(dir, 'app.py'), 'utf8'), /await asyncio\.to_thread\(requests\.get, u\)/);
    const alone = await cli(['check', '--unsafe-fixes'], dir);
    assert.equal(alone.code, 2);
    const json = await cli(['check', '--format', 'json', '--stdin-filename', 'x.py'], dir, app);
    const fixes = (JSON.parse(json.stdout) as { files: { diagnostics: { fixes: { applicability: string }[] }[] }[] }).files[0].diagnostics.map((d) => d.fixes.map((f) => f.applicability));
    assert.deepEqual(fixes, [['safe'], ['unsafe']]);
  });

  it('target-version 3.8: --fix leaves the to_thread findings alone', async () => {
    const dir = project({ 'pyproject.toml': pyproject('python = { target-version = "3.8" }'), 'app.py': 'import time, requests\n\nasync def go(u):\n    time.sleep(1)\n    requests.get(u)\n' });
    const r = await cli(['check', '--fix'], dir);
    assert.equal(r.code, 1);
    // `import asyncio` was added above: the call moved to line 6.
    assert.deepEqual(found(r.stdout), ['app.py:6 blocking-call-in-async']);
    assert.match(fs.readFileSync(path.join(dir, 'app.py'), 'utf8'), /await asyncio\.sleep\(1\)\n {4}requests\.get\(u\)/);
  });
});

describe('CLI: baseline', () => {
  it('write it; shift lines → no findings; one new blocking call → exactly one', async () => {
    const app = 'import time\nimport fs_helpers\n\n\nasync def a():\n    time.sleep(1)\n    time.sleep(1)\n\n\nasync def b():\n    time.sleep(2)\n';
    const dir = project({ 'src/app.py': app, 'web/main.ts': 'import * as fs from "node:fs";\nexport async function go() {\n  fs.readFileSync("x");\n}\n' });
    const written = await cli(['check', '--write-baseline', 'baseline.json'], dir);
    assert.equal(written.code, 0, written.stderr);
    const baseline = JSON.parse(fs.readFileSync(path.join(dir, 'baseline.json'), 'utf8')) as { files: Record<string, unknown[]> };
    assert.deepEqual(Object.keys(baseline.files), ['src/app.py', 'web/main.ts']);
    assert.equal(baseline.files['src/app.py'].length, 3);

    fs.writeFileSync(path.join(dir, 'src/app.py'), `"""Docs."""\n# shifted\n\n${app}`);
    const shifted = await cli(['check', '--baseline', 'baseline.json'], dir);
    assert.equal(shifted.stdout, '');
    assert.equal(shifted.code, 0, shifted.stderr);

    fs.writeFileSync(path.join(dir, 'src/app.py'), `"""Docs."""\n# shifted\n\n${app}    time.sleep(2)\n`);
    const grown = await cli(['check', '--baseline', 'baseline.json'], dir);
    assert.deepEqual(found(grown.stdout), ['src/app.py:15 blocking-call-in-async']);
    assert.equal(grown.code, 1);
  });
  it('a broken baseline file is a usage error', async () => {
    const dir = project({ 'app.py': ASYNC_SLEEP, 'b.json': '{"version": 1, "files": []}' });
    const r = await cli(['check', '--baseline', 'b.json'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /b\.json: not a baseline file/);
  });
});
