// A multiprocess supervisor (uvicorn's shape): a class of its own wraps each worker process, made by a helper in another
// module through a `multiprocessing` spawn context, started in a loop over a count the code does not state; each worker
// starts a health-check thread from a bound method handed to the helper. Started from the supervisor's run(), the model
// draws the processes and their threads.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParsedDocument, TreeFacts } from '../../../src/core';
import { buildVisualisation, type Visualisation } from '../../../src/core/visualiser';
import { MAX_POOL_DRAWN, UNKNOWN_LOOP_STARTS } from '../../../src/core/visualiser/extract-python';

const SUBPROCESS = [
  'import multiprocessing', '', 'spawn = multiprocessing.get_context("spawn")', '', '',
  'def get_subprocess(config, target, sockets):',
  '    kwargs = {"config": config, "target": target, "sockets": sockets}',
  '    return spawn.Process(target=subprocess_started, kwargs=kwargs)', '', '',
  'def subprocess_started(config, target, sockets):', '    config.configure_logging()', '    target(sockets=sockets)', '',
].join('\n');

const supervisor = (count: string) => [
  'import threading', 'from multiprocessing import Pipe', 'from myserver._subprocess import get_subprocess', '', '',
  'class Worker:', '    def __init__(self, config, target, sockets):', '        self.real_target = target',
  '        self.parent_conn, self.child_conn = Pipe()', '        self.process = get_subprocess(config, self.target, sockets)', '',
  '    def always_pong(self):', '        while True:', '            self.child_conn.recv()', '',
  '    def target(self, sockets=None):', '        threading.Thread(target=self.always_pong, daemon=True).start()', '        return self.real_target(sockets)', '',
  '    def start(self):', '        self.process.start()', '',
  '    def join(self):', '        self.process.join()', '', '',
  'class Supervisor:', '    def __init__(self, config, target, sockets):', '        self.config = config', '        self.target = target',
  '        self.sockets = sockets', `        self.processes_num = ${count}`, '        self.processes = []', '        self.should_exit = threading.Event()', '',
  '    def init_processes(self):', '        for _ in range(self.processes_num):', '            process = Worker(self.config, self.target, self.sockets)',
  '            process.start()', '            self.processes.append(process)', '',
  '    def join_all(self):', '        for process in self.processes:', '            process.join()', '',
  '    def run(self):', '        self.init_processes()', '        self.should_exit.wait()', '        self.join_all()', '',
].join('\n');

async function visualise(text: string, withProject = true, path = 'myserver/supervisor.py', line = text.split('\n').indexOf('    def run(self):')): Promise<Visualisation> {
  const doc = await ParsedDocument.create('python', text);
  try {
    const files: Record<string, string> = { 'myserver/_subprocess.py': SUBPROCESS, 'myserver/supervisor.py': supervisor('config.workers') };
    const project = withProject ? { path, readFile: (p: string) => files[p] } : undefined;
    return buildVisualisation(doc, new TreeFacts(doc.tree!), { freeThreaded: false }, [], project, { line });
  } finally {
    doc.dispose();
  }
}

