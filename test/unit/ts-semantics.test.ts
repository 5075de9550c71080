import type { Node } from 'web-tree-sitter';
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Query } from 'web-tree-sitter';
import { ParsedDocument, defaultLimits, type Language } from '../../src/core';
import { enclosingFunction, isAsyncFunction, knowOutermostFunctions, TsSemantics } from '../../src/core/ts/semantics';
import { outermostFunctions } from '../../src/core/incremental';
import { serviceFile } from '../../bench/service';

/** Callee names of every call and `new` in the code, in order. */
async function callees(code: string, language: Language = 'typescript'): Promise<(string | undefined)[]> {
  const doc = await ParsedDocument.create(language, code, defaultLimits);
  try {
    const semantics = new TsSemantics(doc.tree!);
    const query = new Query(doc.tree!.language, '[(call_expression) (new_expression)] @c');
    return query.captures(doc.tree!.rootNode).map(({ node }) => semantics.calleeName(node));
  } finally {
    doc.dispose();
  }
}

async function withTree<T>(code: string, fn: (s: TsSemantics, root: Node) => T, language: Language = 'typescript'): Promise<T> {
  const doc = await ParsedDocument.create(language, code, defaultLimits);
  try {
    return fn(new TsSemantics(doc.tree!), doc.tree!.rootNode);
  } finally {
    doc.dispose();
  }
}

describe('TsSemantics', () => {
  it('resolves every import form, stripping node:', async () => {
    assert.deepEqual(await callees("import fs from 'fs'; fs.readFileSync(1);"), [ 'fs.readFileSync']);
    assert.deepEqual(await callees("import * as fs from 'node:fs'; fs.readFileSync(1);"), ['fs.readFileSync']);
    assert.deepEqual(await callees("import { readFileSync as r } from 'fs'; r(1);"), ['fs.readFileSync']);
    assert.deepEqual(await callees("import { promises as fsp } from 'fs'; fsp.readFile(1);"), ['fs.promises.readFile']);
    assert.deepEqual(await callees("import fsp from 'node:fs/promises'; fsp.readFile(1);"), ['fs.promises.readFile']);
    assert.deepEqual(await callees("import def, { x } from 'pkg'; def(); x();"), ['pkg', 'pkg.x']);
    assert.deepEqual(await callees("import fs = require('fs'); fs.statSync(1);"), ['fs.statSync']);
  });

  it('resolves require forms, destructuring and renames', async () => {
    assert.deepEqual(await callees("const fs = require('fs'); fs.readFileSync(1);", 'javascript'), [ 'global.require', 'fs.readFileSync']);
    assert.deepEqual(await callees("const { readFileSync, promises: { readFile: rf } } = require('node:fs'); readFileSync(); rf();", 'javascript'),
      ['global.require', 'fs.readFileSync', 'fs.promises.readFile']);
    assert.deepEqual(await callees("require('fs').readFileSync(1);", 'javascript'), ['fs.readFileSync', 'global.require']);
    assert.deepEqual(await callees("const w = require('worker_threads'); const t = new w.Worker('x'); t.postMessage(1);", 'javascript'),
      ['global.require', 'worker_threads.Worker', 'worker_threads.Worker.postMessage']);
  });

  it('makes instances from new, and resolves their members', async () => {
    const type = await withTree("import { Worker } from 'node:worker_threads'; const w = new Worker('x'); w;", (s, root) => {
      const use = root.namedChildren[2].namedChildren[0];
      return s.instanceType(use);
    });
    assert.equal(type, 'worker_threads.Worker');
  });

  it('resolves globals unless shadowed in an enclosing scope', async () => {
    assert.deepEqual(await callees('Promise.all([]); Atomics.wait(a, 0, 0); setTimeout(f); queueMicrotask(f); process.nextTick(f); Deno.readTextFileSync(p); Bun.sleepSync(1); globalThis.Atomics.notify(a, 0);'),
      ['global.Promise.all', 'global.Atomics.wait', 'global.setTimeout', 'global.queueMicrotask', 'global.process.nextTick', 'global.Deno.readTextFileSync', 'global.Bun.sleepSync', 'global.Atomics.notify']);
    const shadowed = [
      'function f(Promise) { Promise.all([]); }',
      'function f() { let setTimeout = g; setTimeout(1); }',
      'function f() { { const Atomics = x; Atomics.wait(); } }',
      'function f() { var process = x; if (a) { process.nextTick(); } }',
      'class Promise {} Promise.all([]);',
      'function queueMicrotask() {} queueMicrotask(f);',
      'try {} catch (Deno) { Deno.readTextFileSync(); }',
      'for (const Bun of xs) { Bun.sleepSync(1); }',
      'const f = (setTimeout) => setTimeout(1);',
      'import { setTimeout } from "node:timers/promises"; setTimeout(1);',
    ];
    const results = await Promise.all(shadowed.map((code) => callees(code)));
    results.forEach((r, i) => assert.ok(!r.some((n) => n?.startsWith('global.')), `${shadowed[i]} → ${r.join(', ')}`));
    // A shadowing binding in a sibling scope does not hide the global.
    assert.deepEqual(await callees('function a() { const Promise = 1; } function b() { Promise.all([]); }'), ['global.Promise.all']);
  });

  it('does not trust a let that is reassigned', async () => {
    assert.deepEqual(await callees("import fs from 'fs'; let f = fs; f = other; f.readFileSync();"), [undefined]);
    assert.deepEqual(await callees("import fs from 'fs'; const f = fs; f.readFileSync();"), ['fs.readFileSync']);
  });

  it('finds enclosing functions and async-ness', async () => {
    const result = await withTree('async function a() { x(); } const b = async () => y(); class C { async m() { z(); } n() { w(); } }', (_s, root) => {
      const query = new Query(root.tree.language, '(call_expression) @c');
      return query.captures(root).map(({ node }) => {
        const fn = enclosingFunction(node)!;
        return `${node.text}:${fn.type}:${isAsyncFunction(fn)}`;
      });
    });
    assert.deepEqual(result, ['x():function_declaration:true', 'y():arrow_function:true', 'z():method_definition:true', 'w():method_definition:false']);
  });
});

