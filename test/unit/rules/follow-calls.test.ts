import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText, applyEdits, type Diagnostic } from '../../../src/core';
import { markedLines, projectReader, pyCompiles, repoRoot, runProjectScript, tempDir, fullText } from '../helpers';

// blocking-call-in-async through the project's own functions and modules, checked against what really blocks:
// a harness runs the fixture project with its blocking APIs replaced by recorders that note whether the call
// ran on the event loop's thread, and from which line of app.py.

const PROJECTS = path.join(repoRoot, 'test', 'fixtures', 'projects');
const PROJECT = path.join(PROJECTS, 'py-follow');

function blockedAtRuntime(project: string): number[] {
  return runProjectScript(path.join(PROJECTS, 'harness.py'), project);
}

async function analyse(project: string): Promise<Diagnostic[]> {
  const text = fs.readFileSync(path.join(project, 'app.py'), 'utf8');
  const result = await analyzeText(text, 'python', {
    only: ['blocking-call-in-async'],
    path: 'app.py',
    readFile: projectReader(project),
  });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics;
}

const marked = (text: string): number[] => markedLines(text, '# BLOCKS');

describe('following calls into helpers and modules (Python)', () => {
  it('reports exactly the calls that block the loop at run time, and no offloaded, pure or sync-only call', async () => {
    const runtime = blockedAtRuntime(PROJECT);
    const expected = marked(fs.readFileSync(path.join(PROJECT, 'app.py'), 'utf8'));
    assert.deepEqual(runtime, expected, 'the fixture marks what really blocks');
    const found = (await analyse(PROJECT)).map((d) => d.range.start.line + 1);
    assert.deepEqual(found, runtime);
  });

  it('names the chain, with one related location per hop in its own file', async () => {
    const diagnostics = await analyse(PROJECT);
    const byCallee = (text: string) => diagnostics.find((d) => d.message.startsWith(`\`${text}\``))!;
    assert.match(fullText(byCallee('git_rev()')), /it calls `subprocess\.check_output\(\)` \(util\.py:5\)/);
    const deep = byCallee('deep()');
    assert.match(fullText(deep), /it calls `middle\(\)` \(helpers\.py:\d+\), which calls `pause\(\)` \(helpers\.py:\d+\), which calls `time\.sleep\(\)` \(helpers\.py:7\)/);
    assert.deepEqual(deep.related.map((r) => r.path), ['pkg/helpers.py', 'pkg/helpers.py', 'pkg/helpers.py']);
    assert.match(fullText(byCallee('repo.head()')), /git_rev\(\).*util\.py:5/);
    const openLine = fs.readFileSync(path.join(PROJECT, 'app.py'), 'utf8').split('\n').findIndex((l) => l.includes('with open(')) + 1;
    assert.match(fullText(byCallee('read_hostname()')), new RegExp(`\`open\\(\\)\` \\(line ${openLine}\\)`));
    assert.equal(byCallee('read_hostname()').related[0].path, undefined, 'a hop in the same file has no path');
    // Through a re-export chain (pkg/__init__.py -> pkg/reexport.py -> pkg/helpers.py): the hop is where the code is.
    assert.deepEqual(byCallee('pkg.settle()').related.map((r) => r.path), ['pkg/helpers.py']);
    // Inherited from a base class in another file, through super() and cls.
    assert.match(fullText(byCallee('Remote().go()')), /it calls `super\(\)\.fetch\(\)` \(models\.py:\d+\), which calls `subprocess\.check_output\(\)` \(base\.py:6\)/);
    assert.deepEqual(byCallee('Remote.make()').related.map((r) => r.path), ['models.py', 'base.py']);
    // Through tools/pyproject.toml: tools/src is an import root for tools/runner.py.
    assert.deepEqual(byCallee('run_tool()').related.map((r) => r.path), ['tools/runner.py', 'tools/src/toolkit/core.py']);
  });

  it('the fixes compile, clear the findings, and leave nothing blocking the loop at run time', async () => {
    const copy = tempDir();
    fs.cpSync(PROJECT, copy, { recursive: true });
    const app = path.join(copy, 'app.py');
    const diagnostics = await analyse(copy);
    const edits = diagnostics.flatMap((d) => d.fixes.find((f) => f.preferred)?.edits ?? []);
    assert.equal(diagnostics.filter((d) => d.fixes.some((f) => f.preferred)).length, diagnostics.length, 'every finding has a fix');
    fs.writeFileSync(app, applyEdits(fs.readFileSync(app, 'utf8'), edits));
    pyCompiles(app);
    assert.deepEqual(await analyse(copy), []);
    assert.deepEqual(blockedAtRuntime(copy), []);
  });

  it('stays bounded on re-export and inheritance cycles, and still finds what the cycle re-exports', async () => {
    const files: Record<string, string> = {
      'pkg/__init__.py': 'from .a import loop, real\n',
      'pkg/a.py': 'from .b import loop\nfrom .b import real\n',
      'pkg/b.py': 'import time\nfrom .a import loop\n\n\ndef real():\n    time.sleep(1)\n',
      'models.py': 'from other_models import B\n\n\nclass A(B):\n    pass\n',
      'other_models.py': 'from models import A\n\n\nclass B(A):\n    pass\n',
    };
    const app = 'from pkg import loop, real\nfrom models import A\n\n\nasync def f(a: A):\n    loop()\n    a.head()\n    real()\n';
    const result = await analyzeText(app, 'python', { only: ['blocking-call-in-async'], path: 'app.py', readFile: (file) => files[file] });
    assert.deepEqual(result.ruleErrors, []);
    assert.deepEqual(result.diagnostics.map((d) => [d.range.start.line + 1, d.related.map((r) => r.path)]), [[8, ['pkg/b.py']]]);
  });

  it('a lock the helper made itself does not block when it takes it; a lock it is given may', async () => {
    const text = [
      'import threading',
      'class Worker:',
      '    def __init__(self):',
      '        self._lock = threading.Lock()',
      '        self._lock.acquire()',
      'def fresh():',
      '    lock = threading.Lock()',
      '    lock.acquire()',
      '    return lock',
      'def given(lock: threading.Lock):',
      '    lock.acquire()',
      'LOCK = threading.Lock()',
      'def module_lock():',
      '    LOCK.acquire()',
      'async def handler(shared):',
      '    Worker()',
      '    fresh()',
      '    given(shared)',
      '    module_lock()',
      '',
    ].join('\n');
    const found = (await analyzeText(text, 'python', { only: ['blocking-call-in-async'] })).diagnostics.map((d) => d.message.slice(0, d.message.indexOf('`', 1) + 1));
    assert.deepEqual(found, ['`given()`', '`module_lock()`']);
  });

  it('follows no further than followCallsMaxDepth, and not at all at 0', async () => {
    const text = fs.readFileSync(path.join(PROJECT, 'app.py'), 'utf8');
    const readFile = (file: string) => (fs.existsSync(path.join(PROJECT, file)) ? fs.readFileSync(path.join(PROJECT, file), 'utf8') : undefined);
    const at = async (depth: number) => (await analyzeText(text, 'python', { only: ['blocking-call-in-async'], path: 'app.py', readFile, settings: { pythonFreeThreaded: false, ruleSeverity: {}, followCallsMaxDepth: depth } }))
      .diagnostics.map((d) => d.message.slice(0, d.message.indexOf('`', 1) + 1));
    assert.deepEqual(await at(0), []);
    // One call deep: helpers that block in their own code.
    assert.deepEqual(await at(1), ['`git_rev()`', '`read_hostname()`', '`h.pause()`', '`spin()`', '`settle()`', '`pkg.settle()`', '`child.wait()`',
      '`maybe.wait()`', '`quoted.wait()`', '`union.wait()`', '`AppRepo().fetch()`', '`Service().repo.wait()`', '`client.fetch()`', '`Settings()`', '`AppSettings()`',
      '`ensure_cache_dir()`']);
    assert.ok((await at(3)).includes('`deep()`'), 'deep() -> middle() -> pause() -> time.sleep() is three calls down');
  });
});

