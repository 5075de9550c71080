import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeDescription, DiagnosticSeverity, DiagnosticTag, type Diagnostic as LspDiagnostic, type Range as LspRange, type TextEdit as LspTextEdit,
} from 'vscode-languageserver/node';
import type { Diagnostic, Range, Severity, TextEdit } from '../core';

// Core shapes -> LSP shapes. Both count lines from 0 and columns in UTF-16 code units.

export const SOURCE = 'concurrency-lens';

export function toLspRange(range: Range): LspRange {
  return { start: { line: range.start.line, character: range.start.column }, end: { line: range.end.line, character: range.end.column } };
}

export function fromLspRange(range: LspRange): Range {
  return { start: { line: range.start.line, column: range.start.character }, end: { line: range.end.line, column: range.end.character } };
}

export function toLspEdit(edit: TextEdit): LspTextEdit {
  return { range: toLspRange(edit.range), newText: edit.newText };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** The rule pages ship in the package (docs/rules beside dist/), so a file URI opens offline in any editor. */
export function ruleDocHref(slug: string, packageRoot = path.resolve(__dirname, '..')): string | undefined {
  if (!/^[a-z0-9-]+$/.test(slug)) return undefined;
  // Asked once per diagnostic on every publish (hundreds in a large file): each page's URI is made once.
  const key = `${packageRoot}\0${slug}`;
  let href = docHrefs.get(key);
  if (href === undefined) docHrefs.set(key, href = pathToFileURL(path.join(packageRoot, 'docs', 'rules', `${slug}.md`)).href);
  return href;
}

/** Rule pages' URIs by package root and slug: a handful of rules, so a handful of entries. */
const docHrefs = new Map<string, string>();

/** Where a related location in another file is: its path is relative to the analysed file's project root. */
export type RelatedUri = (relativePath: string) => string | undefined;

export function toLspDiagnostic(uri: string, d: Diagnostic, relatedUri: RelatedUri = () => undefined, docHref: (slug: string) => string | undefined = ruleDocHref): LspDiagnostic {
  const href = docHref(d.code);
  return {
    range: toLspRange(d.range),
    severity: SEVERITY[d.severity],
    code: d.code,
    ...(href && CodeDescription.is({ href }) ? { codeDescription: { href } } : {}),
    source: SOURCE,
    message: d.message,
    relatedInformation: d.related.flatMap((r) => {
      const at = r.path === undefined ? uri : relatedUri(r.path);
      return at ? [{ location: { uri: at, range: toLspRange(r.range) }, message: r.message }] : [];
    }),
    tags: d.tags.map((t) => (t === 'deprecated' ? DiagnosticTag.Deprecated : DiagnosticTag.Unnecessary)),
  };
}
