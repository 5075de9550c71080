// Deterministic discrete-event simulation of an ExecutionModel on a virtual clock.
// At each decision point: run instant steps (spawn, release, ...), hand out the GIL(s) and
// the cores, then jump to the next event (a CPU step ends, a wait ends, a GIL switch interval
// expires, a timer falls due). Only what changed is revisited (dirty sets + a timer heap), so a
// decision point costs O(changes · log n), not O(units). Bounded: caps → truncated, never hangs.
import type { Range } from '../types';
import {
  DEFAULT_IO_MS,
  DEFAULT_SLEEP_MS,
  type ExecutionModel,
  type Lane,
  POOL_KINDS,
  type SimEvent,
  type SimEventKind,
  type SimOptions,
  type Span,
  type SpanState,
  type Step,
  type Timeline,
  type Unit,
  defaultSimOptions,
} from './model';

export interface SimLimits {
  /** Decision points (default 200k). */
  maxIterations: number;
  /** Units revisited over the whole run (default 4M): bounds the CPU time spent. */
  maxWork: number;
  /** Virtual time (default one hour). */
  maxTimeMs: number;
}

const defaultLimits: SimLimits = { maxIterations: 200_000, maxWork: 4_000_000, maxTimeMs: 3_600_000 };
const EPS = 1e-9;

type Wait =
  | { kind: 'timed'; until: number; vis: SpanState }
  | { kind: 'unit'; target: RU; vis: SpanState }
  | { kind: 'lock'; lock: string }
  | { kind: 'slot' } // a pool task waiting for a free worker
  | { kind: 'exit' } // the main thread waiting at exit for non-daemon threads
  | { kind: 'call'; callee: RU }; // JS: a caller while its async callee runs synchronously

interface Domain {
  holder: Part | null;
  queue: Deque<{ p: Part; tok: number }>;
  waiting: number; // valid entries in queue
  dropAt: number | null;
  lastHolder: Part | null;
  dirty: boolean;
}

interface Pool {
  unit: Unit;
  max: number;
  running: number;
  queue: RU[];
}

/** Something that competes for the GIL and a core: a thread-like unit, or an event loop. */
interface PartBase {
  seq: number;
  domain: Domain | null;
  wantSince: number;
  onCore: boolean;
  inGilQ: boolean;
  gilTok: number;
  inCoreQ: boolean;
  coreTok: number;
  dirtyP: boolean;
}

interface RU extends PartBase {
  isLoop: false;
  u: Unit;
  lane: Lane | null;
  status: 'pending' | 'active' | 'done';
  pc: number;
  remaining: number; // ms left of the current CPU step, -1 when not on one
  wait: Wait | null;
  loop: Loop | null; // event-loop member (asyncio task, JS callback) vs own thread
  pool: Pool | null;
  caller: RU | null; // JS: the synchronous caller to resume at the first await
  readyAt: number; // loop members queued to run count as 'ready' from this time
  queued: boolean;
  spawner: RU | null;
  vis: SpanState | null;
  visSince: number;
  visStep: number;
  dirtyV: boolean;
}

interface MacroItem {
  due: number;
  seq: number;
  ru: RU;
}

interface Loop extends PartBase {
  isLoop: true;
  js: boolean;
  current: RU | null;
  ready: Deque<RU>; // asyncio ready queue (FIFO)
  nextTicks: Deque<RU>;
  micro: Deque<RU>;
  macro: MacroItem[]; // sorted by (due, seq)
  lastRun: RU | null;
  draining: boolean;
}

type Part = RU | Loop;

type TimerEntry =
  | { time: number; seq: number; kind: 'timed'; r: RU; w: Wait }
  | { time: number; seq: number; kind: 'ready'; r: RU }
  | { time: number; seq: number; kind: 'drop'; d: Domain };

