import { findKnowledgeById, type KnowledgeEntry } from '../knowledge/schema';
import { ruleDocsUrl } from './docs';
import type { HoverInfo } from './hover';

// Hover content as a markdown string, kept free of `vscode` so it is unit-tested directly; the adapter
// only wraps it in a MarkdownString that trusts exactly our commands. Catalogue and rule texts are our
// own markdown; anything that comes from the user's document goes through `codeSpan` or `escapeMarkdown`.

export const OPEN_RULE_DOCS_COMMAND = 'concurrencyLens.openRuleDocs';
export const SHOW_KNOWLEDGE_COMMAND = 'concurrencyLens.showKnowledge';
export const VISUALISE_COMMAND = 'concurrencyLens.visualise';
/** Run by the client when the user picks "Disable this rule" (it edits the user's settings). */
export const DISABLE_RULE_COMMAND = 'concurrencyLens.disableRule';
/** The only commands hover links may run. */
export const HOVER_COMMANDS: readonly string[] = [OPEN_RULE_DOCS_COMMAND, SHOW_KNOWLEDGE_COMMAND, VISUALISE_COMMAND];

export interface HoverLink {
  title: string;
  /** An https URL or `command:<id>?<args>`. */
  target: string;
  command?: string;
  args?: unknown[];
}

export interface RenderedHover {
  markdown: string;
  /** Commands the markdown links to (a subset of HOVER_COMMANDS). */
  commands: string[];
  links: HoverLink[];
}

export interface RenderOptions {
  /** The document's URI as the visualiser command takes it; the link appears only when given (the command exists). */
  visualiseUri?: unknown;
  /** The client runs `command:` links (VS Code with our extension); false: https links only. Default true. */
  commandLinks?: boolean;
}

const FREE_THREADED_NOTE =
  '**Free-threaded Python (your setting):** on 3.13t/3.14t threads run Python code in parallel without the GIL, '
  + 'so the GIL limits above do not apply and `cpu-bound-in-thread` stays silent. Shared data still needs locks.';

