import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullText } from '../helpers';
import { analyzeText, type Language } from '../../../src/core';

// Code that runs in a worker (worker_threads, a Web Worker, a file the project starts as one) has no event loop shared
// with requests: blocking there is what workers are for, not a finding.

const BLOCKS = 'import * as fs from "node:fs";\nexport async function task(p: string) {\n  return fs.readFileSync(p, "utf8");\n}\n';

async function lines(text: string, language: Language = 'typescript', files: Record<string, string> = {}, path = 'src/worker.ts'): Promise<number[]> {
  const result = await analyzeText(text, language, {
    only: ['blocking-call-in-async'], path,
    readFile: (file) => files[file] ?? (file === path ? text : undefined),
    listFiles: () => [path, ...Object.keys(files)],
  });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics.map((d) => d.range.start.line + 1);
}

describe('blocking in workers is not a finding (TS/JS)', () => {
  it('the same code is a finding on the main thread', async () => {
    assert.deepEqual(await lines(BLOCKS), [3]);
  });

  it('a worker_threads file (parentPort, workerData), by ES import and by require', async () => {
    assert.deepEqual(await lines(`import { parentPort } from "node:worker_threads";\n${BLOCKS}parentPort?.on("message", task);\n`), []);
    assert.deepEqual(await lines(`const wt = require("worker_threads");\n${BLOCKS}task(wt.workerData);\n`, 'javascript', {}, 'src/worker.js'), []);
    // A local variable named parentPort is not worker_threads'.
    assert.deepEqual(await lines(`const parentPort = { on() {} };\n${BLOCKS}parentPort.on("message", task);\n`), [4]);
  });

  it('a file that checks isMainThread: only the worker\'s branch', async () => {
    const text = [
      'const { isMainThread, Worker } = require("worker_threads");',
      'const fs = require("fs");',
      'if (isMainThread) {',
      '  (async () => { fs.readFileSync("main"); new Worker(__filename); })();',
      '} else {',
      '  (async () => { fs.readFileSync("worker"); })();',
      '}',
      'if (!isMainThread) (async () => { fs.readFileSync("worker too"); })();',
      '',
    ].join('\n');
    assert.deepEqual(await lines(text, 'javascript', {}, 'src/both.js'), [4]);
  });

  it('a Web Worker: self.onmessage, self.addEventListener("message"), importScripts', async () => {
    const wait = 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);';
    assert.deepEqual(await lines(`self.onmessage = async () => {\n  ${wait}\n  postMessage("done");\n};\n`, 'javascript', {}, 'w.js'), []);
    assert.deepEqual(await lines(`self.addEventListener("message", async () => {\n  ${wait}\n  self.postMessage(1, []);\n});\n`, 'javascript', {}, 'w.js'), []);
    assert.deepEqual(await lines(`importScripts("lib.js");\nasync function run() {\n  ${wait}\n}\n`, 'javascript', {}, 'w.js'), []);
    // A window has onmessage too; its postMessage takes a target origin: main thread.
    assert.deepEqual(await lines(`self.onmessage = async () => {\n  ${wait}\n  parent.postMessage("done", "*");\n  postMessage("x", "*");\n};\n`, 'javascript', {}, 'w.js'), [2]);
    // A parameter named self is not the worker's global scope.
    assert.deepEqual(await lines(`function on(self) {\n  self.onmessage = async () => {\n    ${wait}\n  };\n}\n`, 'javascript', {}, 'w.js'), [3]);
  });

  it('a file the project starts with new Worker(...), new URL(..., import.meta.url), Piscina or workerpool', async () => {
    const starters: Record<string, string>[] = [
      { 'src/pool.ts': 'import { Worker } from "node:worker_threads";\nimport * as path from "node:path";\nexport const w = new Worker(path.join(__dirname, "worker.js"));\n' },
      { 'src/pool.ts': 'export const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });\n' },
      { 'lib/pool.js': 'const Piscina = require("piscina");\nmodule.exports = new Piscina({ filename: require("path").resolve(__dirname, "../src/worker.js") });\n' },
    ];
    for (const files of starters) assert.deepEqual(await lines(BLOCKS, 'typescript', files), [], JSON.stringify(files));
    // Another worker file of the same folder is not this one.
    assert.deepEqual(await lines(BLOCKS, 'typescript', { 'src/pool.ts': 'export const w = new Worker(new URL("./other-worker.js", import.meta.url));\n' }), [3]);
  });

  it('through a helper: the chain names the real counterpart of the API, or the helper runs in a worker and nothing is said', async () => {
    const helper = 'export function pause() {\n  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);\n}\n';
    const app = 'import { pause } from "./helper";\nexport async function run() {\n  pause();\n}\n';
    const result = await analyzeText(app, 'typescript', { only: ['blocking-call-in-async'], path: 'src/app.ts', readFile: (f) => (f === 'src/helper.ts' ? helper : undefined) });
    assert.equal(result.diagnostics.length, 1);
    assert.match(fullText(result.diagnostics[0]), /Atomics\.waitAsync/);
    assert.doesNotMatch(fullText(result.diagnostics[0]), /fs\/promises/);
    const inWorker = await analyzeText(`import { parentPort } from "node:worker_threads";\n${app}parentPort?.on("message", run);\n`, 'typescript', { only: ['blocking-call-in-async'], path: 'src/app.ts', readFile: (f) => (f === 'src/helper.ts' ? helper : undefined) });
    assert.deepEqual(inWorker.diagnostics, []);
  });

  it('Python: a helper only reached from threads (a Thread target, asyncio.to_thread) is not a finding; called from a coroutine it is', async () => {
    const text = [
      'import asyncio', 'import threading', 'import time', '', '',
      'def poll():', '    time.sleep(1)', '', '',
      'def start():', '    threading.Thread(target=poll).start()', '', '',
      'async def offloaded():', '    await asyncio.to_thread(poll)', '', '',
      'async def direct():', '    poll()', '',
    ].join('\n');
    const result = await analyzeText(text, 'python', { only: ['blocking-call-in-async'], path: 'app.py' });
    assert.deepEqual(result.diagnostics.map((d) => d.range.start.line + 1), [19]);
  });
});
