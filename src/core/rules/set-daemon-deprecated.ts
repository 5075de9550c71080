import { attributeAt, occurrences } from '../locate';
import { statementOf } from '../python/edits';
import { rangeOf } from '../text';
import type { RuleMeta } from '../types';
import { errorFor } from './daemon-after-start';
import type { Rule } from './rule';

export const meta: RuleMeta = {
  slug: 'set-daemon-deprecated',
  languages: ['python'],
  defaultSeverity: 'information',
  docs: {
    summary: '`Thread.setDaemon()` is deprecated since Python 3.10; assign `daemon` instead.',
    what: 'Flags every call of `x.setDaemon(...)` on a thread, or on an object whose type is unknown (no other common API has a `setDaemon` method).',
    why: [
      'Python 3.10 deprecated the old camelCase getters and setters of `threading.Thread`',
      '(`setDaemon`, `isDaemon`, `getName`, `setName`); they emit `DeprecationWarning` and may be removed.',
      'The `daemon` attribute (or the `daemon=` constructor argument) does the same thing.',
    ].join('\n'),
    example: 'worker = threading.Thread(target=poll)\nworker.setDaemon(True)\nworker.start()',
    instead: 'worker = threading.Thread(target=poll, daemon=True)\nworker.start()',
  },
};


export const rule: Rule = {
  meta,
  mayMatch: (text) => text.includes('setDaemon'),
  check(context) {
    const semantics = context.python();
    for (const offset of occurrences(context.text, 'setDaemon')) {
      const attribute = attributeAt(context.root, offset, 'setDaemon');
      const call = attribute?.parent;
      const args = call?.childForFieldName('arguments');
      if (!attribute || call?.type !== 'call' || args?.namedChildren.length !== 1) continue;
      const object = attribute.childForFieldName('object')!;
      const value = args.namedChildren[0];
      const types = semantics.instanceTypes(object);
      // Known to be something other than a thread: not ours to judge.
      if (types.length && !errorFor(semantics, object)) continue;
      const statement = statementOf(call);
      const replaceable = statement?.type === 'expression_statement' && statement.namedChildren[0]?.id === call.id;
      context.report({
        code: meta.slug,
        message: `\`setDaemon()\` is deprecated since Python 3.10: write \`${object.text}.daemon = ${value.text}\` (before start()).`,
        range: rangeOf(call.childForFieldName('function')!.childForFieldName('attribute')!),
        tags: ['deprecated'],
        fixes: replaceable ? [{
          title: `Replace with ${object.text}.daemon = ${value.text}`,
          edits: [{ range: rangeOf(call), newText: `${object.text}.daemon = ${value.text}` }],
          preferred: true,
          applicability: 'safe',
        }] : [],
      });
    }
  },
};
