import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, type Language } from '../../../src/core';

// Every suppression form, in both languages, through the same analysis the editor and the CLI run.

async function lines(text: string, language: Language): Promise<number[]> {
  const result = await analyzeText(text, language, { only: ['blocking-call-in-async'] });
  assert.deepEqual(result.ruleErrors, []);
  return result.diagnostics.map((d) => d.range.start.line + 1);
}

const py = (body: string[], head: string[] = []) => ['import time', ...head, '', '', 'async def f():', ...body.map((l) => `    ${l}`), ''].join('\n');
const ts = (body: string[], head: string[] = []) => ['import * as fs from "node:fs";', ...head, 'export async function f() {', ...body.map((l) => `  ${l}`), '}', ''].join('\n');

describe('suppression comments', () => {
  it('Python: end of line, next line, whole file; other rules\' names do not silence this one', async () => {
    assert.deepEqual(await lines(py(['time.sleep(1)', 'time.sleep(2)  # concurrency-lens: ignore[blocking-call-in-async]']), 'python'), [5]);
    assert.deepEqual(await lines(py(['# concurrency-lens: ignore-next-line[blocking-call-in-async]', 'time.sleep(1)', 'time.sleep(2)']), 'python'), [7]);
    assert.deepEqual(await lines(py(['time.sleep(1)  # concurrency-lens: ignore[cpu-bound-in-async]']), 'python'), [5]);
    assert.deepEqual(await lines(py(['# concurrency-lens: ignore-next-line[cpu-bound-in-async]', 'time.sleep(1)']), 'python'), [6]);
    assert.deepEqual(await lines(py(['time.sleep(1)', 'time.sleep(2)'], ['# concurrency-lens: ignore-file[blocking-call-in-async]']), 'python'), []);
    assert.deepEqual(await lines(py(['time.sleep(1)'], ['# concurrency-lens: ignore-file[daemon-after-start]']), 'python'), [6]);
    // Without a list: every rule.
    assert.deepEqual(await lines(py(['time.sleep(1)  # concurrency-lens: ignore', '# concurrency-lens: ignore-next-line', 'time.sleep(2)']), 'python'), []);
  });

  it('a marker inside a string is not a comment', async () => {
    assert.deepEqual(await lines(py(['x = "# concurrency-lens: ignore-file[blocking-call-in-async]"', 'y = "# noqa"; time.sleep(1)']), 'python'), [6]);
    assert.deepEqual(await lines(ts(['const s = "// concurrency-lens: ignore-file[blocking-call-in-async]";', 'fs.readFileSync("a");']), 'typescript'), [4]);
  });

  it('TS/JS: end of line, next line (also as a block comment), whole file', async () => {
    assert.deepEqual(await lines(ts(['fs.readFileSync("a"); // concurrency-lens: ignore[blocking-call-in-async]', 'fs.readFileSync("b");']), 'typescript'), [4]);
    assert.deepEqual(await lines(ts(['// concurrency-lens: ignore-next-line[blocking-call-in-async]', 'fs.readFileSync("a");', 'fs.readFileSync("b");']), 'typescript'), [5]);
    assert.deepEqual(await lines(ts(['/* concurrency-lens: ignore-next-line[blocking-call-in-async] */', 'fs.readFileSync("a");']), 'javascript'), []);
    assert.deepEqual(await lines(ts(['fs.readFileSync("a");'], ['/* concurrency-lens: ignore-file[blocking-call-in-async] */']), 'typescript'), []);
    // Python's noqa means nothing in TS/JS.
    assert.deepEqual(await lines(ts(['fs.readFileSync("a"); // noqa']), 'typescript'), [3]);
  });

  it('Ruff / flake8-async noqa: bare, the ASYNC2xx codes, file-level; other codes do not silence it', async () => {
    assert.deepEqual(await lines(py(['time.sleep(1)  # noqa', 'time.sleep(2)']), 'python'), [6]);
    assert.deepEqual(await lines(py(['time.sleep(1)  # noqa: ASYNC251', 'time.sleep(2)  # NOQA:ASYNC230,E501', 'time.sleep(3)  # noqa: E501']), 'python'), [7]);
    assert.deepEqual(await lines(py(['open("x")  # type: ignore  # noqa: ASYNC230']), 'python'), []);
    assert.deepEqual(await lines(py(['time.sleep(1)'], ['# ruff: noqa: ASYNC251']), 'python'), []);
    assert.deepEqual(await lines(py(['time.sleep(1)'], ['# ruff: noqa: E501']), 'python'), [6]);
    assert.deepEqual(await lines(py(['time.sleep(1)'], ['# flake8: noqa']), 'python'), []);
  });
});
