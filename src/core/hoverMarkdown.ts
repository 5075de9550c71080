import { findKnowledgeById, type KnowledgeEntry } from '../knowledge/schema';
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

export function renderHover(info: HoverInfo, options: RenderOptions = {}): RenderedHover {
  const full = info.mode === 'full';
  const blocks: string[] = [];
  const links: HoverLink[] = [];

  for (const rule of info.rules) {
    blocks.push(`**Rule ${codeSpan(rule.slug)}:** ${rule.summary}`);
    if (full) {
      blocks.push(rule.why.trim());
      if (rule.fixTitle) blocks.push(`Quick fix: ${escapeMarkdown(rule.fixTitle)}`);
    }
    links.push(commandLink(info.rules.length > 1 ? `Open rule docs (${rule.slug})` : 'Open rule docs', OPEN_RULE_DOCS_COMMAND, [rule.slug]));
  }

  const effects = info.effects;
  if (effects?.blocks) {
    if (info.rules.length) blocks.push('---');
    const steps = effects.blocks.map((step, i) => `${i === 0 ? 'it calls' : 'which calls'} ${codeSpan(step.shown)} (${escapeMarkdown(step.where)})`).join(', ');
    blocks.push(`**${codeSpan(`${effects.name}()`)} blocks the thread it runs on:** ${steps}.`);
    if (full) {
      blocks.push(info.language === 'python'
        ? `Called from an async function it stalls the event loop: every other task waits. There, run it with ${codeSpan(`await asyncio.to_thread(${effects.name})`)}, or make it async.`
        : 'Called from an async function it stalls the event loop: every other request, timer and callback waits. Make it async (the `fs/promises` or async counterpart of the blocking call) and await it.');
    }
  }

  if (effects?.cpu) {
    if (info.rules.length || effects.blocks) blocks.push('---');
    const where = effects.cpu.file ? ` (in ${escapeMarkdown(effects.cpu.file)})` : '';
    blocks.push(`**${codeSpan(`${effects.name}()`)} is CPU-bound:** ${escapeMarkdown(effects.cpu.evidence)}${where}.`);
    if (full) {
      blocks.push(info.language === 'python'
        ? 'Called from an async function it holds the event loop until it returns. In a thread it runs in parallel only on a free-threaded build (3.13t and later); otherwise run it in a `ProcessPoolExecutor`.'
        : 'On the main thread it blocks the event loop until it returns: every request, timer and callback waits. Move it to a `worker_threads` Worker.');
    }
  }

  const entry = info.entry;
  if (entry) {
    if (info.rules.length) blocks.push('---');
    blocks.push(`**${entry.title}**`);
    if (info.hovered !== undefined && info.resolvedName !== undefined) {
      blocks.push(`*${codeSpan(info.hovered)} is ${codeSpan(info.resolvedName)}*`);
    }
    blocks.push(entry.since ? `${entry.summary} *(since ${entry.since})*` : entry.summary);
    if (full) {
      blocks.push(`**Execution:** ${entry.execution}`);
      if (info.freeThreaded) blocks.push(FREE_THREADED_NOTE);
      blocks.push(`**Use when:** ${entry.useWhen}\n\n**Avoid when:** ${entry.avoidWhen}`);
      blocks.push(`**Pitfall:** ${entry.pitfall}`);
      blocks.push(codeBlock(entry.example, info.language === 'python' ? 'python' : 'typescript'));
      const related = (entry.related ?? []).map(findKnowledgeById).filter((e): e is KnowledgeEntry => e !== undefined);
      if (related.length) {
        blocks.push(`See also: ${related.map((r) => linkMarkdown(commandLink(r.title, SHOW_KNOWLEDGE_COMMAND, [r.id]))).join(' · ')}`);
      }
    } else if (info.freeThreaded) {
      blocks.push('**Free-threaded Python (your setting):** threads run Python code in parallel, without the GIL.');
    }
    if (entry.docUrl.startsWith('https://')) links.push({ title: docsTitle(entry.docUrl), target: entry.docUrl });
  }
  if (options.visualiseUri !== undefined) {
    links.push(commandLink('Show in execution visualiser', VISUALISE_COMMAND, [options.visualiseUri, info.range.start.line]));
  }
  if (links.length) blocks.push(links.map(linkMarkdown).join(' · '));

  const markdown = blocks.join('\n\n');
  // Every command the markdown links to, "See also" included: the adapter trusts exactly these.
  const used = new Set([...markdown.matchAll(/\]\(command:([\w.]+)\?/g)].map((m) => m[1]));
  return { markdown, commands: HOVER_COMMANDS.filter((c) => used.has(c)), links };
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
