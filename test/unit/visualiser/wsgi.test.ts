// Sync (def) request handlers of WSGI and standard-library servers: N arrivals run in the server's threads, as many at
// once as the server the file starts allows (or the framework's usual server, stated on the panel), never on a loop.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDocument, ParsedDocument, TreeFacts } from '../../../src/core';
import { buildVisualisation, WSGI_THREADPOOL, type Visualisation, type VisualiseRequest } from '../../../src/core/visualiser';

async function visualise(text: string, request: VisualiseRequest, files?: Record<string, string>): Promise<Visualisation> {
  const doc = await ParsedDocument.create('python', text);
  try {
    const facts = new TreeFacts(doc.tree!);
    const { diagnostics } = analyzeDocument(doc, { facts, path: 'app.py' });
    const project = files ? { path: 'app.py', readFile: (p: string) => files[p] } : undefined;
    return buildVisualisation(doc, facts, { freeThreaded: false }, diagnostics, project, request);
  } finally {
    doc.dispose();
  }
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));
const requestLanes = (v: Visualisation) => v.model.units.filter((u) => u.arrival);
const poolOf = (v: Visualisation) => v.model.units.find((u) => u.kind === 'thread-pool');
const anyPool = (v: Visualisation) => v.model.units.find((u) => u.kind === 'thread-pool' || u.kind === 'process-pool');

const flask = (run: string) => [
  'import time', 'from flask import Flask', '', 'app = Flask(__name__)', '', '',
  '@app.route("/report")', 'def report():', '    time.sleep(0.1)', '    return "ok"', '', '',
  ...(run ? ['if __name__ == "__main__":', `    ${run}`, ''] : []),
].join('\n');

const HTTP_SERVER = (server: string) => [
  'import time', `from http.server import BaseHTTPRequestHandler, ${server}`, '', '',
  'class Handler(BaseHTTPRequestHandler):', '    def do_GET(self):', '        time.sleep(0.1)', '        self.send_response(200)', '', '',
  'def helper(self):', '    pass', '', '',
  `${server}(("127.0.0.1", 8000), Handler).serve_forever()`, '',
].join('\n');

