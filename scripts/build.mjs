// Bundles the extension and the CLI with esbuild and copies the wasm grammars they load at run time.
// `--production`: minified, no source maps (what goes into the .vsix).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const require = createRequire(import.meta.url);

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/wasm', { recursive: true });

const grammars = dirname(require.resolve('@vscode/tree-sitter-wasm/package.json'));
for (const name of ['python', 'typescript', 'tsx', 'javascript']) {
  copyFileSync(join(grammars, 'wasm', `tree-sitter-${name}.wasm`), `dist/wasm/tree-sitter-${name}.wasm`);
}
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'dist/wasm/web-tree-sitter.wasm');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  metafile: true,
  // web-tree-sitter reads import.meta.url, which a CommonJS bundle lacks: give it this file's URL.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: 'const importMetaUrl = require("url").pathToFileURL(__filename).href;' },
};

/** The entry's `require('./server')` stays a require, of the server's own bundle. */
const serverApart = {
  name: 'server-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/server$/ }, (args) => (args.importer.endsWith(join('src', 'server', 'main.ts')) ? { path: './languageServer.js', external: true } : undefined));
  },
};

const results = await Promise.all([
  esbuild.build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  // The analysis worker of src/host: loaded by path next to the bundle that starts it.
  esbuild.build({ ...common, entryPoints: ['src/host/worker.ts'], outfile: 'dist/analysisWorker.js' }),
  // The server's entry starts the worker, then loads the server (a bundle of its own, so that compiling it comes after).
  esbuild.build({ ...common, entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js', plugins: [serverApart] }),
  esbuild.build({ ...common, entryPoints: ['src/server/server.ts'], outfile: 'dist/languageServer.js' }),
  esbuild.build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: `#!/usr/bin/env node\n${common.banner.js}` } }),
]);
for (const result of results) {
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.js')) console.log(`${file}: ${(info.bytes / 1024).toFixed(1)} KiB`);
  }
}
