import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { hoverAt } from '../../../src/core/hover';
import { buildVisualisation } from '../../../src/core/visualiser';
import { defaultSettings } from '../../../src/core/types';

// Names in the analysed code are data: a function, method, class, parameter, member or module named after a key of
// Object.prototype (`constructor`, `toString`, `__proto__`, ...) is analysed exactly like any other name. Each
// template is checked with such a name and with a neutral name of the same length and shape: the rules, the hover
// and the visualiser must not throw, and must give the same results (findings at the same places, the same hovers
// and models once the neutral name is written back).

const PROTOTYPE_KEYS = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype'])];

/** The same shape with letters replaced: `__proto__` -> `__zzzzz__`, `toString` -> `zzzzzzzz` (no other z-run in the templates). */
const neutral = (name: string): string => name.replace(/[A-Za-z]/g, 'z');

type Files = Record<string, string>;
interface Template { name: string; language: Language; main: string; files: (n: string) => Files; skip?: (n: string) => boolean }

const PY: Template[] = [
  { name: 'function', language: 'python', main: 'app.py', files: (n) => ({ 'app.py': `import time\n\n\ndef ${n}():\n    time.sleep(1)\n\n\nasync def main():\n    ${n}()\n    time.sleep(1)\n` }) },
  { name: 'method', language: 'python', main: 'app.py', files: (n) => ({ 'app.py': `import time\n\n\nclass Holder:\n    def ${n}(self):\n        time.sleep(1)\n\n    async def go(self):\n        self.${n}()\n        time.sleep(1)\n` }) },
  { name: 'class', language: 'python', main: 'app.py', files: (n) => ({ 'app.py': `import time\n\n\nclass ${n}:\n    def __init__(self):\n        time.sleep(1)\n\n    def ${n}(self):\n        time.sleep(1)\n\n\nasync def main():\n    x = ${n}()\n    x.${n}()\n    time.sleep(1)\n` }) },
  { name: 'parameter and member', language: 'python', main: 'app.py', files: (n) => ({ 'app.py': `import time\nimport helpers\n\n\nasync def main(${n}, *args, **kwargs):\n    ${n}.${n}()\n    helpers.${n}()\n    kwargs.${n}\n    time.sleep(${n})\n` }) },
  { name: 'thread target', language: 'python', main: 'app.py', files: (n) => ({ 'app.py': `import threading\n\n\ndef ${n}(${n}):\n    total = 0\n    for i in range(10 ** 7):\n        total += i * i\n    return total\n\n\nt = threading.Thread(target=${n}, args=(1,))\nt.start()\nt.daemon = True\n` }) },
  { name: 'cpu in async', language: 'python', main: 'app.py', files: (n) => ({ 'app.py': `import asyncio\n\n\ndef ${n}(n):\n    total = 0\n    for i in range(n):\n        total += i * i\n    return total\n\n\nasync def main():\n    ${n}(10 ** 8)\n    await asyncio.sleep(0)\n\n\nasyncio.run(main())\n` }) },
  {
    name: 'imported function and module (two files)', language: 'python', main: 'app.py', files: (n) => ({
      'app.py': `import asyncio\nimport ${n}\nfrom helpers import ${n} as f\nfrom helpers import Repo\n\n\nasync def main():\n    ${n}.${n}()\n    f()\n    Repo().${n}()\n    await asyncio.sleep(0)\n`,
      [`${n}.py`]: `import time\n\n\ndef ${n}():\n    time.sleep(1)\n`,
      'helpers.py': `import subprocess\n\n\ndef ${n}():\n    subprocess.run(["ls"])\n\n\nclass Repo:\n    def ${n}(self):\n        subprocess.run(["ls"])\n`,
    }),
  },
];

