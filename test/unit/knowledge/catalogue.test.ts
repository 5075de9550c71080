import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { allKnowledge, findKnowledge, findKnowledgeById, type KnowledgeEntry, type KnowledgeLanguage } from '../../../src/knowledge/schema';

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

// Resolved from the repo so the test also works when compiled outside it.
const ts = createRequire(path.join(repoRoot(), 'package.json'))('typescript') as typeof TS;

const PYTHON = process.env.PYTHON ?? 'python3';
const entries = allKnowledge();
const TEXT_FIELDS = ['id', 'title', 'summary', 'execution', 'useWhen', 'avoidWhen', 'pitfall', 'example', 'docUrl'] as const;
const ALLOWED_HOSTS = new Set(['docs.python.org', 'nodejs.org', 'developer.mozilla.org']);

test('the catalogue has entries for both languages', () => {
  assert.ok(entries.filter((e) => e.language === 'python').length >= 40);
  assert.ok(entries.filter((e) => e.language === 'ts').length >= 30);
});

test('every entry has every field non-empty and well-formed', () => {
  const problems: string[] = [];
  const check = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  for (const e of entries) {
    for (const field of TEXT_FIELDS) {
      const value = e[field];
      check(typeof value === 'string' && value.trim().length > 0, `${e.id}.${field} is empty`);
    }
    check(e.language === 'python' || e.language === 'ts', `${e.id}: language`);
    check(e.id.startsWith(`${e.language}:`), `${e.id}: id must start with '${e.language}:'`);
    check(Array.isArray(e.names) && e.names.length > 0, `${e.id}: names`);
    for (const name of e.names) check(/^[A-Za-z_][\w./-]*$/.test(name), `${e.id}: bad name '${name}'`);
    check(!e.summary.includes('\n'), `${e.id}: summary must be one line`);
    for (const field of ['summary', 'execution', 'useWhen', 'avoidWhen', 'pitfall'] as const) {
      check(e[field].length <= 420, `${e.id}.${field} is too long (${e[field].length} chars)`);
    }
    const lines = e.example.split('\n').length;
    check(lines >= 1 && lines <= 6, `${e.id}: example has ${lines} lines (1-6)`);
  }
  assert.deepEqual(problems, []);
});

test('ids are unique', () => {
  const seen = new Set<string>();
  for (const e of entries) {
    assert.ok(!seen.has(e.id), `duplicate id ${e.id}`);
    seen.add(e.id);
  }
});

test('every name maps to exactly one entry per language', () => {
  // No deliberate sharing: a resolved name must give one unambiguous hover.
  const owner = new Map<string, string>();
  for (const e of entries) {
    for (const name of e.names) {
      const key = `${e.language}|${name}`;
      assert.ok(!owner.has(key), `'${name}' (${e.language}) is in both ${owner.get(key)} and ${e.id}`);
      owner.set(key, e.id);
      assert.equal(findKnowledge(e.language, name)?.id, e.id, `findKnowledge(${e.language}, ${name})`);
    }
  }
});

test('every docUrl is https on an official host', () => {
  for (const e of entries) {
    const url = new URL(e.docUrl);
    assert.equal(url.protocol, 'https:', `${e.id}: ${e.docUrl}`);
    assert.ok(ALLOWED_HOSTS.has(url.hostname), `${e.id}: host ${url.hostname} not allowed`);
    if (url.hostname === 'docs.python.org') assert.equal(e.language, 'python', `${e.id}: Python docs for a TS entry`);
  }
});

test('related ids exist and are not self-references', () => {
  for (const e of entries) {
    for (const r of e.related ?? []) {
      assert.notEqual(r, e.id, `${e.id} relates to itself`);
      assert.ok(findKnowledgeById(r), `${e.id}: related '${r}' does not exist`);
    }
  }
});

