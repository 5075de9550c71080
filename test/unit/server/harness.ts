import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { repoRoot } from '../helpers';

// The language server driven over stdio as a generic editor would (as in protocol.test.ts), for tests that need a
// server of their own.

export interface LspDiagnostic { code: string; source: string; message: string; severity: number; range: { start: { line: number; character: number }; end: { line: number; character: number } } }

/** Waits for diagnostics of `uri` published so far (earlier ones included) that satisfy `test`, for up to 20 s. */
export async function waitForDiagnostics<D>(published: ReadonlyMap<string, D[][]>, uri: string, test: (ds: D[]) => boolean, what: string): Promise<D[]> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const found = published.get(uri)?.find(test);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(published.get(uri))}`);
}

export interface ServerSession {
  server: ChildProcess;
  rpc: MessageConnection;
  /** Every publishDiagnostics by URI, in order. */
  published: Map<string, LspDiagnostic[][]>;
  /** Every window/logMessage text, in order. */
  logs: string[];
  exited: Promise<number | null>;
  /** Waits (up to 20 s) for diagnostics of `uri` that satisfy `test`. */
  diagnostics: (uri: string, test: (ds: LspDiagnostic[]) => boolean, what: string) => Promise<LspDiagnostic[]>;
  /** shutdown + exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** `script`: the server to run (default the bundle, dist/cli.js lsp); `nodeArgs`: options for node before it. */
export async function startSession(dir: string, options: { script?: string; nodeArgs?: string[]; settings?: Record<string, unknown> } = {}): Promise<ServerSession> {
  const script = options.script ?? path.join(repoRoot, 'dist', 'cli.js');
  const server = spawn(process.execPath, [...(options.nodeArgs ?? []), script, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  const rpc = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const published = new Map<string, LspDiagnostic[][]>();
  const logs: string[] = [];
  rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: LspDiagnostic[] }) => {
    const list = published.get(p.uri) ?? [];
    list.push(p.diagnostics);
    published.set(p.uri, list);
  });
  rpc.onNotification('window/logMessage', (p: { message: string }) => { logs.push(p.message); });
  rpc.listen();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: `file://${dir}`, capabilities: {}, initializationOptions: { settings: { debounceMs: 0, ...options.settings } } });
  await rpc.sendNotification('initialized', {});
  const diagnostics = (uri: string, test: (ds: LspDiagnostic[]) => boolean, what: string) => waitForDiagnostics(published, uri, test, what);
  const stop = async () => {
    await rpc.sendRequest('shutdown');
    await rpc.sendNotification('exit');
    const code = await exited;
    rpc.dispose();
    return code;
  };
  return { server, rpc, published, logs, exited, diagnostics, stop };
}
