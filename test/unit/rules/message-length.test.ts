import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { allRules } from '../../../src/core/rules';
import { composeMessage, MESSAGE_LIMIT, messageLength } from '../../../src/core/message';
import { repoRoot } from '../helpers';

// Every message a reader meets in the Problems panel is one sentence of at most MESSAGE_LIMIT characters before its
// location; the rest is in the detail. Checked on every fixture and example, through the CLI (which follows calls into
// other files, so chains are included).

interface Report { path: string; diagnostics: { code: string; message: string; detail?: string }[] }

function checkAll(): Report[] {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  const run = spawnSync(process.execPath, [cli, 'check', 'test/fixtures', 'examples', '--format', 'json', '--no-cache'], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return (JSON.parse(run.stdout) as { files: Report[] }).files;
}

/** The text outside code spans. */
const prose = (message: string): string => message.replace(/`[^`]*`/g, '`…`');

describe('messages', () => {
  const files = checkAll();
  const all = files.flatMap((f) => f.diagnostics.map((d) => ({ ...d, path: f.path })));

  it('every rule is seen on the fixtures', () => {
    const seen = new Set(all.map((d) => d.code));
    for (const rule of allRules) assert.ok(seen.has(rule.meta.slug), rule.meta.slug);
  });

  it(`are at most ${MESSAGE_LIMIT} characters before the location, on every fixture`, () => {
    const long = all.filter((d) => messageLength(d.message) > MESSAGE_LIMIT).map((d) => `${d.path}: ${d.code}: ${d.message}`);
    assert.deepEqual(long, []);
    assert.ok(all.length > 100, `only ${all.length} findings`);
  });

  it('are one sentence: no sentence break outside code, and the rest in the detail', () => {
    const multi = all.filter((d) => /[.!?] [A-Z]/.test(prose(d.message).replace(/\.\.\./g, ''))).map((d) => `${d.path}: ${d.message}`);
    assert.deepEqual(multi, []);
    // The advice did not vanish: the findings that used to carry it still do, in the detail.
    assert.ok(all.filter((d) => d.code === 'blocking-call-in-async').every((d) => d.detail && /Use |use |Run |Make /.test(d.detail)));
  });

  it('a slot that would not fit goes to the detail, and the sentence stays within the limit', () => {
    const long = 'x'.repeat(60);
    const { message, detail } = composeMessage({
      subject: '`open()`', effect: 'blocks the event loop', scope: 'in `save()`', condition: `when \`${long}\` is set`,
      context: `in route handler \`GET /${long}\` (api.py:40)`, consequence: 'other tasks wait', location: 'asset.py:126',
    }, 'Use `aiofiles`.');
    assert.ok(messageLength(message) <= MESSAGE_LIMIT, message);
    assert.match(message, /^`open\(\)` blocks the event loop/);
    assert.match(message, /\(asset\.py:126\)$/);
    assert.match(detail ?? '', /Use `aiofiles`\.$/);
    // Nothing is lost: every slot is in the message or the detail.
    for (const part of ['in `save()`', `when \`${long}\` is set`, `GET /${long}`, 'other tasks wait']) assert.ok(`${message} ${detail}`.toLowerCase().includes(part.toLowerCase()), part);
    const short = composeMessage({ subject: '`open()`', effect: 'blocks the event loop', scope: 'in `save()`', consequence: 'other tasks wait', location: 'asset.py:126' });
    assert.equal(short.message, '`open()` blocks the event loop in `save()`; other tasks wait (asset.py:126)');
    assert.equal(short.detail, undefined);
  });
});