const TS: Template[] = [
  { name: 'function', language: 'typescript', main: 'app.ts', files: (n) => ({ 'app.ts': `import * as fs from 'node:fs';\nfunction ${n}() {\n  return fs.readFileSync('x');\n}\nexport async function run() {\n  ${n}();\n  fs.readFileSync('y');\n}\n` }) },
  {
    // A class member named `constructor` is the constructor in TS/JS: a different program, so not compared.
    name: 'method', language: 'typescript', main: 'app.ts', skip: (n) => n === 'constructor',
    files: (n) => ({ 'app.ts': `import * as fs from 'node:fs';\nclass Holder {\n  ${n}() {\n    return fs.readFileSync('x');\n  }\n  async go() {\n    this.${n}();\n    fs.readFileSync('y');\n  }\n}\nexport { Holder };\n` }),
  },
  { name: 'class', language: 'typescript', main: 'app.ts', files: (n) => ({ 'app.ts': `import * as fs from 'node:fs';\nclass ${n} {\n  run() {\n    return fs.readFileSync('x');\n  }\n}\nexport async function go() {\n  new ${n}().run();\n  fs.readFileSync('y');\n}\n` }) },
  { name: 'parameter and member', language: 'typescript', main: 'app.ts', files: (n) => ({ 'app.ts': `import * as fs from 'node:fs';\nimport * as helpers from 'helpers';\nexport async function go(${n}: any) {\n  ${n}.${n}();\n  helpers.${n}();\n  fs.readFileSync(${n});\n}\n` }) },
  { name: 'cpu in async', language: 'typescript', main: 'app.ts', files: (n) => ({ 'app.ts': `function ${n}(n: number): number {\n  return n < 2 ? n : ${n}(n - 1) + ${n}(n - 2);\n}\nexport class Api {\n  async answer(k: number) {\n    const value = ${n}(k);\n    return value * 2;\n  }\n}\n` }) },
  {
    name: 'imported function and module (two files)', language: 'typescript', main: 'app.ts', files: (n) => ({
      'app.ts': `import { ${n} as f } from './helpers';\nimport * as m from './${n}';\nimport def from './${n}';\nexport async function go() {\n  f();\n  m.${n}();\n  def.${n}();\n  await Promise.resolve();\n}\n`,
      [`${n}.ts`]: `import * as fs from 'node:fs';\nexport function ${n}() {\n  fs.readFileSync('x');\n}\nconst api = { run() { fs.readFileSync('x'); } };\nexport default api;\n`,
      'helpers.ts': `import * as cp from 'node:child_process';\nexport function ${n}() {\n  cp.execSync('ls');\n}\n`,
    }),
  },
];

interface Outcome { findings: string; ruleErrors: string[]; hovers: string; model: string }

/** Every identifier's position in the main file (bounded by the file's length). */
function identifierPositions(text: string): { line: number; column: number }[] {
  const out: { line: number; column: number }[] = [];
  text.split('\n').forEach((line, row) => {
    for (const m of line.matchAll(/[A-Za-z_]\w*/g)) out.push({ line: row, column: m.index });
  });
  return out;
}

async function outcomeOf(template: Template, name: string): Promise<Outcome> {
  const files = template.files(name);
  const text = files[template.main];
  const readFile = (p: string) => (Object.hasOwn(files, p) ? files[p] : undefined);
  const result = await analyzeText(text, template.language, { path: template.main, readFile, settings: defaultSettings });
  const findings = result.diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column}-${d.range.end.line}:${d.range.end.column} ${d.related.length}`).join('\n');
  const doc = await ParsedDocument.create(template.language, text);
  try {
    const facts = new TreeFacts(doc.tree!);
    const project = { path: template.main, readFile, settings: defaultSettings };
    const hovers = identifierPositions(text).map((p) => JSON.stringify(hoverAt(doc, facts, p, result.diagnostics, { hover: 'full', pythonFreeThreaded: false }, project) ?? null));
    const visualisation = buildVisualisation(doc, facts, { freeThreaded: false }, result.diagnostics, project);
    return { findings, ruleErrors: result.ruleErrors.map((e) => `${e.rule}: ${e.message}`), hovers: hovers.join('\n'), model: JSON.stringify({ model: visualisation.model, timeline: visualisation.timeline, whatIf: visualisation.whatIf }) };
  } finally {
    doc.dispose();
  }
}

for (const [language, templates] of [['Python', PY], ['TS', TS]] as const) {
  describe(`${language}: names from Object.prototype are ordinary names`, () => {
    for (const template of templates) {
      it(`${template.name}: rules, hover and visualiser treat ${PROTOTYPE_KEYS.length} such names like any other`, async () => {
        const baselineFindings = (await outcomeOf(template, 'plain_name')).findings;
        assert.notEqual(baselineFindings, '', 'the template has findings to compare');
        for (const name of PROTOTYPE_KEYS) {
          const actual = await outcomeOf(template, name);
          assert.deepEqual(actual.ruleErrors, [], `${name}: a rule threw`);
          if (template.skip?.(name)) continue;
          const other = neutral(name);
          const expected = await outcomeOf(template, other);
          // The visualiser's unit ids drop leading and trailing underscores.
          const trim = (s: string) => s.replace(/^_+|_+$/g, '');
          const back = (s: string) => s.split(other).join(name).split(trim(other)).join(trim(name));
          assert.equal(actual.findings, expected.findings, `${name}: findings differ from those with ${other}`);
          assert.equal(actual.hovers, back(expected.hovers), `${name}: hovers differ from those with ${other}`);
          assert.equal(actual.model, back(expected.model), `${name}: the visualiser's model differs from that with ${other}`);
        }
      });
    }
  });
}
