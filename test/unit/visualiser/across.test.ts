import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ParsedDocument, TreeFacts, type Language } from '../../../src/core';
import { buildVisualisation } from '../../../src/core/visualiser';
import { HEAVY_WEIGHT } from '../../../src/core/visualiser/extract';
import { fixturesDir } from '../helpers';

// The visualiser follows a call into another module of the project: a helper that blocks shows as a blocking step
// of the task that calls it, named down to the blocking call, and the timeline shows the loop stalled there.

const FILES: Record<string, string> = {
  'util.py': 'import subprocess\n\n\ndef git_rev():\n    return subprocess.check_output(["git", "rev-parse", "HEAD"])\n',
  'lib/tpl.ts': "import * as fs from 'node:fs';\nexport function load(name: string): string {\n  return fs.readFileSync(name, 'utf8');\n}\n",
  'lib/crunch.py': fs.readFileSync(path.join(fixturesDir, 'projects', 'py-cpu', 'lib', 'crunch.py'), 'utf8'),
  'lib/hash.ts': fs.readFileSync(path.join(fixturesDir, 'projects', 'ts-cpu', 'lib', 'hash.ts'), 'utf8'),
};

async function model(language: Language, path: string, text: string, withProject: boolean) {
  const doc = await ParsedDocument.create(language, text);
  try {
    const project = withProject ? { path, readFile: (p: string) => FILES[p] } : undefined;
    return buildVisualisation(doc, new TreeFacts(doc.tree!), { freeThreaded: false }, [], project);
  } finally {
    doc.dispose();
  }
}

describe('visualiser across modules', () => {
  const python = 'import asyncio\nfrom util import git_rev\n\n\nasync def main():\n    git_rev()\n    await asyncio.sleep(0.1)\n\n\nasyncio.run(main())\n';

  it('Python: an imported helper that blocks is a blocking step of the task, named down to the blocking call', async () => {
    const { model: m, timeline } = await model('python', 'app.py', python, true);
    const steps = m.units.flatMap((u) => u.steps.map((s) => ({ unit: u.kind, ...s })));
    const step = steps.find((s) => s.label.startsWith('git_rev()'));
    assert.deepEqual(step && { unit: step.unit, kind: step.kind, label: step.label, line: step.range?.start.line },
      { unit: 'asyncio-task', kind: 'blocking', label: 'git_rev() → subprocess.check_output() (util.py:5)', line: 5 });
    assert.ok(JSON.stringify(timeline).includes('git_rev()'), 'the timeline draws it');
  });

  it('Python: without access to the project the call is an ordinary light step', async () => {
    const { model: m } = await model('python', 'app.py', python, false);
    const step = m.units.flatMap((u) => u.steps).find((s) => s.label.startsWith('git_rev()'));
    assert.notEqual(step?.kind, 'blocking');
  });

  it('TS: a function imported from a relative module that reads a file synchronously', async () => {
    const ts = "import { load } from './lib/tpl';\n\nasync function render() {\n  const t = load('a.html');\n  await Promise.resolve(t);\n}\n\nrender();\n";
    const { model: m } = await model('typescript', 'app.ts', ts, true);
    const step = m.units.flatMap((u) => u.steps).find((s) => s.label.startsWith('load('));
    assert.equal(step?.kind, 'blocking');
    assert.match(step.label, /→ fs\.readFileSync\(\) \(tpl\.ts:3\)$/);
  });

  it('a CPU-bound function of another module is heavy CPU work of the task or thread that runs it; a small one is light', async () => {
    const py = 'import asyncio\nimport threading\nfrom lib.crunch import checksum, small\n\n\nasync def main():\n    checksum([])\n    small([1])\n\n\n'
      + 't = threading.Thread(target=checksum, args=([],))\nt.start()\nasyncio.run(main())\n';
    const { model: m } = await model('python', 'app.py', py, true);
    const stepsOf = (kind: string) => m.units.filter((u) => u.kind === kind).flatMap((u) => u.steps);
    assert.deepEqual(stepsOf('asyncio-task').filter((s) => s.label.includes('CPU-bound')).map((s) => [s.kind, s.weight, s.label]),
      [['cpu', HEAVY_WEIGHT, 'checksum([]) (CPU-bound, in crunch.py)']]);
    assert.deepEqual(stepsOf('thread').map((s) => [s.kind, s.weight, s.label]), [['cpu', HEAVY_WEIGHT, 'checksum (CPU-bound, in crunch.py)']]);
    const small = stepsOf('asyncio-task').find((s) => s.label.startsWith('small('));
    assert.ok(small && (small.weight ?? 1) < HEAVY_WEIGHT && !small.label.includes('CPU-bound'), JSON.stringify(small));
    const ts = "import { checksum } from './lib/hash';\n\nasync function handle() {\n  const sum = checksum(7);\n  await Promise.resolve(sum);\n}\n\nhandle();\n";
    const step = (await model('typescript', 'app.ts', ts, true)).model.units.flatMap((u) => u.steps).find((s) => s.label.startsWith('checksum('));
    assert.deepEqual(step && [step.kind, step.weight, step.label], ['cpu', HEAVY_WEIGHT, 'checksum(7) (CPU-bound, in hash.ts)']);
  });
});
