// Shared helpers for the integration suite (runs inside a VS Code extension host).
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { skipReasons } from './index';

export const EXTENSION_ID = 'concurrency-lens.concurrency-lens';
export const SOURCE = 'concurrency-lens';

/** The workspace the suite runs in (test/integration/workspace, or a temp copy of it). */
export function workspaceFile(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the integration suite needs a workspace folder open (test/integration/workspace)');
  return vscode.Uri.file(path.join(folder.uri.fsPath, ...parts));
}

export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  await ext.activate();
  return ext;
}

export async function open(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Code value of a diagnostic, whether given as a string/number or as {value, target}. */
export function codeOf(d: vscode.Diagnostic): string | undefined {
  const code = d.code;
  if (code === undefined) return undefined;
  return typeof code === 'object' ? String(code.value) : String(code);
}

export function ours(uri: vscode.Uri, code?: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri)
    .filter((d) => d.source === SOURCE && (code === undefined || codeOf(d) === code));
}

/** Polls (and listens) until `predicate` holds for our diagnostics of `uri`, or fails after `timeoutMs`. */
export async function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (diagnostics: vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<vscode.Diagnostic[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = ours(uri);
    if (predicate(current)) return current;
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}; diagnostics now: ${JSON.stringify(current.map(describe))}`);
    }
    await new Promise<void>((resolve) => {
      const sub = vscode.languages.onDidChangeDiagnostics(() => { sub.dispose(); clearTimeout(timer); resolve(); });
      const timer = setTimeout(() => { sub.dispose(); resolve(); }, 250);
    });
  }
}

export function describe(d: vscode.Diagnostic): object {
  const r = d.range;
  return { code: codeOf(d), message: d.message, range: `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}` };
}

/** The range of the first occurrence of `snippet` in the document. */
export function rangeOfText(doc: vscode.TextDocument, snippet: string): vscode.Range {
  const offset = doc.getText().indexOf(snippet);
  assert.ok(offset >= 0, `"${snippet}" not found in ${doc.uri.fsPath}`);
  return new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + snippet.length));
}

export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

/** Skip the running test, recording why (shown in the harness summary). */
export function skip(context: Mocha.Context, reason: string): never {
  const title = context.test?.fullTitle() ?? context.currentTest?.fullTitle();
  if (title) skipReasons.set(title, reason);
  context.skip();
}

/** Undo unsaved changes and close all editors, so one test cannot leak into the next. */
export async function resetEditors(): Promise<void> {
  // Revert every dirty buffer (files and untitled ones) so closing never stops at a "Save changes?" dialog.
  // Only the tests' own buffers: settings.json, which a test may have just changed, belongs to the workbench.
  for (const doc of vscode.workspace.textDocuments) {
    if (!doc.isDirty || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) continue;
    try {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } catch {
      // Another editor opened meanwhile; closeAllEditors below still runs.
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
