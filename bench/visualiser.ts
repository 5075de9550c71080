// Visualiser cost on a 5k-line file: extraction + simulation (+ what-if), the parse excluded (the
// editor already has the tree). Target < 30 ms. Run: node out/bench/visualiser.js
import { ParsedDocument, TreeFacts, type Language } from '../src/core';
import { extractModel } from '../src/core/visualiser/extract';
import { simulate } from '../src/core/visualiser/simulate';
import { whatIf } from '../src/core/visualiser/whatif';

/** A 5k-line Python file: many workers, pools, asyncio tasks and plenty of ordinary code. */
export function pythonFile(lines = 5000): string {
  const out = ['import asyncio', 'import threading', 'import time', 'from concurrent.futures import ThreadPoolExecutor', ''];
  let i = 0;
  while (out.length < lines - 40) {
    out.push(
      `def work_${i}(n):`, '    total = 0', '    for k in range(200_000):', '        total += k * n', '    time.sleep(0.01)', '    return total', '',
      `async def fetch_${i}(n):`, '    await asyncio.sleep(0.05)', `    data = [x * 2 for x in range(n)]`, '    return sum(data)', '',
      `def helper_${i}(xs):`, '    out = []', '    for x in xs:', '        out.append(str(x).upper())', '    return ",".join(out)', '',
    );
    i++;
  }
  out.push('def main():', '    threads = []');
  for (let k = 0; k < 8; k++) out.push(`    t${k} = threading.Thread(target=work_${k}, args=(${k},))`, `    t${k}.start()`, `    threads.append(t${k})`);
  out.push('    with ThreadPoolExecutor(max_workers=4) as pool:', `        results = list(pool.map(work_1, range(6)))`, '    for t in threads:', '        t.join()', '');
  out.push('async def amain():', `    await asyncio.gather(${Array.from({ length: 10 }, (_, k) => `fetch_${k}(${k})`).join(', ')})`, '');
  out.push('if __name__ == "__main__":', '    main()', '    asyncio.run(amain())');
  return out.join('\n') + '\n';
}

/** A 5k-line TS file in the same spirit. */
export function tsFile(lines = 5000): string {
  const out = ["import { Worker } from 'node:worker_threads';", ''];
  let i = 0;
  while (out.length < lines - 20) {
    out.push(
      `async function load${i}(n: number): Promise<number> {`, '  let total = 0;', '  for (let k = 0; k < 100000; k++) total += k * n;',
      "  await fetch('https://example.com');", '  return total;', '}', '',
      `function helper${i}(xs: number[]): string {`, '  return xs.map((x) => String(x)).join(",");', '}', '',
    );
    i++;
  }
  out.push('async function main(): Promise<void> {', `  await Promise.all([${Array.from({ length: 10 }, (_, k) => `load${k}(${k})`).join(', ')}]);`, '}');
  out.push("setTimeout(() => console.log('t'), 10);", "new Worker('./w.js');", 'void main();');
  return out.join('\n') + '\n';
}

export interface VisualiserBenchRow {
  language: Language;
  lines: number;
  units: number;
  steps: number;
  /** Building name resolution (shared with the rules; already done when the visualiser runs). */
  semanticsMs: number;
  extractMs: number;
  simulateMs: number;
  whatIfMs: number;
  totalMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchVisualiser(runs = 15): Promise<VisualiserBenchRow[]> {
  const rows: VisualiserBenchRow[] = [];
  // process.cpuUsage() ticks coarsely on some systems: the median over runs smooths it.
  for (const [language, text] of [['python', pythonFile()], ['typescript', tsFile()]] as const) {
    const doc = await ParsedDocument.create(language, text);
    try {
      const ex: number[] = [];
      const sim: number[] = [];
      const wi: number[] = [];
      let units = 0;
      let steps = 0;
      // The editor shares one TreeFacts between the rules and the visualiser: name resolution is built by then.
      const facts = new TreeFacts(doc.tree!);
      const s0 = performance.now();
      if (language === 'python') facts.python();
      else facts.ts();
      const semanticsMs = performance.now() - s0;
      // CPU time, not wall time: the bench machine is often shared and loaded.
      const now = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      for (let r = 0; r < runs + 1; r++) {
        const t0 = now();
        const model = extractModel(doc, facts);
        const t1 = now();
        simulate(model);
        const t2 = now();
        whatIf(model);
        const t3 = now();
        if (r === 0) continue; // warm-up
        ex.push(t1 - t0);
        sim.push(t2 - t1);
        wi.push(t3 - t2);
        units = model.units.length;
        steps = model.units.reduce((n, u) => n + u.steps.length, 0);
      }
      const round = (x: number) => Math.round(x * 10) / 10;
      rows.push({
        language, lines: text.split('\n').length - 1, units, steps, semanticsMs: round(semanticsMs),
        extractMs: round(median(ex)), simulateMs: round(median(sim)), whatIfMs: round(median(wi)),
        totalMs: round(median(ex) + median(sim) + median(wi)),
      });
    } finally {
      doc.dispose();
    }
  }
  for (const r of rows) {
    console.log(`visualiser ${r.language}: ${r.lines} lines, ${r.units} units, ${r.steps} steps — extract ${r.extractMs} ms + simulate ${r.simulateMs} ms + what-if ${r.whatIfMs} ms = ${r.totalMs} ms (target < 30 ms; shared name resolution ${r.semanticsMs} ms not counted)`);
  }
  return rows;
}

if (require.main === module) void benchVisualiser();
