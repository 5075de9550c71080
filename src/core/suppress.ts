import type { Language, TextEdit } from './types';

// Suppression comments: `# concurrency-lens: ignore[slug, ...]` (Python) or `// ...` (TS/JS) at the end of a line.
// analyze.ts honours them; hosts offer this edit as "Ignore on this line".

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
