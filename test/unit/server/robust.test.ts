import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, tempDir } from '../helpers';
import { startSession } from './harness';

// The server never dies on a request: a URI it cannot map to a file, a missing document, a rule that throws are
// errors for that document (logged, said on it) while every other document is served; and what the user waits for
// (a hover) goes ahead of queued background work.

const PY = 'import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(1)\n\n\nasyncio.run(main())\n';

describe('language server: bad URIs are errors for that document only', () => {
  it('file URIs Node cannot map, other schemes, null: the server logs, analyses what it can, and keeps answering', async () => {
    const dir = tempDir();
    const session = await startSession(dir);
    const { rpc, logs } = session;
    try {
      const unmappable = ['file://remotehost/share/x.py', `file://${dir}/a%2Fb.py`, `file://${dir}/bad%E0%A4%A.py`, 'file:///%'];
      const otherSchemes = ['http://example.com/x.py', 'vscode-notebook-cell:/nb.py#1', 'untitled:x.py'];
      for (const uri of [...unmappable, ...otherSchemes]) {
        await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: PY } });
        await rpc.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: `${PY}\n` }] });
        const hover = await rpc.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 10 } });
        assert.match(hover?.contents.value ?? '', /time\.sleep/, `${uri}: a hover is answered, as for any unsaved buffer`);
        const actions = await rpc.sendRequest<unknown[]>('textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 5, character: 4 }, end: { line: 5, character: 14 } }, context: { diagnostics: [] } });
        assert.ok(Array.isArray(actions) && actions.length > 0, `${uri}: code actions`);
        const model = await rpc.sendRequest<{ visualisation?: unknown }>('concurrencyLens/visualisation', { uri });
        assert.ok(model?.visualisation, `${uri}: the visualiser's model`);
        await session.diagnostics(uri, (ds) => ds.some((d) => d.code === 'blocking-call-in-async'), `${uri}: its finding`);
        await rpc.sendNotification('textDocument/didSave', { textDocument: { uri } });
        await rpc.sendNotification('textDocument/didClose', { textDocument: { uri } });
      }
      for (const uri of unmappable) assert.ok(logs.some((l) => l.includes(`${uri} is not a local file path`)), `${uri} logged: ${logs.join('\n')}`);
      // Not documents at all.
      await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: null, languageId: 'python', version: 1, text: PY } });
      await rpc.sendNotification('textDocument/didOpen', { textDocument: null });
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: null, version: 2 }, contentChanges: null });
      await rpc.sendNotification('textDocument/didClose', { textDocument: { uri: 42 } });
      await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: 'file://remotehost/x.py', type: 2 }, { uri: null, type: 1 }, null] });
      // Requests about no document: an error response for that request, and the server goes on.
      await assert.rejects(rpc.sendRequest('textDocument/hover', { textDocument: null, position: { line: 0, character: 0 } }), /hover failed/);
      await assert.rejects(rpc.sendRequest('textDocument/codeAction', { textDocument: null }), /codeAction failed/);
      assert.deepEqual(await rpc.sendRequest('textDocument/codeAction', { textDocument: { uri: null }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [] } }), []);
      assert.deepEqual(await rpc.sendRequest('concurrencyLens/visualisation', null), { note: 'The file is not open in the language server.' });
      assert.ok(logs.some((l) => /Handling didOpen failed: .*not a document: uri null/.test(l)), logs.join('\n'));
      // Still serving a real file.
      const good = `file://${path.join(dir, 'good.py')}`;
      await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: good, languageId: 'python', version: 1, text: PY } });
      await session.diagnostics(good, (ds) => ds.length === 1, 'the good file\'s finding');
      const hover = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: good }, position: { line: 5, character: 10 } });
      assert.match(hover.contents.value, /time\.sleep/);
    } finally {
      assert.equal(await session.stop(), 0, 'the server exits cleanly');
    }
  });
});