/** Backslash-escapes every character markdown could give a meaning to; line breaks become spaces. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[\\`*_{}[\]()<>#+\-.!|~&$:"']/g, '\\$&');
}

/** Inline code that no backtick in `text` can close early. */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || (flat.startsWith(' ') && flat.endsWith(' ') && flat.trim()) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function codeBlock(code: string, language: string): string {
  const longest = Math.max(2, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${code.trimEnd()}\n${fence}`;
}

function commandLink(title: string, command: string, args: unknown[]): HoverLink {
  return { title, command, args, target: `command:${command}?${encodeURIComponent(JSON.stringify(args))}` };
}

function linkMarkdown(link: HoverLink): string {
  return `[${escapeMarkdown(link.title)}](${link.target})`;
}

function docsTitle(url: string): string {
  if (url.startsWith('https://docs.python.org/')) return 'Python docs';
  if (url.startsWith('https://nodejs.org/')) return 'Node.js docs';
  if (url.startsWith('https://developer.mozilla.org/')) return 'MDN';
  return 'Docs';
}

/**
 * The hover as markdown. Short (the default): what the code does to execution, the pitfall, and one "More" link to the
 * full text (the catalogue entry's page or the rule's page); full: everything, each piece of advice once.
 */
export function renderHover(info: HoverInfo, options: RenderOptions = {}): RenderedHover {
  const full = info.mode === 'full';
  const commandLinks = options.commandLinks !== false;
  const blocks: string[] = [];
  const links: HoverLink[] = [];

  for (const rule of info.rules) {
    blocks.push(`**Rule ${codeSpan(rule.slug)}:** ${rule.summary}`);
    // The message is on screen already (the editor shows it above the hover); its detail says what else matters here.
    if (full) {
      blocks.push(rule.detail ? inlineMarkdown(rule.detail.trim()) : rule.why.trim());
      if (rule.fixTitle) blocks.push(`Quick fix: ${escapeMarkdown(rule.fixTitle)}`);
    } else if (rule.detail) {
      blocks.push(inlineMarkdown(firstSentence(rule.detail)));
    }
  }

  const effects = info.effects;
  // A rule's detail already gives the advice: the effects say only what the function does.
  const advise = full && !info.rules.length;
  if (effects?.blocks) {
    if (info.rules.length) blocks.push('---');
    const steps = effects.blocks.map((step, i) => `${i === 0 ? 'it calls' : 'which calls'} ${codeSpan(step.shown)} (${escapeMarkdown(step.where)})`).join(', ');
    blocks.push(`**${codeSpan(`${effects.name}()`)} blocks the thread it runs on:** ${steps}.`);
    if (advise) {
      blocks.push(info.language === 'python'
        ? `Called from an async function it stalls the event loop: every other task waits. There, run it with ${codeSpan(`await asyncio.to_thread(${effects.name})`)}, or make it async.`
        : 'Called from an async function it stalls the event loop: every other request, timer and callback waits. Make it async (the `fs/promises` or async counterpart of the blocking call) and await it.');
    }
  }

  if (effects?.cpu) {
    if (info.rules.length || effects.blocks) blocks.push('---');
    const where = effects.cpu.file ? ` (in ${escapeMarkdown(effects.cpu.file)})` : '';
    blocks.push(`**${codeSpan(`${effects.name}()`)} is CPU-bound:** ${escapeMarkdown(effects.cpu.evidence)}${where}.`);
    if (advise) {
      blocks.push(info.language === 'python'
        ? 'Called from an async function it holds the event loop until it returns. In a thread it runs in parallel only on a free-threaded build (3.13t and later); otherwise run it in a `ProcessPoolExecutor`.'
        : 'On the main thread it blocks the event loop until it returns: every request, timer and callback waits. Move it to a `worker_threads` Worker.');
    }
  }

  const entry = info.entry;
  if (entry) {
    if (info.rules.length || effects) blocks.push('---');
    blocks.push(`**${entry.title}**`);
    if (info.hovered !== undefined && info.resolvedName !== undefined) {
      blocks.push(`*${codeSpan(info.hovered)} is ${codeSpan(info.resolvedName)}*`);
    }
    blocks.push(entry.since ? `${entry.summary} *(since ${entry.since})*` : entry.summary);
    blocks.push(`**Execution:** ${entry.execution}`);
    if (info.freeThreaded) blocks.push(full ? FREE_THREADED_NOTE : '**Free-threaded Python (your setting):** threads run Python code in parallel, without the GIL.');
    if (full) blocks.push(`**Use when:** ${entry.useWhen}\n\n**Avoid when:** ${entry.avoidWhen}`);
    blocks.push(`**Pitfall:** ${entry.pitfall}`);
    if (full) {
      blocks.push(codeBlock(entry.example, info.language === 'python' ? 'python' : 'typescript'));
      const related = (entry.related ?? []).map(findKnowledgeById).filter((e): e is KnowledgeEntry => e !== undefined);
      if (related.length && commandLinks) {
        blocks.push(`See also: ${related.map((r) => linkMarkdown(commandLink(r.title, SHOW_KNOWLEDGE_COMMAND, [r.id]))).join(' · ')}`);
      }
    }
  }

  // Links: the rule's page and the entry's docs in full; one "More" in short.
  if (full) {
    for (const rule of info.rules) {
      const title = info.rules.length > 1 ? `Open rule docs (${rule.slug})` : 'Open rule docs';
      links.push(commandLinks ? commandLink(title, OPEN_RULE_DOCS_COMMAND, [rule.slug]) : { title, target: ruleDocsUrl(rule.slug) });
    }
    if (entry?.docUrl.startsWith('https://')) links.push({ title: docsTitle(entry.docUrl), target: entry.docUrl });
  } else {
    const more = moreLink(info, commandLinks);
    if (more) links.push(more);
  }
  if (options.visualiseUri !== undefined && commandLinks) {
    links.push(commandLink('Show in execution visualiser', VISUALISE_COMMAND, [options.visualiseUri, info.range.start.line]));
  }
  if (links.length) blocks.push(links.map(linkMarkdown).join(' · '));

  const markdown = blocks.join('\n\n');
  // Every command the markdown links to, "See also" included: the adapter trusts exactly these.
  const used = new Set([...markdown.matchAll(/\]\(command:([\w.]+)\?/g)].map((m) => m[1]));
  return { markdown, commands: HOVER_COMMANDS.filter((c) => used.has(c)), links };
}

/** The short hover's one link to the full text: the entry's page (its docs without commands), else the rule's page. */
function moreLink(info: HoverInfo, commandLinks: boolean): HoverLink | undefined {
  const entry = info.entry;
  if (entry) return commandLinks ? commandLink('More', SHOW_KNOWLEDGE_COMMAND, [entry.id]) : entry.docUrl.startsWith('https://') ? { title: 'More', target: entry.docUrl } : undefined;
  const rule = info.rules[0];
  if (rule) return commandLinks ? commandLink('More', OPEN_RULE_DOCS_COMMAND, [rule.slug]) : { title: 'More', target: ruleDocsUrl(rule.slug) };
  return undefined;
}

/**
 * A finding's text (our sentences with document text in backticks) as markdown that means only what it says: code
 * spans stay code, everything else is escaped, so no document text can become a link or markup.
 */
export function inlineMarkdown(text: string): string {
  return text.split(/(`[^`\n]+`)/).map((part, i) => (i % 2 === 1 ? codeSpan(part.slice(1, -1)) : escapeMarkdown(part))).join('');
}

