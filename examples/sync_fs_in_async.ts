// Synchronous file I/O inside an async function blocks Node's event loop.
//
// Bug: `fs.readFileSync` in `loadConfigs` stops every other callback (timers, sockets,
// other requests) until the read finishes; `async` does not make it asynchronous.
// Use `await fs.promises.readFile(...)` (or `fs/promises`).
//
// Run: npx tsx sync_fs_in_async.ts   (or compile with tsc and run with node)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

async function loadConfigs(files: string[]): Promise<Record<string, unknown>[]> {
  const configs: Record<string, unknown>[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8'); // blocks the event loop
    configs.push(JSON.parse(text));
  }
  return configs;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'configs-'));
  const files = ['a', 'b', 'c'].map((name, i) => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify({ name, port: 8000 + i }));
    return file;
  });
  const ticker = setInterval(() => console.log('tick'), 1);
  const configs = await loadConfigs(files);
  clearInterval(ticker);
  console.log(configs);
  fs.rmSync(dir, { recursive: true });
}

void main();
