import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullText } from '../helpers';
import type { Node } from 'web-tree-sitter';
import { analyzeText, ParsedDocument, defaultLimits, type Language } from '../../../src/core';
import { contextOf, type ConcurrencyContext } from '../../../src/core/context';
import { PythonSemantics } from '../../../src/core/python/semantics';
import { FUNCTION_TYPES, TsSemantics } from '../../../src/core/ts/semantics';

/** The context of the function named (or, for anonymous ones, starting) at the marker `/*@*\/` / `#@`. */
async function contextAt(code: string, language: Language, path?: string): Promise<ConcurrencyContext> {
  const marker = language === 'python' ? '#@\n' : '/*@*/';
  const at = code.indexOf(marker);
  assert.ok(at >= 0, 'no marker');
  const text = code.replace(marker, language === 'python' ? '\n' : '     ');
  const doc = await ParsedDocument.create(language, text, defaultLimits);
  try {
    const tree = doc.tree!;
    let node: Node | null = tree.rootNode.descendantForIndex(at + marker.length);
    const isFn = (n: Node) => (language === 'python' ? n.type === 'function_definition' : FUNCTION_TYPES.has(n.type));
    while (node && !isFn(node)) node = node.parent;
    assert.ok(node, 'no function after the marker');
    const ts = new TsSemantics(tree);
    const py = new PythonSemantics(tree);
    return contextOf(node, { language, root: tree.rootNode, text, path, ts: () => ts, python: () => py });
  } finally {
    doc.dispose();
  }
}

const kind = async (code: string, language: Language = 'typescript', path?: string) => (await contextAt(code, language, path)).kind;

