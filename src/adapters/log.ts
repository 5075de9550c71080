import * as vscode from 'vscode';

/** The "Concurrency Lens" output channel (a LogOutputChannel: the user picks the level). */
export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Concurrency Lens', { log: true });

  info(message: string): void {
    this.channel.info(message);
  }

  debug(message: string): void {
    this.channel.debug(message);
  }

  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? error.stack ?? error.message : error === undefined ? '' : JSON.stringify(error);
    this.channel.error(detail ? `${message}: ${detail}` : message);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
