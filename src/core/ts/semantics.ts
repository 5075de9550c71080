import type { Node, Tree } from 'web-tree-sitter';

/**
 * Name resolution for one TypeScript/JavaScript file: which API a name or expression stands for,
 * through `import`, `require`, destructuring and aliases, and globals such as `Promise` or `Atomics`
 * unless shadowed. Shared by rules, hovers and the visualiser.
 */
export type TsResolution =
  /** A module member or global by qualified name: 'fs.readFileSync', 'worker_threads.Worker', 'global.Promise.all'. */
  | { kind: 'qualified'; name: string }
  /** An object made by `new X()` or a known factory: { type: 'worker_threads.Worker' }. */
  | { kind: 'instance'; type: string }
  /** A function or class declared in this file. */
  | { kind: 'local'; node: Node; name: string };

export class TsSemantics {
  constructor(readonly tree: Tree) {}

  /** What the expression `node` denotes, or undefined when unknown. (Implementation pending.) */
  resolve(node: Node): TsResolution | undefined {
    void node;
    return undefined;
  }

  /** The qualified name a call (or `new`) calls, e.g. 'fs.readFileSync'. */
  calleeName(call: Node): string | undefined {
    const callee = call.childForFieldName('function') ?? call.childForFieldName('constructor');
    const resolved = callee ? this.resolve(callee) : undefined;
    return resolved?.kind === 'qualified' ? resolved.name : undefined;
  }
}