describe('following calls into helpers and modules (TS/JS)', () => {
  const project = path.join(PROJECTS, 'ts-follow');
  const text = fs.readFileSync(path.join(project, 'app.ts'), 'utf8');
  const readFile = (file: string) => (fs.existsSync(path.join(project, file)) ? fs.readFileSync(path.join(project, file), 'utf8') : undefined);

  it('reports helpers that block, in this file, in this class and in relative modules, and nothing run later or pure', async () => {
    const result = await analyzeText(text, 'typescript', { only: ['blocking-call-in-async'], path: 'app.ts', readFile });
    assert.deepEqual(result.ruleErrors, []);
    assert.deepEqual(result.diagnostics.map((d) => d.range.start.line + 1), text.split('\n').flatMap((l, i) => (l.includes('// BLOCKS') ? [i + 1] : [])));
    const gitRev = result.diagnostics.find((d) => d.message.startsWith('`gitRev()`'))!;
    assert.match(fullText(gitRev), /it calls `execSync\(\)` \(repo\.ts:14\)/);
    assert.deepEqual(gitRev.related.map((r) => r.path), ['lib/repo.ts']);
    const cache = result.diagnostics.find((d) => d.message.startsWith('`this.cache()`'))!;
    const readLine = text.split('\n').findIndex((l) => l.includes('fs.readFileSync(`/t/')) + 1;
    assert.match(fullText(cache), new RegExp(`it calls \`loadTemplate\\(\\)\` \\(line \\d+\\), which calls \`fs\\.readFileSync\\(\\)\` \\(line ${readLine}\\)`));
    const byCallee = (callee: string) => result.diagnostics.find((d) => d.message.startsWith(`\`${callee}\``))!;
    // tsconfig.json `paths` ('@lib/*'), then a second import through the same alias inside lib/alias.ts.
    assert.deepEqual(byCallee('viaAlias()').related.map((r) => r.path), ['lib/alias.ts', 'lib/template.ts']);
    // `export *` and renamed re-exports lead to the module that holds the code, not the barrel.
    assert.deepEqual(byCallee('barrel.loadFile()').related.map((r) => r.path), ['lib/template.ts']);
    assert.deepEqual(byCallee('revision()').related.map((r) => r.path), ['lib/repo.ts']);
    // CommonJS: `module.exports = { list: listIt }`, `exports.run = function`, `module.exports = function`.
    assert.match(fullText(byCallee('list()')), /`fs\.readdirSync\(\)` \(cjs\.js:8\)/);
    assert.match(fullText(byCallee('hash()')), /`crypto\.pbkdf2Sync\(\)` \(cjsDefault\.js:4\)/);
    // Methods: an inherited one through super, and one of a field assigned in the constructor.
    assert.deepEqual(byCallee('super.read()').related.map((r) => r.path), ['lib/base.ts']);
    assert.deepEqual(byCallee('this.repo.head()').related.map((r) => r.path), ['lib/repo.ts', 'lib/repo.ts']);
  });

  it('follows namespaces (`export * as ns`, a namespace import exported by name) and attributes of other modules\' classes', async () => {
    const reach = fs.readFileSync(path.join(project, 'reach.ts'), 'utf8');
    const result = await analyzeText(reach, 'typescript', { only: ['blocking-call-in-async'], path: 'reach.ts', readFile });
    assert.deepEqual(result.ruleErrors, []);
    // Not the same-named pure or async `loadConfig`, nor `head()` of an attribute holding a Cache.
    assert.deepEqual(result.diagnostics.map((d) => d.range.start.line + 1), markedLines(reach, '// BLOCKS'));
    const byCallee = (callee: string) => result.diagnostics.find((d) => d.message.startsWith(`\`${callee}\``))!;
    // The hop is where the code is: through the barrel's namespace to lib/ns/config.ts.
    assert.match(fullText(byCallee('settings.loadConfig()')), /it calls `readFileSync\(\)` \(config\.ts:4\)/);
    assert.deepEqual(byCallee('tools.gitHead()').related.map((r) => r.path), ['lib/ns/util.ts']);
    // An attribute of a class of another module, of a class it inherits from, and used by that class's own method.
    assert.deepEqual(byCallee('svc.repo.head()').related.map((r) => r.path), ['lib/repo.ts', 'lib/repo.ts']);
    assert.deepEqual(byCallee('this.repo.head()').related.map((r) => r.path), ['lib/repo.ts', 'lib/repo.ts']);
    assert.match(fullText(byCallee('svc.refresh()')), /it calls `this\.repo\.head\(\)` \(service\.ts:17\), which calls `this\.run\(\)` \(repo\.ts:5\)/);
    assert.deepEqual(byCallee('js.sync()').related.map((r) => r.path), ['lib/members/jsService.js', 'lib/repo.ts', 'lib/repo.ts']);
  });

  it('stays bounded on namespace re-export cycles and attribute chains that loop', async () => {
    const files: Record<string, string> = {
      'a.ts': "export * as b from './b';\n",
      'b.ts': "import { readFileSync } from 'node:fs';\nexport * as a from './a';\nexport function real() {\n  return readFileSync('x');\n}\n",
      'link.ts': "import { readFileSync } from 'node:fs';\nexport class Link {\n  next!: Link;\n  read() {\n    return readFileSync('x');\n  }\n}\n",
    };
    const app = [
      "import { b } from './a';",
      "import { Link } from './link';",
      'export async function f(n: Link) {',
      '  b.real();',
      '  b.a.b.real();',
      '  b.a.b.a.b.a.b.a.b.a.b.a.b.a.b.a.b.a.b.real();',
      '  b.a.missing();',
      '  n.next.next.read();',
      '  n.next.next.next.next.next.next.next.next.next.next.next.read();',
      '}',
      '',
    ].join('\n');
    const result = await analyzeText(app, 'typescript', { only: ['blocking-call-in-async'], path: 'app.ts', readFile: (file) => files[file] });
    assert.deepEqual(result.ruleErrors, []);
    // Within the indirection budget the chain is found; past it (or to a name nobody defines) the search stops.
    assert.deepEqual(result.diagnostics.map((d) => [d.range.start.line + 1, d.related.map((r) => r.path)]), [[4, ['b.ts']], [5, ['b.ts']], [8, ['link.ts']]]);
  });

  it('the fixture project type-checks as written', () => {
    const tsc = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });

  it('maps bare specifiers through tsconfig.json baseUrl, also from a config it extends, and leaves packages alone', async () => {
    const files: Record<string, string> = {
      'tsconfig.base.json': '{\n  // shared options\n  "compilerOptions": { "baseUrl": "./src", },\n}\n',
      'tsconfig.json': '{ "extends": "./tsconfig.base.json" }',
      'src/util/helpers.ts': "import { execSync } from 'child_process';\nexport function rev() {\n  return execSync('git rev-parse HEAD');\n}\n",
    };
    const app = "import { rev } from 'util/helpers';\nimport { other } from '@scope/pkg';\nexport async function f() {\n  rev();\n  other();\n}\n";
    const result = await analyzeText(app, 'typescript', { only: ['blocking-call-in-async'], path: 'src/app.ts', readFile: (file) => files[file] });
    assert.deepEqual(result.diagnostics.map((d) => [d.range.start.line + 1, d.related.map((r) => r.path)]), [[4, ['src/util/helpers.ts']]]);
    // Without the tsconfig.json, 'util/helpers' is a package.
    const bare = await analyzeText(app, 'typescript', { only: ['blocking-call-in-async'], path: 'src/app.ts', readFile: (file) => (file.endsWith('.json') ? undefined : files[file]) });
    assert.deepEqual(bare.diagnostics, []);
  });

  it('stays bounded on re-export and inheritance cycles, and finds only what the cycle re-exports', async () => {
    const files: Record<string, string> = {
      'a.ts': "export * from './b';\nexport { loop as again } from './b';\n",
      'b.ts': "import { readFileSync } from 'node:fs';\nexport * from './a';\nexport { again as loop } from './a';\nexport function real() {\n  return readFileSync('x');\n}\n",
      'c.ts': "import { A } from './d';\nexport class C extends A {}\n",
      'd.ts': "import { C } from './c';\nexport class A extends C {}\n",
    };
    const app = "import { missing, loop, real } from './a';\nimport { C } from './c';\nexport async function f(c: C) {\n  missing();\n  loop();\n  c.head();\n  real();\n}\n";
    const result = await analyzeText(app, 'typescript', { only: ['blocking-call-in-async'], path: 'app.ts', readFile: (file) => files[file] });
    assert.deepEqual(result.ruleErrors, []);
    // Only `real()`, found through the cycle's `export *`.
    assert.deepEqual(result.diagnostics.map((d) => [d.range.start.line + 1, d.related.map((r) => r.path)]), [[7, ['b.ts']]]);
  });

  it('without the other files, only what this file shows is followed', async () => {
    const result = await analyzeText(text, 'typescript', { only: ['blocking-call-in-async'], path: 'app.ts' });
    assert.deepEqual(result.diagnostics.map((d) => d.message.slice(0, d.message.indexOf('`', 1) + 1)), ['`this.cache()`', '`loadTemplate()`', '`viaTemplate()`']);
  });
});
