// Arrivals: what N requests (or messages) of one handler cost in latency, as written and with the diagnostic's fix.
// The fix is applied to the model the way the quick fixes change the code: a blocking call on an event loop becomes an
// awaited one (asyncio.to_thread / the promise API: the loop runs others meanwhile), CPU work that holds the loop goes
// to a pool of processes (Python) or the libuv thread pool (Node's async crypto).
import { DEFAULT_IO_MS, DEFAULT_SLEEP_MS, POOL_KINDS, type ExecutionModel, type SimOptions, type Step, type Timeline, type Unit } from './model';
import { simulate } from './simulate';

export interface ArrivalReport {
  count: number;
  /** ms between arrivals; 0: all at once. */
  spacingMs: number;
  /** "request" or "message". */
  noun: string;
  /** When the last arrival's handler finishes (from the first arrival). */
  lastMs: number;
  /** The longest any one arrival takes, from its arrival to its end. */
  slowestMs: number;
  /** The same with the fix applied, when the model has something to fix. */
  fixed?: { lastMs: number; slowestMs: number; fix: string };
  /** One sentence, with the numbers: "10 requests at once: the last finishes at 1.0 s; with the fix: 100 ms." */
  text: string;
}

/** Node's libuv thread pool (UV_THREADPOOL_SIZE default): where async crypto and fs run. */
export const LIBUV_POOL_SIZE = 4;

export function fmtDuration(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  return `${Math.round(ms)} ms`;
}

function loopMember(u: Unit, language: 'python' | 'ts'): boolean {
  return language === 'python' ? u.kind === 'asyncio-task' : u.kind === 'js-main' || u.kind === 'js-async' || u.kind === 'timer' || u.kind === 'microtask';
}

/** A step the fix changes: it holds an event loop (flagged by a rule, or a call known to block or to hold the thread). */
function fixable(s: Step): boolean {
  return s.kind === 'blocking' || s.kind === 'sleep' || (s.kind === 'io' && !!s.diagnosticCode) || (s.kind === 'cpu' && (!!s.stalls || !!s.diagnosticCode));
}

function waitMs(s: Step, cpuUnitMs: number): number {
  if (s.duration !== undefined) return s.duration;
  if (s.kind === 'cpu') return (s.weight ?? 1) * cpuUnitMs;
  return s.kind === 'sleep' ? DEFAULT_SLEEP_MS : DEFAULT_IO_MS;
}

/**
 * The model with the fix applied to every step that holds an event loop; undefined when nothing does. CPU work moves
 * to a pool (processes for Python, libuv's threads for Node) the loop awaits; waits become awaits of the same length.
 */
export function withFix(model: ExecutionModel, opts: Partial<SimOptions> = {}): { model: ExecutionModel; fix: string } | undefined {
  // A worker's waits are what it is for: the rules offer no fix there.
  if (model.worker) return undefined;
  const cpuUnitMs = opts.cpuUnitMs ?? 10;
  const python = model.language === 'python';
  const extra: Unit[] = [];
  let poolId: string | undefined;
  const fixes = new Set<string>();
  let changed = false;
  const units = model.units.map((u): Unit => {
    if (!loopMember(u, model.language) || !u.steps.some(fixable)) return u;
    const steps: Step[] = [];
    for (const s of u.steps) {
      if (!fixable(s)) {
        steps.push(s);
        continue;
      }
      changed = true;
      const ms = waitMs(s, cpuUnitMs);
      if (s.kind === 'cpu') {
        if (!poolId) {
          poolId = '__fix_pool';
          extra.push({
            id: poolId, kind: python ? 'process-pool' : 'thread-pool', steps: [],
            label: python ? 'ProcessPoolExecutor()' : `libuv thread pool (${LIBUV_POOL_SIZE})`,
            ...(python ? {} : { maxWorkers: LIBUV_POOL_SIZE, runtime: true }),
          });
        }
        const id = `__fix_${extra.length}`;
        extra.push({ id, kind: python ? 'process' : 'worker', label: `${u.label}: ${s.label}`, parent: poolId, steps: [{ ...s, kind: 'cpu', stalls: undefined, diagnosticCode: undefined }], ...(s.range ? { range: s.range } : {}) });
        steps.push({ kind: 'spawn', target: id, label: python ? `loop.run_in_executor(pool, …)` : `${s.label} → async form`, ...(s.range ? { range: s.range } : {}) });
        steps.push({ kind: 'await', target: id, label: python ? `await loop.run_in_executor(pool, ${s.label})` : `await ${s.label.replace(/Sync\b/, '')}`, ...(s.range ? { range: s.range } : {}) });
        fixes.add(python ? 'CPU work in a process pool' : 'the async form, in the libuv thread pool');
      } else {
        const sleeping = s.kind === 'sleep';
        const label = python ? (sleeping ? `await asyncio.sleep(…)` : `await asyncio.to_thread(${s.label})`) : sleeping ? 'await a timer' : `await the async form of ${s.label}`;
        steps.push({ kind: 'await', duration: ms, label, ...(s.range ? { range: s.range } : {}) });
        fixes.add(python ? (sleeping ? 'await asyncio.sleep()' : 'await asyncio.to_thread()') : sleeping ? 'an awaited timer' : 'the async form');
      }
    }
    return { ...u, steps };
  });
  if (!changed) return undefined;
  return { model: { language: model.language, units: [...units, ...extra], notes: [] }, fix: [...fixes].join(' and ') };
}

