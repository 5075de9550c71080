import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fullText } from '../helpers';
import { analyzeText, type AnalysisSettings, type Diagnostic } from '../../../src/core';
import { filterBaseline, baselineEntries, parseBaseline, serializeBaseline } from '../../../src/core/baseline';
import {
  effectiveSettings, findConfig, ignoredRules, isExcluded, loadConfigForFile, parseConfig, formatConfigError, settingsForDocument, type ProjectConfig,
} from '../../../src/core/config';

const base: AnalysisSettings = { pythonFreeThreaded: false, ruleSeverity: {} };

/** The same configuration written as pyproject.toml and as concurrency-lens.json must read the same. */
const VALID_CASES: { key: string; toml: string; json: unknown; expect: Partial<ProjectConfig> }[] = [
  { key: 'rules', toml: 'rules = { "daemon-after-start" = "off", "blocking-call-in-async" = "error" }',
    json: { rules: { 'daemon-after-start': 'off', 'blocking-call-in-async': 'error' } },
    expect: { rules: { 'daemon-after-start': 'off', 'blocking-call-in-async': 'error' } } },
  { key: 'exclude', toml: 'exclude = ["build/**", "*_pb2.py"]', json: { exclude: ['build/**', '*_pb2.py'] }, expect: { exclude: ['build/**', '*_pb2.py'] } },
  { key: 'per-file-ignores', toml: '[tool.concurrency-lens.per-file-ignores]\n"tests/**" = ["blocking-call-in-async"]',
    json: { 'per-file-ignores': { 'tests/**': ['blocking-call-in-async'] } }, expect: { perFileIgnores: { 'tests/**': ['blocking-call-in-async'] } } },
  { key: 'blocking.extra', toml: '[tool.concurrency-lens.blocking]\nextra = ["mylib.client.fetch_sync", { name = "lib#Client.get", message = "use getAsync" }]',
    json: { blocking: { extra: ['mylib.client.fetch_sync', { name: 'lib#Client.get', message: 'use getAsync' }] } },
    expect: { blockingExtra: [{ name: 'mylib.client.fetch_sync' }, { name: 'lib#Client.get', message: 'use getAsync' }] } },
  { key: 'blocking.allow', toml: 'blocking = { allow = ["time.sleep", "node:fs#existsSync"] }', json: { blocking: { allow: ['time.sleep', 'node:fs#existsSync'] } },
    expect: { blockingAllow: ['time.sleep', 'node:fs#existsSync'] } },
  { key: 'python.free-threaded', toml: 'python = { free-threaded = true }', json: { python: { 'free-threaded': true } }, expect: { pythonFreeThreaded: true } },
  { key: 'python.target-version', toml: '[tool.concurrency-lens.python]\ntarget-version = "3.8"', json: { python: { 'target-version': '3.8' } }, expect: { pythonTargetVersion: '3.8' } },
  { key: 'follow-calls.max-depth', toml: 'follow-calls = { max-depth = 3 }', json: { 'follow-calls': { 'max-depth': 3 } }, expect: { followCallsMaxDepth: 3 } },
  { key: 'cold-severity', toml: 'cold-severity = "off"', json: { 'cold-severity': 'off' }, expect: { coldSeverity: 'off' } },
];