/** The first sentence of a text (up to its first ". " outside code spans), for the short hover. */
function firstSentence(text: string): string {
  let inCode = false;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '`') inCode = !inCode;
    else if (!inCode && text[i] === '.' && text[i + 1] === ' ') return text.slice(0, i + 1);
  }
  return text.trim();
}

/**
 * The hover as plain text, for clients that ask for it (`contentFormat: ["plaintext"]`): markup and escapes removed,
 * links written as "title: url", code blocks kept as their code.
 */
export function toPlainText(markdown: string): string {
  return markdown.split(/\n\n/).map((block) => {
    if (block === '---') return '';
    const fence = /^(`{3,})\w*\n([\s\S]*)\n\1$/.exec(block);
    if (fence) return fence[2];
    return block
      .replace(/\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)/g, (_, title: string, url: string) => `${title}: ${url}`)
      .replace(/(`+) ?([^`]|[^`][\s\S]*?[^`]) ?\1/g, '$2')
      .replace(/\*\*|(?<![\w\\])\*(?!\s)|(?<!\s)\*(?!\w)/g, '')
      .replace(/\\([\\`*_{}[\]()<>#+\-.!|~&$:"'])/g, '$1');
  }).filter((b) => b !== '').join('\n\n');
}

/** A catalogue entry as a page of its own (the "See also" links open it in the markdown preview). */
export function renderEntryPage(entry: KnowledgeEntry, freeThreaded = false): string {
  const language = entry.language === 'python' ? 'python' : 'typescript';
  const related = (entry.related ?? []).map(findKnowledgeById).filter((e): e is KnowledgeEntry => e !== undefined);
  return [
    `# ${entry.title}`,
    entry.since ? `${entry.summary} *(since ${entry.since})*` : entry.summary,
    `**Execution:** ${entry.execution}`,
    ...(freeThreaded ? [FREE_THREADED_NOTE] : []),
    `**Use when:** ${entry.useWhen}`,
    `**Avoid when:** ${entry.avoidWhen}`,
    `**Pitfall:** ${entry.pitfall}`,
    codeBlock(entry.example, language),
    ...(related.length ? [`See also: ${related.map((r) => r.title).join(' · ')}`] : []),
    `[${docsTitle(entry.docUrl)}](${entry.docUrl})`,
    '',
  ].join('\n\n');
}
