import * as vscode from 'vscode';
import type { Range } from '../core';

// Core shapes -> VS Code shapes (0-based lines, UTF-16 columns in both). Diagnostics travel through the server.

export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.column, range.end.line, range.end.column);
}

/** Rule pages ship inside the extension (docs/rules), so the link works offline. */
export function ruleDocUri(extensionUri: vscode.Uri, slug: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${slug}.md`);
}