const BAD_CASES: { what: string; toml: string; json: unknown; key: string | undefined; message: RegExp }[] = [
  { what: 'unknown key', toml: 'rulez = {}', json: { rulez: {} }, key: 'rulez', message: /unknown key/ },
  { what: 'unknown nested key', toml: 'python = { version = "3.9" }', json: { python: { version: '3.9' } }, key: 'python.version', message: /unknown key/ },
  { what: 'bad severity', toml: 'rules = { "daemon-after-start" = "loud" }', json: { rules: { 'daemon-after-start': 'loud' } }, key: 'rules.daemon-after-start', message: /must be one of/ },
  { what: 'unknown rule', toml: 'rules = { "no-such-rule" = "off" }', json: { rules: { 'no-such-rule': 'off' } }, key: 'rules.no-such-rule', message: /unknown rule/ },
  { what: 'exclude not a list', toml: 'exclude = "build"', json: { exclude: 'build' }, key: 'exclude', message: /list of strings/ },
  { what: 'per-file-ignores unknown rule', toml: 'per-file-ignores = { "tests/**" = ["nope"] }', json: { 'per-file-ignores': { 'tests/**': ['nope'] } }, key: 'per-file-ignores."tests/**"[0]', message: /unknown rule/ },
  { what: 'blocking.extra bad name', toml: 'blocking = { extra = ["fetch"] }', json: { blocking: { extra: ['fetch'] } }, key: 'blocking.extra[0].name', message: /not a qualified name/ },
  { what: 'blocking.extra bad message', toml: 'blocking = { extra = [{ name = "a.b", message = 1 }] }', json: { blocking: { extra: [{ name: 'a.b', message: 1 }] } }, key: 'blocking.extra[0].message', message: /string/ },
  { what: 'blocking.allow bad name', toml: 'blocking = { allow = ["#x"] }', json: { blocking: { allow: ['#x'] } }, key: 'blocking.allow[0]', message: /not a qualified name/ },
  { what: 'free-threaded not boolean', toml: 'python = { free-threaded = "yes" }', json: { python: { 'free-threaded': 'yes' } }, key: 'python.free-threaded', message: /true or false/ },
  { what: 'target-version out of range', toml: 'python = { target-version = "3.7" }', json: { python: { 'target-version': '3.7' } }, key: 'python.target-version', message: /"3\.8" \.\. "3\.14"/ },
  { what: 'target-version a number', toml: 'python = { target-version = 3.9 }', json: { python: { 'target-version': 3.9 } }, key: 'python.target-version', message: /must be a string/ },
  { what: 'cold-severity not hint or off', toml: 'cold-severity = "warning"', json: { 'cold-severity': 'warning' }, key: 'cold-severity', message: /"hint" or "off"/ },
  { what: 'max-depth negative', toml: 'follow-calls = { max-depth = -1 }', json: { 'follow-calls': { 'max-depth': -1 } }, key: 'follow-calls.max-depth', message: /whole number/ },
];

const toml = (body: string) => `[project]\nname = "x"\n\n[tool.concurrency-lens]\n${body}\n`;

describe('config: parsing each key', () => {
  for (const c of VALID_CASES) {
    it(`${c.key}: pyproject.toml and concurrency-lens.json agree`, () => {
      const fromToml = parseConfig('/p/pyproject.toml', toml(c.toml));
      const fromJson = parseConfig('/p/concurrency-lens.json', JSON.stringify(c.json));
      assert.deepEqual(fromToml.errors, []);
      assert.deepEqual(fromJson.errors, []);
      for (const [k, v] of Object.entries(c.expect)) {
        // As data: the config's tables have no prototype (a rule or glob named `__proto__` is just a key).
        const data = (x: unknown): unknown => (x === undefined ? x : JSON.parse(JSON.stringify(x)));
        assert.deepEqual(data(fromToml.config![k as keyof ProjectConfig]), v, `toml ${k}`);
        assert.deepEqual(data(fromJson.config![k as keyof ProjectConfig]), v, `json ${k}`);
      }
    });
  }
  for (const c of BAD_CASES) {
    it(`${c.what}: reported with the file and key, in both formats`, () => {
      for (const [file, text] of [['/p/pyproject.toml', toml(c.toml)], ['/p/concurrency-lens.json', JSON.stringify(c.json)]]) {
        const { errors } = parseConfig(file, text);
        assert.equal(errors.length, 1, `${file}: ${JSON.stringify(errors)}`);
        assert.equal(errors[0].file, file);
        assert.equal(errors[0].key, c.key);
        assert.match(errors[0].message, c.message);
      }
    });
  }
  it('bad TOML: reported with its line and column', () => {
    const { config, errors } = parseConfig('/p/pyproject.toml', '[tool.concurrency-lens]\nrules = ]\nexclude = []\n');
    assert.equal(config, undefined);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 2);
    assert.match(formatConfigError(errors[0]), /^\/p\/pyproject\.toml:2:\d+: invalid TOML/);
  });
  it('bad JSON: reported with its line and column', () => {
    const { errors } = parseConfig('/p/concurrency-lens.json', '{\n  "rules": {},\n}\n');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].line, 3);
    assert.match(errors[0].message, /invalid JSON/);
  });
  it('JSON that is not an object, and a $schema key, are handled', () => {
    assert.match(parseConfig('/p/concurrency-lens.json', '[1]').errors[0].message, /JSON object/);
    assert.deepEqual(parseConfig('/p/concurrency-lens.json', '{"$schema": "./s.json"}').errors, []);
  });
});

