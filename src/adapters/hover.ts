import * as vscode from 'vscode';
import { ruleBySlug } from '../core';
import { hoverAt } from '../core/hover';
import { HOVER_COMMANDS, OPEN_RULE_DOCS_COMMAND, renderEntryPage, renderHover, SHOW_KNOWLEDGE_COMMAND, VISUALISE_COMMAND } from '../core/hoverMarkdown';
import { findKnowledgeById } from '../knowledge/schema';
import type { ExtensionSettings } from './config';
import { ruleDocUri, toRange } from './convert';
import type { DocumentStore } from './documents';

const LANGUAGES = ['python', 'typescript', 'typescriptreact', 'javascript', 'javascriptreact'];
/** Read-only pages of catalogue entries, for the hovers' "See also" links. */
const KNOWLEDGE_SCHEME = 'concurrency-lens-knowledge';

/** Explains the concurrency API (and any of our diagnostics) under the cursor, from the store's current tree. */
export class HoverAdapter implements vscode.HoverProvider {
  private visualise: Promise<boolean> | undefined;

  constructor(private readonly store: DocumentStore, private readonly settings: () => ExtensionSettings) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const settings = this.settings();
    if (settings.hover === 'off' || !settings.enabled) return undefined;
    const analysed = await this.store.current(document);
    // A result for an older version would put the hover on the wrong text.
    if (!analysed?.facts || analysed.version !== document.version || token.isCancellationRequested) return undefined;
    const info = hoverAt(analysed.parsed, analysed.facts, { line: position.line, column: position.character }, analysed.result.diagnostics, {
      hover: settings.hover,
      pythonFreeThreaded: settings.analysis.pythonFreeThreaded,
    });
    if (!info) return undefined;
    const rendered = renderHover(info, (await this.visualiseExists()) ? { visualiseUri: document.uri } : {});
    const markdown = new vscode.MarkdownString(rendered.markdown);
    markdown.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
    markdown.supportHtml = false;
    markdown.supportThemeIcons = false;
    return new vscode.Hover(markdown, toRange(info.range));
  }

  // The visualiser is optional; asked once, since every command is registered at activation.
  private visualiseExists(): Promise<boolean> {
    this.visualise ??= Promise.resolve(vscode.commands.getCommands(true)).then((all) => all.includes(VISUALISE_COMMAND), () => false);
    return this.visualise;
  }
}

/** Opens a markdown file in the preview, or as text when the preview is unavailable. */
async function showMarkdown(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(uri, { preview: true });
  }
}

export function registerHover(context: vscode.ExtensionContext, store: DocumentStore, settings: () => ExtensionSettings): void {
  const selector = LANGUAGES.map((language) => ({ language }));
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(selector, new HoverAdapter(store, settings)),
    vscode.commands.registerCommand(OPEN_RULE_DOCS_COMMAND, async (slug: unknown) => {
      // Only known slugs: the argument ends up in a file path.
      if (typeof slug !== 'string' || !ruleBySlug(slug)) return;
      await showMarkdown(ruleDocUri(context.extensionUri, slug));
    }),
    vscode.workspace.registerTextDocumentContentProvider(KNOWLEDGE_SCHEME, {
      provideTextDocumentContent(uri) {
        const entry = findKnowledgeById(decodeURIComponent(uri.query));
        if (!entry) return undefined;
        return renderEntryPage(entry, entry.language === 'python' && settings().analysis.pythonFreeThreaded);
      },
    }),
    vscode.commands.registerCommand(SHOW_KNOWLEDGE_COMMAND, async (id: unknown) => {
      const entry = typeof id === 'string' ? findKnowledgeById(id) : undefined;
      if (!entry) return;
      // The path only names the tab; the query carries the id.
      const name = entry.id.replace(/[^\w.-]+/g, '-');
      await showMarkdown(vscode.Uri.from({ scheme: KNOWLEDGE_SCHEME, path: `/${name}.md`, query: encodeURIComponent(entry.id) }));
    }),
  );
}
