// Entry points: what the picker lists per file, per kind and per framework registration (Python and TS/JS).
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { entryAtLine, listEntryPoints, type EntryPoint } from '../../../src/core/visualiser/entries';

async function entries(language: Language, text: string): Promise<EntryPoint[]> {
  const doc = await ParsedDocument.create(language, text);
  try {
    const facts = new TreeFacts(doc.tree!);
    return listEntryPoints({ language, root: doc.tree!.rootNode, text, python: () => facts.python(), ts: () => facts.ts() });
  } finally {
    doc.dispose();
  }
}

function find(list: EntryPoint[], label: string | RegExp): EntryPoint {
  const e = list.find((x) => (typeof label === 'string' ? x.label === label : label.test(x.label)));
  assert.ok(e, `no entry ${label} in ${list.map((x) => `${x.kind}:${x.label}`).join(' | ')}`);
  return e;
}

describe('entry points: Python', () => {
  it('the module body comes first, then every function and method', async () => {
    const list = await entries('python', 'def helper():\n    pass\n\n\nclass A:\n    def m(self):\n        pass\n');
    assert.equal(list[0].kind, 'module');
    assert.equal(find(list, 'helper').kind, 'function');
    assert.equal(find(list, 'A.m').kind, 'function');
  });

  it('FastAPI routes are handlers with their method and path, run per arrival, with a code lens', async () => {
    const list = await entries('python', 'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.get("/items")\nasync def read_items():\n    return []\n\n\n@app.post("/items")\ndef create_item():\n    return {}\n');
    const get = find(list, 'GET /items: read_items');
    assert.deepEqual([get.kind, get.arrivals, get.lens, get.async], ['handler', true, true, true]);
    assert.match(get.evidence ?? '', /runs for every request/);
    assert.equal(find(list, 'POST /items: create_item').async, false);
  });

  it('aiohttp handlers registered by reference, bot events and socket.io handlers', async () => {
    const list = await entries('python', [
      'from aiohttp import web', 'import discord', 'import socketio', 'client = discord.Client()', 'sio = socketio.AsyncServer()', '',
      'async def hello(request):', '    return web.Response()', '',
      '@client.event', 'async def on_message(message):', '    pass', '',
      '@sio.on("chat")', 'async def chat(sid, data):', '    pass', '',
      'app = web.Application()', 'app.router.add_get("/", hello)', '',
    ].join('\n'));
    assert.equal(find(list, 'hello').kind, 'handler');
    const bot = find(list, 'on_message');
    assert.ok(bot.kind === 'handler' || bot.kind === 'listener', bot.kind);
    assert.ok(bot.arrivals);
    assert.ok(find(list, /chat/).arrivals);
  });

  it('discord.py: a client\'s on_<event> coroutines are listeners, @tasks.loop coroutines are tasks', async () => {
    const list = await entries('python', [
      'import discord', 'from discord.ext import tasks', '', '',
      'class MyClient(discord.Client):', '    async def on_ready(self):', '        pass', '',
      '    async def on_message(self, message):', '        pass', '',
      '    @tasks.loop(seconds=60)', '    async def background(self):', '        pass', '',
      '    async def helper(self):', '        pass', '',
    ].join('\n'));
    assert.deepEqual([find(list, 'MyClient.on_message').kind, find(list, 'MyClient.on_message').arrivals], ['listener', true]);
    assert.equal(find(list, 'MyClient.on_ready').kind, 'listener');
    assert.equal(find(list, 'MyClient.background').kind, 'task');
    assert.equal(find(list, 'MyClient.helper').kind, 'function');
  });

  it('thread targets, pool tasks and run() of a Thread subclass', async () => {
    const list = await entries('python', [
      'import threading', 'from concurrent.futures import ThreadPoolExecutor', '',
      'def work(n):', '    return n', '',
      'def job():', '    pass', '',
      'class Pinger(threading.Thread):', '    def run(self):', '        self.ping()', '    def ping(self):', '        pass', '',
      'class Bot:', '    def start(self):', '        threading.Thread(target=self.always_pong, daemon=True).start()', '    def always_pong(self):', '        pass', '',
      'threading.Thread(target=work, args=(1,)).start()', 'with ThreadPoolExecutor(5) as pool:', '    pool.submit(job)', '',
    ].join('\n'));
    assert.equal(find(list, 'work').kind, 'thread-target');
    assert.equal(find(list, 'job').kind, 'thread-target');
    assert.equal(find(list, 'Bot.always_pong').kind, 'thread-target');
    assert.equal(find(list, 'Pinger.run()').kind, 'run-method');
    assert.equal(find(list, 'Pinger.ping').kind, 'function');
    assert.ok(find(list, 'work').lens && find(list, 'Pinger.run()').lens);
  });

  it('calls that run a loop or a server: asyncio.run, run_until_complete, run_forever, ensure_future, serve_forever, uvicorn.run', async () => {
    const list = await entries('python', [
      'import asyncio', 'import socketserver', 'import uvicorn', '',
      'async def main():', '    pass', '',
      'loop = asyncio.get_event_loop()', 'fut = asyncio.ensure_future(main())', 'loop.run_until_complete(main())', 'loop.run_forever()',
      'asyncio.run(main())', 'server = socketserver.TCPServer(("", 1), None)', 'server.serve_forever()', 'uvicorn.run("app:app")', '',
    ].join('\n'));
    const loops = list.filter((e) => e.kind === 'loop');
    for (const text of ['asyncio.ensure_future(main())', 'loop.run_until_complete(main())', 'loop.run_forever()', 'asyncio.run(main())', 'uvicorn.run("app:app")']) {
      assert.ok(loops.some((e) => e.label === text), `${text} in ${loops.map((e) => e.label).join(' | ')}`);
    }
    assert.ok(loops.some((e) => /serve_forever/.test(e.label) && e.server));
    assert.equal(loops.find((e) => e.label === 'uvicorn.run("app:app")')?.server, true);
    assert.equal(loops.find((e) => e.label === 'asyncio.run(main())')?.server, undefined);
  });

  it('a line picks the innermost function holding it; a loop call on that line first; else the module body', async () => {
    const list = await entries('python', 'import asyncio\n\n\nasync def main():\n    def inner():\n        pass\n    inner()\n\n\nasyncio.run(main())\n');
    assert.equal(entryAtLine(list, 5).label, 'inner');
    assert.equal(entryAtLine(list, 6).label, 'main');
    assert.equal(entryAtLine(list, 9).kind, 'loop');
    assert.equal(entryAtLine(list, 1).kind, 'module');
  });

  it('ids are stable when code above moves', async () => {
    const a = await entries('python', 'def f():\n    pass\n');
    const b = await entries('python', '\n\n\nx = 1\n\ndef f():\n    pass\n');
    assert.equal(find(a, 'f').id, find(b, 'f').id);
  });
});

