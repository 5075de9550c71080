import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { run } from '../../../src/cli/main';
import { repoRoot, tempDir } from '../helpers';

async function cli(args: string[], cwd = repoRoot) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, cwd });
  return { code, stdout, stderr };
}

interface JsonPosition { line: number; column: number }
interface JsonOutput {
  version: number;
  files: { path: string; language: string; diagnostics: { code: string; severity: string; message: string; range: { start: JsonPosition; end: JsonPosition }; fixes: { title: string; edits: { range: { start: JsonPosition; end: JsonPosition }; newText: string }[] }[] }[] }[];
}

describe('CLI', () => {
  it('prints path:line:col: severity code message for every finding and exits 1', async () => {
    const r = await cli(['check', 'test/fixtures/python/daemon-after-start']);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.includes('test/fixtures/python/daemon-after-start/bad_plain_name.py:10:1: error daemon-after-start '
      + '`worker.daemon` is set after `worker.start()`; this raises RuntimeError (line 9)'), r.stdout);
    for (const line of lines) assert.match(line, /^[^:]+:\d+:\d+: (error|warning|information|hint) [a-z-]+ .+/);
    assert.ok(!r.stdout.includes('ok_'), 'negative fixtures must stay silent');
    assert.match(r.stderr, /findings? in \d+ files checked/);
  });

  it('exits 0 on clean input', async () => {
    const r = await cli(['check', 'test/fixtures/python/daemon-after-start/ok_constructor.py']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');
  });

  it('writes the fixed JSON format with 1-based positions', async () => {
    const r = await cli(['check', 'test/fixtures/python/daemon-after-start/bad_plain_name.py', '--format', 'json']);
    assert.equal(r.code, 1);
    const json = JSON.parse(r.stdout) as JsonOutput;
    assert.equal(json.version, 1);
    assert.deepEqual(Object.keys(json), ['version', 'files']);
    const [file] = json.files;
    assert.deepEqual(Object.keys(file), ['path', 'language', 'diagnostics']);
    assert.equal(file.path, 'test/fixtures/python/daemon-after-start/bad_plain_name.py');
    assert.equal(file.language, 'python');
    const [d] = file.diagnostics;
    assert.deepEqual(Object.keys(d), ['code', 'severity', 'message', 'detail', 'range', 'fixes']);
    assert.deepEqual(d.range, { start: { line: 10, column: 1 }, end: { line: 10, column: 21 } });
    assert.equal(d.code, 'daemon-after-start');
    assert.equal(d.severity, 'error');
    assert.ok(d.fixes.length >= 1);
    for (const fix of d.fixes) {
      assert.deepEqual(Object.keys(fix), ['title', 'applicability', 'edits']);
      for (const edit of fix.edits) assert.deepEqual(Object.keys(edit), ['range', 'newText']);
    }
  });

  it('writes SARIF 2.1.0 that code scanning accepts', async () => {
    const r = await cli(['check', 'test/fixtures/python/daemon-after-start', '--format', 'sarif']);
    const sarif = JSON.parse(r.stdout) as {
      version: string; $schema: string;
      runs: { tool: { driver: { name: string; rules: { id: string; helpUri: string; shortDescription: { text: string } }[] } }; results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } } }[] }[] }[];
    };
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-2\.1\.0/);
    assert.equal(sarif.runs.length, 1);
    const [runData] = sarif.runs;
    assert.equal(runData.tool.driver.name, 'Concurrency Lens');
    const ids = runData.tool.driver.rules.map((rule) => rule.id);
    assert.ok(ids.includes('daemon-after-start'));
    for (const rule of runData.tool.driver.rules) {
      assert.match(rule.helpUri, /^https:\/\/.+\/docs\/rules\/[a-z-]+\.md$/);
      assert.ok(rule.shortDescription.text.length > 0);
    }
    assert.ok(runData.results.length > 0);
    for (const result of runData.results) {
      assert.ok(['error', 'warning', 'note', 'none'].includes(result.level));
      assert.equal(ids[result.ruleIndex], result.ruleId);
      assert.ok(result.message.text.length > 0);
      const { artifactLocation, region } = result.locations[0].physicalLocation;
      assert.ok(!path.isAbsolute(artifactLocation.uri) && !artifactLocation.uri.includes('\\'));
      assert.ok(region.startLine >= 1 && region.startColumn >= 1 && region.endLine >= region.startLine);
    }
  });

  it('exits 2 with a clear message on usage errors and missing paths', async () => {
    let r = await cli(['check', '--format', 'xml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown format 'xml'/);
    r = await cli(['check', '--rule', 'no-such-rule']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown rule 'no-such-rule'/);
    r = await cli(['lint']);
    assert.equal(r.code, 2);
    r = await cli(['check', 'does/not/exist.py']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does\/not\/exist\.py: no such file or directory/);
  });

  it('walks folders but skips node_modules, .git, virtual envs, build output, minified bundles and .gitignored paths', async () => {
    const dir = tempDir();
    const bad = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';
    const badJs = "import fs from 'node:fs';\nexport async function f() { return fs.readFileSync('a'); }\n";
    for (const rel of ['src/a.py', 'node_modules/pkg/b.py', '.git/c.py', 'env/lib/d.py', 'build/e.py', 'keep/f.py', 'dist/g.py', 'web/.next/h.js', 'web/vendor/lib.min.js', 'web/app.js']) {
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), rel.endsWith('.js') ? badJs : bad);
    }
    fs.writeFileSync(path.join(dir, 'env', 'pyvenv.cfg'), 'home = /usr\n');
    fs.writeFileSync(path.join(dir, '.gitignore'), 'build/\n');
    const r = await cli(['check', '.', '--format', 'json'], dir);
    const json = JSON.parse(r.stdout) as JsonOutput;
    assert.deepEqual(json.files.map((f) => f.path).sort(), ['keep/f.py', 'src/a.py', 'web/app.js']);
    // Build output and minified bundles are skipped below a folder, but checked when named.
    const named = JSON.parse((await cli(['check', 'dist', 'web/vendor/lib.min.js', '--format', 'json'], dir)).stdout) as JsonOutput;
    assert.deepEqual(named.files.map((f) => f.path).sort(), ['dist/g.py', 'web/vendor/lib.min.js']);
  });

  it('weighs by evidence, not by path: a script run once is a hint, a library function nobody calls information', async () => {
    const dir = tempDir();
    const code = 'import * as fs from "fs";\nexport async function main() { fs.readFileSync("x"); }\n';
    for (const [rel, text] of [['scripts/a.ts', `${code}main();\n`], ['scripts/b.ts', code], ['src/a.ts', code]]) {
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    const json = JSON.parse((await cli(['check', '.', '--format', 'json'], dir)).stdout) as JsonOutput;
    assert.deepEqual(json.files.map((f) => `${f.path} ${f.diagnostics.map((d) => d.severity).join()}`).sort(), ['scripts/a.ts hint', 'scripts/b.ts information', 'src/a.ts information']);
  });

  it('skips node_modules below the given paths, never a given path inside one', async () => {
    const dir = tempDir();
    const bad = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';
    for (const rel of ['packages/node_modules/@scope/core/a.py', 'packages/node_modules/@scope/core/node_modules/dep/b.py', 'packages/c.py']) {
      fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), bad);
    }
    const paths = async (...args: string[]) => (JSON.parse((await cli(['check', ...args, '--format', 'json'], dir)).stdout) as JsonOutput).files.map((f) => f.path).sort();
    assert.deepEqual(await paths('packages'), ['packages/c.py']);
    assert.deepEqual(await paths('packages/node_modules/@scope'), ['packages/node_modules/@scope/core/a.py']);
    assert.deepEqual(await paths('packages/node_modules'), ['packages/node_modules/@scope/core/a.py']);
  });

  it('runs as the bundled bin (dist/cli.js) on the fixtures', () => {
    const bundle = path.join(repoRoot, 'dist', 'cli.js');
    assert.ok(fs.existsSync(bundle), 'run `npm run build` first');
    const r = spawnSync(process.execPath, [bundle, 'check', 'test/fixtures/python/daemon-after-start/bad_alias_module.py'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^test\/fixtures\/python\/daemon-after-start\/bad_alias_module\.py:10:1: error daemon-after-start /);
  });
});
