import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Language } from '../src/core';

/**
 * Real code repeated to `lines` lines, for timing the editor's unit of work: Python from the machine's
 * standard library (threading, asyncio, concurrent.futures, subprocess), TS from `tsSources` (this repository's src/).
 * A few lines that the rules flag are appended, so every run has findings to produce.
 */
export function corpus(language: Language, lines: number, tsSources: string): string {
  let sources: string[];
  if (language === 'python') {
    const stdlib = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
    sources = ['threading.py', 'queue.py', 'asyncio/tasks.py', 'asyncio/base_events.py', 'concurrent/futures/thread.py', 'concurrent/futures/process.py', 'subprocess.py']
      .map((f) => fs.readFileSync(path.join(stdlib, f), 'utf8'));
    sources.push('import threading, time\n\nasync def handler():\n    time.sleep(1)\n\nworker = threading.Thread(target=print)\nworker.start()\nworker.daemon = True\n');
  } else {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.ts')) files.push(path.join(d, e.name));
      }
    };
    walk(tsSources);
    sources = files.sort().map((f) => fs.readFileSync(f, 'utf8'));
    sources.push("import * as fs from 'node:fs';\n\nexport async function load(p: string) {\n  return fs.readFileSync(p, 'utf8');\n}\n");
  }
  const all = sources.join('\n').split('\n');
  const out: string[] = [];
  while (out.length < lines) out.push(...all.slice(0, lines - out.length));
  return out.join('\n') + '\n';
}