describe('sync handlers of WSGI and standard-library servers', () => {
  it('a Flask route with no server in the file runs on an assumed WSGI pool, stated on the panel: waits queue past its size', async () => {
    const text = flask('');
    const v = await visualise(text, { line: lineOf(text, 'def report') });
    assert.equal(v.entry.kind, 'handler');
    assert.equal(requestLanes(v).length, 10);
    assert.ok(requestLanes(v).every((u) => u.kind === 'thread'));
    assert.equal(poolOf(v)?.maxWorkers, WSGI_THREADPOOL);
    assert.ok(v.model.notes.some((n) => n.includes(`pool of ${WSGI_THREADPOOL} threads is assumed`)), JSON.stringify(v.model.notes));
    // 10 requests of 100 ms on 4 threads: three rounds.
    assert.ok(v.latency && v.latency.lastMs >= 300 && v.latency.lastMs < 320, String(v.latency?.lastMs));
    assert.equal(v.timeline.events.filter((e) => e.kind === 'stall').length, 0, 'threads, not an event loop: nothing stalls');
  });

  it('CPU work in a sync route trades the GIL between the pool\'s threads: no faster than one after another', async () => {
    const text = flask('').replace('    time.sleep(0.1)', '    total = sum(i * i for i in range(1_000_000))');
    const v = await visualise(text, { line: lineOf(text, 'def report'), arrivals: 4 });
    const states = new Set(v.timeline.lanes.flatMap((l) => l.spans.map((sp) => sp.state)));
    assert.ok(states.has('waiting-gil'), [...states].join());
    const cpuMs = v.model.units.find((u) => u.arrival)!.steps.filter((st) => st.kind === 'cpu').reduce((n, st) => n + (st.weight ?? 1) * 10, 0);
    assert.ok(v.latency && v.latency.lastMs >= 4 * cpuMs * 0.95, `${v.latency?.lastMs} vs 4 × ${cpuMs}`);
  });

  it('gunicorn.conf.py sets the size: sync workers are processes (CPU work in parallel), threads make one pool', async () => {
    const text = flask('').replace('    time.sleep(0.1)', '    total = sum(i * i for i in range(1_000_000))');
    const line = lineOf(text, 'def report');
    const procs = await visualise(text, { line, arrivals: 4 }, { 'gunicorn.conf.py': 'bind = "0.0.0.0:8000"\nworkers = 4\n' });
    const pool = anyPool(procs);
    assert.deepEqual(pool && [pool.kind, pool.maxWorkers], ['process-pool', 4]);
    assert.ok(requestLanes(procs).every((u) => u.kind === 'process'));
    assert.ok(!procs.timeline.lanes.some((l) => l.spans.some((sp) => sp.state === 'waiting-gil')), 'no GIL shared between worker processes');
    const threaded = await visualise(text, { line, arrivals: 4 }, { 'gunicorn.conf.py': 'workers = 2\nthreads = 4\n' });
    assert.deepEqual([poolOf(threaded)?.maxWorkers, threaded.model.notes.some((n) => n.startsWith('gunicorn.conf.py: 2 workers × 4 threads'))], [8, true]);
    assert.ok(procs.latency!.lastMs < threaded.latency!.lastMs, `processes ${procs.latency!.lastMs} vs threads ${threaded.latency!.lastMs}`);
    // A size computed at start-up is not in the code: the assumed pool, as without the file.
    const computed = await visualise(text, { line }, { 'gunicorn.conf.py': 'import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\n' });
    assert.equal(poolOf(computed)?.maxWorkers, WSGI_THREADPOOL);
  });

  it('the module body of a file that only defines handlers says where to start', async () => {
    const v = await visualise(flask(''), {});
    assert.equal(v.entry.kind, 'module');
    assert.ok(v.model.notes.includes('Choose route /report: report in “Start from” to see it run.'), JSON.stringify(v.model.notes));
  });

  it('a library module with no entry points offers its async functions (its API), else its functions', async () => {
    const library = await visualise('import time\n\n\nclass Bot:\n    async def send_photo(self, path):\n        with open(path, "rb") as f:\n            return f.read()\n\n    async def send_audio(self, path):\n        return path\n\n    def token(self):\n        return "t"\n', {});
    assert.equal(library.entry.kind, 'module');
    assert.ok(library.model.notes.includes('Choose one of the file\'s 2 async functions in “Start from” to see it run: Bot.send_photo, Bot.send_audio.'), JSON.stringify(library.model.notes));
    const plain = await visualise('def token():\n    return "t"\n', {});
    assert.ok(plain.model.notes.includes('Choose token in “Start from” to see it run.'), JSON.stringify(plain.model.notes));
  });

  it('the server the file starts sets the size: waitress threads=N, Flask threaded=False, the dev server a thread per request', async () => {
    const waitress = flask('waitress.serve(app, threads=8)').replace('import time', 'import time\nimport waitress');
    const w = await visualise(waitress, { line: lineOf(waitress, 'def report') });
    assert.equal(poolOf(w)?.maxWorkers, 8);
    assert.ok(w.latency && w.latency.lastMs >= 200 && w.latency.lastMs < 220, String(w.latency?.lastMs));
    const single = flask('app.run(threaded=False)');
    const s = await visualise(single, { line: lineOf(single, 'def report') });
    assert.equal(poolOf(s)?.maxWorkers, 1);
    assert.ok(s.latency && s.latency.lastMs >= 1000, String(s.latency?.lastMs));
    const dev = flask('app.run(debug=True)');
    // From the app.run() line: a server call, whose model is the route's requests.
    const d = await visualise(dev, { line: lineOf(dev, 'app.run(') });
    assert.equal(d.entry.kind, 'loop');
    assert.equal(d.runs?.label, 'route /report: report');
    assert.equal(poolOf(d), undefined, 'a thread per request: no pool');
    assert.equal(requestLanes(d).length, 10);
    assert.ok(d.latency && d.latency.lastMs >= 100 && d.latency.lastMs < 110, String(d.latency?.lastMs));
  });

  it('http.server: do_GET of a BaseHTTPRequestHandler subclass is a handler; HTTPServer serves one at a time, ThreadingHTTPServer a thread each', async () => {
    const one = HTTP_SERVER('HTTPServer');
    const o = await visualise(one, { line: lineOf(one, 'serve_forever') });
    assert.equal(o.runs?.label, 'Handler.do_GET');
    assert.equal(o.runs?.kind, 'handler');
    assert.equal(poolOf(o)?.maxWorkers, 1);
    assert.ok(o.latency && o.latency.lastMs >= 1000, String(o.latency?.lastMs));
    const threading = HTTP_SERVER('ThreadingHTTPServer');
    const t = await visualise(threading, { line: lineOf(threading, 'def do_GET') });
    assert.equal(t.entry.label, 'Handler.do_GET');
    assert.equal(poolOf(t), undefined);
    assert.ok(t.latency && t.latency.lastMs < 200, String(t.latency?.lastMs));
    assert.ok(t.model.notes.some((n) => n === 'ThreadingHTTPServer starts a thread per request.'), JSON.stringify(t.model.notes));
    // A method of the same name outside a handler class is an ordinary function.
    const plain = 'import time\n\n\nclass Job:\n    def handle(self):\n        time.sleep(0.1)\n';
    const p = await visualise(plain, { line: 4 });
    assert.equal(p.entry.kind, 'function');
  });
});

describe('Django views', () => {
  const VIEWS = [
    'import time', 'from django.http import HttpResponse', 'from django.shortcuts import render', '', '',
    'def index(request):', '    time.sleep(0.1)', '    return HttpResponse("ok")', '', '',
    'def page(request, slug):', '    return render(request, "page.html", {"slug": slug})', '', '',
    'def helper(value):', '    return value * 2', '',
  ].join('\n');

  it('a function that returns a Django response is a view: its requests run on the assumed WSGI pool', async () => {
    const v = await visualise(VIEWS, { line: lineOf(VIEWS, 'def index') });
    assert.equal(v.entry.kind, 'handler');
    assert.match(v.entry.evidence ?? '', /Django view \(it returns `HttpResponse\(…\)`\)/);
    assert.equal(requestLanes(v).length, 10);
    assert.equal(poolOf(v)?.maxWorkers, WSGI_THREADPOOL);
    assert.deepEqual(v.entries.filter((e) => e.kind === 'handler').map((e) => e.label), ['index', 'page']);
    assert.equal(v.entries.find((e) => e.label === 'helper')?.kind, 'function', 'a function returning anything else is not a view');
  });
});
