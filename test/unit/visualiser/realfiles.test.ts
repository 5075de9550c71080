// Shapes met on real files of projects outside this repository (a bot library's gateway, an ASGI server and its
// supervisor, a worker-pool library's worker, Fastify and Express servers, a tutorial's downloaders): the model shows the
// units that run and the waits the rules report, and its numbers, latency and lesson agree.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDocument, ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { buildVisualisation, type Visualisation, type VisualiseRequest } from '../../../src/core/visualiser';
import { extractModel, markDiagnostics } from '../../../src/core/visualiser/extract';
import type { ExecutionModel, Step } from '../../../src/core/visualiser/model';

async function visualise(language: Language, text: string, request: VisualiseRequest): Promise<Visualisation> {
  const doc = await ParsedDocument.create(language, text);
  try {
    const facts = new TreeFacts(doc.tree!);
    const path = language === 'python' ? 'app.py' : 'app.ts';
    const { diagnostics } = analyzeDocument(doc, { facts, path });
    return buildVisualisation(doc, facts, { freeThreaded: false }, diagnostics, undefined, request);
  } finally {
    doc.dispose();
  }
}

const stalls = (v: Visualisation) => v.timeline.events.filter((e) => e.kind === 'stall');
const bar = (v: Visualisation, mode: string) => v.whatIf?.results.find((r) => r.mode === mode)?.totalMs;
const steps = (v: Visualisation) => v.model.units.flatMap((u) => u.steps);

describe('what the arrivals set off', () => {
  const LOGIN = [
    "import Fastify from 'fastify';", "import crypto from 'node:crypto';", 'const fastify = Fastify();', '',
    'async function hashPassword(password, salt) {', "  return crypto.scryptSync(password, salt, 64).toString('hex');", '}', '',
    "fastify.post('/login', async (request) => {", "  const hash = await hashPassword(request.body.password, 'salt');", '  return { hash };', '});', '',
    'const start = async () => {', '  await fastify.listen({ port: 3000 });', '};', 'start();', '',
  ].join('\n');

  it('a chained sync call keeps its known cost, and only that call carries the finding', async () => {
    const v = await visualise('javascript', LOGIN, { line: 8 });
    const flagged = steps(v).filter((s) => s.diagnosticCode);
    // One step per request's helper call: the scryptSync call, 50 ms, not the `.toString('hex')` around it.
    assert.equal(flagged.length, 10, JSON.stringify(flagged.map((s) => s.label)));
    assert.ok(flagged.every((s) => s.duration === 50 && s.stalls && /^crypto\.scryptSync\(password, salt, 64\)$/.test(s.label)));
    assert.equal(stalls(v).length, 10);
  });

  it('the what-if bars count the work of the async function each request calls, and agree with the latency', async () => {
    const v = await visualise('javascript', LOGIN, { line: 8 });
    assert.ok(v.latency && v.latency.lastMs >= 500 && v.latency.lastMs < 530, String(v.latency?.lastMs));
    assert.equal(v.whatIf?.workers, 10);
    // As written, the loop runs ten 50 ms derivations one after another: the event-loop bar is the latency.
    assert.ok(Math.abs(bar(v, 'asyncio')! - v.latency.lastMs) <= 5, `${bar(v, 'asyncio')} vs ${v.latency.lastMs}`);
    assert.ok(bar(v, 'sequential')! >= 500);
    assert.equal(v.whatIf?.recommended, 'fixed');
    assert.ok(Math.abs(bar(v, 'fixed')! - v.latency.fixed!.lastMs) <= 5, `${bar(v, 'fixed')} vs ${v.latency.fixed?.lastMs}`);
  });

  it('a finding inside a function the module body only declares is not a stall of the module body', async () => {
    const v = await visualise('javascript', LOGIN, {});
    assert.equal(v.entry.kind, 'module');
    assert.equal(stalls(v).length, 0, JSON.stringify(stalls(v)));
    assert.ok(!v.model.units[0].steps.some((s) => s.diagnosticCode), JSON.stringify(v.model.units[0].steps));
  });

  it('a callback an array method runs in place keeps its finding on the step that runs it; a function only defined does not', async () => {
    const text = "import fs from 'node:fs';\nconst sizes = files.map((f) => fs.statSync(f).size);\nconst later = (f) => fs.statSync(f).size;\n";
    const doc = await ParsedDocument.create('typescript', text);
    try {
      const root = doc.tree!.rootNode;
      const statement = (line: number) => ({ start: { line, column: 0 }, end: { line, column: doc.text.split('\n')[line].length } });
      const call = (line: number) => {
        const column = doc.text.split('\n')[line].indexOf('fs.statSync');
        return { start: { line, column }, end: { line, column: column + 'fs.statSync(f)'.length } };
      };
      const model: ExecutionModel = {
        language: 'ts', notes: [],
        units: [{ id: 'main', kind: 'js-main', label: 'main script', steps: [1, 2].map((line): Step => ({ kind: 'cpu', weight: 1, label: `line ${line}`, range: statement(line) })) }],
      };
      markDiagnostics(model, [1, 2].map((line) => ({ code: 'blocking-call-in-async', range: call(line) })), root);
      assert.deepEqual(model.units[0].steps.map((s) => s.diagnosticCode), ['blocking-call-in-async', undefined]);
    } finally {
      doc.dispose();
    }
  });

  it('async crypto with a callback runs in libuv\'s 4 threads: 10 requests of 100 ms take three rounds, the loop stays free', async () => {
    const text = [
      "const crypto = require('crypto');", "const express = require('express');", 'const app = express();', '',
      "app.get('/', (req, res) => {", "  crypto.pbkdf2('a', 'b', 100000, 512, 'sha512', () => {", "    res.send('done');", '  });', '});',
      'app.listen(3000);', '',
    ].join('\n');
    const v = await visualise('javascript', text, { line: 4 });
    const pool = v.model.units.find((u) => u.kind === 'thread-pool');
    assert.equal(pool?.maxWorkers, 4);
    assert.equal(v.model.units.filter((u) => u.parent === pool.id).length, 10);
    assert.ok(v.latency && v.latency.lastMs >= 300 && v.latency.lastMs < 320, String(v.latency?.lastMs));
    assert.equal(stalls(v).length, 0);
    assert.ok(v.model.units.some((u) => u.label === 'pbkdf2 callback' && u.steps.some((s) => s.label.startsWith('res.send'))));
    // On the event loop the work still runs in the pool: that bar is the timeline's, and the lesson says why.
    assert.ok(Math.abs(bar(v, 'asyncio')! - v.latency.lastMs) <= 5, `${bar(v, 'asyncio')} vs ${v.latency.lastMs}`);
    assert.equal(v.whatIf?.recommended, 'asyncio');
    assert.match(v.whatIf.lesson, /libuv thread pool/);
  });
});

