import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { projectDir, repoRoot, tempDir } from '../helpers';
import { BUDGET_CHARS } from '../../../src/host/analysisHost';

const bin = path.join(repoRoot, 'dist', 'cli.js');

/** A project of several files whose findings depend on who calls what across them. */
function project(): string {
  const files: Record<string, string> = {
    'pyproject.toml': '[project]\nname = "demo"\n',
    'app/server.py': [
      'from fastapi import FastAPI',
      'from app.store import save, export, recover',
      'from app import tool',
      'from app.files import make_manager',
      '',
      'app = FastAPI()',
      'manager = make_manager()',
      '',
      '@app.get("/items")',
      'async def items():',
      '    await save()',
      '    await tool.patch()',
      '    await manager.rename_checkpoint("a", "b")',
      '    try:',
      '        return []',
      '    except ValueError:',
      '        await recover()',
      '',
    ].join('\n'),
    // Reached from the route only through a receiver of unknown type (`manager.rename_checkpoint`): the one method of
    // that name is hot. A helper that checks its input and raises blocks on the ordinary path; one that opens the file
    // only when a setting the call site does not settle is on only may block.
    'app/files.py': [
      'import os',
      '',
      'def load_script(name):',
      '    path = os.path.join("scripts", name + ".js")',
      '    if not os.path.isabs(path) and len(name) > 100:',
      '        raise ValueError(name)',
      '    with open(path) as f:',
      '        return f.read()',
      '',
      'def append_log(settings, line):',
      '    if settings.log_file:',
      '        with open(settings.log_file, "a") as f:',
      '            f.write(line)',
      '',
      'class Checkpoints:',
      '    def __init__(self, settings):',
      '        self.settings = settings',
      '',
      '    async def rename_checkpoint(self, old, new):',
      '        load_script(old)',
      '        append_log(self.settings, new)',
      '',
      'def make_manager():',
      '    return Checkpoints(None)',
      '',
    ].join('\n'),
    'app/store.py': [
      'import time',
      '',
      'async def save():',
      '    time.sleep(1)',
      '',
      'async def export():',
      '    time.sleep(1)',
      '',
      'async def unused():',
      '    time.sleep(1)',
      '',
      'async def recover():',
      '    time.sleep(1)',
      '',
    ].join('\n'),
    // A shebang is no evidence by itself: the server imports this module.
    'app/tool.py': [
      '#!/usr/bin/env python3',
      'import asyncio, shutil',
      '',
      'async def patch():',
      '    shutil.rmtree("x")',
      '',
      'async def main():',
      '    shutil.rmtree("y")',
      '',
      'if __name__ == "__main__":',
      '    asyncio.run(main())',
      '',
    ].join('\n'),
    // Tests alone say nothing of a public function's context (`export`); the route calls `save` too.
    'tests/test_store.py': [
      'import pytest',
      'from app.store import save, export',
      '',
      'async def test_save():',
      '    await save()',
      '    await export()',
      '',
    ].join('\n'),
  };
  return projectDir(files, 'cl-graph-');
}

interface Finding { path: string; line: number; severity: string; message: string }

function findings(stdout: string): Finding[] {
  const json = JSON.parse(stdout) as { files: { path: string; diagnostics: { severity: string; message: string; detail?: string; range: { start: { line: number } } }[] }[] };
  return json.files.flatMap((f) => f.diagnostics.map((d) => ({ path: f.path, line: d.range.start.line, severity: d.severity, message: `${d.message} ${d.detail ?? ''}` })));
}

/** The CLI's findings (JSON, no cache) on a project made of `files`. */
function checkProject(files: Record<string, string>, prefix: string): Finding[] {
  const dir = projectDir(files, prefix);
  const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--no-cache', '.'], { cwd: dir, encoding: 'utf8' });
  return findings(r.stdout);
}

