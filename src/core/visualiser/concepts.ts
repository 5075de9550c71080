// Concept pages: built-in models for what a file does not show (the GIL, select vs epoll,
// asyncio vs threading, Node's event-loop phases). Plain data; the webview renders it with the
// same swimlanes as a file's timeline, so the adapter just posts buildConceptPages().
import type { ExecutionModel, SimOptions, Step, Timeline, Unit } from './model';
import { simulate } from './simulate';

export type ConceptView =
  | { kind: 'timeline'; caption: string; model: ExecutionModel; timeline: Timeline }
  | { kind: 'table'; caption: string; columns: string[]; rows: (string | number)[][] }
  | { kind: 'bars'; caption: string; unit: string; log?: boolean; groups: { label: string; bars: { label: string; value: number }[] }[] }
  | { kind: 'cycle'; caption: string; phases: { name: string; detail: string }[]; between: string };

export interface ConceptPage {
  id: string;
  title: string;
  summary: string;
  paragraphs: string[];
  views: ConceptView[];
}

const cpu = (weight: number, label = 'Python code'): Step => ({ kind: 'cpu', weight, label });
const spawn = (target: string): Step => ({ kind: 'spawn', target, label: `start ${target}` });
const join = (target: string): Step => ({ kind: 'join', target, label: `${target}.join()` });

function threads(kind: Unit['kind'], bodies: [string, Step[]][]): ExecutionModel {
  const ids = bodies.map((_, i) => `t${i + 1}`);
  return {
    language: 'python', notes: [],
    units: [
      { id: 'main', kind: 'main-thread', label: 'main thread', steps: [...ids.map(spawn), ...ids.map(join)] },
      ...bodies.map(([label, steps], i): Unit => ({ id: ids[i], kind, label, steps })),
    ],
  };
}

function timeline(caption: string, model: ExecutionModel, opts: Partial<SimOptions>): ConceptView {
  return { kind: 'timeline', caption, model, timeline: simulate(model, opts) };
}