describe('config: finding the nearest file', () => {
  const files = new Map<string, string>([
    ['/repo/pyproject.toml', toml('rules = { "daemon-after-start" = "off" }')],
    ['/repo/pkg/pyproject.toml', '[project]\nname = "no table here"\n'],
    ['/repo/web/concurrency-lens.json', '{"rules": {"blocking-call-in-async": "hint"}}'],
    ['/repo/broken/concurrency-lens.json', '{'],
  ]);
  const read = (p: string) => files.get(p);
  it('walks up to the nearest config; a pyproject without the table does not count', () => {
    assert.equal(loadConfigForFile('/repo/pkg/sub/a.py', read).config?.path, '/repo/pyproject.toml');
    assert.equal(loadConfigForFile('/repo/web/src/a.ts', read).config?.path, '/repo/web/concurrency-lens.json');
    assert.equal(findConfig('/elsewhere', read).config, undefined);
  });
  it('a broken nearest file is an error, not a fallback to the parent', () => {
    const load = loadConfigForFile('/repo/broken/a.py', read);
    assert.equal(load.config, undefined);
    assert.equal(load.errors[0].file, '/repo/broken/concurrency-lens.json');
  });
  it('picks up a changed file at the next call (cache keyed by path and text)', () => {
    const mutable = new Map(files);
    const first = loadConfigForFile('/repo/web/a.ts', (p) => mutable.get(p));
    assert.equal(loadConfigForFile('/repo/web/a.ts', (p) => mutable.get(p)), first, 'unchanged text: the cached result');
    mutable.set('/repo/web/concurrency-lens.json', '{"rules": {"blocking-call-in-async": "off"}}');
    assert.equal(loadConfigForFile('/repo/web/a.ts', (p) => mutable.get(p)).config?.rules['blocking-call-in-async'], 'off');
  });
  it('exclude and per-file-ignores match relative to the config folder', () => {
    const { config } = parseConfig('/repo/pyproject.toml', toml('exclude = ["build", "*_pb2.py"]\nper-file-ignores = { "tests/**" = ["blocking-call-in-async"] }'));
    assert.ok(isExcluded(config, '/repo/build/x/a.py'));
    assert.ok(isExcluded(config, '/repo/pkg/msg_pb2.py'));
    assert.ok(!isExcluded(config, '/repo/src/a.py'));
    assert.ok(!isExcluded(config, '/other/build/a.py'), 'outside the config folder');
    assert.deepEqual([...ignoredRules(config, '/repo/tests/unit/test_a.py')], ['blocking-call-in-async']);
    assert.deepEqual([...ignoredRules(config, '/repo/src/tests.py')], []);
  });
});

