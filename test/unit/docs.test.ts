import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { allRules } from '../../src/core';
import { renderRulePage } from '../../src/core/docs';
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
