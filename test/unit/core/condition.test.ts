import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bind, evaluate, MAX_ATOMS, type Atom, type Binding, type Condition, type Value } from '../../../src/core/effects/condition';
import { getParser, parseText } from '../../../src/core/parser';
import { summariseTs } from '../../../src/core/project/followTs';
import { pack } from '../../../src/core/project/packed';
import type { FileSummary } from '../../../src/core/project/project';
import { ownCalls, ownerOf, summarisePython } from '../../../src/core/project/pythonSummary';
import { PythonSemantics } from '../../../src/core/python/semantics';
import { freshPythonFunctionFacts, pythonFunctionFacts, pythonPathCold, pythonPathCondition } from '../../../src/core/effects/pythonPaths';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { FUNCTION_TYPES, TsSemantics } from '../../../src/core/ts/semantics';
import { tsFieldsAssignedOutside, tsFunctionFacts } from '../../../src/core/effects/tsPaths';
import { innermostFunctions } from '../../../src/core/context/graph';
import { enclosingFunction } from '../../../src/core/context/entries';

// The conditions of effects: a small formula over parameters and fields, evaluated three-valued at a call site.

const lit = (v: null | boolean | number | string): Value => ({ k: 'lit', v });
const p0 = (test: Atom['test'], neg?: true): Condition => ({ all: [{ s: { p: 0 }, test, ...(neg ? { neg } : {}) }] });
const at = (value: Value, python = true): Binding => ({ params: [value], python });

async function summarise(language: 'python' | 'typescript', text: string): Promise<FileSummary> {
  const tree = parseText(await getParser(language), text)!;
  return language === 'python' ? summarisePython(new PythonSemantics(tree)) : summariseTs(new TsSemantics(tree));
}

/** Every Python fixture's text but the fuzzer's (nests thousands deep: a full climb over each of their calls takes seconds). */
function pythonFixtureTexts(): string[] {
  const texts: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'fuzz') walk(full);
      else if (entry.name.endsWith('.py')) texts.push(fs.readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(repoRoot, 'test', 'fixtures'));
  return texts;
}

