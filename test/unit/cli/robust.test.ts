import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { formatJson, formatSarif } from '../../../src/cli/format';
import { run } from '../../../src/cli/main';
import { repoRoot, tempDir } from '../helpers';

// A repository is untrusted input: names, file names and source text from it never crash a rule, never hide a
// failure behind exit 0, and never reach the terminal or a CI log as control sequences.

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, cwd });
  return { code, stdout, stderr };
}

const MAIN_JS = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
const RULES_JS = path.join(repoRoot, 'out', 'src', 'core', 'rules', 'index.js');

/** Runs the tsc-built CLI in a child with one rule made to throw (the worker thread inherits `--require`). */
function cliWithThrowingRule(args: string[], cwd: string) {
  const patch = path.join(tempDir(), 'throwing-rule.cjs');
  fs.writeFileSync(patch, `const { allRules } = require(${JSON.stringify(RULES_JS)});\n`
    + "for (const rule of allRules) if (rule.meta.slug === 'blocking-call-in-async') rule.check = () => { throw new TypeError('boom from a test'); };\n");
  return spawnSync(process.execPath, ['--require', patch, MAIN_JS, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

describe('CLI: names from Object.prototype', () => {
  it('a Python module defining constructor/__proto__/hasOwnProperty and calling helpers.toString() is checked like any other', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.py'), 'import time\nimport helpers\n\n\ndef constructor():\n    time.sleep(1)\n\n\ndef __proto__():\n    time.sleep(1)\n\n\n'
      + 'def hasOwnProperty():\n    pass\n\n\nasync def main():\n    constructor()\n    __proto__()\n    hasOwnProperty()\n    helpers.toString()\n    time.sleep(1)\n');
    fs.writeFileSync(path.join(dir, 'b.ts'), "import * as fs from 'fs';\nimport * as helpers from './helpers';\nexport async function run() {\n  helpers.toString();\n  helpers.constructor();\n  fs.readFileSync('x');\n}\n");
    fs.writeFileSync(path.join(dir, 'helpers.ts'), "export function toString() { return 'x'; }\n");
    const r = await cli(['check', '.', '--no-cache'], dir);
    assert.equal(r.stderr.includes('internal error'), false, r.stderr);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => l.split(' ').slice(0, 3).join(' '));
    assert.deepEqual(lines, [
      'a.py:18:5: information blocking-call-in-async',
      'a.py:19:5: information blocking-call-in-async',
      'a.py:22:5: information blocking-call-in-async',
      'b.ts:6:3: information blocking-call-in-async',
    ]);
  });
});

