// The context layer: who runs a function, and beside what. Entry points (entries.ts) and the project's call graph
// (graph.ts) decide; rules only read the answer.
import type { Node } from 'web-tree-sitter';
import { enclosingFunction, ownContext } from './entries';
import * as graph from './graph';
import type { ConcurrencyContext, ContextSource } from './types';

export type { ConcurrencyContext, ConcurrencyKind, ContextSource } from './types';
export { owningFunction, ownContext } from './entries';
export { fileIndex, identifierUses } from './fileIndex';

/** Computes the call graph's part of `files` ahead of use (background indexing); see graph.ts. */
export function warmUnits(files: readonly string[], readFile: (path: string) => string | undefined, sliceMs?: number): number {
  return graph.warmUnits(files, readFile, sliceMs);
}

/** A share of a package's call-graph units and the summaries they stored, for the other workers of a run; see graph.ts. */
export function unitsFor(files: readonly string[], readFile: (path: string) => string | undefined): ReturnType<typeof graph.unitsFor> {
  return graph.unitsFor(files, readFile);
}

/** The call graph's units from a persistent cache, and those to keep there; see graph.ts. */
export const importStoredUnits = graph.importStoredUnits;
export const exportStoredUnits = graph.exportStoredUnits;

/** Units another worker computed (unitsFor). */
export function adoptUnits(units: Parameters<typeof graph.adoptUnits>[0]): void {
  graph.adoptUnits(units);
}

const UNKNOWN: ConcurrencyContext = { kind: 'unknown' };
/** How many enclosing functions a nested function looks through (closures rarely nest deeper). */
const MAX_ENCLOSING = 8;

/**
 * The concurrency context of `fn` (a function node of the file's grammar): its own evidence when it is hot; else what the
 * project's call graph carries down to it from entry points (hot wins); else its own cold evidence; else, for a closure,
 * its enclosing function's.
 */
export function contextOf(fn: Node, source: ContextSource): ConcurrencyContext {
  let current: Node | undefined = fn;
  // Past a function its maker returns, the maker's start-up moment says nothing (a hot program stays hot).
  let handed = false;
  // Out through enclosing functions: bounded by MAX_ENCLOSING.
  for (let depth = 0; current && depth < MAX_ENCLOSING; depth++, current = enclosingFunction(current, source.language)) {
    const found = oneContext(current, source);
    if (found.kind === 'hot' || (found.kind === 'cold' && !handed)) return depth && !found.inherited ? { ...found, inherited: true } : found;
    handed ||= graph.graphFor(source).handedOut(source.path ?? '', graph.unitId(current, source.language));
  }
  return UNKNOWN;
}

function oneContext(fn: Node, source: ContextSource): ConcurrencyContext {
  const own = ownContext(fn, source);
  if (own.kind === 'hot') return own;
  const found = graph.graphFor(source).contextOf(source.path ?? '', graph.unitId(fn, source.language));
  if (found?.kind === 'hot') return found;
  return own.kind === 'cold' ? own : found ?? UNKNOWN;
}

/** Changes whenever a file change drops the call graphs: a cache of anything derived from contexts compares it. */
export function contextGeneration(): number {
  return graph.graphGeneration();
}

/** Forgets what the call graph kept of `files` (project-relative) because they changed, or of all files when not given. */
export function forgetCallerTexts(files?: readonly string[]): void {
  graph.forgetFiles(files);
}
