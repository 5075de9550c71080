import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, type Diagnostic } from '../../../src/core';
import { pythonBlockingCall, tsBlockingCall } from '../../../src/core/catalog/blocking';
import { ruleBySlug } from '../../../src/core/rules';
import { analyzeFile, fixtureFiles, matchSnapshot, pyCompiles, render, runPython, tempDir, fullText } from '../helpers';

const FOLDER = 'python/blocking-call-in-async';
const ONLY = ['blocking-call-in-async'];

async function check(text: string): Promise<Diagnostic[]> {
  const result = await analyzeText(text, 'python', { only: ONLY });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics;
}

/** Applies the preferred fix of the first fixable finding until none is left. */
async function fixAll(text: string): Promise<string> {
  let current = text;
  for (let round = 0; round < 50; round++) {
    const fixable = (await check(current)).find((d) => d.fixes.length);
    if (!fixable) return current;
    current = applyEdits(current, (fixable.fixes.find((f) => f.preferred) ?? fixable.fixes[0]).edits);
  }
  throw new Error('fixes do not converge');
}

function elapsed(stdout: string): number {
  const m = /elapsed (\d+\.\d+)/.exec(stdout);
  assert.ok(m, `no timing in output: ${stdout}`);
  return Number(m[1]);
}

describe('blocking-call-in-async (Python)', () => {
  for (const file of fixtureFiles(FOLDER, 'bad_')) {
    const name = path.basename(file);
    it(`flags ${name}; every fix compiles; fixing converges`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = await analyzeFile(file, undefined, ONLY);
      assert.deepEqual(result.ruleErrors, []);
      assert.ok(result.diagnostics.length > 0);
      matchSnapshot(file, render(text, result.diagnostics));
      const dir = tempDir();
      for (const [i, d] of result.diagnostics.entries()) {
        assert.ok(d.fixes.filter((f) => f.preferred).length <= 1);
        for (const [j, fix] of d.fixes.entries()) {
          const out = path.join(dir, `${i}_${j}_${name}`);
          fs.writeFileSync(out, applyEdits(text, fix.edits));
          pyCompiles(out);
        }
      }
      const fixed = await fixAll(text);
      const out = path.join(dir, `all_${name}`);
      fs.writeFileSync(out, fixed);
      pyCompiles(out);
      // What is left has no safe automatic fix (Popen, RLock, sqlite3, generator expressions, `with lock:`).
      for (const d of await check(fixed)) assert.equal(d.fixes.length, 0, d.message);
    });
  }

  for (const file of fixtureFiles(FOLDER, 'ok_')) {
    it(`stays silent on ${path.basename(file)}, which runs cleanly`, async () => {
      const result = await analyzeFile(file, undefined, ONLY);
      assert.deepEqual(result.ruleErrors, []);
      assert.deepEqual(result.diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
      // A copy, so that no __pycache__ lands among the fixtures.
      const copy = path.join(tempDir(), path.basename(file));
      fs.copyFileSync(file, copy);
      pyCompiles(copy);
    });
  }

  for (const name of ['bad_timing_sleep.py', 'bad_timing_to_thread.py']) {
    it(`${name}: after the fixes the two tasks overlap in time`, async () => {
      const file = path.join(path.dirname(fixtureFiles(FOLDER, 'bad_')[0]), name);
      const before = runPython(file);
      assert.equal(before.status, 0, before.stderr);
      assert.ok(elapsed(before.stdout) >= 0.6, `before the fix: ${before.stdout}`);
      const fixed = await fixAll(fs.readFileSync(file, 'utf8'));
      assert.deepEqual(await check(fixed), []);
      const out = path.join(tempDir(), name);
      fs.writeFileSync(out, fixed);
      const after = runPython(out);
      assert.equal(after.status, 0, after.stderr);
      assert.ok(elapsed(after.stdout) < 0.5, `after the fix: ${after.stdout}\n${fixed}`);
    });
  }

  it('a call that opens a with block gets the whole-block fix or none; a helper that does gets none', async () => {
    const text = 'def make(p):\n    return open(p)\n\n\nasync def f(p):\n    with make(p) as fh:\n        fh.read()\n    with open(p) as g:\n        g.read()\n    make(p).close()\n';
    const fixes = (await check(text)).map((d) => [d.range.start.line + 1, d.fixes.map((f) => f.title.slice(0, 30))]);
    assert.deepEqual(fixes, [[6, []], [8, ['Run the whole `with` block in ']], [10, ['Run `make` in a worker thread:']]]);
  });

  it('a helper chain ending in a thread-bound API names its counterpart and offers no thread; 3.8 gets no to_thread fix', async () => {
    const text = 'import sqlite3\nimport subprocess\n\n\ndef query(db: sqlite3.Connection):\n    return db.execute("select 1")\n\n\ndef run():\n    return subprocess.run(["ls"])\n\n\nasync def f(db):\n    query(db)\n    run()\n';
    const [query, run] = await check(text);
    assert.deepEqual(query.fixes, []);
    assert.match(fullText(query), /aiosqlite/);
    assert.doesNotMatch(query.message, /to_thread\(query\)/);
    assert.match(fullText(run), /await asyncio\.to_thread\(run\)/);
    assert.equal(run.fixes.length, 1);
    const old = await analyzeText(text, 'python', { only: ONLY, settings: { pythonFreeThreaded: false, ruleSeverity: {}, pythonTargetVersion: '3.8' } });
    assert.deepEqual(old.diagnostics.map((d) => d.fixes.length), [0, 0]);
  });

  it('resolves imports, aliases and bindings; leaves user functions alone', async () => {
    const text = [
      'import time as t', 'from time import sleep as nap', 'import requests', 'import threading', 'nap2 = t.sleep',
      'def sleep(x): pass',
      'async def f(u):',
      '    t.sleep(1)', '    nap(1)', '    nap2(1)', '    sleep(1)',
      '    lock = threading.Lock()', '    threading.Thread(target=print, args=(lock,)).start()', '    lock.acquire()',
      '    fh = open(u)', '    requests.Session().get(u)',
    ].join('\n');
    const lines = (await check(text)).map((d) => d.range.start.line + 1);
    assert.deepEqual(lines, [8, 9, 10, 14, 15, 16]);
  });

  it('a call that returns at once for what its receiver is: a lock made just before (not one handed on), a queue without a bound', async () => {
    const text = [
      'import queue', 'import threading', '', 'jobs = queue.Queue()', 'bounded = queue.Queue(maxsize=8)', '',
      'def record(item):', '    jobs.put(item)', '', 'def record_bounded(item):', '    bounded.put(item)', '',
      'async def handler(item, locks, key):',
      '    with locks.guard:',
      '        if key not in locks.table:',
      '            lock = threading.Lock()',
      '            lock.acquire()',
      '            held = threading.Semaphore(0)',
      '            held.acquire()',
      '    record(item)',
      '    record_bounded(item)',
      '    jobs.put(item)',
      '    bounded.put(item)',
    ].join('\n');
    const found = (await check(text)).map((d) => `${d.range.start.line + 1} ${d.message.slice(0, d.message.indexOf('`', 1) + 1)}`);
    // A Semaphore(0) has no free slot; a bounded queue may be full.
    assert.deepEqual(found, ['19 `held.acquire()`', '21 `record_bounded()`', '23 `bounded.put()`']);
  });

  it('database clients known by annotation or constructor: a sync SQLAlchemy Session, psycopg, redis; building a query is no wait', async () => {
    const text = [
      'import psycopg', 'import redis', 'from typing import Annotated', 'from sqlalchemy import select', 'from sqlalchemy.orm import Session', '',
      'cache = redis.Redis()', '', '',
      'async def handler(db: Session, item, key, client, other: Annotated[Session, "dependency"]):',
      '    db.add(item)', '    query = db.query(type(item)).filter(key)', '    db.commit()', '    rows = query.all()',
      '    db.execute(select(item)).scalars()', '    conn = psycopg.connect("dbname=app")', '    conn.execute("SELECT 1")',
      '    cache.get(key)', '    client.execute("SELECT 1")', '    other.flush()', '    return rows',
    ].join('\n');
    const found = await check(text);
    assert.deepEqual(found.map((d) => d.range.start.line + 1), [13, 14, 15, 16, 17, 18, 20]);
    // A Session is not for use from several threads: its counterpart is named, no thread is offered.
    const commit = found[0];
    assert.deepEqual(commit.fixes, []);
    assert.match(fullText(commit), /AsyncSession/);
    assert.match(fullText(found[5]), /redis\.asyncio\.Redis/);
  });

  it('a session a sessionmaker makes may be an AsyncSession (`class_=AsyncSession`): its awaited calls are not reported', async () => {
    const text = [
      'from sqlalchemy.ext.asyncio import AsyncSession', 'from sqlalchemy.orm import sessionmaker', '',
      'make_session = sessionmaker(class_=AsyncSession)', '', '',
      'async def execute_sql(query):', '    async with make_session() as session:', '        await session.execute(query)', '        await session.commit()',
    ].join('\n');
    assert.deepEqual(await check(text), []);
  });

  it('flags only the async function itself, not nested defs, lambdas or classes', async () => {
    const text = [
      'import time',
      'async def f():',
      '    def g(): time.sleep(1)',
      '    h = lambda: time.sleep(1)',
      '    class C:',
      '        x = time.sleep',
      '    async def inner():',
      '        time.sleep(1)',
      '    def with_default(x=time.sleep(0)): pass',
    ].join('\n');
    assert.deepEqual((await check(text)).map((d) => d.range.start.line + 1), [8, 9]);
  });

  it('treats time.sleep(0) as a yield that does not yield, and says so', async () => {
    const [d] = await check('import time\nasync def f():\n    time.sleep(0)\n');
    assert.match(fullText(d), /lets no other task run in `f\(\)`; it yields only to other threads/);
    assert.equal(applyEdits('import time\nasync def f():\n    time.sleep(0)\n', d.fixes[0].edits), 'import time\nimport asyncio\nasync def f():\n    await asyncio.sleep(0)\n');
  });

  it('inserts `import asyncio` after the docstring and __future__ imports, and reuses an existing alias', async () => {
    const text = '"""doc"""\nfrom __future__ import annotations\nimport time\n\nasync def f():\n    time.sleep(1)\n';
    const [d] = await check(text);
    assert.equal(applyEdits(text, d.fixes[0].edits), '"""doc"""\nfrom __future__ import annotations\nimport time\nimport asyncio\n\nasync def f():\n    await asyncio.sleep(1)\n');
    const aliased = 'import asyncio as aio\nimport time\nasync def f():\n    time.sleep(1)\n';
    const [e] = await check(aliased);
    assert.equal(applyEdits(aliased, e.fixes[0].edits), 'import asyncio as aio\nimport time\nasync def f():\n    await aio.sleep(1)\n');
    const bare = '#!/usr/bin/env python3\nasync def f():\n    open("x")\n';
    const [g] = await check(bare);
    assert.equal(applyEdits(bare, g.fixes[0].edits), '#!/usr/bin/env python3\nimport asyncio\nasync def f():\n    await asyncio.to_thread(open, "x")\n');
  });

  it('parenthesises the await where the call was an operand, keeps arguments exactly', async () => {
    const text = 'import requests\nasync def f(u, **kw):\n    return requests.get(u, *[], timeout=(1, 2), **kw).json()\n';
    const [d] = await check(text);
    assert.equal(applyEdits(text, d.fixes[0].edits),
      'import requests\nimport asyncio\nasync def f(u, **kw):\n    return (await asyncio.to_thread(requests.get, u, *[], timeout=(1, 2), **kw)).json()\n');
  });

  it('offers no fix inside a generator expression or on an awaited call', async () => {
    const text = 'import requests\nasync def f(us):\n    a = sum(1 for u in us if requests.get(u))\n    await requests.get(us)\n';
    const ds = await check(text);
    assert.equal(ds.length, 2);
    assert.deepEqual(ds.map((d) => d.fixes.length), [0, 0]);
  });

  it('reports `with lock:` on a threading lock at information level', async () => {
    const ds = await check('import threading\nlock = threading.Lock()\nasync def f():\n    with lock:\n        pass\n');
    assert.deepEqual(ds.map((d) => d.severity), ['information']);
  });

  it('names the async-native alternative', async () => {
    const text = 'import subprocess, requests, threading, socket\nasync def f(s: socket.socket):\n    subprocess.run(["ls"])\n    requests.get("u")\n    threading.Event().wait()\n    s.recv(1)\n';
    const messages = (await check(text)).map((d) => fullText(d)).join('\n');
    for (const alt of ['asyncio.create_subprocess_exec', 'httpx.AsyncClient', 'asyncio.Event', 'loop.sock_recv']) assert.ok(messages.includes(alt), alt);
  });

  it('an awaited call is not the blocking API its names resolve to (the object is another type than it says), and Python runs it to show that', async () => {
    // `session: Session` that is an AsyncSession at run time; `client` annotated as requests' but an httpx.AsyncClient.
    const text = ['import requests', 'from sqlalchemy.orm import Session', '', '',
      'async def handler(session: Session, client: requests.Session):', '    rows = await session.execute("q")', '    page = await client.get("u")',
      '    session.commit()', '    return rows, page', ''].join('\n');
    const found = await check(text);
    assert.deepEqual(found.map((d) => d.range.start.line), [7], 'only the call that is not awaited');
    // Awaiting a blocking call's plain result fails: no blocking API can be awaited as written.
    const run = spawnSync('python3', ['-c', 'import asyncio, time\nasync def f():\n    await time.sleep(0)\ntry:\n    asyncio.run(f())\nexcept TypeError as e:\n    print("TypeError")\n'], { encoding: 'utf8' });
    assert.equal(run.stdout.trim(), 'TypeError');
  });

  it('a socket the file switches to non-blocking mode returns at once; the words in a comment or string do not count', async () => {
    const code = (setup: string) => `import socket\nasync def f(s: socket.socket):\n    ${setup}\n    s.recv(1)\n`;
    assert.equal((await check(code('s.setblocking(False)'))).length, 0);
    assert.equal((await check(code('s.settimeout(0.0)'))).length, 0);
    assert.equal((await check(code('# s.setblocking(False)'))).length, 1);
    assert.equal((await check(code('print("s.setblocking(False)")'))).length, 1);
    assert.equal((await check(code('s.settimeout(5)'))).length, 1);
    assert.equal((await check(code('other.setblocking(False)'))).length, 1);
  });

  it('the synchronous clients of model APIs block; the async ones, awaited, do not; the fix hands the call to a thread', async () => {
    const text = [
      'from openai import AsyncOpenAI, OpenAI',
      'from anthropic import Anthropic',
      'from huggingface_hub import InferenceClient',
      '',
      'client = OpenAI()',
      'aclient = AsyncOpenAI()',
      '',
      'class Chat:',
      '    def __init__(self):',
      '        self.claude = Anthropic()',
      '        self.hf = InferenceClient()',
      '',
      '    async def ask(self, q):',
      '        a = client.chat.completions.create(model="m", messages=[{"role": "user", "content": q}])',
      '        b = self.claude.messages.create(model="m", max_tokens=10, messages=[])',
      '        c = self.hf.chat_completion(messages=[])',
      '        d = await aclient.chat.completions.create(model="m", messages=[])',
      '        e = client.embeddings.create(input=q, model="m")',
      '        return a, b, c, d, e',
      '',
    ].join('\n');
    const found = await check(text);
    assert.deepEqual(found.map((d) => d.range.start.line + 1), [14, 15, 16, 18]);
    assert.match(found[0].message, /openai\.OpenAI\.chat\.completions\.create/);
    assert.match(found[0].detail ?? '', /openai\.AsyncOpenAI/);
    const fixed = await fixAll(text);
    assert.match(fixed, /a = await asyncio\.to_thread\(client\.chat\.completions\.create, model="m"/);
    const out = path.join(tempDir('cl-model-clients-'), 'chat.py');
    fs.writeFileSync(out, fixed);
    pyCompiles(out);
  });

  it('exports catalogue lookups for other rules', () => {
    assert.equal(pythonBlockingCall('time.sleep')?.category, 'sleep');
    assert.equal(pythonBlockingCall('requests.Session.get')?.category, 'network');
    assert.equal(pythonBlockingCall('asyncio.sleep'), undefined);
    assert.equal(tsBlockingCall('fs.readFileSync')?.asyncName, 'readFile');
    assert.equal(tsBlockingCall('fs.someFutureSync')?.category, 'file');
    assert.equal(tsBlockingCall('fs.readFile'), undefined);
  });

  it('documents the catalogue in meta.docs.notes', () => {
    const notes = ruleBySlug('blocking-call-in-async')!.meta.docs.notes!;
    for (const name of ['time.sleep', 'requests.Session.get', 'fs.readFileSync', 'Atomics.wait', 'Deno.readTextFileSync']) assert.ok(notes.includes(`\`${name}\``), name);
  });
});
