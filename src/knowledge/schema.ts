// The hover knowledge: one entry per concurrency API (or concept), kept as plain data.
// Nothing here imports `vscode`; the hover adapter renders entries as markdown.

import { pythonKnowledge } from './python';
import { typescriptKnowledge } from './typescript';

export type KnowledgeLanguage = 'python' | 'ts';

export interface KnowledgeEntry {
  /** 'python:threading.Thread', 'ts:worker_threads.Worker'; concepts use 'python:gil' etc. */
  id: string;
  /** 'ts' covers TS/TSX/JS/JSX. */
  language: KnowledgeLanguage;
  /**
   * Fully qualified names this entry answers for, as name resolution produces them.
   * python: 'threading.Thread', 'threading.Thread.start', 'asyncio.gather'.
   * ts: module-qualified 'worker_threads.Worker', 'fs.readFileSync' ('node:' prefix stripped),
   *     globals as 'global.Promise.all', 'global.setTimeout', 'global.process.nextTick'.
   * Both: keywords as 'keyword.async' / 'keyword.await'.
   * Instance methods are named by class: 'threading.Lock.acquire', 'worker_threads.Worker.unref'.
   * Names starting with 'concept.' are never produced by the resolver; they only give concept
   * entries (the GIL, the event loop phases, ...) a stable lookup key for links.
   * A name belongs to exactly one entry per language (enforced by the catalogue test).
   */
  names: string[];
  /** Shown as the hover heading, e.g. 'threading.Thread'. */
  title: string;
  /** One line. */
  summary: string;
  /** Effect on execution: who runs, who waits, what the GIL / event loop does. */
  execution: string;
  useWhen: string;
  avoidWhen: string;
  pitfall: string;
  /** 1-6 lines in the entry's language; Python examples must compile, TS ones must parse. */
  example: string;
  /** https on docs.python.org, nodejs.org or developer.mozilla.org only. */
  docUrl: string;
  /** Oldest version that has the API, when that matters (e.g. '3.11', 'Node 15.4'). */
  since?: string;
  /** Other entry ids. */
  related?: string[];
}

let byLanguage: Map<KnowledgeLanguage, Map<string, KnowledgeEntry>> | undefined;
let byId: Map<string, KnowledgeEntry> | undefined;

function buildIndex(): void {
  byLanguage = new Map([
    ['python', new Map()],
    ['ts', new Map()],
  ]);
  byId = new Map();
  for (const entry of allKnowledge()) {
    byId.set(entry.id, entry);
    const names = byLanguage.get(entry.language)!;
    for (const name of entry.names) {
      // First entry wins; the catalogue test rejects duplicates, so this never matters in practice.
      if (!names.has(name)) names.set(name, entry);
    }
  }
}

/** The entry for a resolved name, e.g. findKnowledge('python', 'threading.Thread.start'). */
export function findKnowledge(language: KnowledgeLanguage, qualifiedName: string): KnowledgeEntry | undefined {
  if (!byLanguage) buildIndex();
  return byLanguage!.get(language)!.get(qualifiedName);
}

/** The entry with that id ('python:gil'), e.g. to follow `related`. */
export function findKnowledgeById(id: string): KnowledgeEntry | undefined {
  if (!byId) buildIndex();
  return byId!.get(id);
}

let all: readonly KnowledgeEntry[] | undefined;

/** Every entry, Python first; the same array on every call. */
export function allKnowledge(): readonly KnowledgeEntry[] {
  all ??= Object.freeze([...pythonKnowledge, ...typescriptKnowledge]);
  return all;
}
