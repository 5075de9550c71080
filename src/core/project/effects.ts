// What a hover says about one of the project's own functions: whether calling it blocks the thread (and through
// which calls), from the same summaries the rules follow, and whether its own work is CPU-bound, as the CPU rules find.
import type { Node } from 'web-tree-sitter';
import type { AnalysisContext, TreeFacts } from '../analysis';
import type { ParsedDocument } from '../document';
import { rangeOf } from '../text';
import { defaultSettings, type AnalysisSettings, type Position, type Range } from '../types';
import { pythonProject } from './followPython';
import { projectTarget as tsProjectTarget, tsFunctionKey, tsProject } from './followTs';
import { summary } from '../python/cpu';
import { placeCpuClassification, placePythonFunction, projectCpuClassification, releaseParsed, type ProjectCpu } from './cpuAcross';
import type { PythonSemantics } from '../python/semantics';
import { baseName, DEFAULT_FOLLOW_DEPTH, where, type CallTarget, type Hop, type ProjectView } from './project';
import { functionKey, projectTarget as pythonProjectTarget } from './pythonSummary';

export interface ProjectAccess {
  path?: string;
  readFile?: (path: string) => string | undefined;
  /** The files of the package holding `path`: with it, who runs a function is asked of the package's call graph. */
  listFiles?: (near: string) => readonly string[];
  settings?: AnalysisSettings;
}

export interface EffectStep {
  /** Source text of the call (`subprocess.check_output()`): document text, to escape when shown. */
  shown: string;
  /** 'line 12' or 'util.py:5'. */
  where: string;
}

export interface FunctionEffects {
  /** The function as the hover names it (`git_rev`, `Repo.head`): document text. */
  name: string;
  range: Range;
  async: boolean;
  /** The calls from the function down to the blocking API, the last one blocking. */
  blocks?: EffectStep[];
  /** Its own work is CPU-bound and large. */
  cpu?: CpuEffect;
}

/** The hovered identifier when it names one of the project's functions: at its definition or where it is called. */
function hoveredFunction(node: Node): { name: Node; callee?: Node; definition?: Node } | undefined {
  if (node.type !== 'identifier' && node.type !== 'property_identifier') return undefined;
  const parent = node.parent;
  if (!parent) return undefined;
  const definitions = ['function_definition', 'function_declaration', 'method_definition', 'generator_function_declaration'];
  if (definitions.includes(parent.type) && parent.childForFieldName('name')?.id === node.id) return { name: node, definition: parent };
  // `const f = () => ...`: the name of a bound function.
  const value = parent.type === 'variable_declarator' && parent.childForFieldName('name')?.id === node.id ? parent.childForFieldName('value') : null;
  if (value && (value.type === 'arrow_function' || value.type === 'function_expression')) return { name: node, definition: value };
  const callee = (parent.type === 'attribute' || parent.type === 'member_expression') && parent.childForFieldName(parent.type === 'attribute' ? 'attribute' : 'property')?.id === node.id ? parent : node;
  const call = callee.parent;
  const isCall = (call?.type === 'call' || call?.type === 'call_expression') && call.childForFieldName('function')?.id === callee.id;
  return isCall ? { name: node, callee } : undefined;
}

/**
 * What a call of the project's code in another module does, for the visualiser: it blocks the thread (the steps down to
 * the blocking call), or its own work is CPU-bound and large (the CPU rules' evidence and its file); else undefined.
 */
export type ProjectOracle = ((callee: Node) => { blocks: EffectStep[] } | { cpu: CpuEffect } | { starts: ForeignFunction } | undefined) & {
  /** Frees the other files' trees parsed for the questions (call once the model is built). */
  release?: () => void;
};

/**
 * A Python function of another module that starts threads, processes or tasks: the visualiser walks it for their lanes,
 * asking `oracle` about the calls it makes (resolved from that module, as the rules resolve them).
 */
