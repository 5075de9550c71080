import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from 'web-tree-sitter';
import { ParsedDocument } from '../../src/core';
import { classifyCallable, constantInt, gilReleasing, type CpuClassification } from '../../src/core/python/cpu';
import { PythonSemantics } from '../../src/core/python/semantics';
import { classifyFunction } from '../../src/core/ts/cpu';
import { TsSemantics } from '../../src/core/ts/semantics';

function functions(root: Node, types: string[]): Map<string, Node> {
  const found = new Map<string, Node>();
  const walk = (n: Node) => {
    if (types.includes(n.type)) {
      const name = n.childForFieldName('name')?.text ?? (n.parent?.type === 'variable_declarator' ? n.parent.childForFieldName('name')?.text : undefined);
      if (name) found.set(name, n);
    }
    for (const c of n.namedChildren) if (c) walk(c);
  };
  walk(root);
  return found;
}

async function classifyPython(text: string): Promise<Map<string, CpuClassification>> {
  const doc = await ParsedDocument.create('python', text);
  const semantics = new PythonSemantics(doc.tree!);
  const result = new Map<string, CpuClassification>();
  for (const [name, fn] of functions(doc.tree!.rootNode, ['function_definition'])) result.set(name, classifyCallable(semantics, fn));
  doc.dispose();
  return result;
}

async function classifyTs(text: string): Promise<Map<string, CpuClassification>> {
  const doc = await ParsedDocument.create('typescript', text);
  const semantics = new TsSemantics(doc.tree!);
  const result = new Map<string, CpuClassification>();
  for (const [name, fn] of functions(doc.tree!.rootNode, ['function_declaration', 'arrow_function'])) result.set(name, classifyFunction(semantics, fn));
  doc.dispose();
  return result;
}

const verdicts = (m: Map<string, CpuClassification>) => Object.fromEntries([...m].map(([k, v]) => [k, `${v.verdict}${v.releasesGil ? '+gil' : ''}`]));

describe('python cpu classifier', () => {
  it('classifies by evidence, follows same-file calls, and names the evidence', async () => {
    const m = await classifyPython([
      'import hashlib, zlib, time, requests, logging',
      'import numpy as np',
      'def sq(x):',
      '    return x * x',
      'def loop(n):',
      '    t = 0',
      '    for i in range(n):',
      '        t += sq(i)',
      '    return t',
      'def fib(n):',
      '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
      'def caller(n):',
      '    return loop(n) + fib(10)',
      'def hashes(chunks):',
      '    return [hashlib.sha256(c).hexdigest() for c in chunks]',
      'def packs(chunks):',
      '    return [zlib.compress(c) for c in chunks]',
      'def arrays(n):',
      '    return np.arange(n).sum()',
      'def net(urls):',
      '    return [len(requests.get(u).content) * 2 for u in urls]',
      'def sleepy(n):',
      '    for i in range(n):',
      '        time.sleep(0.01)',
      '        n += i',
      'def logs(n):',
      '    for i in range(n):',
      '        logging.info("%d", i * 2)',
      'def small():',
      '    return [i * 2 for i in range(5)]',
      'def opaque(xs):',
      '    return [mystery(x) * 2 for x in xs]',
      'def big():',
      '    return sum(range(10 ** 7))',
      'def mixed(path, n):',
      '    t = sum(i * i for i in range(n))',
      '    with open(path, "w") as f:',
      '        f.write(str(t))',
      'def gen(n):',
      '    for i in range(n):',
      '        yield i * i',
    ].join('\n'));
    assert.deepEqual(verdicts(m), {
      sq: 'unknown', loop: 'cpu', fib: 'cpu', caller: 'cpu', hashes: 'cpu+gil', packs: 'cpu+gil', arrays: 'cpu+gil',
      net: 'io', sleepy: 'io', logs: 'io', small: 'unknown', opaque: 'unknown', big: 'cpu', mixed: 'mixed', gen: 'unknown',
    });
    assert.equal(m.get('sq')!.pure, true);
    assert.deepEqual(m.get('loop')!.evidence.map((e) => e.text), ['the loop at line 7 does arithmetic and makes no I/O call']);
    assert.deepEqual(m.get('loop')!.evidence[0].range, { start: { line: 6, column: 4 }, end: { line: 6, column: 22 } });
    assert.match(m.get('caller')!.evidence[0].text, /^it calls `loop` \(line 13\), which is CPU-bound: the loop at line 7/);
    assert.match(m.get('fib')!.evidence[0].text, /calls itself recursively/);
    assert.match(m.get('big')!.evidence[0].text, /`sum` over 10,000,000 numbers/);
  });

  it('records side effects a process would lose', async () => {
    const m = await classifyPython([
      'total = 0',
      'def pure(n):',
      '    acc = []',
      '    for i in range(n):',
      '        acc.append(i * i)',
      '    return acc',
      'def writes_global(n):',
      '    global total',
      '    for i in range(n):',
      '        total += i',
      'def mutates_param(n, out):',
      '    for i in range(n):',
      '        out[i] = i * 2',
    ].join('\n'));
    assert.deepEqual(m.get('pure')!.sideEffects, []);
    assert.ok(m.get('writes_global')!.sideEffects.length > 0);
    assert.ok(m.get('mutates_param')!.sideEffects.some((e) => e.text.includes('out[i] = i * 2')));
  });

  it('knows which modules release the GIL, and evaluates constant sizes', async () => {
    assert.ok(gilReleasing('hashlib.sha256'));
    assert.ok(gilReleasing('numpy.dot'));
    assert.equal(gilReleasing('json.dumps'), undefined);
    const doc = await ParsedDocument.create('python', 'x = 10 ** 6 * 2 + 1_000\n');
    const value = doc.tree!.rootNode.namedChildren[0].namedChildren[0].childForFieldName('right');
    assert.equal(constantInt(value), 2_001_000);
    doc.dispose();
  });
});

