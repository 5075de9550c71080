import * as path from 'path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { HOVER_COMMANDS } from '../core/hoverMarkdown';
import type { Visualisation, VisualiseRequest } from '../core/visualiser';
import type { Diagnostic } from '../core';
import type { Log } from './log';
import type { CheckWorkspaceResult } from '../server/server';

export type { CheckWorkspaceResult };

// The client side of the language server: starts it (node IPC), shows its state, restarts it on request.
// Diagnostics, hovers and code actions come from the server through the library; nothing is analysed here.

export const LANGUAGES = ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact'];
export const RESTART_COMMAND = 'concurrencyLens.restartServer';
/** For tests and bug reports: the server's process id and state. */
export const SERVER_STATUS_COMMAND = 'concurrencyLens.serverStatus';
const STATUS_MENU_COMMAND = 'concurrencyLens.statusMenu';
const VISUALISATION_REQUEST = 'concurrencyLens/visualisation';
const STATUS_NOTIFICATION = 'concurrencyLens/status';
const CHECK_WORKSPACE_REQUEST = 'concurrencyLens/checkWorkspace';
const CHECK_PROGRESS_NOTIFICATION = 'concurrencyLens/checkProgress';


interface ServerStatus {
  state: string;
  overrun: number;
  version?: string;
  indexed?: number;
  indexing?: boolean;
}

export type ServerVisualisation =
  | { visualisation: Visualisation; diagnostics: Diagnostic[]; freeThreaded: boolean }
  | { note: string };

export class ServerClient implements vscode.Disposable {
  readonly client: LanguageClient;
  private readonly status: vscode.LanguageStatusItem;
  private readonly updated = new vscode.EventEmitter<void>();
  /** Fires when the server has published new findings (the visualiser re-renders). */
  readonly onDidUpdate = this.updated.event;
  private readonly disposables: vscode.Disposable[] = [];
  private stopping = false;
  private toldOfCrash = false;
  private server: ServerStatus | undefined;
  private checkProgress: ((p: { done: number; total: number; file?: string }) => void) | undefined;

