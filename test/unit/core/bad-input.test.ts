import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, describeSkip, ParsedDocument } from '../../../src/core';
import { repoRoot, tempDir } from '../helpers';

const BUG = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';

describe('bad input never crashes or hangs the core', () => {
  it('syntax errors: still reports what parsed, and says the tree has errors', async () => {
    const r = await analyzeText(`${BUG}def broken(:\n    pass\n`, 'python');
    assert.equal(r.hasSyntaxErrors, true);
    assert.deepEqual(r.diagnostics.map((d) => d.code), ['daemon-after-start']);
  });

  it('binary content is skipped, not parsed', async () => {
    const r = await analyzeText(`daemon\u0000\u0001\u0002${'\u00ff'.repeat(100)}`, 'python');
    assert.equal(r.skipped, 'binary');
    assert.equal(r.diagnostics.length, 0);
  });

  it('a 10 MB file is analysed within bounds', async () => {
    const block = 'def handler(request, retries=3):\n    """Serve one request."""\n    for attempt in range(retries):\n        if request.ok:\n            return request.body\n    raise TimeoutError("gave up")\n\n\n';
    const filler = block.repeat(Math.ceil(10_000_000 / block.length));
    const r = await analyzeText(BUG + filler, 'python');
    assert.equal(r.diagnostics.length, 1);
  });

  it('a file over the size limit is skipped with a reason', async () => {
    const r = await analyzeText(`${BUG}# ${'a'.repeat(2000)}\n`, 'python', { limits: { maxLength: 1000, parseTimeoutMs: 1000 } });
    assert.equal(r.skipped, 'too-large');
  });

  it('one 5 MB line (minified JS) parses', async () => {
    const line = 'var a=function(){return 1};'.repeat(Math.ceil(5_000_000 / 27));
    const r = await analyzeText(line, 'javascript');
    assert.equal(r.skipped, undefined);
    assert.equal(r.ruleErrors.length, 0);
  });

  it('500-deep nesting in Python and TS', async () => {
    let py = 'import threading\n';
    for (let i = 0; i < 500; i++) py += `${'    '.repeat(i)}if True:\n`;
    py += `${'    '.repeat(500)}t = threading.Thread(target=print)\n${'    '.repeat(500)}t.start()\n${'    '.repeat(500)}t.daemon = True\n`;
    const r = await analyzeText(py, 'python');
    assert.equal(r.ruleErrors.length, 0);
    assert.equal(r.diagnostics.length, 1);
    const ts = `${'function f() {'.repeat(500)}${'}'.repeat(500)}\nconst x = ${'('.repeat(500)}1${')'.repeat(500)};\n`;
    const t = await analyzeText(ts, 'typescript');
    assert.equal(t.ruleErrors.length, 0);
  });

  it('empty file, CRLF line breaks and a BOM', async () => {
    assert.equal((await analyzeText('', 'python')).diagnostics.length, 0);
    const crlf = await analyzeText(BUG.replace(/\n/g, '\r\n'), 'python');
    assert.deepEqual(crlf.diagnostics.map((d) => d.range.start), [{ line: 3, column: 0 }]);
    assert.ok(crlf.diagnostics[0].fixes.every((f) => f.edits.every((e) => !/(?<!\r)\n/.test(e.newText))), 'fixes keep CRLF');
    const bom = await analyzeText(`\ufeff${BUG}`, 'python');
    assert.equal(bom.diagnostics.length, 1);
  });

  it('a parse that runs too long is abandoned, and the document stays usable', async () => {
    const big = 'x = 1\n'.repeat(2_000_000);
    const doc = await ParsedDocument.create('python', big, { maxLength: 50_000_000, parseTimeoutMs: 1 });
    assert.equal(doc.skipped, 'parse-timeout');
    await doc.replaceText(BUG);
    doc.dispose();
    const after = await analyzeText(BUG, 'python');
    assert.equal(after.diagnostics.length, 1, 'the shared parser recovers after a cancelled parse');
  });

  it('syntax nested thousands of levels deep is refused, with a reason; real depths are analysed', async () => {
    const deep = await analyzeText(`y = ${'('.repeat(10_000)}x${')'.repeat(10_000)}\n${BUG}`, 'python');
    assert.equal(deep.skipped, 'too-deep');
    assert.match(describeSkip('too-deep'), /deeper than 1500 levels/);
    // 190 nested brackets: within what CPython accepts, so analysed.
    const fine = await analyzeText(`y = ${'('.repeat(190)}x${')'.repeat(190)}\n${BUG}`, 'python');
    assert.equal(fine.skipped, undefined);
    assert.equal(fine.diagnostics.length, 1);
  });

  it('the CLI skips binary files and handles odd files without crashing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'blob.py'), Buffer.from([0, 1, 2, 3, 255, 254, 0, 0]));
    fs.writeFileSync(path.join(dir, 'empty.py'), '');
    fs.writeFileSync(path.join(dir, 'bom.py'), `\ufeff${BUG}`);
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'check', dir], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /blob\.py: skipped: the file holds binary content/);
    assert.match(r.stdout, /bom\.py:4:1: error daemon-after-start/);
  });
});
