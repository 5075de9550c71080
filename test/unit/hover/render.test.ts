import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { analyzeDocument, ParsedDocument, ruleBySlug, TreeFacts, type Diagnostic, type Position } from '../../../src/core';
import { hoverAt, type HoverInfo, type HoverSettings } from '../../../src/core/hover';
import {
  codeSpan, escapeMarkdown, inlineMarkdown, toPlainText, HOVER_COMMANDS, OPEN_RULE_DOCS_COMMAND, renderEntryPage, renderHover, SHOW_KNOWLEDGE_COMMAND, VISUALISE_COMMAND,
} from '../../../src/core/hoverMarkdown';
import { findKnowledgeById } from '../../../src/knowledge/schema';
import { repoRoot } from '../helpers';

const FULL: HoverSettings = { hover: 'full', pythonFreeThreaded: false };

// A CommonMark renderer (with raw HTML off, like our MarkdownStrings) shows what the markdown really becomes.
// markdown-it is in the tree through @vscode/vsce; without it the HTML checks are skipped.
type Renderer = { render(src: string): string };
let md: Renderer | undefined;
try {
  const MarkdownIt = createRequire(path.join(repoRoot, 'package.json'))('markdown-it') as new (options: object) => Renderer;
  md = new MarkdownIt({ html: false, linkify: false });
} catch {
  md = undefined;
}

const docs: ParsedDocument[] = [];
after(() => docs.forEach((d) => d.dispose()));

async function open(code: string, language: 'python' | 'typescript' = 'python', pythonFreeThreaded = false) {
  const doc = await ParsedDocument.create(language, code);
  docs.push(doc);
  const facts = new TreeFacts(doc.tree!);
  const { diagnostics } = analyzeDocument(doc, { facts, settings: { pythonFreeThreaded, ruleSeverity: {} } });
  const at = (snippet: string, delta = 0, settings: HoverSettings = FULL, extra: readonly Diagnostic[] = diagnostics): HoverInfo | undefined => {
    const offset = code.indexOf(snippet);
    assert.ok(offset >= 0, `${snippet} not in the code`);
    const position: Position = doc.lines.positionAt(offset + delta);
    return hoverAt(doc, facts, position, extra, settings);
  };
  return { doc, facts, diagnostics, at };
}

/** The links and emphasis a markdown renderer would produce from the hover. */
function htmlOf(markdown: string): string | undefined {
  return md?.render(markdown);
}

const DAEMON = [
  'import threading',
  '',
  '',
  'def poll():',
  '    pass',
  '',
  '',
  'worker = threading.Thread(target=poll)',
  'worker.start()',
  'worker.daemon = True',
  '',
].join('\n');

describe('hovers on diagnostics', () => {
  it('add the rule summary, why and preferred fix title, without repeating the message', async () => {
    const { diagnostics, at } = await open(DAEMON);
    const diagnostic = diagnostics.find((d) => d.code === 'daemon-after-start');
    assert.ok(diagnostic, 'the fixture should be flagged');
    const info = at('worker.daemon', 2)!;
    assert.equal(info.entry?.id, 'python:threading.Thread');
    assert.equal(info.rules.length, 1);
    const meta = ruleBySlug('daemon-after-start')!.meta;
    const preferred = diagnostic.fixes.find((f) => f.preferred)!;
    assert.deepEqual(info.rules[0], { slug: 'daemon-after-start', summary: meta.docs.summary, why: meta.docs.why, fixTitle: preferred.title, detail: diagnostic.detail });

    const { markdown, commands, links } = renderHover(info);
    assert.ok(markdown.includes(meta.docs.summary));
    // Full: the finding's own detail (its advice, once), not the rule's generic why.
    assert.ok(markdown.includes(inlineMarkdown(diagnostic.detail!)));
    assert.ok(markdown.includes(`Quick fix: ${escapeMarkdown(preferred.title)}`));
    assert.ok(!markdown.includes(diagnostic.message), 'VS Code shows the message already');
    assert.deepEqual(links.map((l) => l.title), ['Open rule docs', 'Python docs']);
    assert.deepEqual(links[0].args, ['daemon-after-start']);
    assert.equal(links[0].target, `command:${OPEN_RULE_DOCS_COMMAND}?${encodeURIComponent('["daemon-after-start"]')}`);
    assert.ok(links[1].target.startsWith('https://docs.python.org/'));
    assert.ok(commands.includes(OPEN_RULE_DOCS_COMMAND));
    // The rule comes first, then the entry, and the links close the hover.
    assert.ok(markdown.indexOf(meta.docs.summary) < markdown.indexOf('**threading.Thread**'));
    assert.ok(markdown.trimEnd().endsWith(`(${links[1].target})`));
  });

  it('a position on the diagnostic but on no API shows the rule alone, over the diagnostic range', async () => {
    const { diagnostics, at } = await open(DAEMON);
    const diagnostic = diagnostics.find((d) => d.code === 'daemon-after-start')!;
    const info = at('= True')!;
    assert.equal(info.entry, undefined);
    assert.deepEqual(info.range, diagnostic.range);
    assert.deepEqual(info.rules.map((r) => r.slug), ['daemon-after-start']);
    assert.deepEqual(renderHover(info).links.map((l) => l.title), ['Open rule docs']);
    // Off the diagnostic, nothing; its end is exclusive, like the token under the mouse.
    assert.equal(at('worker.start', 6), undefined);
    assert.equal(at('= True', 6), undefined);
    assert.ok(at('= True', 5));
  });

  it('the attribute on the diagnostic shows its own entry next to the rule', async () => {
    const { at } = await open(DAEMON);
    const info = at('daemon = True')!;
    assert.equal(info.entry?.id, 'python:threading.Thread.daemon');
    assert.deepEqual(info.rules.map((r) => r.slug), ['daemon-after-start']);
  });
});

