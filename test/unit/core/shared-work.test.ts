import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDocument, ParsedDocument, TreeFacts, type AnalysisResult, type Language } from '../../../src/core';
import { forgetCallerTexts } from '../../../src/core/context';
import { otherFileParseCount } from '../../../src/core/parser';

// After an edit, the call graph takes the edited file's part from the tree the rules read (no second parse of it), and
// the findings are those of an analysis from scratch.

const PROJECTS: Record<'python' | 'typescript', { app: string; files: Record<string, string>; edit: string }> = {
  python: {
    app: 'app.py',
    edit: 'time.sleep(1)',
    files: {
      'app.py': 'import asyncio\nimport time\nfrom util import helper\n\n\nasync def work(n):\n    time.sleep(1)\n    helper()\n\n\nasync def handle(n):\n    await work(n)\n\n\nasync def main():\n    await asyncio.gather(handle(1), handle(2))\n',
      'util.py': 'import time\n\n\ndef helper():\n    time.sleep(1)\n',
      'pyproject.toml': '',
    },
  },
  typescript: {
    app: 'app.ts',
    edit: "fs.readFileSync('a')",
    files: {
      'app.ts': "import * as fs from 'node:fs';\nimport { helper } from './util';\n\nasync function work(n: number) {\n  fs.readFileSync('a');\n  helper();\n}\n\nasync function handle(n: number) {\n  await work(n);\n}\n\nexport async function main() {\n  await Promise.all([handle(1), handle(2)]);\n}\n",
      'util.ts': "import * as fs from 'node:fs';\n\nexport function helper() {\n  fs.readFileSync('b');\n}\n",
      'package.json': '{}',
    },
  },
};

function shown(result: AnalysisResult): unknown {
  return result.diagnostics.map((d) => ({ code: d.code, range: d.range, severity: d.severity, message: d.message, related: d.related, fixes: d.fixes }));
}

describe('an edit re-uses the analysed tree for the call graph', () => {
  for (const language of ['python', 'typescript'] as const satisfies Language[]) {
    it(`${language}: no second parse of the edited file, the same findings as from scratch`, async () => {
      const { app, files, edit } = PROJECTS[language];
      const texts = new Map(Object.entries(files));
      const readFile = (file: string) => texts.get(file);
      const listFiles = () => [...texts.keys()].filter((f) => !f.endsWith('.json') && !f.endsWith('.toml'));
      const options = { path: app, readFile, listFiles };
      forgetCallerTexts();
      const doc = await ParsedDocument.create(language, texts.get(app)!);
      try {
        const first = analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!) });
        // `work` is hot only through the call graph: `handle`, which calls it, runs as one of several tasks.
        assert.ok(first.diagnostics.some((d) => d.related.some((r) => /is called by `handle`/.test(r.message ?? ''))), 'the graph carried the handler\'s context to work');
        // Type one character after the blocking call, as an editor would, and tell the graph the file changed.
        const at = doc.text.indexOf(edit) + edit.length;
        await doc.applyChanges([{ rangeOffset: at, rangeLength: 0, text: ' ' }]);
        texts.set(app, doc.text);
        forgetCallerTexts([app]);
        const parsesBefore = otherFileParseCount();
        const edited = analyzeDocument(doc, { ...options, facts: new TreeFacts(doc.tree!) });
        assert.equal(otherFileParseCount() - parsesBefore, 0);
        forgetCallerTexts();
        const fresh = await ParsedDocument.create(language, doc.text);
        try {
          assert.deepEqual(shown(edited), shown(analyzeDocument(fresh, { ...options, facts: new TreeFacts(fresh.tree!) })));
        } finally {
          fresh.dispose();
        }
      } finally {
        doc.dispose();
      }
    });
  }
});
