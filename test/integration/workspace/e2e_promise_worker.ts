// Promise.all over CPU-only async functions, next to a worker_threads Worker (visualiser e2e fixture).
import { Worker } from 'node:worker_threads';

async function checksum(name: string, n: number): Promise<number> {
  let h = 0;
  for (let i = 0; i < n; i++) {
    h = (h * 31 + i) % 1_000_000_007;
  }
  return h + name.length;
}

async function main(): Promise<void> {
  const worker = new Worker('./crunch.js', { workerData: 1_000_000 });
  const results = await Promise.all([checksum('a', 3_000_000), checksum('b', 3_000_000)]);
  worker.postMessage(results);
  await worker.terminate();
}

main();