describe('CLI: a rule that throws fails the run', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'app.py'), 'import asyncio\nimport time\nimport threading\n\n\nasync def main():\n    time.sleep(1)\n\n\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n');

  it('text: the error is on stderr, the other rules still report, and the exit status is 2', () => {
    const r = cliWithThrowingRule(['check', 'app.py', '--no-cache'], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /app\.py: internal error in rule blocking-call-in-async: boom from a test/);
    assert.match(r.stdout, /app\.py:12:1: error daemon-after-start/);
  });

  it('JSON: an `errors` list names the file and the rule; exit 2', () => {
    const r = cliWithThrowingRule(['check', 'app.py', '--no-cache', '--format', 'json'], dir);
    assert.equal(r.status, 2, r.stderr);
    const json = JSON.parse(r.stdout) as { errors?: { path: string; message: string }[]; files: unknown[] };
    assert.deepEqual(json.errors, [{ path: 'app.py', message: 'internal error in rule blocking-call-in-async: boom from a test' }]);
    assert.equal(json.files.length, 1);
  });

  it('SARIF: the invocation is not successful and carries the error as a notification; exit 2', () => {
    const r = cliWithThrowingRule(['check', 'app.py', '--no-cache', '--format', 'sarif'], dir);
    assert.equal(r.status, 2, r.stderr);
    const sarif = JSON.parse(r.stdout) as { runs: { invocations: { executionSuccessful: boolean; toolExecutionNotifications: { level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }[] };
    const [invocation] = sarif.runs[0].invocations;
    assert.equal(invocation.executionSuccessful, false);
    assert.deepEqual(invocation.toolExecutionNotifications.map((n) => [n.level, n.message.text, n.locations[0].physicalLocation.artifactLocation.uri]),
      [['error', 'internal error in rule blocking-call-in-async: boom from a test', 'app.py']]);
  });

  it('without the patch the same run succeeds (the test above is about the rule, not the file)', () => {
    const r = spawnSync(process.execPath, [MAIN_JS, 'check', 'app.py', '--no-cache', '--format', 'sarif'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    const sarif = JSON.parse(r.stdout) as { runs: { invocations: { executionSuccessful: boolean }[] }[] };
    assert.equal(sarif.runs[0].invocations[0].executionSuccessful, true);
  });
});

describe('CLI: --budget-ms', () => {
  it('2^31 ms or more is kept at the documented maximum: the analysis runs (a timer overflow gave 1 ms and stopped it)', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'app.py'), 'import time\n\n\nasync def main():\n    time.sleep(1)\n');
    for (const budget of [String(2 ** 31), String(2 ** 40)]) {
      const r = await cli(['check', 'app.py', '--no-cache', '--budget-ms', budget], dir);
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /analysis stopped/);
      assert.match(r.stdout, /app\.py:5:5: information blocking-call-in-async/);
    }
  });
});

/** A project whose `lib` is a symlink to a folder outside it, holding helpers that block. */
function projectWithOutsideLink(): { root: string; outside: string } {
  const base = tempDir();
  const outside = path.join(base, 'outside-secret');
  const root = path.join(base, 'project');
  fs.mkdirSync(outside);
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(outside, 'helper.py'), 'import time\n\n\ndef slow():\n    time.sleep(1)  # OUTSIDE-MARKER\n');
  fs.writeFileSync(path.join(outside, 'helper.ts'), "import * as fs from 'node:fs';\nexport function slow() {\n  return fs.readFileSync('/OUTSIDE-MARKER');\n}\n");
  fs.symlinkSync(outside, path.join(root, 'lib'));
  fs.writeFileSync(path.join(root, 'app.py'), 'from lib.helper import slow\n\n\nasync def main():\n    slow()\n');
  fs.writeFileSync(path.join(root, 'app.ts'), "import { slow } from './lib/helper';\nexport async function main() {\n  slow();\n}\n");
  return { root, outside };
}

describe('CLI: reads stay inside the project', () => {
  it('an import through a symlink to outside the root is not followed: no outside names in text, JSON, SARIF or the cache', async () => {
    const { root } = projectWithOutsideLink();
    for (const format of ['text', 'json', 'sarif']) {
      const r = await cli(['check', 'app.py', 'app.ts', '--format', format], root);
      assert.equal(r.code, 0, `${format}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /helper|OUTSIDE-MARKER|outside-secret/, format);
    }
    const cache = path.join(root, '.concurrency-lens-cache');
    const cached = fs.existsSync(cache) ? fs.readdirSync(cache).map((f) => fs.readFileSync(path.join(cache, f), 'utf8')).join('') : '';
    assert.doesNotMatch(cached, /OUTSIDE-MARKER|time\.sleep|readFileSync/);
  });

  it('the same helpers inside the project are followed (the test above is about the link)', async () => {
    const { root, outside } = projectWithOutsideLink();
    fs.rmSync(path.join(root, 'lib'));
    fs.cpSync(outside, path.join(root, 'lib'), { recursive: true });
    const r = await cli(['check', 'app.py', 'app.ts', '--no-cache'], root);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /app\.py:5:5: .*helper\.py:5/);
    assert.match(r.stdout, /app\.ts:3:3: .*helper\.ts:3/);
  });
});

describe('CLI: a config file that is a symlink to another file', () => {
  it('the parse error names the file and the place, never the bytes of its target', async () => {
    const base = tempDir();
    const secret = path.join(base, 'id_rsa');
    fs.writeFileSync(secret, 'SECRET-KEY-MATERIAL abc123\n-----END-----\n');
    const root = path.join(base, 'project');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'a.py'), 'import time\n');
    for (const name of ['concurrency-lens.json', 'pyproject.toml']) {
      fs.symlinkSync(secret, path.join(root, name));
      const r = await cli(['check', '.', '--no-cache'], root);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${name.replace('.', '\\.')}(:\\d+:\\d+)?: invalid (JSON|TOML)`));
      assert.doesNotMatch(r.stderr + r.stdout, /SECRET|KEY|abc123|END/);
      fs.rmSync(path.join(root, name));
    }
  });
});