describe('config: precedence with editor settings', () => {
  const { config } = parseConfig('/repo/pyproject.toml', toml('rules = { "daemon-after-start" = "off" }\npython = { free-threaded = true }\nper-file-ignores = { "tests/**" = ["cpu-bound-in-thread"] }'));
  const editor: AnalysisSettings = { pythonFreeThreaded: false, ruleSeverity: { 'daemon-after-start': 'warning', 'cpu-bound-in-async': 'hint' } };
  const cases: { mode: 'filesFirst' | 'editorFirst' | 'editorOnly'; daemon: string; cpu: string; freeThreaded: boolean }[] = [
    { mode: 'filesFirst', daemon: 'off', cpu: 'hint', freeThreaded: true },
    { mode: 'editorFirst', daemon: 'warning', cpu: 'hint', freeThreaded: false },
    { mode: 'editorOnly', daemon: 'warning', cpu: 'hint', freeThreaded: false },
  ];
  for (const c of cases) {
    it(`${c.mode}`, () => {
      const s = effectiveSettings(config, editor, c.mode, '/repo/tests/test_a.py');
      assert.equal(s.ruleSeverity['daemon-after-start'], c.daemon);
      assert.equal(s.ruleSeverity['cpu-bound-in-async'], c.cpu);
      assert.equal(s.pythonFreeThreaded, c.freeThreaded);
      assert.equal(s.ruleSeverity['cpu-bound-in-thread'], c.mode === 'editorOnly' ? undefined : 'off', 'per-file-ignores');
    });
  }
  it('editorFirst: only the settings the user set win; the file fills the rest', () => {
    const s = effectiveSettings(config, { settings: editor, explicit: new Set(['ruleSeverity.cpu-bound-in-async']) }, 'editorFirst');
    assert.equal(s.ruleSeverity['daemon-after-start'], 'off');
    assert.equal(s.pythonFreeThreaded, true);
  });
  it('follow-calls max-depth: the file wins in filesFirst; the editor setting the user set wins in editorFirst', () => {
    const { config: deep } = parseConfig('/repo/pyproject.toml', toml('follow-calls = { max-depth = 2 }'));
    const user = { settings: { ...editor, followCallsMaxDepth: 0 }, explicit: new Set(['followCallsMaxDepth']) };
    assert.equal(effectiveSettings(deep, user, 'filesFirst').followCallsMaxDepth, 2);
    assert.equal(effectiveSettings(deep, user, 'editorFirst').followCallsMaxDepth, 0);
    assert.equal(effectiveSettings(deep, { settings: editor, explicit: new Set() }, 'editorFirst').followCallsMaxDepth, 2);
    assert.equal(effectiveSettings(deep, user, 'editorOnly').followCallsMaxDepth, 0);
  });
  it('no config: the editor settings unchanged', () => {
    const settings = effectiveSettings(undefined, editor, 'filesFirst');
    assert.deepEqual({ ...settings, ruleSeverity: { ...settings.ruleSeverity } }, editor);
  });
});

async function diagnostics(text: string, language: 'python' | 'typescript', settings: AnalysisSettings = base): Promise<Diagnostic[]> {
  return (await analyzeText(text, language, { settings })).diagnostics;
}

describe('config: blocking.extra, blocking.allow and target-version reach the rule', () => {
  const py = [
    'import time',
    'import mylib.client',
    'from mylib.client import Client',
    '',
    'async def go():',
    '    mylib.client.fetch_sync(1)',
    '    c = Client()',
    '    c.get("x")',
    '    time.sleep(1)',
    '    mylib.client.other()',
    '',
  ].join('\n');
  it('Python: declared functions and methods are flagged with their message; allowed ones are not', async () => {
    assert.deepEqual((await diagnostics(py, 'python')).map((d) => d.range.start.line), [8]);
    const settings = { ...base, blockingExtra: [{ name: 'mylib.client.fetch_sync' }, { name: 'mylib.client.Client.get', message: '`await AsyncClient.get()`' }], blockingAllow: ['time.sleep'] };
    const found = await diagnostics(py, 'python', settings);
    assert.deepEqual(found.map((d) => d.range.start.line), [5, 7]);
    assert.match(fullText(found[1]), /await AsyncClient\.get\(\)/);
    assert.ok(found[0].fixes.some((f) => f.preferred && f.edits.some((e) => e.newText.includes('to_thread(mylib.client.fetch_sync, 1)'))));
  });
  it('TS/JS: module#export and module#Class.method', async () => {
    const ts = [
      'import { fetchSync } from "./lib/net";',
      'import * as db from "dblib";',
      'export async function go() {',
      '  fetchSync("x");',
      '  const c = new db.Client();',
      '  c.query("select 1");',
      '  c.close();',
      '}',
      '',
    ].join('\n');
    assert.deepEqual(await diagnostics(ts, 'typescript'), []);
    const found = await diagnostics(ts, 'typescript', { ...base, blockingExtra: [{ name: './lib/net#fetchSync' }, { name: 'dblib#Client.query', message: 'use queryAsync' }] });
    assert.deepEqual(found.map((d) => d.range.start.line), [3, 5]);
    assert.match(fullText(found[1]), /use queryAsync/);
  });
  it('TS/JS: allow takes a built-in out', async () => {
    const ts = 'import * as fs from "node:fs";\nexport async function go() {\n  fs.readFileSync("x");\n}\n';
    assert.equal((await diagnostics(ts, 'typescript')).length, 1);
    assert.equal((await diagnostics(ts, 'typescript', { ...base, blockingAllow: ['node:fs#readFileSync'] })).length, 0);
  });
  it('python.target-version 3.8: no asyncio.to_thread fix; 3.9: offered; asyncio.sleep always', async () => {
    const text = 'import time, requests\n\nasync def go(u):\n    time.sleep(1)\n    requests.get(u)\n';
    const fixTitles = async (version?: string) => (await diagnostics(text, 'python', { ...base, pythonTargetVersion: version }))
      .map((d) => d.fixes.map((f) => f.title).join());
    const [sleep38, get38] = await fixTitles('3.8');
    assert.match(sleep38, /asyncio\.sleep/);
    assert.equal(get38, '');
    assert.match((await fixTitles('3.9'))[1], /to_thread/);
    assert.match((await fixTitles(undefined))[1], /to_thread/);
  });
  it('quick metadata calls (TS/JS and Python) are information where nothing shows other work, warnings in a handler', async () => {
    const calls = ['existsSync(p)', 'statSync(p)', 'lstatSync(p)', 'accessSync(p)', 'realpathSync(p)', 'readFileSync(p)'].map((c) => `  fs.${c};`);
    const inHandler = ['import * as fs from "node:fs";', 'app.get("/", async function go(p: string) {', ...calls, '});', ''].join('\n');
    assert.deepEqual((await diagnostics(inHandler, 'typescript')).map((d) => d.severity), ['warning', 'warning', 'warning', 'warning', 'warning', 'warning']);
    const alone = ['import * as fs from "node:fs";', 'export async function go(p: string) {', ...calls, '}', ''].join('\n');
    assert.deepEqual((await diagnostics(alone, 'typescript')).map((d) => d.severity), ['information', 'information', 'information', 'information', 'information', 'information']);
    const py = await diagnostics('import os\nasync def go(p):\n    os.path.exists(p)\n', 'python');
    assert.deepEqual(py.map((d) => d.severity), ['information']);
    const pyHandler = await diagnostics('import os\nfrom aiohttp import web\nroutes = web.RouteTableDef()\n@routes.get("/")\nasync def go(request):\n    os.path.exists("x")\n', 'python');
    assert.deepEqual(pyHandler.map((d) => d.severity), ['warning']);
  });
});

