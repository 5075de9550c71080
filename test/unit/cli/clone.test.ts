import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers';

// End to end, as a user would meet a hostile repository: `git clone` it, run the bundled CLI in it with HOME
// pointed at a throwaway home, and check that nothing outside the clone changed.

/** Every entry under `dir` (symlinks as their target text, not followed) with its content's hash and mode. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (folder: string): void => {
    for (const name of fs.readdirSync(folder).sort()) {
      const full = path.join(folder, name);
      const stat = fs.lstatSync(full);
      const key = path.relative(dir, full);
      if (stat.isSymbolicLink()) out.set(key, `link ${fs.readlinkSync(full)}`);
      else if (stat.isDirectory()) {
        out.set(key, `dir ${stat.mode}`);
        visit(full);
      } else out.set(key, `file ${stat.mode} ${crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex')}`);
    }
  };
  visit(dir);
  return out;
}

const BLOCKING_PY = 'import time\n\n\nasync def tick():\n    time.sleep(1)\n';

describe('a crafted repository, cloned and checked', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-clone-'));
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  it('changes nothing outside the clone (home and a sibling folder hashed before and after)', () => {
    const home = path.join(base, 'home');
    const sibling = path.join(base, 'sibling');
    fs.mkdirSync(path.join(home, '.config'), { recursive: true });
    fs.writeFileSync(path.join(home, '.bashrc'), 'export SAFE=1\n');
    fs.writeFileSync(path.join(home, '.profile'), '# profile\n');
    fs.writeFileSync(path.join(home, 'lib.py'), BLOCKING_PY);
    fs.mkdirSync(sibling);
    fs.writeFileSync(path.join(sibling, 'tool.py'), BLOCKING_PY);

    const crafted = path.join(base, 'crafted');
    const cache = path.join(crafted, '.concurrency-lens-cache');
    fs.mkdirSync(path.join(crafted, 'sub'), { recursive: true });
    fs.mkdirSync(cache);
    fs.writeFileSync(path.join(crafted, 'app.py'), BLOCKING_PY);
    fs.writeFileSync(path.join(crafted, 'sub', 'job.py'), BLOCKING_PY);
    // The old temp name was summaries.json.<pid>.tmp: links for the pids the CLI's process is likely to get.
    for (let pid = process.pid; pid < process.pid + 300; pid++) fs.symlinkSync('../../home/.bashrc', path.join(cache, `summaries.json.${pid}.tmp`));
    fs.symlinkSync('../../home/created-by-gitignore', path.join(cache, '.gitignore'));
    fs.symlinkSync('../../home/.config', path.join(crafted, 'sub', '.concurrency-lens-cache'));
    fs.symlinkSync('../home/.profile', path.join(crafted, 'baseline.json'));
    fs.symlinkSync('../home/lib.py', path.join(crafted, 'linked.py'));
    fs.symlinkSync('../sibling', path.join(crafted, 'vendor'));
    const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1' } });
    git(['init', '-q'], crafted);
    git(['add', '-A'], crafted);
    git(['-c', 'user.name=x', '-c', 'user.email=x@x', 'commit', '-qm', 'crafted'], crafted);
    const clone = path.join(base, 'clone');
    git(['clone', '-q', crafted, clone], base);
    assert.ok(fs.lstatSync(path.join(clone, 'baseline.json')).isSymbolicLink(), 'the clone has the committed links');

    const before = { home: snapshot(home), sibling: snapshot(sibling) };
    const env = { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), XDG_CONFIG_HOME: path.join(home, '.config') };
    const cli = (args: string[], cwd = clone) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), ...args], { cwd, env, encoding: 'utf8' });
    const runs = [
      { args: ['check', '.'], status: 1 },
      { args: ['check', '.'], cwd: path.join(clone, 'sub'), status: 1 },
      { args: ['check', '--write-baseline', 'baseline.json', '.'], status: 2 },
      { args: ['check', '--fix', 'linked.py', 'vendor'], status: 2 },
      { args: ['check', '--fix', '.'], status: 0 },
    ];
    for (const { args, cwd, status } of runs) {
      const result = cli(args, cwd);
      assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /internal error/);
    }
    assert.deepEqual(snapshot(home), before.home);
    assert.deepEqual(snapshot(sibling), before.sibling);
    assert.equal(fs.existsSync(path.join(home, 'created-by-gitignore')), false);
    // The run did its work inside the clone: its own file was fixed.
    assert.match(fs.readFileSync(path.join(clone, 'app.py'), 'utf8'), /await asyncio\.sleep\(1\)/);
  });
});
