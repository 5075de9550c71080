import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { run } from '../../../src/cli/main';
import { pyCompiles, tempDir } from '../helpers';

// A repository is untrusted input: what it commits (symlinks, odd encodings, odd line endings) must never make the
// CLI write outside it or change a byte a fix did not mean to change.

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A project folder and a sibling "home" folder holding a file the project must never touch. */
function setup(): { dir: string; victim: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-untrusted-'));
  made.push(base);
  const dir = path.join(base, 'repo');
  fs.mkdirSync(dir);
  fs.mkdirSync(path.join(base, 'home'));
  const victim = path.join(base, 'home', '.bashrc');
  fs.writeFileSync(victim, 'export SAFE=1\n');
  fs.writeFileSync(path.join(dir, 'app.py'), 'import time\n\n\nasync def tick():\n    time.sleep(1)\n');
  return { dir, victim };
}

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, cwd });
  return { code, stdout, stderr };
}

const FINDING = /app\.py:5:5: (warning|information) blocking-call-in-async/;

describe('CLI: writes stay inside the project and follow no symlink', () => {
  it('the cache temp file is opened exclusively under a random name: per-pid links to a victim are never followed', async () => {
    const { dir, victim } = setup();
    const cache = path.join(dir, '.concurrency-lens-cache');
    fs.mkdirSync(cache);
    // The old name was summaries.json.<pid>.tmp: links for this process's pid and its neighbours.
    for (let pid = Math.max(1, process.pid - 20); pid <= process.pid + 20; pid++) fs.symlinkSync(victim, path.join(cache, `summaries.json.${pid}.tmp`));
    const result = await cli(['check', '.'], dir);
    assert.match(result.stdout, FINDING);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'export SAFE=1\n');
    assert.ok(fs.lstatSync(path.join(cache, 'summaries.json')).isFile(), 'the cache was written beside the links');
    // No temp file is left behind, and the links are untouched.
    assert.deepEqual(fs.readdirSync(cache).filter((n) => n.endsWith('.tmp') && !fs.lstatSync(path.join(cache, n)).isSymbolicLink()), []);
  });

  it('temp names are random, and a name taken by a link is never opened through it', async () => {
    const { temporaryName, writeFileInside } = await import('../../../src/host/safeWrite');
    const { dir, victim } = setup();
    const names = new Set(Array.from({ length: 1000 }, () => temporaryName(path.join(dir, 'out.txt'))));
    assert.equal(names.size, 1000);
    for (const name of names) assert.match(path.basename(name), /^\.out\.txt\.[0-9a-f]{16}\.tmp$/);
    // A link planted at the final name is refused, and at no point followed.
    fs.symlinkSync(victim, path.join(dir, 'out.txt'));
    assert.throws(() => writeFileInside(dir, 'out.txt', 'x'), /out\.txt: not written: it is a symbolic link/);
    assert.throws(() => writeFileInside(dir, '../home/.bashrc', 'x'), /outside the project folder/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'export SAFE=1\n');
    assert.equal(writeFileInside(dir, 'sub/new.txt', 'y', { createFolders: true, mode: 0o600 }), true);
    assert.equal(fs.statSync(path.join(dir, 'sub', 'new.txt')).mode & 0o777, 0o600);
  });

  it('a dangling .gitignore link in the cache folder is not followed', async () => {
    const { dir } = setup();
    const cache = path.join(dir, '.concurrency-lens-cache');
    fs.mkdirSync(cache);
    const target = path.join(path.dirname(dir), 'home', 'created-by-link');
    fs.symlinkSync(target, path.join(cache, '.gitignore'));
    const result = await cli(['check', '.'], dir);
    assert.match(result.stdout, FINDING);
    assert.equal(result.code, 1, 'a refused cache is a warning, not a failure');
    assert.equal(fs.existsSync(target), false);
    assert.match(result.stderr, /warning: cache \.concurrency-lens-cache\/\.gitignore: not written: it is a symbolic link/);
    assert.equal(fs.existsSync(path.join(cache, 'summaries.json')), false, 'nothing is written when refused');
  });

  it('a symlinked cache folder is neither written nor read', async () => {
    const { dir } = setup();
    const elsewhere = path.join(path.dirname(dir), 'home', 'cachedir');
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, 'summaries.json'), '{"version": "x", "summaries": {}}');
    fs.symlinkSync(elsewhere, path.join(dir, '.concurrency-lens-cache'));
    const result = await cli(['check', '.'], dir);
    assert.match(result.stdout, FINDING);
    assert.deepEqual(fs.readdirSync(elsewhere), ['summaries.json']);
    assert.equal(fs.readFileSync(path.join(elsewhere, 'summaries.json'), 'utf8'), '{"version": "x", "summaries": {}}');
    assert.match(result.stderr, /cache \.concurrency-lens-cache\/\.gitignore: not written: .*\.concurrency-lens-cache is a symbolic link/);
  });

  it('--write-baseline through a committed symlink is refused (exit 2, findings still counted)', async () => {
    const { dir, victim } = setup();
    fs.symlinkSync(victim, path.join(dir, 'baseline.json'));
    const result = await cli(['check', '.', '--write-baseline', 'baseline.json'], dir);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /baseline\.json: not written \(--write-baseline\): it is a symbolic link/);
    assert.doesNotMatch(result.stderr, /baseline written/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'export SAFE=1\n');
    // Through a symlinked folder too.
    fs.symlinkSync(path.dirname(victim), path.join(dir, 'out'));
    const viaFolder = await cli(['check', '.', '--write-baseline', 'out/baseline.json'], dir);
    assert.equal(viaFolder.code, 2);
    assert.match(viaFolder.stderr, /out is a symbolic link/);
    assert.equal(fs.existsSync(path.join(path.dirname(victim), 'baseline.json')), false);
  });

  it('--fix through a committed symlink (file or folder) is refused; the finding is still reported', async () => {
    const { dir } = setup();
    const outside = path.join(path.dirname(dir), 'home', 'lib.py');
    const source = 'import time\n\n\nasync def tick():\n    time.sleep(1)\n';
    fs.writeFileSync(outside, source);
    fs.symlinkSync(outside, path.join(dir, 'linked.py'));
    const named = await cli(['check', '--fix', 'linked.py'], dir);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /linked\.py: not fixed: it is a symbolic link/);
    assert.match(named.stdout, /linked\.py:5:5: (warning|information) blocking-call-in-async/);
    assert.equal(fs.readFileSync(outside, 'utf8'), source);
    fs.symlinkSync(path.dirname(outside), path.join(dir, 'vendor'));
    const viaFolder = await cli(['check', '--fix', 'vendor'], dir);
    assert.equal(viaFolder.code, 2);
    assert.match(viaFolder.stderr, /vendor\/lib\.py: not fixed: .*vendor is a symbolic link/);
    assert.equal(fs.readFileSync(outside, 'utf8'), source);
    // The walk of the project itself skips symlinks; the real file is fixed.
    const whole = await cli(['check', '--fix', '.'], dir);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(fs.readFileSync(path.join(dir, 'app.py'), 'utf8'), /await asyncio\.sleep\(1\)/);
    assert.equal(fs.readFileSync(outside, 'utf8'), source);
  });

  it('--fix keeps the file mode', async () => {
    const { dir } = setup();
    const file = path.join(dir, 'app.py');
    fs.chmodSync(file, 0o750);
    await cli(['check', '--fix', 'app.py'], dir);
    assert.equal(fs.statSync(file).mode & 0o777, 0o750);
  });
});

