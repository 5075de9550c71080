import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AnalysisHost } from '../../../src/host/analysisHost';
import { EarlyWorker, defaultWorkerScript, type WorkerStart } from '../../../src/host/spawnWorker';
import type { WorkerMessage } from '../../../src/host/protocol';

// The language server's entry starts the analysis worker before its own modules load; the host takes that worker only
// when it was started with the host's own settings.
const SMALL = 'import time\n\nasync def main():\n    time.sleep(1)\n';
const start: WorkerStart = { script: defaultWorkerScript(), init: { limits: { parseTimeoutMs: 5_000 } }, youngGenerationMb: 12 };

function hostFor(early: EarlyWorker, limits = start.init.limits): AnalysisHost {
  return new AnalysisHost({ workerScript: start.script, youngGenerationMb: start.youngGenerationMb, ...(limits ? { limits } : {}), earlyWorker: early, budgetMs: 10_000 });
}

async function findings(host: AnalysisHost): Promise<unknown> {
  host.open('a.py', 'python', SMALL, 1);
  const outcome = await host.analyze('a.py');
  assert.equal(outcome.kind, 'done');
  return outcome.kind === 'done' && outcome.value.diagnostics.map((d) => d.code);
}

describe('a worker started before its host', () => {
  const hosts: AnalysisHost[] = [];
  after(() => Promise.all(hosts.map((h) => h.dispose())));

  it('is the host\'s first worker when started with the host\'s settings', async () => {
    const early = new EarlyWorker(start);
    const replies: string[] = [];
    early.worker.on('message', (m: WorkerMessage) => replies.push(m.type));
    const host = hostFor(early);
    hosts.push(host);
    assert.deepEqual(await findings(host), ['blocking-call-in-async']);
    assert.ok(replies.includes('done'), `the early worker ran the analysis: ${replies.join(' ')}`);
  });

  it('is stopped, and the host starts its own, when started with other settings', async () => {
    const early = new EarlyWorker(start);
    const exited = new Promise((resolve) => early.worker.once('exit', resolve));
    const replies: string[] = [];
    early.worker.on('message', (m: WorkerMessage) => replies.push(m.type));
    const host = hostFor(early, { parseTimeoutMs: 1_000 });
    hosts.push(host);
    assert.deepEqual(await findings(host), ['blocking-call-in-async']);
    await exited;
    assert.deepEqual(replies, []);
  });

  it('is replaced when it ended before the host took it', async () => {
    const early = new EarlyWorker(start);
    await early.worker.terminate();
    const host = hostFor(early);
    hosts.push(host);
    assert.deepEqual(await findings(host), ['blocking-call-in-async']);
  });
});
