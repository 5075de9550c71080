import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import * as ts from 'typescript';
import { analyzeText, applyEdits, languageFromPath, type Diagnostic, type Language } from '../../../src/core';
import { fixtureFiles, matchSnapshot, render, repoRoot, tempDir } from '../helpers';

const FOLDER = 'ts/blocking-call-in-async';
const ONLY = ['blocking-call-in-async'];
const SUITES = '/work/shared/peer-suites/ts';

// Minimal ambient types for the Deno and Bun fixtures (their real typings are not installed).
const AMBIENT = `
declare namespace Deno {
  function readTextFileSync(path: string): string;
  function readTextFile(path: string): Promise<string>;
  function writeTextFileSync(path: string, data: string): void;
  function writeTextFile(path: string, data: string): Promise<void>;
  function readDirSync(path: string): Iterable<{ name: string }>;
}
// Third-party packages the rule knows by import origin: shorthand modules (every import is \`any\`), enough for the fixtures.
declare module 'fs-extra';
declare module 'graceful-fs';
declare module 'glob';
declare module 'fast-glob';
declare module 'tinyglobby';
declare module 'execa';
declare module 'cross-spawn';
declare module 'resolve';
declare namespace Bun {
  function sleepSync(ms: number): void;
  function sleep(ms: number): Promise<void>;
}
`;

async function check(text: string, language: Language = 'typescript'): Promise<Diagnostic[]> {
  const result = await analyzeText(text, language, { only: ONLY });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics;
}

async function fixAll(text: string, language: Language): Promise<string> {
  let current = text;
  for (let round = 0; round < 50; round++) {
    const fixable = (await check(current, language)).find((d) => d.fixes.length);
    if (!fixable) return current;
    current = applyEdits(current, (fixable.fixes.find((f) => f.preferred) ?? fixable.fixes[0]).edits);
  }
  throw new Error('fixes do not converge');
}

