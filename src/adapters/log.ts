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

  /**
   * The channel as the language client writes to it: each "[Level - time] message" line goes to the log at its level,
   * once, with the log channel's own prefix (not both).
   */
  serverChannel(): vscode.OutputChannel {
    const channel = this.channel;
    // A line without the prefix continues the one before (a trace's message body): same level.
    let level = 'Info';
    const write = (line: string): void => {
      const m = /^\[(Trace|LSP|Debug|Info|Warn|Error)\s*- [^\]]*\] ?([\s\S]*)$/.exec(line);
      if (m) level = m[1] === 'LSP' ? 'Trace' : m[1];
      const message = m ? m[2] : line;
      if (!message.trim()) return;
      switch (level) {
        case 'Trace': channel.trace(message); break;
        case 'Debug': channel.debug(message); break;
        case 'Warn': channel.warn(message); break;
        case 'Error': channel.error(message); break;
        default: channel.info(message);
      }
    };
    let pending = '';
    return {
      name: channel.name,
      append: (value: string) => {
        pending += value;
      },
      appendLine: (value: string) => {
        write(pending + value);
        pending = '';
      },
      replace: (value: string) => {
        pending = '';
        write(value);
      },
      clear: () => channel.clear(),
      show: (...args: unknown[]) => channel.show(...(args as [boolean?])),
      hide: () => channel.hide(),
      dispose: () => undefined,
    };
  }

  dispose(): void {
    this.channel.dispose();
  }
}
