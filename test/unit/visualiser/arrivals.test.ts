// Models started from an entry point: N arrivals of a handler on the right execution model, latency as written and with
// the diagnostic's fix, thread targets and run() methods in their own lanes, calls into other modules, known costs.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDocument, ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { buildVisualisation, type Visualisation, type VisualiseRequest } from '../../../src/core/visualiser';

async function visualise(language: Language, text: string, request: VisualiseRequest, files?: Record<string, string>, path = language === 'python' ? 'app.py' : 'app.ts'): Promise<Visualisation> {
  const doc = await ParsedDocument.create(language, text);
  try {
    const facts = new TreeFacts(doc.tree!);
    const readFile = files ? (p: string) => files[p] : undefined;
    const { diagnostics } = analyzeDocument(doc, { facts, path, ...(readFile ? { readFile } : {}) });
    return buildVisualisation(doc, facts, { freeThreaded: false }, diagnostics, files ? { path, readFile } : undefined, request);
  } finally {
    doc.dispose();
  }
}

const arrivalLanes = (v: Visualisation) => v.timeline.lanes.filter((l) => v.model.units.find((u) => u.id === l.unitId)?.arrival);

const FASTAPI = [
  'import time', 'import asyncio', 'from fastapi import FastAPI', '', 'app = FastAPI()', '', '',
  '@app.get("/items")', 'async def read_items():', '    time.sleep(0.1)', '    return []', '', '',
  '@app.get("/health")', 'async def health():', '    await asyncio.sleep(0.01)', '    return {}', '', '',
  '@app.get("/sync")', 'def sync_items():', '    time.sleep(0.1)', '    return []', '',
].join('\n');

