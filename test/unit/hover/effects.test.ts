import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeDocument, ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { summaryBuilds } from '../../../src/core/project/project';
import { buildVisualisation } from '../../../src/core/visualiser';
import { hoverAt, type HoverSettings } from '../../../src/core/hover';
import { renderHover } from '../../../src/core/hoverMarkdown';
import { repoRoot } from '../helpers';

// A hover on one of the project's own functions says whether calling it blocks the thread, and through which calls
// (in other files too), from the same summaries blocking-call-in-async follows.

const FULL: HoverSettings = { hover: 'full', pythonFreeThreaded: false };
const PROJECTS = path.join(repoRoot, 'test', 'fixtures', 'projects');

async function hoverOn(project: string, file: string, language: Language, line: string, token: string, withProject = true) {
  const root = path.join(PROJECTS, project);
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const lines = text.split('\n');
  const row = lines.findIndex((l) => l.includes(line));
  assert.ok(row >= 0, `no line with ${line}`);
  const column = lines[row].indexOf(token, lines[row].indexOf(line)) + 1;
  const doc = await ParsedDocument.create(language, text);
  try {
    const readFile = (p: string) => (fs.existsSync(path.join(root, p)) ? fs.readFileSync(path.join(root, p), 'utf8') : undefined);
    return hoverAt(doc, new TreeFacts(doc.tree!), { line: row, column }, [], FULL, withProject ? { path: file, readFile } : undefined);
  } finally {
    doc.dispose();
  }
}

describe('hover on the project\'s own functions', () => {
  it('Python: a call of an imported helper names the blocking call in the other file', async () => {
    const info = await hoverOn('py-follow', 'app.py', 'python', 'rev = git_rev()', 'git_rev');
    assert.deepEqual(info?.effects?.blocks, [{ shown: 'subprocess.check_output()', where: 'util.py:5' }]);
    // As shown: markdown escapes in the document's text removed.
    const markdown = renderHover(info).markdown.replace(/\\(.)/g, '$1');
    assert.match(markdown, /\*\*`git_rev\(\)` blocks the thread it runs on:\*\* it calls `subprocess\.check_output\(\)` \(util\.py:5\)\./);
    assert.match(markdown, /asyncio\.to_thread\(git_rev\)/);
  });

  it('Python: a definition in this file, and a chain three calls down', async () => {
    const definition = await hoverOn('py-follow', 'app.py', 'python', 'def read_hostname', 'read_hostname');
    const openLine = fs.readFileSync(path.join(PROJECTS, 'py-follow', 'app.py'), 'utf8').split('\n').findIndex((l) => l.includes('with open(')) + 1;
    assert.deepEqual(definition?.effects?.blocks, [{ shown: 'open()', where: `line ${openLine}` }]);
    const deep = await hoverOn('py-follow', 'app.py', 'python', 'chain = deep()', 'deep');
    assert.equal(deep?.effects?.blocks?.length, 3);
    assert.equal(deep?.effects?.blocks?.at(-1)?.shown, 'time.sleep()');
  });

  it('says nothing about a helper that does not block, an async function, or without access to the project', async () => {
    assert.equal((await hoverOn('py-follow', 'app.py', 'python', 'pure = other_rev()', 'other_rev'))?.effects, undefined);
    assert.equal((await hoverOn('py-follow', 'app.py', 'python', 'async def handler', 'handler'))?.effects, undefined);
    assert.equal((await hoverOn('py-follow', 'app.py', 'python', 'rev = git_rev()', 'git_rev', false))?.effects, undefined);
  });

  it('TS: a same-file helper and a function imported from another module', async () => {
    const local = await hoverOn('ts-follow', 'app.ts', 'typescript', 'function viaTemplate', 'viaTemplate');
    assert.deepEqual(local?.effects?.blocks?.map((b) => b.shown), ['loadTemplate()', 'fs.readFileSync()']);
    const imported = await hoverOn('ts-follow', 'app.ts', 'typescript', 'import { gitRev', 'gitRev');
    assert.equal(imported?.effects, undefined, 'an import line is not a call');
    assert.match(renderHover(local).markdown, /`fs\/promises`/);
  });

  it('says a function is CPU-bound, in this file or another, as the CPU rules find it; not a small or I/O one', async () => {
    const imported = await hoverOn('py-cpu', 'app.py', 'python', 'value = checksum([])', 'checksum');
    assert.deepEqual(imported?.effects?.cpu, { evidence: 'the loop at line 3 does arithmetic and makes no I/O call', file: 'crunch.py' });
    assert.equal(imported?.effects?.blocks, undefined);
    const markdown = renderHover(imported).markdown.replace(/\\(.)/g, '$1');
    assert.match(markdown, /\*\*`checksum\(\)` is CPU-bound:\*\* the loop at line 3 does arithmetic and makes no I\/O call \(in crunch\.py\)\./);
    assert.match(markdown, /ProcessPoolExecutor/);
    // Summing three items is not large work; reading files is not CPU work.
    assert.equal((await hoverOn('py-cpu', 'app.py', 'python', 'tiny = small(', 'small'))?.effects, undefined);
    assert.equal((await hoverOn('py-cpu', 'app.py', 'python', 'asyncio.to_thread(fetch_all', 'fetch_all'))?.effects, undefined);
    // At its definition, in its own file: no file named.
    const own = await hoverOn('py-cpu', 'lib/crunch.py', 'python', 'def checksum', 'checksum');
    assert.deepEqual(own?.effects?.cpu, { evidence: 'the loop at line 3 does arithmetic and makes no I/O call' });
    const ts = await hoverOn('ts-cpu', 'app.ts', 'typescript', 'const sum = checksum(seed)', 'checksum');
    assert.equal(ts?.effects?.cpu?.file, 'hash.ts');
    assert.match(renderHover(ts).markdown, /worker_threads/);
    assert.equal((await hoverOn('ts-cpu', 'app.ts', 'typescript', 'const names = joinNames', 'joinNames'))?.effects, undefined);
  });
});

describe('one summary of the analysed file per analysis', () => {
  for (const [project, file, language, line, token] of [
    ['py-follow', 'app.py', 'python', 'await asyncio.to_thread(git_rev)', 'git_rev'],
    ['ts-follow', 'app.ts', 'typescript', 'gitRev();', 'gitRev'],
  ] as const) {
    it(`${language}: every rule, the hover and the visualiser share it`, async () => {
      const root = path.join(PROJECTS, project);
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      const readFile = (p: string) => (fs.existsSync(path.join(root, p)) ? fs.readFileSync(path.join(root, p), 'utf8') : undefined);
      const doc = await ParsedDocument.create(language, text);
      try {
        const facts = new TreeFacts(doc.tree!);
        const before = summaryBuilds();
        const result = analyzeDocument(doc, { facts, path: file, readFile });
        assert.ok(result.diagnostics.some((d) => d.code === 'blocking-call-in-async' && d.related.some((r) => r.path)), 'the rules followed calls');
        const lines = text.split('\n');
        const row = lines.findIndex((l) => l.includes(line));
        assert.ok(row >= 0);
        hoverAt(doc, facts, { line: row, column: lines[row].indexOf(token) + 1 }, [], FULL, { path: file, readFile });
        buildVisualisation(doc, facts, { freeThreaded: false }, [], { path: file, readFile });
        assert.equal(summaryBuilds() - before, 1);
      } finally {
        doc.dispose();
      }
    });
  }
});
