import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, languageFromPath, LineIndex, ParsedDocument, TreeFacts, type Diagnostic } from '../../../src/core';
import { entryNode, listEntryPoints } from '../../../src/core/visualiser/entries';
import { dropFixesThatBreakSyntax } from '../../../src/core/fixCheck';
import { fixturesDir } from '../helpers';

// One line model: a lone CR is a line break for LSP, VS Code and the CLI, but not for tree-sitter's rows; every
// position (diagnostics, fixes, inserted lines) must come out the same whatever the file's line endings.

/** Every fixture with a finding that has a fix, Python and TS. */
function fixtureFilesWithFixes(): string[] {
  const out: string[] = [];
  for (const lang of ['python', 'ts']) {
    for (const rule of fs.readdirSync(path.join(fixturesDir, lang))) {
      const dir = path.join(fixturesDir, lang, rule);
      if (!fs.statSync(dir).isDirectory()) continue;
      for (const name of fs.readdirSync(dir)) if (name.startsWith('bad_') && languageFromPath(name)) out.push(path.join(dir, name));
    }
  }
  return out.sort();
}

async function fixResults(text: string, file: string): Promise<{ diagnostics: Diagnostic[]; results: string[] }> {
  const result = await analyzeText(text, languageFromPath(file)!);
  assert.deepEqual(result.ruleErrors, []);
  return { diagnostics: result.diagnostics, results: result.diagnostics.flatMap((d) => d.fixes.map((f) => applyEdits(text, f.edits))) };
}

describe('line endings: one line model', () => {
  const files = fixtureFilesWithFixes();

  it('a lone CR in a comment at the top moves no fix (every fix of every fixture, Python and TS)', async () => {
    let fixes = 0;
    for (const file of files) {
      const original = fs.readFileSync(file, 'utf8');
      const comment = languageFromPath(file) === 'python' ? '# lone\r# cr\n' : '// lone\r// cr\n';
      const at = original.startsWith('#!') ? original.indexOf('\n') + 1 : 0;
      const variant = original.slice(0, at) + comment + original.slice(at);
      const before = await fixResults(original, file);
      const after = await fixResults(variant, file);
      assert.equal(after.diagnostics.length, before.diagnostics.length, file);
      // The comment is two lines for LSP: every finding is two lines further down, at the same column.
      after.diagnostics.forEach((d, i) => {
        const was = before.diagnostics[i].range;
        const shift = was.start.line >= new LineIndex(original).positionAt(at).line ? 2 : 0;
        assert.deepEqual(d.range, { start: { line: was.start.line + shift, column: was.start.column }, end: { line: was.end.line + shift, column: was.end.column } }, `${file}: ${d.message}`);
      });
      assert.equal(after.results.length, before.results.length, file);
      after.results.forEach((fixed, i) => {
        assert.ok(fixed.includes(comment), `${file}: the fix kept the comment`);
        assert.equal(fixed.replace(comment, ''), before.results[i], `${file}: fix ${i} landed elsewhere`);
      });
      fixes += after.results.length;
    }
    assert.ok(fixes > 50, `${fixes} fixes checked`);
  });

  it('CRLF files: the same findings and fixes, and inserted lines end in CRLF', async () => {
    for (const file of files) {
      const original = fs.readFileSync(file, 'utf8');
      if (original.includes('\r')) continue;
      const before = await fixResults(original, file);
      const after = await fixResults(original.replaceAll('\n', '\r\n'), file);
      assert.deepEqual(after.diagnostics.map((d) => d.range), before.diagnostics.map((d) => d.range), file);
      after.results.forEach((fixed, i) => assert.equal(fixed, before.results[i].replaceAll('\n', '\r\n'), `${file}: fix ${i}`));
    }
  });

  it('an added import takes the line ending of the line it follows (mixed endings kept)', async () => {
    const text = 'import time\r\nimport os\n\nasync def tick():\n    time.sleep(1)\n';
    const { diagnostics } = await fixResults(text, 'a.py');
    const fix = diagnostics[0].fixes.find((f) => f.preferred)!;
    assert.equal(applyEdits(text, fix.edits), 'import time\r\nimport os\nimport asyncio\n\nasync def tick():\n    await asyncio.sleep(1)\n');
    const crlfFirst = 'import os\r\n\r\nasync def tick():\n    os.system("x")\n';
    const other = (await fixResults(crlfFirst, 'b.py')).diagnostics[0].fixes.find((f) => f.preferred)!;
    assert.match(applyEdits(crlfFirst, other.edits), /^import os\r\nimport asyncio\r\n\r\n/);
  });

  it('the visualiser finds an entry function by its range below a lone CR', async () => {
    const text = 'import asyncio\n# a\r# b\nasync def handler():\n    await asyncio.sleep(1)\n';
    const doc = await ParsedDocument.create('python', text);
    try {
      const facts = new TreeFacts(doc.tree!);
      const list = listEntryPoints({ language: 'python', root: doc.tree!.rootNode, text, python: () => facts.python(), ts: () => facts.ts() });
      const entry = list.find((e) => e.label.includes('handler'))!;
      assert.equal(entry.range.start.line, 3, 'the editor\'s line');
      assert.equal(entryNode(doc.tree!.rootNode, entry, 'python')?.childForFieldName('name')?.text, 'handler');
    } finally {
      doc.dispose();
    }
  });

  it('LineIndex: line breaks per line, and tree-sitter points that count only LF', () => {
    const lines = new LineIndex('a\r\nb\rc\nd');
    assert.equal(lines.lineCount, 4);
    assert.deepEqual([0, 1, 2, 3].map((l) => lines.breakOf(l)), ['\r\n', '\r', '\n', '']);
    assert.equal(lines.eolNear(3), '\n');
    assert.equal(lines.eol, '\r\n');
    assert.deepEqual(lines.positionAt(5), { line: 2, column: 0 });
    assert.deepEqual(lines.treePointAt(5), { row: 1, column: 2 });
    assert.deepEqual(lines.treePointAt(7), { row: 2, column: 0 });
  });

  it('preferred fixes sound alone but not together: the one that tips the set over stops being preferred', async () => {
    const text = 'if a:\n    pass\nx = 1\n';
    const doc = await ParsedDocument.create('python', text);
    try {
      const diagnostic = (title: string, range: Diagnostic['range'], newText: string): Diagnostic => ({
        code: 'test', severity: 'warning', message: title, range, related: [], tags: [], fixes: [{ title, edits: [{ range, newText }], preferred: true, applicability: 'safe' }],
      });
      // Alone, each parses: an else for the if, a statement after its body. Together the else has no if.
      const diagnostics = [
        diagnostic('else', { start: { line: 2, column: 0 }, end: { line: 2, column: 5 } }, 'else:\n    x = 1'),
        diagnostic('after', { start: { line: 1, column: 4 }, end: { line: 1, column: 8 } }, 'pass\nz = 0'),
      ];
      const dropped = dropFixesThatBreakSyntax(doc, diagnostics, 'together');
      assert.deepEqual(dropped, [{ rule: 'test', title: 'after', line: 1, why: 'would not parse with the others' }]);
      assert.deepEqual(diagnostics.map((d) => [d.fixes.length, d.fixes[0].preferred]), [[1, true], [1, false]]);
    } finally {
      doc.dispose();
    }
  });

  it('a fix whose text would not parse is dropped, a sound one kept', async () => {
    const text = 'async def f():\n    x = 1\n';
    const doc = await ParsedDocument.create('python', text);
    try {
      const at = { line: 1, column: 4 };
      const diagnostics: Diagnostic[] = [{
        code: 'test', severity: 'warning', message: 'm', range: { start: at, end: at }, related: [], tags: [],
        fixes: [
          { title: 'breaks', applicability: 'safe', edits: [{ range: { start: at, end: { line: 1, column: 9 } }, newText: 'x = (1' }] },
          { title: 'sound', applicability: 'safe', edits: [{ range: { start: at, end: { line: 1, column: 9 } }, newText: 'x = (1)' }] },
        ],
      }];
      const dropped = dropFixesThatBreakSyntax(doc, diagnostics);
      assert.deepEqual(dropped, [{ rule: 'test', title: 'breaks', line: 1, why: 'would not parse' }]);
      assert.deepEqual(diagnostics[0].fixes.map((f) => f.title), ['sound']);
    } finally {
      doc.dispose();
    }
  });
});

