import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startSession, type LspDiagnostic } from './harness';
import { tempDir } from '../helpers';

// The file being edited is the one the user waits for: its next analysis goes ahead of files opened in bulk, also when
// its own analysis read its file from disk (it is then among the files its change re-checks, and must not be queued
// behind the others as one of them).
describe('an edited file', () => {
  it('is analysed ahead of the files opened in bulk before the edit', async () => {
    const dir = tempDir('cl-edit-priority-');
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "demo"\n');
    const body = (n: number) => `import time\n\n\nasync def handler_${n}():\n    time.sleep(1)\n`;
    const edited = path.join(dir, 'app.py');
    fs.writeFileSync(edited, body(0));
    const BULK = 30;
    for (let n = 1; n <= BULK; n++) fs.writeFileSync(path.join(dir, `m${n}.py`), body(n));
    const session = await startSession(dir);
    const order: string[] = [];
    // In the order they come (this handler replaces the harness's, so it keeps `published` as that one does).
    session.rpc.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: LspDiagnostic[] }) => {
      session.published.set(p.uri, [...(session.published.get(p.uri) ?? []), p.diagnostics]);
      order.push(p.uri === `file://${edited}` ? `app@${p.diagnostics.length}` : 'bulk');
    });
    try {
      const appUri = `file://${edited}`;
      await session.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: appUri, languageId: 'python', version: 1, text: body(0) } });
      await session.diagnostics(appUri, (ds) => ds.length === 1, 'the edited file checked once');
      for (let n = 1; n <= BULK; n++) {
        const uri = `file://${path.join(dir, `m${n}.py`)}`;
        await session.rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: body(n) } });
      }
      // A second blocking call typed while the others wait for their first analysis.
      await session.rpc.sendNotification('textDocument/didChange', { textDocument: { uri: appUri, version: 2 }, contentChanges: [{ text: `${body(0)}    time.sleep(2)\n` }] });
      await session.diagnostics(appUri, (ds) => ds.length === 2, 'the edit checked');
      for (let n = 1; n <= BULK; n++) await session.diagnostics(`file://${path.join(dir, `m${n}.py`)}`, (ds) => ds.length === 1, `m${n}.py checked`);
      const before = order.indexOf('app@2') - order.indexOf('app@1') - 1;
      // At most the analyses already handed to the worker when the edit came (a few) go first, not the other files.
      assert.ok(before < BULK / 2, `${before} of ${BULK} bulk files were analysed before the edit: ${order.join(' ')}`);
    } finally {
      await session.stop();
    }
  });
});
