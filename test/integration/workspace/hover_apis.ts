// Hovers of the integration suite (suite/hover.test.ts).
import { Worker } from 'node:worker_threads';

export async function both(a: Promise<number>, b: Promise<number>): Promise<number[]> {
  return Promise.all([a, b]);
}

export function start(file: string): Worker {
  return new Worker(file);
}
