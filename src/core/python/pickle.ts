// What `pickle` needs to send a function to another process: it pickles a function by its module and name, so the
// child process can import it. Shared by the CPU rules' process fixes, for this file's functions and other modules'.
import type { Node } from 'web-tree-sitter';

/** Why a function definition cannot be pickled by reference (a phrase after its name), or undefined when it can. */
export function definitionUnpicklable(fn: Node): string | undefined {
  if (fn.parent?.type === 'decorated_definition') return 'is decorated, and the decorated object may not pickle';
  if (fn.parent?.type !== 'module') return 'is defined inside a function or class, so pickle cannot find it by name';
  return undefined;
}
