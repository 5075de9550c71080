import { randomBytes } from 'crypto';
import { dirname } from 'path';
import * as vscode from 'vscode';
import { languageFromId, type Range } from '../core';
import type { Visualisation, VisualiseRequest } from '../core/visualiser';
import { buildConceptPages } from '../core/visualiser/concepts';
import { renderVisualiserHtml } from '../core/visualiser/html';
import type { ServerVisualisation } from './client';
import { freeThreaded } from './config';
import type { Log } from './log';
import { toRange } from './convert';
import { UnsafeWriteError, writeFileInside } from '../host/safeWrite';

export const VISUALISE_COMMAND = 'concurrencyLens.visualise';
/** Opens the model of the function (or handler, thread target, loop call) at the cursor. */
export const VISUALISE_HERE_COMMAND = 'concurrencyLens.visualiseFromHere';
export const VISUALISER_VIEW_TYPE = 'concurrencyLens.visualiser';
const RENDER_DEBOUNCE_MS = 250;
const MAX_SVG_BYTES = 50 * 1024 * 1024;

interface ModelMessage extends Visualisation {
  type: 'model';
  diagnostics: { code: string; message: string; range: Range; severity: string }[];
  fileName: string;
  /** Lets a restored panel find its file again. */
  uri: string;
  settings: { freeThreaded: boolean };
}

type FromPage =
  | { type: 'ready' }
  | { type: 'select'; entry: string }
  | { type: 'arrivals'; count: number; spacingMs: number }
  | { type: 'reveal'; range: Range }
  | { type: 'exportSvg'; svg: string };

/** Where the panel gets its model: the language server, which holds the file's tree. */
export interface VisualisationSource {
  visualisation(uri: vscode.Uri, request?: VisualiseRequest): Promise<ServerVisualisation>;
  /** Fires when findings were published (a file was re-analysed). */
  readonly onDidUpdate: vscode.Event<void>;
}

/**
 * Registers the "Visualise Execution Model" command and the panel's serializer. The command takes
 * optional (uri, line) so hovers can link to it: it opens that file and highlights that line.
 */
export function registerVisualiser(
  context: vscode.ExtensionContext,
  source: VisualisationSource,
  log: Log,
): vscode.Disposable {
  const panel = new VisualiserPanel(context.extensionUri, source, log);
  const disposables = [
    panel,
    vscode.commands.registerCommand(VISUALISE_COMMAND, (uri?: vscode.Uri | string, line?: number, entry?: string) => panel.show(uri, line, entry)),
    vscode.commands.registerCommand(VISUALISE_HERE_COMMAND, () => {
      const editor = vscode.window.activeTextEditor;
      return editor ? panel.show(editor.document.uri, editor.selection.active.line, undefined, false) : panel.show();
    }),
    vscode.window.registerWebviewPanelSerializer(VISUALISER_VIEW_TYPE, {
      deserializeWebviewPanel: (webviewPanel, state: unknown) => panel.restore(webviewPanel, state),
    }),
  ];
  const all = vscode.Disposable.from(...disposables);
  context.subscriptions.push(all);
  return all;
}

function supported(document: vscode.TextDocument): boolean {
  return languageFromId(document.languageId) !== undefined;
}

function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
}

function isRange(r: unknown): r is Range {
  const ok = (p: unknown) => !!p && typeof p === 'object'
    && Number.isInteger((p as { line: unknown }).line) && Number.isInteger((p as { column: unknown }).column)
    && (p as { line: number }).line >= 0 && (p as { column: number }).column >= 0;
  return !!r && typeof r === 'object' && ok((r as Range).start) && ok((r as Range).end);
}

function baseName(document: vscode.TextDocument): string {
  const path = document.uri.path;
  return document.isUntitled ? document.uri.path || 'Untitled' : path.slice(path.lastIndexOf('/') + 1);
}

