// Checks what the packaged .vsix ships: built code yes; sources, tests, fixtures, node_modules no.
// Runs without a server: `node test/e2e/run.mjs --only static`, or as part of the full run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { readZipEntries } from './lib/zip.mjs';

const vsix = process.env.CL_VSIX;

describe('packaged .vsix contents', function () {
  let entries = [];
  before(function () {
    assert.ok(vsix && fs.existsSync(vsix), `no .vsix at ${vsix} (run npm run package)`);
    entries = readZipEntries(vsix);
    const size = fs.statSync(vsix).size;
    console.log(`      vsix: ${vsix}: ${(size / 1024).toFixed(1)} KiB, ${entries.length} files, ${(entries.reduce((n, e) => n + e.size, 0) / 1024).toFixed(1)} KiB unpacked`);
  });

  it('has a manifest and an extension/package.json', () => {
    const names = entries.map((e) => e.name);
    assert.ok(names.includes('extension.vsixmanifest'), 'extension.vsixmanifest missing');
    assert.ok(names.includes('extension/package.json'), 'extension/package.json missing');
  });

  it('ships the entry point named by package.json "main"', function () {
    const pkg = JSON.parse(readZipEntries(vsix, 'extension/package.json')[0].text);
    if (!pkg.main) this.skip();
    const main = `extension/${pkg.main.replace(/^\.\//, '')}`;
    const names = new Set(entries.map((e) => e.name));
    assert.ok(names.has(main) || names.has(`${main}.js`), `${main} is not in the vsix`);
  });

  it('leaks no sources, tests, fixtures, developer docs (docs/dev), node_modules or .ts files', () => {
    const bad = entries.map((e) => e.name).filter((n) =>
      /^extension\/(src|test|tests|out\/test|bench|examples|\.vscode-test|\.ci|\.github)\//.test(n)
      || /^extension\/docs\/dev(\/|$)/.test(n)
      || /(^|\/)node_modules\//.test(n)
      || /(^|\/)fixtures?\//.test(n)
      || (/\.tsx?$/.test(n) && !/\.d\.ts$/.test(n))
      || /(^|\/)\.(env|npmrc|git)(\/|$)/.test(n));
    const maps = entries.filter((e) => e.name.endsWith('.map'));
    if (maps.length) console.log(`      note: ${maps.length} source map(s) ship (${(maps.reduce((n, e) => n + e.size, 0) / 1024).toFixed(0)} KiB)`);
    assert.deepStrictEqual(bad, [], `files that should not ship: ${bad.slice(0, 30).join(', ')}${bad.length > 30 ? ' ...' : ''}`);
  });
});
