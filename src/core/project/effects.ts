// What a hover says about one of the project's own functions: whether calling it blocks the thread (and through
// which calls), from the same summaries the rules follow, and whether its own work is CPU-bound, as the CPU rules find.
import type { Node } from 'web-tree-sitter';
import type { TreeFacts } from '../analyze';
import type { ParsedDocument } from '../document';
import type { RuleContext } from '../rules/rule';
import { rangeOf } from '../text';
import { defaultSettings, type AnalysisSettings, type Position, type Range } from '../types';
import { pythonProject } from './followPython';
import { projectTarget as tsProjectTarget, tsFunctionKey, tsProject } from './followTs';
import { summary } from '../rules/cpu-bound-in-thread';
import { placeCpuClassification, placePythonFunction, projectCpuClassification, releaseParsed, type ProjectCpu } from './cpuAcross';
import type { PythonSemantics } from '../python/semantics';
import { baseName, DEFAULT_FOLLOW_DEPTH, where, type CallTarget, type Hop, type ProjectView } from './project';
import { functionKey, projectTarget as pythonProjectTarget } from './pythonSummary';

export interface ProjectAccess {
  path?: string;
  readFile?: (path: string) => string | undefined;
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

/** A Python function of another module that starts threads, processes or tasks: the visualiser walks it for their lanes. */
export interface ForeignFunction { fn: Node; python: PythonSemantics; file: string }

/** Calls whose last name starts a unit of concurrency. */
const STARTERS = new Set(['Thread', 'Process', 'Timer', 'start_new_thread', 'create_task', 'ensure_future', 'submit', 'run_in_executor', 'to_thread', 'apply_async']);

function startsUnits(fn: Node): boolean {
  return fn.descendantsOfType('call').some((call) => {
    const callee = call?.childForFieldName('function');
    const last = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee?.text;
    return last !== undefined && STARTERS.has(last);
  });
}

/** Large CPU-bound work, as the CPU rules find it: their evidence, and the file it is in when not the analysed one. */
export interface CpuEffect { evidence: string; file?: string }

function cpuEffect(cpu: ProjectCpu, analysed: string | undefined): CpuEffect {
  return { evidence: summary(cpu.classification), ...(cpu.path && cpu.path !== analysed ? { file: baseName(cpu.path) } : {}) };
}

function contextFor(doc: ParsedDocument, facts: TreeFacts, access: ProjectAccess): RuleContext | undefined {
  const tree = doc.tree;
  if (!tree || tree !== facts.tree) return undefined;
  return {
    language: doc.language, tree, root: tree.rootNode, text: doc.text, lines: doc.lines, settings: access.settings ?? defaultSettings,
    path: access.path, readFile: access.readFile,
    python: () => facts.python(), ts: () => facts.ts(),
    report: () => undefined,
  };
}

/** For the visualiser: what a call of the project's code (in another module) does, from the summaries and the CPU rules' classifier. */
export function projectOracle(doc: ParsedDocument, facts: TreeFacts, access: ProjectAccess): ProjectOracle | undefined {
  const context = contextFor(doc, facts, access);
  const depth = context?.settings.followCallsMaxDepth ?? DEFAULT_FOLLOW_DEPTH;
  if (!context || !access.readFile || depth <= 0) return undefined;
  const python = doc.language === 'python';
  const project: ProjectView = python ? pythonProject(context) : tsProject(context);
  const oracle: ProjectOracle = (callee) => {
    const target = python ? pythonProjectTarget(facts.python(), callee) : tsProjectTarget(facts.ts(), callee);
    const place = target && project.resolve(target, access.path);
    // A function of another module that starts threads or tasks: walked there, so they get their lanes here.
    const foreign = python && place && place.path && place.path !== access.path ? placePythonFunction(context, place) : undefined;
    if (foreign && startsUnits(foreign.fn)) return { starts: { fn: foreign.fn, python: foreign.python, file: baseName(foreign.path) } };
    const hops = place && project.chain(place, depth);
    if (hops) return { blocks: hops.map((h) => ({ shown: h.shown, where: where(h, access.path) })) };
    const cpu = projectCpuClassification(context, callee);
    return cpu?.classification.scale && !cpu.async ? { cpu: cpuEffect(cpu, access.path) } : undefined;
  };
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
