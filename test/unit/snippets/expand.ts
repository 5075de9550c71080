// A small VS Code snippet expander for tests: resolves every tabstop, placeholder, choice and
// variable to its default, the way the snippet reads if the user just tabs through it.

type SnippetNode =
  | { kind: 'text'; value: string }
  | { kind: 'tabstop'; index: number; children?: SnippetNode[]; choices?: string[] }
  | { kind: 'variable'; name: string; children?: SnippetNode[] };

/** Values for variables that have no default in the body. */
const VARIABLES: Record<string, string> = {
  TM_FILENAME: 'example.py',
  TM_FILENAME_BASE: 'example',
  TM_DIRECTORY: '.',
  TM_FILEPATH: './example.py',
  TM_LINE_INDEX: '0',
  TM_LINE_NUMBER: '1',
  TM_SELECTED_TEXT: '',
  TM_CURRENT_LINE: '',
  TM_CURRENT_WORD: '',
  CLIPBOARD: '',
};

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): SnippetNode[] {
    const nodes = this.parseUntil(false);
    if (this.pos < this.src.length) throw new Error(`unexpected '}' at ${this.pos}`);
    return nodes;
  }

  /** Parses until the end, or (inside a placeholder) until the closing '}', which it consumes. */
  private parseUntil(inPlaceholder: boolean): SnippetNode[] {
    const nodes: SnippetNode[] = [];
    let text = '';
    const flush = () => {
      if (text) nodes.push({ kind: 'text', value: text });
      text = '';
    };
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next === '$' || next === '}' || next === '\\') {
          text += next;
          this.pos += 2;
        } else {
          text += c;
          this.pos += 1;
        }
      } else if (c === '}' && inPlaceholder) {
        this.pos += 1;
        flush();
        return nodes;
      } else if (c === '$') {
        const node = this.parseDollar();
        if (node) {
          flush();
          nodes.push(node);
        } else {
          text += c;
          this.pos += 1;
        }
      } else {
        text += c;
        this.pos += 1;
      }
    }
    if (inPlaceholder) throw new Error('unterminated placeholder');
    flush();
    return nodes;
  }

  /** At a '$': returns a node and advances, or returns undefined (a literal '$') without advancing. */
  private parseDollar(): SnippetNode | undefined {
    const rest = this.src.slice(this.pos + 1);
    let m = /^\d+/.exec(rest);
    if (m) {
      this.pos += 1 + m[0].length;
      return { kind: 'tabstop', index: Number(m[0]) };
    }
    m = /^[A-Za-z_]\w*/.exec(rest);
    if (m) {
      this.pos += 1 + m[0].length;
      return { kind: 'variable', name: m[0] };
    }
    m = /^\{(\d+|[A-Za-z_]\w*)([:|}/])/.exec(rest);
    if (!m) return undefined;
    const id = m[1];
    const sep = m[2];
    this.pos += 1 + m[0].length;
    const isIndex = /^\d+$/.test(id);
    if (sep === '}') return isIndex ? { kind: 'tabstop', index: Number(id) } : { kind: 'variable', name: id };
    if (sep === ':') {
      const children = this.parseUntil(true);
      return isIndex ? { kind: 'tabstop', index: Number(id), children } : { kind: 'variable', name: id, children };
    }
    if (sep === '|' && isIndex) return { kind: 'tabstop', index: Number(id), choices: this.parseChoices() };
    throw new Error(`unsupported snippet syntax at ${this.pos}: '\${${id}${sep}'`);
  }

  private parseChoices(): string[] {
    const choices: string[] = [];
    let current = '';
    while (this.pos < this.src.length) {
      const c = this.src[this.pos];
      if (c === '\\' && /[,|\\$}]/.test(this.src[this.pos + 1] ?? '')) {
        current += this.src[this.pos + 1];
        this.pos += 2;
      } else if (c === ',') {
        choices.push(current);
        current = '';
        this.pos += 1;
      } else if (c === '|' && this.src[this.pos + 1] === '}') {
        choices.push(current);
        this.pos += 2;
        return choices;
      } else {
        current += c;
        this.pos += 1;
      }
    }
    throw new Error('unterminated choice');
  }
}

export interface ExpandOptions {
  /** Replace the value of these tabstops (e.g. a port) instead of using the default. */
  overrides?: Record<number, string>;
}

/** Expands a snippet body (lines joined with '\n', or the JSON's array of lines) to plain text. */
export function expandSnippet(body: string | readonly string[], options: ExpandOptions = {}): string {
  const src = typeof body === 'string' ? body : body.join('\n');
  const nodes = new Parser(src).parse();

  // The first placeholder or choice of each index defines its value; bare `$n` mirror it.
  const definitions = new Map<number, Extract<SnippetNode, { kind: 'tabstop' }>>();
  const collect = (list: SnippetNode[]) => {
    for (const n of list) {
      if (n.kind === 'tabstop' && (n.children || n.choices) && !definitions.has(n.index)) definitions.set(n.index, n);
      if (n.kind !== 'text' && n.children) collect(n.children);
    }
  };
  collect(nodes);

  const resolving = new Set<number>();
  const valueOf = (index: number): string => {
    if (index === 0) return '';
    const override = options.overrides?.[index];
    if (override !== undefined) return override;
    const def = definitions.get(index);
    if (!def) return '';
    if (resolving.has(index)) throw new Error(`tabstop $${index} refers to itself`);
    resolving.add(index);
    try {
      return def.choices ? def.choices[0] ?? '' : render(def.children ?? []);
    } finally {
      resolving.delete(index);
    }
  };
  const render = (list: SnippetNode[]): string =>
    list
      .map((n) => {
        if (n.kind === 'text') return n.value;
        if (n.kind === 'tabstop') return valueOf(n.index);
        const known = VARIABLES[n.name];
        if (known) return known;
        return n.children ? render(n.children) : '';
      })
      .join('');
  return render(nodes);
}
