import type { Node, Tree } from 'web-tree-sitter';
import { occurrences } from './locate';
import type { Diagnostic, Language, TextEdit } from './types';
import { endOf, lineOf } from './text';

// Suppression comments, found as the parser's comment nodes (a marker inside a string is not one):
//   `concurrency-lens: ignore[slug, ...]`            the comment's own line
//   `concurrency-lens: ignore-next-line[slug, ...]`  the line after the comment
//   `concurrency-lens: ignore-file[slug, ...]`       the whole file
// (`#` in Python, `//` or `/* */` in TS/JS; without `[...]`: every rule). Python also honours peers' comments for
// rules that have peer codes (RuleMeta.peerCodes): `# noqa` and `# noqa: ASYNC230` on the line, `# ruff: noqa[: codes]`
// for the file, as Ruff users expect.
// analyze.ts applies them; hosts offer `ignoreOnLineEdit` as "Ignore on this line".

const MARKER = 'concurrency-lens:';
const DIRECTIVE = /concurrency-lens:\s*(ignore-next-line|ignore-file|ignore)(?![\w-])(?:\[([^\]]*)\])?/g;
/** `# noqa`, `# noqa: A1, B2` (Ruff's spelling: any case, codes split by commas or spaces). */
const NOQA = /#\s*noqa(?::\s*([A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?/gi;
/** File-level `# ruff: noqa` / `# flake8: noqa`, with or without codes: only at the start of a comment. */
const FILE_NOQA = /^#\s*(?:ruff|flake8)\s*:\s*noqa(?::\s*([A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?/i;
const EVERY_RULE = '*';

/** Which rules each line, and the whole file, silence. A set holding '*' silences every rule. */
export interface Suppressions {
  lines: Map<number, Set<string>>;
  file: Set<string>;
  /** Peer codes (upper-case) per line from `# noqa: CODE`; '*' for a bare `# noqa`. */
  peerLines: Map<number, Set<string>>;
  peerFile: Set<string>;
}

function add(map: Map<number, Set<string>>, line: number, names: Iterable<string>): void {
  const set = map.get(line) ?? new Set<string>();
  for (const name of names) set.add(name);
  map.set(line, set);
}

function slugList(list: string | undefined): string[] {
  if (list === undefined) return [EVERY_RULE];
  return list.split(',').map((s) => s.trim()).filter(Boolean);
}

function codeList(list: string | undefined): string[] {
  if (list === undefined) return [EVERY_RULE];
  return list.split(/[\s,]+/).filter(Boolean).map((c) => c.toUpperCase());
}

/** The comment nodes holding any of `markers` (found by text, confirmed by the tree), each once. */
function commentsWith(tree: Tree, text: string, markers: readonly string[]): Node[] {
  const seen = new Map<number, Node>();
  for (const marker of markers) {
    for (const offset of occurrences(text, marker)) {
      const node = tree.rootNode.descendantForIndex(offset, offset + marker.length);
      if (node?.type === 'comment' && !seen.has(node.id)) seen.set(node.id, node);
    }
  }
  return [...seen.values()];
}

export function findSuppressions(tree: Tree, text: string, language: Language): Suppressions {
  const result: Suppressions = { lines: new Map(), file: new Set(), peerLines: new Map(), peerFile: new Set() };
  for (const comment of commentsWith(tree, text, [MARKER])) {
    for (const m of comment.text.matchAll(DIRECTIVE)) {
      const slugs = slugList(m[2]);
      if (m[1] === 'ignore-file') for (const s of slugs) result.file.add(s);
      else add(result.lines, m[1] === 'ignore' ? lineOf(comment) : endOf(comment).line + 1, slugs);
    }
  }
  if (language === 'python') {
    for (const comment of commentsWith(tree, text, ['noqa', 'NOQA', 'Noqa'])) {
      const fileLevel = FILE_NOQA.exec(comment.text);
      if (fileLevel) {
        for (const c of codeList(fileLevel[1])) result.peerFile.add(c);
        continue;
      }
      for (const m of comment.text.matchAll(NOQA)) add(result.peerLines, lineOf(comment), codeList(m[1]));
    }
  }
  return result;
}

const silences = (set: Set<string> | undefined, slug: string): boolean => set !== undefined && (set.has(EVERY_RULE) || set.has(slug));

/** True when a comment silences the diagnostic; `peerCodes` are the Ruff/flake8 codes of its rule (none: noqa never applies). */
export function isSuppressed(s: Suppressions, diagnostic: Diagnostic, peerCodes: readonly string[] = []): boolean {
  const line = diagnostic.range.start.line;
  if (silences(s.file, diagnostic.code) || silences(s.lines.get(line), diagnostic.code)) return true;
  if (!peerCodes.length) return false;
  const peer = (set: Set<string> | undefined) => set !== undefined && (set.has(EVERY_RULE) || peerCodes.some((c) => set.has(c)));
  return peer(s.peerFile) || peer(s.peerLines.get(line));
}

const EXISTING = /concurrency-lens:\s*ignore\[([^\]]*)\]/;

/** The edit that silences `slug` on `line` (whose text is `lineText`): extends an ignore list already there, else appends one. */
export function ignoreOnLineEdit(language: Language, line: number, lineText: string, slug: string): TextEdit {
  const existing = EXISTING.exec(lineText);
  if (existing) {
    const at = existing.index + existing[0].length - 1;
    return { range: { start: { line, column: at }, end: { line, column: at } }, newText: `, ${slug}` };
  }
  const marker = language === 'python' ? '#' : '//';
  const end = lineText.replace(/[\r\n]+$/, '').length;
  return { range: { start: { line, column: end }, end: { line, column: end } }, newText: `  ${marker} concurrency-lens: ignore[${slug}]` };
}