describe('a multiprocess supervisor started from its run()', () => {
  it('draws a process lane per worker the loop starts through the other module, each with its health-check thread', async () => {
    const v = await visualise(supervisor('config.workers'));
    assert.equal(v.entry.label, 'Supervisor.run');
    const processes = v.model.units.filter((u) => u.kind === 'process');
    assert.equal(processes.length, UNKNOWN_LOOP_STARTS);
    assert.ok(processes.every((p) => p.label === 'subprocess_started() (_subprocess.py)'), JSON.stringify(processes.map((p) => p.label)));
    assert.ok(v.model.notes.some((n) => n.includes(`${UNKNOWN_LOOP_STARTS} passes are drawn`)), JSON.stringify(v.model.notes));
    // Each worker process starts its own daemon thread, from the bound method the supervisor's file handed on.
    const threads = v.model.units.filter((u) => u.kind === 'thread');
    assert.deepEqual(threads.map((t) => [t.label, t.daemon, processes.some((p) => p.id === t.parent)]),
      processes.map(() => ['always_pong()', true, true]));
    // The thread's steps point into this file (always_pong's loop), not at the other module.
    assert.ok(threads.every((t) => t.steps.some((s) => s.range?.start.line === 12)), JSON.stringify(threads[0].steps));
    // The supervisor's thread starts every process, then joins each of them (join_all over the list it filled).
    const main = v.model.units.find((u) => u.kind === 'main-thread')!;
    const ids = processes.map((p) => p.id);
    assert.deepEqual(main.steps.filter((s) => s.kind === 'spawn').map((s) => s.target), ids);
    assert.deepEqual(main.steps.filter((s) => s.kind === 'join').map((s) => s.target), ids);
    assert.ok(v.timeline.lanes.filter((l) => l.kind === 'process').every((l) => l.spans.length > 0), 'every process lane runs');
  });

  it('a stated count draws that many processes, up to the lane cap, and the panel says so', async () => {
    const six = await visualise(supervisor('6'));
    assert.equal(six.model.units.filter((u) => u.kind === 'process').length, 6);
    const many = await visualise(supervisor('40'));
    assert.equal(many.model.units.filter((u) => u.kind === 'process').length, MAX_POOL_DRAWN);
    assert.ok(many.model.notes.some((n) => n.includes(`at most ${MAX_POOL_DRAWN} lanes`)), JSON.stringify(many.model.notes));
  });

  it('each object keeps its own bindings: every worker joins its own process', async () => {
    const v = await visualise(supervisor('3'));
    const main = v.model.units.find((u) => u.kind === 'main-thread')!;
    const joined = main.steps.filter((s) => s.kind === 'join').map((s) => s.target);
    assert.equal(new Set(joined).size, 3, JSON.stringify(joined));
  });

  it('from the caller in a third module: the supervisor\'s run() is walked there, and its processes and threads get their lanes', async () => {
    const main = 'from myserver.supervisor import Supervisor\n\n\ndef run(config, server):\n    Supervisor(config, target=server.run, sockets=[]).run()\n';
    const v = await visualise(main, true, 'myserver/main.py', 3);
    assert.equal(v.entry.label, 'run');
    const processes = v.model.units.filter((u) => u.kind === 'process');
    assert.equal(processes.length, UNKNOWN_LOOP_STARTS);
    assert.ok(processes.every((p) => p.label === 'subprocess_started() (_subprocess.py)'), JSON.stringify(processes.map((p) => p.label)));
    const threads = v.model.units.filter((u) => u.kind === 'thread');
    assert.deepEqual(threads.map((t) => t.label), processes.map(() => 'always_pong() (supervisor.py)'));
    // Everything the other modules do points at the call in this file (the others are not open).
    const lines = new Set([...processes, ...threads].flatMap((u) => [u.range?.start.line, ...u.steps.map((s) => s.range?.start.line)]));
    assert.deepEqual([...lines], [4]);
  });

  it('from the line that starts the health-check thread (the hover link): that thread, and nothing the constructor would start', async () => {
    const text = supervisor('config.workers');
    const v = await visualise(text, true, 'myserver/supervisor.py', text.split('\n').findIndex((l) => l.includes('threading.Thread(target=self.always_pong')));
    assert.equal(v.entry.label, 'Worker.target');
    assert.deepEqual(v.model.units.filter((u) => u.kind !== 'main-thread').map((u) => [u.kind, u.label, u.daemon]), [['thread', 'always_pong()', true]]);
    assert.deepEqual(v.model.notes, []);
  });

  it('the what-if compares the worker processes the supervisor starts, not the health-check thread each starts', async () => {
    const v = await visualise(supervisor('3'));
    const w = v.whatIf;
    assert.ok(w);
    // Three workers: the processes, each one unit of work with its thread inside it (the threads alone are three too).
    assert.equal(w.workers, 3);
    assert.equal(w.noun, 'worker processes');
    // Each health-check thread waits in `recv()` (50 ms a pass); a worker's own work is its set-up and the server's target.
    assert.ok(v.model.units.filter((u) => u.kind === 'thread').every((t) => t.steps.some((s) => s.kind === 'io')));
    const sequential = w.results.find((r) => r.mode === 'sequential')!.totalMs;
    assert.ok(sequential < 50, `the workers' own work (${sequential} ms), not three recv() waits`);
    assert.notEqual(w.recommended, 'processes');
    assert.match(w.lesson, /As written, the 3 worker processes take 30 ms: their start-up \(30 ms each\) costs more than the CPU work they share\./);
  });

  it('without the other module the helper is one step: no process is invented', async () => {
    const v = await visualise(supervisor('config.workers'), false);
    assert.equal(v.model.units.filter((u) => u.kind === 'process' || u.kind === 'thread').length, 0);
  });
});
