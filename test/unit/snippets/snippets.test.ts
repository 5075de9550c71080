import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { expandSnippet } from './expand';

interface Snippet {
  prefix: string;
  body: string[];
  description: string;
}

/** The repo root: walk up from here, then from cwd (tests may be compiled to an outDir outside the repo). */
function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    let dir = start;
    for (;;) {
      const pkg = path.join(dir, 'package.json');
      if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'concurrency-lens') return dir;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('cannot find the concurrency-lens repo root');
}

const ROOT = repoRoot();
// Resolved from the repo so the test also works when compiled outside it.
const ts = createRequire(path.join(ROOT, 'package.json'))('typescript') as typeof TS;
const PYTHON = process.env.PYTHON ?? 'python3';
const pythonOk = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import sys; assert sys.version_info >= (3, 11)'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
})();

function load(file: string): Map<string, Snippet> {
  const raw = JSON.parse(fs.readFileSync(path.join(ROOT, 'snippets', file), 'utf8')) as Record<string, Snippet>;
  const byPrefix = new Map<string, Snippet>();
  for (const [name, s] of Object.entries(raw)) {
    assert.equal(typeof s.prefix, 'string', `${file}: ${name}: prefix`);
    assert.ok(s.prefix.startsWith('cl-'), `${file}: ${name}: prefix must start with cl-`);
    assert.ok(Array.isArray(s.body) && s.body.length > 0, `${file}: ${name}: body`);
    assert.ok(s.description?.trim(), `${file}: ${name}: description`);
    assert.ok(!byPrefix.has(s.prefix), `${file}: duplicate prefix ${s.prefix}`);
    byPrefix.set(s.prefix, s);
  }
  return byPrefix;
}

const python = load('python.json');
const typescript = load('typescript.json');
const javascript = load('javascript.json');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cl-snippets-'));
}

// ------------------------------------------------------------------ the expander itself

test('expander resolves placeholders, mirrors, choices, variables and escapes', () => {
  assert.equal(expandSnippet('${1:a} $1 ${2|x,y|} $2$0'), 'a a x x');
  assert.equal(expandSnippet('${1:outer ${2:inner}} $2'), 'outer inner inner');
  assert.equal(expandSnippet('$1 then ${1:late}'), 'late then late');
  assert.equal(expandSnippet(['${TM_FILENAME_BASE}', '${TM_SELECTED_TEXT:pass}']), 'example\npass');
  assert.equal(expandSnippet('\\$x \\} `\\${ms}` $ 5'), '$x } `${ms}` $ 5');
  assert.equal(expandSnippet('${1|a\\,b,c|}'), 'a,b');
  assert.equal(expandSnippet('port ${2:8888}', { overrides: { 2: '0' } }), 'port 0');
  assert.equal(expandSnippet('f() { return 1; }'), 'f() { return 1; }');
  assert.throws(() => expandSnippet('${1:open'));
});

// ------------------------------------------------------------------ coverage

test('all required snippets exist', () => {
  for (const p of ['cl-thread', 'cl-threadpool', 'cl-processpool', 'cl-taskgroup', 'cl-gather', 'cl-to-thread', 'cl-aqueue', 'cl-selectors-echo']) {
    assert.ok(python.has(p), `python.json lacks ${p}`);
  }
  for (const p of ['cl-worker-pool', 'cl-worker-file', 'cl-promise-pool', 'cl-abort-timeout']) {
    assert.ok(typescript.has(p), `typescript.json lacks ${p}`);
    assert.ok(javascript.has(p), `javascript.json lacks ${p}`);
  }
  assert.deepEqual([...typescript.keys()].sort(), [...javascript.keys()].sort(), 'TS and JS offer the same snippets');
});