/**
 * The units `from` sets off, each once, transitively (an async function it calls, a task it makes, what those start):
 * the work of one arrival is all of it, not only its own lane. A pool is a container, not work: its tasks are.
 */
export function startedBy(from: readonly Unit[], model: ExecutionModel): Unit[] {
  const byId = new Map(model.units.map((u) => [u.id, u]));
  const seen = new Set(from.map((u) => u.id));
  const out: Unit[] = [];
  const queue = [...from];
  // Each unit joins the queue once: bounded by the model's units.
  for (let unit = queue.shift(); unit; unit = queue.shift()) {
    for (const s of unit.steps) {
      const child = s.kind === 'spawn' && s.target ? byId.get(s.target) : undefined;
      if (!child || seen.has(child.id) || POOL_KINDS.includes(child.kind)) continue;
      seen.add(child.id);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** When the last arrival's work ends (its lane and the lanes of what it set off), and the longest any one takes. */
function arrivalEnds(model: ExecutionModel, timeline: Timeline): { lastMs: number; slowestMs: number } {
  const ends = new Map<string, number>();
  for (const lane of timeline.lanes) if (lane.spans.length) ends.set(lane.unitId, Math.max(...lane.spans.map((s) => s.end)));
  let lastMs = 0;
  let slowestMs = 0;
  for (const u of model.units) {
    if (!u.arrival) continue;
    const lanes = [u, ...startedBy([u], model)].flatMap((c) => (ends.has(c.id) ? [ends.get(c.id)!] : []));
    if (!lanes.length) continue;
    const end = Math.max(...lanes);
    lastMs = Math.max(lastMs, end);
    slowestMs = Math.max(slowestMs, end - u.arrival.atMs);
  }
  return { lastMs, slowestMs };
}

/** The latency of a model's arrivals, as written and with the fix; undefined when the model has no arrivals. */
export function arrivalReport(model: ExecutionModel, timeline: Timeline, noun: string, opts: Partial<SimOptions> = {}): ArrivalReport | undefined {
  const arrivals = model.units.filter((u) => u.arrival);
  if (!arrivals.length) return undefined;
  const spacingMs = arrivals.length > 1 ? arrivals[1].arrival!.atMs - arrivals[0].arrival!.atMs : 0;
  const { lastMs, slowestMs } = arrivalEnds(model, timeline);
  const fixedModel = withFix(model, opts);
  let fixed: ArrivalReport['fixed'];
  if (fixedModel) {
    const tl = simulate(fixedModel.model, opts);
    fixed = { ...arrivalEnds(fixedModel.model, tl), fix: fixedModel.fix };
  }
  const n = arrivals.length;
  const head = `${n} ${noun}${n === 1 ? '' : 's'}${n > 1 ? (spacingMs > 0 ? `, one every ${fmtDuration(spacingMs)}` : ' at once') : ''}`;
  let text = `${head}: the last finishes at ${fmtDuration(lastMs)}`;
  if (n > 1 && spacingMs > 0) text += ` (the slowest takes ${fmtDuration(slowestMs)})`;
  if (fixed) {
    text += `; with the fix (${fixed.fix}): ${fmtDuration(fixed.lastMs)}`;
    if (n > 1 && spacingMs > 0) text += ` (slowest ${fmtDuration(fixed.slowestMs)})`;
  }
  return { count: n, spacingMs, noun, lastMs, slowestMs, ...(fixed ? { fixed } : {}), text: `${text}.` };
}