describe('entry points: TS/JS', () => {
  it('Express and Fastify routes, fastify.route({ handler }), with method and path', async () => {
    const list = await entries('typescript', [
      "import express from 'express';", "import Fastify from 'fastify';", 'const app = express();', 'const fastify = Fastify();',
      "app.get('/users', async (req, res) => { res.send([]); });",
      "fastify.post('/login', async (request) => ({ ok: true }));",
      "fastify.route({ method: 'GET', url: '/x', handler: async () => 1 });",
      'app.listen(3000);', '',
    ].join('\n'));
    const users = find(list, 'GET /users');
    assert.deepEqual([users.kind, users.arrivals, users.async], ['handler', true, true]);
    assert.equal(find(list, 'POST /login').kind, 'handler');
    assert.equal(find(list, /handler/).kind, 'handler');
    const listen = find(list, 'app.listen(3000)');
    assert.deepEqual([listen.kind, listen.server], ['loop', true]);
  });

  it('http.createServer, Deno.serve and Bun.serve callbacks are handlers; the serve calls are servers', async () => {
    const list = await entries('typescript', [
      "import * as http from 'node:http';",
      'http.createServer((req, res) => { res.end(); }).listen(8080);',
      'Deno.serve((req) => new Response("hi"));',
      'Bun.serve({ fetch(req) { return new Response("hi"); } });', '',
    ].join('\n'));
    const handlers = list.filter((e) => e.kind === 'handler');
    assert.ok(handlers.some((e) => /createServer/.test(e.label)), handlers.map((e) => e.label).join(' | '));
    assert.ok(handlers.some((e) => /Deno\.serve/.test(e.label)));
    assert.ok(handlers.some((e) => /Bun\.serve fetch/.test(e.label)));
    assert.ok(list.some((e) => e.kind === 'loop' && /Deno\.serve/.test(e.label) && e.server));
  });

  it('listeners: a worker\'s message handler and an emitter\'s events run per event', async () => {
    const list = await entries('typescript', "import { parentPort } from 'node:worker_threads';\nparentPort!.on('message', (task) => {\n  postMessage(task);\n});\n");
    const on = find(list, "on 'message'");
    assert.deepEqual([on.kind, on.arrivals, on.lens], ['listener', true, true]);
  });

  it('named functions and methods are entries; anonymous callbacks nobody registers are not', async () => {
    const list = await entries('typescript', 'function a() {}\nconst b = async () => {};\nclass C { m() {} }\n[1].map((x) => x);\n');
    assert.deepEqual(list.map((e) => e.label).sort(), ['C.m', 'Module body', 'a', 'b']);
    assert.equal(find(list, 'b').async, true);
  });
});

describe('entry points read the package call graph the diagnostics read', () => {
  const files: Record<string, string> = {
    'app.py': 'import asyncio\nfrom tasks import save\n\n\nasync def main():\n    await asyncio.gather(save(1), save(2))\n',
    'tasks.py': 'def retry(f):\n    return f\n\n\n@retry\nasync def save(item):\n    pass\n',
  };

  it('a coroutine another file gathers is a task of its own', async () => {
    const { fileEntries } = await import('../../../src/core/visualiser');
    const { forgetCallerTexts } = await import('../../../src/core/context');
    forgetCallerTexts();
    const doc = await ParsedDocument.create('python', files['tasks.py']);
    try {
      const facts = new TreeFacts(doc.tree!);
      const readFile = (p: string) => files[p];
      const alone = fileEntries(doc, facts, { path: 'tasks.py', readFile });
      assert.equal(find(alone, 'save').kind, 'function', 'the file alone shows nothing that starts save');
      const withPackage = fileEntries(doc, facts, { path: 'tasks.py', readFile, listFiles: () => Object.keys(files) });
      const save = find(withPackage, 'save');
      assert.equal(save.kind, 'task', save.evidence);
      assert.match(save.evidence ?? '', /app\.py:6/);
    } finally {
      doc.dispose();
      forgetCallerTexts();
    }
  });
});

describe('entry points are registered, not inherited', () => {
  it('a closure of a route, or a callback it hands over, runs beside the requests but is no handler of its own', async () => {
    const list = await entries('python', [
      'from fastapi import FastAPI', 'app = FastAPI()', '', '',
      '@app.get("/x")', 'async def route():', '    def emit(data):', '        return data', '    await run(emit)', '',
    ].join('\n'));
    assert.equal(find(list, /route/).kind, 'handler');
    const emit = find(list, /emit/);
    assert.equal(emit.kind, 'function', emit.evidence);
    assert.ok(!emit.arrivals && !emit.lens);
  });
});