describe('baseline (pure)', () => {
  const text = 'import time\n\nasync def a():\n    time.sleep(1)\n    time.sleep(1)\n';
  it('matches findings after lines shift; a new identical call is exactly one new finding', async () => {
    const before = await diagnostics(text, 'python');
    assert.equal(before.length, 2);
    const recorded = parseBaseline(serializeBaseline({ version: 1, files: { 'a.py': baselineEntries(text, before) } })).files['a.py'];
    const shifted = `# a comment\n\n${text}`;
    assert.deepEqual(filterBaseline(shifted, await diagnostics(shifted, 'python'), recorded), []);
    const grown = `${shifted}    time.sleep(1)\n`;
    assert.equal(filterBaseline(grown, await diagnostics(grown, 'python'), recorded).length, 1);
  });
  it('rejects a file that is not a baseline', () => {
    assert.throws(() => parseBaseline('{"version": 9, "files": {}}'), /version/);
    assert.throws(() => parseBaseline('{"version": 1, "files": {"a": [{}]}}'), /rule, fingerprint/);
  });
});

describe('config: settingsForDocument (the language server entry point)', () => {
  const files = new Map<string, string>([['/ws/pyproject.toml', toml('exclude = ["gen/**"]\nrules = { "daemon-after-start" = "off" }')], ['/ws/bad/concurrency-lens.json', '{"x": 1}']]);
  const read = (p: string) => files.get(p);
  it('settings, exclusion and the config path; errors of a bad file', async () => {
    const doc = settingsForDocument('/ws/src/a.py', base, 'filesFirst', read);
    assert.equal(doc.settings.ruleSeverity['daemon-after-start'], 'off');
    assert.equal(doc.configPath, '/ws/pyproject.toml');
    assert.equal(doc.excluded, false);
    assert.equal(settingsForDocument('/ws/gen/a.py', base, 'filesFirst', read).excluded, true);
    const bad = settingsForDocument('/ws/bad/a.py', base, 'filesFirst', read);
    assert.equal(bad.configPath, '/ws/bad/concurrency-lens.json');
    assert.equal(bad.errors[0].key, 'x');
    const only = settingsForDocument('/ws/gen/a.py', base, 'editorOnly', () => assert.fail('editorOnly reads no file'));
    assert.equal(only.excluded, false);
    // A real analysis with what the server would pass: the rule is off.
    const text = 'import threading\nt = threading.Thread(target=print)\nt.start()\nt.daemon = True\n';
    assert.equal((await analyzeText(text, 'python', { settings: base })).diagnostics.filter((d) => d.code === 'daemon-after-start').length, 1);
    assert.equal((await analyzeText(text, 'python', { settings: doc.settings })).diagnostics.filter((d) => d.code === 'daemon-after-start').length, 0);
  });
});