// With a tree's outermost functions known (an edit's analysis tells them), a name is looked for only where a use can see
// it (its own function, the code outside functions); every answer must be the one a search of the whole file gives.
describe('name look-ups that read only what a use can see', () => {
  /** Every identifier's resolution and declaredness, nodes shown by type and offset. */
  function answers(semantics: TsSemantics, root: Node, backwards = false): string[] {
    const shown = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && 'startIndex' in v && 'type' in v ? `${(v as Node).type}@${(v as Node).startIndex}` : v));
    const names = root.descendantsOfType(['identifier', 'type_identifier', 'shorthand_property_identifier']).filter((n): n is Node => n !== null);
    const found = (backwards ? [...names].reverse() : names).map((n) => `${n.text}@${n.startIndex} ${shown(semantics.resolve(n))} ${semantics.isDeclared(n.text, n)}`);
    return backwards ? found.reverse() : found;
  }

  const shadowing = [
    "import * as fs from 'node:fs';",
    'let counter = 0;',
    'let client = fs;',
    'const read = fs.readFileSync;',
    'export class Store {',
    '  items: string[] = [];',
    '  async load(path: string) {',
    '    const read = (p: string) => p;',
    '    let fs = { readFileSync: read };',
    '    fs = { readFileSync: (p: string) => p + path };',
    '    return fs.readFileSync(path);',
    '  }',
    '  save(counter: number) {',
    '    counter += 1;',
    "    return read('a') + String(counter);",
    '  }',
    '  static { var hoisted = 1; }',
    '}',
    'export function bump() {',
    '  counter++;',
    '  client = { readFileSync: (p: string) => p } as unknown as typeof fs;',
    '  function read() { return hoisted; }',
    '  return read() + counter;',
    '}',
    'function fs2(fs: number) { return fs + bump(); }',
    'export const arrow = async () => read(String(fs2(1)));',
    "export function use() { return client.readFileSync('b'); }",
  ].join('\n');

  const cases: [string, string][] = [['shadowing and reassignment', shadowing], ['TS service file', serviceFile('typescript', 400)]];
  for (const [name, code] of cases) {
    it(`${name}: the same answers as a search of the whole file`, async () => {
      const whole = await ParsedDocument.create('typescript', code, defaultLimits);
      const near = await ParsedDocument.create('typescript', code, defaultLimits);
      try {
        const functions = outermostFunctions(near.tree!.rootNode, 'typescript');
        knowOutermostFunctions(near.tree!, { spans: functions.map((f) => ({ start: f.startIndex, end: f.endIndex })), names: functions.map((f) => f.childForFieldName('name')?.text ?? '') });
        assert.ok(functions.length >= 4);
        const expected = answers(new TsSemantics(whole.tree!), whole.tree!.rootNode);
        assert.deepEqual(answers(new TsSemantics(near.tree!), near.tree!.rootNode), expected);
        // From the last use to the first: each name's look-up starts inside a function and is widened later.
        assert.deepEqual(answers(new TsSemantics(near.tree!), near.tree!.rootNode, true), expected);
      } finally {
        whole.dispose();
        near.dispose();
      }
    });
  }
});
