// dist/server.js: the language server as VS Code's client starts it (node IPC), or any editor with --stdio.
import { EarlyWorker } from '../host/spawnWorker';
import { serverWorkerStart } from './workerStart';
import type * as Server from './server';

// The analysis worker starts first: its own start-up (its modules, the grammars) then overlaps the loading of the
// server's modules and the client's handshake, instead of delaying the first file's findings. The server's modules are
// a bundle of their own (dist/languageServer.js), so that not even compiling them comes before the worker's start.
const earlyWorker = new EarlyWorker(serverWorkerStart());
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./server') as typeof Server).startServer(undefined, { earlyWorker });