describe('arrivals of a handler', () => {
  it('Python: 10 requests to an async route with one blocking call take 10 × its cost; with the fix about one cost', async () => {
    const v = await visualise('python', FASTAPI, { line: 9 });
    assert.equal(v.entry.label, 'GET /items: read_items');
    const lanes = arrivalLanes(v);
    assert.equal(lanes.length, 10);
    assert.ok(lanes.every((l) => l.kind === 'asyncio-task'));
    assert.ok(v.latency);
    assert.equal(v.latency.lastMs, 1000);
    assert.ok(v.latency.fixed && v.latency.fixed.lastMs >= 100 && v.latency.fixed.lastMs < 120, JSON.stringify(v.latency.fixed));
    assert.match(v.latency.text, /^10 requests at once: the last finishes at 1\.0 s; with the fix \(await asyncio\.sleep\(\)\): 100 ms\.$/);
    // Every other request waits while one sleeps: the loop stalls at the blocking call, once per request.
    const stalls = v.timeline.events.filter((e) => e.kind === 'stall');
    assert.equal(stalls.length, 10);
    assert.ok(stalls.every((e) => e.range?.start.line === 9));
  });

  it('the arrival count and spacing follow the request; arrivals further apart than the cost do not queue', async () => {
    const v = await visualise('python', FASTAPI, { line: 9, arrivals: 4, spacingMs: 200 });
    assert.equal(arrivalLanes(v).length, 4);
    assert.ok(v.latency);
    assert.equal(v.latency.lastMs, 3 * 200 + 100);
    assert.equal(v.latency.slowestMs, 100);
    const close = await visualise('python', FASTAPI, { line: 9, arrivals: 4, spacingMs: 20 });
    // 20 ms apart, 100 ms each: they queue behind each other; the last waits for the three before it.
    assert.equal(close.latency!.lastMs, 400);
    assert.equal(close.latency!.slowestMs, 400 - 60);
  });

  it('Python: a sync route runs in the ASGI thread pool: the requests overlap, nothing stalls', async () => {
    const v = await visualise('python', FASTAPI, { line: 21 });
    assert.equal(v.entry.label, 'GET /sync: sync_items');
    const lanes = arrivalLanes(v);
    assert.equal(lanes.length, 10);
    assert.ok(lanes.every((l) => l.kind === 'thread'));
    assert.equal(v.model.units.find((u) => u.kind === 'thread-pool')?.maxWorkers, 40);
    assert.ok(v.latency && v.latency.lastMs >= 100 && v.latency.lastMs < 110, String(v.latency?.lastMs));
    assert.equal(v.timeline.events.filter((e) => e.kind === 'stall').length, 0);
  });

  it('TS: a Fastify route calling Atomics.wait(…, 100) stalls every request; the server call picks that route', async () => {
    const text = [
      "import Fastify from 'fastify';", 'const fastify = Fastify();', 'const shared = new Int32Array(new SharedArrayBuffer(4));', '',
      "fastify.get('/wait', async (request, reply) => {", '  Atomics.wait(shared, 0, 0, 100);', '  return { ok: true };', '});', '',
      'async function start() {', '  await fastify.listen({ port: 3000 });', '}', 'start();', '',
    ].join('\n');
    const fromListen = await visualise('typescript', text, { line: 10 });
    assert.equal(fromListen.entry.kind, 'loop');
    assert.equal(fromListen.runs?.label, 'GET /wait');
    assert.equal(arrivalLanes(fromListen).length, 10);
    assert.equal(fromListen.latency?.lastMs, 1000);
    assert.equal(fromListen.latency?.fixed?.lastMs, 100);
    assert.ok(fromListen.timeline.events.some((e) => e.kind === 'stall' && e.range?.start.line === 5));
  });

  it('TS: scryptSync in a handler is 50 ms of CPU that stalls the loop; the fix runs it in libuv\'s 4 threads', async () => {
    const text = "import express from 'express';\nimport { scryptSync } from 'node:crypto';\nconst app = express();\napp.post('/login', async (req, res) => {\n  const key = scryptSync('pw', 'salt', 64);\n  res.send(key);\n});\n";
    const v = await visualise('typescript', text, { line: 3 });
    const step = v.model.units.flatMap((u) => u.steps).find((s) => s.label.startsWith('scryptSync'));
    assert.deepEqual(step && [step.kind, step.duration, step.stalls], ['cpu', 50, true]);
    // 10 × 50 ms of key derivation, one after another, plus the handlers' own slivers of work.
    assert.ok(v.latency && v.latency.lastMs >= 500 && v.latency.lastMs < 530, String(v.latency?.lastMs));
    assert.ok(v.timeline.events.some((e) => e.kind === 'stall'));
    // 10 derivations on 4 pool threads: three rounds of 50 ms.
    assert.ok(v.latency.fixed && v.latency.fixed.lastMs >= 150 && v.latency.fixed.lastMs < 180, String(v.latency.fixed?.lastMs));
  });

  it('a listener: a worker\'s message handler runs once per message', async () => {
    const text = "import { parentPort } from 'node:worker_threads';\nimport { pbkdf2Sync } from 'node:crypto';\nparentPort!.on('message', (task) => {\n  parentPort!.postMessage(pbkdf2Sync(task, 'salt', 200000, 64, 'sha512'));\n});\n";
    const v = await visualise('typescript', text, { line: 3 });
    assert.equal(v.entry.kind, 'listener');
    assert.equal(arrivalLanes(v).length, 10);
    assert.match(v.latency?.text ?? '', /^10 messages at once/);
    const step = v.model.units.flatMap((u) => u.steps).find((s) => s.label.startsWith('pbkdf2Sync'));
    assert.equal(step?.duration, 200);
  });
});

