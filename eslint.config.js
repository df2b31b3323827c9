// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The folder graph of src/ (docs/design.md §11), lowest layer first: a folder may import only
 * folders of lower layers (never its own layer's siblings), so the graph stays a DAG.
 */
const LAYERS = [
  ['lib'],
  ['yaml', 'log', 'request'],
  ['config'],
  ['policy', 'identity'],
  ['state'],
  ['check'],
  ['audit'],
  ['approvals'],
  ['authz'],
  ['authzen'],
  ['telemetry'],
  ['policy-replay', 'policy-test'],
  ['server'],
  ['cli'],
];

/** One `no-restricted-imports` block per folder: the folders it must not import, and why. */
const folderBoundaries = LAYERS.flatMap((layer, index) =>
  layer.map((folder) => {
    const forbidden = [...layer.filter((sibling) => sibling !== folder), ...LAYERS.slice(index + 1).flat()];
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: forbidden.map((other) => ({
              group: [`**/${other}/**`],
              message: `src/${folder}/ may not import src/${other}/: the folder graph is layered (eslint.config.js LAYERS, docs/design.md §11).`,
            })),
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'dist-campaign/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'error',
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'campaign/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'off',
    },
  },
  ...folderBoundaries,
  { files: ['src/errors.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['./**', '../**'], message: 'src/errors.ts is the bottom of the folder graph: it imports nothing of the project.' }] }] } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