describe('config: JSON schema', () => {
  it('is contributed for concurrency-lens.json and lists the same keys the parser knows', () => {
    const root = path.join(__dirname, '..', '..', '..', '..');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { jsonValidation: { fileMatch: string; url: string }[] } };
    const [entry] = pkg.contributes.jsonValidation;
    assert.equal(entry.fileMatch, 'concurrency-lens.json');
    const schema = JSON.parse(fs.readFileSync(path.join(root, entry.url), 'utf8')) as { properties: Record<string, { properties?: Record<string, unknown> }> };
    const keys = Object.entries(schema.properties).flatMap(([k, v]) => (v.properties ? Object.keys(v.properties).map((n) => `${k}.${n}`) : [k])).filter((k) => k !== '$schema').sort();
    assert.deepEqual(keys, ['blocking.allow', 'blocking.extra', 'cold-severity', 'exclude', 'follow-calls.max-depth', 'per-file-ignores', 'python.free-threaded', 'python.target-version', 'rules']);
    // Each key the schema names parses without error; one it does not name is rejected.
    for (const key of keys) {
      const [head, tail] = key.split('.');
      const sample: Record<string, unknown> = { rules: {}, exclude: [], 'per-file-ignores': {}, 'blocking.extra': [], 'blocking.allow': [], 'python.free-threaded': true, 'python.target-version': '3.12', 'follow-calls.max-depth': 1, 'cold-severity': 'hint' };
      const value = sample[key];
      const json = JSON.stringify(tail ? { [head]: { [tail]: value } } : { [head]: value });
      assert.deepEqual(parseConfig('/p/concurrency-lens.json', json).errors, [], key);
    }
  });
});

describe('config: blocking.extra and follow-calls.max-depth with calls followed through the project', () => {
  const py = ['import mylib', '', 'def helper():', '    mylib.fetch_sync()', '', 'async def go():', '    helper()', ''].join('\n');
  it('a declared blocking function is found through a helper; max-depth 0 stops following', async () => {
    assert.deepEqual(await diagnostics(py, 'python'), []);
    const extra = { ...base, blockingExtra: [{ name: 'mylib.fetch_sync' }] };
    const found = await diagnostics(py, 'python', extra);
    assert.deepEqual(found.map((d) => d.range.start.line), [6]);
    assert.match(fullText(found[0]), /fetch_sync/);
    const { config } = parseConfig('/p/pyproject.toml', toml('follow-calls = { max-depth = 0 }\nblocking = { extra = ["mylib.fetch_sync"] }'));
    assert.deepEqual(await diagnostics(py, 'python', effectiveSettings(config, base, 'filesFirst')), []);
  });
});

describe('config: TS/JS blocking.extra through a followed helper', () => {
  it('a declared module#export is found through a helper in the same file', async () => {
    const ts = ['import { querySync } from "dblib";', 'function load() {', '  return querySync("select 1");', '}', 'export async function handler() {', '  return load();', '}', ''].join('\n');
    assert.deepEqual(await diagnostics(ts, 'typescript'), []);
    const found = await diagnostics(ts, 'typescript', { ...base, blockingExtra: [{ name: 'dblib#querySync' }] });
    // The call itself sits in a plain function: only the async caller's `load()` is reported, naming the chain.
    assert.deepEqual(found.map((d) => d.range.start.line), [5]);
    assert.match(fullText(found[0]), /querySync/);
  });
});