describe('ts cpu classifier', () => {
  it('classifies JS functions by evidence', async () => {
    const m = await classifyTs([
      "import { readFileSync } from 'fs';",
      'function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }',
      'function loop(n: number) { let t = 0; for (let i = 0; i < n; i++) { t += Math.sqrt(i); } return t; }',
      'function reads(ps: string[]) { let t = 0; for (const p of ps) { t += readFileSync(p).length; } return t; }',
      'async function awaits(n: number) { let t = 0; for (let i = 0; i < n; i++) { t += await Promise.resolve(i); } return t; }',
      'function logs(n: number) { for (let i = 0; i < n; i++) { console.log(i * 2); } }',
      'function small() { let t = 0; for (let i = 0; i < 4; i++) t += i; return t; }',
      'const viaMap = (xs: number[]) => { let t = 0; for (const x of xs) { t += xs.map((y) => y * x).length; } return t; };',
      'function opaque(xs: number[]) { let t = 0; for (const x of xs) t += mystery(x); return t; }',
      'declare function mystery(x: number): number;',
    ].join('\n'));
    assert.deepEqual(verdicts(m), { fib: 'cpu', loop: 'cpu', reads: 'io', awaits: 'io', logs: 'io', small: 'unknown', viaMap: 'cpu', opaque: 'unknown' });
    assert.equal(m.get('awaits')!.suspends, true);
    assert.deepEqual(m.get('loop')!.evidence.map((e) => e.text), ['the loop at line 3 does arithmetic and makes no I/O call']);
  });

  it('a loop over items whose count an earlier exit bounds (`if (octets.length !== 4) return null`) is small', async () => {
    const m = await classifyTs([
      'function parseIPv4(address: string) {',
      "  const octets = address.split('.');",
      '  if (octets.length !== 4) return null;',
      '  let value = 0;',
      '  for (const octet of octets) { value = value * 256 + Number(octet); }',
      '  return value;',
      '}',
      'function atMostEight(xs: number[]) { if (8 < xs.length) { throw new Error("too many"); } let t = 0; for (const x of xs) t = t * 31 + x; return t; }',
      // Checked, but the loop runs on whatever the check let through: not bounded.
      'function keepsGoing(xs: number[]) { if (xs.length !== 4) { console.log("odd"); } let t = 0; for (const x of xs) t = t * 31 + x; return t; }',
      'function atLeast(xs: number[]) { if (xs.length < 4) return 0; let t = 0; for (const x of xs) t = t * 31 + x; return t; }',
      // The name holds another list after the check, or more items: the check bounds nothing the loop sees.
      'function swapped(xs: number[], ys: number[]) { if (xs.length > 4) return 0; xs = ys; let t = 0; for (const x of xs) t = t * 31 + x; return t; }',
      'function grown(xs: number[], ys: number[]) { if (xs.length > 4) return 0; xs.push(...ys); let t = 0; for (const x of xs) t = t * 31 + x; return t; }',
    ].join('\n'));
    assert.deepEqual(verdicts(m), { parseIPv4: 'unknown', atMostEight: 'unknown', keepsGoing: 'cpu', atLeast: 'cpu', swapped: 'cpu', grown: 'cpu' });
    const py = await classifyPython([
      'def parse_ipv4(address):',
      '    parts = address.split(".")',
      '    if len(parts) != 4:',
      '        return None',
      '    value = 0',
      '    for part in parts:',
      '        value = value * 256 + int(part)',
      '    return value',
      '',
      'def at_least(parts):',
      '    if len(parts) < 4:',
      '        return None',
      '    value = 0',
      '    for part in parts:',
      '        value = value * 256 + int(part)',
      '    return value',
      '',
      'def extended(parts, more):',
      '    if len(parts) != 4:',
      '        return None',
      '    parts.extend(more)',
      '    value = 0',
      '    for part in parts:',
      '        value = value * 256 + int(part)',
      '    return value',
      '',
    ].join('\n'));
    assert.deepEqual(verdicts(py), { parse_ipv4: 'unknown', at_least: 'cpu', extended: 'cpu' });
  });
});
