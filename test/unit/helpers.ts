import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeText, applyEdits, languageFromPath, type AnalysisResult, type AnalysisSettings, type Diagnostic } from '../../src/core';
import { defaultSettings } from '../../src/core/types';

function findRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'src'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRoot();
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');

export function fixture(...parts: string[]): string {
  return path.join(fixturesDir, ...parts);
}

/** Files of a fixture folder whose names start with `prefix` ('bad_' positives, 'ok_' negatives). */
export function fixtureFiles(folder: string, prefix: string): string[] {
  const dir = fixture(folder);
  return fs.readdirSync(dir).filter((f) => f.startsWith(prefix) && !f.endsWith('.snap')).sort().map((f) => path.join(dir, f));
}

export async function analyzeFile(file: string, settings: AnalysisSettings = defaultSettings, only?: string[]): Promise<AnalysisResult> {
  const language = languageFromPath(file);
  if (!language) throw new Error(`no language for ${file}`);
  return analyzeText(fs.readFileSync(file, 'utf8'), language, { settings, only });
}

/** Human-readable rendering of diagnostics and every fix's result, for snapshot files. */
export function render(text: string, diagnostics: Diagnostic[]): string {
  const out: string[] = [];
  for (const d of diagnostics) {
    const r = d.range;
    out.push(`${r.start.line + 1}:${r.start.column + 1}-${r.end.line + 1}:${r.end.column + 1} ${d.severity} ${d.code}${d.tags.length ? ` [${d.tags.join(',')}]` : ''}`);
    out.push(`  ${d.message}`);
    if (d.detail) out.push(`  detail: ${d.detail}`);
    for (const rel of d.related) out.push(`  related ${rel.range.start.line + 1}:${rel.range.start.column + 1}: ${rel.message}`);
    for (const f of d.fixes) {
      out.push(`  fix${f.preferred ? ' (preferred)' : ''}: ${f.title}`);
      out.push(...applyEdits(text, f.edits).split('\n').map((l) => `    | ${l}`));
    }
  }
  return out.join('\n') + '\n';
}

/**
 * Compares `actual` with the stored snapshot beside the fixture (`<fixture>.snap`).
 * UPDATE_SNAPSHOTS=1 rewrites it; a missing snapshot fails in CI (CI=true) and is written otherwise.
 */
export function matchSnapshot(fixtureFile: string, actual: string): void {
  const snap = `${fixtureFile}.snap`;
  if (process.env.UPDATE_SNAPSHOTS === '1' || (!fs.existsSync(snap) && process.env.CI !== 'true')) {
    fs.writeFileSync(snap, actual);
    return;
  }
  assert.ok(fs.existsSync(snap), `missing snapshot ${path.relative(repoRoot, snap)} (run with UPDATE_SNAPSHOTS=1)`);
  assert.equal(actual, fs.readFileSync(snap, 'utf8'), `snapshot ${path.relative(repoRoot, snap)} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}

const tempDirs: string[] = [];
// Each test file runs in its own process: whatever its tests made is removed when it ends, passed or failed.
process.on('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'cl-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A fresh temporary folder holding `files` (relative path → text); returns its path. */
export function projectDir(files: Record<string, string>, prefix = 'cl-test-'): string {
  const dir = tempDir(prefix);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** Runs python3 on a file with a timeout; returns exit status and output. */
export function runPython(file: string, timeoutMs = 20_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('python3', [file], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Reads a fixture project's files by project-relative path, as a host does for the rules that follow calls. */
export function projectReader(root: string): (file: string) => string | undefined {
  return (file) => (fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), 'utf8') : undefined);
}

/** Runs a Python runner script on a fixture project; the last line it prints is JSON (the lines it saw happen). */
export function runProjectScript(script: string, project: string): number[] {
  const run = spawnSync('python3', [script, project], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as number[];
}

/** 1-based numbers of the lines holding `marker` (a fixture's `# BLOCKS`, `# RAISES`). */
export function markedLines(text: string, marker: string): number[] {
  return text.split('\n').flatMap((line, i) => (line.includes(marker) ? [i + 1] : []));
}

export function pyCompiles(file: string): void {
  execFileSync('python3', ['-m', 'py_compile', file], { stdio: 'pipe' });
}

/** A finding's whole text: its one-sentence message and the detail it had no room for. */
export function fullText(d: { message: string; detail?: string }): string {
  return d.detail ? `${d.message} ${d.detail}` : d.message;
}