describe('hover settings', () => {
  it('short (the default): what it does to execution, the pitfall, one link to more; off: nothing', async () => {
    const { at } = await open('import threading\nt = threading.Thread(target=print)\n');
    const short = at('Thread(', 0, { hover: 'short', pythonFreeThreaded: false })!;
    const { markdown, links } = renderHover(short);
    const entry = findKnowledgeById('python:threading.Thread')!;
    assert.ok(markdown.startsWith(`**${entry.title}**`));
    assert.ok(markdown.includes(entry.summary));
    assert.ok(markdown.includes(`**Execution:** ${entry.execution}`));
    assert.ok(markdown.includes(`**Pitfall:** ${entry.pitfall}`));
    for (const absent of ['Use when', '```', 'See also']) assert.ok(!markdown.includes(absent), absent);
    assert.deepEqual(links.map((l) => l.title), ['More']);
    assert.deepEqual(links[0].args, [entry.id], 'More opens the full entry');
    // Without command links (other editors): More is the entry's docs page.
    assert.deepEqual(renderHover(short, { commandLinks: false }).links.map((l) => l.target), [entry.docUrl]);
    assert.equal(at('Thread(', 0, { hover: 'off', pythonFreeThreaded: false }), undefined);
  });

  it('full: bold title, summary, Execution, Use/Avoid when, Pitfall, example code block, See also', async () => {
    const { at } = await open('import threading\nt = threading.Thread(target=print)\n');
    const { markdown } = renderHover(at('Thread(')!);
    const entry = findKnowledgeById('python:threading.Thread')!;
    const order = [`**${entry.title}**`, entry.summary, `**Execution:** ${entry.execution}`, `**Use when:** ${entry.useWhen}`,
      `**Avoid when:** ${entry.avoidWhen}`, `**Pitfall:** ${entry.pitfall}`, '```python\n' + entry.example, 'See also:'];
    const positions = order.map((s) => markdown.indexOf(s));
    assert.ok(positions.every((p) => p >= 0), JSON.stringify(order.filter((_, i) => positions[i] < 0)));
    assert.deepEqual([...positions].sort((a, b) => a - b), positions);
  });

  it('free-threaded Python changes the Thread and ThreadPoolExecutor hovers, not others', async () => {
    const code = 'import threading\nfrom concurrent.futures import ThreadPoolExecutor\nt = threading.Thread(target=print)\nlock = threading.Lock()\npool = ThreadPoolExecutor()\n';
    const { at } = await open(code, 'python', true);
    const on: HoverSettings = { hover: 'full', pythonFreeThreaded: true };
    for (const [snippet, id] of [['Thread(', 'python:threading.Thread'], ['ThreadPoolExecutor()', 'python:concurrent.futures.ThreadPoolExecutor'], ['threading\n', 'python:threading']]) {
      const info = at(snippet, 0, on)!;
      assert.equal(info.entry?.id, id);
      assert.equal(info.freeThreaded, true, id);
      const { markdown } = renderHover(info);
      assert.match(markdown, /Free-threaded Python \(your setting\)/);
      assert.match(markdown, /in parallel without the GIL/);
      assert.match(markdown, /`cpu-bound-in-thread` stays silent/);
      assert.match(renderHover(at(snippet, 0, { hover: 'short', pythonFreeThreaded: true })!).markdown, /without the GIL/);
      assert.doesNotMatch(renderHover(at(snippet, 0, FULL)!).markdown, /your setting/);
    }
    assert.equal(at('Lock()', 0, on)!.freeThreaded, false);
  });
});