describe('a file that runs in a worker thread', () => {
  const WORKER = [
    "import { parentPort } from 'node:worker_threads';", 'const shared = new Int32Array(new SharedArrayBuffer(4));', '',
    "parentPort.on('message', (message) => {", '  (async function () {', '    await Promise.resolve();', '    Atomics.wait(shared, 0, 0, 100);',
    "    parentPort.postMessage('ready');", '  })();', '});', '',
  ].join('\n');

  it('its lane is the worker\'s thread; its waits are the worker\'s, with no fix, as the rules have no finding there', async () => {
    const v = await visualise('typescript', WORKER, { line: 3 });
    assert.equal(v.entry.kind, 'listener');
    assert.match(v.model.units[0].label, /^worker thread/);
    assert.ok(v.model.notes.some((n) => /runs in a worker thread .*parentPort/.test(n)), JSON.stringify(v.model.notes));
    assert.equal(v.latency?.fixed, undefined);
    assert.ok(!v.whatIf?.results.some((r) => r.mode === 'fixed'));
    assert.ok(stalls(v).every((e) => /this worker's event loop/.test(e.detail)));
  });

  it('the latency counts the async work each message sets off, not only the listener\'s own turn', async () => {
    const v = await visualise('typescript', WORKER, { line: 3 });
    // Ten 100 ms Atomics.wait calls, one after another on the worker's one thread.
    assert.ok(v.latency && v.latency.lastMs >= 1000, String(v.latency?.lastMs));
    assert.ok(bar(v, 'sequential')! >= 1000, String(bar(v, 'sequential')));
  });
});

describe('a one-time listener', () => {
  // piscina's worker: the start-up message arrives once, when the pool starts the worker (`parentPort.once('message', ...)`).
  const STARTUP = [
    "import { parentPort } from 'node:worker_threads';", 'const shared = new Int32Array(new SharedArrayBuffer(4));', '',
    "parentPort.once('message', (message) => {", '  (async function () {', '    await Promise.resolve();', '    Atomics.wait(shared, 0, 0, 100);',
    "    parentPort.postMessage('ready');", '  })();', '});', '',
  ].join('\n');

  it('`once(\'message\', ...)` runs its listener for one arrival, whatever number the panel asks for; `.on` keeps ten', async () => {
    for (const request of [{ line: 3 }, { line: 3, arrivals: 5 }]) {
      const v = await visualise('typescript', STARTUP, request);
      assert.equal(v.entry.kind, 'listener');
      assert.equal(v.entry.once, true);
      assert.equal(v.arrivals.count, 1);
      assert.equal(v.model.units.filter((u) => u.arrival).length, 1, v.model.units.map((u) => u.label).join(' | '));
      assert.equal(steps(v).filter((s) => s.label.startsWith('Atomics.wait')).length, 1);
      assert.ok(v.latency && v.latency.lastMs >= 100 && v.latency.lastMs < 200, String(v.latency?.lastMs));
      assert.ok(v.model.notes.some((n) => /one-time listener runs for the first message only/.test(n)), JSON.stringify(v.model.notes));
    }
    const on = await visualise('typescript', STARTUP.replace('parentPort.once(', 'parentPort.on('), { line: 3 });
    assert.equal(on.entry.once, undefined);
    assert.equal(on.model.units.filter((u) => u.arrival).length, 10);
  });

  it('`addEventListener(type, f, { once: true })` runs once; without the option, on every event', async () => {
    const text = (options: string) => [
      "self.addEventListener('message', (event) => {", '  const started = Date.now();', '  while (Date.now() - started < 20) {}',
      "  self.postMessage('ready');", `}${options});`, '',
    ].join('\n');
    const once = await visualise('javascript', text(', { once: true }'), { line: 0 });
    assert.equal(once.entry.kind, 'listener');
    assert.match(once.entry.evidence ?? '', /^runs once, at the first `message` event/);
    assert.equal(once.model.units.filter((u) => u.arrival).length, 1);
    const every = await visualise('javascript', text(''), { line: 0 });
    assert.equal(every.entry.kind, 'listener');
    assert.match(every.entry.evidence ?? '', /^runs on every `message` event/);
    assert.equal(every.model.units.filter((u) => u.arrival).length, 10);
    const notOnce = await visualise('javascript', text(', { once: false }'), { line: 0 });
    assert.equal(notOnce.model.units.filter((u) => u.arrival).length, 10);
  });
});

describe('Python: the waits the rules report', () => {
  it('on an event loop, logging and os.getpid() are not stalls; a call the rules flag is', async () => {
    const text = [
      'import asyncio', 'import logging', 'import os', '', 'logger = logging.getLogger(__name__)', '', '',
      'class Server:', '    def _log_started(self):', '        logger.info("running on %d", os.getpid())', '',
      '    async def startup(self, path):', '        self._log_started()', '        logger.info("pid %d", os.getpid())',
      '        if os.path.exists(path):', '            pass', '        await asyncio.sleep(0.1)', '',
    ].join('\n');
    const v = await visualise('python', text, { line: 11 });
    const flagged = stalls(v).map((e) => e.range?.start.line);
    assert.deepEqual(flagged, [14], JSON.stringify(stalls(v)));
    assert.ok(!steps(v).some((s) => s.kind === 'blocking' && /logger|_log_started/.test(s.label)), JSON.stringify(steps(v)));
  });

  it('of an if/elif chain, the branch holding a finding is shown', async () => {
    const text = [
      'import asyncio', 'import os', '', '',
      'async def startup(config):', '    if config.sockets is not None:', '        await asyncio.sleep(0.01)',
      '    elif config.uds is not None:', '        if os.path.exists(config.uds):', '            os.stat(config.uds)',
      '        await asyncio.sleep(0.01)', '    else:', '        await asyncio.sleep(0.02)', '',
    ].join('\n');
    const v = await visualise('python', text, { line: 4 });
    const lines = stalls(v).map((e) => e.range?.start.line);
    assert.ok(lines.includes(8) && lines.includes(9), JSON.stringify(stalls(v)));
  });

  it('a dispatcher\'s case that starts a thread and returns is shown; a guard before more starts is passed', async () => {
    const text = [
      'import asyncio', 'import threading', '', '',
      'class KeepAlive(threading.Thread):', '    def __init__(self, ws, interval):', '        super().__init__(daemon=True)',
      '        self.ws = ws', '        self.interval = interval', '        self._stop = threading.Event()', '',
      '    def run(self):', '        while not self._stop.wait(self.interval):', '            if self.ws.timed_out():',
      '                f = asyncio.run_coroutine_threadsafe(self.ws.close(), self.ws.loop)', '                f.result()', '                return',
      '            f = asyncio.run_coroutine_threadsafe(self.ws.beat(), self.ws.loop)', '            f.result(10)', '', '',
      'class Socket:', '    async def close(self):', '        await asyncio.sleep(0.01)', '',
      '    async def beat(self):', '        await asyncio.sleep(0.02)', '',
      '    def timed_out(self):', '        return False', '',
      '    async def received(self, op, data):', '        if op != 0:', '            if op == 7:', '                await self.close()',
      '                raise ConnectionError()', '            if op == 11:', '                return',
      '            if op == 10:', '                self._keep_alive = KeepAlive(self, data / 1000.0)', '                self._keep_alive.start()',
      '                return', '            return', '        await asyncio.sleep(0.001)', '',
    ].join('\n');
    const received = await visualise('python', text, { line: 32 });
    assert.equal(received.entry.label, 'Socket.received');
    const thread = received.model.units.find((u) => u.kind === 'thread');
    assert.equal(thread?.label, 'KeepAlive.run()', received.model.units.map((u) => u.label).join(' | '));
    // In run(), the timeout branch returns after scheduling close(), but the code after it schedules the heartbeat:
    // it is a guard, and each pass shows the heartbeat, after the stop event's timed wait.
    const run = await visualise('python', text, { line: 11 });
    const body = run.model.units.find((u) => u.kind === 'thread')!;
    const labels = body.steps.map((s) => `${s.kind} ${s.label}`);
    assert.ok(labels.some((l) => l.startsWith('sleep self._stop.wait(self.interval)')), JSON.stringify(labels));
    assert.ok(labels.some((l) => /spawn .*self\.ws\.beat\(\)/.test(l)), JSON.stringify(labels));
    assert.ok(!labels.some((l) => /self\.ws\.close\(\)/.test(l)), JSON.stringify(labels));
    const waits = body.steps.filter((s) => s.kind === 'sleep').length;
    const beats = body.steps.filter((s) => s.kind === 'spawn').length;
    assert.equal(waits, beats, 'one timed wait before each heartbeat');
  });

  it('async with a request waits like awaiting it; async with an object just made only sets it up', async () => {
    const text = [
      'import asyncio', 'import aiohttp', '', '',
      'async def download(session, url):', '    async with session.get(url) as response:', '        print(response.status)', '', '',
      'async def main(urls):', '    async with aiohttp.ClientSession() as session:', '        await download(session, urls[0])', '',
    ].join('\n');
    const one = await visualise('python', text, { line: 4 });
    const get = steps(one).find((s) => s.kind === 'await' && s.label.startsWith('async with session.get'));
    assert.equal(get?.duration, 50);
    const main = await visualise('python', text, { line: 9 });
    const session = steps(main).find((s) => s.kind === 'await' && s.label.startsWith('async with aiohttp.ClientSession'));
    assert.ok(session && session.duration === undefined, JSON.stringify(session));
    assert.ok(main.timeline.totalMs >= 50);
  });

  it('a chained known-cost call keeps its cost: hashlib.scrypt(...).hex()', async () => {
    const text = 'import hashlib\n\n\nasync def derive(pw):\n    return hashlib.scrypt(pw, salt=b"s", n=16384, r=8, p=1).hex()\n';
    const v = await visualise('python', text, { line: 3 });
    assert.ok(steps(v).some((s) => s.duration === 50 && s.label.startsWith('hashlib.scrypt')), JSON.stringify(steps(v)));
  });

  it('a thread that a process never started would start is not drawn', async () => {
    const text = [
      'import multiprocessing', 'import threading', 'import time', '', '',
      'def pong():', '    time.sleep(1)', '', '',
      'def child():', '    threading.Thread(target=pong, daemon=True).start()', '    time.sleep(1)', '', '',
      'def make():', '    p = multiprocessing.Process(target=child)', '    return p', '',
    ].join('\n');
    const doc = await ParsedDocument.create('python', text);
    try {
      const model = extractModel(doc, new TreeFacts(doc.tree!));
      assert.deepEqual(model.units.map((u) => u.kind), ['main-thread']);
      const v = await visualise('python', text, { line: 14 });
      assert.deepEqual(v.model.units.map((u) => u.kind), ['main-thread'], v.model.units.map((u) => u.label).join(' | '));
      assert.ok(v.model.notes.some((n) => /never started/.test(n)));
    } finally {
      doc.dispose();
    }
  });
});

describe('a bot\'s background task', () => {
  it('setup_hook starting a @tasks.loop coroutine draws it as a task on the loop, which outlives setup_hook', async () => {
    const text = [
      'import discord', 'from discord.ext import tasks', '', '',
      'class MyClient(discord.Client):', '    async def setup_hook(self) -> None:', '        self.my_background_task.start()', '',
      '    @tasks.loop(seconds=60)', '    async def my_background_task(self):', '        channel = self.get_channel(1234567)', '        await channel.send("hi")', '',
    ].join('\n');
    const v = await visualise('python', text, { line: 5 });
    assert.equal(v.entry.label, 'MyClient.setup_hook');
    const task = v.model.units.find((u) => u.label.startsWith('my_background_task'));
    assert.equal(task?.label, 'my_background_task (every 60 s)', v.model.units.map((u) => u.label).join(' | '));
    assert.equal(task.kind, 'asyncio-task');
    const lane = v.timeline.lanes.find((l) => l.unitId === task.id);
    assert.ok(lane?.spans.some((s) => s.state === 'awaiting' && s.end - s.start === 50), JSON.stringify(lane?.spans));
  });

  it('the module body\'s client.run(token) runs the bot\'s loop: setup_hook, on_ready, and the task setup_hook starts', async () => {
    const text = [
      'import discord', 'from discord.ext import tasks', '', '',
      'class MyClient(discord.Client):', '    async def setup_hook(self) -> None:', '        self.my_background_task.start()', '',
      '    async def on_ready(self):', '        print("ready")', '',
      '    @tasks.loop(minutes=1)', '    async def my_background_task(self):', '        await asyncio.sleep(0.2)', '', '',
      'client = MyClient(intents=discord.Intents.default())', "client.run('token')", '',
    ].join('\n').replace('import discord', 'import asyncio\nimport discord');
    const v = await visualise('python', text, {});
    assert.equal(v.entry.kind, 'module');
    const loop = v.model.units.find((u) => u.label.endsWith("the bot's loop"));
    assert.ok(loop, v.model.units.map((u) => u.label).join(' | '));
    assert.ok(loop.steps.some((s) => s.label.startsWith('print')), 'on_ready runs on the loop');
    const task = v.model.units.find((u) => u.label === 'my_background_task (every 60 s)');
    assert.ok(task && loop.steps.some((s) => s.kind === 'await' && s.target === task.id));
    assert.ok(v.timeline.totalMs >= 200, String(v.timeline.totalMs));
  });
});

describe('a @tasks.loop\'s before_loop and after_loop', () => {
  // discord.py's examples/background_task.py: the loop's task awaits `before_loop` once, before its first pass.
  const BACKGROUND = [
    'import discord', 'from discord.ext import tasks', '', '',
    'class MyClient(discord.Client):', '    async def setup_hook(self) -> None:', '        self.my_background_task.start()', '',
    '    async def on_ready(self):', '        print("ready")', '',
    '    @tasks.loop(seconds=60)', '    async def my_background_task(self):', '        channel = self.get_channel(1234567)', '        await channel.send("hi")', '',
    '    @my_background_task.before_loop', '    async def before_my_task(self):', '        await self.wait_until_ready()', '',
    '    @my_background_task.after_loop', '    async def after_my_task(self):', '        await self.close()', '', '',
    'client = MyClient(intents=discord.Intents.default())', "client.run('token')", '',
  ].join('\n');

  it('before_loop runs once at the start of the loop\'s task, its wait before the first pass; no unit of its own', async () => {
    for (const request of [{}, { line: 5 }, { line: 12 }]) {
      const v = await visualise('python', BACKGROUND, request);
      const tasks = v.model.units.filter((u) => /my_background_task/.test(u.label) && u.kind === 'asyncio-task');
      assert.equal(tasks.length, 1, v.model.units.map((u) => u.label).join(' | '));
      const labels = tasks[0].steps.map((s) => `${s.kind} ${s.label}`);
      assert.deepEqual(labels.filter((l) => l.startsWith('await')), ['await await self.wait_until_ready()', 'await await channel.send("hi")'], JSON.stringify(labels));
      assert.ok(!v.model.units.some((u) => /before_my_task|after_my_task/.test(u.label)), v.model.units.map((u) => u.label).join(' | '));
      // The first pass starts once the wait is over: two waits of 50 ms, one after the other.
      const lane = v.timeline.lanes.find((l) => l.unitId === tasks[0].id)!;
      assert.ok(Math.max(...lane.spans.map((s) => s.end)) >= 100, JSON.stringify(lane.spans));
      // The loop's end is not shown (it runs every 60 s): after_loop is not drawn, and a note says when it runs.
      assert.ok(!labels.some((l) => l.includes('self.close()')), JSON.stringify(labels));
      assert.ok(v.model.notes.some((n) => /`after_my_task` \(`@my_background_task.after_loop`\), which runs once when the loop stops/.test(n)), JSON.stringify(v.model.notes));
    }
  });

  it('with count=1 the one pass is the last: after_loop runs once after it, on the same task', async () => {
    const v = await visualise('python', BACKGROUND.replace('@tasks.loop(seconds=60)', '@tasks.loop(seconds=60, count=1)'), {});
    const task = v.model.units.find((u) => u.kind === 'asyncio-task' && /my_background_task/.test(u.label))!;
    const awaits = task.steps.filter((s) => s.kind === 'await').map((s) => s.label);
    assert.deepEqual(awaits, ['await self.wait_until_ready()', 'await channel.send("hi")', 'await self.close()']);
    // The notes are the drawn task's, each once.
    assert.equal(new Set(v.model.notes).size, v.model.notes.length);
    assert.ok(v.model.notes.some((n) => /runs one pass \(`count=1`\), then `after_my_task`/.test(n)), JSON.stringify(v.model.notes));
  });

  it('started from __init__ and run from the loop coroutine itself, the notes are only the drawn task\'s', async () => {
    const text = [
      'from discord.ext import tasks, commands', '', '',
      'class MyCog(commands.Cog):', '    def __init__(self, bot):', '        self.bot = bot', '        self.printer.start()', '',
      '    @tasks.loop(seconds=5.0)', '    async def printer(self):', '        print("tick")', '',
      '    @printer.before_loop', '    async def before_printer(self):', '        await self.bot.wait_until_ready()', '',
    ].join('\n');
    const v = await visualise('python', text, { line: 9 });
    const task = v.model.units.find((u) => u.kind === 'asyncio-task')!;
    assert.equal(task.steps[0]?.label, 'await self.bot.wait_until_ready()', JSON.stringify(task.steps));
    assert.ok(v.model.notes.every((n) => n.startsWith(`${task.label}: `)), JSON.stringify(v.model.notes));
  });
});

describe('a database layer that runs queries in an executor made elsewhere', () => {
  const DATABASE = [
    'import asyncio', 'import threading', '', '',
    'class Database:', '    def __init__(self, ds):', '        self.ds = ds', '        self._lock = threading.Lock()', '',
    '    async def execute_fn(self, fn):', '        if self.ds.executor is None:', '            return fn(None)', '',
    '        def in_thread():', '            return fn(self.connect())', '',
    '        with self._lock:', '            future = self.ds.executor.submit(in_thread)',
    '        return await asyncio.wrap_future(future)', '',
    '    def connect(self):', '        return None', '',
  ].join('\n');

  it('the branch that returns before the finding is not the one shown; the submitted function runs in the executor\'s thread, awaited', async () => {
    const v = await visualise('python', DATABASE, { line: 9 });
    assert.ok(v.model.units.length > 2, v.model.units.map((u) => u.label).join(' | '));
    // The rules flag the `with self._lock:` (a thread's lock on the loop): the model goes past the early return to it.
    assert.ok(steps(v).some((s) => s.kind === 'acquire' && s.diagnosticCode), JSON.stringify(steps(v)));
    const pool = v.model.units.find((u) => u.kind === 'thread-pool');
    assert.match(pool?.label ?? '', /self\.ds\.executor/);
    const thread = v.model.units.find((u) => u.parent === pool!.id);
    assert.equal(thread?.label, 'in_thread()');
    const task = v.model.units.find((u) => u.kind === 'asyncio-task')!;
    assert.ok(task.steps.some((s) => s.kind === 'await' && s.target === thread.id), JSON.stringify(task.steps));
  });
});

describe('TS: the branch toward the finding', () => {
  it('a branch that returns before the finding is passed; of if/else, the branch holding it is shown', async () => {
    const text = [
      "import express from 'express';", "import fs from 'node:fs';", 'const app = express();', 'const cache = new Map();', '',
      "app.get('/config', async (req, res) => {", '  if (cache.has(req.query.name)) {', '    return res.send(cache.get(req.query.name));', '  }',
      "  const text = fs.readFileSync('config.json', 'utf8');", '  res.send(text);', '});', '',
      "app.get('/mode', async (req, res) => {", '  if (req.query.fast) {', "    res.send('fast');", '  } else {',
      "    res.send(fs.readFileSync('mode.txt', 'utf8'));", '  }', '});', '',
    ].join('\n');
    const config = await visualise('typescript', text, { line: 5 });
    assert.ok(stalls(config).some((e) => e.range?.start.line === 9), JSON.stringify(stalls(config)));
    const mode = await visualise('typescript', text, { line: 13 });
    assert.ok(stalls(mode).some((e) => e.range?.start.line === 17), JSON.stringify(stalls(mode)));
  });
});

describe('statements that do little', () => {
  it('a sync CRUD route of plain statements is not CPU work: the what-if does not send it to processes', async () => {
    const lines = ['from fastapi import APIRouter', '', 'router = APIRouter()', '', '', '@router.get("/items")', 'def read_items(session, user, skip: int = 0, limit: int = 100, search=None):'];
    for (let i = 0; i < 10; i++) lines.push(`    query_${i} = session.query(user, skip, limit)`, `    count_${i} = query_${i}.where(search).offset(skip)`);
    lines.push('    return {"data": query_0, "count": count_0}', '');
    const v = await visualise('python', lines.join('\n'), { line: 6 });
    assert.equal(v.entry.kind, 'handler');
    assert.ok(v.whatIf);
    assert.notEqual(v.whatIf.recommended, 'processes', v.whatIf.lesson);
    // Twenty statements of bookkeeping: a few ms per request, not tens.
    assert.ok(v.latency && v.latency.lastMs < 120, String(v.latency?.lastMs));
  });
});

describe('database calls through a client whose type another package gives', () => {
  // A FastAPI app's shapes (the SQLAlchemy tutorial's `db: Session = Depends(get_db)`, a redis client and psycopg made by
  // their constructors): each query is a wait of its request, as an HTTP call is.
  const FASTAPI = [
    'import asyncpg', 'import psycopg', 'import redis', 'from fastapi import Depends, FastAPI', 'from sqlalchemy import select',
    'from sqlalchemy.orm import Session', '', 'from .db import Item, get_db', '', 'app = FastAPI()', 'cache = redis.Redis()', '', '',
    '@app.get("/items")', 'def read_items(db: Session = Depends(get_db)):', '    items = db.execute(select(Item)).scalars().all()',
    '    total = db.query(Item).filter(Item.done).count()', '    db.commit()', '    return {"items": items, "total": total}', '', '',
    '@app.get("/cached")', 'def read_cached(key: str):', '    with psycopg.connect("dbname=app") as conn:',
    '        row = conn.execute("SELECT 1").fetchone()', '    cache.set(key, row)', '    return cache.get(key)', '', '',
    '@app.get("/async")', 'async def read_async(db: Session = Depends(get_db)):', '    return db.execute(select(Item)).all()', '', '',
    '@app.get("/unknown")', 'def read_unknown(client):', '    return client.fetch("SELECT 1")', '', '',
    '@app.get("/pg")', 'async def read_pg():', '    conn = await asyncpg.connect("postgresql://localhost/app")', '    return await conn.fetch("SELECT 1")', '',
  ].join('\n');
  const line = (text: string) => FASTAPI.split('\n').findIndex((l) => l.startsWith(`def ${text}`) || l.startsWith(`async def ${text}`));
  const firstRequest = (v: Visualisation) => v.model.units.find((u) => u.arrival?.index === 1)!;

  it('a sync handler\'s Session.execute, Query.count and commit wait on the request\'s thread', async () => {
    const v = await visualise('python', FASTAPI, { line: line('read_items') });
    assert.equal(v.entry.kind, 'handler');
    const request = firstRequest(v);
    assert.equal(request.kind, 'thread');
    const waits = request.steps.filter((s) => s.kind === 'io').map((s) => s.label);
    assert.deepEqual(waits, ['db.execute(select(Item))', 'db.query(Item).filter(Item.done).count()', 'db.commit()']);
    // Three waits of 50 ms each; the requests' threads overlap them.
    assert.ok(v.latency && v.latency.lastMs >= 150, String(v.latency?.lastMs));
    assert.ok(v.timeline.lanes.find((l) => l.unitId === request.id)!.spans.some((s) => s.state === 'blocked-io'));
  });

  it('clients made by their constructors: psycopg\'s connection and redis\'s commands wait', async () => {
    const v = await visualise('python', FASTAPI, { line: line('read_cached') });
    const waits = firstRequest(v).steps.filter((s) => s.kind === 'io').map((s) => s.label);
    assert.deepEqual(waits, ['psycopg.connect("dbname=app")', 'conn.execute("SELECT 1")', 'cache.set(key, row)', 'cache.get(key)']);
  });

  it('in an async handler a synchronous Session blocks the loop: the rules report it and the model draws the stall there', async () => {
    const v = await visualise('python', FASTAPI, { line: line('read_async') });
    const request = firstRequest(v);
    assert.equal(request.kind, 'asyncio-task');
    const blocking = request.steps.filter((s) => s.kind === 'blocking');
    assert.deepEqual(blocking.map((s) => [s.label, s.diagnosticCode]), [['db.execute(select(Item))', 'blocking-call-in-async']]);
    assert.ok(stalls(v).length > 0);
  });

  it('FastAPI\'s SQL tutorial: a session typed through `Annotated[Session, Depends(...)]`, inline or by an alias, waits', async () => {
    const text = [
      'from typing import Annotated', '', 'from fastapi import Depends, FastAPI', 'from sqlmodel import Session, create_engine, select', '',
      'engine = create_engine("sqlite:///database.db")', '', '', 'def get_session():', '    with Session(engine) as session:', '        yield session', '', '',
      'SessionDep = Annotated[Session, Depends(get_session)]', 'app = FastAPI()', '', '',
      '@app.get("/heroes/")', 'def read_heroes(session: SessionDep):', '    return session.exec(select(Hero)).all()', '', '',
      '@app.get("/heroes/{hero_id}")', 'def read_hero(hero_id: int, session: Annotated[Session, Depends(get_session)]):', '    return session.get(Hero, hero_id)', '',
    ].join('\n');
    const at = (name: string) => text.split('\n').findIndex((l) => l.startsWith(`def ${name}(`));
    const heroes = await visualise('python', text, { line: at('read_heroes') });
    assert.deepEqual(firstRequest(heroes).steps.filter((s) => s.kind === 'io').map((s) => s.label), ['session.exec(select(Hero))']);
    const hero = await visualise('python', text, { line: at('read_hero') });
    assert.deepEqual(firstRequest(hero).steps.filter((s) => s.kind === 'io').map((s) => s.label), ['session.get(Hero, hero_id)']);
  });

  it('Flask: Flask-SQLAlchemy\'s `db.session` and a `scoped_session` wait on the request\'s thread', async () => {
    const text = [
      'from flask import Flask, jsonify', 'from flask_sqlalchemy import SQLAlchemy', 'from sqlalchemy.orm import scoped_session, sessionmaker', '',
      'app = Flask(__name__)', 'db = SQLAlchemy(app)', 'audit = scoped_session(sessionmaker())', '', '',
      '@app.route("/users", methods=["POST"])', 'def create_user():', '    db.session.add(User(name="x"))', '    db.session.commit()',
      '    users = db.session.execute(db.select(User)).scalars().all()', '    audit.execute(insert(Audit))',
      '    return jsonify(len(users))', '',
    ].join('\n');
    const v = await visualise('python', text, { line: text.split('\n').indexOf('def create_user():') });
    assert.equal(v.entry.kind, 'handler');
    const request = firstRequest(v);
    assert.equal(request.kind, 'thread');
    // `add` only stages the object: no wait.
    assert.deepEqual(request.steps.filter((s) => s.kind === 'io').map((s) => s.label),
      ['db.session.commit()', 'db.session.execute(db.select(User))', 'audit.execute(insert(Audit))']);
  });

  it('asyncpg: each awaited call is a wait of the task, not a stall', async () => {
    const v = await visualise('python', FASTAPI, { line: line('read_pg') });
    const request = firstRequest(v);
    assert.deepEqual(request.steps.map((s) => [s.kind, s.duration]), [['await', 50], ['await', 50]]);
    assert.equal(stalls(v).length, 0);
  });

  it('an unknown method of an object of unknown type stays a short CPU step', async () => {
    const v = await visualise('python', FASTAPI, { line: line('read_unknown') });
    const request = firstRequest(v);
    assert.deepEqual(request.steps.map((s) => s.kind), ['cpu'], JSON.stringify(request.steps));
  });

  // An Express app on node-postgres: awaited, through `.then`, and with a callback, as its documentation shows each.
  const EXPRESS = [
    "import express from 'express';", "import { Pool } from 'pg';", "import { PrismaClient } from '@prisma/client';", '',
    'const app = express();', 'const pool = new Pool();', 'const prisma = new PrismaClient();', '',
    "app.get('/prisma', (req, res) => {", '  prisma.post.findMany({ where: { published: true } }).then((posts) => res.json(posts));', '});', '',
    "app.get('/awaited', async (req, res) => {", "  const { rows } = await pool.query('SELECT * FROM users');", '  res.json(rows);', '});', '',
    "app.get('/then', (req, res) => {", "  pool.query('SELECT * FROM users').then((result) => res.json(result.rows));", '});', '',
    "app.get('/callback', (req, res) => {", "  pool.query('SELECT * FROM users', (err, result) => {", '    res.json(result.rows);', '  });', '});', '',
    "app.get('/unknown', (req, res) => {", "  req.db.query('SELECT 1', (err, result) => res.json(result));", '});', '',
    'app.listen(3000);', '',
  ].join('\n');
  const route = (path: string) => EXPRESS.split('\n').findIndex((l) => l.startsWith(`app.get('/${path}'`));
  /** When the response is sent, after the request arrives: the query's wait comes first. */
  const responded = (v: Visualisation) => {
    const send = v.model.units.flatMap((u) => u.steps.map((s, i) => ({ u, s, i }))).filter(({ s }) => s.label.startsWith('res.json'));
    const lane = (id: string) => v.timeline.lanes.find((l) => l.unitId === id)!;
    return send.map(({ u, i }) => lane(u.id).spans.find((sp) => sp.stepIndex === i && sp.state === 'running')?.start ?? -1);
  };

  it('pg: `await pool.query(...)`, its `.then` and its callback, and Prisma\'s `.then`, each answer after the query\'s wait', async () => {
    for (const path of ['awaited', 'then', 'callback', 'prisma']) {
      const v = await visualise('typescript', EXPRESS, { line: route(path) + 1 });
      assert.equal(v.entry.kind, 'handler', path);
      const times = responded(v);
      assert.equal(times.length, 10, `${path}: ${JSON.stringify(v.model.units.map((u) => u.label))}`);
      assert.ok(times.every((t) => t >= 50), `${path}: res.json at ${JSON.stringify(times)}`);
      assert.ok(v.latency && v.latency.lastMs >= 50 && v.latency.lastMs < 60, `${path}: ${v.latency?.lastMs}`);
    }
  });

  it('a callback handed to an unknown object\'s method is not made a database wait', async () => {
    const v = await visualise('typescript', EXPRESS, { line: route('unknown') + 1 });
    assert.ok(!v.model.units.some((u) => /callback/.test(u.label)), JSON.stringify(v.model.units.map((u) => u.label)));
    assert.ok(!steps(v).some((s) => s.kind === 'await' || s.kind === 'io'), JSON.stringify(steps(v)));
  });
});
