import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Node } from 'web-tree-sitter';
import { ParsedDocument, TreeFacts, type Language, type Position } from '../../../src/core';
import { hoverAt, type HoverSettings } from '../../../src/core/hover';
import { fixture } from '../helpers';

const FULL: HoverSettings = { hover: 'full', pythonFreeThreaded: false };

/** Expected entry ids per line, from the line's `hover: token=id ...` comment. */
function markers(text: string): Map<number, Map<string, string>> {
  const result = new Map<number, Map<string, string>>();
  text.split('\n').forEach((line, i) => {
    const m = /(?:#|\/\/) hover: (.*)$/.exec(line);
    if (!m) return;
    const expected = new Map<string, string>();
    for (const pair of m[1].trim().split(/\s+/)) {
      const at = pair.lastIndexOf('=');
      expected.set(pair.slice(0, at), pair.slice(at + 1));
    }
    result.set(i, expected);
  });
  return result;
}

function leaves(node: Node, out: Node[] = []): Node[] {
  if (node.childCount === 0) {
    if (node.endIndex > node.startIndex) out.push(node);
    return out;
  }
  for (const child of node.children) if (child) leaves(child, out);
  return out;
}

/**
 * Hovers every token of a fixture (at its first and its middle character, and on the space after it)
 * and compares the entry shown with the line's markers; unlisted tokens, strings and comments must show nothing.
 */
async function walk(file: string, language: Language): Promise<{ problems: string[]; checked: number }> {
  const text = fs.readFileSync(file, 'utf8');
  const doc = await ParsedDocument.create(language, text);
  try {
    const facts = new TreeFacts(doc.tree!);
    const expected = markers(text);
    const seen = new Map<number, Set<string>>();
    const problems: string[] = [];
    let checked = 0;
    const entryAt = (p: Position) => hoverAt(doc, facts, p, [], FULL)?.entry?.id ?? '-';
    for (const leaf of leaves(doc.tree!.rootNode)) {
      const line = leaf.startPosition.row;
      const want = leaf.type === 'comment' ? '-' : expected.get(line)?.get(leaf.text) ?? '-';
      if (want !== '-' || expected.get(line)?.has(leaf.text)) (seen.get(line) ?? seen.set(line, new Set()).get(line)!).add(leaf.text);
      const start = { line, column: leaf.startPosition.column };
      const points = [start];
      if (leaf.startPosition.row === leaf.endPosition.row && leaf.text.length > 1) {
        points.push({ line, column: start.column + Math.floor(leaf.text.length / 2) });
      }
      for (const p of points) {
        const got = entryAt(p);
        checked++;
        if (got !== want) problems.push(`${p.line + 1}:${p.column + 1} ${JSON.stringify(leaf.text)} (${leaf.type}): expected ${want}, got ${got}`);
      }
    }
    for (const [line, names] of expected) {
      for (const name of names.keys()) {
        if (!seen.get(line)?.has(name)) problems.push(`${line + 1}: marker token ${JSON.stringify(name)} is not a token of the line`);
      }
    }
    // Blank space between tokens never hovers.
    text.split('\n').forEach((lineText, line) => {
      for (let column = 0; column < lineText.length; column++) {
        if (lineText[column] === ' ' && lineText[column - 1] === ' ') {
          const got = entryAt({ line, column });
          if (got !== '-') problems.push(`${line + 1}:${column + 1} (space): expected -, got ${got}`);
        }
      }
    });
    return { problems, checked };
  } finally {
    doc.dispose();
  }
}

describe('hoverAt on fixture files', () => {
  it('Python: aliases, from-imports, instances, methods, keywords; a local gather, strings and comments get nothing', async () => {
    const { problems, checked } = await walk(fixture('hover', 'apis.py'), 'python');
    assert.deepEqual(problems, []);
    assert.ok(checked > 200, `only ${checked} positions checked`);
  });

  it('TS: import forms, require, new Worker instances and their methods, globals, keywords', async () => {
    const { problems, checked } = await walk(fixture('hover', 'apis.ts'), 'typescript');
    assert.deepEqual(problems, []);
    assert.ok(checked > 200, `only ${checked} positions checked`);
  });

  it('TSX: the TS fixture gives the same hovers', async () => {
    const { problems } = await walk(fixture('hover', 'apis.ts'), 'tsx');
    assert.deepEqual(problems, []);
  });

  it('JavaScript: require forms, a user function shadowing the global setTimeout', async () => {
    const { problems, checked } = await walk(fixture('hover', 'apis.js'), 'javascript');
    assert.deepEqual(problems, []);
    assert.ok(checked > 100, `only ${checked} positions checked`);
  });
});