describe('concurrency context (local evidence)', () => {
  it('TS hot: routes, servers, Promise combinators, listeners, plugin hooks', async () => {
    const hot = [
      "app.get('/', /*@*/async (req, res) => {});",
      "router.post('/', /*@*/async function (ctx) {});",
      "fastify.route({ method: 'GET', url: '/', handler: /*@*/async (req) => {} });",
      "app.route('/book').get(/*@*/async (req, res) => {});",
      "/*@*/async function handle(req, res) {}\napp.get('/x', handle);",
      "import http from 'node:http';\nhttp.createServer(/*@*/async (req, res) => {});",
      'Deno.serve(/*@*/async (req) => new Response());',
      'Bun.serve({ fetch: /*@*/async (req) => new Response() });',
      '/*@*/async function load(p) {}\nexport const all = (ps) => Promise.all(ps.map(load));',
      '/*@*/async function a() {}\nasync function main() { await Promise.all([a(), a()]); }',
      "export const r = (xs) => Promise.race(xs.map(/*@*/async (x) => x));",
      "stream.on('data', /*@*/async (chunk) => {});",
      "export default function plugin() { return { name: 'p', /*@*/async transform(code) { return code; } }; }",
      'server.middlewares.use(/*@*/async (req, res, next) => {});',
      // The `{ filter, handler }` form of a plugin hook.
      "export default function plugin() { return { name: 'p', load: { filter: { id: /x/ }, /*@*/async handler(id) { return null; } } }; }",
      // A factory's result handed to a framework: the function it returns is the middleware, the listener, the callback.
      'function logger(opts) { return /*@*/async (req, res, next) => { next(); }; }\napp.use(logger({}));',
      'function logger(opts) { /*@*/async function log(req, res, next) { next(); }\n return log; }\nserver.middlewares.use(logger());',
      "function onData(sink) { return (/*@*/async (chunk) => { sink.push(chunk); }); }\nstream.on('data', onData([]));",
      // A function a handler hands over by reference runs in the handler's program.
      "/*@*/async function save(item) {}\napp.post('/items', async (req, res) => { await queue.drain(req.body, save); });",
      // Started on every pass of a loop without waiting: the runs overlap.
      'async function main(ps) { const all = [];\n for (const p of ps) all.push((/*@*/async () => { await p; })());\n await Promise.all(all); }',
      '/*@*/async function load(p) {}\nfunction main(ps) { for (const p of ps) load(p); }',
      '/*@*/async function load(p) {}\nfunction main(ps) { let i = 0; while (i < ps.length) void load(ps[i++]); }',
      'export const f = (ps) => ps.forEach(/*@*/async (p) => { await p; });',
      '/*@*/async function load(p) {}\nexport const f = (ps) => { ps.forEach((p) => { load(p); }); };',
    ];
    for (const code of hot) assert.equal(await kind(code), 'hot', code);
    const evidence = await contextAt("const app = express();\napp.get('/a', /*@*/async (req, res) => {});", 'typescript', 'src/server.ts');
    assert.equal(evidence.evidence?.message, 'runs for every request: registered with `app.get` at server.ts:2');
    assert.equal(evidence.evidence?.range.start.line, 1);
    // An emitter's one-time event named by a constant that spells it runs its listener once.
    const listening = await contextAt('bridge.on(Events.LISTENING, /*@*/async (port) => {});', 'typescript', 'src/bridge.ts');
    assert.equal(listening.evidence?.message, 'runs once, at the `Events.LISTENING` event, while the program goes on: a listener registered with `bridge.on` at bridge.ts:1');
    assert.equal(listening.once, true);
    const message = await contextAt('bridge.on(Events.MESSAGE, /*@*/async (m) => {});', 'typescript', 'src/bridge.ts');
    assert.equal(message.evidence?.message, 'runs on every `Events.MESSAGE` event while the program goes on: a listener registered with `bridge.on` at bridge.ts:1');
    assert.equal(message.once, undefined);
  });

  it('TS: a loop that waits for each run, or a synchronous function started in a loop, is no evidence', async () => {
    const sequential = [
      '/*@*/async function load(p) {}\nasync function main(ps) { for (const p of ps) await load(p); }',
      '/*@*/async function load(p) {}\nasync function main(ps) { for (const p of ps) { const r = load(p); await r; } }',
      'async function main(ps) { for (const p of ps) await (/*@*/async () => { await p; })(); }',
      '/*@*/function load(p) {}\nfunction main(ps) { for (const p of ps) load(p); }',
      '/*@*/async function load(p) {}\nfunction main(p) { load(p); }',
      'export const f = (ps) => ps.forEach(/*@*/function (p) {});',
    ];
    for (const code of sequential) assert.notEqual(await kind(code), 'hot', code);
    const evidence = await contextAt('/*@*/async function load(p) {}\nfunction main(ps) {\n  for (const p of ps) load(p);\n}', 'typescript', 'src/a.ts');
    assert.equal(evidence.evidence?.message, 'runs beside its other calls: the loop at a.ts:3 starts `load(...)` on every pass without waiting for the one before');
  });

  it('TS cold: a module entry called once at its top level; a shebang, a folder or a file name alone is no evidence', async () => {
    assert.equal(await kind('#!/usr/bin/env node\n/*@*/async function main() {}'), 'unknown');
    assert.equal(await kind('/*@*/async function main() {}', 'typescript', 'scripts/release.ts'), 'unknown');
    assert.equal(await kind('/*@*/async function main() {}', 'typescript', 'packages/cli/bin/run.js'), 'unknown');
    assert.equal(await kind('export default { /*@*/async setup() {} };', 'typescript', 'vite.config.ts'), 'unknown');
    assert.equal(await kind('/*@*/async function main() {}', 'typescript', 'build.mjs'), 'unknown');
    assert.equal(await kind('#!/usr/bin/env node\n/*@*/async function main() {}\nmain();'), 'cold');
    assert.equal(await kind('export /*@*/async function build() {}', 'typescript', 'packages/vite/src/node/build.ts'), 'unknown');
    // A command-line module's own entry point, called once at the top level (and starting no server).
    assert.equal(await kind('/*@*/async function init() { await step(); }\ninit().catch((e) => { console.error(e); process.exit(1); });'), 'cold');
    assert.equal(await kind('const main = /*@*/async () => {};\nawait main();'), 'cold');
    assert.equal(await kind('/*@*/async function init() { server.listen(3000); }\ninit();'), 'unknown');
    assert.equal(await kind('/*@*/async function init() {}\ninit();\nexport function again() { return init(); }'), 'unknown');
    // Hot evidence wins over where the file sits.
    assert.equal(await kind("app.get('/', /*@*/async (req, res) => {});", 'typescript', 'scripts/dev-server.ts'), 'hot');
    const unknown = [
      'export /*@*/async function readConfig(p) {}',
      "process.on('exit', /*@*/async () => {});",
      "const m = new Map(); m.get('/', /*@*/async () => {});",
      "export const plugin = { /*@*/async transform(code) { return code; } };",
      '/*@*/async function load(p) {}\nfoo(load);',
      'function logger(o) { return /*@*/async (req) => {}; }\nfoo(logger());',
    ];
    for (const code of unknown) assert.equal(await kind(code, 'typescript', 'src/lib/config.ts'), 'unknown', code);
    // The factory itself runs once, when the module registers what it returns.
    assert.equal(await kind('/*@*/async function logger(o) { return async (req) => {}; }\napp.use(logger());', 'typescript', 'src/lib/config.ts'), 'cold');
  });

  it('Python hot: route and bot decorators, handlers by reference, gathered and created tasks', async () => {
    const hot = [
      '@app.get("/")\nasync def index():#@\n    pass',
      '@router.websocket("/ws")\nasync def ws(socket):#@\n    pass',
      '@routes.post("/y")\nasync def y(request):#@\n    pass',
      '@bot.command()\nasync def ping(ctx):#@\n    pass',
      '@client.event\nasync def on_message(message):#@\n    pass',
      'async def z(request):#@\n    pass\napp.add_routes([web.get("/z", z)])',
      'def make(db):\n    async def handler(request):#@\n        pass\n    return handler\napp.router.add_get("/", make(db))',
      'async def z(request):#@\n    pass\napp.router.add_get("/z", z)',
      'import asyncio\nasync def job(n):#@\n    pass\nasync def main():\n    await asyncio.gather(*[job(i) for i in range(3)])',
      'import asyncio\nasync def job(n):#@\n    pass\nasync def main():\n    asyncio.create_task(job(1))',
      'async def job(n):#@\n    pass\nasync def main(tg):\n    tg.create_task(job(1))',
      '@sio.on("message")\nasync def message(sid, data):#@\n    pass',
      '@tasks.loop(seconds=5)\nasync def poll():#@\n    pass',
      'async def consume(queue):#@\n    while True:\n        item = await queue.get()',
    ];
    for (const code of hot) assert.equal(await kind(code, 'python'), 'hot', code);
  });

  it('Python cold: asyncio.run(main()) and what main only awaits in sequence; unknown otherwise', async () => {
    const entry = '\nif __name__ == "__main__":\n    asyncio.run(main())\n';
    assert.equal(await kind(`import asyncio\nasync def main():#@\n    await step()\nasync def step():\n    pass${entry}`, 'python'), 'cold');
    assert.equal(await kind(`import asyncio\nasync def main():\n    await step()\n    x = await step()\nasync def step():#@\n    pass${entry}`, 'python'), 'cold');
    // Also gathered elsewhere, or main starts tasks that keep running: not sequential.
    assert.equal(await kind(`import asyncio\nasync def main():\n    await step()\n    await asyncio.gather(step(), step())\nasync def step():#@\n    pass${entry}`, 'python'), 'hot');
    assert.equal(await kind(`import asyncio\nasync def main():#@\n    asyncio.create_task(tick())\n    await step()${entry}`, 'python'), 'unknown');
    assert.equal(await kind('async def helper():#@\n    pass', 'python'), 'unknown');
    // A callback handed over by a handler runs in that program; handed over by sequential code, it is not therefore cold.
    assert.equal(await kind('async def on_turn(ctx):#@\n    pass\n@app.post("/events")\nasync def events(req):\n    await adapter.process_activity(req, on_turn)', 'python'), 'hot');
    assert.equal(await kind('async def on_turn(ctx):#@\n    pass\nasync def events(req):\n    await adapter.process_activity(req, on_turn)', 'python'), 'unknown');
    assert.equal(await kind(`import asyncio\nasync def on_item(x):#@\n    pass\nasync def main():\n    await library.consume(on_item)${entry}`, 'python'), 'unknown');
    assert.equal(await kind(`import asyncio\nasync def on_item(x):#@\n    pass\nasync def main():\n    await on_item(1)${entry}`, 'python'), 'cold');
    // A click/typer command is one step of a command-line tool: cold (it was unknown before commands were recognised).
    assert.equal(await kind('import click\n@cli.command()\nasync def sync_db():#@\n    pass', 'python'), 'cold');
    // cyclopts' `@app.command` registers a command of a tool too (Prefect's CLI); asyncclick's as click's.
    assert.equal(await kind('import cyclopts\napp = cyclopts.App()\n@app.command(name="ls")\nasync def ls():#@\n    pass', 'python'), 'cold');
    assert.equal(await kind('import asyncclick as click\n@cli.command()\nasync def ls():#@\n    pass', 'python'), 'cold');
    assert.equal(await kind('from discord.ext import commands\n@settings.command()\nasync def show(ctx):#@\n    pass', 'python'), 'hot');
    assert.equal(await kind('async def helper():#@\n    pass', 'python', 'migrations/versions/0001_init.py'), 'unknown');
    // Start-up hooks by decorator; a test function pytest collects.
    assert.equal(await kind('@app.on_event("startup")\nasync def warm():#@\n    pass', 'python'), 'cold');
    assert.equal(await kind('@app.before_serving\nasync def warm():#@\n    pass', 'python'), 'cold');
    assert.equal(await kind('async def test_it():#@\n    pass', 'python', 'tests/test_store.py'), 'cold');
    assert.equal(await kind('async def test_it():#@\n    pass', 'python', 'src/store.py'), 'unknown');
    assert.equal(await kind('d = {}\nasync def f():#@\n    pass\nd.get("key", f)', 'python'), 'unknown');
  });

  it('weighs blocking-call-in-async: hot names its evidence and is a warning, cold is a hint, unknown information', async () => {
    const code = "import * as fs from 'node:fs';\napp.get('/', async (req, res) => { res.send(fs.readFileSync('a')); });\nexport async function lib() { return fs.readFileSync('b'); }\n";
    const hot = await analyzeText(code, 'typescript', { only: ['blocking-call-in-async'], path: 'src/server.ts' });
    assert.deepEqual(hot.diagnostics.map((d) => d.severity), ['warning', 'information']);
    assert.match(fullText(hot.diagnostics[0]), /This function runs for every request: registered with `app\.get` at server\.ts:2\.$/);
    assert.equal(hot.diagnostics[0].related[0].range.start.line, 1);
    assert.doesNotMatch(fullText(hot.diagnostics[1]), /This function/);
    assert.match(fullText(hot.diagnostics[1]), /It matters if a server or other tasks run beside it/);
    const cold = await analyzeText(`${code}async function main() { await lib(); }\nmain();\n`, 'typescript', { only: ['blocking-call-in-async'], path: 'scripts/build.ts' });
    // The route still wins; the library function only the module's entry calls becomes a hint.
    assert.deepEqual(cold.diagnostics.map((d) => d.severity), ['warning', 'hint']);
    assert.match(fullText(cold.diagnostics[1]), /It matters less here: it is only called from code that runs once \(`lib\(\.\.\.\)` at build\.ts:4: it runs once, from the module's top-level call `main\(\)`/);
    // A severity the user configured for the rule still wins.
    const configured = await analyzeText(code, 'typescript', { only: ['blocking-call-in-async'], path: 'scripts/build.ts', settings: { pythonFreeThreaded: false, ruleSeverity: { 'blocking-call-in-async': 'error' } } });
    assert.deepEqual(configured.diagnostics.map((d) => d.severity), ['error', 'error']);
  });
});
