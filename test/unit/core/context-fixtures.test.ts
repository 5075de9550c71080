import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, languageFromPath, type AnalysisSettings, type Diagnostic } from '../../../src/core';
import { fixture, pyCompiles, fullText } from '../helpers';

// Each false-positive pattern measured on real projects (docs/dev/noise-measurement.md), as a minimal project of our own:
// a flagged line ends with `expect: <severity>`; a line without it has no finding.
const ROOT = fixture('projects', 'noise');
const ONLY = ['blocking-call-in-async'];

function sources(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === '__pycache__' ? [] : sources(dir, child);
    return /\.(ts|py)$/.test(entry.name) ? [child] : [];
  });
}

/** The project's files read as a host would: by a path relative to the folder the analysis started in. */
function readFile(file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(ROOT, file), 'utf8');
  } catch {
    return undefined;
  }
}

/** The fixture project's source files, as the CLI's worker lists a package for finding callers. */
const listFiles = () => sources(ROOT);

async function findings(rel: string, settings?: AnalysisSettings, withCallers = true): Promise<{ text: string; diagnostics: Diagnostic[] }> {
  const text = fs.readFileSync(path.join(ROOT, rel), 'utf8');
  const result = await analyzeText(text, languageFromPath(rel)!, { only: ONLY, path: rel, readFile, ...(withCallers ? { listFiles } : {}), ...(settings ? { settings } : {}) });
  assert.deepEqual(result.ruleErrors, []);
  return { text, diagnostics: result.diagnostics };
}

function expected(text: string): Map<number, string> {
  const out = new Map<number, string>();
  text.split('\n').forEach((line, i) => {
    const m = /(?:\/\/|#) expect: (\w+)\s*$/.exec(line);
    if (m) out.set(i, m[1]);
  });
  return out;
}

describe('concurrency context on fixture projects (hot, cold, unknown)', () => {
  const files = sources(ROOT);

  it('has a fixture for each pattern', () => {
    assert.ok(files.length >= 12, files.join(', '));
  });

  for (const rel of files) {
    it(`${rel}: each finding has the severity its line expects`, async () => {
      if (rel.endsWith('.py')) pyCompiles(path.join(ROOT, rel));
      const { text, diagnostics } = await findings(rel);
      const want = expected(text);
      const got = new Map(diagnostics.map((d) => [d.range.start.line, d.severity]));
      assert.deepEqual([...got.entries()].sort(), [...want.entries()].sort(), diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join('\n'));
      // A hint says why it matters less; a warning never does.
      for (const d of diagnostics) assert.equal(/It matters less here/.test(fullText(d)), d.severity === 'hint', d.message);
    });
  }

  it('coldSeverity "off" drops the cold findings and keeps the others', async () => {
    for (const rel of files) {
      const { text, diagnostics } = await findings(rel, { pythonFreeThreaded: false, ruleSeverity: {}, coldSeverity: 'off' });
      const want = [...expected(text).entries()].filter(([, s]) => s !== 'hint').sort();
      assert.deepEqual(diagnostics.map((d) => [d.range.start.line, d.severity]).sort(), want, rel);
    }
  });

  it('an exported function is cold only when its callers can be listed (the call graph) and are all cold', async () => {
    const withCallers = (await findings('plugin/dev.ts')).diagnostics;
    assert.match(fullText(withCallers[0]), /only called from code that runs once \(`startDevServer\(\.\.\.\)` at plugins\.ts:\d+: it is the plugin hook `configureServer`/);
    const without = (await findings('plugin/dev.ts', undefined, false)).diagnostics;
    assert.deepEqual(without.map((d) => d.severity), ['information']);
  });

  it('names the evidence of a cold context', async () => {
    const plugin = (await findings('plugin/plugins.ts')).diagnostics;
    assert.match(fullText(plugin.find((d) => d.range.start.line === 15)!), /the plugin hook `writeBundle` \(plugins\.ts:15\), run once per build/);
    assert.match(fullText(plugin.find((d) => d.range.start.line === 41)!), /only called from code that runs once \(`writeManifest\(\.\.\.\)` at plugins\.ts:34: it is the plugin hook `adapt`/);
    const test = (await findings('pytests/tests/test_store.py')).diagnostics;
    assert.match(fullText(test[0]), /it is test code \(`test_store_waits` in `test_store\.py`, which pytest collects\)/);
  });
});
