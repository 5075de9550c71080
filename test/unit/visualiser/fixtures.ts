// Hand-built execution models shared by the visualiser tests (what extraction would emit).
import type { ExecutionModel, Step, Unit } from '../../../src/core/visualiser/model';

const r = (line: number, c0 = 4, c1 = 20) => ({ start: { line, column: c0 }, end: { line, column: c1 } });

export const cpu = (weight: number, label = 'work()', line?: number): Step =>
  ({ kind: 'cpu', weight, label, ...(line !== undefined ? { range: r(line) } : {}) });
export const sleep = (ms: number, label = `time.sleep(${ms / 1000})`): Step => ({ kind: 'sleep', duration: ms, label });
export const io = (ms: number, label = 'sock.recv()'): Step => ({ kind: 'io', duration: ms, label });
export const spawn = (target: string): Step => ({ kind: 'spawn', target, label: `start ${target}` });
export const join = (target: string): Step => ({ kind: 'join', target, label: `${target}.join()` });
export const awaitUnit = (target: string): Step => ({ kind: 'await', target, label: `await ${target}` });
export const awaitFor = (ms: number, label = `await asyncio.sleep(${ms / 1000})`): Step =>
  ({ kind: 'await', duration: ms, label });

export function py(units: Unit[]): ExecutionModel {
  return { language: 'python', units, notes: [] };
}
export function ts(units: Unit[]): ExecutionModel {
  return { language: 'ts', units, notes: [] };
}

/** main starts the workers, then joins them all. */
export function mainJoining(ids: string[]): Unit {
  return { id: 'main', kind: 'main-thread', label: 'main thread', steps: [...ids.map(spawn), ...ids.map(join)] };
}

export function twoCpuThreads(kind: 'thread' | 'process' = 'thread'): ExecutionModel {
  return py([
    mainJoining(['a', 'b']),
    { id: 'a', kind, label: 'A: crunch()', steps: [cpu(10)] },
    { id: 'b', kind, label: 'B: crunch()', steps: [cpu(10)] },
  ]);
}

/** asyncio.run(main()) where main gathers three tasks; 'slow' calls time.sleep (blocking). */
export function asyncioWithBlockingSleep(): ExecutionModel {
  return py([
    { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('root'), join('root')] },
    {
      id: 'root', kind: 'asyncio-task', label: 'main()',
      steps: [spawn('t1'), spawn('t2'), spawn('slow'), awaitUnit('t1'), awaitUnit('t2'), awaitUnit('slow')],
    },
    { id: 't1', kind: 'asyncio-task', label: 'fetch(1)', steps: [awaitFor(100), cpu(1)] },
    { id: 't2', kind: 'asyncio-task', label: 'fetch(2)', steps: [awaitFor(100), cpu(1)] },
    {
      id: 'slow', kind: 'asyncio-task', label: 'slow()',
      steps: [{ kind: 'sleep', duration: 500, label: 'time.sleep(0.5)', diagnosticCode: 'blocking-call-in-async', range: r(12) }],
    },
  ]);
}

/** The page fixture: a little of everything, including a hostile label. */
export function pageFixture(): ExecutionModel {
  return py([
    { id: 'main', kind: 'main-thread', label: 'main thread', range: r(0, 0, 10),
      steps: [spawn('w1'), spawn('w2'), spawn('d'), cpu(2, 'setup()', 3), join('w1'), join('w2')] },
    { id: 'w1', kind: 'thread', label: 'worker-1: crunch()', range: r(5), steps: [cpu(4, 'crunch()', 6), io(40, 'sock.recv()'), cpu(2, 'crunch()', 8)] },
    { id: 'w2', kind: 'thread', label: '<img src=x onerror=window.__pwned=1>', range: r(10),
      steps: [cpu(3, '</script><script>window.__pwned=1</script>', 11), sleep(30)] },
    { id: 'd', kind: 'thread', daemon: true, label: 'heartbeat (daemon)', steps: [cpu(1, 'beat()', 14), sleep(200), cpu(1, 'beat()', 14)] },
  ]);
}