describe('entries that run once', () => {
  it('a thread target runs in its thread; a Thread subclass\'s run() too', async () => {
    const text = [
      'import threading', 'import time', '', '', 'def work():', '    time.sleep(0.2)', '', '',
      'class Pinger(threading.Thread):', '    def run(self):', '        time.sleep(0.1)', '', '',
      'threading.Thread(target=work).start()', 'Pinger().start()', '',
    ].join('\n');
    const target = await visualise('python', text, { line: 5 });
    assert.equal(target.entry.kind, 'thread-target');
    assert.deepEqual(target.timeline.lanes.map((l) => l.kind), ['main-thread', 'thread']);
    assert.equal(target.timeline.totalMs, 200);
    const run = await visualise('python', text, { line: 10 });
    assert.equal(run.entry.kind, 'run-method');
    assert.deepEqual(run.timeline.lanes.map((l) => [l.kind, l.label]), [['main-thread', 'main thread'], ['thread', 'Pinger.run()']]);
  });

  it('a method that starts a thread on self.method (the hover link\'s line): the thread gets its lane', async () => {
    const text = [
      'import threading', 'import time', '', '',
      'class Gateway:', '    async def identify(self):', '        threading.Thread(target=self.always_pong, daemon=True).start()', '',
      '    def always_pong(self):', '        while True:', '            time.sleep(1)', '',
    ].join('\n');
    const v = await visualise('python', text, { line: 6 });
    assert.equal(v.entry.label, 'Gateway.identify');
    const thread = v.model.units.find((u) => u.kind === 'thread');
    assert.ok(thread, v.model.units.map((u) => u.label).join(' | '));
    assert.match(thread.label, /always_pong/);
    assert.equal(thread.daemon, true);
    assert.ok(v.timeline.lanes.some((l) => l.unitId === thread.id));
  });

  it('a keep-alive thread schedules a coroutine onto the loop with run_coroutine_threadsafe: it runs on the loop, the thread waits', async () => {
    const text = [
      'import asyncio', 'import threading', 'import time', '', '',
      'class KeepAlive(threading.Thread):', '    def __init__(self, loop):', '        super().__init__(daemon=True)', '        self.loop = loop', '',
      '    def run(self):', '        f = asyncio.run_coroutine_threadsafe(send_heartbeat(), loop=self.loop)', '        f.result(10)', '', '',
      'async def send_heartbeat():', '    await asyncio.sleep(0.05)', '', '',
      'async def connect():', '    KeepAlive(asyncio.get_running_loop()).start()', '    time.sleep(0.1)', '    await asyncio.sleep(0.2)', '',
    ].join('\n');
    const v = await visualise('python', text, { line: 20 });
    assert.equal(v.entry.label, 'connect');
    const beat = v.model.units.find((u) => u.label.startsWith('send_heartbeat'));
    assert.ok(beat?.onMainLoop, v.model.units.map((u) => u.label).join(' | '));
    const lane = v.timeline.lanes.find((l) => l.unitId === beat.id)!;
    // It waits for the loop: connect() holds it in time.sleep for 100 ms first, then the heartbeat's 50 ms wait runs.
    const awaiting = lane.spans.find((s) => s.state === 'awaiting');
    assert.ok(awaiting && awaiting.start >= 100, JSON.stringify(lane.spans));
    assert.ok(v.timeline.lanes.some((l) => l.label === 'KeepAlive.run()' && l.spans.some((s) => s.state === 'joined')));
  });

  it('run_until_complete with ensure_future: the loop\'s tasks are drawn (a tutorial\'s downloader)', async () => {
    const text = [
      'import asyncio', '', '', 'async def download_site(url):', '    await asyncio.sleep(0.1)', '', '',
      'async def download_all_sites(sites):', '    tasks = []', '    for url in sites:', '        task = asyncio.ensure_future(download_site(url))',
      '        tasks.append(task)', '    await asyncio.gather(*tasks, return_exceptions=True)', '', '',
      'if __name__ == "__main__":', '    sites = ["https://a", "https://b"] * 80', '    asyncio.get_event_loop().run_until_complete(download_all_sites(sites))', '',
    ].join('\n');
    const v = await visualise('python', text, {});
    const tasks = v.model.units.filter((u) => u.kind === 'asyncio-task' && u.label.startsWith('download_site'));
    assert.equal(tasks.length, 16, 'a loop that starts a task each pass: the first 16 of 160 iterations (the lane cap)');
    assert.ok(v.model.notes.some((n) => /160 iterations .*at most 16 lanes/.test(n)), JSON.stringify(v.model.notes));
    // They overlap: 16 downloads of 100 ms each finish together.
    assert.ok(v.timeline.totalMs >= 100 && v.timeline.totalMs < 150, String(v.timeline.totalMs));
    const fromCall = await visualise('python', text, { line: 17 });
    assert.equal(fromCall.entry.kind, 'loop');
  });

  it('a guard that raises or throws is the error path: the run goes on past it', async () => {
    const py = await visualise('python', 'import time\n\n\ndef handle(x):\n    if not x:\n        raise ValueError("x")\n    time.sleep(0.1)\n', { line: 3 });
    assert.equal(py.timeline.totalMs, 100);
    const ts = await visualise('typescript', "import { execSync } from 'node:child_process';\nexport function handle(x: string) {\n  if (!x) {\n    throw new Error('x');\n  }\n  execSync('ls');\n}\n", { line: 1 });
    // A branch that only leaves (a bare return: a server's `if self.should_exit: return`) is passed the same way; one
    // that returns a value is an answer the function gives, and stays the branch shown.
    const leaves = await visualise('python', 'import time\n\n\ndef handle(x):\n    if not x:\n        x = None\n        return\n    time.sleep(0.1)\n', { line: 3 });
    assert.equal(leaves.timeline.totalMs, 100);
    const answers = await visualise('python', 'import time\n\n\ndef handle(x):\n    if not x:\n        return 0\n    time.sleep(0.1)\n', { line: 3 });
    assert.ok(answers.timeline.totalMs < 100, String(answers.timeline.totalMs));
    const tsLeaves = await visualise('typescript', "import { execSync } from 'node:child_process';\nexport function handle(x: string) {\n  if (!x) return;\n  execSync('ls');\n}\n", { line: 1 });
    assert.ok(tsLeaves.model.units[0].steps.some((s) => s.kind === 'blocking' && s.label.startsWith('execSync')), JSON.stringify(tsLeaves.model.units[0].steps));
    assert.ok(ts.model.units[0].steps.some((s) => s.kind === 'blocking' && s.label.startsWith('execSync')), JSON.stringify(ts.model.units[0].steps));
  });

  it('the line pointed at steers the walk: its branch, past early returns', async () => {
    const text = 'import threading\nimport time\n\n\ndef on_op(op):\n    if op == 1:\n        return\n    if op == 2:\n        time.sleep(1)\n    elif op == 3:\n        threading.Thread(target=time.sleep, args=(0.2,)).start()\n';
    const plain = await visualise('python', text, { line: 4 });
    assert.equal(plain.model.units.filter((u) => u.kind === 'thread').length, 0, 'from the def line: the first branch, which returns');
    const focused = await visualise('python', text, { line: 10 });
    assert.equal(focused.entry.label, 'on_op');
    assert.equal(focused.model.units.filter((u) => u.kind === 'thread').length, 1, 'from the start() line: the branch that starts the thread');
  });

  it('a pool with max_workers=5 mapping items of unknown number draws 5 workers', async () => {
    const text = 'from concurrent.futures import ThreadPoolExecutor\n\n\ndef work(x):\n    return sum(range(x))\n\n\ndef main(items):\n    with ThreadPoolExecutor(max_workers=5) as pool:\n        list(pool.map(work, items))\n';
    const v = await visualise('python', text, { line: 8 });
    assert.equal(v.model.units.filter((u) => u.parent && v.model.units.find((p) => p.id === u.parent)?.kind === 'thread-pool').length, 5);
    const submits = 'from concurrent.futures import ThreadPoolExecutor\nimport time\n\n\ndef fetch(u):\n    time.sleep(0.1)\n\n\ndef main(urls):\n    with ThreadPoolExecutor(max_workers=5) as pool:\n        futures = [pool.submit(fetch, u) for u in urls]\n        for f in futures:\n            f.result()\n';
    const s = await visualise('python', submits, { line: 9 });
    assert.equal(s.model.units.filter((u) => u.kind === 'thread').length, 5);
    assert.equal(s.timeline.totalMs, 100, 'five workers, five waits at once');
    assert.ok(s.model.notes.some((n) => /one task per worker/.test(n)));
  });
});

