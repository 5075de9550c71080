// The analysis worker: holds the open documents' trees and runs one job at a time.
// The host that started it watches the clock and terminates it when a job overruns.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeDocument, analyzeText, defaultLimits, loadLanguage, ParsedDocument, TreeFacts, type AnalysisResult, type InputLimits } from '../core';
import { hoverAt } from '../core/hover';
import { buildVisualisation } from '../core/visualiser';
import { phaseIndex, SLOT_JOB, SLOT_PHASE, type Job, type WorkerInit, type WorkerMessage } from './protocol';

interface OpenDocument {
  parsed: ParsedDocument;
  facts: TreeFacts | undefined;
  version: number;
}

const init = workerData as WorkerInit;
const slots = new Int32Array(init.shared);
const limits: InputLimits = { ...defaultLimits, ...init.limits };
const documents = new Map<string, OpenDocument>();

function setPhase(phase: string): void {
  Atomics.store(slots, SLOT_PHASE, phaseIndex(phase));
}

/**
 * Reads project files below `root` by '/'-separated relative paths: an open document's current text (unsaved edits
 * count), else the disk. None without a root (nothing is guessed). `reads` collects every path asked for, found or
 * not, so the host knows which files a result depends on (a file created later matters too).
 */
function readerFor(root: string | undefined, reads?: Set<string>): ((file: string) => string | undefined) | undefined {
  if (!root) return undefined;
  return (file: string) => {
    reads?.add(file);
    const absolute = path.resolve(root, file);
    const open = documents.get(pathToFileURL(absolute).href);
    if (open) return open.parsed.text;
    try {
      return fs.readFileSync(absolute, 'utf8');
    } catch {
      return undefined;
    }
  };
}

function factsOf(doc: OpenDocument): TreeFacts | undefined {
  const tree = doc.parsed.tree;
  if (!tree) return undefined;
  if (doc.facts?.tree !== tree) doc.facts = new TreeFacts(tree);
  return doc.facts;
}

async function run(job: Job): Promise<unknown> {
  switch (job.type) {
    case 'open': {
      documents.get(job.uri)?.parsed.dispose();
      setPhase('parse');
      documents.set(job.uri, { parsed: await ParsedDocument.create(job.language, job.text, limits), facts: undefined, version: job.version });
      return undefined;
    }
    case 'change': {
      const doc = documents.get(job.uri);
      if (!doc) return undefined;
      setPhase('parse');
      await doc.parsed.applyChanges(job.changes);
      doc.version = job.version;
      return undefined;
    }
    case 'replace': {
      const doc = documents.get(job.uri);
      if (!doc) return undefined;
      setPhase('parse');
      await doc.parsed.replaceText(job.text);
      doc.version = job.version;
      return undefined;
    }
    case 'close':
      documents.get(job.uri)?.parsed.dispose();
      documents.delete(job.uri);
      return undefined;
    case 'analyze': {
      const doc = documents.get(job.uri);
      if (!doc) return undefined;
      const reads = new Set<string>();
      const result = analyzeDocument(doc.parsed, { ...job.params, facts: factsOf(doc), onRule: setPhase, readFile: readerFor(job.params.projectRoot, reads) });
      return { ...result, version: doc.version, reads: [...reads] };
    }
    case 'hover': {
      const doc = documents.get(job.uri);
      const facts = doc && factsOf(doc);
      if (!doc || !facts) return undefined;
      setPhase('hover');
      const project = job.project && { path: job.project.path, settings: job.project.settings, readFile: readerFor(job.project.projectRoot) };
      return hoverAt(doc.parsed, facts, job.position, job.diagnostics, job.settings, project);
    }
    case 'visualise': {
      const doc = documents.get(job.uri);
      if (!doc) return undefined;
      setPhase('visualise');
      const project = job.project && { path: job.project.path, settings: job.project.settings, readFile: readerFor(job.project.projectRoot) };
      return buildVisualisation(doc.parsed, factsOf(doc), job.settings, job.diagnostics, project);
    }
    case 'analyzeText':
      setPhase('parse');
      return analyzeText(job.text, job.language, { ...job.params, limits, onRule: setPhase, readFile: readerFor(job.params.projectRoot) });
  }
}

const port = parentPort!;
let chain: Promise<void> = Promise.resolve();

// Jobs run strictly in arrival order: a change must reach the tree before the analysis that follows it.
port.on('message', (job: Job) => {
  chain = chain.then(async () => {
    try {
      // Loading a grammar is the host's start-up cost, not the file's: it happens before the clock starts.
      if (job.type === 'open' || job.type === 'analyzeText') await loadLanguage(job.language);
    } catch {
      // The job itself reports the failure.
    }
    Atomics.store(slots, SLOT_JOB, job.id);
    setPhase('idle');
    port.postMessage({ type: 'started', id: job.id } satisfies WorkerMessage);
    try {
      const value = await run(job);
      const unsound = (job.type === 'analyze' || job.type === 'analyzeText') && ((value as AnalysisResult | undefined)?.ruleErrors.length ?? 0) > 0;
      port.postMessage({ type: 'done', id: job.id, value, unsound } satisfies WorkerMessage);
    } catch (error) {
      port.postMessage({ type: 'failed', id: job.id, message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
    } finally {
      setPhase('idle');
    }
  });
});
