// Tree-sitter's own share of an edit: the incremental reparse after one character is typed at the end of a code line
// in the middle of a generated service file, and after it is deleted again. Figures only.
//   node out/bench/reparse.js [--sizes 1000,5000,20000]
import { Edit } from 'web-tree-sitter';
import { getParser } from '../src/core/parser';
import { serviceFile } from './service';

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = argv.includes('--sizes') ? argv[argv.indexOf('--sizes') + 1].split(',').map(Number) : [1000, 5000, 20000];
  console.log(`Incremental reparse after a 1-character edit — node ${process.version}`);
  for (const language of ['python', 'typescript'] as const) {
    const parser = await getParser(language);
    for (const lines of sizes) {
      const text = serviceFile(language, lines);
      const all = text.split('\n');
      // The end of the first line of code past the middle (inside a function), as bench/service.ts types there.
      let line = all.length >> 1;
      while (line < all.length - 1 && !/^\s+\S/.test(all[line])) line++;
      const column = all[line].length;
      const at = all.slice(0, line).join('\n').length + 1 + column;
      const typed = text.slice(0, at) + ' ' + text.slice(at);
      const full: number[] = [];
      const inserts: number[] = [];
      const deletes: number[] = [];
      let tree = parser.parse(text)!;
      for (let i = 0; i < 10; i++) {
        const insert = i % 2 === 0;
        tree.edit(new Edit({
          startIndex: at, oldEndIndex: insert ? at : at + 1, newEndIndex: insert ? at + 1 : at,
          startPosition: { row: line, column }, oldEndPosition: { row: line, column: insert ? column : column + 1 }, newEndPosition: { row: line, column: insert ? column + 1 : column },
        }));
        const t0 = performance.now();
        const next = parser.parse(insert ? typed : text, tree)!;
        (insert ? inserts : deletes).push(performance.now() - t0);
        tree.delete();
        tree = next;
        const t1 = performance.now();
        parser.parse(insert ? typed : text)!.delete();
        full.push(performance.now() - t1);
      }
      tree.delete();
      console.log(`${language.padEnd(10)} ${String(lines).padStart(6)} lines: reparse after typing ${median(inserts).toFixed(1)} ms, after deleting ${median(deletes).toFixed(1)} ms; full parse ${median(full).toFixed(1)} ms`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
