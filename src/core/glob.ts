// Globs from config files and the command line (`exclude`, `per-file-ignores`, `--exclude`), matched without a
// backtracking regular expression: a glob compiles to a small automaton run once over the path, so matching costs
// at most (path length) x (glob length) steps whatever the glob. A config file is repository content: a glob such
// as `*a*a*a...*b` must not hang the run, and an enormous one is a config error, not a crash.

/** Longest glob accepted, in characters. */
export const MAX_GLOB_LENGTH = 1_024;
/** Most wildcards (`*`, `**`, `?`, `[...]`) in one glob, counted over its brace alternatives. */
export const MAX_GLOB_WILDCARDS = 64;
/** Most alternatives one glob's braces expand to (`{a,b}/{c,d}` is 4). */
export const MAX_GLOB_ALTERNATIVES = 64;

export class GlobError extends Error {}

type Token =
  | { kind: 'char'; char: string }
  /** `?`: one character of a name. */
  | { kind: 'one' }
  | { kind: 'class'; negated: boolean; chars: Set<string>; ranges: [string, string][] }
  /** `*`: any run of characters within a name. */
  | { kind: 'star' }
  /** `**` as the whole of a leading or inner segment (`**\/`): zero or more whole folders. */
  | { kind: 'folders' }
  /** `/**` at the end: nothing, or `/` and anything below. */
  | { kind: 'below' }
  /** `**` as the whole glob: anything. */
  | { kind: 'all' };

/**
 * A compiled glob. Semantics as .gitignore, Ruff and ESLint users expect (and as picomatch with `dot: true` gave):
 * `*` and `?` never cross `/`; `**` as a whole segment spans folders; `[a-z]`, `[!x]` classes; `{a,b}` alternatives;
 * `\` escapes. A glob without `/` matches a name at any depth; any glob also matches everything below a folder it
 * matches (`build`, `tests/**`).
 */
export interface Glob {
  source: string;
  matches: (relative: string) => boolean;
}

/** Compiles `source`; throws GlobError saying which limit it is over, or what is wrong with it. */
export function compileGlob(source: string): Glob {
  if (source.length > MAX_GLOB_LENGTH) throw new GlobError(`is ${source.length} characters long; globs are limited to ${MAX_GLOB_LENGTH}`);
  if (/^!|[!@+*?]\(/.test(source)) throw new GlobError('negated globs and extglobs (`!x`, `!(x)`, `@(x)`, `+(x)`, `*(x)`, `?(x)`) are not supported');
  const alternatives = expandBraces(source);
  let wildcards = 0;
  const programs = alternatives.map((alternative) => {
    const tokens = tokenize(alternative);
    wildcards += tokens.filter((t) => t.kind !== 'char').length;
    return tokens;
  });
  if (wildcards > MAX_GLOB_WILDCARDS) throw new GlobError(`has ${wildcards} wildcards; globs are limited to ${MAX_GLOB_WILDCARDS}`);
  const anyDepth = !source.includes('/');
  return {
    source,
    matches: (relative) => programs.some((tokens) => (anyDepth ? relative.split('/').some((name) => run(tokens, name)) : run(tokens, relative))),
  };
}

/** `{a,b}` alternatives, nested or in sequence, expanded up to MAX_GLOB_ALTERNATIVES; `\{` is a literal brace. */
function expandBraces(source: string): string[] {
  // Bounded: each round expands the first top-level group of every pending glob, and the total is capped.
  let pending = [source];
  const done: string[] = [];
  while (pending.length) {
    const next: string[] = [];
    for (const glob of pending) {
      const group = firstBraceGroup(glob);
      if (!group) {
        done.push(glob);
        continue;
      }
      for (const option of group.options) next.push(glob.slice(0, group.start) + option + glob.slice(group.end + 1));
    }
    if (done.length + next.length > MAX_GLOB_ALTERNATIVES) throw new GlobError(`expands to more than ${MAX_GLOB_ALTERNATIVES} alternatives`);
    pending = next;
  }
  return done;
}

/** The first `{...}` with a top-level comma: where it starts and ends, and its options. */
function firstBraceGroup(glob: string): { start: number; end: number; options: string[] } | undefined {
  for (let start = 0; start < glob.length; start++) {
    if (glob[start] === '\\') { start++; continue; }
    if (glob[start] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let i = start; i < glob.length; i++) {
      const c = glob[i];
      if (c === '\\') { i++; continue; }
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        if (!commas.length) break;
        const cuts = [start, ...commas, i];
        return { start, end: i, options: cuts.slice(1).map((cut, k) => glob.slice(cuts[k] + 1, cut)) };
      } else if (c === ',' && depth === 1) commas.push(i);
    }
  }
  return undefined;
}

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  const segments = glob.split('/');
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') {
      if (segments.length === 1) tokens.push({ kind: 'all' });
      else if (last) {
        // `a/**`: drop the `/` just pushed; `below` matches nothing or `/...`.
        tokens.pop();
        tokens.push({ kind: 'below' });
      } else tokens.push({ kind: 'folders' });
      return;
    }
    for (let i = 0; i < segment.length; i++) {
      const c = segment[i];
      if (c === '\\' && i + 1 < segment.length) tokens.push({ kind: 'char', char: segment[++i] });
      else if (c === '*') {
        while (segment[i + 1] === '*') i++;
        tokens.push({ kind: 'star' });
      } else if (c === '?') tokens.push({ kind: 'one' });
      else if (c === '[') {
        const parsed = parseClass(segment, i);
        if (parsed) {
          tokens.push(parsed.token);
          i = parsed.end;
        } else tokens.push({ kind: 'char', char: c });
      } else tokens.push({ kind: 'char', char: c });
    }
    if (!last) tokens.push({ kind: 'char', char: '/' });
  });
  return tokens;
}