/** Runs --fix on `bytes` as `name` in a fresh project; returns the result and the file's bytes after. */
async function fixBytes(name: string, bytes: Buffer, extra: string[] = []) {
  const { dir } = setup();
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  const result = await cli(['check', '--fix', ...extra, name], dir);
  return { ...result, after: fs.readFileSync(file), file, dir };
}

describe('CLI: --fix keeps every byte it does not mean to change', () => {
  const LONE_CR = 'import time\n# note\r# more\nasync def tick():\n    x = 1\n    time.sleep(1)\n    return x\n';

  it('a lone CR in a comment: the fix lands on the right line (the reported reproduction)', async () => {
    const r = await fixBytes('a.py', Buffer.from(LONE_CR));
    assert.equal(r.after.toString(), 'import time\nimport asyncio\n# note\r# more\nasync def tick():\n    x = 1\n    await asyncio.sleep(1)\n    return x\n');
    assert.match(r.stderr, /^1 fix applied, 0 findings left/m);
    assert.equal(r.code, 0);
    pyCompiles(r.file);
  });

  it('lone CR: the daemon fix moves the assignment, never deletes start()', async () => {
    const text = 'import threading\n# a\r# b\n\ndef work():\n    pass\n\n\nt = threading.Thread(target=work)\nt.start()\nt.daemon = True\nt.join()\n';
    // The daemon fix is unsafe (it changes when the flag is read), so it is asked for.
    const r = await fixBytes('d.py', Buffer.from(text), ['--unsafe-fixes']);
    const after = r.after.toString();
    assert.match(after, /t\.start\(\)/);
    assert.equal(after.replace('t = threading.Thread(target=work, daemon=True)', 't = threading.Thread(target=work)'), text.replace('t.daemon = True\n', ''));
    pyCompiles(r.file);
  });

  it('lone CR in TS: the fixed call and the added import land right', async () => {
    const text = "// a\r// b\nimport * as fs from 'fs';\n\nexport async function load(p: string) {\n  return fs.readFileSync(p, 'utf8');\n}\n";
    const r = await fixBytes('load.ts', Buffer.from(text));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.after.toString(), text.replace("fs.readFileSync(p, 'utf8')", "await fs.promises.readFile(p, 'utf8')"));
  });

  it('CRLF and mixed endings are kept; the inserted import takes its neighbour\'s', async () => {
    const r = await fixBytes('c.py', Buffer.from('import time\r\n\r\n\r\nasync def tick():\n    time.sleep(1)\r\n'));
    assert.equal(r.after.toString(), 'import time\r\nimport asyncio\r\n\r\n\r\nasync def tick():\n    await asyncio.sleep(1)\r\n');
  });

  it('a UTF-8 BOM is kept', async () => {
    const text = '\ufeffimport time\n\n\nasync def tick():\n    time.sleep(1)  # café\n';
    const r = await fixBytes('b.py', Buffer.from(text));
    assert.deepEqual([...r.after.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(r.after.toString(), '\ufeffimport time\nimport asyncio\n\n\nasync def tick():\n    await asyncio.sleep(1)  # café\n');
  });

  it('Latin-1 with a coding cookie: fixed and written back in Latin-1', async () => {
    const text = '# -*- coding: latin-1 -*-\nimport time\n\n\nasync def tick():\n    time.sleep(1)  # caf\u00e9 \u00bd\n';
    const r = await fixBytes('l.py', Buffer.from(text, 'latin1'));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.after, Buffer.from(text.replace('import time\n', 'import time\nimport asyncio\n').replace('time.sleep(1)  #', 'await asyncio.sleep(1)  #'), 'latin1'));
    pyCompiles(r.file);
  });

  it('cp1252 with a cookie keeps its bytes 0x80-0x9F', async () => {
    const bytes = Buffer.concat([Buffer.from('# coding: cp1252\nimport time\n\n\nasync def tick():\n    time.sleep(1)  # '), Buffer.from([0x80, 0x93, 0x94]), Buffer.from('\n')]);
    const r = await fixBytes('w.py', bytes);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.after.subarray(r.after.length - 4), Buffer.from([0x80, 0x93, 0x94, 0x0a]));
    pyCompiles(r.file);
  });

  it('Latin-1 bytes without a cookie (invalid UTF-8) are reported but never rewritten', async () => {
    const bytes = Buffer.from('import time\n\n\nasync def tick():\n    time.sleep(1)  # caf\u00e9\n', 'latin1');
    const r = await fixBytes('n.py', bytes);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /n\.py: not fixed: it holds bytes that are not valid UTF-8/);
    assert.match(r.stdout, /n\.py:5:5: (warning|information) blocking-call-in-async/);
    assert.deepEqual(r.after, bytes);
    const diff = await cli(['check', '--diff', 'n.py'], r.dir);
    assert.equal(diff.stdout, '');
    assert.equal(diff.code, 2);
  });

  it('--diff of a Latin-1 file: shown when the changed lines are ASCII, refused by name when not', async () => {
    const ascii = '# -*- coding: latin-1 -*-\n# caf\u00e9\nimport asyncio\nimport time\n\n\nasync def tick():\n    time.sleep(1)\n';
    const { dir } = setup();
    fs.writeFileSync(path.join(dir, 'l.py'), Buffer.from(ascii, 'latin1'));
    const shown = await cli(['check', '--diff', 'l.py'], dir);
    assert.equal(shown.code, 1, shown.stderr);
    assert.match(shown.stdout, /^- {4}time\.sleep\(1\)\n\+ {4}await asyncio\.sleep\(1\)$/m);
    fs.writeFileSync(path.join(dir, 'l.py'), Buffer.from(ascii.replace('time.sleep(1)', 'time.sleep(1)  # \u00bd'), 'latin1'));
    const refused = await cli(['check', '--diff', 'l.py'], dir);
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /l\.py: not in the diff: its iso-8859-1 text cannot be shown in a UTF-8 patch/);
  });

  it('an encoding fixes cannot write back is refused by name', async () => {
    const bytes = Buffer.from('# coding: shift_jis\nimport time\n\n\nasync def tick():\n    time.sleep(1)\n');
    const r = await fixBytes('s.py', bytes);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not fixed: its declared encoding 'shift_jis' is not one that fixes can write back/);
    assert.deepEqual(r.after, bytes);
  });

  it('--diff of a BOM, CRLF file applies with git apply to exactly what --fix writes', async () => {
    const text = '\ufeffimport time\r\n\r\n\r\nasync def tick():\r\n    time.sleep(1)\r\n';
    const { dir } = setup();
    fs.writeFileSync(path.join(dir, 'g.py'), text);
    spawnSync('git', ['init', '-q'], { cwd: dir });
    const diff = await cli(['check', '--diff', 'g.py'], dir);
    assert.equal(diff.code, 1);
    const applied = spawnSync('git', ['apply', '-'], { cwd: dir, input: diff.stdout });
    assert.equal(applied.status, 0, applied.stderr.toString());
    const viaDiff = fs.readFileSync(path.join(dir, 'g.py'));
    fs.writeFileSync(path.join(dir, 'g.py'), text);
    await cli(['check', '--fix', 'g.py'], dir);
    assert.deepEqual(viaDiff, fs.readFileSync(path.join(dir, 'g.py')));
    assert.equal(viaDiff.toString(), '\ufeffimport time\r\nimport asyncio\r\n\r\n\r\nasync def tick():\r\n    await asyncio.sleep(1)\r\n');
  });

  it('a fix whose text would not parse is skipped with a message naming its line; a sound one beside it goes in', async () => {
    const { fixText } = await import('../../../src/cli/fix');
    const text = 'x = 1\ny = 2\n';
    const fix = (line: number, title: string, newText: string) => ({
      code: 'test', severity: 'warning' as const, message: title, related: [], tags: [],
      range: { start: { line, column: 4 }, end: { line, column: 5 } },
      fixes: [{ title, preferred: true, applicability: 'safe' as const, edits: [{ range: { start: { line, column: 4 }, end: { line, column: 5 } }, newText }] }],
    });
    const analyse = (t: string) => Promise.resolve({ language: 'python' as const, hasSyntaxErrors: false, ruleErrors: [],
      diagnostics: t === text ? [fix(0, 'breaks', '(1'), fix(1, 'sound', '(2)')] : [] });
    const told: string[] = [];
    const outcome = await fixText(text, analyse, undefined, 'python', (m) => told.push(m));
    assert.equal(outcome?.text, 'x = 1\ny = (2)\n');
    assert.equal(outcome?.applied, 1);
    assert.deepEqual(told, ['line 1: fix skipped ("breaks"): the fixed text would not parse']);
  });

  it('--stdin-filename --fix keeps the BOM of standard input', async () => {
    let stdout = '';
    await run(['check', '--stdin-filename', 'x.py', '--fix'], {
      // An empty folder: the file's package is its folder, which the call graph reads (the system's temporary folder may hold anything).
      stdout: (t) => { stdout += t; }, stderr: () => undefined, cwd: tempDir(),
      readStdin: () => Promise.resolve('\ufeffimport asyncio\nimport time\n\n\nasync def tick():\n    time.sleep(1)\n'),
    });
    assert.equal(stdout, '\ufeffimport asyncio\nimport time\n\n\nasync def tick():\n    await asyncio.sleep(1)\n');
  });
});
