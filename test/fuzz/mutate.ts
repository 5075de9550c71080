// Seeded mutations of source files: the broken inputs an editor sees mid-edit, after a bad paste, or from disk.

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

const int = (random: Random, n: number): number => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)];

/** Tokens of both languages, so Python gets JS pasted into it and the other way round. */
const TOKENS = [
  'async ', 'await ', 'def ', 'class ', 'lambda ', 'for ', 'while ', 'if ', 'else:', 'with ', 'yield ', 'return ',
  'import ', 'from ', ' as ', 'global ', 'nonlocal ', 'try:', 'except ', 'finally:', 'self.', 'cls.', '=', ':=', '**',
  '(', ')', '[', ']', '{', '}', ':', ';', ',', '.', '"', "'", '"""', '`', '${', '\\', '#', '//', '/*', '*/', '@',
  'function ', 'function* ', '=> ', 'const ', 'let ', 'var ', 'new ', 'this.', 'export ', 'default ', 'require(',
  'threading.Thread(target=f)', '.start()', '.daemon = True', 'asyncio.to_thread(', 'time.sleep(1)', 'open("x")',
  'fs.readFileSync("x")', 'Promise.all([', 'new Worker(', 'Atomics.wait(', 'while (Date.now() < end) {}',
  'for i in range(10**8):', 'for (let i = 0; i < 1e9; i++) {', '\n', '\n    ', '\t', ' ',
];

const ASTRAL = ['\u{1F600}', '\u{10348}', '\u{1D11E}', '\u{20000}'];

/** `other` is a file of another language, for cross-language pastes. */
type Mutation = (text: string, random: Random, other: string) => string;

function span(text: string, random: Random, max: number): [number, number] {
  const start = int(random, text.length + 1);
  return [start, Math.min(text.length, start + 1 + int(random, max))];
}

/**
 * Deeply nested brackets or blocks: 10,000 levels (refused as too deep, which must be quick and clean) or just
 * under the refusal limit (analysed: every walk must stay bounded there).
 */
function nesting(random: Random): string {
  const depth = random() < 0.5 ? 10_000 : 700;
  switch (int(random, 4)) {
    case 0: return '('.repeat(depth) + 'x' + ')'.repeat(depth);
    case 1: return '['.repeat(depth) + ']'.repeat(depth);
    case 2: return '{'.repeat(depth);
    default: return Array.from({ length: depth / 5 }, (_, i) => `${' '.repeat(i % 200)}if x:\n`).join('');
  }
}

export const MUTATIONS: Record<string, Mutation> = {
  deleteRange: (text, random) => {
    const [a, b] = span(text, random, 200);
    return text.slice(0, a) + text.slice(b);
  },
  duplicateRange: (text, random) => {
    const [a, b] = span(text, random, 400);
    const at = int(random, text.length + 1);
    return text.slice(0, at) + text.slice(a, b) + text.slice(at);
  },
  insertToken: (text, random) => {
    const at = int(random, text.length + 1);
    return text.slice(0, at) + pick(random, TOKENS) + text.slice(at);
  },
  truncate: (text, random) => text.slice(0, int(random, text.length + 1)),
  shuffleLines: (text, random) => {
    const lines = text.split('\n');
    // A few swaps: enough to break structure while keeping most of the file's shape.
    for (let i = 0, n = 1 + int(random, 6); i < n; i++) {
      const a = int(random, lines.length);
      const b = int(random, lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
    }
    return lines.join('\n');
  },
  insertNul: (text, random) => {
    const at = int(random, text.length + 1);
    return text.slice(0, at) + '\u0000' + text.slice(at);
  },
  bom: (text) => '\uFEFF' + text,
  carriageReturns: (text, random) => (random() < 0.5 ? text.replace(/\n/g, '\r\n') : text.replace(/\n/g, '\r')),
  /** One line break turned into a lone CR (old Mac), or a CR put anywhere: LSP counts it as a line, tree-sitter does not. */
  loneCarriageReturn: (text, random) => {
    const at = int(random, text.length + 1);
    const next = text.indexOf('\n', at);
    return random() < 0.5 && next >= 0 ? text.slice(0, next) + '\r' + text.slice(next + 1) : text.slice(0, at) + '\r' + text.slice(at);
  },
  loneSurrogate: (text, random) => {
    const at = int(random, text.length + 1);
    return text.slice(0, at) + pick(random, ['\uD800', '\uDFFF', '\uDBFF']) + text.slice(at);
  },
  astral: (text, random) => {
    const at = int(random, text.length + 1);
    return text.slice(0, at) + pick(random, ASTRAL).repeat(1 + int(random, 3)) + text.slice(at);
  },
  deepNesting: (text, random) => {
    const at = int(random, text.length + 1);
    return text.slice(0, at) + nesting(random) + text.slice(at);
  },
  /** Another file's text spliced in: Python with JS in it, as after pasting into the wrong editor. */
  crossPaste: (text, random, other) => {
    const [a, b] = span(other, random, 300);
    const at = int(random, text.length + 1);
    return text.slice(0, at) + other.slice(a, b) + text.slice(at);
  },
  minify: (text) => text.replace(/\n\s*/g, ' '),
};

export interface Mutant {
  text: string;
  operations: string[];
}

/** One to three mutations of `text`. */
export function mutate(text: string, other: string, random: Random): Mutant {
  const names = Object.keys(MUTATIONS);
  const operations: string[] = [];
  let result = text;
  for (let i = 0, n = 1 + int(random, 3); i < n; i++) {
    const name = pick(random, names);
    operations.push(name);
    result = MUTATIONS[name](result, random, other);
  }
  return { text: result, operations };
}
