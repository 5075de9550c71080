import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { getParser, languageFromPath, parseText } from '../../../src/core/parser';
import { summariseTs } from '../../../src/core/project/followTs';
import { compact, movePackedFunction, moveStored, pack, wellFormed } from '../../../src/core/project/packed';
import { deferSummaryPacking, packPendingSummaries, pendingSummaryCount, type FileSummary, type FunctionSummary } from '../../../src/core/project/project';
import { analyzeDocument, ParsedDocument, TreeFacts } from '../../../src/core';
import { forgetCallerTexts } from '../../../src/core/context';
import { summarisePython } from '../../../src/core/project/pythonSummary';
import { PythonSemantics } from '../../../src/core/python/semantics';
import { TsSemantics } from '../../../src/core/ts/semantics';
import { fixture, fixturesDir } from '../helpers';

// Other files' summaries are kept packed (JSON text per function, out of the JS heap); what reads them back must be
// what the summariser said, except a repeated call of the same target with the same condition and arguments, which a
// chain never follows twice.

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && languageFromPath(e.name) !== undefined)
    .map((e) => path.join(e.parentPath, e.name));
}

async function summarise(file: string): Promise<FileSummary> {
  const language = languageFromPath(file)!;
  const tree = parseText(await getParser(language), fs.readFileSync(file, 'utf8'))!;
  return language === 'python' ? summarisePython(new PythonSemantics(tree)) : summariseTs(new TsSemantics(tree));
}

function firstCallOfEachTarget(calls: FunctionSummary['calls']): FunctionSummary['calls'] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    const id = JSON.stringify([c.target, c.when, c.args, c.recv]);
    return !seen.has(id) && (seen.add(id), true);
  });
}