describe('hover links', () => {
  it('threading, Thread and ThreadPoolExecutor link to the GIL entry', async () => {
    const { at } = await open('import threading\nfrom concurrent.futures import ThreadPoolExecutor\nthreading.Thread\n');
    for (const snippet of ['threading\n', 'Thread\n', 'ThreadPoolExecutor\n']) {
      const { markdown, commands } = renderHover(at(snippet)!);
      const gil = findKnowledgeById('python:gil')!;
      assert.ok(markdown.includes(`[${escapeMarkdown(gil.title)}](command:${SHOW_KNOWLEDGE_COMMAND}?${encodeURIComponent('["python:gil"]')})`), snippet);
      assert.ok(commands.includes(SHOW_KNOWLEDGE_COMMAND));
    }
  });

  it('the visualiser link appears only when asked for, with [uri, line]', async () => {
    const { at } = await open('import threading\n\nthreading.Thread\n');
    const info = at('Thread\n')!;
    assert.ok(!renderHover(info).links.some((l) => l.command === VISUALISE_COMMAND));
    const { links, commands } = renderHover(info, { visualiseUri: 'file:///w/a.py' });
    const link = links.find((l) => l.command === VISUALISE_COMMAND)!;
    assert.equal(link.title, 'Show in execution visualiser');
    assert.deepEqual(link.args, ['file:///w/a.py', 2]);
    assert.equal(link.target, `command:${VISUALISE_COMMAND}?${encodeURIComponent('["file:///w/a.py",2]')}`);
    assert.ok(commands.includes(VISUALISE_COMMAND));
  });

  it('every link is https or one of our commands', async () => {
    const { at } = await open(DAEMON);
    const { markdown, commands } = renderHover(at('worker.daemon', 2)!, { visualiseUri: 'file:///x.py' });
    const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(targets.length >= 4);
    for (const target of targets) {
      assert.ok(target.startsWith('https://') || HOVER_COMMANDS.some((c) => target.startsWith(`command:${c}?`)), target);
    }
    assert.ok(commands.every((c) => HOVER_COMMANDS.includes(c)));
  });

  it('TS hovers use the TS entry and a typescript code block', async () => {
    const { at } = await open('await Promise.all([]);\n', 'typescript');
    const info = at('all')!;
    assert.equal(info.entry?.id, 'ts:global.Promise.all');
    const { markdown, links } = renderHover(info);
    assert.ok(markdown.includes('```typescript\n'));
    assert.deepEqual(links.map((l) => l.title), ['MDN']);
  });
});

