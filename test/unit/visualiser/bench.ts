// simulate() cost on a big model: 200 units × 50 steps (the lead's 5k-line file budget is < 30 ms
// for extraction + simulation). Run: node out/test/unit/visualiser/bench.js
import { simulate } from '../../../src/core/visualiser/simulate';
import type { ExecutionModel, Step, Unit } from '../../../src/core/visualiser/model';

export function bigModel(kind: 'thread' | 'process' | 'asyncio-task' | 'js', units = 200, steps = 50): ExecutionModel {
  const ids = Array.from({ length: units - 1 }, (_, i) => `u${i}`);
  const body = (i: number): Step[] =>
    Array.from({ length: steps }, (_, j): Step => {
      const k = (i + j) % 4;
      if (kind === 'asyncio-task' || kind === 'js') {
        return k === 0 ? { kind: 'await', duration: 20 + j, label: 'await io' } : { kind: 'cpu', weight: 1 + (j % 3), label: 'work' };
      }
      return k === 0 ? { kind: 'io', duration: 20 + j, label: 'recv' } : k === 1 ? { kind: 'sleep', duration: 5, label: 'sleep' } : { kind: 'cpu', weight: 1 + (j % 3), label: 'work' };
    });
  if (kind === 'js') {
    return {
      language: 'ts', notes: [],
      units: [
        { id: 'main', kind: 'js-main', label: 'main', steps: [...ids.map((id): Step => ({ kind: 'spawn', target: id, label: '' })), ...ids.map((id): Step => ({ kind: 'await', target: id, label: '' }))] },
        ...ids.map((id, i): Unit => ({ id, kind: 'js-async', label: id, steps: body(i) })),
      ],
    };
  }
  const main: Unit = kind === 'asyncio-task'
    ? { id: 'main', kind: 'main-thread', label: 'main', steps: [{ kind: 'spawn', target: 'root', label: '' }, { kind: 'join', target: 'root', label: '' }] }
    : { id: 'main', kind: 'main-thread', label: 'main', steps: [...ids.map((id): Step => ({ kind: 'spawn', target: id, label: '' })), ...ids.map((id): Step => ({ kind: 'join', target: id, label: '' }))] };
  const extra: Unit[] = kind === 'asyncio-task'
    ? [{ id: 'root', kind: 'asyncio-task', label: 'root', steps: [...ids.map((id): Step => ({ kind: 'spawn', target: id, label: '' })), ...ids.map((id): Step => ({ kind: 'await', target: id, label: '' }))] }]
    : [];
  return { language: 'python', notes: [], units: [main, ...extra, ...ids.map((id, i): Unit => ({ id, kind, label: id, steps: body(i) }))] };
}

export function bench(): { kind: string; ms: number; spans: number; events: number; truncated: boolean }[] {
  const out = [];
  for (const kind of ['thread', 'process', 'asyncio-task', 'js'] as const) {
    const m = bigModel(kind);
    simulate(m); // warm up
    const runs = 5;
    const t0 = process.hrtime.bigint();
    let tl = simulate(m);
    for (let i = 1; i < runs; i++) tl = simulate(m);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 / runs;
    out.push({ kind, ms: Math.round(ms * 10) / 10, spans: tl.lanes.reduce((n, l) => n + l.spans.length, 0), events: tl.events.length, truncated: !!tl.truncated });
  }
  return out;
}

if (require.main === module) console.table(bench());