describe('context from the call graph (CLI)', () => {
  it('a warning needs hot evidence; unknown is information, cold a hint', () => {
    const dir = project();
    const r = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--no-cache', '.'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const found = findings(r.stdout);
    const at = (file: string, line: number) => found.find((f) => f.path === file && f.line === line);
    // Called by the route handler in another file: a warning naming it.
    assert.equal(at('app/store.py', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('app/store.py', 4)!.message, /called by `items` \(server\.py:11\), which runs for every request/);
    // Only a test calls it: tests exercise a public function for its users, so nothing shows who runs it.
    assert.equal(at('app/store.py', 7)?.severity, 'information');
    // Nobody calls it: nothing shows what runs beside it.
    assert.equal(at('app/store.py', 10)?.severity, 'information');
    // A method of a receiver whose type is unknown, called from the route: hot through its name, said so.
    const script = at('app/files.py', 20);
    assert.equal(script?.severity, 'warning', JSON.stringify(found));
    assert.match(script.message, /called as `\.rename_checkpoint\(\)` by `items` \(server\.py:13\)/);
    // Behind a condition the call site does not settle: it only may block, so it is information even in hot code.
    const log = at('app/files.py', 21);
    assert.equal(log?.severity, 'information', JSON.stringify(found));
    assert.match(log.message, /may block the event loop/);
    // Called by the route only when something failed (in an `except`): that path carries nothing hot.
    assert.equal(at('app/store.py', 13)?.severity, 'information', JSON.stringify(found));
    // A module with `#!` that the server imports: its function the route calls is hot; its `__main__` entry cold.
    assert.equal(at('app/tool.py', 5)?.severity, 'warning');
    assert.equal(at('app/tool.py', 8)?.severity, 'hint');
  });

  it('a call on a rare path of a hot function (a once-only guard, a debug branch) carries nothing hot down', () => {
    const files: Record<string, string> = {
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/db.py': [
        'import os', '', '',
        'class Store:',
        '    def __init__(self, debug=False):',
        '        self._ready = False',
        '        self.debug = debug',
        '',
        '    async def connect(self):',
        '        if not self._ready:',
        '            await self.initialize()',
        '            self._ready = True',
        '        if self.debug:',
        '            await self.dump()',
        '        await self.query()',
        '',
        '    async def initialize(self):',
        '        os.makedirs("data", exist_ok=True)',
        '',
        '    async def dump(self):',
        '        open("dump.txt", "w").close()',
        '',
        '    async def query(self):',
        '        os.makedirs("q", exist_ok=True)',
        '',
      ].join('\n'),
      'app/server.py': [
        'from fastapi import FastAPI', 'from app.db import Store', '', 'app = FastAPI()', 'store = Store()', '', '',
        '@app.get("/items")', 'async def items():', '    await store.connect()', '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-rare-');
    const at = (line: number) => found.find((f) => f.path === 'app/db.py' && f.line === line);
    // Every request runs `query`: a warning through `connect`.
    assert.equal(at(24)?.severity, 'warning', JSON.stringify(found));
    // `initialize` runs once (the guard's flag is set after it) and `dump` only when debugging: not every request's.
    assert.equal(at(18)?.severity, 'information', JSON.stringify(found));
    assert.equal(at(21)?.severity, 'information', JSON.stringify(found));
  });

  it('a life-cycle method name on a receiver of unknown type (`toolkit.initialize()`) links to no method of that name', () => {
    const files: Record<string, string> = {
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/pool.js': [
        "import fs from 'node:fs';",
        'export class Pool {',
        '  async initialize() {',
        "    return fs.readdirSync('nodes');",
        '  }',
        '  async rebuildIndex() {',
        "    return fs.readdirSync('index');",
        '  }',
        '}',
        '',
      ].join('\n'),
      'src/server.js': [
        "import express from 'express';",
        'const app = express();',
        "app.post('/tools', async (req, res) => {",
        '  const toolkit = req.app.locals.makeToolkit(req.body);',
        '  await toolkit.initialize();',
        '  await req.app.locals.pool.rebuildIndex();',
        '  res.end();',
        '});',
        '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-lifecycle-');
    const at = (line: number) => found.find((f) => f.path === 'src/pool.js' && f.line === line);
    // SDK clients, pools and connections all have an `initialize`: the route's call says nothing about which runs.
    assert.equal(at(4)?.severity, 'information', JSON.stringify(found));
    // A name only the project defines still links the route to it.
    assert.equal(at(7)?.severity, 'warning', JSON.stringify(found));
  });

  it('an async function another file starts on every pass of a loop without waiting runs beside its other calls', () => {
    const files: Record<string, string> = {
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/load.js': [
        "import fs from 'node:fs';",
        'export async function load(p) {',
        "  return fs.readFileSync(p, 'utf8');",
        '}',
        'export async function loadOne(p) {',
        "  return fs.readFileSync(p, 'utf8');",
        '}',
        '',
      ].join('\n'),
      'src/main.js': [
        "import { load, loadOne } from './load.js';",
        'export async function all(paths) {',
        '  const pending = [];',
        '  for (const p of paths) pending.push(load(p));',
        '  return Promise.all(pending);',
        '}',
        'export async function each(paths) {',
        '  for (const p of paths) await loadOne(p);',
        '}',
        '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-loop-');
    const at = (line: number) => found.find((f) => f.path === 'src/load.js' && f.line === line);
    assert.equal(at(3)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(3)!.message, /started on every pass of a loop at main\.js:4/);
    // Awaited on each pass: one at a time, nothing shown beside it.
    assert.equal(at(6)?.severity, 'information', JSON.stringify(found));
  });

  it('a CommonJS module\'s object of functions is followed, and a call chained with `.catch` still starts on every pass', () => {
    const files: Record<string, string> = {
      'package.json': '{ "name": "demo" }\n',
      'lib/util.js': [
        "const fs = require('fs');",
        'const locks = {};',
        'module.exports = {',
        '  writeFile: async function (path, content) {',
        '    const run = (locks[path] ?? Promise.resolve()).then(async () => {',
        '      if (fs.existsSync(path)) await fs.promises.copyFile(path, path + ".bak");',
        '      await fs.promises.writeFile(path, content);',
        '    });',
        '    locks[path] = run;',
        '    return run;',
        '  },',
        '  async readAll(path) {',
        "    return fs.readFileSync(path, 'utf8');",
        '  },',
        '};',
        '',
      ].join('\n'),
      'lib/project.js': [
        "const util = require('./util');",
        'async function createFiles(files) {',
        '  const promises = [];',
        '  for (const file in files) promises.push(util.writeFile(file, files[file]).catch(() => {}));',
        '  return Promise.all(promises);',
        '}',
        'async function readEach(paths) {',
        '  for (const p of paths) await util.readAll(p);',
        '}',
        'module.exports = { createFiles, readEach };',
        '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-cjs-');
    const at = (line: number) => found.find((f) => f.path === 'lib/util.js' && f.line === line);
    assert.equal(at(6)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(6)!.message, /started on every pass of a loop at project\.js:4/);
    // Resolved, and awaited one at a time: nothing shown beside it.
    assert.equal(at(13)?.severity, 'information', JSON.stringify(found));
  });

  it('a function a factory hands out in the object it returns runs when a method of that name is called', () => {
    const files: Record<string, string> = {
      'package.json': '{ "name": "demo" }\n',
      'gen.js': [
        "const fs = require('fs');",
        'async function createGenerator(opts) {',
        '  let timer;',
        '  const events = [];',
        '  function queueEvent(e) {',
        '    events.push(e);',
        '    clearTimeout(timer);',
        '    timer = setTimeout(runEvents, 50);',
        '  }',
        '  async function runEvents() {',
        "    fs.writeFileSync(opts.dir + '/types.d.ts', events.join('\\n'));",
        '  }',
        '  async function unused() {',
        "    fs.writeFileSync(opts.dir + '/unused', '');",
        '  }',
        '  return { queueEvent, unused };',
        '}',
        'module.exports = { createGenerator };',
        '',
      ].join('\n'),
      'listen.js': [
        "const { createGenerator } = require('./gen');",
        'async function attach(watcher, opts) {',
        '  const generator = await createGenerator(opts);',
        "  watcher.on('change', (entry) => generator.queueEvent({ name: 'change', entry }));",
        '}',
        'module.exports = { attach };',
        '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-factory-object-');
    const at = (line: number) => found.find((f) => f.path === 'gen.js' && f.line === line);
    assert.equal(at(11)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(11)!.message, /queueEvent/);
    // Handed out too, but nothing calls it.
    assert.equal(at(14)?.severity, 'information', JSON.stringify(found));
  });

  it('a route handler written as an unnamed `function` expression carries hot to the helpers it calls in other files', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo" }\n',
      'app.js': [
        "const express = require('express');",
        "const { save } = require('./store');",
        'const app = express();',
        "app.post('/items', function (req, res) {",
        '  save(req.body).then(() => res.end());',
        '});',
        'app.listen(3000);',
        '',
      ].join('\n'),
      'store.js': [
        "const fs = require('fs');",
        'async function save(item) {',
        "  fs.appendFileSync('items.log', JSON.stringify(item));",
        '}',
        'module.exports = { save };',
        '',
      ].join('\n'),
    }, 'cl-graph-function-expression-');
    const save = found.find((f) => f.path === 'store.js' && f.line === 3);
    assert.equal(save?.severity, 'warning', JSON.stringify(found));
    assert.match(save.message, /called by `the function at line 4` \(app\.js:5\), which runs for every request/);
  });

  it('a function that starts runs of itself (a recursive scan) runs beside those runs only; its callers decide', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo" }\n',
      'scan.js': [
        "const fs = require('fs');",
        'async function scan(dir) {',
        '  const names = await fs.promises.readdir(dir);',
        '  const found = [];',
        "  for (const n of names) if (fs.statSync(dir + '/' + n).isDirectory()) found.push(scan(dir + '/' + n));",
        '  return Promise.all(found);',
        '}',
        'async function walk(dir) {',
        '  const names = await fs.promises.readdir(dir);',
        "  return Promise.all(names.map((n) => (fs.lstatSync(dir + '/' + n).isDirectory() ? walk(dir + '/' + n) : n)));",
        '}',
        'async function config(home) {',
        "  if (home) return Promise.all([config(''), config('')]);",
        "  return fs.readFileSync('.rc', 'utf8');",
        '}',
        'async function each(dirs) {',
        '  return Promise.all(dirs.map((d) => scanOther(d)));',
        '}',
        'async function scanOther(dir) {',
        '  return fs.readdirSync(dir);',
        '}',
        'module.exports = { scan, walk, config, each };',
        '',
      ].join('\n'),
    }, 'cl-graph-recursion-');
    const at = (line: number) => found.find((f) => f.path === 'scan.js' && f.line === line);
    assert.equal(at(5)?.severity, 'information', JSON.stringify(found));
    assert.equal(at(10)?.severity, 'information', JSON.stringify(found));
    assert.equal(at(14)?.severity, 'information', JSON.stringify(found));
    // Started by another function for each element: beside the other elements' runs.
    assert.equal(at(20)?.severity, 'warning', JSON.stringify(found));
  });

  it('a callback subscribed to a store runs on every change; `this` in an arrow is its method\'s, private methods too', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/layer.ts': [
        "import fs from 'node:fs';",
        'export class Layer {',
        '  constructor(private store: { subscribe(fn: (v: number) => void): void }) {}',
        '  watch() {',
        '    this.store.subscribe(async (v) => {',
        '      if (v > 0) await this.#sync();',
        '    });',
        '  }',
        '  async #sync() {',
        '    await this.write();',
        '  }',
        '  async write() {',
        "    fs.writeFileSync('store.json', '{}');",
        '  }',
        '}',
        'export function onTopic(client: { subscribe(topic: string, done: () => void): void }) {',
        "  client.subscribe('news', async () => { fs.writeFileSync('sub.log', 'ok'); });",
        '}',
        '',
      ].join('\n'),
    }, 'cl-graph-subscribe-');
    const at = (line: number) => found.find((f) => f.path === 'src/layer.ts' && f.line === line);
    assert.equal(at(13)?.severity, 'warning', JSON.stringify(found));
    // A private method on the way is named with its file and line.
    assert.match(at(13)!.message, /through `Layer\.#sync` \(layer\.ts:10\), which runs on every change it is subscribed to/);
    // A callback after a topic answers the subscription once.
    assert.equal(at(17)?.severity, 'information', JSON.stringify(found));
  });

  it('follows a property\'s return annotation, and a call of a method to its overrides in derived classes', () => {
    const files: Record<string, string> = {
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/base.py': [
        'from tornado import web', 'from app.manager import ContentsManager', '', '',
        'class BaseHandler(web.RequestHandler):',
        '    @property',
        '    def contents_manager(self) -> ContentsManager:',
        '        return self.settings["contents_manager"]',
        '',
      ].join('\n'),
      'app/handlers.py': [
        'from app.base import BaseHandler', '', '',
        'class ContentsHandler(BaseHandler):',
        '    async def delete(self, path=""):',
        '        cm = self.contents_manager',
        '        await cm.delete(path)',
        '',
      ].join('\n'),
      'app/manager.py': [
        'class ContentsManager:',
        '    async def delete_file(self, path):',
        '        raise NotImplementedError',
        '',
        '    async def delete(self, path):',
        '        await self.delete_file(path)',
        '',
      ].join('\n'),
      'app/files.py': [
        'import os', 'from app.manager import ContentsManager', '', '',
        'class FileContentsManager(ContentsManager):',
        '    async def delete_file(self, path):',
        '        if os.path.isdir(path):',
        '            raise IsADirectoryError(path)',
        '',
        '    async def unrelated(self, path):',
        '        os.path.isdir(path)',
        '',
      ].join('\n'),
      'web/src/base.ts': [
        'export class Store {', '  async read(p: string): Promise<string> { return p; }', '}', '',
      ].join('\n'),
      'web/src/disk.ts': [
        "import * as fs from 'node:fs';", "import { Store } from './base';", '',
        'export class DiskStore extends Store {',
        "  override async read(p: string): Promise<string> { return fs.readFileSync(p, 'utf8'); }",
        '}', '',
      ].join('\n'),
      'web/src/server.ts': [
        "import express from 'express';", "import { Store } from './base';", '',
        'export function serve(store: Store) {',
        '  const app = express();',
        "  app.get('/', async (_req, res) => { res.send(await store.read('x')); });",
        '  app.listen(3000);',
        '}', '',
      ].join('\n'),
      'web/package.json': '{ "name": "web", "main": "src/server.ts" }\n',
    };
    const found = checkProject(files, 'cl-graph-override-');
    const at = (file: string, line: number) => found.find((f) => f.path === file && f.line === line);
    // The route reads `self.contents_manager` (a `ContentsManager`), whose `delete` calls `self.delete_file`: the
    // object may be a `FileContentsManager`, whose override blocks.
    assert.equal(at('app/files.py', 7)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('app/files.py', 7)!.message, /overrides `ContentsManager\.delete_file` \(manager\.py\), which is reached from `ContentsHandler\.delete`/);
    // A method no hot code calls, in the same class: nothing shows what runs beside it.
    assert.equal(at('app/files.py', 11)?.severity, 'information', JSON.stringify(found));
    // TS: a route calls `store.read` on a `Store`; a `DiskStore` overrides it with a blocking read.
    assert.equal(at('web/src/disk.ts', 5)?.severity, 'warning', JSON.stringify(found));
  });

  it('a method hot by its own code runs for an object of its class: its calls on `self` run no other class\'s override', () => {
    const files: Record<string, string> = {
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/proc.py': [
        'import asyncio', 'import os', '', '',
        'class Process:',
        '    async def start(self):',
        '        await self._start()',
        '',
        '    async def _start(self):',
        '        pass',
        '',
        '',
        'class Remote(Process):',
        '    async def start(self):',
        '        await super().start()',
        '        while True:',
        '            await asyncio.sleep(1)',
        '',
        '',
        'class Local(Process):',
        '    async def _start(self):',
        '        os.makedirs("x", exist_ok=True)',
        '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-bound-');
    const local = found.find((f) => f.path === 'app/proc.py' && f.line === 22);
    // `Remote.start` loops beside its tasks, and runs `Process.start` for a `Remote`: `Local._start` never runs there.
    assert.equal(local?.severity, 'information', JSON.stringify(found));
  });

  it('an async function started and left running while its caller awaits other work runs beside it, after its first await', () => {
    const files: Record<string, string> = {
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/verify.js': [
        "import fs from 'node:fs';",
        'async function settle() {}',
        'export async function verify(p) {',
        "  const early = fs.readFileSync(p, 'utf8');",
        '  await settle();',
        "  return early + fs.readFileSync(p, 'utf8');",
        '}',
        'export async function atOnce(p) {',
        '  await settle();',
        "  return fs.readFileSync(p, 'utf8');",
        '}',
        'export async function last(p) {',
        '  await settle();',
        "  fs.writeFileSync(p, 'y');",
        '}',
        '',
      ].join('\n'),
      'src/install.js': [
        "import { verify, atOnce, last } from './verify.js';",
        'async function fetchAll() {}',
        'export async function install(p) {',
        '  const verifying = verify(p);',
        '  verifying.catch(() => {});',
        '  await fetchAll();',
        '  await atOnce(p);',
        '  await verifying;',
        '  last(p);',
        '}',
        '',
      ].join('\n'),
    };
    const found = checkProject(files, 'cl-graph-left-');
    const at = (line: number) => found.find((f) => f.path === 'src/verify.js' && f.line === line);
    // After its first await, `verify` runs while `install` awaits `fetchAll()`: a warning naming both places.
    assert.equal(at(6)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(6)!.message, /started at install\.js:4 and left running while `install` awaits other work \(line 6\)/);
    // Before its first await it runs within `install`'s own turn; awaited at once, or started last, nothing runs beside.
    assert.equal(at(4)?.severity, 'information', JSON.stringify(found));
    assert.equal(at(10)?.severity, 'information', JSON.stringify(found));
    assert.equal(at(14)?.severity, 'information', JSON.stringify(found));
  });

  it('a function handed to a p-queue or p-limit pool that runs several tasks at a time runs beside the others', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/run.js': [
        "import PQueue from 'p-queue';",
        "import pLimit from 'p-limit';",
        "import fs from 'node:fs';",
        'async function work(x) { fs.readFileSync(x); }',
        'async function one(x) { fs.readFileSync(x); }',
        'async function limited(x) { fs.readFileSync(x); }',
        'async function single(x) { fs.readFileSync(x); }',
        'export async function run(items, n) {',
        '  const queue = new PQueue({ concurrency: 4 });',
        '  for (const x of items) void queue.add(() => work(x));',
        '  await queue.onIdle();',
        '  const serial = new PQueue({ concurrency: 1 });',
        '  for (const x of items) void serial.add(() => one(x));',
        '  await serial.onIdle();',
        '  const limit = pLimit(n);',
        '  for (const x of items) void limit(() => limited(x));',
        '  const once = pLimit(1);',
        '  for (const x of items) void once(() => single(x));',
        '}',
        '',
      ].join('\n'),
    }, 'cl-graph-pool-');
    const at = (line: number) => found.find((f) => f.path === 'src/run.js' && f.line === line);
    assert.equal(at(4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(4)!.message, /runs beside the other tasks of `queue` \(p-queue, concurrency `4`\)/);
    assert.equal(at(6)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(6)!.message, /`limit` \(p-limit, at most `n` at once\)/);
    // A pool of one runs its tasks one at a time.
    assert.equal(at(5)?.severity, 'information', JSON.stringify(found));
    assert.equal(at(7)?.severity, 'information', JSON.stringify(found));
  });

  it("a plain function Textual runs in a worker thread (@work(thread=True)) does not block its caller's loop", () => {
    const found = checkProject({
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/tree.py': [
        'from pathlib import Path', '', 'from textual import work', 'from textual.app import App', '', '',
        'def plain(location):',
        '    return list(Path(location).iterdir())',
        '', '',
        'class Tree(App):',
        '    @work(thread=True, exclusive=True)',
        '    def load(self, location):',
        '        return list(Path(location).iterdir())',
        '',
        '    async def on_mount(self):',
        '        self.load("/tmp")',
        '        plain("/tmp")',
        '',
      ].join('\n'),
    }, 'cl-graph-textual-');
    const at = (line: number) => found.find((f) => f.path === 'app/tree.py' && f.line === line);
    assert.equal(at(17), undefined, JSON.stringify(found));
    assert.match(at(18)?.message ?? '', /`plain\(\)` blocks the event loop in `on_mount\(\)`/, JSON.stringify(found));
  });

  it('coroutines kept in a list or a name and then gathered run concurrently; awaited one by one they do not', () => {
    const found = checkProject({
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/seed.py': [
        'import asyncio', '', '',
        'async def fetch(url):',
        '    with open("/tmp/cache-" + url) as f:',
        '        return f.read()',
        '', '',
        'async def store(url):',
        '    with open("/tmp/out-" + url, "w") as f:',
        '        f.write(url)',
        '', '',
        'async def check(url):',
        '    with open("/tmp/check-" + url) as f:',
        '        return f.read()',
        '', '',
        'async def seed(urls):',
        '    tasks = [fetch(u) for u in urls]',
        '    pending = []',
        '    for u in urls:',
        '        pending.append(store(u))',
        '    await asyncio.gather(*tasks)',
        '    await asyncio.gather(*pending)',
        '    checks = [check(u) for u in urls]',
        '    for c in checks:',
        '        await c',
        '',
      ].join('\n'),
    }, 'cl-graph-gathered-');
    const at = (line: number) => found.find((f) => f.path === 'app/seed.py' && f.line === line);
    assert.equal(at(5)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(5)!.message, /started with `asyncio\.gather` at seed\.py:24/);
    assert.equal(at(10)?.severity, 'warning', JSON.stringify(found));
    // Awaited one after another: nothing shows them beside other work.
    assert.equal(at(15)?.severity, 'information', JSON.stringify(found));
  });

  it('promises kept in a name and then handed to Promise.all run alongside each other', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/all.js': [
        "import fs from 'node:fs';",
        "async function load(p) { return fs.readFileSync(p, 'utf8'); }",
        "async function save(p) { fs.writeFileSync(p, 'x'); }",
        "async function each(p) { fs.writeFileSync(p, 'y'); }",
        'export async function all(paths) {',
        '  const loads = paths.map((p) => load(p));',
        '  const first = save(paths[0]);',
        '  await Promise.all([first, ...loads]);',
        '  for (const p of paths) await each(p);',
        '}',
        "async function lock(p) { fs.writeFileSync(p, 'l'); }",
        "async function touch(p) { fs.writeFileSync(p, 't'); }",
        'export async function finish(p, keep) {',
        '  await Promise.all([keep ? lock(p) : touch(p), load(p)]);',
        '}',
        '',
      ].join('\n'),
    }, 'cl-graph-kept-promises-');
    const at = (line: number) => found.find((f) => f.path === 'src/all.js' && f.line === line);
    assert.equal(at(2)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(2)!.message, /alongside other promises/);
    assert.equal(at(3)?.severity, 'warning', JSON.stringify(found));
    assert.equal(at(4)?.severity, 'information', JSON.stringify(found));
    // Either branch of a conditional in the list runs beside the other promises.
    assert.equal(at(11)?.severity, 'warning', JSON.stringify(found));
    assert.equal(at(12)?.severity, 'warning', JSON.stringify(found));
  });

  it("a socket framework's message method runs for every message, and so does what it calls", () => {
    const found = checkProject({
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/sockets.py': [
        'import time', 'import tornado.websocket', 'from channels.generic.websocket import AsyncJsonWebsocketConsumer',
        'from starlette.endpoints import WebSocketEndpoint', '', '',
        'def record(message):',
        '    with open("/tmp/messages.log", "a") as log:',
        '        log.write(message)',
        '', '',
        'class Echo(tornado.websocket.WebSocketHandler):',
        '    async def on_message(self, message):',
        '        record(message)',
        '',
        '    async def on_close(self):',
        '        time.sleep(0.1)',
        '', '',
        'class Chat(AsyncJsonWebsocketConsumer):',
        '    async def receive_json(self, content):',
        '        time.sleep(0.1)',
        '', '',
        'class Feed(WebSocketEndpoint):',
        '    async def on_receive(self, websocket, data):',
        '        time.sleep(0.1)',
        '',
      ].join('\n'),
    }, 'cl-graph-socket-');
    const at = (line: number) => found.find((f) => f.path === 'app/sockets.py' && f.line === line);
    assert.equal(at(14)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(14)!.message, /runs for every message on the socket: the `on_message` method of `Echo\(tornado\.websocket\.WebSocketHandler\)`/);
    assert.equal(at(22)?.severity, 'warning', JSON.stringify(found));
    assert.equal(at(27)?.severity, 'warning', JSON.stringify(found));
    // Closing runs once per connection: no evidence of its own.
    assert.equal(at(17)?.severity, 'information', JSON.stringify(found));
  });

  it('a helper whose only blocking call is a quick metadata one is weighed like the call itself', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/server.js': [
        "import http from 'node:http';",
        "import fs from 'node:fs';",
        'function exists(p) { return fs.existsSync(p); }',
        "function readIfThere(p) { return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : ''; }",
        'async function handle(req, res) {',
        '  const there = exists(req.url);',
        '  const body = readIfThere(req.url);',
        '  res.end(String(there) + body);',
        '}',
        'http.createServer(handle).listen(8080);',
        'export async function probe(p) { return exists(p); }',
        '',
      ].join('\n'),
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/web.py': [
        'import os', 'from aiohttp import web', '', '',
        'def ensure_dir(path):',
        '    os.makedirs(path, exist_ok=True)',
        '', '',
        'async def upload(request):',
        '    ensure_dir("/tmp/uploads")',
        '    return web.Response(text="ok")',
        '', '',
        'app = web.Application()',
        'app.router.add_post("/upload", upload)',
        '',
      ].join('\n'),
    }, 'cl-graph-light-');
    const at = (path: string, line: number) => found.find((f) => f.path === path && f.line === line);
    assert.equal(at('src/server.js', 6)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('src/server.js', 6)!.message, /`exists\(\)` blocks the event loop in `handle\(\)`: it calls `fs\.existsSync\(\)`/);
    // A helper that also makes a heavier call is named by it.
    assert.match(at('src/server.js', 7)?.message ?? '', /it calls `fs\.readFileSync\(\)`/, JSON.stringify(found));
    // Nothing shows who runs `probe`: information, as a direct `fs.existsSync` there would be.
    assert.equal(at('src/server.js', 11)?.severity, 'information', JSON.stringify(found));
    assert.equal(at('app/web.py', 10)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('app/web.py', 10)!.message, /`ensure_dir\(\)` blocks the event loop in `upload\(\)`: it calls `os\.makedirs\(\)`/);
  });

  it('the verify callback of a passport strategy runs for every sign-in request, and so does what it calls in other files', () => {
    const found = checkProject({
      'package.json': '{ "name": "demo", "type": "module" }\n',
      'src/auth.js': [
        "import { Strategy as GoogleStrategy } from 'passport-google-oauth2';",
        "import { Strategy as SamlStrategy } from '@node-saml/passport-saml';",
        "import { Tracker } from 'tracker';",
        "import { userFromState } from './state.js';",
        "import fs from 'node:fs';",
        'export const google = new GoogleStrategy({ clientID: "x" }, async (req, token, refresh, profile, done) => {',
        '  done(null, await userFromState(req));',
        '});',
        'async function verifySaml(profile, done) { fs.readFileSync(profile.cert); done(null, profile); }',
        'export const saml = new SamlStrategy({}, verifySaml);',
        'export const tracker = new Tracker({}, async (event) => { fs.readFileSync(event.path); });',
        '',
      ].join('\n'),
      'src/state.js': [
        "import crypto from 'node:crypto';",
        'export async function userFromState(req) {',
        '  return crypto',
        '    .scryptSync(req.state, "salt", 64);',
        '}',
        '',
      ].join('\n'),
    }, 'cl-graph-passport-');
    const at = (path: string, line: number) => found.find((f) => f.path === path && f.line === line);
    assert.equal(at('src/state.js', 3)?.severity, 'warning', JSON.stringify(found));
    // A call written over two lines is named as one.
    assert.match(at('src/state.js', 3)!.message, /`crypto\.scryptSync\(\)`/);
    assert.equal(at('src/auth.js', 9)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('src/auth.js', 9)!.message, /every sign-in request: the verify callback of the passport strategy `new SamlStrategy\(\.\.\.\)`/);
    // A callback handed to any other constructor is no evidence.
    assert.equal(at('src/auth.js', 11)?.severity, 'information', JSON.stringify(found));
  });

  it('a NestJS controller\'s route handlers and a gateway\'s message handlers run for every request, and so does the service they call', () => {
    const found = checkProject({
      'package.json': '{ "name": "api", "main": "dist/main.js" }',
      'src/auth.controller.ts': [
        "import { Body, Controller, Post } from '@nestjs/common';",
        "import { AuthService } from './auth.service';",
        '',
        "@Controller('auth')",
        'export class AuthController {',
        '  constructor(private service: AuthService) {}',
        '',
        "  @Post('login')",
        '  async login(@Body() body: { password: string }) {',
        '    return this.service.login(body.password);',
        '  }',
        '}',
        '',
      ].join('\n'),
      'src/auth.service.ts': [
        "import { compareSync } from 'bcrypt';",
        "import { readFileSync } from 'node:fs';",
        '',
        'export class AuthService {',
        '  async login(password: string) {',
        "    return compareSync(password, readFileSync('/etc/hash', 'utf8'));",
        '  }',
        '',
        '  async report() {',
        "    return readFileSync('/tmp/report', 'utf8');",
        '  }',
        '}',
        '',
      ].join('\n'),
      'src/chat.gateway.ts': [
        "import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';",
        "import { writeFileSync } from 'node:fs';",
        '',
        '@WebSocketGateway()',
        'export class ChatGateway {',
        "  @SubscribeMessage('chat')",
        '  async onChat(message: string) {',
        "    writeFileSync('/tmp/last', message);",
        '  }',
        '}',
        '',
      ].join('\n'),
    }, 'cl-graph-nest-');
    const at = (file: string, line: number) => found.find((f) => f.path === file && f.line === line);
    assert.equal(at('src/auth.service.ts', 6)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('src/auth.service.ts', 6)!.message, /called by `AuthController\.login` \(auth\.controller\.ts:10\), which runs for every request/);
    assert.equal(at('src/chat.gateway.ts', 8)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('src/chat.gateway.ts', 8)!.message, /runs for every message: a WebSocket gateway handler/);
    // No handler reaches it: not a warning.
    assert.equal(at('src/auth.service.ts', 10)?.severity, 'information', JSON.stringify(found));
  });

  it('a constructor call runs that class\'s constructor, not the constructors of the base class\'s other subclasses', () => {
    const found = checkProject({
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/blocks.py': [
        'class Block:',
        '    def __init__(self, label):',
        '        self.label = label',
        '',
        '',
        'class Panel(Block):',
        '    def __init__(self, label):',
        '        super().__init__(label)',
        '',
        '',
        'class Page(Block):',
        '    def __init__(self, label):',
        '        super().__init__(label)',
        '        self.pending = self.refresh()',
        '',
        '    async def refresh(self):',
        '        with open("/srv/page.toml") as f:',
        '            self.config = f.read()',
        '',
      ].join('\n'),
      'app/server.py': [
        'from fastapi import FastAPI',
        'from app.blocks import Panel',
        '',
        'app = FastAPI()',
        '',
        '@app.get("/panel")',
        'async def panel():',
        '    return Panel("side").label',
        '',
      ].join('\n'),
    }, 'cl-graph-ctor-');
    const at = (line: number) => found.find((f) => f.path === 'app/blocks.py' && f.line === line);
    // Only a Page's construction opens the file, and nothing hot makes a Page.
    assert.ok(at(17), JSON.stringify(found));
    assert.notEqual(at(17)!.severity, 'warning', JSON.stringify(found));
  });

  it('Next.js routes run for every request: an app-router route.ts\'s method handlers, a pages/api default export, getServerSideProps', () => {
    const found = checkProject({
      'package.json': '{ "name": "web", "dependencies": { "next": "15.0.0" } }',
      'app/api/items/route.ts': [
        "import { loadItems } from '../../../lib/items';",
        '',
        'export async function GET(request: Request) {',
        '  return Response.json(await loadItems());',
        '}',
        '',
      ].join('\n'),
      'pages/api/report.ts': [
        "import { readFileSync } from 'node:fs';",
        '',
        'export default async function handler(req: unknown, res: { send(body: string): void }) {',
        "  res.send(readFileSync('/srv/report.txt', 'utf8'));",
        '}',
        '',
      ].join('\n'),
      'pages/index.tsx': [
        "import { readFileSync } from 'node:fs';",
        '',
        'export const getServerSideProps = async () => {',
        "  return { props: { motd: readFileSync('/srv/motd.txt', 'utf8') } };",
        '};',
        '',
      ].join('\n'),
      'lib/items.ts': [
        "import { readFileSync } from 'node:fs';",
        '',
        'export async function loadItems() {',
        "  return JSON.parse(readFileSync('/srv/items.json', 'utf8'));",
        '}',
        '',
        'export async function exportItems() {',
        "  return readFileSync('/srv/items.json', 'utf8');",
        '}',
        '',
      ].join('\n'),
      // Exported apart from the function, or through a wrapper (the ways Next.js examples write them).
      'pages/api/upload.ts': [
        "import { readFileSync } from 'node:fs';",
        '',
        'async function handler(req: unknown, res: { send(body: string): void }) {',
        "  res.send(readFileSync('/srv/upload.txt', 'utf8'));",
        '}',
        '',
        'export function later() {',
        '  // Another function of the same name: the export does not name it.',
        '  async function handler() {',
        "    return readFileSync('/srv/other.txt', 'utf8');",
        '  }',
        '  return handler;',
        '}',
        '',
        'export default handler;',
        '',
      ].join('\n'),
      'app/api/export/route.ts': [
        "import { readFileSync } from 'node:fs';",
        '',
        'async function exportAll() {',
        "  return new Response(readFileSync('/srv/all.csv', 'utf8'));",
        '}',
        '',
        'async function formatted() {',
        "  return readFileSync('/srv/format.txt', 'utf8');",
        '}',
        '',
        'export { exportAll as POST, formatted };',
        '',
      ].join('\n'),
      'app/api/alias/route.ts': [
        "import { readFileSync } from 'node:fs';",
        '',
        'async function upload() {',
        "  return new Response(readFileSync('/srv/upload.bin'));",
        '}',
        '',
        'export const PUT = upload;',
        '',
      ].join('\n'),
      // Parentheses and a type assertion around the exported name.
      'app/api/wrapped/route.ts': [
        "import { readFileSync } from 'node:fs';",
        '',
        'async function remove() {',
        "  return new Response(readFileSync('/srv/remove.txt', 'utf8'));",
        '}',
        '',
        'export const DELETE = ((remove) as () => Promise<Response>);',
        '',
      ].join('\n'),
      'pages/api/secure.ts': [
        "import { readFileSync } from 'node:fs';",
        "import { withAuth } from '../../lib/auth';",
        '',
        'export default withAuth(async (req: unknown, res: { send(body: string): void }) => {',
        "  res.send(readFileSync('/srv/secret.txt', 'utf8'));",
        '});',
        '',
      ].join('\n'),
      'lib/auth.ts': [
        'export function withAuth<T extends (...args: never[]) => unknown>(handler: T): T {',
        '  return handler;',
        '}',
        '',
      ].join('\n'),
    }, 'cl-graph-next-');
    const at = (file: string, line: number) => found.find((f) => f.path === file && f.line === line);
    assert.equal(at('pages/api/upload.ts', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('pages/api/upload.ts', 4)!.message, /the Next\.js API route pages\/api\/upload\.ts/);
    assert.equal(at('pages/api/upload.ts', 10)?.severity, 'information', JSON.stringify(found));
    assert.equal(at('app/api/export/route.ts', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('app/api/export/route.ts', 4)!.message, /route handler `POST`/);
    // Exported, but not under an HTTP method's name: the router does not call it.
    assert.equal(at('app/api/export/route.ts', 8)?.severity, 'information', JSON.stringify(found));
    assert.equal(at('pages/api/secure.ts', 5)?.severity, 'warning', JSON.stringify(found));
    assert.equal(at('app/api/alias/route.ts', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('app/api/alias/route.ts', 4)!.message, /route handler `PUT`/);
    assert.equal(at('app/api/wrapped/route.ts', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('app/api/wrapped/route.ts', 4)!.message, /route handler `DELETE`/);
    assert.equal(at('lib/items.ts', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('lib/items.ts', 4)!.message, /`GET` \(route\.ts:4\), which runs for every request/);
    assert.equal(at('pages/api/report.ts', 4)?.severity, 'warning', JSON.stringify(found));
    assert.match(at('pages/api/report.ts', 4)!.message, /the Next\.js API route pages\/api\/report\.ts/);
    assert.equal(at('pages/index.tsx', 4)?.severity, 'warning', JSON.stringify(found));
    // Nothing routes to it.
    assert.equal(at('lib/items.ts', 8)?.severity, 'information', JSON.stringify(found));
  });

  it('a registration names the function its scope binds, not every function of that name', () => {
    const found = checkProject({
      'package.json': '{ "name": "web", "dependencies": { "express": "4.0.0" } }',
      'app.ts': [
        "import { readFileSync } from 'node:fs';",
        "import express from 'express';",
        'const app = express();',
        '',
        'async function handler(req: unknown, res: { send(body: string): void }) {',
        "  res.send(readFileSync('/srv/page.html', 'utf8'));",
        '}',
        '',
        "app.get('/', handler);",
        '',
        'export function later() {',
        '  async function handler() {',
        "    return readFileSync('/srv/other.txt', 'utf8');",
        '  }',
        '  return handler;',
        '}',
        '',
      ].join('\n'),
      'pyproject.toml': '[project]\nname = "demo"\n',
      'api/__init__.py': '',
      'api/main.py': [
        'import time',
        'from fastapi import FastAPI',
        '',
        'app = FastAPI()',
        '',
        '',
        'async def handler():',
        '    time.sleep(1)',
        '',
        '',
        'app.add_api_route("/", handler)',
        '',
        '',
        'def later():',
        '    async def handler():',
        '        time.sleep(2)',
        '    return handler',
        '',
      ].join('\n'),
    }, 'cl-graph-same-name-');
    const at = (file: string, line: number) => found.find((f) => f.path === file && f.line === line);
    assert.equal(at('app.ts', 6)?.severity, 'warning', JSON.stringify(found));
    assert.equal(at('app.ts', 13)?.severity, 'information', JSON.stringify(found));
    assert.equal(at('api/main.py', 8)?.severity, 'warning', JSON.stringify(found));
    assert.equal(at('api/main.py', 16)?.severity, 'information', JSON.stringify(found));
  });

  it('a call from a function to its nested function of a module-level name reaches the nested one', () => {
    const found = checkProject({
      'package.json': '{ "name": "web", "dependencies": { "express": "4.0.0" } }',
      'app.ts': [
        "import { readFileSync } from 'node:fs';",
        "import express from 'express';",
        'const app = express();',
        '',
        'export async function handler() {',
        "  return readFileSync('/srv/page.html', 'utf8');",
        '}',
        '',
        'async function report(req: unknown, res: { send(body: string): void }) {',
        '  async function handler() {',
        "    return readFileSync('/srv/report.csv', 'utf8');",
        '  }',
        '  res.send(await handler());',
        '}',
        '',
        "app.get('/report', report);",
        '',
      ].join('\n'),
    }, 'cl-graph-nested-call-');
    const at = (line: number) => found.find((f) => f.path === 'app.ts' && f.line === line);
    // The route calls its own `handler`: that one runs for every request; the module's is called by nothing known.
    assert.equal(at(11)?.severity, 'warning', JSON.stringify(found));
    assert.match(at(11)!.message, /runs for every request/);
    assert.equal(at(6)?.severity, 'information', JSON.stringify(found));
  });

  it('a signal handler and the tasks it starts run when the process is stopping, not beside its work', () => {
    const found = checkProject({
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/prof.py': [
        'import asyncio', 'import shutil', 'import signal', '', '',
        'class Browser:',
        '    async def cleanup(self):',
        '        shutil.rmtree("/tmp/profile")',
        '',
        '    async def fetch(self):',
        '        shutil.rmtree("/tmp/cache")',
        '',
        '',
        'async def create_profile():',
        '    browser = Browser()',
        '',
        '    async def cleanup_handler(sig, frame):',
        '        await browser.cleanup()',
        '',
        '    def sigint_handler(sig, frame):',
        '        asyncio.create_task(cleanup_handler(sig, frame))',
        '',
        '    signal.signal(signal.SIGINT, sigint_handler)',
        '    await browser.fetch()',
        '',
        '',
        'async def main():',
        '    await asyncio.gather(create_profile(), create_profile())',
        '',
      ].join('\n'),
    }, 'cl-graph-signal-');
    const at = (line: number) => found.find((f) => f.path === 'app/prof.py' && f.line === line);
    // Gathered: every profile's own work runs beside the other's.
    assert.equal(at(11)?.severity, 'warning', JSON.stringify(found));
    // The clean-up runs when the process is interrupted: a hint that says so.
    assert.equal(at(8)?.severity, 'hint', JSON.stringify(found));
    assert.match(at(8)!.message, /receives a signal \(handled at prof\.py:23\)/);
  });

  it('a task a lambda signal handler starts runs when the process is stopping, not beside the server\'s work', () => {
    const found = checkProject({
      'pyproject.toml': '[project]\nname = "demo"\n',
      'app/__init__.py': '',
      'app/hub.py': [
        'import asyncio', 'import os', 'import signal', '', '',
        'class Hub:',
        '    async def cleanup(self):',
        '        if os.path.exists(self.pid_file):',
        '            os.remove(self.pid_file)',
        '',
        '    async def shutdown_cancel_tasks(self, sig=None):',
        '        await self.cleanup()',
        '        for task in asyncio.all_tasks():',
        '            task.cancel()',
        '',
        '    def init_signal(self):',
        '        loop = asyncio.get_event_loop()',
        '        for s in (signal.SIGTERM, signal.SIGINT):',
        '            loop.add_signal_handler(s, lambda s=s: asyncio.ensure_future(self.shutdown_cancel_tasks(s)))',
        '',
        '    async def refresh(self):',
        '        os.remove(self.stale_file)',
        '',
        '    def start(self):',
        '        asyncio.ensure_future(self.refresh())',
        '',
      ].join('\n'),
    }, 'cl-graph-signal-lambda-');
    const at = (line: number) => found.find((f) => f.path === 'app/hub.py' && f.line === line);
    // A task started elsewhere runs beside the others.
    assert.equal(at(22)?.severity, 'warning', JSON.stringify(found));
    // Started only from the handler: at the end, beside nothing that matters any more.
    assert.notEqual(at(8)?.severity, 'warning', JSON.stringify(found));
    assert.notEqual(at(9)?.severity, 'warning', JSON.stringify(found));
  });

  it('gives the same findings whether the workers share the call graph\'s work (a run of all files) or not (one file)', () => {
    const dir = project();
    const all = spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--no-cache', '.'], { cwd: dir, encoding: 'utf8' });
    const together = findings(all.stdout);
    assert.ok(together.length >= 8, JSON.stringify(together));
    // One file per run: a single worker, which computes the whole graph itself.
    const alone = [...new Set(together.map((f) => f.path))].flatMap((file) =>
      findings(spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--no-cache', file], { cwd: dir, encoding: 'utf8' }).stdout));
    assert.deepEqual(alone, together);
  });

  const hogs: ChildProcess[] = [];
  after(() => {
    for (const hog of hogs) hog.kill();
  });

  it('gives byte-identical JSON on an idle and on a loaded machine', () => {
    const dir = project();
    // Many functions, so that each file's analysis takes a while.
    const many = Array.from({ length: 200 }, (_, i) => `async def handler_${i}():\n    time.sleep(1)\n    open("f").read()\n`).join('\n');
    fs.writeFileSync(path.join(dir, 'app', 'many.py'), `import time\n\n${many}`);
    const check = () => spawnSync(process.execPath, [bin, 'check', '--format', 'json', '--no-cache', '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const idle = check();
    // Busy processes, more than the machine has cores: each analysis gets a fraction of a core.
    for (let i = 0; i < os.availableParallelism() + 2; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    const loaded = check();
    for (const hog of hogs.splice(0)) hog.kill();
    assert.equal(idle.status, 1, idle.stderr);
    assert.equal(loaded.status, 1, loaded.stderr);
    assert.equal(loaded.stdout, idle.stdout);
  });

  it('reports an overrun as a failure in JSON and SARIF and exits 2', () => {
    const dir = tempDir('cl-budget-');
    const many = Array.from({ length: 3000 }, (_, i) => `async def f_${i}(x):\n    if x:\n        open("f").read()\n    return [y * y for y in range(x)]\n`).join('\n');
    fs.writeFileSync(path.join(dir, 'big.py'), many);
    for (const format of ['json', 'sarif']) {
      const r = spawnSync(process.execPath, [bin, 'check', '--format', format, '--no-cache', '--budget-ms', '10', 'big.py'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      const out = JSON.parse(r.stdout) as { errors?: { path: string; message: string }[]; runs?: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: { message: { text: string } }[] }[] }[] };
      const messages = format === 'json' ? out.errors!.map((f) => `${f.path}: ${f.message}`) : out.runs![0].invocations[0].toolExecutionNotifications.map((n) => n.message.text);
      assert.equal(messages.length, 1, r.stdout);
      // 10 ms for each 256 KiB of the file's text.
      assert.match(messages[0], new RegExp(`analysis stopped after ${Math.round(10 * Math.max(1, many.length / BUDGET_CHARS))} ms of CPU time \\(--budget-ms, for each 256 KiB of the file\\)`));
      if (format === 'sarif') assert.equal(out.runs![0].invocations[0].executionSuccessful, false);
    }
  });
});