describe('calls into other modules', () => {
  const files: Record<string, string> = {
    'util.py': 'import subprocess\n\n\ndef git_rev():\n    return subprocess.check_output(["git", "rev-parse", "HEAD"])\n',
    'lib/tpl.ts': "import * as fs from 'node:fs';\nexport function load(name: string): string {\n  return fs.readFileSync(name, 'utf8');\n}\n",
  };

  it('Python: a helper in another module that blocks stalls each request\'s lane, named down to the blocking call', async () => {
    const text = 'from fastapi import FastAPI\nfrom util import git_rev\n\napp = FastAPI()\n\n\n@app.get("/rev")\nasync def rev():\n    return git_rev()\n';
    const v = await visualise('python', text, { line: 8 }, files);
    const lanes = arrivalLanes(v);
    assert.equal(lanes.length, 10);
    const step = v.model.units.find((u) => u.arrival)?.steps.find((s) => s.label.startsWith('git_rev()'));
    assert.equal(step?.kind, 'blocking');
    assert.match(step?.label ?? '', /subprocess\.check_output\(\) \(util\.py:5\)/);
    assert.equal(v.timeline.events.filter((e) => e.kind === 'stall').length, 10);
    assert.ok(v.latency && v.latency.fixed && v.latency.fixed.lastMs * 5 < v.latency.lastMs);
  });

  it('Python: threads another module starts get their lanes, labelled with that module', async () => {
    const workers = 'import threading\nimport time\n\n\ndef pump():\n    time.sleep(0.2)\n\n\ndef start_workers(n):\n    for i in range(2):\n        threading.Thread(target=pump, name=f"pump-{i}").start()\n';
    const text = 'import asyncio\nfrom workers import start_workers\n\n\nasync def main():\n    start_workers(2)\n    await asyncio.sleep(0.1)\n\n\nasyncio.run(main())\n';
    const v = await visualise('python', text, { line: 5 }, { ...files, 'workers.py': workers });
    const threads = v.model.units.filter((u) => u.kind === 'thread');
    assert.equal(threads.length, 2, v.model.units.map((u) => u.label).join(' | '));
    assert.ok(threads.every((t) => /: pump\(\) \(workers\.py\)$/.test(t.label)), threads.map((t) => t.label).join(' | '));
    // Their steps point at the call in this file (the other file is not the one shown).
    assert.ok(threads.every((t) => t.steps.every((s) => s.range?.start.line === 5)));
    assert.ok(threads.every((t) => v.timeline.lanes.some((l) => l.unitId === t.id && l.spans.some((sp) => sp.state === 'sleeping'))));
    assert.equal(v.timeline.totalMs, 200, 'the program waits for its non-daemon threads');
  });

  it('TS: a handler calling an imported function that reads a file synchronously', async () => {
    const text = "import express from 'express';\nimport { load } from './lib/tpl';\nconst app = express();\napp.get('/page', (req, res) => {\n  res.send(load('a.html'));\n});\n";
    const v = await visualise('typescript', text, { line: 3 }, files);
    const step = v.model.units.find((u) => u.arrival)?.steps.find((s) => s.label.startsWith('load('));
    assert.equal(step?.kind, 'blocking');
    assert.ok(v.latency && v.latency.fixed && v.latency.fixed.lastMs < v.latency.lastMs);
  });
});