describe('CLI: text output from the repository cannot drive a terminal or a CI log', () => {
  it('file names and source text are escaped; a line never starts with `::` (a GitHub Actions command)', async () => {
    const dir = tempDir();
    const evilName = '::error file=x::pwned\x1b[31m\x07.py';
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, evilName), 'import time\n\n\nasync def main():\n    time.sleep(1)\n');
    // A call whose text carries escapes and a line break into the message.
    fs.writeFileSync(path.join(dir, 'src', 'b.ts'), "import * as fs from 'fs';\nexport async function f() {\n  fs.readFileSync('\\u001b]8;;http://x\\u0007', /* \u001b[2J \r::warning::x */ 'utf8');\n}\n");
    // A callee whose text spans a comment with escapes and a line break: the message quotes it.
    fs.writeFileSync(path.join(dir, 'src', 'e.py'), 'import time\n\n\nasync def g():\n    (time  # \x1b[31m ::warning::y\n     ).sleep(1)\n');
    const r = await cli(['check', '.', '--no-cache'], dir);
    assert.equal(r.code, 1, r.stderr);
    const out = r.stdout + r.stderr;
    // The message is one line: the callee's line break and indentation are one space there (messages flatten code).
    assert.ok(r.stdout.includes('`(time # \\x1b[31m ::warning::y ).sleep()`'), r.stdout);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/, 'no control characters but newlines');
    for (const line of out.split('\n')) assert.doesNotMatch(line, /^\s*::/, line);
    assert.ok(r.stdout.includes('./::error file=x::pwned\\x1b[31m\\x07.py:5:5: information blocking-call-in-async'), r.stdout);
  });

  it('JSON and SARIF carry the same names, with C1 controls and bidi overrides as \\u escapes (JSON leaves them raw)', () => {
    const name = 'a\u009b31m\u202eyp.py';
    const reports = [{ path: name, language: 'python' as const, diagnostics: [] }];
    for (const out of [formatJson(reports), formatSarif(reports, '0', [{ path: name, message: 'x' }])]) {
      assert.doesNotMatch(out, /[\u007f-\u009f\u202a-\u202e]/);
      assert.ok(out.includes('a\\u009b31m\\u202eyp.py'));
    }
    assert.equal((JSON.parse(formatJson(reports)) as { files: { path: string }[] }).files[0].path, name);
  });

  it('config errors quoting the repository\'s keys are escaped too', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.py'), 'import time\n');
    fs.writeFileSync(path.join(dir, 'concurrency-lens.json'), JSON.stringify({ rules: { '\u001b]0;pwned\u0007\n::error::x': 'off' } }));
    const r = await cli(['check', '.', '--no-cache'], dir);
    assert.equal(r.code, 2);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    for (const line of r.stderr.split('\n')) assert.doesNotMatch(line, /^\s*::/, line);
    assert.match(r.stderr, /rules\.\\x1b\]0;pwned\\x07\\x0a::error::x: unknown rule/);
  });
});