describe('packed summaries', () => {
  const files = sourceFiles(path.join(fixturesDir, 'projects'));

  it('read back as the summariser made them, for every fixture project file', async () => {
    assert.ok(files.length > 20, `${files.length} files`);
    let calls = 0;
    let starts = 0;
    let light = 0;
    for (const file of files) {
      const original = await summarise(file);
      // Through JSON, as the cache file and the worker's messages carry it.
      const stored = JSON.parse(JSON.stringify(pack(original))) as ReturnType<typeof pack>;
      assert.ok(wellFormed(stored), file);
      const back = compact(stored);
      assert.deepEqual(Object.keys(back.functions), Object.keys(original.functions), file);
      for (const [key, fn] of Object.entries(original.functions)) {
        const read = back.functions[key];
        assert.equal(read.key, key);
        assert.equal(read.async, fn.async);
        assert.deepEqual(read.range, fn.range);
        assert.deepEqual(read.blocking, fn.blocking, `${file} ${key}`);
        assert.deepEqual(read.calls, firstCallOfEachTarget(fn.calls), `${file} ${key}`);
        assert.deepEqual(read.starts, fn.starts?.length ? fn.starts : undefined, `${file} ${key}`);
        assert.deepEqual(read.alsoBlocking, fn.alsoBlocking, `${file} ${key}`);
        assert.deepEqual(read.params, fn.params, `${file} ${key}`);
        assert.deepEqual(read.fields, fn.fields, `${file} ${key}`);
        calls += fn.calls.length;
        starts += fn.starts?.length ?? 0;
        light += fn.blocking?.light ? 1 : 0;
      }
      for (const names of ['classes', 'exports', 'instances', 'attributes'] as const) {
        const want = original[names] && Object.keys(original[names]).length ? original[names] : undefined;
        const got = back[names] && Object.keys(back[names]).length ? back[names] : undefined;
        assert.deepEqual(got, want, `${file} ${names}`);
      }
      assert.deepEqual(back.stars ?? [], original.stars ?? [], file);
    }
    assert.ok(calls > 100 && starts > 5 && light > 0, `the fixtures exercise calls (${calls}), starts (${starts}) and helpers making only quick metadata calls (${light})`);
  });

  it('a damaged text is refused as a whole, never half-read', async () => {
    const stored = pack(await summarise(path.join(fixturesDir, 'projects', 'py-follow', 'util.py')));
    const [key, text] = Object.entries(stored.functions)[0];
    const damaged = (functionText: string, names = stored.names) => ({ functions: { ...stored.functions, [key]: functionText }, names });
    assert.ok(wellFormed(damaged(text)));
    for (const bad of ['', '[1', '{}', '[0,1,2,0,3,0,5]', '[0,1,2,0,3,0,[["zf",0,1,2,0,3]]]', '[0,"1",2,0,3,0,[]]', '[0,1,2,0,3,["time.sleep","s()",1,2,0],[]]']) {
      assert.equal(wellFormed(damaged(bad)), false, bad);
    }
    assert.equal(wellFormed(damaged(text, '{"e":{"x":"z"}}')), false);
    assert.equal(wellFormed(damaged(text, '{"c":{"A":"qb"}}')), false);
    assert.equal(wellFormed({ functions: stored.functions }), false);
    assert.equal(wellFormed(null), false);
  });

  it('a packed function moved through an edit: every range moved, the rest byte for byte', async () => {
    let moved = 0;
    const down = (range: { start: { line: number; column: number }; end: { line: number; column: number } }) => ({
      start: { line: range.start.line + 2, column: range.start.column }, end: { line: range.end.line + 2, column: range.end.column },
    });
    for (const file of files) {
      const stored = pack(await summarise(file));
      const view = moveStored(stored, { move: down });
      for (const [key, text] of Object.entries(stored.functions)) {
        // Not moved, it reads as it was packed.
        assert.equal(movePackedFunction(text, { move: (r) => r }), text, `${file} ${key}`);
        // A function wholly after the edit moves by its head alone: the same text as moving every range.
        assert.equal(movePackedFunction(text, { move: () => assert.fail('moved range by range'), wholeLines: () => 2 }), movePackedFunction(text, { move: down }), `${file} ${key}`);
        assert.equal(movePackedFunction(text, { move: () => assert.fail('moved a range that stays'), affects: () => false }), text);
        const original = compact(stored).functions[key];
        const read = view.functions[key];
        assert.deepEqual(read.range, down(original.range));
        assert.deepEqual(read.calls.map((c) => c.range), original.calls.map((c) => down(c.range)));
        assert.deepEqual(read.blocking?.range, original.blocking && down(original.blocking.range));
        assert.deepEqual(read.starts?.map((s) => s.range), original.starts?.map((s) => down(s.range)));
        assert.deepEqual({ ...read.blocking, range: 0 }, { ...original.blocking, range: 0 });
        moved++;
      }
      assert.deepEqual(pack(view).names, stored.names);
    }
    assert.ok(moved > 50, `${moved} functions`);
  });

  it('the analysed file\'s summary is packed after the answer when the host defers it, and reads the same', async () => {
    const folder = fixture('projects', 'py-follow');
    const files = new Map(sourceFiles(folder).map((file) => [path.relative(folder, file).split(path.sep).join('/'), fs.readFileSync(file, 'utf8')]));
    const options = { path: 'app.py', readFile: (file: string) => files.get(file), listFiles: () => [...files.keys()] };
    const analyse = async (defer: boolean) => {
      forgetCallerTexts();
      // Another text each time: the summary cache is keyed by content, and an earlier run would have left it packed.
      const text = `${files.get('app.py')!}\n# ${defer ? 'deferred' : 'at once'}\n`;
      files.set('app.py', text);
      const doc = await ParsedDocument.create('python', text);
      deferSummaryPacking(defer);
      try {
        const result = analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!) });
        const pending = pendingSummaryCount();
        packPendingSummaries();
        return { pending, diagnostics: JSON.stringify(result.diagnostics) };
      } finally {
        deferSummaryPacking(false);
        doc.dispose();
      }
    };
    const deferred = await analyse(true);
    const atOnce = await analyse(false);
    assert.equal(deferred.pending, 1, 'the analysed file\'s summary waits to be packed');
    assert.equal(atOnce.pending, 0);
    assert.equal(pendingSummaryCount(), 0);
    assert.equal(deferred.diagnostics, atOnce.diagnostics);
    assert.ok((JSON.parse(atOnce.diagnostics) as unknown[]).length > 0);
  });
});