test('every Python example compiles (py_compile)', (t) => {
  const probe = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    t.skip(`${PYTHON} not available`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-knowledge-'));
  try {
    const files: Record<string, string> = {};
    entries
      .filter((e) => e.language === 'python')
      .forEach((e, i) => {
        const file = path.join(dir, `ex${i}.py`);
        fs.writeFileSync(file, e.example + '\n');
        files[file] = e.id;
      });
    const script = [
      'import json, py_compile, sys',
      'bad = {}',
      'for f in json.load(sys.stdin):',
      '    try:',
      '        py_compile.compile(f, cfile=f + "c", doraise=True)',
      '    except py_compile.PyCompileError as e:',
      '        bad[f] = str(e.msg)',
      'print(json.dumps(bad))',
    ].join('\n');
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(Object.keys(files)), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const bad = JSON.parse(run.stdout) as Record<string, string>;
    const report = Object.entries(bad).map(([f, msg]) => `${files[f]}: ${msg}`);
    assert.deepEqual(report, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every TS example parses', () => {
  for (const e of entries.filter((x) => x.language === 'ts')) {
    const sf = ts.createSourceFile(`${e.id}.ts`, e.example, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const diags = (sf as unknown as { parseDiagnostics: TS.Diagnostic[] }).parseDiagnostics;
    const messages = diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(messages, [], `${e.id}: example does not parse`);
  }
});

// The APIs the hover must cover (issue 7); each must resolve to an entry.
const REQUIRED: Record<KnowledgeLanguage, string[]> = {
  python: [
    'concept.gil',
    'concept.free-threading',
    'sys._is_gil_enabled',
    'threading',
    'threading.Thread',
    'threading.Thread.start',
    'threading.Thread.join',
    'threading.Thread.daemon',
    'threading.Thread.name',
    'threading.Lock',
    'threading.Lock.acquire',
    'threading.RLock',
    'threading.Event',
    'threading.Condition',
    'threading.Semaphore',
    'threading.BoundedSemaphore',
    'threading.Barrier',
    'queue.Queue',
    'multiprocessing',
    'multiprocessing.Process',
    'multiprocessing.Pool',
    'multiprocessing.Queue',
    'multiprocessing.Manager',
    'multiprocessing.set_start_method',
    'multiprocessing.get_context',
    'concurrent.futures.ThreadPoolExecutor',
    'concurrent.futures.ProcessPoolExecutor',
    'concurrent.futures.InterpreterPoolExecutor',
    'concurrent.futures.Executor.submit',
    'concurrent.futures.ThreadPoolExecutor.submit',
    'concurrent.futures.Executor.map',
    'concurrent.futures.as_completed',
    'concurrent.futures.wait',
    'concurrent.futures.Future.result',
    'asyncio.run',
    'asyncio.create_task',
    'asyncio.gather',
    'asyncio.TaskGroup',
    'asyncio.wait_for',
    'asyncio.timeout',
    'asyncio.to_thread',
    'asyncio.AbstractEventLoop.run_in_executor',
    'asyncio.sleep',
    'asyncio.Lock',
    'asyncio.Event',
    'asyncio.Semaphore',
    'asyncio.Queue',
    'asyncio.Task.cancel',
    'keyword.async',
    'keyword.await',
    'selectors.DefaultSelector',
    'select.select',
    'select.poll',
    'select.epoll',
    'select.kqueue',
  ],
  ts: [
    'keyword.async',
    'keyword.await',
    'global.Promise',
    'global.Promise.then',
    'global.Promise.all',
    'global.Promise.allSettled',
    'global.Promise.race',
    'global.Promise.any',
    'global.queueMicrotask',
    'global.setTimeout',
    'global.setImmediate',
    'global.process.nextTick',
    'worker_threads.Worker',
    'worker_threads.parentPort',
    'worker_threads.Worker.postMessage',
    'worker_threads.MessagePort.postMessage',
    'concept.transfer-list',
    'global.SharedArrayBuffer',
    'global.Atomics',
    'global.Atomics.wait',
    'global.Atomics.notify',
    'global.Atomics.waitAsync',
    'worker_threads.Worker.unref',
    'child_process.spawn',
    'child_process.exec',
    'child_process.fork',
    'child_process.execSync',
    'child_process.spawnSync',
    'cluster.fork',
    'global.AbortController',
    'global.AbortSignal.timeout',
    'fs.readFileSync',
    'fs.promises',
    'fs/promises.readFile',
    'fs.readFile',
    'concept.libuv-threadpool',
    'concept.event-loop',
  ],
};

for (const language of ['python', 'ts'] as const) {
  test(`required ${language} APIs are covered`, () => {
    const missing = REQUIRED[language].filter((name) => !findKnowledge(language, name));
    assert.deepEqual(missing, []);
  });
}

test('the GIL is explained where it matters', () => {
  for (const name of [
    'threading',
    'threading.Thread',
    'multiprocessing',
    'concurrent.futures.ThreadPoolExecutor',
    'concurrent.futures.ProcessPoolExecutor',
    'concurrent.futures.InterpreterPoolExecutor',
  ]) {
    const e = findKnowledge('python', name)!;
    const text = [e.summary, e.execution, e.useWhen, e.avoidWhen, e.pitfall].join(' ');
    assert.match(text, /GIL/, `${name} should mention the GIL`);
    assert.ok(e.related?.includes('python:gil') || e.id === 'python:threading.Thread' || text.includes('GIL'));
  }
});

test('findKnowledge keeps languages apart and misses cleanly', () => {
  const pyAwait = findKnowledge('python', 'keyword.await');
  const tsAwait = findKnowledge('ts', 'keyword.await');
  assert.ok(pyAwait && tsAwait);
  assert.notEqual(pyAwait.id, tsAwait.id);
  assert.equal(findKnowledge('python', 'global.Promise.all'), undefined);
  assert.equal(findKnowledge('ts', 'asyncio.gather'), undefined);
  assert.equal(findKnowledge('python', 'no.such.api'), undefined);
  assert.equal(findKnowledgeById('python:gil')?.names.includes('concept.gil'), true);
});

test('key facts stay in the text (regression guard for corrected notes)', () => {
  const text = (e: KnowledgeEntry | undefined) => (e ? Object.values(e).join(' ') : '');
  assert.match(text(findKnowledge('python', 'threading.Thread.daemon')), /before `start\(\)`[\s\S]*RuntimeError/);
  assert.match(text(findKnowledge('python', 'threading.Thread.daemon')), /finally/);
  assert.match(text(findKnowledge('python', 'multiprocessing.set_start_method')), /forkserver[\s\S]*3\.14/);
  assert.match(text(findKnowledge('python', 'asyncio.create_task')), /weak reference/);
  assert.match(text(findKnowledge('python', 'select.select')), /1024/);
  assert.match(text(findKnowledge('python', 'threading')), /virtual memory/);
  assert.match(text(findKnowledge('python', 'concept.free-threading')), /PEP 779/);
  assert.match(text(findKnowledge('ts', 'global.Atomics.wait')), /main thread/);
  assert.match(text(findKnowledge('ts', 'concept.libuv-threadpool')), /UV_THREADPOOL_SIZE/);
});