export interface ForeignFunction { fn: Node; python: PythonSemantics; file: string; oracle?: ProjectOracle }

/** Calls whose last name starts a unit of concurrency. */
const STARTERS = new Set(['Thread', 'Process', 'Timer', 'start_new_thread', 'create_task', 'ensure_future', 'submit', 'run_in_executor', 'to_thread', 'apply_async']);

/** Same-file functions looked into when asking whether a function starts units (`run()` → `self.init_processes()`). */
const MAX_STARTS_LOOKS = 12;

/**
 * Whether `fn` starts a unit itself or through the functions of its own module it calls (methods of `self`, module
 * functions, a class's `__init__`), a few levels down; what other modules do is asked again when the walk gets there.
 */
function startsUnits(fn: Node, python?: PythonSemantics, elsewhere?: (callee: Node) => boolean): boolean {
  const seen = new Set<number>();
  const queue: { fn: Node; depth: number }[] = [{ fn, depth: 0 }];
  let asked = 0;
  for (let looked = 0; queue.length && looked < MAX_STARTS_LOOKS; looked++) {
    const { fn: current, depth } = queue.shift()!;
    if (seen.has(current.id)) continue;
    seen.add(current.id);
    for (const call of current.descendantsOfType('call')) {
      const callee = call?.childForFieldName('function');
      const last = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
      if (last !== undefined && STARTERS.has(last)) return true;
      if (!python || !callee || depth >= 3) continue;
      const next = sameModuleCallee(python, callee);
      if (next && !seen.has(next.id)) queue.push({ fn: next, depth: depth + 1 });
      else if (!next && elsewhere && callee.type !== 'attribute' && ++asked <= MAX_STARTS_LOOKS && elsewhere(callee)) return true;
    }
  }
  return false;
}