describe('escaping document text', () => {
  const HOSTILE = '`[run](command:workbench.action.terminal.new)` <img src=x onerror=alert(1)> **bold** _em_ &lt;';

  it('a fix title quoting the document is escaped', async () => {
    const code = `import threading\nflags = {}\nworker = threading.Thread(target=print)\nworker.setDaemon(flags["${HOSTILE}"])\n`;
    const { at } = await open(code);
    const info = at('setDaemon')!;
    assert.deepEqual(info.rules.map((r) => r.slug), ['set-daemon-deprecated']);
    assert.ok(info.rules[0].fixTitle?.includes(HOSTILE), 'the fix title quotes the document');
    const { markdown } = renderHover(info);
    assert.ok(!markdown.includes(HOSTILE));
    assert.ok(!markdown.includes('](command:workbench'));
    assert.doesNotMatch(markdown, /(^|[^\\])<img/);
    const html = htmlOf(markdown);
    if (html) {
      assert.ok(!/<a href="command:workbench/.test(html), html);
      assert.ok(!/<strong>bold|<em>em|<img|<code>\[run\]/.test(html), html);
      assert.ok(html.includes('`[run](command:workbench.action.terminal.new)` &lt;img src=x onerror=alert(1)&gt; **bold** _em_ &amp;lt;'), html);
    }
  });

  it('the hovered expression is shown in a code span that its backticks cannot close', async () => {
    const short = '`[r](command:x.y)` <img> **bold**';
    const code = `import threading\nthreading.Thread(name="${short}").start()\n`;
    const { at } = await open(code);
    const info = at('start()')!;
    assert.equal(info.entry?.id, 'python:threading.Thread.start');
    assert.equal(info.hovered, `threading.Thread(name="${short}").start`);
    const { markdown } = renderHover(info);
    assert.ok(markdown.includes(codeSpan(info.hovered)));
    const html = htmlOf(markdown);
    if (html) {
      assert.ok(!/<a href="command:x|<strong>bold|<img/.test(html), html);
      assert.ok(html.includes('<code>threading.Thread(name=&quot;`[r](command:x.y)` &lt;img&gt; **bold**&quot;).start</code>'), html);
    }
  });

  it('long or multi-line expressions fall back to the hovered name', async () => {
    const code = 'import threading\nthreading.Thread(\n    target=print,\n).start()\n';
    const info = (await open(code)).at('start()')!;
    assert.equal(info.hovered, 'start');
  });

  it('codeSpan and escapeMarkdown', () => {
    assert.equal(codeSpan('t'), '`t`');
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`x``'), '``` `x`` ```');
    assert.equal(escapeMarkdown('a*b_[c](d)\nx'), 'a\\*b\\_\\[c\\]\\(d\\) x');
    if (md) {
      for (const text of ['a`b', '`x``', '``', ' `a` ', HOSTILE]) {
        const html = md.render(codeSpan(text)).trim();
        const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
        assert.equal(html, `<p><code>${escaped}</code></p>`, text);
      }
      assert.equal(md.render(escapeMarkdown(HOSTILE)).trim(), `<p>${HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</p>`);
    }
  });
});

describe('entry pages', () => {
  it('render every catalogue field, the free-threaded note on request', () => {
    const entry = findKnowledgeById('python:gil')!;
    const page = renderEntryPage(entry, true);
    assert.ok(page.startsWith(`# ${entry.title}\n`));
    for (const field of [entry.summary, entry.execution, entry.pitfall, entry.docUrl]) assert.ok(page.includes(field));
    assert.match(page, /Free-threaded Python/);
    assert.doesNotMatch(renderEntryPage(entry), /Free-threaded Python \(your setting\)/);
  });
});

describe('short hovers and other editors', () => {
  const BLOCKING = 'import time\n\n\nasync def handler():\n    time.sleep(1)\n';

  it('a finding\'s short hover: the rule, the first sentence of its detail, the entry\'s execution and pitfall, one More', async () => {
    const { diagnostics, at } = await open(BLOCKING);
    const info = at('sleep(1)', 0, { hover: 'short', pythonFreeThreaded: false })!;
    assert.equal(info.rules[0].detail, diagnostics[0].detail);
    const { markdown, links } = renderHover(info);
    assert.deepEqual(links.map((l) => l.title), ['More']);
    assert.ok(markdown.split('\n').filter((l) => l.trim()).length <= 9, markdown);
    // No sentence twice (the hover repeated its advice four times).
    const sentences = markdown.split(/(?<=\.)\s+/).map((x) => x.trim()).filter((x) => x.length > 20);
    assert.deepEqual(sentences.filter((x, i) => sentences.indexOf(x) !== i), []);
    const full = renderHover(at('sleep(1)', 0, FULL)!).markdown;
    const fullSentences = full.split(/(?<=\.)\s+/).map((x) => x.trim()).filter((x) => x.length > 20);
    assert.deepEqual(fullSentences.filter((x, i) => fullSentences.indexOf(x) !== i), []);
  });

  it('plain text for clients that ask for it: no markup, no escapes, links as "title: url"', async () => {
    const { at } = await open(DAEMON);
    const { markdown } = renderHover(at('worker.daemon', 2)!, { commandLinks: false });
    assert.doesNotMatch(markdown, /command:/);
    const plain = toPlainText(markdown);
    assert.doesNotMatch(plain, /\*\*|\\[.`_()-]|\]\(/);
    assert.match(plain, /Open rule docs: https:\/\/github\.com\/concurrency-lens\/concurrency-lens\/blob\/main\/docs\/rules\/daemon-after-start\.md/);
    assert.match(plain, /Rule daemon-after-start:/);
  });

  it('document text in a finding\'s detail cannot become markup', () => {
    const hostile = 'Use `x` then [run](command:workbench.action.terminal.new) **now** <img src=x>';
    const md2 = inlineMarkdown(hostile);
    assert.doesNotMatch(md2, /\]\(command:/);
    assert.match(md2, /^Use `x` then \\\[run\\\]\\\(command\\:/);
  });
});