export function buildConceptPages(opts: Partial<SimOptions> = {}): ConceptPage[] {
  const o = { ...opts, freeThreaded: false };
  const counts = [10, 100, 1_000, 10_000];
  const ready = 10;
  const recv = (ms: number): Step => ({ kind: 'io', duration: ms, label: 'sock.recv()' });
  const asleep = (ms: number): Step => ({ kind: 'await', duration: ms, label: 'await reader.read()' });

  const jsModel: ExecutionModel = {
    language: 'ts', notes: [],
    units: [
      {
        id: 'main', kind: 'js-main', label: 'main script',
        steps: [spawn('timeout'), spawn('immediate'), spawn('read'), spawn('then'), spawn('tick'), cpu(2, 'rest of the script')],
      },
      { id: 'tick', kind: 'microtask', nextTick: true, label: 'process.nextTick cb', steps: [cpu(0.5, 'nextTick callback')] },
      { id: 'then', kind: 'microtask', label: 'promise.then cb', steps: [cpu(0.5, 'then callback')] },
      { id: 'timeout', kind: 'timer', delayMs: 0, label: 'setTimeout(cb, 0)', steps: [cpu(0.5, 'timer callback')] },
      { id: 'immediate', kind: 'timer', delayMs: 1, label: 'setImmediate(cb)', steps: [cpu(0.5, 'check-phase callback')] },
      {
        id: 'read', kind: 'js-async', label: 'readFile(cb)',
        steps: [{ kind: 'await', duration: 40, label: 'await fs.promises.readFile()' }, cpu(1, 'poll-phase callback')],
      },
    ],
  };

  return [
    {
      id: 'gil',
      title: 'The GIL: CPU-bound vs I/O-bound threads',
      summary: 'CPython runs Python code in one thread at a time; a thread releases the GIL while it waits.',
      paragraphs: [
        'Two threads doing pure-Python work take turns holding the Global Interpreter Lock: every switch interval (5 ms by default) the waiting thread asks, and the holder hands the lock over. Together they take as long as one thread doing both jobs.',
        'Two threads waiting on I/O or sleep release the GIL while they wait, so their waits overlap: threads do help for waiting.',
        'Processes (or free-threaded CPython 3.13t/3.14t) run CPU work in parallel.',
      ],
      views: [
        timeline('Two CPU-bound threads: they take turns (orange: waiting for the GIL)',
          threads('thread', [['count(10**7)', [cpu(8)]], ['count(10**7)', [cpu(8)]]]), o),
        timeline('Two I/O-bound threads: their waits overlap',
          threads('thread', [['fetch(url1)', [cpu(1), recv(120), cpu(1)]], ['fetch(url2)', [cpu(1), recv(120), cpu(1)]]]), o),
        timeline('The same CPU work in two processes: in parallel',
          threads('process', [['count(10**7)', [cpu(8)]], ['count(10**7)', [cpu(8)]]]), o),
      ],
    },
    {
      id: 'select-epoll',
      title: 'select vs epoll/kqueue',
      summary: 'select scans every registered descriptor on every call; epoll and kqueue hand back only the ready ones.',
      paragraphs: [
        'With select (and poll), each call passes the whole set of registered descriptors to the kernel, which checks each one; the caller then scans the whole set again to find the ready ones. The work per call grows with the number registered, O(registered). select is also capped at FD_SETSIZE (1024) descriptors.',
        'With epoll (Linux) or kqueue (BSD, macOS), descriptors are registered once; the kernel keeps a ready list, and each wait returns just the ready events: O(ready). That is why a server with 10,000 mostly idle connections uses epoll/kqueue — asyncio and libuv pick the best one available (selectors.DefaultSelector).',
      ],
      views: [
        {
          kind: 'table', caption: `Descriptors examined per call, with ${ready} ready`,
          columns: ['registered', 'select / poll', 'epoll / kqueue'],
          rows: counts.map((n) => [n, n > 1024 ? `${n} (over FD_SETSIZE: poll only)` : n, ready]),
        },
        {
          kind: 'bars', caption: `Work per call (descriptors examined, log scale), ${ready} ready`, unit: 'fds', log: true,
          groups: counts.map((n) => ({ label: `${n.toLocaleString('en-US')} registered`, bars: [{ label: 'select', value: n }, { label: 'epoll', value: ready }] })),
        },
      ],
    },
    {
      id: 'asyncio-threading',
      title: 'asyncio vs threading',
      summary: 'Both overlap waiting. Threads are switched by the OS (and the GIL); asyncio tasks switch only at an await.',
      paragraphs: [
        'Three threads waiting on the network overlap their waits; so do three asyncio tasks, on a single thread, switching only where the code says await.',
        'That single thread is also asyncio\'s weak spot: one blocking call (time.sleep, requests.get, a long computation) stops every task on the loop until it returns. Use await asyncio.sleep(), an async client, or asyncio.to_thread() for the blocking part.',
      ],
      views: [
        timeline('Three threads: each blocks in recv(), the OS runs the others',
          threads('thread', [['fetch(1)', [cpu(1), recv(100), cpu(1)]], ['fetch(2)', [cpu(1), recv(100), cpu(1)]], ['fetch(3)', [cpu(1), recv(100), cpu(1)]]]), o),
        timeline('Three asyncio tasks: one thread, switching at each await', asyncioModel([asleep(100), asleep(100), asleep(100)]), o),
        timeline('One task calls time.sleep(): the loop stalls, the others wait although their data is ready',
          asyncioModel([asleep(100), { kind: 'sleep', duration: 300, label: 'time.sleep(0.3)' }, asleep(100)]), o),
      ],
    },
    {
      id: 'node-loop',
      title: 'The Node.js event loop',
      summary: 'One thread runs your callbacks, phase by phase; microtasks run between every two callbacks.',
      paragraphs: [
        'Node runs the main script to completion, then loops through its phases. After each callback, it drains the microtask queues: first process.nextTick callbacks, then promise reactions.',
        'A long callback delays everything behind it: timers fire late, I/O callbacks wait. Move CPU work to a worker thread.',
      ],
      views: [
        {
          kind: 'cycle', caption: 'One turn of the loop',
          phases: [
            { name: 'timers', detail: 'expired setTimeout / setInterval callbacks' },
            { name: 'pending callbacks', detail: 'I/O callbacks deferred from the last turn' },
            { name: 'poll', detail: 'wait for I/O (epoll/kqueue/IOCP) and run its callbacks' },
            { name: 'check', detail: 'setImmediate callbacks' },
            { name: 'close callbacks', detail: "'close' events (socket.on('close'))" },
          ],
          between: 'after every callback: process.nextTick queue, then promise microtasks',
        },
        timeline('Order of callbacks: the script, then microtasks (nextTick first), then timers and I/O', jsModel, o),
      ],
    },
  ];
}

function asyncioModel(bodies: Step[]): ExecutionModel {
  const ids = bodies.map((_, i) => `task${i + 1}`);
  return {
    language: 'python', notes: [],
    units: [
      { id: 'main', kind: 'main-thread', label: 'main thread', steps: [spawn('root'), join('root')] },
      {
        id: 'root', kind: 'asyncio-task', label: 'main()',
        steps: [...ids.map(spawn), ...ids.map((id): Step => ({ kind: 'await', target: id, label: `await ${id}` }))],
      },
      ...bodies.map((s, i): Unit => ({
        id: ids[i], kind: 'asyncio-task', label: `fetch(${i + 1})`,
        steps: [{ kind: 'cpu', weight: 1, label: 'send request' }, s, { kind: 'cpu', weight: 1, label: 'parse reply' }],
      })),
    ],
  };
}
