// Speed on real projects: the CLI without its cache over the real-world kit's file lists, beside Ruff-wasm's ASYNC rules
// (Python) and ESLint with eslint-plugin-n's `n/no-sync` (TS/JS) on the same files, one project at a time. Prints the
// seconds and the ratio ours / peer per language (the target is 0.3 or less). The peers come from bench/peers (npm).
// With --warm, also ours with its cache on an unchanged tree (in a copy of the checkout, which the cache is written
// into), as a ratio to the run without it (the target is 0.5 or less).
//
//   node out/bench/kit-speed.js --repos DIR [--kit DIR] [--lang python|ts] [--project NAME ...] [--warm]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as EslintModule from 'eslint';
import { findRepoRoot } from './repoRoot';

interface Project { name: string; language: 'python' | 'ts' }

function arg(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => { if (a === name && process.argv[i + 1]) out.push(process.argv[i + 1]); });
  return out;
}


const root = findRepoRoot();
const kit = arg('--kit')[0] ?? '/work/shared/realworld';
const repos = arg('--repos')[0] ?? '/work/repos';
const onlyLang = arg('--lang')[0];
const onlyProjects = new Set(arg('--project'));
const warm = process.argv.includes('--warm');

function filesOf(project: string): string[] {
  const out = execFileSync(process.execPath, [path.join(kit, 'score.mjs'), '--repos', repos, '--list-files', '--project', project], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out.split('\n').filter((line) => line && !line.startsWith('#'));
}

/** Our CLI, as a user runs it: a fresh process, JSON out, no cache unless asked. Wall-clock seconds. */
function ours(dir: string, files: string[], cache = false): number {
  const start = performance.now();
  spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'check', ...(cache ? [] : ['--no-cache']), '--format', 'json', ...files], { cwd: dir, maxBuffer: 512 * 1024 * 1024 });
  return (performance.now() - start) / 1000;
}

/** Ours with its cache on an unchanged tree: a copy of the checkout (the kit's stay untouched), a run to fill the cache, then the timed one. */
function oursWarm(dir: string, files: string[]): number {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-kit-warm-'));
  try {
    fs.cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
    ours(copy, files, true);
    return ours(copy, files, true);
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

const peers = createRequire(path.join(root, 'bench', 'peers', 'package.json'));

function ruff(dir: string, files: string[]): number {
  const wasm = peers('@astral-sh/ruff-wasm-nodejs') as { Workspace: new (options: unknown, encoding: number) => { check(source: string): unknown[] }; PositionEncoding: { Utf16: number } };
  const start = performance.now();
  const workspace = new wasm.Workspace({ lint: { select: ['ASYNC'] } }, wasm.PositionEncoding.Utf16);
  for (const file of files) {
    try {
      workspace.check(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch {
      // A file Ruff cannot parse costs what it cost.
    }
  }
  return (performance.now() - start) / 1000;
}

async function eslint(dir: string, files: string[]): Promise<number> {
  const { ESLint } = peers('eslint') as typeof EslintModule;
  const plugin = peers('eslint-plugin-n') as object;
  const local = createRequire(path.join(root, 'package.json'));
  const typescriptParser = local('@typescript-eslint/parser') as { parseForESLint(code: string, options: unknown): Record<string, unknown> };
  // Without a TS program (no type information) `n/no-sync` checks TS as it checks JS; with the parser's services but no
  // program it throws, so they are left out.
  const tsParser = {
    meta: { name: 'typescript-eslint-parser-untyped' },
    parseForESLint: (code: string, options: unknown) => ({ ...typescriptParser.parseForESLint(code, options), services: undefined }),
  };
  const start = performance.now();
  const linter = new ESLint({
    cwd: dir,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.{js,mjs,cjs,jsx}'], plugins: { n: plugin }, rules: { 'n/no-sync': 'error' }, languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } },
      { files: ['**/*.{ts,mts,cts,tsx}'], plugins: { n: plugin }, rules: { 'n/no-sync': 'error' }, languageOptions: { parser: tsParser as never } },
    ],
    // Every listed file is linted: node-red keeps its sources under packages/node_modules, which ESLint skips by
    // default (it linted none of them, in 0.0 s).
    ignorePatterns: ['!**/node_modules/'],
  } as never);
  await linter.lintFiles(files);
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const projects = (JSON.parse(fs.readFileSync(path.join(kit, 'projects.json'), 'utf8')) as { projects: Project[] }).projects
    .filter((p) => (!onlyLang || p.language === onlyLang) && (!onlyProjects.size || onlyProjects.has(p.name)));
  const totals = new Map<string, { ours: number; peer: number; warm: number }>();
  console.log(`${'project'.padEnd(22)} ${'files'.padStart(6)} ${'ours s'.padStart(8)} ${'peer s'.padStart(8)} ${'ratio'.padStart(6)}${warm ? ` ${'warm s'.padStart(8)} ${'warm/ours'.padStart(9)}` : ''}`);
  for (const project of projects) {
    const dir = path.join(repos, project.name);
    const files = filesOf(project.name);
    const mine = ours(dir, files);
    const peer = project.language === 'python' ? ruff(dir, files) : await eslint(dir, files);
    const cached = warm ? oursWarm(dir, files) : 0;
    const total = totals.get(project.language) ?? { ours: 0, peer: 0, warm: 0 };
    total.ours += mine;
    total.peer += peer;
    total.warm += cached;
    totals.set(project.language, total);
    console.log(`${project.name.padEnd(22)} ${String(files.length).padStart(6)} ${mine.toFixed(1).padStart(8)} ${peer.toFixed(1).padStart(8)} ${(mine / peer).toFixed(2).padStart(6)}${warm ? ` ${cached.toFixed(1).padStart(8)} ${(cached / mine).toFixed(2).padStart(9)}` : ''}`);
  }
  for (const [lang, t] of totals) {
    const peer = lang === 'python' ? 'Ruff-wasm ASYNC' : 'ESLint n/no-sync';
    console.log(`${lang}: ours ${t.ours.toFixed(1)} s, ${peer} ${t.peer.toFixed(1)} s: ratio ${(t.ours / t.peer).toFixed(2)} (target <= 0.30)${warm ? `; warm cache ${t.warm.toFixed(1)} s: ${(t.warm / t.ours).toFixed(2)} of a run without it (target <= 0.50)` : ''}`);
  }
}

void main();