/** Type errors of the files, checked together with @types/node (and the ambient Deno/Bun types). */
function typeErrors(files: string[]): string[] {
  const dir = path.dirname(files[0]);
  const ambient = path.join(dir, 'ambient.d.ts');
  fs.writeFileSync(ambient, AMBIENT);
  const program = ts.createProgram([...files, ambient], {
    noEmit: true, strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true,
    allowJs: true, checkJs: true, lib: ['lib.es2024.d.ts'], types: ['node'],
    typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program).map((d) =>
    `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('blocking-call-in-async (TS/JS)', () => {
  const outputs: string[] = [];
  const dir = tempDir('cl-bca-ts-');

  for (const file of fixtureFiles(FOLDER, 'bad_')) {
    const name = path.basename(file);
    it(`flags ${name}; fixing converges`, async () => {
      const text = fs.readFileSync(file, 'utf8');
      const language = languageFromPath(file)!;
      const diagnostics = await check(text, language);
      assert.ok(diagnostics.length > 0);
      matchSnapshot(file, render(text, diagnostics));
      const ext = path.extname(name);
      for (const [i, d] of diagnostics.entries()) {
        assert.ok(d.fixes.filter((f) => f.preferred).length <= 1);
        for (const [j, fix] of d.fixes.entries()) {
          const out = path.join(dir, `${path.basename(name, ext)}__${i}_${j}${ext}`);
          fs.writeFileSync(out, applyEdits(text, fix.edits));
          outputs.push(out);
        }
      }
      const fixed = await fixAll(text, language);
      const out = path.join(dir, `${path.basename(name, ext)}__all${ext}`);
      fs.writeFileSync(out, fixed);
      outputs.push(out);
      for (const d of await check(fixed, language)) assert.equal(d.fixes.length, 0, d.message);
    });
  }

  it('every fixture typechecks before the fixes, and every fixed output after them', () => {
    const originals = fixtureFiles(FOLDER, '').filter((f) => /\.(ts|js)$/.test(f)).map((f) => {
      const copy = path.join(dir, `orig_${path.basename(f)}`);
      fs.copyFileSync(f, copy);
      return copy;
    });
    assert.ok(outputs.length > 10);
    assert.deepEqual(typeErrors([...originals, ...outputs]), []);
  });

  for (const file of fixtureFiles(FOLDER, 'ok_')) {
    it(`stays silent on ${path.basename(file)}`, async () => {
      const diagnostics = await check(fs.readFileSync(file, 'utf8'), languageFromPath(file));
      assert.deepEqual(diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
    });
  }

  it('resolves every import style of fs', async () => {
    const cases = [
      "import fs from 'fs'; async function f() { fs.readFileSync('a'); }",
      "import * as fs from 'node:fs'; async function f() { fs.readFileSync('a'); }",
      "import { readFileSync as r } from 'fs'; async function f() { r('a'); }",
      "const fs = require('fs'); async function f() { fs.readFileSync('a'); }",
      "const { readFileSync } = require('node:fs'); async function f() { readFileSync('a'); }",
      "async function f() { require('fs').readFileSync('a'); }",
      "import fs = require('fs'); async function f() { fs.readFileSync('a'); }",
      "const fs = require('fs'); const g = async () => { fs.readFileSync('a'); };",
      "const fs = require('fs'); class A { async m() { fs.readFileSync('a'); } }",
    ];
    for (const code of cases) assert.equal((await check(code)).length, 1, code);
  });

  it('follows fs through declared types, and third-party sync calls only from their own package', async () => {
    const flagged = [
      "import * as nodeFs from 'fs'; async function f(fs: typeof nodeFs) { fs.readFileSync('a'); }",
      "import type * as F from 'fs'; async function f(fs?: typeof F) { fs!.readFileSync('a'); }",
      "type FS = typeof import('fs'); async function f(o: { fs: FS }) { o.fs.readFileSync('a'); }",
      "import nodeFs from 'fs'; interface O { fs?: typeof nodeFs | null } async function f(o: O) { o.fs?.readFileSync('a'); }",
      "import nodeFs from 'fs'; class A { #fs = nodeFs; async m() { this.#fs.readFileSync('a'); } }",
      "import nodeFs from 'fs'; class A { constructor(readonly fs: typeof nodeFs) {} async m() { this.fs.readFileSync('a'); } }",
      "import fs from 'fs-extra'; async function f() { fs.outputJsonSync('a', {}); }",
      "const glob = require('glob'); async function f() { glob.sync('*'); }",
      "import { sync } from 'fast-glob'; async function f() { sync('*'); }",
      "import execa from 'execa'; async function f() { execa.sync('ls'); }",
      "import * as fs from 'fs'; async function* f() { yield fs.readFileSync('a'); }",
      // fs received destructured: by the parameter's type, or by the default it falls back to.
      "import nodeFs from 'fs'; interface O { fs: typeof nodeFs } async function f({ fs }: O) { fs.readFileSync('a'); }",
      "import nodeFs from 'fs'; async function f({ fs = nodeFs } = {}) { fs.readFileSync('a'); }",
      "import nodeFs from 'fs'; async function f(o: { fs?: typeof nodeFs }) { const { fs = nodeFs } = o; fs.readFileSync('a'); }",
      "import bcrypt from 'bcryptjs'; async function f(p: string) { return bcrypt.hashSync(p, 10); }",
      "const bcrypt = require('bcrypt'); async function f(p: string, h: string) { return bcrypt.compareSync(p, h); }",
    ];
    for (const code of flagged) assert.equal((await check(code)).length, 1, code);
    const silent = [
      "async function f(fs: { readFileSync(p: string): string }) { fs.readFileSync('a'); }",
      "import nodeFs from 'fs'; class A { async m() { function g(this: any) { this.fs.readFileSync('a'); } g(); } fs = nodeFs; }",
      "import glob from 'my-glob'; async function f() { glob.sync('*'); }",
      "import { globSync } from './glob'; async function f() { globSync('*'); }",
      "import spawn from 'cross-spawn'; async function f() { spawn('ls'); }",
      "import * as fs from 'fs'; function* f() { yield fs.readFileSync('a'); }",
      // Untyped and without a default: nothing says which fs it is, and nothing is guessed from the name.
      "async function f({ fs }) { fs.readFileSync('a'); }",
      "import bcrypt from 'my-bcrypt'; async function f(p: string) { return bcrypt.hashSync(p, 10); }",
      // Making a salt draws random bytes; the rounds are spent by hash and compare.
      "import bcrypt from 'bcryptjs'; async function f() { return bcrypt.genSaltSync(12); }",
      "import * as path from 'node:path'; async function f(p: string) { return [path.join(p, 'a'), path.resolve(p)]; }",
    ];
    for (const code of silent) assert.deepEqual((await check(code)).map((d) => d.message), [], code);
  });

  it('follows names through local facade modules it can read, and guesses nothing when it cannot', async () => {
    const files: Record<string, string> = {
      'src/util/fs.ts': "export * from 'node:fs';\n",
      'src/util/proc.ts': "export { execSync as run } from 'child_process';\nexport * from 'node:fs';\nexport function readFileSync(p: string) { return p; }\n",
      'src/util/index.ts': "export * from './fs.js';\n",
      'src/util/two.ts': "export * from 'node:fs';\nexport * from './proc';\n",
    };
    const readFile = (p: string) => files[p];
    const app = [
      "import { readFileSync, statSync } from './util/fs';",
      "import * as u from './util/index.js';",
      "import { run, readFileSync as own } from './util/proc';",
      "import { writeFileSync } from './util/two';",
      "import { mkdirSync } from './missing';",
      'export async function f() {',
      "  readFileSync('a');", "  u.readdirSync('.');", "  run('ls');", "  own('x');", "  writeFileSync('a', 'b');", "  mkdirSync('d');",
      '}',
    ].join('\n');
    const found = async (options: { path?: string; readFile?: (p: string) => string | undefined }) =>
      (await analyzeText(app, 'typescript', { only: ONLY, ...options })).diagnostics.map((d) => d.range.start.line + 1);
    // A facade's own declaration shadows its `export *`; two `export *` lines, or a file that cannot be read, are not guessed.
    assert.deepEqual(await found({ path: 'src/app.ts', readFile }), [7, 8, 9]);
    assert.deepEqual(await found({ path: 'src/app.ts' }), []);
    assert.deepEqual(await found({ readFile }), []);
  });

  it('follows calls into a project file up to 1 MiB; a longer one is a bundle or data, not followed', async () => {
    const server = "import express from 'express';\nimport { helper } from './big.js';\nconst app = express();\napp.get('/', async (req, res) => { helper(); res.end(); });\n";
    const messages = async (padding: number) => {
      const big = `import fs from 'node:fs';\nexport function helper() { return fs.readFileSync('/etc/hostname'); }\n/*${'x'.repeat(padding)}*/\n`;
      const files: Record<string, string> = { 'src/server.js': server, 'src/big.js': big };
      const result = await analyzeText(server, 'javascript', { only: ['blocking-call-in-async'], path: 'src/server.js', readFile: (p) => files[p] });
      return result.diagnostics.map((d) => d.message);
    };
    assert.deepEqual(await messages(1000), ['`helper()` blocks the event loop in the callback of `app.get()`: it calls `fs.readFileSync()`; other callbacks wait (big.js:2)']);
    assert.deepEqual(await messages(1024 * 1024), []);
  });

  it('does not flag nested sync functions, shadowed names or deferred references', async () => {
    const cases = [
      "import fs from 'fs'; async function f() { function g() { fs.readFileSync('a'); } return g; }",
      "import fs from 'fs'; async function f() { return () => fs.readFileSync('a'); }",
      "import fs from 'fs'; async function f(fs: any) { fs.readFileSync('a'); }",
      "import fs from 'fs'; async function f() { const fs = { readFileSync() {} }; fs.readFileSync(); }",
      "import fs from 'fs'; async function f() { setTimeout(fs.readFileSync, 1, 'a'); }",
      "async function f() { try {} catch (Atomics) { Atomics.wait(); } }",
    ];
    for (const code of cases) assert.deepEqual((await check(code)).map((d) => d.message), [], code);
  });

  it('flags calls in callbacks run in place (array methods, Array.from, a promise executor), without a rewrite there', async () => {
    const code = [
      "import fs from 'fs';",
      'export async function load(paths: string[]) {',
      '  const texts = paths.filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p, "utf8"));',
      '  paths.forEach(function (p) { fs.writeFileSync(p, ""); });',
      '  const sizes = Array.from(paths, (p) => fs.statSync(p).size);',
      '  await new Promise<void>((resolve) => { fs.mkdirSync("out"); resolve(); });',
      '  const later = paths.map(async (p) => fs.readFileSync(p));',
      '  setTimeout(() => fs.readFileSync("y"), 0);',
      '  return [texts, sizes, later, fs.readFileSync("x")];',
      '}',
    ].join('\n');
    const found = await check(code);
    const at = (line: number) => found.filter((d) => d.range.start.line === line).map((d) => d.message.split(' ')[0]);
    assert.deepEqual(at(2), ['`fs.existsSync()`', '`fs.readFileSync()`']);
    assert.deepEqual(at(3), ['`fs.writeFileSync()`']);
    assert.deepEqual(at(4), ['`fs.statSync()`']);
    assert.deepEqual(at(5), ['`fs.mkdirSync()`']);
    // An async callback's calls are its own (reported there, with its rewrite); a callback run later is not this function's.
    assert.equal(found.filter((d) => d.range.start.line === 6).length, 1);
    assert.ok(found.find((d) => d.range.start.line === 6)!.fixes.length);
    assert.deepEqual(at(7), []);
    // `await` cannot go inside a plain callback: only the call in the function itself gets the rewrite.
    for (const d of found.filter((d) => d.range.start.line >= 2 && d.range.start.line <= 5)) assert.deepEqual(d.fixes, [], d.message);
    assert.ok(found.find((d) => d.range.start.line === 8)!.fixes.length);
  });

  it('adds the import in the file\'s module style', async () => {
    const esm = "import { readFileSync } from 'node:fs';\n\nexport async function f() {\n  return readFileSync('a');\n}\n";
    const [d] = await check(esm);
    assert.equal(applyEdits(esm, d.fixes[0].edits),
      "import { readFileSync } from 'node:fs';\nimport { readFile } from 'node:fs/promises';\n\nexport async function f() {\n  return await readFile('a');\n}\n");
    const cjs = "const { readFileSync } = require('fs');\nasync function f() {\n  return readFileSync('a');\n}\n";
    const [e] = await check(cjs, 'javascript');
    assert.equal(applyEdits(cjs, e.fixes[0].edits),
      "const { readFileSync } = require('fs');\nconst { readFile } = require('fs/promises');\nasync function f() {\n  return await readFile('a');\n}\n");
  });

  it('adds the import where it is a statement of its own: after the require when code goes on on its line (minified, a block comment)', async () => {
    const dir = tempDir('cl-import-place-');
    fs.writeFileSync(path.join(dir, 'data.txt'), 'hello');
    const cases = {
      // One line: the start of the next line is inside the class.
      minified: "'use strict'; const { readFileSync } = require('fs'); class Store {\r async load(p) { return readFileSync(p, 'utf8'); } } module.exports = { Store, run: () => new Store().load(__dirname + '/data.txt') };\n",
      // The next line is inside a comment: an import there would be commented out, and the program would fail.
      comment: "const { readFileSync } = require('fs'); /* the store\n   keeps nothing */ async function load(p) { return readFileSync(p, 'utf8'); }\nmodule.exports = { run: () => load(__dirname + '/data.txt') };\n",
      // A line comment ends with its line: the import goes on a line of its own, as without it.
      note: "const { readFileSync } = require('fs'); // sync for now\nasync function load(p) { return readFileSync(p, 'utf8'); }\nmodule.exports = { run: () => load(__dirname + '/data.txt') };\n",
    };
    for (const [name, text] of Object.entries(cases)) {
      const fixed = await fixAll(text, 'javascript');
      assert.match(fixed, /require\('fs\/promises'\)/, name);
      assert.equal((await check(fixed, 'javascript')).length, 0, `${name}: ${fixed}`);
      const file = path.join(dir, `${name}.js`);
      fs.writeFileSync(file, fixed);
      // Run in Node: the fixed module loads and reads the file.
      const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(file)}).run().then((v) => process.stdout.write(v))`], { encoding: 'utf8' });
      assert.equal(run.stdout, 'hello', `${name}: ${run.stderr}\n${fixed}`);
    }
    assert.equal(await fixAll(cases.note, 'javascript'), "const { readFileSync } = require('fs'); // sync for now\nconst { readFile } = require('fs/promises');\nasync function load(p) { return await readFile(p, 'utf8'); }\nmodule.exports = { run: () => load(__dirname + '/data.txt') };\n");
  });

  it('offers the exec fix only where the result is unused', async () => {
    const text = "import { execSync } from 'child_process';\nasync function f() {\n  execSync('a');\n  return execSync('b');\n}\n";
    const ds = await check(text);
    assert.deepEqual(ds.map((d) => d.fixes.length), [1, 0]);
  });

  describe('peer suites', () => {
    type Case = { kind: 'valid' | 'invalid'; code: string; options?: unknown };
    const load = (file: string): Case[] => JSON.parse(fs.readFileSync(path.join(SUITES, file), 'utf8')) as Case[];
    const insideAsync = (code: string) => /\basync\b/.test(code);

    it('deno_lint no-sync-fn-in-async-fn: every invalid case caught, no valid case flagged', async () => {
      for (const c of load('deno_lint_no_sync_fn_in_async_fn.json')) {
        const found = await check(c.code);
        assert.equal(found.length, c.kind === 'invalid' ? 1 : 0, c.code);
      }
    });

    // eslint-plugin-n's no-sync flags *Sync calls everywhere; none of its cases is inside an async function, so from
    // us every one of them is expected silent: outside async code a sync call blocks nothing that could run meanwhile.
    for (const file of fs.existsSync(SUITES) ? fs.readdirSync(SUITES).filter((f) => f.startsWith('eslint-plugin-n_no-sync')) : []) {
      it(`${file}: no case is flagged (none is inside an async function); wrapped in one, real Node APIs are caught`, async () => {
        for (const c of load(file)) {
          assert.equal(insideAsync(c.code), false, 'a case inside async code: count it as expected to be caught');
          assert.deepEqual(await check(c.code), [], c.code);
          if (c.kind !== 'invalid') continue;
          // The same code inside an async function, with `fs` imported: fs.fooSync is a (future) fs *Sync API.
          const wrapped = `import * as fs from 'fs';\nasync function wrapper() {\n${c.code}\n}\nexport { wrapper, fs };\n`;
          const expected = /fs\.fooSync(\.apply)?\s*\(/.test(c.code) && !/function|=>/.test(c.code) ? 1 : 0;
          // `fooSync()` from nowhere, CSSStyleSheet.replaceSync, and calls inside nested sync functions: silent by design.
          assert.equal((await check(wrapped)).length, expected, wrapped);
        }
      });
    }
  });
});