// An edit's line index is made from the last one (the lines the edit touches are read again, the rest moved): it must be
// the index of the new text, whatever breaks the edit adds, removes, joins (`\r` + `\n`) or splits.
describe('line index after an edit', () => {
  it('equals the index of the edited text, for random edits over mixed line endings', () => {
    const pieces = ['a', 'bc', ' ', '\n', '\r', '\r\n', '\n\n', 'x\r', '\ny'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const some = (n: number) => Array.from({ length: n }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    let text = some(40);
    let index = new LineIndex(text);
    for (let step = 0; step < 2000; step++) {
      const start = Math.floor(random() * (text.length + 1));
      const oldEnd = Math.min(text.length, start + Math.floor(random() * 4));
      const inserted = random() < 0.3 ? '' : some(1 + Math.floor(random() * 3));
      const next = text.slice(0, start) + inserted + text.slice(oldEnd);
      const edited = index.edited(start, oldEnd, inserted, next);
      const fresh = new LineIndex(next);
      assert.equal(edited.lineCount, fresh.lineCount, JSON.stringify({ text, start, oldEnd, inserted }));
      for (let offset = 0; offset <= next.length; offset++) {
        assert.deepEqual(edited.positionAt(offset), fresh.positionAt(offset));
        assert.deepEqual(edited.treePointAt(offset), fresh.treePointAt(offset));
      }
      text = next.length > 400 ? next.slice(0, 200) : next;
      index = text === next ? edited : new LineIndex(text);
    }
  });
});