/** The function of the same module a call runs: `f(...)`, `self.m(...)`, or the `__init__` of `C(...)`. */
function sameModuleCallee(python: PythonSemantics, callee: Node): Node | undefined {
  try {
    const r = python.resolve(callee);
    if (r?.kind === 'local' && r.node.type === 'function_definition') return r.node;
    if (r?.kind === 'local' && r.node.type === 'class_definition') return python.localMethod(r.node, '__init__') ?? undefined;
    if (callee.type === 'attribute' && callee.childForFieldName('object')?.text === 'self') {
      const name = callee.childForFieldName('attribute')?.text;
      let cls: Node | null = callee.parent;
      for (let steps = 0; cls && cls.type !== 'class_definition' && steps < 200; steps++) cls = cls.parent;
      return cls && name ? python.localMethod(cls, name) ?? undefined : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Large CPU-bound work, as the CPU rules find it: their evidence, and the file it is in when not the analysed one. */
export interface CpuEffect { evidence: string; file?: string }

function cpuEffect(cpu: ProjectCpu, analysed: string | undefined): CpuEffect {
  return { evidence: summary(cpu.classification), ...(cpu.path && cpu.path !== analysed ? { file: baseName(cpu.path) } : {}) };
}

function contextFor(doc: ParsedDocument, facts: TreeFacts, access: ProjectAccess): AnalysisContext | undefined {
  const tree = doc.tree;
  if (!tree || tree !== facts.tree) return undefined;
  return {
    language: doc.language, tree, root: tree.rootNode, text: doc.text, lines: doc.lines, settings: access.settings ?? defaultSettings,
    path: access.path, readFile: access.readFile,
    python: () => facts.python(), ts: () => facts.ts(),
  };
}

/** For the visualiser: what a call of the project's code (in another module) does, from the summaries and the CPU rules' classifier. */
export function projectOracle(doc: ParsedDocument, facts: TreeFacts, access: ProjectAccess): ProjectOracle | undefined {
  const context = contextFor(doc, facts, access);
  const depth = context?.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (!context || !access.readFile || depth <= 0) return undefined;
  const python = doc.language === 'python';
  const project: ProjectView = python ? pythonProject(context) : tsProject(context);
  // Asked from the analysed file, or (`from`) from another module the visualiser walks into.
  // `nested`: asks made while deciding whether another module's function starts units (bounded: files may import each other).
  const ask = (callee: Node, from?: { python: PythonSemantics; path: string }, nested = 0): ReturnType<ProjectOracle> => {
    const here = from?.path ?? access.path;
    const target = python ? pythonProjectTarget(from?.python ?? facts.python(), callee) : tsProjectTarget(facts.ts(), callee);
    const place = target && project.resolve(target, here);
    // A function of another module that starts threads or tasks: walked there, so they get their lanes here.
    const foreign = python && place && place.path && place.path !== here ? placePythonFunction(context, place) : undefined;
    const there = foreign && { python: foreign.python, path: foreign.path };
    const startsThere = (c: Node) => nested < 2 && !!there && (() => {
      const effect = ask(c, there, nested + 1);
      return !!effect && 'starts' in effect;
    })();
    if (foreign && there && startsUnits(foreign.fn, foreign.python, startsThere)) {
      const oracle: ProjectOracle = (c) => ask(c, there);
      return { starts: { fn: foreign.fn, python: foreign.python, file: baseName(foreign.path), oracle } };
    }
    const hops = place && project.chain(place, depth);
    if (hops) return { blocks: hops.map((h) => ({ shown: h.shown, where: where(h, access.path) })) };
    if (from) return undefined;
    const cpu = projectCpuClassification(context, callee);
    return cpu?.classification.scale && !cpu.async ? { cpu: cpuEffect(cpu, access.path) } : undefined;
  };
  const oracle: ProjectOracle = (callee) => ask(callee);
  oracle.release = () => releaseParsed(context);
  return oracle;
}

/** Effects of the project function hovered at `position`, when it has any worth saying; bounded like the rules' chains. */
export function functionEffectsAt(doc: ParsedDocument, facts: TreeFacts, position: Position, access: ProjectAccess): FunctionEffects | undefined {
  const tree = doc.tree;
  if (!tree || tree !== facts.tree) return undefined;
  const offset = doc.lines.offsetAt(position);
  const node = tree.rootNode.descendantForIndex(offset, offset);
  const hovered = node && hoveredFunction(node);
  if (!hovered) return undefined;
  const settings = access.settings ?? defaultSettings;
  const depth = settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (depth <= 0) return undefined;
  const context = contextFor(doc, facts, access)!;
  const python = doc.language === 'python';
  let target: CallTarget | undefined;
  if (hovered.definition) {
    const key = python ? functionKey(hovered.definition) : tsFunctionKey(hovered.definition);
    target = key ? { kind: 'local', key } : undefined;
  } else if (hovered.callee) {
    target = python ? pythonProjectTarget(facts.python(), hovered.callee) : tsProjectTarget(facts.ts(), hovered.callee);
  }
  if (!target) return undefined;
  const project: ProjectView = python ? pythonProject(context) : tsProject(context);
  const place = project.resolve(target, access.path);
  const fn = place && project.summary(place.path)?.functions[place.key];
  if (!place || !fn) return undefined;
  // An async function's own blocking calls are the direct rule's findings inside it; a hover on it adds nothing.
  const hops: Hop[] | undefined = fn.async ? undefined : project.chain(place, depth);
  const cpu = placeCpuClassification(context, place);
  // Only work the code shows to be large, and that holds its thread throughout (an awaiting coroutine lets others run).
  const heavy = cpu?.classification.scale && !cpu.classification.suspends ? cpu : undefined;
  if (!hops && !heavy) return undefined;
  return {
    name: hovered.name.text,
    range: rangeOf(hovered.name),
    async: fn.async,
    ...(hops ? { blocks: hops.map((h) => ({ shown: h.shown, where: where(h, access.path) })) } : {}),
    ...(heavy ? { cpu: cpuEffect(heavy, access.path) } : {}),
  };
}
