import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { run, version } from '../../../src/cli/main';
import { compact, packFunction, type StoredSummary } from '../../../src/core/project/packed';
import { cacheStamp } from '../../../src/host/summaryCache';
import type { FileUnits } from '../../../src/core/context/graph';

// .concurrency-lens-cache/: other files' summaries kept between runs, keyed by path and content.

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-cache-'));
  made.push(dir);
  fs.writeFileSync(path.join(dir, 'util.py'), 'import subprocess\n\n\ndef git_rev():\n    return subprocess.check_output(["git", "rev-parse", "HEAD"])\n');
  fs.writeFileSync(path.join(dir, 'app.py'), 'from util import git_rev\n\n\nasync def version():\n    return git_rev()\n');
  return dir;
}

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, cwd });
  return { code, stdout, stderr };
}

const cacheFile = (dir: string) => path.join(dir, '.concurrency-lens-cache', 'summaries.json');
type Cache = { version: string; summaries: Record<string, StoredSummary>; results?: unknown };

/** The stored function `key` of `stored` as it reads back, and the same function without its blocking call. */
function withoutBlocking(stored: StoredSummary, key: string): string {
  const fn = compact(stored).functions[key];
  return packFunction({ key, async: fn.async, range: fn.range, calls: fn.calls });
}