/** The one visualiser panel: follows the active editor and re-renders when its file is re-analysed. */
export class VisualiserPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private document: vscode.TextDocument | undefined;
  private ready = false;
  private last: ModelMessage | undefined;
  private pendingLine: number | undefined;
  /** What the model starts from and how often it runs, for the current document. */
  private request: VisualiseRequest = {};
  private timer: NodeJS.Timeout | undefined;
  private renderSeq = 0;
  private readonly panelDisposables: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: VisualisationSource,
    private readonly log: Log,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (!this.panel || !editor || !supported(editor.document) || editor.document === this.document) return;
        this.document = editor.document;
        this.request = {};
        this.schedule(0);
      }),
      source.onDidUpdate(() => {
        if (this.panel && this.document) this.schedule(RENDER_DEBOUNCE_MS);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (!this.panel || e.textEditor.document !== this.document || !this.ready) return;
        void this.panel.webview.postMessage({ type: 'highlight', line: e.selections[0]?.active.line ?? null });
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d === this.document) this.document = undefined;
      }),
    );
  }

  /**
   * Opens (or reveals) the panel for `uri` or the active editor. With `line` (0-based), the model starts from the entry
   * there (the function holding it) and the line is highlighted; `entry` names an entry point (a code lens).
   */
  async show(uri?: vscode.Uri | string, line?: number, entry?: string, moveCursor = true): Promise<void> {
    let document = vscode.window.activeTextEditor?.document;
    if (uri) {
      const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : uri;
      document = await vscode.workspace.openTextDocument(target);
      const editor = await vscode.window.showTextDocument(document, { preview: false, preserveFocus: false });
      if (moveCursor && typeof line === 'number' && line >= 0) {
        const at = new vscode.Position(Math.min(line, document.lineCount - 1), 0);
        editor.selection = new vscode.Selection(at, at);
        editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }
    if (!document || !supported(document)) {
      void vscode.window.showInformationMessage('Concurrency Lens: open a Python or TypeScript/JavaScript file to visualise its execution model.');
      return;
    }
    if (document !== this.document) this.request = {};
    this.document = document;
    this.pendingLine = typeof line === 'number' ? line : undefined;
    const arrivals = { ...(this.request.arrivals !== undefined ? { arrivals: this.request.arrivals } : {}), ...(this.request.spacingMs !== undefined ? { spacingMs: this.request.spacingMs } : {}) };
    if (typeof entry === 'string') this.request = { entry, ...(typeof line === 'number' ? { line } : {}) };
    else if (typeof line === 'number' && line >= 0) this.request = { line };
    // A new entry gets its own default arrivals; the same one keeps what the panel set.
    if (this.request.entry === undefined && this.request.line === undefined) Object.assign(this.request, arrivals);
    if (this.panel) {
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(
        VISUALISER_VIEW_TYPE,
        'Execution Model',
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')] },
      );
      this.attach(panel);
    }
    await this.render();
  }

  /** After a reload: the page's saved state carries the file's uri. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = (state as { data?: { uri?: unknown; entry?: { id?: unknown } } } | undefined)?.data;
    const uri = saved?.uri;
    this.request = typeof saved?.entry?.id === 'string' ? { entry: saved.entry.id } : {};
    this.panel?.dispose();
    this.attach(panel);
    let document: vscode.TextDocument | undefined;
    if (typeof uri === 'string') {
      document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      if (!document) {
        try {
          document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
        } catch {
          document = undefined; // an untitled file that is gone: follow the active editor instead
        }
      }
    }
    const active = vscode.window.activeTextEditor?.document;
    this.document = document ?? (active && supported(active) ? active : undefined);
    if (this.document) await this.render();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    this.last = undefined;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    panel.iconPath = vscode.Uri.joinPath(media, 'icons', 'visualise.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    panel.webview.html = renderVisualiserHtml({
      cspSource: panel.webview.cspSource,
      nonce: nonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'visualiser.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'visualiser.css')).toString(),
    });
    this.panelDisposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m as FromPage).catch((error: unknown) => this.log.error('Visualiser message failed', error))),
      panel.onDidDispose(() => this.detach()),
    );
  }

  private detach(): void {
    this.panel = undefined;
    this.ready = false;
    this.last = undefined;
    clearTimeout(this.timer);
    for (const d of this.panelDisposables.splice(0)) d.dispose();
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.render(), delay);
  }

  private async render(): Promise<void> {
    const document = this.document;
    const panel = this.panel;
    if (!document || !panel) return;
    const seq = ++this.renderSeq;
    const started = performance.now();
    let answer: ServerVisualisation;
    try {
      answer = await this.source.visualisation(document.uri, this.request);
    } catch (error) {
      this.log.error('Visualiser: the server could not build the model', error);
      answer = { note: 'The model could not be built; see the log.' };
    }
    if (seq !== this.renderSeq || this.panel !== panel) return; // a newer render is under way
    // Keep following the chosen entry by its id (stable across edits that move it), not by the line it was found at.
    if (!('note' in answer)) {
      const chosen = answer.visualisation.entry.id;
      this.request = { entry: chosen, ...(this.request.arrivals !== undefined ? { arrivals: this.request.arrivals } : {}), ...(this.request.spacingMs !== undefined ? { spacingMs: this.request.spacingMs } : {}) };
    }
    const language = languageFromId(document.languageId) === 'python' ? 'python' : 'ts';
    const vis: Visualisation = 'note' in answer ? buildEmpty(language, answer.note) : answer.visualisation;
    const diagnostics = 'note' in answer ? [] : answer.diagnostics;
    const message: ModelMessage = {
      type: 'model',
      ...vis,
      diagnostics: diagnostics.map((d) => ({ code: d.code, message: d.message, range: d.range, severity: d.severity })),
      fileName: baseName(document),
      uri: document.uri.toString(),
      settings: { freeThreaded: 'note' in answer ? freeThreaded() : answer.freeThreaded },
    };
    this.log.debug(`Visualised ${message.fileName} in ${(performance.now() - started).toFixed(1)} ms: ${vis.model.units.length} units.`);
    panel.title = `Execution Model: ${message.fileName}`;
    this.last = message;
    if (this.ready) await this.post(message);
  }

  private async post(message: ModelMessage): Promise<void> {
    if (!this.panel) return;
    await this.panel.webview.postMessage(message);
    if (this.pendingLine !== undefined) {
      await this.panel.webview.postMessage({ type: 'highlight', line: this.pendingLine });
      this.pendingLine = undefined;
    }
  }

  private async receive(m: FromPage): Promise<void> {
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        if (this.last) await this.post(this.last);
        else await this.render();
        return;
      case 'reveal':
        if (isRange(m.range)) await this.reveal(m.range);
        return;
      case 'select':
        // An id from the page's picker: it travels back to the server, which looks it up among the file's entries.
        if (typeof m.entry === 'string' && m.entry.length <= 500) {
          this.request = { entry: m.entry };
          await this.render();
        }
        return;
      case 'arrivals':
        if (Number.isInteger(m.count) && m.count >= 1 && m.count <= 50 && Number.isInteger(m.spacingMs) && m.spacingMs >= 0 && m.spacingMs <= 60_000) {
          this.request = { ...this.request, arrivals: m.count, spacingMs: m.spacingMs };
          await this.render();
        }
        return;
      case 'exportSvg':
        if (typeof m.svg === 'string' && m.svg.length < MAX_SVG_BYTES) await this.exportSvg(m.svg);
        return;
    }
  }

  private async reveal(range: Range): Promise<void> {
    const document = this.document;
    if (!document) return;
    const visible = vscode.window.visibleTextEditors.find((e) => e.document === document);
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: false,
      preview: false,
    });
    const r = document.validateRange(toRange(range));
    editor.selection = new vscode.Selection(r.start, r.end);
    editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async exportSvg(svg: string): Promise<void> {
    const name = (this.last?.fileName ?? 'execution-model').replace(/\.[^.]+$/, '');
    const folder = this.document && !this.document.isUntitled ? vscode.Uri.joinPath(this.document.uri, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${name}.execution-model.svg`) : undefined,
      filters: { 'SVG image': ['svg'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    if (target.scheme === 'file') {
      // The default name sits in the workspace, where a repository could have committed a symlink by that name.
      try {
        writeFileInside(dirname(target.fsPath), target.fsPath, svg);
      } catch (error) {
        if (!(error instanceof UnsafeWriteError)) throw error;
        void vscode.window.showErrorMessage(`Concurrency Lens: ${error.message}`);
        return;
      }
    } else {
      await vscode.workspace.fs.writeFile(target, Buffer.from(svg, 'utf8'));
    }
    this.log.info(`Exported the execution model to ${target.toString()}.`);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function buildEmpty(language: 'python' | 'ts', note: string): Visualisation {
  const main = language === 'python'
    ? { id: 'main', kind: 'main-thread' as const, label: 'main thread', steps: [] }
    : { id: 'main', kind: 'js-main' as const, label: 'main script', steps: [] };
  return {
    model: { language, units: [main], notes: [note] },
    timeline: { lanes: [], events: [], totalMs: 0, notes: [] },
    whatIf: undefined,
    concepts: buildConceptPages(),
    entries: [],
    entry: { id: 'module', kind: 'module', label: 'Module body', range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } }, async: false },
    arrivals: { count: 1, spacingMs: 0, perArrival: false },
  };
}
