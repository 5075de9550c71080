// dist/server.js: the language server as VS Code's client starts it (node IPC), or any editor with --stdio.
import { startServer } from './server';

startServer();
