// Starting the analysis worker thread. Only Node's own modules are imported here: the language server's entry starts its
// worker before it loads its other modules (src/server/main.ts), so that the worker's start-up overlaps theirs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './protocol';

/** Shared slots: [job id being run, phase index, the worker's OS thread id (0: unknown)]. */
export const SLOT_JOB = 0;
export const SLOT_PHASE = 1;
export const SLOT_THREAD = 2;
export const SLOTS = 3;

/** The worker's heap cap: a pathological input fails that one job instead of swelling the host. */
const WORKER_HEAP_MB = 4096;

/** The worker's script, next to this module (bundle: analysisWorker.js, tsc output: worker.js). */
export function defaultWorkerScript(): string {
  const bundled = path.join(__dirname, 'analysisWorker.js');
  return fs.existsSync(bundled) ? bundled : path.join(__dirname, 'worker.js');
}

export interface WorkerStart {
  script: string;
  init: Omit<WorkerInit, 'shared'>;
  /** Cap on the worker's young generation (MB); see HostOptions. */
  youngGenerationMb?: number;
}

export interface SpawnedWorker { worker: Worker; slots: Int32Array }

export function spawnWorker(start: WorkerStart): SpawnedWorker {
  const shared = new SharedArrayBuffer(4 * SLOTS);
  const worker = new Worker(start.script, {
    workerData: { ...start.init, shared } satisfies WorkerInit,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, ...(start.youngGenerationMb ? { maxYoungGenerationSizeMb: start.youngGenerationMb } : {}) },
  });
  worker.unref();
  return { worker, slots: new Int32Array(shared) };
}

/**
 * A worker started before its host exists (the server's entry starts it before loading the rest). Its 'error' and
 * 'exit' are only noted until a host takes it, so that one that failed on its own start is replaced, not adopted, and
 * its error never goes unhandled.
 */
export class EarlyWorker {
  private readonly spawned: SpawnedWorker;
  private ended = false;
  private given = false;
  private readonly onEnd = (): void => {
    this.ended = true;
  };

  constructor(private readonly start: WorkerStart) {
    this.spawned = spawnWorker(start);
    this.spawned.worker.on('error', this.onEnd).on('exit', this.onEnd);
  }

  /** The thread it started (until a host takes it, only its end is listened to). */
  get worker(): Worker {
    return this.spawned.worker;
  }

  /** The worker, once, if it still runs and was started with exactly `start`'s settings; otherwise it is stopped. */
  take(start: WorkerStart): SpawnedWorker | undefined {
    if (this.given) return undefined;
    this.given = true;
    if (!this.ended && sameStart(this.start, start)) {
      this.spawned.worker.off('error', this.onEnd).off('exit', this.onEnd);
      return this.spawned;
    }
    // Its listener stays: an error it still reports while stopping is handled.
    void this.spawned.worker.terminate();
    return undefined;
  }
}

function sameStart(a: WorkerStart, b: WorkerStart): boolean {
  return a.script === b.script && a.youngGenerationMb === b.youngGenerationMb && JSON.stringify(a.init) === JSON.stringify(b.init);
}