export function simulate(
  model: ExecutionModel,
  opts: Partial<SimOptions> = {},
  limitsIn: Partial<SimLimits> = {},
): Timeline {
  const o: SimOptions = { ...defaultSimOptions, ...opts };
  const cores = Math.max(1, Math.floor(o.cores) || 1);
  const switchMs = Math.max(0.1, o.switchIntervalMs);
  const limits = { ...defaultLimits, ...limitsIn };
  const python = model.language === 'python';
  const gilOn = python && !o.freeThreaded;

  let t = 0;
  let seq = 0;
  const events: SimEvent[] = [];
  const notes: string[] = [];
  const lanes: Lane[] = [];
  const byId = new Map<string, RU>();
  const pools = new Map<string, Pool>();
  const rus: RU[] = [];
  const active: RU[] = [];
  const loops: Loop[] = [];
  const loopByKey = new Map<string, Loop>();
  const locks = new Map<string, { holder: RU | null; queue: RU[] }>();
  const waiters = new Map<RU, RU[]>();
  const triggers = new Map<string, RU[]>();
  const worklist = new Deque<RU>();
  const timers = new Heap<TimerEntry>((a, b) => a.time - b.time || a.seq - b.seq);
  const coreQ = new Heap<{ p: Part; tok: number; since: number }>((a, b) => a.since - b.since || a.p.seq - b.p.seq);
  const onCore: Part[] = [];
  // Dirty lists are double-buffered to avoid garbage per decision point.
  let dirtyParts: Part[] = [];
  let dirtyParts2: Part[] = [];
  let dirtyVis: RU[] = [];
  let dirtyVis2: RU[] = [];
  let dirtyDomains: Domain[] = [];
  let dirtyDomains2: Domain[] = [];
  const doneBuf: RU[] = [];
  let activeCount = 0;
  let aliveThreads = 0; // active, non-daemon, not on an event loop
  let timedLoopWaits = 0; // loop members in a timed await (pending I/O keeps Node alive)
  let finished = false;
  let truncated = false;

  const mainDomain = gilOn ? newDomain() : null;

  function newDomain(): Domain {
    return { holder: null, queue: new Deque(), waiting: 0, dropAt: null, lastHolder: null, dirty: false };
  }

  function emit(kind: SimEventKind, unitId: string, detail: string, range?: Range): void {
    const e: SimEvent = { at: t, kind, unitId, detail };
    if (range) e.range = range;
    events.push(e);
  }


  // ---- setup ----
  for (const u of model.units) {
    if (byId.has(u.id)) {
      notes.push(`Duplicate unit id '${u.id}': the second one is ignored.`);
      continue;
    }
    if (POOL_KINDS.includes(u.kind)) {
      const max = u.maxWorkers && u.maxWorkers > 0
        ? Math.floor(u.maxWorkers)
        : u.kind === 'thread-pool' ? Math.min(32, cores + 4) : cores;
      pools.set(u.id, { unit: u, max, running: 0, queue: [] });
    }
    // Literal objects with every field up front: one hidden class, fast property access.
    const ru: RU = {
      seq: seq++, domain: null, wantSince: 0, onCore: false, inGilQ: false, gilTok: 0,
      inCoreQ: false, coreTok: 0, dirtyP: false, isLoop: false, u, lane: null, status: 'pending', pc: 0, remaining: -1, wait: null,
      loop: null, pool: null, caller: null, readyAt: 0, queued: false, spawner: null,
      vis: null, visSince: 0, visStep: -1, dirtyV: false,
    };
    byId.set(u.id, ru);
    rus.push(ru);
  }
  const spawned = new Set<string>();
  for (const ru of rus) {
    for (const s of ru.u.steps) if (s.kind === 'spawn' && s.target) spawned.add(s.target);
    if (pools.has(ru.u.id)) continue; // a pool is a container, drawn through its tasks
    const lane: Lane = { unitId: ru.u.id, label: ru.u.label, kind: ru.u.kind, spans: [] };
    if (ru.u.parent) lane.parent = ru.u.parent;
    ru.lane = lane;
    lanes.push(lane);
    ru.pool = ru.u.parent ? pools.get(ru.u.parent) ?? null : null;
    const sa = ru.u.startsAt;
    if (sa && sa !== 'program-start') {
      const key = `${sa.afterStepOf}#${sa.stepIndex}`;
      const list = triggers.get(key) ?? [];
      list.push(ru);
      triggers.set(key, list);
    }
  }

  const jsMain = python ? undefined : rus.find((r) => r.u.kind === 'js-main');
  const pyMain = python ? rus.find((r) => r.u.kind === 'main-thread') : undefined;

  // The main unit starts first so the JS script owns the stack before anything queues.
  const initial = rus.filter((r) => {
    if (pools.has(r.u.id)) return false;
    const sa = r.u.startsAt;
    if (sa === 'program-start') return true;
    return !sa && !spawned.has(r.u.id);
  });
  const rank = (r: RU): number => (r === jsMain || r === pyMain ? 0 : 1);
  initial.sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
  for (const r of initial) start(r, null);

  // ---- bookkeeping ----
  function touch(r: RU): void {
    if (!r.dirtyV) {
      r.dirtyV = true;
      dirtyVis.push(r);
    }
    touchPart(r.loop ?? r);
  }

  function touchPart(p: Part): void {
    if (!p.dirtyP) {
      p.dirtyP = true;
      dirtyParts.push(p);
    }
  }

  function touchRunner(p: Part): void {
    const r = p.isLoop ? p.current : p;
    if (r && !r.dirtyV) {
      r.dirtyV = true;
      dirtyVis.push(r);
    }
  }

  function touchDomain(d: Domain): void {
    if (!d.dirty) {
      d.dirty = true;
      dirtyDomains.push(d);
    }
  }

  function setCurrent(loop: Loop, r: RU | null): void {
    if (loop.current) touch(loop.current);
    loop.current = r;
    if (r) touch(r);
    touchPart(loop);
  }

  function isJsKind(u: Unit): boolean {
    return u.kind === 'js-main' || u.kind === 'js-async' || u.kind === 'timer' || u.kind === 'microtask';
  }

  function getLoop(key: string, js: boolean, domain: Domain | null): Loop {
    let l = loopByKey.get(key);
    if (!l) {
      l = {
        seq: seq++, domain, wantSince: 0, onCore: false, inGilQ: false, gilTok: 0,
        inCoreQ: false, coreTok: 0, dirtyP: false, isLoop: true, js, current: null, ready: new Deque(), nextTicks: new Deque(),
        micro: new Deque(), macro: [], lastRun: null, draining: false,
      };
      loopByKey.set(key, l);
      loops.push(l);
    }
    return l;
  }

  function threadDomain(r: RU, spawner: RU | null): Domain | null {
    if (!gilOn) return null;
    const k = r.pool ? r.pool.unit.kind : r.u.kind;
    if (k === 'process' || k === 'process-pool' || k === 'interpreter-pool' || k === 'child-process') {
      return newDomain(); // its own interpreter, its own GIL
    }
    if (r.u.kind === 'worker') return null;
    if (spawner) return spawner.loop ? spawner.loop.domain : spawner.domain;
    return mainDomain;
  }

  function cpuMs(s: Step): number {
    if (s.duration !== undefined && s.duration >= 0) return s.duration;
    const w = s.weight !== undefined && s.weight >= 0 ? s.weight : 1;
    return w * o.cpuUnitMs;
  }

  function waitMs(s: Step): number {
    if (s.duration !== undefined && s.duration >= 0) return s.duration;
    return s.kind === 'sleep' ? DEFAULT_SLEEP_MS : DEFAULT_IO_MS;
  }

  function advancePc(r: RU): void {
    if (triggers.size) {
      const list = triggers.get(`${r.u.id}#${r.pc}`);
      if (list) for (const x of list) start(x, r);
    }
    r.pc++;
  }

  function activate(r: RU): void {
    if (r.status !== 'pending') return;
    r.status = 'active';
    active.push(r);
    activeCount++;
    if (!r.loop && !r.u.daemon) aliveThreads++;
    touch(r);
  }

  function deactivate(r: RU): void {
    if (r.status !== 'active') return;
    r.status = 'done';
    activeCount--;
    if (!r.loop && !r.u.daemon) aliveThreads--;
    if (r.wait?.kind === 'timed' && r.loop) timedLoopWaits--;
    r.remaining = -1;
    touch(r);
    setVis(r, null, -1);
  }

  /** Starts a unit (spawn, trigger or program start). sync: a JS call from the running code. */
  function start(r: RU, spawner: RU | null, sync = false): void {
    if (r.status !== 'pending' || r.queued || !r.lane) return;
    r.spawner = spawner;
    const u = r.u;
    if (spawner) emit('spawn', u.id, `${spawner.u.label} starts ${u.label}`, spawner.u.steps[spawner.pc]?.range);
    if (r.pool && r.pool.running >= r.pool.max) {
      r.wait = { kind: 'slot' };
      r.pool.queue.push(r);
      activate(r);
      return;
    }
    if (r.pool) r.pool.running++;
    if (!python && isJsKind(u)) {
      const loop = getLoop('js', true, null);
      r.loop = loop;
      if (u.kind === 'timer') return pushMacro(loop, r, t + Math.max(0, u.delayMs ?? 0));
      if (u.kind === 'microtask') return queueMicro(loop, r, !!u.nextTick);
      if (u.kind === 'js-async' && sync && spawner && loop.current === spawner) {
        // Calling an async function runs it synchronously until its first suspending await.
        activate(r);
        r.caller = spawner;
        spawner.wait = { kind: 'call', callee: r };
        setCurrent(loop, r);
        worklist.push(r);
        return;
      }
      if (r === jsMain && loop.current === null) {
        activate(r);
        setCurrent(loop, r);
        worklist.push(r);
        return;
      }
      return pushMacro(loop, r, t);
    }
    if (u.kind === 'asyncio-task') {
      let loop: Loop;
      // Scheduled from another thread: it runs on the program's loop (the first one), not on one of its own.
      if (u.onMainLoop) loop = loops.find((l) => !l.js) ?? getLoop('asyncio:program', false, mainDomain);
      else if (spawner?.loop) loop = spawner.loop;
      else if (spawner) loop = getLoop(`asyncio:${spawner.u.id}`, false, spawner.domain);
      else loop = getLoop('asyncio:program', false, mainDomain);
      r.loop = loop;
      activate(r);
      enqueueReady(loop, r);
      return;
    }
    r.domain = threadDomain(r, spawner);
    activate(r);
    worklist.push(r);
  }

  function enqueueReady(loop: Loop, r: RU): void {
    r.queued = true;
    r.readyAt = t;
    loop.ready.push(r);
    touch(r);
  }

  function queueMicro(loop: Loop, r: RU, nextTick: boolean): void {
    activate(r);
    r.queued = true;
    r.readyAt = t;
    (nextTick ? loop.nextTicks : loop.micro).push(r);
    touch(r);
  }

  function pushMacro(loop: Loop, r: RU, due: number): void {
    activate(r);
    r.queued = true;
    r.readyAt = due;
    touch(r);
    const item: MacroItem = { due, seq: seq++, ru: r };
    const m = loop.macro;
    let i = m.length; // sorted insert from the back: most items arrive in due order
    while (i > 0 && (m[i - 1].due > due || (m[i - 1].due === due && m[i - 1].seq > item.seq))) i--;
    m.splice(i, 0, item);
    if (due > t) timers.push({ time: due, seq: seq++, kind: 'ready', r });
  }

  function setTimed(r: RU, ms: number, vis: SpanState): void {
    const w: Wait = { kind: 'timed', until: t + ms, vis };
    r.wait = w;
    if (r.loop) timedLoopWaits++;
    timers.push({ time: w.until, seq: seq++, kind: 'timed', r, w });
  }

  function wake(r: RU, via: 'micro' | 'macro'): void {
    if (r.wait?.kind === 'timed' && r.loop) timedLoopWaits--;
    r.wait = null;
    advancePc(r);
    touch(r);
    const loop = r.loop;
    if (!loop || loop.current === r) worklist.push(r); // a thread, or a task that held the loop
    else if (!loop.js) enqueueReady(loop, r);
    else if (via === 'micro') queueMicro(loop, r, false);
    else pushMacro(loop, r, t);
  }

  /** The loop member r stops running (awaits, finishes): its synchronous caller resumes, if any. */
  function leaveLoop(r: RU): void {
    const loop = r.loop!;
    if (loop.current !== r) return;
    const c = r.caller;
    if (c) {
      r.caller = null;
      c.wait = null;
      advancePc(c);
      setCurrent(loop, c);
      worklist.push(c);
    } else setCurrent(loop, null);
  }

  function finish(r: RU): void {
    deactivate(r);
    if (r.loop) leaveLoop(r);
    // A process ends when its main thread does: the daemon threads it started die with it.
    if (r.u.kind === 'process') {
      for (const x of active) {
        if (x.status !== 'active' || x.spawner !== r || x.loop || !x.u.daemon) continue;
        emit('daemon-killed', x.u.id, `${x.u.label} is killed: it is a daemon and ${r.u.label} ended`, x.u.steps[x.pc]?.range);
        finish(x);
      }
    }
    if (r.pool) {
      r.pool.running--;
      const next = r.pool.queue.shift();
      if (next) {
        next.wait = null;
        r.pool.running++;
        next.domain = threadDomain(next, next.spawner);
        touch(next);
        worklist.push(next);
      }
    }
    const ws = waiters.get(r);
    if (ws) {
      waiters.delete(r);
      for (const w of ws) {
        if (w.status !== 'active') continue;
        emit('join', w.u.id, `${w.u.label} resumes: ${r.u.label} finished`);
        wake(w, w.loop !== null && w.loop === r.loop ? 'micro' : 'macro');
      }
    }
    if (pyMain && pyMain.wait?.kind === 'exit') checkExit();
  }

  function waitOn(r: RU, target: RU, vis: SpanState): void {
    r.wait = { kind: 'unit', target, vis };
    const ws = waiters.get(target);
    if (ws) ws.push(r);
    else waiters.set(target, [r]);
  }

  /** Python: when the main thread's code ends, non-daemon threads/processes keep the program alive. */
  function checkExit(): void {
    if (!pyMain) return;
    if (aliveThreads > 1) {
      pyMain.wait = { kind: 'exit' };
      touch(pyMain);
      return;
    }
    pyMain.wait = null;
    finish(pyMain);
    endProgram('the main thread ended');
  }

  function endProgram(why: string): void {
    finished = true;
    for (const x of active) {
      if (x.status !== 'active') continue;
      if (!x.loop && x.u.daemon) {
        emit('daemon-killed', x.u.id, `${x.u.label} is killed: it is a daemon and ${why}`, x.u.steps[x.pc]?.range);
      } else if (x.vis !== null) {
        notes.push(`${x.u.label} never finished: ${why} first.`);
      }
      deactivate(x);
    }
  }

  // ---- instant steps ----
  function proceed(r: RU): void {
    if (r.status !== 'active' || r.wait || r.remaining > 0) return;
    const loop = r.loop;
    if (loop && loop.current !== r) return;
    touch(r);
    for (;;) {
      const s = r.u.steps[r.pc];
      if (!s) {
        if (r === pyMain) checkExit();
        else finish(r);
        return;
      }
      switch (s.kind) {
        case 'cpu': {
          const ms = cpuMs(s);
          if (ms <= 0) {
            advancePc(r);
            continue;
          }
          r.remaining = ms;
          r.wantSince = t;
          if (loop) loop.wantSince = t;
          if (loop && (s.stalls || s.diagnosticCode)) stall(r, s); // one call that holds the loop's thread
          return;
        }
        case 'io':
        case 'blocking':
        case 'sleep':
          setTimed(r, waitMs(s), s.kind === 'sleep' ? 'sleeping' : 'blocked-io');
          if (loop) stall(r, s); // a blocking call on an event loop holds the loop
          return;
        case 'await': {
          const target = s.target ? byId.get(s.target) : undefined;
          if (s.target && !target) notes.push(`${r.u.label} awaits unknown unit '${s.target}'.`);
          if (!loop) {
            // An await outside an event loop (a thread blocking on a future): a plain wait.
            if (target && target.status !== 'done') waitOn(r, target, 'joined');
            else if (s.duration !== undefined) setTimed(r, waitMs(s), 'blocked-io');
            else {
              advancePc(r);
              continue;
            }
            return;
          }
          if (target && target.status !== 'done') {
            waitOn(r, target, 'awaiting');
          } else if (!target && s.duration !== undefined) {
            setTimed(r, waitMs(s), 'awaiting');
          } else if (loop.js) {
            advancePc(r); // awaiting a settled value still resumes in a microtask
            leaveLoop(r);
            queueMicro(loop, r, false);
            return;
          } else if (target) {
            advancePc(r); // asyncio: awaiting a finished task does not suspend
            continue;
          } else {
            advancePc(r); // asyncio.sleep(0): yield once
            leaveLoop(r);
            enqueueReady(loop, r);
            return;
          }
          leaveLoop(r);
          return;
        }
        case 'join': {
          const target = s.target ? byId.get(s.target) : undefined;
          if (!target) {
            if (s.target) notes.push(`${r.u.label} joins unknown unit '${s.target}'.`);
            advancePc(r);
            continue;
          }
          if (target.status === 'done') {
            emit('join', r.u.id, `${r.u.label} joins ${target.u.label} (already finished)`, s.range);
            advancePc(r);
            continue;
          }
          waitOn(r, target, 'joined');
          if (loop) stall(r, s);
          return;
        }
        case 'acquire': {
          const name = s.target ?? '(lock)';
          let lk = locks.get(name);
          if (!lk) locks.set(name, (lk = { holder: null, queue: [] }));
          if (lk.holder === null) {
            lk.holder = r;
            advancePc(r);
            continue;
          }
          lk.queue.push(r);
          r.wait = { kind: 'lock', lock: name };
          if (loop) leaveLoop(r); // asyncio.Lock / a JS mutex: the loop runs others meanwhile
          return;
        }
        case 'release': {
          const lk = locks.get(s.target ?? '(lock)');
          if (lk && lk.holder === r) {
            const next = lk.queue.shift() ?? null;
            lk.holder = next;
            if (next) wake(next, 'micro');
          }
          advancePc(r);
          continue;
        }
        case 'spawn': {
          const target = s.target ? byId.get(s.target) : undefined;
          if (!target) {
            if (s.target) notes.push(`${r.u.label} starts unknown unit '${s.target}'.`);
            advancePc(r);
            continue;
          }
          start(target, r, true);
          if ((r.wait as Wait | null)?.kind === 'call') return; // the callee runs first
          advancePc(r);
          continue;
        }
      }
    }
  }

  function stall(r: RU, s: Step): void {
    const others = r.loop!.js ? 'no other callback or timer can run' : 'no other task on the loop can run';
    emit('stall', r.u.id, model.worker
      ? `${s.label} blocks this worker's event loop: its other callbacks wait until it returns (the app's main thread runs on)`
      : `${s.label} blocks the event loop: ${others} until it returns`, s.range);
  }

  /** An idle loop picks what runs next. */
  function pick(loop: Loop): boolean {
    let r: RU | undefined;
    if (!loop.js) {
      r = loop.ready.shift();
    } else if (loop.nextTicks.length || loop.micro.length) {
      if (!loop.draining) {
        loop.draining = true;
        const n = loop.nextTicks.length + loop.micro.length;
        emit('microtask-drain', (loop.nextTicks.peek() ?? loop.micro.peek())!.u.id,
          `the stack is empty: drain ${n} queued microtask${n === 1 ? '' : 's'} (process.nextTick first)`);
      }
      r = loop.nextTicks.shift() ?? loop.micro.shift();
    } else if (loop.macro.length && loop.macro[0].due <= t + EPS) {
      loop.draining = false;
      r = loop.macro.shift()!.ru;
      if (r.u.kind === 'timer' && r.pc === 0) {
        const late = t - r.readyAt;
        if (r.u.arrival) emit('timer-fired', r.u.id, `${r.u.label} starts` + (late > EPS ? ` ${fmt(late)} ms after it arrived: the loop was busy` : ' as it arrives'));
        else emit('timer-fired', r.u.id, `${r.u.label} fires` + (late > EPS ? ` ${fmt(late)} ms late: the loop was busy` : ''));
      }
    }
    if (!r) return false;
    r.queued = false;
    const prev = loop.lastRun;
    if (!loop.js && prev && prev !== r) {
      emit('task-switch', r.u.id, `${r.u.label} runs` + (prev.status === 'active' ? `; ${prev.u.label} is suspended` : ''));
    }
    loop.lastRun = r;
    setCurrent(loop, r);
    worklist.push(r);
    return true;
  }

  function settle(): void {
    for (;;) {
      let r: RU | undefined;
      while ((r = worklist.shift())) proceed(r);
      let picked = false;
      for (const loop of loops) if (loop.current === null && pick(loop)) picked = true;
      if (!picked && !worklist.length) break;
    }
    if (finished) return;
    if (jsMain) {
      const js = loopByKey.get('js');
      const busy = js && (js.current || js.nextTicks.length || js.micro.length || js.macro.length);
      if (!busy && timedLoopWaits === 0 && aliveThreads === 0) endProgram('the event loop has nothing left to do');
    } else if (!pyMain && activeCount === 0) finished = true;
  }

  // ---- GIL and cores ----
  function wants(p: Part): boolean {
    if (p.isLoop) {
      const c = p.current;
      return c !== null && c.wait === null && c.remaining > 0;
    }
    return p.status === 'active' && p.loop === null && p.wait === null && p.remaining > 0;
  }

  function offCore(p: Part): void {
    if (!p.onCore) return;
    p.onCore = false;
    onCore.splice(onCore.indexOf(p), 1);
    touchRunner(p);
  }

  function toCoreQ(p: Part): void {
    if (p.onCore || p.inCoreQ) return;
    p.inCoreQ = true;
    coreQ.push({ p, tok: ++p.coreTok, since: p.wantSince });
    touchRunner(p);
  }

  function toGilQ(d: Domain, p: Part): void {
    p.inGilQ = true;
    d.queue.push({ p, tok: ++p.gilTok });
    d.waiting++;
    touchDomain(d);
    touchRunner(p);
  }

  function popGil(d: Domain): Part | undefined {
    let e;
    while ((e = d.queue.shift())) {
      if (e.p.inGilQ && e.tok === e.p.gilTok) {
        e.p.inGilQ = false;
        d.waiting--;
        return e.p;
      }
    }
    return undefined;
  }

  function allocate(): void {
    const parts = dirtyParts;
    dirtyParts = dirtyParts2;
    dirtyParts2 = parts;
    for (const p of parts) {
      p.dirtyP = false;
      const d = p.domain;
      if (!wants(p)) {
        offCore(p);
        p.inCoreQ = false;
        if (p.inGilQ) {
          p.inGilQ = false;
          d!.waiting--;
          touchDomain(d!);
        }
        if (d && d.holder === p) {
          d.holder = null;
          d.lastHolder = p;
          d.dropAt = null;
          touchDomain(d);
        }
      } else if (d && d.holder !== p) {
        if (!p.inGilQ) toGilQ(d, p);
      } else toCoreQ(p);
    }
    parts.length = 0;
    const doms = dirtyDomains;
    dirtyDomains = dirtyDomains2;
    dirtyDomains2 = doms;
    for (const d of doms) {
      d.dirty = false;
      if (d.holder && d.waiting > 0 && d.dropAt !== null && t + EPS >= d.dropAt) {
        // CPython: a waiter asks for the GIL; after the switch interval the holder must drop it.
        const old = d.holder;
        const next = popGil(d)!;
        d.holder = next;
        d.lastHolder = old;
        d.dropAt = null;
        offCore(old);
        old.inCoreQ = false;
        toGilQ(d, old);
        toCoreQ(next);
        emit('gil-handoff', runner(next).u.id,
          `switch interval (${fmt(switchMs)} ms) expired: ${runner(old).u.label} drops the GIL, ${runner(next).u.label} takes it`);
      }
      if (!d.holder && d.waiting > 0) {
        const next = popGil(d)!;
        d.holder = next;
        const prev = d.lastHolder;
        if (prev && prev !== next && next.wantSince < t - EPS) {
          emit('gil-handoff', runner(next).u.id, `${runner(prev).u.label} released the GIL; ${runner(next).u.label} takes it`);
        }
        d.lastHolder = next;
        toCoreQ(next);
      }
      if (d.holder && d.waiting > 0) {
        if (d.dropAt === null) {
          d.dropAt = t + switchMs;
          timers.push({ time: d.dropAt, seq: seq++, kind: 'drop', d });
        }
      } else d.dropAt = null;
    }
    doms.length = 0;
    while (onCore.length < cores && coreQ.size) {
      const { p, tok } = coreQ.pop()!;
      if (!p.inCoreQ || tok !== p.coreTok) continue;
      p.inCoreQ = false;
      if (!wants(p) || (p.domain && p.domain.holder !== p)) continue;
      p.onCore = true;
      onCore.push(p);
      touchRunner(p);
    }
  }

  function runner(p: Part): RU {
    return p.isLoop ? (p.current ?? p.lastRun)! : p;
  }

  // ---- spans ----
  function setVis(r: RU, state: SpanState | null, step: number): void {
    if (r.vis === state && r.visStep === step) return;
    const lane = r.lane;
    if (lane && r.vis !== null && t > r.visSince + EPS) {
      const spans = lane.spans;
      const last = spans[spans.length - 1];
      if (last && last.state === r.vis && last.stepIndex === r.visStep && Math.abs(last.end - r.visSince) <= EPS) {
        last.end = t;
      } else {
        const span: Span = { start: r.visSince, end: t, state: r.vis };
        const s = r.u.steps[r.visStep];
        if (s) {
          span.stepIndex = r.visStep;
          if (s.range) span.range = s.range;
        }
        spans.push(span);
      }
    }
    r.vis = state;
    r.visStep = step;
    r.visSince = t;
  }

  function visOf(r: RU): SpanState | null {
    const w = r.wait;
    if (w) {
      switch (w.kind) {
        case 'timed':
        case 'unit':
          return w.vis;
        case 'lock':
          return 'waiting-lock';
        case 'slot':
          return 'ready';
        case 'exit':
        case 'call':
          return 'joined';
      }
    }
    if (r.queued) return t + EPS >= r.readyAt ? 'ready' : null;
    if (r.remaining > 0) {
      if (r.loop && r.loop.current !== r) return 'ready';
      const p: Part = r.loop ?? r;
      if (p.onCore) return 'running';
      if (p.domain && p.domain.holder !== p) return 'waiting-gil';
      return 'ready';
    }
    return null;
  }

  function updateVis(): number {
    const list = dirtyVis;
    dirtyVis = dirtyVis2;
    dirtyVis2 = list;
    const n = list.length;
    for (const r of list) {
      r.dirtyV = false;
      if (r.status === 'active') setVis(r, visOf(r), r.pc < r.u.steps.length ? r.pc : -1);
    }
    list.length = 0;
    return n;
  }

  // ---- time ----
  function validTop(): TimerEntry | undefined {
    for (;;) {
      const e = timers.peek();
      if (!e) return undefined;
      const ok = e.kind === 'timed' ? e.r.wait === e.w
        : e.kind === 'ready' ? e.r.queued && e.r.readyAt === e.time && e.r.status === 'active'
        : e.d.dropAt === e.time;
      if (ok) return e;
      timers.pop();
    }
  }

  function nextEventTime(): number {
    let next = validTop()?.time ?? Infinity;
    for (const p of onCore) {
      const end = t + runner(p).remaining;
      if (end < next) next = end;
    }
    return Math.max(next, t);
  }

  function advance(to: number): void {
    const dt = to - t;
    const done = doneBuf;
    done.length = 0;
    for (const p of onCore) {
      const r = runner(p);
      r.remaining -= dt;
      if (r.remaining <= EPS) done.push(r);
    }
    t = to;
    for (const r of done) {
      r.remaining = -1;
      offCore(r.loop ?? r); // round-robin at step granularity: a finished step gives its core back
      advancePc(r);
      touch(r);
      worklist.push(r);
    }
    let e;
    while ((e = validTop()) && e.time <= t + EPS) {
      timers.pop();
      if (e.kind === 'timed') wake(e.r, 'macro');
      else if (e.kind === 'ready') touch(e.r);
      else touchDomain(e.d);
    }
  }

  // ---- main loop ----
  let iterations = 0;
  let work = 0;
  for (;;) {
    settle();
    if (finished) break;
    work += dirtyParts.length + dirtyDomains.length;
    allocate();
    work += updateVis() + 1;
    if (++iterations > limits.maxIterations || work > limits.maxWork) {
      truncated = true;
      break;
    }
    const next = nextEventTime();
    if (next === Infinity) {
      reportStuck();
      break;
    }
    if (next > limits.maxTimeMs) {
      t = limits.maxTimeMs;
      truncated = true;
      break;
    }
    advance(next);
  }
  for (const r of active) if (r.status === 'active') setVis(r, null, -1); // close open spans
  if (truncated) notes.push('The simulation hit its size limit and stops early; the timeline is partial.');

  const timeline: Timeline = { lanes, events, totalMs: t, notes };
  if (truncated) timeline.truncated = true;
  return timeline;

  function reportStuck(): void {
    for (const r of active) {
      if (r.status !== 'active' || !r.wait) continue;
      const w = r.wait;
      if (w.kind === 'unit') {
        const why = w.target.status === 'pending' ? ' (it is never started)' : '';
        notes.push(`${r.u.label} waits forever for ${w.target.u.label}${why}.`);
      } else if (w.kind === 'lock') {
        const h = locks.get(w.lock)?.holder;
        notes.push(`${r.u.label} waits forever for lock '${w.lock}'` + (h ? `, held by ${h.u.label}.` : '.'));
      } else if (w.kind === 'exit') {
        notes.push(`${r.u.label} waits at exit for threads that never finish.`);
      }
    }
  }
}

function fmt(ms: number): string {
  return Number.isInteger(ms) ? String(ms) : ms.toFixed(1);
}

/** FIFO with O(1) shift. */
class Deque<T> {
  private a: T[] = [];
  private h = 0;
  get length(): number {
    return this.a.length - this.h;
  }
  push(x: T): void {
    this.a.push(x);
  }
  peek(): T | undefined {
    return this.h < this.a.length ? this.a[this.h] : undefined;
  }
  shift(): T | undefined {
    if (this.h >= this.a.length) return undefined;
    const x = this.a[this.h++];
    if (this.h > 1024 && this.h * 2 > this.a.length) {
      this.a = this.a.slice(this.h);
      this.h = 0;
    }
    return x;
  }
}

/** Binary min-heap. */
class Heap<T> {
  private a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => number) {}
  get size(): number {
    return this.a.length;
  }
  peek(): T | undefined {
    return this.a[0];
  }
  push(x: T): void {
    const a = this.a;
    let i = a.length;
    a.push(x);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i], a[p]) >= 0) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m]) < 0) m = l;
        if (r < a.length && this.less(a[r], a[m]) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}