test('snippets stay clear of the patterns our rules flag', () => {
  const threadText = expandSnippet(python.get('cl-thread')!.body);
  assert.match(threadText, /^\w+ = threading\.Thread\(.*daemon=True\)$/m, 'daemon is set in the constructor');
  assert.doesNotMatch(threadText, /\.daemon\s*=/, 'no daemon assignment (could follow start())');
  assert.match(expandSnippet(python.get('cl-processpool')!.body), /if __name__ == "__main__":/);
  assert.match(expandSnippet(python.get('cl-gather')!.body), /return_exceptions=True/);
  for (const [prefix, s] of python) {
    // No blocking sleep inside coroutines: time.sleep may only appear in plain functions.
    const lines = expandSnippet(s.body).split('\n');
    let inAsync = false;
    for (const line of lines) {
      if (/^\S/.test(line)) inAsync = /^async def /.test(line);
      if (inAsync) assert.doesNotMatch(line, /time\.sleep|requests\.|\.result\(/, `${prefix}: blocking call in async def: ${line}`);
    }
  }
});

// ------------------------------------------------------------------ Python

test('every Python snippet compiles (py_compile)', (t) => {
  if (!pythonOk) return t.skip(`${PYTHON} >= 3.11 not available`);
  const dir = tmpDir();
  try {
    const files: string[] = [];
    for (const [prefix, s] of python) {
      const file = path.join(dir, `${prefix.replace(/-/g, '_')}.py`);
      fs.writeFileSync(file, expandSnippet(s.body) + '\n');
      files.push(file);
    }
    const r = spawnSync(PYTHON, ['-m', 'py_compile', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const SELF_TERMINATING = ['cl-thread', 'cl-threadpool', 'cl-processpool', 'cl-taskgroup', 'cl-gather', 'cl-to-thread', 'cl-aqueue'];

for (const prefix of SELF_TERMINATING) {
  test(`Python snippet ${prefix} runs to completion`, (t) => {
    if (!pythonOk) return t.skip(`${PYTHON} >= 3.11 not available`);
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'main.py');
      fs.writeFileSync(file, expandSnippet(python.get(prefix)!.body) + '\n');
      const r = spawnSync(PYTHON, ['-X', 'dev', file], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.error, undefined, String(r.error));
      assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      // -X dev surfaces "never awaited" and "never retrieved" warnings on stderr.
      assert.doesNotMatch(r.stderr, /Warning|never (awaited|retrieved)|Traceback/, r.stderr);
      assert.ok(r.stdout.trim().length > 0, 'prints its results');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('Python snippet cl-selectors-echo serves one loopback client', async (t) => {
  if (!pythonOk) return t.skip(`${PYTHON} >= 3.11 not available`);
  const dir = tmpDir();
  const file = path.join(dir, 'echo.py');
  // Port 0: let the OS pick; the snippet prints the address it bound.
  fs.writeFileSync(file, expandSnippet(python.get('cl-selectors-echo')!.body, { overrides: { 2: '0' } }) + '\n');
  const child = spawn(PYTHON, ['-u', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /echo server on [\d.]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${err}`)));
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => sock.write('ping\n'));
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
        if (got.endsWith('\n')) sock.end();
      });
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    assert.equal(echoed, 'ping\n');
  } finally {
    clearTimeout(killTimer);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) {
      child.kill('SIGINT'); // the snippet handles KeyboardInterrupt and closes its sockets
      const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forceKill);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ------------------------------------------------------------------ TS / JS

function typecheck(files: string[], js: boolean): string[] {
  const options: TS.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    erasableSyntaxOnly: true, // runnable with Node's type stripping
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    moduleDetection: ts.ModuleDetectionKind.Force,
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    allowJs: js,
    checkJs: js,
  };
  const program = ts.createProgram(files, options);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

for (const [label, snippets, ext] of [
  ['TypeScript', typescript, '.ts'],
  ['JavaScript', javascript, '.js'],
] as const) {
  test(`every ${label} snippet typechecks (strict, types: node)`, () => {
    const dir = tmpDir();
    try {
      const files = [...snippets].map(([prefix, s]) => {
        const file = path.join(dir, prefix + ext);
        fs.writeFileSync(file, expandSnippet(s.body) + '\n');
        return file;
      });
      assert.deepEqual(typecheck(files, ext === '.js'), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Writes an ES module (transpiling TS) and runs it with node; returns stdout. */
function runModule(dir: string, name: string, code: string, fromTs: boolean): string {
  const js = fromTs
    ? ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
    : code;
  const file = path.join(dir, name);
  fs.writeFileSync(file, js);
  const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${name} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// Harnesses appended to the expanded snippets (plain JS, valid in both variants).
const PROMISE_POOL_HARNESS = `
let active = 0, peak = 0;
const out = await mapWithLimit([5, 1, 4, 2, 3], 2, async (x) => {
  active++; peak = Math.max(peak, active);
  await new Promise((r) => setTimeout(r, x * 5));
  active--;
  return x * 10;
});
if (JSON.stringify(out) !== '[50,10,40,20,30]' || peak !== 2) throw new Error('bad ' + out + ' peak ' + peak);
let started = 0;
await mapWithLimit([1, 2, 3, 4, 5, 6], 2, async (x) => { started++; if (x === 2) throw new Error('boom'); await new Promise((r) => setTimeout(r, 20)); return x; })
  .then(() => { throw new Error('should reject'); }, (e) => { if (e.message !== 'boom') throw e; });
await new Promise((r) => setTimeout(r, 50));
if (started > 3) throw new Error('kept starting after the failure: ' + started);
console.log('ok');
`;

const ABORT_HARNESS = `
import { setTimeout as sleep } from 'node:timers/promises';
const fast = await withTimeout(200, (signal) => sleep(10, 'fast', { signal }));
if (fast !== 'fast') throw new Error('bad result');
const slow = await withTimeout(20, (signal) => sleep(5_000, 'slow', { signal })).catch((e) => e);
if (!(slow instanceof Error) || slow.name !== 'AbortError') throw new Error('expected an AbortError, got ' + slow);
console.log('ok');
`;

const WORKER_POOL_HARNESS = `
const pool = new WorkerPool(new URL('./worker.mjs', import.meta.url), 2);
const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(n)));
if (JSON.stringify(results) !== '[2,4,6,8,10]') throw new Error('bad ' + results);
await pool.close();
console.log('ok');
`;

for (const [label, snippets, fromTs] of [
  ['TypeScript', typescript, true],
  ['JavaScript', javascript, false],
] as const) {
  test(`${label} snippets run: promise pool, abort timeout, worker pool`, () => {
    const dir = tmpDir();
    try {
      const body = (p: string) => expandSnippet(snippets.get(p)!.body);
      assert.match(runModule(dir, 'pool.mjs', body('cl-promise-pool') + PROMISE_POOL_HARNESS, fromTs), /ok/);
      assert.match(runModule(dir, 'abort.mjs', body('cl-abort-timeout') + ABORT_HARNESS, fromTs), /ok/);
      const worker = fromTs
        ? ts.transpileModule(body('cl-worker-file'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
        : body('cl-worker-file');
      fs.writeFileSync(path.join(dir, 'worker.mjs'), worker);
      assert.match(runModule(dir, 'workers.mjs', body('cl-worker-pool') + WORKER_POOL_HARNESS, fromTs), /ok/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
