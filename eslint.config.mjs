import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The core's layers, one way down (CONTRIBUTING.md, "Layers of the core"): a module imports only from its own layer or
// below. Names are folders and top-level files of src/core; each layer lists what is above it.
const noVscode = { name: 'vscode', message: 'The core must not import vscode; put editor code in src/adapters.' };
const above = {
  ground: ['python', 'ts', 'analysis'],
  language: ['effects', 'project'],
  effects: ['context'],
  // The features, and the modules that load the rules (analyze, config) or serve them.
  context: ['rules', 'visualiser', 'hover', 'hoverMarkdown', 'analyze', 'config', 'configEdit', 'docs', 'index', 'baseline', 'fixCheck'],
};
const layers = [
  { layer: 'ground', files: ['catalog/**', 'parser.ts', 'text.ts', 'locate.ts', 'types.ts', 'dict.ts', 'document.ts', 'message.ts', 'glob.ts'], forbidden: [...above.ground, ...above.language, ...above.effects, ...above.context] },
  { layer: 'language', files: ['python/**', 'ts/**', 'analysis.ts'], forbidden: [...above.language, ...above.effects, ...above.context] },
  { layer: 'effects', files: ['effects/**', 'project/**'], forbidden: [...above.effects, ...above.context] },
  { layer: 'context', files: ['context/**'], forbidden: above.context },
];
/** One config per layer: `no-restricted-imports` on relative specifiers that reach a higher layer of src/core. */
function layerRules({ layer, files, forbidden }) {
  const names = forbidden.join('|');
  const message = `Layers: ${layer} code must not import ${forbidden.join(', ')} (a higher layer of src/core); move the piece it needs down (see CONTRIBUTING.md, "Layers of the core").`;
  const restrict = (regex) => ({ 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [{ regex, message }] }] });
  const inFolders = files.filter((f) => f.includes('/')).map((f) => `src/core/${f}`);
  const topLevel = files.filter((f) => !f.includes('/')).map((f) => `src/core/${f}`);
  // Files in a folder of src/core reach another folder or file of it with '../'; top-level files with './'.
  return [
    ...(inFolders.length ? [{ files: inFolders, rules: restrict(`^(\\.\\./)+(${names})(/|$)`) }] : []),
    ...(topLevel.length ? [{ files: topLevel, rules: restrict(`^\\./(${names})(/|$)`) }] : []),
  ];
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/fixtures/**', 'test/integration/workspace/**', 'test/e2e/**', 'media/**', 'examples/**', 'bench/peers/**', 'scripts/**', 'bench/**/*.mjs', '*.mjs', '.vscode-test/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The analysis core runs in the CLI and tests too: it must never depend on the editor.
    files: ['src/core/**/*.ts', 'src/knowledge/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noVscode] }],
    },
  },
  // After the rule above: these keep its vscode restriction and add the layer's.
  ...layers.flatMap(layerRules),
  {
    // Names from the analysed code, a config file or a cache are data: a lookup keyed by one never goes through
    // Object.prototype (`constructor`, `toString`, `__proto__`). Use a Map, or src/core/dict.ts (no prototype).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        {
          selector: "VariableDeclarator[id.typeAnnotation.typeAnnotation.typeName.name='Record'][id.typeAnnotation.typeAnnotation.typeArguments.params.0.type='TSStringKeyword'][init.type='ObjectExpression']",
          message: 'A Record<string, T> object literal has a prototype: use dict()/dictOf() from src/core/dict.ts, or a Map.',
        },
        {
          selector: "PropertyDefinition[typeAnnotation.typeAnnotation.typeName.name='Record'][typeAnnotation.typeAnnotation.typeArguments.params.0.type='TSStringKeyword'][value.type='ObjectExpression']",
          message: 'A Record<string, T> object literal has a prototype: use dict() from src/core/dict.ts, or a Map.',
        },
        {
          selector: "CallExpression[callee.object.name='Object'][callee.property.name='fromEntries']",
          message: 'Object.fromEntries makes an object with a prototype: use dictFrom() from src/core/dict.ts, or a Map.',
        },
        {
          selector: "BinaryExpression[operator='in'][left.type!='Literal']",
          message: '`key in object` finds inherited keys too: use Object.hasOwn(), own() from src/core/dict.ts, or a Map.',
        },
        {
          // One line model: a node's position comes from its offsets (rangeOf, startOf, endOf, lineOf in
          // src/core/text.ts); tree-sitter's rows count only \n, so a lone \r would shift every line after it.
          selector: "MemberExpression[property.name=/^(startPosition|endPosition)$/]",
          message: "Tree-sitter rows count only \\n: use rangeOf/startOf/endOf/lineOf from src/core/text.ts.",
        },
      ],
    },
  },
  {
    files: ['test/unit/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    // Browser-driving tests load playwright-core at run time (optional, untyped here) and run code in the page.
    files: ['test/unit/visualiser/page.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