describe('language server: a rule that throws', () => {
  it('is logged and said on that document; the other rules\' findings and other documents are unaffected', async () => {
    const dir = tempDir();
    const patch = path.join(dir, 'throwing-rule.cjs');
    // Only files whose text says so make the rule throw (the worker thread inherits `--require`).
    fs.writeFileSync(patch, `const { allRules } = require(${JSON.stringify(path.join(repoRoot, 'out', 'src', 'core', 'rules', 'index.js'))});\n`
      + "for (const rule of allRules) if (rule.meta.slug === 'blocking-call-in-async') { const check = rule.check; rule.check = (c) => { if (c.text.includes('# throw')) throw new TypeError('boom from a test'); return check(c); }; }\n");
    const session = await startSession(dir, { script: path.join(repoRoot, 'out', 'src', 'cli', 'main.js'), nodeArgs: ['--require', patch] });
    try {
      const bad = `file://${path.join(dir, 'bad.py')}`;
      const good = `file://${path.join(dir, 'good.py')}`;
      const text = `${PY}\nimport threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n`;
      await session.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: bad, languageId: 'python', version: 1, text: `# throw\n${text}` } });
      await session.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: good, languageId: 'python', version: 1, text } });
      const ds = await session.diagnostics(bad, (list) => list.length > 0, 'the bad file\'s diagnostics');
      assert.deepEqual(ds.map((d) => d.code).sort(), ['analysis-error', 'daemon-after-start']);
      assert.match(ds.find((d) => d.code === 'analysis-error')!.message, /could not finish rule `blocking-call-in-async`/);
      const other = await session.diagnostics(good, (list) => list.length > 0, 'the good file\'s diagnostics');
      assert.deepEqual(other.map((d) => d.code).sort(), ['blocking-call-in-async', 'daemon-after-start']);
      assert.ok(session.logs.some((l) => l.includes('Rule blocking-call-in-async failed on bad.py: boom from a test')), session.logs.join('\n'));
    } finally {
      assert.equal(await session.stop(), 0);
    }
  });
});

describe('language server: interactive requests go ahead of queued work', () => {
  it('a hover on an open file answers while 10,000 opened files wait for their analyses', async () => {
    const dir = tempDir();
    const session = await startSession(dir);
    const { rpc, published } = session;
    try {
      const COUNT = 10_000;
      const uris = Array.from({ length: COUNT }, (_, i) => `file://${path.join(dir, `m${i}.py`)}`);
      for (const [i, uri] of uris.entries()) {
        await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: `${PY}\n\ndef helper_${i}():\n    return ${i}\n` } });
      }
      const target = uris[COUNT - 1];
      const started = performance.now();
      const hover = await rpc.sendRequest<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: target }, position: { line: 5, character: 10 } });
      const elapsed = performance.now() - started;
      const analysedBefore = uris.filter((u) => published.has(u)).length;
      console.log(`hover with ${COUNT} files opened: answered in ${elapsed.toFixed(0)} ms, when ${analysedBefore} of them had been analysed`);
      assert.match(hover.contents.value, /time\.sleep/);
      // Ordering, not time: the hover (and the analysis it needs) went ahead of the other files' queued analyses.
      assert.ok(analysedBefore < COUNT - 1, `the hover waited for the whole queue (${analysedBefore} analysed)`);
      // An edit of an open file, too: its new findings come before the queue is through.
      const edited = uris[COUNT - 2];
      const editStarted = performance.now();
      await rpc.sendNotification('textDocument/didChange', { textDocument: { uri: edited, version: 2 }, contentChanges: [{ text: 'async def main():\n    pass\n' }] });
      await session.diagnostics(edited, (ds) => ds.length === 0, 'the edited file\'s findings to go');
      const analysedAfterEdit = uris.filter((u) => published.has(u)).length;
      console.log(`edit with ${COUNT} files opened: its diagnostics in ${(performance.now() - editStarted).toFixed(0)} ms, when ${analysedAfterEdit} files had been analysed`);
      assert.ok(analysedAfterEdit < COUNT - 1, `the edit waited for the whole queue (${analysedAfterEdit} analysed)`);
    } finally {
      assert.equal(await session.stop(), 0);
    }
  });
});

describe('language server: reads stay inside the workspace', () => {
  it('a symlink to outside the folder is not followed: no finding, hover or related location names what is there', async () => {
    const base = tempDir();
    const outside = path.join(base, 'outside-secret');
    const root = path.join(base, 'project');
    fs.mkdirSync(outside);
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(outside, 'helper.py'), 'import time\n\n\ndef slow():\n    time.sleep(1)  # OUTSIDE-MARKER\n');
    fs.symlinkSync(outside, path.join(root, 'lib'));
    const session = await startSession(root);
    try {
      const uri = `file://${path.join(root, 'app.py')}`;
      const text = 'import time\nfrom lib.helper import slow\n\n\nasync def main():\n    slow()\n    time.sleep(1)\n';
      await session.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text } });
      const ds = await session.diagnostics(uri, (list) => list.length > 0, 'the direct finding');
      assert.deepEqual(ds.map((d) => d.range.start.line), [6], 'only the direct call: the helper behind the link is not read');
      const hover = await session.rpc.sendRequest<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 5 } });
      assert.doesNotMatch(JSON.stringify(hover) + JSON.stringify(ds), /helper\.py|OUTSIDE-MARKER|outside-secret/);
    } finally {
      assert.equal(await session.stop(), 0);
    }
  });
});
