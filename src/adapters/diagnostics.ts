import * as vscode from 'vscode';
import type { Diagnostic } from '../core';
import { toDiagnostic } from './convert';
import type { DocumentStore } from './documents';

/** Publishes each analysis to the Problems panel, and remembers the core diagnostics behind them for quick fixes. */
export class DiagnosticsAdapter implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('concurrency-lens');
  private readonly core = new WeakMap<vscode.Diagnostic, Diagnostic>();
  private readonly subscription: vscode.Disposable;

  constructor(store: DocumentStore, private readonly extensionUri: vscode.Uri) {
    this.subscription = store.onDidAnalyse(({ document, analysed }) => {
      if (!analysed) {
        this.collection.delete(document.uri);
        return;
      }
      this.collection.set(document.uri, analysed.result.diagnostics.map((d) => {
        const converted = toDiagnostic(document.uri, d, this.extensionUri);
        this.core.set(converted, d);
        return converted;
      }));
    });
  }

  /** The core diagnostic (with its fixes) behind a diagnostic VS Code hands back, if it is ours. */
  coreDiagnostic(diagnostic: vscode.Diagnostic): Diagnostic | undefined {
    return this.core.get(diagnostic) ?? this.byValue(diagnostic);
  }

  // Code-action contexts may carry copies of our diagnostics; match them by code and range.
  private byValue(diagnostic: vscode.Diagnostic): Diagnostic | undefined {
    for (const [uri, list] of this.collectionEntries()) {
      void uri;
      for (const published of list) {
        if (published.range.isEqual(diagnostic.range) && published.message === diagnostic.message) return this.core.get(published);
      }
    }
    return undefined;
  }

  private collectionEntries(): [vscode.Uri, readonly vscode.Diagnostic[]][] {
    const entries: [vscode.Uri, readonly vscode.Diagnostic[]][] = [];
    this.collection.forEach((uri, list) => entries.push([uri, list]));
    return entries;
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }
}
