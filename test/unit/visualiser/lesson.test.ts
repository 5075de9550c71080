// The what-if lesson never contradicts its own numbers: over every example and fixture, and every entry point of each
// (module body, handlers with their arrivals, thread targets, tasks, a few plain functions), the mode it recommends is
// the fastest, or ties with it and the text says so.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { analyzeDocument, languageFromPath, ParsedDocument, TreeFacts } from '../../../src/core';
import { buildVisualisation } from '../../../src/core/visualiser';
import { fixturesDir } from '../helpers';
import { repoRoot } from './root';

/** Entries per file: every entry that drives the program, and the first few plain functions. */
const PLAIN_FUNCTIONS = 3;

function sources(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 8) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') sources(p, out, depth + 1);
    else if (e.isFile() && languageFromPath(p)) out.push(p);
  }
  return out;
}

test('the recommended model is the fastest bar, or ties with it and says so, for every example and fixture', async () => {
  const files = [...sources(path.join(repoRoot(), 'examples')), ...sources(fixturesDir)].sort();
  let checked = 0;
  for (const file of files) {
    const language = languageFromPath(file)!;
    const text = fs.readFileSync(file, 'utf8');
    const doc = await ParsedDocument.create(language, text);
    try {
      if (!doc.tree) continue;
      const facts = new TreeFacts(doc.tree);
      const { diagnostics } = analyzeDocument(doc, { facts });
      const first = buildVisualisation(doc, facts, { freeThreaded: false }, diagnostics);
      let plain = 0;
      const entries = first.entries.filter((e) => e.kind !== 'function' || plain++ < PLAIN_FUNCTIONS);
      for (const entry of entries) {
        const v = entry.id === first.entry.id ? first : buildVisualisation(doc, facts, { freeThreaded: false }, diagnostics, undefined, { entry: entry.id });
        const w = v.whatIf;
        if (!w) continue;
        checked++;
        const where = `${path.relative(repoRoot(), file)} from ${entry.label}`;
        const min = Math.min(...w.results.map((r) => r.totalMs));
        const best = w.results.find((r) => r.mode === w.recommended)!;
        assert.ok(best.totalMs <= min * 1.05 + 0.5, `${where}: recommends ${best.label} (${best.totalMs} ms) but the fastest is ${min} ms`);
        // "Fastest" names the fastest bar; a simpler pick within the margin is a "Pick" that says what is about as fast.
        assert.ok(w.lesson.startsWith(`${best.totalMs > min ? 'Pick' : 'Fastest'}: ${best.label} (${best.totalMs} ms;`), `${where}: ${w.lesson}`);
        if (best.totalMs > min) assert.match(w.lesson, /about as fast/, where);
        for (const r of w.results) assert.ok(w.lesson.includes(`${r.label} ${r.totalMs} ms`) || r === best, `${where}: the lesson omits ${r.label}`);
      }
    } finally {
      doc.dispose();
    }
  }
  assert.ok(checked >= 30, `only ${checked} what-ifs checked`);
});
