import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { allRules } from '../../src/core';
import { REFERENCE_HEADING, renderRulePage } from '../../src/core/docs';
import { repoRoot } from './helpers';

describe('rule documentation', () => {
  for (const rule of allRules) {
    it(`${rule.meta.slug}: carries every section, and docs/rules/${rule.meta.slug}.md is up to date`, () => {
      const { docs } = rule.meta;
      for (const field of ['summary', 'what', 'why', 'example', 'instead'] as const) {
        assert.ok(docs[field].trim().length > 0, `${field} is empty`);
      }
      assert.match(rule.meta.slug, /^[a-z]+(-[a-z]+)*$/);
      const page = path.join(repoRoot, 'docs', 'rules', `${rule.meta.slug}.md`);
      assert.ok(fs.existsSync(page), `missing ${page}: run npm run docs`);
      assert.equal(fs.readFileSync(page, 'utf8'), renderRulePage(rule), 'stale page: run npm run docs');
    });

    it(`${rule.meta.slug}: is listed in the README's rules table`, () => {
      const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
      assert.ok(readme.includes(`[\`${rule.meta.slug}\`](docs/rules/${rule.meta.slug}.md)`));
    });
  }
});

describe('user documentation', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, unknown> }; commands: { command: string }[]; walkthroughs: { steps: { media: { markdown?: string } }[] }[] };
  };
  const settings = new Set(Object.keys(pkg.contributes.configuration.properties));
  const commands = new Set(pkg.contributes.commands.map((c) => c.command));
  const pages = [
    'README.md', 'CONTRIBUTING.md',
    ...fs.readdirSync(path.join(repoRoot, 'docs', 'rules')).map((f) => path.join('docs', 'rules', f)),
    ...pkg.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.markdown).filter((m): m is string => m !== undefined)),
  ];

  it('every setting a page names exists in package.json, and no internal name stands in for one', () => {
    const unknown: string[] = [];
    for (const page of pages) {
      const text = fs.readFileSync(path.join(repoRoot, page), 'utf8');
      for (const [name] of text.matchAll(/\bconcurrencyLens\.[A-Za-z][\w.]*[A-Za-z]/g)) {
        // A setting, a command, or an object setting's key (`concurrencyLens.rules`), or the server's own commands.
        if (settings.has(name) || commands.has(name) || name.startsWith('concurrencyLens.server.')) continue;
        unknown.push(`${page}: ${name}`);
      }
      for (const internal of ['followCallsMaxDepth', 'pythonFreeThreaded', 'ruleSeverity', 'blockingExtra', 'blockingAllow', 'pythonTargetVersion']) {
        if (text.includes(internal)) unknown.push(`${page}: ${internal}`);
      }
    }
    assert.deepEqual(unknown, []);
    // The README's settings table lists every setting.
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const setting of settings) assert.ok(readme.includes(`\`${setting}\``), `README lacks ${setting}`);
  });

  it('every rule page leads with what, why and the fix in under 400 words, the reference after', () => {
    for (const rule of allRules) {
      const page = renderRulePage(rule);
      const at = page.indexOf(REFERENCE_HEADING);
      assert.ok(at > 0, rule.meta.slug);
      const lead = page.slice(0, at).split(/\s+/).filter(Boolean).length;
      assert.ok(lead < 400, `${rule.meta.slug}: ${lead} words before the reference`);
      for (const heading of ['## Why it is a problem', '## Example', '## Instead']) assert.ok(page.indexOf(heading) < at, heading);
    }
  });

  it('the walkthrough\'s pages and the icon exist; the README keeps the command CI runs', () => {
    for (const page of pages) assert.ok(fs.existsSync(path.join(repoRoot, page)), page);
    assert.ok(fs.existsSync(path.join(repoRoot, 'media', 'icon.png')));
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, /## Run all tests\n\n```sh\nnpm ci && npm test\n```/);
    for (const image of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(fs.existsSync(path.join(repoRoot, image[1])), image[1]);
  });

  it('the examples type-check without installing @types/node', () => {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', path.join(repoRoot, 'examples')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
});
