import * as vscode from 'vscode';
import type { Diagnostic, Range, Severity, TextEdit } from '../core';

// Core shapes -> VS Code shapes. Both use 0-based lines and UTF-16 columns.

export const SOURCE = 'Concurrency Lens';

export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.column, range.end.line, range.end.column);
}

export function toSeverity(severity: Severity): vscode.DiagnosticSeverity {
  switch (severity) {
    case 'error': return vscode.DiagnosticSeverity.Error;
    case 'warning': return vscode.DiagnosticSeverity.Warning;
    case 'information': return vscode.DiagnosticSeverity.Information;
    case 'hint': return vscode.DiagnosticSeverity.Hint;
  }
}

export function toWorkspaceEdit(uri: vscode.Uri, edits: readonly TextEdit[]): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const e of edits) edit.replace(uri, toRange(e.range), e.newText);
  return edit;
}

/** Rule pages ship inside the extension (docs/rules), so the link works offline. */
export function ruleDocUri(extensionUri: vscode.Uri, slug: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${slug}.md`);
}

export function toDiagnostic(uri: vscode.Uri, d: Diagnostic, extensionUri: vscode.Uri): vscode.Diagnostic {
  const result = new vscode.Diagnostic(toRange(d.range), d.message, toSeverity(d.severity));
  result.source = SOURCE;
  result.code = { value: d.code, target: ruleDocUri(extensionUri, d.code) };
  result.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message));
  result.tags = d.tags.map((t) => (t === 'deprecated' ? vscode.DiagnosticTag.Deprecated : vscode.DiagnosticTag.Unnecessary));
  return result;
}
