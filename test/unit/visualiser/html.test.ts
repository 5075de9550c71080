import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentSecurityPolicy, renderVisualiserHtml } from '../../../src/core/visualiser/html';
import { repoRoot } from './root';

const input = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'abc123XYZ',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/visualiser.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/visualiser.css',
};

test('the CSP is strict: nonce script, extension styles, nothing inline or remote', () => {
  const html = renderVisualiserHtml(input);
  const csp = contentSecurityPolicy(input.cspSource, input.nonce);
  assert.equal(csp, `default-src 'none'; img-src ${input.cspSource} data:; style-src ${input.cspSource}; script-src 'nonce-${input.nonce}';`);
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(meta, 'CSP meta tag');
  const decoded = meta[1].replace(/&#39;|&quot;|&amp;/g, (m) => ({ '&#39;': "'", '&quot;': '"', '&amp;': '&' })[m]!);
  assert.equal(decoded, csp);
  assert.ok(!/unsafe-inline|unsafe-eval|\*/.test(csp));
  assert.ok(!/https?:\/\/(?!file\+\.vscode-resource)/.test(html), 'no remote sources');
  assert.match(html, new RegExp(`<script nonce="${input.nonce}" src="${input.scriptUri.replace(/[.+]/g, '\\$&')}"></script>`));
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, from the extension');
  assert.ok(!/<style|style="|\son[a-z]+=/i.test(html), 'no inline styles or handlers');
  assert.match(html, /A model, not a measurement; durations are relative unless the code states them\./);
});

test('attribute values are escaped and a bad nonce is refused', () => {
  const html = renderVisualiserHtml({ ...input, scriptUri: 'x"><script>alert(1)</script>' });
  assert.ok(!html.includes('"><script>alert'));
  assert.throws(() => renderVisualiserHtml({ ...input, nonce: "a' 'unsafe-inline" }));
});

test('the page script and stylesheet: no innerHTML, no remote resources, colours from theme variables', () => {
  const js = fs.readFileSync(path.join(repoRoot(), 'media/visualiser.js'), 'utf8');
  const css = fs.readFileSync(path.join(repoRoot(), 'media/visualiser.css'), 'utf8');
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/.test(js));
  assert.ok(!/https?:\/\//.test(js.replace('http://www.w3.org/2000/svg', '')), 'no remote URLs in the script');
  assert.ok(!/@import|url\(\s*['"]?https?:/.test(css));
  // Every colour literal is a fallback inside var(--vscode-…, …).
  for (const line of css.split('\n')) {
    const stripped = line.replace(/var\(--vscode-[\w-]+,\s*(?:var\([^)]*\)|[^()]*\([^)]*\)|[^)]*)\)/g, '');
    assert.ok(!/#[0-9a-f]{3,8}\b|rgba?\(/i.test(stripped), `hard-coded colour: ${line.trim()}`);
  }
});
