// The visualiser's one entry point for hosts: a parsed file → model, timeline, what-if, concept pages.
import type { TreeFacts } from '../analyze';
import type { ParsedDocument } from '../document';
import { projectOracle, type ProjectAccess } from '../project/effects';
import type { Diagnostic } from '../types';
import { buildConceptPages, type ConceptPage } from './concepts';
import { extractModel, markDiagnostics, type ExtractLimits } from './extract';
import type { ExecutionModel, SimOptions, Timeline } from './model';
import { simulate } from './simulate';
import { whatIf, type WhatIf } from './whatif';

export interface VisualiserSettings {
  /** Free-threaded CPython: threads run Python code in parallel. */
  freeThreaded: boolean;
  sim?: Partial<Omit<SimOptions, 'freeThreaded'>>;
  limits?: Partial<ExtractLimits>;
}

export interface Visualisation {
  model: ExecutionModel;
  timeline: Timeline;
  whatIf: WhatIf | undefined;
  concepts: ConceptPage[];
}

let conceptCache: { key: string; pages: ConceptPage[] } | undefined;

function concepts(opts: Partial<SimOptions>): ConceptPage[] {
  // The concept pages do not depend on the file: build them once per option set.
  const key = JSON.stringify(opts);
  if (conceptCache?.key !== key) conceptCache = { key, pages: buildConceptPages(opts) };
  return conceptCache.pages;
}

export function buildVisualisation(
  doc: ParsedDocument,
  facts: TreeFacts | undefined,
  settings: VisualiserSettings = { freeThreaded: false },
  diagnostics: readonly Pick<Diagnostic, 'code' | 'range'>[] = [],
  project?: ProjectAccess,
): Visualisation {
  const model = extractModel(doc, facts, settings.limits, facts && project ? projectOracle(doc, facts, project) : undefined);
  markDiagnostics(model, diagnostics);
  const opts: Partial<SimOptions> = { ...settings.sim, freeThreaded: settings.freeThreaded };
  const timeline = simulate(model, opts);
  let what: WhatIf | undefined;
  try {
    what = whatIf(model, opts);
  } catch {
    what = undefined;
  }
  return { model, timeline, whatIf: what, concepts: concepts(opts) };
}

export { extractModel, markDiagnostics, defaultExtractLimits, type ExtractLimits } from './extract';
export { renderVisualiserHtml } from './html';
