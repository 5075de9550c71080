// Ground truth for cpu-bound-in-thread: runs two flagged fixtures as written (threads) and with the rule's preferred
// quick fix applied (processes), 2 workers each, under python3, and prints wall times and their ratio.
// Usage: node out/bench/cpu-ground-truth.js [repeats]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeText, applyEdits } from '../src/core';

const ROOT = path.resolve(__dirname, '..', '..');
const CASES = [
  // Sizes chosen so each run takes about a second with threads on one core.
  { file: 'test/fixtures/python/cpu-bound-in-thread/bad_pool_map.py', arg: '150000' },
  { file: 'test/fixtures/python/cpu-bound-in-thread/bad_thread_target.py', arg: '3000000' },
];

function run(file: string, arg: string): { ms: number; stdout: string } {
  const start = performance.now();
  const r = spawnSync('python3', [file, arg], { encoding: 'utf8', timeout: 300_000 });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${file} failed:\n${r.stderr}`);
  return { ms, stdout: r.stdout.split('\n').filter(Boolean).sort().join('\n') };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const repeats = Number(process.argv[2] ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-cpu-bench-'));
  console.log(`python3 ${spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim()}, ${os.cpus().length} cores, median of ${repeats}`);
  // Calibration: how much parallelism the machine gives right now (a loaded machine shows ratios near 1).
  const calibrate = 'import time\nfrom concurrent.futures import ProcessPoolExecutor\ndef spin(n):\n    t = 0\n    for i in range(n): t += i\n    return t\n'
    + 'if __name__ == "__main__":\n    s = time.perf_counter(); spin(3_000_000); one = time.perf_counter() - s\n'
    + '    s = time.perf_counter()\n    with ProcessPoolExecutor(2) as p: list(p.map(spin, [3_000_000] * 2))\n'
    + '    print(f"calibration: 2 tasks in 2 processes take {(time.perf_counter() - s) / one:.2f}x one task (1.0 = fully parallel, 2.0 = no parallelism)")\n';
  const calibration = path.join(dir, 'calibrate.py');
  fs.writeFileSync(calibration, calibrate);
  console.log(spawnSync('python3', [calibration], { encoding: 'utf8' }).stdout.trim());
  console.log('fixture                      threads(ms)  processes(ms)  threads/processes  same result');
  for (const c of CASES) {
    const file = path.join(ROOT, c.file);
    const text = fs.readFileSync(file, 'utf8');
    const result = await analyzeText(text, 'python', { only: ['cpu-bound-in-thread'] });
    const fix = result.diagnostics.flatMap((d) => d.fixes).find((f) => f.preferred);
    if (!fix) throw new Error(`no preferred fix for ${c.file}`);
    const fixed = path.join(dir, path.basename(file));
    fs.writeFileSync(fixed, applyEdits(text, fix.edits));
    const threads: number[] = [];
    const processes: number[] = [];
    let same = true;
    for (let i = 0; i < repeats; i++) {
      const t = run(file, c.arg);
      const p = run(fixed, c.arg);
      threads.push(t.ms);
      processes.push(p.ms);
      same &&= t.stdout === p.stdout;
    }
    const tm = median(threads);
    const pm = median(processes);
    console.log(`${path.basename(file).padEnd(28)} ${tm.toFixed(0).padStart(11)}  ${pm.toFixed(0).padStart(13)}  ${(tm / pm).toFixed(2).padStart(17)}  ${same}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