  constructor(context: vscode.ExtensionContext, private readonly log: Log) {
    const module = context.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.map((language) => ({ language })),
      diagnosticCollectionName: 'concurrency-lens',
      // The library writes "[Info  - 12:18:11] message"; the log channel adds its own level and time: pass it the message only.
      outputChannel: log.serverChannel(),
      // storagePath: where the server keeps other files' summaries between sessions (this workspace's storage).
      initializationOptions: { visualiser: true, ...(context.storageUri ? { storagePath: context.storageUri.fsPath } : {}) },
      // Hover links may run only our own read-only commands.
      markdown: { isTrusted: { enabledCommands: [...HOVER_COMMANDS] }, supportHtml: false },
    };
    this.client = new LanguageClient('concurrencyLens', 'Concurrency Lens', serverOptions, clientOptions);
    this.status = vscode.languages.createLanguageStatusItem('concurrencyLens.server', LANGUAGES.map((language) => ({ language })));
    this.status.name = 'Concurrency Lens';
    this.status.command = { title: 'Options', command: STATUS_MENU_COMMAND };
    this.show('starting');
    this.disposables.push(
      this.status,
      this.updated,
      this.client.onDidChangeState(({ newState }) => this.stateChanged(newState)),
      vscode.commands.registerCommand(RESTART_COMMAND, () => this.restart()),
      vscode.commands.registerCommand(SERVER_STATUS_COMMAND, () => ({ state: State[this.client.state], pid: this.pid() })),
      vscode.commands.registerCommand(STATUS_MENU_COMMAND, async () => {
        const picked = await vscode.window.showQuickPick(['Show log', 'Restart server'], { title: 'Concurrency Lens' });
        if (picked === 'Show log') log.channel.show();
        if (picked === 'Restart server') await this.restart();
      }),
      vscode.languages.onDidChangeDiagnostics(() => this.updated.fire()),
    );
    this.client.onNotification(STATUS_NOTIFICATION, (s: ServerStatus) => {
      this.server = s;
      this.show(s.state === 'analysing' ? 'analysing' : 'ready', s.overrun);
    });
    this.client.onNotification(CHECK_PROGRESS_NOTIFICATION, (p: { done: number; total: number; file?: string }) => this.checkProgress?.(p));
  }

  start(): Promise<void> {
    return this.client.start();
  }

  async restart(): Promise<void> {
    this.log.info('Restarting the language server.');
    this.stopping = true;
    try {
      await this.client.restart();
    } finally {
      this.stopping = false;
    }
  }

  /**
   * "Check Workspace": the server analyses every source file of the workspace and publishes the findings (the Problems
   * panel fills as it goes), with progress here; Cancel stops it.
   */
  async checkWorkspace(): Promise<CheckWorkspaceResult | undefined> {
    if (this.client.state !== State.Running) {
      void vscode.window.showWarningMessage('Concurrency Lens: the analysis server is not running.');
      return undefined;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Concurrency Lens: checking the workspace', cancellable: true },
      async (progress, token) => {
        let last = 0;
        this.checkProgress = ({ done, total, file }) => {
          const percent = total ? (done / total) * 100 : 100;
          progress.report({ increment: percent - last, message: `${done}/${total}${file ? ` ${file}` : ''}` });
          last = percent;
        };
        try {
          return await this.client.sendRequest<CheckWorkspaceResult>(CHECK_WORKSPACE_REQUEST, {}, token);
        } finally {
          this.checkProgress = undefined;
        }
      },
    );
    const summary = `Checked ${result.files} files${result.cancelled ? ' (cancelled)' : ''}: ${result.findings} problem${result.findings === 1 ? '' : 's'} in ${result.filesWithFindings} file${result.filesWithFindings === 1 ? '' : 's'}.`;
    this.log.info(summary);
    void vscode.window.showInformationMessage(`Concurrency Lens: ${summary}`, ...(result.findings ? ['Show Problems'] : []))
      .then((choice) => choice && vscode.commands.executeCommand('workbench.actions.view.problems'));
    return result;
  }

  async visualisation(uri: vscode.Uri, request: VisualiseRequest = {}): Promise<ServerVisualisation> {
    if (this.client.state !== State.Running) return { note: 'The Concurrency Lens server is not running.' };
    return this.client.sendRequest<ServerVisualisation>(VISUALISATION_REQUEST, { uri: uri.toString(), ...request });
  }

  private pid(): number | undefined {
    const experimental = this.client.initializeResult?.capabilities.experimental as { pid?: unknown } | undefined;
    return typeof experimental?.pid === 'number' ? experimental.pid : undefined;
  }

  private stateChanged(state: State): void {
    if (state === State.Running) this.show('ready');
    else if (state === State.Starting) this.show('starting');
    else {
      this.show('stopped');
      // The library restarts a crashed server by itself; say so once, not on every restart.
      if (!this.stopping && !this.toldOfCrash) {
        this.toldOfCrash = true;
        this.log.error('The Concurrency Lens server stopped unexpectedly; it is restarted automatically. Your text is not affected.');
        void vscode.window.showWarningMessage('Concurrency Lens: the analysis server stopped and is being restarted. Details are in its log.', 'Show log')
          .then((choice) => choice && this.log.channel.show());
      }
    }
  }

  private show(state: 'starting' | 'ready' | 'analysing' | 'stopped', overrun = 0): void {
    const s = this.status;
    s.severity = state === 'stopped' ? vscode.LanguageStatusSeverity.Error : overrun ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    s.busy = state === 'analysing' || state === 'starting';
    const version = this.server?.version ? ` ${this.server.version}` : '';
    s.text = state === 'stopped' ? 'Concurrency Lens: stopped' : state === 'starting' ? 'Concurrency Lens: starting' : state === 'analysing' ? `Concurrency Lens${version}: analysing` : `Concurrency Lens${version}`;
    const index = this.server?.indexing ? `indexing (${this.server.indexed ?? 0} files so far)` : this.server?.indexed ? `${this.server.indexed} files indexed` : 'index not built';
    s.detail = state === 'stopped' ? 'The analysis server is not running'
      : overrun ? `${overrun} file${overrun === 1 ? '' : 's'} stopped at the time budget; ${index}` : index;
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    for (const d of this.disposables) d.dispose();
    if (this.client.needsStop()) await this.client.stop();
  }
}
