import type { Rule } from './rules/rule';

/** Where the rule pages live for tools outside the editor (SARIF, CLI); the editor opens the copy shipped in the extension. */
export const repositoryUrl = 'https://github.com/concurrency-lens/concurrency-lens';

export function ruleDocsUrl(slug: string): string {
  return slug ? `${repositoryUrl}/blob/main/docs/rules/${slug}.md` : repositoryUrl;
}

/** Where a rule page's lead (what, why, the fix) ends and the reference (every form, the catalogue) begins. */
export const REFERENCE_HEADING = '## Reference';

/** Markdown with every heading one level deeper, to sit under the reference heading. */
const demote = (markdown: string): string => markdown.replace(/^(#{2,5}) /gm, '#$1 ');

/**
 * The rule's page, docs/rules/<slug>.md, generated from the documentation the rule carries: a short lead (what it flags,
 * why it matters, the fix, how to turn it off), then the reference (every form it recognises, its decisions, catalogue).
 */
export function renderRulePage(rule: Rule): string {
  const { meta } = rule;
  const lang = meta.languages.includes('python') ? 'python' : 'ts';
  const fence = (code: string) => `\`\`\`${lang}\n${code.trimEnd()}\n\`\`\``;
  return [
    `# ${meta.slug}`,
    '',
    `> ${meta.docs.summary}`,
    '',
    `Languages: ${meta.languages.join(', ')}. Default severity: ${meta.defaultSeverity}.`,
    '',
    '## Why it is a problem',
    '',
    meta.docs.why.trim(),
    '',
    '## Example',
    '',
    fence(meta.docs.example),
    '',
    '## Instead',
    '',
    fence(meta.docs.instead),
    '',
    '## Turning it off',
    '',
    'With a comment (`#` in Python, `//` or `/* */` in TS/JS), in the editor, the CLI and CI alike:',
    '',
    `- \`concurrency-lens: ignore[${meta.slug}]\` at the end of a line: that line;`,
    `- \`concurrency-lens: ignore-next-line[${meta.slug}]\` on the line above: the next line;`,
    `- \`concurrency-lens: ignore-file[${meta.slug}]\` anywhere in the file: the whole file.`,
    '',
    ...(meta.peerCodes?.length ? [
      `Python comments written for Ruff or flake8-async also count: \`# noqa\` on the line, or \`# noqa: CODE\` with one of ${meta.peerCodes.map((c) => `\`${c}\``).join(', ')}`,
      '(the same finding in flake8-async; Ruff implements the ones it lists under `ASYNC2xx`), and `# ruff: noqa[: CODE]` for the whole file.',
      '',
    ] : []),
    `Everywhere: set \`"concurrencyLens.rules": { "${meta.slug}": "off" }\` in your settings, or \`rules = { "${meta.slug}" = "off" }\` under \`[tool.concurrency-lens]\` in the project's configuration.`,
    '',
    REFERENCE_HEADING,
    '',
    '### What it flags',
    '',
    demote(meta.docs.what.trim()),
    '',
    ...(meta.docs.notes ? [demote(meta.docs.notes.trim()), ''] : []),
    '<!-- Generated from the rule\'s own documentation by `npm run docs`; edit the rule file, not this page. -->',
    '',
  ].join('\n');
}