describe('conditions of effects', () => {
  it('evaluate each test against literals, None/undefined, instances and unknown values', () => {
    assert.equal(evaluate(p0({ t: 'truthy' }), at(lit(null))).reach, 'not');
    assert.equal(evaluate(p0({ t: 'truthy' }), at(lit('/tmp/x'))).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'truthy' }), at({ k: 'unknown' })).reach, 'may');
    assert.equal(evaluate(p0({ t: 'truthy' }, true), at(lit(0))).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'none' }), at(lit(null))).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'none' }), at({ k: 'type', t: 'io.BytesIO' })).reach, 'not');
    assert.equal(evaluate(p0({ t: 'undef' }), at({ k: 'undef' }, false)).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'nullish' }), at(lit(null), false)).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'nullish' }), at({ k: 'obj', f: {} }, false)).reach, 'not');
    assert.equal(evaluate(p0({ t: 'type', n: ['io.IOBase'] }), at({ k: 'type', t: 'io.BytesIO' })).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'type', n: ['io.IOBase'] }), at(lit('/etc/hosts'))).reach, 'not');
    assert.equal(evaluate(p0({ t: 'type', n: ['int'] }), at(lit(true))).reach, 'reached', 'a bool is an int');
    assert.equal(evaluate(p0({ t: 'type', n: ['string'] }), at(lit('x'), false)).reach, 'reached');
    assert.equal(evaluate(p0({ t: 'type', n: ['io.IOBase'] }), at({ k: 'type', t: 'mylib.Reader' })).reach, 'may', 'a type whose bases are unknown');
    assert.equal(evaluate(p0({ t: 'eq', v: 'slow' }), at(lit('fast'))).reach, 'not');
    assert.equal(evaluate(p0({ t: 'eq', v: '\u0001Mode.SLOW' }), at(lit('\u0001M.SLOW'))).reach, 'reached', 'an enum member through an alias');
    assert.equal(evaluate(p0({ t: 'in', v: ['a', 'b'] }), at(lit('c'))).reach, 'not');
    assert.equal(evaluate(p0({ t: 'in', v: ['a', 'b'] }), at(lit('b'))).reach, 'reached');
    assert.equal(evaluate({ all: [], more: true }, at(lit(1))).reach, 'may');
    assert.equal(evaluate(undefined, at(lit(1))).reach, 'reached');
  });

  it('a field of the receiver by a user\'s name never reads the object\'s prototype', () => {
    const condition: Condition = { all: [{ s: { self: 'constructor' }, test: { t: 'truthy' } }] };
    assert.equal(evaluate(condition, { params: [], fields: {}, python: true }).reach, 'may');
    const property: Condition = { all: [{ s: { p: 0, prop: 'toString' }, test: { t: 'truthy' } }] };
    assert.equal(evaluate(property, at({ k: 'obj', f: {} }, false)).reach, 'not', 'an option left out of `{}` is undefined');
  });

  it('binds positional and keyword arguments, defaults, and stops at a splat', () => {
    const params = [{ n: 'path' }, { n: 'mode', d: lit('r') }, { n: 'log', d: lit(null) }];
    assert.deepEqual(bind(params, [{ v: lit('/x') }, { n: 'log', v: lit('/l') }], undefined, true), [lit('/x'), lit('r'), lit('/l')]);
    assert.deepEqual(bind(params, [], undefined, false), [{ k: 'undef' }, lit('r'), lit(null)]);
    assert.deepEqual(bind(params, undefined, undefined, true), [], 'arguments not known: nothing bound');
    assert.deepEqual(bind([{ n: 'a' }, { n: 'rest', rest: true }, { n: 'k', d: lit(1) }], [{ v: lit(1) }, { v: lit(2) }], undefined, true)[1], { k: 'unknown' });
    assert.deepEqual(bind([{ n: 'a' }], [{ v: { k: 'param', i: 1 } }], { params: [lit(0), lit('fwd')], python: true }, true), [lit('fwd')], 'a forwarded parameter');
  });

  it('Python: guards, branches, defaults and cold paths become conditions', async () => {
    const summary = await summarise('python', [
      'import time',
      'def nap(flag=False, *, mode=None):',
      '    if not flag or mode in ("a", "b"):',
      '        return',
      '    time.sleep(1)',
      'def handler(self_less):',
      '    try:',
      '        pass',
      '    except OSError:',
      '        time.sleep(1)',
      'class C:',
      '    def __init__(self, path=None):',
      '        self.path = path',
      '    def go(self):',
      '        if isinstance(self.path, str):',
      '            time.sleep(1)',
      '',
    ].join('\n'));
    const nap = summary.functions.nap;
    assert.deepEqual(nap.params, [{ n: 'flag', d: lit(false) }, { n: 'mode', d: lit(null) }]);
    assert.deepEqual(nap.blocking?.when, { all: [{ s: { p: 0 }, test: { t: 'truthy' } }, { s: { p: 1 }, test: { t: 'in', v: ['a', 'b'] }, neg: true }] });
    assert.equal(summary.functions.handler.blocking?.when?.cold, 'error');
    assert.deepEqual(summary.functions['C.__init__'].fields, { path: { k: 'param', i: 0 } });
    assert.deepEqual(summary.functions['C.go'].blocking?.when, { all: [{ s: { self: 'path' }, test: { t: 'type', n: ['str'] } }] });
  });

  it('Python: an `if`/`elif`/`else` that blocks on every branch blocks whenever it is reached', async () => {
    const summary = await summarise('python', [
      'import shutil',
      'from pathlib import Path',
      'def write(data, target, overwrite=True):',
      '    if not overwrite:',
      '        return',
      '    if isinstance(data, Path):',
      '        shutil.copy2(data, target)',
      '    elif isinstance(data, bytes):',
      '        with open(target, "wb") as f:',
      '            f.write(data)',
      '    else:',
      '        if data.name:',
      '            shutil.copyfileobj(data, open(target, "wb"))',
      '        else:',
      '            shutil.copyfileobj(data, open("x", "wb"))',
      'def partly(data, target):',
      '    if isinstance(data, Path):',
      '        shutil.copy2(data, target)',
      '    elif data is None:',
      '        return',
      '    else:',
      '        open(target, "wb")',
      'def no_else(data, target):',
      '    if isinstance(data, Path):',
      '        shutil.copy2(data, target)',
      '    elif isinstance(data, bytes):',
      '        open(target, "wb")',
      '',
    ].join('\n'));
    // Only the guard before the chain is left: which branch runs does not matter.
    assert.deepEqual(summary.functions.write.blocking?.when, { all: [{ s: { p: 2 }, test: { t: 'truthy' } }] });
    assert.equal(summary.functions.write.alsoBlocking, undefined);
    // A branch that returns without blocking, or a missing `else`, keeps each call's own condition.
    assert.deepEqual(summary.functions.partly.blocking?.when, { all: [{ s: { p: 0 }, test: { t: 'type', n: ['pathlib.Path'] } }] });
    assert.deepEqual(summary.functions.no_else.blocking?.when, { all: [{ s: { p: 0 }, test: { t: 'type', n: ['pathlib.Path'] } }] });
    assert.equal(summary.functions.no_else.alsoBlocking?.length, 1);
  });

  it('TS: an `if`/`else if`/`else` that blocks on every branch blocks whenever it is reached', async () => {
    const summary = await summarise('typescript', [
      "import * as fs from 'fs';",
      'export function write(data: unknown, target: string, overwrite = true) {',
      '  if (!overwrite) return;',
      '  if (typeof data === "string") fs.copyFileSync(data, target);',
      '  else if (data instanceof Uint8Array) {',
      '    fs.writeFileSync(target, data);',
      '  } else {',
      '    try { fs.writeFileSync(target, String(data)); } finally { }',
      '  }',
      '}',
      'export function partly(data: unknown, target: string) {',
      '  if (typeof data === "string") fs.copyFileSync(data, target);',
      '  else if (data === null) { return; }',
      '  else fs.writeFileSync(target, String(data));',
      '}',
      'export function noElse(data: unknown, target: string) {',
      '  if (typeof data === "string") fs.copyFileSync(data, target);',
      '  else if (data === null) fs.writeFileSync(target, "");',
      '}',
      '',
    ].join('\n'));
    assert.deepEqual(summary.functions.write.blocking?.when, { all: [{ s: { p: 2 }, test: { t: 'truthy' } }] });
    assert.equal(summary.functions.write.alsoBlocking, undefined);
    assert.ok(summary.functions.partly.blocking?.when?.all.length, 'a branch that returns keeps each call\'s own condition');
    assert.ok(summary.functions.noElse.blocking?.when?.all.length, 'without an `else` each call keeps its own condition');
  });

  it('TS: a memo kept in a local of an enclosing function is filled on each run of that function, not once', async () => {
    const summary = await summarise('typescript', [
      "import * as fs from 'fs';",
      'let cached: string | undefined;',
      'export function readOnce(p: string) {',
      "  cached ??= fs.readFileSync(p, 'utf8');",
      '  return cached;',
      '}',
      'export function perRun(p: string) {',
      '  let memo: string | undefined;',
      "  const read = () => (memo ??= fs.readFileSync(p, 'utf8'));",
      '  return read() + read();',
      '}',
      '',
    ].join('\n'));
    assert.equal(summary.functions.readOnce.blocking?.when?.cold, 'once');
    const inner = Object.entries(summary.functions).find(([key]) => key !== 'readOnce' && key !== 'perRun' && summary.functions[key].blocking);
    assert.ok(inner, Object.keys(summary.functions).join());
    assert.equal(inner[1].blocking?.when?.cold, undefined, 'once per run of `perRun`, which may run for every request');
  });

  it('TS: a function\'s own assignments leave out those of the functions nested in it, however deep; facts are kept per function', async () => {
    const tree = parseText(await getParser('typescript'), [
      'class Store {',
      '  load(a: string, b: string, cache: Map<string, string>) {',
      '    a = a.trim();',
      '    const reset = () => { b = ""; memo.set(a, b); this.inner = 1; };',
      '    function deeper() { return () => { cache = new Map(); }; }',
      '    cache.set(a, b);',
      '    this.loaded = true;',
      '  }',
      '  save() { this.saved = 1; }',
      '}',
      '',
    ].join('\n'))!;
    const [load, save] = tree.rootNode.descendantsOfType('method_definition').filter((n) => n !== null);
    const facts = tsFunctionFacts(load);
    assert.deepEqual([...facts.assigned].sort(), ['a', 'cache[]', 'this.loaded']);
    assert.deepEqual([...facts.index.keys()].sort(), ['b', 'cache'], 'reassigned only in nested functions: still the parameters');
    assert.equal(tsFunctionFacts(tree.rootNode.descendantsOfType('method_definition')[0]), facts, 'the same facts for another node object of the function');
    const body = tree.rootNode.descendantsOfType('class_body')[0];
    assert.deepEqual([...tsFieldsAssignedOutside(body, load)].sort(), ['inner', 'saved'], 'the nested arrow assigns `inner` in its own code');
    assert.deepEqual([...tsFieldsAssignedOutside(body, save)].sort(), ['inner', 'loaded']);
    tree.delete();
  });

  it('the innermost function of each await and return, found in one pass, is the one a climb finds', async () => {
    const texts: { language: 'python' | 'typescript'; text: string }[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && entry.name !== 'fuzz') walk(full);
        else if (/\.(py|ts|js)$/.test(entry.name)) texts.push({ language: entry.name.endsWith('.py') ? 'python' : 'typescript', text: fs.readFileSync(full, 'utf8') });
      }
    };
    walk(path.join(repoRoot, 'test', 'fixtures'));
    texts.push({ language: 'typescript', text: 'async function a(){ await x; const f = async () => { await y; return () => { return 1; }; }; class K { async m(){ await z; } } return await w; }\nawait top;' });
    let checked = 0;
    for (const { language, text } of texts) {
      const tree = parseText(await getParser(language), text);
      if (!tree) continue;
      const python = language === 'python';
      const functions = tree.rootNode.descendantsOfType(python ? ['function_definition'] : [...FUNCTION_TYPES]).filter((n): n is NonNullable<typeof n> => n !== null && n.isNamed);
      const nodes = tree.rootNode.descendantsOfType(python ? ['return_statement', 'await'] : ['return_statement', 'await_expression']).filter((n): n is NonNullable<typeof n> => n !== null);
      const owners = innermostFunctions(functions, nodes);
      for (const node of nodes) {
        assert.equal(owners.get(node.id)?.id, enclosingFunction(node, language)?.id, `${node.text.slice(0, 40)} at line ${node.startPosition.row + 1}`);
        checked++;
      }
      tree.delete();
    }
    assert.ok(checked > 300, `${checked} awaits and returns`);
  });

  it('TS: `if (this.loaded) return` … `this.loaded = true` is once-only; `opts.x` of an option object is a parameter\'s property', async () => {
    const summary = await summarise('typescript', [
      "import * as fs from 'fs';",
      'export class P {',
      '  loaded = false;',
      '  load() {',
      '    if (this.loaded) return;',
      "    fs.readFileSync('x');",
      '    this.loaded = true;',
      '  }',
      '}',
      'export function f(opts: { v?: boolean } = {}) {',
      "  if (opts.v) fs.readFileSync('y');",
      '}',
      '',
    ].join('\n'));
    assert.equal(summary.functions['P.load'].blocking?.when?.cold, 'once');
    assert.deepEqual(summary.functions.f.params, [{ n: 'opts', d: { k: 'obj', f: {} } }]);
    assert.deepEqual(summary.functions.f.blocking?.when, { all: [{ s: { p: 0, prop: 'v' }, test: { t: 'truthy' } }] });
  });

  it('a lazy set-up guarded by one term of an `&&`/`and` test runs once; one whose flag is never set does not', async () => {
    const ts = await summarise('typescript', [
      "import * as fs from 'fs';",
      'let initialised = false;',
      'let seen = false;',
      'export async function load(theme: string) {',
      '  if (theme && !initialised) {',
      "    fs.readFileSync(theme, 'utf8');",
      '    initialised = true;',
      '  }',
      '}',
      'export async function each(theme: string) {',
      "  if (theme && !seen) fs.readFileSync(theme, 'utf8');",
      '}',
      '',
    ].join('\n'));
    assert.equal(ts.functions.load.blocking?.when?.cold, 'once');
    assert.equal(ts.functions.each.blocking?.when?.cold, undefined, '`seen` is never set: the branch runs on every call');
    const py = await summarise('python', [
      '_ready = False',
      'async def load(theme):',
      '    global _ready',
      '    if theme and not _ready:',
      '        open(theme).read()',
      '        _ready = True',
      'async def each(theme):',
      '    if theme and not _ready:',
      '        open(theme).read()',
      '',
    ].join('\n'));
    assert.equal(py.functions.load.blocking?.when?.cold, 'once');
    assert.equal(py.functions.each.blocking?.when?.cold, undefined);
  });

  it('a value defined through itself (`x = C(x)`) is bounded', async () => {
    const py = await summarise('python', 'class C:\n    def __init__(self, a=None):\n        self.a = a\n    def m(self):\n        pass\nx = C(x)\ndef f():\n    y = C(y)\n    y.m()\n    x.m()\n');
    assert.ok(py.functions.f.calls.length >= 2);
    const ts = await summarise('typescript', 'class C { constructor(a) {} m() {} }\nconst x = new C(x);\nfunction f() { const y = new C(y); y.m(); x.m(); }\n');
    assert.ok(ts.functions.f.calls.length >= 1);
  });

  it('a function with 200 branches summarises with bounded conditions and size', async () => {
    const branches = Array.from({ length: 200 }, (_, i) => `    ${i ? 'elif' : 'if'} x == ${i} and y:\n        pass`).join('\n');
    const guards = Array.from({ length: 200 }, (_, i) => `    if z == ${i}:\n        return`).join('\n');
    const nested = Array.from({ length: 200 }, (_, i) => `${'    '.repeat(i + 1)}if a${i}:`).join('\n');
    const text = [
      'import time',
      `def chain(x, y, z):\n${branches}\n    else:\n        time.sleep(1)`,
      `def guarded(x, y, z):\n${guards}\n    time.sleep(1)`,
      `def nested(${Array.from({ length: 200 }, (_, i) => `a${i}`).join(', ')}):\n${nested}\n${'    '.repeat(201)}time.sleep(1)`,
      '',
    ].join('\n');
    const summary = await summarise('python', text);
    for (const key of ['chain', 'guarded']) {
      const when = summary.functions[key].blocking?.when;
      assert.ok(when && when.all.length <= MAX_ATOMS && when.more, `${key}: ${JSON.stringify(when)}`);
    }
    const packed = JSON.stringify(pack(summary));
    assert.ok(packed.length < 20_000, `${packed.length} bytes`);
    // Too deep to say: the nest is kept as at most MAX_ATOMS atoms, unknown beyond.
    const deep = summary.functions.nested.blocking?.when;
    assert.ok(deep && deep.all.length <= MAX_ATOMS && deep.more, JSON.stringify(deep));
  });

  it('the quick cold path of a Python call is the full climb\'s, for every call of every fixture, whatever was asked before', async () => {
    // Guards, handlers, once-only tests, debug branches, `match` arms, nesting past what the quick path climbs.
    const made = ['def f(self, x):\n    if not self._ready:\n        return\n    try:\n        go()\n    except OSError:\n        if DEBUG:\n            log()\n    finally:\n        done()\n',
      'def g(x):\n    match x:\n        case 1:\n            a(b(c()))\n        case _:\n            while x:\n                with y:\n                    d()\n            else:\n                e()\n',
      'def h(self):\n    if self._cache is not None:\n        return self._cache\n    self._cache = load()\n    if err:\n        report()\n    elif x:\n        other()\n    else:\n        last()\n',
      `def deep():\n${Array.from({ length: 30 }, (_, i) => `${'    '.repeat(i + 1)}if a${i}:\n`).join('')}${'    '.repeat(31)}call()\n`];
    const texts = [...pythonFixtureTexts(), ...made];
    let calls = 0;
    let quick = 0;
    for (const text of texts) {
      const tree = parseText(await getParser('python'), text);
      if (!tree) continue;
      const semantics = new PythonSemantics(tree);
      for (const fn of tree.rootNode.descendantsOfType('function_definition')) {
        if (!fn) continue;
        for (const call of fn.descendantsOfType('call')) {
          if (!call) continue;
          // The full climb on facts of its own; the quick one on the facts kept for the function, shared with every
          // call asked before (their memo).
          const expected = pythonPathCondition(semantics, call, freshPythonFunctionFacts(fn))?.cold;
          const got = pythonPathCold(call, pythonFunctionFacts(fn));
          calls++;
          if (got === undefined) continue;
          quick++;
          assert.equal(got ?? undefined, expected, `${call.text.slice(0, 60)} at line ${call.startPosition.row + 1}`);
        }
      }
      tree.delete();
    }
    assert.ok(calls > 500 && quick > calls * 0.9, `${quick} of ${calls} calls answered by the quick path`);
  });

  it('a Python function\'s own calls, found by position, are those whose climb ends at it', async () => {
    const texts = [...pythonFixtureTexts(), 'def f(x=g()):\n    a(lambda: b(), c=lambda y=d(): e())\n    class K(base()):\n        k = h()\n        def m(self):\n            return i()\n    def inner(z=j()):\n        return l()\n    return (lambda: m2())()\n'];
    let own = 0;
    for (const text of texts) {
      const tree = parseText(await getParser('python'), text);
      if (!tree) continue;
      const semantics = new PythonSemantics(tree);
      for (const fn of tree.rootNode.descendantsOfType('function_definition')) {
        if (!fn) continue;
        const expected = fn.descendantsOfType('call').filter((c) => c && ['identifier', 'attribute'].includes(c.childForFieldName('function')?.type ?? '') && ownerOf(c)?.id === fn.id).map((c) => c.id).sort();
        const got = ownCalls(semantics, fn).map((c) => c.id).sort();
        assert.deepEqual(got, expected, fn.text.slice(0, 80));
        own += got.length;
      }
      tree.delete();
    }
    assert.ok(own > 500, `${own} own calls`);
  });
});