describe('CLI: the summaries cache', () => {
  it('is written after a run, with a .gitignore, and read by the next (a changed file misses)', async () => {
    const dir = project();
    const first = await cli(['check', '.'], dir);
    assert.match(first.stdout, /app\.py:5:12: information blocking-call-in-async `git_rev\(\)` blocks the event loop/);
    const cache = JSON.parse(fs.readFileSync(cacheFile(dir), 'utf8')) as Cache;
    const key = Object.keys(cache.summaries).find((k) => k.startsWith('util.py\n'))!;
    assert.equal(compact(cache.summaries[key]).functions.git_rev.blocking?.api, 'subprocess.check_output', 'the helper is summarised as blocking');
    assert.match(fs.readFileSync(path.join(dir, '.concurrency-lens-cache', '.gitignore'), 'utf8'), /^\*$/m);
    // A summary that says otherwise for the same content is believed: the second run read the cache. (Without the
    // results kept beside it, which would be reused as they are, the run analyses app.py.)
    delete cache.results;
    cache.summaries[key].functions.git_rev = withoutBlocking(cache.summaries[key], 'git_rev');
    fs.writeFileSync(cacheFile(dir), JSON.stringify(cache));
    assert.doesNotMatch((await cli(['check', '.'], dir)).stdout, /git_rev/);
    // The file's content changes (a comment): its key misses and the summary is computed again.
    fs.appendFileSync(path.join(dir, 'util.py'), '# changed\n');
    assert.match((await cli(['check', '.'], dir)).stdout, /git_rev\(\)` blocks the event loop/);
  });

  it('--no-cache neither reads nor writes it', async () => {
    const dir = project();
    const result = await cli(['check', '.', '--no-cache'], dir);
    assert.equal(result.code, 1);
    assert.equal(fs.existsSync(path.join(dir, '.concurrency-lens-cache')), false);
  });

  it('a corrupt or foreign cache file is ignored and replaced, never an error', async () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, '.concurrency-lens-cache'));
    const ours = cacheStamp(version);
    const junks = [`{"version": "${ours}", "summaries": `, '[1, 2]', '{"version": "9.9.9/1", "summaries": {}}', '\u0000\u0001',
      JSON.stringify({ version: ours, summaries: { 'util.py\nx\n': 7, 'app.py\ny\n': { functions: 5 }, 'z.py\nz\n': null } })];
    for (const junk of junks) {
      fs.writeFileSync(cacheFile(dir), junk);
      const result = await cli(['check', '.'], dir);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /git_rev\(\)` blocks the event loop/);
      assert.doesNotThrow(() => JSON.parse(fs.readFileSync(cacheFile(dir), 'utf8')) as unknown);
    }
    // The right key for util.py with a damaged function in it: the entry is dropped, not trusted.
    const cache = JSON.parse(fs.readFileSync(cacheFile(dir), 'utf8')) as Cache;
    const key = Object.keys(cache.summaries).find((k) => k.startsWith('util.py\n'))!;
    // Each damage alone: not JSON, the wrong shape, a call's target of an unknown kind, a range that is not numbers.
    const good = JSON.parse(cache.summaries[key].functions.git_rev) as unknown[];
    const changed = (at: number, value: unknown) => JSON.stringify(good.map((v, i) => (i === at ? value : v)));
    const damages = ['[0, 3', '{"calls": 5}', changed(6, [['xgit', 'g()', 1, 2, 0, 3]]), changed(1, '3')];
    for (const damage of damages) {
      cache.summaries[key].functions.git_rev = damage;
      fs.writeFileSync(cacheFile(dir), JSON.stringify(cache));
      const damaged = await cli(['check', '.'], dir);
      assert.doesNotMatch(damaged.stderr, /error/);
      assert.match(damaged.stdout, /git_rev\(\)` blocks the event loop/, damage);
    }
  });

  it("keeps the call graph's units, which a warm run takes instead of parsing the package again (a changed file misses)", async () => {
    const dir = project();
    const cold = await cli(['check', '.'], dir);
    assert.match(cold.stdout, /app\.py:5:12: information blocking-call-in-async/);
    const cache = JSON.parse(fs.readFileSync(cacheFile(dir), 'utf8')) as Cache & { units: Record<string, FileUnits> };
    const key = Object.keys(cache.units).find((k) => k.startsWith('app.py\n'))!;
    assert.ok(cache.summaries[key], 'kept beside the summary it was made with');
    // Units that say a framework runs `version` beside other requests are believed for the same content (the results
    // kept beside them would be reused as they are: without them, the run analyses app.py).
    delete cache.results;
    const unit = cache.units[key].units.find((u) => u.id === 'version')!;
    unit.own = { kind: 'hot', message: 'is a route handler (cached)', range: { start: { line: 3, column: 0 }, end: { line: 3, column: 5 } } };
    fs.writeFileSync(cacheFile(dir), JSON.stringify(cache));
    assert.match((await cli(['check', '.'], dir)).stdout, /app\.py:5:12: warning blocking-call-in-async/);
    // Damaged units (a call's target of an unknown kind, a range that is not numbers) are made again, never an error.
    for (const damage of [{ target: { kind: 'x' }, range: unit.own.range }, { target: { kind: 'local', key: 'f' }, range: { start: 1 } }]) {
      const damaged = structuredClone(cache);
      const version = damaged.units[key].units.find((u) => u.id === 'version')!;
      version.calls.push(damage as never);
      fs.writeFileSync(cacheFile(dir), JSON.stringify(damaged));
      const result = await cli(['check', '.'], dir);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /app\.py:5:12: information blocking-call-in-async/, JSON.stringify(damage));
    }
    // The file's content changes: its key misses and its units are made again from the text.
    fs.appendFileSync(path.join(dir, 'app.py'), '# changed\n');
    assert.match((await cli(['check', '.'], dir)).stdout, /app\.py:5:12: information blocking-call-in-async/);
  });

  it('the walker never checks files inside it', async () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, '.concurrency-lens-cache'));
    fs.writeFileSync(path.join(dir, '.concurrency-lens-cache', 'stray.py'), 'import time\n\n\nasync def f():\n    time.sleep(1)\n');
    assert.doesNotMatch((await cli(['check', '.', '--no-cache'], dir)).stdout, /stray\.py/);
  });
});

describe('CLI: the results cache', () => {
  const json = async (dir: string, ...more: string[]) => (await cli(['check', '.', '--format', 'json', ...more], dir)).stdout;

  it('reuses a result while nothing it read changed, and gives what a run without the cache gives after any change', async () => {
    const dir = project();
    const first = await json(dir);
    assert.match(first, /git_rev\(\)` blocks the event loop/);
    // A stored result is reused as it is: the next run analyses nothing.
    const cache = JSON.parse(fs.readFileSync(cacheFile(dir), 'utf8')) as Cache & { results: { results: Record<string, { diagnostics: { message: string }[] }> } };
    cache.results.results['app.py'].diagnostics[0].message = 'reused';
    fs.writeFileSync(cacheFile(dir), JSON.stringify(cache));
    assert.match(await json(dir), /"reused"/);
    // Each change below alters app.py's findings without touching app.py; each warm run must match a cold one.
    const changes: [string, () => Promise<void>][] = [
      ['the helper it calls no longer blocks', () => Promise.resolve(fs.writeFileSync(path.join(dir, 'util.py'), 'def git_rev():\n    return "0" * 40\n'))],
      ['a module it imports from appears', async () => {
        fs.appendFileSync(path.join(dir, 'app.py'), '\n\nfrom helpers import slow\n\n\nasync def later():\n    slow()\n');
        await json(dir); // kept while helpers.py is absent
        fs.writeFileSync(path.join(dir, 'helpers.py'), 'import time\n\n\ndef slow():\n    time.sleep(1)\n');
      }],
      ['a new file of the package registers it as a route handler', () => Promise.resolve(fs.writeFileSync(path.join(dir, 'server.py'), 'from aiohttp import web\n\nfrom app import later\n\napp = web.Application()\napp.router.add_get("/", later)\n'))],
    ];
    let before = await json(dir, '--no-cache');
    for (const [what, change] of changes) {
      await change();
      const warm = await json(dir);
      const cold = await json(dir, '--no-cache');
      assert.notEqual(cold, before, `${what}: the change changes the findings`);
      assert.equal(warm, cold, what);
      // And the result it kept is reused as it is.
      assert.equal(await json(dir), cold, what);
      before = cold;
    }
    // Options that change what is reported change the key.
    assert.equal(await json(dir, '--rule', 'daemon-after-start'), await json(dir, '--rule', 'daemon-after-start', '--no-cache'));
  });

  it('a damaged stored result is no entry: the file is analysed again, never an error', async () => {
    const dir = project();
    const cold = await json(dir, '--no-cache');
    await json(dir);
    type Stored = { files: unknown[]; results: Record<string, { reads: unknown[]; diagnostics: unknown[] }> };
    const cache = JSON.parse(fs.readFileSync(cacheFile(dir), 'utf8')) as Cache & { results: Stored };
    const damages: ((r: Stored) => void)[] = [
      (r) => { r.results['app.py'].diagnostics = [{ code: 'blocking-call-in-async', severity: 'warning', message: 'no range' }]; },
      (r) => { r.results['app.py'].reads.push(10_000); },
      (r) => { r.files = [[1, 'x']]; },
      (r) => { (r.results['app.py'].diagnostics[0] as { related: unknown }).related = [{ message: 'x' }]; },
      // A listing said to be of a package outside the project is not walked.
      (r) => {
        const lists = (r.results['app.py'] as unknown as { lists: { near: string; listing: number }[] }).lists;
        assert.ok(lists.length > 0, 'app.py read its package');
        lists.push({ near: '../../outside.py', listing: lists[0].listing });
      },
    ];
    for (const damage of damages) {
      const damaged = structuredClone(cache);
      damage(damaged.results);
      fs.writeFileSync(cacheFile(dir), JSON.stringify(damaged));
      const result = await cli(['check', '.', '--format', 'json'], dir);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stdout, cold, damage.toString());
    }
  });
});