/** `[...]` starting at `start`: the class and the index of its `]`, or undefined if it never closes (a literal `[`). */
function parseClass(segment: string, start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  const negated = segment[i] === '!' || segment[i] === '^';
  if (negated) i++;
  const chars = new Set<string>();
  const ranges: [string, string][] = [];
  for (let first = true; i < segment.length; i++, first = false) {
    let c = segment[i];
    if (c === ']' && !first) return { token: { kind: 'class', negated, chars, ranges }, end: i };
    if (c === '\\' && i + 1 < segment.length) c = segment[++i];
    if (segment[i + 1] === '-' && i + 2 < segment.length && segment[i + 2] !== ']') {
      let to = segment[i + 2];
      i += 2;
      if (to === '\\' && i + 1 < segment.length) to = segment[++i];
      ranges.push([c, to]);
    } else chars.add(c);
  }
  return undefined;
}

function inClass(token: Extract<Token, { kind: 'class' }>, c: string): boolean {
  const found = token.chars.has(c) || token.ranges.some(([from, to]) => c >= from && c <= to);
  return found !== token.negated;
}

/**
 * Runs the automaton over `text`: the set of token positions reachable so far, advanced one character at a time
 * (no backtracking). Position tokens.length accepts. A `folders` token has a second state, "inside", at
 * tokens.length + 1 + its index. Matching a prefix that ends at a `/` also accepts (everything below a matched folder).
 */
function run(tokens: Token[], text: string): boolean {
  const end = tokens.length;
  const inside = (i: number) => end + 1 + i;
  const size = 2 * end + 1;
  let current = new Uint8Array(size);
  let next = new Uint8Array(size);
  /** Adds state `s` and what it reaches without reading a character. */
  const add = (set: Uint8Array, s: number): void => {
    // Bounded: each step moves to a higher token index or stops.
    for (let state = s; state <= end && !set[state]; state++) {
      set[state] = 1;
      const token = tokens[state];
      if (!token) return;
      if (token.kind === 'folders') set[inside(state)] = 1;
      else if (token.kind !== 'star' && token.kind !== 'below' && token.kind !== 'all') return;
    }
  };
  add(current, 0);
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === '/' && current[end]) return true;
    next.fill(0);
    for (let state = 0; state < end; state++) {
      const token = tokens[state];
      if (current[state]) {
        switch (token.kind) {
          case 'char': if (token.char === c) add(next, state + 1); break;
          case 'one': if (c !== '/') add(next, state + 1); break;
          case 'class': if (c !== '/' && inClass(token, c)) add(next, state + 1); break;
          case 'star': if (c !== '/') add(next, state); break;
          case 'all': add(next, state); break;
          case 'below': if (c === '/') next[inside(state)] = 1; break;
          case 'folders': break;
        }
      }
      if (current[inside(state)]) {
        // Inside `**/` (any folders) or below `/**` (anything): a `/` may also end the folders.
        next[inside(state)] = 1;
        if (token.kind === 'folders' && c === '/') add(next, state + 1);
      }
    }
    [current, next] = [next, current];
  }
  if (current[end]) return true;
  // Anything below `/**` accepts once inside it.
  return tokens.some((token, state) => token.kind === 'below' && current[inside(state)] === 1);
}
