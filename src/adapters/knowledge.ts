import * as vscode from 'vscode';
import { ruleBySlug } from '../core';
import { OPEN_RULE_DOCS_COMMAND, renderEntryPage, SHOW_KNOWLEDGE_COMMAND } from '../core/hoverMarkdown';
import { findKnowledgeById } from '../knowledge/schema';
import { freeThreaded } from './config';
import { ruleDocUri } from './convert';

// The commands behind the links in hovers (the server writes the hovers): a rule's page, a catalogue entry's page.

/** Read-only pages of catalogue entries, for the hovers' "See also" links. */
const KNOWLEDGE_SCHEME = 'concurrency-lens-knowledge';

/** Opens a markdown file in the preview, or as text when the preview is unavailable. */
async function showMarkdown(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(uri, { preview: true });
  }
}

export function registerKnowledgeCommands(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(OPEN_RULE_DOCS_COMMAND, async (slug: unknown) => {
      // Only known slugs: the argument ends up in a file path.
      if (typeof slug !== 'string' || !ruleBySlug(slug)) return;
      await showMarkdown(ruleDocUri(context.extensionUri, slug));
    }),
    vscode.workspace.registerTextDocumentContentProvider(KNOWLEDGE_SCHEME, {
      provideTextDocumentContent(uri) {
        const entry = findKnowledgeById(decodeURIComponent(uri.query));
        if (!entry) return undefined;
        return renderEntryPage(entry, entry.language === 'python' && freeThreaded());
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
