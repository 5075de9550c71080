// The package listing the call graph reads: the package's own files, without its test suites.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { isTestSuitePath, packageFiles } from '../../../src/host/packageFiles';

describe('package files for the call graph', () => {
  it('test suites are left out by folder and file name; everything else is listed', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-pkg-'));
    try {
      const files = [
        'pyproject.toml', 'app/server.py', 'app/testing.py', 'app/contest.py', 'tests/test_server.py', 'tests/helpers.py',
        'app/tests/fixtures.py', 'conftest.py', 'app/store_test.py', 'web/src/app.ts', 'web/src/app.test.ts', 'web/__tests__/x.js',
        'web/spec/y.spec.mjs', 'docs/examples/demo.py',
      ];
      for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), '');
      }
      const listed = packageFiles(root, 'app/server.py', new Map()).filter((f) => !f.endsWith('.toml')).sort();
      assert.deepEqual(listed, ['app/contest.py', 'app/server.py', 'app/testing.py', 'docs/examples/demo.py', 'web/src/app.ts']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('names that only look like tests are not test suites', () => {
    for (const p of ['src/testing_utils.py', 'src/latest.py', 'src/tests.py', 'lib/attest/x.ts', 'src/spectrum.ts']) assert.equal(isTestSuitePath(p), false, p);
    for (const p of ['tests/a.py', 'pkg/test/a.py', 'a/test_b.py', 'a/b_test.py', 'a/b.test.tsx', 'a/b.spec.cjs', 'a/__tests__/b.ts']) assert.equal(isTestSuitePath(p), true, p);
  });
});
