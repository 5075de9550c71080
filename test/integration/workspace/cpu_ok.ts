// Correct counterpart: Promise.all over callbacks that await I/O, and a loop that yields.
import { readFile } from 'node:fs/promises';

export async function sizes(paths: string[]): Promise<number[]> {
  return Promise.all(paths.map(async (p) => (await readFile(p)).length));
}

export async function cooperative(n: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += i;
    if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}
