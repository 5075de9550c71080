import * as vscode from 'vscode';
import { analyzeDocument, languageFromId, ParsedDocument, TreeFacts, type AnalysisResult } from '../core';
import type { ExtensionSettings } from './config';
import type { Log } from './log';

export interface AnalysedDocument {
  parsed: ParsedDocument;
  result: AnalysisResult;
  facts: TreeFacts | undefined;
  version: number;
}

/**
 * Keeps one parsed tree per open document, updated incrementally from edits,
 * and re-analyses it (debounced) when it changes. Listeners get each new result.
 */
export class DocumentStore implements vscode.Disposable {
  private readonly entries = new Map<string, { parsed: Promise<ParsedDocument | undefined>; timer?: NodeJS.Timeout; latest?: AnalysedDocument }>();
  private readonly emitter = new vscode.EventEmitter<{ document: vscode.TextDocument; analysed: AnalysedDocument | undefined }>();
  readonly onDidAnalyse = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly warnedLarge = new Set<string>();

  constructor(private settings: () => ExtensionSettings, private readonly log: Log) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.workspace.onDidSaveTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidCloseTextDocument((d) => this.close(d)),
      this.emitter,
    );
  }

  /** Analyses every open supported document (at activation and when settings change). */
  refreshAll(): void {
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0, true);
  }

  latest(document: vscode.TextDocument): AnalysedDocument | undefined {
    const latest = this.entries.get(document.uri.toString())?.latest;
    return latest && latest.version === document.version ? latest : undefined;
  }

  /** The current analysis, waiting for a pending one if the document changed since. */
  async current(document: vscode.TextDocument): Promise<AnalysedDocument | undefined> {
    return this.latest(document) ?? this.analyse(document);
  }

  private supported(document: vscode.TextDocument): boolean {
    return this.settings().enabled && languageFromId(document.languageId) !== undefined;
  }

  private tooLarge(document: vscode.TextDocument): boolean {
    // getText() length counts UTF-16 units; close enough to bytes for a guard.
    const size = document.getText().length;
    if (size <= this.settings().maxFileBytes) return false;
    const key = document.uri.toString();
    if (!this.warnedLarge.has(key)) {
      this.warnedLarge.add(key);
      this.log.info(`Skipping ${document.uri.fsPath || key}: ${Math.round(size / 1024)} KB is over concurrencyLens.maxFileSizeKB.`);
    }
    return true;
  }

  private schedule(document: vscode.TextDocument, delay: number, reset = false): void {
    if (!this.supported(document)) {
      this.forget(document);
      return;
    }
    const key = document.uri.toString();
    if (reset) this.forget(document);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { parsed: Promise.resolve(undefined) };
      this.entries.set(key, entry);
    }
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.analyse(document), delay);
  }

  private changed(event: vscode.TextDocumentChangeEvent): void {
    const key = event.document.uri.toString();
    const entry = this.entries.get(key);
    if (entry && event.contentChanges.length) {
      const changes = event.contentChanges.map((c) => ({ rangeOffset: c.rangeOffset, rangeLength: c.rangeLength, text: c.text }));
      const expected = event.document.getText();
      // Edits go to the tree right away (cheap, incremental); analysis waits for typing to pause.
      entry.parsed = entry.parsed.then(async (parsed) => {
        if (!parsed || parsed.skipped) return parsed;
        await parsed.applyChanges(changes);
        // Changes of one event should compose; if our copy ever disagrees, start over from the document.
        if (parsed.text !== expected) await parsed.replaceText(expected);
        return parsed;
      }).catch((error: unknown) => {
        this.log.error(`Incremental update failed for ${key}`, error);
        return undefined;
      });
    }
    this.schedule(event.document, this.settings().debounceMs);
  }

  private async analyse(document: vscode.TextDocument): Promise<AnalysedDocument | undefined> {
    if (!this.supported(document) || document.isClosed) return undefined;
    const key = document.uri.toString();
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.tooLarge(document)) {
      this.publish(document, undefined);
      return undefined;
    }
    const language = languageFromId(document.languageId)!;
    const text = document.getText();
    const version = document.version;
    entry.parsed = entry.parsed.then(async (parsed) => {
      if (parsed && parsed.language === language && parsed.text === text) return parsed;
      parsed?.dispose();
      return ParsedDocument.create(language, text, { maxLength: this.settings().maxFileBytes, parseTimeoutMs: 2000 });
    }).catch((error: unknown) => {
      this.log.error(`Parsing failed for ${key}`, error);
      return undefined;
    });
    const parsed = await entry.parsed;
    if (!parsed || this.entries.get(key) !== entry || document.version !== version) return entry.latest;
    const started = performance.now();
    const facts = parsed.tree ? new TreeFacts(parsed.tree) : undefined;
    const path = document.uri.scheme === 'untitled' ? undefined : vscode.workspace.asRelativePath(document.uri, false);
    const result = analyzeDocument(parsed, { settings: this.settings().analysis, facts, path });
    if (result.skipped) this.log.info(`Not analysed ${document.uri.fsPath || key}: ${result.skipped}.`);
    for (const e of result.ruleErrors) this.log.error(`Rule ${e.rule} failed on ${key}: ${e.message}`);
    this.log.debug(`Analysed ${document.uri.fsPath || key} in ${(performance.now() - started).toFixed(1)} ms: ${result.diagnostics.length} findings.`);
    const analysed: AnalysedDocument = { parsed, result, facts, version };
    entry.latest = analysed;
    this.publish(document, analysed);
    return analysed;
  }

  private publish(document: vscode.TextDocument, analysed: AnalysedDocument | undefined): void {
    this.emitter.fire({ document, analysed });
  }

  private forget(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    void entry.parsed.then((p) => p?.dispose());
    this.publish(document, undefined);
  }

  private close(document: vscode.TextDocument): void {
    this.forget(document);
    this.warnedLarge.delete(document.uri.toString());
  }

  dispose(): void {
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      void entry.parsed.then((p) => p?.dispose());
    }
    this.entries.clear();
    for (const d of this.disposables) d.dispose();
  }
}
